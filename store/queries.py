"""Named read queries over the public views. Every query takes the set of units the viewer may see
(`units=None`: all units), binds its parameters, and returns a DataFrame or a row type. Amounts are in
万元; rates are fractions. Numbers stay exact: DECIMAL columns arrive in pandas as `Decimal` (through
Arrow), never as floats; quotients are computed by the views' exact_div."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

import duckdb
import pandas as pd

from store.db import StoreError, reading

Units = Sequence[str] | None  # unit codes the viewer may see; None = every unit

def _scope(column: str = "unit_code") -> str:
    """The WHERE clause limiting rows to the units the viewer may see."""
    return f"($all_units OR list_contains($units, {column}))"


_SCOPE = _scope()


def _params(year: int, units: Units, **extra: object) -> dict[str, object]:
    return {"year": year, "all_units": units is None, "units": list(units or []), **extra}


def _one(con: duckdb.DuckDBPyConnection, sql: str, params: dict[str, object] | list[object]) -> tuple:
    """The single row an aggregate query returns."""
    with reading(con) as cur:
        row = cur.execute(sql, params).fetchone()
    if row is None:  # an aggregate without GROUP BY always returns one row
        raise StoreError(f"查询没有返回结果：{sql[:60]}")
    return row


def _rows(con: duckdb.DuckDBPyConnection, sql: str, params: dict[str, object] | list[object]) -> list[tuple]:
    with reading(con) as cur:
        return cur.execute(sql, params).fetchall()


def _frame(con: duckdb.DuckDBPyConnection, sql: str, params: dict[str, object]) -> pd.DataFrame:
    """A query result with DECIMAL columns as Decimal objects (Arrow keeps them exact; .df() would not)."""
    with reading(con) as cur:
        return cur.sql(sql, params=params).to_arrow_table().to_pandas()


def years(con: duckdb.DuckDBPyConnection) -> list[int]:
    """Years with at least one loaded form, newest first."""
    return [int(r[0]) for r in _rows(con, "SELECT DISTINCT year FROM v_project_scores ORDER BY year DESC", [])]


def data_version(con: duckdb.DuckDBPyConnection) -> int:
    """A number that grows whenever an import, a scoring run, a review, an expert-panel write, a request batch, a
    cuts scenario or an adoption lands (0 when nothing is loaded)."""
    return int(_one(con, "SELECT COALESCE((SELECT max(import_id) FROM imports), 0) "
                         "+ COALESCE((SELECT max(run_id) FROM scoring_runs), 0) "
                         "+ COALESCE((SELECT max(review_id) FROM reviews), 0) "
                         "+ COALESCE((SELECT max(batch_id) FROM evaluation_results), 0) "
                         "+ COALESCE((SELECT max(batch_id) FROM budget_requests), 0) "
                         "+ COALESCE((SELECT max(scenario_id) FROM cut_scenarios), 0) "
                         "+ COALESCE((SELECT max(adoption_id) FROM cut_adoptions), 0)", {})[0])


def year_note(con: duckdb.DuckDBPyConnection, year: int) -> str:
    """The bureau's note on a year's data, e.g. '示例数据'; '' when none."""
    rows = _rows(con, "SELECT note FROM year_info WHERE year = ?", [year])
    return (rows[0][0] or "") if rows else ""


@dataclass(frozen=True)
class RubricInUse:
    """A rubric that produced some of the current scores: by name and the date it was first used."""

    rubric_id: int
    name: str
    loaded_at: datetime
    projects: int


RUBRICS_IN_USE_SQL = f"""
SELECT r.rubric_id, r.name, r.loaded_at, count(*) AS projects
FROM v_project_scores v JOIN rubrics r USING (rubric_id)
WHERE v.year = $year AND {_scope("v.unit_code")}
GROUP BY ALL
ORDER BY projects DESC, r.rubric_id DESC
"""


def rubrics_in_use(con: duckdb.DuckDBPyConnection, year: int, units: Units = None) -> list[RubricInUse]:
    """The rubrics behind the year's current scores, most used first."""
    return [RubricInUse(int(i), name, loaded, int(n)) for i, name, loaded, n in
            _rows(con, RUBRICS_IN_USE_SQL, _params(year, units))]


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


# The rubric of the year's newest current scores: its rounding and grade bands apply to aggregates.
_YEAR_RUBRIC = "(SELECT max(rubric_id) FROM v_project_scores WHERE year = $year)"
_ROUNDING = f"(SELECT score_places, rate_places, rounding_method FROM rubrics WHERE rubric_id = {_YEAR_RUBRIC})"

HEADLINE_SQL = f"""
SELECT
    count(DISTINCT unit_code),
    count(*),
    count(*) FILTER (WHERE computed_score IS NULL),
    count(*) FILTER (WHERE len(flags) > 0),
    COALESCE(sum(budget_full_year), 0),
    COALESCE(sum(executed), 0),
    CAST(exact_div(sum(final_score), count(final_score), any_value(rb.score_places), any_value(rb.rounding_method))
         AS DECIMAL(18, 6)),
    (SELECT project_expenditure FROM year_info WHERE year = $year)
FROM v_project_scores, {_ROUNDING} rb
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
FROM (SELECT grade, rank FROM rubric_grade_bands WHERE rubric_id = {_YEAR_RUBRIC}
      UNION ALL SELECT '未完成', 99) g
LEFT JOIN (SELECT * FROM v_project_scores WHERE year = $year AND {_SCOPE}) p
       ON COALESCE(p.final_grade, '未完成') = g.grade
GROUP BY g.grade, g.rank
ORDER BY g.rank
"""


def grade_distribution(con: duckdb.DuckDBPyConnection, year: int, units: Units = None) -> pd.DataFrame:
    """Projects and money per grade of the year's rubric, best grade first, 未完成 last; every grade appears."""
    return _frame(con, GRADES_SQL, _params(year, units))


DOMAINS_SQL = f"""
SELECT domain,
       count(*)                                   AS projects,
       sum(budget_full_year)                      AS budget_full_year,
       sum(executed)                              AS executed,
       CAST(exact_div(sum(executed), sum(budget_full_year), any_value(rb.rate_places), any_value(rb.rounding_method))
            AS DECIMAL(38, 8)) AS execution_rate,
       CAST(exact_div(sum(final_score), count(final_score), any_value(rb.score_places),
                      any_value(rb.rounding_method)) AS DECIMAL(18, 6)) AS mean_score
FROM v_project_scores, {_ROUNDING} rb
WHERE year = $year AND {_SCOPE}
GROUP BY domain
ORDER BY budget_full_year DESC, domain
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


FORM_SQL = f"""
SELECT v.form_id, v.project_id, v.project_name, v.unit_code, v.unit_name, v.unit_type, v.department, v.domain,
       v.budget_initial, v.budget_full_year, v.executed, v.execution_rate, v.self_score, v.computed_score,
       v.grade, v.status, v.flags, v.reviewed_score, v.review_reason, v.final_score, v.final_grade,
       COALESCE((SELECT a.display_name FROM accounts a WHERE a.username = v.reviewer), v.reviewer) AS reviewer,
       v.reviewed_at, v.file_name, v.sheet, f.goal_expected, f.goal_actual, s.budget_points,
       f.self_budget_score, s.explanation, rb.name AS rubric_name, rb.loaded_at AS rubric_loaded_at,
       i.loaded_at
FROM v_project_scores v
JOIN forms f USING (form_id)
JOIN v_form_scores s USING (form_id)
JOIN rubrics rb ON rb.rubric_id = v.rubric_id
JOIN imports i ON i.import_id = f.import_id
WHERE v.form_id = $form_id AND {_scope("v.unit_code")}
"""


def _detail_params(units: Units, **values: object) -> dict[str, object]:
    return {"all_units": units is None, "units": list(units or []), **values}


def form_detail(con: duckdb.DuckDBPyConnection, form_id: int, units: Units = None) -> dict[str, object] | None:
    """One current form with its arithmetic, or None when it does not exist or is outside the scope."""
    with reading(con) as cur:
        cur.execute(FORM_SQL, _detail_params(units, form_id=form_id))
        row = cur.fetchone()
        names = [d[0] for d in cur.description] if row else []
    return dict(zip(names, row, strict=True)) if row else None


INDICATORS_SQL = f"""
SELECT i.seq, i.level1, i.level2, i.name, i.target_text, i.actual_text, i.weight, s.applied_weight, i.self_score,
       s.computed_score, i.deviation_note, s.flags, s.explanation, i.cell_ref
FROM indicators i
JOIN forms f USING (form_id)
JOIN v_form_scores c USING (form_id)
JOIN indicator_scores s ON s.run_id = c.run_id AND s.form_id = i.form_id AND s.seq = i.seq
WHERE i.form_id = $form_id AND {_scope("f.unit_code")}
ORDER BY i.seq
"""


def form_indicators(con: duckdb.DuckDBPyConnection, form_id: int, units: Units = None) -> pd.DataFrame:
    """The indicator rows of a form with their current recomputed scores and arithmetic (empty outside the scope)."""
    return _frame(con, INDICATORS_SQL, _detail_params(units, form_id=form_id))


FORM_PROBLEMS_SQL = f"""
SELECT p.cell, p.severity, p.message
FROM problems p JOIN forms f ON f.import_id = p.import_id AND f.sheet = p.sheet
WHERE f.form_id = $form_id AND {_scope("f.unit_code")}
ORDER BY p.severity, p.cell
"""


def form_problems(con: duckdb.DuckDBPyConnection, form_id: int, units: Units = None) -> pd.DataFrame:
    """What the importer noticed on the form's sheet (cell, severity, message); empty outside the scope."""
    return _frame(con, FORM_PROBLEMS_SQL, _detail_params(units, form_id=form_id))


FORM_REMARKS_SQL = f"""
SELECT r.label, r.text
FROM form_remarks r JOIN forms f USING (form_id)
WHERE r.form_id = $form_id AND {_scope("f.unit_code")}
ORDER BY r.seq
"""


def form_remarks(con: duckdb.DuckDBPyConnection, form_id: int, units: Units = None) -> pd.DataFrame:
    """What the form writes about itself (评价结论, 存在问题, 改进措施 …) as (label, text); empty outside the scope."""
    return _frame(con, FORM_REMARKS_SQL, _detail_params(units, form_id=form_id))


HISTORY_SQL = f"""
SELECT f.form_id, f.is_current, i.file_name, i.loaded_at, f.self_score, s.computed_score, s.grade, s.status
FROM forms f JOIN imports i USING (import_id) JOIN v_form_scores s USING (form_id)
WHERE f.project_id = $project_id AND {_scope("f.unit_code")}
ORDER BY f.form_id DESC
"""


def form_history(con: duckdb.DuckDBPyConnection, project_id: str, units: Units = None) -> pd.DataFrame:
    """Every loaded version of a project, newest first; empty outside the scope."""
    return _frame(con, HISTORY_SQL, _detail_params(units, project_id=project_id))


# ---------------------------------------------------------------------------------------------
# Over the years: a unit's and a project's figures in every loaded year
# ---------------------------------------------------------------------------------------------

UNIT_HISTORY_SQL = f"""
SELECT year, score, grade, budget_full_year, executed, execution_rate, projects
FROM v_unit_scores
WHERE unit_code = $unit_code AND {_SCOPE}
ORDER BY year
"""


def unit_history(con: duckdb.DuckDBPyConnection, unit_code: str, units: Units = None) -> pd.DataFrame:
    """A unit's score, grade, money, execution rate and project count per year, oldest first (empty outside the
    scope or when the unit has no data)."""
    return _frame(con, UNIT_HISTORY_SQL, _detail_params(units, unit_code=unit_code))


# A project is followed over the years by its unit and name (project_id is per year: year + unit + name).
PROJECT_YEARS_SQL = f"""
SELECT v.year, v.form_id, v.computed_score, v.self_score, v.grade, v.execution_rate, v.budget_full_year, v.executed,
       v.reviewed_score, v.final_score, v.final_grade
FROM v_project_scores v
JOIN (SELECT DISTINCT unit_code, project_name FROM forms WHERE project_id = $project_id) p
  ON v.unit_code = p.unit_code AND v.project_name = p.project_name
WHERE {_scope("v.unit_code")}
ORDER BY v.year
"""


def project_years(con: duckdb.DuckDBPyConnection, project_id: str, units: Units = None) -> pd.DataFrame:
    """The project's current form in every year it was evaluated (same unit, same project name), oldest first:
    recomputed, reviewed, final and self score, grades, execution rate, money. Empty outside the scope or for an
    unknown id."""
    return _frame(con, PROJECT_YEARS_SQL, _detail_params(units, project_id=project_id))


FLAGS_SQL = f"""
SELECT flag, count(*) AS projects, sum(budget_full_year) AS budget_full_year
FROM (SELECT unnest(flags) AS flag, budget_full_year FROM v_project_scores WHERE year = $year AND {_SCOPE})
GROUP BY flag
ORDER BY projects DESC, flag
"""


def flag_counts(con: duckdb.DuckDBPyConnection, year: int, units: Units = None) -> pd.DataFrame:
    """Projects and money per flag (a project with two flags counts under both), most frequent first."""
    return _frame(con, FLAGS_SQL, _params(year, units))


# ---------------------------------------------------------------------------------------------
# Stored inputs and results, for scoring again
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class StoredIndicator:
    """An indicator row as stored: everything the engine reads."""

    level1: str | None
    level2: str | None
    name: str
    target_text: str | None
    target_op: str | None
    target_value: Decimal | None
    target_unit: str | None
    actual_text: str | None
    actual_value: Decimal | None
    actual_unit: str | None
    weight: Decimal | None
    self_score: Decimal | None
    deviation_note: str | None
    cell_ref: str | None
    not_applicable: bool


@dataclass(frozen=True)
class StoredForm:
    """A form version as stored, with its indicators in order."""

    form_id: int
    budget_initial: Decimal | None
    budget_full_year: Decimal | None
    executed: Decimal | None
    budget_weight: Decimal | None
    self_budget_score: Decimal | None
    self_score: Decimal | None
    indicators: tuple[StoredIndicator, ...]
    level_weights: tuple[tuple[str, Decimal], ...]  # points written in the 一级指标 labels


_YEAR_OR_ALL = "($year IS NULL OR f.year = $year)"
STORED_FORMS_SQL = f"""
SELECT form_id, budget_initial, budget_full_year, executed, budget_weight, self_budget_score, self_score
FROM forms f WHERE {_YEAR_OR_ALL} ORDER BY form_id
"""
STORED_INDICATORS_SQL = f"""
SELECT i.form_id, i.level1, i.level2, i.name, i.target_text, i.target_op, i.target_value, i.target_unit,
       i.actual_text, i.actual_value, i.actual_unit, i.weight, i.self_score, i.deviation_note, i.cell_ref,
       i.not_applicable
FROM indicators i JOIN forms f USING (form_id) WHERE {_YEAR_OR_ALL} ORDER BY i.form_id, i.seq
"""
STORED_LEVEL_WEIGHTS_SQL = f"""
SELECT w.form_id, w.level, w.points
FROM form_level_weights w JOIN forms f USING (form_id) WHERE {_YEAR_OR_ALL} ORDER BY w.form_id, w.level
"""


def stored_forms(cur: duckdb.DuckDBPyConnection, year: int | None = None) -> list[StoredForm]:
    """Every stored form version (of `year`, or all), with the inputs the engine needs."""
    indicators: dict[int, list[StoredIndicator]] = {}
    for form_id, *rest in cur.execute(STORED_INDICATORS_SQL, {"year": year}).fetchall():
        indicators.setdefault(form_id, []).append(StoredIndicator(*rest))
    levels: dict[int, list[tuple[str, Decimal]]] = {}
    for form_id, level, points in cur.execute(STORED_LEVEL_WEIGHTS_SQL, {"year": year}).fetchall():
        levels.setdefault(form_id, []).append((level, points))
    return [StoredForm(int(r[0]), r[1], r[2], r[3], r[4], r[5], r[6], tuple(indicators.get(r[0], ())),
                       tuple(levels.get(r[0], ())))
            for r in cur.execute(STORED_FORMS_SQL, {"year": year}).fetchall()]


CURRENT_RESULTS_SQL = f"""
SELECT s.form_id, s.computed_score, s.grade, s.flags
FROM v_form_scores s JOIN forms f USING (form_id) WHERE {_YEAR_OR_ALL}
"""


def current_results(cur: duckdb.DuckDBPyConnection, year: int | None = None) -> dict[int, tuple]:
    """form id → (total, grade, flags) of its current score."""
    return {r[0]: (r[1], r[2], tuple(r[3])) for r in cur.execute(CURRENT_RESULTS_SQL, {"year": year}).fetchall()}


UNIT_DIRECTORY_SQL = """
SELECT unit_code, any_value(unit_name ORDER BY year DESC) AS unit_name,
       any_value(department ORDER BY year DESC) AS department
FROM (SELECT year, unit_code, unit_name, department FROM forms
      UNION ALL SELECT year, unit_code, unit_name, department FROM plan_projects)
GROUP BY unit_code ORDER BY unit_code
"""


def unit_directory(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Every unit with a form or in a plan, by code: its latest name and 主管部门."""
    return _frame(con, UNIT_DIRECTORY_SQL, {})


RUBRIC_VERSIONS_SQL = """
SELECT DISTINCT r.name || '（' || r.version || '）' FROM v_project_scores v JOIN rubrics r USING (rubric_id)
WHERE $year IS NULL OR v.year = $year ORDER BY 1
"""


def rubric_versions(cur: duckdb.DuckDBPyConnection, year: int | None = None) -> list[str]:
    """The rubrics (name and version) behind the current scores of `year` (every year when None)."""
    return [r[0] for r in cur.execute(RUBRIC_VERSIONS_SQL, {"year": year}).fetchall()]


RUNS_SQL = """
SELECT run_id, kind, year, started_at, forms, current_forms, rubric_name, rubric_loaded_at, note
FROM v_scoring_runs ORDER BY run_id DESC
"""


def scoring_runs(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Every scoring run, newest first, with its rubric's name and date and how many of its scores are current."""
    return _frame(con, RUNS_SQL, {})


RUN_SCORES_SQL = f"""
SELECT f.year, f.project_id, f.project_name, f.unit_code, s.computed_score, s.grade, s.status, s.flags, s.is_current
FROM form_scores s JOIN forms f USING (form_id)
WHERE s.run_id = $run_id AND {_scope("f.unit_code")}
ORDER BY f.unit_code, f.project_name
"""


def run_scores(con: duckdb.DuckDBPyConnection, run_id: int, units: Units = None) -> pd.DataFrame:
    """The scores one scoring run gave (current or not)."""
    return _frame(con, RUN_SCORES_SQL, _detail_params(units, run_id=run_id))


# ---------------------------------------------------------------------------------------------
# Filtered, paged project lists: pages never pull a whole year's projects into Python
# ---------------------------------------------------------------------------------------------

INCOMPLETE_GRADE = "未完成"  # what the grade filter calls a form without a grade


@dataclass(frozen=True)
class ProjectFilter:
    """What a viewer narrows the project list by; an empty field matches everything."""

    unit_types: tuple[str, ...] = ()
    domains: tuple[str, ...] = ()
    grades: tuple[str, ...] = ()  # INCOMPLETE_GRADE matches forms without a grade
    flags: tuple[str, ...] = ()  # a project matches when it carries any of them
    text: str = ""  # part of the unit or project name
    unit_codes: tuple[str, ...] = ()  # the units drilled into
    departments: tuple[str, ...] = ()  # 主管部门

    def params(self) -> dict[str, object]:
        """The bound parameters of PROJECT_WHERE."""
        return {"unit_types": list(self.unit_types), "domains": list(self.domains), "grades": list(self.grades),
                "flags": list(self.flags), "text": self.text.strip(), "unit_codes": list(self.unit_codes),
                "departments": list(self.departments)}


PROJECT_WHERE = f"""
WHERE year = $year AND {_SCOPE}
  AND (len($unit_types::VARCHAR[]) = 0 OR list_contains($unit_types::VARCHAR[], unit_type))
  AND (len($domains::VARCHAR[]) = 0 OR list_contains($domains::VARCHAR[], domain))
  AND (len($grades::VARCHAR[]) = 0 OR list_contains($grades::VARCHAR[], COALESCE(final_grade, '{INCOMPLETE_GRADE}')))
  AND (len($flags::VARCHAR[]) = 0 OR list_has_any(flags, $flags::VARCHAR[]))
  AND ($text = '' OR contains(unit_name, $text) OR contains(project_name, $text))
  AND (len($unit_codes::VARCHAR[]) = 0 OR list_contains($unit_codes::VARCHAR[], unit_code))
  AND (len($departments::VARCHAR[]) = 0 OR list_contains($departments::VARCHAR[], department))
"""
PROJECT_TOTALS_SQL = f"SELECT count(*), COALESCE(sum(budget_full_year), 0) FROM v_project_scores {PROJECT_WHERE}"
PROJECT_PAGE_SQL = f"""
SELECT form_id, project_id, project_name, unit_code, unit_name, unit_type, department, domain, budget_initial,
       budget_full_year, executed, execution_rate, self_score, computed_score, reviewed_score, final_score,
       final_grade AS grade, status, flags
FROM v_project_scores {PROJECT_WHERE}
ORDER BY unit_code, project_name, form_id
LIMIT $limit OFFSET $offset
"""
CHOICES_SQL = f"""
SELECT list(DISTINCT unit_type ORDER BY unit_type), list(DISTINCT domain ORDER BY domain)
FROM v_project_scores WHERE year = $year AND {_SCOPE}
"""


def project_totals(con: duckdb.DuckDBPyConnection, year: int, units: Units = None,
                   where: ProjectFilter = ProjectFilter()) -> tuple[int, Decimal]:
    """(projects, Σ全年预算数 in 万元) matching the filter."""
    count, budget = _one(con, PROJECT_TOTALS_SQL, _params(year, units, **where.params()))
    return int(count), Decimal(budget)


def project_page(con: duckdb.DuckDBPyConnection, year: int, units: Units = None,
                 where: ProjectFilter = ProjectFilter(), limit: int = 50, offset: int = 0) -> pd.DataFrame:
    """One page of the projects matching the filter, by unit and project name."""
    return _frame(con, PROJECT_PAGE_SQL, _params(year, units, **where.params(), limit=limit, offset=offset))


def project_choices(con: duckdb.DuckDBPyConnection, year: int, units: Units = None) -> tuple[list[str], list[str]]:
    """The unit types and domains present in the year (for filter widgets)."""
    unit_types, domains = _one(con, CHOICES_SQL, _params(year, units))
    return list(unit_types or []), list(domains or [])


UNIT_RANKING_SQL = f"""
SELECT unit_code, unit_name, unit_type, projects, budget_full_year, executed, execution_rate, score, grade,
       flagged_projects
FROM v_unit_scores
WHERE year = $year AND {_SCOPE} AND score IS NOT NULL
ORDER BY CASE WHEN $best THEN score END DESC, CASE WHEN NOT $best THEN score END ASC, unit_code
LIMIT $limit
"""


def unit_ranking(con: duckdb.DuckDBPyConnection, year: int, units: Units = None, limit: int = 10,
                 best: bool = True) -> pd.DataFrame:
    """The `limit` best (or worst) scored units, best (or worst) first."""
    return _frame(con, UNIT_RANKING_SQL, _params(year, units, limit=limit, best=best))


# ---------------------------------------------------------------------------------------------
# Units ranked and drilled into; the year's flags, one sentence each
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class UnitFilter:
    """What the 单位评分 page narrows units by; an empty field matches everything. A unit matches a domain when
    that is its main domain, a flag when any of its projects carries it."""

    unit_types: tuple[str, ...] = ()
    departments: tuple[str, ...] = ()
    domains: tuple[str, ...] = ()
    grades: tuple[str, ...] = ()  # INCOMPLETE_GRADE matches units without a score
    flags: tuple[str, ...] = ()

    def params(self) -> dict[str, object]:
        return {"unit_types": list(self.unit_types), "departments": list(self.departments),
                "domains": list(self.domains), "grades": list(self.grades), "flags": list(self.flags)}


UNIT_TABLE_SQL = f"""
SELECT rank, unit_code, unit_name, unit_type, department, domain, projects, budget_full_year, executed,
       execution_rate, self_score, computed_score, score, reviewed_projects, grade, flagged_projects, flags
FROM v_unit_scores
WHERE year = $year AND {_SCOPE}
  AND (len($unit_types::VARCHAR[]) = 0 OR list_contains($unit_types::VARCHAR[], unit_type))
  AND (len($departments::VARCHAR[]) = 0 OR list_contains($departments::VARCHAR[], department))
  AND (len($domains::VARCHAR[]) = 0 OR list_contains($domains::VARCHAR[], domain))
  AND (len($grades::VARCHAR[]) = 0 OR list_contains($grades::VARCHAR[], COALESCE(grade, '{INCOMPLETE_GRADE}')))
  AND (len($flags::VARCHAR[]) = 0 OR list_has_any(flags, $flags::VARCHAR[]))
ORDER BY rank NULLS LAST, unit_code
"""


def unit_table(con: duckdb.DuckDBPyConnection, year: int, units: Units = None,
               where: UnitFilter = UnitFilter()) -> pd.DataFrame:
    """The year's units matching the filter, by rank (the place among all the year's units; unscored last)."""
    return _frame(con, UNIT_TABLE_SQL, _params(year, units, **where.params()))


UNIT_CHOICES_SQL = f"""
SELECT list(DISTINCT unit_type ORDER BY unit_type), list(DISTINCT department ORDER BY department),
       list(DISTINCT domain ORDER BY domain)
FROM v_unit_scores WHERE year = $year AND {_SCOPE}
"""


def unit_choices(con: duckdb.DuckDBPyConnection, year: int, units: Units = None) -> tuple[list[str], list[str], list[str]]:
    """The unit types, departments and main domains of the year's units (for filter widgets)."""
    unit_types, departments, domains = _one(con, UNIT_CHOICES_SQL, _params(year, units))
    return list(unit_types or []), [d for d in departments or [] if d], list(domains or [])


UNIT_ONE_SQL = f"""
SELECT year, rank, unit_code, unit_name, unit_type, department, domain, projects, budget_full_year, executed,
       execution_rate, self_score, computed_score, score, reviewed_projects, grade, flagged_projects, flags,
       (SELECT count(*) FROM v_unit_scores WHERE year = $year AND score IS NOT NULL) AS ranked_units
FROM v_unit_scores
WHERE year = $year AND unit_code = $unit_code AND {_SCOPE}
"""


def unit_detail(con: duckdb.DuckDBPyConnection, year: int, unit_code: str, units: Units = None) -> dict[str, object] | None:
    """One unit's year (rank among `ranked_units`), or None when it has no project that year or is outside the scope."""
    with reading(con) as cur:
        cur.execute(UNIT_ONE_SQL, _params(year, units, unit_code=unit_code))
        row = cur.fetchone()
        names = [d[0] for d in cur.description] if row else []
    return dict(zip(names, row, strict=True)) if row else None


UNIT_KNOWN_SQL = "SELECT any_value(unit_name) FROM forms WHERE unit_code = ?"


def unit_name(con: duckdb.DuckDBPyConnection, unit_code: str) -> str | None:
    """The name of a unit code any year holds (None: no such unit), whatever the viewer's scope: for saying
    that a link points to a unit the viewer may not see."""
    return _one(con, UNIT_KNOWN_SQL, [unit_code])[0]


FLAG_LIST_SQL = f"""
WITH p AS (
    SELECT form_id, unit_code, unit_name, department, project_name, self_score, computed_score, reviewed_score,
           final_score, execution_rate, budget_full_year, executed, flags, run_id
    FROM v_project_scores
    WHERE year = $year AND {_SCOPE} AND len(flags) > 0
      AND (len($departments::VARCHAR[]) = 0 OR list_contains($departments::VARCHAR[], department))
), f AS (
    SELECT p.*, unnest(p.flags) AS flag FROM p
)
SELECT f.form_id, f.unit_code, f.unit_name, f.department, f.project_name, f.flag, f.self_score, f.computed_score,
       f.reviewed_score, f.final_score, f.execution_rate, f.budget_full_year, f.executed,
       list_filter(s.explanation, lambda x: contains(x, '→ ' || f.flag) OR starts_with(x, f.flag || ':')) AS form_lines,
       (SELECT list(i.explanation ORDER BY i.seq) FROM indicator_scores i
        WHERE i.run_id = f.run_id AND i.form_id = f.form_id AND list_contains(i.flags, f.flag)) AS indicator_lines
FROM f JOIN form_scores s ON s.run_id = f.run_id AND s.form_id = f.form_id
WHERE len($flags::VARCHAR[]) = 0 OR list_contains($flags::VARCHAR[], f.flag)
ORDER BY f.flag, f.unit_code, f.project_name, f.form_id
"""


def flag_list(con: duckdb.DuckDBPyConnection, year: int, units: Units = None, flags: Sequence[str] = (),
              departments: Sequence[str] = ()) -> pd.DataFrame:
    """One row per project and flag of the year, with the explanation lines that raised it (form level and
    indicator level) and the three scores: what a reviewer works through."""
    return _frame(con, FLAG_LIST_SQL, _params(year, units, flags=list(flags), departments=list(departments)))


# ---------------------------------------------------------------------------------------------
# The upload page: what a checked file would replace or repeat, and the log of uploads
# ---------------------------------------------------------------------------------------------

_LOADED_BY = """COALESCE((SELECT COALESCE(ac.display_name, a.actor) FROM audit_log a LEFT JOIN accounts ac
                ON ac.username = a.actor WHERE a.action IN ('导入自评表', '导入自评项目清单') AND a.outcome = '成功'
                AND json_extract_string(a.after_state, '$.sha256') = i.file_hash ORDER BY a.audit_id LIMIT 1),
               '系统')"""
EARLIER_LOADS_SQL = f"""
SELECT i.file_hash, i.content_hash, i.file_name, i.loaded_at, {_LOADED_BY} AS loaded_by
FROM imports i
WHERE list_contains($file_hashes, i.file_hash) OR list_contains($content_hashes, i.content_hash)
ORDER BY i.loaded_at
"""


def earlier_loads(con: duckdb.DuckDBPyConnection, file_hashes: Sequence[str],
                  content_hashes: Sequence[str]) -> pd.DataFrame:
    """Imports with the same bytes or the same cells as files being checked: when, by whom, under what name."""
    return _frame(con, EARLIER_LOADS_SQL, {"file_hashes": list(file_hashes), "content_hashes": list(content_hashes)})


CURRENT_VERSIONS_SQL = f"""
SELECT f.project_id, f.form_id, f.file_name, f.sheet, i.loaded_at, {_LOADED_BY} AS loaded_by,
       s.computed_score
FROM forms f JOIN imports i USING (import_id) JOIN v_form_scores s USING (form_id)
WHERE f.is_current AND list_contains($project_ids, f.project_id)
"""


def current_versions(con: duckdb.DuckDBPyConnection, project_ids: Sequence[str]) -> pd.DataFrame:
    """The version in force of each of these projects (what a new version would replace), with who loaded it."""
    return _frame(con, CURRENT_VERSIONS_SQL, {"project_ids": list(project_ids)})


UPLOAD_LOG_SQL = """
SELECT a.happened_at, COALESCE(ac.display_name, a.actor) AS actor, a.action, a.outcome, a.target AS file_name,
       json_extract_string(a.after_state, '$.sha256') AS sha256, a.unit_code, a.detail
FROM audit_log a LEFT JOIN accounts ac ON ac.username = a.actor
WHERE a.action IN ('导入自评表', '导入自评项目清单', '上传自评报告')
  AND ($all_units OR list_contains($units, a.unit_code) OR a.actor = $actor)
ORDER BY a.audit_id DESC
LIMIT $limit
"""


def upload_log(con: duckdb.DuckDBPyConnection, units: Units = None, actor: str = "", limit: int = 200) -> pd.DataFrame:
    """The latest uploads (imports, refusals, rejected files, attached reports), newest first: the viewer's units'
    and its own."""
    return _frame(con, UPLOAD_LOG_SQL, {"all_units": units is None, "units": list(units or []), "actor": actor,
                                        "limit": limit})
