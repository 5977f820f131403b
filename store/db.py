"""The one place that opens DuckDB: the database path, connections, migrations, transactions, the writer
lock and the store's one error type.

One connection per process per file (DuckDB connections are not thread-safe and a file can be opened
read-write by one process only); every call takes its own cursor. Writes go through `writing`: one
writer at a time per database file within the process (the dashboard's sessions, the CLI, future review
pages), inside BEGIN … COMMIT that rolls everything back on any error. Another process holding the file
makes `open_db` wait (saying so) and then raise DatabaseBusy.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb

from store.migrations import migrate

Connection = duckdb.DuckDBPyConnection  # the type callers outside store/ name, without importing duckdb

ROOT = Path(__file__).resolve().parent.parent
DB_PATH = ROOT / "data" / "budget_perf.duckdb"
WAIT_POLL_S = 0.2  # how often a waiting open or writer tries again
WRITER_WAIT_S = 600  # a writer waits at most this long for another writer in the same process

Notify = Callable[[str], None]

_lock = threading.Lock()
_connections: dict[Path, duckdb.DuckDBPyConnection] = {}
_writer_locks: dict[int, threading.Lock] = {}

_log = logging.getLogger(__name__)


class StoreError(Exception):
    """A database failure, with a Chinese message that says what happened and what to do."""


class DatabaseDamaged(StoreError):
    """The database file cannot be read as a database (damaged or not a DuckDB file); nothing was written."""


def describe(exc: BaseException) -> str:
    """A database error in Chinese, for users (the original stays chained for the log): full disk, a damaged
    file, a value out of range …; an error of this program's own (already in Chinese) as it is."""
    if not isinstance(exc, duckdb.Error):
        return str(exc)
    _log.warning("database error: %s: %s", type(exc).__name__, exc)  # the original, for the administrator
    text = str(exc).lower()
    if "no space left" in text or "disk full" in text or "disk is full" in text or "not enough space" in text:
        return "磁盘空间已满；请清理磁盘后重新导入"
    if isinstance(exc, duckdb.ConversionException | duckdb.OutOfRangeException) or "out of range" in text:
        return "有数值超出数据库可保存的范围；请检查是否误填了编号或多写了位数"
    if isinstance(exc, duckdb.FatalException | duckdb.InternalException | duckdb.SerializationException) \
            or "corrupt" in text or "not a valid duckdb" in text or "checksum" in text:
        return "数据库文件可能已损坏；请联系管理员用备份恢复（python -m etl restore）"
    if isinstance(exc, duckdb.PermissionException) or "permission denied" in text or "read-only" in text:
        return "没有写入数据库文件的权限；请联系管理员"
    if isinstance(exc, duckdb.IOException):
        return "数据库文件读写失败；请检查磁盘后重试"
    return "数据库拒绝了这次操作；请联系管理员（详细原因见日志）"


class DatabaseBusy(StoreError):
    """Another process (usually the running dashboard) holds the database file."""


DAMAGED_MESSAGE = ("数据库文件 {path} 已损坏（不是可读取的 DuckDB 数据库），无法打开；没有写入任何数据。解决办法："
                   "① 从备份恢复：停止看板后运行 python -m etl restore 备份文件.zip（备份在数据库旁的 backups 文件夹）；"
                   "② 没有备份时，停止看板，把损坏的文件改名移走，再启动看板，将重新建立示例数据库，然后重新导入各单位的自评表。")
BUSY_MESSAGE = ("数据库 {path} 正被另一个程序占用（通常是正在运行的看板，或另一个导入命令）。"
                "请等它结束或先关闭看板后再试。未写入任何数据。")
WAITING_MESSAGE = "数据库 {path} 正被另一个程序占用，等待其结束（最多 {seconds:.0f} 秒）…"
WRITER_WAITING_MESSAGE = "另一个导入或修改正在写入数据库，等待其完成…"


def default_path() -> Path:
    """The database file: $BUDGET_PERF_DB or data/budget_perf.duckdb."""
    return Path(os.environ.get("BUDGET_PERF_DB") or DB_PATH)


def _is_lock_error(exc: duckdb.Error) -> bool:
    return "lock" in str(exc).lower()


def _is_damage(exc: duckdb.Error) -> bool:
    """True when DuckDB says the file is not a database it can read (damaged, truncated, another program's)."""
    text = str(exc).lower()
    return any(sign in text for sign in ("not a valid duckdb database", "corrupt", "checksum", "invalid database",
                                         "unexpected end of file", "could not read enough bytes"))


def open_db(path: Path | str, wait_s: float = 0, on_wait: Notify | None = None) -> duckdb.DuckDBPyConnection:
    """A new connection with the schema migrated; waits up to wait_s while another process holds the file
    (calling on_wait once), then raises DatabaseBusy."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    deadline = time.monotonic() + wait_s
    told = False
    while True:
        try:
            con = duckdb.connect(str(path))
            break
        except duckdb.IOException as exc:
            if _is_damage(exc):
                raise DatabaseDamaged(DAMAGED_MESSAGE.format(path=path)) from exc
            if not _is_lock_error(exc):
                raise StoreError(f"无法打开数据库 {path}：{describe(exc)}") from exc
            if time.monotonic() >= deadline:
                raise DatabaseBusy(BUSY_MESSAGE.format(path=path)) from exc
            if on_wait is not None and not told:
                on_wait(WAITING_MESSAGE.format(path=path, seconds=wait_s))
                told = True
            time.sleep(WAIT_POLL_S)
        except duckdb.Error as exc:  # a damaged file raises other kinds too (serialization, internal …)
            if _is_damage(exc):
                raise DatabaseDamaged(DAMAGED_MESSAGE.format(path=path)) from exc
            raise StoreError(f"无法打开数据库 {path}：{describe(exc)}") from exc
    try:
        migrate(con)
    except (duckdb.Error, RuntimeError) as exc:
        con.close()
        raise StoreError(f"数据库 {path} 无法升级到当前版本：{describe(exc)}") from exc
    return con


def connection(path: Path | str | None = None) -> duckdb.DuckDBPyConnection:
    """The process-wide connection to `path` (default_path() when None), opened once."""
    key = Path(path or default_path()).resolve()
    with _lock:
        con = _connections.get(key)
        if con is None:
            con = open_db(key)
            _connections[key] = con
        return con


def close(path: Path | str | None = None) -> None:
    """Close the process-wide connection to `path` (for tests and database swaps)."""
    key = Path(path or default_path()).resolve()
    with _lock:
        con = _connections.pop(key, None)
    if con is not None:
        _writer_locks.pop(id(con), None)
        con.close()


def _writer_lock(con: duckdb.DuckDBPyConnection) -> threading.Lock:
    with _lock:
        return _writer_locks.setdefault(id(con), threading.Lock())


@contextmanager
def writing(con: duckdb.DuckDBPyConnection, on_wait: Notify | None = None,
            wait_s: float = WRITER_WAIT_S) -> Iterator[duckdb.DuckDBPyConnection]:
    """The one writer of this connection's file: waits for another writer (calling on_wait once), then
    yields a cursor inside BEGIN … COMMIT. Any error rolls everything back; database errors are re-raised
    as StoreError."""
    lock = _writer_lock(con)
    if not lock.acquire(blocking=False):
        if on_wait is not None:
            on_wait(WRITER_WAITING_MESSAGE)
        if not lock.acquire(timeout=wait_s):
            raise DatabaseBusy("另一个导入或修改长时间占用数据库，本次未写入任何数据；请稍后再试。")
    try:
        with transaction(con) as cur:
            yield cur
    finally:
        lock.release()


@contextmanager
def exclusive(con: duckdb.DuckDBPyConnection, on_wait: Notify | None = None,
              wait_s: float = WRITER_WAIT_S) -> Iterator[None]:
    """Hold this connection's writer lock without opening a transaction (for a consistent copy of the file):
    waits for another writer like `writing`, then no write starts until the block ends."""
    lock = _writer_lock(con)
    if not lock.acquire(blocking=False):
        if on_wait is not None:
            on_wait(WRITER_WAITING_MESSAGE)
        if not lock.acquire(timeout=wait_s):
            raise DatabaseBusy("另一个导入或修改长时间占用数据库，未能取得一致的副本；请稍后再试。")
    try:
        yield
    finally:
        lock.release()


def held_elsewhere(path: Path | str) -> bool:
    """True when another process holds the database file (DuckDB's lock: the dashboard, or an import)."""
    if is_open(path):
        return False
    try:
        probe = duckdb.connect(str(path), read_only=True)
    except duckdb.Error as exc:
        return _is_lock_error(exc)
    probe.close()
    return False


def is_open(path: Path | str) -> bool:
    """True when this process holds a process-wide connection to `path`."""
    key = Path(path).resolve()
    with _lock:
        return key in _connections


def open_unmigrated(path: Path | str, read_only: bool = False,
                    busy_message: str = BUSY_MESSAGE) -> duckdb.DuckDBPyConnection:
    """A connection to the file as it is (no migration, no views recreated), for backups and restores; raises
    DatabaseBusy (busy_message, formatted with path) when another process holds it, StoreError when it is not a
    database this program can open."""
    path = Path(path)
    try:
        return duckdb.connect(str(path), read_only=read_only)
    except duckdb.Error as exc:
        if isinstance(exc, duckdb.IOException) and _is_lock_error(exc):
            raise DatabaseBusy(busy_message.format(path=path)) from exc
        raise StoreError(f"无法打开数据库 {path}：{describe(exc)}") from exc


@contextmanager
def transaction(con: duckdb.DuckDBPyConnection) -> Iterator[duckdb.DuckDBPyConnection]:
    """A cursor inside BEGIN … COMMIT; any error rolls everything back and is re-raised (database errors
    as StoreError)."""
    cur = con.cursor()
    try:
        cur.execute("BEGIN TRANSACTION")
        try:
            yield cur
        except BaseException:
            cur.execute("ROLLBACK")
            raise
        cur.execute("COMMIT")
    except duckdb.Error as exc:
        raise StoreError(f"数据库写入失败，已全部撤销：{describe(exc)}") from exc
    finally:
        cur.close()


def checkpoint(con: duckdb.DuckDBPyConnection) -> None:
    """Write everything to the database file (before it is moved or copied)."""
    try:
        con.execute("CHECKPOINT")
    except duckdb.Error as exc:
        raise StoreError(f"数据库写入失败：{describe(exc)}") from exc


@contextmanager
def reading(con: duckdb.DuckDBPyConnection) -> Iterator[duckdb.DuckDBPyConnection]:
    """A cursor for reads; database errors are re-raised as StoreError."""
    cur = con.cursor()
    try:
        yield cur
    except duckdb.Error as exc:
        raise StoreError(f"数据库读取失败：{describe(exc)}") from exc
    finally:
        cur.close()
