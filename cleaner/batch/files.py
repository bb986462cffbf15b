"""Paths in and out of a batch: which files are inputs, where their outputs go, the one atomic write.

Inputs are the files of a documented set of types (INPUT_TYPES): text,
HTML and JSONL by extension (gzipped too), and files without an extension
whose first bytes read as a web page or as text. Everything else in a folder
(``.csv``, ``.json``, ``.png``, ...) is skipped and counted, not an error.
Folders are walked sorted, without following folder symlinks, skipping
hidden entries, the output folder, ``--exclude`` globs and, as git and ruff
do, what ``.gitignore`` files ignore (pathspec) and DEFAULT_EXCLUDES;
``--no-ignore`` turns the last two off. A file named on the command line is
always taken. A file symlink is followed only when its target lies inside
its folder, so a link cannot pull in a home directory.

An output is ``OUT/<relative path>`` with the format's suffix (``.jsonl``
for a JSONL input). Two inputs that would give the same output
(``a.txt`` and ``a.html`` -> ``a.md``) are found before anything is written
(``collisions``) and both are errors: nothing is silently overwritten.
Outputs are written to a temporary file in the same folder and renamed: no
half-written file after a crash or Ctrl-C.
"""
from __future__ import annotations

import os
import re
from collections import Counter
from pathlib import Path, PurePath, PurePosixPath
from typing import Iterable, Iterator

from ..atomic import TEMPORARY, write_atomic
from ..stages.reading import HTML_SUFFIXES, JSONL_SUFFIXES, InputError, is_jsonl_name, looks_like_html, read_raw
from ..stages.render import FORMATS
from . import remote
from .model import BatchOptions, Selection, Task
from .remote import Location, has_protocol

STATE_DIR = ".cleaner-state"
TEXT_SUFFIXES = (".txt", ".text", ".md", ".markdown")
INPUT_TYPES = {"text": TEXT_SUFFIXES, "html": HTML_SUFFIXES, "jsonl": JSONL_SUFFIXES}  # each also gzipped (.gz)
DEFAULT_EXCLUDES = ("node_modules/", "__pycache__/", "venv/", "site-packages/")  # as ruff's defaults; --no-ignore
SNIFF_BYTES = 4096  # how much of a file without an extension is read to tell its kind
_EXTENSION = re.compile(r"\.[A-Za-z][A-Za-z0-9]{0,7}")  # "page.v2" has one; "story-2024.01" does not


def _suffix_kind(name: str) -> str | None:
    bare = name.lower()[:-3] if name.lower().endswith(".gz") else name.lower()
    return next((kind for kind, suffixes in INPUT_TYPES.items() if bare.endswith(suffixes)), None)


def sniff_kind(head: bytes) -> str | None:
    """'html' or 'text' for the first bytes of a file without an extension; None for binary data."""
    if looks_like_html(head):
        return "html"
    if b"\x00" in head or head.startswith(b"\x1f\x8b"):
        return None
    return "text"


def _first_line_is_object(data: bytes) -> bool:
    import json

    first = data.lstrip().split(b"\n", 1)[0].strip()
    if not first.startswith(b"{"):
        return False
    try:
        return isinstance(json.loads(first), dict)
    except ValueError:
        return False


def stdin_name(data: bytes) -> PurePosixPath:
    """The name standard input is read under, so the readers (which tell kinds by name) read it as sniffed.

    HTML when it starts like a page, JSONL when its first line is a JSON
    object (a file is told by its name; standard input has none), else text.
    """
    kind = sniff_kind(data[:SNIFF_BYTES]) or "text"
    if kind == "text" and _first_line_is_object(data):
        kind = "jsonl"
    return PurePosixPath("-" + {"html": ".html", "jsonl": ".jsonl", "text": ""}[kind])


def input_kind(path: PurePath, head: bytes | None = None) -> str | None:
    """'text' | 'html' | 'jsonl' for a file a folder walk may take, None when it is not an input type.

    By extension; a name without one (``page``, ``article-17``) by ``head``,
    its first bytes (None: not read, so not an input).
    """
    kind = _suffix_kind(path.name)
    if kind is not None or has_extension(path.name):
        return kind
    return sniff_kind(head) if head is not None else None


def has_extension(name: str) -> bool:
    return bool(_EXTENSION.fullmatch(PurePosixPath(name).suffix))


def _head(path: Path) -> bytes | None:
    try:
        if not path.is_file():
            return None
        with path.open("rb") as handle:
            return handle.read(SNIFF_BYTES)
    except OSError:
        return None


def _outside(path: Path, root: Path) -> str | None:
    """Why a file symlink found under ``root`` is not followed: its target lies outside ``root``."""
    if not path.is_symlink():
        return None
    target = Path(os.path.realpath(path))  # realpath, not resolve(): a symlink loop must not raise here
    if target.is_relative_to(os.path.realpath(root)):
        return None
    return f"symbolic link to {target}, outside the input folder; not followed"


class _Ignores:
    """The .gitignore files in force in a folder walk (the root's, its parents' up to the repository, below).

    Each file's patterns are matched against a path relative to its own
    folder; the deepest file with a verdict wins, as in git.
    """

    def __init__(self, root: Path, selection: Selection):
        from pathspec import GitIgnoreSpec

        self.spec_of = GitIgnoreSpec.from_lines
        self.use_files = selection.ignore_files
        patterns = [*selection.exclude, *(DEFAULT_EXCLUDES if selection.ignore_files else ())]
        self.exclude = self.spec_of(patterns) if patterns else None
        self.include = self.spec_of(selection.include) if selection.include else None
        self.root = root
        # (path under the root of the folder holding the file, "a/b/" or ""; the root as seen from that
        # folder when it lies above the root, else ""; its patterns)
        self.specs: list[tuple[str, str, object]] = []
        if self.use_files:
            real = root.resolve()
            for folder in reversed(self._parents(real)[1:]):
                self._read(folder, "", real.relative_to(folder).as_posix() + "/")
            self._read(root, "", "")

    @staticmethod
    def _parents(folder: Path) -> list[Path]:
        """``folder`` and its parents up to the one holding ``.git`` (just ``folder`` outside a repository)."""
        chain = [folder, *folder.parents]
        for index, candidate in enumerate(chain):
            if (candidate / ".git").exists():
                return chain[: index + 1]
        return [folder]

    def _read(self, folder: Path, under: str, above: str) -> None:
        """``folder/.gitignore``, less the patterns that ignore the root: a folder named on the command line is walked."""
        try:
            lines = (folder / ".gitignore").read_text(encoding="utf-8", errors="replace").splitlines()
        except OSError:
            return
        spec = self.spec_of(lines)
        parts = above.split("/")[:-1]
        folders = ["/".join(parts[:n]) + "/" for n in range(1, len(parts) + 1)]  # the root and the folders to it
        while True:
            hit = next((found for found in map(spec.check_file, folders) if found.include), None)
            if hit is None:
                break
            spec = type(spec)([p for i, p in enumerate(spec.patterns) if i != hit.index])
        self.specs.append((under, above, spec))

    def enter(self, folder: Path) -> None:
        """A folder of the walk below the root: its .gitignore, if any, holds for the paths under it."""
        if self.use_files:
            self._read(folder, folder.relative_to(self.root).as_posix() + "/", "")

    def ignored(self, path: Path, is_dir: bool) -> bool:
        """Whether a walked file or folder is skipped: excluded, or ignored by the deepest .gitignore with a say."""
        relative = path.relative_to(self.root).as_posix() + ("/" if is_dir else "")
        if self.exclude is not None and self.exclude.match_file(relative):
            return True
        for under, above, spec in reversed(self.specs):
            if relative.startswith(under):
                verdict = spec.check_file(above + relative[len(under):])
                if verdict.include is not None:
                    return bool(verdict.include)
        return False

    def selected(self, path: Path) -> bool:
        return self.include is None or self.include.match_file(path.relative_to(self.root).as_posix())


def walk_inputs(paths: Iterable[str | Path], exclude: Path | None = None, selection: Selection = Selection(),
                skipped: Counter | None = None) -> Iterator[tuple[Path, PurePosixPath, str | None]]:
    """(file, path under its input root, reason to refuse it or None), folders recursed in sorted order.

    Hidden files and folders (a leading dot) are skipped, as git and ruff do,
    and so is ``exclude`` (the output folder, when it sits inside an input);
    see the module docstring for the rest. A folder's file that is no input
    type is counted in ``skipped`` by its suffix (``(none)`` without one).
    """
    skip = exclude.resolve() if exclude is not None else None
    for given in map(Path, paths):
        if not given.is_dir():
            yield given, PurePosixPath(given.name), None
            continue
        ignores = _Ignores(given, selection)
        for root, dirs, files in os.walk(given):
            here = Path(root)
            if here != given:
                ignores.enter(here)
            dirs[:] = sorted(d for d in dirs if not d.startswith(".")
                             and (skip is None or (here / d).resolve() != skip)
                             and not ignores.ignored(here / d, is_dir=True))
            for name in sorted(f for f in files if not f.startswith(".")):
                path = here / name
                if ignores.ignored(path, is_dir=False):
                    continue
                if not _taken(path, ignores, skipped):
                    continue
                yield path, PurePosixPath(path.relative_to(given).as_posix()), _outside(path, given)


def _taken(path: Path, ignores: _Ignores, skipped: Counter | None) -> bool:
    """Whether a walked file is an input: selected by --include (any type then) or of an input type."""
    if ignores.include is not None:
        return ignores.selected(path)
    head = None if has_extension(path.name) else _head(path)
    if input_kind(path, head) is not None:
        return True
    if skipped is not None:
        skipped[PurePosixPath(path.name).suffix.lower() or "(none)"] += 1
    return False


def iter_inputs(paths: Iterable[str | Path], exclude: Path | None = None, selection: Selection = Selection(),
                skipped: Counter | None = None) -> Iterator[tuple[Path, PurePosixPath]]:
    """(file, path under its input root) for every input that may be read (see walk_inputs)."""
    for path, relative, refused in walk_inputs(paths, exclude, selection, skipped):
        if refused is None:
            yield path, relative


def walk_any(paths: Iterable[Location], exclude: Location | None, selection: Selection = Selection(),
             skipped: Counter | None = None) -> Iterator[tuple[Location, PurePosixPath, str | None]]:
    """walk_inputs for local paths, remote.walk for URLs (input types by extension only), in the order given."""
    for given in paths:
        if isinstance(given, str):
            for url, relative in remote.walk(given):
                if input_kind(relative, b"") is not None:
                    yield url, relative, None
                elif skipped is not None:
                    skipped[relative.suffix.lower() or "(none)"] += 1
        else:
            yield from walk_inputs([given], exclude if isinstance(exclude, Path) else None, selection, skipped)


def output_format(name: PurePath, fmt: str | None) -> str:
    """The format an input is written in: ``fmt`` (default md), and JSONL for a JSONL input.

    A JSONL input is written as JSONL, one cleaned record a line; another
    format asked for it is an InputError with the reason, not ignored.
    """
    if is_jsonl_name(name):
        if fmt not in (None, "jsonl"):
            raise InputError(name, f"a JSONL input is written as JSONL, one cleaned record a line; "
                                   f"--format {fmt} is for single documents")
        return "jsonl"
    return fmt or "md"


def output_relative(relative: PurePosixPath, fmt: str | None) -> PurePosixPath:
    """The output's path under OUT: the suffix of its format (see output_format).

    Raises InputError for a path that would climb out of OUT (absolute, or a
    ``..`` part) and for a format a JSONL input cannot be written in.
    """
    if relative.is_absolute() or ".." in relative.parts:
        raise InputError(relative, "output would land outside the output folder")
    fmt = output_format(relative, fmt)
    stem = relative.name[: -len(".gz")] if relative.name.lower().endswith(".gz") else relative.name
    return relative.parent / PurePosixPath(stem).with_suffix(FORMATS[fmt])


def collisions(relatives: Iterable[tuple[str, PurePosixPath]], fmt: str | None, out: str = "OUT") -> dict[str, str]:
    """For each input whose output another input would also be written to, the error naming them all.

    ``relatives``: (input as shown, path under its input root). Found before
    anything is written, so no output is ever overwritten by a sibling
    (``a.txt``, ``a.html``, ``a.md`` -> ``a.md``); inputs whose output cannot
    be named are left to the worker, which reports why.
    """
    claims: dict[PurePosixPath, list[str]] = {}
    for shown, relative in relatives:
        try:
            claims.setdefault(output_relative(relative, fmt), []).append(shown)
        except InputError:
            continue
    errors = {}
    for output, inputs in claims.items():
        if len(inputs) > 1:
            for shown in inputs:
                others = ", ".join(other for other in inputs if other != shown)
                errors[shown] = f"output {out}/{output} would also be written from {others}; rename one or clean them apart"
    return errors


def output_path(out_dir: Path, relative: Path | PurePosixPath, fmt: str | None) -> Path:
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
    """Where the output goes: OUT's mirror path, the input itself (--in-place), or None for stdout.

    Dry (--dry-run, --diff) without -o, the input stands in for the output:
    the run reports whether cleaning would change it, as ``black --check`` does.
    """
    if options.in_place or (options.out_dir is None and not options.writes):
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
