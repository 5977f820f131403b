"""The one place that opens DuckDB: the database path, connections, schema and transactions.

One connection per process per file (DuckDB connections are not thread-safe and a file can be opened
read-write by one process only); every call takes its own cursor. Imports run inside `transaction`,
which commits everything or rolls everything back.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb

Connection = duckdb.DuckDBPyConnection  # the type callers outside store/ name, without importing duckdb

ROOT = Path(__file__).resolve().parent.parent
DB_PATH = ROOT / "data" / "budget_perf.duckdb"
SCHEMA_SQL = Path(__file__).with_name("schema.sql")

_lock = threading.Lock()
_connections: dict[Path, duckdb.DuckDBPyConnection] = {}


class DatabaseBusy(Exception):
    """Another process (usually the running dashboard) holds the database file."""


def default_path() -> Path:
    """The database file: $BUDGET_PERF_DB or data/budget_perf.duckdb."""
    return Path(os.environ.get("BUDGET_PERF_DB") or DB_PATH)


def open_db(path: Path | str) -> duckdb.DuckDBPyConnection:
    """A new read-write connection with the schema in place; DatabaseBusy when another process holds it."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        con = duckdb.connect(str(path))
    except duckdb.IOException as exc:
        if "lock" in str(exc).lower():
            raise DatabaseBusy(
                f"数据库 {path} 正被另一个程序（通常是正在运行的看板）占用；请先关闭看板或改在看板的“数据导入”页上传。未写入任何数据。"
            ) from exc
        raise
    ensure_schema(con)
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
        con.close()


def ensure_schema(con: duckdb.DuckDBPyConnection) -> None:
    """Create tables and (re)create the public views."""
    cur = con.cursor()
    try:
        cur.execute(SCHEMA_SQL.read_text(encoding="utf-8"))
    finally:
        cur.close()


@contextmanager
def transaction(con: duckdb.DuckDBPyConnection) -> Iterator[duckdb.DuckDBPyConnection]:
    """A cursor inside BEGIN … COMMIT; any error rolls everything back and is re-raised."""
    cur = con.cursor()
    cur.execute("BEGIN TRANSACTION")
    try:
        yield cur
    except BaseException:
        cur.execute("ROLLBACK")
        cur.close()
        raise
    try:
        cur.execute("COMMIT")
    finally:
        cur.close()
