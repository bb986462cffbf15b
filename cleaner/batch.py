"""Clean many files: walk inputs, clean each, write outputs mirroring the input tree.

A file that cannot be read is reported with its reason and the run goes on;
each output is written to a temporary file and renamed, so a crash never
leaves half a file; nothing is ever written over an input.
"""
from __future__ import annotations

import os
import sys
import tempfile
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable, Iterator, TextIO

from .inputs import InputError, read_source
from .pipeline import clean_source
from .render import FORMATS, render
from .ruleset import RuleSet

NOT_WRITTEN = ("not_found", "empty")  # reported, not written as if they were articles


@dataclass
class FileResult:
    input: str
    output: str | None = None
    status: str | None = None
    error: str | None = None
    removed: dict[str, int] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)


@dataclass
class Summary:
    results: list[FileResult] = field(default_factory=list)

    @property
    def errors(self) -> list[FileResult]:
        return [r for r in self.results if r.error]

    def statuses(self) -> Counter:
        return Counter(r.status for r in self.results if r.status)

    def removed_by_kind(self) -> Counter:
        total: Counter = Counter()
        for result in self.results:
            total.update(result.removed)
        return total

    def text(self) -> str:
        kinds = ", ".join(f"{k} {n}" for k, n in sorted(self.removed_by_kind().items())) or "nothing"
        statuses = ", ".join(f"{k} {n}" for k, n in sorted(self.statuses().items())) or "none"
        return (f"{len(self.results)} files: {statuses}; removed: {kinds}; "
                f"errors: {len(self.errors)}")


def iter_inputs(paths: Iterable[str | Path]) -> Iterator[tuple[Path, Path]]:
    """(file, path relative to its input root) for every file, recursing into folders in sorted order.

    Hidden files and folders (a leading dot) are skipped, as git and ruff do.
    """
    for given in map(Path, paths):
        if given.is_dir():
            for root, dirs, files in os.walk(given):
                dirs[:] = sorted(d for d in dirs if not d.startswith("."))
                for name in sorted(files):
                    if not name.startswith("."):
                        path = Path(root) / name
                        yield path, path.relative_to(given)
        else:
            yield given, Path(given.name)


def output_path(out_dir: Path, relative: Path, fmt: str) -> Path:
    """OUT/<relative path> with the format's suffix; always inside OUT."""
    target = (out_dir / relative).with_suffix(FORMATS[fmt])
    if not target.resolve().is_relative_to(out_dir.resolve()):
        raise InputError(relative, "output would land outside the output folder")
    return target


def write_atomic(path: Path, text: str) -> None:
    """Write via a temporary file in the same folder and rename: all or nothing."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as handle:
            handle.write(text)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def clean_file(path: Path, ruleset: RuleSet, *, url: str | None = None):
    """(Document, FileResult) for one input file; the Document is None when it could not be read."""
    result = FileResult(input=str(path))
    try:
        document = clean_source(read_source(path, url=url), ruleset)
    except InputError as exc:
        result.error = exc.reason
        return None, result
    result.status = document.status
    result.removed = dict(document.removed_by_kind())
    result.warnings = document.warnings
    return document, result


def run_batch(paths: Iterable[str | Path], ruleset: RuleSet, *, out_dir: Path | None, fmt: str = "md",
              url: str | None = None, stdout: TextIO = sys.stdout, log: TextIO = sys.stderr) -> Summary:
    """Clean every input; write to ``out_dir`` (mirroring the tree) or to ``stdout`` when None."""
    summary = Summary()
    jsonl_out = out_dir / "cleaned.jsonl" if out_dir is not None and fmt == "jsonl" else None
    jsonl_parts: list[str] = []
    for path, relative in iter_inputs(paths):
        document, result = clean_file(path, ruleset, url=url)
        summary.results.append(result)
        if document is None:
            print(f"error: {path}: {result.error}", file=log)
            continue
        for warning in document.warnings:
            print(f"warning: {path}: {warning}", file=log)
        if document.status in NOT_WRITTEN:
            print(f"skipped: {path}: {document.status}", file=log)
            continue
        rendered = render(document, fmt)
        if out_dir is None:
            stdout.write(rendered)
        elif jsonl_out is not None:
            jsonl_parts.append(rendered)
            result.output = str(jsonl_out)
        else:
            try:
                target = output_path(out_dir, relative, fmt)
                if target.exists() and target.samefile(path):
                    raise InputError(path, "output would overwrite the input; choose another -o")
            except InputError as exc:
                result.error = exc.reason
                print(f"error: {path}: {exc.reason}", file=log)
                continue
            write_atomic(target, rendered)
            result.output = str(target)
    if jsonl_out is not None:
        write_atomic(jsonl_out, "".join(jsonl_parts))
    return summary
