"""Inputs and outputs behind fsspec URLs (``s3://``, ``gs://``, ...), for batches that run on a cluster.

A location is a local ``Path`` or, when it names a protocol, a URL string.
``file://`` URLs are turned into local paths at the door (``location``), so a
local file always gets the local guarantees: symlink checks, atomic rename,
resume state next to the outputs. Everything here imports fsspec lazily: it is
an optional dependency (``pip install 'cleaner[dask]'``) and a pre-commit hook
must not pay for it.

Object stores have no rename, but a single PUT of a whole object is all or
nothing (S3, GCS, Azure), so an output written with ``write`` is never seen
half-written there either.
"""
from __future__ import annotations

import hashlib
from pathlib import Path, PurePosixPath
from typing import Iterator

from ..stages.reading import MAX_INPUT_BYTES, InputError

Location = Path | str  # str: a URL with a protocol other than file://


class MissingDependency(Exception):
    """An optional dependency the command needs is not installed; str() is the one-line advice."""


def has_protocol(given: str | Path) -> bool:
    return isinstance(given, str) and "://" in given


def location(given: str | Path) -> Location:
    """A local Path for local paths and ``file://`` URLs, the URL itself for any other protocol."""
    if not has_protocol(given):
        return Path(given)
    if str(given).startswith("file://"):
        return Path(str(given)[len("file://"):])
    return str(given).rstrip("/")


def _fs(url: str):
    try:
        from fsspec.core import url_to_fs
    except ImportError:
        raise MissingDependency(f"{url}: reading URLs needs fsspec: pip install 'cleaner[dask]'") from None
    return url_to_fs(url)


def require(url: str) -> None:
    """Fail early, with one line, when ``url``'s filesystem cannot be used (no fsspec, no s3fs, ...)."""
    try:
        _fs(url)
    except MissingDependency:
        raise
    except (ImportError, ValueError) as exc:
        raise MissingDependency(f"{url}: {exc}") from None


def _url(fs, path: str) -> str:
    return fs.unstrip_protocol(path)


def walk(url: str) -> Iterator[tuple[str, PurePosixPath]]:
    """(file URL, path under ``url``) for every file, sorted, hidden entries skipped (as for local folders)."""
    fs, root = _fs(url)
    if not fs.isdir(root):
        yield url, PurePosixPath(PurePosixPath(root).name)
        return
    root = root.rstrip("/")
    for path in sorted(fs.find(root)):
        relative = PurePosixPath(path[len(root):].lstrip("/"))
        if not any(part.startswith(".") for part in relative.parts):
            yield _url(fs, path), relative


def read(url: str) -> bytes:
    """The object's bytes as stored; InputError when it is missing or over the input size limit."""
    fs, path = _fs(url)
    try:
        size = fs.size(path)
        if size is not None and size > MAX_INPUT_BYTES:
            raise InputError(url, f"too large ({size} bytes > {MAX_INPUT_BYTES})")
        return fs.cat_file(path)
    except (OSError, FileNotFoundError) as exc:
        raise InputError(url, getattr(exc, "strerror", None) or str(exc)) from None


def join(url: str, relative: PurePosixPath) -> str:
    return f"{url}/{relative.as_posix()}"


def exists(url: str) -> bool:
    fs, path = _fs(url)
    return fs.exists(path)


def read_text(url: str) -> str | None:
    """The object's text, or None when it is missing or not UTF-8."""
    fs, path = _fs(url)
    try:
        return fs.cat_file(path).decode("utf-8")
    except (OSError, FileNotFoundError, UnicodeDecodeError):
        return None


def write(url: str, text: str) -> None:
    """One PUT of the whole object: all or nothing on object stores."""
    fs, path = _fs(url)
    fs.pipe_file(path, text.encode("utf-8"))


def state_folder(url: str, cache: Path) -> Path:
    """Where the resume state of a remote output folder lives: a local folder keyed by its URL.

    SQLite needs a local file with locking, which object stores do not give;
    the state is written by the main process only, so it stays on its machine.
    """
    return cache / "state" / hashlib.sha256(url.encode()).hexdigest()[:16]
