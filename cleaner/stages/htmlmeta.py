"""Header fields of an HTML page: trafilatura's metadata pieces, its costly byline search made cheap.

:func:`page_metadata` runs trafilatura.extract_metadata's steps less the body
scans cleaner has no use for. The byline search it keeps copies the page and
runs XPaths testing every element's attributes; :func:`extract_author` gives
the same answer from the attribute index the HTML stage builds for its DOM
rules anyway (:class:`AttributeIndex`, :func:`select`), reading the pruning
off the page as it is. Its cost is in bench/RESULTS.md (Byline search). lxml and
trafilatura are imported only when a page is read.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING, Any, Callable, Iterable

if TYPE_CHECKING:  # pragma: no cover
    from lxml.html import HtmlElement

# authors are not among them: the page header (stages/pageheader.py) chooses them among every source, trafilatura's too
METADATA_FIELDS = ("title", "date", "sitename", "description", "categories", "tags", "image", "url")
AUTHOR_CHARS = 120  # extract_author's len_limit: a longer candidate is not a byline
_NAME = r"[A-Za-z_][\w.-]*"
_STRING = r"'([^']*)'"  # trafilatura quotes with ' (an XPath string literal has no escapes)
_STEP = re.compile(rf"(\.?//)(\*|{_NAME})")
# the tests a predicate may be an "or" of: (kind, pattern); the groups are the name and the string
_TESTS = (("self", re.compile(rf"self::({_NAME})")),
          ("equals", re.compile(rf"@({_NAME})\s*=\s*{_STRING}")),
          ("child", re.compile(rf"({_NAME})\s*=\s*{_STRING}")),
          ("contains", re.compile(rf"contains\(\s*@({_NAME})\s*,\s*{_STRING}\s*\)")),
          ("starts-with", re.compile(rf"starts-with\(\s*@({_NAME})\s*,\s*{_STRING}\s*\)")),
          ("re:test", re.compile(rf"re:test\(\s*@({_NAME})\s*,\s*{_STRING}\s*\)")))


def header_fields(doc: Any, url: str | None) -> dict[str, Any]:
    """trafilatura's metadata as header fields; absent values are left out so text heuristics may fill them."""
    found: dict[str, Any] = {
        "title": doc.title,
        "date": doc.date,
        "sitename": doc.sitename,
        "description": doc.description,
        "categories": [c for c in doc.categories or [] if c] or None,
        "tags": [t for t in doc.tags or [] if t] or None,
        "image": doc.image,
        "url": None if url else doc.url,
    }
    return {key: found[key] for key in METADATA_FIELDS if found[key] not in (None, "", [])}


def page_metadata(tree: HtmlElement, url: str | None, index: AttributeIndex | None = None) -> Any:
    """trafilatura's metadata (its Document) for a page, less the fallbacks cleaner has no use for.

    trafilatura.extract_metadata's steps, in its order, from its public
    pieces: meta tags, JSON-LD, the title (meta, else <h1>/<title>: it decides
    which first body line _without_title drops), the author (from a byline
    in the body when the head names none, :func:`extract_author`: 21 of the
    dev set's 77 authors), the canonical URL, htmldate's date with
    bare_extraction's settings, the site name. Left out: categories and tags
    read from link lists in the body (1.3 ms a page; on the dev set 11 of 81
    values change, several of them navigation menus), the licence (unused)
    and the hostname (unused). A category stated in the head is kept.
    """
    from htmldate import find_date
    from trafilatura.metadata import (META_URL, examine_meta, extract_meta_json, extract_sitename, extract_title,
                                      extract_url)
    from trafilatura.settings import set_date_params

    doc = examine_meta(tree)
    if doc.author and " " not in doc.author:  # a handle, not a name (as extract_metadata decides)
        doc.author = None
    try:
        doc = extract_meta_json(tree, doc)
    except Exception:  # noqa: BLE001 -- extract_metadata guards this call too: JSON-LD parsing has had bugs
        pass
    doc.title = doc.title or extract_title(tree)
    doc.url = doc.url or extract_url(tree, url)
    doc.author = doc.author or extract_author(tree, index)
    doc.date = find_date(tree, **{**set_date_params(extensive=True), "url": doc.url})
    sitename = (doc.sitename or extract_sitename(tree) or "").lstrip("@")
    if sitename and "." not in sitename and not sitename[0].isupper():
        sitename = sitename.title()
    host = META_URL.match(doc.url) if doc.url and not sitename else None
    doc.sitename = sitename or (host[1] if host else None)
    doc.categories = doc.categories or _meta_categories(tree)
    doc.clean_and_trim()
    return doc


def _meta_categories(tree: HtmlElement) -> list[str]:
    """The categories a page states in its head (article:section, subject): extract_catstags' last resort."""
    from trafilatura.utils import line_processing

    found = tree.xpath('.//head//meta[@property="article:section" or contains(@name, "subject")]/@content')
    return [c for c in dict.fromkeys(line_processing(value) for value in found if value) if c]


# --- the byline: trafilatura's extract_author, answered from an index of the page ---

def extract_author(tree: HtmlElement, index: AttributeIndex | None = None) -> str | None:
    """What ``trafilatura.metadata.extract_author(tree)`` returns, without copying the page.

    trafilatura deletes AUTHOR_DISCARD_XPATHS' hits from a copy of the page,
    then takes the first AUTHOR_XPATHS hit whose text is 3 to 119 characters
    long. Here the hits come from the page as it is; a hit in or under a
    discarded element is passed over, and a hit's text is what it reads on
    the copy. An XPath outside what :func:`parse_path` reads (a trafilatura
    release that changed them) sends the page to trafilatura's own function.
    ``index``: the tree's index, when it holds :func:`author_attributes`
    (elements dropped from the tree since it was made are not on the copy,
    so they are passed over too).
    """
    from trafilatura.metadata import extract_author as trafilatura_author, normalize_authors
    from trafilatura.utils import trim

    paths = _author_paths()
    if paths is None:
        return trafilatura_author(tree)
    discard, authors = paths
    if index is None or index.tree is not tree or not author_attributes() <= index.values.keys():
        index = AttributeIndex(tree, author_attributes())
    dropped = {element for path in discard for element in select(path, index)}
    for path in authors:
        for element in select(path, index, lambda child: None if child in dropped else
                               "".join(_pruned_pieces(child, dropped))):
            if _on_copy(element, tree, dropped):
                content = trim(" ".join(_pruned_pieces(element, dropped)))
                if content and 2 < len(content) < AUTHOR_CHARS:
                    return normalize_authors(None, content)
    return None


def author_attributes() -> set[str]:
    """The attributes the byline search tests, which an index handed to :func:`extract_author` should hold."""
    paths = _author_paths()
    return {name for path in (*paths[0], *paths[1]) for name in path.attributes()} if paths else set()


@lru_cache(maxsize=1)
def _author_paths() -> tuple[list[Path], list[Path]] | None:
    """trafilatura's AUTHOR_DISCARD_XPATHS and AUTHOR_XPATHS, parsed; None when one cannot be.

    A discard XPath may not test a child's text: trafilatura runs them one
    after the other on the copy, so such a test would read the text the
    earlier ones left.
    """
    from trafilatura.xpaths import AUTHOR_DISCARD_XPATHS, AUTHOR_XPATHS

    discard = [parse_path(xpath.path) for xpath in AUTHOR_DISCARD_XPATHS]
    authors = [parse_path(xpath.path) for xpath in AUTHOR_XPATHS]
    if None in discard or None in authors or any(path.reads_text() for path in discard):
        return None
    return discard, authors


def _on_copy(element: HtmlElement, tree: HtmlElement, dropped: set[HtmlElement]) -> bool:
    """Whether ``element`` is on trafilatura's pruned copy of ``tree``: in it, and not in a dropped element.

    The copy's root is never deleted (delete_element leaves an element
    without a parent alone), so ``tree`` counts as kept even when a discard
    XPath hits it.
    """
    for node in (element, *element.iterancestors()):
        if node is tree:
            return True
        if node in dropped:
            return False
    return False


def _pruned_pieces(element: HtmlElement, dropped: set[HtmlElement]) -> list[str]:
    """``list(element.itertext())`` as it reads once the ``dropped`` elements are deleted.

    trafilatura's delete_element keeps a deleted element's tail, appended to
    the text before it (the previous sibling's tail, else the parent's text),
    so the two read as one piece: ``a<time>x</time>b`` gives "ab", where
    skipping the element would give "a" and "b". Comments' text is not read
    (itertext skips it), their tails are.
    """
    pieces: list[str] = []
    _collect(element, dropped, pieces)
    return pieces


def _collect(element: HtmlElement, dropped: set[HtmlElement], pieces: list[str]) -> None:
    text = element.text or ""  # the piece being read: the element's text, then each kept child's tail
    for child in element:
        if child in dropped:
            text += child.tail or ""
            continue
        if text:
            pieces.append(text)
        if isinstance(child.tag, str):
            _collect(child, dropped, pieces)
        text = child.tail or ""
    if text:
        pieces.append(text)


# --- a small part of XPath 1.0, answered from an index of attribute values ---

@dataclass(frozen=True)
class Step:
    """``//name[test or test ...][...]`` (``.//`` leaves the context element out); name may be ``*``."""

    below: bool
    name: str
    predicates: tuple[tuple[tuple[str, str, str], ...], ...]  # each an "or" of (kind, name, string)


@dataclass(frozen=True)
class Path:
    """A union of steps (``a | b``), the whole of an XPath :func:`parse_path` reads."""

    steps: tuple[Step, ...]

    def attributes(self) -> set[str]:
        return {name for step in self.steps for tests in step.predicates for kind, name, _ in tests
                if kind not in ("self", "child")}

    def reads_text(self) -> bool:
        return any(kind == "child" for step in self.steps for tests in step.predicates for kind, _, _ in tests)


def parse_path(source: str) -> Path | None:
    """The XPath ``source`` as a :class:`Path`, or None when it is more than a union of such steps.

    Read: ``//`` and ``.//`` steps to ``*`` or a name, each with predicates
    that are an "or" of ``self::name``, ``@a='s'``, ``child='s'``,
    ``contains(@a, 's')``, ``starts-with(@a, 's')`` and ``re:test(@a, 's')``
    (re:test with two arguments: no flags). What trafilatura's metadata
    XPaths are made of; anything else (another axis, a position, ``and``) is
    not read, so its answer could not differ from lxml's.
    """
    steps = [_parse_step(part) for part in split_top_level(" ".join(source.split()), "|")]
    return None if None in steps else Path(tuple(steps))


def _parse_step(source: str) -> Step | None:
    step = _STEP.match(source)
    bodies = None if step is None else _predicates(source[step.end():])
    if bodies is None:
        return None
    predicates = [[_parse_test(test) for test in split_top_level(body, " or ")] for body in bodies]
    if any(None in tests for tests in predicates):
        return None
    return Step(step[1] == ".//", step[2], tuple(map(tuple, predicates)))


def _predicates(source: str) -> list[str] | None:
    """The insides of ``[...][...]`` (brackets in quotes are text); None when ``source`` is anything else."""
    bodies, depth, quoted, start = [], 0, False, 0
    for at, char in enumerate(source):
        quoted = quoted != (char == "'")
        if depth == 0 and char != "[" and not char.isspace():
            return None
        if quoted or char not in "[]":
            continue
        depth += 1 if char == "[" else -1
        if depth == 1 and char == "[":
            start = at + 1
        elif depth == 0:
            bodies.append(source[start:at])
    return bodies if depth == 0 else None


def _parse_test(source: str) -> tuple[str, str, str] | None:
    """(kind, name, string) of one test; None for any other, or for a string test an absent attribute passes."""
    for kind, pattern in _TESTS:
        found = pattern.fullmatch(source.strip())
        if found is None:
            continue
        test = (kind, found[1], found[2] if found.lastindex == 2 else "")
        try:
            absent_passes = kind in _STRING_TESTS and _STRING_TESTS[kind](test[2])("")
        except re.error:  # lxml could not run it either
            return None
        return None if absent_passes else test
    return None


def split_top_level(source: str, separator: str) -> list[str]:
    """``source`` split on ``separator`` where it stands outside quotes (either kind), brackets and parentheses.

    One splitter for every XPath we read (a union's ``|``, a predicate's ``or``),
    so a ``|`` inside ``"a|b"`` never splits a path here and not there.
    """
    parts, depth, quote, start = [], 0, "", 0
    for at, char in enumerate(source):
        if quote:
            quote = "" if char == quote else quote
        elif char in "'\"":
            quote = char
        else:
            depth += (char in "([") - (char in ")]")
            if depth == 0 and at >= start and source.startswith(separator, at):
                parts.append(source[start:at])
                start = at + len(separator)
    return [*parts, source[start:]]


# string tests on an attribute's value: kind -> (string -> test of a value)
_STRING_TESTS: dict[str, Callable[[str], Callable[[str], Any]]] = {
    "contains": lambda string: lambda value: string in value,
    "starts-with": lambda string: lambda value: value.startswith(string),
    "re:test": lambda string: re.compile(string).search,  # as lxml's EXSLT re:test runs it
}


class AttributeIndex:
    """A tree's elements by the value of each of some attributes, and their document order, from one walk."""

    def __init__(self, tree: HtmlElement, names: Iterable[str]):
        self.tree = tree
        self.values: dict[str, dict[str, list[HtmlElement]]] = {name: {} for name in names}
        self.order: dict[HtmlElement, int] = {}
        tables, order = self.values, self.order  # locals: this loop runs for every element of every page
        for position, element in enumerate(tree.iter()):
            order[element] = position
            for name, value in element.items():
                table = tables.get(name)
                if table is not None:
                    elements = table.get(value)
                    if elements is None:
                        table[value] = [element]
                    else:
                        elements.append(element)

    def in_order(self, elements: Iterable[HtmlElement]) -> list[HtmlElement]:
        """``elements`` once each, in document order."""
        return sorted(set(elements), key=self.order.__getitem__)


def select(path: Path, index: AttributeIndex,
           text: Callable[[HtmlElement], str | None] | None = None) -> list[HtmlElement]:
    """What ``path`` selects in ``index.tree`` (and nothing outside it), in document order.

    ``text`` gives a child's text for a ``child='s'`` test (its string value
    by default; None for a child that is not to count).
    """
    found: set[HtmlElement] = set()
    for step in path.steps:
        found |= _step_elements(step, index, text or (lambda element: "".join(element.itertext())))
    return index.in_order(found)


def _step_elements(step: Step, index: AttributeIndex,
                   text: Callable[[HtmlElement], str | None]) -> set[HtmlElement]:
    """A step's elements: the tests on attributes pick them from the index, the names filter them."""
    names = [{name for _, name, _ in tests} for tests in step.predicates if all(k == "self" for k, _, _ in tests)]
    if step.name != "*":
        names.append({step.name})
    chosen = [_predicate_elements(tests, index, text) for tests in step.predicates
              if not all(kind == "self" for kind, _, _ in tests)]
    if chosen:
        elements = set.intersection(*chosen)
    else:
        elements = {e for e in index.tree.iter(*set.intersection(*names) if names else ()) if isinstance(e.tag, str)}
    return {e for e in elements if all(e.tag in allowed for allowed in names) and not (step.below and e is index.tree)}


def _predicate_elements(tests: tuple[tuple[str, str, str], ...], index: AttributeIndex,
                        text: Callable[[HtmlElement], str | None]) -> set[HtmlElement]:
    """The elements for which one of ``tests`` holds."""
    found: set[HtmlElement] = set()
    for kind, name, string in tests:
        if kind == "self":
            found.update(index.tree.iter(name))
        elif kind == "child":
            found.update(child.getparent() for child in index.tree.iter(name)
                         if child is not index.tree and text(child) == string)
        elif kind == "equals":
            found.update(index.values[name].get(string, ()))
        else:
            holds = _STRING_TESTS[kind](string)
            for value, elements in index.values[name].items():
                if holds(value):
                    found.update(elements)
    return found
