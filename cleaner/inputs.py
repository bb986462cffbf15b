"""Read an input file into a Source: bytes -> text, an earlier header -> prior metadata.

Bad input is an InputError with a one-line reason; callers report it and go on.
"""
from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Iterator

from .document import Source

MAX_INPUT_BYTES = 50 * 1024 * 1024
_FRONT_MATTER_MAX_LINES = 200


class InputError(Exception):
    """A file that cannot be cleaned; str() is 'path: reason'."""

    def __init__(self, path: str | Path, reason: str):
        self.path, self.reason = str(path), reason
        super().__init__(f"{path}: {reason}")


def decode(data: bytes, path: str | Path) -> str:
    """UTF-8 (with or without BOM) first; otherwise the charset charset-normalizer settles on."""
    if b"\x00" in data[:8192] and not data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise InputError(path, "binary file (NUL bytes), not text")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    from charset_normalizer import from_bytes

    best = from_bytes(data).best()
    if best is None:
        raise InputError(path, "undecodable bytes: no text encoding fits")
    return str(best)


def split_front_matter(text: str) -> tuple[dict, str]:
    """(header, body) of a file that starts with a YAML front matter block; ({}, text) otherwise."""
    if not text.startswith("---\n"):
        return {}, text
    lines = text.split("\n", _FRONT_MATTER_MAX_LINES + 1)
    try:
        end = lines.index("---", 1, _FRONT_MATTER_MAX_LINES)
    except ValueError:
        return {}, text
    from ruamel.yaml import YAML
    from ruamel.yaml.error import YAMLError

    try:
        header = YAML(typ="safe", pure=True).load("\n".join(lines[1:end]))
    except YAMLError:
        return {}, text
    if not isinstance(header, dict):
        return {}, text
    body = text.split("\n", end + 1)[end + 1] if text.count("\n") > end else ""
    return header, body


def source_from_text(text: str, *, path: str | None = None, url: str | None = None,
                     sha256: str | None = None) -> Source:
    """A Source for ``text``, taking the URL and earlier header from its front matter if any."""
    prior, body = split_front_matter(text)
    return Source(text=body, path=path, url=url or prior.get("url"), sha256=sha256, prior=prior)


def read_source(path: Path, *, display: str | None = None, url: str | None = None) -> Source:
    """Read one text file. Raises InputError for unreadable, binary, huge or empty-of-text input."""
    try:
        size = path.stat().st_size
        if size > MAX_INPUT_BYTES:
            raise InputError(path, f"too large ({size} bytes > {MAX_INPUT_BYTES})")
        data = path.read_bytes()
    except OSError as exc:
        raise InputError(path, exc.strerror or str(exc)) from None
    text = decode(data, path)
    return source_from_text(text, path=display or str(path), url=url, sha256=hashlib.sha256(data).hexdigest())


def read_sources(path: Path, *, display: str | None = None, url: str | None = None) -> Iterator[Source]:
    """Every document in one input file: one for a text or HTML file, one per record for JSONL."""
    yield read_source(path, display=display, url=url)
