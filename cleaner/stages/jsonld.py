"""A page's JSON-LD, read the way a hostile page cannot break: every object, its types, its people.

JSON-LD is what sites write for search engines, so it is often the best
source of a page's title, authors, dates and type, and often broken: bad
JSON, one script holding a list, a ``@graph`` whose article names its
author by ``@id``, nested lists, megabytes of it. Scripts that do not parse
(or parse too deep) are passed over, a script longer than
MAX_SCRIPT_CHARS is not read, and at most MAX_OBJECTS objects are kept, so
no page can cost more than a bounded walk or raise.
"""
from __future__ import annotations

import html
import json
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Iterator

if TYPE_CHECKING:  # pragma: no cover
    from lxml.html import HtmlElement

MAX_SCRIPT_CHARS = 1_000_000
MAX_OBJECTS = 2_000
NAME_CHARS = 120  # a longer "name" is not a person's or an organisation's
ORGANISATION_TYPES = frozenset({"organization", "corporation", "newsmediaorganization", "localbusiness",
                                "educationalorganization", "governmentorganization", "website", "brand"})


@dataclass(frozen=True)
class LinkedData:
    """Every JSON-LD object of a page in document order (a walk of each script's tree), and those with an ``@id``."""

    objects: tuple[dict[str, Any], ...]
    by_id: dict[str, dict[str, Any]]

    def typed(self) -> Iterator[tuple[dict[str, Any], tuple[str, ...]]]:
        """(object, its types) for every object that states a type."""
        for obj in self.objects:
            types = object_types(obj)
            if types:
                yield obj, types

    def people(self, value: Any, organisations: bool = True) -> list[str]:
        """The names an ``author``/``creator`` value gives: a string, an object with a name or an ``@id``, a list.

        ``organisations=False`` leaves out objects typed as an organisation
        (a site often names itself as the author of every page).
        """
        names: list[str] = []
        stack = [value]
        while stack and len(names) < 50:
            item = stack.pop(0)
            if isinstance(item, list):
                stack[:0] = item
            elif isinstance(item, dict):
                target = self.by_id.get(item["@id"]) if isinstance(item.get("@id"), str) else None
                whole = target if item.get("name") is None and target is not None else item
                if organisations or not ORGANISATION_TYPES & {t.casefold() for t in object_types(whole)}:
                    name = whole.get("name")
                    names.extend(_text(name) for name in (name if isinstance(name, list) else [name]))
            else:
                names.append(_text(item))
        return [name for name in dict.fromkeys(names)
                if name and len(name) < NAME_CHARS and "://" not in name and any(c.isalpha() for c in name)]


def object_types(obj: dict[str, Any]) -> tuple[str, ...]:
    """An object's ``@type`` values, without a schema.org prefix: ``"http://schema.org/Article"`` -> ``Article``."""
    value = obj.get("@type")
    values = value if isinstance(value, list) else [value]
    return tuple(v.rstrip("/").rsplit("/", 1)[-1] for v in values if isinstance(v, str) and v.strip())


def read_linked_data(tree: HtmlElement) -> LinkedData:
    """The JSON-LD objects of ``tree``'s ``<script type="application/ld+json">`` elements."""
    objects: list[dict[str, Any]] = []
    for script in tree.iter("script"):
        if (script.get("type") or "").strip().casefold() != "application/ld+json":
            continue
        data = _parsed(script.text or "")
        if data is not None:
            objects.extend(_walk(data, MAX_OBJECTS - len(objects)))
        if len(objects) >= MAX_OBJECTS:
            break
    by_id = {obj["@id"]: obj for obj in objects if isinstance(obj.get("@id"), str)}
    return LinkedData(tuple(objects), by_id)


def _parsed(text: str) -> Any:
    """The script's JSON, or None: too long, not JSON, or nested past what the parser can take."""
    text = text.strip()
    if not text or len(text) > MAX_SCRIPT_CHARS:
        return None
    if text.startswith("<!--"):  # an old habit: the script's body in an HTML comment
        text = text.removeprefix("<!--").removesuffix("-->").strip()
    try:
        return json.loads(text, strict=False)  # strict=False: raw newlines and tabs in strings, as browsers take them
    except (ValueError, RecursionError):
        return None


def _walk(data: Any, limit: int) -> list[dict[str, Any]]:
    """Every object in ``data``, parents before children (a ``@graph``'s members are children), at most ``limit``."""
    found: list[dict[str, Any]] = []
    stack = [data]
    while stack and len(found) < limit:
        item = stack.pop()
        if isinstance(item, dict):
            found.append(item)
            stack.extend(reversed([v for v in item.values() if isinstance(v, (dict, list))]))
        elif isinstance(item, list):
            stack.extend(reversed(item))
    return found


def _text(value: Any) -> str:
    """A value as one line of plain text (entities decoded: some sites escape their JSON-LD twice)."""
    return " ".join(html.unescape(value).split()) if isinstance(value, str) else ""


def first_text(obj: dict[str, Any], *keys: str) -> str | None:
    """The first of ``keys`` that holds text in ``obj`` (a list's first text counts)."""
    for key in keys:
        value = obj.get(key)
        for item in value if isinstance(value, list) else [value]:
            text = _text(item)
            if text:
                return text
    return None
