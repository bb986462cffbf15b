"""Header fields of HTML pages from every source: JSON-LD, meta tags, the headline, a byline; lang and page_type."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from cleaner import clean_records
from cleaner.rulebook.ruleset import load_ruleset
from cleaner.stages import html as html_stage
from cleaner.stages.document import Source
from cleaner.stages.jsonld import MAX_SCRIPT_CHARS, read_linked_data
from cleaner.stages.pageheader import primary_subtag, strip_site_name
from cleaner.stages.pipeline import clean_source
from cleaner.stages.render import render

PAGES = Path(__file__).resolve().parents[2] / "fixtures" / "html" / "header"
LEXICONS = load_ruleset().lexicons
PROSE = ("<p>The council voted on Tuesday to build a new bridge over the river, ending a decade of debate about "
         "traffic in the old town centre.</p><p>Work is due to start next spring and the bridge should open to "
         "traffic within three years, officials said at the meeting.</p>")


def header(name: str, url: str = "https://www.townpost.example/2024/03/bridge") -> dict:
    """The HTML stage's metadata of a fixture page."""
    html = (PAGES / name).read_text(encoding="utf-8")
    return html_stage.extract_html(html, [], LEXICONS, url=url).metadata


def test_json_ld_graph_gives_the_people_its_article_names_by_id_over_a_staff_meta_tag():
    found = header("graph-article.html")
    assert found["authors"] == ["Anna Lee", "Ben Ode"]
    assert found["date"] == "2024-03-05"
    assert found["page_type"] == "article"


def test_the_visible_headline_wins_when_the_stated_titles_back_it():
    assert header("graph-article.html")["title"] == "Council backs new bridge"  # not "... - Town Post"


def test_a_site_name_suffix_is_stripped_when_there_is_no_headline():
    assert header("suffix-no-h1.html")["title"] == "Council backs new bridge"


@pytest.mark.parametrize("title, site, expected", [
    ("Story of the bridge | Town Post", {"town", "post"}, "Story of the bridge"),
    ("Town Post - Story of the bridge", {"town", "post"}, "Story of the bridge"),
    ("Story of the bridge | Opinion | townpost.example", {"townpost"}, "Story of the bridge | Opinion"),
    ("Bridges: the long view", {"town", "post"}, "Bridges: the long view"),  # no part names the site
    ("Town Post", {"town", "post"}, "Town Post"),  # the whole title is never stripped away
])
def test_strip_site_name(title, site, expected):
    assert strip_site_name(title, site) == expected


def test_every_citation_author_tag_counts_and_og_locale_gives_lang():
    found = header("meta-authors.html", url="https://journal.example/article/42")
    assert found["authors"] == ["Ann Lee", "Bo Ek"]
    assert found["lang"] == "sv"


def test_a_byline_line_under_the_headline_gives_the_author_when_nothing_else_does():
    html = f"<html><body><article><h1>Council backs new bridge</h1><p>By Anna Lee</p>{PROSE}</article></body></html>"
    assert html_stage.extract_html(html, [], LEXICONS).metadata["authors"] == ["Anna Lee"]


def test_an_organisation_named_as_author_gives_way_to_a_person_in_the_meta_tags():
    html = ("<html><head><meta name='author' content='Anna Lee'><script type='application/ld+json'>"
            '{"@type": "Article", "author": {"@type": "Organization", "name": "Town Post"}}</script></head>'
            f"<body><h1>Council backs new bridge</h1>{PROSE}</body></html>")
    assert html_stage.extract_html(html, [], LEXICONS).metadata["authors"] == ["Anna Lee"]


@pytest.mark.parametrize("name, url, expected", [
    ("graph-article.html", "https://www.townpost.example/2024/03/bridge", "article"),  # JSON-LD NewsArticle
    ("forum-thread.html", "https://forum.example/view?id=1", "forum"),  # JSON-LD DiscussionForumPosting
    ("product-page.html", "https://kitchen.example/blue-kettle", "product"),  # price, stock, add-to-cart cues
    ("docs-page.html", "https://toolkit.example/install", "documentation"),  # code blocks under headings
    ("docs-page.html", "https://toolkit.example/forum/install", "forum"),  # the URL speaks before the structure
    ("suffix-no-h1.html", "https://townpost.example/", "other"),  # nothing speaks
])
def test_page_type(name, url, expected):
    assert header(name, url=url)["page_type"] == expected


def test_og_type_speaks_when_json_ld_does_not():
    html = f"<html><head><meta property='og:type' content='product'></head><body>{PROSE}</body></html>"
    assert html_stage.extract_html(html, [], LEXICONS, url="https://x.example/a").metadata["page_type"] == "product"


def test_lang_from_the_text_when_the_page_declares_none():
    assert header("french-no-lang.html")["lang"] == "fr"
    assert header("graph-article.html")["lang"] == "en"  # <html lang="en-GB">: its primary subtag


@pytest.mark.parametrize("value, expected", [("en-GB", "en"), ("pt_BR", "pt"), ("DE", "de"), ("x-default", None),
                                             ("", None), ("en-US,en;q=0.9", "en"), ("12", None)])
def test_primary_subtag(value, expected):
    assert primary_subtag(value) == expected


@pytest.mark.parametrize("fmt", ["md", "json", "jsonl"])
def test_page_type_and_lang_are_in_every_format(fmt):
    html = (PAGES / "forum-thread.html").read_text(encoding="utf-8")
    document = clean_source(Source(text="", html=html, url="https://forum.example/view?id=1"), load_ruleset())
    out = render(document, fmt)
    if fmt == "md":
        assert "\nlang: en\npage_type: forum\n" in out
    else:
        assert json.loads(out.splitlines()[0] if fmt == "jsonl" else out)["metadata"]["page_type"] == "forum"


def test_jsonl_record_carries_them_under_cleaner():
    html = (PAGES / "product-page.html").read_text(encoding="utf-8")
    record = next(clean_records([{"id": 1, "url": "https://kitchen.example/k", "html": html}]))
    assert record["cleaner"]["metadata"]["page_type"] == "product"
    assert record["cleaner"]["metadata"]["lang"] == "en"


def test_text_input_has_no_page_type_unless_its_front_matter_says():
    from cleaner import clean_text

    body = "The council voted on Tuesday to build a new bridge over the river, ending a decade of debate.\n"
    assert clean_text(body).metadata["page_type"] is None
    assert clean_text(f"---\npage_type: forum\nlang: en\n---\n{body}").metadata["page_type"] == "forum"


def test_hostile_json_ld_gives_no_traceback_and_what_can_be_read():
    found = header("hostile-jsonld.html")  # broken JSON, nested lists, a name list, a self-referring @id
    assert found["authors"] == ["Anna Lee"]
    assert found["title"] == "Council backs new bridge"


def test_json_ld_nested_past_the_parser_limit_or_too_long_is_passed_over():
    from cleaner.stages.html import parse

    nested = "[" * 100_000 + "]" * 100_000
    huge = '{"@type": "NewsArticle", "headline": "' + "x" * MAX_SCRIPT_CHARS + '"}'
    good = '{"@type": "NewsArticle", "headline": "Council backs new bridge"}'
    scripts = "".join(f"<script type='application/ld+json'>{s}</script>" for s in (nested, huge, good))
    tree = parse(f"<html><head>{scripts}</head><body>{PROSE}</body></html>")
    assert [obj.get("headline") for obj in read_linked_data(tree).objects] == ["Council backs new bridge"]


def _page(body: str, head: str = "") -> str:
    return f"<html lang='en'><head>{head}</head><body>{body}</body></html>"


@pytest.mark.parametrize("body, expected", [
    ("<h1>Kettles</h1>" + "<div><h2>Kettle</h2><p>In stock</p><button>Add to cart</button></div>" * 3, "collection"),
    ("<h1>Results</h1><p>Sort by</p><p>Showing 20 of 312</p><a>Clear all filters</a>", "listing"),
    ("<h1>Roof repair</h1><p>Why choose us</p><a>Get a free quote</a><p>Our services</p>", "service"),
    ("<h1>Bridge noise</h1><p>Posted by riverfan</p><p>Joined: 2019</p><p>Report post</p>", "forum"),
])
def test_page_type_from_the_cues_the_text_shows(body, expected):
    found = html_stage.extract_html(_page(body + PROSE), [], LEXICONS, url="https://x.example/a").metadata
    assert found["page_type"] == expected


def test_structure_speaks_before_an_og_type_article_and_a_long_body_is_an_article():
    docs = "<h1>Install</h1>" + "<h2>Step</h2><pre>make</pre>" * 4 + PROSE
    found = html_stage.extract_html(_page(docs, "<meta property='og:type' content='article'>"), [], LEXICONS,
                                    url="https://x.example/a").metadata
    assert found["page_type"] == "documentation"
    long_body = "<h1>Council backs new bridge</h1>" + "".join(  # over 200 words, and nothing else speaks
        f"<p>On day {n} of the debate the council heard {n} more residents speak about the bridge, its cost and "
        f"the traffic it would bring to the narrow streets of the old town near the river.</p>" for n in range(8))
    assert html_stage.extract_html(_page(long_body), [], LEXICONS, url="https://x.example/a").metadata[
        "page_type"] == "article"


@pytest.mark.parametrize("byline, expected", [
    ("<p>By Anna Lee</p>", ["Anna Lee"]),
    ("<p>Written by Anna van der Lee</p>", ["Anna van der Lee"]),
    ("<p>by</p><p>Amanda</p><p>Dec 20, 2025</p>", ["Amanda"]),
    ("<p>Anna Lee</p><p>March 5, 2024</p>", ["Anna Lee"]),  # a name line beside a date line
])
def test_byline_forms(byline, expected):
    html = _page(f"<article><h1>Council backs new bridge</h1>{byline}{PROSE}</article>")
    assert html_stage.extract_html(html, [], LEXICONS).metadata["authors"] == expected


def test_a_name_that_is_the_sites_own_or_a_date_gives_way_to_the_byline():
    html = _page(f"<article><h1>Council backs new bridge</h1><p>By Anna Lee</p>{PROSE}</article>",
                 "<meta name='author' content='Town Post'><meta property='og:site_name' content='Town Post'>")
    assert html_stage.extract_html(html, [], LEXICONS, url="https://townpost.example/a").metadata["authors"] == [
        "Anna Lee"]


def test_date_htmldate_when_the_page_shows_it_else_the_date_under_the_headline():
    shown = _page(f"<article><h1>Council backs new bridge</h1><p>March 5, 2024</p>{PROSE}</article>",
                  "<meta property='article:published_time' content='2024-03-05T10:00:00Z'>")
    assert html_stage.extract_html(shown, [], LEXICONS).metadata["date"] == "2024-03-05"
    under = _page(f"<article><h1>Council backs new bridge</h1><p>By Anna Lee | 12.04.2024</p>{PROSE}"
                  "</article><footer>Related: May 1, 2023</footer>",
                  "<meta property='article:published_time' content='2024-03-05T10:00:00Z'>")
    assert html_stage.extract_html(under, [], LEXICONS).metadata["date"] == "2024-04-12"  # dots: day first


def test_an_empty_body_keeps_the_pages_header():
    html = _page("<h1>Council backs new bridge</h1>", "<meta property='og:type' content='product'>")
    found = html_stage.extract_html(html, [], LEXICONS, url="https://x.example/a")
    assert found.text == "" and found.metadata["page_type"] == "product"


def test_a_label_where_a_name_should_be_names_no_one_and_the_byline_stands_in():
    labelled = _page(f"<article><h1>Council backs new bridge</h1><p>By Anna Lee</p>{PROSE}</article>",
                     "<meta name='author' content='View more posts'>")
    assert html_stage.extract_html(labelled, [], LEXICONS).metadata["authors"] == ["Anna Lee"]
    alone = _page(f"<article><h1>Council backs new bridge</h1>{PROSE}</article>",
                  "<meta name='author' content='page.head.extra.author'>")
    assert "authors" not in html_stage.extract_html(alone, [], LEXICONS).metadata
    joined = _page(f"<article><h1>Council backs new bridge</h1>{PROSE}</article>",
                   "<meta name='author' content=', Anna Lee'>")
    assert html_stage.extract_html(joined, [], LEXICONS).metadata["authors"] == ["Anna Lee"]


def test_the_headline_repeated_beside_a_date_is_no_byline():
    html = _page(f"<article><h1>Council Backs New Bridge</h1><p>Council Backs New Bridge</p><p>March 5, 2024</p>"
                 f"{PROSE}</article>")
    assert "authors" not in html_stage.extract_html(html, [], LEXICONS).metadata
