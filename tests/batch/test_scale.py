"""The Dask engine gives what the local pool gives, and a batch killed at any moment loses nothing.

Both run the real CLI in subprocesses over the same 200-file folder (built by
batch_corpus.py from the seeds), from the same working folder with the same
relative paths, so the ``source`` fields in the md headers match.
"""
from __future__ import annotations

import io
import json
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from batch_corpus import build, outputs, tree_digest
from cleaner.stages.reading import split_front_matter

pytest.importorskip("distributed")

KILLS = 4
FILES = 2000  # about 3 s of work on 2 cores: the kills land mid-run, not after it
KILL_SEED = 6


def run(*args, cwd: Path, check_codes=(0, 1)) -> subprocess.CompletedProcess:
    done = subprocess.run([sys.executable, "-m", "cleaner", *map(str, args)], capture_output=True, text=True,
                          cwd=cwd, timeout=120)
    assert done.returncode in check_codes and "Traceback" not in done.stderr, done.stderr[-3000:]
    return done


def summary_without_time(report: Path) -> dict:
    summary = json.loads(report.read_text(encoding="utf-8"))["summary"]
    summary.pop("seconds")
    return summary


def rows_without_output_folder(report: Path, out: str) -> list[dict]:
    rows = json.loads(report.read_text(encoding="utf-8"))["files"]
    return [{**row, "output": row["output"] and row["output"].replace(out, "OUT", 1)} for row in rows]


@pytest.fixture(scope="module")
def folder(tmp_path_factory) -> Path:
    """A working folder holding ``in/`` (200 files) and ``local/``, the local pool's output of it."""
    base = tmp_path_factory.mktemp("scale")
    build(base / "in")
    run("clean", "in", "-o", "local", "-j", 2, "-q", "--report", "local.json", cwd=base)
    return base


def test_local_cluster_gives_the_local_pools_bytes_and_figures(folder):
    started = time.monotonic()
    done = run("clean", "in", "-o", "dask", "--engine", "dask", "-j", 2, "--report", "dask.json", cwd=folder)
    assert done.returncode == 1  # in/odd/binary.txt, as with the local pool
    local, dask = outputs(folder / "local"), outputs(folder / "dask")
    assert len(local) == 198 and local.keys() == dask.keys()
    assert all(local[name] == dask[name] for name in local)
    assert summary_without_time(folder / "dask.json") == summary_without_time(folder / "local.json")
    assert rows_without_output_folder(folder / "dask.json", "dask") == \
        rows_without_output_folder(folder / "local.json", "local")
    assert time.monotonic() - started < 60


def test_file_urls_work_both_ways_and_resume(folder):
    inputs, out = (folder / "in").as_uri(), (folder / "urls").as_uri()
    run("clean", inputs, "-o", out, "--engine", "dask", "-j", 2, "-q", cwd=folder)
    rerun = run("clean", inputs, "-o", out, "--engine", "dask", "-j", 2, "--report", "urls.json", cwd=folder)
    assert summary_without_time(folder / "urls.json")["actions"] == {"error": 1, "skipped": 199}
    written = outputs(folder / "urls")
    assert written.keys() == outputs(folder / "local").keys()
    header, body = split_front_matter(written["part00/0000-000_6fc8c663778f222a.md"].decode())
    assert header["source"] == str(folder / "in" / "part00" / "0000-000_6fc8c663778f222a.txt") and body
    assert "errors: 1" in rerun.stderr


def test_fsspec_urls_are_read_and_written_through_fsspec(tmp_path, ruleset, monkeypatch):
    """memory:// lives in one process, so the engine gets an in-process (threaded) cluster's address."""
    fsspec = pytest.importorskip("fsspec")
    monkeypatch.setenv("CLEANER_CACHE_DIR", str(tmp_path / "cache"))  # a URL output's resume state lives there
    from distributed import LocalCluster

    from cleaner.batch.model import BatchOptions
    from cleaner.batch.run import run_batch

    memory = fsspec.filesystem("memory")
    for path in build(tmp_path / "in", files=12):
        memory.pipe_file(f"/raw/{path.relative_to(tmp_path / 'in').as_posix()}", path.read_bytes())
    with LocalCluster(n_workers=1, threads_per_worker=2, processes=False, dashboard_address=None) as cluster:
        options = BatchOptions(out_dir="memory://clean", engine="dask", scheduler=cluster.scheduler_address)
        summary = run_batch(["memory://raw"], ruleset, options, log=io.StringIO())
    assert summary.actions == {"written": 10, "not-written": 1, "error": 1}
    assert memory.cat_file("/clean/part00/0000-000_6fc8c663778f222a.md").startswith(b"---\ntitle: ")
    assert len(memory.find("/clean")) == 10
    assert len(list((tmp_path / "cache" / "state").glob("*/state.sqlite"))) == 1
    memory.rm(["/raw", "/clean"], recursive=True)


def test_missing_dask_is_one_line_and_exit_2(tmp_path):
    block = "import sys; sys.modules['distributed'] = None; from cleaner.commands.cli import main; main()"
    done = subprocess.run([sys.executable, "-c", block, "clean", str(tmp_path), "-o", str(tmp_path / "o"),
                           "--engine", "dask"], capture_output=True, text=True)
    assert done.returncode == 2
    assert done.stderr.strip().splitlines() == [
        "error: --engine dask needs dask[distributed], which is not installed: pip install 'cleaner[dask]'"]


def _kill_after(command: list[str], cwd: Path, delay: float, out: Path) -> None:
    """Start ``command`` in its own process group; SIGKILL the group ``delay`` s after it writes its first output.

    Counting from the first new output, not from the start, lands the kill
    mid-run however slow start-up and the count pass are on a loaded machine.
    """
    def written() -> int:
        return len(list(out.rglob("*.md"))) if out.exists() else 0

    before = written()
    process = subprocess.Popen(command, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                               start_new_session=True)
    deadline = time.monotonic() + 120
    while process.poll() is None and written() == before and time.monotonic() < deadline:
        time.sleep(0.02)
    try:
        process.wait(timeout=delay)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()


def test_runs_killed_at_random_points_lose_nothing(tmp_path):
    """Four runs SIGKILLed after seeded random delays, each resuming the last; then one to the end."""
    build(tmp_path / "in", files=FILES)
    before = tree_digest(tmp_path / "in")
    command = [sys.executable, "-m", "cleaner", "clean", "in", "-o", "out", "-j", "2", "-q"]
    rng = random.Random(KILL_SEED)
    counts = []
    for _ in range(KILLS):
        _kill_after(command, tmp_path, rng.uniform(0.0, 0.5), tmp_path / "out")
        counts.append(len(list((tmp_path / "out").rglob("*.md"))))
    assert any(0 < n < FILES - 2 for n in counts), f"no kill landed mid-run: outputs after each kill {counts}"
    run("clean", "in", "-o", "out", "-j", 2, "-q", "--report", "r.json", cwd=tmp_path)
    run("clean", "in", "-o", "reference", "-j", 2, "-q", cwd=tmp_path)
    assert tree_digest(tmp_path / "in") == before  # no input lost or changed
    assert not list((tmp_path / "out").rglob("*.tmp"))  # no temporary left behind
    final, reference = outputs(tmp_path / "out"), outputs(tmp_path / "reference")
    assert final == reference and len(final) == FILES - 2  # none missing, none partial, none extra
    for name, data in final.items():
        if name.endswith(".md"):
            header, body = split_front_matter(data.decode("utf-8"))
            assert header["status"] == "ok" and body.strip(), name
    assert summary_without_time(tmp_path / "r.json")["files"] == FILES
