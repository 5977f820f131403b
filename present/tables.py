"""Table specs for pages and exports: filters over query results, Chinese column names, Excel number formats.
No Streamlit; the .xlsx writer is reports.tables.table_xlsx."""

from __future__ import annotations

from collections.abc import Hashable, Mapping, Sequence
from datetime import datetime
from decimal import Decimal
from typing import Any, Protocol

import pandas as pd

from present import strings as s
from rubrics.panel import PanelResult

PROJECT_COLUMNS = {
    "unit_name": s.COL_UNIT_NAME, "project_name": s.COL_PROJECT, "unit_type": s.COL_UNIT_TYPE,
    "domain": s.COL_DOMAIN, "budget_full_year": s.COL_BUDGET, "executed": s.COL_EXECUTED,
    "execution_rate": s.COL_RATE, "self_score": s.COL_SELF, "computed_score": s.COL_COMPUTED,
    "reviewed_score": s.COL_REVIEWED, "final_score": s.COL_FINAL, "grade": s.COL_GRADE, "flags": s.COL_FLAGS,
    "status": s.COL_STATUS,
}
INDICATOR_COLUMNS = {
    "level1": s.COL_LEVEL1, "level2": s.COL_LEVEL2, "name": s.COL_INDICATOR, "target_text": s.COL_TARGET,
    "actual_text": s.COL_ACTUAL, "weight": s.COL_WEIGHT, "self_score": s.COL_SELF,
    "computed_score": s.COL_COMPUTED, "explanation": s.COL_EXPLANATION, "deviation_note": s.COL_NOTE,
    "cell_ref": s.COL_CELL,
}


SHOWN_NUMERIC = {s.COL_BUDGET, s.COL_EXECUTED, s.COL_RATE, s.COL_SELF, s.COL_COMPUTED, s.COL_SCORE, s.COL_WEIGHT,
                 s.COL_APPLIED, s.COL_REVIEWED, s.COL_FINAL, s.COL_CUT_SCORE, s.COL_CUT_REQUEST, s.COL_CUT_BASE,
                 s.COL_CUT_PCT, s.COL_CUT_AMOUNT, s.COL_CUT_AFTER, s.COL_REQUEST_AMOUNT, s.CUT_REQUESTED, s.CUT_TOTAL,
                 s.CUT_ARRANGED}


def for_display(table: pd.DataFrame) -> pd.DataFrame:
    """A shaped table for the screen only: Decimal columns as floats, so that they right-align and a missing
    value shows as blank; rates in percent. Exports use the exact table."""
    shown = table.copy()
    for col in shown.columns:
        if col in SHOWN_NUMERIC:
            shown[col] = pd.to_numeric(shown[col].map(lambda v: None if v is None else float(v)),
                                       errors="coerce").astype(float)
        if col == s.COL_RATE:  # shown as a percentage with the one precision of every rate (format "%.2f%%")
            shown[col] = shown[col] * 100
    return shown


def project_table(projects: pd.DataFrame) -> pd.DataFrame:
    """Projects with Chinese column names, flags joined as text."""
    out = projects[list(PROJECT_COLUMNS)].copy()
    out["flags"] = out["flags"].map(lambda fs: "、".join(fs) if fs is not None and len(fs) else "")
    return out.rename(columns=PROJECT_COLUMNS)


def indicator_table(indicators: pd.DataFrame) -> pd.DataFrame:
    """Indicator rows with Chinese column names."""
    return indicators[list(INDICATOR_COLUMNS)].rename(columns=INDICATOR_COLUMNS)


HISTORY_COLUMNS = {
    "is_current": s.COL_CURRENT, "file_name": s.COL_FILE, "loaded_at": s.COL_LOADED, "self_score": s.COL_SELF,
    "computed_score": s.COL_COMPUTED, "grade": s.COL_GRADE, "status": s.COL_STATUS,
}


def history_table(history: pd.DataFrame) -> pd.DataFrame:
    """Form versions with Chinese column names."""
    return history[list(HISTORY_COLUMNS)].rename(columns=HISTORY_COLUMNS)


UNIT_COLUMNS = {
    "unit_code": s.COL_UNIT_CODE, "unit_name": s.COL_UNIT_NAME, "unit_type": s.COL_UNIT_TYPE,
    "projects": s.COL_PROJECTS, "budget_full_year": s.COL_BUDGET, "executed": s.COL_EXECUTED,
    "execution_rate": s.COL_RATE, "score": s.COL_SCORE, "grade": s.COL_GRADE, "flagged_projects": s.COL_FLAGGED,
}
RANKED_UNIT_COLUMNS = {
    "rank": s.COL_RANK, "unit_name": s.COL_UNIT_NAME, "unit_type": s.COL_UNIT_TYPE, "department": s.COL_DEPARTMENT,
    "domain": s.COL_MAIN_DOMAIN, "projects": s.COL_PROJECTS, "budget_full_year": s.COL_BUDGET,
    "executed": s.COL_EXECUTED, "execution_rate": s.COL_RATE, "self_score": s.COL_SELF,
    "computed_score": s.COL_COMPUTED, "score": s.COL_SCORE, "reviewed_projects": s.COL_REVIEWED_N,
    "grade": s.COL_GRADE, "flagged_projects": s.COL_FLAGGED, "unit_code": s.COL_UNIT_CODE,
}
UNIT_PROJECT_COLUMNS = {
    "project_name": s.COL_PROJECT, "domain": s.COL_DOMAIN, "budget_full_year": s.COL_BUDGET,
    "executed": s.COL_EXECUTED, "execution_rate": s.COL_RATE, "self_score": s.COL_SELF,
    "computed_score": s.COL_COMPUTED, "reviewed_score": s.COL_REVIEWED, "grade": s.COL_GRADE, "flags": s.COL_FLAGS,
    "status": s.COL_STATUS,
}
FLAG_COLUMNS = {
    "flag": s.COL_FLAG, "unit_name": s.COL_UNIT_NAME, "project_name": s.COL_PROJECT, "sentence": s.COL_SENTENCE,
    "self_score": s.COL_SELF, "computed_score": s.COL_COMPUTED, "reviewed_score": s.COL_REVIEWED,
    "review_state": s.COL_REVIEW_STATE, "department": s.COL_DEPARTMENT,
}
REVIEW_COLUMNS = {
    "reviewed_at": s.COL_REVIEWED_AT, "reviewer_name": s.COL_REVIEWER, "action": s.COL_ACTION,
    "reviewed_score": s.COL_REVIEWED, "reason": s.COL_REASON, "on_current_form": s.COL_ON_CURRENT,
}


def _joined(values: object) -> str:
    return "、".join(values) if values is not None and len(values) else ""  # type: ignore[arg-type]


def unit_table(units: pd.DataFrame) -> pd.DataFrame:
    """Unit scores with Chinese column names."""
    return units[list(UNIT_COLUMNS)].rename(columns=UNIT_COLUMNS)


def ranked_unit_table(units: pd.DataFrame) -> pd.DataFrame:
    """The 单位评分 table: rank first, the three scores side by side, Chinese column names."""
    return units[list(RANKED_UNIT_COLUMNS)].rename(columns=RANKED_UNIT_COLUMNS)


def unit_project_table(projects: pd.DataFrame) -> pd.DataFrame:
    """A unit's projects, scores side by side, flags as text."""
    out = projects[list(UNIT_PROJECT_COLUMNS)].copy()
    out["flags"] = out["flags"].map(_joined)
    return out.rename(columns=UNIT_PROJECT_COLUMNS)


def flag_table(flags: pd.DataFrame) -> pd.DataFrame:
    """疑点清单 rows (with their sentences, present.flags.with_sentences) with Chinese column names."""
    return flags[list(FLAG_COLUMNS)].rename(columns=FLAG_COLUMNS)


def review_table(history: pd.DataFrame) -> pd.DataFrame:
    """A project's review history with Chinese column names."""
    out = history[list(REVIEW_COLUMNS)].copy()
    out["on_current_form"] = out["on_current_form"].map({True: "是", False: "否（旧版本）"})
    return out.rename(columns=REVIEW_COLUMNS)


MONEY_FORMAT = "#,##0.00"  # 万元, two decimals
PERCENT_FORMAT = "0.00%"  # rates are fractions; one precision for every rate
SCORE_FORMAT = "0.00"
EXCEL_FORMATS = {  # Excel number format per Chinese column name, for reports.tables.table_xlsx
    s.COL_BUDGET: MONEY_FORMAT, s.COL_EXECUTED: MONEY_FORMAT, s.COL_RATE: PERCENT_FORMAT, s.COL_SCORE: SCORE_FORMAT,
    s.COL_SELF: SCORE_FORMAT, s.COL_COMPUTED: SCORE_FORMAT, s.COL_REVIEWED: SCORE_FORMAT, s.COL_FINAL: SCORE_FORMAT,
    s.COL_CUT_SCORE: SCORE_FORMAT, s.COL_CUT_REQUEST: MONEY_FORMAT, s.COL_CUT_BASE: MONEY_FORMAT,
    s.COL_CUT_PCT: '0.00"%"', s.COL_CUT_AMOUNT: MONEY_FORMAT, s.COL_CUT_AFTER: MONEY_FORMAT,
    s.COL_REQUEST_AMOUNT: MONEY_FORMAT,
}


class AccountRow(Protocol):
    """What the accounts table shows of an account (store.accounts.Account has it)."""

    username: str
    display_name: str
    role: str
    units: tuple[str, ...]
    departments: tuple[str, ...]
    is_demo: bool
    active: bool
    updated_at: datetime


def account_table(accounts: Sequence[AccountRow], unit_names: Mapping[str, str]) -> pd.DataFrame:
    """Accounts with Chinese column names: the scope as unit names or departments, the state in words."""
    return pd.DataFrame({
        s.COL_USERNAME: [a.username for a in accounts],
        s.COL_DISPLAY: [a.display_name + (s.DEMO_MARK if a.is_demo else "") for a in accounts],
        s.COL_ROLE: [a.role for a in accounts],
        s.COL_SCOPE: ["、".join([unit_names.get(u, u) for u in a.units] + list(a.departments)) for a in accounts],
        s.COL_ACTIVE: [s.ACTIVE if a.active else s.INACTIVE for a in accounts],
        s.COL_UPDATED: [f"{a.updated_at:%Y-%m-%d %H:%M}" for a in accounts],
    })


AUDIT_COLUMNS = {
    "audit_id": s.COL_AUDIT_ID, "happened_at": s.COL_AUDIT_AT, "actor": s.COL_AUDIT_ACTOR, "role": s.COL_AUDIT_ROLE,
    "action": s.COL_AUDIT_ACTION, "outcome": s.COL_AUDIT_OUTCOME, "target": s.COL_AUDIT_TARGET,
    "unit_code": s.COL_AUDIT_UNIT, "before_state": s.COL_AUDIT_BEFORE, "after_state": s.COL_AUDIT_AFTER,
    "detail": s.COL_AUDIT_DETAIL,
}


def audit_table(entries: pd.DataFrame) -> pd.DataFrame:
    """Audit entries with Chinese column names, times to the second."""
    out = entries[list(AUDIT_COLUMNS)].copy()
    out["happened_at"] = out["happened_at"].map(lambda t: f"{t:%Y-%m-%d %H:%M:%S}")
    return out.rename(columns=AUDIT_COLUMNS)


class ProblemRow(Protocol):
    """A problem as the importer reports it (etl.form.Problem)."""

    file: str
    sheet: str
    cell: str
    message: str
    severity: str


class ReportRow(Protocol):
    """One file's import report (etl.load.FileReport)."""

    file: str
    status: str
    forms: int
    problems: list


def upload_tables(reports: Sequence[ReportRow]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(one row per file: 文件, 结果, 张数; every problem: 文件, 工作表, 单元格, 级别, 说明) of an upload."""
    summary = pd.DataFrame({s.COL_FILE: [r.file for r in reports], s.COL_RESULT: [r.status for r in reports],
                            s.COL_FORMS: [r.forms for r in reports]})
    problems: list[ProblemRow] = [p for r in reports for p in r.problems]
    detail = pd.DataFrame({s.COL_FILE: [p.file for p in problems], s.COL_SHEET: [p.sheet for p in problems],
                           s.COL_CELL: [p.cell for p in problems], s.COL_SEVERITY: [p.severity for p in problems],
                           s.COL_MESSAGE: [p.message for p in problems]})
    return summary, detail


# ---- expert-panel evaluations -------------------------------------------------------------------------------


def _share(points: object, weight: object) -> object:
    """points / weight as a fraction (None when either is missing)."""
    if points is None or weight in (None, 0):
        return None
    return Decimal(str(points)) / Decimal(str(weight))


def expert_score_table(result: PanelResult) -> pd.DataFrame:
    """One row per 三级 indicator: its levels and weight, each expert's score (a column per expert), the panel's
    score, the spread between experts and the dispute mark. Exact Decimals (for exports)."""
    rows = []
    for item in result.indicators:
        leaf = item.leaf
        row: dict[str, object] = {s.COL_EVAL_ID: leaf.id, s.COL_LEVEL1: leaf.level1, s.COL_LEVEL2: leaf.level2,
                                  s.COL_INDICATOR: leaf.name, s.COL_WEIGHT: leaf.weight}
        row.update(dict(zip(result.experts, item.scores, strict=True)))
        row.update({s.COL_EXPERT_PANEL: item.panel, s.COL_SPREAD: item.spread,
                    s.COL_DISPUTE: s.DISPUTE_MARK if item.flagged else ""})
        rows.append(row)
    columns = [s.COL_EVAL_ID, s.COL_LEVEL1, s.COL_LEVEL2, s.COL_INDICATOR, s.COL_WEIGHT, *result.experts,
               s.COL_EXPERT_PANEL, s.COL_SPREAD, s.COL_DISPUTE]
    table = pd.DataFrame(rows, columns=columns)
    if result.total is not None:
        total: dict[str, object] = {s.COL_EVAL_ID: "", s.COL_LEVEL1: "合计", s.COL_LEVEL2: "", s.COL_INDICATOR: "",
                                    s.COL_WEIGHT: sum((i.leaf.weight for i in result.indicators), Decimal(0))}
        total.update(dict(zip(result.experts, result.expert_totals, strict=True)))
        total.update({s.COL_EXPERT_PANEL: result.total, s.COL_SPREAD: None, s.COL_DISPUTE: ""})
        table = pd.concat([table, pd.DataFrame([total], columns=columns)], ignore_index=True)
    return table


def numbers_for_screen(table: pd.DataFrame) -> pd.DataFrame:
    """Every column holding Decimals as floats (right-aligned on screen, blank when missing); exports keep Decimals."""
    shown = table.copy()
    for col in shown.columns:
        if shown[col].map(lambda v: isinstance(v, Decimal)).any():
            shown[col] = pd.to_numeric(shown[col].map(lambda v: None if v is None else float(v)),
                                       errors="coerce").astype(float)
        if col == s.COL_SHARE:  # a fraction, shown in percent with two decimals like every rate
            shown[col] = pd.to_numeric(shown[col], errors="coerce").astype(float) * 100
    return shown


def grade_mix(row: Mapping[Hashable, object]) -> str:
    """优 3 · 良 10 · 中 2 · 差 0 (· 未完成 1) from a department_projects row."""
    text = s.GRADE_MIX.format(you=row["grade_you"], liang=row["grade_liang"], zhong=row["grade_zhong"],
                              cha=row["grade_cha"])
    incomplete = int(str(row["incomplete"] or 0))
    return text + (s.GRADE_MIX_INCOMPLETE.format(n=incomplete) if incomplete else "")


def dept_comparison_table(listed: pd.DataFrame, projects: pd.DataFrame) -> pd.DataFrame:
    """One row per evaluated department: panel score, grade, experts, spread, and beside it its units' projects'
    self-evaluation results (count, mean recomputed score, grade mix)."""
    own = {int(r["evaluation_id"]): r for r in projects.to_dict("records")}
    rows = []
    for r in listed.to_dict("records"):
        p = own.get(int(r["evaluation_id"]))
        rows.append({
            s.COL_EVAL_DEPARTMENT: r["subject_name"], s.COL_EXPERT_PANEL: r["panel_score"], s.COL_PANEL_GRADE: r["grade"],
            s.COL_EXPERT_COUNT: f"{r['expert_count']}/{r['panel_size']}", s.COL_MAX_SPREAD: r["max_spread"],
            s.COL_FLAGGED_COUNT: r["flagged_count"],
            s.COL_SELF_PROJECTS: None if p is None else p["projects"],
            s.COL_SELF_MEAN: None if p is None else p["mean_score"],
            s.COL_GRADE_MIX: "" if p is None else grade_mix(p),
        })
    return pd.DataFrame(rows, columns=[s.COL_EVAL_DEPARTMENT, s.COL_EXPERT_PANEL, s.COL_PANEL_GRADE, s.COL_EXPERT_COUNT,
                                       s.COL_MAX_SPREAD, s.COL_FLAGGED_COUNT, s.COL_SELF_PROJECTS, s.COL_SELF_MEAN,
                                       s.COL_GRADE_MIX])


def weakest_table(results: Sequence[tuple[str, PanelResult]], per_subject: int = 3) -> pd.DataFrame:
    """Each subject's `per_subject` indicators with the lowest panel share of their weight, lowest first."""
    rows = []
    for name, result in results:
        ranked = sorted(result.indicators, key=lambda i: (i.panel / i.leaf.weight, i.leaf.id))[:per_subject]
        for item in ranked:
            rows.append({s.COL_EVAL_DEPARTMENT: name, s.COL_LEVEL1: item.leaf.level1, s.COL_INDICATOR: item.leaf.name,
                         s.COL_WEIGHT: item.leaf.weight, s.COL_POINTS: item.panel,
                         s.COL_SHARE: item.panel / item.leaf.weight, s.COL_SPREAD: item.spread,
                         s.COL_DISPUTE: s.DISPUTE_MARK if item.flagged else ""})
    return pd.DataFrame(rows, columns=[s.COL_EVAL_DEPARTMENT, s.COL_LEVEL1, s.COL_INDICATOR, s.COL_WEIGHT, s.COL_POINTS,
                                       s.COL_SHARE, s.COL_SPREAD, s.COL_DISPUTE])


# ---- the upload page's validation report -----------------------------------------------------------------------


def preview_tables(preview: Any) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """(files, recognised forms, problems) of an upload's check (etl.preview.Preview), Chinese columns."""
    files = pd.DataFrame([{s.COL_FILE: f.file, s.COL_VERDICT: f.verdict, s.COL_KIND: f.kind, s.COL_FORMS: f.forms,
                           s.COL_ERRORS: f.errors, s.COL_WARNINGS: f.warnings, s.COL_REMARK: f.note}
                          for f in preview.files],
                         columns=[s.COL_FILE, s.COL_VERDICT, s.COL_KIND, s.COL_FORMS, s.COL_ERRORS, s.COL_WARNINGS,
                                  s.COL_REMARK])
    forms = pd.DataFrame([{s.COL_FILE: f.file, s.COL_SHEET: f.sheet, s.COL_YEAR: f.year, s.COL_UNIT: f.unit,
                           s.COL_PROJECT: f.project, s.COL_BUDGET: f.budget, s.COL_EXECUTED: f.executed,
                           s.COL_INDICATORS: f.indicators, s.COL_SELF: f.self_score, s.COL_COMPUTED: f.computed,
                           s.COL_GRADE: f.grade, s.COL_REPLACES: f.replaces} for f in preview.forms],
                         columns=[s.COL_FILE, s.COL_SHEET, s.COL_YEAR, s.COL_UNIT, s.COL_PROJECT, s.COL_BUDGET,
                                  s.COL_EXECUTED, s.COL_INDICATORS, s.COL_SELF, s.COL_COMPUTED, s.COL_GRADE,
                                  s.COL_REPLACES])
    problems = pd.DataFrame([{s.COL_FILE: p.file, s.COL_SHEET: p.sheet, s.COL_CELL: p.cell,
                              s.COL_SEVERITY: p.severity, s.COL_MESSAGE: p.message}
                             for p in sorted(preview.problems, key=lambda p: (p.severity != "错误", p.file, p.sheet))],
                            columns=[s.COL_FILE, s.COL_SHEET, s.COL_CELL, s.COL_SEVERITY, s.COL_MESSAGE])
    return files, forms, problems


def upload_log_table(log: pd.DataFrame) -> pd.DataFrame:
    """The upload log (store.queries.upload_log) with Chinese columns."""
    out = pd.DataFrame({s.COL_TIME: log["happened_at"].map(lambda t: f"{t:%Y-%m-%d %H:%M:%S}"),
                        s.COL_ACCOUNT: log["actor"], s.COL_ACTION: log["action"], s.COL_OUTCOME: log["outcome"],
                        s.COL_FILE: log["file_name"], s.COL_SHA: log["sha256"].map(lambda h: h[:12] if isinstance(h, str) else ""),
                        s.COL_MESSAGE: log["detail"]})
    return out


def attachment_table(attachments: pd.DataFrame) -> pd.DataFrame:
    """A year's attached 自评报告 with Chinese columns."""
    return pd.DataFrame({s.COL_UNIT_NAME: attachments["unit_name"], s.COL_FILE: attachments["file_name"],
                         s.COL_SIZE: (attachments["size"] / 1024).round(1),
                         s.COL_UPLOADED_BY: attachments["uploaded_by"],
                         s.COL_TIME: attachments["uploaded_at"].map(lambda t: f"{t:%Y-%m-%d %H:%M}")})


PROGRESS_COLUMNS = {
    "unit_code": s.COL_UNIT_CODE, "unit_name": s.COL_UNIT_NAME, "department": s.COL_DEPARTMENT,
    "unit_type": s.COL_UNIT_TYPE, "status": s.COL_SUBMIT_STATUS, "planned": s.COL_PLANNED,
    "submitted": s.COL_SUBMITTED, "missing": s.COL_MISSING, "first_at": s.COL_FIRST_AT, "last_at": s.COL_LAST_AT,
    "late": s.COL_LATE, "problem_projects": s.COL_PROBLEM_PROJECTS,
}
PROGRESS_FILTERS = (s.FILTER_ALL, s.PROGRESS_NOT_SUBMITTED, s.PROGRESS_PARTIAL, s.PROGRESS_SUBMITTED_STATUS,
                    s.PROGRESS_FILTER_LATE)


def filter_progress(progress: pd.DataFrame, status: str, departments: Sequence[str]) -> pd.DataFrame:
    """The units of a store.submissions.unit_progress frame with the status (全部 / a status / 逾期) and in the
    departments (none: all)."""
    keep = pd.Series(True, index=progress.index)
    if status == s.PROGRESS_FILTER_LATE:
        keep &= progress["late"].map(lambda v: v is True)
    elif status != s.FILTER_ALL:
        keep &= progress["status"] == status
    if departments:
        keep &= progress["department"].isin(list(departments))
    return progress[keep].reset_index(drop=True)


def _late_text(value: object) -> str:
    if value is None:
        return s.LATE_UNJUDGED
    return s.LATE_YES if value else s.LATE_NO


def _moment(value: object) -> str:
    if not isinstance(value, (datetime, pd.Timestamp)) or pd.isna(value):
        return ""
    return value.strftime("%Y-%m-%d %H:%M")


def progress_table(progress: pd.DataFrame) -> pd.DataFrame:
    """Units' submission progress with Chinese column names, times to the minute, lateness in words."""
    out = progress[list(PROGRESS_COLUMNS)].copy()
    out["late"] = out["late"].map(_late_text)
    for col in ("first_at", "last_at"):
        out[col] = out[col].map(_moment)
    return out.rename(columns=PROGRESS_COLUMNS)


class DeadlineRow(Protocol):
    """What the deadlines table shows of a deadline (store.submissions.Deadline has it)."""

    kind: str
    due: object
    set_by: str | None
    set_at: datetime | None


def deadline_table(deadlines: Sequence[DeadlineRow]) -> pd.DataFrame:
    """The year's deadlines: kind, date, and who set it (默认 for DOMAIN.md's defaults)."""
    return pd.DataFrame([{s.COL_DEADLINE_KIND: d.kind, s.COL_DEADLINE_DUE: str(d.due),
                          s.COL_DEADLINE_SOURCE: s.PROGRESS_DEADLINE_DEFAULT if d.set_by is None
                          else f"{d.set_by}（{d.set_at:%Y-%m-%d %H:%M}）" if d.set_at else d.set_by}
                         for d in deadlines],
                        columns=[s.COL_DEADLINE_KIND, s.COL_DEADLINE_DUE, s.COL_DEADLINE_SOURCE])
