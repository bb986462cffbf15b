"""YAML alias bombs: a few hundred bytes that expand to gigabytes, in a rule file and in an input's front matter.

Refused at the first alias, before anything is expanded: one short line, and the batch goes on.
"""
from __future__ import annotations

import pytest

from cleaner.rulebook.rulefile import RuleError, YAMLAliasError, load_rule_file, load_yaml
from test_hostile import RSS_BOUND_MB, SENTENCES, cleaner_run

MAX_MESSAGE = 300  # characters of one error or warning line


def bomb(levels: int = 8, width: int = 9) -> str:
    """``levels`` levels of ``width`` aliases each: 9**8 = 43 million strings once expanded."""
    names = "abcdefghijklmnopqrstuvwxyz"
    lines = [f"{names[0]}: &{names[0]} [" + ",".join(['"lol"'] * width) + "]"]
    for level in range(1, levels + 1):
        previous = names[level - 1]
        lines.append(f"{names[level]}: &{names[level]} [" + ",".join([f"*{previous}"] * width) + "]")
    return "\n".join(lines) + "\n"


def test_the_bomb_is_the_size_the_issue_reports():
    assert len(bomb().encode()) < 350 and bomb().count("*") == 8 * 9  # 315 bytes there, 8 levels of 9 aliases


def test_yaml_aliases_are_refused_before_they_expand():
    with pytest.raises(YAMLAliasError, match=r"\*a at line 2"):
        load_yaml(bomb(levels=12))
    with pytest.raises(YAMLAliasError):
        load_yaml(bomb(), round_trip=True)
    assert load_yaml("a: &x 1\nb: 2\n") == {"a": 1, "b": 2}  # an anchor alone expands nothing


def test_a_rule_file_bomb_is_one_short_error(tmp_path):
    path = tmp_path / "bomb.yaml"
    path.write_text(bomb(), encoding="utf-8")
    with pytest.raises(RuleError) as raised:
        load_rule_file(path)
    assert str(raised.value).startswith(f"{path}:2: YAML aliases are not allowed")
    assert len(str(raised.value)) < MAX_MESSAGE
    code, _, rss_kb, stderr = cleaner_run("rules", "validate", str(path), cwd=tmp_path)
    assert code == 2 and "Traceback" not in stderr and rss_kb < RSS_BOUND_MB * 1024
    assert [line for line in stderr.splitlines() if line] == [f"error: {raised.value}"]


def test_a_front_matter_bomb_is_a_warning_and_the_batch_goes_on(tmp_path):
    inputs = tmp_path / "in"
    inputs.mkdir()
    body = "\n\n".join(SENTENCES) + "\n"
    (inputs / "bomb.txt").write_text(f"---\n{bomb()}---\n{body}", encoding="utf-8")
    (inputs / "good.txt").write_text(body, encoding="utf-8")
    out = tmp_path / "out"
    code, _, rss_kb, stderr = cleaner_run("clean", str(inputs), "-o", str(out), "--format", "jsonl", "--jobs", "1",
                                          cwd=tmp_path)
    assert code == 0 and "Traceback" not in stderr and rss_kb < RSS_BOUND_MB * 1024, stderr
    warned = [line for line in stderr.splitlines() if "bomb.txt" in line]
    assert len(warned) == 1 and "YAML aliases are not allowed" in warned[0] and len(warned[0]) < MAX_MESSAGE
    assert (out / "bomb.jsonl").stat().st_size < 20 * len(body)  # 0.4 kB in gave 351 MB out
    assert (out / "good.jsonl").is_file()
