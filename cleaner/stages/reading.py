"""Read an input file into Sources: bytes -> text (charset detected), HTML or text, one or many records.

Kinds of input, told apart by name and, for HTML, by content:

- text (``.txt``, anything else): one Source, an earlier front-matter header as ``prior``;
- HTML (``.html``, ``.htm``, ``.xhtml``, or bytes that start like a page): one
  Source with ``html`` set; the pipeline extracts it;
- JSONL (``.jsonl``, ``.ndjson``): one Source per record, ``record`` set;
  a broken line is reported as ``path:line: reason`` and the others go on.

Any of them may be gzipped (``.gz`` or the gzip magic bytes). Bad input is an
InputError with a one-line reason; callers report it and go on.
"""
from __future__ import annotations

import codecs
import gzip
import hashlib
import io
import json
import os
import re
import stat
import sys
import zlib
from dataclasses import dataclass, replace
from pathlib import Path, PurePath
from typing import Any, Callable, Iterator, Mapping

from ..rulebook.rulefile import YAMLAliasError, load_yaml
from ..rulebook.textform import front_matter
from .document import Source

MAX_INPUT_BYTES = 50 * 1024 * 1024
HTML_SUFFIXES = (".html", ".htm", ".xhtml")
JSONL_SUFFIXES = (".jsonl", ".ndjson")
DEFAULT_FIELDS = {"url": "url", "html": "html", "text": "text"}
DETECT_SAMPLE = 256 * 1024  # bytes charset-normalizer looks at; the whole file is decoded with its verdict
MAX_REPLACED_SHARE = 0.01  # a declared charset that leaves more bad bytes than this is not believed
_BOMS = ((codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF32_LE, "utf-32"), (codecs.BOM_UTF32_BE, "utf-32"),
         (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16"))
_HTML_START = re.compile(rb"\s*(?:<!--.*?-->\s*)*(?:<\?xml[^>]*>\s*)?<(?:!doctype\s+html|html|head|body)[\s>]",
                         re.IGNORECASE | re.DOTALL)
_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([\w.:-]+)""", re.IGNORECASE)
_CANONICAL = re.compile(
    r"""<link\b[^>]*\brel=["']?canonical["']?[^>]*\bhref=["']([^"'\s>]+)"""
    r"""|<link\b[^>]*\bhref=["']([^"'\s>]+)["'][^>]*\brel=["']?canonical"""
    r"""|<meta\b[^>]*\bproperty=["']og:url["'][^>]*\bcontent=["']([^"'\s>]+)""",
    re.IGNORECASE)
# WHATWG: pages that say latin-1 or ascii are decoded as windows-1252, its superset
_CHARSET_ALIASES = {"latin-1": "cp1252", "iso8859-1": "cp1252", "ascii": "cp1252"}

SURROGATE = re.compile("[\ud800-\udfff]")  # a lone surrogate: a str no UTF-8 writer takes

ErrorHandler = Callable[["InputError"], None]


def display_name(path: str | PurePath) -> str:
    """A file name as text any UTF-8 stream takes: a byte that is not UTF-8 is shown as ``\\xNN``.

    Linux file names are bytes. Python reads them as UTF-8 with
    ``surrogateescape``: such a byte becomes a lone surrogate (U+DC80..U+DCFF)
    in the ``str``, which opens the right file but which no UTF-8 writer
    accepts. Logs, reports and output headers show the name as Python's
    ``backslashreplace`` shows those bytes (``latin1-\\xe9name.txt``); files are
    always opened, written and keyed in the resume state by their real bytes.
    """
    text = str(path)
    if text.isascii():
        return text
    try:
        return text.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")
    except UnicodeEncodeError:  # a surrogate no file name decodes to (from a URL or an argument)
        return text.encode("utf-8", "backslashreplace").decode("utf-8")


def replace_surrogates(text: str) -> tuple[str, int]:
    """``text`` with every lone surrogate made U+FFFD, and how many there were.

    The JSON decoder (``"\\ud800"`` is valid JSON) and Python callers can hand
    over a ``str`` that no UTF-8 writer, regex gate or automaton accepts;
    a decoded file never holds one.
    """
    if text.isascii() or not SURROGATE.search(text):
        return text, 0
    return SURROGATE.subn("\ufffd", text)


def surrogate_warning(count: int) -> str:
    return f"{count} lone surrogate{'s' if count > 1 else ''} (U+D800..U+DFFF) replaced by U+FFFD"


def _json_without_surrogates(value: Any) -> tuple[Any, int]:
    """A decoded JSON value with replace_surrogates applied to every string in it (keys too)."""
    if isinstance(value, str):
        return replace_surrogates(value)
    if isinstance(value, list):
        pairs = [_json_without_surrogates(item) for item in value]
        return [item for item, _ in pairs], sum(n for _, n in pairs)
    if isinstance(value, dict):
        total, clean = 0, {}
        for key, item in value.items():
            key, k = replace_surrogates(key)
            clean[key], n = _json_without_surrogates(item)
            total += k + n
        return clean, total
    return value, 0


def sanitised(source: Source) -> Source:
    """``source`` with lone surrogates in its text, HTML and URL replaced, a warning saying so; else itself."""
    text, in_text = replace_surrogates(source.text)
    html, in_html = replace_surrogates(source.html) if source.html is not None else (None, 0)
    url, in_url = replace_surrogates(source.url) if source.url is not None else (None, 0)
    count = in_text + in_html + in_url
    if not count:
        return source
    return replace(source, text=text, html=html, url=url, warnings=(*source.warnings, surrogate_warning(count)))


class InputError(Exception):
    """A file (or one record of it) that cannot be cleaned; str() is 'path: reason' (see display_name)."""

    def __init__(self, path: str | PurePath, reason: str):
        self.path, self.reason = display_name(path), reason
        super().__init__(f"{self.path}: {reason}")


def _codec(name: str) -> str | None:
    """Python's canonical codec name for a charset label, or None for a label it does not know."""
    try:
        canonical = codecs.lookup(name.strip().lower()).name
    except LookupError:
        return None
    return _CHARSET_ALIASES.get(canonical, canonical)


def _declared(data: bytes) -> str | None:
    """The charset a page declares in a <meta> tag in its first 4 KB."""
    found = _META_CHARSET.search(data[:4096])
    return _codec(found.group(1).decode("ascii", "replace")) if found else None


def _decode_lenient(data: bytes, encoding: str) -> str | None:
    """``data`` in ``encoding`` with the odd bad byte replaced; None when many bytes do not fit."""
    try:
        return data.decode(encoding)
    except UnicodeDecodeError:
        text = data.decode(encoding, "replace")
    return text if text.count("\ufffd") <= MAX_REPLACED_SHARE * max(len(text), 1) else None


def _detected(data: bytes) -> str:
    from charset_normalizer import from_bytes

    best = from_bytes(data[:DETECT_SAMPLE]).best()
    return (_codec(best.encoding) if best is not None else None) or "utf-8"


def _utf16_without_bom(data: bytes) -> tuple[str, str] | None:
    """UTF-16 text saved without a BOM: NULs on one byte parity only, and a clean decode.

    Text in Latin script is every other byte NUL in UTF-16; a binary file has
    NULs on both parities, so it is still refused as binary below.
    """
    sample = data[:8192]
    even, odd = sample[0::2].count(0), sample[1::2].count(0)
    if len(sample) < 16 or max(even, odd) < len(sample) // 4 or min(even, odd) > max(even, odd) // 50:
        return None
    encoding = "utf-16-le" if odd > even else "utf-16-be"
    try:
        text = data[: len(data) // 2 * 2].decode(encoding)
    except UnicodeDecodeError:
        return None
    printable = sum(ch.isprintable() or ch.isspace() for ch in text[:4096])
    return (text, encoding) if printable >= 0.95 * min(len(text), 4096) else None


def decode_bytes(data: bytes, path: str | Path, *, html: bool = False) -> tuple[str, str]:
    """(text, encoding used). Order: BOM, the page's <meta charset> (HTML), UTF-8, charset-normalizer.

    Never fails on a bad byte: it becomes U+FFFD. Only NUL-riddled data
    (a binary file) is refused, since no encoding makes text of it.
    """
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            text = data.decode(encoding, "replace")
            return (text[1:] if text.startswith("\ufeff") else text), encoding.replace("-sig", "")
    utf16 = _utf16_without_bom(data)
    if utf16 is not None:
        return utf16
    if b"\x00" in data[:8192]:
        raise InputError(path, "binary file (NUL bytes), not text")
    candidates = ([_declared(data)] if html else []) + ["utf-8"]
    for encoding in filter(None, candidates):
        text = _decode_lenient(data, encoding)
        if text is not None:
            return text, encoding
    encoding = _detected(data)
    return data.decode(encoding, "replace"), encoding


def decode(data: bytes, path: str | Path) -> str:
    """The text of ``data`` (see decode_bytes); kept for callers that need no encoding name."""
    return decode_bytes(data, path)[0]


def split_front_matter(text: str) -> tuple[dict, str]:
    """(header, body) of a file that starts with a YAML front matter block; ({}, text) otherwise."""
    return read_front_matter(text)[:2]


def read_front_matter(text: str) -> tuple[dict, str, str | None]:
    """(header, body, warning) of a file that starts with a YAML front matter block; ({}, text, None) otherwise.

    A block that is not a YAML mapping stays body text. So does one holding
    YAML aliases (a few hundred bytes of them expand to gigabytes, and
    cleaner's headers never use them), with a warning saying why.
    """
    text, lines, body = front_matter(text)
    if not lines:
        return {}, text, None
    from ruamel.yaml.error import YAMLError

    try:
        header = load_yaml("\n".join(lines))
    except YAMLAliasError as exc:
        return {}, text, f"front matter not read as a header: {exc}"
    except YAMLError:
        return {}, text, None
    return (header, body, None) if isinstance(header, dict) else ({}, text, None)


def source_from_text(text: str, *, path: str | None = None, url: str | None = None,
                     sha256: str | None = None, encoding: str | None = None) -> Source:
    """A Source for ``text``, taking the URL and earlier header from its front matter if any.

    Lone surrogates (a Python caller's ``str``) are replaced first, so the front matter still parses.
    ``first_line`` is the file's line of the body's first line, so line
    numbers count the header's lines too.
    """
    text, replaced = replace_surrogates(text)
    prior, body, warning = read_front_matter(text)
    warnings = tuple(w for w in (surrogate_warning(replaced) if replaced else None, warning) if w)
    first_line = 1 + text.replace("\r\n", "\n")[: -len(body) or None].count("\n") if prior else 1
    return Source(text=body, path=path, url=url or prior.get("url"), sha256=sha256, prior=prior,
                  encoding=encoding, warnings=warnings, first_line=first_line)


def url_in_html(html: str) -> str | None:
    """The page's own URL from <link rel=canonical> or og:url, so site rules apply to saved pages."""
    found = _CANONICAL.search(html[:200_000])
    url = next((g for g in found.groups() if g), None) if found else None
    return url if url and url.startswith(("http://", "https://")) else None


def looks_like_html(data: bytes) -> bool:
    """True for bytes that start like a web page, whatever the file is called."""
    data = data[len(codecs.BOM_UTF8):] if data.startswith(codecs.BOM_UTF8) else data
    return bool(_HTML_START.match(data[:4096]))


def _bare_name(path: PurePath) -> str:
    name = path.name.lower()
    return name[:-3] if name.endswith(".gz") else name


def is_html_name(path: PurePath) -> bool:
    return _bare_name(path).endswith(HTML_SUFFIXES)


def is_jsonl_name(path: PurePath) -> bool:
    """JSONL by name only (``.jsonl``, ``.ndjson``, gzipped too): a batch writes one .jsonl output per such input."""
    return _bare_name(path).endswith(JSONL_SUFFIXES)


def read_raw(path: Path) -> bytes:
    """The file's bytes as stored; InputError for what is not a regular file, unreadable or too large."""
    try:
        status = path.stat()
        if not stat.S_ISREG(status.st_mode):  # a FIFO or device would block the batch forever
            raise InputError(path, "not a regular file")
        if status.st_size > MAX_INPUT_BYTES:
            raise InputError(path, f"too large ({status.st_size} bytes > {MAX_INPUT_BYTES})")
        return path.read_bytes()
    except OSError as exc:
        raise InputError(path, exc.strerror or str(exc)) from None


def read_bytes(path: Path) -> bytes:
    """The file's bytes, gunzipped when gzipped; InputError for unreadable, huge or corrupt input."""
    return unpack(read_raw(path), path)


def unpack(data: bytes, path: str | PurePath) -> bytes:
    """``data`` gunzipped when gzipped; InputError for corrupt or, once unpacked, huge input."""
    if not data.startswith(b"\x1f\x8b"):
        return data
    try:
        with gzip.GzipFile(fileobj=io.BytesIO(data)) as stream:
            unpacked = stream.read(MAX_INPUT_BYTES + 1)
    except (OSError, EOFError, zlib.error) as exc:
        raise InputError(path, f"corrupt gzip: {exc}") from None
    if len(unpacked) > MAX_INPUT_BYTES:
        raise InputError(path, f"too large once unzipped (> {MAX_INPUT_BYTES} bytes)")
    return unpacked


def source_from_bytes(data: bytes, *, path: str, url: str | None = None, html: bool | None = None) -> Source:
    """One document from bytes: HTML when named so or when it looks like a page, text otherwise."""
    sha256 = hashlib.sha256(data).hexdigest()
    if html is None:
        html = looks_like_html(data)
    if html:
        markup, encoding = decode_bytes(data, path, html=True)
        return Source(text="", html=markup, path=path, url=url or url_in_html(markup), sha256=sha256,
                      encoding=encoding)
    text, encoding = decode_bytes(data, path)
    return source_from_text(text, path=path, url=url, sha256=sha256, encoding=encoding)


def read_source(path: Path, *, display: str | None = None, url: str | None = None) -> Source:
    """Read one text or HTML file. Raises InputError for unreadable, binary or huge input."""
    return _named_source(read_bytes(path), path, display or display_name(path), url)


def _named_source(data: bytes, name: PurePath, shown: str, url: str | None) -> Source:
    return source_from_bytes(data, path=shown, url=url, html=True if is_html_name(name) else None)


def record_source(record: Any, fields: Mapping[str, str], where: str, sha256: str | None = None) -> Source:
    """The Source for one JSONL record (or a dict of the Python API); InputError when it has no HTML or text.

    ``fields``: the names of the ``url``, ``html`` and ``text`` fields;
    ``sha256``: of the record's line (default: of the record as sorted JSON).
    """
    if not isinstance(record, dict):
        raise InputError(where, f"a record is a JSON object, not {type(record).__name__}")
    if sha256 is None:
        sha256 = hashlib.sha256(json.dumps(record, sort_keys=True, default=str).encode("utf-8", "replace")).hexdigest()
    url = record.get(fields["url"])
    url = url if isinstance(url, str) and url else None
    earlier = record.get("cleaner")
    prior = earlier.get("metadata") if isinstance(earlier, dict) else None
    prior = prior if isinstance(prior, dict) else {}
    common = {"path": where, "url": url or prior.get("url"), "sha256": sha256, "record": record,
              "text_field": fields["text"], "encoding": "utf-8", "prior": prior}
    html, text = record.get(fields["html"]), record.get(fields["text"])
    if isinstance(html, str) and html.strip():
        return replace(Source(text="", html=html, **common), url=common["url"] or url_in_html(html))
    if isinstance(text, str):
        return Source(text=text, **common)
    raise InputError(where, f"no '{fields['html']}' or '{fields['text']}' string field")


def _report(error: InputError) -> None:
    print(f"warning: {error}", file=sys.stderr)


def _records_in(text: str, shown: str, first_line: int, names: Mapping[str, str], url: str | None,
                report: ErrorHandler) -> Iterator[Source]:
    for number, line in enumerate(text.split("\n"), start=first_line):
        if not line.strip():
            continue
        where = f"{shown}:{number}"
        try:
            record = json.loads(line)
        except json.JSONDecodeError as exc:
            report(InputError(where, f"bad JSON: {exc.msg} (column {exc.colno})"))
            continue
        record, replaced = _json_without_surrogates(record)
        if replaced:
            report(InputError(where, surrogate_warning(replaced)))
        try:
            source = record_source(record, names, where, hashlib.sha256(line.encode("utf-8", "replace")).hexdigest())
        except InputError as exc:
            report(exc)
            continue
        yield source if source.url or not url else replace(source, url=url)


def read_records(path: Path, *, display: str | None = None, url: str | None = None,
                 fields: Mapping[str, str] | None = None,
                 on_error: ErrorHandler | None = None) -> Iterator[Source]:
    """One Source per JSONL record. A broken line goes to ``on_error`` (default: stderr) and reading goes on."""
    yield from _records(read_bytes(path), display or display_name(path), url, fields, on_error)


def _records(data: bytes, shown: str, url: str | None, fields: Mapping[str, str] | None,
             on_error: ErrorHandler | None) -> Iterator[Source]:
    text, _ = decode_bytes(data, shown)
    yield from _records_in(text, shown, 1, {**DEFAULT_FIELDS, **(fields or {})}, url, on_error or _report)


@dataclass(frozen=True)
class RecordRange:
    """Whole lines ``[start, end)`` of a JSONL file, the first being line ``first_line``."""

    start: int
    end: int
    first_line: int


def plan_record_ranges(path: Path, part_bytes: int) -> tuple[Any, list[RecordRange]]:
    """(sha256 of the file, ranges of about ``part_bytes`` cut at line ends), in one streamed pass.

    So a large JSONL file can be cleaned by several workers while its resume
    key stays the hash of the whole file; memory holds one block at a time.
    """
    digest, ranges = hashlib.sha256(), []
    start = offset = 0
    line = 1
    first_line = 1
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
            cut = 0
            while offset + len(block) - start >= part_bytes:
                newline = block.find(b"\n", max(cut, start + part_bytes - offset - 1))
                if newline < 0:
                    break
                line += block.count(b"\n", cut, newline + 1)
                cut = newline + 1
                ranges.append(RecordRange(start, offset + cut, first_line))
                start, first_line = offset + cut, line
            line += block.count(b"\n", cut)
            offset += len(block)
    if offset > start or not ranges:
        ranges.append(RecordRange(start, offset, first_line))
    return digest, ranges


def read_record_range(path: Path, part: RecordRange, *, display: str | None = None, url: str | None = None,
                      fields: Mapping[str, str] | None = None,
                      on_error: ErrorHandler | None = None) -> Iterator[Source]:
    """The records of one range of a JSONL file (see plan_record_ranges); line numbers are the file's."""
    if part.end - part.start > MAX_INPUT_BYTES:
        raise InputError(path, f"a record range of {part.end - part.start} bytes exceeds {MAX_INPUT_BYTES}")
    with path.open("rb") as handle:
        handle.seek(part.start)
        data = handle.read(part.end - part.start)
    shown = display or display_name(path)
    text = data.decode("utf-8-sig" if part.start == 0 else "utf-8", "replace")
    yield from _records_in(text, shown, part.first_line, {**DEFAULT_FIELDS, **(fields or {})}, url,
                           on_error or _report)


def read_sources(path: Path, *, display: str | None = None, url: str | None = None,
                 fields: Mapping[str, str] | None = None,
                 on_error: ErrorHandler | None = None) -> Iterator[Source]:
    """Every document in one input file: one for a text or HTML file, one per record for JSONL.

    ``fields`` renames the record fields read (keys ``url``, ``html``, ``text``);
    ``on_error`` receives each broken record (path:line and reason) of a JSONL file.
    """
    yield from sources_from_bytes(read_raw(path), path, display=display or display_name(path), url=url, fields=fields,
                                  on_error=on_error)


def sources_from_bytes(data: bytes, name: PurePath, *, display: str, url: str | None = None,
                       fields: Mapping[str, str] | None = None,
                       on_error: ErrorHandler | None = None) -> Iterator[Source]:
    """read_sources on bytes already read (as stored: gzip is undone here); ``name`` tells the kind.

    So a batch reads each input once, for its hash and its documents, and a
    URL's bytes need no temporary file.
    """
    data = unpack(data, display)
    if is_jsonl_name(name):
        yield from _records(data, display, url, fields, on_error)
    else:
        yield _named_source(data, name, display, url)
