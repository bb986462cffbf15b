"""Rule files: schema validation with file:line errors, inline examples, precedence."""
from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from cleaner.rulebook.rulefile import RuleError, load_rule_file
from cleaner.rulebook.ruleset import load_ruleset, shipped_rules_dir
from cleaner.commands.ruletests import test_files as run_rule_examples

GOOD_RULE = """\
rules:
  - id: promo
    kind: newsletter
    action: drop
    match: 'get our app'
    case: insensitive
    tests:
      remove: ["Get our app"]
      keep: ["They did not get our approval."]
"""


def write(tmp_path: Path, text: str, name: str = "pack.yaml") -> Path:
    path = tmp_path / name
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def test_shipped_rule_examples_all_pass(ruleset):
    count, failures = run_rule_examples(ruleset.files)
    assert count > 100
    assert [str(f) for f in failures] == []


def test_every_shipped_rule_file_has_a_must_go_and_a_must_stay_example():
    files = sorted((shipped_rules_dir() / "generic").glob("*.yaml")) + sorted((shipped_rules_dir() / "sites").glob("*.yaml"))
    assert len(files) >= 20
    for path in files:
        rule_file = load_rule_file(path)
        assert rule_file.rules, path
        assert any(rule.tests.get("remove") for rule in rule_file.rules), path
        assert any(rule.tests.get("keep") for rule in rule_file.rules), path


@pytest.mark.parametrize("kind", ["share", "ad", "comments", "not_found", "paywall", "newsletter", "navigation",
                                  "related", "bio", "credit", "caption", "section"])
def test_there_is_a_generic_pack_for_every_kind(ruleset, kind):
    assert any(rule.kind == kind and rule.id.startswith("generic/") for rule in ruleset.generic_rules)


@pytest.mark.parametrize("text, line, reason", [
    ("rules:\n  - id: x\n    kind: share\n    action: drop\n    match: 'a'\n    case: sensitive\n    colour: red\n"
     "    tests: {remove: [a], keep: [b]}\n", 7, "unknown key 'colour'"),
    ("rules:\n  - id: x\n    kind: share\n    action: drop\n    match: '(unclosed'\n    case: sensitive\n"
     "    tests: {remove: [a], keep: [b]}\n", 5, "bad regex"),
    ("rules:\n  - id: x\n    kind: share\n    action: drop\n    match: 'a'\n    case: sensitive\n    max_words: many\n"
     "    tests: {remove: [a], keep: [b]}\n", 7, "'many' is not of type 'integer'"),
    ("rules:\n  - id: x\n    kind: gossip\n    action: drop\n    match: 'a'\n    case: sensitive\n"
     "    tests: {remove: [a], keep: [b]}\n", 3, "gossip"),
    ("rules:\n  - id: x\n    kind: share\n  action: drop\n", 4, "invalid YAML"),
    ("rules:\n  - id: x\n    kind: share\n    action: drop\n    match: 'a'\n    case: sensitive\n", 2, "'tests' is a required property"),
])
def test_broken_rule_file_names_file_line_and_reason(tmp_path, text, line, reason):
    path = write(tmp_path, text)
    with pytest.raises(RuleError) as caught:
        load_rule_file(path)
    message = str(caught.value)
    assert message.startswith(f"{path}:{line}: "), message
    assert reason in message
    assert "\n" not in message


def test_user_rule_replaces_shipped_rule_with_the_same_id(tmp_path):
    (tmp_path / "generic").mkdir()
    write(tmp_path / "generic", GOOD_RULE.replace("id: promo", "id: share-label")
          .replace("kind: newsletter", "kind: share"), "sharing.yaml")
    rules = {rule.id: rule for rule in load_ruleset([tmp_path]).generic_rules}
    assert rules["generic/sharing/share-label"].pattern.pattern == "get our app"
    assert "generic/sharing/like-this" in rules  # the rest of the shipped pack stays


def test_site_file_can_disable_a_generic_rule(tmp_path):
    from cleaner import clean_text

    (tmp_path / "sites").mkdir()
    write(tmp_path / "sites", "site: example.org\ndomains: [example.org]\ndisable: [generic/navigation/menu-words]\n"
          + GOOD_RULE, "example.org.yaml")
    text = "Menu\n\nThe minister said on Tuesday that the plan would go ahead as soon as possible.\n"
    rules = load_ruleset([tmp_path])
    assert "Menu" in clean_text(text, url="https://www.example.org/a", rules=rules).body
    assert "Menu" not in clean_text(text, url="https://other.example.com/a", rules=rules).body


def test_domain_lookup_walks_parent_domains(ruleset):
    assert ruleset.site_for_host("www.reuters.com")[0].name == "sites/reuters.com"
    assert ruleset.site_for_host("uk.news.reuters.com")[0].name == "sites/reuters.com"
    assert ruleset.site_for_host("reuters.com.evil.org") is None


def test_hand_written_site_file_beats_imported_one_and_imported_ones_are_the_fallback(ruleset):
    # rules/ftr has reuters.com (exact host and www) and nytimes.com; rules/sites has reuters.com only
    assert ruleset.site_for_host("www.reuters.com")[0].name == "sites/reuters.com"
    assert ruleset.site_for_host("www.nytimes.com")[0].name == "ftr/nytimes.com"


def test_subdomain_modes(tmp_path):
    (tmp_path / "sites").mkdir()
    write(tmp_path / "sites", "domains: [a.org, www.a.org]\nsubdomains: exclude\n" + GOOD_RULE, "a.org.yaml")
    write(tmp_path / "sites", "domains: [b.org]\nsubdomains: only\n" + GOOD_RULE, "b.org.yaml")
    rules = load_ruleset([tmp_path], shipped=False)
    assert rules.site_for_host("a.org") and rules.site_for_host("www.a.org")
    assert rules.site_for_host("news.a.org") is None
    assert rules.site_for_host("b.org") is None
    assert rules.site_for_host("news.b.org")[0].name == "sites/b.org"


def test_catastrophic_regex_is_skipped_with_a_warning_not_a_hang(tmp_path):
    from cleaner import clean_text

    write(tmp_path, GOOD_RULE.replace("'get our app'", "'(a|aa)+$'").replace('remove: ["Get our app"]', 'remove: ["aaa"]'),
          "evil.yaml")
    rules = load_ruleset([tmp_path])
    text = "The minister spoke at length on Tuesday about the plan and its costs.\n\n" + "a" * 40 + "!"
    document = clean_text(text, rules=rules)
    assert "a" * 40 + "!" in document.body
    assert any("evil/promo" in w and "timed out" in w for w in document.warnings)


def test_the_text_stage_does_not_look_up_imported_files(ruleset):
    assert ruleset.site_for_host("www.nytimes.com", imported=False) is None
    assert ruleset.site_for_host("www.reuters.com", imported=False)[0].name == "sites/reuters.com"


def test_a_rule_file_cannot_run_code(tmp_path):
    marker = tmp_path / "pwned"
    path = write(tmp_path, f"description: !!python/object/apply:os.system ['touch {marker}']\n"
                           "rules: !!python/object/apply:builtins.exec ['import os']\n")
    with pytest.raises(RuleError) as caught:
        load_rule_file(path)
    assert str(caught.value).startswith(f"{path}:1: ")
    assert not marker.exists()
