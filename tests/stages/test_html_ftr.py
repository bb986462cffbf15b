"""Imported FiveFilters files in the HTML stage: guarded strips, body XPath only when it agrees, literal find/replace."""
from __future__ import annotations

from functools import partial
from pathlib import Path

import pytest

from cleaner.stages import html as html_stage
from cleaner.rulebook.rulefile import RuleFile, load_rule_file
from cleaner.rulebook.ruleset import load_ruleset

LEXICONS = load_ruleset().lexicons

PARAGRAPHS = [
    "The council voted on Tuesday to build a new bridge over the river, ending a decade of debate about "
    "how the town should grow and where the money for it would come from.",
    "Engineers expect the work to take two years, and the old ferry will keep running until the bridge "
    "opens to traffic in the spring of the year after next, weather permitting.",
    "Residents who spoke at the meeting were mostly in favour, though some worried about the noise of "
    "construction and the trucks that would cross the old town centre every morning.",
    "The mayor said the town would borrow part of the cost and ask the regional government for the rest, "
    "a plan the opposition called optimistic but did not vote against.",
]
ARTICLE = "".join(f"<p>{p}</p>" for p in PARAGRAPHS)


@pytest.fixture(autouse=True, params=["trafilatura alone", "block model"])
def extraction_kind(request, monkeypatch):
    """Each test twice: the imported files' guards hold whether the first extraction is trafilatura's or the
    block model's judgement of the candidates (issue 13, point 5)."""
    if request.param == "block model":
        monkeypatch.setattr(html_stage, "extract_html", partial(html_stage.extract_html,
                                                                blocks=load_ruleset().blocks))
    return request.param


def page(body: str) -> str:
    return f"<html><head><title>Council backs bridge</title></head><body>{body}</body></html>"


def imported(tmp_path: Path, html_section: str) -> RuleFile:
    """A rule file marked ``imported: ftr``, as the importer writes them, under the lazy index's name."""
    path = tmp_path / "example.org.yaml"
    path.write_text(f"site: example.org\ndomains: [example.org]\nimported: ftr\nhtml:\n{html_section}",
                    encoding="utf-8")
    return load_rule_file(path, "ftr/example.org")


def test_stale_strip_matching_the_article_container_is_refused(tmp_path):
    rule_file = imported(tmp_path, "  remove_xpath: [\"//div[contains(@class, 'snippet')]\"]\n")
    html = page(f"<article><div class='story-snippet-body'>{ARTICLE}</div></article>"
                "<div class='snippet'><a href='/x'>Read next: a teaser</a></div>")
    extraction = html_stage.extract_html(html, [rule_file], LEXICONS)
    assert all(p in extraction.text for p in PARAGRAPHS)
    assert any("snippet" in w and "kept an element" in w for w in extraction.warnings)
    assert [r.text for r in extraction.removals] == ["Read next: a teaser"]  # the small hit still goes


def test_body_xpath_that_agrees_is_used(tmp_path):
    rule_file = imported(tmp_path, "  body_xpath: [\"//div[@class='story']\"]\n")
    promo = "Subscribers get every story of the week in one letter on Sunday morning, and you can too."
    html = page(f"<article><div class='story'>{ARTICLE}</div><div class='more'><p>{promo}</p></div></article>")
    assert promo in html_stage.extract_html(html, [], LEXICONS).text  # trafilatura alone keeps it
    extraction = html_stage.extract_html(html, [rule_file], LEXICONS)
    assert promo not in extraction.text
    assert all(p in extraction.text for p in PARAGRAPHS)
    assert not extraction.warnings


def test_body_xpath_that_disagrees_is_ignored(tmp_path):
    rule_file = imported(tmp_path, "  body_xpath: [\"//div[@class='story']\"]\n")
    html = page(f"<main><div class='story'><p>{PARAGRAPHS[0]}</p></div>{''.join(ARTICLE.split('</p>', 1)[1:])}"
                "</main>")
    extraction = html_stage.extract_html(html, [rule_file], LEXICONS)
    assert all(p in extraction.text for p in PARAGRAPHS)
    assert any("body_xpath holds" in w and "not used" in w for w in extraction.warnings)


def test_find_replace_is_literal_and_in_order(tmp_path):
    rule_file = imported(tmp_path, "  replace:\n"
                                   "    - {find: 'Ackme.*Corp', replace: 'Acme Corp'}\n"
                                   "    - {find: 'Acme Corp', replace: 'Acme Corporation'}\n")
    html = page(f"<article>{ARTICLE}<p>Shares of Ackme.*Corp rose; AckmeXXCorp is another firm entirely, "
                "and neither has said anything about the bridge or its financing so far.</p></article>")
    assert html_stage.apply_replacements("Ackme.*Corp AckmeXXCorp", [rule_file]) == "Acme Corporation AckmeXXCorp"
    extraction = html_stage.extract_html(html, [rule_file], LEXICONS)
    assert "Shares of Acme Corporation rose; AckmeXXCorp is another" in extraction.text


def test_a_replacement_that_breaks_the_markup_is_not_used(tmp_path):
    rule_file = imported(tmp_path, "  replace:\n    - {find: '<p>', replace: '<script>'}\n")
    extraction = html_stage.extract_html(page(f"<article>{ARTICLE}</article>"), [rule_file], LEXICONS)
    assert all(p in extraction.text for p in PARAGRAPHS)
    assert any("the extraction without them stands" in w for w in extraction.warnings)


def test_title_xpath_fills_only_what_trafilatura_left_empty(tmp_path):
    rule_file = imported(tmp_path, "  title_xpath: ['//h1']\n  author_xpath: [\"//span[@class='by']\"]\n")
    html = (f"<html><body><article><h1>Bridge approved</h1><span class='by'>By Ann Lee</span>{ARTICLE}"
            "</article></body></html>")
    extraction = html_stage.extract_html(html, [rule_file], LEXICONS)
    assert extraction.metadata["authors"] == ["Ann Lee"]
    assert extraction.metadata_from.get("authors") == "ftr/example.org"
    assert extraction.metadata_from.get("title") != "ftr/example.org"  # trafilatura found the h1 itself


def test_markup_nested_past_the_parser_limit_keeps_its_paragraphs():
    depth = 5000
    html = page("<div>" * depth + ARTICLE + "</div>" * depth)
    text = html_stage.extract_html(html, [], LEXICONS).text
    assert text.split("\n\n") == PARAGRAPHS


def _extractions(monkeypatch) -> list[bool]:
    """Record each trafilatura call of the HTML stage: True when it asked for metadata (none should)."""
    import trafilatura

    calls: list[bool] = []
    real = trafilatura.bare_extraction

    def counting(*args, **kwargs):
        calls.append(kwargs.get("with_metadata", False))
        return real(*args, **kwargs)

    monkeypatch.setattr(trafilatura, "bare_extraction", counting)
    return calls


def test_an_imported_file_that_changes_nothing_costs_no_second_extraction(tmp_path, monkeypatch):
    rule_file = imported(tmp_path, "  remove_xpath: [\"//div[@class='absent']\"]\n")
    html = page(f"<article>{ARTICLE}</article>")
    calls = _extractions(monkeypatch)
    extraction = html_stage.extract_html(html, [rule_file], LEXICONS)
    assert calls == [False]  # the first extraction's text stands as it is
    assert extraction.text == html_stage.extract_html(html, [], LEXICONS).text


def test_a_small_imported_strip_goes_in_the_first_pass(tmp_path, monkeypatch):
    rule_file = imported(tmp_path, "  remove_xpath: [\"//div[@class='note']\"]\n")
    note = "The old ferry, seen from the bank."
    html = page(f"<article><p>{PARAGRAPHS[0]}</p><div class='note'><p>{note}</p></div>"
                f"{''.join(f'<p>{p}</p>' for p in PARAGRAPHS[1:])}</article>")
    assert note in html_stage.extract_html(html, [], LEXICONS).text  # trafilatura alone keeps it
    calls = _extractions(monkeypatch)
    extraction = html_stage.extract_html(html, [rule_file], LEXICONS)
    assert calls == [False]  # one extraction, of the tree without the note
    assert note not in extraction.text and all(p in extraction.text for p in PARAGRAPHS)
    assert [(r.rule_file, r.selector, r.text) for r in extraction.removals] == \
        [("ftr/example.org", "//div[@class='note']", note)]


def test_small_strips_that_add_up_to_the_article_wait_for_the_guarded_pass(tmp_path):
    rule_file = imported(tmp_path, "  remove_xpath: ['//p']\n")  # each paragraph is small; all are the article
    extraction = html_stage.extract_html(page(f"<article>{ARTICLE}</article>"), [rule_file], LEXICONS)
    assert all(p in extraction.text for p in PARAGRAPHS) and not extraction.removals
    assert any("the extraction without them stands" in w for w in extraction.warnings)


def test_a_body_xpath_costs_no_second_extraction(tmp_path, monkeypatch):
    rule_file = imported(tmp_path, "  body_xpath: [\"//div[@class='story']\"]\n"
                                   "  remove_xpath: [\"//div[@class='story']/div[@class='big']\"]\n")
    promo = "Subscribers get every story of the week in one letter on Sunday morning, and you can too."
    box = " ".join(["A long box of background inside the story that the site's file strips out."] * 3)
    more = ("Work on the approach roads starts first, so that the bridge can open as soon as its deck is "
            "finished, the engineers said, and the council will report on the costs every quarter. The "
            "ferry company, which has run the crossing for ninety years, has asked to run a bus over it.")
    html = page(f"<article><div class='story'>{ARTICLE}<p>{more}</p><div class='big'><p>{box}</p></div></div>"
                f"<div class='more'><p>{promo}</p></div></article>")
    calls = _extractions(monkeypatch)
    extraction = html_stage.extract_html(html, [rule_file], LEXICONS)
    assert calls == [False]
    assert promo not in extraction.text and box not in extraction.text
    assert all(p in extraction.text for p in PARAGRAPHS) and more in extraction.text
    assert [r.text for r in extraction.removals] == [box[:html_stage.SNIPPET_CHARS]]


def test_an_imported_strip_extracts_again_from_the_pruned_tree(tmp_path, monkeypatch):
    own = imported(tmp_path, "  remove_xpath: [\"//div[@class='promo']\"]\n")
    later = load_rule_file(own.path, "ftr/example.net")  # a second imported file: starts from the same tree
    promo = "Subscribers get every story of the week in one letter on Sunday morning, and you can too."
    html = page(f"<article>{ARTICLE}<div class='promo'><p>{promo}</p></div></article>")
    calls = _extractions(monkeypatch)
    extraction = html_stage.extract_html(html, [own, later], LEXICONS)
    assert calls == [False, False, False]  # the promo is over MAX_EARLY_SHARE of the paragraphs: measured
    assert promo not in extraction.text and all(p in extraction.text for p in PARAGRAPHS)
    snippet = promo[:html_stage.SNIPPET_CHARS]
    assert [(r.rule_file, r.text) for r in extraction.removals] == [("ftr/example.net", snippet)]
