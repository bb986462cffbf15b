"""Source -> Document: the cleaning of one document, in stage order.

normalise -> match site -> apply rules -> drop duplicates -> extract metadata
-> assemble body -> status. Used by the Python API and by every CLI command.
"""
from __future__ import annotations

import hashlib
from typing import Any

from .document import Document, Source
from .metadata import extract
from .rulefile import Rule
from .ruleset import RuleSet
from .site import SiteMatch, match_sites, site_name
from .text import assemble, classify, drop_duplicates, looks_like_prose, normalise, split_lines

STUB_WORDS = 80  # a body shorter than this next to a paywall prompt is a paywall stub
HEADER_FIELDS = ("title", "site", "url", "date", "dateline", "agency", "authors", "editors", "credits",
                 "captions", "section", "status", "source", "source_sha256", "rules", "removed")


def active_rules(ruleset: RuleSet, sites: list[SiteMatch]) -> list[Rule]:
    """Site rules first (most specific wins the line), then generic rules the sites did not disable."""
    disabled = set().union(*(m.file.disable for m in sites)) if sites else set()
    site_rules = [rule for m in sites for rule in m.file.rules]
    return site_rules + [rule for rule in ruleset.generic_rules if rule.id not in disabled]


def document_status(body: str, kinds: set[str]) -> str:
    """ok, or why this is not an article: a not-found page, a paywall stub, nothing at all."""
    prose_words = sum(len(p.split()) for p in body.split("\n\n") if looks_like_prose(p))
    if "not_found" in kinds and prose_words == 0:
        return "not_found"
    if not body.strip():
        return "empty"
    if "paywall" in kinds and prose_words < STUB_WORDS:
        return "paywalled"
    return "ok"


def _prior_counts(prior: dict[str, Any]) -> tuple[list[str], int]:
    rules = prior.get("rules") or []
    return (list(rules) if isinstance(rules, list) else []), int(prior.get("removed") or 0)


def clean_source(source: Source, ruleset: RuleSet) -> Document:
    """Clean one document. Never raises on odd text; rule timeouts become warnings."""
    text = normalise(source.text)
    sites = match_sites(ruleset, source.url, text)
    lines = split_lines(text)
    warnings: list[str] = []
    classify(lines, active_rules(ruleset, sites), warnings)
    drop_duplicates(lines)
    known = {**source.html_metadata, **{k: v for k, v in source.prior.items() if k not in ("rules", "removed")}}
    found, _ = extract(lines, known)
    removals = sorted((r for line in lines for r in ([line.removal] if line.removal else []) + line.strips),
                      key=lambda r: r.line)
    residue = [r for r in removals if r.action != "header"]
    body = assemble(lines)
    prior_rules, prior_removed = _prior_counts(source.prior)
    fired = list(dict.fromkeys(prior_rules + [r.rule for r in removals if not r.rule.startswith("builtin/")]))
    metadata = {
        **found,
        "site": found.get("site") or site_name(sites, source.url),
        "url": source.url or found.get("url"),
        "date": found.get("date"),
        "status": document_status(body, {r.kind for r in residue}),
        "source": source.prior.get("source") or source.path,
        "source_sha256": source.prior.get("source_sha256") or source.sha256
        or hashlib.sha256(source.text.encode("utf-8", "surrogatepass")).hexdigest(),
        "rules": fired,
        "removed": prior_removed + len(residue),
    }
    ordered = {key: metadata.get(key) for key in HEADER_FIELDS}
    ordered.update({k: v for k, v in metadata.items() if k not in ordered})
    matched = [f"{m.file.name} ({m.reason})" for m in sites]
    return Document(body=body, metadata=ordered, removals=removals, warnings=warnings, sites=matched)
