"""Header fields from HTML: the byline search must answer exactly as trafilatura's extract_author."""
from __future__ import annotations

from copy import deepcopy
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st
from lxml import html as lxml_html
from trafilatura import xpaths
from trafilatura.metadata import extract_author as trafilatura_author

from cleaner.stages.html import parse
from cleaner.stages.reading import read_source
from cleaner.stages.htmlmeta import (AttributeIndex, author_attributes, extract_author, parse_path, select,
                                     split_top_level)

ROOT = Path(__file__).resolve().parents[2]
PAGES = sorted((ROOT / "fixtures").rglob("*.html"))
# Bylines where trafilatura's deletions change the text: a deleted element's tail joins the text before it.
TRICKY = [
    '<div class="byline">By <a>Jane</a><time>Mon</time>Doe</div>',  # tail glued to the previous sibling's tail
    '<div class="author"><time>t</time>Jane Doe</div>',  # ... or to the parent's text
    '<div class="author">A<time>1</time>B<time>2</time>C and co</div>',  # one after the other
    '<span class="author">Jane<figure>x<time>y</time>z</figure>tail Doe</span>',  # nested deletions
    '<p class="author">Jane<!-- c -->Smith<time>t</time>X Y</p>',  # after a comment: its tail grows
    '<p class="author"><!-- only a comment --><time>t</time>Jane Doe</p>',
    '<div class="sidebar"><span class="author">Not Me</span></div><p class="byline">Real Name</p>',
    '<div class="author print">Printed</div><span class="writer">Kept Writer</span>',
    '<div class="Comments-box"><a rel="author">In Comments</a></div>'
    '<div class="xComments"><a rel="author">Out There</a></div>',
    '<span><rel>me</rel>John Doe</span>',  # rel='me' tests a child's text
    '<span><rel>m<time>x</time>e</rel>Jane Roe</span>',  # ... which a deletion inside it changes
    '<author>Ann Author</author><p class="author">Later</p>',
    '<p class="author">ab</p><p class="author">' + "x" * 119 + '</p><p class="author">Third One</p>',
    '<div data-component="FigureBlock"><span class="byline">In A Figure</span></div><span itemprop="author">Ok</span>',
    '<div id="comments"><span class="byline">x</span></div><h4 class="post-author">Hidden<figure>f</figure></h4>',
    '<figure class="byline">Fig Author<time>t</time></figure>',  # the copy's root is never deleted
]


def _page(body: str) -> str:
    return f"<html><head><title>t</title></head><body><article>{body}<p>Some text.</p></article></body></html>"


def _trees(markup: str):
    """The page's tree and each of its elements as a tree of its own (the copy trafilatura makes is then smaller).

    Parsed as cleaner parses (trafilatura's parser drops comments) and by lxml.html, which keeps them.
    """
    trees = [parse(markup), lxml_html.document_fromstring(markup)]
    return [*trees, *(e for tree in trees for e in tree.iter() if isinstance(e.tag, str) and e is not tree)]


@pytest.mark.parametrize("body", TRICKY)
def test_author_as_trafilatura_finds_it(body):
    for tree in _trees(_page(body)):
        assert extract_author(tree) == trafilatura_author(tree), lxml_html.tostring(tree)


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.name)
def test_author_as_trafilatura_finds_it_on_fixture_pages(page):
    for tree in _trees(read_source(page).html):
        assert extract_author(tree) == trafilatura_author(tree)


_TAGS = ["div", "span", "a", "p", "time", "figure", "section", "h4", "rel", "author", "b"]
_CLASSES = ["", "author", "byline", "Author-name", "comments", "xcomments", "sidebar", "date", "title", "quote",
            "gone"]
_WORDS = ["", " ", "Jane", "Doe ", " Smith", "me", "By", "\n"]


@st.composite
def _markup(draw, depth: int = 0) -> str:
    """Random nested markup over the tags, classes and words the author XPaths care about."""
    parts = [draw(st.sampled_from(_WORDS))]
    for _ in range(draw(st.integers(0, 3 if depth < 4 else 0))):
        if draw(st.integers(0, 5)) == 0:
            parts.append(f"<!--{draw(st.sampled_from(_WORDS))}-->")
        else:
            tag, cls = draw(st.sampled_from(_TAGS)), draw(st.sampled_from(_CLASSES))
            attributes = f' class="{cls}"' if cls else ""
            attributes += ' id="authorbox"' if draw(st.booleans()) and depth % 2 else ""
            parts.append(f"<{tag}{attributes}>{draw(_markup(depth + 1))}</{tag}>")
        parts.append(draw(st.sampled_from(_WORDS)))
    return "".join(parts)


@settings(max_examples=300, deadline=None, derandomize=True, database=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(_markup())
def test_author_as_trafilatura_finds_it_on_any_markup(body):
    for tree in _trees(_page(body)):
        assert extract_author(tree) == trafilatura_author(tree)
    tree = parse(_page(body))  # with an index made before DOM rules dropped elements, as cleaner.stages.html hands it
    index = AttributeIndex(tree, author_attributes())
    for gone in tree.xpath("//*[@class='gone'][not(ancestor::*[@class='gone'])]"):
        gone.drop_tree()
    assert extract_author(tree, index) == trafilatura_author(tree)


def test_xpaths_it_cannot_read_leave_the_page_to_trafilatura(monkeypatch):
    from cleaner.stages import htmlmeta

    monkeypatch.setattr(htmlmeta, "_author_paths", lambda: None)  # as for a trafilatura with other XPaths
    tree = parse(_page(TRICKY[0]))
    assert htmlmeta.author_attributes() == set() and extract_author(tree) == trafilatura_author(tree) == "Jane Doe"


def _xpaths() -> list:
    return [x for name in dir(xpaths) if isinstance(getattr(xpaths, name), list)
            for x in getattr(xpaths, name) if hasattr(x, "path") and parse_path(x.path) is not None]


def test_select_answers_as_lxml_for_every_trafilatura_xpath_it_reads():
    found = _xpaths()
    assert len(found) >= 10  # the author and title XPaths at least
    pages = [_page(body) for body in TRICKY] + [read_source(p).html for p in PAGES]
    for tree in map(parse, pages):
        for xpath in found:
            path = parse_path(xpath.path)
            index = AttributeIndex(tree, path.attributes())
            assert select(path, index) == xpath(tree), xpath.path


def test_select_reads_below_the_tree_as_lxml_reads_a_copy_of_it():
    tree = parse(_page('<div class="a"><div class="a"><p>x</p></div></div>'))
    outer = next(tree.iter("div"))
    for source in (".//div", "//div", "//*[contains(@class, 'a')]"):
        path = parse_path(source)
        found = select(path, AttributeIndex(outer, path.attributes()))
        assert list(map(lxml_html.tostring, found)) == list(map(lxml_html.tostring, deepcopy(outer).xpath(source)))


@pytest.mark.parametrize("source", [
    "(//div)[1]", "//div[1]", "//div[@a='x' and @b='y']", "//div//a", "//div/@href", "//*[not(@class)]",
    "//*[re:test(@class, 'x', 'i')]", "//*[re:test(@id|@class, 'x')]", "//*[contains(@class, '')]",
    "//*[re:test(@class, 'x?')]", "//*[re:test(@class, '(')]", '//*[@class="x"]', "//*[ancestor::nav]",
])
def test_parse_path_reads_only_what_select_answers_exactly(source):
    assert parse_path(source) is None


@pytest.mark.parametrize("source, separator, parts", [
    ("//a | //b", "|", ["//a ", " //b"]),
    ("//a[@x='1|2'] | //b", "|", ["//a[@x='1|2'] ", " //b"]),  # a | in single quotes is text
    ('//a[@x="1|2"]|//b', "|", ['//a[@x="1|2"]', "//b"]),  # ... and in double quotes
    ("""//a[@x="it's|"]|//b[@y='say "|"']""", "|", ["""//a[@x="it's|"]""", """//b[@y='say "|"']"""]),  # one kind in the other
    ("//a[b[c|d]]|//e[f(g|h)]", "|", ["//a[b[c|d]]", "//e[f(g|h)]"]),  # nested brackets and parentheses
    ("//a[@x='a or b' or c[d or e]]", " or ", ["//a[@x='a or b' or c[d or e]]"]),  # top level only
    ("@x='a or b' or self::p", " or ", ["@x='a or b'", "self::p"]),
])
def test_split_top_level_splits_outside_quotes_and_brackets(source, separator, parts):
    assert split_top_level(source, separator) == parts
