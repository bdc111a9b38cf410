"""Hostile files, generated here, imported in one real run: every bad input is a recorded
failure with its reason, every good one is stored, and the run completes."""

from __future__ import annotations

import gzip
import json
import os
import tempfile
from pathlib import Path

import pytest

from corpus.store import open_store
from extractors.inputs import iter_documents
from flows.import_files import import_files
from tests.inputs import CYRILLIC_SENTENCE


def page(title: str, sentence: str, charset: str | None = None) -> str:
    meta = f'<meta charset="{charset}">' if charset else ""
    paragraphs = "".join(f"<p>{sentence} Paragraph {n}.</p>" for n in range(1, 6))
    return (
        f"<html><head>{meta}<title>{title}</title></head><body><article><h1>{title}</h1>"
        f"{paragraphs}</article></body></html>"
    )


GOOD_LINE = (
    "The harbour master said on Monday that the new quay will open to ferries in spring, "
    "after two years of work and a long dispute over the cost of dredging the channel."
)


def write_hostile_folder(folder: Path) -> tuple[dict[str, str], set[str]]:
    """The hostile inputs (source -> expected reason) and the good ones, written to `folder`."""
    folder.mkdir()
    good = {
        "plain.html": page("Bridge reopens", "The old bridge over the river reopened today."),
        "notes.txt": "The harbour office published new tide tables for the winter season.",
    }
    for name, content in good.items():
        (folder / name).write_text(content, encoding="utf-8")
    # A UTF-8 page that declares windows-1251, and UTF-16 without a byte-order mark.
    (folder / "mislabelled.html").write_text(
        page("Новости", CYRILLIC_SENTENCE, "windows-1251"), encoding="utf-8"
    )
    (folder / "utf16.html").write_bytes(
        page("Tide tables", "The ferry timetable changes on Monday morning.").encode("utf-16-le")
    )
    (folder / "feed.jsonl").write_text(
        json.dumps({"url": "https://news.example/a", "text": GOOD_LINE})
        + "\n"
        + json.dumps({"text": "The published field is an object.", "published": {"x": 1}})
        + "\n"
        + json.dumps({"text": "Authors are a number.", "authors": 7})
        + "\n",
        encoding="utf-8",
    )
    bad = {}
    os.close(os.open(os.fsencode(folder) + b"/caf\xe9.html", os.O_CREAT | os.O_WRONLY, 0o644))
    bad[f"{folder}/caf\\xe9.html"] = "file name is not valid UTF-8"
    complete = gzip.compress(page("Council", "The city council voted on Tuesday to").encode())
    (folder / "truncated.html.gz").write_bytes(complete[: len(complete) // 2])
    bad[f"{folder}/truncated.html.gz"] = "truncated gzip data"
    (folder / "zero.html").symlink_to("/dev/zero")
    bad[f"{folder}/zero.html"] = "not a regular file (a character device)"
    os.mkfifo(folder / "pipe.html")
    bad[f"{folder}/pipe.html"] = "not a regular file (a FIFO)"
    bad[f"{folder}/feed.jsonl:2"] = "field 'published' must be a string, not an object"
    bad[f"{folder}/feed.jsonl:3"] = "field 'authors' must be an array of strings, not a number"
    stored = {str(folder / name) for name in (*good, "mislabelled.html", "utf16.html")}
    return bad, stored | {f"{folder}/feed.jsonl:1"}


@pytest.mark.usefixtures("prefect_harness")
def test_hostile_files_are_recorded_failures_and_the_run_completes(tmp_path, db_url):
    bad, good = write_hostile_folder(tmp_path / "hostile")

    counts = import_files([str(tmp_path / "hostile")], database_url=db_url)

    assert counts["status"] == "completed"
    assert (counts["new"], counts["failures"]) == (len(good), len(bad))
    store = open_store(db_url)
    failures = {f["source"]: f["reason"] for f in store.run_failures(counts["run_id"])}
    assert set(failures) == set(bad)
    for source, reason in bad.items():
        assert reason in failures[source], (source, failures[source])
        assert "\n" not in failures[source]
    assert {record["source"] for record in store.iter_latest()} == good
    texts = {record["source"]: record["text"] for record in store.iter_latest()}
    assert "Москва" in texts[str(tmp_path / "hostile" / "mislabelled.html")]
    assert "ferry timetable" in texts[str(tmp_path / "hostile" / "utf16.html")]
    assert store.recent_runs()[0]["status"] == "completed"


def listed(top: Path) -> list[str]:
    """What iter_documents yields for `top`, as lines; as root (which reads any directory)
    in a forked child that has become the unprivileged user 65534 first."""

    def lines() -> list[str]:
        return [
            f"{type(item).__name__} {item.source} {getattr(item, 'reason', '')}"
            for item in iter_documents([str(top)])
        ]

    if os.geteuid() != 0:
        return lines()
    reader, writer = os.pipe()
    child = os.fork()
    if child == 0:  # pragma: no cover - the child reports through the pipe
        status = 1
        try:
            os.close(reader)
            os.setgid(65534)
            os.setuid(65534)
            os.write(writer, "\n".join(lines()).encode("utf-8", "backslashreplace"))
            status = 0
        finally:
            os._exit(status)
    os.close(writer)
    with os.fdopen(reader, "rb") as pipe:
        output = pipe.read().decode("utf-8")
    _, status = os.waitpid(child, 0)
    assert status == 0
    return output.splitlines()


def test_an_unreadable_directory_is_a_recorded_failure():
    top = Path(tempfile.mkdtemp(prefix="newscorpus-unreadable-"))
    try:
        top.chmod(0o755)
        (top / "ok.txt").write_text("A readable note about the harbour.", encoding="utf-8")
        (top / "locked").mkdir()
        (top / "locked" / "hidden.txt").write_text("Never seen.", encoding="utf-8")
        (top / "locked").chmod(0)
        lines = listed(top)
        assert f"Document {top}/ok.txt " in lines
        assert f"InputFailure {top}/locked cannot read directory: Permission denied" in lines
        assert len(lines) == 2
    finally:
        (top / "locked").chmod(0o700)
        for path in (top / "locked" / "hidden.txt", top / "ok.txt"):
            path.unlink()
        (top / "locked").rmdir()
        top.rmdir()
