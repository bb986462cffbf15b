"""Header fields on a labelled page set: cleaner's title, authors, date beside trafilatura's, and page_type.

Usage::

    python bench/header.py DATA.jsonl.gz [--types article] [--misses 20]

DATA holds one JSON record per page with ``url``, ``html`` and the gold
``title``, ``author``, ``date`` (null where the page has none; WCXB's records
have them) and, optionally, ``page_type``. Per field, over the pages whose
gold value is not null:

- title: equal after case and space folding;
- author: every gold author word (``\\w+``, casefolded; "and", which joins a
  list of names, is not a word of a name) among the words of the authors
  given, all joined;
- date: the same day (the first ten characters, YYYY-MM-DD).

Rows: ``trafilatura.extract_metadata(html, default_url=url)`` (bare, its
defaults) and ``cleaner html`` (the header ``clean_source`` writes). When the
records carry ``page_type``, a confusion table of cleaner's page_type
against it follows, with its accuracy over all pages and over each half of
the sites (hosts split by a stable hash). ``--misses N`` lists N pages per field
where cleaner's value is wrong.
"""
from __future__ import annotations

import argparse
import re
import zlib
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any, Callable

sys.path.insert(0, str(Path(__file__).resolve().parent))
from quality import load  # noqa: E402  (bench/ is not a package)

WORD = re.compile(r"\w+")
FIELDS = ("title", "author", "date")
JOINERS = {"and"}


def _fold(text: str | None) -> str:
    return " ".join((text or "").split()).casefold()


def field_ok(field: str, gold: str, found: Any) -> bool:
    """Whether ``found`` (a string, a list of names or None) matches the gold value of ``field``."""
    if isinstance(found, list):
        found = " ".join(str(item) for item in found)
    if not found:
        return False
    if field == "title":
        return _fold(gold) == _fold(found)
    if field == "author":
        have = {w.casefold() for w in WORD.findall(found)}
        return all(w.casefold() in have for w in WORD.findall(gold) if w.casefold() not in JOINERS)
    return str(found)[:10] == gold[:10]


def systems(ruleset) -> dict[str, Callable[[dict], dict[str, Any]]]:
    """Name -> page -> {title, author, date, page_type}."""
    import trafilatura

    from cleaner.stages.document import Source
    from cleaner.stages.pipeline import clean_source

    def bare(page: dict) -> dict[str, Any]:
        found = trafilatura.extract_metadata(page["html"], default_url=page["url"])
        return {"title": found.title, "author": found.author, "date": found.date} if found else {}

    def cleaner(page: dict) -> dict[str, Any]:
        header = clean_source(Source(text="", html=page["html"], url=page["url"]), ruleset).metadata
        return {"title": header.get("title"), "author": header.get("authors"), "date": header.get("date"),
                "page_type": header.get("page_type")}

    return {"trafilatura.extract_metadata": bare, "cleaner html": cleaner}


def field_table(pages: list[dict], found: dict[str, list[dict]], seconds: dict[str, float]) -> str:
    counts = {field: sum(1 for p in pages if p.get(field)) for field in FIELDS}
    lines = [f"{len(pages)} pages; gold values: " + ", ".join(f"{f} {n}" for f, n in counts.items()), "",
             "| system | title | author | date | seconds |", "| --- | ---: | ---: | ---: | ---: |"]
    for name, rows in found.items():
        shares = [sum(field_ok(f, p[f], row.get(f)) for p, row in zip(pages, rows) if p.get(f)) / max(1, counts[f])
                  for f in FIELDS]
        lines.append(f"| {name} | " + " | ".join(f"{s:.3f}" for s in shares) + f" | {seconds[name]:.1f} |")
    return "\n".join(lines)


def confusion(pages: list[dict], rows: list[dict]) -> str:
    """Gold page_type (rows) by cleaner's (columns), and the share on the diagonal."""
    pairs = Counter((p["page_type"], row.get("page_type") or "-") for p, row in zip(pages, rows))
    gold = sorted({g for g, _ in pairs})
    found = sorted({f for _, f in pairs})
    lines = ["| gold \\ cleaner | " + " | ".join(found) + " | pages | right |",
             "| --- |" + " ---: |" * (len(found) + 2)]
    for kind in gold:
        total = sum(n for (g, _), n in pairs.items() if g == kind)
        lines.append(f"| {kind} | " + " | ".join(str(pairs.get((kind, f), "")) for f in found)
                     + f" | {total} | {pairs.get((kind, kind), 0) / total:.2f} |")
    right = sum(n for (g, f), n in pairs.items() if g == f)
    halves = [[p["page_type"] == (row.get("page_type") or "-") for p, row in zip(pages, rows) if _half(p["url"]) == h]
              for h in (0, 1)]
    return "\n".join(lines) + (f"\n\npage_type accuracy: {right / len(pages):.3f} ({right}/{len(pages)}); on each half "
                               "of the sites: " + ", ".join(f"{sum(h) / max(1, len(h)):.3f} ({len(h)})" for h in halves))


def _half(url: str) -> int:
    """Which half of the sites a page's host falls in (a stable hash): rules written on one hold on the other?"""
    from urllib.parse import urlsplit

    return zlib.crc32((urlsplit(url).hostname or "").removeprefix("www.").encode()) % 2


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("data", type=Path, help="JSONL(.gz) of pages with url, html, title, author, date")
    parser.add_argument("--types", help="only pages of these page_type values (comma-separated)")
    parser.add_argument("--misses", type=int, default=0, help="list this many wrong values of cleaner's per field")
    args = parser.parse_args(argv)
    from cleaner.rulebook.ruleset import load_ruleset

    pages = load(args.data)
    if args.types:
        pages = [p for p in pages if p.get("page_type", "article") in args.types.split(",")]
    found, seconds = {}, {}
    for name, system in systems(load_ruleset()).items():
        start = time.perf_counter()
        found[name] = [system(page) for page in pages]
        seconds[name] = time.perf_counter() - start
    print(field_table(pages, found, seconds))
    mine = found["cleaner html"]
    if all(p.get("page_type") for p in pages):
        print("\n" + confusion(pages, mine))
    for field in FIELDS if args.misses else ():
        wrong = [(p, row) for p, row in zip(pages, mine) if p.get(field) and not field_ok(field, p[field], row.get(field))]
        print(f"\n{field}: {len(wrong)} wrong")
        for page, row in wrong[:args.misses]:
            print(f"- {page.get('id')}: gold {page[field]!r}, cleaner {row.get(field)!r}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
