"""Streaming export of the latest version of every article as JSON Lines."""

from __future__ import annotations

import json
from typing import TextIO

from corpus.store import CorpusStore


def export_jsonl(store: CorpusStore, out: TextIO, canonical_only: bool = False) -> int:
    """Write one JSON object per article to `out`, in constant memory; returns the count."""
    count = 0
    for record in store.iter_latest(canonical_only=canonical_only):
        out.write(json.dumps(record, ensure_ascii=False))
        out.write("\n")
        count += 1
    return count
