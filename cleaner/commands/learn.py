"""``cleaner learn``: propose a site file from many pages of one site.

Template text (mastheads, menus, share rows, author bios, footers) is the
same on every page of a site, while articles differ. So ``learn`` counts, per
site and never over a mixed corpus (corpus-wide dedup wipes syndicated wire
copy), how many pages hold each normalised line, and
proposes the lines on a large share of them as drop rules for a person to
review. The counts are site memory's (stages/sitememory.py), the ones
``cleaner clean`` removes template lines with; learn maps them back to the
lines' texts. Three guards keep article text out of the draft:

- pages that are copies of one story (they share several sentence lines) are
  counted once, as one *story*: a quote in five syndicated copies is one story's
  text, not a template;
- a line must be on at least ``min_share`` of the stories and ``min_pages`` pages;
- a line that reads as a sentence (``looks_like_prose``) is only proposed when it
  is on nearly every story (PROSE_SHARE) of at least PROSE_MIN_STORIES stories:
  a bio sentence on every page of a site qualifies, a shared quote does not.

The draft is a rule file like any other: whole-line anchored regexes,
fingerprints so that pages without a URL are recognised, kinds guessed from
the generic vocabulary, and tests taken from the pages (each rule must remove
its line and keep an article sentence of the same site). It is validated by
the loader the cleaner uses before it is written.
"""
from __future__ import annotations

import datetime
import itertools
import tempfile
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Iterator

import regex

from ..rulebook.lexicons import Lexicons, kind_patterns
from ..rulebook.rulefile import RuleFile, load_rule_file
from ..rulebook.ruleset import RuleSet
from ..rulebook.site import host_of
from ..rulebook.textform import normalise
from ..stages.document import Source
from ..stages.pipeline import html_stage
from ..stages.reading import read_sources
from ..stages.sitememory import PROSE_SHARE, SiteCounter, line_key, signature
from ..stages.text import looks_like_prose

MIN_SHARE = 0.5  # default: a line on fewer stories than this is article text or a one-off
MIN_PAGES = 5  # default: fewer pages than this prove nothing
PROSE_MIN_STORIES = 10  # a sentence-like line must be on PROSE_SHARE of stories, of at least this many
WINDOW_MAX = 20  # a line always within this many lines of the start (end) gets an in_first (in_last) window
WINDOW_MARGIN = 3  # slack added to the deepest position seen
FINGERPRINTS = 2
FALLBACK_KIND = "navigation"  # template lines no kind hint (rules/lexicons/kind-hints.yaml) explains


@dataclass(frozen=True)
class Page:
    """One page's normalised non-blank lines."""

    path: str
    lines: tuple[str, ...]


@dataclass(frozen=True)
class Candidate:
    """A line repeated across the site's pages, and what learn makes of it."""

    text: str
    pages: int  # pages holding it
    stories: int  # distinct stories holding it (copies of one story count once)
    share: float  # stories / all stories
    kind: str
    handled_by: str | None  # a loaded rule that already removes it: no new rule needed
    in_first: int | None = None
    in_last: int | None = None


@dataclass(frozen=True)
class Findings:
    pages: int
    stories: int
    skipped: tuple[str, ...]  # pages of other sites (their URL says so)
    candidates: tuple[Candidate, ...]  # highest share first

    @property
    def proposed(self) -> list[Candidate]:
        return [c for c in self.candidates if c.handled_by is None]


def _in_site(source: Source, domain: str) -> bool:
    host = host_of(source.url)
    return host is None or host == domain or host.endswith("." + domain)


def _text_of(source: Source, ruleset: RuleSet) -> str:
    if source.html is None:
        return source.text
    return html_stage(source, ruleset)[0].text


def read_pages(folder: Path, domain: str, ruleset: RuleSet) -> tuple[list[Page], list[str]]:
    """(pages of ``domain`` under ``folder``, paths skipped because their URL names another site)."""
    pages, skipped = [], []
    for path in sorted(p for p in folder.rglob("*") if p.is_file() and not p.name.startswith(".")):
        for source in read_sources(path, display=str(path)):
            if not _in_site(source, domain):
                skipped.append(source.path or str(path))
                continue
            lines = tuple(line for line in normalise(_text_of(source, ruleset)).split("\n") if line)
            pages.append(Page(source.path or str(path), lines))
    return pages, skipped


def guess_kind(line: str, lexicons: Lexicons) -> str:
    """A kind from the generic vocabulary, by keyword (lexicon ``kind-hints``); else FALLBACK_KIND."""
    return next((kind for kind, pattern in kind_patterns(lexicons.kind_hints) if pattern.search(line)), FALLBACK_KIND)


def _handled_by(line: str, ruleset: RuleSet) -> str | None:
    for rule in ruleset.generic_rules:
        if rule.action != "strip":
            try:
                if rule.apply(line) == "":
                    return rule.id
            except TimeoutError:
                continue
    return None


def _window(positions: list[tuple[int, int]]) -> tuple[int | None, int | None]:
    """in_first / in_last for a line always near the start / the end of its pages (the nearer edge)."""
    head = max(p[0] for p in positions) + 1
    tail = max(p[1] for p in positions) + 1
    if head <= min(tail, WINDOW_MAX):
        return head + WINDOW_MARGIN, None
    if tail <= WINDOW_MAX:
        return None, tail + WINDOW_MARGIN
    return None, None


def _qualifies(line: str, pages: int, stories: int, total: int, min_share: float, min_pages: int) -> bool:
    if pages < min_pages or stories < min_share * total:
        return False
    if looks_like_prose(line):
        return stories >= PROSE_MIN_STORIES and stories >= PROSE_SHARE * total
    return True


def find_template(pages: list[Page], ruleset: RuleSet, *, min_share: float = MIN_SHARE,
                  min_pages: int = MIN_PAGES, skipped: Iterable[str] = ()) -> Findings:
    """The lines repeated across the site's stories, highest share first (site memory's counts)."""
    counter = SiteCounter()
    spellings: dict[int, Counter[str]] = {}
    positions: dict[int, list[tuple[int, int]]] = {}
    for page in pages:
        counter.add(signature("", "\n".join(page.lines)))
        for index, line in enumerate(page.lines):
            key = line_key(line)
            spellings.setdefault(key, Counter())[line] += 1
            positions.setdefault(key, []).append((index, len(page.lines) - 1 - index))
    counts = counter.counts("")
    total = counts.stories
    candidates = []
    for key, found in counts.lines.items():
        line = min(spellings[key].items(), key=lambda item: (-item[1], item[0]))[0]  # its commonest spelling
        if not _qualifies(line, found.pages, found.stories, total, min_share, min_pages):
            continue
        in_first, in_last = _window(positions[key])
        candidates.append(Candidate(line, found.pages, found.stories, found.stories / total,
                                    guess_kind(line, ruleset.lexicons), _handled_by(line, ruleset), in_first, in_last))
    candidates.sort(key=lambda c: (-c.share, -c.pages, c.text))
    return Findings(len(pages), total, tuple(skipped), tuple(candidates))


# -- the draft file -------------------------------------------------------------------------------------------

def line_regex(line: str) -> str:
    """The line as a regex: escaped, digit runs generalised (years, counts), anchored as a whole line."""
    parts = regex.split(r"(\d+)", line)
    body = "".join(r"\d+" if part.isdigit() else regex.escape(part, special_only=True, literal_spaces=True)
                   for part in parts)
    return f"^{body}$"


def _quote(text: str) -> str:
    """A YAML single-quoted scalar: no escapes, so regexes read as written."""
    return "'" + text.replace("'", "''") + "'"


def _slug(text: str, taken: set[str], kind: str) -> str:
    words = regex.findall(r"[a-z0-9]+", text.casefold())[:4]
    base = "-".join([kind.replace("_", "-"), *words])[:48].strip("-")
    slug, n = base, 2
    while slug in taken:
        slug, n = f"{base}-{n}", n + 1
    taken.add(slug)
    return slug


def _article_sentences(pages: list[Page], template: set[str]) -> list[str]:
    """Sentence lines found on one page only: article text of this site, the draft's keep examples."""
    counts = Counter(line for page in pages for line in set(page.lines))
    return [line for page in pages for line in page.lines
            if counts[line] == 1 and line not in template and looks_like_prose(line)]


def pick_fingerprints(candidates: list[Candidate], domain: str) -> list[str]:
    """Template lines on nearly every page that are distinctive: naming the site, or several words long."""
    name = domain.split(".")[0].casefold()
    usable = [c for c in candidates if c.share >= 0.9 and c.handled_by is None and not looks_like_prose(c.text)
              and (name in c.text.casefold().replace(" ", "") or len(c.text.split()) >= 4)]
    usable.sort(key=lambda c: (name not in c.text.casefold().replace(" ", ""), -c.share, -len(c.text)))
    return [f"(?m){line_regex(c.text)}" for c in usable[:FINGERPRINTS]]


def _rule_yaml(candidate: Candidate, rule_id: str, keep: str) -> list[str]:
    words = len(candidate.text.split())
    out = [f"  # on {candidate.pages} pages, {candidate.share:.0%} of stories",
           f"  - id: {rule_id}", f"    kind: {candidate.kind}", "    action: drop",
           f"    match: {_quote(line_regex(candidate.text))}", "    case: sensitive"]
    if words > 20:  # the drop default; a longer template line needs a higher cap
        out.append(f"    max_words: {words}")
    if candidate.in_first:
        out.append(f"    in_first: {candidate.in_first}")
    if candidate.in_last:
        out.append(f"    in_last: {candidate.in_last}")
    out += ["    tests:", f"      remove: [{_quote(candidate.text)}]", f"      keep: [{_quote(keep)}]"]
    return out


def draft_yaml(domain: str, findings: Findings, pages: list[Page], folder: str) -> str:
    """The draft site file: header comment, site, domains, fingerprints, one drop rule per template line."""
    proposed = findings.proposed
    keeps = _article_sentences(pages, {c.text for c in findings.candidates})
    if not keeps:
        raise ValueError("no article sentence found on a single page: cannot write keep examples")
    today = datetime.date.today().isoformat()
    out = [f"# Draft written by `cleaner learn` on {today} from {findings.pages} pages ({findings.stories} stories)",
           f"# of {folder}. Review every rule: kinds are guesses, and a line on many pages can still be article text.",
           f"description: Template lines of {domain}, learnt from {findings.pages} pages (draft).",
           f"site: {domain}", f"domains: [{domain}]"]
    fingerprints = pick_fingerprints(list(findings.candidates), domain)
    if fingerprints:
        out.append("fingerprints:")
        out += [f"  - {_quote(fp)}" for fp in fingerprints]
    out.append("rules:" if proposed else "rules: []")
    taken: set[str] = set()
    for candidate, keep in zip(proposed, itertools.cycle(keeps)):
        out += _rule_yaml(candidate, _slug(candidate.text, taken, candidate.kind), keep)
    return "\n".join(out) + "\n"


def check_draft(text: str, name: str) -> RuleFile:
    """Load the draft with the cleaner's own loader (schema, regexes); RuleError when it would not load."""
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / f"{name}.yaml"
        path.write_text(text, encoding="utf-8")
        return load_rule_file(path, f"sites/{name}")


def report_lines(findings: Findings) -> Iterator[str]:
    """What learn found, one line per repeated line, with the share of stories and pages it is on."""
    yield (f"{findings.pages} pages, {findings.stories} stories (copies of one story count once)"
           + (f"; {len(findings.skipped)} pages of other sites skipped" if findings.skipped else ""))
    for c in findings.candidates:
        note = f"already removed by {c.handled_by}" if c.handled_by else c.kind
        yield f"{c.share:>5.0%}  {c.pages:>4} pages  {note:<28}  {c.text}"
