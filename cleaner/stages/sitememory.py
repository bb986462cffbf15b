"""Site memory: the lines a site prints on many of its pages, learnt from a batch and removed as template.

A batch sees what no single page shows: a menu, a footer, a "Follow us" row
that every page of a site repeats. This module is the one owner of that
counting; ``cleaner clean`` (through batch/memory.py) and ``cleaner learn``
both read their counts from here.

- A page is reduced to its *signature*: its site, a 63-bit hash of its text
  and the sorted hashes of its distinct normalised lines (casefolded; lines
  without a letter left out: prices and code braces are data), each
  flagged when the line is article-like (reads as prose, or is longer than
  a template line ever is: MAX_WORDS). 8 bytes a line: no text is kept.
- Per site, only the ``sample`` pages with the smallest page hashes are
  kept (a bottom-k sample). It is a function of the *set* of pages, so the
  result is the same whatever the order of the inputs or the number of
  workers; a site with fewer pages is counted whole, and a page met twice
  counts once.
- Copies of one story count once: pages that share several article-like
  lines are one *story* (as ``learn`` always did); such lines on nearly every
  page (PROSE_SHARE: a bio, a cookie sentence) are the site's, not evidence
  that two pages tell one story.
- A line is memorised when it is on at least ``min_stories`` stories and
  ``min_share`` of the site's stories, and is not article-like.

Never lose the article (the guard): memory never removes an article-like
line (a syndicated paragraph, a standard disclaimer sentence), a line a
``keep`` rule protects, or any line inside the page's article region (from
its first to its last article-like line): headings such as "Examples" that
a documentation site repeats inside every article stay.
bench/RESULTS.md has the figures behind these choices.
"""
from __future__ import annotations

import hashlib
import heapq
import itertools
import json
import re
from array import array
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable, Sequence

from ..rulebook.textform import fold
from .document import Removal
from .text import Line, looks_like_prose

KIND = "template"  # the kind site-memory removals are counted under
RULE_PREFIX = "site-memory/"
PROSE_SHARE = 0.8  # a prose line on this share of a site's sampled pages is the site's, not a story's
SAME_STORY_LINES = 3  # two pages sharing this many prose lines (or SAME_STORY_SHARE of them) tell one story
SAME_STORY_SHARE = 0.3
MAX_WORDS = 20  # a line longer than this is article-like whatever its end (the drop rules' word cap)
FILE_FORMAT = "cleaner-site-memory 1"
_LETTER = re.compile(r"[^\W\d_]")
_DIGITS = re.compile(r"\d+")


class MemoryFileError(Exception):
    """A --site-memory file that cannot be used; str() is 'path: reason'."""


@dataclass(frozen=True)
class MemorySettings:
    """The thresholds (settings file keys ``site-memory-share``, ``-stories``, ``-sample``)."""

    min_share: float = 0.5  # share of the site's stories a line must be on
    min_stories: int = 5  # distinct stories a line must be on
    sample: int = 300  # pages kept per site (the smallest page hashes); more pages are sampled


def article_like(text: str) -> bool:
    """Reads as prose, or is longer than a template line: never memorised, and the article region's stuff."""
    return looks_like_prose(text) or text.count(" ") >= MAX_WORDS


def _form(text: str) -> str:
    """The comparison form of a line (or of a whole text, line by line): casefolded."""
    return fold(text)


def _shape(text: str) -> str:
    """A line with its digit runs read as one digit: the items of a listing share a shape."""
    return _DIGITS.sub("0", fold(text))


def _hash(text: str) -> int:
    return int.from_bytes(hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=8).digest(),
                          "little") >> 1


def line_key(text: str) -> int:
    """A 63-bit hash of the line's comparison form (see _form)."""
    return _hash(_form(text))


@dataclass(frozen=True)
class PageSignature:
    """What the count pass keeps of one page: its site, its hash, its lines' hashes (low bit: prose)."""

    site: str
    page: int
    lines: bytes  # array('Q') of sorted distinct (line_key << 1 | prose)


def signature(site: str, text: str) -> PageSignature:
    """The signature of a page of ``site`` whose normalised text is ``text``.

    The form is taken of the whole text at once (it keeps lines apart), and
    whether a line is article-like does not depend on case. Lines without a
    letter (prices, code braces, rules of dashes) are data or layout, never
    a site's words: they are left out.
    """
    forms = {form for form in _form(text).split("\n") if _LETTER.search(form)}
    entries = sorted({_hash(form) << 1 | article_like(form) for form in forms})
    return PageSignature(site, _hash(text), array("Q", entries).tobytes())


def _entries(lines: bytes) -> array:
    found = array("Q")
    found.frombytes(lines)
    return found


@dataclass(frozen=True)
class LineCount:
    pages: int
    stories: int
    prose: bool


@dataclass(frozen=True)
class SiteCounts:
    """One site's sample: its pages and stories, and for every line hash the pages and stories holding it."""

    pages: int
    stories: int
    lines: dict[int, LineCount]
    page_stories: tuple[int, ...] = ()  # story id of each sampled page, in page-hash order


def story_ids(prose: Sequence[set[int]]) -> list[int]:
    """One id per page (its story's smallest page index); pages sharing several article-like lines share it.

    Such lines held by PROSE_SHARE of the pages or more are the site's own
    and prove nothing. The partition does not depend on the order of the
    unions, and the id is the component's smallest index, so the result is a
    function of the pages alone.
    """
    holders: dict[int, list[int]] = {}
    for index, lines in enumerate(prose):
        for line in lines:
            holders.setdefault(line, []).append(index)
    common = {line for line, pages in holders.items() if len(prose) > 1 and len(pages) >= PROSE_SHARE * len(prose)}
    evidence = [lines - common for lines in prose]
    shared: Counter[tuple[int, int]] = Counter()
    for line, indexes in holders.items():
        if line not in common:
            shared.update(itertools.combinations(indexes, 2))
    parent = list(range(len(prose)))

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for (a, b), count in shared.items():
        if count >= SAME_STORY_LINES or count >= SAME_STORY_SHARE * min(len(evidence[a]), len(evidence[b])):
            ra, rb = root(a), root(b)
            parent[max(ra, rb)] = min(ra, rb)
    return [root(i) for i in range(len(prose))]


def count_site(pages: Iterable[bytes]) -> SiteCounts:
    """The counts of one site's sampled pages (their packed line hashes, in page-hash order)."""
    entries = [_entries(lines) for lines in pages]
    stories = story_ids([{e >> 1 for e in found if e & 1} for found in entries])
    holders: dict[int, set[int]] = {}
    page_count: Counter[int] = Counter()
    for found, story in zip(entries, stories):
        for entry in found:
            page_count[entry] += 1
            holders.setdefault(entry, set()).add(story)
    lines = {entry >> 1: LineCount(count, len(holders[entry]), bool(entry & 1)) for entry, count in page_count.items()}
    return SiteCounts(len(entries), len(set(stories)), lines, tuple(stories))


class SiteCounter:
    """Page signatures in, per-site samples kept: the ``sample`` smallest page hashes of each site."""

    def __init__(self, sample: int = MemorySettings.sample):
        self.sample = sample
        self.sites: dict[str, dict[int, bytes]] = {}
        self._largest: dict[str, list[int]] = {}  # per site, a max-heap (negated) of the kept page hashes

    def add(self, page: PageSignature) -> None:
        kept = self.sites.setdefault(page.site, {})
        heap = self._largest.setdefault(page.site, [])
        if page.page in kept:
            return  # the same page again: a copy, or yesterday's page in today's crawl
        if len(kept) < self.sample:
            kept[page.page] = page.lines
            heapq.heappush(heap, -page.page)
        elif page.page < -heap[0]:
            del kept[-heapq.heappushpop(heap, -page.page)]
            kept[page.page] = page.lines

    def counts(self, site: str) -> SiteCounts:
        return count_site(lines for _, lines in sorted(self.sites.get(site, {}).items()))

    def memory(self, settings: MemorySettings) -> SiteMemory:
        """The memorised lines of every site that has some (see the module docstring)."""
        sites = {}
        for site in sorted(self.sites):
            counts = self.counts(site)
            repeated = {key: c for key, c in counts.lines.items() if c.stories >= settings.min_stories
                        and c.stories >= settings.min_share * counts.stories}
            lines = {key: (c.pages, c.stories) for key, c in repeated.items() if not c.prose}
            if lines:
                prose = frozenset(key for key, c in repeated.items() if c.prose)
                sites[site] = SiteEntry(counts.pages, counts.stories, lines, prose)
        return SiteMemory(settings, sites)

    # -- the file: sqlite, the samples themselves (the memory is recomputed from them) --

    def load(self, path: Path) -> None:
        """Add the samples saved in ``path`` (MemoryFileError when it is not a site-memory file)."""
        import sqlite3  # only with --site-memory FILE: `cleaner check` imports this module at start-up

        try:
            db = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
            try:
                found = db.execute("SELECT value FROM meta WHERE key = 'format'").fetchone()
                if not found or found[0] != FILE_FORMAT:
                    raise MemoryFileError(f"{path}: not a site-memory file")
                for site, page, lines in db.execute("SELECT site, page, lines FROM pages"):
                    self.add(PageSignature(site, page, lines))
            finally:
                db.close()
        except sqlite3.Error as exc:
            raise MemoryFileError(f"{path}: not a site-memory file ({exc})") from None

    def save(self, path: Path) -> None:
        """Write the samples to ``path`` (sqlite), built beside it and renamed over it."""
        import sqlite3  # see load()

        temporary = path.with_name(f".{path.name}.writing")
        temporary.unlink(missing_ok=True)
        db = sqlite3.connect(temporary)
        try:
            with db:
                db.execute("CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT)")
                db.execute("CREATE TABLE pages (site TEXT, page INTEGER, lines BLOB, PRIMARY KEY (site, page))")
                db.execute("INSERT INTO meta VALUES ('format', ?)", (FILE_FORMAT,))
                db.executemany("INSERT INTO pages VALUES (?, ?, ?)",
                               ((site, page, lines) for site, kept in sorted(self.sites.items())
                                for page, lines in sorted(kept.items())))
        finally:
            db.close()
        temporary.replace(path)


def load_memory(path: Path, settings: MemorySettings) -> SiteMemory:
    """The memory of the samples saved in ``path`` (MemoryFileError when it cannot be read)."""
    counter = SiteCounter(settings.sample)
    counter.load(path)
    return counter.memory(settings)


@dataclass(frozen=True)
class SiteEntry:
    """One site's memory: its sampled pages and stories, and each memorised line's (pages, stories)."""

    pages: int
    stories: int
    lines: dict[int, tuple[int, int]]
    prose: frozenset[int] = frozenset()  # repeated article-like lines: never removed, but not the article either
    digest: str = field(default="", compare=False)

    def __post_init__(self) -> None:
        text = json.dumps([self.pages, self.stories, sorted(self.lines.items()), sorted(self.prose)])
        object.__setattr__(self, "digest", hashlib.sha256(text.encode()).hexdigest())


@dataclass(frozen=True)
class SiteMemory:
    """The memorised template lines of every site of a batch; what the clean pass removes."""

    settings: MemorySettings
    sites: dict[str, SiteEntry]

    def digest_for(self, sites: Iterable[str] | None) -> str:
        """What of the memory a file whose documents are of ``sites`` depends on ("" when nothing).

        ``None`` (a file cleaned before sites were recorded) is unknown: it
        never matches once any site has memory.
        """
        if sites is None:
            return "unknown" if self.sites else ""
        parts = [f"{site}:{self.sites[site].digest}" for site in sorted(set(sites)) if site in self.sites]
        return "|".join(parts)

    def apply(self, lines: list[Line], site: str | None, spare: Sequence[Line] = ()) -> int:
        """Remove the kept lines of ``site``'s memory outside the article region; returns how many went.

        A line whose shape the page itself repeats (digits aside: "Save 25%"
        and "Save 30%", "(4) 4 reviews" under each item of a listing) is the
        listing's data, not the site's frame: it stays.

        ``spare``: the caller's lines not to take (bound for the header).
        """
        entry = self.sites.get(site) if site else None
        if entry is None:
            return 0
        kept = [line for line in lines if line.removal is None]
        keys = [line_key(line.text) for line in kept]
        first, last = article_region([line.text for line in kept], [key in entry.prose for key in keys])
        shapes = [_shape(line.text) for line in kept]
        repeats = Counter(shapes)
        taken = 0
        for index, (line, key, shape) in enumerate(zip(kept, keys, shapes)):
            if line.protected or first <= index <= last or line in spare or repeats[shape] > 1:
                continue
            counts = entry.lines.get(key)  # never an article-like line: none is memorised
            if counts is None:
                continue
            line.removal = Removal(line=line.no, text=line.text, rule=RULE_PREFIX + site, kind=KIND, action="drop",
                                   reasons=(f"seen on {counts[0]} of {entry.pages} pages",
                                            f"{counts[1]} of {entry.stories} stories"))
            taken += 1
        return taken


def article_region(lines: Sequence[str], repeated: Sequence[bool]) -> tuple[int, int]:
    """First and last index of the page's article: its first and last article-like line ((0, -1): none).

    Article-like lines the site repeats (``repeated``: a bio, a cookie
    notice) are the site's, not the article's. Everything between the two
    is taken as the article, whatever repeats inside it (bench/RESULTS.md
    compares this with a tighter region, the line model's best-scoring stretch).
    """
    found = [index for index, (text, common) in enumerate(zip(lines, repeated)) if not common and article_like(text)]
    return (found[0], found[-1]) if found else (0, -1)
