"""The line model's figures cross-validated by site, end to end: ``python bench/crossval.py DATA... [--field F]``.

Every page is cleaned by cleaner with a line model fitted without its site
(``--folds`` folds, no site in two), then scored as ``bench/quality.py``
scores (F1 of 4-token shingles, lost, must-not snippets left, must snippets
missing), beside the no-cleaning floor and the rules alone, one row per data
file and page type. The model is fitted as ``cleaner train`` fits it, on the
same renderings (``--train-field``, repeatable; default the shipped model's
two), and decides with the shipped model's decision (``rules/models/lines.json``, or
the one of ``--rules DIR``'s ``models/lines.json``):
that decision was itself chosen on out-of-fold scores of these pages, so these
figures are out-of-fold for the weights, not for the decision settings. When
the shipped model has an end model, each fold's is fitted, as ``cleaner
train`` fits it, on the other folds' pages and their out-of-fold scores.
``--without-url`` cleans each page as a text file that comes without its URL
(the benchmark's scorer does), ``--also-without-url`` trains as ``cleaner
train --also-without-url`` does.
Needs the ``train`` extra. About 10 minutes on the bench's pages and 2 cores.
"""
from __future__ import annotations

import argparse
import sys
from dataclasses import replace
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from quality import load, score  # noqa: E402  (bench/quality.py: one scorer for every table)

from cleaner.commands.train import (TrainOptions, end_rows, fit, fit_end, folds_by_site, load_pages,  # noqa: E402
                                    make_model, site_of)
from cleaner.rulebook.ruleset import load_ruleset  # noqa: E402
from cleaner.stages.document import Source  # noqa: E402
from cleaner.stages.linemodel import features, page_cues, scores  # noqa: E402
from cleaner.stages.pipeline import clean_source  # noqa: E402


def training_pages(paths: list[Path], ruleset, options: TrainOptions):
    """(page, feature rows) of every rendering the model trains on, read as ``cleaner train`` reads them."""
    return [(page, features(page.lines, page_cues(page.lines, page.url, options.languages, ruleset.lexicons)))
            for page in load_pages(paths, ruleset, options)]


def cross_validated(paths: list[Path], records: list[dict], field: str, options: TrainOptions,
                    without_url: bool = False, rules: list[Path] = ()) -> list[str]:
    """Each record's ``field`` cleaned by a model fitted on the other folds' sites (without its URL if asked)."""
    ruleset = load_ruleset(rules)
    pages = training_pages(paths, replace(ruleset, model=None), options)
    site_folds = folds_by_site([page for page, _ in pages], options.folds)
    fold_of_site = {pages[i][0].site: k for k, fold in enumerate(site_folds) for i in fold}
    models, oof = [], [[] for _ in pages]
    for k in range(len(site_folds)):
        train = [(page, rows) for page, rows in pages if fold_of_site[page.site] != k]
        parts = fit([r for _, rows in train for r in rows], [y for page, _ in train for y in page.labels], options)
        models.append(replace(make_model(parts, ruleset.model.decision, options), name=ruleset.model.name,
                              version=f"cv{k}"))
        for i in site_folds[k]:
            oof[i] = scores(models[k], pages[i][0].lines, page_cues(pages[i][0].lines, pages[i][0].url,
                                                                     options.languages, ruleset.lexicons))
    matrices = end_rows([page for page, _ in pages], [rows for _, rows in pages], oof, options) \
        if ruleset.model.end is not None else None
    predictions: list[str] = [""] * len(records)
    for k, model in enumerate(models):
        if matrices is not None:  # the end model, stacked on the other folds' out-of-fold scores
            held = set(site_folds[k])
            model = replace(model, end=fit_end([page for page, _ in pages], matrices,
                                               [i for i in range(len(pages)) if i not in held], options))
        rules = replace(ruleset, model=model)
        for index, record in enumerate(records):
            if fold_of_site.get(site_of(record.get("url")), k) == k:  # a site no training page has: any fold
                url = None if without_url else record.get("url")
                predictions[index] = clean_source(Source(text=record.get(field) or "", url=url), rules).body
        print(f"fold {k + 1}/{len(site_folds)} done", file=sys.stderr, flush=True)
    return predictions


def rules_only(records: list[dict], field: str, without_url: bool = False) -> list[str]:
    ruleset = load_ruleset(model=False)
    return [clean_source(Source(text=r.get(field) or "", url=None if without_url else r.get("url")), ruleset).body
            for r in records]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("data", type=Path, nargs="+", help="JSONL(.gz) files of pages with gold text")
    parser.add_argument("--field", default="dirty_full", help="the rendering cleaned and scored")
    parser.add_argument("--train-field", action="append", help="renderings the model trains on (repeatable)")
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--also-without-url", action="store_true",
                        help="train on each page also without its URL, as cleaner train --also-without-url does")
    parser.add_argument("--rules", type=Path, action="append", default=[],
                        help="a rule folder, as cleaner's --rules: its models/lines.json gives the decision")
    parser.add_argument("--without-url", action="store_true",
                        help="clean each page without its URL, as a text file that comes without one")
    args = parser.parse_args()
    records, sources = [], []
    for path in args.data:
        loaded = load(path)
        records += loaded
        sources += [path.name.split(".")[0]] * len(loaded)
    options = TrainOptions(text_fields=tuple(args.train_field or ["dirty_full", "dirty_recall"]), folds=args.folds,
                           without_url=args.also_without_url)
    model = cross_validated(args.data, records, args.field, options, args.without_url, args.rules)
    rules = rules_only(records, args.field, args.without_url)
    print(f"{args.field}{' without URL' if args.without_url else ''}, {args.folds} folds by site"
          f"{', trained also without URL' if args.also_without_url else ''}\n")
    print("| set | page type | pages | no cleaning F1 / lost | rules F1 / lost | model (cross-validated) F1 / lost "
          "| must-not left: none / rules / model | must missing: none / rules / model |")
    print("| --- | --- | ---: | --- | --- | --- | --- | --- |")
    groups: dict[tuple[str, str], list[int]] = {}
    for index, record in enumerate(records):
        groups.setdefault((sources[index], record.get("page_type") or "article"), []).append(index)
    for (source, page_type), chosen in sorted(groups.items(), key=lambda g: (g[0][0], g[0][1] != "article", g[0][1])):
        pages = [records[i] for i in chosen]
        rows = [score(pages, [p.get(args.field) for p in pages]), score(pages, [rules[i] for i in chosen]),
                score(pages, [model[i] for i in chosen])]
        snippets = ["resid", "wlost"]
        cells = [" / ".join(f"{row[key]:.3f}" for row in rows) if key in rows[0] else "" for key in snippets]
        print(f"| {source} | {page_type} | {len(pages)} | "
              + " | ".join(f"{row['f1']:.3f} / {row['lost']:.3f}" for row in rows) + f" | {cells[0]} | {cells[1]} |")


if __name__ == "__main__":
    main()
