"""Write a file all or nothing: to a temporary file beside it, renamed over it once complete.

Every file cleaner writes (outputs, reports, the rule cache, the check table)
goes through AtomicFile, so a crash or Ctrl-C never leaves half a file and
every temporary has the one name shape a rerun sweeps (TEMPORARY). It sits
below the four packages so that the rule book's cache may use it too.
"""
from __future__ import annotations

import os
import re
from pathlib import Path
from typing import IO, Any

TEMPORARY = re.compile(r"\..+\.[a-z0-9_]{8}\.tmp")  # AtomicFile's names: .NAME.XXXXXXXX.tmp (as mkstemp's were)


class AtomicFile:
    """A temporary file beside ``path``: ``commit`` renames it over ``path``, ``abandon`` deletes it.

    Used as a context manager it commits when the block ends normally and
    abandons on any exception; a batch joining parts holds one open instead.
    """

    def __init__(self, path: Path, *, binary: bool = False):
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd, self.temporary = _create_beside(self.path)
        self.handle: IO[Any] = (os.fdopen(fd, "wb") if binary
                                else os.fdopen(fd, "w", encoding="utf-8", newline="\n"))

    def commit(self) -> None:
        try:
            self.handle.close()
            os.chmod(self.temporary, file_mode(self.path))  # created 0600; this is an ordinary file
            os.replace(self.temporary, self.path)
        except BaseException:
            Path(self.temporary).unlink(missing_ok=True)
            raise

    def abandon(self) -> None:
        self.handle.close()
        Path(self.temporary).unlink(missing_ok=True)

    def __enter__(self) -> IO[Any]:
        return self.handle

    def __exit__(self, kind: type[BaseException] | None, *_: object) -> None:
        if kind is None:
            self.commit()
        else:
            self.abandon()


def _create_beside(path: Path) -> tuple[int, str]:
    """A new file ``.NAME.XXXXXXXX.tmp`` beside ``path``, as mkstemp makes: without tempfile's start-up cost."""
    while True:
        name = str(path.parent / f".{path.name}.{os.urandom(4).hex()}.tmp")
        try:
            return os.open(name, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600), name
        except FileExistsError:
            continue


def write_atomic(path: Path, text: str) -> None:
    """Write ``text`` (UTF-8, ``\\n`` line ends) all or nothing.

    A symlink is written through (its target is replaced, the link stays), as
    an editor saving the file would; renaming over the link would cut it.
    """
    with AtomicFile(Path(os.path.realpath(path))) as handle:
        handle.write(text)


def file_mode(path: Path) -> int:
    """The file's own mode when it exists (--in-place keeps it), else 0666 minus the umask."""
    try:
        return path.stat().st_mode & 0o7777
    except OSError:
        umask = os.umask(0)
        os.umask(umask)
        return 0o666 & ~umask
