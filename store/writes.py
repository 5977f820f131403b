"""Named writes. Every function takes a cursor inside `store.db.writing` (one writer, one transaction),
binds its values and writes rows by column name (`INSERT … BY NAME` from Arrow), never by position.
Ids come from sequences."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

import duckdb
import pyarrow as pa

Columns = Mapping[str, Sequence[object]]  # column name → values, all of one length

# Tables the importer and the scorer write, with the columns that hold DECIMAL values (sent as text,
# cast exactly by DuckDB: Arrow's decimal conversion of Python Decimals is several times slower).
TABLES: dict[str, tuple[str, ...]] = {
    "imports": (),
    "problems": (),
    "source_files": (),
    "plan_projects": (),
    "year_info": ("project_expenditure",),
    "forms": ("budget_initial", "budget_full_year", "executed", "budget_weight", "self_execution_rate",
              "self_budget_score", "self_score"),
    "fund_rows": ("budget_initial", "budget_full_year", "executed"),
    "indicators": ("target_value", "actual_value", "weight", "self_score"),
    "form_level_weights": ("points",),
    "form_remarks": (),
    "form_scores": ("execution_rate", "budget_points", "computed_score"),
    "indicator_scores": ("applied_weight", "computed_score"),
    "budget_requests": ("amount",),
    "cut_ledger": ("score", "request", "base", "cut_pct", "cut_amount", "after_cut"),
}


@dataclass(frozen=True)
class RubricRecord:
    """A rubric as stored: identity, YAML text, the rounding the views need and its grade bands."""

    kind: str
    name: str
    version: str
    yaml_text: str
    source: str
    score_places: int
    rate_places: int
    rounding_method: str  # half_up | half_even | truncate
    grade_bands: tuple[tuple[str, Decimal], ...]  # (grade, min score), best first


def _text(value: object) -> str | None:
    """A Decimal as exact text for DuckDB's cast; None stays None."""
    if value is None:
        return None
    if isinstance(value, Decimal):
        return format(value, "f")
    return str(value)


def insert(cur: duckdb.DuckDBPyConnection, table: str, columns: Columns) -> int:
    """Insert rows given column-wise, by column name; returns the number of rows."""
    if table not in TABLES:
        raise ValueError(f"unknown table {table}")
    lengths = {len(v) for v in columns.values()}
    if len(lengths) > 1:
        raise ValueError(f"{table}: columns of different lengths {sorted(lengths)}")
    count = lengths.pop() if lengths else 0
    if not count:
        return 0
    decimals = TABLES[table]
    arrays = {name: pa.array([_text(v) for v in values], pa.string()) if name in decimals else pa.array(values)
              for name, values in columns.items()}
    frame = pa.table(arrays)
    view = f"new_{table}"
    cur.register(view, frame)
    try:
        cur.execute(f"INSERT INTO {table} BY NAME SELECT * FROM {view}")  # table and view names are constants
    finally:
        cur.unregister(view)
    return count


def next_ids(cur: duckdb.DuckDBPyConnection, sequence: str, count: int) -> list[int]:
    """`count` new ids from a sequence (import_id_seq, form_id_seq, run_id_seq, rubric_id_seq)."""
    if sequence not in ("import_id_seq", "form_id_seq", "run_id_seq", "rubric_id_seq"):
        raise ValueError(f"unknown sequence {sequence}")
    if count <= 0:
        return []
    rows = cur.execute(f"SELECT nextval('{sequence}') FROM range(?)", [count]).fetchall()
    return [int(r[0]) for r in rows]


def save_rubric(cur: duckdb.DuckDBPyConnection, rubric: RubricRecord) -> int:
    """The id of this rubric version, stored with its grade bands the first time it is used. A rubric
    that came from a first-release database without its text gets the text now."""
    row = cur.execute("SELECT rubric_id, yaml_text FROM rubrics WHERE kind = ? AND version = ?",
                      [rubric.kind, rubric.version]).fetchone()
    if row is not None:
        if row[1] is None:
            cur.execute("UPDATE rubrics SET name = ?, yaml_text = ?, source = ?, score_places = ?, rate_places = ?, "
                        "half_even = ?, rounding_method = ? WHERE rubric_id = ?",
                        [rubric.name, rubric.yaml_text, rubric.source, rubric.score_places, rubric.rate_places,
                         rubric.rounding_method == "half_even", rubric.rounding_method, row[0]])
        return int(row[0])
    (rubric_id,) = next_ids(cur, "rubric_id_seq", 1)
    cur.execute("INSERT INTO rubrics (rubric_id, kind, name, version, yaml_text, source, loaded_at, score_places, "
                "rate_places, half_even, rounding_method) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [rubric_id, rubric.kind, rubric.name, rubric.version, rubric.yaml_text, rubric.source,
                 datetime.now(), rubric.score_places, rubric.rate_places, rubric.rounding_method == "half_even",
                 rubric.rounding_method])
    for rank, (grade, min_score) in enumerate(rubric.grade_bands, start=1):
        cur.execute("INSERT INTO rubric_grade_bands (rubric_id, grade, min_score, rank) VALUES (?, ?, ?, ?)",
                    [rubric_id, grade, min_score, rank])
    return rubric_id


def start_run(cur: duckdb.DuckDBPyConnection, rubric_id: int, kind: str, forms: int, year: int | None = None,
              note: str | None = None) -> int:
    """A new scoring run (导入 or 重新评分) with the rubric that produces its scores."""
    (run_id,) = next_ids(cur, "run_id_seq", 1)
    cur.execute("INSERT INTO scoring_runs (run_id, rubric_id, kind, year, started_at, forms, note) "
                "VALUES (?, ?, ?, ?, ?, ?, ?)", [run_id, rubric_id, kind, year, datetime.now(), forms, note])
    return run_id


@contextmanager
def _values(cur: duckdb.DuckDBPyConnection, name: str, values: Sequence[str]) -> Iterator[str]:
    """A one-column relation `name(v)` of the values, for set joins that stay linear at any size."""
    cur.register(name, pa.table({"v": pa.array(list(values), pa.string())}))
    try:
        yield name
    finally:
        cur.unregister(name)


def known_files(cur: duckdb.DuckDBPyConnection, file_hashes: Sequence[str],
                content_hashes: Sequence[str]) -> tuple[set[str], set[str]]:
    """(file hashes, content hashes) among the given ones that were imported before."""
    with _values(cur, "wanted_files", file_hashes), _values(cur, "wanted_contents", content_hashes):
        files = cur.execute("SELECT file_hash FROM imports WHERE file_hash IN (SELECT v FROM wanted_files)").fetchall()
        contents = cur.execute("SELECT content_hash FROM imports "
                               "WHERE content_hash IN (SELECT v FROM wanted_contents)").fetchall()
    return {r[0] for r in files}, {r[0] for r in contents}


def plan_unit_codes(cur: duckdb.DuckDBPyConnection, years: Iterable[int]) -> dict[tuple[int, str], str]:
    """(year, unit name) → unit code from the stored plans of those years."""
    rows = cur.execute("SELECT year, unit_name, min(unit_code) FROM plan_projects WHERE list_contains(?, year) "
                       "GROUP BY ALL", [sorted(set(years))]).fetchall()
    return {(int(y), name): code for y, name, code in rows}


def replace_plan(cur: duckdb.DuckDBPyConnection, year: int, rows: Columns, year_info: Columns) -> None:
    """A year's plan (自评项目清单) and year figures replace the stored ones."""
    cur.execute("DELETE FROM plan_projects WHERE year = ?", [year])
    cur.execute("DELETE FROM year_info WHERE year = ?", [year])
    insert(cur, "plan_projects", rows)
    insert(cur, "year_info", year_info)


def retire_current_versions(cur: duckdb.DuckDBPyConnection, project_ids: Sequence[str]) -> dict[str, int]:
    """Mark the current versions of these projects as history; returns how many each project had."""
    if not project_ids:
        return {}
    with _values(cur, "retired_projects", project_ids):
        rows = cur.execute("UPDATE forms SET is_current = false "
                           "WHERE is_current AND project_id IN (SELECT v FROM retired_projects) "
                           "RETURNING project_id").fetchall()
    retired: dict[str, int] = {}
    for (pid,) in rows:
        retired[pid] = retired.get(pid, 0) + 1
    return retired


def supersede_scores(cur: duckdb.DuckDBPyConnection, run_id: int) -> int:
    """The scores of `run_id` become the current ones of their forms; returns how many earlier scores
    stopped being current."""
    rows = cur.execute("""
        UPDATE form_scores SET is_current = false
        WHERE is_current AND run_id <> $run
          AND form_id IN (SELECT form_id FROM form_scores WHERE run_id = $run)
        RETURNING form_id""", {"run": run_id}).fetchall()
    return len(rows)
