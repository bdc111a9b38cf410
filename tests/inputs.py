"""Builders for awkward inputs, written by the tests themselves (never read from ../shared)."""

from __future__ import annotations

import random
from pathlib import Path

CYRILLIC_SENTENCE = "Москва и Тель-Авив договорились о координации военных действий в Сирии."


def write_binary(path: Path, size: int = 4096) -> Path:
    path.write_bytes(random.Random(7).randbytes(size))
    return path


def write_cp1251_page(path: Path, declare: bool = True) -> Path:
    """A Russian article encoded in windows-1251, declaring its charset in <meta> or not."""
    meta = '<meta charset="windows-1251">' if declare else ""
    paragraphs = "".join(f"<p>{CYRILLIC_SENTENCE} Абзац номер {n}.</p>" for n in range(1, 7))
    html = (
        f"<html><head>{meta}<title>Новости Сирии</title></head><body>"
        f"<article><h1>Новости Сирии</h1>{paragraphs}</article></body></html>"
    )
    path.write_bytes(html.encode("cp1251"))
    return path


def write_truncated_page(path: Path) -> Path:
    """An article whose HTML stops mid-paragraph (no closing tags)."""
    path.write_text(
        "<html><head><title>Cut short</title></head><body><article><h1>Cut short</h1>"
        "<p>The first paragraph of this report is complete and long enough to be kept.</p>"
        "<p>The second paragraph was cut off in the midd",
        encoding="utf-8",
    )
    return path
