"""Command line: `python -m sampledata write [--year Y | --all] [DIR]`. Parses arguments and calls the generator."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from rubrics.loader import RubricError
from sampledata.names import NamesError
from sampledata.paths import SAMPLE_YEAR, SAMPLE_YEARS

EXIT_OK = 0
EXIT_BAD_INPUT = 1  # names.yaml or the rubric does not fit the generator


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m sampledata",
                                     description=f"示例数据生成器（{'、'.join(map(str, SAMPLE_YEARS))} 年度）")
    sub = parser.add_subparsers(dest="command", required=True)
    write = sub.add_parser("write", help="写出示例数据：各单位自评表工作簿和自评项目清单（逐字节可复现）")
    write.add_argument("dir", nargs="?", type=Path, default=None,
                       help="输出文件夹（默认 data/sample/<年度>；其中旧的单位工作簿会被替换）")
    which = write.add_mutually_exclusive_group()
    which.add_argument("--year", type=int, choices=SAMPLE_YEARS, default=SAMPLE_YEAR,
                       help=f"写出哪个年度（默认 {SAMPLE_YEAR}）")
    which.add_argument("--all", action="store_true", help="写出全部示例年度，各写入 data/sample/<年度>（不可与 DIR 同用）")
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run the command; returns the exit code."""
    parser = _parser()
    args = parser.parse_args(argv)
    if args.all and args.dir is not None:
        parser.error("--all 写入 data/sample/<年度>，不能再指定输出文件夹")
    try:
        from sampledata.generator import write_sample  # loads names.yaml and the rubric

        for year in SAMPLE_YEARS if args.all else (args.year,):
            written = write_sample(args.dir, year)
            print(f"已写出 {year} 年度 {len(written)} 个文件到 {written[0].parent}")
    except (NamesError, RubricError) as exc:
        print(f"示例数据生成失败：{exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    return EXIT_OK
