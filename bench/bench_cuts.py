"""Benchmark: the 结果应用 what-if (模拟测算) at the sample year and at the province tier.

What one what-if rerun of the page computes, without drawing: validate the edited rule table
(rubrics.cuts.rules_from_data), judge every line (rubrics.cuts.compute), the ledger as a frame for the viewer
(store.cuts.ledger_frame), the headline, totals by the four dimensions, the waterfall's steps and the largest cuts
(present.cuts). Targets (issue 10): ≤ 1 s for the sample year, ≤ 2 s for the province tier.

The engine's input is read once from a sample database (built with `python -m etl sample` when --db is not given).
The province tier of sampledata.scale is 125 renamed copies of the district (county k prefixes every unit code
with k and every name with its county name); the benchmark clones the sample's lines the same way instead of
importing 100,000 workbooks, so it measures the what-if, not the importer (bench_scale.py measures that).

    python bench/bench_cuts.py [--db PATH] [--tiers 1,125] [--runs 5] [--results bench/RESULTS.md]
"""

from __future__ import annotations

import argparse
import dataclasses
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from present import cuts as view  # noqa: E402
from rubrics import cuts as engine  # noqa: E402
from sampledata.scale import county  # noqa: E402
from store import cuts, db  # noqa: E402

YEAR = 2015
TARGET_S = {1: 1.0, 125: 2.0}


def _lines(path: Path) -> list[engine.Line]:
    con = db.connection(path)
    try:
        return cuts.lines(con, YEAR)
    finally:
        db.close(path)


def tier(lines: list[engine.Line], n: int) -> list[engine.Line]:
    """The lines of n counties: county k's copy of every line, its codes and names prefixed as sampledata.scale does."""
    if n == 1:
        return lines
    found = []
    for k in range(1, n + 1):
        c = county(k)
        for line in lines:
            found.append(dataclasses.replace(
                line, unit_code=f"{c.code}{line.unit_code}", unit_name=f"{c.name}{line.unit_name}",
                department=f"{c.name}{line.department}",
                project_id=None if line.project_id is None else f"{c.code}{line.project_id}"))
    return found


def what_if(base: engine.CutRules, lines: list[engine.Line]) -> engine.Ledger:
    """One rerun's computing: the edited rules (P3 10% → 15%, 执行率 60% → 50%), the ledger and its summaries."""
    data, _ = view.edited_data(base, {"P3": 15.0}, 50.0, True, ())
    rules = engine.rules_from_data(data, "模拟测算")
    ledger = engine.compute(rules, lines)
    frame = cuts.ledger_frame(ledger)
    view.headline(frame)
    for by in view.DIMENSIONS:
        view.totals(frame, by)
    view.steps(frame, rules)
    view.largest_figure(frame, YEAR)
    return ledger


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", type=Path, help="a sample database (default: build one in a temporary folder)")
    parser.add_argument("--tiers", default="1,125")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--results", type=Path, help="append the table to this Markdown file")
    args = parser.parse_args(argv)
    path = args.db
    if path is None:
        path = Path(tempfile.mkdtemp()) / "sample.duckdb"
        subprocess.run([sys.executable, "-m", "etl", "sample", "--db", str(path)], cwd=ROOT, check=True,
                       capture_output=True)
    base = engine.load_rules()
    sample = _lines(path)
    rows = []
    for n in (int(t) for t in args.tiers.split(",")):
        lines = tier(sample, n)
        what_if(base, lines)  # warm-up
        times = []
        for _ in range(args.runs):
            started = time.perf_counter()
            ledger = what_if(base, lines)
            times.append(time.perf_counter() - started)
        projects = sum(1 for line in lines if line.level == engine.LEVEL_PROJECT)
        units = len(lines) - projects
        target = TARGET_S.get(n)
        rows.append(f"| ×{n} | {units:,} | {projects:,} | {min(times):.3f} | {statistics.median(times):.3f} | "
                    f"{max(times):.3f} | {target if target else '—'} | {ledger.cut:,.2f} |")
    table = "\n".join([
        f"what-if rerun (rules + judge every line + ledger frame + summaries), {args.runs} runs each, seconds",
        "",
        "| tier | units | continuing projects | min | median | max | target | 压减合计（万元） |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
        *rows])
    print(table)
    if args.results:
        with args.results.open("a", encoding="utf-8") as out:
            out.write("\n" + table + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
