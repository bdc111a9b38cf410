"""Deterministic language identification with langdetect."""

from __future__ import annotations

import threading

from langdetect import DetectorFactory, LangDetectException, detect_langs

_lock = threading.Lock()


# langdetect's cost grows with the text; the first paragraphs decide the language as well.
SAMPLE_CHARS = 600


def detect_language(text: str, *, seed: int = 0, min_chars: int = 20) -> str | None:
    """ISO 639-1 code of `text` (e.g. "en", "zh-cn"), or None when too short or undecidable.

    langdetect samples randomly; seeding the factory before each call makes it repeatable.
    The lock serialises its shared, lazily built profile tables across threads.
    """
    sample = text[:SAMPLE_CHARS].strip()
    if len(sample) < min_chars:
        return None
    with _lock:
        DetectorFactory.seed = seed
        try:
            ranked = detect_langs(sample)
        except LangDetectException:
            return None
    return ranked[0].lang if ranked else None
