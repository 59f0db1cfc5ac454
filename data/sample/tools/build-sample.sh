#!/usr/bin/env bash
# Rebuilds data/sample/ from Debian packages (bible-kjv-text, bible-kjv, python3.11-doc). Not part of the
# runtime: the committed files are what bin/gemma demo reads. Needs apt (Debian), Java 17 and zstd.
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
OUT="$(cd "$HERE/.." && pwd)"
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
cd "$WORK"
apt-get download bible-kjv bible-kjv-text python3.11-doc
for deb in *.deb; do dpkg-deb -x "$deb" root; done
# The KJV ships in a compressed format of its own; its reader prints the whole text.
root/usr/bin/bible -p root/usr/lib -l0 "gen1:1-rev22:21" > kjv.txt
java "$HERE/BuildSampleCorpus.java" kjv.txt root/usr/share/doc/python3.11/html/_sources "$OUT"
zstd -q -19 -f --rm "$OUT/python-docs.jsonl" -o "$OUT/python-docs.jsonl.zst"
du -sh "$OUT"
