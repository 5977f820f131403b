"""`python -m etl load` while the dashboard runs: the dashboard holds the database, so the command line hands the
files to it through the inbox and prints each file's lines as the dashboard stores them; the result is the same
as a load of its own, on behalf of the command line's operator."""

import getpass
import subprocess
import sys
import threading
import time

import duckdb

from store import db, inbox
from tests.conftest import form_bytes

# A stand-in for the dashboard: the process-wide connection, the inbox watcher, imports registered.
HOLDER = """
import sys, time
from pathlib import Path
from etl import serve_remote_imports
from store import backup, db
path = Path(sys.argv[1])
db.connection(path)
serve_remote_imports()
backup.serve_inbox(path, lambda: db.connection(path))
print("ready", flush=True)
sys.stdin.readline()
"""


def test_the_command_line_imports_through_the_running_dashboard(tmp_path):
    path = tmp_path / "held.duckdb"
    db.open_db(path).close()
    (tmp_path / "甲.xlsx").write_bytes(form_bytes(project="甲项目"))
    (tmp_path / "乙.xlsx").write_bytes(form_bytes(project="乙项目"))
    (tmp_path / "坏.xlsx").write_bytes(b"not a workbook")
    holder = subprocess.Popen([sys.executable, "-c", HOLDER, str(path)], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                              text=True, cwd=db.ROOT)
    try:
        assert holder.stdout.readline().strip() == "ready"
        proc = subprocess.run([sys.executable, "-m", "etl", "load", "--db", str(path), "--wait", "30",
                               str(tmp_path / "甲.xlsx"), str(tmp_path / "乙.xlsx"), str(tmp_path / "坏.xlsx")],
                              capture_output=True, text=True, cwd=db.ROOT, timeout=120)
    finally:
        holder.stdin.write("stop\n")
        holder.stdin.flush()
        holder.wait(timeout=30)
    assert proc.returncode == 1, proc.stderr  # one file rejected
    assert "已交给看板导入" in proc.stderr and "Traceback" not in proc.stderr + proc.stdout
    lines = proc.stdout.splitlines()
    assert any(line.startswith(str(tmp_path / "甲.xlsx") + "：已导入") for line in lines)
    assert any(line.startswith(str(tmp_path / "坏.xlsx") + "：已拒绝") for line in lines)
    assert lines[-1].startswith("共 3 个文件（由看板导入）：导入或未更改 2 个，拒绝 1 个")
    con = duckdb.connect(str(path), read_only=True)
    assert sorted(r[0] for r in con.execute("SELECT project_name FROM forms").fetchall()) == ["乙项目", "甲项目"]
    actors = {r[0] for r in con.execute("SELECT actor FROM audit_log WHERE action = '导入自评表'").fetchall()}
    assert actors == {f"命令行:{getpass.getuser()}"}
    assert not list((tmp_path / "inbox").glob("*.json*"))  # request, progress and answer cleaned up


def test_progress_lines_arrive_before_the_work_ends(tmp_path):
    path = tmp_path / "x.duckdb"
    ended: list[float] = []

    def slow(asked, con, emit):
        for n in range(3):
            emit(f"第 {n + 1} 个文件")
            time.sleep(0.4)
        ended.append(time.monotonic())
        return {"ok": True, "n": asked["n"]}

    inbox.register("slow", slow)
    stop = threading.Event()

    def watcher():
        while not stop.wait(0.1):
            if (tmp_path / inbox.INBOX_DIR).is_dir():
                inbox.answer_waiting(tmp_path / inbox.INBOX_DIR, lambda: None)

    thread = threading.Thread(target=watcher, daemon=True)
    thread.start()
    heard: list[tuple[str, float]] = []
    try:
        answer = inbox.request(path, "slow", {"n": 7}, lambda line: heard.append((line, time.monotonic())),
                               claim_wait_s=10)
    finally:
        stop.set()
        thread.join(timeout=5)
    assert answer == {"ok": True, "n": 7}
    assert [line for line, _ in heard] == ["第 1 个文件", "第 2 个文件", "第 3 个文件"]
    assert heard[0][1] < ended[0]  # the first line was printed while the work went on


def test_nobody_takes_the_request_it_is_withdrawn_and_said(tmp_path):
    path = tmp_path / "y.duckdb"
    try:
        inbox.request(path, "slow", {}, print, claim_wait_s=0.5)
    except db.DatabaseBusy as exc:
        assert "看板没有接收导入请求" in str(exc)
    else:
        raise AssertionError("an unanswered request must give up")
    assert not list((tmp_path / inbox.INBOX_DIR).glob("*" + inbox.REQUEST_SUFFIX))
