"""Find importable files and read them into Documents, lazily, one input at a time.

Supported: `.html`/`.htm` (optionally `.gz`), `.txt`, and `.jsonl` (one article a line with
`url` and `html` or `text`), and WARC files (`.warc`, `.warc.gz`: see extractors/warc.py).
A file that cannot be read yields an InputFailure, never an exception, so one bad file cannot
stop a batch.
"""

from __future__ import annotations

import json
import os
import zlib
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from config import ExtractionSettings
from extractors.article import Document, DocumentKind
from extractors.warc import WARC_SUFFIXES, read_warc

HTML_SUFFIXES = (".html", ".htm", ".html.gz", ".htm.gz")
TEXT_SUFFIXES = (".txt",)
JSONL_SUFFIXES = (".jsonl",)


@dataclass
class InputFailure:
    """An input that produced no document; `reason` says why."""

    source: str
    reason: str
    stage: str = "read"


def input_kind(path: Path) -> str | None:
    """ "html", "text", "jsonl", "warc" or None for a file type we do not import."""
    name = path.name.lower()
    if name.endswith(WARC_SUFFIXES):
        return "warc"
    if name.endswith(HTML_SUFFIXES):
        return "html"
    if name.endswith(TEXT_SUFFIXES):
        return "text"
    if name.endswith(JSONL_SUFFIXES):
        return "jsonl"
    return None


def _walk(path: Path) -> Iterator[Path]:
    for root, dirs, files in os.walk(path):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        for name in sorted(files):
            candidate = Path(root) / name
            if input_kind(candidate):
                yield candidate


def _read_bytes(path: Path, max_bytes: int) -> bytes:
    size = path.stat().st_size
    if size > max_bytes:
        raise ValueError(f"file is {size} bytes, over the {max_bytes}-byte limit")
    data = path.read_bytes()
    if path.name.lower().endswith(".gz"):
        data = _gunzip(data, max_bytes)
    return data


def _gunzip(data: bytes, max_bytes: int) -> bytes:
    """Decompress with a ceiling, so a gzip bomb is refused instead of filling memory."""
    inflater = zlib.decompressobj(wbits=16 + zlib.MAX_WBITS)
    try:
        out = inflater.decompress(data, max_bytes + 1)
    except zlib.error as exc:
        raise ValueError(f"corrupt gzip data: {exc}") from exc
    if len(out) > max_bytes or inflater.unconsumed_tail:
        raise ValueError(f"decompressed size is over the {max_bytes}-byte limit")
    return out


def _jsonl_documents(path: Path, shown: str, max_bytes: int) -> Iterator[Document | InputFailure]:
    with path.open("rb") as handle:
        for lineno, raw in enumerate(handle, start=1):
            source = f"{shown}:{lineno}"
            if not raw.strip():
                continue
            try:
                record = json.loads(raw)
            except (json.JSONDecodeError, UnicodeDecodeError) as exc:
                yield InputFailure(source, f"line is not valid JSON: {exc}")
                continue
            if not isinstance(record, dict):
                yield InputFailure(source, "line is not a JSON object")
                continue
            url = record.get("url") if isinstance(record.get("url"), str) else None
            html, text = record.get("html"), record.get("text")
            if isinstance(html, str) and html.strip():
                kind, payload = "html", html
            elif isinstance(text, str) and text.strip():
                kind, payload = "text", text
            else:
                yield InputFailure(source, "line has neither a non-empty 'html' nor 'text' field")
                continue
            if len(payload) > max_bytes:
                yield InputFailure(source, f"article is over the {max_bytes}-byte limit")
                continue
            meta = {k: record[k] for k in ("title", "published", "authors", "site") if k in record}
            yield Document(source=source, kind=kind, payload=payload, url=url, metadata=meta)


def read_file(
    path: Path, shown: str, max_bytes: int, skipped: Counter | None = None
) -> Iterator[Document | InputFailure]:
    """The documents in one file (several for `.jsonl` and WARC files, whose skipped records
    are counted in `skipped`)."""
    kind = input_kind(path)
    if kind is None:
        yield InputFailure(shown, f"unsupported file type {path.suffix or '(none)'!r}")
        return
    try:
        if kind == "jsonl":
            yield from _jsonl_documents(path, shown, max_bytes)
            return
        if kind == "warc":
            for item in read_warc(
                path, shown, max_bytes, Counter() if skipped is None else skipped
            ):
                yield item if isinstance(item, Document) else InputFailure(*item)
            return
        doc_kind: DocumentKind = "html" if kind == "html" else "text"
        yield Document(source=shown, kind=doc_kind, payload=_read_bytes(path, max_bytes))
    except (OSError, ValueError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        yield InputFailure(shown, f"cannot read file: {reason}")


def iter_documents(
    paths: Iterable[str],
    max_bytes: int = ExtractionSettings().max_input_bytes,
    skipped: Counter | None = None,
) -> Iterator[Document | InputFailure]:
    """Every document under `paths` (files, or directories walked recursively in name order);
    WARC records that are not article pages are counted in `skipped` by reason."""
    for given in paths:
        path = Path(given)
        if path.is_dir():
            for file in _walk(path):
                yield from read_file(file, str(file), max_bytes, skipped)
        elif path.exists():
            yield from read_file(path, given, max_bytes, skipped)
        else:
            yield InputFailure(given, "no such file or directory")
