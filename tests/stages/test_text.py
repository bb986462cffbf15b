"""The line engine: normalisation, cuts that refuse prose, strips, duplicates, status."""
from __future__ import annotations

import re
import unicodedata
from dataclasses import replace

from hypothesis import given, settings, strategies as st

from cleaner import clean_text
from cleaner.rulebook.textform import _KEPT_INVISIBLE_CHARS, _ODD_SPACES, _REMOVED_CHARS, normalise

PROSE = ("The committee said on Tuesday that it would publish its findings next month, "
         "after hearing from more than forty witnesses.")


def test_normalise_spaces_newlines_and_blank_runs():
    text = "A\u00a0b  c\r\n\r\n\r\n\u200bD \t\nE"
    assert normalise(text) == "A b c\n\nD\nE"


def test_normalise_is_nfc():
    assert normalise("Cafe\u0301") == "Caf\u00e9"


def _normalise_by_definition(text: str) -> str:
    """normalise() as its docstring states it, one line at a time (slower: what it must equal)."""
    text = unicodedata.normalize("NFC", text).replace("\r\n", "\n").replace("\r", "\n")
    text = "".join(char for char in text if char not in _REMOVED_CHARS)
    lines = [" ".join(line.split()) for line in text.split("\n")]
    text = "\n".join("" if not line.strip(" " + _KEPT_INVISIBLE_CHARS) else line for line in lines)
    return re.sub("\n\n\n+", "\n\n", text).strip("\n")


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.sampled_from(" \n\r" + _ODD_SPACES + _REMOVED_CHARS + _KEPT_INVISIBLE_CHARS[:5] + "ab.\u0301"),
               max_size=40))
def test_normalise_fixes_only_what_its_definition_says(text):
    assert normalise(text) == _normalise_by_definition(text)


def test_cut_to_end_takes_a_headline_list():
    text = f"{PROSE}\n\nRelated Articles\n\nBiden to meet Putin in Geneva\n\nOil prices jump on supply fears\n"
    document = clean_text(text)
    assert document.body == PROSE
    assert {r.rule for r in document.removals} == {"generic/related/related-block-start"}


def test_cut_refuses_to_take_article_prose_and_warns():
    text = f"{PROSE}\n\nRelated news\n\n{PROSE.replace('forty', 'fifty')}\n"
    document = clean_text(text)
    assert PROSE.replace("forty", "fifty") in document.body
    assert "Related news" not in document.body
    assert any("refused" in w and "prose" in w for w in document.warnings)


ARTICLE = [PROSE.replace("forty", str(n)) for n in range(40, 50)]  # ten paragraphs: about 190 prose words
COMMENT = "I could not agree more with the committee, and I hope they publish every page of it soon."
THREADED = "\n\n".join(ARTICLE) + "\n\nLeave a Reply\n\n" + \
    "\n\n".join(f"reader{n}\n{COMMENT}\nReply" for n in range(2)) + "\n"  # the thread: a sixth of the prose


def test_cut_takes_a_comment_thread_of_prose_when_the_article_is_behind_it(ruleset):
    document = clean_text(THREADED, rules=replace(ruleset, model=None))
    assert document.body == "\n\n".join(ARTICLE)
    assert not document.warnings


def test_an_html_extraction_keeps_the_prose_after_its_markers(ruleset):
    """The extractor already ended the text where it saw the article end: no cut takes prose there."""
    from cleaner.stages.document import Source
    from cleaner.stages.pipeline import rule_pass

    lines, _, warnings, _, _ = rule_pass(Source(text=THREADED), replace(ruleset, model=None), extracted=True)
    assert COMMENT in [line.text for line in lines if line.removal is None]
    assert any("refused" in w and "prose" in w for w in warnings)


def test_cut_still_refuses_prose_when_much_of_the_article_follows_the_marker(ruleset):
    text = "\n\n".join(ARTICLE[:7]) + "\n\nRelated news\n\n" + "\n\n".join(ARTICLE[7:]) + "\n"
    document = clean_text(text, rules=replace(ruleset, model=None))
    assert all(paragraph in document.body for paragraph in ARTICLE)
    assert any("refused" in w and "prose" in w for w in document.warnings)


def test_read_more_glued_to_a_paragraph_is_stripped_not_the_paragraph():
    document = clean_text(f"{PROSE} Read more\n\n{PROSE.replace('Tuesday', 'Monday')} Read more .\n")
    assert document.body == f"{PROSE}\n\n{PROSE.replace('Tuesday', 'Monday')}"
    assert [r.action for r in document.removals] == ["strip", "strip"]


def test_adjacent_repeated_label_goes_other_repeats_stay(ruleset):
    chorus = "We shall overcome, we shall overcome, we shall overcome some day, deep in my heart I do believe."
    refrain = "Let it be."
    text = (f"{PROSE}\n\nSee the photos\nSee the photos\n\n{chorus}\n\n{refrain}\n\n{chorus}\n\n{refrain}\n\n"
            f"Buy it now: Amazon\n\n{PROSE}\n\nBuy it now: Amazon\n")
    body = clean_text(text, rules=replace(ruleset, model=None)).body  # the rules' duplicate handling alone
    assert body.count("See the photos") == 1  # scraped twice, side by side
    assert body.count("Buy it now: Amazon") == 2  # the article's own repeated line
    assert body.count(chorus) == 2
    assert body.count(refrain) == 2


def test_not_found_page_has_status_not_found():
    text = "Page not found\n\nOops! That page can't be found.\n\nHome\n\nSearch\n"
    document = clean_text(text)
    assert document.status == "not_found"
    assert document.body == ""


def test_empty_input_has_status_empty():
    assert clean_text("  \n\n ").status == "empty"


def test_paywall_stub_has_status_paywalled():
    text = "Markets rally\n\nStocks rose on Monday.\n\nSubscribe to continue reading\n\nAlready a subscriber? Log in\n"
    assert clean_text(text).status == "paywalled"


def test_subheadings_and_dateline_stay():
    text = (f"Talks stall in Geneva\n\nGENEVA (AP) — {PROSE}\n\nLittle headway\n\n{PROSE.replace('forty', 'ten')}\n")
    document = clean_text(text)
    assert document.body.startswith("GENEVA (AP) — ")
    assert "\n\nLittle headway\n\n" in document.body
    assert document.metadata["title"] == "Talks stall in Geneva"
    assert document.metadata["dateline"] == "GENEVA"


def test_news_brief_survives_whole():
    """C4's line rules kept 1 of 17 lines of a brief like this; every line here is article text."""
    brief = [
        "Council votes to keep library open on Sundays",
        "By Maria Lopez",
        "SPRINGFIELD, Ill. (AP) — The city council voted 7-2 on Monday to keep the main library open on Sundays, "
        "reversing a cut made last year.",
        "The library's website uses cookies to count visitors, and the count showed Sunday traffic doubled in spring.",
        "“We listened,” said council member Dana Reyes.",
        "Opponents said the $120,000 cost should go to road repairs.",
        "Read more about the budget in Tuesday’s paper, the mayor joked.",
        "The change takes effect in March.",
        "Share prices of the contractor rose 2%.",
        "Comments at the meeting ran past midnight.",
    ]
    document = clean_text("\n\n".join(brief))
    kept = document.body + "\n" + document.metadata["title"] + "\n" + " ".join(document.metadata["authors"])
    for line in brief[2:]:
        assert line in document.body
    assert document.metadata["title"] == brief[0]
    assert document.metadata["authors"] == ["Maria Lopez"]
    assert "Maria Lopez" in kept
