"""The rule set's domain index: one type for loaded and imported files, and exclude-kinds through every match."""
from __future__ import annotations

import pytest

from cleaner import clean_text
from cleaner.rulebook.index import DomainIndex
from cleaner.rulebook.ruleset import load_ruleset, without_kinds

SITE_FILE = """\
site: example.org
domains: [example.org]
fingerprints: ['Example Org Daily Bulletin']
rules:
  - id: menu
    kind: navigation
    action: drop
    match: 'Sections Menu Topics'
    case: sensitive
    tests: {remove: ['Sections Menu Topics'], keep: ['Sections of the report']}
  - id: share
    kind: share
    action: drop
    match: 'Share on Example'
    case: sensitive
    tests: {remove: ['Share on Example'], keep: ['Share prices fell']}
"""
TEXT = ("Example Org Daily Bulletin\n\nSections Menu Topics\n\n"
        "The council voted on Tuesday to keep the library open for another two years at least.\n\n"
        "Share on Example\n")


@pytest.fixture
def trimmed(tmp_path):
    (tmp_path / "sites").mkdir()
    (tmp_path / "sites" / "example.org.yaml").write_text(SITE_FILE, encoding="utf-8")
    return without_kinds(load_ruleset([tmp_path], shipped=False), ["navigation"])


@pytest.mark.parametrize("url", ["https://example.org/a", "https://www.example.org/a", "https://news.example.org/a",
                                 None], ids=["url", "www", "parent-domain", "fingerprint"])
def test_excluded_kinds_reach_a_site_file_however_it_was_matched(trimmed, url):
    document = clean_text(TEXT, url=url, rules=trimmed)
    assert "Sections Menu Topics" in document.body  # navigation excluded
    assert "Share on Example" not in document.body  # the file's other rules still apply
    assert document.sites and document.sites[0].startswith("sites/example.org")


def test_a_site_file_found_by_domain_is_the_one_fingerprints_find(trimmed):
    by_domain = trimmed.site_for_host("news.example.org")[0]
    assert by_domain is next(iter(trimmed.fingerprinted_sites()))
    assert [rule.kind for rule in by_domain.rules] == ["share"]


def test_excluded_kinds_reach_imported_files(ruleset, monkeypatch):
    from dataclasses import replace

    from cleaner.rulebook import ruleset as module

    imported, domain = ruleset.site_for_host("www.nytimes.com")
    rules = load_ruleset(site_rules=False).generic_rules[:2]  # stand-ins: imported files carry no text rules
    with_rules = replace(imported, rules=rules)
    monkeypatch.setattr(module, "load_index", lambda _: type("I", (), {
        "site_for_host": staticmethod(lambda host: (with_rules, domain))}))
    trimmed = without_kinds(ruleset, [rules[0].kind])
    found = trimmed.site_for_host("www.nytimes.com")[0]
    assert rules[0].kind not in {rule.kind for rule in found.rules}
    assert found is trimmed.site_for_host("www.nytimes.com")[0]  # one trimmed copy, not one per lookup


def test_precedence_beats_specificity_and_equals_go_to_the_most_specific():
    index = DomainIndex.build([("user", 2, ["example.com"], "include"), ("shipped", 1, ["www.example.com"], "include"),
                               ("deep", 1, ["news.example.com"], "include")])
    assert index.lookup("www.example.com") == ("user", "example.com")
    only_shipped = DomainIndex.build([("a", 1, ["example.com"], "include"), ("b", 1, ["news.example.com"], "include")])
    assert only_shipped.lookup("x.news.example.com") == ("b", "news.example.com")
    assert DomainIndex.build([("a", 1, ["example.com"], "only")]).lookup("example.com") is None
    assert DomainIndex.build([("a", 1, ["example.com"], "exclude")]).lookup("www.example.com") is None


def test_sites_follow_the_public_suffix_list_from_the_bundled_snapshot(monkeypatch):
    import socket

    from cleaner.rulebook import index
    from cleaner.rulebook.site import site_name

    index._public_suffixes.cache_clear()
    index.public_suffix.cache_clear()
    monkeypatch.setattr(socket, "socket", None)  # no network at run time
    monkeypatch.setenv("TLDEXTRACT_CACHE", "/nonexistent/cache")
    assert index.candidate_domains("news.example.co.uk") == ["news.example.co.uk", "example.co.uk"]
    assert index.registrable_domain("news.example.co.uk") == "example.co.uk"
    assert index.registrable_domain("co.uk") is None and index.candidate_domains("co.uk") == []
    assert index.candidate_domains("a.b.intranet.corp") == ["a.b.intranet.corp", "b.intranet.corp", "intranet.corp"]
    assert index.candidate_domains("192.168.0.1") == ["192.168.0.1"]
    claimed = DomainIndex.build([("suffix", 1, ["co.uk"], "include")])
    assert claimed.lookup("news.example.co.uk") is None  # co.uk is never tried as a site
    assert site_name([], "https://news.example.co.uk/a") == "example.co.uk"
    assert site_name([], "https://www.reuters.com/world") == "reuters.com"
