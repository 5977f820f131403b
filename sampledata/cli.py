"""Command line: `python -m sampledata write [DIR]`. Parses arguments and calls the generator."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from rubrics.loader import RubricError
from sampledata.names import NamesError
from sampledata.paths import SAMPLE_DIR

EXIT_OK = 0
EXIT_BAD_INPUT = 1  # names.yaml or the rubric does not fit the generator


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m sampledata", description="示例数据生成器（2015 年度）")
    sub = parser.add_subparsers(dest="command", required=True)
    write = sub.add_parser("write", help="写出示例数据：各单位自评表工作簿和自评项目清单（逐字节可复现）")
    write.add_argument("dir", nargs="?", type=Path, default=SAMPLE_DIR,
                       help="输出文件夹（默认 data/sample/2015；其中旧的单位工作簿会被替换）")
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run the command; returns the exit code."""
    args = _parser().parse_args(argv)
    try:
        from sampledata.generator import write_sample  # loads names.yaml and the rubric

        written = write_sample(args.dir)
    except (NamesError, RubricError) as exc:
        print(f"示例数据生成失败：{exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    print(f"已写出 {len(written)} 个文件到 {args.dir}")
    return EXIT_OK
