"""The page's JSON-LD (schema.org) description of itself: the article object's headline, authors,
publication date and publisher.

Pages embed one or more `<script type="application/ld+json">` blocks, each an object, an array of
objects or a `@graph`; authors are strings, objects (`{"@type": "Person", "name": ...}`), arrays
of either, or references (`{"@id": ...}`) to objects elsewhere in the graph. Malformed blocks are
skipped: a page's metadata never fails its extraction.
"""

from __future__ import annotations

import html
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from lxml.html import HtmlElement

from extractors.metadata_rules import metadata_rules

_DAY = re.compile(r"^\s*((?:19|20)\d{2}-\d{2}-\d{2})")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


@dataclass
class ArticleJsonLd:
    """What the JSON-LD says about the article; any field may be missing."""

    headline: str | None = None
    name: str | None = None
    people: list[str] = field(default_factory=list)
    organizations: list[str] = field(default_factory=list)
    published: str | None = None
    publisher: str | None = None


def _blocks(tree: HtmlElement) -> Iterator[Any]:
    for script in tree.iter("script"):
        if (script.get("type") or "").strip().lower() != "application/ld+json":
            continue
        text = _CONTROL.sub(" ", script.text or "")
        try:
            yield json.loads(text, strict=False)
        except ValueError:
            continue


def _flatten(value: Any) -> Iterator[dict]:
    """Every object of a block: array items and `@graph` members, recursively."""
    if isinstance(value, list):
        for item in value:
            yield from _flatten(item)
    elif isinstance(value, dict):
        yield value
        if "@graph" in value:
            yield from _flatten(value["@graph"])


def jsonld_objects(tree: HtmlElement) -> list[dict]:
    """The top-level and `@graph` objects of every JSON-LD block of the page."""
    return [obj for block in _blocks(tree) for obj in _flatten(block)]


def _types(obj: dict) -> list[str]:
    kind = obj.get("@type")
    kinds = kind if isinstance(kind, list) else [kind]
    return [k.rsplit("/", 1)[-1] for k in kinds if isinstance(k, str)]


@cache
def _article_types() -> frozenset[str]:
    return frozenset(metadata_rules()["jsonld"]["article_types"])


@cache
def _organization_types() -> frozenset[str]:
    return frozenset(metadata_rules()["jsonld"]["organization_types"])


def _article_rank(obj: dict) -> int | None:
    """0 for an `…Article` object, 1 for another article type, None for anything else."""
    kinds = _types(obj)
    if any(k.endswith("Article") for k in kinds):
        return 0
    if any(k in _article_types() for k in kinds):
        return 1
    return None


def _article_object(objects: list[dict]) -> dict | None:
    """The object describing the article: the first `…Article`, else the first posting or
    web page that has a headline."""
    ranked = [
        (rank, n, obj)
        for n, obj in enumerate(objects)
        if (rank := _article_rank(obj)) is not None and (rank == 0 or obj.get("headline"))
    ]
    return min(ranked, key=lambda item: item[:2])[2] if ranked else None


def _text(value: Any) -> str | None:
    if isinstance(value, list):
        value = next((v for v in value if isinstance(v, str) and v.strip()), None)
    if not isinstance(value, str):
        return None
    text = " ".join(html.unescape(value).split())
    return text or None


def _authors(value: Any, by_id: dict[str, dict]) -> tuple[list[str], list[str]]:
    """People's and organisations' names among an `author` value."""
    people: list[str] = []
    organizations: list[str] = []
    for item in value if isinstance(value, list) else [value]:
        if isinstance(item, dict) and "name" not in item and item.get("@id") in by_id:
            item = by_id[item["@id"]]
        if isinstance(item, str):
            people.extend([name] if (name := _text(item)) else [])
        elif isinstance(item, dict) and (name := _person_name(item)):
            is_org = any(k in _organization_types() for k in _types(item))
            (organizations if is_org else people).append(name)
    return people, organizations


def _person_name(obj: dict) -> str | None:
    """`name`, else `givenName` and `familyName`."""
    if name := _text(obj.get("name")):
        return name
    return _text(" ".join(filter(None, (_text(obj.get(k)) for k in ("givenName", "familyName")))))


def article_jsonld(tree: HtmlElement) -> ArticleJsonLd:
    """The headline and name, authors, publication day (`YYYY-MM-DD`, as the page writes it) and
    publisher name of the page's article object, when the page has one."""
    objects = jsonld_objects(tree)
    article = _article_object(objects)
    if article is None:
        return ArticleJsonLd(publisher=_publisher(None, objects, {}))
    by_id = {obj["@id"]: obj for obj in objects if isinstance(obj.get("@id"), str)}
    people, organizations = _authors(article.get("author"), by_id)
    published = _text(article.get("datePublished")) or _text(article.get("dateCreated"))
    day = _DAY.match(published) if published else None
    return ArticleJsonLd(
        headline=_text(article.get("headline")),
        name=_text(article.get("name")),
        people=people,
        organizations=organizations,
        published=day.group(1) if day else None,
        publisher=_publisher(article, objects, by_id),
    )


def _publisher(article: dict | None, objects: list[dict], by_id: dict[str, dict]) -> str | None:
    """The article's publisher's name, else the name of the page's `WebSite` object."""
    publisher = article.get("publisher") if article else None
    if isinstance(publisher, list):
        publisher = publisher[0] if publisher else None
    if isinstance(publisher, dict) and "name" not in publisher:
        publisher = by_id.get(str(publisher.get("@id")), publisher)
    if isinstance(publisher, dict) and (name := _text(publisher.get("name"))):
        return name
    website = next((obj for obj in objects if "WebSite" in _types(obj)), {})
    return _text(website.get("name"))
