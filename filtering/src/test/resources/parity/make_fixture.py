#!/usr/bin/env python3
"""Writes the DataTrove parity fixtures read by DataTroveParityTest.

Run with Debian's python3-nltk (NLTK 3.8; apt-get install -y python3-nltk):
    /usr/bin/python3 filtering/src/test/resources/parity/make_fixture.py

The expectations are DataTrove's definitions (GopherRepetitionFilter, GopherQualityFilter and C4QualityFilter in
datatrove/pipeline/filters, its PUNCTUATION in datatrove/utils/text.py), transcribed here by hand, run on NLTK's
own NLTKWordTokenizer and PunktSentenceTokenizer. DataTrove loads Punkt's trained English model, which NLTK does
not ship in Debian; Punkt here runs with the abbreviation list of SentenceSplitter and no other trained
parameters, the one documented difference. Every document's text is written so that the trained model would
split it the same way (no abbreviations, ellipses or initials before capitalised words).

NLTK 3.8 and 3.9 differ in one tokenizer rule, a leading apostrophe before a word that is not a clitic ("'cause":
3.8 keeps "'cause", 3.9 splits "'" "cause"); TreebankWordTokenizer follows 3.9 and the cases avoid that pattern.

Outputs (JSON lines): tokens.jsonl (sentence -> NLTK tokens), sentences.jsonl (text -> Punkt sentences),
documents.jsonl (id, why, text, expected: null when kept, or our reason name).
"""
import json
import os
import re
from collections import Counter

import numpy as np
from nltk.tokenize import NLTKWordTokenizer
from nltk.tokenize.punkt import PunktParameters, PunktSentenceTokenizer

HERE = os.path.dirname(os.path.abspath(__file__))
ABBREVIATIONS = {"mr", "mrs", "ms", "dr", "st", "vs", "etc", "e.g", "i.e", "no", "fig", "jr", "sr", "prof", "inc",
                 "ltd", "co", "vol", "pp", "approx", "cf", "al", "gen", "col", "lt", "sgt", "rev", "mt", "jan", "feb",
                 "mar", "apr", "aug", "sept", "sep", "oct", "nov", "dec", "u.s", "u.k", "a.m", "p.m", "corp", "dept",
                 "est", "govt", "assn", "bros"}
params = PunktParameters()
params.abbrev_types = set(ABBREVIATIONS)
PUNKT = PunktSentenceTokenizer(params)
TREEBANK = NLTKWordTokenizer()


def sent_tokenize(text):
    return [s.strip() for s in PUNKT.tokenize(text) if s.strip()]


def word_tokenize(text):
    return [t.strip() for s in PUNKT.tokenize(text) for t in TREEBANK.tokenize(s) if t.strip()]


# datatrove/utils/text.py
PUNCTUATION = "!/—”:％１〈&(、━\\【#%「」，】；+^]~“《„';’{|∶´[=-`*．（–？！：$～«〉,><》)?）。…@_.\"}►»" + "".join(
    map(chr, (x for a, b in ((0, 9), (11, 13), (13, 32), (127, 160)) for x in range(a, b))))
PUNCTUATION_SET = set(PUNCTUATION)


def gopher_quality(text, stop_words=("the", "be", "to", "of", "and", "that", "have", "with")):
    words = word_tokenize(text)
    n_words = len(words)
    non_symbol = [w for w in words if any(ch not in PUNCTUATION_SET for ch in w)]
    if len(non_symbol) < 50 or len(non_symbol) > 100000:
        return "gopher_quality:word_count"
    avg = np.mean([len(w) for w in non_symbol])
    if avg < 3 or avg > 10:
        return "gopher_quality:mean_word_length"
    if text.count("#") / n_words > 0.1:
        return "gopher_quality:hash_ratio"
    if (text.count("...") + text.count("…")) / n_words > 0.1:
        return "gopher_quality:ellipsis_ratio"
    lines = text.splitlines()
    if sum(s.lstrip().startswith("•") or s.lstrip().startswith("-") for s in lines) / len(lines) > 0.9:
        return "gopher_quality:bullet_lines"
    if sum(s.rstrip().endswith("...") or s.rstrip().endswith("…") for s in lines) / len(lines) > 0.3:
        return "gopher_quality:ellipsis_lines"
    if sum(any(c.isalpha() for c in w) for w in words) / n_words < 0.8:
        return "gopher_quality:alpha_words"
    if sum(w in set(stop_words) for w in words) < 2:
        return "gopher_quality:stop_words"
    return None


def duplicates(items):
    seen, dup, chars = set(), 0, 0
    for x in items:
        if x in seen:
            dup += 1
            chars += len(x)
        else:
            seen.add(x)
    return dup, chars


def gopher_repetition(text):
    paragraphs = re.split(r"\n{2,}", text.strip())
    dup, chars = duplicates(paragraphs)
    if dup / len(paragraphs) > 0.3:
        return "gopher_repetition:dup_para_fraction"
    if chars / len(text) > 0.2:
        return "gopher_repetition:dup_para_char_fraction"
    lines = re.split("\n+", text)
    dup, chars = duplicates(lines)
    if dup / len(lines) > 0.3:
        return "gopher_repetition:dup_line_fraction"
    if chars / len(text) > 0.2:
        return "gopher_repetition:dup_line_char_fraction"
    words = word_tokenize(text)
    for n, frac in ((2, 0.2), (3, 0.18), (4, 0.16)):
        grams = [" ".join(words[i:i + n]) for i in range(len(words) - n + 1)]
        if not grams:
            continue
        gram, count = Counter(grams).most_common(1)[0]
        if len(gram) * count / len(text) > frac:
            return f"gopher_repetition:top_{n}_gram"
    for n, frac in ((5, 0.15), (6, 0.14), (7, 0.13), (8, 0.12), (9, 0.11), (10, 0.10)):
        seen, repeated, i = set(), 0, 0
        while i < len(words) - n + 1:
            gram = "".join(words[i:i + n])
            if gram in seen:
                repeated += len(gram)
                i += n
            else:
                seen.add(gram)
                i += 1
        if repeated / len(text) > frac:
            return f"gopher_repetition:dup_{n}_gram"
    return None


CITATION = re.compile(r"\[\d*]|\[edit]|\[citation needed]")
POLICY = ["terms of use", "privacy policy", "cookie policy", "uses cookies", "use of cookies", "use cookies"]


def c4_quality(text):
    sentences = 0
    for line in text.splitlines():
        line = line.strip()
        words = line.split()
        if any(len(w) > 1000 for w in words):
            continue
        line = CITATION.sub("", line)
        if not line.endswith((".", "?", "!", '"', "'")) or line.endswith("..."):
            continue
        if len(words) < 3:
            continue
        low = line.lower()
        if "lorem ipsum" in low:
            return "c4_quality:lorem_ipsum"
        if "javascript" in low:
            continue
        if "{" in line:
            return "c4_quality:curly_bracket"
        if any(p in low for p in POLICY):
            continue
        sentences += len(sent_tokenize(line))
    return "c4_quality:too_few_sentences" if sentences < 5 else None


def decide(text):
    return gopher_repetition(text) or gopher_quality(text) or c4_quality(text)


def main():
    with open(os.path.join(HERE, "documents.in.jsonl"), encoding="utf-8") as f:
        docs = [json.loads(line) for line in f if line.strip()]
    with open(os.path.join(HERE, "documents.jsonl"), "w", encoding="utf-8") as out:
        for d in docs:
            d["expected"] = decide(d["text"])
            out.write(json.dumps(d, ensure_ascii=False) + "\n")
    with open(os.path.join(HERE, "sentences.in.txt"), encoding="utf-8") as f:
        cases = [line.rstrip("\n").replace("\\n", "\n") for line in f if line.strip() and not line.startswith("#")]
    with open(os.path.join(HERE, "tokens.jsonl"), "w", encoding="utf-8") as out:
        for c in cases:
            out.write(json.dumps({"text": c, "tokens": TREEBANK.tokenize(c)}, ensure_ascii=False) + "\n")
    with open(os.path.join(HERE, "sentences.jsonl"), "w", encoding="utf-8") as out:
        for c in cases:
            out.write(json.dumps({"text": c, "sentences": sent_tokenize(c)}, ensure_ascii=False) + "\n")
    with open(os.path.join(HERE, "punctuation.txt"), "w", encoding="utf-8") as out:
        out.write(json.dumps(sorted(PUNCTUATION_SET)) + "\n")


if __name__ == "__main__":
    main()
