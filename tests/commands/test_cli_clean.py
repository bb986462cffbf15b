"""`cleaner clean` end to end: files and folders, formats, statuses, exit codes."""
from __future__ import annotations

import json
import subprocess
import sys

from conftest import SEEDS, SEED_STEMS


def run(*args, cwd=None):
    return subprocess.run([sys.executable, "-m", "cleaner", *args], capture_output=True, text=True, cwd=cwd)


def test_clean_folder_mirrors_tree_in_every_format(tmp_path):
    src = tmp_path / "in"
    (src / "sub").mkdir(parents=True)
    for i, stem in enumerate(SEED_STEMS):
        target = src / ("sub" if i % 2 else "") / f"{stem}.txt"
        target.write_text((SEEDS / "raw" / f"{stem}.txt").read_text(encoding="utf-8"), encoding="utf-8")
    for fmt, suffix in (("md", ".md"), ("json", ".json"), ("txt", ".txt")):
        out = tmp_path / fmt
        result = run("clean", str(src), "-o", str(out), "--format", fmt)
        assert result.returncode == 0, result.stderr
        written = sorted(p.relative_to(out).as_posix() for p in out.rglob(f"*{suffix}"))
        assert len(written) == 5 and sum(1 for w in written if w.startswith("sub/")) == 2
    record = json.loads((tmp_path / "json" / f"{SEED_STEMS[0]}.json").read_text(encoding="utf-8"))
    assert record["metadata"]["agency"] == "Reuters" and record["text"].startswith("WASHINGTON")
    assert (tmp_path / "md" / f"{SEED_STEMS[0]}.md").read_text(encoding="utf-8").startswith("---\ntitle: ")


def test_not_found_page_is_reported_not_written(tmp_path):
    src = tmp_path / "in"
    src.mkdir()
    (src / "gone.txt").write_text("Page not found\n\nThe page you requested does not exist.\n", encoding="utf-8")
    result = run("clean", str(src), "-o", str(tmp_path / "out"))
    assert result.returncode == 0
    assert "gone.txt: not_found" in result.stderr
    assert not (tmp_path / "out" / "gone.md").exists()


def test_unreadable_file_is_reported_and_the_batch_goes_on(tmp_path):
    src = tmp_path / "in"
    src.mkdir()
    (src / "a.txt").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00binary")
    (src / "b.txt").write_text((SEEDS / "raw" / f"{SEED_STEMS[3]}.txt").read_text(encoding="utf-8"), encoding="utf-8")
    result = run("clean", str(src), "-o", str(tmp_path / "out"))
    assert result.returncode == 1
    assert [line for line in result.stderr.splitlines() if "a.txt" in line] == [f"error: {src / 'a.txt'}: binary file (NUL bytes), not text"]
    assert (tmp_path / "out" / "b.md").exists()


def test_broken_rule_file_exits_2_with_one_line(tmp_path):
    rules = tmp_path / "rules"
    rules.mkdir()
    (rules / "bad.yaml").write_text("rules:\n  - id: x\n    kind: share\n    action: drop\n    match: '(('\n"
                                    "    case: sensitive\n    tests: {remove: [a], keep: [b]}\n", encoding="utf-8")
    result = run("clean", str(SEEDS / "raw"), "-o", str(tmp_path / "out"), "--rules", str(rules))
    assert result.returncode == 2
    assert result.stderr.strip().count("\n") == 0
    assert result.stderr.startswith(f"error: {rules / 'bad.yaml'}:5: bad regex")


def test_rules_test_command_passes_on_shipped_rules():
    result = run("rules", "test")
    assert result.returncode == 0, result.stdout
    assert result.stdout.strip().endswith(" 0 failed")


def test_stdout_when_no_output_folder():
    result = run("clean", str(SEEDS / "raw" / f"{SEED_STEMS[3]}.txt"), "--format", "txt", "-q")
    assert result.returncode == 0
    assert result.stdout.startswith("Washington, Jan 18 (EFE).- ")
