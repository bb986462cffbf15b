"""cleaner: scraped articles in, clean article bodies with a metadata header out.

Python API (the README's "Python API" section runs as a test)::

    from cleaner import clean_text, clean_html, clean_file, clean_records
    doc = clean_text(raw_text, url="https://www.reuters.com/...")
    doc.body, doc.metadata, doc.removals
    doc = clean_html(page_html, url=...)          # the HTML mode: DOM rules, trafilatura, text rules
    doc = clean_file("page.html")                 # a text or HTML file, read as ``cleaner clean`` reads it
    rows = clean_records(records)                 # dicts in, cleaned dicts out, one for one (pandas, datasets)

None of them raises on odd text or markup; ``clean_file`` raises InputError
(a one-line reason) for a file that cannot be read.
"""
from __future__ import annotations

import importlib

from .version import __version__

__all__ = ["__version__", "clean_text", "clean_html", "clean_file", "clean_records", "load_ruleset", "Document",
           "Removal", "Source", "RuleSet", "RuleError", "InputError"]

# Imported on first use (PEP 562): ``cleaner check`` on a clean file must not pay for the engine.
_LAZY = {"Document": "stages.document", "Removal": "stages.document", "Source": "stages.document",
         "RuleError": "rulebook.rulefile", "RuleSet": "rulebook.ruleset", "load_ruleset": "rulebook.ruleset",
         "InputError": "stages.reading"}
TYPE_CHECKING = False
if TYPE_CHECKING:
    from pathlib import Path
    from typing import Any, Iterable, Iterator, Mapping

    from .rulebook.ruleset import RuleSet
    from .stages.document import Document

_default_rules: RuleSet | None = None


def __getattr__(name: str):
    if name in _LAZY:
        return getattr(importlib.import_module(f".{_LAZY[name]}", __name__), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def _ruleset(rules: RuleSet | Iterable[str | Path] | None) -> RuleSet:
    """A loaded RuleSet as given, the shipped rules (loaded once), or the shipped ones plus folders of yours."""
    from .rulebook.ruleset import RuleSet, load_ruleset

    global _default_rules
    if rules is None:
        if _default_rules is None:
            _default_rules = load_ruleset()
        return _default_rules
    if isinstance(rules, RuleSet):
        return rules
    return load_ruleset(list(rules))


def clean_text(text: str, url: str | None = None, rules: RuleSet | Iterable[str | Path] | None = None) -> Document:
    """Clean one scraped text. ``rules``: a loaded RuleSet, or folders of user rules added to the shipped ones.

    A text that starts like a web page (``<!doctype html``, ``<html``...) is
    cleaned as one (clean_html), as ``cleaner clean`` sniffs a file.
    """
    from .stages.pipeline import clean_source
    from .stages.reading import looks_like_html, source_from_text

    if looks_like_html(text[:4096].encode("utf-8", "replace")):
        return clean_html(text, url, rules)
    return clean_source(source_from_text(text, url=url), _ruleset(rules))


def clean_html(html: str, url: str | None = None, rules: RuleSet | Iterable[str | Path] | None = None) -> Document:
    """Clean one web page: DOM rules, trafilatura's extraction, then the text rules (``cleaner clean page.html``).

    ``url`` picks the site rules; without it the page's canonical link is used.
    """
    from .stages.document import Source
    from .stages.pipeline import clean_source
    from .stages.reading import url_in_html

    return clean_source(Source(text="", html=html, url=url or url_in_html(html)), _ruleset(rules))


def clean_file(path: str | Path, url: str | None = None,
               rules: RuleSet | Iterable[str | Path] | None = None) -> Document:
    """Clean one text or HTML file, read as ``cleaner clean`` reads it (charset, gzip, front matter, HTML sniffing).

    A JSONL file holds many documents: read its records and pass them to
    clean_records. Raises InputError for a file that cannot be read.
    """
    from pathlib import Path

    from .stages.pipeline import clean_source
    from .stages.reading import InputError, is_jsonl_name, read_source

    path = Path(path)
    if is_jsonl_name(path):
        raise InputError(path, "a JSONL file holds many documents: pass its records to clean_records")
    return clean_source(read_source(path, url=url), _ruleset(rules))


def clean_records(records: Iterable[Mapping[str, Any]], *, text_field: str = "text", html_field: str = "html",
                  url_field: str = "url", keep_fields: Iterable[str] | None = None,
                  drop_fields: Iterable[str] | None = None,
                  rules: RuleSet | Iterable[str | Path] | None = None) -> Iterator[dict[str, Any]]:
    """Clean records (dicts, as pandas' ``to_dict("records")``, a datasets row or a JSONL line give them).

    Yields one dict per record, in order: the record as ``cleaner clean``
    writes a JSONL record (the clean body in ``text_field``, header,
    removals and warnings under ``cleaner``, the other fields kept; the raw
    ``html_field`` dropped unless ``keep_fields``/``drop_fields`` say
    otherwise). A record with neither an HTML nor a text string is yielded
    as it is, with ``cleaner: {"error": reason}``: never an exception, and
    the count of rows never changes.
    """
    from .stages.pipeline import clean_source
    from .stages.reading import InputError, record_source
    from .stages.render import RecordFields, merged_record

    ruleset = _ruleset(rules)
    names = {"text": text_field, "html": html_field, "url": url_field}
    fields = RecordFields(keep=tuple(keep_fields) if keep_fields is not None else None,
                          drop=tuple(drop_fields) if drop_fields is not None
                          else () if keep_fields is not None else (html_field,))
    for number, record in enumerate(records, start=1):
        record = dict(record)
        try:
            source = record_source(record, names, f"record {number}")
        except InputError as exc:
            yield {**record, "cleaner": {"error": exc.reason}}
            continue
        yield merged_record(clean_source(source, ruleset), fields)
