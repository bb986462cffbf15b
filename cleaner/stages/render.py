"""Document -> bytes of one output format: md (front matter + body), json, jsonl, txt."""
from __future__ import annotations

import io
import json
from dataclasses import asdict
from typing import Any

from .document import Document

FORMATS = {"md": ".md", "json": ".json", "jsonl": ".jsonl", "txt": ".txt"}


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


def merged_record(document: Document) -> dict[str, Any]:
    """A JSONL input record with the clean body in its text field and the rest under ``cleaner``.

    Every other field of the record is kept as it was (the raw ``html`` too:
    the output is the input, cleaned, not a summary of it). An earlier
    ``cleaner`` object is replaced, so cleaning an output again gives the same.
    """
    cleaned = as_record(document)
    body = cleaned.pop("text")
    return {**(document.record or {}), document.text_field: body, "cleaner": cleaned}


def render(document: Document, fmt: str) -> str:
    """The output text of one document; json and jsonl of a JSONL record keep the record's fields."""
    if document.record is not None and fmt in ("json", "jsonl"):
        return json.dumps(merged_record(document), ensure_ascii=False, indent=2 if fmt == "json" else None) + "\n"
    if fmt == "md":
        return f"---\n{_yaml_dump(document.metadata)}---\n{document.body}\n"
    if fmt == "json":
        return json.dumps(as_record(document), ensure_ascii=False, indent=2) + "\n"
    if fmt == "jsonl":
        return json.dumps(as_record(document), ensure_ascii=False) + "\n"
    if fmt == "txt":
        return document.body + "\n"
    raise ValueError(f"unknown format {fmt!r}; choose one of {', '.join(FORMATS)}")
