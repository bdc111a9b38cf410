"""Document → Article: decode, extract (HTML or plain text), fill metadata, detect language."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from config import ExtractionSettings, LanguageSettings, Settings
from extractors.article import Article, Document, ExtractionError, FailureStage
from extractors.encoding import decode_bytes
from extractors.html import extract_html
from extractors.inputs import InputFailure
from extractors.language import detect_language
from extractors.text import extract_text

_EXTRACTION, _LANGUAGE = ExtractionSettings(), LanguageSettings()


@dataclass(frozen=True)
class ExtractionConfig:
    """Limits and language settings (`[extraction]` and `[language]` in the config; the
    defaults are the config models')."""

    max_input_bytes: int = _EXTRACTION.max_input_bytes
    min_text_chars: int = _EXTRACTION.min_text_chars
    max_html_chars: int = _EXTRACTION.max_html_chars
    max_tree_elements: int = _EXTRACTION.max_tree_elements
    max_text_chars: int = _EXTRACTION.max_text_chars
    rule_languages: tuple[str, ...] = _EXTRACTION.rule_languages
    language_seed: int = _LANGUAGE.seed
    language_min_chars: int = _LANGUAGE.min_chars

    @classmethod
    def from_settings(cls, settings: Settings) -> ExtractionConfig:
        """The `[extraction]` and `[language]` sections of loaded (checked) settings."""
        extraction, language = settings.extraction, settings.language
        return cls(
            **extraction.model_dump(),
            language_seed=language.seed,
            language_min_chars=language.min_chars,
        )


@dataclass
class Extracted:
    """A document's clean article, with the document's source, URL and fetch time (its bytes
    dropped)."""

    source: str
    url: str | None
    article: Article
    fetched_at: datetime | None = None


def _decoded(doc: Document, config: ExtractionConfig) -> str:
    if isinstance(doc.payload, str):
        return doc.payload
    if len(doc.payload) > config.max_input_bytes:
        raise ExtractionError(
            f"input is over the {config.max_input_bytes}-byte limit", FailureStage.READ
        )
    return decode_bytes(doc.payload, doc.charset, html=doc.kind == "html")


def _apply_supplied_metadata(article: Article, doc: Document) -> None:
    """Fields a JSON Lines record or a feed entry supplies fill what extraction left empty."""
    meta = doc.metadata
    article.title = article.title or meta.get("title")
    article.published = article.published or meta.get("published")
    article.site = article.site or meta.get("site")
    if not article.authors and isinstance(meta.get("authors"), list):
        article.authors = [str(name) for name in meta["authors"]]


def extract_document(doc: Document, config: ExtractionConfig | None = None) -> Article:
    """The clean article in `doc`; raises ExtractionError with the reason when there is none."""
    config = config or ExtractionConfig()
    text = _decoded(doc, config)
    if not text.strip():
        raise ExtractionError("empty input")
    if doc.kind == "html":
        article = extract_html(
            text,
            url=doc.url,
            languages=config.rule_languages,
            max_chars=config.max_html_chars,
            max_elements=config.max_tree_elements,
        )
    else:
        article = extract_text(
            text, url=doc.url, languages=config.rule_languages, max_chars=config.max_text_chars
        )
    article.url = doc.url or article.url
    _apply_supplied_metadata(article, doc)
    if len(article.text) < config.min_text_chars:
        raise ExtractionError(f"clean text is shorter than {config.min_text_chars} characters")
    article.language = detect_language(
        article.text, seed=config.language_seed, min_chars=config.language_min_chars
    )
    return article


def extract_many(
    docs: Iterable[Document | InputFailure], config: ExtractionConfig | None = None
) -> list[Extracted | InputFailure]:
    """Extract each document; a failure becomes an InputFailure in place and the rest go on."""
    results: list[Extracted | InputFailure] = []
    for doc in docs:
        if isinstance(doc, InputFailure):
            results.append(doc)
            continue
        try:
            article = extract_document(doc, config)
            results.append(Extracted(doc.source, doc.url, article, doc.fetched_at))
        except ExtractionError as exc:
            results.append(InputFailure(doc.source, exc.reason, exc.stage))
        except Exception as exc:  # noqa: BLE001 - one broken page never fails the batch
            results.append(
                InputFailure(doc.source, f"{type(exc).__name__}: {exc}", FailureStage.EXTRACT)
            )
    return results
