"""Site memory: extraction quality with and without it, and the cost of its count pass at scale.

Usage::

    python bench/sitememory.py quality DATA.jsonl.gz [--min-pages 5]
    python bench/sitememory.py count [--pages 100000] [--sites 200] [--jobs 2] [--samples 300]

``quality``: the pages of DATA (WCXB-style records: ``url``, ``html``,
``gold``, ``dirty_full``, ``dirty_recall``) whose site has at least
``--min-pages`` pages in DATA, cleaned as one batch per rendering with and
without site memory (the memory learnt from those same pages, as
``cleaner clean`` does), then the same for invented sites made from the
seeds (tests/site_corpus.py: per-site templates around seed sentences, a
disclaimer sentence and a heading repeated inside most stories). F1 and
lost as bench/quality.py measures them; ``gold paragraphs lost``: gold
paragraphs found whole in the body without memory and not with it; and
site-memory removals whose line is a line of the page's gold text.
Guard variants are measured side by side: the shipped one (article-like
lines never, nor lines inside the article region), without the region
guard, and without any guard.

``count``: the count pass alone (``batch.run.with_site_memory``, local pool)
over generated pages of many sites, written as JSONL files first; wall
time and the main process's peak memory (``ru_maxrss``; it holds the
samples; with ``-j 1`` it is also the worker) for each ``--samples`` size,
and whether the memorised lines agree with an unsampled count.
"""
from __future__ import annotations

import argparse
import gc
import json
import resource
import subprocess
import sys
import tempfile
import time
from collections import Counter
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT / "bench"), str(ROOT / "tests")]

from quality import load, score, tokens  # noqa: E402
from site_corpus import iter_site_pages, site_pages  # noqa: E402

from cleaner.rulebook.ruleset import load_ruleset  # noqa: E402
from cleaner.stages import sitememory  # noqa: E402
from cleaner.stages.document import Source  # noqa: E402
from cleaner.stages.linemodel import best_segment  # noqa: E402
from cleaner.stages.pipeline import clean_source, page_signature  # noqa: E402
from cleaner.stages.sitememory import MemorySettings, SiteCounter  # noqa: E402

GUARDS = ("shipped guard", "best-segment region", "no region guard", "no guard")


def _source(page: dict, field: str) -> Source:
    if field == "html":
        return Source(text="", html=page["html"], url=page["url"])
    return Source(text=page[field] or "", url=page["url"])


def _best_segment(lines, repeated):
    """The region as the line model reads a page: the stretch whose article-like words, less a toll a line, add up best."""
    return best_segment([(text.count(" ") + 1 if not common and sitememory.article_like(text) else 0) - 3
                         for text, common in zip(lines, repeated)])


@contextmanager
def guard(name: str) -> Iterator[None]:
    """The memory's guard as named: the shipped one, or another for comparison (patched for the run)."""
    region, article_like = sitememory.article_region, sitememory.article_like
    if name == "best-segment region":
        sitememory.article_region = _best_segment
    if name in ("no region guard", "no guard"):
        sitememory.article_region = lambda lines, repeated: (0, -1)
    if name == "no guard":
        sitememory.article_like = lambda text: False
    try:
        yield
    finally:
        sitememory.article_region, sitememory.article_like = region, article_like


def clean_batch(pages: list[dict], field: str, ruleset, remember: bool) -> tuple[list[str], int, int]:
    """(bodies, site-memory removals, those of them that are gold lines) of the pages as one batch."""
    memory = None
    if remember:
        counter = SiteCounter()
        for page in pages:
            found = page_signature(_source(page, field), ruleset)
            if found is not None:
                counter.add(found)
        memory = counter.memory(MemorySettings())
    bodies, taken, hits = [], 0, 0
    for page in pages:
        document = clean_source(_source(page, field), ruleset, memory)
        gold = {" ".join(line.split()) for line in page["gold"].splitlines() if line.strip()}
        mine = [r for r in document.removals if r.rule.startswith(sitememory.RULE_PREFIX)]
        taken += len(mine)
        hits += sum(" ".join(r.text.split()) in gold for r in mine)
        bodies.append(document.body)
    return bodies, taken, hits


def quality_rows(pages: list[dict], fields: list[str], ruleset, label: str) -> list[str]:
    from dataclasses import replace

    rows = []
    for model in ("model", "no model"):
        rules = ruleset if model == "model" else replace(ruleset, model=None)
        for field in fields:
            if field == "html" and model == "no model":
                continue  # the model never judges extracted HTML: the same row twice
            plain = clean_batch(pages, field, rules, False)[0]
            rows.append(_row(label, field, model, "without", score(pages, plain), 0, 0, 0))
            for name in GUARDS:
                with guard(name):
                    bodies, taken, hits = clean_batch(pages, field, rules, True)
                rows.append(_row(label, field, model, f"with, {name}", score(pages, bodies), taken, hits,
                                 paragraphs_lost(pages, plain, bodies)))
    return rows


def paragraphs_lost(pages: list[dict], plain: list[str], bodies: list[str]) -> int:
    """Gold paragraphs (5+ tokens) found whole in the body without memory and not with it: article text lost.

    ``lost`` counts tokens, not text: a gold paragraph missing from the input
    can pass for half-kept on tokens scattered over template lines ("Sort:
    Best Match" and "The 8 Best Headlamps"), and lose them when memory removes
    those lines. This counts only text that was there and went.
    """
    def squeezed(text: str) -> str:
        return " ".join(text.split()).casefold()

    lost = 0
    for page, before, after in zip(pages, plain, bodies):
        before, after = squeezed(before), squeezed(after)
        for paragraph in page["gold"].split("\n"):
            text = squeezed(paragraph)
            lost += len(tokens(text)) >= 5 and text in before and text not in after
    return lost


def _row(label: str, field: str, model: str, memory: str, figures: dict, taken: int, hits: int, lost: int) -> str:
    return (f"| {label} | {field} | {model} | {memory} | {figures['precision']:.3f} | {figures['recall']:.3f} | "
            f"{figures['f1']:.3f} | {figures['lost']:.3f} | {lost} | {taken} | {hits} |")


def site_groups(pages: list[dict], ruleset, min_pages: int) -> list[dict]:
    """The pages whose site (as site memory names it) has ``min_pages`` pages or more in the data."""
    sites = [(page_signature(_source(p, "dirty_full"), ruleset) or None) for p in pages]
    counts = Counter(s.site for s in sites if s)
    return [p for p, s in zip(pages, sites) if s and counts[s.site] >= min_pages]


def quality(args: argparse.Namespace) -> None:
    ruleset = load_ruleset()
    shared = site_groups(load(args.data), ruleset, args.min_pages)
    sites = Counter(page_signature(_source(p, "dirty_full"), ruleset).site for p in shared)
    print(f"{len(shared)} pages of {len(sites)} sites with {args.min_pages}+ pages in {args.data.name}: "
          + ", ".join(f"{site} {n}" for site, n in sites.most_common()))
    synthetic = site_pages(sites=10, pages=20)
    print(f"synthetic: {len(synthetic)} pages of 10 invented sites (tests/site_corpus.py)\n")
    print("| pages | input | line model | site memory | precision | recall | F1 | lost | gold paragraphs lost "
          "| memory removals | of them gold lines |")
    print("| --- | --- | --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    for row in quality_rows(shared, ["dirty_full", "dirty_recall", "html"], ruleset, "WCXB shared sites"):
        print(row, flush=True)
    for row in quality_rows(synthetic, ["text"], ruleset, "synthetic"):
        print(row, flush=True)


# -- the count pass at scale ----------------------------------------------------------------------------------

def write_pages(folder: Path, pages: int, sites: int, files: int = 100) -> int:
    """``pages`` generated pages (pages // sites per site, sites interleaved) in ``files`` JSONL files."""
    folder.mkdir(parents=True, exist_ok=True)
    handles = [(folder / f"crawl{n:03}.jsonl").open("w", encoding="utf-8") for n in range(files)]
    size = 0
    for number, record in enumerate(iter_site_pages(sites, pages // sites)):
        line = json.dumps({"url": record["url"], "text": record["text"]}) + "\n"
        handles[number % files].write(line)
        size += len(line)
    for handle in handles:
        handle.close()
    return size


def count_once(folder: Path, jobs: int, sample: int) -> None:
    """One count pass (run in a process of its own, so that its peak memory is its own); prints JSON."""
    from cleaner.batch.model import BatchOptions
    from cleaner.batch.run import with_site_memory

    ruleset = load_ruleset()
    gc.collect()
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    started = time.perf_counter()
    options = with_site_memory([folder], ruleset, BatchOptions(jobs=jobs, site_memory=MemorySettings(sample=sample)))
    seconds = time.perf_counter() - started
    memory = options.memory
    print(json.dumps({
        "seconds": seconds, "main_kb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, "main_before_kb": before,
        "sites": len(memory.sites), "lines": {site: sorted(e.lines) for site, e in memory.sites.items()},
    }))


def count(args: argparse.Namespace) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "pages"
        started = time.perf_counter()
        size = write_pages(folder, args.pages, args.sites)
        print(f"{args.pages} pages of {args.sites} sites, {size / 1e6:.0f} MB of JSONL in 100 files, "
              f"written in {time.perf_counter() - started:.0f} s; count pass with -j {args.jobs}\n")
        print("| sample per site | jobs | seconds | pages/s | peak MB of the main process | of it before the pass "
              "| sites with memory | memorised lines | same lines as unsampled |")
        print("| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
        runs = [(sample, args.jobs) for sample in [*args.samples, args.pages]] + [(args.samples[0], 1)]
        results = {}
        for sample, jobs in runs:
            done = subprocess.run([sys.executable, __file__, "count-once", str(folder), str(jobs), str(sample)],
                                  capture_output=True, text=True, check=True)
            results[sample, jobs] = json.loads(done.stdout)
        exact = results[args.pages, args.jobs]["lines"]
        for (sample, jobs), found in results.items():
            lines = found["lines"]
            same = sum(lines.get(site) == exact_lines for site, exact_lines in exact.items())
            label = "all (unsampled)" if sample == args.pages else str(sample)
            print(f"| {label} | {jobs} | {found['seconds']:.1f} | {args.pages / found['seconds']:.0f} | "
                  f"{found['main_kb'] / 1024:.0f} | {found['main_before_kb'] / 1024:.0f} | {found['sites']} | "
                  f"{sum(map(len, lines.values()))} | {same} of {len(exact)} sites |")


def main(argv: list[str] | None = None) -> int:
    if argv is None and sys.argv[1:2] == ["count-once"]:
        count_once(Path(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]))
        return 0
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    q = commands.add_parser("quality", help="F1 and lost with and without site memory")
    q.add_argument("data", type=Path, help="JSONL(.gz) of pages with url, html, gold, dirty_full, dirty_recall")
    q.add_argument("--min-pages", type=int, default=5, help="pages a site needs in DATA to be used")
    c = commands.add_parser("count", help="time and peak memory of the count pass over generated pages")
    c.add_argument("--pages", type=int, default=100_000)
    c.add_argument("--sites", type=int, default=200)
    c.add_argument("--jobs", type=int, default=2)
    c.add_argument("--samples", type=int, nargs="+", default=[300])
    args = parser.parse_args(argv)
    quality(args) if args.command == "quality" else count(args)
    return 0


if __name__ == "__main__":
    sys.exit(main())
