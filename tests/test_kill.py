"""A process killed mid-import (SIGKILL: no cleanup, no rollback of its own) leaves each file entirely in the
database or not at all, and loading the same files again afterwards completes the import exactly once."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pytest

from store import db
from tests.conftest import form_bytes

FILES = 8
INDICATORS = 6  # rows of the default form
RUNS = 5
pytestmark = pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="needs SIGKILL")


def per_file(path: Path) -> dict[str, tuple[int, int, int, int, int]]:
    """For every imported file name: (imports, source files, forms, indicators, form scores)."""
    con = duckdb.connect(str(path))
    try:
        rows = con.execute("""
            SELECT i.file_name, count(DISTINCT i.import_id), count(DISTINCT s.file_hash), count(DISTINCT f.form_id),
                   count(DISTINCT (n.form_id, n.seq)), count(DISTINCT (fs.run_id, fs.form_id))
            FROM imports i
            LEFT JOIN source_files s ON s.file_hash = i.file_hash
            LEFT JOIN forms f ON f.import_id = i.import_id
            LEFT JOIN indicators n ON n.form_id = f.form_id
            LEFT JOIN form_scores fs ON fs.form_id = f.form_id
            GROUP BY i.file_name""").fetchall()
        orphans = con.execute("SELECT count(*) FROM forms WHERE import_id NOT IN (SELECT import_id FROM imports)"
                              ).fetchone()[0]
    finally:
        con.close()
    assert orphans == 0
    return {Path(name).name: tuple(counts) for name, *counts in rows}


def load(db_path: Path, folder: Path) -> subprocess.Popen[bytes]:
    return subprocess.Popen([sys.executable, "-m", "etl", "load", "--db", str(db_path), str(folder)],
                            cwd=db.ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            env={**os.environ, "PYTHONHASHSEED": "0"})


def test_a_load_killed_at_any_moment_leaves_each_file_in_or_out(tmp_path):
    folder = tmp_path / "forms"
    folder.mkdir()
    for n in range(FILES):
        (folder / f"{n:02}.xlsx").write_bytes(form_bytes(project=f"项目{n}"))
    whole = {f"{n:02}.xlsx": (1, 1, 1, INDICATORS, 1) for n in range(FILES)}

    started = time.monotonic()
    first = tmp_path / "timing.duckdb"
    assert load(first, folder).wait(120) == 0
    duration = time.monotonic() - started
    assert per_file(first) == whole

    rng = random.Random(9)
    outcomes = []
    for run in range(RUNS):
        path = tmp_path / f"killed{run}.duckdb"
        db.open_db(path).close()  # the schema exists: a kill during migration is another story (store/migrations)
        proc = load(path, folder)
        time.sleep(rng.uniform(0.3, 1.0) * duration)
        proc.send_signal(signal.SIGKILL)
        proc.wait(30)
        found = per_file(path)
        assert all(found.get(name) in (None, counts) for name, counts in whole.items()), found
        outcomes.append(len(found))
        again = load(path, folder)
        assert again.wait(120) == 0
        assert per_file(path) == whole  # the rest loads; what was in is not loaded twice
    assert len(outcomes) == RUNS
    print("files in after each kill:", outcomes)
