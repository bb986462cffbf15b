"""Issue 15, "a tool pipelines can trust": each numbered problem as a test (points 9-11 and 13: rulebook tests).

clean and explain run in-process through click (-j 1), check through its own main, so these stay fast.
"""
from __future__ import annotations

import io
import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from conftest import ROOT, SEEDS
from cleaner.commands import check as check_command
from cleaner.commands.cli import main as cli
from cleaner.version import __version__

RAW = SEEDS / "raw"
RELATED = "003_ee71d46b01f8e00a"  # carries "Related Articles" and "Back to top button"
# a cut-to-end marker with article prose after it: the cut is refused with a warning naming the rule
CUT_REFUSED = ("The minister spoke to reporters on Monday about the plans for the new bridge over the river.\n\n"
               "Leave a Reply\n\nThe council will vote on the plans next week, and most members are expected to back them.\n")
PAGE = """<!DOCTYPE html>
<html><head><title>Bridge vote</title>
<script>
function a() {
  if (x) {
    y();
  }
}
</script></head>
<body>
<article><h1>Council votes for a new bridge</h1>
<div class="sharedaddy"><h3>Share this:</h3><ul><li>Facebook</li><li>Twitter</li></ul></div>
<p>The council voted on Tuesday to build a new bridge over the river, ending a decade of debate about how the town should grow.</p>
<p>Shop owners near the site said they welcomed the decision, which will bring more visitors to the old quarter of the town.</p>
<p>Work is due to start next spring and should take about two years, the council said in a statement after the vote.</p>
</article></body></html>
"""


def seed(stem: str) -> str:
    return (RAW / f"{stem}.txt").read_text(encoding="utf-8")


def clean(*args, input=None):
    """``cleaner clean`` in-process: (exit code, stdout, stderr)."""
    result = CliRunner().invoke(cli, ["clean", *map(str, args), "-j", "1"], input=input)
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    return result.exit_code, result.stdout, result.stderr


def check(capsys, *args, stdin: bytes | None = None, monkeypatch=None):
    if stdin is not None:
        monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(stdin)))
        monkeypatch.setattr(sys, "stdout", io.TextIOWrapper(io.BytesIO(), encoding="utf-8"))
    code = check_command.main([*map(str, args)])
    if stdin is not None:
        sys.stdout.flush()
        written = sys.stdout.buffer.getvalue().decode("utf-8")
        monkeypatch.undo()
        return code, written, capsys.readouterr().err
    out = capsys.readouterr()
    return code, out.out, out.err


@pytest.fixture(autouse=True)
def private_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("CLEANER_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.chdir(tmp_path)


# --- 1. check and --fix handle each input in its own format ---

def test_check_reads_html_as_html_and_fix_never_rewrites_it(tmp_path, capsys):
    page = tmp_path / "page.html"
    page.write_text(PAGE, encoding="utf-8")
    code, out, _ = check(capsys, page)
    assert code == 1 and "builtin/duplicate-line" not in out  # the script's "}" lines are no text of the page
    share = next(n for n, line in enumerate(PAGE.split("\n"), 1) if "Share this:" in line)
    assert f"{page}:{share}: generic/sharing/html share: Share this:" in out
    code, _, err = check(capsys, "--fix", page)
    assert code == 1 and page.read_text(encoding="utf-8") == PAGE
    assert err.strip().splitlines() == [f"{page}: not fixed: HTML is not rewritten into another format; "
                                        "cleaner clean FILE -o OUT writes its article"]


def test_fix_rewrites_jsonl_records_in_place(tmp_path, capsys):
    records = [{"id": "a", "lang": "en", "text": seed(RELATED)}, {"id": "b", "text": "A short clean line of text."}]
    path = tmp_path / "pages.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    code, out, _ = check(capsys, path)
    assert code == 1 and f"{path}:1: generic/related/related-block-start related: Related Articles" in out
    assert check(capsys, "--fix", path)[0] == 1
    lines = path.read_text(encoding="utf-8").splitlines()
    assert len(lines) == 2 and lines[1] == json.dumps(records[1])  # a record without residue: byte for byte
    fixed = json.loads(lines[0])
    assert fixed["id"] == "a" and fixed["lang"] == "en" and "Related Articles" not in fixed["text"]
    before = path.read_bytes()
    assert check(capsys, "--fix", path)[0] == 0 and path.read_bytes() == before  # idempotent


# --- 3. "-" is standard input (and standard output) ---

def test_dash_reads_standard_input_for_clean_check_and_explain(tmp_path, capsys, monkeypatch):
    text = seed(RELATED)
    code, out, _ = clean("-", "--format", "txt", input=text)
    assert code == 0 and "Washington, Jan 18 (EFE)" in out and "Related Articles" not in out
    code, out, _ = clean("-", "--url", "https://www.example.com/news/x", input=PAGE)
    assert code == 0 and "url: https://www.example.com/news/x" in out and "Share this" not in out
    record = json.dumps({"id": 7, "text": text}) + "\n"
    code, out, _ = clean("-", input=record)
    assert code == 0 and json.loads(out)["id"] == 7
    code, out, _ = check(capsys, "-", stdin=text.encode(), monkeypatch=monkeypatch)
    assert code == 1
    assert "-:29: generic/related/related-block-start related: Related Articles" in check_command_stdout(capsys, text, monkeypatch)
    result = CliRunner().invoke(cli, ["explain", "-"], input=text)
    assert result.exit_code == 0 and "Related Articles" in result.stdout and "# cleaner explain: -" in result.stdout


def check_command_stdout(capsys, text, monkeypatch):
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(text.encode())))
    check_command.main(["-"])
    monkeypatch.undo()
    return capsys.readouterr().out


# --- 4. logging as ruff's ---

def _warning_folder(tmp_path: Path, copies: int = 7) -> Path:
    folder = tmp_path / "in"
    folder.mkdir()
    for n in range(copies):
        (folder / f"p{n}.txt").write_text(CUT_REFUSED, encoding="utf-8")
    return folder


def test_quiet_default_and_verbose_logging(tmp_path):
    folder = _warning_folder(tmp_path)
    code, _, err = clean(folder, "-o", tmp_path / "q", "-q")
    assert code == 0 and err == ""  # errors only
    code, _, err = clean(folder, "-o", tmp_path / "d")
    assert sum(line.startswith("warning: ") for line in err.splitlines()) == 5
    assert "warnings: 7 (generic/comments/comment-section-start 7; -v lists every one)" in err
    code, _, err = clean(folder, "-o", tmp_path / "v", "-v", "--force")
    shown = [line for line in err.splitlines() if line.startswith("warning: ")]
    assert len(shown) == 7 and all(re.match(rf"warning: {re.escape(str(folder))}/p\d\.txt: rule ", w) for w in shown)


def test_jsonl_warnings_name_the_record_line_and_id(tmp_path):
    path = tmp_path / "pages.jsonl"
    path.write_text(json.dumps({"id": "x1", "text": "Fine."}) + "\n" + json.dumps({"id": "x2", "text": CUT_REFUSED})
                    + "\n", encoding="utf-8")
    _, _, err = clean(path, "-o", tmp_path / "out")
    assert f"warning: {path}:2 (id x2): rule generic/comments/comment-section-start: cut" in err


# --- 5. --dry-run and --diff gate CI ---

def test_dry_run_and_diff_without_output_write_nothing_and_exit_1(tmp_path):
    page = tmp_path / "page.txt"
    page.write_text(seed(RELATED), encoding="utf-8")
    before = page.read_bytes()
    code, out, err = clean(page, "--dry-run")
    assert code == 1 and out == f"would change {page}\n" and "written" not in err
    code, out, _ = clean(page, "--diff")
    assert code == 1 and "\n-Related Articles\n" in out and page.read_bytes() == before
    assert clean(page, "--dry-run", "--exit-zero")[0] == 0
    assert clean(page, "-o", tmp_path / "out", "--dry-run")[0] == 1 and not (tmp_path / "out" / "page.md").exists()
    clean(page, "-o", tmp_path / "out")
    assert clean(page, "-o", tmp_path / "out", "--dry-run")[:2] == (0, "")  # nothing would change


# --- 6. file selection ---

def test_folder_walk_takes_input_types_and_honours_gitignore(tmp_path):
    folder = tmp_path / "in"
    for name in ("a.txt", "node_modules/n.txt", "logs/l.txt", "keep/k.md", "article"):
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_text(seed(RELATED), encoding="utf-8")
    (folder / "data.csv").write_text("a,b\n1,2\n", encoding="utf-8")
    (folder / "meta.json").write_text('{"a": 1}\n', encoding="utf-8")
    (folder / "image.png").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")
    (folder / ".gitignore").write_text("logs/\n", encoding="utf-8")
    code, _, err = clean(folder, "-o", tmp_path / "out")
    written = sorted(p.relative_to(tmp_path / "out").as_posix() for p in (tmp_path / "out").rglob("*.md"))
    assert code == 0 and written == ["a.md", "article.md", "keep/k.md"]
    assert "not inputs: 3 files skipped (.csv 1, .json 1, .png 1; see --include)" in err
    clean(folder, "-o", tmp_path / "all", "--no-ignore")
    assert (tmp_path / "all" / "logs" / "l.md").exists() and (tmp_path / "all" / "node_modules" / "n.md").exists()
    clean(folder, "-o", tmp_path / "some", "--include", "keep/*", "--include", "*.csv")
    assert sorted(p.name for p in (tmp_path / "some").rglob("*.md")) == ["data.md", "k.md"]
    clean(folder, "-o", tmp_path / "ex", "--exclude", "keep/")
    assert not (tmp_path / "ex" / "keep").exists() and (tmp_path / "ex" / "a.md").exists()


# --- 7. one line numbering ---

def test_explain_removals_and_check_use_the_files_own_line_numbers(tmp_path, capsys):
    text = "---\nurl: https://example.org/a\n---\n\n\nA headline that reads as one\n\n\n\n" \
           "The first paragraph of the story says what happened, and it says it at some length here.\n\n\n\nShare this:\n"
    path = tmp_path / "story.txt"
    path.write_text(text, encoding="utf-8")
    line = text.split("\n").index("Share this:") + 1
    code, out, _ = check(capsys, path)
    assert f"{path}:{line}: generic/sharing/" in out
    _, out, _ = clean(path, "--format", "json")
    assert [r["line"] for r in json.loads(out)["removals"] if r["kind"] == "share"] == [line]
    result = CliRunner().invoke(cli, ["explain", str(path), "--no-color"])
    assert re.search(rf"^\s*{line} - Share this:", result.stdout, re.M), result.stdout


# --- 8. JSONL: --format honoured or refused; fields ---

def test_jsonl_format_is_refused_with_a_reason_and_html_is_dropped(tmp_path):
    path = tmp_path / "pages.jsonl"
    path.write_text(json.dumps({"id": 1, "html": PAGE, "lang": "en"}) + "\n", encoding="utf-8")
    code, _, err = clean(path, "-o", tmp_path / "md", "--format", "md")
    assert code == 1 and "a JSONL input is written as JSONL, one cleaned record a line; --format md" in err
    clean(path, "-o", tmp_path / "out")
    record = json.loads((tmp_path / "out" / "pages.jsonl").read_text(encoding="utf-8"))
    assert "html" not in record and record["lang"] == "en" and "bridge" in record["text"]
    clean(path, "-o", tmp_path / "all", "--keep-fields", "*")
    assert json.loads((tmp_path / "all" / "pages.jsonl").read_text(encoding="utf-8"))["html"] == PAGE
    clean(path, "-o", tmp_path / "some", "--keep-fields", "id")
    assert sorted(json.loads((tmp_path / "some" / "pages.jsonl").read_text(encoding="utf-8"))) == ["cleaner", "id", "text"]


# --- 12. the Python API, and the README's example of it runs ---

def _readme_section(title: str) -> str:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    start = readme.index(title)
    end = re.compile(r"\n#{2,3} ").search(readme, start + len(title))
    return readme[start:end.start() if end else None]


def test_readme_python_api_example_runs(tmp_path, capsys):
    blocks = re.findall(r"```python\n(.*?)```", _readme_section("### Python API"), re.S)
    assert blocks
    for block in blocks:
        exec(compile(block, "README.md", "exec"), {"__name__": "readme"})
    out = capsys.readouterr().out
    assert "bridge" in out and "Related Articles" not in out


def test_clean_html_and_records(tmp_path):
    from cleaner import clean_file, clean_html, clean_records, clean_text

    assert "Share this" not in clean_html(PAGE).body and "bridge" in clean_html(PAGE).body
    assert clean_text(PAGE).body == clean_html(PAGE).body  # a page given as text is cleaned as one
    (tmp_path / "p.html").write_text(PAGE, encoding="utf-8")
    assert clean_file(tmp_path / "p.html").body == clean_html(PAGE).body
    rows = list(clean_records([{"id": 1, "text": seed(RELATED)}, {"id": 2, "html": PAGE}, {"id": 3}]))
    assert [r["id"] for r in rows] == [1, 2, 3] and "html" not in rows[1]
    assert "Related Articles" not in rows[0]["text"] and rows[2]["cleaner"] == {"error": "no 'html' or 'text' string field"}


# --- 14. the README's pre-commit snippet names a rev that exists ---

def _has_tags() -> bool:
    listed = subprocess.run(["git", "tag", "--list"], cwd=ROOT, capture_output=True, text=True)
    return listed.returncode == 0 and bool(listed.stdout.strip())


def test_pre_commit_snippet_names_an_existing_tag_and_hooks():
    section = _readme_section("### Hook")
    rev = re.search(r"rev: (\S+)", section).group(1)
    assert rev == f"v{__version__}"
    hooks = (ROOT / ".pre-commit-hooks.yaml").read_text(encoding="utf-8")
    for hook in re.findall(r"- id: (\S+)", section):
        assert f"- id: {hook}\n" in hooks
    assert "html" in re.search(r"id: cleaner-check\n(?:  .*\n)*?  files: (.*)", hooks).group(1)
    tagged = subprocess.run(["git", "rev-parse", "--verify", "--quiet", f"{rev}^{{commit}}"], cwd=ROOT,
                            capture_output=True, text=True)
    if tagged.returncode != 0 and not _has_tags():
        pytest.skip("a checkout without tags (not a git clone, or one that fetched no tags)")
    assert tagged.returncode == 0, f"no tag {rev} in the repository"
    tag_type = subprocess.run(["git", "cat-file", "-t", rev], cwd=ROOT, capture_output=True, text=True).stdout.strip()
    assert tag_type == "tag"  # annotated, as pre-commit autoupdate prefers


def test_warnings_go_through_the_progress_bars_console():
    from cleaner.batch.log import Log
    from cleaner.batch.model import FileResult

    stream = io.StringIO()
    log = Log(progress=True, total=1, log=stream)
    log.result(FileResult(input="a.txt", action="written", warnings=["a.txt: rule x/y: cut refused"]))
    log.stop()
    assert log.bar.console.file is stream and "warning: a.txt: rule x/y: cut refused" in stream.getvalue()


def test_a_folder_named_on_the_command_line_is_walked_though_a_parent_gitignore_ignores_it(tmp_path):
    (tmp_path / ".git").mkdir()
    (tmp_path / ".gitignore").write_text("data/\n*.tmp.txt\n", encoding="utf-8")
    (tmp_path / "data" / "raw").mkdir(parents=True)
    (tmp_path / "data" / "raw" / "a.txt").write_text(seed(RELATED), encoding="utf-8")
    (tmp_path / "data" / "raw" / "b.tmp.txt").write_text(seed(RELATED), encoding="utf-8")
    clean(tmp_path / "data" / "raw", "-o", tmp_path / "out")
    assert sorted(p.name for p in (tmp_path / "out").glob("*.md")) == ["a.md"]  # the repository's other patterns hold
