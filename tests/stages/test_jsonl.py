"""JSONL input and output: one Source per record, other fields kept, broken lines reported."""
from __future__ import annotations

import gzip
import json
import pytest

from cleaner.stages.reading import InputError, read_sources
from cleaner.stages.pipeline import clean_source
from cleaner.stages.render import render

PROSE = "The council voted on Tuesday to build a new bridge over the river, ending a decade of debate."
PAGE = f"<html><head><title>Bridge</title></head><body><article><p>{PROSE}</p><p>{PROSE} Again.</p></article></body></html>"


def write(path, lines):
    path.write_text("".join(line + "\n" for line in lines), encoding="utf-8")
    return path


def test_one_source_per_record_with_html_or_text(tmp_path):
    path = write(tmp_path / "crawl.jsonl", [json.dumps({"url": "https://a.example/1", "html": PAGE}),
                                            json.dumps({"url": "https://a.example/2", "text": PROSE})])
    sources = list(read_sources(path))
    assert [s.url for s in sources] == ["https://a.example/1", "https://a.example/2"]
    assert sources[0].html == PAGE and sources[1].text == PROSE
    assert sources[0].record["html"] == PAGE and sources[1].path.endswith("crawl.jsonl:2")


def test_broken_lines_are_reported_and_the_rest_go_on(tmp_path):
    path = write(tmp_path / "crawl.jsonl", ['{"text": "one"}', "{not json", "[1, 2]", '{"body": "x"}',
                                            '{"text": "five"}'])
    errors: list[InputError] = []
    texts = [s.text for s in read_sources(path, on_error=errors.append)]
    assert texts == ["one", "five"]
    assert [e.path.rsplit(":", 1)[1] for e in errors] == ["2", "3", "4"]
    assert "bad JSON" in errors[0].reason and "no 'html' or 'text'" in errors[2].reason


def test_field_names_are_configurable(tmp_path):
    path = write(tmp_path / "c.jsonl", [json.dumps({"link": "https://a.example/x", "content": PROSE})])
    (source,) = read_sources(path, fields={"url": "link", "text": "content"})
    assert source.url == "https://a.example/x" and source.text == PROSE and source.text_field == "content"


def test_output_keeps_other_fields_and_replaces_text(tmp_path, ruleset):
    path = write(tmp_path / "c.jsonl", [json.dumps({"id": 7, "lang": "en", "text": f"Share this:\n\n{PROSE}"})])
    (source,) = read_sources(path)
    out = json.loads(render(clean_source(source, ruleset), "jsonl"))
    assert out["id"] == 7 and out["lang"] == "en"
    assert out["text"] == PROSE
    assert out["cleaner"]["metadata"]["status"] == "ok" and out["cleaner"]["removals"]


def test_cleaning_an_output_again_changes_nothing(tmp_path, ruleset):
    path = write(tmp_path / "c.jsonl", [json.dumps({"id": 1, "text": f"Share this:\n\n{PROSE}"})])
    first = render(clean_source(next(read_sources(path)), ruleset), "jsonl")
    again = write(tmp_path / "again.jsonl", [first.strip()])
    second = json.loads(render(clean_source(next(read_sources(again)), ruleset), "jsonl"))
    assert second["text"] == json.loads(first)["text"]
    assert second["cleaner"]["metadata"]["removed"] == json.loads(first)["cleaner"]["metadata"]["removed"]


def test_gzipped_jsonl(tmp_path):
    path = tmp_path / "c.jsonl.gz"
    path.write_bytes(gzip.compress((json.dumps({"text": PROSE}) + "\n").encode()))
    assert [s.text for s in read_sources(path)] == [PROSE]


@pytest.mark.parametrize("part_bytes", [1, 100, 5000, 10**6])
def test_record_ranges_cover_the_file_and_read_as_the_whole(tmp_path, part_bytes):
    import hashlib
    import random

    from cleaner.stages.reading import plan_record_ranges, read_record_range, read_records

    rng = random.Random(1)
    lines = [json.dumps({"url": f"https://e.org/{i}", "text": "word " * rng.randint(1, 400)}) for i in range(300)]
    lines[17] = "{broken"
    path = tmp_path / "a.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    digest, parts = plan_record_ranges(path, part_bytes)
    assert digest.hexdigest() == hashlib.sha256(path.read_bytes()).hexdigest()
    assert parts[0].start == 0 and parts[-1].end == path.stat().st_size
    assert all(a.end == b.start for a, b in zip(parts, parts[1:]))
    errors, whole_errors = [], []
    got = [s.path for part in parts for s in read_record_range(path, part, on_error=lambda e: errors.append(str(e)))]
    assert got == [s.path for s in read_records(path, on_error=lambda e: whole_errors.append(str(e)))]
    assert errors == whole_errors == [f"{path}:18: bad JSON: Expecting property name enclosed in double quotes (column 2)"]
