"""fastcheck: ``cleaner check`` proves clean files clean without the rule engine, and only those."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from cleaner.commands import fastcheck
from cleaner.commands.check import check_text, main as full_check
from cleaner.rulebook.ruleset import load_ruleset
from conftest import SEEDS, SEED_STEMS, raw

HERE_CLEAN = "Officials met on Tuesday to discuss the budget, which was approved by a wide margin.\n"


@pytest.fixture
def cache(tmp_path, monkeypatch):
    """A private cache folder, and a full check run in it so that the gate table exists."""
    monkeypatch.setenv("CLEANER_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.chdir(tmp_path)
    seed = tmp_path / "seed.txt"
    seed.write_text(raw(SEED_STEMS[0]), encoding="utf-8")
    assert full_check([str(seed), "-q"]) == 1
    return tmp_path


@pytest.fixture(scope="module")
def cleaned(tmp_path_factory) -> list[Path]:
    """The seeds as ``cleaner clean`` writes them (md: header and body)."""
    out = tmp_path_factory.mktemp("cleaned")
    subprocess.run([sys.executable, "-m", "cleaner", "clean", str(SEEDS / "raw"), "-o", str(out), "-q"], check=True)
    return sorted(out.glob("*.md"))


def test_cleaned_seeds_are_proven_clean(cache, cleaned):
    for path in cleaned:
        assert fastcheck.proven_clean([str(path)]), path.name
        assert fastcheck.proven_clean(["--fix", "-q", str(path)])


@pytest.mark.parametrize("stem", SEED_STEMS)
def test_a_file_with_residue_is_never_proven_clean(cache, stem):
    path = cache / f"{stem}.txt"
    path.write_text(raw(stem), encoding="utf-8")
    assert not fastcheck.proven_clean([str(path)])


def test_every_line_of_a_dirty_seed_alone_agrees_with_the_full_check(cache):
    """Soundness, line by line: where fastcheck says clean, the full check finds nothing."""
    ruleset = load_ruleset()
    path = cache / "one.txt"
    proven = 0
    for stem in SEED_STEMS:
        for line in {line for line in raw(stem).splitlines() if line.strip()}:
            path.write_text(line + "\n", encoding="utf-8")
            if fastcheck.proven_clean([str(path)]):
                proven += 1
                assert check_text(line, ruleset)[1] == [], line
    assert proven > 50  # most article lines are proven clean, so the test compares something


def test_no_table_or_changed_rules_mean_the_full_check(cache, tmp_path, monkeypatch):
    clean = cache / "clean.txt"
    clean.write_text(HERE_CLEAN, encoding="utf-8")
    rules = tmp_path / "myrules"
    (rules / "generic").mkdir(parents=True)
    pack = rules / "generic" / "local.yaml"
    pack.write_text("rules: []\n", encoding="utf-8")
    assert not fastcheck.proven_clean(["--rules", str(rules), str(clean)])  # no table for this context yet
    assert full_check(["--rules", str(rules), str(clean)]) == 0
    assert fastcheck.proven_clean(["--rules", str(rules), str(clean)])
    pack.write_text("rules:\n  - {id: budget, kind: ad, action: drop, match: 'Officials met.*', case: insensitive,\n"
                    "     max_words: 40, tests: {remove: [Officials met.], keep: [Others met.]}}\n", encoding="utf-8")
    assert not fastcheck.proven_clean(["--rules", str(rules), str(clean)])  # the rule file changed
    assert full_check(["--rules", str(rules), str(clean), "-q"]) == 1  # and the new rule fires
    assert not fastcheck.proven_clean(["--rules", str(rules), str(clean)])  # its gate lets the line through
    (cache / "cleaner.toml").write_text("exclude-kinds = ['ad']\n", encoding="utf-8")
    assert not fastcheck.proven_clean(["--rules", str(rules), str(clean)])  # a settings file appeared


@pytest.mark.parametrize("argv", [["--help"], ["--unknown", "x.txt"], [], ["-"]])
def test_options_it_does_not_know_go_the_full_way(cache, argv):
    assert not fastcheck.proven_clean(argv)


def test_a_folder_binary_or_bom_file_goes_the_full_way(cache):
    clean = cache / "clean.txt"
    clean.write_text(HERE_CLEAN, encoding="utf-8")
    assert fastcheck.proven_clean([str(clean)])
    assert not fastcheck.proven_clean([str(cache)])
    for name, data in (("bom.txt", b"\xef\xbb\xbf" + HERE_CLEAN.encode()), ("nul.txt", b"a\x00b\n"),
                       ("latin.txt", "Café ouvert.\n".encode("latin-1"))):
        (cache / name).write_bytes(data)
        assert not fastcheck.proven_clean([str(cache / name)]), name


@pytest.mark.parametrize("header, body_only", [
    ("title: 'A title: with a colon'\nauthors: [Jane Doe, (With wires)]\nremoved: 3\n", True),
    ("title: A title: with a colon\n", False),  # not YAML: the full check reads the whole file
    ("title: x\ntitle: y\n", False),  # a repeated key does not load either
])
def test_front_matter_is_skipped_only_when_it_surely_loads(header, body_only):
    text = f"---\n{header}---\nBody line.\n"
    assert (fastcheck._body(text)[1] == "Body line.\n") is body_only


def test_repeats_nearby_are_left_to_the_full_check():
    assert fastcheck._repeats(["Watch", "Title", "Section", "watch"])
    assert not fastcheck._repeats(["Watch", "a", "b", "c", "Watch"])


def test_a_proven_clean_check_loads_no_engine(cache):
    clean = cache / "clean.txt"
    clean.write_text(HERE_CLEAN, encoding="utf-8")
    code = ("import sys; from cleaner.commands.fastcheck import proven_clean; ok = proven_clean(sys.argv[1:]); "
            "print(ok, sorted(m for m in ('regex', 'dataclasses', 'typing', 'argparse', 'cleaner.stages.pipeline', 'ruamel.yaml') "
            "if m in sys.modules))")
    here = str(Path(fastcheck.__file__).parents[2])  # the same cleaner as this process (its table's context)
    result = subprocess.run([sys.executable, "-c", code, str(clean)], capture_output=True, text=True,
                            env={**os.environ, "PYTHONPATH": here}, cwd=cache)
    assert result.stdout.split() == ["True", "[]"], result.stderr


def test_a_text_the_line_model_would_judge_is_never_proven_clean_here():
    lines = [f"line {n}" for n in range(10)]
    assert not fastcheck._model_passes(8, [], lines)  # the model is on and would read these lines
    assert fastcheck._model_passes(8, ["title", "model"], lines)  # a model judged this text already
    assert fastcheck._model_passes(8, [], lines[:5])  # too short for the model
    assert fastcheck._model_passes(None, [], lines)  # the model is off
