"""The article-body metric of the Zyte article-extraction benchmark, shared by the extraction
benchmark and the golden-page tests: `\\w+` tokens, multisets of 4-token shingles, per-page
TP/FP/FN normalised to sum to 1; precision and recall are averaged over pages."""

from __future__ import annotations

import re
from collections import Counter

_TOKEN = re.compile(r"\w+")
SHINGLE = 4


def shingles(text: str) -> Counter[str]:
    """Multiset of 4-token shingles (a text of fewer tokens is one short shingle)."""
    tokens = _TOKEN.findall(text or "")
    spans = range(max(1, len(tokens) - SHINGLE + 1))
    return Counter(shingle for i in spans if (shingle := " ".join(tokens[i : i + SHINGLE])))


def page_scores(gold: str, predicted: str) -> tuple[float, float, float]:
    """TP, FP, FN shingle overlaps of one page, normalised to sum to 1."""
    true, pred = shingles(gold), shingles(predicted)
    tp = sum((true & pred).values())
    fp = sum((pred - true).values())
    fn = sum((true - pred).values())
    total = tp + fp + fn
    return (tp / total, fp / total, fn / total) if total else (0.0, 0.0, 0.0)


def precision_recall(gold: str, predicted: str) -> tuple[float, float]:
    """Precision and recall of one page (0.0 where undefined)."""
    tp, fp, fn = page_scores(gold, predicted)
    return (tp / (tp + fp) if tp + fp else 0.0, tp / (tp + fn) if tp + fn else 0.0)
