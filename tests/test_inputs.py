"""File discovery and reading for imports: kinds, recursion, limits, unreadable files."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

from extractors import Document, InputFailure, iter_documents

PAGE = "<html><body><article><p>" + "Readable paragraph. " * 20 + "</p></article></body></html>"


def test_directories_are_walked_recursively_in_name_order(tmp_path: Path) -> None:
    (tmp_path / "b" / "deeper").mkdir(parents=True)
    (tmp_path / "b" / "deeper" / "z.htm").write_text(PAGE)
    (tmp_path / "a.txt").write_text("Title\nBody line.")
    (tmp_path / "b" / "page.html.gz").write_bytes(gzip.compress(PAGE.encode()))
    (tmp_path / "notes.md").write_text("not an article")
    (tmp_path / ".hidden").mkdir()
    (tmp_path / ".hidden" / "x.txt").write_text("skipped")

    docs = list(iter_documents([str(tmp_path)]))

    assert [Path(d.source).name for d in docs] == ["a.txt", "page.html.gz", "z.htm"]
    assert all(isinstance(d, Document) for d in docs)
    assert [d.kind for d in docs] == ["text", "html", "html"]
    assert docs[1].payload == PAGE.encode()


def test_jsonl_lines_become_documents_with_line_sources(tmp_path: Path) -> None:
    path = tmp_path / "batch.jsonl"
    lines = [
        json.dumps({"url": "https://example.org/1", "html": PAGE, "title": "Given title"}),
        "",
        json.dumps({"text": "Title\nBody"}),
        json.dumps(["not", "an", "object"]),
    ]
    path.write_text("\n".join(lines), encoding="utf-8")

    docs = list(iter_documents([str(path)]))

    assert [d.source for d in docs] == [f"{path}:1", f"{path}:3", f"{path}:4"]
    assert docs[0].url == "https://example.org/1" and docs[0].metadata == {"title": "Given title"}
    assert docs[1].kind == "text" and docs[1].url is None
    assert isinstance(docs[2], InputFailure) and "not a JSON object" in docs[2].reason


def test_limits_and_unreadable_inputs_become_failures(tmp_path: Path) -> None:
    big = tmp_path / "big.html"
    big.write_bytes(b"<p>" + b"x" * 5000 + b"</p>")
    corrupt = tmp_path / "corrupt.html.gz"
    corrupt.write_bytes(b"\x1f\x8b not really gzip")
    unsupported = tmp_path / "image.png"
    unsupported.write_bytes(b"\x89PNG")

    results = list(
        iter_documents(
            [str(big), str(corrupt), str(unsupported), str(tmp_path / "gone.txt")],
            max_bytes=1000,
        )
    )

    assert all(isinstance(r, InputFailure) for r in results)
    reasons = [r.reason for r in results]
    assert "over the 1000-byte limit" in reasons[0]
    assert "corrupt gzip" in reasons[1]
    assert "unsupported file type '.png'" in reasons[2]
    assert "no such file or directory" in reasons[3]


def test_a_gzip_bomb_is_refused_without_inflating_it(tmp_path: Path) -> None:
    bomb = tmp_path / "bomb.html.gz"
    bomb.write_bytes(gzip.compress(b"<p>" + b"\0" * 50_000_000))
    assert bomb.stat().st_size < 100_000

    (result,) = iter_documents([str(bomb)], max_bytes=100_000)

    assert isinstance(result, InputFailure)
    assert "decompressed size is over the 100000-byte limit" in result.reason
