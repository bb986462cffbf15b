"""One page through the HTML stage: DOM rules, trafilatura, the imported files' passes -> an Extraction.

lxml, cssselect and trafilatura are imported only when HTML is seen, so
``cleaner check`` on text files never loads them.
"""
from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any, Iterable

from ..document import HEADING, DomRemoval
from ..htmlmeta import header_fields, page_metadata
from ..pageheader import read_header
from .blocks import PageBlocks, extract_text, read_page
from .dom import apply_replacements, prune
from .imported import _site_metadata, _start, _strip_small, imported_pass, is_imported

if TYPE_CHECKING:  # pragma: no cover
    from ...rulebook.blockmodel import BlockModel
    from ...rulebook.lexicons import Lexicons
    from ...rulebook.rulefile import RuleFile

@dataclass(frozen=True)
class Extraction:
    """What the HTML stage hands to the text stage."""

    text: str  # paragraphs separated by one blank line
    metadata: dict[str, Any]  # header fields taken from the HTML (only those found)
    removals: tuple[DomRemoval, ...]
    warnings: tuple[str, ...]
    metadata_from: dict[str, str] = field(default_factory=dict)  # header field -> rule file whose XPath gave it

def extract_html(html: str, files: list[RuleFile], lexicons: Lexicons, url: str | None = None,
                 blocks: BlockModel | None = None) -> Extraction:
    """Run the HTML stage on one page with the given rule files (site files first, then generic packs).

    Hand-written files and packs prune the tree before extraction, and so do
    an imported file's small strip hits (:func:`_strip_small`), once the
    header fields are read. The extraction is the block model's judgement of
    the candidates (``blocks``, see :mod:`.blocks`), or trafilatura's text
    alone without one. An imported file then gets its guarded pass
    (:func:`imported_pass`), measured against this first extraction, which is
    kept whenever that pass would lose its text.
    """
    own, imported = [f for f in files if not is_imported(f)], [f for f in files if is_imported(f)]
    markup = apply_replacements(html, own)
    first = prune(markup, own)
    if first is None:
        return Extraction(text="", metadata={}, removals=(), warnings=("html: nothing to parse",))
    # metadata first: imported strips may drop the byline or the <h1>
    doc = page_metadata(first.tree, url, first.index)
    page = read_header(first.tree, url, doc, lexicons)
    site_metadata = {f.name: _site_metadata(first.tree, f, lexicons) for f in imported}
    first = _strip_small(first, [f for f in imported if apply_replacements(markup, [f]) == markup])
    warnings = list(first.warnings)
    reference, judged = extract_text(first.tree, url, blocks)
    first = replace(first, removals=first.removals + tuple(judged))
    removals = first.removals
    metadata = {**header_fields(doc, url), **page.fields(reference)}
    if not reference:  # no body, but the page still says what it is (a JSONL record keeps its header)
        return Extraction(text="", metadata=metadata, removals=removals, warnings=tuple(warnings))
    text, sources = _without_title(reference, doc.title), {}
    first = replace(first, text=reference)
    for rule_file in imported:
        start = _start(markup, own, rule_file, first)
        metadata_found = site_metadata[rule_file.name] if start is None or start is first else \
            _site_metadata(start.tree, rule_file, lexicons)  # its find/replace pairs changed the markup: read it there
        found = imported_pass(start, rule_file, text, url, metadata_found, blocks)
        warnings.extend(w for w in found.warnings if w not in warnings)
        if found.text is not None:
            text, removals = _without_title(found.text, doc.title), found.removals
        filled = {key: value for key, value in found.metadata.items() if key not in metadata}
        metadata.update(filled)
        sources.update(dict.fromkeys(filled, rule_file.name))
    if "authors" not in metadata and page.byline:
        metadata["authors"] = page.byline  # a guess from the text: after a site file's author XPath
    return Extraction(text=text, metadata=metadata, removals=tuple(removals), warnings=tuple(warnings),
                      metadata_from=sources)

def _without_title(text: str, title: str | None) -> str:
    """Paragraphs separated by blank lines, less a first line repeating the title (it goes to the header)."""
    paragraphs = [line for line in text.split("\n") if line.strip()]
    if paragraphs and title and " ".join(paragraphs[0].removeprefix(HEADING).split()).casefold() == \
            " ".join(title.split()).casefold():
        paragraphs = paragraphs[1:]
    return "\n\n".join(paragraphs)


def page_blocks(html: str, files: list[RuleFile], url: str | None = None) -> PageBlocks | None:
    """The page's blocks after the hand-written files' DOM rules, as the block model sees them; None: no tree.

    What ``cleaner train --html`` fits on; the imported files' guarded pass is
    left out (it starts from this same tree on most pages).
    """
    own = [f for f in files if not is_imported(f)]
    first = prune(apply_replacements(html, own), own)
    return None if first is None else read_page(first.tree, url)


def html_files(generic: Iterable[RuleFile], sites: Iterable[RuleFile]) -> list[RuleFile]:
    """The rule files whose html sections apply: matched site files first, then the generic packs.

    Imported FiveFilters files (``imported: ftr``) are among them; extract_html gives
    them the guarded pass rather than applying them like hand-written files.
    """
    return [f for f in (*sites, *generic) if f.html]
