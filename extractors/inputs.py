"""Find importable files and read them into Documents, lazily, one input at a time.

Supported: `.html`/`.htm` (optionally `.gz`), `.txt`, and `.jsonl` (one article a line with
`url` and `html` or `text`), and WARC files (`.warc`, `.warc.gz`: see extractors/warc.py).
A file that cannot be read yields an InputFailure, never an
exception, so one bad file cannot stop a batch: so do a directory that cannot be listed, a
file name that is not UTF-8, anything but a regular file (FIFOs, devices), a truncated gzip
stream and a JSON line whose fields have the wrong types. Reads are bounded by the bytes
actually read, never by the size a file reports.
"""

from __future__ import annotations

import json
import os
import stat
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from config import ExtractionSettings
from extractors.article import Document, DocumentKind, FailureStage
from extractors.decompress import CorruptStream, OverLimit, TruncatedStream, gunzip
from extractors.warc import WARC_SUFFIXES, read_warc

HTML_SUFFIXES = (".html", ".htm", ".html.gz", ".htm.gz")
TEXT_SUFFIXES = (".txt",)
JSONL_SUFFIXES = (".jsonl",)


@dataclass
class InputFailure:
    """An input that produced no document; `reason` says why."""

    source: str
    reason: str
    stage: FailureStage = FailureStage.READ


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


def escape_undecodable(text: str) -> str:
    """`text` with the undecodable bytes of a non-UTF-8 file name (surrogate escapes) spelt
    `\\xNN`, so it can be shown and stored."""
    return text.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")


def undecodable_name(name: str) -> bool:
    """True when a file name holds bytes that are not UTF-8."""
    try:
        name.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


def _walk(path: Path) -> Iterator[Path | InputFailure]:
    """Importable files under `path` in name order; a directory that cannot be listed is a
    failure, not a silent gap."""
    unlisted: list[OSError] = []
    for root, dirs, files in os.walk(path, onerror=unlisted.append):
        yield from _unlisted_failures(unlisted)
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        for name in sorted(files):
            candidate = Path(root) / name
            if input_kind(candidate):
                yield candidate
    yield from _unlisted_failures(unlisted)


def _unlisted_failures(errors: list[OSError]) -> Iterator[InputFailure]:
    while errors:
        error = errors.pop(0)
        shown = escape_undecodable(str(error.filename))
        yield InputFailure(shown, f"cannot read directory: {error.strerror or error}")


_SPECIAL_FILES = (
    (stat.S_ISDIR, "a directory"),
    (stat.S_ISFIFO, "a FIFO"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
    (stat.S_ISSOCK, "a socket"),
)


def open_regular(path: Path) -> BinaryIO:
    """`path` opened for reading if it is (or links to) a regular file; raises ValueError for
    FIFOs, devices and sockets, whose size says nothing and whose reads may never end.
    Opening does not block (a FIFO without a writer)."""
    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC)
    mode = os.fstat(fd).st_mode
    if not stat.S_ISREG(mode):
        os.close(fd)
        kind = next((label for test, label in _SPECIAL_FILES if test(mode)), "a special file")
        raise ValueError(f"not a regular file ({kind})")
    os.set_blocking(fd, True)
    return os.fdopen(fd, "rb")


def _read_bytes(path: Path, max_bytes: int) -> bytes:
    """The file's bytes, refused once more than `max_bytes` were actually read (a size the
    file system reports is not trusted); `.gz` files are decompressed with the same ceiling."""
    with open_regular(path) as handle:
        data = handle.read(max_bytes + 1)
    if len(data) > max_bytes:
        raise ValueError(f"file is over the {max_bytes}-byte limit")
    if path.name.lower().endswith(".gz"):
        data = _gunzip(data, max_bytes)
    return data


def _gunzip(data: bytes, max_bytes: int) -> bytes:
    """Decompress with a ceiling, so a gzip bomb is refused instead of filling memory; a
    stream that ends early (a truncated download) is refused rather than stored in part."""
    try:
        return gunzip(data, max_bytes)
    except CorruptStream as exc:
        raise ValueError(f"corrupt gzip data: {exc}") from exc
    except OverLimit as exc:
        raise ValueError(f"decompressed size is over the {max_bytes}-byte limit") from exc
    except TruncatedStream as exc:
        raise ValueError(
            "truncated gzip data: the file ends before the compressed stream does"
        ) from exc


_JSON_TYPES = {dict: "an object", list: "an array", bool: "a boolean", int: "a number"}
_JSON_TYPES |= {float: "a number", str: "a string", type(None): "null"}
# Optional text fields of a JSON Lines record, with the longest value stored.
JSONL_TEXT_FIELDS = {"url": 2048, "title": None, "published": 64, "site": 512}


def _json_type(value: object) -> str:
    return _JSON_TYPES.get(type(value), type(value).__name__)


def jsonl_field_problem(record: dict) -> str | None:
    """Why a JSON Lines record's fields cannot be used (wrong type, too long), or None."""
    for name, longest in {**JSONL_TEXT_FIELDS, "html": None, "text": None}.items():
        value = record.get(name)
        if value is not None and not isinstance(value, str):
            return f"field {name!r} must be a string, not {_json_type(value)}"
        if value is not None and longest and len(value) > longest:
            return f"field {name!r} is longer than {longest} characters"
    authors = record.get("authors")
    if authors is not None and not (
        isinstance(authors, list) and all(isinstance(name, str) for name in authors)
    ):
        return f"field 'authors' must be an array of strings, not {_json_type(authors)}"
    return None


def _bounded_lines(handle: BinaryIO, max_bytes: int) -> Iterator[bytes | None]:
    """The lines of `handle`, each read with a ceiling; None stands for a line over it (the
    rest of which is skipped)."""
    while raw := handle.readline(max_bytes + 2):
        if len(raw) <= max_bytes + 1 or raw.endswith(b"\n"):
            yield raw
            continue
        while (rest := handle.readline(1 << 20)) and not rest.endswith(b"\n"):
            pass
        yield None


def _jsonl_documents(path: Path, shown: str, max_bytes: int) -> Iterator[Document | InputFailure]:
    with open_regular(path) as handle:
        for lineno, raw in enumerate(_bounded_lines(handle, max_bytes), start=1):
            source = f"{shown}:{lineno}"
            if raw is None:
                yield InputFailure(source, f"line is over the {max_bytes}-byte limit")
                continue
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
            if problem := jsonl_field_problem(record):
                yield InputFailure(source, problem)
                continue
            url, html, text = record.get("url"), record.get("html"), record.get("text")
            kind: DocumentKind
            if html and html.strip():
                kind, payload = "html", html
            elif text and text.strip():
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
    if undecodable_name(shown):
        yield InputFailure(
            escape_undecodable(shown), "file name is not valid UTF-8: rename the file to import it"
        )
        return
    kind = input_kind(path)
    if kind is None:
        yield InputFailure(shown, f"unsupported file type {path.suffix or '(none)'!r}")
        return
    try:
        if kind == "jsonl":
            yield from _jsonl_documents(path, shown, max_bytes)
            return
        if kind == "warc":
            counts = Counter() if skipped is None else skipped
            with open_regular(path) as handle:
                for item in read_warc(handle, shown, max_bytes, counts):
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
            for found in _walk(path):
                if isinstance(found, InputFailure):
                    yield found
                else:
                    yield from read_file(found, str(found), max_bytes, skipped)
        elif path.exists() or path.is_symlink():
            yield from read_file(path, given, max_bytes, skipped)
        else:
            yield InputFailure(escape_undecodable(given), "no such file or directory")
