"""Document -> bytes of one output format: md (front matter + body), json, jsonl, txt.

A body from HTML keeps the page's structure as markdown: ``## `` before a
heading, ``- `` before a list item, table rows as ``| a | b |``. md, json and
jsonl carry it as it is (as trafilatura's markdown output would); txt drops
the heading and list prefixes and keeps the rows. A text input's body is
written as it was cleaned in every format.
"""
from __future__ import annotations

import io
import json
import re
from dataclasses import asdict, dataclass
from typing import Any

from .document import HEADING, ITEM, Document

FORMATS = {"md": ".md", "json": ".json", "jsonl": ".jsonl", "txt": ".txt"}
_MARKUP = re.compile(f"^(?:{re.escape(HEADING)}|{re.escape(ITEM)})", re.MULTILINE)


def plain(document: Document) -> str:
    """The body without the markdown prefixes the HTML stage gave its headings and list items."""
    return _MARKUP.sub("", document.body) if document.structured else document.body


def _yaml_dump(data: dict[str, Any]) -> str:
    from ruamel.yaml import YAML

    yaml = YAML(typ="safe", pure=True)
    yaml.default_flow_style = None
    yaml.allow_unicode = True
    yaml.width = 1 << 16
    yaml.sort_base_mapping_type_on_output = False
    buffer = io.StringIO()
    yaml.dump(data, buffer)
    return buffer.getvalue()


def as_record(document: Document) -> dict[str, Any]:
    """The JSON shape: body under ``text``, header under ``metadata``, the audit trail after."""
    return {
        "text": document.body,
        "metadata": document.metadata,
        "removals": [{k: v for k, v in asdict(r).items() if v is not None} for r in document.removals],
        "dom_removals": [asdict(r) for r in document.dom_removals],
        "warnings": document.warnings,
    }


@dataclass(frozen=True)
class RecordFields:
    """Which fields of a JSONL input record its cleaned record carries (the text field and ``cleaner`` always).

    ``keep``: only these (None: all but ``drop``). By default the raw ``html``
    goes: the cleaned record is for the text, and a page's markup would be
    most of its bytes (``--keep-fields '*'`` keeps it).
    """

    keep: tuple[str, ...] | None = None
    drop: tuple[str, ...] = ("html",)

    def select(self, record: dict[str, Any]) -> dict[str, Any]:
        return {k: v for k, v in record.items() if (self.keep is None or k in self.keep) and k not in self.drop}


EVERY_FIELD = RecordFields(drop=())


def merged_record(document: Document, fields: RecordFields = RecordFields()) -> dict[str, Any]:
    """A JSONL input record with the clean body in its text field and the rest under ``cleaner``.

    The record's other fields are kept as ``fields`` says. An earlier
    ``cleaner`` object is replaced, so cleaning an output again gives the same.
    """
    cleaned = as_record(document)
    body = cleaned.pop("text")
    return {**fields.select(document.record or {}), document.text_field: body, "cleaner": cleaned}


def render(document: Document, fmt: str, fields: RecordFields = RecordFields()) -> str:
    """The output text of one document; json and jsonl of a JSONL record keep the record's ``fields``."""
    if document.record is not None and fmt in ("json", "jsonl"):
        return json.dumps(merged_record(document, fields), ensure_ascii=False,
                          indent=2 if fmt == "json" else None) + "\n"
    if fmt == "md":
        return f"---\n{_yaml_dump(document.metadata)}---\n{document.body}\n"
    if fmt == "json":
        return json.dumps(as_record(document), ensure_ascii=False, indent=2) + "\n"
    if fmt == "jsonl":
        return json.dumps(as_record(document), ensure_ascii=False) + "\n"
    if fmt == "txt":
        return plain(document) + "\n"
    raise ValueError(f"unknown format {fmt!r}; choose one of {', '.join(FORMATS)}")
