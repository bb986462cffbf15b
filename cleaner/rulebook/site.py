"""Pick the site files that apply to a document: by URL domain, then by text fingerprints.

Wire copy travels: a Reuters story on a blog carries Reuters residue, so
fingerprints are searched even when the URL names another site, and every
site file that matches applies (the domain's first).
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from urllib.parse import urlsplit

import regex

from .gates import Gate, Screen, gate_for, passes
from .index import registrable_domain
from .rulefile import RULE_TIMEOUT, RuleFile
from .ruleset import RuleSet
from .textform import fold

FINGERPRINT_WINDOW = 200_000  # characters searched for fingerprints


@dataclass(frozen=True)
class SiteMatch:
    """A site file and why it was picked (shown by ``cleaner explain``)."""

    file: RuleFile
    reason: str  # "domain reuters.com" or "fingerprint /\(Reuters\) -/" (the pattern as its file has it)


def host_of(url: str | None) -> str | None:
    if not url:
        return None
    host = urlsplit(url if "//" in url else "//" + url).hostname
    return host.lower() if host else None


def match_sites(ruleset: RuleSet, url: str | None, text: str, *, imported: bool = True,
                folded: str | None = None) -> list[SiteMatch]:
    """Site files for this document, most specific first (``imported``: see RuleSet.site_for_host).

    ``folded``: ``gates.fold(text)``, when the caller has it.
    """
    matches: list[SiteMatch] = []
    host = host_of(url)
    if host:
        found = ruleset.site_for_host(host, imported=imported)
        if found:
            matches.append(SiteMatch(found[0], f"domain {found[1]}"))
    window = text[:FINGERPRINT_WINDOW]
    # fold(window) is a prefix of fold(text) at most 3 times as long (casefold's widest expansion); a longer
    # prefix only lets more searches through, but scanning all of a 50 MB page's would cost a copy of it
    folded = fold(window) if folded is None else folded[:3 * FINGERPRINT_WINDOW]
    fingerprints, screen = _fingerprints(ruleset)
    held = screen.text(folded)  # most documents carry no fingerprint at all: no search then
    for number in sorted(set(screen.ungated) | held):
        site, pattern, gate = fingerprints[number]
        if any(m.file is site for m in matches) or not passes(gate, folded):
            continue
        try:
            hit = pattern.search(window, timeout=RULE_TIMEOUT)
        except TimeoutError:
            hit = None
        if hit:
            matches.append(SiteMatch(site, f"fingerprint /{pattern.pattern}/"))  # as written in the file
    return matches


_screens: dict[int, tuple[RuleSet, list[tuple[RuleFile, regex.Pattern, Gate]], Screen]] = {}


def _fingerprints(ruleset: RuleSet) -> tuple[list[tuple[RuleFile, regex.Pattern, Gate]], Screen]:
    """Every site fingerprint with its gate (gates.py), in site order, and their Screen; built once per rule set."""
    entry = _screens.get(id(ruleset))
    if entry is None or entry[0] is not ruleset:
        found = [(site, pattern, _gate(pattern.pattern, pattern.flags))
                 for site in ruleset.fingerprinted_sites() for pattern in site.fingerprints]
        if len(_screens) > 8:  # rule sets come and go in tests; a run has one or two
            _screens.clear()
        entry = _screens[id(ruleset)] = (ruleset, found, Screen([gate for _, _, gate in found]))
    return entry[1], entry[2]


@lru_cache(maxsize=1024)
def _gate(pattern: str, flags: int) -> Gate:
    """What a text must hold for the fingerprint to be found in it (gates.py)."""
    return gate_for(pattern, bool(flags & regex.IGNORECASE), whole_line=False, one_line=False)


def site_name(matches: list[SiteMatch], url: str | None) -> str | None:
    """The header's ``site``: the URL's site when known, else the site whose fingerprint matched.

    A URL no site file claims gives its registrable domain (``news.example.co.uk`` -> ``example.co.uk``).
    """
    host = host_of(url)
    for match in matches:
        if host is None or match.reason.startswith("domain"):
            return match.file.site or (match.file.domains[0] if match.file.domains else None)
    return (registrable_domain(host) or host) if host else None
