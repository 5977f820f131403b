"""Benchmark: the importer and the dashboard at district, city and province scale.

Tiers are N counties cloned from the sample year by sampledata.scale (×1 = the district: 121 units,
793 forms; ×10 a city; ×125 a province: ~100,000 forms). They are written once under bench/.tiers/
(gitignored) and rewritten when the sample year changes. Per tier, each figure the median of the runs:

  raw     python-calamine alone: open every workbook, read every sheet's rows into Python lists
  check   etl.load.check_source over etl.load.iter_sources(paths): read + parse + check, no writes
  load    etl.load.load_paths into a fresh DuckDB file (store.db.open_db), with the worker processes the
          CLI uses (one per core), in a child process; peak memory = its peak resident set plus
          workers × the largest worker's (an upper bound); CPU seconds include the workers'; also load / raw
  pages   each page of dashboard.py's st.navigation under streamlit.testing.v1.AppTest against the
          loaded database: one run to warm the caches, then the timed runs
  counts  files, units, forms, indicator rows and Σ 全年预算数 the load stored (sanity check)

    python bench/bench_scale.py [--tiers 1,10,125] [--runs 3] [--runs-large 1] [--steps raw,check,load,pages]
                                [--load-tiers 1,10] [--results bench/RESULTS.md]

Prints a Markdown table and writes it, with the machine and the targets, to bench/RESULTS.md.
Only the standard library and the project's own requirements are used.
"""

from __future__ import annotations

import argparse
import ast
import hashlib
import io
import json
import math
import os
import platform
import re
import resource
import shutil
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from importlib import metadata
from pathlib import Path
from typing import TypeVar

T = TypeVar("T")
ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

TIERS_DIR = ROOT / "bench" / ".tiers"  # generated tiers and their databases (gitignored)
RESULTS = ROOT / "bench" / "RESULTS.md"
DASHBOARD = ROOT / "dashboard.py"
STEPS = ("raw", "check", "load", "pages")
LARGE_TIER = 100  # tiers from this multiplier on use --runs-large runs
APPTEST_TIMEOUT_S = 120

# Targets (bench/README.md): load vs raw read, growth, warm page render, peak memory.
TARGET_LOAD_OVER_RAW = 2.0  # load time / raw read time, at every tier
TARGET_GROWTH_EXPONENT = 1.1  # t(×N) = t(×1) · N^k; k = 1 is linear
TARGET_PAGE_S = {1: 0.5}  # warm render, seconds, at ×1 ...
TARGET_PAGE_LARGE_S = 1.5  # ... and at ×125 (and any tier above ×1)
TARGET_PEAK_MB = 2048  # peak memory of the ×125 load
TARGET_PEAK_TIER = 125


@dataclass
class Timing:
    """Seconds per run: wall-clock and CPU (all threads of the process, so it hardly moves when other
    processes share the cores)."""

    wall: list[float] = field(default_factory=list)
    cpu: list[float] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.wall)

    def add(self, wall: float, cpu: float) -> None:
        self.wall.append(wall)
        self.cpu.append(cpu)

    @property
    def median(self) -> float | None:
        return statistics.median(self.wall) if self.wall else None

    @property
    def median_cpu(self) -> float | None:
        return statistics.median(self.cpu) if self.cpu else None

    def text(self) -> str:
        """'1.23 (cpu 1.01)', or '—'."""
        return "—" if not self.wall else f"{self.median:.2f} (cpu {self.median_cpu:.2f})"

    def runs(self) -> str:
        return f"wall {[round(v, 3) for v in self.wall]} cpu {[round(v, 3) for v in self.cpu]}"


@dataclass
class TierResult:
    """The figures of one tier."""

    multiplier: int
    files: int = 0
    generated_s: float | None = None
    raw: Timing = field(default_factory=Timing)
    raw_rows: int = 0
    check: Timing = field(default_factory=Timing)
    check_forms: int = 0
    check_rejected: int = 0
    load: Timing = field(default_factory=Timing)
    peak_mb: list[float] = field(default_factory=list)
    counts: dict[str, object] = field(default_factory=dict)
    pages: dict[str, Timing] = field(default_factory=dict)
    page_errors: dict[str, str] = field(default_factory=dict)

    @property
    def peak(self) -> float | None:
        return statistics.median(self.peak_mb) if self.peak_mb else None

    def ratio(self, cpu: bool = False) -> float | None:
        """Load time / raw read time (wall-clock, or CPU)."""
        if not (self.load and self.raw):
            return None
        if cpu:
            return self.load.median_cpu / self.raw.median_cpu  # type: ignore[operator]
        return self.load.median / self.raw.median  # type: ignore[operator]


# --- tiers ----------------------------------------------------------------------------------------

def _source_digest(source: Path) -> str:
    """Digest of the sample year and of the tier generator: a cached tier older than either is rewritten."""
    digest = hashlib.sha256()
    for path in sorted(source.glob("*.xlsx")) + [ROOT / "sampledata" / "scale.py"]:
        digest.update(path.name.encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()[:16]


def tier_files(multiplier: int) -> tuple[list[Path], float | None]:
    """The workbooks of tier ×multiplier (plan first), generating it when missing or stale; (paths, seconds)."""
    from sampledata.scale import PLAN_FILE, SOURCE_DIR, write_tier

    folder = TIERS_DIR / f"x{multiplier}"
    stamp = folder / ".source"
    digest = _source_digest(SOURCE_DIR)
    seconds = None
    if not (stamp.is_file() and stamp.read_text() == digest):
        partial = TIERS_DIR / f"x{multiplier}.partial"
        for old in (partial, folder):
            shutil.rmtree(old, ignore_errors=True)
        _log(f"×{multiplier}: writing the tier to {folder.relative_to(ROOT)} …")
        started = time.perf_counter()
        write_tier(multiplier, partial)
        seconds = time.perf_counter() - started
        (partial / ".source").write_text(digest)
        partial.rename(folder)
        _log(f"×{multiplier}: written in {seconds:.1f} s")
    plan = folder / PLAN_FILE
    return [plan] + sorted(p for p in folder.rglob("*.xlsx") if p != plan), seconds


# --- measurements ---------------------------------------------------------------------------------

def raw_read(paths: list[Path]) -> int:
    """python-calamine alone: every sheet of every workbook into Python lists; the number of rows read."""
    import python_calamine

    rows = 0
    for path in paths:
        workbook = python_calamine.CalamineWorkbook.from_filelike(io.BytesIO(path.read_bytes()))
        for name in workbook.sheet_names:
            rows += len(workbook.get_sheet_by_name(name).to_python())
    return rows


def check(paths: list[Path]) -> tuple[int, int]:
    """The importer's check over the files: (forms found, files rejected)."""
    from etl.load import SourceFile, check_source, iter_sources

    forms = rejected = 0
    for item in iter_sources(paths):
        if not isinstance(item, SourceFile):
            rejected += 1
            continue
        report = check_source(item)
        rejected += report.rejected
        forms += report.forms if report.kind == "自评表" else 0
    return forms, rejected


def load_in_child(paths_file: Path, db_path: Path) -> dict[str, object]:
    """Run `_child_load` in a fresh interpreter; its JSON report (seconds, peak memory, counts)."""
    for leftover in (db_path, db_path.with_name(db_path.name + ".wal")):
        leftover.unlink(missing_ok=True)
    done = subprocess.run([sys.executable, __file__, "--child-load", str(paths_file), str(db_path)],
                          capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"the load failed (exit {done.returncode}):\n{done.stderr[-4000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def _child_load(paths_file: Path, db_path: Path) -> None:
    """In the child: load the files into db_path, print one JSON line of figures."""
    from etl.load import default_workers, load_paths
    from store import queries
    from store.db import checkpoint, open_db

    paths = [Path(p) for p in paths_file.read_text(encoding="utf-8").splitlines()]
    con = open_db(db_path)
    started, started_cpu = time.perf_counter(), time.process_time()
    reports = load_paths(con, paths, workers=default_workers())  # as `python -m etl load` does
    children = resource.getrusage(resource.RUSAGE_CHILDREN)  # the worker processes, once they have ended
    seconds = time.perf_counter() - started
    cpu = time.process_time() - started_cpu + children.ru_utime + children.ru_stime
    checkpoint(con)
    years = queries.years(con)
    head = queries.headline(con, years[0]) if years else None
    # a read-only count for the sanity check; no store query returns it
    indicators = con.execute("SELECT count(*) FROM indicators JOIN forms USING (form_id) WHERE is_current").fetchone()
    con.close()
    print(json.dumps({
        "seconds": seconds,
        "cpu": cpu,
        # the load as a whole: this process's peak resident set plus, for each worker, the largest worker's
        # (an upper bound: the workers need not peak at once)
        "peak_mb": (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss + default_workers() * children.ru_maxrss) / 1024,
        "files": len(reports),
        "rejected": sum(r.rejected for r in reports),
        "units": head.units if head else 0,
        "forms": head.projects if head else 0,
        "indicators": indicators[0] if indicators else 0,
        "budget_full_year": str(head.budget_full_year) if head else "0",
    }))


def dashboard_pages() -> list[tuple[str, bool]]:
    """(page file, is default) of each st.Page in dashboard.py's st.navigation, in order."""
    tree = ast.parse(DASHBOARD.read_text(encoding="utf-8"))
    pages: list[tuple[str, bool]] = []
    for node in ast.walk(tree):
        if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "Page"
                and node.args and isinstance(node.args[0], ast.Constant) and isinstance(node.args[0].value, str)):
            default = any(k.arg == "default" and isinstance(k.value, ast.Constant) and k.value.value is True
                          for k in node.keywords)
            pages.append((node.args[0].value, default))
    if pages and not any(d for _, d in pages):
        pages[0] = (pages[0][0], True)  # st.navigation's default is the first page
    return pages


BENCH_ADMIN = "bench_admin"


def _bench_admin(db_path: Path) -> object:
    """A 绩效办 account of the benchmark's database (made once), signed in for the page renders."""
    from store import access, accounts, db

    con = db.open_db(db_path)
    try:
        found = accounts.get(con, BENCH_ADMIN)
        if found is None:
            found = accounts.create(con, access.command_line(), BENCH_ADMIN, "基准测试", access.ADMIN,
                                    "bench-pass-1")
        return found.viewer()
    finally:
        con.close()


def page_runs(db_path: Path, runs: int) -> tuple[dict[str, Timing], dict[str, str]]:
    """Warm render seconds of each dashboard page against db_path: {page: [seconds per run]}, {page: error}."""
    import streamlit as st
    import streamlit.logger
    from streamlit import config
    from streamlit.testing.v1 import AppTest

    from store import db

    # quiet the "no runtime" / "missing ScriptRunContext" notes of calls made outside a script run
    config.set_option("logger.level", "error")
    streamlit.logger.set_log_level("error")
    os.environ["BUDGET_PERF_DB"] = str(db_path)
    st.cache_data.clear()
    viewer = _bench_admin(db_path)
    times: dict[str, Timing] = {}
    errors: dict[str, str] = {}
    try:
        for page, default in dashboard_pages():
            at = AppTest.from_file(str(DASHBOARD), default_timeout=APPTEST_TIMEOUT_S)
            at.session_state["_viewer"] = viewer  # ui.session._VIEWER: signed in, as every page needs
            at.run()  # the default page; warms the connection and the caches it shares
            if not default:
                at.switch_page(page)
                at.run()  # warm this page
            times[page] = Timing()
            for _ in range(runs):
                _timed(times[page], at.run)
            if at.exception:
                errors[page] = "; ".join(str(e.value)[:200] for e in at.exception)
    finally:
        db.close(db_path)
        st.cache_data.clear()
    return times, errors


# --- the run --------------------------------------------------------------------------------------

def measure(multiplier: int, steps: set[str], runs: int) -> TierResult:
    """All the figures of one tier."""
    paths, generated = tier_files(multiplier)
    result = TierResult(multiplier, files=len(paths), generated_s=generated)
    if "raw" in steps:
        for _ in range(runs):
            result.raw_rows = _timed(result.raw, lambda: raw_read(paths))
        _log(f"×{multiplier}: raw read {result.raw.text()} s")
    if "check" in steps:
        for _ in range(runs):
            result.check_forms, result.check_rejected = _timed(result.check, lambda: check(paths))
        _log(f"×{multiplier}: check {result.check.text()} s")
    db_path = TIERS_DIR / f"x{multiplier}.duckdb"
    if "load" in steps:
        paths_file = TIERS_DIR / f"x{multiplier}.paths"
        paths_file.write_text("\n".join(map(str, paths)), encoding="utf-8")
        for _ in range(runs):
            report = load_in_child(paths_file, db_path)
            result.load.add(float(report.pop("seconds")), float(report.pop("cpu")))
            result.peak_mb.append(float(report.pop("peak_mb")))
            result.counts = report
            _log(f"×{multiplier}: load {result.load.wall[-1]:.2f} s (cpu {result.load.cpu[-1]:.2f}), "
                 f"peak {result.peak_mb[-1]:.0f} MB")
    if "pages" in steps:
        if not db_path.exists():
            _log(f"×{multiplier}: no loaded database at {db_path}; pages skipped (add the load step)")
        else:
            result.pages, result.page_errors = page_runs(db_path, runs)
            _log(f"×{multiplier}: pages " + ", ".join(f"{p} {t.text()} s" for p, t in result.pages.items()))
    return result


def _timed(into: Timing, fn: Callable[[], T]) -> T:
    started, started_cpu = time.perf_counter(), time.process_time()
    value = fn()
    into.add(time.perf_counter() - started, time.process_time() - started_cpu)
    return value


def _fmt(value: float | None, digits: int = 2) -> str:
    return "—" if value is None else f"{value:.{digits}f}"


def _log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def table(results: list[TierResult]) -> str:
    """The Markdown table of medians, one row per tier; seconds are wall-clock with CPU seconds beside."""
    pages = [p for p, _ in dashboard_pages()]
    head = (["tier", "files", "units", "forms", "indicator rows", "Σ 全年预算数 (万元)", "raw read s", "check s",
             "load s", "load / raw", "growth k", "load peak MB"] + [f"{Path(p).stem} s" for p in pages])
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    growth = _growth(results)
    for r in results:
        c = r.counts
        ratio, ratio_cpu = r.ratio(), r.ratio(cpu=True)
        cells = [f"×{r.multiplier}", f"{r.files:,}", _count(c.get("units")),
                 _count(c.get("forms") if c else (r.check_forms or None)), _count(c.get("indicators")),
                 f"{float(str(c['budget_full_year'])):,.2f}" if c else "—",
                 r.raw.text(), r.check.text(), r.load.text(),
                 f"{ratio:.1f}× (cpu {ratio_cpu:.1f}×)" if ratio and ratio_cpu else "—",
                 _fmt(growth.get(r.multiplier)), _fmt(r.peak, 0)]
        cells += [r.pages[p].text() + (" error" if p in r.page_errors else "") if p in r.pages else "—" for p in pages]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def _growth(results: list[TierResult]) -> dict[int, float]:
    """k in t(×N) = t(×1)·N^k for the load's CPU time, per tier above ×1 (needs ×1's load)."""
    base = next((r for r in results if r.multiplier == 1 and r.load), None)
    if base is None:
        return {}
    return {r.multiplier: math.log(r.load.median_cpu / base.load.median_cpu) / math.log(r.multiplier)  # type: ignore[operator]
            for r in results if r.multiplier > 1 and r.load}


def _count(value: object) -> str:
    return f"{value:,}" if isinstance(value, int) else "—"


def targets(results: list[TierResult]) -> str:
    """Each target with its status: met, not met, or not measured."""
    pages = [p for p, _ in dashboard_pages()]
    lines = []

    def status(ok: bool | None) -> str:
        return "not measured" if ok is None else "**met**" if ok else "**not met**"

    ratios = {r.multiplier: r.ratio() for r in results if r.ratio() is not None}
    ok = all(v <= TARGET_LOAD_OVER_RAW for v in ratios.values()) if ratios else None  # type: ignore[operator]
    shown = ", ".join(f"×{m}: {v:.1f}×" for m, v in ratios.items())
    lines.append(f"- Full load within {TARGET_LOAD_OVER_RAW:g}× the raw read at every tier — {status(ok)} "
                 f"({shown or '—'})")
    growth = _growth(results)
    ok = all(k <= TARGET_GROWTH_EXPONENT for k in growth.values()) if growth else None
    shown = ", ".join(f"×{m}: k = {k:.2f}" for m, k in growth.items())
    lines.append(f"- Load time linear in the data: t(×N) = t(×1)·N^k with k ≤ {TARGET_GROWTH_EXPONENT:g} (CPU time) "
                 f"— {status(ok)} ({shown or '—'})")
    for r in results:
        limit = TARGET_PAGE_S.get(r.multiplier, TARGET_PAGE_LARGE_S)
        medians = {p: r.pages[p].median for p in pages if r.pages.get(p)}
        ok = (all(v <= limit for v in medians.values()) and not r.page_errors) if medians else None  # type: ignore[operator]
        shown = ", ".join(f"{Path(p).stem} {v:.2f} s" for p, v in medians.items())
        lines.append(f"- Every page within {limit:g} s warm at ×{r.multiplier} — {status(ok)} ({shown or '—'})")
    big = next((r for r in results if r.multiplier == TARGET_PEAK_TIER), None)
    peak = big.peak if big else None
    lines.append(f"- ×{TARGET_PEAK_TIER} load under {TARGET_PEAK_MB / 1024:g} GB peak memory — "
                 f"{status(None if peak is None else peak < TARGET_PEAK_MB)} ({_fmt(peak, 0)} MB)")
    return "\n".join(lines)


def machine() -> str:
    """CPU model, cores, RAM, Python and library versions."""
    cpu = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        cpu = platform.processor() or cpu
    try:
        kb = next(int(line.split()[1]) for line in Path("/proc/meminfo").read_text().splitlines()
                  if line.startswith("MemTotal"))
        ram = f"{kb / 1024 / 1024:.1f} GiB RAM"
    except (OSError, StopIteration):
        ram = "RAM unknown"
    versions = ", ".join(f"{name} {_version(name)}" for name in ("duckdb", "python-calamine", "pandas", "streamlit"))
    return (f"{cpu}, {os.cpu_count()} cores, {ram}; {platform.system()} {platform.release()}; "
            f"Python {platform.python_version()}; {versions}")


def _version(package: str) -> str:
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return "not installed"


def details(results: list[TierResult]) -> str:
    """Every run's figure, for the record."""
    lines = []
    for r in results:
        parts = [f"raw {r.raw.runs()}", f"check {r.check.runs()}", f"load {r.load.runs()}",
                 f"peak MB {[round(v) for v in r.peak_mb]}"]
        parts += [f"{Path(p).stem} {t.runs()}" for p, t in r.pages.items()]
        if r.generated_s is not None:
            parts.append(f"tier written in {r.generated_s:.1f} s")
        if r.raw_rows:
            parts.append(f"{r.raw_rows:,} sheet rows read raw")
        if r.check:
            parts.append(f"check: {r.check_forms:,} forms, {r.check_rejected} files rejected")
        if r.counts:
            parts.append(f"load: {r.counts.get('files')} files, {r.counts.get('rejected')} rejected")
        for page, error in r.page_errors.items():
            parts.append(f"{page} raised: {error}")
        lines.append(f"- ×{r.multiplier}: " + "; ".join(parts))
    return "\n".join(lines)


SECTION_START = "<!-- scale: written by bench/bench_scale.py; the rest of the file is kept -->"
SECTION_END = "<!-- /scale -->"
RESULTS_TITLE = "# Scale benchmark results\n\n"


def write_section(path: Path, text: str) -> None:
    """Replace this benchmark's section of `path` (between its markers), keeping the rest of the file: the load
    test's, the export's and the what-if's figures; a file without the markers gets the section at its top."""
    section = f"{SECTION_START}\n{text.rstrip()}\n{SECTION_END}\n"
    current = path.read_text(encoding="utf-8") if path.exists() else ""
    pattern = re.compile(re.escape(SECTION_START) + r".*?" + re.escape(SECTION_END) + r"\n?", re.S)
    if pattern.search(current):
        updated = pattern.sub(lambda _: section, current, count=1)
    else:
        rest = current.removeprefix(RESULTS_TITLE.strip()).lstrip("\n")
        updated = RESULTS_TITLE + section + ("\n" + rest if rest else "")
    path.write_text(updated, encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--tiers", default="1,10,125", help="multipliers, comma-separated (default %(default)s)")
    parser.add_argument("--runs", type=int, default=3, help="runs per figure, the median is shown (default 3)")
    parser.add_argument("--runs-large", type=int, default=1,
                        help=f"runs per figure for tiers ×{LARGE_TIER} and above (default 1)")
    parser.add_argument("--steps", default=",".join(STEPS), help="any of raw,check,load,pages (default all)")
    parser.add_argument("--load-tiers", default=None,
                        help="tiers on which the load and pages steps run (default: every tier)")
    parser.add_argument("--results", type=Path, default=RESULTS, help="Markdown file to write (default %(default)s)")
    parser.add_argument("--note", action="append", default=[], help="a line for the Notes section (repeatable)")
    parser.add_argument("--child-load", nargs=2, type=Path, metavar=("PATHS_FILE", "DB"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child_load:
        _child_load(*args.child_load)
        return 0
    tiers = sorted({int(t) for t in args.tiers.split(",") if t.strip()})
    steps = {s.strip() for s in args.steps.split(",") if s.strip()}
    unknown = steps - set(STEPS)
    if unknown:
        parser.error(f"unknown steps {', '.join(sorted(unknown))}; choose from {', '.join(STEPS)}")
    load_tiers = set(tiers) if args.load_tiers is None else {int(t) for t in args.load_tiers.split(",") if t.strip()}
    TIERS_DIR.mkdir(parents=True, exist_ok=True)
    load_before = os.getloadavg()[0]
    results = []
    for multiplier in tiers:
        tier_steps = steps if multiplier in load_tiers else steps - {"load", "pages"}
        runs = min(args.runs, args.runs_large) if multiplier >= LARGE_TIER else args.runs
        results.append(measure(multiplier, tier_steps, max(1, runs)))
    command = "python bench/bench_scale.py " + " ".join(argv if argv is not None else sys.argv[1:])
    report = table(results)
    load_after = os.getloadavg()[0]
    print(report)
    runs_large = min(args.runs, args.runs_large)
    notes = "".join(f"- {n}\n" for n in args.note)
    write_section(
        args.results,
        f"Measured {date.today().isoformat()} with `{command.strip()}`.\n\n"
        f"Machine: {machine()}. 1-minute load average {load_before:.2f} at the start, {load_after:.2f} at the end "
        f"(the benchmark keeps one core busy; above 1, other processes shared the machine, which on these vCPUs "
        f"slows CPU seconds as well as wall-clock seconds).\n\n"
        f"Medians of {args.runs} runs (×{LARGE_TIER} and above: {runs_large}). Each cell: wall-clock seconds, with "
        f"the CPU seconds beside them (the load's include its worker processes'); raw read = python-calamine alone; load / raw on "
        f"wall-clock (and CPU); growth k from the load's CPU seconds, t(×N) = t(×1)·N^k (1 = linear); load peak = "
        f"the load process's ru_maxrss plus, per worker process, the largest worker's (an upper bound); pages: warm AppTest render.\n\n"
        f"{report}\n\n## Targets\n\n{targets(results)}\n\n## Every run\n\n{details(results)}\n"
        + (f"\n## Notes\n\n{notes}" if notes else ""))
    _log(f"written to {args.results}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
