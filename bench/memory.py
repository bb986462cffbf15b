"""Peak memory of cleaning one file, as a multiple of its size: ``python bench/memory.py [--sizes 1,5,10,25,50]``.

For each size (MiB) a text file is built from the bundled seed pages repeated
(article prose, residue lines, blank lines: what a scraped dump looks like)
and a JSONL file of those pages as records; each is cleaned alone by
``cleaner clean FILE -o OUT --jobs 1`` in a fresh process, whose peak RSS is
read from ``getrusage`` (RUSAGE_CHILDREN of a fresh intermediate process, so
nothing else counts). The same run on a 1 kB file gives the fixed cost (the
interpreter, the rules, the line model); the table shows peak minus that, per
MiB of input. ``--results FILE`` writes (or replaces) the "## Memory"
section of FILE and leaves the rest alone.
"""
from __future__ import annotations

import argparse
import json
import platform
import re
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "fixtures" / "seeds" / "raw"
MEASURE = """
import resource, subprocess, sys
subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
"""
MIB = 1 << 20


def peak_rss_mib(path: Path, out: Path) -> float:
    """Peak RSS (MiB) of one ``cleaner clean PATH -o OUT --jobs 1`` process."""
    command = [sys.executable, "-c", MEASURE, sys.executable, "-m", "cleaner", "clean", str(path), "-o", str(out),
               "--jobs", "1", "-q", "--force"]
    done = subprocess.run(command, capture_output=True, text=True, check=True, cwd=ROOT)
    return int(done.stdout.split()[-1]) / 1024


def build_text(path: Path, size: int) -> None:
    pages = [p.read_text(encoding="utf-8") for p in sorted(SEEDS.glob("*.txt"))]
    unit = "\n\n".join(pages).encode("utf-8")
    with path.open("wb") as handle:
        for _ in range(size // len(unit)):
            handle.write(unit)
        handle.write(unit[: size % len(unit)].rsplit(b"\n", 1)[0] + b"\n")


def build_jsonl(path: Path, size: int) -> None:
    records = [json.dumps({"url": f"https://example.org/{p.stem}", "text": p.read_text(encoding="utf-8")}) + "\n"
               for p in sorted(SEEDS.glob("*.txt"))]
    written = 0
    with path.open("w", encoding="utf-8") as handle:
        while written < size:
            for record in records:
                handle.write(record)
                written += len(record.encode("utf-8"))


def measure(sizes: list[int]) -> list[dict]:
    rows = []
    with tempfile.TemporaryDirectory() as folder:
        base = Path(folder)
        tiny = base / "tiny.txt"
        build_text(tiny, 1000)
        fixed = peak_rss_mib(tiny, base / "out")
        for kind, build in (("text", build_text), ("jsonl", build_jsonl)):
            for mib in sizes:
                path = base / f"input-{mib}.{'txt' if kind == 'text' else 'jsonl'}"
                build(path, mib * MIB)
                actual = path.stat().st_size / MIB
                peak = peak_rss_mib(path, base / "out")
                rows.append({"kind": kind, "mib": actual, "peak": peak, "fixed": fixed,
                             "per_mib": (peak - fixed) / actual})
                print(f"{kind:5} {actual:6.1f} MiB: peak {peak:7.1f} MiB, "
                      f"{(peak - fixed) / actual:5.1f} x the input above the fixed {fixed:.0f} MiB", flush=True)
                path.unlink()
    return rows


def section(rows: list[dict]) -> str:
    lines = ["## Memory", "",
             f"`python bench/memory.py` on {platform.machine()}, Python {platform.python_version()}: one file per "
             "process (`cleaner clean FILE -o OUT --jobs 1`), peak RSS; \"x input\" is (peak - fixed) / file size, the "
             f"fixed cost being a 1 kB file's run ({rows[0]['fixed']:.0f} MiB: interpreter, rules, line model).", "",
             "| Input | Size (MiB) | Peak RSS (MiB) | x input |", "|---|---:|---:|---:|"]
    lines += [f"| {r['kind']} | {r['mib']:.1f} | {r['peak']:.0f} | {r['per_mib']:.1f} |" for r in rows]
    return "\n".join(lines) + "\n"


def write_section(results: Path, text: str) -> None:
    """Replace the "## Memory" section of ``results`` (up to the next "## "), or append it."""
    old = results.read_text(encoding="utf-8") if results.exists() else ""
    pattern = re.compile(r"^## Memory\n.*?(?=^## |\Z)", re.MULTILINE | re.DOTALL)
    new = pattern.sub(lambda _: text + "\n", old) if pattern.search(old) else old.rstrip("\n") + "\n\n" + text
    results.write_text(new, encoding="utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1,5,10,25,49", help="MiB, comma-separated (the input limit is 50 MiB)")
    parser.add_argument("--results", type=Path, help="write the table into this markdown file's Memory section")
    args = parser.parse_args()
    rows = measure([int(s) for s in args.sizes.split(",")])
    if args.results:
        write_section(args.results, section(rows))


if __name__ == "__main__":
    main()
