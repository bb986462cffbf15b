"""Issue 16, points 2 (outputs that collide) and 6 (``cleaner check`` gaps), reproduced as hostile inputs."""
from __future__ import annotations

import errno
import gzip
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import SEEDS

RAW = SEEDS / "raw" / "003_ee71d46b01f8e00a.txt"  # has residue ("Related Articles")


def cleaner(*args, cwd: Path, timeout: float = 60):
    env = {**os.environ, "CLEANER_CACHE_DIR": str(cwd / "cache")}
    return subprocess.run([sys.executable, "-m", "cleaner", *map(str, args)], capture_output=True, text=True,
                          cwd=cwd, env=env, timeout=timeout)


# --- 16.2: outputs collide ---

def test_colliding_outputs_are_errors_before_anything_is_written(tmp_path):
    text = RAW.read_text(encoding="utf-8")
    folder = tmp_path / "in"
    folder.mkdir()
    for name in ("a.txt", "a.md"):
        (folder / name).write_text(text, encoding="utf-8")
    (folder / "a.html").write_text(f"<html><body><p>{text}</p></body></html>", encoding="utf-8")
    line = json.dumps({"text": text}) + "\n"
    (folder / "b.jsonl").write_text(line, encoding="utf-8")
    (folder / "b.ndjson").write_text(line, encoding="utf-8")
    (folder / "b.jsonl.gz").write_bytes(gzip.compress(line.encode()))
    (folder / "c.txt").write_text(text, encoding="utf-8")
    out = tmp_path / "out"
    for jobs in ("1", "2"):
        done = cleaner("clean", folder, "-o", out, "-j", jobs, cwd=tmp_path)
        assert done.returncode == 1 and "Traceback" not in done.stderr
        errors = sorted(line for line in done.stderr.splitlines() if line.startswith("error: "))
        assert errors == sorted([
            f"error: {folder}/a.html: output {out}/a.md would also be written from {folder}/a.md, {folder}/a.txt; "
            "rename one or clean them apart",
            f"error: {folder}/a.md: output {out}/a.md would also be written from {folder}/a.html, {folder}/a.txt; "
            "rename one or clean them apart",
            f"error: {folder}/a.txt: output {out}/a.md would also be written from {folder}/a.html, {folder}/a.md; "
            "rename one or clean them apart",
            f"error: {folder}/b.jsonl: output {out}/b.jsonl would also be written from {folder}/b.jsonl.gz, "
            f"{folder}/b.ndjson; rename one or clean them apart",
            f"error: {folder}/b.jsonl.gz: output {out}/b.jsonl would also be written from {folder}/b.jsonl, "
            f"{folder}/b.ndjson; rename one or clean them apart",
            f"error: {folder}/b.ndjson: output {out}/b.jsonl would also be written from {folder}/b.jsonl, "
            f"{folder}/b.jsonl.gz; rename one or clean them apart",
        ])
        assert sorted(p.name for p in out.iterdir() if p.is_file()) == ["c.md"]  # only the one without a rival
    assert cleaner("clean", folder / "a.txt", folder / "c.txt", "-o", tmp_path / "two", cwd=tmp_path).returncode == 0


# --- 16.6: check reads regular files only, within the size limit ---

def test_check_on_a_fifo_does_not_hang(tmp_path):
    fifo = tmp_path / "pipe.txt"
    os.mkfifo(fifo)
    for args in (("check", fifo), ("check", "--fix", fifo)):
        try:
            done = cleaner(*args, cwd=tmp_path, timeout=20)
        except subprocess.TimeoutExpired:
            pytest.fail(f"cleaner {' '.join(map(str, args))} hangs on a FIFO")
        assert done.returncode == 2 and done.stderr.strip().splitlines() == [f"error: {fifo}: not a regular file"]


def test_check_has_the_input_size_limit(tmp_path):
    from cleaner.stages.reading import MAX_INPUT_BYTES

    big = tmp_path / "big.txt"
    with big.open("wb") as handle:  # sparse: costs no disk
        handle.truncate(MAX_INPUT_BYTES + 1)
    done = cleaner("check", big, cwd=tmp_path)
    assert done.returncode == 2 and done.stdout == ""
    assert done.stderr.strip().splitlines() == [f"error: {big}: too large ({MAX_INPUT_BYTES + 1} bytes > {MAX_INPUT_BYTES})"]


def test_fix_in_a_folder_it_cannot_write_is_one_line(tmp_path, monkeypatch, capsys):
    """As root a read-only folder is writable, so the refusal the OS gives is played by the write itself."""
    from cleaner.commands import check

    page = tmp_path / "page.txt"
    page.write_text(RAW.read_text(encoding="utf-8"), encoding="utf-8")
    before = page.read_bytes()

    def refuse(path, text):
        raise PermissionError(errno.EACCES, os.strerror(errno.EACCES), str(path))

    monkeypatch.setattr(check, "write_atomic", refuse)
    monkeypatch.setenv("CLEANER_CACHE_DIR", str(tmp_path / "cache"))
    assert check.main(["--fix", str(page)]) == 2
    assert capsys.readouterr().err.strip().splitlines() == [f"error: {page}: cannot write: Permission denied"]
    assert page.read_bytes() == before


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes into read-only folders")
def test_fix_in_a_read_only_folder_is_one_line(tmp_path):
    folder = tmp_path / "ro"
    folder.mkdir()
    page = folder / "page.txt"
    page.write_text(RAW.read_text(encoding="utf-8"), encoding="utf-8")
    folder.chmod(0o555)
    try:
        done = cleaner("check", "--fix", page, cwd=tmp_path)
    finally:
        folder.chmod(0o755)
    assert done.returncode == 2 and done.stderr.strip().splitlines() == [f"error: {page}: cannot write: Permission denied"]


# --- 16.6: --fix writes only what it read for certain ---

def test_fix_refuses_a_guessed_decoding_and_leaves_the_bytes(tmp_path):
    text = RAW.read_text(encoding="utf-8")
    mixed = tmp_path / "mixed.txt"  # UTF-8 and Latin-1 bytes in one file: any single decoding is a guess
    mixed.write_bytes(text.encode("utf-8") + "\nCafé au lait, crème brûlée.\n".encode("latin-1") + "Café ".encode() * 3)
    before = mixed.read_bytes()
    done = cleaner("check", "--fix", mixed, cwd=tmp_path)
    assert done.returncode == 1 and mixed.read_bytes() == before
    assert done.stderr.strip().splitlines() == [
        f"{mixed}: not fixed: not valid UTF-8, so its decoding is a guess; --fix writes only what it read for certain"]


def test_fix_never_turns_a_broken_front_matter_into_body(tmp_path):
    broken = tmp_path / "broken.md"
    broken.write_text("---\ntitle: [unclosed\nurl: x: y: z\n---\n" + RAW.read_text(encoding="utf-8"), encoding="utf-8")
    before = broken.read_bytes()
    done = cleaner("check", "--fix", broken, cwd=tmp_path)
    assert done.returncode == 1 and broken.read_bytes() == before
    assert done.stderr.strip().splitlines() == [
        f"{broken}: not fixed: its front matter does not parse as a YAML mapping; fix the header first"]


def test_fix_writes_a_utf8_file_with_bom_back_with_its_bom(tmp_path):
    page = tmp_path / "bom.txt"
    page.write_bytes(b"\xef\xbb\xbf" + RAW.read_bytes())
    assert cleaner("check", "--fix", page, cwd=tmp_path).returncode == 1
    assert page.read_bytes().startswith(b"\xef\xbb\xbf---\n") and b"Related Articles" not in page.read_bytes()
    assert cleaner("check", page, cwd=tmp_path).returncode == 0
