"""Outputs stay inside the output folder whatever the names; in-place writes are all or nothing."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path, PurePosixPath

import pytest

from cleaner.atomic import write_atomic
from cleaner.batch.files import output_relative
from cleaner.batch.model import BatchOptions, Task
from cleaner.batch.work import process_file
from cleaner.stages.reading import InputError
from conftest import SEEDS, SEED_STEMS

ARTICLE = (SEEDS / "raw" / f"{SEED_STEMS[3]}.txt").read_text(encoding="utf-8")


def clean(*args, cwd: Path | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "cleaner", "clean", *map(str, args)], capture_output=True,
                          text=True, cwd=cwd, timeout=120)


def files_under(folder: Path) -> set[str]:
    return {p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file() or p.is_symlink()}


@pytest.mark.parametrize("relative", ["../x.txt", "a/../../x.txt", "/etc/x.txt"])
def test_a_climbing_relative_path_has_no_output_path(relative):
    with pytest.raises(InputError, match="outside the output folder"):
        output_relative(PurePosixPath(relative), "md")


def test_jsonl_ids_and_urls_do_not_name_files(tmp_path):
    (tmp_path / "in").mkdir()
    records = [{"id": "../../x", "url": "https://example.com/../../../etc/passwd", "text": ARTICLE},
               {"id": "/tmp/y", "name": "../z.md", "text": ARTICLE}]
    (tmp_path / "in" / "crawl.jsonl").write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    done = clean("in", "-o", "out", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert files_under(tmp_path) - {"in/crawl.jsonl"} == {"out/crawl.jsonl", "out/.cleaner-state/state.sqlite",
                                                                   "out/.cleaner-state/lock"}
    lines = (tmp_path / "out" / "crawl.jsonl").read_text(encoding="utf-8").splitlines()
    assert [json.loads(line)["id"] for line in lines] == ["../../x", "/tmp/y"]


def test_a_symlinked_folder_in_the_output_cannot_carry_outputs_out(tmp_path):
    (tmp_path / "in" / "sub").mkdir(parents=True)
    (tmp_path / "in" / "sub" / "a.txt").write_text(ARTICLE, encoding="utf-8")
    (tmp_path / "elsewhere").mkdir()
    (tmp_path / "out").mkdir()
    os.symlink(tmp_path / "elsewhere", tmp_path / "out" / "sub")
    done = clean("in", "-o", "out", cwd=tmp_path)
    assert done.returncode == 1
    assert "error: in/sub/a.txt: output would land outside the output folder" in done.stderr
    assert not list((tmp_path / "elsewhere").iterdir())


def test_symlinks_out_of_the_input_folder_are_refused_not_followed(tmp_path):
    (tmp_path / "in").mkdir()
    (tmp_path / "secret").mkdir()
    (tmp_path / "secret" / "key.txt").write_text(ARTICLE, encoding="utf-8")
    (tmp_path / "in" / "inside.txt").write_text(ARTICLE, encoding="utf-8")
    os.symlink(tmp_path / "secret" / "key.txt", tmp_path / "in" / "key.txt")
    os.symlink("inside.txt", tmp_path / "in" / "alias.txt")  # inside the folder: followed
    os.symlink(tmp_path / "secret", tmp_path / "in" / "up")  # a folder link: never walked
    done = clean("in", "-o", "out", "--report", "r.json", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    refused = [line for line in done.stderr.splitlines() if line.startswith("skipped: in/key.txt: ")]
    assert len(refused) == 1 and "outside the input folder" in refused[0]
    assert files_under(tmp_path / "out") == {"inside.md", "alias.md", ".cleaner-state/state.sqlite",
                                                ".cleaner-state/lock"}
    assert json.loads((tmp_path / "r.json").read_text())["summary"]["actions"] == {"refused": 1, "written": 2}
    named = clean(tmp_path / "in" / "key.txt", "-o", "named", cwd=tmp_path)  # named by the user: followed
    assert named.returncode == 0 and (tmp_path / "named" / "key.md").exists()


@pytest.fixture
def failing_rename(monkeypatch):
    """os.replace fails as a full disk or a kill at the last moment would: the rename never happens."""
    def refuse(*_):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", refuse)


def test_in_place_is_all_or_nothing(tmp_path, ruleset, failing_rename):
    page = tmp_path / "page.txt"
    page.write_text(ARTICLE, encoding="utf-8")
    result = process_file(Task(page, PurePosixPath("page.txt")), ruleset, BatchOptions(in_place=True))
    assert result.action == "error" and "No space left" in result.error
    assert page.read_text(encoding="utf-8") == ARTICLE and os.listdir(tmp_path) == ["page.txt"]


def test_fix_is_all_or_nothing(tmp_path, ruleset, failing_rename):
    from cleaner.commands.check import main

    page = tmp_path / "page.txt"
    page.write_text(ARTICLE, encoding="utf-8")
    assert main(["--fix", str(page)]) == 2  # "error: PATH: cannot write: ...", no traceback
    assert page.read_text(encoding="utf-8") == ARTICLE and os.listdir(tmp_path) == ["page.txt"]


def test_in_place_writes_through_a_symlink_and_keeps_the_mode(tmp_path):
    (tmp_path / "in").mkdir()
    real = tmp_path / "in" / "real.txt"
    real.write_text(ARTICLE, encoding="utf-8")
    real.chmod(0o640)
    os.symlink("real.txt", tmp_path / "in" / "link.txt")
    write_atomic(tmp_path / "in" / "link.txt", "clean\n")
    assert (tmp_path / "in" / "link.txt").is_symlink() and real.read_text(encoding="utf-8") == "clean\n"
    assert real.stat().st_mode & 0o777 == 0o640
