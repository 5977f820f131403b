"""The upload page's writes under concurrency and faults: two versions of one unit's workbook confirmed at once end
as one or the other, never a mix; two units at once both land with exact totals; a process killed while it stores
an upload (the page's own function, etl.commit_uploads) leaves each file entirely in or entirely out."""

import random
import shutil
import signal
import subprocess
import sys
import threading
import time
from decimal import Decimal

import duckdb
import pytest

from etl import check_uploads, commit_uploads
from store import access, db
from store.access import Viewer
from tests.conftest import form_bytes, form_rows, workbook_bytes

ADMIN = Viewer("admin_t", "管理员", access.ADMIN)
UNIT = "214001-区市容环卫局"


def _workbook(version: int) -> bytes:
    """One unit's workbook of two projects (a sheet each); every amount tells the version."""
    merges = ["A1:I1", "A3:B3", "C3:I3", "A4:B4", "A5:B9"]
    executed = 80 + version
    rows = {name: form_rows(unit=UNIT, project=name, total=(100, 100, executed, 10, f"{executed}%", 8),
                            appropriation=(100, 100, executed)) for name in ("甲项目", "乙项目")}
    return workbook_bytes(rows, {name: merges for name in rows})


@pytest.fixture
def con(sample_db_path, tmp_path):
    path = tmp_path / "c.duckdb"
    shutil.copy(sample_db_path, path)
    connection = db.open_db(path)
    yield connection
    connection.close()


def test_two_versions_of_one_unit_confirmed_at_once_end_as_one_or_the_other(con):
    versions = {v: check_uploads([(f"版本{v}.xlsx", _workbook(v))], 2015, None) for v in (1, 2)}
    assert all(c.ok for checked in versions.values() for c in checked)
    start = threading.Barrier(2)

    def confirm(v: int) -> None:
        start.wait()
        commit_uploads(con, versions[v], ADMIN)

    threads = [threading.Thread(target=confirm, args=(v,)) for v in versions]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    rows = con.execute("SELECT project_name, executed, file_name FROM forms WHERE is_current AND unit_code = '214001' "
                       "AND project_name IN ('甲项目', '乙项目') ORDER BY 1").fetchall()
    assert len(rows) == 2 and len({r[2] for r in rows}) == 1  # both projects from the same file
    assert {r[1] for r in rows} in ({Decimal(81)}, {Decimal(82)})
    assert con.execute("SELECT count(*) FROM forms WHERE project_name IN ('甲项目', '乙项目')").fetchone()[0] == 4


def test_two_units_confirmed_at_once_both_land_with_exact_totals(con):
    before = con.execute("SELECT count(*), sum(budget_full_year) FROM v_project_scores WHERE year = 2015").fetchone()
    uploads = [check_uploads([(f"{u}.xlsx", form_bytes(unit=u, project=f"并发项目{i}", total=(37.5, 37.5, 30, 10,
                                                                                                "80%", 8),
                                                        appropriation=(37.5, 37.5, 30)))], 2015, None)
               for i, u in enumerate(("214001-区市容环卫局", "221001-区卫生局"))]
    start = threading.Barrier(2)
    threads = [threading.Thread(target=lambda c=c: (start.wait(), commit_uploads(con, c, ADMIN))) for c in uploads]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    after = con.execute("SELECT count(*), sum(budget_full_year) FROM v_project_scores WHERE year = 2015").fetchone()
    assert after == (before[0] + 2, before[1] + Decimal("75"))


KILLED_WORKER = """
import sys
from pathlib import Path
from etl import check_uploads, commit_uploads
from store import access, db
from store.access import Viewer
from tests.conftest import form_bytes
path = Path(sys.argv[1])
uploads = [(f"第{i}个.xlsx", form_bytes(unit="214001-区市容环卫局", project=f"中断测试{i:02d}")) for i in range(24)]
checked = check_uploads(uploads, 2015, None)
con = db.open_db(path)
print("ready", flush=True)
commit_uploads(con, checked, Viewer("admin_t", "管理员", access.ADMIN))
print("done", flush=True)
"""


def test_a_process_killed_while_storing_an_upload_leaves_it_entirely_in_or_out(sample_db_path, tmp_path):
    rng = random.Random(20261122)
    seen = set()
    for attempt in range(4):
        path = tmp_path / f"k{attempt}.duckdb"
        shutil.copy(sample_db_path, path)
        before = duckdb.connect(str(path), read_only=True).execute("SELECT count(*) FROM forms").fetchone()[0]
        proc = subprocess.Popen([sys.executable, "-c", KILLED_WORKER, str(path)], stdout=subprocess.PIPE, text=True,
                                cwd=db.ROOT)
        assert proc.stdout.readline().strip() == "ready"
        time.sleep(rng.uniform(0.0, 1.5))
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
        con = duckdb.connect(str(path), read_only=True)
        added = con.execute("SELECT count(*) FROM forms").fetchone()[0] - before
        names = con.execute("SELECT count(*) FROM forms WHERE project_name LIKE '中断测试%'").fetchone()[0]
        audit_rows = con.execute("SELECT count(*) FROM audit_log WHERE target LIKE '第%个.xlsx'").fetchone()[0]
        con.close()
        assert added == names and added in (0, 24), added  # the whole upload, or none of it
        assert audit_rows == (24 if added else 0)  # and its audit entries with it
        seen.add(added)
    assert seen, "no attempt ran"
