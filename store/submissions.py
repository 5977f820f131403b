"""报送进度: which units have submitted their self-evaluation forms for a year, when, whether late, and the year's
deadlines (DOMAIN.md §1; defaults in code, the bureau's changes in `deadlines`, each one audited).

A unit is expected when the year's plan (自评项目清单) lists it or when it has a current form. Its submission times
are the load times (imports.loaded_at) of the imports that brought its current forms. It is late when its last
submission came after the end of the 自评报告 deadline's day, or when that day has passed and forms are still
missing. The bundled sample's forms were all loaded when the sample database was built, so their load times say
nothing about the units: in a sample year (年度信息 数据说明 says 示例数据) lateness is not judged (None).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

import pandas as pd

from store import audit
from store.access import DEADLINES, Viewer, require
from store.db import Connection, StoreError, reading, writing

SELF_EVAL = "自评报告"
SUMMARY = "汇总表"
KEY_REPORT = "重点评价报告"
WORK_REPORT = "工作总结"
KINDS = (SELF_EVAL, SUMMARY, KEY_REPORT, WORK_REPORT)
# DOMAIN.md §1 (the reference bureau's 2016 cycle for 2015 spending): month and day in the year after the year evaluated.
DEFAULT_DUE = {SELF_EVAL: (9, 15), SUMMARY: (9, 20), KEY_REPORT: (10, 20), WORK_REPORT: (10, 31)}
DEFAULT_SOURCE = "默认（DOMAIN.md §1）"
MAX_YEARS_AFTER = 2  # a deadline lies in the year evaluated or at most this many years after it

SUBMITTED = "已报送"
PARTIAL = "部分报送"
NOT_SUBMITTED = "未报送"
STATUSES = (NOT_SUBMITTED, PARTIAL, SUBMITTED)
SAMPLE_NOTE_MARK = "示例数据"  # the bundled sample's 数据说明 (present.strings.SAMPLE_BADGE says the same)

Units = Sequence[str] | None


class DeadlineError(StoreError):
    """A deadline that cannot be saved as asked (unknown kind, a date outside the cycle); nothing was stored."""


@dataclass(frozen=True)
class Deadline:
    """One deadline of a year: its kind, the last day (inclusive), and who set it (None: the default)."""

    year: int
    kind: str
    due: date
    set_by: str | None = None
    set_at: datetime | None = None

    @property
    def is_default(self) -> bool:
        """True when the bureau has not set it (DOMAIN.md §1's date)."""
        return self.set_by is None

    @property
    def ends(self) -> datetime:
        """The moment it has passed: midnight after the due day."""
        return datetime.combine(self.due + timedelta(days=1), time.min)

    def state(self) -> dict[str, object]:
        """What the audit trail keeps of it."""
        return {"类型": self.kind, "截止日期": self.due.isoformat(), "设定人": self.set_by or DEFAULT_SOURCE}


def default_due(year: int, kind: str) -> date:
    """DOMAIN.md §1's deadline of a kind for the forms of `year` (due in the year after)."""
    month, day = DEFAULT_DUE[kind]
    return date(year + 1, month, day)


DEADLINES_SQL = "SELECT kind, due_date, set_by, set_at FROM deadlines WHERE year = ?"
SET_DEADLINE_SQL = "INSERT OR REPLACE INTO deadlines (year, kind, due_date, set_by, set_at) VALUES (?, ?, ?, ?, ?)"


def deadlines(con: Connection, year: int) -> list[Deadline]:
    """The year's deadlines in KINDS order: the bureau's where set, else the defaults."""
    with reading(con) as cur:
        stored = {r[0]: r for r in cur.execute(DEADLINES_SQL, [year]).fetchall()}
    out = []
    for kind in KINDS:
        row = stored.get(kind)
        out.append(Deadline(year, kind, row[1], row[2], row[3]) if row else Deadline(year, kind, default_due(year, kind)))
    return out


def deadline(con: Connection, year: int, kind: str = SELF_EVAL) -> Deadline:
    """One of the year's deadlines."""
    return next(d for d in deadlines(con, year) if d.kind == kind)


def set_deadline(con: Connection, actor: Viewer, year: int, kind: str, due: date) -> Deadline:
    """Set a deadline on behalf of `actor` (绩效办 only; a refusal is recorded), with its before and after in the
    audit trail. Setting the date it already has changes nothing."""
    target = f"{year} 年度{kind}报送时限"
    require(con, actor, DEADLINES, target=target)
    if kind not in KINDS:
        raise DeadlineError(f"没有“{kind}”这种报送时限；可设置的是：{'、'.join(KINDS)}。未保存。")
    if isinstance(due, datetime) or not isinstance(due, date):
        raise DeadlineError(f"截止日期“{due}”不是日期。未保存。")
    if not year <= due.year <= year + MAX_YEARS_AFTER:
        raise DeadlineError(f"{year} 年度的截止日期须在 {year} 年至 {year + MAX_YEARS_AFTER} 年之间"
                            f"（填写的是 {due:%Y-%m-%d}）。未保存。")
    before = deadline(con, year, kind)
    if before.due == due and not before.is_default:
        return before
    now = datetime.now()
    after = Deadline(year, kind, due, actor.username, now)
    with writing(con) as cur:
        cur.execute(SET_DEADLINE_SQL, [year, kind, due, actor.username, now])
        audit.record(cur, audit.Entry(actor.username, actor.role, audit.DEADLINE_SET, audit.OK, target=target,
                                      before=before.state(), after=after.state()))
    return after


PROGRESS_SQL = """
WITH current_forms AS (
    SELECT f.unit_code, f.unit_name, f.unit_type, f.department, f.project_name, i.loaded_at,
           EXISTS (SELECT 1 FROM problems p WHERE p.import_id = f.import_id AND p.sheet = f.sheet)
               OR len(COALESCE(s.flags, [])) > 0 AS has_problem
    FROM forms f JOIN imports i USING (import_id) LEFT JOIN v_form_scores s USING (form_id)
    WHERE f.year = $year AND f.is_current
),
planned AS (
    SELECT unit_code, any_value(unit_name) AS unit_name, any_value(unit_type) AS unit_type,
           any_value(department) AS department, count(*) AS planned,
           count(*) FILTER (WHERE NOT EXISTS (SELECT 1 FROM current_forms c WHERE c.unit_code = p.unit_code
                                                AND c.project_name = p.project_name)) AS missing
    FROM plan_projects p WHERE year = $year GROUP BY unit_code
),
submitted AS (
    SELECT unit_code, any_value(unit_name ORDER BY loaded_at DESC) AS unit_name, any_value(unit_type) AS unit_type,
           any_value(department ORDER BY loaded_at DESC) AS department, count(*) AS submitted,
           min(loaded_at) AS first_at, max(loaded_at) AS last_at,
           count(*) FILTER (WHERE has_problem) AS problem_projects
    FROM current_forms GROUP BY unit_code
)
SELECT COALESCE(p.unit_code, s.unit_code) AS unit_code,
       COALESCE(p.unit_name, s.unit_name) AS unit_name,
       COALESCE(p.department, s.department, '') AS department,
       COALESCE(p.unit_type, s.unit_type) AS unit_type,
       COALESCE(p.planned, 0) AS planned,
       COALESCE(s.submitted, 0) AS submitted,
       COALESCE(p.missing, 0) AS missing,
       s.first_at, s.last_at,
       COALESCE(s.problem_projects, 0) AS problem_projects
FROM planned p FULL OUTER JOIN submitted s ON p.unit_code = s.unit_code
WHERE $all_units OR list_contains($units, COALESCE(p.unit_code, s.unit_code))
ORDER BY department, unit_code
"""
YEAR_NOTE_SQL = "SELECT note FROM year_info WHERE year = ?"

COLUMNS = ("unit_code", "unit_name", "department", "unit_type", "planned", "submitted", "missing", "first_at",
           "last_at", "problem_projects", "status", "late")


def is_sample_year(con: Connection, year: int) -> bool:
    """True when the year's data is the bundled sample (its load times are the build's, not the units')."""
    with reading(con) as cur:
        row = cur.execute(YEAR_NOTE_SQL, [year]).fetchone()
    return bool(row and row[0] and SAMPLE_NOTE_MARK in row[0])


def _status(submitted: int, missing: int) -> str:
    if submitted == 0:
        return NOT_SUBMITTED
    return PARTIAL if missing else SUBMITTED


def unit_progress(con: Connection, year: int, units: Units = None, now: datetime | None = None) -> pd.DataFrame:
    """One row per expected unit of the year (in the viewer's scope): planned and submitted projects, plan projects
    still missing, first and last submission, projects with problems (importer warnings or flags), status
    (已报送 / 部分报送 / 未报送) and late (True / False; None in a sample year)."""
    params = {"year": year, "all_units": units is None, "units": list(units or [])}
    with reading(con) as cur:
        frame = cur.execute(PROGRESS_SQL, params).df()
    for col in ("planned", "submitted", "missing", "problem_projects"):
        frame[col] = frame[col].astype("int64")
    frame["status"] = [_status(int(n), int(m)) for n, m in zip(frame["submitted"], frame["missing"], strict=True)]
    if is_sample_year(con, year):
        frame["late"] = pd.Series([None] * len(frame), dtype="object")
        return frame[list(COLUMNS)]
    ends = deadline(con, year, SELF_EVAL).ends
    moment = now or datetime.now()
    late = []
    for status, last in zip(frame["status"], frame["last_at"], strict=True):
        after = last is not None and not pd.isna(last) and pd.Timestamp(last).to_pydatetime() >= ends
        late.append(bool(after or (status != SUBMITTED and moment >= ends)))
    frame["late"] = pd.Series(late, dtype="object")
    return frame[list(COLUMNS)]


@dataclass(frozen=True)
class ProgressSummary:
    """The page's headline counts (late is None when lateness is not judged)."""

    units: int
    submitted: int
    partial: int
    not_submitted: int
    late: int | None


def summary(frame: pd.DataFrame) -> ProgressSummary:
    """Counts of a unit_progress frame."""
    statuses = frame["status"].tolist()
    judged = frame["late"].map(lambda v: v is not None).all() if len(frame) else True
    late = int(sum(bool(v) for v in frame["late"] if v is not None)) if judged else None
    return ProgressSummary(len(frame), statuses.count(SUBMITTED), statuses.count(PARTIAL),
                           statuses.count(NOT_SUBMITTED), late)
