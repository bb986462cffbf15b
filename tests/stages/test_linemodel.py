"""The line model stage: features, verdicts, the decision, and its place in the pipeline."""
from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import pytest

from cleaner.rulebook.lexicons import any_hint_pattern
from cleaner.rulebook.linemodel import (END, END_FEATURES, FEATURES, Decision, EndModel, LineModel, ModelError,
                                       model_from_json)
from cleaner.rulebook.rulefile import RuleError
from cleaner.rulebook.ruleset import load_ruleset, model_file
from cleaner.stages.linemodel import (PageCues, article_end, decide, end_features, features, judge, smooth, stoplist,
                                     url_words)
from cleaner.stages.pipeline import clean_source
from cleaner.stages.reading import source_from_text
from cleaner.stages.render import render

ROOT = Path(__file__).resolve().parents[2]
PAGE = (ROOT / "fixtures" / "model" / "whole-page.txt").read_text(encoding="utf-8")
ARTICLE = (ROOT / "fixtures" / "model" / "whole-page.article.txt").read_text(encoding="utf-8").splitlines()
MENU = PAGE.splitlines()[:13]
FOOTER = PAGE.splitlines()[-8:]
CUES = PageCues(stoplist("English"))


def toy_model(**decision) -> LineModel:
    """A hand-set model: long lines that end a sentence are content, the rest boilerplate."""
    weights, mean = [0.0] * len(FEATURES), [0.0] * len(FEATURES)
    for name, average in (("log_words", 2.0), ("ends_sentence", 0.5)):  # an average line: 6 words, half end a sentence
        weights[FEATURES.index(name)], mean[FEATURES.index(name)] = 2.0, average
    settings = {"lean": 0.0, "switch": 1.0, "inside": 0.5, "min_lines": 4, **decision}
    return LineModel(name="toy", version="1", features=FEATURES, mean=tuple(mean),
                     scale=tuple([1.0] * len(FEATURES)), weights=tuple(weights), bias=-1.0,
                     decision=Decision(**settings), path="toy.json")


def test_features_give_one_named_column_each():
    rows = features(["Home", "The council voted on Tuesday to rebuild the wall."], CUES)
    assert [len(row) for row in rows] == [len(FEATURES)] * 2
    ends = FEATURES.index("ends_sentence")
    assert (rows[0][ends], rows[1][ends]) == (0.0, 1.0)
    assert rows[1][FEATURES.index("stop_share")] > 0.3  # "on", "to", "the"


def test_the_url_spells_the_headline_line_and_keywords_are_flagged(ruleset):
    url = "https://example.com/news/2024/05/council-votes-to-rebuild-harbour-wall.html"
    assert url_words(url, ruleset.lexicons.url_words) == {"council", "votes", "rebuild", "harbour", "wall"}
    cues = PageCues(stoplist("English"), url_words(url, ruleset.lexicons.url_words),
                    any_hint_pattern(ruleset.lexicons.kind_hints))
    lines = ["Home", "Share on Facebook", "Council votes to rebuild harbour wall", *ARTICLE]
    rows = features(lines, cues)
    column = {name: [row[FEATURES.index(name)] for row in rows]
              for name in ("is_anchor", "after_anchor", "kind_hint", "label", "labels_before")}
    assert column["is_anchor"][:4] == [0.0, 0.0, 1.0, 0.0] and column["after_anchor"][3] == 1.0
    assert column["kind_hint"][:3] == [0.0, 1.0, 0.0] and column["label"][:3] == [0.0, 1.0, 0.0]
    assert column["labels_before"][:4] == [0.0, 0.0, 1.0, 1.0]  # the lines after "Share on Facebook" see it


def test_smoothing_gives_an_unsure_line_the_class_of_its_neighbours():
    sure, unsure, boiler = 0.95, 0.3, 0.02
    assert smooth([sure, sure, unsure, sure, sure], lean=0.0, switch=3.0) == [True] * 5
    assert smooth([sure, sure, unsure, sure, sure], lean=0.0, switch=0.1) == [True, True, False, True, True]
    assert smooth([boiler, boiler, sure, sure, boiler], lean=0.0, switch=1.0) == [False, False, True, True, False]


def test_the_decision_keeps_one_span_and_takes_only_the_surest_inside_it():
    decision = Decision(lean=0.0, switch=1.0, inside=0.05, min_lines=0)
    content = [0.01, 0.99, 0.2, 0.01, 0.99, 0.99, 0.3, 0.02]  # smoothing keeps lines 1, 4 and 5
    assert decide(decision, content) == [True, False, False, True, False, False, True, True]
    assert decide(decision, [0.01] * 5) == [False] * 5  # no span found: the rules' word stands


def test_far_islands_of_little_content_stay_out_of_the_span():
    teasers, menu, story = [0.4] * 3, [0.03] * 20, [0.95] * 6  # smoothing keeps the teasers and the story
    decision = Decision(lean=1.0, switch=1.0, inside=0.02, min_lines=0)
    assert decide(decision, teasers + menu + story) == [False] * 29  # one span: the menu rides along
    islands = replace(decision, island_gap=10, island_share=0.3)
    assert decide(islands, teasers + menu + story) == [True] * 23 + [False] * 6
    assert decide(islands, teasers + menu[:10] + story) == [False] * 19  # ten lines apart: one island
    assert decide(islands, story + menu + story) == [False] * 32  # an article in two parts keeps both


def test_above_the_first_paragraph_a_short_line_the_model_doubts_goes():
    head = ["Home", "By Jane Doe", "5 min read", "Share this story"]
    lines = [*head, *ARTICLE]
    content = [0.9, 0.3, 0.45, 0.7] + [0.95] * len(ARTICLE)  # smoothing keeps every line
    decision = Decision(lean=0.0, switch=1.0, inside=0.02, min_lines=0)
    assert decide(decision, content, lines=lines) == [False] * len(lines)  # without head_inside: the floor is inside
    headed = replace(decision, head_inside=0.6)
    assert decide(headed, content, lines=lines) == [False, True, True, False] + [False] * len(ARTICLE)
    assert decide(headed, content) == [False] * len(lines)  # no texts, no head
    doubted = ARTICLE[0]  # an opening paragraph the model doubts (0.2) does not end the head alone...
    opening = ["By Jane Doe", doubted, "Background", doubted, *ARTICLE]
    scores = [0.3, 0.2, 0.3, 0.2] + [0.95] * len(ARTICLE)
    leaning = replace(headed, lean=3.0)  # smoothing keeps every line
    assert decide(leaning, scores, lines=opening) == [True] + [False] * (len(opening) - 1)  # a subhead in prose stays
    pair = ["By Jane Doe", doubted, doubted, "Background", "Share", *ARTICLE]  # ...two long lines in a row do
    assert decide(leaning, [0.3, 0.2, 0.2, 0.3, 0.3] + scores[4:], lines=pair) == [True] + [False] * (len(pair) - 1)
    listing = [*head, ARTICLE[0], *["Enamel mug, 300 ml, blue"] * 20]  # after the one paragraph, more list than prose
    assert decide(headed, content[:4] + [0.95] * 21, lines=listing) == [False] * 25  # short lines all the way: no head


def test_a_head_line_the_model_takes_says_why():
    lines = ["By Jane Doe", "Share", *ARTICLE]
    model = toy_model(lean=6.0, inside=0.0001)  # smoothing keeps every line, and the inside floor takes none
    assert not any(v.remove for v in judge(model, lines, CUES))
    verdicts = judge(replace(model, decision=replace(model.decision, head_inside=0.9)), lines, CUES)
    assert [v.remove for v in verdicts] == [True, True] + [False] * len(ARTICLE)
    assert verdicts[0].reasons[0] == "above the article's first paragraph (under 0.9)"


def toy_end(after_from: str) -> EndModel:
    """A hand-set end model: every line after the share ``after_from`` of the page comes after the article."""
    weights, mean = [0.0] * len(END_FEATURES), [0.0] * len(END_FEATURES)
    weights[END_FEATURES.index("rel_pos")] = 40.0
    mean[END_FEATURES.index("rel_pos")] = float(after_from)
    return EndModel(tuple(mean), tuple([1.0] * len(END_FEATURES)), tuple(weights), 0.0)


def test_the_end_is_where_the_page_best_splits_in_two():
    after = [0.1, 0.1, 0.2, 0.9, 0.95, 0.4, 0.9]
    assert article_end(after, first=0, lean=0.0) == 2  # one change point: the unsure 0.4 does not reopen it
    assert article_end(after, first=5, lean=0.0) == 5  # never before the first line of the article
    assert article_end(after, first=0, lean=5.0) == 6  # a large lean keeps everything


def test_the_end_model_cuts_what_smoothing_would_keep_and_says_so():
    decision = Decision(lean=0.0, switch=1.0, inside=0.05, min_lines=0, end_lean=0.0)
    content = [0.9, 0.9, 0.9, 0.9] + [0.8] * 6  # smoothing keeps every line
    assert decide(decision, content) == [False] * 10
    assert decide(decision, content, [0.05] * 4 + [0.9] * 6) == [False] * 4 + [True] * 6
    assert decide(replace(decision, end_lean=None), content, [0.9] * 10) == [False] * 10  # no end_lean: no end

    teasers = ["Why farmers may want to paint their cows with zebra stripes, says a study of the herds.",
               "Two towns agree to share a new bridge after years of talks about the river crossing."] * 3
    lines = ["Home", *ARTICLE, *teasers]
    model = replace(toy_model(end_lean=0.0), end=toy_end(len([*ARTICLE, "Home"]) / len(lines)))
    verdicts = judge(model, lines, CUES)
    assert [v.remove for v in verdicts] == [True] + [False] * len(ARTICLE) + [True] * len(teasers)
    assert verdicts[-1].reasons[0].startswith("after the article's end (")
    assert not any(v.remove for v in judge(toy_model(), lines, CUES)[1:])  # without it the teasers stay


def test_the_end_model_leaves_a_short_tail_to_the_article():
    decision = Decision(lean=0.0, switch=1.0, inside=0.05, min_lines=0, end_lean=0.0)
    content = [0.9] * 10
    tail = [0.05] * 6 + [0.9] * 4  # four lines after the end: fewer than END_MIN_CUT
    assert decide(decision, content, tail) == [False] * 10
    assert decide(decision, content + [0.01], tail + [0.99]) == [False] * 10 + [True]  # smoothing's cut stands


def test_end_features_give_one_named_column_each():
    lines = ["Home", *ARTICLE, "Privacy policy"]
    rows = end_features(lines, features(lines, CUES), [0.1] + [0.9] * len(ARTICLE) + [0.1])
    assert [len(row) for row in rows] == [len(END_FEATURES)] * len(lines)
    before = END.index("prose_before_share")
    assert rows[0][before] == 0.0 and rows[-1][before] == 1.0
    assert rows[-1][END.index("score_next10")] == -1.0  # no line after the last


def test_a_model_file_with_an_end_model_reads_back_the_same(tmp_path):
    model = replace(toy_model(end_lean=0.5, island_gap=15, island_share=0.1, head_inside=0.6), end=toy_end(0.8))
    assert model_from_json(json.loads(json.dumps(model.to_json())), "toy.json") == model
    assert not {"island_gap", "head_inside"} & set(toy_model().to_json()["decision"])  # older files read as before
    data = model.to_json()
    data["end"]["features"] = data["end"]["features"][:-1]
    with pytest.raises(ModelError, match=r"toy.json \(end\): its features are not the ones"):
        model_from_json(data, "toy.json")


def test_toy_model_takes_short_lines_and_says_why():
    lines = ["Home", "World", *ARTICLE, "Privacy policy"]
    verdicts = judge(toy_model(), lines, CUES)
    assert [v.remove for v in verdicts] == [True, True] + [False] * len(ARTICLE) + [True]
    assert verdicts[0].score < 0.5 < verdicts[2].score
    assert "log_words" in verdicts[0].reasons and verdicts[2].reasons == ()


def test_article_text_without_short_lines_is_left_alone():
    lines = ["Home", "World", *ARTICLE, "Privacy policy"]  # 3 short lines of 9
    assert any(v.remove for v in judge(toy_model(min_short_share=0.3), lines, CUES))
    assert not any(v.remove for v in judge(toy_model(min_short_share=0.4), lines, CUES))


def test_a_page_too_short_to_judge_is_left_alone():
    assert not any(v.remove for v in judge(toy_model(min_lines=10), ["Home", "World", "Sport"], CUES))


def test_shipped_model_finds_the_article_of_a_whole_page(ruleset):
    document = clean_source(source_from_text(PAGE), ruleset)
    body = document.body
    for paragraph in ARTICLE:  # never lose the article
        assert paragraph in body
    gone = [line for line in MENU + FOOTER if line not in body.splitlines()]
    assert len(gone) >= 0.8 * len(MENU + FOOTER), gone
    judged = [r for r in document.removals if r.rule == "model/lines"]
    assert judged and all(r.score is not None and r.score < 0.5 and r.reasons for r in judged)
    assert document.metadata["model"] == ruleset.model.stamp
    assert document.removed_by_kind().get("boilerplate") == len(judged)


def test_model_off_removes_nothing_the_rules_do_not(ruleset):
    document = clean_source(source_from_text(PAGE), replace(ruleset, model=None))
    assert not any(r.rule.startswith("model/") for r in document.removals)
    assert "model" not in document.metadata


def test_cleaning_the_output_again_changes_nothing(ruleset):
    first = render(clean_source(source_from_text(PAGE, path="page.txt"), ruleset), "md")
    second = render(clean_source(source_from_text(first, path="page.md"), ruleset), "md")
    assert second == first


def test_a_keep_rule_protects_a_line_from_the_model(tmp_path, ruleset):
    folder = tmp_path / "rules" / "generic"
    folder.mkdir(parents=True)
    (folder / "keep.yaml").write_text(
        "description: Lines of ours the model must not take.\n"
        "rules:\n"
        "  - id: desk\n    kind: content\n    action: keep\n    match: 'World'\n"
        "    case: sensitive\n    tests:\n      protect: ['World']\n      keep: ['World news']\n",
        encoding="utf-8")

    def taken(rules) -> list[str]:
        return [r.rule for r in clean_source(source_from_text(PAGE), rules).removals if r.text == "World"]

    assert taken(ruleset) == ["model/lines"]
    assert taken(load_ruleset([tmp_path / "rules"])) == []


def test_a_user_model_file_overrides_the_shipped_one(tmp_path):
    (tmp_path / "models").mkdir()
    (tmp_path / "models" / "lines.json").write_text(json.dumps(toy_model().to_json()), encoding="utf-8")
    assert model_file([tmp_path]) == tmp_path / "models" / "lines.json"
    assert load_ruleset([tmp_path]).model.name == "toy"
    assert load_ruleset([tmp_path], model=False).model is None


@pytest.mark.parametrize("change, reason", [
    (lambda d: d.update(features=d["features"][:-1]), "features are not the ones"),
    (lambda d: d.update(weights=d["weights"][:3]), "one number per feature"),
    (lambda d: d.pop("decision"), "KeyError"),
    (lambda d: d.update(format=99), "not a line model"),
])
def test_a_broken_model_file_is_a_rule_error_naming_it(tmp_path, change, reason):
    data = toy_model().to_json()
    change(data)
    (tmp_path / "models").mkdir()
    path = tmp_path / "models" / "lines.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    with pytest.raises(ModelError, match=reason):
        model_from_json(data, str(path))
    with pytest.raises(RuleError) as error:
        load_ruleset([tmp_path])
    assert str(path) in str(error.value) and reason in str(error.value)


def test_every_rule_example_kept_stays_kept_with_the_model(ruleset):
    for rule in ruleset.generic_rules:
        for line in rule.tests.get("keep", []):
            removals = clean_source(source_from_text(line), ruleset).removals
            assert not [r for r in removals if r.rule.startswith("model/")], (rule.id, line)
