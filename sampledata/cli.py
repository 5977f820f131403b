"""Command line: `python -m sampledata write [DIR]`. Parses arguments and calls the generator."""

from __future__ import annotations

import argparse
from pathlib import Path

from sampledata.paths import SAMPLE_DIR

EXIT_OK = 0


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
    from sampledata.generator import write_sample

    written = write_sample(args.dir)
    print(f"已写出 {len(written)} 个文件到 {args.dir}")
    return EXIT_OK
