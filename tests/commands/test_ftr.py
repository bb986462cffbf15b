"""The FiveFilters ftr-site-config importer (cleaner.commands.ftr) and its lazy domain index (cleaner.rulebook.index)."""
from __future__ import annotations

import json
import textwrap
from pathlib import Path

import pytest
from lxml import html as lxml_html
from ruamel.yaml import YAML

from click.testing import CliRunner

from cleaner.commands.cli import main as cli
from cleaner.commands.ftr import (IMPORT_MARK, META_FILES, REPORT_NAME, convert_dir, convert_file,
                         removes_non_elements, strip_id_or_class_xpath, strip_image_src_xpath)
from cleaner.rulebook.index import INDEX_NAME, FtrIndex, ftr_site_for_host, load_index
from cleaner.rulebook.rulefile import RuleError, load_rule_file
from cleaner.rulebook.ruleset import shipped_rules_dir

ROOT = Path(__file__).resolve().parents[2]
SNAPSHOT_DIR = ROOT.parent / "shared" / "ftr-site-config"
SHIPPED = shipped_rules_dir() / "ftr"
SOURCE_TXT = "Snapshot of fivefilters/ftr-site-config at commit abc1234 (2026-01-02): test files."


def ftr(folder: Path, name: str, text: str) -> Path:
    """An ftr file in ``folder`` (with a SOURCE.txt naming a snapshot), as the corpus lays them out."""
    (folder / "SOURCE.txt").write_text(SOURCE_TXT, encoding="utf-8")
    path = folder / name
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def convert(folder: Path, name: str, text: str) -> tuple[dict | None, str | None, list[str]]:
    """(parsed YAML, YAML text, skipped) of one converted snippet."""
    yaml_text, skipped = convert_file(ftr(folder, name, text))
    return (YAML(typ="safe").load(yaml_text) if yaml_text else None), yaml_text, skipped


def matches(xpath: str, markup: str) -> list[str]:
    """Ids of the elements ``xpath`` selects in ``markup``."""
    return [el.get("id") for el in lxml_html.fromstring(markup).xpath(xpath)]


# ---------------------------------------------------------------- one file


def test_site_file_maps_xpaths_names_source_and_licence(tmp_path):
    data, text, skipped = convert(tmp_path, "example.com.txt", """\
        # a comment, and a blank line

        body: //div[@id='story']
        title: //meta[@property="og:title"]/@content
        author: //span[@class='byline']
        date: //time/@datetime
        strip: //div[contains(@class, 'share')]
        """)
    assert skipped == []
    assert text.startswith(f"{IMPORT_MARK}: example.com.txt\n")
    assert "commit abc1234 (2026-01-02)" in text.splitlines()[1] and "CC0" in text.splitlines()[2]
    assert data["site"] == "example.com"
    assert data["domains"] == ["example.com", "www.example.com"] and data["subdomains"] == "exclude"
    assert data["license"] == "CC0-1.0" and "abc1234" in data["source"] and "example.com.txt" in data["source"]
    assert data["html"] == {
        "remove_xpath": ["//div[contains(@class, 'share')]"],
        "body_xpath": ["//div[@id='story']"],
        "title_xpath": ['//meta[@property="og:title"]/@content'],
        "author_xpath": ["//span[@class='byline']"],
        "date_xpath": ["//time/@datetime"],
    }


def test_converted_file_validates_against_our_schema(tmp_path):
    _, text, _ = convert(tmp_path, ".example.org.txt", "strip_id_or_class: ad\ntest_contains: A & B\n")
    (tmp_path / "out.yaml").write_text(text, encoding="utf-8")
    rule_file = load_rule_file(tmp_path / "out.yaml")
    assert rule_file.domains == ("example.org",) and rule_file.subdomains == "only"
    assert rule_file.html["tests"] == {"keep": ["<p>A &amp; B</p>"]}


def test_dot_file_serves_subdomains_only(tmp_path):
    data, _, _ = convert(tmp_path, ".example.com.txt", "body: //article\n")
    assert data["domains"] == ["example.com"] and data["subdomains"] == "only" and data["site"] == "example.com"


def test_strip_id_or_class_matches_whole_class_or_id_tokens_as_ftr_does(tmp_path):
    data, _, _ = convert(tmp_path, "example.com.txt", "strip_id_or_class: 'share'\n")
    (xpath,) = data["html"]["remove_xpath"]
    assert xpath == strip_id_or_class_xpath("share")  # quotes dropped, as FTR does
    markup = """<div>
      <p id="a" class="x  share y">1</p><p id="share">2</p><p id="c" class="shared">3</p>
      <p id="d" class="sharebar">4</p><p id="share-box">5</p></div>"""
    assert matches(xpath, markup) == ["a", "share"]


def test_strip_image_src_removes_images_by_src_fragment(tmp_path):
    data, _, _ = convert(tmp_path, "example.com.txt", "strip_image_src: doubleclick.net\n")
    (xpath,) = data["html"]["remove_xpath"]
    assert xpath == strip_image_src_xpath("doubleclick.net")
    markup = '<div><img id="ad" src="https://ad.doubleclick.net/x.gif"><img id="ok" src="/photo.jpg"></div>'
    assert matches(xpath, markup) == ["ad"]


def test_find_and_replace_become_ordered_pairs_including_one_line_form(tmp_path):
    data, _, skipped = convert(tmp_path, "example.com.txt", """\
        find_string: <amp-img
        replace_string: <img
        replace_string(,"value":): ,"invalid":
        find_string: <br /><br />
        replace_string:
        replace_string(to post comments)): </div>
        """)
    assert skipped == []
    assert data["html"]["replace"] == [
        {"find": "<amp-img", "replace": "<img"},
        {"find": ',"value":', "replace": ',"invalid":'},
        {"find": "<br /><br />", "replace": ""},
        {"find": "to post comments)", "replace": "</div>"},
    ]


def test_unpaired_find_strings_are_reported_and_none_applied(tmp_path):
    data, _, skipped = convert(tmp_path, "example.com.txt", """\
        body: //article
        find_string: a
        find_string: b
        replace_string: c
        """)
    assert "replace" not in data["html"]
    assert len(skipped) == 3 and all("2 find strings but 1 replace strings" in s for s in skipped)


def test_strings_that_look_like_yaml_round_trip(tmp_path):
    tricky = ["yes", "- item", "a: b", "#x", "{x}", "*ref", "'quoted'", '"dq"', "back\\slash", "100", "é\u00a0"]
    lines = "".join(f"replace_string({t}): {t}!\n" for t in tricky)
    data, _, skipped = convert(tmp_path, "example.com.txt", lines)
    assert skipped == []
    assert data["html"]["replace"] == [{"find": t, "replace": f"{t}!"} for t in tricky]


def test_unsupported_and_unknown_directives_are_reported_with_line_and_reason(tmp_path):
    data, _, skipped = convert(tmp_path, "example.com.txt", """\
        body: //article
        prune: no
        login_uri: https://example.com/login
        http_header(user-agent): Mozilla/5.0
        footnotes: no
        // not a directive
        """)
    assert data["html"] == {"body_xpath": ["//article"]}
    assert [s.split(":", 1)[0] for s in skipped] == [f"line {n}" for n in range(2, 7)]
    by_line = {s.split(":", 1)[0]: s for s in skipped}
    assert by_line["line 6"].startswith("line 6: (no directive): line without a colon")
    assert "prune" in by_line["line 2"] and "extraction engine" in by_line["line 2"]
    assert "login_uri" in by_line["line 3"] and "login" in by_line["line 3"]
    assert "http_header(...)" in by_line["line 4"]
    assert "unknown directive" in by_line["line 5"]


def test_file_with_only_unsupported_directives_is_not_written(tmp_path):
    data, text, skipped = convert(tmp_path, "example.com.txt", "prune: no\ntest_url: https://example.com/a\n")
    assert data is None and text is None
    assert skipped[-1] == "not converted: nothing usable: only prune, test_url"


def test_bad_xpaths_and_attribute_strips_are_reported_not_written(tmp_path):
    data, _, skipped = convert(tmp_path, "example.com.txt", """\
        body: //div[
        body: //article
        strip: //div[contains(@class='x')]
        strip: //img/@srcset
        strip_attr: //iframe/@width
        strip: //a | //p/text()
        date: //time[ends-with(@datetime, 'Z')]
        strip: //aside
        """)
    assert data["html"] == {"remove_xpath": ["//aside"], "body_xpath": ["//article"]}
    reasons = " ".join(skipped)
    assert [s.split(":", 1)[0] for s in skipped] == ["line 1", "line 3", "line 4", "line 5", "line 6", "line 7"]
    assert reasons.count("refused by lxml") == 3 and reasons.count("removes attributes or text") == 3


def test_names_outside_our_domain_pattern_and_www_files_are_refused(tmp_path):
    _, text, skipped = convert(tmp_path, "Bad_Name.com.txt", "body: //article\n")
    assert text is None and skipped[-1].startswith("not converted: bad name")
    _, text, skipped = convert(tmp_path, "www.example.com.txt", "body: //article\n")
    assert text is None and "strips 'www.'" in skipped[-1]


def test_removes_non_elements_looks_at_every_union_branch_only_at_its_end():
    assert removes_non_elements("//div | //img/@src")
    assert removes_non_elements("(//p/text())")
    assert not removes_non_elements("//div[@class='a|b']/p[text()='x']")
    assert not removes_non_elements("//img[@src]")


# ---------------------------------------------------------------- a folder


def small_corpus(folder: Path) -> Path:
    folder.mkdir()
    ftr(folder, "example.com.txt", "body: //article\nprune: no\n")
    ftr(folder, ".example.com.txt", "strip: //aside\n")
    ftr(folder, "news.example.com.txt", "strip_id_or_class: promo\n")
    ftr(folder, "nothing.org.txt", "tidy: no\n")
    ftr(folder, "global.txt", "strip_id_or_class: sharedaddy\n")
    ftr(folder, "LICENSE.txt", "CC0\n")
    return folder


def test_convert_dir_writes_files_index_report_and_notice(tmp_path):
    out = tmp_path / "out"
    report = convert_dir(small_corpus(tmp_path / "src"), out)
    assert report.converted == {"example.com.txt": "example.com.yaml", ".example.com.txt": "_.example.com.yaml",
                                "news.example.com.txt": "news.example.com.yaml"}
    assert set(report.not_converted) == {"nothing.org.txt", "global.txt"}
    assert [str(s) for s in report.skipped["example.com.txt"]][0].startswith("line 2: prune")
    assert report.used["body"] == 1 and report.dropped["prune"] == 1 and report.dropped["tidy"] == 1
    assert sorted(p.name for p in out.glob("*.yaml")) == sorted(report.converted.values())
    index = json.loads((out / INDEX_NAME).read_text(encoding="utf-8"))
    assert index["parent"] == {"example.com": "_.example.com.yaml"}
    assert index["exact"]["www.news.example.com"] == "news.example.com.yaml"
    markdown = (out / REPORT_NAME).read_text(encoding="utf-8")
    assert "`nothing.org.txt`: nothing usable: only tidy" in markdown and "`global.txt`" in markdown
    assert "commit abc1234" in (out / "NOTICE.md").read_text(encoding="utf-8")
    assert "5 site files: 3 converted, 2 not converted" in report.summary()


def test_rerun_removes_stale_imports_but_never_hand_written_files(tmp_path):
    src, out = small_corpus(tmp_path / "src"), tmp_path / "out"
    convert_dir(src, out)
    (out / "mine.yaml").write_text("site: mine.org\n", encoding="utf-8")
    (src / "news.example.com.txt").unlink()
    convert_dir(src, out)
    assert sorted(p.name for p in out.glob("*.yaml")) == ["_.example.com.yaml", "example.com.yaml", "mine.yaml"]


def test_the_command_prints_summary_and_fails_on_missing_folder(tmp_path):
    done = CliRunner().invoke(cli, ["rules", "import-ftr", str(small_corpus(tmp_path / "src")), "-o", str(tmp_path / "out")])
    assert done.exit_code == 0 and "3 converted" in done.output
    missing = CliRunner().invoke(cli, ["rules", "import-ftr", str(tmp_path / "absent"), "-o", str(tmp_path / "out2")])
    assert missing.exit_code == 2 and "does not exist" in missing.output


# ---------------------------------------------------------------- lookup


def test_ftr_site_for_host_walks_parents_with_ftr_subdomain_semantics(tmp_path):
    out = tmp_path / "out"
    convert_dir(small_corpus(tmp_path / "src"), out)
    name = lambda host: getattr(ftr_site_for_host(host, out), "name", None)  # noqa: E731
    assert name("example.com") == "ftr/example.com"
    assert name("WWW.Example.com.") == "ftr/example.com"
    assert name("news.example.com") == "ftr/news.example.com"
    assert name("www.news.example.com") == "ftr/news.example.com"
    assert name("sport.example.com") == "ftr/_.example.com"
    assert name("a.b.example.com") == "ftr/_.example.com"
    assert name("a.news.example.com") == "ftr/_.example.com"  # news.example.com.txt excludes subdomains
    assert name("example.com.evil.org") is None and name("other.org") is None and name("com") is None
    assert ftr_site_for_host("example.com", out) is ftr_site_for_host("www.example.com", out)  # cached


def test_index_loads_nothing_until_asked_and_refuses_a_missing_index(tmp_path):
    out = tmp_path / "out"
    convert_dir(small_corpus(tmp_path / "src"), out)
    index = load_index(out)
    assert index._loaded == {}
    index.site_for_host("sport.example.com")
    assert list(index._loaded) == ["_.example.com.yaml"]
    with pytest.raises(RuleError, match="cannot read ftr index"):
        FtrIndex.load(tmp_path / "src")


# ---------------------------------------------------------------- the shipped set and the snapshot


@pytest.mark.slow
def test_every_shipped_ftr_file_loads_validates_and_agrees_with_the_index():
    """All ~1,980 files (about 6 s): sampling would hide the one file that breaks."""
    index = load_index(SHIPPED)
    files = sorted(p.name for p in SHIPPED.glob("*.yaml"))
    assert len(files) > 1900 and index.file_names() == files
    for name in files:
        rule_file = load_rule_file(SHIPPED / name, f"ftr/{name[:-5]}")
        assert rule_file.html and rule_file.subdomains in ("exclude", "only")
        assert not rule_file.rules and not rule_file.fingerprints and not rule_file.disable  # DOM rules only:
        # the text stage skips imported files (RuleSet.site_for_host(imported=False)) on that ground
        for domain in rule_file.domains:
            role = index.domains.exact if rule_file.subdomains == "exclude" else index.domains.parent
            assert role[domain] == (0, name)


@pytest.mark.slow
def test_whole_snapshot_converts_to_exactly_the_shipped_set(tmp_path):
    if not SNAPSHOT_DIR.is_dir():
        pytest.skip(f"{SNAPSHOT_DIR} absent")
    report = convert_dir(SNAPSHOT_DIR, tmp_path)
    site_files = {p.name for p in SNAPSHOT_DIR.glob("*.txt")} - META_FILES
    assert set(report.converted) | set(report.not_converted) == site_files
    assert not set(report.converted) & set(report.not_converted)
    assert all(report.not_converted.values())
    shipped = sorted(p.name for p in SHIPPED.glob("*.yaml"))
    assert sorted(report.converted.values()) == shipped
    stale = [n for n in shipped if (tmp_path / n).read_bytes() != (SHIPPED / n).read_bytes()]
    assert stale == [], "rules/ftr is out of date: cleaner rules import-ftr ../shared/ftr-site-config -o rules/ftr"
    for generated in (INDEX_NAME, REPORT_NAME, "NOTICE.md"):
        assert (tmp_path / generated).read_bytes() == (SHIPPED / generated).read_bytes()
