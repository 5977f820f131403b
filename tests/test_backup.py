"""`python -m etl backup | restore` and store/backup.py: a backup taken, the data changed, the backup restored
gives back every number; damaged archives are refused and change nothing; a file held by another program is
not replaced; while the dashboard runs, the backup is made by the dashboard through its inbox."""

import json
import os
import shutil
import socket
import subprocess
import sys
import threading
import time
import urllib.request
import zipfile
from pathlib import Path

import duckdb
import pytest
from websockets.sync.client import connect as ws_connect

from etl.cli import EXIT_BUSY, EXIT_OK, EXIT_REJECTED, main
from etl.scoring import rescore
from rubrics.loader import load_rubric
from store import audit, backup, db, queries
from tests.conftest import form_bytes

ROOT = Path(__file__).resolve().parent.parent
SERVER_START_S = 30
SCRIPT_RUN_S = 60
CLI_S = 90


def _copy(sample_db_path: Path, folder: Path) -> Path:
    """A private copy of the session's sample database (never modify the original)."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "budget_perf.duckdb"
    shutil.copyfile(sample_db_path, path)
    return path


def _state(path: Path) -> dict[str, object]:
    """Every table's row count (but the audit trail's, which records the backup and the restore themselves),
    each year's headline, v_unit_scores and the data version, read read-only."""
    con = duckdb.connect(str(path), read_only=True)
    try:
        tables = [r[0] for r in con.execute(backup.TABLES_SQL).fetchall() if r[0] != "audit_log"]
        return {
            "tables": {t: con.execute(f'SELECT count(*) FROM "{t}"').fetchone()[0] for t in tables},
            "headline": {y: queries.headline(con, y) for y in queries.years(con)},
            "unit_scores": con.execute("SELECT * FROM v_unit_scores ORDER BY ALL").fetchall(),
            "data_version": queries.data_version(con),
        }
    finally:
        con.close()


def _trail(path: Path) -> list[tuple]:
    """(action, outcome, target) of every audit entry, oldest first; the chain must verify."""
    con = db.open_db(path)
    try:
        assert audit.verify(con).broken_at is None
        return [tuple(r) for r in con.execute("SELECT action, outcome, target FROM audit_log ORDER BY audit_id")
                .fetchall()]
    finally:
        con.close()


@pytest.fixture(scope="module")
def good_archive(sample_db_path, tmp_path_factory) -> Path:
    """One archive of a copy of the sample database, made by the library."""
    folder = tmp_path_factory.mktemp("archive")
    con = db.open_db(_copy(sample_db_path, folder / "db"))
    try:
        out = folder / "good.zip"
        backup.backup(con, out)
    finally:
        con.close()
    return out


def test_backup_then_changes_then_restore_gives_back_every_number(sample_db_path, tmp_path, capsys):
    path = _copy(sample_db_path, tmp_path / "data")
    assert main(["backup", "--db", str(path)]) == EXIT_OK
    at_backup = _state(path)
    trail_at_backup = _trail(path)
    assert trail_at_backup[-1][:2] == (audit.BACKUP, audit.OK)
    out = capsys.readouterr().out
    archives = list((tmp_path / "data" / "backups").glob("budget_perf-*.zip"))
    assert len(archives) == 1 and f"已备份到 {archives[0]}" in out
    assert "1561 张自评表，1561 个项目，243 个原始文件" in out  # 2014: 768 forms, 119 files; 2015: 793, 122; 2 request sheets
    assert not [p for p in (tmp_path / "data" / "backups").iterdir() if p.suffix != ".zip"]  # no temporary left

    extra = tmp_path / "extra.xlsx"
    extra.write_bytes(form_bytes(project="新增项目：路灯维护", department="区城管局", unit="109999-区路灯管理所"))
    assert main(["load", "--db", str(path), str(extra)]) == EXIT_OK
    assert main(["rescore", "--db", str(path)]) == EXIT_OK
    changed = _state(path)
    assert changed["tables"] != at_backup["tables"] and changed["data_version"] > at_backup["data_version"]
    assert changed["unit_scores"] != at_backup["unit_scores"]
    capsys.readouterr()

    assert main(["restore", str(archives[0]), "--db", str(path)]) == EXIT_OK
    out = capsys.readouterr().out
    assert _state(path) == at_backup
    restored_trail = _trail(path)  # the archived trail (made before the backup's own entry), then the restore
    assert restored_trail[:-1] == trail_at_backup[:-1] and restored_trail[-1][:2] == (audit.RESTORE, audit.OK)
    assert str(archives[0]) in restored_trail[-1][2]
    before = list((tmp_path / "data" / "backups").glob("before-restore-*.zip"))
    assert len(before) == 1 and f"恢复前的数据库已备份到 {before[0]}" in out
    kept = backup.verify(before[0])  # the database replaced is itself a whole, verified backup
    kept_tables = {k: v for k, v in kept.contents.tables.items() if k != "audit_log"}
    assert kept_tables == changed["tables"] and kept.contents.data_version == changed["data_version"]
    assert not path.with_name(path.name + ".wal").exists()
    assert sorted(p.name for p in path.parent.iterdir()) == ["backups", "budget_perf.duckdb"]


def _rewrite(source: Path, target: Path, members: dict[str, bytes | None]) -> None:
    """A copy of an archive with some members replaced (bytes) or left out (None); CRCs are valid."""
    with zipfile.ZipFile(source) as src, zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as dst:
        for name in src.namelist():
            data = members.get(name, src.read(name))
            if data is not None:
                dst.writestr(name, data)


def _manifest(archive: Path, change) -> bytes:
    data = json.loads(zipfile.ZipFile(archive).read(backup.MANIFEST_MEMBER))
    change(data)
    return json.dumps(data).encode()


def _flipped_member(archive: Path) -> bytes:
    data = bytearray(zipfile.ZipFile(archive).read(backup.DB_MEMBER))
    data[len(data) // 2] ^= 0xFF
    return bytes(data)


def _corrupt(kind: str, good: Path, bad: Path) -> None:
    if kind == "flipped compressed bytes":
        raw = bytearray(good.read_bytes())
        info = zipfile.ZipFile(good).getinfo(backup.DB_MEMBER)
        raw[info.header_offset + 100 + info.compress_size // 2] ^= 0xFF
        bad.write_bytes(bytes(raw))
    elif kind == "flipped database byte":
        _rewrite(good, bad, {backup.DB_MEMBER: _flipped_member(good)})
    elif kind == "truncated":
        bad.write_bytes(good.read_bytes()[: good.stat().st_size // 2])
    elif kind == "not a zip":
        bad.write_text("单位,项目\n区财政局,办公经费\n", encoding="utf-8")
    elif kind == "member missing":
        _rewrite(good, bad, {backup.DB_MEMBER: None})
    elif kind == "row count differs":
        _rewrite(good, bad, {backup.MANIFEST_MEMBER: _manifest(good, lambda m: m["contents"]["tables"].update(forms=1560))})
    elif kind == "totals differ":
        _rewrite(good, bad, {backup.MANIFEST_MEMBER: _manifest(
            good, lambda m: m["contents"]["years"]["2015"].update(budget_full_year="99500.000001"))})
    elif kind == "newer schema":
        _rewrite(good, bad, {backup.MANIFEST_MEMBER: _manifest(
            good, lambda m: m["contents"].update(schema_version=99))})
    elif kind == "manifest not json":
        _rewrite(good, bad, {backup.MANIFEST_MEMBER: b"{not json"})


CORRUPTIONS = {
    "flipped compressed bytes": "已损坏",
    "flipped database byte": "校验值",
    "truncated": "不是本程序生成的备份",
    "not a zip": "不是本程序生成的备份",
    "member missing": "缺少 budget_perf.duckdb",
    "row count differs": "表 forms 应有 1560 行，实有 1561 行",
    "totals differ": "2015 年度应为 793 个项目、全年预算数 99500.000001 万元",
    "newer schema": "请升级程序",
    "manifest not json": "清单 manifest.json 无法读取",
}


@pytest.mark.parametrize("kind", CORRUPTIONS)
def test_a_damaged_archive_is_refused_and_the_database_untouched(kind, good_archive, sample_db_path, tmp_path, capsys):
    path = _copy(sample_db_path, tmp_path / "data")
    bad = tmp_path / "bad.zip"
    _corrupt(kind, good_archive, bad)
    before_bytes, before_state = path.read_bytes(), _state(path)
    assert main(["restore", str(bad), "--db", str(path)]) == EXIT_REJECTED
    err = capsys.readouterr().err
    assert err.startswith("未恢复：") and str(bad) in err and CORRUPTIONS[kind] in err, err
    assert path.read_bytes() == before_bytes and _state(path) == before_state
    assert sorted(p.name for p in tmp_path.joinpath("data").iterdir()) == ["budget_perf.duckdb"]  # no backup, no temp


def test_restore_keeps_a_damaged_database_as_it_was(good_archive, tmp_path, capsys):
    path = tmp_path / "data" / "budget_perf.duckdb"
    path.parent.mkdir()
    path.write_bytes(b"not a database " * 100)
    assert main(["restore", str(good_archive), "--db", str(path)]) == EXIT_OK
    captured = capsys.readouterr()
    assert "无法正常备份" in captured.err and "恢复前的数据库已备份到" in captured.out
    (kept,) = (tmp_path / "data" / "backups").glob("before-restore-*.zip")
    assert zipfile.ZipFile(kept).read(backup.DB_MEMBER) == b"not a database " * 100
    assert _state(path)["tables"]["forms"] == 1561


def test_restore_into_a_new_place(good_archive, tmp_path, capsys):
    path = tmp_path / "new" / "budget_perf.duckdb"
    assert main(["restore", str(good_archive), "--db", str(path)]) == EXIT_OK
    assert "恢复前" not in capsys.readouterr().out
    assert _state(path)["headline"][2015].projects == 793


def test_keep_n_removes_only_older_routine_archives_after_a_verified_backup(sample_db_path, tmp_path, capsys):
    path = _copy(sample_db_path, tmp_path)
    folder = backup.backups_dir(path)
    folder.mkdir(parents=True, exist_ok=True)
    older = ["budget_perf-20250101-020000.zip", "budget_perf-20260101-020000.zip", "budget_perf-20261001-020000-2.zip"]
    untouched = ["before-restore-20240101-000000.zip", "budget_perf-手工.zip", "budget_perf-20240101-000000.zip.bak"]
    for name in older + untouched:
        (folder / name).write_bytes(b"an old archive")
    assert main(["backup", "--db", str(path), "--keep", "0"]) == EXIT_REJECTED  # refused before anything
    assert "--keep 至少为 1" in capsys.readouterr().err
    assert sorted(p.name for p in folder.iterdir()) == sorted(older + untouched)

    assert main(["backup", "--db", str(path), "--keep", "2"]) == EXIT_OK
    out = capsys.readouterr().out
    made = [p.name for p in folder.glob("budget_perf-2*.zip") if p.name not in older]
    assert len(made) == 1 and backup.verify(folder / made[0]).contents.years[2015].projects == 793
    left = sorted(p.name for p in folder.iterdir())
    assert left == sorted([made[0], "budget_perf-20261001-020000-2.zip", *untouched]), left
    assert "已删除较早的例行备份 2 个（保留最新的 2 个）" in out and "budget_perf-20250101-020000.zip" in out

    with pytest.raises(backup.BackupError, match="至少保留 1 个"):
        backup.prune(path, 0)


HOLDER = "import duckdb, sys, time; c = duckdb.connect(sys.argv[1]); print('ready', flush=True); time.sleep(60)"


def test_a_file_held_by_another_program_is_neither_replaced_nor_waited_on_forever(good_archive, sample_db_path,
                                                                                   tmp_path, capsys):
    path = _copy(sample_db_path, tmp_path / "data")
    before_bytes = path.read_bytes()
    holder = subprocess.Popen([sys.executable, "-c", HOLDER, str(path)], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "ready"
        assert main(["restore", str(good_archive), "--db", str(path)]) == EXIT_BUSY
        err = capsys.readouterr().err
        assert "请先停止看板" in err and "未做任何改动" in err
        assert path.read_bytes() == before_bytes
        assert not (tmp_path / "data" / "backups").exists() or not list((tmp_path / "data" / "backups").iterdir())

        started = time.monotonic()
        assert main(["backup", "--db", str(path), "--wait", "1"]) == EXIT_BUSY  # not a dashboard: nobody answers
        assert time.monotonic() - started < 5
        err = capsys.readouterr().err
        assert "已请看板代为备份" in err and "看板未响应备份请求" in err
        assert list((tmp_path / "data" / "inbox").iterdir()) == []  # the request was withdrawn
    finally:
        holder.kill()
        holder.wait(timeout=10)


def test_the_inbox_answers_with_a_consistent_backup_while_another_session_writes(sample_db_path, tmp_path):
    path = _copy(sample_db_path, tmp_path / "data")
    con = db.connection(path)
    try:
        backup.serve_inbox(path, lambda: db.connection(path))
        watcher = backup._serving[path.resolve()]
        backup.serve_inbox(path, lambda: db.connection(path))  # once per process and file
        assert backup._serving[path.resolve()] is watcher and watcher.is_alive()

        rubric = load_rubric()
        start = queries.data_version(con)
        writer = threading.Thread(target=lambda: [rescore(con, rubric) for _ in range(3)])
        writer.start()
        made = backup.request_backup(path, tmp_path / "out" / "live.zip", timeout_s=30)
        writer.join(timeout=60)
        assert made.path == tmp_path / "out" / "live.zip" and made.path.exists()
        assert backup.verify(made.path) == made.manifest  # whole: every count matches the copied file
        assert made.manifest.contents.data_version in range(start, start + 4)  # before, between or after the rescores
        assert list((tmp_path / "data" / "backups").iterdir()) == []  # moved out of the dashboard's folder
        assert list((tmp_path / "data" / "inbox").iterdir()) == []
    finally:
        db.close(path)


def test_exclusive_keeps_writers_out_and_waits_for_them(fresh_db):
    """A backup holds the writer lock (no transaction): a writer waits for it, and it waits for a writer."""
    def write_briefly(wait_s: float) -> None:
        with db.writing(fresh_db, wait_s=wait_s) as cur:
            cur.execute("CREATE TABLE IF NOT EXISTS t (x INTEGER)")

    with db.exclusive(fresh_db):
        failed: list[BaseException] = []
        writer = threading.Thread(target=lambda: _catch(failed, write_briefly, 0.1))
        writer.start()
        writer.join(timeout=10)
        assert failed and isinstance(failed[0], db.DatabaseBusy)
    holding, release = threading.Event(), threading.Event()

    def hold() -> None:
        with db.writing(fresh_db):
            holding.set()
            release.wait(10)

    writer = threading.Thread(target=hold)
    writer.start()
    try:
        assert holding.wait(10)
        with pytest.raises(db.DatabaseBusy, match="未能取得一致的副本"), db.exclusive(fresh_db, wait_s=0.1):
            pass
    finally:
        release.set()
        writer.join(timeout=10)
    write_briefly(1)  # the lock is free again


def _catch(failed: list, func, *args) -> None:
    try:
        func(*args)
    except BaseException as exc:
        failed.append(exc)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _run_the_script_once(port: int) -> None:
    """Open one session over the dashboard's websocket and wait until its script has run (as a browser would)."""
    from streamlit.proto.BackMsg_pb2 import BackMsg
    from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

    with ws_connect(f"ws://127.0.0.1:{port}/_stcore/stream", subprotocols=["streamlit"], open_timeout=10) as ws:
        msg = BackMsg()
        msg.rerun_script.query_string = ""
        msg.rerun_script.page_script_hash = ""
        ws.send(msg.SerializeToString())
        deadline = time.monotonic() + SCRIPT_RUN_S
        while time.monotonic() < deadline:
            forward = ForwardMsg()
            forward.ParseFromString(ws.recv(timeout=SCRIPT_RUN_S))
            if forward.WhichOneof("type") == "script_finished":
                return
        pytest.fail("the dashboard's script did not finish")


@pytest.fixture
def dashboard(sample_db_path, tmp_path):
    """`streamlit run dashboard.py` on a copy of the sample database, with one session's script run: it holds
    the file."""
    path = _copy(sample_db_path, tmp_path / "live")
    port = _free_port()
    log_path = tmp_path / "streamlit.log"
    with log_path.open("w") as log:
        proc = subprocess.Popen(
            [sys.executable, "-m", "streamlit", "run", "dashboard.py", "--server.address=127.0.0.1",
             f"--server.port={port}", "--server.headless=true", "--browser.gatherUsageStats=false"],
            cwd=ROOT, env={**os.environ, "BUDGET_PERF_DB": str(path)}, stdout=log, stderr=subprocess.STDOUT)
        try:
            deadline = time.monotonic() + SERVER_START_S
            while True:
                try:
                    with urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health", timeout=1) as resp:
                        if resp.status == 200:
                            break
                except OSError:
                    if time.monotonic() > deadline or proc.poll() is not None:
                        pytest.fail("streamlit did not start: " + log_path.read_text())
                    time.sleep(0.2)
            _run_the_script_once(port)
            yield path, proc
        finally:
            proc.terminate()
            proc.wait(timeout=20)
    assert "Traceback" not in log_path.read_text()


def test_backup_while_the_dashboard_runs_goes_through_its_inbox(dashboard, tmp_path, capsys):
    path, server = dashboard
    with pytest.raises(db.DatabaseBusy):  # the dashboard holds the file: the CLI cannot open it
        db.open_unmigrated(path).close()
    out = tmp_path / "live.zip"
    proc = subprocess.run([sys.executable, "-m", "etl", "backup", "--db", str(path), "--out", str(out), "--wait", "30"],
                          cwd=ROOT, capture_output=True, text=True, timeout=CLI_S)
    assert proc.returncode == EXIT_OK, proc.stderr
    assert "已请看板代为备份" in proc.stderr
    assert proc.stdout.startswith(f"已备份到 {out}（") and "1561 张自评表，1561 个项目" in proc.stdout
    assert list((path.parent / "inbox").iterdir()) == [] and list((path.parent / "backups").iterdir()) == []

    server.terminate()
    server.wait(timeout=20)
    restored = tmp_path / "restored" / "budget_perf.duckdb"
    assert main(["restore", str(out), "--db", str(restored)]) == EXIT_OK
    capsys.readouterr()
    assert _state(restored) == _state(path)
