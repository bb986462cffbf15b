"""Project settings: cleaner.toml / pyproject [tool.cleaner], found upwards; flags override."""
from __future__ import annotations

import json
import subprocess
import sys

import pytest

from cleaner.commands.settings import Config, ConfigError, load_config
from cleaner.rulebook.ruleset import without_kinds
from cleaner.stages.sitememory import MemorySettings
from conftest import SEEDS, SEED_STEMS

RAW = SEEDS / "raw"


def run(*args, cwd):
    return subprocess.run([sys.executable, "-m", "cleaner", *map(str, args)], capture_output=True, text=True, cwd=cwd)


def test_no_settings_file_means_defaults(tmp_path):
    assert load_config(tmp_path) == Config()


def test_pyproject_table_is_found_from_a_subfolder(tmp_path):
    (tmp_path / "pyproject.toml").write_text(
        '[project]\nname = "x"\n\n[tool.cleaner]\nrules = ["my-rules"]\nformat = "json"\njobs = 3\n'
        'exclude-kinds = ["related"]\nsite-rules = false\nfields = {text = "content"}\n', encoding="utf-8")
    (tmp_path / "sub" / "deeper").mkdir(parents=True)
    config = load_config(tmp_path / "sub" / "deeper")
    assert config.path == tmp_path / "pyproject.toml"
    assert config.rules == (tmp_path / "my-rules",) and config.format == "json" and config.jobs == 3
    assert config.exclude_kinds == ("related",) and config.site_rules is False
    assert config.fields == {"text": "content"}


def test_cleaner_toml_wins_over_pyproject_in_the_same_folder(tmp_path):
    (tmp_path / "pyproject.toml").write_text('[tool.cleaner]\nformat = "json"\n', encoding="utf-8")
    (tmp_path / "cleaner.toml").write_text('format = "txt"\n', encoding="utf-8")
    assert load_config(tmp_path).format == "txt"


def test_pyproject_without_the_table_is_passed_over(tmp_path):
    (tmp_path / "pyproject.toml").write_text('format = "txt"\n', encoding="utf-8")
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "pyproject.toml").write_text('[project]\nname = "x"\n', encoding="utf-8")
    assert load_config(tmp_path / "sub") == Config()


@pytest.mark.parametrize("text, reason", [
    ('formats = "md"\n', "unknown key 'formats'"),
    ('format = "html"\n', "'format' must be one of"),
    ("jobs = 0\n", "'jobs' must be a positive integer"),
    ("jobs = true\n", "'jobs' must be a positive integer"),
    ('rules = "dir"\n', "'rules' must be a list of strings"),
    ('fields = {body = "x"}\n', "unknown field 'body'"),
    ("format = \n", "cleaner.toml: "),
    ("site-memory = 1\n", "'site-memory' must be true or false"),
    ("site-memory-share = 1.5\n", "'site-memory-share' must be a number above 0 and at most 1"),
    ("site-memory-stories = 1\n", "'site-memory-stories' must be an integer of at least 2"),
    ("site-memory-sample = 2.5\n", "'site-memory-sample' must be an integer of at least 2"),
])
def test_bad_settings_are_errors(tmp_path, text, reason):
    (tmp_path / "cleaner.toml").write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError, match=reason.replace("(", r"\(")):
        load_config(tmp_path)


def test_site_memory_thresholds_and_switch(tmp_path):
    (tmp_path / "cleaner.toml").write_text("site-memory-share = 0.3\nsite-memory-stories = 8\n"
                                           "site-memory-sample = 1000\n", encoding="utf-8")
    assert load_config(tmp_path).site_memory == MemorySettings(min_share=0.3, min_stories=8, sample=1000)
    (tmp_path / "cleaner.toml").write_text("site-memory = false\nsite-memory-share = 0.3\n", encoding="utf-8")
    assert load_config(tmp_path).site_memory is None
    assert Config().site_memory == MemorySettings()  # on by default


def test_bad_settings_exit_2_for_clean_and_check(tmp_path):
    (tmp_path / "cleaner.toml").write_text("colour = 1\n", encoding="utf-8")
    for command in (["clean", RAW, "-o", tmp_path / "out"], ["check", RAW / f"{SEED_STEMS[0]}.txt"]):
        result = run(*command, cwd=tmp_path)
        assert result.returncode == 2 and "unknown key 'colour'" in result.stderr


def test_settings_apply_and_flags_override(tmp_path):
    (tmp_path / "cleaner.toml").write_text('format = "txt"\nexclude-kinds = ["related"]\njobs = 1\nmodel = false\n',
                                           encoding="utf-8")
    src = RAW / f"{SEED_STEMS[3]}.txt"
    result = run("clean", src, "-o", tmp_path / "a", "--report", tmp_path / "a.json", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    body = (tmp_path / "a" / f"{SEED_STEMS[3]}.txt").read_text(encoding="utf-8")
    assert "Related Articles" in body  # the excluded kind stays
    removed = json.loads((tmp_path / "a.json").read_text())["summary"]["removed"]
    assert "related" not in removed and "boilerplate" not in removed  # model = false: the rules alone
    assert run("clean", src, "-o", tmp_path / "b", "-f", "md", cwd=tmp_path).returncode == 0
    assert (tmp_path / "b" / f"{SEED_STEMS[3]}.md").exists()
    checked = run("check", src, cwd=tmp_path)
    assert "related" not in checked.stdout and "navigation" in checked.stdout


def test_relative_rule_folders_are_relative_to_the_settings_file(tmp_path):
    rules = tmp_path / "my-rules"
    rules.mkdir()
    (rules / "mine.yaml").write_text(
        "rules:\n  - id: zorblax\n    kind: ad\n    action: drop\n    match: 'Zorblax widget'\n"
        "    case: sensitive\n    tests: {remove: ['Zorblax widget'], keep: ['Zorblax widgets sold well.']}\n", encoding="utf-8")
    (tmp_path / "cleaner.toml").write_text('rules = ["my-rules"]\n', encoding="utf-8")
    (tmp_path / "sub").mkdir()
    page = tmp_path / "page.txt"
    page.write_text("Zorblax widget\n\n" + (RAW / f"{SEED_STEMS[3]}.txt").read_text(encoding="utf-8"), encoding="utf-8")
    result = run("check", page, cwd=tmp_path / "sub")
    assert f"{page}:1: mine/zorblax ad: Zorblax widget" in result.stdout


def test_without_kinds_changes_the_digest(ruleset):
    trimmed = without_kinds(ruleset, ["share"])
    assert trimmed.digest != ruleset.digest
    assert not [r for f in trimmed.files for r in f.rules if r.kind == "share"]
    assert without_kinds(ruleset, []) is ruleset


def test_configured_field_names_reach_the_jsonl_reader(tmp_path):
    (tmp_path / "pyproject.toml").write_text('[tool.cleaner]\nfields = {text = "content", url = "link"}\n',
                                             encoding="utf-8")
    raw = (RAW / f"{SEED_STEMS[3]}.txt").read_text(encoding="utf-8")
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "crawl.jsonl").write_text(json.dumps({"link": "https://www.efe.com/a", "content": raw}) + "\n",
                                                 encoding="utf-8")
    result = run("clean", "in", "-o", "out", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    record = json.loads((tmp_path / "out" / "crawl.jsonl").read_text(encoding="utf-8"))
    assert record["content"].startswith("Washington, Jan 18 (EFE).- ")
    assert "Related Articles" not in record["content"]
    assert record["cleaner"]["metadata"]["url"] == "https://www.efe.com/a"


def test_an_unknown_kind_to_exclude_is_refused_with_did_you_mean(tmp_path):
    (tmp_path / "cleaner.toml").write_text('exclude-kinds = ["sharing", "navigation"]\n', encoding="utf-8")
    with pytest.raises(ConfigError, match=r"cleaner.toml:1: unknown kind 'sharing' in 'exclude-kinds' "
                                          r"\(did you mean 'share'\?\)"):
        load_config(tmp_path)


def test_every_problem_of_a_settings_file_at_once_with_lines_and_did_you_mean(tmp_path):
    (tmp_path / "cleaner.toml").write_text('jobs = 0\nformat = "mdx"\nexclud-kinds = ["ad"]\nmodel = "no"\n',
                                           encoding="utf-8")
    with pytest.raises(ConfigError) as raised:
        load_config(tmp_path)
    lines = str(raised.value).splitlines()
    assert [line.split(": ", 1)[0].rsplit(":", 1)[1] for line in lines] == ["1", "2", "3", "4"]
    assert "did you mean 'md'?" in lines[1] and "unknown key 'exclud-kinds' (did you mean 'exclude-kinds'?)" in lines[2]
    result = run("clean", str(tmp_path / "cleaner.toml"), cwd=tmp_path)
    assert result.returncode == 2 and result.stderr.count("error: ") == 4
