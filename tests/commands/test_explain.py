"""cleaner explain: every input line shown as kept, removed or moved, every removal with its rule."""
from __future__ import annotations

import re
import shutil
import subprocess
from html.parser import HTMLParser
from pathlib import Path

import pytest
from click.testing import CliRunner

from cleaner.commands.cli import main
from cleaner.commands.explain import explain_source, page, plain
from cleaner.stages.reading import read_source, source_from_text
from cleaner.rulebook.textform import normalise
from conftest import SEEDS, SEED_STEMS, raw

MARKED = re.compile(r"^ *(\d+) ([ \-~>]) (.*?)(?:    <- (.*))?$")


def explained(stem, ruleset):
    return explain_source(source_from_text(raw(stem), path=f"raw/{stem}.txt"), ruleset)


@pytest.mark.parametrize("stem", SEED_STEMS)
def test_every_removal_names_its_rule(stem, ruleset):
    explanation = explained(stem, ruleset)
    assert explanation.document.removals
    assert [r for r in explanation.document.removals if not r.rule or not r.kind] == []
    for line in explanation.lines:
        if line.state in ("removed", "moved"):
            assert line.removal.rule
            if not line.removal.rule.startswith("builtin/"):
                assert line.removal.rule in explanation.rule_lines  # file:line shown beside it


@pytest.mark.parametrize("stem", SEED_STEMS)
def test_every_input_line_appears_as_kept_removed_or_moved(stem):
    result = CliRunner().invoke(main, ["explain", str(SEEDS / "raw" / f"{stem}.txt")])
    assert result.exit_code == 0, result.output
    shown = {}
    for row in result.output.splitlines():
        found = MARKED.match(row)
        if found and found.group(3):
            shown[found.group(3)] = (found.group(2), found.group(4))
    for line in (l for l in normalise(raw(stem)).split("\n") if l):
        assert line in shown, line
        marker, note = shown[line]
        if marker in "->":
            assert note and re.match(r"[\w-]+: (?:generic|sites|builtin)/", note), (line, note)


def test_explain_shows_site_reason_warnings_and_the_header(ruleset):
    text = plain(explained("000_6fc8c663778f222a", ruleset))
    assert "site: sites/reuters.com (fingerprint /\\(Reuters\\) [-–—]/)" in text  # the pattern as the file has it
    assert "header that would be written:\n---\ntitle: " in text
    assert "-> header.credits" in text and "-> header.title" in text
    assert "stripped 'Read more" in text


def test_a_refused_cut_is_shown_as_a_warning(ruleset):
    body = "\n\n".join(["Title of the story here", "Leave a Reply",
                        "This long paragraph after the marker is real article prose that no cut may take away."])
    text = plain(explain_source(source_from_text(body), ruleset))
    assert "warning: rule generic/comments/comment-section-start: cut at line 3 refused" in text


def test_colour_on_request_strikes_removed_lines():
    result = CliRunner().invoke(main, ["explain", "--color", str(SEEDS / "raw" / f"{SEED_STEMS[0]}.txt")])
    assert result.exit_code == 0
    assert "\x1b[9" in result.output  # SGR 9: crossed out
    plain_result = CliRunner().invoke(main, ["explain", str(SEEDS / "raw" / f"{SEED_STEMS[0]}.txt")])
    assert "\x1b[" not in plain_result.output  # not a terminal: markers only


def test_explain_shows_dom_removals_of_html_input(tmp_path, ruleset):
    html = ("<html><head><title>Harbour reopens</title></head><body><article><h1>Harbour reopens</h1>"
            + "".join(f"<p>The harbour reopened on Tuesday after repairs that took {n} weeks, the port said in a "
                      f"statement to reporters gathered at the quay.</p>" for n in range(2, 8))
            + '<div class="sharedaddy sd-sharing-enabled"><h3>Share this:</h3><a href="#">Facebook</a></div>'
            + "</article></body></html>")
    path = tmp_path / "page.html"
    path.write_text(html, encoding="utf-8")
    explanation = explain_source(read_source(path), ruleset)
    assert explanation.dom_removals
    text = plain(explanation)
    assert "removed from the HTML before extraction" in text and ".sharedaddy" in text
    assert "The harbour reopened on Tuesday" in text


class _Lines(HTMLParser):
    """Collects the explain page's line elements (class, data attributes) and any external reference."""

    def __init__(self):
        super().__init__()
        self.lines: list[dict[str, str]] = []
        self.external: list[str] = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if "line" in (attrs.get("class") or "").split():
            self.lines.append(attrs)
        for key in ("src", "href"):
            if attrs.get(key) and not attrs[key].startswith("#"):
                self.external.append(attrs[key])


@pytest.fixture(scope="module")
def html_page(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("explain") / "explain.html"
    result = CliRunner().invoke(main, ["explain", "-f", "html", "-o", str(out), str(SEEDS / "raw" / f"{SEED_STEMS[0]}.txt")])
    assert result.exit_code == 0, result.output
    return out


def test_html_page_classes_match_the_explanation(html_page, ruleset):
    parser = _Lines()
    parser.feed(html_page.read_text(encoding="utf-8"))
    explanation = explained(SEED_STEMS[0], ruleset)
    assert len(parser.lines) == len(explanation.lines)
    for attrs, line in zip(parser.lines, explanation.lines):
        classes = attrs["class"].split()
        assert line.state in classes
        if line.state in ("removed", "moved"):
            assert attrs["data-rule"] == line.removal.rule and f"kind-{line.removal.kind}" in classes
    assert parser.external == []  # one standalone file


def test_html_page_escapes_the_text(ruleset):
    explanation = explain_source(source_from_text("Title <b>x</b> & more here\n\n<script>alert(1)</script>"), ruleset)
    assert "<script>alert(1)" not in page([explanation])


CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


@pytest.mark.skipif(CHROMIUM is None, reason="chromium is not installed")
def test_a_browser_renders_removed_lines_struck_through(html_page, tmp_path):
    """The page's script records computed styles; --dump-dom shows what a reader's browser applied."""
    flags = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
             "--disable-background-networking", "--disable-component-update", "--disable-sync",
             f"--user-data-dir={tmp_path / 'profile'}"]
    dom = subprocess.run([CHROMIUM, *flags, "--dump-dom", html_page.as_uri()], capture_output=True, text=True,
                         timeout=120).stdout
    parser = _Lines()
    parser.feed(dom)
    removed = [a for a in parser.lines if "removed" in a["class"].split()]
    kept = [a for a in parser.lines if "kept" in a["class"].split()]
    assert removed and kept
    assert all(a["data-computed"].startswith("line-through;") for a in removed)
    assert all(a["data-computed"].startswith("none;") for a in kept)
    share = next(a for a in removed if a["data-kind"] == "share")
    assert share["data-computed"].endswith("rgb(31, 111, 235)")  # the share colour, #1f6feb
