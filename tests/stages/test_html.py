"""HTML input: DOM rules before extraction, metadata from the page, html tests of rule files."""
from __future__ import annotations

import gzip
import json
import subprocess
import sys
from pathlib import Path

import pytest

from cleaner.stages import html as html_stage
from cleaner.commands import ruletests as ruletest
from cleaner.stages.document import Source
from cleaner.stages.reading import read_source
from cleaner.stages.pipeline import clean_source
from cleaner.rulebook.rulefile import load_rule_file
from cleaner.rulebook.ruleset import load_ruleset

LEXICONS = load_ruleset().lexicons

ROOT = Path(__file__).resolve().parents[2]
FIXTURE = ROOT / "fixtures" / "html" / "cp1252-article.html"
PROSE = ("The council voted on Tuesday to build a new bridge over the river, ending a decade of debate "
         "about how the town should grow and where the money would come from.")
PAGE = f"""<!DOCTYPE html><html lang="en"><head><title>Council backs bridge</title>
<meta name="author" content="Jane Doe"><meta property="article:published_time" content="2024-03-05">
</head><body><article><h1>Council backs bridge</h1>
<p>{PROSE}</p>
<div class="share-buttons"><a>Share on Facebook</a><a>Tweet</a><a>Email</a></div>
<p>Engineers expect the work to take two years, and the old ferry will keep running until the bridge opens to traffic.</p>
<p>Residents who spoke at the meeting were mostly in favour, though some worried about the noise of construction.</p>
</article>
<div id="respond" class="comment-respond"><h3>Leave a Reply</h3><p>Your email address will not be published, said the form.</p></div>
</body></html>"""


@pytest.fixture(scope="module")
def html_doc(ruleset):
    return clean_source(Source(text="", html=PAGE, url="https://news.example.org/bridge"), ruleset)


def test_dom_rules_remove_widgets_and_log_them(html_doc):
    assert "Share on Facebook" not in html_doc.body
    selectors = {(d.rule_file, d.selector) for d in html_doc.dom_removals}
    assert ("generic/sharing", ".share-buttons") in selectors
    assert any(d.rule_file == "generic/comments" for d in html_doc.dom_removals)
    assert html_doc.metadata["html_removed"] == len(html_doc.dom_removals)
    assert html_doc.removed_by_kind().get("share", 0) >= 1


def test_article_text_stays_and_title_goes_to_header(html_doc):
    assert PROSE in html_doc.body
    assert html_doc.metadata["title"] == "Council backs bridge"
    assert not html_doc.body.startswith("Council backs bridge")
    assert "\n\n" in html_doc.body  # paragraphs separated by one blank line


def test_html_metadata_wins_and_header_says_so(html_doc):
    assert html_doc.metadata["authors"] == ["Jane Doe"]
    assert html_doc.metadata["date"] == "2024-03-05"
    assert html_doc.metadata["metadata_from"]["title"] == "html"
    assert html_doc.metadata["metadata_from"]["date"] == "html"


def test_comments_are_not_extracted(html_doc):
    assert "Leave a Reply" not in html_doc.body and "will not be published" not in html_doc.body


def test_guard_keeps_article_from_a_selector_that_hits_it(tmp_path):
    rule_file = tmp_path / "broad.yaml"
    rule_file.write_text("html:\n  remove: ['article']\n", encoding="utf-8")
    extraction = html_stage.extract_html(PAGE, [load_rule_file(rule_file)], LEXICONS)
    assert PROSE in extraction.text
    assert any("none applied" in w for w in extraction.warnings)


def test_html_detected_by_content_whatever_the_name(tmp_path):
    page = tmp_path / "page.dat"
    page.write_text(PAGE, encoding="utf-8")
    assert read_source(page).html is not None
    text = tmp_path / "note.txt"
    text.write_text("Just a note about <b>bold</b> text.\n", encoding="utf-8")
    assert read_source(text).html is None


def test_gzipped_html_and_canonical_url(tmp_path):
    page = tmp_path / "page.html.gz"
    page.write_bytes(gzip.compress(FIXTURE.read_bytes()))
    source = read_source(page)
    assert source.html is not None and source.url == "https://www.example.com/news/big-news"


def test_rule_file_html_tests_can_fail(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("html:\n  remove: ['div']\n  tests:\n    remove: ['<span>Share</span>']\n"
                   "    keep: ['<div><p>Article text.</p></div>']\n", encoding="utf-8")
    failures = html_stage.test_html(load_rule_file(bad))
    assert [f.expected for f in failures] == ["remove", "keep"]
    count, all_failures = ruletest.test_files([load_rule_file(bad)])
    assert count == 2 and len(all_failures) == 2


def test_shipped_html_tests_pass(ruleset):
    files = [f for f in ruleset.files if (f.html or {}).get("tests") and f.imported is None]
    assert len(files) >= 20
    failures = [str(f) for rule_file in files for f in html_stage.test_html(rule_file)]
    assert failures == []


def test_text_check_does_not_import_html_libraries(tmp_path):
    page = tmp_path / "a.txt"
    page.write_text("Share this:\n\nA plain line of text that is the article.\n", encoding="utf-8")
    code = ("import sys; from cleaner.commands.check import main; main([sys.argv[1]]); "
            "print(sorted(m for m in ('trafilatura', 'lxml', 'cssselect') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code, str(page)], capture_output=True, text=True, check=True)
    assert out.stdout.strip().splitlines()[-1] == "[]"


def test_clean_mixed_folder(tmp_path):
    pages = tmp_path / "pages"
    pages.mkdir()
    (pages / "a.html").write_text(PAGE, encoding="utf-8")
    (pages / "b.html.gz").write_bytes(gzip.compress(FIXTURE.read_bytes()))
    (pages / "c.txt").write_text(f"Share this:\n\n{PROSE}\n", encoding="utf-8")
    (pages / "d.jsonl").write_text(json.dumps({"url": "https://x.example/1", "html": PAGE, "id": 1}) + "\n"
                                   + json.dumps({"text": f"{PROSE}\n\nShare this:", "id": 2}) + "\n",
                                   encoding="utf-8")
    out = tmp_path / "out"
    result = subprocess.run([sys.executable, "-m", "cleaner", "clean", str(pages), "-o", str(out), "-q"],
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    written = sorted(p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file()
                     and ".cleaner-state" not in p.parts)
    assert len(written) == 4 and "d.jsonl" in written
    assert PROSE in (out / "a.md").read_text(encoding="utf-8")
    assert "Share this:" not in (out / "c.md").read_text(encoding="utf-8")
    records = [json.loads(line) for line in (out / "d.jsonl").read_text(encoding="utf-8").splitlines()]
    assert [r["id"] for r in records] == [1, 2] and all("Share" not in r["text"] for r in records)


def test_class_index_answers_as_xpath_does_and_forgets_dropped_elements():
    from lxml import html as lxml_html

    from cleaner.rulebook.selectors import css_query
    from cleaner.stages.html.dom import ClassIndex, _compiled

    tree = lxml_html.fromstring(
        '<html><body><div class="share bar" id="top"><p class="share share" data-ad="a1">a</p></div>'
        '<article><p>text</p><aside class="bar" data-ad="">b</aside></article><span class="share" id="topic"></span>'
        '<div id="top-2" data-ad="a2" aria-label="Ad"></div></body></html>')
    index = ClassIndex(tree, ["data-ad", "aria-label"])
    for selector in (".share", "div.share", "p.share", "#top", ".bar", ".absent", "aside.bar", '[id^="top"]',
                     "[data-ad]", '[data-ad=""]', '[data-ad^="a"]', 'div[data-ad^="a"]', '[aria-label="Ad"]',
                     'p.absent[data-ad^="a"]'):
        assert index.select(css_query(selector)) == _compiled(selector, True)(tree), selector  # once each, in order
    for selector in ("[id^=top]", '[id^=""]', '[id*="to"]', "[data-other]", "div > p", ".share.bar",
                     'p.share[data-ad^="a"]'):  # a class some element holds: the index cannot tell which hold it
        assert index.select(css_query(selector)) is None, selector  # left to XPath
    tree.get_element_by_id("top").drop_tree()
    assert index.select(css_query(".share")) == _compiled(".share", True)(tree) == tree.xpath("//span")
    assert index.select(css_query("[data-ad]")) == _compiled("[data-ad]", True)(tree)


def test_a_repeated_class_token_is_removed_once(tmp_path):
    rule_file = tmp_path / "share.yaml"
    rule_file.write_text("html:\n  remove: ['.sharebox']\n", encoding="utf-8")
    page = PAGE.replace('class="share-buttons"', 'class="sharebox sharebox"')
    extraction = html_stage.extract_html(page, [load_rule_file(rule_file)], LEXICONS)
    assert [r.selector for r in extraction.removals] == [".sharebox"] and "Share on" not in extraction.text


def test_class_index_answers_imported_token_xpaths_as_xpath_does():
    from lxml import html as lxml_html

    from cleaner.commands.ftr import strip_id_or_class_xpath
    from cleaner.rulebook.selectors import parse_selector
    from cleaner.stages.html.dom import ClassIndex, _compiled

    tree = lxml_html.fromstring(
        '<html><body><div class="tools" id="a"><p id="tools x">a</p></div><p class="toolsbar">b</p>'
        '<span class="x\u00a0tools">c</span><aside id="tools">d</aside><i class=" x  tools ">e</i></body></html>')
    index = ClassIndex(tree)
    for name in ("tools", "x", "a", "toolsbar", "absent"):
        selector = strip_id_or_class_xpath(name)
        token = parse_selector(selector, css=False).token  # read once, when the rule file loads
        assert token == name and index.select_token(token) == _compiled(selector, False)(tree), name  # in order too
    assert parse_selector("//div[@class='tools']", css=False).token is None  # any other XPath is left to lxml


def test_a_rule_file_reads_its_selectors_once_when_it_loads(tmp_path, monkeypatch):
    from cleaner.commands.ftr import strip_id_or_class_xpath
    from cleaner.rulebook import selectors

    path = tmp_path / "site.yaml"
    path.write_text(f"site: example.org\ndomains: [example.org]\nhtml:\n  remove: ['.share-buttons']\n"
                    f"  remove_xpath: [\"{strip_id_or_class_xpath('share-buttons')}\"]\n", encoding="utf-8")
    rule_file = load_rule_file(path)
    assert [(s.css, s.query is not None, s.token) for s in rule_file.selectors] == [(True, True, None),
                                                                                   (False, False, "share-buttons")]
    monkeypatch.setattr(selectors, "parse_selector", None)  # pages do not read them again
    monkeypatch.setattr(selectors, "css_query", None)
    extraction = html_stage.extract_html(PAGE, [rule_file], LEXICONS)
    assert [r.selector for r in extraction.removals] == [".share-buttons"] and "Share on" not in extraction.text


def _header(head: str, body: str) -> dict:
    """The HTML stage's metadata for a page with this head and body (the article follows the body)."""
    html = f"<html><head>{head}</head><body>{body}<article><p>{PROSE}</p><p>{PROSE}</p></article></body></html>"
    return html_stage.extract_html(html, [], LEXICONS, url="https://news.example.org/bridge").metadata


def test_metadata_comes_from_meta_tags_and_json_ld():
    head = ("<title>Council backs bridge | Town Post</title><meta property='og:site_name' content='Town Post'>"
            "<meta name='description' content='A new bridge.'><meta property='article:section' content='Local'>"
            "<meta property='article:tag' content='bridges'><script type='application/ld+json'>"
            '{"@context": "https://schema.org", "@type": "NewsArticle", "headline": "Council backs bridge", "datePublished": "2024-03-05",'
            ' "author": {"@type": "Person", "name": "Jane Doe"}}</script>')
    assert _header(head, "") == {"title": "Council backs bridge", "authors": ["Jane Doe"], "date": "2024-03-05",
                                 "sitename": "Town Post", "description": "A new bridge.", "categories": ["Local"],
                                 "tags": ["bridges"], "lang": "en", "page_type": "article"}


def test_byline_in_the_body_gives_the_author_but_link_lists_give_no_tags():
    body = ("<div class='author'>Jane Doe</div>"
            "<div class='tags'><a href='/tag/bridges/'>Bridges</a><a href='/tag/rivers/'>Rivers</a></div>")
    found = _header("<title>Council backs bridge</title>", body)
    assert found["authors"] == ["Jane Doe"]
    assert "tags" not in found and "categories" not in found

