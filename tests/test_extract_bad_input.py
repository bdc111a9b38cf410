"""Bad input through `newscorpus extract`: every input gives one JSON line, a clear `error`
for what cannot be an article, and the batch always goes on. Inputs are built in the test."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from extractors import Document, ExtractionConfig, extract_document
from extractors.article import ExtractionError
from extractors.encoding import decode_bytes, plausible_text
from newscorpus.cli import main

ARTICLE = (
    "The city council approved the new transport budget on Tuesday after a debate that lasted "
    "most of the night, the mayor's office said in a statement to the press."
)
RUSSIAN = (
    "Москва сообщила, что переговоры продолжатся на следующей неделе. Министр иностранных дел "
    "заявил журналистам, что стороны близки к соглашению по всем вопросам повестки."
)
HEBREW = (
    "ראש הממשלה נפגש היום עם נשיא רוסיה בסוצ'י. השניים דנו במצב בסוריה ובשיתוף הפעולה "
    "הביטחוני בין המדינות, כך נמסר מלשכתו."
)
ARABIC = (
    "التقى رئيس الوزراء اليوم بالرئيس الروسي في سوتشي. وناقش الجانبان الوضع في سوريا "
    "والتعاون الأمني بين البلدين، بحسب بيان رسمي."
)


def page(body: str, charset: str = "utf-8", title: str = "A title") -> str:
    return (
        f'<html><head><meta charset="{charset}"><title>{title}</title></head>'
        f"<body><article>{body}</article></body></html>"
    )


def run_extract(paths: list[Path], capsys: pytest.CaptureFixture[str]) -> list[dict]:
    assert main(["extract", *map(str, paths)]) == 0
    return [json.loads(line) for line in capsys.readouterr().out.splitlines()]


def test_bad_files_give_error_lines_and_the_batch_goes_on(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    files = {
        "binary.html": bytes(range(256)) * 40,
        "empty.html": b"",
        "no_body.html": b"<html><head><title>Only a head</title></head></html>",
        "nav_only.html": page(
            "<nav>" + " ".join(f'<a href="/{n}">Section {n}</a>' for n in range(30)) + "</nav>"
        ).encode(),
        "broken.html.gz": b"\x1f\x8b\x08\x00not really gzip",
        "blank.txt": b" \n\n\t\n",
        "good.html": page(f"<h1>A title</h1><p>{ARTICLE}</p><p>{ARTICLE}</p>").encode(),
    }
    for name, data in files.items():
        (tmp_path / name).write_bytes(data)
    paths = [tmp_path / name for name in files] + [tmp_path / "missing.html"]

    records = run_extract(paths, capsys)

    by_name = {Path(r["source"]).name: r for r in records}
    assert len(records) == len(paths)
    for name in ["binary.html", "empty.html", "no_body.html", "nav_only.html", "broken.html.gz"]:
        assert by_name[name]["error"], name
        assert set(by_name[name]) == {"source", "error"}
    assert "binary" in by_name["binary.html"]["error"]
    assert "empty" in by_name["empty.html"]["error"]
    assert "no body" in by_name["no_body.html"]["error"]
    assert "gzip" in by_name["broken.html.gz"]["error"]
    assert "no such file" in by_name["missing.html"]["error"]
    assert by_name["blank.txt"]["error"]
    good = by_name["good.html"]
    assert good["text"] == f"{ARTICLE}\n{ARTICLE}" or good["text"] == ARTICLE
    assert set(good) == {
        "source",
        "title",
        "text",
        "language",
        "published",
        "authors",
        "site",
        "url",
        "extractor",
    }


@pytest.mark.parametrize(
    ("text", "codec", "declared"),
    [
        (RUSSIAN, "cp1251", "iso-8859-1"),
        (RUSSIAN, "cp1251", "utf-8"),
        (HEBREW, "cp1255", "windows-1252"),
        (ARABIC, "cp1256", "iso-8859-1"),
    ],
)
def test_misdeclared_encodings_are_decoded(text: str, codec: str, declared: str) -> None:
    html = page(f"<p>{text}</p>" * 4, charset=declared).encode(codec)
    assert text in decode_bytes(html, html=True)
    article = extract_document(Document("page.html", "html", html))
    assert text.split()[0] in article.text


def test_mojibake_is_recognised() -> None:
    assert not plausible_text(RUSSIAN.encode("cp1251").decode("cp1252"))
    assert plausible_text("Le président a déclaré à la presse qu'il était très satisfait.")


def test_twenty_megabyte_pages_are_bounded() -> None:
    """A 20 MB page is cut to `max_html_chars` before parsing and still yields its article
    (megabytes of inline script do not count); a page with more elements than
    `max_tree_elements` is refused with the reason; a page over `max_input_bytes` is refused
    before decoding."""
    config = ExtractionConfig(max_input_bytes=30_000_000)
    articles = f"<p>{ARTICLE}</p><p>{ARTICLE}</p>"
    script = "<script>var data = '" + "x" * 20_000_000 + "';</script>"
    scripted = page(script + articles).encode()
    assert len(scripted) >= 20_000_000
    article = extract_document(Document("scripted.html", "html", scripted), config)
    assert ARTICLE in article.text and not article.warnings

    text_heavy = page(articles + "<div>" + "filler words " * 1_600_000 + "</div>").encode()
    assert len(text_heavy) >= 20_000_000
    article = extract_document(Document("text_heavy.html", "html", text_heavy), config)
    assert ARTICLE in article.text
    assert any("truncated" in warning for warning in article.warnings)

    elements = page(f"<p>{ARTICLE}</p>" + "<div><span>x</span></div>" * 800_000).encode()
    assert len(elements) >= 20_000_000
    with pytest.raises(ExtractionError, match="elements, over the"):
        extract_document(Document("elements.html", "html", elements), config)

    with pytest.raises(ExtractionError, match="byte limit"):
        extract_document(Document("big.html", "html", scripted), ExtractionConfig())


def test_twenty_megabyte_text_is_cut_and_cleaned() -> None:
    menu = "\n".join(["Home", "News", "Sport"])
    text = f"Budget approved\n{ARTICLE}\n{ARTICLE.replace('Tuesday', 'Monday')}\n"
    huge = (text + menu + "\n" + ARTICLE.replace("council", "board") * 40 + "\n") * 3_000
    assert len(huge.encode()) >= 20_000_000
    article = extract_document(
        Document("huge.txt", "text", huge.encode()), ExtractionConfig(max_input_bytes=30_000_000)
    )
    assert article.text
    assert any("truncated" in warning for warning in article.warnings)


def test_extraction_limits_come_from_the_config(tmp_path: Path) -> None:
    from config import load_settings

    user = tmp_path / "user.toml"
    user.write_text(
        '[extraction]\nmax_html_chars = 1000\nmax_text_chars = 500\nrule_languages = ["de"]\n'
    )
    config = ExtractionConfig.from_settings(load_settings(user))
    assert (config.max_html_chars, config.max_text_chars) == (1000, 500)
    assert config.rule_languages == ("de",)
    defaults = ExtractionConfig.from_settings(load_settings(None))
    assert defaults.rule_languages == ("en", "de", "fr", "es", "ru")
