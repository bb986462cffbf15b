"""Kill -9 of the main process at random points, and two runs on one output folder (issue 16, points 4 and 8).

A killed run must take its pool with it (no process of the run alive 5 s
later), the next run must leave no temporary file behind, and the outputs in
the end must be byte for byte a clean run's. A second run on a folder in use
must stop at once with the lock's one line and change nothing.
"""
from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from batch_corpus import build, outputs

FILES = 250  # a few seconds of work on 2 cores: kills land mid-run
SEEDS = range(5)
GONE_WITHIN = 5.0  # seconds after the kill by which no process of the run may be left


def command(out: str) -> list[str]:
    return [sys.executable, "-m", "cleaner", "clean", "in", "-o", out, "-j", "2", "-q"]


COMMAND = command("out")


@pytest.fixture(scope="module")
def folder(tmp_path_factory) -> Path:
    """``in/`` and ``reference/``, an uninterrupted run's outputs of it."""
    base = tmp_path_factory.mktemp("crash")
    build(base / "in", files=FILES)
    subprocess.run(command("reference"), cwd=base, capture_output=True, timeout=300)
    return base


def _start(cwd: Path) -> subprocess.Popen:
    """The run in a session of its own: its process group holds every process it starts."""
    return subprocess.Popen(COMMAND, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
                            start_new_session=True)


def _wait_for(run: subprocess.Popen, found) -> None:
    """Until ``found()`` is true, or the run has ended."""
    deadline = time.monotonic() + 60
    while run.poll() is None and time.monotonic() < deadline and not found():
        time.sleep(0.02)


def _holds_lock(run: subprocess.Popen, out: Path):
    """Whether the run holds the output folder (it wrote its pid there)."""
    pid_file = out / ".cleaner-state" / "lock.pid"

    def held() -> bool:
        try:
            return pid_file.read_text(encoding="ascii").strip() == str(run.pid)
        except OSError:
            return False
    return held


def _group_alive(group: int) -> bool:
    try:
        os.killpg(group, 0)
    except ProcessLookupError:
        return False
    return True


def _left_alive_after_kill(run: subprocess.Popen) -> bool:
    """SIGKILL the main process only; whether any process of its group is still there GONE_WITHIN s later."""
    os.kill(run.pid, signal.SIGKILL)
    run.wait()
    deadline = time.monotonic() + GONE_WITHIN
    while _group_alive(run.pid) and time.monotonic() < deadline:
        time.sleep(0.05)
    if not _group_alive(run.pid):
        return False
    os.killpg(run.pid, signal.SIGKILL)  # do not leave them to the next test
    return True


def test_killing_the_main_process_leaves_no_process_no_temporary_and_the_clean_runs_bytes(folder):
    out = folder / "out"
    counts = []
    for seed in SEEDS:
        run = _start(folder)
        _wait_for(run, (out / ".cleaner-state").exists)  # started: from here on, any moment
        time.sleep(random.Random(seed).uniform(0.1, 1.0))
        if run.poll() is not None:  # finished before the kill: nothing to kill
            counts.append(-1)
            continue
        assert not _left_alive_after_kill(run), f"seed {seed}: processes of the killed run still alive"
        counts.append(len(list(out.rglob("*.md"))))
    assert any(0 <= n < FILES - 2 for n in counts), f"no kill landed mid-run: outputs after each kill {counts}"
    final = subprocess.run(COMMAND, cwd=folder, capture_output=True, text=True, timeout=300)
    assert final.returncode == 1 and "Traceback" not in final.stderr  # 1: the corpus's binary file
    assert not [p for p in out.rglob("*.tmp")]
    assert outputs(out) == outputs(folder / "reference")


def test_a_second_run_on_a_folder_in_use_stops_at_once_and_changes_nothing(folder):
    out = folder / "busy"
    first = subprocess.Popen(command("busy"), cwd=folder, stdout=subprocess.DEVNULL,
                             stderr=subprocess.PIPE, text=True)
    _wait_for(first, _holds_lock(first, out))
    second = subprocess.run(command("busy"), cwd=folder, capture_output=True, text=True,
                            timeout=120)
    still_running = first.poll() is None
    first.communicate(timeout=300)
    assert still_running, "the second run waited for the first to finish"
    assert second.returncode == 2
    assert second.stderr.splitlines() == [f"error: busy is in use by pid {first.pid}; wait for it to finish"]
    assert first.returncode == 1  # the corpus's binary file
    assert outputs(out) == outputs(folder / "reference")
