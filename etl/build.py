"""Build a database from the bundled sample years, into a new file swapped in when complete."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

from etl.load import FileReport, load_paths
from sampledata.paths import SAMPLE_YEARS, sample_dir
from store.access import ADMIN, BUDGET, EXPERT, READER, UNIT
from store.accounts import Demo, ensure_demo_accounts
from store.db import Connection, checkpoint, open_db

Progress = Callable[[int, int, str], None]


def sample_files(years: tuple[int, ...] = SAMPLE_YEARS) -> list[Path]:
    """The bundled sample workbooks of every sample year, oldest year first; a year whose folder is empty is
    written from the generator first."""
    files: list[Path] = []
    for year in years:
        folder = sample_dir(year)
        found = sorted(folder.glob("*.xlsx"))
        if not found:
            from sampledata.generator import write_sample  # the generator (openpyxl, name pools) only when needed

            write_sample(folder, year)
            found = sorted(folder.glob("*.xlsx"))
        files += found
    return files


# One demo account per role, for the sample year (password `demo`); disabled when the first real account is made.
DEMO_ACCOUNTS = (
    Demo("demo_jxb", "绩效办演示", ADMIN),
    Demo("demo_ys", "预算股室演示·教育卫生", BUDGET, departments=("区教育局", "区卫生局")),
    Demo("demo_dw", "区市容环卫局演示", UNIT, units=("214001",)),
    Demo("demo_zj", "专家演示", EXPERT),
    Demo("demo_ld", "领导只读演示", READER),
)


def add_demo_accounts(con: Connection) -> int:
    """The sample year's demo accounts, unless accounts exist already; returns how many were made."""
    return ensure_demo_accounts(con, DEMO_ACCOUNTS)


def build_sample_database(path: Path, progress: Progress | None = None) -> list[FileReport]:
    """Load the sample years into a fresh file next to `path`, then move it into place atomically.

    Nothing appears at `path` unless every sample file loaded: a crash leaves only `*.new.duckdb`.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.stem + ".new.duckdb")
    for leftover in (tmp, tmp.with_name(tmp.name + ".wal")):
        leftover.unlink(missing_ok=True)
    con = open_db(tmp)
    try:
        reports = load_paths(con, sample_files(), progress=progress)
        rejected = [r for r in reports if r.rejected]
        if rejected:
            raise RuntimeError("示例数据导入失败：" + "；".join(r.line() for r in rejected))
        add_demo_accounts(con)
        checkpoint(con)
    finally:
        con.close()
    os.replace(tmp, path)
    return reports
