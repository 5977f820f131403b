"""Benchmark: build the sample database (2014 and 2015: 239 workbooks, 1,561 forms, plus the two
registries) through the real importer, and check every form without writing. Prints the median of N runs.

    python bench/bench_build.py [--runs 3]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from etl.build import build_sample_database, sample_files  # noqa: E402
from etl.load import check_source, iter_sources  # noqa: E402


def _time(fn) -> float:
    started = time.perf_counter()
    fn()
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    files = sample_files()
    sources = [s for s in iter_sources(files)]
    builds, checks = [], []
    for _ in range(args.runs):
        with tempfile.TemporaryDirectory() as tmp:
            builds.append(_time(lambda: build_sample_database(Path(tmp) / "b.duckdb")))
        checks.append(_time(lambda: [check_source(s) for s in sources]))
    print(f"files: {len(files)}")
    print(f"build sample database (read + check + score + load + swap): median {statistics.median(builds):.2f} s "
          f"over {args.runs} runs {[round(b, 2) for b in builds]}")
    print(f"check only (read + parse, no writes): median {statistics.median(checks):.2f} s "
          f"over {args.runs} runs {[round(c, 2) for c in checks]}")


if __name__ == "__main__":
    main()
