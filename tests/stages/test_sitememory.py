"""Site memory: counted per site and per story, order-free, bounded, and never the article's lines."""
from __future__ import annotations

import random
import sqlite3
from dataclasses import replace

import pytest

from cleaner.rulebook.textform import normalise
from cleaner.stages.document import Source
from cleaner.stages.pipeline import clean_source, page_signature
from cleaner.stages.sitememory import (KIND, MemoryFileError, MemorySettings, SiteCounter, line_key, signature)
from site_corpus import DISCLAIMER, HEADING, site_pages

SETTINGS = MemorySettings()


def counter_of(records, ruleset, sample: int = SETTINGS.sample) -> SiteCounter:
    counter = SiteCounter(sample)
    for record in records:
        found = page_signature(Source(text=record["text"], url=record["url"]), ruleset)
        if found is not None:
            counter.add(found)
    return counter


def cleaned(record, ruleset, memory):
    return clean_source(Source(text=record["text"], url=record["url"]), ruleset, memory)


@pytest.fixture(scope="module")
def rules(ruleset):
    """The shipped rules without the line model, which takes much of the template itself (memory goes after it)."""
    return replace(ruleset, model=None)


@pytest.fixture(scope="module")
def records():
    return site_pages(sites=2, pages=12)


@pytest.fixture(scope="module")
def memory(records, ruleset):
    return counter_of(records, ruleset).memory(SETTINGS)


def test_template_lines_go_with_their_site_id_and_page_count(records, rules, memory):
    document = cleaned(records[0], rules, memory)
    taken = [r for r in document.removals if r.rule == "site-memory/site000.example"]
    assert "Site000 Daily" in {r.text for r in taken} and "© 2025 Site000 Media Group" in {r.text for r in taken}
    assert all(r.kind == KIND and r.reasons == ("seen on 12 of 12 pages", "12 of 12 stories") for r in taken)
    assert "site-memory/site000.example" in document.metadata["rules"]
    without = cleaned(records[0], rules, None)
    assert "Site000 Daily" in without.body and "Site000 Daily" not in document.body


@pytest.mark.parametrize("model", [True, False], ids=["model", "rules only"])
def test_the_article_stays_whole_disclaimer_and_heading_included(records, ruleset, rules, memory, model):
    """The disclaimer sentence and the heading repeat on most stories of the site; both are the article's."""
    repeated = 0
    for record in records:
        body = cleaned(record, ruleset if model else rules, memory).body
        for paragraph in record["gold"].split("\n\n"):
            assert paragraph in body, (record["id"], paragraph)
        repeated += HEADING in record["gold"].split("\n\n")
    assert repeated >= 5  # the guard was put to the test: the heading is on enough stories to be memorised
    site = memory.sites["site000.example"]
    assert line_key(HEADING) in site.lines and line_key(DISCLAIMER.format(name="site000")) not in site.lines


def test_a_line_repeated_by_copies_of_one_story_is_one_story(ruleset):
    """Eight syndicated copies of a story share its lines, its short subheading too: one story, not a template."""
    rng = random.Random(5)
    story = [f"Sentence {i} of the wire story tells the reader what the council decided on the harbour plan."
             for i in range(6)]
    pages = []
    for copy in range(8):
        lines = ["Masthead", "Wire subheading", *story, f"Copy {copy} {rng.random()}"]
        pages.append(signature("wire.example", "\n".join(lines)))
    words = "harbour council ferry storm museum pier shipyard mayor tide lighthouse market school".split()
    for other in range(6):
        lines = ["Masthead", *(" ".join(rng.sample(words, 8)).capitalize() + " and more was said in town today."
                               for _ in range(5))]
        pages.append(signature("wire.example", "\n".join(lines)))
    counter = SiteCounter()
    for page in pages:
        counter.add(page)
    counts = counter.counts("wire.example")
    assert counts.pages == 14 and counts.stories == 7
    assert counts.lines[line_key("Wire subheading")].stories == 1
    memorised = counter.memory(replace(SETTINGS, min_stories=3)).sites["wire.example"].lines
    assert set(memorised) == {line_key("Masthead")}


def test_the_memory_is_the_same_whatever_the_order_of_the_pages(records, ruleset):
    shuffled = list(records)
    random.Random(3).shuffle(shuffled)
    assert counter_of(records, ruleset).memory(SETTINGS) == counter_of(shuffled, ruleset).memory(SETTINGS)


def test_a_large_site_is_sampled_by_page_hash_whatever_the_order(ruleset):
    records = site_pages(sites=1, pages=40, seed=4)
    small = counter_of(records, ruleset, sample=10)
    assert len(small.sites["site000.example"]) == 10
    reversed_order = counter_of(records[::-1], ruleset, sample=10)
    assert small.sites == reversed_order.sites
    everything = counter_of(records, ruleset)
    assert sorted(small.sites["site000.example"]) == sorted(everything.sites["site000.example"])[:10]
    assert small.memory(SETTINGS).sites["site000.example"].pages == 10


def test_case_does_not_split_a_line_and_lines_without_letters_are_never_counted():
    assert line_key("© 2024 Site Media") == line_key("© 2024 site media") != line_key("© 2025 Site Media")
    found = signature("shop.example", "$219.00\n}\n---\nAdd to basket")
    assert len(found.lines) == 8  # one line: prices, braces and rules are data, never the site's words


def test_a_changed_memory_changes_only_its_sites_digest(records, ruleset, memory):
    more = counter_of(records + site_pages(sites=1, pages=13, seed=17)[12:], ruleset).memory(SETTINGS)
    assert more.digest_for(["site000.example"]) != memory.digest_for(["site000.example"])
    assert more.digest_for(["site001.example"]) == memory.digest_for(["site001.example"])
    assert memory.digest_for(["elsewhere.example"]) == ""
    assert memory.digest_for(None) == "unknown"


def test_the_memory_file_round_trips_and_a_foreign_file_is_refused(records, ruleset, memory, tmp_path):
    counter = counter_of(records, ruleset)
    path = tmp_path / "memory.sqlite"
    counter.save(path)
    again = SiteCounter()
    again.load(path)
    assert again.memory(SETTINGS) == memory
    other = tmp_path / "other.sqlite"
    sqlite3.connect(other).execute("CREATE TABLE t (x)").connection.close()
    for bad in (other, tmp_path / "missing.sqlite"):
        with pytest.raises(MemoryFileError, match=str(bad.name)):
            SiteCounter().load(bad)


def test_the_items_of_a_listing_stay_though_the_site_repeats_them(rules):
    """Shop pages repeat "Save 25%" and rating lines under many items: data of each listing, not its frame."""
    rng = random.Random(9)
    counter = SiteCounter()
    texts = []
    for page in range(8):
        items = [line for n in rng.sample(range(40), 6)
                 for line in (f"Trail shoe model {n}", f"Save {rng.choice([20, 25])}%", "4 reviews, rated 5 of 5")]
        texts.append("\n\n".join(["Shop Header", *items, "Shop footer links"]))
        counter.add(signature("shop.example", normalise(texts[-1])))
    memory = counter.memory(SETTINGS)
    assert line_key("4 reviews, rated 5 of 5") in memory.sites["shop.example"].lines
    document = clean_source(Source(text=texts[0], url="https://shop.example/c/1"), rules, memory)
    assert {r.text for r in document.removals if r.rule.startswith("site-memory/")} == {"Shop Header",
                                                                                        "Shop footer links"}
    assert document.body.count("4 reviews, rated 5 of 5") == 6
