"""The year-end meeting's facts: one gathering of everything the presentation mode, the slides, the chart images, the
summary workbook and the written report show, so that every output carries the same numbers (issue 11).

`gather` reads only through named queries (store.queries, store.evaluations) and the adopted budget-cuts scenario
(store.cuts, issue 10) when there is one; `adopted_cuts` is the one place that reads it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

import pandas as pd

from rubrics.cuts import CutRules, rules_from_bytes
from rubrics.loader import RubricError
from rubrics.panel import KIND_DEPT, KIND_KEY
from store import cuts as cut_store
from store import evaluations, queries
from store.access import PanelScope
from store.db import Connection, reading
from store.queries import Headline, Units

WEAKEST_UNITS = 10  # units on the "weakest units" screen
SAMPLE_NOTE = "示例数据"  # the year note that marks the bundled sample (present.strings.SAMPLE_BADGE)


@dataclass(frozen=True)
class MeetingFilters:
    """What the meeting material is narrowed to: the year, the viewer's units (None: every unit) and 主管部门."""

    year: int
    units: Units = None
    departments: tuple[str, ...] = ()


@dataclass(frozen=True)
class CutsPart:
    """The adopted budget-cuts scenario of the year (结果应用): its name, ledger (store.cuts, amounts Decimal in 万元)
    and the rules it applied (None when their text no longer validates)."""

    scenario: str
    adopted_at: datetime | None
    ledger: pd.DataFrame
    rules: CutRules | None


@dataclass(frozen=True)
class MeetingData:
    """Everything the meeting outputs show, read once."""

    filters: MeetingFilters
    units: Units  # the units actually read (scope ∩ departments)
    note: str  # the year's 数据说明 ('示例数据' for the sample)
    data_date: datetime | None  # when the newest data of the year landed
    headline: Headline
    grades: pd.DataFrame  # queries.grade_distribution
    domains: pd.DataFrame  # queries.by_domain
    unit_table: pd.DataFrame  # queries.unit_table (every unit, by rank)
    weakest: pd.DataFrame  # queries.unit_ranking, worst first
    projects: pd.DataFrame  # queries.project_page (every project)
    flag_counts: pd.DataFrame  # queries.flag_counts
    flag_rows: pd.DataFrame  # queries.flag_list (one row per project and flag)
    key_evals: pd.DataFrame  # evaluations.evaluation_list (key)
    key_levels: pd.DataFrame  # evaluations.level_scores (key)
    dept_evals: pd.DataFrame  # evaluations.evaluation_list (dept)
    dept_levels: pd.DataFrame  # evaluations.level_scores (dept)
    dept_projects: pd.DataFrame  # evaluations.department_projects
    cuts: CutsPart | None = None  # None: no adopted scenario (or the cuts module is not there)

    @property
    def year(self) -> int:
        """The year evaluated."""
        return self.filters.year

    @property
    def sample(self) -> bool:
        """True when the year's data is the bundled sample."""
        return SAMPLE_NOTE in self.note


DATA_DATE_SQL = f"""
SELECT greatest(
    (SELECT max(i.loaded_at) FROM forms f JOIN imports i USING (import_id)
     WHERE f.year = $year AND f.is_current AND {queries._scope("f.unit_code")}),
    (SELECT max(r.reviewed_at) FROM reviews r WHERE r.year = $year AND {queries._scope("r.unit_code")}),
    (SELECT max(x.computed_at) FROM evaluation_results x JOIN evaluations e USING (evaluation_id)
     WHERE e.year = $year AND {queries._scope("e.unit_code")}))
"""

DEPARTMENT_UNITS_SQL = """
SELECT DISTINCT unit_code FROM v_project_scores
WHERE year = $year AND list_contains($departments::VARCHAR[], department) ORDER BY unit_code
"""


def data_date(con: Connection, year: int, units: Units = None) -> datetime | None:
    """When the newest data of the year landed: the latest import of a current form, review or panel result."""
    with reading(con) as cur:
        row = cur.execute(DATA_DATE_SQL, queries._params(year, units)).fetchone()
    return row[0] if row else None


def department_units(con: Connection, year: int, departments: Sequence[str]) -> tuple[str, ...]:
    """The unit codes of the year's projects under these 主管部门."""
    with reading(con) as cur:
        rows = cur.execute(DEPARTMENT_UNITS_SQL, {"year": year, "departments": list(departments)}).fetchall()
    return tuple(r[0] for r in rows)


def narrowed_units(con: Connection, filters: MeetingFilters) -> Units:
    """The units the filters leave: the viewer's scope, narrowed to the chosen 主管部门."""
    if not filters.departments:
        return filters.units
    chosen = department_units(con, filters.year, filters.departments)
    if filters.units is None:
        return chosen
    allowed = set(filters.units)
    return tuple(u for u in chosen if u in allowed)


def adopted_cuts(con: Connection, year: int, units: Units = None) -> CutsPart | None:
    """The cuts part (issue 10): the year's adopted scenario with its ledger within the units and its rules, or None
    when no scenario was adopted for the year."""
    adopted = cut_store.adopted(con, year)
    if adopted is None:
        return None
    text = cut_store.scenario_rules(con, adopted.scenario_id)
    try:
        rules = None if text is None else rules_from_bytes(text.encode("utf-8"), "方案")
    except RubricError:
        rules = None
    return CutsPart(adopted.name, adopted.adopted_at, cut_store.adopted_ledger(con, year, units), rules)


def gather(con: Connection, filters: MeetingFilters, with_cuts: bool = True) -> MeetingData:
    """Every fact of the meeting material for the filters, read once (the one data-gathering function)."""
    year = filters.year
    units = narrowed_units(con, filters)
    scope = PanelScope(units)
    total, _ = queries.project_totals(con, year, units)
    return MeetingData(
        filters=filters,
        units=units,
        note=queries.year_note(con, year),
        data_date=data_date(con, year, units),
        headline=queries.headline(con, year, units),
        grades=queries.grade_distribution(con, year, units),
        domains=queries.by_domain(con, year, units),
        unit_table=queries.unit_table(con, year, units),
        weakest=queries.unit_ranking(con, year, units, WEAKEST_UNITS, best=False),
        projects=queries.project_page(con, year, units, limit=max(total, 1), offset=0),
        flag_counts=queries.flag_counts(con, year, units),
        flag_rows=queries.flag_list(con, year, units),
        key_evals=evaluations.evaluation_list(con, year, KIND_KEY, scope),
        key_levels=evaluations.level_scores(con, year, KIND_KEY, scope),
        dept_evals=evaluations.evaluation_list(con, year, KIND_DEPT, scope),
        dept_levels=evaluations.level_scores(con, year, KIND_DEPT, scope),
        dept_projects=evaluations.department_projects(con, year, scope),
        cuts=adopted_cuts(con, year, units) if with_cuts else None,
    )
