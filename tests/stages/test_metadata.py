"""The dateline and credit grammar."""
from __future__ import annotations

import pytest

from cleaner.rulebook.ruleset import load_ruleset
from cleaner.stages.metadata import find_dateline, people_from_credits

LEXICONS = load_ruleset().lexicons


@pytest.mark.parametrize("lede, dateline, agency", [
    ("WASHINGTON, Jan. 18 (Reuters) - US President Joe Biden's top diplomat", "WASHINGTON, Jan. 18", "Reuters"),
    ("WASHINGTON (AP) — Secretary of State Anthony Blinken will meet", "WASHINGTON", "AP"),
    ("Washington, Jan 18 (EFE).- US Secretary of State Antony Blinken", "Washington, Jan 18", "EFE"),
    ("KYIV, Ukraine (AP) — Ukraine's president said", "KYIV, Ukraine", "AP"),
    ("LONDON — British Prime Minister said on Monday", "LONDON", None),
    ("US Secretary of State Antony Blinken on Wednesday urged", None, None),
    ("The talks (which began on Monday) - officials said", None, None),
])
def test_find_dateline(lede, dateline, agency):
    assert find_dateline(lede, LEXICONS) == (dateline, agency)


def test_people_from_reuters_credit():
    credit = "Reporting by Susan Heavey, Simon Lewis, Daphne Psaledakis and Jonathan Landay; Editing Howard Goller"
    assert people_from_credits([credit], LEXICONS) == (
        ["Susan Heavey", "Simon Lewis", "Daphne Psaledakis", "Jonathan Landay"], ["Howard Goller"])


def test_people_drop_place_and_merge_segments():
    credits = ["Additional reporting by Tom Balmforth in Moscow; Writing by Jane Doe; Editing by Mark Heinrich and Alex Richardson"]
    assert people_from_credits(credits, LEXICONS) == (["Tom Balmforth", "Jane Doe"], ["Mark Heinrich", "Alex Richardson"])


def test_no_people_from_a_credit_that_names_none():
    assert people_from_credits(["(FRANCE 24 with AFP)", "(With wires)"], LEXICONS) == ([], [])


@pytest.mark.parametrize("first_line", [
    "This shop has been compensated by #CollectiveBias, Inc. and its advertiser. All opinions are mine",
    "Tested by: John Milbank RRP: 49.95 Euro More info: www.earbooks.net/en",
    "BAAR, SWITZERLAND",
    "Staff Reports",
])
def test_lines_that_are_not_headlines_stay_in_the_body(first_line):
    from cleaner import clean_text

    text = f"{first_line}\n\nThe company said on Tuesday that it would open a new plant in the region next year."
    document = clean_text(text)
    assert document.metadata["title"] is None
    assert document.body.startswith(first_line)


def test_an_earlier_header_is_merged_in_one_place_with_what_that_run_decided_standing():
    from cleaner.stages.metadata import merge_earlier

    fresh = {"title": "Found again", "authors": ["A. Writer"], "url": "https://example.org/given", "status": "empty",
             "source": "out/a.md", "rules": ["generic/sharing/share-this"], "removed": 2, "html_removed": 3}
    earlier = {"title": "The headline", "authors": [], "url": "https://example.org/old", "status": "paywalled",
               "source": "in/a.txt", "rules": ["generic/ads/ad-label", "generic/sharing/share-this"], "removed": 5,
               "html_removed": 7, "section": None, "tags": ["kept"]}
    merged = merge_earlier(fresh, earlier)
    assert merged["title"] == "The headline" and merged["authors"] == ["A. Writer"]  # filled wins, empty does not
    assert merged["section"] is None and "section" in merged  # a blank that run decided stays known
    assert merged["status"] == "paywalled" and merge_earlier(fresh, {"status": "ok"})["status"] == "empty"
    assert merged["source"] == "in/a.txt" and merged["tags"] == ["kept"]
    assert merged["rules"] == ["generic/ads/ad-label", "generic/sharing/share-this"] and merged["removed"] == 7
    assert merged["url"] == "https://example.org/given" and merged["html_removed"] == 3  # measured by this run
    assert merge_earlier({}, {"removed": "many", "rules": "x"}) == {"removed": 0, "rules": []}


def test_cleaning_a_cleaned_file_keeps_its_header(ruleset):
    from cleaner import clean_text
    from cleaner.stages.render import render

    text = ("Council backs bridge\n\nShare this article\n\nThe council voted on Tuesday to build the new bridge "
            "across the river, after three years of debate.\n")
    once = render(clean_text(text, url="https://news.example.org/bridge", rules=ruleset), "md")
    again = clean_text(once, rules=ruleset)
    assert render(again, "md") == once


def test_a_markdown_heading_becomes_the_title_without_its_marks(ruleset):
    from cleaner import clean_text

    text = ("## Harbour town votes to rebuild its wall\n\nThe council voted on Tuesday to rebuild the sea wall that "
            "gave way in the January storms.\n\n## What comes next\n\n- Repairs start in March, the council said.\n")
    document = clean_text(text, rules=ruleset)
    assert document.metadata["title"] == "Harbour town votes to rebuild its wall"
    assert "## What comes next" in document.body  # the body's own headings keep their marks
    assert clean_text("#hashtag of the week\n\nThe council voted on Tuesday to rebuild the wall, it said.\n",
                      rules=ruleset).metadata["title"] == "#hashtag of the week"  # no space: not a heading


@pytest.mark.parametrize("first_line", ["October 12, 2017", "Tuesday, 5th March 2024", "Mon, Sept. 3, 2018"])
def test_a_line_that_is_only_a_date_is_no_title(ruleset, first_line):
    from cleaner import clean_text

    text = f"{first_line}\n\nThe council voted on Tuesday to rebuild the sea wall that gave way in the storms.\n"
    document = clean_text(text, rules=ruleset)
    assert document.metadata["title"] is None
    assert document.body.startswith(first_line)  # it stays in the body, as any line not taken does


def test_a_headline_with_a_date_in_it_is_still_a_title(ruleset):
    from cleaner import clean_text

    text = "Storm of October 12, 2017 wrecked the wall\n\nThe council voted on Tuesday to rebuild the sea wall.\n"
    assert clean_text(text, rules=ruleset).metadata["title"] == "Storm of October 12, 2017 wrecked the wall"
