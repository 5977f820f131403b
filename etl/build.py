"""Build a database from the bundled sample year, into a new file swapped in when complete."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

from etl.load import FileReport, load_paths
from sampledata.paths import SAMPLE_DIR
from store.db import checkpoint, open_db

Progress = Callable[[int, int, str], None]


def sample_files(folder: Path = SAMPLE_DIR) -> list[Path]:
    """The bundled sample workbooks, written from the generator when the folder is empty."""
    files = sorted(folder.glob("*.xlsx"))
    if not files:
        from sampledata.generator import write_sample  # the generator (openpyxl, name pools) only when needed

        write_sample(folder)
        files = sorted(folder.glob("*.xlsx"))
    return files


def build_sample_database(path: Path, progress: Progress | None = None) -> list[FileReport]:
    """Load the sample year into a fresh file next to `path`, then move it into place atomically.

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
        checkpoint(con)
    finally:
        con.close()
    os.replace(tmp, path)
    return reports
