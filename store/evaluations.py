"""Expert-panel evaluations (重点评价 of a project, 部门整体评价 of a department): named reads and writes.

An evaluation is created by the bureau (绩效办: subject, panel, the year's rubric), then each expert's scores arrive
on a filled sheet (etl/expert_sheet.py) or are entered in the app. A new sheet or entry of an expert replaces that
expert's current scores (the old rows stay, `is_current = false`), in one transaction with its audit entry, and the
panel result (rubrics/panel.py) is computed again and stored in `evaluation_results` in the same transaction.

Reads take a `PanelScope` (store.access.panel_scope): the units the viewer may see, and for a 专家 only the panels
its account sits on. Writes check the role first (store.access.require: refusals are recorded), then write.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from functools import lru_cache

import duckdb
import pandas as pd
import pyarrow as pa

from rubrics.panel import (
    KIND_DEPT,
    KIND_KEY,
    KIND_LABELS,
    KINDS,
    PanelError,
    PanelResult,
    PanelRubric,
    Scores,
    check_scores,
    load_panel_rubric,
    panel_rubric_from_bytes,
    score_panel,
    shipped,
)
from store import access, audit, writes
from store.access import PanelScope, Viewer
from store.db import Connection, StoreError, reading, writing

SOURCE_SHEET = "评分表"
SOURCE_APP = "页面录入"
MAX_PANEL = 15  # experts on one panel


class EvaluationError(StoreError):
    """A write the store refuses because of what it says (unknown subject, expert not on the panel …), in Chinese."""


@dataclass(frozen=True)
class Expert:
    """A panel member: the name that signs the sheets, and the 专家 account that may score in the app (or None)."""

    name: str
    account: str | None = None


@dataclass(frozen=True)
class Subject:
    """What can be evaluated: a project (key) or a department (dept)."""

    subject_id: str
    subject_name: str
    unit_code: str
    unit_name: str
    department: str | None


@dataclass(frozen=True)
class IndicatorRow:
    """A 三级 indicator of an evaluation, as stored when it was created."""

    indicator_id: str
    level1: str
    level2: str
    name: str
    weight: Decimal
    description: str


@dataclass(frozen=True)
class EvaluationSpec:
    """An evaluation as the sheet builder, the importer and the pages need it."""

    evaluation_id: int
    year: int
    kind: str
    subject_id: str
    subject_name: str
    unit_code: str
    unit_name: str
    department: str | None
    rubric_id: int
    rubric: PanelRubric
    experts: tuple[Expert, ...]
    indicators: tuple[IndicatorRow, ...]

    @property
    def kind_label(self) -> str:
        """重点评价 or 部门整体评价."""
        return KIND_LABELS[self.kind]

    def expert(self, name: str) -> Expert | None:
        """The panel member of that name, or None."""
        return next((e for e in self.experts if e.name == name), None)


@dataclass(frozen=True)
class ScoreCell:
    """One score as given: the value, the expert's remark and where it was read ('' when entered in the app)."""

    score: Decimal
    note: str = ""
    cell: str = ""


@dataclass(frozen=True)
class Survey:
    """A satisfaction survey: 样本量 and 满意人数."""

    sample_size: int
    satisfied: int

    @property
    def share(self) -> Decimal:
        """满意率 as a fraction."""
        return Decimal(self.satisfied) / Decimal(self.sample_size)


@dataclass(frozen=True)
class ExpertScores:
    """One expert's complete scores for one evaluation, from one sheet or one entry."""

    expert: str
    scores: Mapping[str, ScoreCell]
    sheet: str = ""


@dataclass(frozen=True)
class Submission:
    """What one write brings: the scores of one or more experts of one evaluation, from a file or the app."""

    evaluation_id: int
    experts: tuple[ExpertScores, ...]
    source: str = SOURCE_APP
    file_name: str | None = None
    file_hash: str | None = None
    survey: Survey | None = None


# ---------------------------------------------------------------------------------------------
# Rubrics
# ---------------------------------------------------------------------------------------------


@lru_cache(maxsize=32)
def _stored_rubric(rubric_id: int, text: str, source: str) -> PanelRubric:
    return panel_rubric_from_bytes(text.encode("utf-8"), source)


def _rubric_record(rubric: PanelRubric) -> writes.RubricRecord:
    return writes.RubricRecord(
        kind=KIND_LABELS[rubric.kind], name=rubric.name, version=rubric.version, yaml_text=rubric.text,
        source=rubric.source, score_places=rubric.panel.places, rate_places=4, rounding_method=rubric.panel.rounding,
        grade_bands=tuple((band.name, band.min) for band in rubric.grade_rule.bands))


def year_rubric_file(con: Connection, year: int, kind: str) -> str:
    """The shipped rubric file new evaluations of this year and kind use: the bureau's choice, else the default."""
    with reading(con) as cur:
        row = cur.execute("SELECT rubric_file FROM panel_rubric_choices WHERE year = ? AND kind = ?",
                          [year, kind]).fetchone()
    return str(row[0]) if row and row[0] in shipped(kind) else shipped(kind)[0]


def choose_year_rubric(con: Connection, viewer: Viewer, year: int, kind: str, rubric_file: str) -> None:
    """The bureau chooses the shipped rubric of a year's evaluations of a kind (existing evaluations keep theirs)."""
    access.require(con, viewer, access.EVALUATE, target=f"{year} 年度{KIND_LABELS[kind]}指标体系")
    if rubric_file not in shipped(kind):
        raise EvaluationError(f"没有名为 {rubric_file} 的{KIND_LABELS[kind]}指标体系；可选：{'、'.join(shipped(kind))}")
    rubric = load_panel_rubric(rubric_file)
    before = year_rubric_file(con, year, kind)
    with writing(con) as cur:
        cur.execute("INSERT OR REPLACE INTO panel_rubric_choices (year, kind, rubric_file, chosen_by, chosen_at) "
                    "VALUES (?, ?, ?, ?, ?)", [year, kind, rubric_file, viewer.username, datetime.now()])
        audit.record(cur, audit.Entry(viewer.username, viewer.role, audit.EVAL_RUBRIC, audit.OK,
                                      target=f"{year} 年度{KIND_LABELS[kind]}", before={"指标体系": before},
                                      after={"指标体系": rubric_file, "名称": rubric.name},
                                      detail=f"{year} 年度新建的{KIND_LABELS[kind]}使用“{rubric.name}”"))


# ---------------------------------------------------------------------------------------------
# Reads
# ---------------------------------------------------------------------------------------------

def _scope_sql(alias: str = "e") -> str:
    """The WHERE clause limiting evaluations to the viewer's panel scope."""
    return (f"(($all_units OR list_contains($units, {alias}.unit_code)) AND ($expert IS NULL OR EXISTS ("
            f"SELECT 1 FROM evaluation_experts x WHERE x.evaluation_id = {alias}.evaluation_id "
            f"AND x.account = $expert)))")


def _scope_params(scope: PanelScope | None) -> dict[str, object]:
    if scope is None:
        return {"all_units": True, "units": [], "expert": None}
    return {"all_units": scope.units is None, "units": list(scope.units or []), "expert": scope.expert}


def _frame(con: Connection, sql: str, params: dict[str, object]) -> pd.DataFrame:
    """A query result with DECIMAL columns as Decimal objects."""
    with reading(con) as cur:
        return cur.sql(sql, params=params).to_arrow_table().to_pandas()


SUBJECTS_KEY_SQL = """
SELECT project_id, unit_name || ' · ' || project_name, unit_code, unit_name, department
FROM v_project_scores WHERE year = $year ORDER BY unit_code, project_name
"""
# A department is evaluated as its own unit: the unit named like the department, else its first unit by code.
SUBJECTS_DEPT_SQL = """
SELECT COALESCE(min(unit_code) FILTER (WHERE unit_name = department), min(unit_code)) AS code, department,
       department AS dname
FROM v_project_scores WHERE year = $year AND department IS NOT NULL
GROUP BY department ORDER BY code
"""


def subjects(con: Connection, year: int, kind: str) -> list[Subject]:
    """What can be evaluated in a year: every current project (key) or every 主管部门 (dept)."""
    with reading(con) as cur:
        if kind == KIND_KEY:
            rows = cur.execute(SUBJECTS_KEY_SQL, {"year": year}).fetchall()
            return [Subject(r[0], r[1], r[2], r[3], r[4]) for r in rows]
        rows = cur.execute(SUBJECTS_DEPT_SQL, {"year": year}).fetchall()
    return [Subject(code, name, code, name, name) for code, name, _ in rows]


def subject(con: Connection, year: int, kind: str, subject_id: str) -> Subject | None:
    """One subject of the year by its id, or None."""
    return next((s for s in subjects(con, year, kind) if s.subject_id == subject_id), None)


LIST_SQL = f"""
SELECT v.evaluation_id, v.year, v.kind, v.subject_id, v.subject_name, v.unit_code, v.unit_name, v.department,
       v.rubric, v.rubric_version, v.method, v.panel_score, v.grade, v.expert_count, v.panel_size, v.max_spread,
       len(v.flagged) AS flagged_count, v.self_score, v.self_computed_score, v.self_grade, v.survey_sample_size,
       v.survey_satisfied
FROM v_evaluation_results v JOIN evaluations e USING (evaluation_id)
WHERE v.year = $year AND v.kind = $kind AND {_scope_sql()}
ORDER BY v.unit_code, v.subject_name
"""


def evaluation_list(con: Connection, year: int, kind: str, scope: PanelScope | None) -> pd.DataFrame:
    """The year's evaluations of a kind the viewer may read, with panel score, grade, spread and self score."""
    return _frame(con, LIST_SQL, {"year": year, "kind": kind, **_scope_params(scope)})


SPEC_SQL = f"""
SELECT e.evaluation_id, e.year, e.kind, e.subject_id, e.subject_name, e.unit_code, e.unit_name, e.department,
       e.rubric_id, r.yaml_text, r.source
FROM evaluations e JOIN rubrics r USING (rubric_id)
WHERE e.evaluation_id = $evaluation_id AND {_scope_sql()}
"""


def _specs(cur: duckdb.DuckDBPyConnection, rows: Sequence[tuple]) -> list[EvaluationSpec]:
    found: list[EvaluationSpec] = []
    for eid, year, kind, sid, sname, ucode, uname, dept, rid, text, source in rows:
        experts = tuple(Expert(n, a) for n, a in cur.execute(
            "SELECT expert_name, account FROM evaluation_experts WHERE evaluation_id = ? ORDER BY seq", [eid]).fetchall())
        indicators = tuple(IndicatorRow(*r) for r in cur.execute(
            "SELECT indicator_id, level1, level2, name, weight, description FROM evaluation_indicators "
            "WHERE evaluation_id = ? ORDER BY seq", [eid]).fetchall())
        found.append(EvaluationSpec(int(eid), int(year), kind, sid, sname, ucode, uname, dept, int(rid),
                                    _stored_rubric(int(rid), text, source), experts, indicators))
    return found


def spec(con: Connection, evaluation_id: int, scope: PanelScope | None) -> EvaluationSpec | None:
    """One evaluation with its rubric, panel and indicators; None when it does not exist or is outside the scope."""
    with reading(con) as cur:
        rows = cur.execute(SPEC_SQL, {"evaluation_id": evaluation_id, **_scope_params(scope)}).fetchall()
        specs = _specs(cur, rows)
    return specs[0] if specs else None


YEAR_SPECS_SQL = """
SELECT e.evaluation_id, e.year, e.kind, e.subject_id, e.subject_name, e.unit_code, e.unit_name, e.department,
       e.rubric_id, r.yaml_text, r.source
FROM evaluations e JOIN rubrics r USING (rubric_id) ORDER BY e.evaluation_id
"""


def all_specs(con: Connection) -> list[EvaluationSpec]:
    """Every evaluation (for the importer's lookup of a sheet's year, kind and subject; access is checked on write)."""
    with reading(con) as cur:
        return _specs(cur, cur.execute(YEAR_SPECS_SQL).fetchall())


SCORES_SQL = f"""
SELECT s.expert_name AS expert, s.indicator_id, s.score, s.note, s.source, s.file_name, s.sheet, s.cell,
       s.entered_by, s.entered_at
FROM expert_scores s JOIN evaluations e USING (evaluation_id)
WHERE s.evaluation_id = $evaluation_id AND s.is_current AND {_scope_sql()}
"""


def expert_scores(con: Connection, evaluation_id: int, scope: PanelScope | None) -> pd.DataFrame:
    """Every current score of an evaluation (one row per expert and indicator), with where it came from."""
    return _frame(con, SCORES_SQL, {"evaluation_id": evaluation_id, **_scope_params(scope)})


def _current_scores(cur: duckdb.DuckDBPyConnection, evaluation: EvaluationSpec) -> dict[str, dict[str, Decimal]]:
    rows = cur.execute("SELECT expert_name, indicator_id, score FROM expert_scores WHERE evaluation_id = ? "
                       "AND is_current", [evaluation.evaluation_id]).fetchall()
    found: dict[str, dict[str, Decimal]] = {}
    for expert, indicator, score in rows:
        found.setdefault(expert, {})[indicator] = Decimal(score).normalize() if score is not None else Decimal(0)
    order = [e.name for e in evaluation.experts]
    return {name: found[name] for name in sorted(found, key=lambda n: order.index(n) if n in order else len(order))}


def panel_result(con: Connection, evaluation_id: int, scope: PanelScope | None) -> tuple[EvaluationSpec, PanelResult] | None:
    """The evaluation and its panel verdict from the current scores (per indicator, per expert, spread flags)."""
    evaluation = spec(con, evaluation_id, scope)
    if evaluation is None:
        return None
    with reading(con) as cur:
        scores = _current_scores(cur, evaluation)
    return evaluation, score_panel(evaluation.rubric, scores)


def survey(con: Connection, evaluation_id: int, scope: PanelScope | None) -> Survey | None:
    """The current satisfaction survey of an evaluation, or None."""
    sql = (f"SELECT sv.sample_size, sv.satisfied FROM evaluation_surveys sv JOIN evaluations e USING (evaluation_id) "
           f"WHERE sv.evaluation_id = $evaluation_id AND sv.is_current AND {_scope_sql()}")
    with reading(con) as cur:
        row = cur.execute(sql, {"evaluation_id": evaluation_id, **_scope_params(scope)}).fetchone()
    return Survey(int(row[0]), int(row[1])) if row else None


def panel_results(con: Connection, year: int, kind: str, scope: PanelScope | None) -> list[tuple[str, PanelResult]]:
    """(subject name, panel verdict) of every evaluation of the year and kind the viewer may read, in list order."""
    listed = evaluation_list(con, year, kind, scope)
    found = [panel_result(con, int(eid), scope) for eid in listed["evaluation_id"]]
    return [(evaluation.subject_name, result) for evaluation, result in (f for f in found if f is not None)]


def level_scores(con: Connection, year: int, kind: str, scope: PanelScope | None) -> pd.DataFrame:
    """Per evaluation and 一级 indicator: the panel's points and the indicator's weight (for side-by-side charts)."""
    rows: list[dict[str, object]] = []
    listed = evaluation_list(con, year, kind, scope)
    for evaluation_id in listed["evaluation_id"]:
        found = panel_result(con, int(evaluation_id), scope)
        if found is None:
            continue
        evaluation, result = found
        points = dict(result.levels)
        for node in evaluation.rubric.tree:
            rows.append({"evaluation_id": int(evaluation_id), "subject_name": evaluation.subject_name,
                         "level1": node.name, "weight": node.weight, "points": points.get(node.name)})
    return pd.DataFrame(rows, columns=["evaluation_id", "subject_name", "level1", "weight", "points"])


DEPT_PROJECTS_SQL = f"""
WITH d AS (
    SELECT e.evaluation_id, e.department FROM evaluations e
    WHERE e.year = $year AND e.kind = $kind AND {_scope_sql()}
), rb AS (
    SELECT score_places, rounding_method FROM rubrics
    WHERE rubric_id = (SELECT max(rubric_id) FROM v_project_scores WHERE year = $year)
)
SELECT d.evaluation_id, d.department,
       count(p.project_id) AS projects,
       count(p.computed_score) AS scored,
       CAST(exact_div(sum(p.computed_score), count(p.computed_score), any_value(rb.score_places),
                      any_value(rb.rounding_method)) AS DECIMAL(18, 6)) AS mean_score,
       count(*) FILTER (WHERE p.grade = '优') AS grade_you,
       count(*) FILTER (WHERE p.grade = '良') AS grade_liang,
       count(*) FILTER (WHERE p.grade = '中') AS grade_zhong,
       count(*) FILTER (WHERE p.grade = '差') AS grade_cha,
       count(p.project_id) FILTER (WHERE p.grade IS NULL) AS incomplete,
       COALESCE(sum(p.budget_full_year), 0) AS budget_full_year
FROM d CROSS JOIN rb
LEFT JOIN v_project_scores p ON p.year = $year AND p.department = d.department
GROUP BY d.evaluation_id, d.department
ORDER BY d.department
"""


def department_projects(con: Connection, year: int, scope: PanelScope | None) -> pd.DataFrame:
    """For each department evaluated in the year: its units' projects' self-evaluation results (count, mean
    recomputed score by the year's rubric, grade mix, budget)."""
    return _frame(con, DEPT_PROJECTS_SQL, {"year": year, "kind": KIND_DEPT, **_scope_params(scope)})


def panels_of(con: Connection, account: str) -> int:
    """How many evaluations a 专家 account sits on."""
    with reading(con) as cur:
        row = cur.execute("SELECT count(*) FROM evaluation_experts WHERE account = ?", [account]).fetchone()
    return int(row[0]) if row else 0


def expert_accounts(con: Connection) -> list[tuple[str, str]]:
    """Active 专家 accounts: (username, display name), for the panel form."""
    with reading(con) as cur:
        rows = cur.execute("SELECT username, display_name FROM accounts WHERE role = ? AND active ORDER BY username",
                           [access.EXPERT]).fetchall()
    return [(r[0], r[1]) for r in rows]


# ---------------------------------------------------------------------------------------------
# Writes
# ---------------------------------------------------------------------------------------------


def _next_id(cur: duckdb.DuckDBPyConnection, sequence: str) -> int:
    if sequence not in ("evaluation_id_seq", "eval_batch_id_seq"):
        raise ValueError(f"unknown sequence {sequence}")
    row = cur.execute(f"SELECT nextval('{sequence}')").fetchone()  # a constant sequence name
    if row is None:
        raise StoreError("无法取得新编号")
    return int(row[0])


def _check_panel(con: Connection, experts: Sequence[Expert]) -> tuple[Expert, ...]:
    cleaned = tuple(Expert(" ".join(e.name.split()), (e.account or "").strip() or None) for e in experts)
    if not cleaned or any(not e.name for e in cleaned):
        raise EvaluationError("评审组至少要有一位专家，且每位专家都要有姓名。")
    if len(cleaned) > MAX_PANEL:
        raise EvaluationError(f"评审组最多 {MAX_PANEL} 位专家。")
    names = [e.name for e in cleaned]
    twice = sorted({n for n in names if names.count(n) > 1})
    if twice:
        raise EvaluationError(f"评审组中专家“{'、'.join(twice)}”重复：同名专家请加以区分（如 张伟（财务））。")
    accounts = [e.account for e in cleaned if e.account]
    if len(accounts) != len(set(accounts)):
        raise EvaluationError("同一个专家账户只能对应评审组中的一位专家。")
    known = dict(expert_accounts(con))
    unknown = [a for a in accounts if a not in known]
    if unknown:
        raise EvaluationError(f"账户 {'、'.join(unknown)} 不是启用的专家账户：请先在账户管理中创建专家账户，或留空。")
    return cleaned


def create(con: Connection, viewer: Viewer, year: int, kind: str, subject_id: str, experts: Sequence[Expert],
           rubric: PanelRubric | None = None) -> int:
    """A new evaluation (绩效办 only) of a project (key) or department (dept) of the year, with its panel and the
    year's rubric (or `rubric`); returns its id. Recorded in the audit trail."""
    if kind not in KINDS:
        raise EvaluationError(f"评价类型必须是 {'、'.join(KINDS)}")
    access.require(con, viewer, access.EVALUATE, target=f"{year} 年度{KIND_LABELS[kind]} {subject_id}")
    found = subject(con, year, kind, subject_id)
    if found is None:
        what = "项目" if kind == KIND_KEY else "主管部门"
        raise EvaluationError(f"{year} 年度没有编号为 {subject_id} 的{what}：请从列表中选择已导入自评表的{what}。")
    panel = _check_panel(con, experts)
    rubric = rubric or load_panel_rubric(year_rubric_file(con, year, kind))
    if rubric.kind != kind:
        raise EvaluationError(f"指标体系“{rubric.name}”用于{KIND_LABELS[rubric.kind]}，不能用于{KIND_LABELS[kind]}。")
    with writing(con) as cur:
        if cur.execute("SELECT 1 FROM evaluations WHERE year = ? AND kind = ? AND subject_id = ?",
                       [year, kind, subject_id]).fetchone():
            raise EvaluationError(f"{year} 年度已有“{found.subject_name}”的{KIND_LABELS[kind]}，不能重复创建。")
        rubric_id = writes.save_rubric(cur, _rubric_record(rubric))
        evaluation_id = _next_id(cur, "evaluation_id_seq")
        cur.execute("INSERT INTO evaluations (evaluation_id, year, kind, subject_id, subject_name, unit_code, unit_name, "
                    "department, rubric_id, created_by, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    [evaluation_id, year, kind, subject_id, found.subject_name, found.unit_code, found.unit_name,
                     found.department, rubric_id, viewer.username, datetime.now()])
        for seq, leaf in enumerate(rubric.leaves, start=1):
            cur.execute("INSERT INTO evaluation_indicators (evaluation_id, seq, indicator_id, level1, level2, name, "
                        "weight, description) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                        [evaluation_id, seq, leaf.id, leaf.level1, leaf.level2, leaf.name, leaf.weight,
                         leaf.description])
        for seq, expert in enumerate(panel, start=1):
            cur.execute("INSERT INTO evaluation_experts (evaluation_id, seq, expert_name, account) VALUES (?, ?, ?, ?)",
                        [evaluation_id, seq, expert.name, expert.account])
        _store_result(cur, evaluation_id, rubric, {}, _next_id(cur, "eval_batch_id_seq"))
        audit.record(cur, audit.Entry(
            viewer.username, viewer.role, audit.EVAL_CREATE, audit.OK, target=f"{KIND_LABELS[kind]}：{found.subject_name}",
            unit_code=found.unit_code,
            after={"评价编号": evaluation_id, "年度": year, "类型": KIND_LABELS[kind], "对象": found.subject_name,
                   "指标体系": f"{rubric.name}（{rubric.version}）",
                   "评审组": [e.name + (f"（{e.account}）" if e.account else "") for e in panel]},
            detail=f"已创建 {year} 年度“{found.subject_name}”的{KIND_LABELS[kind]}，评审组 {len(panel)} 人"))
    return evaluation_id


def _store_result(cur: duckdb.DuckDBPyConnection, evaluation_id: int, rubric: PanelRubric, scores: Scores,
                  batch_id: int) -> PanelResult:
    result = score_panel(rubric, scores)
    cur.execute("DELETE FROM evaluation_results WHERE evaluation_id = ?", [evaluation_id])
    cur.execute("INSERT INTO evaluation_results (evaluation_id, batch_id, method, panel_score, grade, expert_count, "
                "max_spread, flagged, computed_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [evaluation_id, batch_id, result.method, result.total, result.grade, len(result.experts),
                 result.max_spread, [i.leaf.id for i in result.flagged], datetime.now()])
    return result


def _check_submission(con: Connection, viewer: Viewer, evaluation: EvaluationSpec, submission: Submission) -> None:
    """Refuse (recorded) a write the viewer may not make: the role, a 专家 outside the panel or scoring for another."""
    target = f"{evaluation.kind_label}：{evaluation.subject_name}"
    access.require(con, viewer, access.EXPERT_SCORE, target=target)
    if viewer.role != access.EXPERT:
        return
    mine = [e.name for e in evaluation.experts if e.account == viewer.username]
    if not mine:
        raise access.refuse(con, viewer, access.EXPERT_SCORE, f"您的账户（{viewer.label}）不在“{evaluation.subject_name}”"
                            "的评审组中，不能为其评分。此次尝试已记入操作记录。", target, evaluation.unit_code)
    others = [e.expert for e in submission.experts if e.expert not in mine]
    if others:
        raise access.refuse(con, viewer, access.EXPERT_SCORE, f"您的账户（{viewer.label}）只能提交本人（{'、'.join(mine)}）"
                            f"的评分，不能提交专家“{'、'.join(others)}”的评分。此次尝试已记入操作记录。", target,
                            evaluation.unit_code)


def _check_content(evaluation: EvaluationSpec, submission: Submission) -> None:
    names = [e.expert for e in submission.experts]
    if not names:
        raise EvaluationError("没有要保存的评分。")
    twice = sorted({n for n in names if names.count(n) > 1})
    if twice:
        raise EvaluationError(f"专家“{'、'.join(twice)}”的评分出现了两次：每位专家只能提交一份。")
    for entry in submission.experts:
        if evaluation.expert(entry.expert) is None:
            raise EvaluationError(f"专家“{entry.expert}”不在评审组中（{'、'.join(e.name for e in evaluation.experts)}）。")
        try:
            check_scores(evaluation.rubric, entry.expert, {k: v.score for k, v in entry.scores.items()})
        except PanelError as exc:
            raise EvaluationError(str(exc)) from exc
    if submission.survey is not None:
        check_survey(evaluation, submission.survey)


def check_survey(evaluation: EvaluationSpec, value: Survey) -> None:
    """Raise EvaluationError unless the survey fits: a key evaluation's, 样本量 ≥ 1, 0 ≤ 满意人数 ≤ 样本量."""
    if not evaluation.rubric.survey_enabled:
        raise EvaluationError(f"“{evaluation.rubric.name}”不录入满意度调查。")
    if value.sample_size < 1:
        raise EvaluationError(f"样本量必须是正整数，实际为 {value.sample_size}。")
    if not 0 <= value.satisfied <= value.sample_size:
        raise EvaluationError(f"满意人数必须在 0 至样本量 {value.sample_size} 之间，实际为 {value.satisfied}。")


@dataclass(frozen=True)
class Saved:
    """What a write of scores did: the panel's result after it, and whether anything changed."""

    result: PanelResult
    changed: bool


def save_scores(con: Connection, viewer: Viewer, submission: Submission) -> Saved:
    """Store one or more experts' complete scores for an evaluation (a sheet or an entry in the app): each replaces
    that expert's current scores, the survey replaces the current one, the panel result is computed again — all
    with the audit entry in one transaction. Scores and survey equal to the current ones change nothing. Refusals
    are recorded; bad content raises EvaluationError."""
    evaluation = spec(con, submission.evaluation_id, None)
    if evaluation is None:
        raise EvaluationError(f"评价 {submission.evaluation_id} 不存在。")
    _check_submission(con, viewer, evaluation, submission)
    _check_content(evaluation, submission)
    action = audit.EVAL_IMPORT if submission.source == SOURCE_SHEET else audit.EVAL_ENTER
    now = datetime.now()
    with writing(con) as cur:
        before_scores = _current_scores(cur, evaluation)
        before_result = cur.execute("SELECT panel_score, grade FROM evaluation_results WHERE evaluation_id = ?",
                                    [evaluation.evaluation_id]).fetchone()
        before_survey = cur.execute("SELECT sample_size, satisfied FROM evaluation_surveys WHERE evaluation_id = ? "
                                    "AND is_current", [evaluation.evaluation_id]).fetchone()
        names = [e.expert for e in submission.experts]
        same_survey = submission.survey is None or (
            before_survey is not None and Survey(int(before_survey[0]), int(before_survey[1])) == submission.survey)
        if same_survey and all(before_scores.get(e.expert) == {k: v.score.normalize() for k, v in e.scores.items()}
                               for e in submission.experts):
            return Saved(score_panel(evaluation.rubric, before_scores), False)
        batch_id = _next_id(cur, "eval_batch_id_seq")
        cur.execute("UPDATE expert_scores SET is_current = false WHERE evaluation_id = ? AND is_current "
                    "AND list_contains(?, expert_name)", [evaluation.evaluation_id, names])
        columns: dict[str, list[object]] = {k: [] for k in (
            "batch_id", "evaluation_id", "expert_name", "indicator_id", "score", "note", "source", "file_name",
            "sheet", "cell", "file_hash", "entered_by", "entered_at", "is_current")}
        for entry in submission.experts:
            for indicator in evaluation.indicators:
                given = entry.scores[indicator.indicator_id]
                for key, value in (("batch_id", batch_id), ("evaluation_id", evaluation.evaluation_id),
                                   ("expert_name", entry.expert), ("indicator_id", indicator.indicator_id),
                                   ("score", given.score), ("note", given.note or None), ("source", submission.source),
                                   ("file_name", submission.file_name), ("sheet", entry.sheet or None),
                                   ("cell", given.cell or None), ("file_hash", submission.file_hash),
                                   ("entered_by", viewer.username), ("entered_at", now), ("is_current", True)):
                    columns[key].append(value)
        _insert_scores(cur, columns)
        if submission.survey is not None:
            cur.execute("UPDATE evaluation_surveys SET is_current = false WHERE evaluation_id = ? AND is_current",
                        [evaluation.evaluation_id])
            cur.execute("INSERT INTO evaluation_surveys (batch_id, evaluation_id, sample_size, satisfied, source, "
                        "entered_by, entered_at, is_current) VALUES (?, ?, ?, ?, ?, ?, ?, true)",
                        [batch_id, evaluation.evaluation_id, submission.survey.sample_size,
                         submission.survey.satisfied, submission.source, viewer.username, now])
        after_scores = _current_scores(cur, evaluation)
        result = _store_result(cur, evaluation.evaluation_id, evaluation.rubric, after_scores, batch_id)
        before: dict[str, object] = {"专家组得分": before_result[0] if before_result else None,
                                     "等级": before_result[1] if before_result else None}
        after: dict[str, object] = {"专家组得分": result.total, "等级": result.grade, "已评分专家": len(result.experts)}
        for name in names:
            if name in before_scores:
                before[f"专家 {name}"] = {k: str(v) for k, v in before_scores[name].items()}
            after[f"专家 {name}"] = {k: str(v) for k, v in after_scores[name].items()}
        if submission.survey is not None:
            before["满意度调查"] = {"样本量": before_survey[0], "满意人数": before_survey[1]} if before_survey else None
            after["满意度调查"] = {"样本量": submission.survey.sample_size, "满意人数": submission.survey.satisfied}
        replaced = [n for n in names if n in before_scores]
        detail = (f"{evaluation.kind_label}“{evaluation.subject_name}”：已保存专家 {'、'.join(names)} 的评分"
                  + (f"（替换了 {'、'.join(replaced)} 原有的评分）" if replaced else "")
                  + f"；专家组得分 {result.total}，等级 {result.grade}")
        audit.record(cur, audit.Entry(viewer.username, viewer.role, action, audit.OK,
                                      target=submission.file_name or f"{evaluation.kind_label}：{evaluation.subject_name}",
                                      unit_code=evaluation.unit_code, before=before, after=after, detail=detail))
    return Saved(result, True)


def _insert_scores(cur: duckdb.DuckDBPyConnection, columns: dict[str, list[object]]) -> None:
    arrays = {name: pa.array([None if v is None else format(v, "f") for v in values], pa.string())
              if name == "score" else pa.array(values) for name, values in columns.items()}
    cur.register("new_expert_scores", pa.table(arrays))
    try:
        cur.execute("INSERT INTO expert_scores BY NAME SELECT * REPLACE (CAST(score AS DECIMAL(18, 6)) AS score) "
                    "FROM new_expert_scores")
    finally:
        cur.unregister("new_expert_scores")

