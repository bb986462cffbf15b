"""`cleaner check` and `--fix`: exit codes, file line numbers, fixer behaviour, start-up, real pre-commit."""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from conftest import ROOT, SEEDS, SEED_STEMS

RAW = SEEDS / "raw"
HEAVY = ("trafilatura", "lxml", "dask", "jsonschema", "rich", "click", "bs4")


def check(*args, cwd=None, env=None):
    """``cleaner check`` the way the console script runs it (cleaner.launch)."""
    code = "import sys; from cleaner.launch import main; sys.argv = ['cleaner', *sys.argv[1:]]; main()"
    return subprocess.run([sys.executable, "-c", code, "check", *map(str, args)], capture_output=True, text=True,
                          cwd=cwd, env=env)


def seed_copy(folder: Path, stem: str, prefix: str = "") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / f"{stem}.txt"
    target.write_text(prefix + (RAW / f"{stem}.txt").read_text(encoding="utf-8"), encoding="utf-8")
    return target


@pytest.mark.parametrize("stem", SEED_STEMS)
def test_residue_is_reported_on_the_file_line_it_is_on(tmp_path, stem):
    path = seed_copy(tmp_path, stem)
    result = check(path)
    assert result.returncode == 1, result.stderr
    lines = path.read_text(encoding="utf-8").splitlines()
    hits = result.stdout.splitlines()
    assert hits
    for hit in hits:
        where, rule_kind, text = hit.split(": ", 2)
        file, line = where.rsplit(":", 1)
        assert file == str(path) and len(rule_kind.split()) == 2
        assert " ".join(text.split()) in " ".join(lines[int(line) - 1].replace("\u00a0", " ").split())


def test_line_numbers_count_the_front_matter(tmp_path):
    plain = check(seed_copy(tmp_path / "a", SEED_STEMS[3])).stdout.splitlines()
    header = "---\ntitle: x\nurl: null\n---\n\n\n"
    shifted = check(seed_copy(tmp_path / "b", SEED_STEMS[3], prefix=header)).stdout.splitlines()
    assert plain and len(plain) == len(shifted)
    for before, after in zip(plain, shifted):
        assert int(after.split(":")[1]) == int(before.split(":")[1]) + header.count("\n")


@pytest.mark.parametrize("fmt", ["md", "txt"])
def test_cleaned_seeds_pass_the_check(tmp_path, fmt):
    out = tmp_path / "out"
    clean = subprocess.run([sys.executable, "-m", "cleaner", "clean", str(RAW), "-o", str(out), "-f", fmt, "-q"],
                           capture_output=True, text=True)
    assert clean.returncode == 0, clean.stderr
    result = check(*sorted(out.glob(f"*.{fmt}")))
    assert (result.returncode, result.stdout) == (0, "")


def test_fix_rewrites_only_files_with_residue(tmp_path):
    dirty = seed_copy(tmp_path, SEED_STEMS[0])
    result = check("--fix", dirty)
    assert (result.returncode, result.stdout) == (1, f"Fixing {dirty}\n")
    fixed = dirty.read_text(encoding="utf-8")
    assert fixed.startswith("---\ntitle: ") and "Share this:" not in fixed
    mtime = dirty.stat().st_mtime_ns
    time.sleep(0.01)
    assert (check("--fix", dirty).returncode, check(dirty).returncode) == (0, 0)
    assert dirty.stat().st_mtime_ns == mtime
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".tmp")]


def test_usage_and_rule_errors_exit_2(tmp_path):
    assert check().returncode == 2
    rules = tmp_path / "rules"
    rules.mkdir()
    (rules / "bad.yaml").write_text("rules: [{id: x}]\n", encoding="utf-8")
    result = check("--rules", rules, RAW / f"{SEED_STEMS[0]}.txt")
    assert result.returncode == 2 and result.stderr.startswith(f"error: {rules / 'bad.yaml'}")
    (tmp_path / "bin.txt").write_bytes(b"\x00\x00binary")
    assert check(tmp_path / "bin.txt").returncode == 2


def test_check_is_listed_by_the_click_cli():
    result = subprocess.run([sys.executable, "-m", "cleaner", "--help"], capture_output=True, text=True)
    assert "check" in result.stdout
    via_click = subprocess.run([sys.executable, "-m", "cleaner", "check", str(RAW / f"{SEED_STEMS[3]}.txt")],
                               capture_output=True, text=True)
    assert via_click.returncode == 1 and via_click.stdout == check(RAW / f"{SEED_STEMS[3]}.txt").stdout


def test_check_imports_nothing_heavy(tmp_path):
    env = {**os.environ, "CLEANER_CACHE_DIR": str(tmp_path / "cache")}
    target = RAW / f"{SEED_STEMS[3]}.txt"
    check(target, env=env)  # fills the compiled-rules cache (that run may import jsonschema)
    code = ("import sys; from cleaner.launch import main; sys.argv = ['cleaner', 'check', sys.argv[1]]\n"
            "try:\n    main()\nexcept SystemExit:\n    pass\n"
            "print(' '.join(sorted(sys.modules)))")
    result = subprocess.run([sys.executable, "-c", code, str(target)], capture_output=True, text=True, env=env)
    loaded = set(result.stdout.splitlines()[-1].split())
    heavy = sorted(name for name in loaded if name.split(".")[0] in HEAVY)
    assert heavy == [] and "cleaner.commands.check" in loaded


def test_rule_cache_survives_corruption(tmp_path):
    env = {**os.environ, "CLEANER_CACHE_DIR": str(tmp_path)}
    target = RAW / f"{SEED_STEMS[3]}.txt"
    first = check(target, env=env)
    entries = list(tmp_path.glob("rules-*.pickle"))
    assert entries
    for entry in entries:
        entry.write_bytes(b"not a pickle")
    assert check(target, env=env).stdout == first.stdout
    assert any(p.read_bytes()[:1] == b"\x80" for p in tmp_path.glob("rules-*.pickle"))  # rewritten


# --- a real pre-commit run: slow (builds the hook's virtualenv once, about a minute): CLEANER_TEST_PRE_COMMIT=1 ---

def _git(*args, cwd, env=None):
    env = {**(env or os.environ), "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.com",
           "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@example.com"}
    return subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True, env=env)


@pytest.fixture(scope="session")
def pre_commit_home(tmp_path_factory):
    return tmp_path_factory.mktemp("pre-commit-home")


PAGE = ("<!DOCTYPE html><html><head><title>Vote</title></head><body><article><h1>Council votes for a bridge</h1>\n"
        "<div class=\"sharedaddy\"><h3>Share this:</h3><ul><li>Facebook</li></ul></div>\n"
        "<p>The council voted on Tuesday to build a new bridge over the river, ending a decade of debate.</p>\n"
        "<p>Shop owners near the site said they welcomed the decision, which will bring more visitors.</p>\n"
        "</article></body></html>\n")


@pytest.mark.slow
@pytest.mark.skipif(not os.environ.get("CLEANER_TEST_PRE_COMMIT"), reason="set CLEANER_TEST_PRE_COMMIT=1 (about a minute)")
def test_pre_commit_try_repo_keeps_each_format_and_fixes_idempotently(tmp_path, pre_commit_home):
    """try-repo of this checkout on a .txt, an .html and a .jsonl file (what issue 15 asks to be shown)."""
    import json

    if shutil.which("git") is None or _git("rev-parse", "HEAD", cwd=ROOT).returncode != 0:
        pytest.skip("needs git and a commit")
    pre_commit = [sys.executable, "-m", "pre_commit", "try-repo", str(ROOT)]
    env = {**os.environ, "PRE_COMMIT_HOME": str(pre_commit_home), "CLEANER_CACHE_DIR": str(tmp_path / "cache")}
    repo = tmp_path / "data"
    repo.mkdir()
    _git("init", "-q", cwd=repo)
    text = seed_copy(repo, SEED_STEMS[3])
    (repo / "page.html").write_text(PAGE, encoding="utf-8")
    (repo / "pages.jsonl").write_text(json.dumps({"id": 1, "text": text.read_text(encoding="utf-8")}) + "\n",
                                      encoding="utf-8")
    _git("add", ".", cwd=repo)
    tried = subprocess.run([*pre_commit, "cleaner-check", "--all-files"], cwd=repo, capture_output=True, text=True,
                           env=env)
    assert tried.returncode == 1 and f"{text.name}:29: generic/related/related-block-start" in tried.stdout
    assert "page.html:2: generic/sharing/html share" in tried.stdout and "pages.jsonl:1: " in tried.stdout
    page = (repo / "page.html").read_bytes()
    first = subprocess.run([*pre_commit, "cleaner-fix", "--all-files"], cwd=repo, capture_output=True, text=True, env=env)
    assert first.returncode == 1 and f"Fixing {text.name}" in first.stdout and "Fixing pages.jsonl" in first.stdout
    assert (repo / "page.html").read_bytes() == page  # a page is never rewritten into another format
    record = json.loads((repo / "pages.jsonl").read_text(encoding="utf-8"))
    assert record["id"] == 1 and "Related Articles" not in record["text"]  # still JSONL, the record's fields kept
    fixed = {name: (repo / name).read_bytes() for name in (text.name, "page.html", "pages.jsonl")}
    again = subprocess.run([*pre_commit, "cleaner-fix", "--all-files"], cwd=repo, capture_output=True, text=True, env=env)
    assert {name: (repo / name).read_bytes() for name in fixed} == fixed  # idempotent on all three
    assert "Fixing" not in again.stdout and "page.html: not fixed: HTML is not rewritten" in again.stdout + again.stderr
