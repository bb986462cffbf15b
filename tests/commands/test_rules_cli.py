"""cleaner rules list|validate|test|new, and rule precedence made visible."""
from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

from click.testing import CliRunner

from cleaner.commands.cli import main

SHARE_OVERRIDE = """\
rules:
  - id: share-label
    kind: share
    action: drop
    match: 'pass this on'
    case: insensitive
    tests:
      remove: ["Pass this on"]
      keep: ["They did not pass this one on."]
"""
SITE_DISABLING = """\
site: example.com
domains: [example.com]
disable: [generic/sharing/share-label]
rules:
  - id: promo
    kind: newsletter
    action: drop
    match: 'get the example app'
    case: insensitive
    tests:
      remove: ["Get the Example app"]
      keep: ["Get the example right, she said, and the rest follows."]
"""
PAGE = "Share this:\n\nGet the Example app\n\nThe harbour reopened on Tuesday after repairs that took six weeks, the port said.\n"


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def run(*args: str):
    return CliRunner().invoke(main, list(args))


def rows(output: str) -> list[list[str]]:
    return [line.split("\t") for line in output.splitlines() if "\t" in line]


def clean_txt(page: Path, *args: str) -> str:
    result = subprocess.run([sys.executable, "-m", "cleaner", "clean", "-q", "-j", "1", "-f", "txt", *args, str(page)],
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    return result.stdout


def test_list_shows_every_rule_with_kind_action_site_and_file():
    result = run("rules", "list")
    assert result.exit_code == 0
    table = {row[0]: row for row in rows(result.output)}
    assert table["generic/sharing/share-label"][1:4] == ["share", "drop", "-"]
    assert table["sites/reuters.com/trust-principles"][3] == "reuters.com"
    assert table["sites/reuters.com/trust-principles"][4].endswith("reuters.com.yaml:8")


def test_a_user_folder_overrides_a_shipped_rule_by_id(tmp_path):
    write(tmp_path, "generic/sharing.yaml", SHARE_OVERRIDE)
    table = {row[0]: row for row in rows(run("rules", "list", "--rules", str(tmp_path)).output)}
    winner = table["generic/sharing/share-label"]
    assert winner[4].startswith(str(tmp_path)) and "overrides" in winner[5] and "rules/generic/sharing.yaml" in winner[5]
    assert "generic/sharing/like-this" in table  # the pack's other rules stay
    page = write(tmp_path / "in", "page.txt", "Share this:\n\nPass this on\n\n" + PAGE.split("\n\n", 2)[2])
    body = clean_txt(page, "--rules", str(tmp_path))
    assert "Share this:" in body and "Pass this on" not in body  # the user's rule, not the shipped one


def test_a_site_file_disables_a_generic_rule_and_list_site_shows_the_effective_set(tmp_path):
    write(tmp_path, "sites/example.com.yaml", SITE_DISABLING)
    result = run("rules", "list", "--rules", str(tmp_path), "--site", "www.example.com")
    assert result.exit_code == 0
    ids = [row[0] for row in rows(result.output)]
    assert ids[0] == "sites/example.com/promo"  # site rules first: they win a line
    assert "generic/sharing/share-label" not in ids and "generic/sharing/like-this" in ids
    assert "disabled by the site file: generic/sharing/share-label" in result.output
    everywhere = [row[0] for row in rows(run("rules", "list", "--rules", str(tmp_path)).output)]
    assert "generic/sharing/share-label" in everywhere
    page = write(tmp_path / "in", "page.txt", PAGE)
    on_site = clean_txt(page, "--rules", str(tmp_path), "--url", "https://www.example.com/a")
    assert "Share this:" in on_site and "Get the Example app" not in on_site
    assert "Share this:" not in clean_txt(page, "--rules", str(tmp_path), "--url", "https://other.org/a")


def test_list_site_without_a_site_file_is_the_generic_set():
    result = run("rules", "list", "--site", "no-site-file-here.test")
    assert "no site file" in result.output
    assert all(row[0].startswith("generic/") for row in rows(result.output))


def test_validate_lists_every_error_with_file_and_line_and_exits_2(tmp_path):
    write(tmp_path, "a.yaml", "rules:\n  - id: x\n    kind: share\n    action: drop\n    match: '(unclosed'\n"
                              "    case: sensitive\n    tests: {remove: [a], keep: [b]}\n")
    write(tmp_path, "b.yaml", "rules:\n  - id: y\n    kind: shares\n    action: drop\n    match: 'a'\n"
                              "    case: sensitive\n    tests: {remove: [a], keep: [b]}\n")
    write(tmp_path, "c.yaml", "site: c.com\ndomains: [c.com]\ndisable:\n  - generic/sharing/no-such-rule\n")
    result = run("rules", "validate", str(tmp_path))
    assert result.exit_code == 2
    assert f"{tmp_path / 'a.yaml'}:5: bad regex" in result.output
    assert f"{tmp_path / 'b.yaml'}:3:" in result.output
    assert f"{tmp_path / 'c.yaml'}:4: disable: no generic rule 'generic/sharing/no-such-rule'" in result.output


def test_validate_and_test_pass_on_the_shipped_rules():
    assert run("rules", "validate").exit_code == 0
    result = run("rules", "test")
    assert result.exit_code == 0 and " 0 failed" in result.output


def test_test_reports_a_failing_example(tmp_path):
    path = write(tmp_path, "pack.yaml", SHARE_OVERRIDE.replace('keep: ["They did not pass this one on."]',
                                                               'keep: ["pass this on"]'))
    result = run("rules", "test", str(path))
    assert result.exit_code == 1 and "FAIL" in result.output and "removed or changed: 'pass this on'" in result.output


def test_new_writes_a_template_that_validates_and_refuses_to_overwrite(tmp_path):
    out = tmp_path / "rules" / "sites" / "example.org.yaml"
    assert run("rules", "new", "example.org", "-o", str(out)).exit_code == 0
    assert run("rules", "validate", str(out)).exit_code == 0
    refused = run("rules", "new", "example.org", "-o", str(out))
    assert refused.exit_code == 2 and "--force" in refused.output
    assert run("rules", "new", "Not a domain", "-o", str(tmp_path / "x.yaml")).exit_code == 2


def test_the_templates_commented_example_rule_works_once_uncommented(tmp_path):
    out = tmp_path / "example.org.yaml"
    run("rules", "new", "example.org", "-o", str(out))
    lines = out.read_text(encoding="utf-8").splitlines()
    start, end = lines.index("# --- example rule"), lines.index("# --- end")
    example = [line[2:] for line in lines[start + 1:end]]
    kept = [line for line in lines[:start] if line != "rules: []"]
    out.write_text("\n".join(kept + example) + "\n", encoding="utf-8")
    result = run("rules", "test", str(out))
    assert result.exit_code == 0 and "2 passed, 0 failed" in result.output, result.output


def test_validate_reports_every_error_of_a_file_at_once_with_did_you_mean(tmp_path):
    path = write(tmp_path, "many.yaml", """\
        rules:
          - id: x
            kind: sharing
            action: dropp
            match: 'Share this'
            case: sensitive
            maxwords: 5
            tests: {remove: ['Share this'], keep: ['b']}
          - id: y
            kind: share
            action: drop
            match: '(unclosed'
            case: sensitive
            tests: {remove: ['a'], keep: ['b']}
        """)
    result = run("rules", "validate", str(path))
    assert result.exit_code == 2
    errors = [line for line in result.output.splitlines() if line.startswith("error: ")]
    assert f"{path}:3: rules/0/kind: unknown kind 'sharing' (did you mean 'share'?)" in errors[0]
    assert f"{path}:4: rules/0/action: unknown action 'dropp' (did you mean 'drop'?)" in errors[1]
    assert errors[2] == f"error: {path}:7: unknown key 'maxwords' (did you mean 'max_words'?)"
    assert errors[3].startswith(f"error: {path}:12: bad regex") and len(errors) == 4


def test_validate_warns_about_an_empty_rule_file(tmp_path):
    path = write(tmp_path, "empty.yaml", "# nothing yet\n")
    result = run("rules", "validate", str(path))
    assert result.exit_code == 0 and f"warning: {path}: empty rule file" in result.output


def test_a_single_rule_file_is_a_rules_source(tmp_path):
    learned = write(tmp_path, "learned.yaml", SHARE_OVERRIDE)
    page = write(tmp_path, "page.txt", PAGE)
    assert run("rules", "validate", "--rules", str(learned)).exit_code == 0
    folder = write(tmp_path / "folder", "learned.yaml", SHARE_OVERRIDE)
    assert clean_txt(page, "--rules", str(learned)) == clean_txt(page, "--rules", str(folder.parent))
    result = run("rules", "list", "--rules", str(tmp_path / "missing.yaml"))
    assert result.exit_code == 2 and "does not exist" in result.output


def test_validate_refuses_a_rule_that_takes_every_keep_example_or_every_seed_line(tmp_path):
    keeps = write(tmp_path, "keeps.yaml", """\
        rules:
          - id: greedy
            kind: share
            action: drop
            match: '.*share.*'
            case: insensitive
            tests: {remove: ['Share this'], keep: ['The share price rose.']}
        """)
    result = run("rules", "validate", str(keeps))
    assert result.exit_code == 2 and "keeps.yaml:2: rule 'keeps/greedy' matches every line of its own keep" in result.output
    everything = write(tmp_path, "everything.yaml", """\
        rules:
          - id: all
            kind: ad
            action: drop
            match: '.+'
            case: sensitive
            max_words: 1000
            tests: {remove: ['Advertisement'], keep: ['']}
        """)
    result = run("rules", "validate", str(everything))
    assert result.exit_code == 2 and "removes every line of the bundled seed articles" in result.output
