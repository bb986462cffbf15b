"""The data that flows through the pipeline: input -> Source -> Document -> output.

Every stage takes one of these and returns the next; no stage reaches back.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

STATUSES = ("ok", "not_found", "empty", "paywalled")
HEADING, ITEM = "## ", "- "  # a heading's and a list item's prefix in a body from HTML (markdown; txt drops them)


@dataclass(frozen=True)
class Source:
    """What an input reader hands to the cleaner: text plus what is already known about it."""

    text: str
    path: str | None = None
    url: str | None = None
    sha256: str | None = None
    prior: dict[str, Any] = field(default_factory=dict)  # header of a file cleaned before
    html_metadata: dict[str, Any] = field(default_factory=dict)  # from trafilatura, for HTML input
    html: str | None = None  # raw HTML still to be extracted (the pipeline runs the HTML stage first)
    record: dict[str, Any] | None = None  # the JSONL record this came from; output keeps its other fields
    text_field: str = "text"  # the record field that receives the clean body
    encoding: str | None = None  # the charset the input's bytes were decoded with
    warnings: tuple[str, ...] = ()  # what reading it found wrong or repaired (a front matter refused, lone surrogates)
    first_line: int = 1  # the input's line number of text's first line (below a front-matter header)


@dataclass(frozen=True)
class Removal:
    """One line that left the body, and the rule that took it (the audit trail of explain)."""

    line: int  # the input's own line number (text input; for HTML, the extracted text's line)
    text: str
    rule: str  # qualified id, e.g. "generic/sharing/share-this"
    kind: str
    action: str  # drop | strip | cut-to-end | cut-from-start | header | duplicate
    rule_file: str | None = None
    field: str | None = None  # header field the line moved to, for action "header"
    score: float | None = None  # the line model's content score, for its removals
    reasons: tuple[str, ...] | None = None  # why: the line model's features that weighed most against the line,
    # or, for site memory, the pages and stories of its site the line was seen on


@dataclass(frozen=True)
class DomRemoval:
    """One element the HTML stage dropped before extraction, and the selector that took it."""

    rule_file: str  # e.g. "generic/sharing", "sites/bbc.co.uk"
    selector: str  # the CSS selector or XPath as written in the rule file
    text: str  # the start of the element's text
    kind: str  # the pack's kind (share, ad, ...), "html" for site files


@dataclass
class Document:
    """A cleaned article: body, header metadata, and every removal with its rule."""

    body: str
    metadata: dict[str, Any]
    removals: list[Removal] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    sites: list[str] = field(default_factory=list)  # site files that applied, and why
    site: str | None = None  # the site whose memory applies (rulebook.site.site_name of its URL or fingerprint)
    dom_removals: list[DomRemoval] = field(default_factory=list)  # HTML input: elements dropped before extraction
    record: dict[str, Any] | None = None  # JSONL input: the record, merged into the output by render
    text_field: str = "text"
    text_seen: str = ""  # the text the text stage read (for HTML: the extraction), which explain pairs lines with
    first_line: int = 1  # the input's line number of text_seen's first line
    structured: bool = False  # the body's "## " headings and "- " items are the HTML stage's markup (txt drops it)

    @property
    def status(self) -> str:
        return self.metadata.get("status", "ok")

    def removed_by_kind(self) -> dict[str, int]:
        """Residue taken out, per kind (DOM removals included); lines moved to the header are not residue."""
        counts: dict[str, int] = {}
        for dom in self.dom_removals:
            counts[dom.kind] = counts.get(dom.kind, 0) + 1
        for removal in self.removals:
            if removal.action != "header":
                counts[removal.kind] = counts.get(removal.kind, 0) + 1
        return counts
