"""``cleaner train``: labels, folds by site, a reproducible model file that cleaning can load."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from cleaner.rulebook.linemodel import FEATURES, Decision
from cleaner.rulebook.ruleset import load_ruleset
from cleaner.commands.train import (Page, TrainOptions, choose_decision, end_out_of_fold, end_rows, fit_end,
                                    folds_by_site, head_candidates, island_candidates,
                                    label_lines)
from cleaner.stages.linemodel import PageCues, decide, features, stoplist

ROOT = Path(__file__).resolve().parents[2]
PAGES = ROOT / "fixtures" / "train" / "pages.jsonl"


def test_labels_follow_the_gold_text():
    gold = "The council voted on Tuesday to rebuild the sea wall.\n\nRebuilding starts in autumn."
    lines = ["Home", "The council voted on Tuesday to rebuild the sea wall.", "Rebuilding starts in autumn.",
             "Council budget vote delayed again"]
    assert label_lines(lines, gold) == [0, 1, 1, 0]


def test_no_site_sits_in_two_folds():
    pages = [Page(["x"], [1], "x", site, "text") for site in ("a", "a", "b", "c", "c", "c", "d")]
    folds = folds_by_site(pages, 3)
    sites = [{pages[i].site for i in fold} for fold in folds]
    assert sorted(i for fold in folds for i in fold) == list(range(len(pages)))
    assert all(not (a & b) for n, a in enumerate(sites) for b in sites[n + 1:])


def _page(field: str, site: str, gold_last: bool) -> tuple[Page, list[float]]:
    """A page of menus and four gold sentences, with scores; ``gold_last``: a gold sentence scored as menu, at the end."""
    story = ["The council voted on Tuesday to rebuild the harbour wall.", "Work starts in autumn and lasts two years.",
             "Residents packed the gallery and applauded the result.", "Fishing boats will moor elsewhere meanwhile."]
    menu = ["Home", "World", "Sport", "Weather"]
    lines = menu + story[:3] + menu + story[3:] if gold_last else menu + story + menu
    scores = [0.99 if line in story else 0.01 for line in lines]
    if gold_last:
        scores[-1] = 0.001
    return Page(lines, [int(line in story) for line in lines], "\n".join(story), site, field), scores


def test_the_decision_may_not_lose_on_one_rendering_what_the_pooled_figure_hides():
    gains = [_page("full", f"s{n}.example", gold_last=False) for n in range(20)]
    losses = [_page("recall", "t.example", gold_last=True)]
    options = TrainOptions(max_lost=0.02, min_lines=8)
    chosen, _, _ = choose_decision([p for p, _ in gains], [s for _, s in gains], options)
    assert chosen.lean < 50  # alone, the gains are taken
    pages = [p for p, _ in gains + losses]
    chosen, figures, floor = choose_decision(pages, [s for _, s in gains + losses], options)
    assert chosen.lean == 50 and figures == floor  # pooled lost is .0125, but "recall" would lose a quarter


def test_islands_are_chosen_only_where_they_beat_one_span():
    story = ["The council voted on Tuesday to rebuild the harbour wall, the mayor said."] * 6
    lines = ["Read next: a teaser"] * 3 + [f"Menu {n}" for n in range(20)] + story
    page = Page(lines, [int(line in story) for line in lines], "\n".join(story), "s.example", "full")
    scores = [0.4] * 3 + [0.03] * 20 + [0.95] * 6
    options = TrainOptions(max_lost=0.02, min_lines=8)
    one_span = Decision(1.0, 1.0, 0.02, 8)
    chosen, figures, _ = choose_decision([page], [scores], options, island_candidates(one_span))
    assert chosen.island_gap is not None and figures["F1"] == 1.0  # the teasers and the menu go
    halves = story[:3] + [f"Menu {n}" for n in range(20)] + story[3:]  # an article in two parts
    split = Page(halves, [int(line in story) for line in halves], page.gold, "s.example", "full")
    chosen, _, _ = choose_decision([split], [[0.95] * 3 + [0.01] * 10 + [0.03] * 10 + [0.95] * 3], options,
                                   island_candidates(one_span))
    assert chosen == one_span  # no island beats one span there: the file keeps one span


def test_the_head_floor_is_chosen_only_where_it_beats_the_inside_floor():
    story = ["The council voted on Tuesday to rebuild the harbour wall, the mayor said."] * 6
    lines = ["Home", "By Jane Doe", "5 min read"] + story
    scores = [0.3] * 3 + [0.95] * 6  # smoothing keeps the head: its lines ride along at the inside floor
    options = TrainOptions(max_lost=0.02, min_lines=8)
    floor_only = Decision(1.0, 1.0, 0.02, 8)
    page = Page(lines, [0] * 3 + [1] * 6, "\n".join(story), "s.example", "full")
    chosen, figures, _ = choose_decision([page], [scores], options, head_candidates(floor_only))
    assert chosen.head_inside is not None and figures["F1"] == 1.0  # the byline and the menu word go
    own = Page(lines, [1] * 9, "\n".join(lines), "s.example", "full")  # the gold keeps those lines
    assert choose_decision([own], [scores], options, head_candidates(floor_only))[0].head_inside is None


def _train(out: Path, *more: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "cleaner", "train", str(PAGES), "-o", str(out), "--folds", "3", *more],
                          capture_output=True, text=True, cwd=ROOT, timeout=300)


def test_train_writes_a_model_that_cleaning_loads_and_says_how_it_was_made(tmp_path):
    model_path = tmp_path / "rules" / "models" / "lines.json"
    model_path.parent.mkdir(parents=True)
    done = _train(model_path)
    assert done.returncode == 0, done.stderr
    data = json.loads(model_path.read_text(encoding="utf-8"))
    assert data["features"] == list(FEATURES) and len(data["weights"]) == len(FEATURES)
    training = data["training"]
    assert training["command"].startswith("cleaner train") and training["data"][0]["file"] == "pages.jsonl"
    assert training["pages"] == 6 and training["sites"] == 6
    assert set(training["cross_validated"]["all"]) == {"model", "no model"}
    assert load_ruleset([tmp_path / "rules"]).model.weights == tuple(data["weights"])
    again = tmp_path / "again.json"
    assert _train(again).returncode == 0
    assert json.loads(again.read_text())["weights"] == data["weights"]  # seeded: the same file twice


def test_pages_can_also_be_trained_on_without_their_url(tmp_path):
    out = tmp_path / "lines.json"
    done = _train(out, "--also-without-url")
    assert done.returncode == 0, done.stderr
    training = json.loads(out.read_text(encoding="utf-8"))["training"]
    assert training["pages"] == 12 and training["sites"] == 6 and training["options"]["without_url"] is True
    figures = training["cross_validated"]
    assert figures["text without URL"]["no model"]["pages"] == figures["text"]["no model"]["pages"] == 6


def test_train_without_gold_pages_of_two_sites_fails_in_one_line(tmp_path):
    one_site = tmp_path / "one.jsonl"
    one_site.write_text(json.dumps({"url": "https://a.example/1", "text": "Home\nText.", "gold": "Text."}) + "\n")
    done = subprocess.run([sys.executable, "-m", "cleaner", "train", str(one_site), "-o", str(tmp_path / "m.json")],
                          capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert done.returncode == 2
    assert done.stderr.strip().splitlines()[-1] == "error: training needs pages with gold text from at least two sites"
    assert not (tmp_path / "m.json").exists()


HTML_PAGES = ROOT / "fixtures" / "train" / "html-pages.jsonl"


def _train_html(out: Path, pages: Path = HTML_PAGES) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "cleaner", "train", "--html", str(pages), "-o", str(out),
                           "--folds", "3"], capture_output=True, text=True, cwd=ROOT, timeout=300)


def test_train_html_writes_a_block_model_that_cleaning_loads(tmp_path):
    from cleaner.rulebook.blockmodel import BLOCK_FEATURES

    model_path = tmp_path / "rules" / "models" / "blocks.json"
    model_path.parent.mkdir(parents=True)
    done = _train_html(model_path)
    assert done.returncode == 0, done.stderr
    data = json.loads(model_path.read_text(encoding="utf-8"))
    assert data["features"] == list(BLOCK_FEATURES) and len(data["weights"]) == len(BLOCK_FEATURES)
    training = data["training"]
    assert training["command"].startswith("cleaner train --html") and training["data"][0]["file"] == "html-pages.jsonl"
    assert training["pages"] == 5 and training["sites"] == 5
    assert set(training["cross_validated"]["all"]) == {"model", "recall candidate"}
    assert "html-pages:article" in training["cross_validated"]
    assert load_ruleset([tmp_path / "rules"]).blocks.weights == tuple(data["weights"])
    again = tmp_path / "again.json"
    assert _train_html(again).returncode == 0
    assert json.loads(again.read_text())["weights"] == data["weights"]  # the same file twice


def test_train_html_without_boilerplate_blocks_fails_in_one_line(tmp_path):
    page = json.loads(HTML_PAGES.read_text(encoding="utf-8").splitlines()[0])
    bare = [{"url": f"https://s{n}.example/1", "gold": page["gold"],
             "html": "<html><body><article>" + "".join(f"<p>{p}</p>" for p in page["gold"].split("\n\n"))
                     + "</article></body></html>"} for n in range(2)]
    pages = tmp_path / "bare.jsonl"
    pages.write_text("".join(json.dumps(r) + "\n" for r in bare), encoding="utf-8")
    done = _train_html(tmp_path / "m.json", pages)
    assert done.returncode == 2
    assert done.stderr.strip().splitlines()[-1].startswith("error: training needs judged blocks of both kinds")


def _teaser_page(site: str) -> Page:
    """A page whose article (prose, well scored) is followed by teasers scored as well: only an end can cut them."""
    story = [f"The council of {site} voted on Tuesday to rebuild the harbour wall, the mayor said.",
             "Work starts in autumn and lasts two years, with the quay closed to boats meanwhile."] * 3
    teasers = ["Why farmers may want to paint their cows with zebra stripes this year.",
               "Two towns agree to share a bridge after years of talks about the crossing."]
    lines = ["Home", "World", "Sport", *story, "Trending", *teasers, "Trending", *teasers]
    return Page(lines, [int(line in story) for line in lines], "\n".join(story), site, "full")


def test_the_end_model_learns_where_articles_stop_and_none_without_an_end():
    options = TrainOptions(min_lines=8, folds=2)
    pages = [_teaser_page(f"s{n}.example") for n in range(6)]
    scores = [[0.05, 0.05, 0.05] + [0.95] * 6 + [0.3] + [0.9, 0.9] + [0.3] + [0.9, 0.9] for _ in pages]
    rows = [features(page.lines, PageCues(stoplist("English"))) for page in pages]
    matrices = end_rows(pages, rows, scores, options)
    after = end_out_of_fold(pages, matrices, options)
    assert all(a[8] < 0.5 < a[-1] for a in after)  # out of fold: the last story line before the end, teasers after
    decision = Decision(0.0, 1.0, 0.02, 8, end_lean=0.0)
    gone = [decide(decision, s, a) for s, a in zip(scores, after)]
    assert all(g == [True] * 3 + [False] * 6 + [True] * 6 for g in gone)
    story_only = [Page(p.lines[:9], p.labels[:9], p.gold, p.site, p.field) for p in pages]
    assert fit_end(story_only, end_rows(story_only, [r[:9] for r in rows], [s[:9] for s in scores], options),
                   range(6), options) is None  # no line after the last gold one: no end to learn
