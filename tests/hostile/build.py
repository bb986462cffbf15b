"""Build the hostile input corpus: files a batch over scraped data meets sooner or later.

Generated, not committed: binaries, huge files and symlinks do not belong in
git, and a script states what each file is. ``build(folder)`` returns, for each
file name, "ok" when the file must be cleaned, or a substring of the one-line
reason ``cleaner clean`` must give for it (statuses like "empty" included).

    python tests/hostile/build.py OUT
"""
from __future__ import annotations

import gzip
import json
import os
import struct
import sys
import zipfile
import zlib
from pathlib import Path

SENTENCES = [
    "The city council voted on Tuesday to extend the night bus service to the northern districts.",
    "Officials said the new timetable would take effect next month, after a short public consultation.",
    "Residents who spoke at the meeting welcomed the change but asked for more frequent buses at weekends.",
]
FRENCH = "Le conseil municipal a voté mardi la prolongation du service de bus de nuit, a déclaré le maire à l'été."
RUSSIAN = "Городской совет во вторник проголосовал за продление ночного автобусного маршрута в северные районы."
ARTICLE = "\n\n".join(SENTENCES) + "\n"
HTML_ARTICLE = ("<html><head><title>Night buses extended</title></head><body><article><h1>Night buses extended</h1>"
                + "".join(f"<p>{s}</p>" for s in SENTENCES) + "</article></body></html>")
INPUT_LIMIT = 50 * 1024 * 1024  # the documented input size limit (cleaner.stages.reading.MAX_INPUT_BYTES)
BOMB_BYTES = 300 * 1024 * 1024  # what the gzip bomb expands to: far past any sane decompressed limit
NESTING = 100_000


def png_bytes(width: int = 4, height: int = 4) -> bytes:
    """A valid RGB PNG: signature, IHDR, one IDAT, IEND, with real CRCs."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    rows = b"".join(b"\x00" + b"\xff\x00\x00" * width for _ in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b"")


def write_repeated(path: Path, unit: bytes, size: int, opener=open) -> None:
    """Write ``size`` bytes of ``unit`` repeated, in chunks, so building never holds the file in memory."""
    block = unit * (1024 * 1024 // len(unit) + 1)
    written = 0
    with opener(path, "wb") as handle:
        while written < size:
            part = block[:size - written]
            handle.write(part)
            written += len(part)


def _binaries(folder: Path) -> dict[str, str]:
    (folder / "image.png").write_bytes(png_bytes())
    (folder / "archive.txt.gz").write_bytes(gzip.compress(ARTICLE.encode()))  # gzip is an input format
    with zipfile.ZipFile(folder / "bundle.zip", "w", zipfile.ZIP_DEFLATED) as bundle:
        bundle.writestr("article.txt", ARTICLE)
    return {"image.png": "not-input", "archive.txt.gz": "ok", "bundle.zip": "not-input"}  # no input type: skipped


def _encodings(folder: Path) -> dict[str, str]:
    (folder / "invalid-utf8.txt").write_bytes(ARTICLE.encode() + b"Broken bytes \xff\xfe\xc3( here.\n")
    (folder / "utf16-bom.txt").write_bytes(ARTICLE.encode("utf-16"))
    (folder / "utf16le-nobom.txt").write_bytes(ARTICLE.encode("utf-16-le"))
    (folder / "latin1.txt").write_bytes((FRENCH + "\n\n" + ARTICLE).encode("latin-1"))
    (folder / "cp1251.txt").write_bytes((RUSSIAN + "\n\n" + RUSSIAN.replace("вторник", "среду") + "\n").encode("cp1251"))
    return {name: "ok" for name in ("invalid-utf8.txt", "utf16-bom.txt", "utf16le-nobom.txt", "latin1.txt",
                                    "cp1251.txt")}


def _sizes(folder: Path) -> dict[str, str]:
    (folder / "empty.txt").write_bytes(b"")
    (folder / "whitespace.txt").write_text(" \n\t\r\n\u00a0\u200b\n" * 1000, encoding="utf-8")
    write_repeated(folder / "huge-50mb.txt", (SENTENCES[0] + "\n\n").encode(), INPUT_LIMIT + 1)
    write_repeated(folder / "one-line-10mb.txt", (SENTENCES[1] + " ").encode(), 10 * 1024 * 1024)
    return {"empty.txt": "empty", "whitespace.txt": "empty", "huge-50mb.txt": "too large", "one-line-10mb.txt": "ok"}


def _structures(folder: Path) -> dict[str, str]:
    nested = "<html><body>" + "<div>" * NESTING + "".join(f"<p>{s}</p>" for s in SENTENCES) + "</div>" * NESTING
    (folder / "nested.html").write_text(nested + "</body></html>", encoding="utf-8")
    write_repeated(folder / "bomb.html.gz", b" ", BOMB_BYTES, opener=lambda p, m: gzip.open(p, m, compresslevel=9))
    (folder / "page.html.gz").write_bytes(gzip.compress(HTML_ARTICLE.encode()))
    records = [json.dumps({"url": "https://example.org/a", "text": ARTICLE}), '{"url": "https://example.org/b", "te',
               json.dumps({"url": "https://example.org/c", "text": ARTICLE.replace("Tuesday", "Monday")})]
    (folder / "records.jsonl").write_text("\n".join(records) + "\n", encoding="utf-8")
    return {"nested.html": "ok", "bomb.html.gz": "too large", "page.html.gz": "ok", "records.jsonl": "bad JSON"}


def _links(folder: Path) -> dict[str, str]:
    loops = folder / "loops"
    loops.mkdir()
    os.symlink("loop-b.txt", loops / "loop-a.txt")
    os.symlink("loop-a.txt", loops / "loop-b.txt")
    outside = folder.parent / f"{folder.name}-outside"
    outside.mkdir(exist_ok=True)
    (outside / "secret.txt").write_text(ARTICLE, encoding="utf-8")
    os.symlink(outside / "secret.txt", folder / "escape.txt")
    os.symlink(outside, folder / "escape-dir")
    # escape-dir is a folder, not a file: skipped like any folder symlink, with no reason line owed
    return {"loops/loop-a.txt": "symbolic links", "loops/loop-b.txt": "symbolic links", "escape.txt": "outside"}


def build(folder: Path) -> dict[str, str]:
    """Write the corpus into ``folder`` (created); file name -> "ok" or expected reason substring."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "good.txt").write_text(ARTICLE, encoding="utf-8")
    expected = {"good.txt": "ok"}
    for part in (_binaries, _encodings, _sizes, _structures, _links):
        expected.update(part(folder))
    return expected


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: python tests/hostile/build.py OUT")
    for name, outcome in sorted(build(Path(sys.argv[1])).items()):
        print(f"{name}\t{outcome}")
