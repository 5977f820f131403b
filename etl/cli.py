"""Command line: `python -m etl sample | load | check`. Parses arguments and calls the library."""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from etl.build import sample_files
from etl.form import Problem
from etl.load import REJECTED, FileReport, check_source, iter_sources, load_paths
from rubrics.loader import RubricError, load_rubric
from store.db import DatabaseBusy, default_path, open_db

EXIT_OK = 0
EXIT_REJECTED = 1
EXIT_BUSY = 2
SAMPLE_BANNER = "导入内置示例数据（示例数据：模拟的 2015 年度 121 家单位、793 个项目，并非真实单位填报）"


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m etl", description="预算绩效自评表导入工具")
    sub = parser.add_subparsers(dest="command", required=True)
    sample = sub.add_parser("sample", help="导入内置示例数据（2015 年度）")
    sample.add_argument("--db", type=Path, default=None, help="数据库文件（默认 data/budget_perf.duckdb）")
    load = sub.add_parser("load", help="导入自评表：文件、文件夹或 .zip 压缩包")
    load.add_argument("--db", type=Path, default=None, help="数据库文件（默认 data/budget_perf.duckdb）")
    load.add_argument("--year", type=int, default=None, help="表头没有写年度时使用的年度")
    load.add_argument("paths", nargs="+", type=Path)
    check = sub.add_parser("check", help="只检查，不写入数据库")
    check.add_argument("--year", type=int, default=None, help="表头没有写年度时使用的年度")
    check.add_argument("paths", nargs="+", type=Path)
    return parser


def _print_report(report: FileReport) -> None:
    print(report.line())
    for problem in report.problems:
        print(f"    {problem}")


def _load(db: Path | None, paths: list[Path], year: int | None) -> int:
    try:
        con = open_db(db or default_path())
    except DatabaseBusy as exc:
        print(exc, file=sys.stderr)
        return EXIT_BUSY
    started = time.perf_counter()
    try:
        reports = load_paths(con, paths, rubric=load_rubric(), default_year=year)
    except RubricError as exc:
        print(f"评分标准有误，未导入任何文件：{exc}", file=sys.stderr)
        return EXIT_REJECTED
    finally:
        con.close()
    for report in reports:
        _print_report(report)
    rejected = sum(r.rejected for r in reports)
    print(f"共 {len(reports)} 个文件：导入或未更改 {len(reports) - rejected} 个，拒绝 {rejected} 个；用时 {time.perf_counter() - started:.1f} 秒")
    return EXIT_REJECTED if rejected else EXIT_OK


def main(argv: list[str] | None = None) -> int:
    """Run the CLI; returns the exit code (0 nothing rejected, 1 something rejected, 2 database busy)."""
    args = _parser().parse_args(argv)
    if args.command == "sample":
        print(SAMPLE_BANNER)
        return _load(args.db, sample_files(), None)
    if args.command == "load":
        return _load(args.db, args.paths, args.year)
    rejected = 0
    for item in iter_sources(args.paths):
        report = FileReport(item.file, REJECTED, problems=[item]) if isinstance(item, Problem) else check_source(item, args.year)
        rejected += report.rejected
        _print_report(report)
    return EXIT_REJECTED if rejected else EXIT_OK
