"""Bytes in: charset from BOM, <meta charset>, UTF-8, then charset-normalizer; bad bytes never crash."""
from __future__ import annotations

from pathlib import Path

import pytest

from cleaner.stages.reading import InputError, decode_bytes, read_source
from cleaner.stages.pipeline import clean_source

FIXTURE = Path(__file__).resolve().parents[2] / "fixtures" / "html" / "cp1252-article.html"
TEXT = "Café owners in Zürich said the naïve plan would cost €2 million, according to the mayor’s office."


def test_meta_charset_is_used_for_html():
    text, encoding = decode_bytes(FIXTURE.read_bytes(), "x", html=True)
    assert encoding == "cp1252" and "Café owners" in text


def test_bom_wins():
    text, encoding = decode_bytes("\ufeff".encode("utf-16-le") + TEXT.encode("utf-16-le"), "x")
    assert text == TEXT and encoding == "utf-16"


def test_utf8_then_detection():
    assert decode_bytes(TEXT.encode("utf-8"), "x") == (TEXT, "utf-8")
    long_text = (TEXT + " ") * 20
    text, encoding = decode_bytes(long_text.encode("cp1252"), "x")
    assert encoding != "utf-8" and "Café" in text and "Zürich" in text


def test_a_bad_byte_is_replaced_not_fatal(tmp_path):
    page = tmp_path / "bad.txt"
    page.write_bytes(("Share this:\n\n" + TEXT * 5).encode("utf-8") + b"\xff tail of the article.\n")
    source = read_source(page)
    assert source.encoding == "utf-8" and "\ufffd" in source.text


def test_lying_meta_charset_falls_back():
    data = b'<html><head><meta charset="utf-8"></head><body><p>' + (TEXT * 3).encode("cp1252") + b"</p></body></html>"
    text, encoding = decode_bytes(data, "x", html=True)
    assert encoding != "utf-8" and "Zürich" in text


def test_binary_is_refused():
    with pytest.raises(InputError, match="binary"):
        decode_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00", "x")


def test_header_records_encoding(ruleset):
    document = clean_source(read_source(FIXTURE), ruleset)
    assert document.metadata["encoding"] == "cp1252"
    assert "Café owners" in document.body


def test_utf16_without_bom_is_text_and_binary_is_still_refused(tmp_path):
    from cleaner.stages.reading import InputError, decode_bytes

    sentence = "Le ministre a déclaré mardi que le plan serait mis en œuvre."
    for encoding in ("utf-16-le", "utf-16-be"):
        assert decode_bytes(sentence.encode(encoding), "x.txt") == (sentence, encoding)
    with pytest.raises(InputError, match="binary"):
        decode_bytes(bytes(range(256)) * 8, "x.bin")


def test_front_matter_with_windows_line_endings_is_read_as_header():
    from cleaner.stages.reading import split_front_matter

    header, body = split_front_matter("---\r\ntitle: A title\r\nurl: https://example.org/a\r\n---\r\nBody text.\r\n")
    assert header == {"title": "A title", "url": "https://example.org/a"}
    assert body == "Body text.\n"
