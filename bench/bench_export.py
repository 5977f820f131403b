"""Benchmark: the whole meeting material (.zip: slides, chart images, workbook, report) for the sample year 2015.
Target: ≤ 20 s. Prints the medians; `--write` appends them to bench/RESULTS.md.

    python bench/bench_export.py [--runs 5] [--cold-runs 3] [--db PATH] [--write]

- cold: `python -m etl export --year 2015 --out DIR` in a fresh process (start-up, reading the database, starting
  the chart renderer, building and writing every file): what the command line costs.
- warm: in one process, store.meeting.gather + reports.meeting.bundle with the renderer already running: what a
  click on 生成全部材料 costs in a dashboard that has exported before (its first click costs the renderer's start too,
  about the cold figure's share of "renderer start" below).
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import plotly.graph_objects as go  # noqa: E402

from reports import meeting, render  # noqa: E402
from store import db  # noqa: E402
from store.meeting import MeetingFilters, gather  # noqa: E402

YEAR = 2015
TARGET_S = 20.0


def _sample_db(folder: Path) -> Path:
    path = folder / "bench_export.duckdb"
    subprocess.run([sys.executable, "-m", "etl", "sample", "--db", str(path)], cwd=ROOT, check=True,
                   capture_output=True)
    return path


def _cold(path: Path, out: Path) -> float:
    started = time.perf_counter()
    subprocess.run([sys.executable, "-m", "etl", "export", "--db", str(path), "--year", str(YEAR), "--out", str(out)],
                   cwd=ROOT, check=True, capture_output=True)
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=5, help="warm runs (in-process, renderer running)")
    parser.add_argument("--cold-runs", type=int, default=3, help="cold runs (a fresh `python -m etl export` each)")
    parser.add_argument("--db", type=Path, default=None, help="a built sample database (default: build one)")
    parser.add_argument("--write", action="store_true", help="append the figures to bench/RESULTS.md")
    args = parser.parse_args()
    load_before = os.getloadavg()[0]
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        path = args.db or _sample_db(folder)
        cold = [_cold(path, folder / f"cold{i}") for i in range(args.cold_runs)]
        con = db.open_db(path)
        try:
            started = time.perf_counter()
            render.png(go.Figure(go.Bar(x=["优"], y=[1])), 200, 100)  # the first image starts chromium
            renderer_start = time.perf_counter() - started
            warm, gathers, sizes = [], [], []
            for _ in range(args.runs):
                started = time.perf_counter()
                facts = gather(con, MeetingFilters(YEAR))
                gathered = time.perf_counter()
                made = meeting.bundle(facts)
                warm.append(time.perf_counter() - started)
                gathers.append(gathered - started)
                sizes.append(len(made.data))
        finally:
            con.close()
            render.stop()
    load_after = os.getloadavg()[0]
    lines = [
        f"cold (python -m etl export, fresh process): median {statistics.median(cold):.2f} s of {len(cold)} "
        f"({', '.join(f'{x:.2f}' for x in cold)})",
        f"warm (gather + bundle, renderer running): median {statistics.median(warm):.2f} s of {len(warm)} "
        f"({', '.join(f'{x:.2f}' for x in warm)}); gather alone median {statistics.median(gathers):.2f} s",
        f"renderer start (kaleido + chromium, first image): {renderer_start:.2f} s; .zip {statistics.median(sizes) / 1e6:.2f} MB",
        f"target ≤ {TARGET_S:.0f} s: {'met' if max(statistics.median(cold), statistics.median(warm)) <= TARGET_S else 'NOT met'}",
        f"1-minute load average {load_before:.2f} at the start, {load_after:.2f} at the end",
    ]
    print("\n".join(lines))
    if args.write:
        with (ROOT / "bench" / "RESULTS.md").open("a", encoding="utf-8") as out:
            out.write(f"\n## Meeting material export ({date.today():%Y-%m-%d}, `python bench/bench_export.py "
                      f"--runs {args.runs} --cold-runs {args.cold_runs}`)\n\n")
            out.write(f"Machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores; "
                      f"Python {platform.python_version()}. The whole .zip of {YEAR} (slides, every chart as an image, "
                      f"workbook, report); target ≤ {TARGET_S:.0f} s.\n\n")
            out.writelines(f"- {line}\n" for line in lines)


if __name__ == "__main__":
    main()
