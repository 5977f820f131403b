"""The year-end meeting's facts: one gathering of everything the presentation mode, the slides, the chart images, the
summary workbook and the written report show, so that every output carries the same numbers (issue 11).

`gather` reads only through named queries (store.queries, store.evaluations) and the adopted budget-cuts scenario
(store.cuts, issue 10) when there is one; `adopted_cuts` is the one place that reads it.
"""

from __future__ import annotations

import importlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from types import ModuleType

import pandas as pd

from rubrics.panel import KIND_DEPT, KIND_KEY
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
    """The adopted budget-cuts scenario of the year (结果应用): its name, ledger and totals in 万元."""

    scenario: str
    adopted_at: datetime | None
    ledger: pd.DataFrame  # store.cuts ledger rows (amounts Decimal, 万元)
    requested: Decimal  # 申报总额
    cut: Decimal  # 压减合计
    arranged: Decimal  # 安排总额
    cut_projects: int  # ledger rows with a cut above zero


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
    dept_results: list = field(default_factory=list)  # evaluations.panel_results (dept): (name, PanelResult)
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


def _cuts_module() -> ModuleType | None:
    """store.cuts (issue 10) when this release has it."""
    try:
        return importlib.import_module("store.cuts")
    except ModuleNotFoundError:
        return None


def _total(frame: pd.DataFrame, column: str) -> Decimal:
    if column not in frame or frame.empty:
        return Decimal(0)
    return sum((Decimal(str(v)) for v in frame[column] if v is not None and v == v), Decimal(0))


def adopted_cuts(con: Connection, year: int, units: Units = None) -> CutsPart | None:
    """The HOOK for issue 10: the year's adopted budget-cuts scenario with its ledger and totals (申报总额, 压减合计,
    安排总额), or None when store.cuts is not there or no scenario was adopted for the year."""
    cuts = _cuts_module()
    if cuts is None or not hasattr(cuts, "adopted") or not hasattr(cuts, "adopted_ledger"):
        return None
    adopted = cuts.adopted(con, year)
    if adopted is None:
        return None
    ledger = cuts.adopted_ledger(con, year, units)
    if "level" in ledger:  # unit-level rows cut the remainder of their projects' requests: count the money once
        requested = _total(ledger[ledger["level"] != "单位"], "base")
    else:
        requested = _total(ledger, "base")
    cut = _total(ledger, "cut_amount")
    cut_rows = int(sum(1 for v in ledger.get("cut_amount", []) if v is not None and v == v and Decimal(str(v)) > 0))
    return CutsPart(str(adopted.name), getattr(adopted, "adopted_at", None), ledger, requested, cut,
                    requested - cut, cut_rows)


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
        dept_results=evaluations.panel_results(con, year, KIND_DEPT, scope),
        cuts=adopted_cuts(con, year, units) if with_cuts else None,
    )
