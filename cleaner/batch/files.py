"""Paths in and out of a batch, and the one atomic write every output goes through.

Inputs are walked sorted, hidden entries and the output folder skipped,
without following folder symlinks; a file symlink is followed only when its
target lies inside its folder, so a link cannot pull in a home directory.
An output is ``OUT/<relative path>`` with the format's suffix (``.jsonl``
for a multi-record input), written to a temporary file in the same folder
and renamed: no half-written file after a crash or Ctrl-C.
"""
from __future__ import annotations

import os
from pathlib import Path, PurePosixPath
from typing import Iterable, Iterator

from ..atomic import TEMPORARY, write_atomic
from ..stages.reading import InputError, is_jsonl_name, read_raw
from ..stages.render import FORMATS
from . import remote
from .model import BatchOptions, Task
from .remote import Location, has_protocol

STATE_DIR = ".cleaner-state"


def _outside(path: Path, root: Path) -> str | None:
    """Why a file symlink found under ``root`` is not followed: its target lies outside ``root``."""
    if not path.is_symlink():
        return None
    target = Path(os.path.realpath(path))  # realpath, not resolve(): a symlink loop must not raise here
    if target.is_relative_to(os.path.realpath(root)):
        return None
    return f"symbolic link to {target}, outside the input folder; not followed"


def walk_inputs(paths: Iterable[str | Path], exclude: Path | None = None
                ) -> Iterator[tuple[Path, PurePosixPath, str | None]]:
    """(file, path under its input root, reason to refuse it or None), folders recursed in sorted order.

    Hidden files and folders (a leading dot) are skipped, as git and ruff do,
    and so is ``exclude`` (the output folder, when it sits inside an input).
    """
    skip = exclude.resolve() if exclude is not None else None
    for given in map(Path, paths):
        if not given.is_dir():
            yield given, PurePosixPath(given.name), None
            continue
        for root, dirs, files in os.walk(given):
            dirs[:] = sorted(d for d in dirs if not d.startswith(".")
                             and (skip is None or (Path(root) / d).resolve() != skip))
            for name in sorted(f for f in files if not f.startswith(".")):
                path = Path(root) / name
                yield path, PurePosixPath(path.relative_to(given).as_posix()), _outside(path, given)


def iter_inputs(paths: Iterable[str | Path], exclude: Path | None = None) -> Iterator[tuple[Path, PurePosixPath]]:
    """(file, path under its input root) for every input that may be read (see walk_inputs)."""
    for path, relative, refused in walk_inputs(paths, exclude):
        if refused is None:
            yield path, relative


def walk_any(paths: Iterable[Location], exclude: Location | None) -> Iterator[tuple[Location, PurePosixPath, str | None]]:
    """walk_inputs for local paths, remote.walk for URLs, in the order given."""
    for given in paths:
        if isinstance(given, str):
            yield from ((url, relative, None) for url, relative in remote.walk(given))
        else:
            yield from walk_inputs([given], exclude if isinstance(exclude, Path) else None)


def output_relative(relative: PurePosixPath, fmt: str) -> PurePosixPath:
    """The output's path under OUT: the format's suffix, or .jsonl for a multi-record input.

    Raises InputError for a path that would climb out of OUT (absolute, or a ``..`` part).
    """
    if relative.is_absolute() or ".." in relative.parts:
        raise InputError(relative, "output would land outside the output folder")
    if is_jsonl_name(relative):
        stem = relative.name[: -len(".gz")] if relative.name.lower().endswith(".gz") else relative.name
        return relative.parent / PurePosixPath(stem).with_suffix(".jsonl")
    return relative.with_suffix(FORMATS[fmt])


def output_path(out_dir: Path, relative: Path | PurePosixPath, fmt: str) -> Path:
    """OUT/<relative path> with the format's suffix; always inside OUT, symlinks in OUT included."""
    target = out_dir / output_relative(PurePosixPath(*relative.parts), fmt)
    if not target.resolve().is_relative_to(out_dir.resolve()):
        raise InputError(relative, "output would land outside the output folder")
    return target


def sweep_temporaries(out_dir: Path) -> int:
    """Delete write_atomic's temporary files left in ``out_dir`` by a killed run; returns how many.

    A kill between mkstemp and rename leaves ``.NAME.XXXXXXXX.tmp`` next to
    where NAME would be. The output itself is either absent (written on the
    rerun) or whole, so the temporary is only litter; it never holds the only
    copy of anything.
    """
    swept = 0
    for root, dirs, files in os.walk(out_dir):
        dirs[:] = [d for d in dirs if d != STATE_DIR]
        for name in files:
            if TEMPORARY.fullmatch(name):
                Path(root, name).unlink(missing_ok=True)
                swept += 1
    return swept

def exists_at(where: Location) -> bool:
    if isinstance(where, str) and has_protocol(where):
        return remote.exists(where)
    return Path(where).exists()

def read_input(where: Location) -> bytes:
    if isinstance(where, str):
        return remote.read(where)
    return read_raw(where)


def target_of(task: Task, options: BatchOptions) -> Location | None:
    if options.in_place:
        return task.path
    if options.out_dir is None:
        return None
    if isinstance(options.out_dir, str):
        return remote.join(options.out_dir, output_relative(task.relative, options.fmt))
    target = output_path(options.out_dir, task.relative, options.fmt)
    if isinstance(task.path, Path) and target.exists() and target.samefile(task.path):
        raise InputError(task.path, "output would overwrite the input; choose another -o (or --in-place)")
    return target


def existing_text(target: Location) -> str | None:
    if isinstance(target, str):
        return remote.read_text(target)
    try:
        return target.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return None


def write_output(target: Location, text: str) -> None:
    if isinstance(target, str):
        remote.write(target, text)
    else:
        write_atomic(target, text)
