"""Named read queries over the public views. Every query takes the year and the set of units the
viewer may see (`units=None`: all units), binds its parameters, and returns a DataFrame or a row type.
Amounts are in 万元; rates are fractions."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

import duckdb
import pandas as pd

Units = Sequence[str] | None  # unit codes the viewer may see; None = every unit

def _scope(column: str = "unit_code") -> str:
    """The WHERE clause limiting rows to the units the viewer may see."""
    return f"($all_units OR list_contains($units, {column}))"


_SCOPE = _scope()


def _params(year: int, units: Units, **extra: object) -> dict[str, object]:
    return {"year": year, "all_units": units is None, "units": list(units or []), **extra}


def _one(con: duckdb.DuckDBPyConnection, sql: str, params: dict[str, object] | list[object]) -> tuple:
    """The single row an aggregate query returns."""
    cur = con.cursor()
    try:
        row = cur.execute(sql, params).fetchone()
    finally:
        cur.close()
    if row is None:  # an aggregate without GROUP BY always returns one row
        raise RuntimeError(f"query returned no row: {sql[:60]}")
    return row


def _frame(con: duckdb.DuckDBPyConnection, sql: str, params: dict[str, object]) -> pd.DataFrame:
    cur = con.cursor()
    try:
        return cur.execute(sql, params).df()
    finally:
        cur.close()


def years(con: duckdb.DuckDBPyConnection) -> list[int]:
    """Years with at least one loaded form, newest first."""
    cur = con.cursor()
    try:
        return [int(r[0]) for r in cur.execute("SELECT DISTINCT year FROM v_project_scores ORDER BY year DESC").fetchall()]
    finally:
        cur.close()


def data_version(con: duckdb.DuckDBPyConnection) -> int:
    """The newest import id: changes whenever an import lands (0 when nothing is loaded)."""
    return int(_one(con, "SELECT COALESCE(max(import_id), 0) FROM imports", {})[0])


def year_note(con: duckdb.DuckDBPyConnection, year: int) -> str:
    """The bureau's note on a year's data, e.g. '示例数据'; '' when none."""
    cur = con.cursor()
    try:
        row = cur.execute("SELECT note FROM year_info WHERE year = ?", [year]).fetchone()
    finally:
        cur.close()
    return (row[0] or "") if row else ""


@dataclass(frozen=True)
class Headline:
    """The overview's headline figures for one year."""

    units: int
    projects: int
    incomplete: int
    flagged: int
    budget_full_year: Decimal  # 万元
    executed: Decimal  # 万元
    execution_rate: Decimal | None
    project_expenditure: Decimal | None  # 全年项目支出 entered by the bureau, 万元
    share_of_expenditure: Decimal | None  # budget_full_year / project_expenditure
    mean_score: Decimal | None


HEADLINE_SQL = f"""
SELECT
    count(DISTINCT unit_code),
    count(*),
    count(*) FILTER (WHERE computed_score IS NULL),
    count(*) FILTER (WHERE len(flags) > 0),
    COALESCE(sum(budget_full_year), 0),
    COALESCE(sum(executed), 0),
    round(avg(computed_score), 2),
    (SELECT project_expenditure FROM year_info WHERE year = $year)
FROM v_project_scores
WHERE year = $year AND {_SCOPE}
"""


def headline(con: duckdb.DuckDBPyConnection, year: int, units: Units = None) -> Headline:
    """Units, projects, money, execution and the projects' share of the year's project expenditure."""
    row = _one(con, HEADLINE_SQL, _params(year, units))
    n_units, projects, incomplete, flagged, budget, executed, mean, expenditure = row
    budget, executed = Decimal(budget), Decimal(executed)
    return Headline(
        units=n_units, projects=projects, incomplete=incomplete, flagged=flagged, budget_full_year=budget,
        executed=executed, execution_rate=executed / budget if budget else None,
        project_expenditure=expenditure,
        share_of_expenditure=budget / expenditure if expenditure and units is None else None,
        mean_score=mean,
    )


GRADES_SQL = f"""
SELECT g.grade, g.rank,
       count(p.project_id)                       AS projects,
       COALESCE(sum(p.budget_full_year), 0)      AS budget_full_year
FROM (SELECT grade, rank FROM grade_bands UNION ALL SELECT '未完成', 99) g
LEFT JOIN (SELECT * FROM v_project_scores WHERE year = $year AND {_SCOPE}) p
       ON COALESCE(p.grade, '未完成') = g.grade
GROUP BY g.grade, g.rank
ORDER BY g.rank
"""


def grade_distribution(con: duckdb.DuckDBPyConnection, year: int, units: Units = None) -> pd.DataFrame:
    """Projects and money per grade, best grade first, 未完成 last; every grade appears."""
    return _frame(con, GRADES_SQL, _params(year, units))


DOMAINS_SQL = f"""
SELECT domain,
       count(*)                                   AS projects,
       sum(budget_full_year)                      AS budget_full_year,
       sum(executed)                              AS executed,
       sum(executed) / NULLIF(sum(budget_full_year), 0) AS execution_rate,
       round(avg(computed_score), 2)              AS mean_score
FROM v_project_scores
WHERE year = $year AND {_SCOPE}
GROUP BY domain
ORDER BY budget_full_year DESC
"""


def by_domain(con: duckdb.DuckDBPyConnection, year: int, units: Units = None) -> pd.DataFrame:
    """Money, execution and mean recomputed score per domain, largest budget first."""
    return _frame(con, DOMAINS_SQL, _params(year, units))


UNITS_SQL = f"""
SELECT unit_code, unit_name, unit_type, projects, budget_full_year, executed, execution_rate, score, grade,
       flagged_projects
FROM v_unit_scores
WHERE year = $year AND {_SCOPE}
ORDER BY score DESC NULLS LAST, unit_code
"""


def unit_scores(con: duckdb.DuckDBPyConnection, year: int, units: Units = None) -> pd.DataFrame:
    """Every unit's score for the year, best first (units without a completed form last)."""
    return _frame(con, UNITS_SQL, _params(year, units))


PROJECTS_SQL = f"""
SELECT form_id, project_id, project_name, unit_code, unit_name, unit_type, department, domain, budget_initial,
       budget_full_year, executed, execution_rate, self_score, computed_score, grade, status, flags
FROM v_project_scores
WHERE year = $year AND {_SCOPE}
ORDER BY unit_code, project_name
"""


def project_scores(con: duckdb.DuckDBPyConnection, year: int, units: Units = None) -> pd.DataFrame:
    """Every project's scores for the year."""
    return _frame(con, PROJECTS_SQL, _params(year, units))


FORM_SQL = f"""
SELECT v.form_id, v.project_id, v.project_name, v.unit_code, v.unit_name, v.unit_type, v.department, v.domain,
       v.budget_initial, v.budget_full_year, v.executed, v.execution_rate, v.self_score, v.computed_score,
       v.grade, v.status, v.flags, v.file_name, v.sheet, f.goal_expected, f.goal_actual, f.budget_points,
       f.self_budget_score, f.explanation, f.rubric_version, i.loaded_at
FROM v_project_scores v
JOIN forms f USING (form_id)
JOIN imports i ON i.import_id = f.import_id
WHERE v.form_id = $form_id AND {_scope("v.unit_code")}
"""


def form_detail(con: duckdb.DuckDBPyConnection, form_id: int, units: Units = None) -> dict[str, object] | None:
    """One current form with its arithmetic, or None when it does not exist or is outside the scope."""
    cur = con.cursor()
    try:
        cur.execute(FORM_SQL, {"form_id": form_id, "all_units": units is None, "units": list(units or [])})
        row = cur.fetchone()
        names = [d[0] for d in cur.description] if row else []
    finally:
        cur.close()
    return dict(zip(names, row, strict=True)) if row else None


INDICATORS_SQL = """
SELECT seq, level1, level2, name, target_text, actual_text, weight, applied_weight, self_score, computed_score,
       deviation_note, flags, explanation, cell_ref
FROM indicators
WHERE form_id = $form_id
ORDER BY seq
"""


def form_indicators(con: duckdb.DuckDBPyConnection, form_id: int) -> pd.DataFrame:
    """The indicator rows of a form with their recomputed scores and arithmetic."""
    return _frame(con, INDICATORS_SQL, {"form_id": form_id})


FORM_PROBLEMS_SQL = """
SELECT p.cell, p.severity, p.message
FROM problems p JOIN forms f ON f.import_id = p.import_id AND f.sheet = p.sheet
WHERE f.form_id = $form_id
ORDER BY p.severity, p.cell
"""


def form_problems(con: duckdb.DuckDBPyConnection, form_id: int) -> pd.DataFrame:
    """What the importer noticed on the form's sheet (cell, severity, message)."""
    return _frame(con, FORM_PROBLEMS_SQL, {"form_id": form_id})


HISTORY_SQL = """
SELECT f.form_id, f.is_current, i.file_name, i.loaded_at, f.self_score, f.computed_score, f.grade, f.status
FROM forms f JOIN imports i USING (import_id)
WHERE f.project_id = $project_id
ORDER BY f.form_id DESC
"""


def form_history(con: duckdb.DuckDBPyConnection, project_id: str) -> pd.DataFrame:
    """Every loaded version of a project, newest first."""
    return _frame(con, HISTORY_SQL, {"project_id": project_id})


FLAGS_SQL = f"""
SELECT flag, count(*) AS projects, sum(budget_full_year) AS budget_full_year
FROM (SELECT unnest(flags) AS flag, budget_full_year FROM v_project_scores WHERE year = $year AND {_SCOPE})
GROUP BY flag
ORDER BY projects DESC, flag
"""


def flag_counts(con: duckdb.DuckDBPyConnection, year: int, units: Units = None) -> pd.DataFrame:
    """Projects and money per flag (a project with two flags counts under both), most frequent first."""
    return _frame(con, FLAGS_SQL, _params(year, units))
