"""Source -> Document: the cleaning of one document, in stage order.

normalise -> match site -> apply rules -> drop duplicates -> line model -> site memory ->
extract metadata -> assemble body -> status. Used by the Python API and by
every CLI command.
"""
from __future__ import annotations

import hashlib
from dataclasses import replace
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from ..rulebook.lexicons import Lexicons
from ..rulebook.rulefile import Rule
from ..rulebook.ruleset import RuleSet
from ..rulebook.site import SiteMatch, match_sites, site_name
from ..rulebook.textform import fold, line_numbers, normalise
from .document import Document, Source
from .linemodel import apply_model
from .metadata import extract, merge_earlier, take_title_and_section
from .reading import sanitised
from .sitememory import PageSignature, SiteMemory, signature
from .text import CutBudget, Line, assemble, classify, could_match, drop_duplicates, looks_like_prose, split_lines

if TYPE_CHECKING:  # pragma: no cover
    from .html import Extraction, PageBlocks

SETTLE_PASSES = 4  # rule passes over what is left after the first; see settle()
STUB_WORDS = 80  # a body shorter than this next to a paywall prompt is a paywall stub
HEADER_FIELDS = ("title", "site", "url", "date", "dateline", "agency", "authors", "editors", "credits",
                 "captions", "section", "lang", "page_type", "status", "source", "source_sha256", "encoding", "rules",
                 "removed")
TEXT_FIELDS = ("title", "authors", "date", "dateline", "agency", "section")  # fields text heuristics can fill


def active_rules(ruleset: RuleSet, sites: list[SiteMatch]) -> list[Rule]:
    """Site rules first (most specific wins the line), then generic rules the sites did not disable."""
    if not sites:
        return list(ruleset.generic_rules)
    disabled = set().union(*(m.file.disable for m in sites))
    site_rules = [rule for m in sites for rule in m.file.rules]
    return site_rules + [rule for rule in ruleset.generic_rules if rule.id not in disabled]


def document_status(body: str, kinds: set[str]) -> str:
    """ok, or why this is not an article: a not-found page, a paywall stub, nothing at all."""
    if "not_found" not in kinds and "paywall" not in kinds:
        return "ok" if body.strip() else "empty"
    prose_words = sum(len(p.split()) for p in body.split("\n\n") if looks_like_prose(p))
    if "not_found" in kinds and prose_words == 0:
        return "not_found"
    if not body.strip():
        return "empty"
    if "paywall" in kinds and prose_words < STUB_WORDS:
        return "paywalled"
    return "ok"


def _heads(lines: list[Line], known: dict[str, Any], lexicons: Lexicons) -> list[Line]:
    """The lines extract() will move to the header as title and section; none when ``known`` has a title."""
    if "title" in known:
        return []
    kept = [line for line in lines if line.removal is None]
    return [line for line in take_title_and_section(kept, lexicons) if line is not None]


@lru_cache(maxsize=256)
def _positional(rules: tuple[Rule, ...]) -> tuple[Rule, ...]:
    """The rules whose verdict depends on where a line sits (windows, cuts) or that rewrite it (strips)."""
    return tuple(rule for rule in rules if rule.in_first is not None or rule.in_last is not None
                 or rule.action in ("cut-to-end", "cut-from-start", "strip"))


def settle(lines: list[Line], rules: list[Rule], warnings: list[str], known: dict[str, Any],
           dropped: bool, lexicons: Lexicons, budget: CutBudget) -> None:
    """Apply the rules again to the future body until nothing more goes: cleaning becomes idempotent.

    ``in_first``/``in_last`` windows and cut spans count lines, so once residue
    and the title are gone a line can fall inside a window it was outside of;
    cleaning the output again would then remove it. Running the rules over the
    kept lines less the coming title and section does now what that second
    cleaning would do. Only rules whose verdict depends on where a line sits
    (windows, cuts) or that rewrite it (strips) can decide differently on a
    second pass; the others already said no to every kept line. When no kept
    line passes one of those rules' gates (most documents), a pass is only
    the duplicate check, and none is needed when the last one (``dropped``:
    the one before settle) dropped nothing. Bounded by SETTLE_PASSES so a
    pathological document cannot loop for long. Cuts of every pass count
    together against the document's ``budget``.
    """
    rules = list(_positional(tuple(rules)))
    for _ in range(SETTLE_PASSES):
        changed = False
        if could_match([line for line in lines if line.removal is None], rules):
            heads = _heads(lines, known, lexicons)
            found: list[str] = []
            changed = classify([line for line in lines if line.removal is None and line not in heads], rules, found,
                               budget)
            warnings.extend(w for w in found if w not in warnings)
        if not changed and not dropped:  # the duplicate check would see what it saw last time
            return
        dropped = drop_duplicates(lines)


def html_stage(source: Source, ruleset: RuleSet) -> tuple[Source, Extraction]:
    """Extract an HTML source: DOM rules of its domain's site file and the generic packs, then trafilatura.

    Returns the source as the text stage sees it (extracted text, HTML metadata
    as known fields) and the extraction with its DOM removals. Imported lazily:
    text input never loads lxml or trafilatura.
    """
    from .html import extract_html, html_files

    sites = [m.file for m in match_sites(ruleset, source.url, "")]
    generic = [f for f in ruleset.files if not f.is_site]
    extraction = extract_html(source.html or "", html_files(generic, sites), ruleset.lexicons, source.url,
                              blocks=ruleset.blocks)
    sha256 = source.sha256 or hashlib.sha256((source.html or "").encode("utf-8", "surrogatepass")).hexdigest()
    return replace(source, text=extraction.text, html=None, sha256=sha256,
                   html_metadata={**extraction.metadata, **source.html_metadata}), extraction


def html_blocks(source: Source, ruleset: RuleSet) -> PageBlocks | None:
    """An HTML source's blocks as the block model judges them (after the DOM rules): what ``cleaner train --html``
    labels and fits; None when the markup makes no tree."""
    from .html import html_files, page_blocks

    sites = [m.file for m in match_sites(ruleset, source.url, "")]
    generic = [f for f in ruleset.files if not f.is_site]
    return page_blocks(source.html or "", html_files(generic, sites), source.url)


def _provenance(metadata: dict[str, Any], html_keys: set[str]) -> dict[str, str]:
    """``metadata_from``: for each filled header field that either source could give, html or text."""
    fields = (*TEXT_FIELDS, *sorted(html_keys - set(TEXT_FIELDS)))
    return {key: "html" if key in html_keys else "text" for key in fields if metadata.get(key) not in (None, [], "")}


def rule_pass(source: Source, ruleset: RuleSet, judge: bool = False, extracted: bool = False
              ) -> tuple[list[Line], list[SiteMatch], list[str], dict[str, Any], str | None]:
    """The text stage's rules over a text source: its lines (with the verdicts), sites, warnings, known fields.

    Without ``judge`` these are the lines the line model reads next and
    ``cleaner train`` labels. With it the model judges them (see _judge; the
    last item is its stamp for the header) and the rules settle once more:
    the lines it took move others into the rules' windows, which cleaning
    the output again would otherwise act on.
    """
    text = normalise(source.text)
    folded = fold(text)  # once for the document: fingerprints and every line's gates read it
    sites = match_sites(ruleset, source.url, text, imported=False, folded=folded)
    lines = split_lines(text, folded, line_numbers(source.text, source.first_line))
    warnings = list(source.warnings)
    rules = active_rules(ruleset, sites)
    budget = CutBudget.of(lines, past_article=not extracted)
    classify(lines, rules, warnings, budget)
    dropped = drop_duplicates(lines)
    known = merge_earlier({k: v for k, v in source.html_metadata.items() if v is not None}, source.prior)
    settle(lines, rules, warnings, known, dropped, ruleset.lexicons, budget)
    stamp, taken = _judge(ruleset, lines, known, source.url, extracted) if judge else (None, 0)
    if taken:
        settle(lines, rules, warnings, known, True, ruleset.lexicons, budget)
    return lines, sites, warnings, known, stamp


def _judge(ruleset: RuleSet, lines: list[Line], known: dict[str, Any], url: str | None,
           extracted: bool) -> tuple[str | None, int]:
    """Let the line model judge the lines the rules kept: the model's stamp for the header (or None), lines taken.

    Not on the text of HTML input: trafilatura has found the article there
    already, and the model, trained on text alone, lost more paragraphs of it
    than it gained (bench/RESULTS.md); DOM features are its next step.

    The title and section lines extract() is about to move to the header are
    metadata, not the model's to take. A text whose header says a model
    already judged it is left alone: that run saw the page whole, and judging
    what it kept again (the boilerplate around it gone) would take more each
    time, where cleaning must be idempotent.
    """
    if known.get("model"):
        return str(known["model"]), 0
    if ruleset.model is None or extracted:
        return None, 0
    url = url or known.get("url")
    taken = apply_model(ruleset.model, lines, url if isinstance(url, str) else None, ruleset.lexicons,
                        spare=_heads(lines, known, ruleset.lexicons))
    return ruleset.model.stamp, taken


def page_signature(source: Source, ruleset: RuleSet) -> PageSignature | None:
    """What site memory's count pass keeps of a document: its lines' hashes, under its site (None: no site).

    The lines are the ones the text stage starts from (after the HTML stage),
    and the site is the one clean_source gives the document.
    """
    source = sanitised(source)
    if source.html is not None:
        source = html_stage(source, ruleset)[0]
    text = normalise(source.text)
    site = site_name(match_sites(ruleset, source.url, text, imported=False), source.url)
    return signature(site, text) if site else None


def clean_source(source: Source, ruleset: RuleSet, memory: SiteMemory | None = None) -> Document:
    """Clean one document. Never raises on odd text: lone surrogates and rule timeouts become warnings.

    ``memory``: the batch's site memory (stages/sitememory.py). Its lines go
    last, after the rules and the line model, which so see the page whole as
    they do without it (the model judges a page by its share of short
    lines, which memory would change); the lines bound for the header stay.
    """
    source = sanitised(source)
    extraction = None
    if source.html is not None:
        source, extraction = html_stage(source, ruleset)
    lines, sites, warnings, known, judged = rule_pass(source, ruleset, judge=True, extracted=extraction is not None)
    site = site_name(sites, source.url)
    if memory is not None:
        memory.apply(lines, site, spare=_heads(lines, known, ruleset.lexicons))
    found, _ = extract(lines, known, ruleset.lexicons)
    removals = sorted((r for line in lines for r in (line.removal, *line.strips) if r is not None),
                      key=lambda r: r.line)
    residue = [r for r in removals if r.action != "header"]
    body = assemble(lines)
    metadata = {
        **found,
        "site": found.get("site") or site_name(sites, source.url),
        "url": source.url or found.get("url"),
        "date": found.get("date"),
        "status": document_status(body, {r.kind for r in residue}),
        "source": source.path,
        "source_sha256": source.sha256 or hashlib.sha256(source.text.encode("utf-8", "surrogatepass")).hexdigest(),
        "encoding": source.encoding,
        "rules": list(dict.fromkeys(r.rule for r in removals if not r.rule.startswith("builtin/"))),
        "removed": len(residue),
    }
    if judged:
        metadata["model"] = judged
    if extraction is not None:
        metadata["metadata_from"] = {**_provenance(metadata, set(source.html_metadata)),
                                     **extraction.metadata_from}  # a site file's XPath: the file's name
        metadata["html_removed"] = len(extraction.removals)
        warnings.extend(extraction.warnings)
    metadata = merge_earlier(metadata, source.prior)
    ordered = {key: metadata.get(key) for key in HEADER_FIELDS}
    ordered.update({k: v for k, v in metadata.items() if k not in ordered})
    matched = [f"{m.file.name} ({m.reason})" for m in sites]
    return Document(body=body, metadata=ordered, removals=removals, warnings=warnings, sites=matched, site=site,
                    dom_removals=list(extraction.removals) if extraction else [], record=source.record,
                    text_field=source.text_field, text_seen=source.text, first_line=source.first_line,
                    structured=extraction is not None and ruleset.blocks is not None)
