"""Speed of cleaner next to bare trafilatura, on the benchmark pages: ``python bench/speed.py DATA.jsonl.gz``.

Measures, in one run on this machine:
- per file, in-process: text mode on both text renderings (``dirty_recall``:
  extracted article text with residue, DESIGN's main input, the seeds' kind;
  ``dirty_full``: every visible line of the page), HTML mode (``html``), bare
  ``trafilatura.extract(html)`` (comments off, as cleaner calls it); the
  median of ``--rounds`` passes, the systems taking turns;
- batch throughput (files/s, MB/s) of ``cleaner clean`` on one core and on
  all cores, text files and HTML files: the pages replicated (``--copies``
  for text, ``--html-copies`` for HTML) so that a run lasts several seconds
  and the pool's fixed start-up (about 0.15 s) is not what is measured, each
  row the fastest of ``--repeats`` runs taken in turns with the other job
  count (others' load on a shared machine only ever adds time);
- start-up of ``cleaner check`` on one file next to ``python -c pass``: a clean
  file (the hook's common case, which fastcheck answers) and one with residue;
- peak memory (largest process, pool workers included) of a batch over N and
  over 10 x N files.

HTML rows need cleaner.stages.html (the HTML stage) and, for the batch rows,
read_sources reading ``.html`` files; when they are absent the rows say so.
``--results FILE`` writes (or replaces) the "## Speed" section of FILE and
leaves every other section alone.
"""
from __future__ import annotations

import argparse
import gzip
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Callable

PYTHON = sys.executable
CLEANER = [PYTHON, "-c", "import sys; from cleaner.launch import main; sys.argv[0] = 'cleaner'; main()"]


def load(path: Path) -> list[dict]:
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rt", encoding="utf-8") as handle:
        return [json.loads(line) for line in handle if line.strip()]


def per_file(systems: dict[str, Callable[[dict], object]], items: list[dict], rounds: int) -> dict[str, float]:
    """Median seconds per item of each system, over ``rounds`` passes taken in turns.

    One untimed pass of each first: what a process pays once (imports,
    trafilatura's set-up, parsing a site's imported rule file the first time
    the site comes up) is start-up, not per-file speed; a batch pays it once
    per worker. The systems then take turns pass by pass, so a slow spell of
    the machine falls on all of them, and the median pass of each is kept.
    """
    for function in systems.values():
        for item in items:
            function(item)
    passes: dict[str, list[float]] = {name: [] for name in systems}
    for _ in range(rounds):
        for name, function in systems.items():
            started = time.perf_counter()
            for item in items:
                function(item)
            passes[name].append((time.perf_counter() - started) / len(items))
    return {name: statistics.median(times) for name, times in passes.items()}


def html_mode_available() -> bool:
    try:
        import cleaner.stages.html  # noqa: F401
        from cleaner.stages.document import Source
    except ImportError:
        return False
    return "html" in Source.__dataclass_fields__


def in_process(records: list[dict], rounds: int) -> dict[str, float | None]:
    from cleaner.stages.document import Source
    from cleaner.stages.pipeline import clean_source
    from cleaner.rulebook.ruleset import load_ruleset
    import trafilatura

    ruleset = load_ruleset()
    systems = {
        "trafilatura": lambda r: trafilatura.extract(r["html"], include_comments=False),
        "text": lambda r: clean_source(Source(text=r["dirty_full"], url=r["url"]), ruleset),
        "text_extracted": lambda r: clean_source(Source(text=r["dirty_recall"], url=r["url"]), ruleset),
    }
    if html_mode_available():
        from dataclasses import replace

        no_blocks = replace(ruleset, blocks=None)
        systems["html"] = lambda r: clean_source(Source(text="", html=r["html"], url=r["url"]), ruleset)
        systems["html_no_blocks"] = lambda r: clean_source(Source(text="", html=r["html"], url=r["url"]), no_blocks)
    return {"html": None, **per_file(systems, records, rounds)}


def write_pages(records: list[dict], folder: Path, field: str, suffix: str, copies: int) -> int:
    """``copies`` x the pages as files under ``folder``; returns their total bytes."""
    total = 0
    for copy in range(copies):
        sub = folder / f"c{copy:03d}"
        sub.mkdir(parents=True, exist_ok=True)
        for i, record in enumerate(records):
            data = record[field].encode("utf-8")
            (sub / f"{i:03d}{suffix}").write_bytes(data)
            total += len(data)
    return total


def batch(folder: Path, out: Path, jobs: int) -> float:
    """Wall seconds of one ``cleaner clean`` run (timed from a wrapper process, so this script's state cannot slow it)."""
    shutil.rmtree(out, ignore_errors=True)
    code = ("import subprocess, sys, time; t = time.perf_counter(); "
            "r = subprocess.run(sys.argv[1:]); print(time.perf_counter() - t, r.returncode)")
    result = subprocess.run([PYTHON, "-c", code, *clean_command(folder, out, jobs)], capture_output=True, text=True)
    seconds, returncode = result.stdout.split()
    if returncode != "0":  # a file that failed would make the rate meaningless
        raise RuntimeError(f"cleaner clean failed: {result.stderr[-2000:]}")
    return float(seconds)


def clean_command(folder: Path, out: Path, jobs: int) -> list[str]:
    return [*CLEANER, "clean", str(folder), "-o", str(out), "-j", str(jobs), "-q", "--force"]


def peak_memory(folder: Path, out: Path, jobs: int) -> int:
    """Peak RSS (kB) of the largest process of one ``cleaner clean`` run, pool workers included.

    Pool workers are children of the forkserver, which the main process never
    waits for, so getrusage(RUSAGE_CHILDREN) sees the main process only. The
    processes' peaks (VmHWM) are read from /proc while the run goes instead
    (not from wait4: a child forked from this script keeps this script's
    larger peak across exec). The polling costs CPU, so this run is not one
    of the timed ones.
    """
    shutil.rmtree(out, ignore_errors=True)
    with tempfile.TemporaryFile() as log:
        process = subprocess.Popen(clean_command(folder, out, jobs), stdout=subprocess.DEVNULL, stderr=log)
        peak = 0
        while process.poll() is None:
            peak = max([peak, *map(_peak_kb, _descendants(process.pid))])
            time.sleep(0.02)
        if process.returncode != 0:
            log.seek(0)
            raise RuntimeError(f"cleaner clean failed: {log.read()[-2000:].decode(errors='replace')}")
    return peak


def _descendants(root: int) -> set[int]:
    """``root`` and every process below it, from the parent pids in /proc (empty where there is no /proc)."""
    parents = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            parents[int(stat.parent.name)] = int(stat.read_text().rsplit(")", 1)[1].split()[1])
        except (OSError, IndexError, ValueError):  # gone meanwhile
            continue
    tree, grown = {root}, True
    while grown:
        below = {pid for pid, parent in parents.items() if parent in tree} - tree
        tree |= below
        grown = bool(below)
    return tree & parents.keys()


def _peak_kb(pid: int) -> int:
    """VmHWM (peak resident set, kB) of a live process; 0 once it is gone."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return 0
    return next((int(line.split()[1]) for line in status.splitlines() if line.startswith("VmHWM:")), 0)


def html_batch_available(folder: Path) -> bool:
    from cleaner.stages.reading import read_sources

    sample = next(folder.rglob("*.html"))
    try:
        return any(source.html for source in read_sources(sample))
    except Exception:
        return False


def startup(one_file: Path, runs: int = 21) -> tuple[float, float]:
    """Median wall seconds of ``cleaner check FILE`` and of ``python -c pass``.

    cleaner's modules are byte-compiled first, as pip installs a package (and
    pre-commit installs the hook with pip): from an editable install under
    PYTHONDONTWRITEBYTECODE (set on the machine these results come from)
    every run would otherwise compile them from source, a cost no installed
    hook pays.
    """
    import compileall

    import cleaner as package

    compileall.compile_dir(Path(package.__file__).parent, quiet=1)
    cleaner = [str(Path(PYTHON).parent / "cleaner"), "check", str(one_file)]
    subprocess.run(cleaner, capture_output=True)  # fill the compiled-rules cache

    def median(command):
        times = []
        for _ in range(runs):
            started = time.perf_counter()
            subprocess.run(command, capture_output=True)
            times.append(time.perf_counter() - started)
        return statistics.median(times)

    return median(cleaner), median([PYTHON, "-c", "pass"])


def cleaned(pages: Path, folder: Path) -> Path:
    """The first of ``pages`` as ``cleaner clean`` writes it (md: header and body)."""
    subprocess.run([*CLEANER, "clean", str(pages), "-o", str(folder), "-q"], check=True)
    return sorted(folder.rglob("*.md"))[0]


def rate_rows(label: str, folder: Path, out: Path, files: int, size: int, cores: int,
              repeats: int) -> tuple[list[str], float]:
    """Table rows for one core and all cores, and their speed-up; each the best of ``repeats`` alternating runs."""
    times: dict[int, list[float]] = {jobs: [] for jobs in (1, cores)}
    for _ in range(repeats):
        for jobs, runs in times.items():
            runs.append(batch(folder, out, jobs))
    best = {jobs: min(runs) for jobs, runs in times.items()}
    rows = [f"| {label} | {jobs} | {files} | {seconds:.2f} | {files / seconds:.0f} | {size / seconds / 1e6:.2f} |"
            for jobs, seconds in best.items()]
    return rows, best[1] / best[cores]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("data", type=Path, help="the benchmark pages (dev.jsonl.gz)")
    parser.add_argument("--copies", type=int, default=40, help="replicas of the pages for the text batch rows")
    parser.add_argument("--html-copies", type=int, default=10, help="replicas of the pages for the HTML batch rows")
    parser.add_argument("--repeats", type=int, default=3, help="runs per batch row; the fastest is reported")
    parser.add_argument("--rounds", type=int, default=5,
                        help="in-process passes over the pages per system, in turns; the median is reported")
    parser.add_argument("--results", type=Path, help="write the Speed section into this markdown file")
    parser.add_argument("--per-file-only", action="store_true", help="print the per-file rows only (no batch rows)")
    args = parser.parse_args()
    records = load(args.data)
    cores = os.cpu_count() or 1
    lines = ["## Speed", "", f"`{' '.join(['python', 'bench/speed.py', str(args.data)])}` on "
             f"{platform.processor() or platform.machine()}, {cores} cores, Python {platform.python_version()}, "
             f"{len(records)} pages.", ""]

    timing = in_process(records, args.rounds)
    text_x = timing["trafilatura"] / timing["text"]
    lines += [f"Per file, in process (warm: after one untimed pass over the pages; median of {args.rounds} passes, "
              "the systems taking turns pass by pass):", "", "| mode | ms/file | vs bare trafilatura |", "| --- | --- | --- |",
              f"| bare `trafilatura.extract(html)` | {timing['trafilatura'] * 1e3:.2f} | 1.00x |",
              f"| cleaner text mode (`dirty_full`: all visible text of the page) | {timing['text'] * 1e3:.3f} | "
              f"{text_x:.1f}x faster |",
              f"| cleaner text mode (`dirty_recall`: already extracted text, the seeds' kind) | "
              f"{timing['text_extracted'] * 1e3:.3f} | {timing['trafilatura'] / timing['text_extracted']:.1f}x faster |"]
    if timing["html"] is not None:
        lines.append(f"| cleaner HTML mode (`html`: candidates and the block model) | {timing['html'] * 1e3:.2f} | "
                     f"{timing['html'] / timing['trafilatura']:.2f}x the time |")
        lines.append(f"| the same without the block model (trafilatura's fast text alone) | "
                     f"{timing['html_no_blocks'] * 1e3:.2f} | {timing['html_no_blocks'] / timing['trafilatura']:.2f}x "
                     "the time |")
    else:
        lines.append("| cleaner HTML mode | not run: cleaner.stages.html is not there yet | |")

    if args.per_file_only:
        print("\n".join(lines))
        return
    with tempfile.TemporaryDirectory() as temp:
        temp = Path(temp)
        text_size = write_pages(records, temp / "text", "dirty_full", ".txt", args.copies)
        files = len(records) * args.copies
        lines += ["", f"Batch, `cleaner clean DIR -o OUT -j N --force -q` ({args.copies} copies of the pages as text, "
                  f"{args.html_copies} as HTML; each row the fastest of {args.repeats} runs, one and all cores "
                  "in turns):", "",
                  "| mode | jobs | files | seconds | files/s | MB/s |", "| --- | --- | --- | --- | --- | --- |"]
        rows, text_speedup = rate_rows("text", temp / "text", temp / "out", files, text_size, cores, args.repeats)
        lines += rows
        shutil.rmtree(temp / "text")
        html_size = write_pages(records, temp / "html", "html", ".html", args.html_copies)
        html_speedup = None
        if html_batch_available(temp / "html"):
            rows, html_speedup = rate_rows("html", temp / "html", temp / "out", len(records) * args.html_copies,
                                           html_size, cores, args.repeats)
            lines += rows
        else:
            lines.append("| html | - | - | not run: read_sources does not read .html files yet | | |")
        shutil.rmtree(temp / "html")

        memory = {}
        for copies in (1, 10):  # N files and 10 x N files
            write_pages(records, temp / f"mem{copies}", "dirty_full", ".txt", copies)
            memory[copies] = peak_memory(temp / f"mem{copies}", temp / "out", cores)
        write_pages(records[:1], temp / "article", "dirty_recall", ".txt", 1)
        check_seconds, pass_seconds = startup(cleaned(temp / "article", temp / "cleaned"))
        dirty_seconds, _ = startup(next((temp / "mem1").rglob("*.txt")))

    lines += ["", f"All cores ({cores}) vs one core: text {text_speedup:.2f}x"
              + (f", HTML {html_speedup:.2f}x" if html_speedup else "") + ".",
              f"Peak memory (largest process, workers included, text, -j {cores}): {memory[1] / 1024:.0f} MB over {len(records)} files, "
              f"{memory[10] / 1024:.0f} MB over {len(records) * 10} files.",
              f"Start-up: `cleaner check` on one clean file (the first page's extracted text as `cleaner clean` "
              f"writes it: what a hook mostly sees) {check_seconds * 1e3:.0f} ms, `python -c pass` "
              f"{pass_seconds * 1e3:.0f} ms: {check_seconds / pass_seconds:.1f}x; on the page's `dirty_full` text, "
              f"which has residue (the full check, which reports it) {dirty_seconds * 1e3:.0f} ms: "
              f"{dirty_seconds / pass_seconds:.1f}x (medians of 21 runs, warm caches, cleaner byte-compiled as pip "
              "installs it).",
              "", "Targets: " + "; ".join(targets(text_x, timing, text_speedup, html_speedup,
                                              check_seconds / pass_seconds, dirty_seconds / pass_seconds)) + ".",
              ""]
    section = "\n".join(lines)
    print(section)
    if args.results:
        write_section(args.results, section)


def targets(text_x: float, timing: dict, speedup: float, html_speedup: float | None, startup_x: float,
            dirty_startup_x: float) -> list[str]:
    """Each agreed target with its figure and whether it is met, so the section cannot flatter."""
    html_x = timing["html"] / timing["trafilatura"] if timing["html"] is not None else None
    extracted_x = timing["trafilatura"] / timing["text_extracted"]
    cores = f"text {speedup:.2f}x" + (f", HTML {html_speedup:.2f}x" if html_speedup else "")
    checks = [(f"text mode >= 50x faster per file than bare trafilatura, on extracted article text (dirty_recall, "
               f"DESIGN's main input): {extracted_x:.1f}x", extracted_x >= 50),
              (f"the same on whole-page text (dirty_full): {text_x:.1f}x", text_x >= 50),
              (f"all cores >= 1.7x one core: {cores}", min(speedup, html_speedup or speedup) >= 1.7),
              (f"cleaner check start-up < 5x python -c pass: {startup_x:.1f}x on a clean file "
               f"({dirty_startup_x:.1f}x on one with residue)", startup_x < 5)]
    if html_x is not None:
        checks.insert(2, (f"HTML mode within 2x of bare trafilatura (issue 13): {html_x:.2f}x", html_x <= 2))
    return [f"{text} {'MET' if ok else 'NOT MET'}" for text, ok in checks]


def write_section(path: Path, section: str) -> None:
    """Replace this script's section of ``path`` (or append it), leaving the other sections as they are."""
    text = path.read_text(encoding="utf-8") if path.exists() else "# Benchmark results\n"
    start = text.find("## Speed\n")
    if start < 0:
        text = text.rstrip("\n") + "\n\n" + section
    else:
        end = text.find("\n## ", start + 1)
        text = text[:start] + section + ("\n" + text[end + 1:] if end >= 0 else "")
    path.write_text(text.rstrip("\n") + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
