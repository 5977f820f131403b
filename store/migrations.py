"""Schema migrations: numbered SQL scripts in store/migrations/, applied in order when a database opens.

`schema_version` holds one row per applied migration. A database written by the first release (before
this table existed) is recognised by its tables and counts as version 1. Each migration runs in one
transaction: a failure leaves the file as it was. Views and macros (store/views.sql) are not
migrations; they are recreated at every open.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

import duckdb

MIGRATIONS_DIR = Path(__file__).with_name("migrations")
VIEWS_SQL = Path(__file__).with_name("views.sql")
VIEWS = ("v_budget_cuts", "v_evaluation_results", "v_expert_scores", "v_scoring_runs", "v_unit_scores", "v_project_scores",
         "v_reviews_current", "v_form_scores")
SEQUENCES = {"import_id_seq": ("imports", "import_id"), "form_id_seq": ("forms", "form_id"),
             "run_id_seq": ("scoring_runs", "run_id"), "rubric_id_seq": ("rubrics", "rubric_id")}
_NAME = re.compile(r"^(\d{3})_[a-z0-9_]+\.sql$")


def scripts() -> list[tuple[int, Path]]:
    """The migration scripts, by number."""
    found = [(int(m.group(1)), p) for p in MIGRATIONS_DIR.iterdir() if (m := _NAME.match(p.name))]
    return sorted(found)


LATEST = max(number for number, _ in scripts())


def _tables(cur: duckdb.DuckDBPyConnection) -> set[str]:
    return {r[0] for r in cur.execute("SELECT table_name FROM duckdb_tables() WHERE schema_name = 'main'").fetchall()}


def applied_versions(cur: duckdb.DuckDBPyConnection) -> set[int]:
    """The migrations recorded as applied (a first-release file: {1}; an empty file: none)."""
    if "schema_version" in _tables(cur):
        return {int(r[0]) for r in cur.execute("SELECT version FROM schema_version").fetchall()}
    return {1} if "imports" in _tables(cur) else set()


def current_version(cur: duckdb.DuckDBPyConnection) -> int:
    """The schema version of the open database: 0 empty, 1 first release, else schema_version's max."""
    tables = _tables(cur)
    if "schema_version" in tables:
        row = cur.execute("SELECT COALESCE(max(version), 0) FROM schema_version").fetchone()
        return int(row[0]) if row else 0
    return 1 if "imports" in tables else 0


def _create_sequences(cur: duckdb.DuckDBPyConnection) -> None:
    """Id sequences starting after the largest id already stored."""
    for name, (table, column) in SEQUENCES.items():
        row = cur.execute(f"SELECT COALESCE(max({column}), 0) + 1 FROM {table}").fetchone()  # constant identifiers
        start = int(row[0]) if row else 1
        cur.execute(f"CREATE SEQUENCE IF NOT EXISTS {name} START {start}")


_AFTER: dict[int, Callable[[duckdb.DuckDBPyConnection], None]] = {2: _create_sequences}


def migrate(con: duckdb.DuckDBPyConnection) -> list[int]:
    """Apply every migration newer than the database; recreate views. Returns the versions applied."""
    cur = con.cursor()
    applied: list[int] = []
    try:
        version = current_version(cur)
        if version > LATEST:
            raise RuntimeError(f"数据库结构版本 {version} 比本程序支持的 {LATEST} 新：请升级程序后再打开")
        done = applied_versions(cur)
        for number, script in scripts():
            if number in done:  # a script numbered below the newest applied one still runs (branches merged late)
                continue
            cur.execute("BEGIN TRANSACTION")
            try:
                for view in VIEWS:
                    cur.execute(f"DROP VIEW IF EXISTS {view}")
                cur.execute(script.read_text(encoding="utf-8"))
                if number in _AFTER:
                    _AFTER[number](cur)
                cur.execute("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER PRIMARY KEY, "
                            "script VARCHAR NOT NULL, applied_at TIMESTAMP NOT NULL)")
                if version == 1 and number == 2:  # a first-release file: record its version 1 too
                    cur.execute("INSERT INTO schema_version (version, script, applied_at) VALUES (1, '001_initial.sql', ?)",
                                [datetime.now()])
                cur.execute("INSERT INTO schema_version (version, script, applied_at) VALUES (?, ?, ?)",
                            [number, script.name, datetime.now()])
                cur.execute("COMMIT")
            except BaseException:
                cur.execute("ROLLBACK")
                raise
            applied.append(number)
        cur.execute(VIEWS_SQL.read_text(encoding="utf-8"))
    finally:
        cur.close()
    return applied
