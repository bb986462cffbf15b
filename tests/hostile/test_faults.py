"""The faults of a hostile week of batches (issue 16), one case per numbered problem, through the real CLI.

Each test reproduces the report's case: it failed (traceback, lost text, a
silent skip) before the fix. Names of the issue's points are in the test names.
"""
from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from build import ARTICLE, SENTENCES
from cleaner import clean_text
from cleaner.batch import join
from cleaner.batch.model import BatchOptions
from cleaner.batch.run import run_batch
from cleaner.stages import pipeline

LATIN1_NAME = os.fsdecode(b"latin1-\xe9name.txt")  # a byte that is not UTF-8, as Python reads it


def cleaner(*args, cwd: Path, timeout: float = 120) -> subprocess.CompletedProcess:
    done = subprocess.run([sys.executable, "-m", "cleaner", *map(str, args)], capture_output=True, text=True,
                          cwd=cwd, timeout=timeout)
    assert "Traceback" not in done.stderr, done.stderr[-3000:]
    return done


def report_of(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


# --- 1: file names of any bytes ---

def test_1_a_non_utf8_file_name_is_cleaned_reported_and_resumed(tmp_path):
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / LATIN1_NAME).write_text("Share this:\n\n" + ARTICLE, encoding="utf-8")
    (tmp_path / "in" / "z.txt").write_text(ARTICLE, encoding="utf-8")
    first = cleaner("clean", "in", "-o", "out", "--report", "r.json", cwd=tmp_path)
    assert first.returncode == 0, first.stderr
    output = tmp_path / "out" / os.fsdecode(b"latin1-\xe9name.md")  # the same bytes, the suffix changed
    header_and_body = output.read_text(encoding="utf-8")
    assert "source: in/latin1-\\xe9name.txt" in header_and_body and SENTENCES[0] in header_and_body
    assert "Share this:" not in header_and_body and (tmp_path / "out" / "z.md").exists()
    rows = report_of(tmp_path / "r.json")["files"]
    assert [row["input"] for row in rows] == ["in/latin1-\\xe9name.txt", "in/z.txt"]
    again = cleaner("clean", "in", "-o", "out", "--report", "r.json", cwd=tmp_path)
    assert again.returncode == 0 and report_of(tmp_path / "r.json")["summary"]["actions"] == {"skipped": 2}
    forced = cleaner("clean", "in", "-o", "out", "--force", cwd=tmp_path)
    assert forced.returncode == 0, forced.stderr


def test_1_a_non_utf8_name_in_a_log_line_is_shown_escaped(tmp_path):
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / LATIN1_NAME).write_bytes(b"\x00\x01binary")
    done = cleaner("clean", "in", "-o", "out", cwd=tmp_path)
    assert done.returncode == 1
    assert "error: in/latin1-\\xe9name.txt: binary file (NUL bytes), not text" in done.stderr.splitlines()


# --- 3: lone surrogates, and unexpected exceptions in every worker path ---

SURROGATE_RECORDS = (json.dumps({"url": "https://example.org/a", "text": "Hello \ud800 world.\n\n" + ARTICLE}) + "\n"
                     + json.dumps({"url": "https://example.org/b", "text": ARTICLE}) + "\n")


def test_3_a_lone_surrogate_in_a_record_is_replaced_with_a_warning(tmp_path):
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "s.jsonl").write_text(SURROGATE_RECORDS, encoding="utf-8")  # \ud800 stays a JSON escape
    done = cleaner("clean", "in", "-o", "out", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert [line for line in done.stderr.splitlines() if "surrogate" in line] == [
        "warning: in/s.jsonl:1: 1 lone surrogate (U+D800..U+DFFF) replaced by U+FFFD"]
    records = [json.loads(line) for line in (tmp_path / "out" / "s.jsonl").read_text(encoding="utf-8").splitlines()]
    assert len(records) == 2 and records[0]["text"].startswith("Hello \ufffd world.")


def test_3_clean_text_and_explain_take_a_lone_surrogate(tmp_path):
    document = clean_text("Hello \ud800 world.")
    assert document.body == "Hello \ufffd world." and any("surrogate" in w for w in document.warnings)
    (tmp_path / "s.jsonl").write_text(SURROGATE_RECORDS, encoding="utf-8")
    done = cleaner("explain", "s.jsonl", cwd=tmp_path)
    assert done.returncode == 0 and "Hello \ufffd world." in done.stdout, done.stderr


def _raise_on_boom(real):
    def clean_source(source, ruleset, memory=None):
        if "BOOM" in source.text:
            raise RuntimeError("a bug met on odd input")
        return real(source, ruleset, memory)
    return clean_source


@pytest.mark.parametrize("part_bytes", [join.PART_BYTES, 200], ids=["whole-file", "record-ranges"])
def test_3_a_record_that_raises_is_one_error_line_and_the_others_are_written(tmp_path, ruleset, monkeypatch,
                                                                               part_bytes):
    """The JSONL file cleaned whole, and in ranges (over PART_BYTES, here made small): same outcome."""
    monkeypatch.setattr(pipeline, "clean_source", _raise_on_boom(pipeline.clean_source))
    monkeypatch.setattr("cleaner.batch.work.clean_source", pipeline.clean_source)
    monkeypatch.setattr(join, "PART_BYTES", part_bytes)
    (tmp_path / "in").mkdir()
    records = [{"text": ARTICLE}, {"text": "BOOM " + ARTICLE}, {"text": ARTICLE.replace("Tuesday", "Monday")}]
    (tmp_path / "in" / "r.jsonl").write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    log = io.StringIO()
    summary = run_batch([tmp_path / "in"], ruleset, BatchOptions(out_dir=tmp_path / "out"), log=log)
    errors = [line for line in log.getvalue().splitlines() if line.startswith("error:")]
    assert errors == [f"error: {tmp_path / 'in' / 'r.jsonl'}:2: internal error: RuntimeError: a bug met on odd input"]
    assert summary.errors and summary.actions == {"written": 1}
    written = (tmp_path / "out" / "r.jsonl").read_text(encoding="utf-8").splitlines()
    assert [json.loads(line)["text"].count("Monday") for line in written] == [0, 1]


def test_3_dask_takes_a_lone_surrogate(tmp_path):
    pytest.importorskip("distributed")
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "s.jsonl").write_text(SURROGATE_RECORDS, encoding="utf-8")
    done = cleaner("clean", "in", "-o", "out", "--engine", "dask", "-j", "1", cwd=tmp_path)
    assert done.returncode == 0 and "worker died" not in done.stderr, done.stderr
    assert len((tmp_path / "out" / "s.jsonl").read_text(encoding="utf-8").splitlines()) == 2


# --- 4: one run per output folder; the resume key covers every output option ---

def test_4_every_batch_option_is_declared_output_shaping_or_not():
    from dataclasses import fields

    from cleaner.batch.model import OUTPUT_OPTIONS, RUN_OPTIONS

    names = {f.name for f in fields(BatchOptions)}
    assert names == set(OUTPUT_OPTIONS) | set(RUN_OPTIONS) and not set(OUTPUT_OPTIONS) & set(RUN_OPTIONS)


def test_4_a_rerun_with_another_output_option_redoes_every_file(tmp_path):
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "a.txt").write_text(ARTICLE, encoding="utf-8")
    cleaner("clean", "in", "-o", "out", cwd=tmp_path)
    cleaner("clean", "in", "-o", "out", "--url", "https://example.org/x", "--report", "r.json", cwd=tmp_path)
    assert report_of(tmp_path / "r.json")["summary"]["actions"] == {"written": 1}
    assert "url: https://example.org/x" in (tmp_path / "out" / "a.md").read_text(encoding="utf-8")


# --- 7: normalisation keeps the characters words and graphemes are made of ---

@pytest.mark.parametrize("word", ["می\u200cخواهم", "👨\u200d👩\u200d👧", "🏳\ufe0f\u200d🌈", "❤\ufe0f",
                                  "Kinder\u00adgarten", "क्\u200dष"],
                         ids=["persian-zwnj", "family-zwj", "flag-zwj-vs16", "heart-vs16", "soft-hyphen", "zwj-indic"])
def test_7_normalisation_keeps_joiners_selectors_and_soft_hyphens(word):
    text = f"{SENTENCES[0]} {word} {SENTENCES[1]}"
    assert clean_text(text).body == text


def test_7_zero_width_spaces_and_invisible_only_lines_still_go():
    assert clean_text(f"{SENTENCES[0]}\u200b\n\n\u200d\u200c\n\n{SENTENCES[1]}").body == f"{SENTENCES[0]}\n\n{SENTENCES[1]}"


# --- 8: stale temporaries are swept at the start of every run (only ours) ---

def test_8_a_finished_runs_stale_temporaries_are_swept_by_the_next_run(tmp_path):
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "a.txt").write_text(ARTICLE, encoding="utf-8")
    cleaner("clean", "in", "-o", "out", cwd=tmp_path)  # finished: no "running" marker is left
    stale = tmp_path / "out" / "sub" / ".a.md.0a1b2c3d.tmp"  # what a killed worker leaves: 0 bytes
    stale.parent.mkdir()
    stale.write_bytes(b"")
    mine = [tmp_path / "out" / ".notes.tmp", tmp_path / "out" / "draft.0a1b2c3d.tmp"]  # not our name shape
    for path in mine:
        path.write_text("keep me", encoding="utf-8")
    cleaner("clean", "in", "-o", "out", cwd=tmp_path)
    assert not stale.exists() and all(path.exists() for path in mine)


# --- 9: one line, no traceback ---

def test_9_a_state_folder_that_is_a_file_is_one_line_exit_2(tmp_path):
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "a.txt").write_text(ARTICLE, encoding="utf-8")
    (tmp_path / "out").mkdir()
    (tmp_path / "out" / ".cleaner-state").write_text("", encoding="utf-8")
    done = cleaner("clean", "in", "-o", "out", cwd=tmp_path)
    assert done.returncode == 2 and done.stderr.splitlines() == [
        "error: out/.cleaner-state exists and is not a folder; move it away (cleaner keeps its state there)"]


def test_9_a_report_under_a_file_is_refused_before_the_batch(tmp_path):
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "a.txt").write_text(ARTICLE, encoding="utf-8")
    (tmp_path / "afile").write_text("", encoding="utf-8")
    done = cleaner("clean", "in", "-o", "out", "--report", "afile/rep.json", cwd=tmp_path)
    assert done.returncode == 2 and done.stderr.splitlines() == [
        "error: cannot write the report afile/rep.json: afile is not a folder"]
    assert not (tmp_path / "out" / "a.md").exists()  # refused before any input was read


CATASTROPHIC_TEST = """\
rules:
  - id: backtrack
    kind: ad
    action: drop
    match: '(a|aa)+$'
    case: sensitive
    max_words: 1000
    tests:
      remove: ["aaaa"]
      keep: ["aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaab"]
"""


def test_9_rules_test_with_a_catastrophic_example_is_a_failure_line(tmp_path):
    (tmp_path / "mine.yaml").write_text(CATASTROPHIC_TEST, encoding="utf-8")
    done = cleaner("rules", "test", "mine.yaml", cwd=tmp_path)
    assert done.returncode == 1
    assert done.stdout.splitlines() == ["FAIL mine.yaml:2: mine/backtrack timed out on: 'a" + "a" * 59 + "b'",
                                        "1 passed, 1 failed"]


# --- 10: cuts counted together; a rule that empties the batch ---

CUT_RULE = """\
rules:
  - id: cut-here
    kind: navigation
    action: cut-from-start
    match: 'CUT HERE'
    case: sensitive
    tests:
      remove: ["CUT HERE"]
      keep: ["Cut here"]
"""


def test_10_two_cuts_together_may_not_take_most_of_a_document(tmp_path):
    """60 lines, markers at 21 and 41: each cut alone takes a third, both together two thirds."""
    (tmp_path / "rules").mkdir()
    (tmp_path / "rules" / "cuts.yaml").write_text(CUT_RULE, encoding="utf-8")
    lines = ["CUT HERE" if i in (20, 40) else f"Menu entry number {i}" for i in range(60)]
    (tmp_path / "page.txt").write_text("\n\n".join(lines) + "\n", encoding="utf-8")
    done = cleaner("clean", "page.txt", "--rules", "rules", "--no-model", cwd=tmp_path)  # the cuts alone
    kept = [line for line in done.stdout.split("\n---\n", 1)[1].splitlines() if line.startswith("Menu")]
    assert len(kept) >= 30, f"cuts took {60 - 2 - len(kept)} of 58 lines"
    warned = [line for line in done.stderr.splitlines() if line.startswith("warning:") and "cuts/cut-here" in line]
    assert len(warned) == 1 and "refused" in warned[0] and "earlier cuts" in warned[0]


EVERYTHING_RULE = """\
rules:
  - id: everything
    kind: ad
    action: drop
    match: '(?!zzz).+'
    case: insensitive
    max_words: 10000
    tests:
      remove: ["Any line at all"]
      keep: ["zzz"]
"""


def test_10_a_rule_that_empties_most_documents_is_named_once(tmp_path):
    (tmp_path / "rules").mkdir()
    (tmp_path / "rules" / "wide.yaml").write_text(EVERYTHING_RULE, encoding="utf-8")
    (tmp_path / "in").mkdir()
    for number in range(3):
        (tmp_path / "in" / f"{number}.txt").write_text(ARTICLE, encoding="utf-8")
    done = cleaner("clean", "in", "-o", "out", "--rules", "rules", cwd=tmp_path)
    warned = [line for line in done.stderr.splitlines() if "wide/everything" in line]
    assert warned == ["warning: rule wide/everything emptied 3 of the 3 documents (it took most of their lines); "
                      "check its pattern"]
    plain = cleaner("clean", "in", "-o", "out2", cwd=tmp_path)
    assert "emptied" not in plain.stderr
