"""`cleaner clean` as a batch: parallel, resumable, killable, reported."""
from __future__ import annotations

import io
import json
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from dataclasses import fields
from pathlib import Path

from cleaner.batch.model import BatchOptions
from cleaner.batch.run import run_batch
from cleaner.stages.reading import read_source
from cleaner.stages.pipeline import clean_source
from cleaner.rulebook.ruleset import RuleSet
from conftest import SEEDS, SEED_STEMS

RAW = SEEDS / "raw"
KILLER_HOST = "worker-killer.example"


class WorkerKillingRules(RuleSet):
    """The shipped rules, except that a page of KILLER_HOST ends the worker on the spot, as the OOM killer would."""

    def site_for_host(self, host: str, **kwargs):
        if host == KILLER_HOST:
            os._exit(9)
        return super().site_for_host(host, **kwargs)


def run(*args, cwd=None):
    return subprocess.run([sys.executable, "-m", "cleaner", *map(str, args)], capture_output=True, text=True,
                          cwd=cwd)


def copy_seeds(folder: Path, copies: int = 1) -> list[Path]:
    """The seeds, ``copies`` times over in numbered subfolders (each copy a distinct file)."""
    written = []
    for copy in range(copies):
        for stem in SEED_STEMS:
            target = folder / (f"c{copy:04d}" if copies > 1 else "") / f"{stem}.txt"
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text((RAW / f"{stem}.txt").read_text(encoding="utf-8"), encoding="utf-8")
            written.append(target)
    return written


def report_of(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


def test_report_figures_match_the_documents(tmp_path, ruleset):
    result = run("clean", RAW, "-o", tmp_path / "out", "--report", tmp_path / "r.json", "-j", 2)
    assert result.returncode == 0, result.stderr
    report = report_of(tmp_path / "r.json")
    documents = {str(RAW / f"{s}.txt"): clean_source(read_source(RAW / f"{s}.txt"), ruleset) for s in SEED_STEMS}
    expected = Counter()
    for document in documents.values():
        expected.update(document.removed_by_kind())
    summary = report["summary"]
    assert summary["files"] == 5 and summary["records"] == 5 and summary["errors"] == []
    assert summary["statuses"] == {"ok": 5} and summary["actions"] == {"written": 5}
    assert summary["removed"] == dict(expected) and summary["removed_total"] == sum(expected.values()) > 0
    assert summary["bytes_in"] == sum((RAW / f"{s}.txt").stat().st_size for s in SEED_STEMS)
    rows = {row["input"]: row for row in report["files"]}
    assert [row["input"] for row in report["files"]] == sorted(rows)  # input order, whatever the workers
    for path, document in documents.items():
        assert rows[path]["removed"] == document.removed_by_kind()
        assert Path(rows[path]["output"]).stat().st_size == rows[path]["bytes_out"]
    assert "removed: " in result.stderr and "errors: 0" in result.stderr


def test_outputs_do_not_depend_on_worker_count(tmp_path):
    copy_seeds(tmp_path / "in", copies=3)
    for jobs in (1, 2):
        assert run("clean", tmp_path / "in", "-o", tmp_path / f"j{jobs}", "-j", jobs, "-q").returncode == 0
    one = {p.relative_to(tmp_path / "j1"): p.read_bytes() for p in (tmp_path / "j1").rglob("*.md")}
    two = {p.relative_to(tmp_path / "j2"): p.read_bytes() for p in (tmp_path / "j2").rglob("*.md")}
    assert len(one) == 15 and one == two


def test_second_run_skips_unchanged_inputs_and_force_redoes_them(tmp_path):
    inputs = copy_seeds(tmp_path / "in")
    out, report = tmp_path / "out", tmp_path / "r.json"
    assert run("clean", tmp_path / "in", "-o", out).returncode == 0
    assert run("clean", tmp_path / "in", "-o", out, "--report", report).returncode == 0
    assert report_of(report)["summary"]["actions"] == {"skipped": 5}
    assert report_of(report)["summary"]["removed_total"] > 0  # skipped files keep their figures
    inputs[0].write_text(inputs[0].read_text(encoding="utf-8") + "\nShare this:\n", encoding="utf-8")
    assert run("clean", tmp_path / "in", "-o", out, "--report", report).returncode == 0
    assert report_of(report)["summary"]["actions"] == {"skipped": 4, "written": 1}  # new hash in its header
    (out / f"{SEED_STEMS[1]}.md").unlink()
    assert run("clean", tmp_path / "in", "-o", out, "--report", report).returncode == 0
    assert report_of(report)["summary"]["actions"] == {"skipped": 4, "written": 1}
    assert run("clean", tmp_path / "in", "-o", out, "--report", report, "--force").returncode == 0
    assert report_of(report)["summary"]["actions"] == {"unchanged": 5}


def test_changed_options_or_rules_are_not_skipped(tmp_path):
    copy_seeds(tmp_path / "in")
    out, report = tmp_path / "out", tmp_path / "r.json"
    assert run("clean", tmp_path / "in", "-o", out).returncode == 0
    assert run("clean", tmp_path / "in", "-o", out, "-f", "txt", "--report", report).returncode == 0
    assert report_of(report)["summary"]["actions"] == {"written": 5}
    assert run("clean", tmp_path / "in", "-o", out, "--no-site-rules", "--report", report).returncode == 0
    assert "skipped" not in report_of(report)["summary"]["actions"]


def test_a_killed_run_resumes_without_partial_outputs_or_redone_files(tmp_path):
    copy_seeds(tmp_path / "in", copies=200)  # 1,000 files
    out = tmp_path / "out"
    command = [sys.executable, "-m", "cleaner", "clean", str(tmp_path / "in"), "-o", str(out), "-j", "2", "-q"]
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                               start_new_session=True)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and process.poll() is None and len(list(out.rglob("*.md"))) < 50:
        time.sleep(0.01)
    os.killpg(process.pid, signal.SIGKILL)  # the main process and its workers, mid-run
    process.wait()
    before = {p: p.stat().st_mtime_ns for p in out.rglob("*.md")}
    assert 50 <= len(before) < 1000, "the run was not killed midway; make it longer"
    report = tmp_path / "r.json"
    result = run("clean", tmp_path / "in", "-o", out, "-j", 2, "--report", report)
    assert result.returncode == 0, result.stderr
    actions = report_of(report)["summary"]["actions"]
    assert actions.get("written", 0) == 1000 - len(before)  # only what was missing is written
    assert actions.get("skipped", 0) + actions.get("unchanged", 0) == len(before)
    assert all(p.stat().st_mtime_ns == mtime for p, mtime in before.items())
    outputs = list(out.rglob("*.md"))
    assert len(outputs) == 1000 and not list(out.rglob("*.tmp"))
    from cleaner.stages.reading import split_front_matter

    for path in outputs:
        header, body = split_front_matter(path.read_text(encoding="utf-8"))
        assert header["status"] == "ok" and body.strip()


def test_unreadable_file_is_listed_in_report_and_exit_is_1(tmp_path):
    copy_seeds(tmp_path / "in")
    (tmp_path / "in" / "bad.txt").write_bytes(b"\x00\x01binary")
    result = run("clean", tmp_path / "in", "-o", tmp_path / "out", "--report", tmp_path / "r.json")
    assert result.returncode == 1
    assert f"error: {tmp_path / 'in' / 'bad.txt'}: binary file" in result.stderr
    summary = report_of(tmp_path / "r.json")["summary"]
    assert summary["errors"] == [{"input": str(tmp_path / "in" / "bad.txt"), "reason": "binary file (NUL bytes), not text"}]
    assert summary["actions"] == {"written": 5, "error": 1}


def test_dry_run_and_diff_write_nothing(tmp_path):
    copy_seeds(tmp_path / "in")
    out = tmp_path / "out"
    result = run("clean", tmp_path / "in", "-o", out, "--dry-run")
    assert result.returncode == 1  # outputs would change: a CI gate, as black --check
    assert result.stdout.count("would write ") == 5 and not out.exists()
    assert run("clean", tmp_path / "in", "-o", out, "--dry-run", "--exit-zero").returncode == 0
    result = run("clean", tmp_path / "in" / f"{SEED_STEMS[3]}.txt", "-o", out, "--diff")
    assert result.stdout.startswith(f"--- {tmp_path / 'in' / SEED_STEMS[3]}.txt\n+++ {out / SEED_STEMS[3]}.md\n")
    assert "\n-Related Articles\n" in result.stdout and not out.exists()


def test_never_over_an_input_unless_in_place(tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    page = folder / "page.md"
    page.write_text((RAW / f"{SEED_STEMS[3]}.txt").read_text(encoding="utf-8"), encoding="utf-8")
    original = page.read_bytes()
    result = run("clean", folder, "-o", folder)
    assert result.returncode == 1 and "would overwrite the input" in result.stderr
    assert page.read_bytes() == original
    assert run("clean", folder, "--in-place", "-q").returncode == 0
    assert page.read_text(encoding="utf-8").startswith("---\ntitle: ") and "Related Articles" not in page.read_text()
    cleaned = page.stat().st_mtime_ns
    assert run("clean", folder, "--in-place", "-q").returncode == 0
    assert page.stat().st_mtime_ns == cleaned  # idempotent: an unchanged output is not rewritten


def test_output_folder_inside_input_is_not_read_back(tmp_path):
    copy_seeds(tmp_path / "in")
    for _ in range(2):
        result = run("clean", tmp_path / "in", "-o", tmp_path / "in" / "clean", "--report", tmp_path / "r.json")
        assert result.returncode == 0, result.stderr
        assert report_of(tmp_path / "r.json")["summary"]["files"] == 5


def test_multi_record_input_gives_one_jsonl_output(tmp_path):
    records = [{"url": "https://example.com/a", "text": (RAW / f"{SEED_STEMS[3]}.txt").read_text(encoding="utf-8"),
                "lang": "en"},
               {"url": "https://example.com/b", "text": (RAW / f"{SEED_STEMS[4]}.txt").read_text(encoding="utf-8")}]
    source = tmp_path / "in" / "crawl.jsonl"
    source.parent.mkdir()
    source.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    result = run("clean", tmp_path / "in", "-o", tmp_path / "out", "--report", tmp_path / "r.json")
    assert result.returncode == 0, result.stderr
    lines = (tmp_path / "out" / "crawl.jsonl").read_text(encoding="utf-8").splitlines()
    assert len(lines) == 2 and all(json.loads(line) for line in lines)
    assert report_of(tmp_path / "r.json")["files"][0]["records"] == 2


def test_a_worker_that_dies_costs_its_file_only(tmp_path, ruleset):
    copy_seeds(tmp_path / "in", copies=6)  # 30 files, several to a pool task
    killer = tmp_path / "in" / "c0002" / "killer.txt"
    killer.write_text(f"---\nurl: https://{KILLER_HOST}/a\n---\n" + (RAW / f"{SEED_STEMS[0]}.txt").read_text())
    rules = WorkerKillingRules(**{f.name: getattr(ruleset, f.name) for f in fields(RuleSet)})
    log = io.StringIO()
    summary = run_batch([tmp_path / "in"], rules, BatchOptions(out_dir=tmp_path / "out", jobs=2), log=log)
    assert [path for path, _ in summary.errors] == [str(killer)]
    assert summary.errors[0][1].startswith("worker died")
    assert summary.actions["error"] == 1 and summary.actions["written"] + summary.actions.get("unchanged", 0) == 30
    assert len(list((tmp_path / "out").rglob("*.md"))) == 30
