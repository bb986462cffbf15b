"""Where a file's YAML front matter block ends, found once for every reader of it.

Standard library only: ``cleaner check``'s fast path (commands/fastcheck)
splits headers too, and must not load a YAML parser to do it; each caller
then reads the header lines its own way.
"""
from __future__ import annotations

MAX_LINES = 200  # a closing ``---`` further down is not a header's: the block is body text


def front_matter(text: str) -> tuple[str, list[str] | None, str]:
    """(text, header lines, body); header lines None when ``text`` has no front matter block.

    ``text`` comes back with ``\\r\\n`` made ``\\n`` when the header was saved
    with Windows line endings, as the body is.
    """
    if text.startswith("---\r\n"):
        text = text.replace("\r\n", "\n")
    if not text.startswith("---\n"):
        return text, None, text
    lines = text.split("\n", MAX_LINES + 1)
    try:
        end = lines.index("---", 1, MAX_LINES)
    except ValueError:
        return text, None, text
    body = text.split("\n", end + 1)[end + 1] if text.count("\n") > end else ""
    return text, lines[1:end], body
