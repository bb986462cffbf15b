"""Extraction quality on a labelled page set: cleaner next to bare trafilatura, in one run, on the same pages.

Usage::

    python bench/quality.py DATA.jsonl.gz [--types article,forum] [--by-type] [--gold-hits] [--ftr]
                            [--cross-validated [--cv-cache FILE]] [--html-only]

DATA holds one JSON record per page with ``url``, ``html``, ``gold`` (the
human-written article body) and the text renderings ``dirty_full`` and
``dirty_recall`` (see the data set's README). Rows:

- ``trafilatura.extract(html)``: bare, its defaults;
- ``cleaner html``: cleaner on the HTML (DOM rules, candidates judged by the block model, text rules);
- ``cleaner html, no block model``: the same with trafilatura's text alone (``--no-model``'s HTML stage);
- ``cleaner text dirty_full`` / ``dirty_recall``: text mode on the renderings;
- ``no cleaning dirty_full`` / ``dirty_recall``: the renderings as they are;
- ``... no model``: the same text mode with the line model off (the rules alone).

Pages that carry ``with`` / ``without`` snippets (WCXB) also get ``resid``,
the share of must-not snippets still present, and ``wlost``, the share of
must snippets missing. ``--by-type`` prints one table per ``page_type``.

Metric, the article-extraction-benchmark's own: tokens are ``\\w+`` runs; a
text is the multiset of its 4-token shingles; per page tp/fp/fn are the
overlaps of predicted and gold shingle counts, normalised to sum 1;
precision and recall are means over pages (precision 1 when fp = fn = 0, 0
when tp = fp = 0; same for recall); F1 from the two means. ``lost`` is the
mean share of gold paragraphs of 5+ tokens of which fewer than half the
tokens survive in the prediction.

``--ftr`` adds ``cleaner html`` with and without the imported FiveFilters
files (``rules/ftr``), over all pages and over the pages whose host has an
imported file in the ftr index: all of them, and those where it is the file
the lookup picks (a hand-written ``rules/sites`` file wins over it).

``--cross-validated`` runs ``cleaner html`` with, for each page, a block
model fitted without the page's site (5 folds by site over the files the
shipped model was trained on, found beside DATA and checked by their
sha256; the shipped thresholds): figures of pages no model saw. A page of a
site outside that data gets the shipped model. ``--cv-cache FILE`` keeps the
fold models between runs.

``--gold-hits`` also lists every gold line that the text rules remove or
change when run over the gold text itself: each is a rule hitting real prose.
"""
from __future__ import annotations

import argparse
import gzip
import json
import re
import sys
import time
from collections import Counter
from pathlib import Path
from statistics import mean
from typing import Callable, Iterable

TOKEN = re.compile(r"\w+", re.UNICODE)
SHINGLE = 4
LOST_MIN_TOKENS = 5
REPEATS = 3  # runs per --ftr row; the fastest is reported


def tokens(text: str | None) -> list[str]:
    return TOKEN.findall(text or "")


def shingles(text: str | None) -> Counter:
    """4-token shingles; a text of fewer tokens is one shingle (the benchmark's own rule)."""
    toks = tokens(text)
    grams = [" ".join(toks[i:i + SHINGLE]) for i in range(max(1, len(toks) - SHINGLE + 1))]
    return Counter(g for g in grams if g)


def page_scores(gold: str, predicted: str | None) -> tuple[float, float]:
    """(precision, recall) of one page."""
    truth, pred = shingles(gold), shingles(predicted)
    tp = sum((truth & pred).values())
    fp = sum(pred.values()) - tp
    fn = sum(truth.values()) - tp
    total = tp + fp + fn
    if total:
        tp, fp, fn = tp / total, fp / total, fn / total
    if fp == fn == 0:
        return 1.0, 1.0
    precision = 0.0 if tp == fp == 0 else tp / (tp + fp)
    recall = 0.0 if tp == fn == 0 else tp / (tp + fn)
    return precision, recall


def lost_share(gold: str, predicted: str | None) -> float:
    """Share of the gold paragraphs (5+ tokens) of which fewer than half the tokens survive."""
    kept = Counter(tokens(predicted))
    paragraphs = [Counter(tokens(p)) for p in gold.split("\n")]
    paragraphs = [p for p in paragraphs if sum(p.values()) >= LOST_MIN_TOKENS]
    if not paragraphs:
        return 0.0
    lost = sum(sum((p & kept).values()) < sum(p.values()) / 2 for p in paragraphs)
    return lost / len(paragraphs)


def _squeezed(text: str | None) -> str:
    return re.sub(r"\s+", " ", text or "").strip().lower()


def snippet_shares(pages: list[dict], predictions: list[str | None]) -> dict[str, float]:
    """resid: must-not snippets present; wlost: must snippets missing (shares over all snippets)."""
    present = [(_squeezed(s) in _squeezed(pred)) for p, pred in zip(pages, predictions) for s in p.get("without") or []]
    missing = [(_squeezed(s) not in _squeezed(pred)) for p, pred in zip(pages, predictions) for s in p.get("with") or []]
    return {**({"resid": mean(present)} if present else {}), **({"wlost": mean(missing)} if missing else {})}


def score(pages: list[dict], predictions: list[str | None]) -> dict[str, float]:
    pairs = [page_scores(p["gold"], pred) for p, pred in zip(pages, predictions)]
    precision, recall = mean(p for p, _ in pairs), mean(r for _, r in pairs)
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    lost = mean(lost_share(p["gold"], pred) for p, pred in zip(pages, predictions))
    return {"precision": precision, "recall": recall, "f1": f1, "lost": lost, **snippet_shares(pages, predictions)}


def load(path: Path) -> list[dict]:
    opener = gzip.open if path.name.endswith(".gz") else open
    with opener(path, "rt", encoding="utf-8") as stream:
        return [json.loads(line) for line in stream if line.strip()]


def systems(ruleset, folds: Callable[[dict], object] | None = None) -> dict[str, Callable[[dict], str | None]]:
    """Name -> page -> predicted text, in table order; ``folds``: page -> the block model of its fold."""
    from dataclasses import replace

    import trafilatura

    from cleaner.stages.document import Source
    from cleaner.stages.pipeline import clean_source

    rules_only = replace(ruleset, model=None)
    no_blocks = replace(ruleset, blocks=None)

    def clean_html(page: dict, rules=ruleset) -> str:
        if folds is not None and rules is ruleset:
            rules = replace(ruleset, blocks=folds(page))
        return clean_source(Source(text="", html=page["html"], url=page["url"]), rules).body

    def clean_text(field: str, rules=ruleset) -> Callable[[dict], str]:
        return lambda page: clean_source(Source(text=page[field] or "", url=page["url"]), rules).body

    return {
        "trafilatura.extract(html)": lambda page: trafilatura.extract(page["html"]),
        "cleaner html": clean_html,
        "cleaner html, no block model": lambda page: clean_html(page, no_blocks),
        "cleaner text dirty_full": clean_text("dirty_full"),
        "cleaner text dirty_full, no model": clean_text("dirty_full", rules_only),
        "no cleaning dirty_full": lambda page: page["dirty_full"],
        "cleaner text dirty_recall": clean_text("dirty_recall"),
        "cleaner text dirty_recall, no model": clean_text("dirty_recall", rules_only),
        "no cleaning dirty_recall": lambda page: page["dirty_recall"],
    }


def table(rows: dict[str, dict[str, float]], seconds: dict[str, float], pages: int, title: str = "") -> str:
    snippets = any("resid" in row for row in rows.values())
    extra = " resid | wlost |" if snippets else ""
    lines = [f"{title}{pages} pages", "", f"| system | precision | recall | F1 | lost |{extra} seconds |",
             "| --- | ---: | ---: | ---: | ---: |" + (" ---: | ---: |" if snippets else "") + " ---: |"]
    for name, row in rows.items():
        shares = f" {row.get('resid', 0):.3f} | {row.get('wlost', 0):.3f} |" if snippets else ""
        lines.append(f"| {name} | {row['precision']:.3f} | {row['recall']:.3f} | {row['f1']:.3f} | "
                     f"{row['lost']:.3f} |{shares} {seconds[name]:.1f} |")
    return "\n".join(lines)


def ftr_rows(pages: list[dict], ruleset) -> str:
    """cleaner html with and without the imported files, per page subset (see ``--ftr``)."""
    from dataclasses import replace

    from cleaner.rulebook.index import load_index
    from cleaner.rulebook.site import host_of

    index = load_index(ruleset.ftr_dir)
    with_file = [p for p in pages if index.site_for_host(host_of(p["url"]) or "")]
    picked = [p for p in with_file if ruleset.site_for_host(host_of(p["url"]))[0].name.startswith("ftr/")]
    runs = {"with imported rules": ruleset, "without": replace(ruleset, ftr_dir=None)}
    lines = ["| pages | cleaner html | precision | recall | F1 | lost | seconds |",
             "| --- | --- | ---: | ---: | ---: | ---: | ---: |"]
    without_file = [p for p in pages if p not in with_file]
    for label, subset in ((f"all ({len(pages)})", pages), (f"host has an ftr file ({len(with_file)})", with_file),
                          (f"ftr file picked ({len(picked)})", picked), (f"no ftr file ({len(without_file)})", without_file)):
        for name, rules in runs.items():
            html = systems(rules)["cleaner html"]
            seconds = []
            for _ in range(REPEATS):  # the fastest of a few runs: the time column compares with and without
                start = time.perf_counter()
                predictions = [html(page) for page in subset]
                seconds.append(time.perf_counter() - start)
            row = score(subset, predictions)
            lines.append(f"| {label} | {name} | {row['precision']:.3f} | {row['recall']:.3f} | {row['f1']:.3f} | "
                         f"{row['lost']:.3f} | {min(seconds):.2f} |")
    return "\n".join(lines)


def fold_lookup(data: Path, ruleset, cache: Path | None) -> Callable[[dict], object]:
    """page -> the block model fitted without the page's site (see ``--cross-validated``)."""
    import hashlib
    from dataclasses import replace

    from cleaner.commands.train import TrainOptions, fold_models, load_block_pages, site_of
    from cleaner.rulebook.blockmodel import block_model_from_json

    shipped = ruleset.blocks
    files = [data.parent / entry["file"] for entry in shipped.training["data"]]
    for path, entry in zip(files, shipped.training["data"]):
        if hashlib.sha256(path.read_bytes()).hexdigest() != entry["sha256"]:
            raise SystemExit(f"{path}: not the file the shipped block model was trained on")
    key = hashlib.sha256(json.dumps([shipped.training["data"], shipped.mean, shipped.weights]).encode()).hexdigest()
    if cache is not None and cache.is_file() and json.loads(cache.read_text())["key"] == key:
        stored = json.loads(cache.read_text())["folds"]
    else:
        options = TrainOptions(folds=shipped.training["options"]["folds"], seed=shipped.training["options"]["seed"],
                               c=shipped.training["options"]["C"])
        pages = load_block_pages(files, replace(ruleset, model=None, blocks=None), options)
        stored = [{"sites": sorted({pages[i].site for i in fold}), "model": model.to_json()}
                  for fold, model in fold_models(pages, options, shipped.inside, shipped.outside)]
        if cache is not None:
            cache.write_text(json.dumps({"key": key, "folds": stored}))
    by_site = {site: block_model_from_json(entry["model"], "fold") for entry in stored for site in entry["sites"]}
    return lambda page: by_site.get(site_of(page["url"]), shipped)


def gold_hits(pages: Iterable[dict], ruleset) -> list[tuple[str, str, str]]:
    """(page id, rule id, gold line) for every gold line the text rules remove or change."""
    from cleaner.stages.document import Source
    from cleaner.stages.pipeline import clean_source

    hits = []
    for page in pages:
        document = clean_source(Source(text=page["gold"], url=page["url"], prior={"title": None}), ruleset)
        for removal in document.removals:
            if not removal.rule.startswith("builtin/"):
                hits.append((str(page.get("id")), removal.rule, removal.text))
    return hits


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("data", type=Path, help="JSONL(.gz) of pages with url, html, gold, dirty_full, dirty_recall")
    parser.add_argument("--gold-hits", action="store_true", help="also list gold lines the text rules remove")
    parser.add_argument("--ftr", action="store_true", help="also compare cleaner html with and without rules/ftr")
    parser.add_argument("--types", help="only pages of these page_type values (comma-separated)")
    parser.add_argument("--by-type", action="store_true", help="one table per page_type, then all pages")
    parser.add_argument("--cross-validated", action="store_true",
                        help="cleaner html with block models fitted without each page's site")
    parser.add_argument("--cv-cache", type=Path, help="keep the fold models of --cross-validated in this file")
    parser.add_argument("--html-only", action="store_true", help="only the rows on the html field")
    args = parser.parse_args(argv)
    from cleaner.rulebook.ruleset import load_ruleset

    ruleset = load_ruleset()
    pages = load(args.data)
    if args.types:
        pages = [p for p in pages if p.get("page_type", "article") in args.types.split(",")]
    predicted, seconds = {}, {}
    folds = fold_lookup(args.data, ruleset, args.cv_cache) if args.cross_validated else None
    chosen_systems = {name: system for name, system in systems(ruleset, folds).items()
                      if not args.html_only or "html" in name}
    for name, system in chosen_systems.items():
        start = time.perf_counter()
        predicted[name] = [system(page) for page in pages]
        seconds[name] = time.perf_counter() - start
    groups = sorted({p.get("page_type", "article") for p in pages}) if args.by_type else []
    for group in groups:
        chosen = [i for i, p in enumerate(pages) if p.get("page_type", "article") == group]
        rows = {name: score([pages[i] for i in chosen], [preds[i] for i in chosen]) for name, preds in predicted.items()}
        print(table(rows, {name: 0.0 for name in rows}, len(chosen), title=f"page type {group}: ") + "\n")
    rows = {name: score(pages, preds) for name, preds in predicted.items()}
    print(table(rows, seconds, len(pages), title="all: " if groups else ""))
    if args.ftr:
        print("\n" + ftr_rows(pages, ruleset))
    if args.gold_hits:
        hits = gold_hits(pages, ruleset)
        print(f"\n{len(hits)} gold lines removed or changed by text rules")
        for page_id, rule, line in hits:
            print(f"- {rule} (page {page_id}): {line[:160]}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
