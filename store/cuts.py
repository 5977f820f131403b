"""结果应用 in the store: next year's requests (下年预算申报数), the engine's inputs, what-if scenarios with their
ledgers, and adoptions. The rules and the arithmetic are rubrics.cuts; this module reads and writes.

Requests: a batch (a request sheet, a page entry, the sample) replaces the current rows of every unit it names;
older rows stay, not current. A scenario is written once with its effective rules and its ledger; adopting one is
a new row in cut_adoptions, so earlier adoptions stay in the history. v_budget_cuts shows each year's adopted one.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

import pandas as pd

from rubrics import cuts as rules_engine
from rubrics.cuts import CutRules, Judgement, Ledger, Line
from store import audit, writes
from store.access import ADMIN, CUT, Units, Viewer, require
from store.db import Connection, StoreError, reading, writing

SOURCE_SHEET = "申报表"
SOURCE_PAGE = "页面录入"
SOURCE_SAMPLE = "示例数据"
MAX_NAME = 40  # characters of a scenario name


class CutsError(StoreError):
    """A request batch, scenario or adoption that cannot be stored as asked; nothing was stored. The message
    says what to change (and where, for a sheet)."""


@dataclass(frozen=True)
class Request:
    """One requested amount: a unit's whole request (project_name None) or a continuing project's."""

    unit_code: str
    unit_name: str
    project_name: str | None
    amount: Decimal  # 万元
    individual: bool = False  # 补助个人的民生项目
    sheet: str | None = None
    cell: str | None = None  # the amount's cell

    @property
    def where(self) -> str:
        """工作表“…”，单元格 C5 (empty for a page entry)."""
        return f"工作表“{self.sheet}”，单元格 {self.cell}：" if self.sheet and self.cell else ""


@dataclass(frozen=True)
class Known:
    """What a request may name in a year: units (code → name) and their projects (code → name → project_id)."""

    units: dict[str, str]
    projects: dict[str, dict[str, str]]


KNOWN_SQL = """
SELECT unit_code, any_value(unit_name), list(project_name ORDER BY project_name), list(project_id ORDER BY project_name)
FROM v_project_scores WHERE year = ? GROUP BY unit_code ORDER BY unit_code
"""


def known(con: Connection, year: int) -> Known:
    """The units with forms in the year and their projects (what a request sheet may name)."""
    with reading(con) as cur:
        rows = cur.execute(KNOWN_SQL, [year]).fetchall()
    return Known({r[0]: r[1] for r in rows}, {r[0]: dict(zip(r[2], r[3], strict=True)) for r in rows})


def check_requests(year: int, rows: Sequence[Request], found: Known) -> list[str]:
    """Every problem of a batch, each naming its cell when it came from a sheet (empty: it may be stored)."""
    problems: list[str] = []
    seen: dict[tuple[str, str | None], Request] = {}
    projects_total: dict[str, Decimal] = {}
    for row in rows:
        label = f"{row.unit_name} · {row.project_name}" if row.project_name else row.unit_name
        if row.unit_code not in found.units:
            problems.append(f"{row.where}单位编码“{row.unit_code}”（{row.unit_name}）不是 {year} 年度有自评表的单位；"
                            "请核对编码")
            continue
        if row.project_name is not None and row.project_name not in found.projects[row.unit_code]:
            problems.append(f"{row.where}“{found.units[row.unit_code]}”在 {year} 年度没有名为“{row.project_name}”的项目；"
                            "只有本年度已自评的延续项目可以申报，项目名称须与自评表一致")
            continue
        if not row.amount.is_finite() or row.amount < 0:
            problems.append(f"{row.where}“{label}”的下年预算申报数 {row.amount} 不能为负数")
            continue
        key = (row.unit_code, row.project_name)
        if key in seen:
            first = seen[key]
            problems.append(f"{row.where}“{label}”重复申报（{first.where.rstrip('：') or '前面已有一行'}）；每个单位、"
                            "每个项目只能有一行")
            continue
        seen[key] = row
        if row.project_name is not None:
            projects_total[row.unit_code] = projects_total.get(row.unit_code, Decimal(0)) + row.amount
    for (code, project), row in seen.items():
        if project is None and row.amount < projects_total.get(code, Decimal(0)):
            problems.append(f"{row.where}“{row.unit_name}”的单位申报数 {row.amount:,.2f} 万元小于其延续项目申报数之和 "
                            f"{projects_total[code]:,.2f} 万元；单位申报数应包含其全部项目")
    return problems


def save_requests(con: Connection, viewer: Viewer, year: int, rows: Sequence[Request], source: str,
                  file_name: str | None = None, file_hash: str | None = None, data: bytes | None = None) -> int:
    """Store a checked batch: it replaces the current requests of every unit it names; the sheet's bytes (`data`,
    whose sha256 is file_hash) are kept in source_files like the forms'. Returns the batch id. Raises CutsError
    (nothing stored) when check_requests finds a problem, Refused outside the viewer's units."""
    if not rows:
        raise CutsError("没有可保存的下年预算申报数。")
    if data is not None and hashlib.sha256(data).hexdigest() != file_hash:
        raise CutsError(f"申报表 {file_name} 的内容与检查时不同（校验值不符），未保存任何申报数；请重新上传。")
    found = known(con, year)
    problems = check_requests(year, rows, found)
    if problems:
        raise CutsError("；".join(problems[:5]) + (f"；另有 {len(problems) - 5} 处问题" if len(problems) > 5 else "")
                        + "。未保存任何申报数。")
    codes = sorted({r.unit_code for r in rows})
    for code in codes:
        require(con, viewer, CUT, unit_code=code, target=found.units[code], what=f"单位“{found.units[code]}”")
    now = datetime.now()
    with writing(con) as cur:
        row = cur.execute("SELECT nextval('request_batch_id_seq')").fetchone()
        batch = int(row[0]) if row else 0
        if data is not None and cur.execute("SELECT 1 FROM source_files WHERE file_hash = ?", [file_hash]).fetchone() is None:
            cur.execute("INSERT INTO source_files (file_hash, size, data, stored_at) VALUES (?, ?, ?, ?)",
                        [file_hash, len(data), data, now])
        cur.execute("UPDATE budget_requests SET is_current = false WHERE is_current AND year = ? "
                    "AND list_contains(?, unit_code)", [year, codes])
        columns: dict[str, list[object]] = {
            "batch_id": [batch] * len(rows), "year": [year] * len(rows),
            "unit_code": [r.unit_code for r in rows], "unit_name": [found.units[r.unit_code] for r in rows],
            "project_id": [found.projects[r.unit_code][r.project_name] if r.project_name else None for r in rows],
            "project_name": [r.project_name for r in rows], "amount": [r.amount for r in rows],
            "individual": [r.individual for r in rows], "source": [source] * len(rows),
            "file_name": [file_name] * len(rows), "sheet": [r.sheet for r in rows], "cell": [r.cell for r in rows],
            "file_hash": [file_hash] * len(rows), "entered_by": [viewer.username] * len(rows),
            "entered_at": [now] * len(rows), "is_current": [True] * len(rows)}
        writes.insert(cur, "budget_requests", columns)
        total = sum((r.amount for r in rows if r.project_name is None), Decimal(0))
        audit.record(cur, audit.Entry(viewer.username, viewer.role, audit.REQUESTS, audit.OK,
                                      target=f"{year} 年度下年预算申报数（{len(codes)} 个单位）",
                                      unit_code=codes[0] if len(codes) == 1 else None,
                                      after={"batch_id": batch, "rows": len(rows), "units": len(codes),
                                             "unit_total": total, "source": source, "file": file_name},
                                      detail=source))
    return batch


REQUESTS_SQL = """
SELECT r.unit_code, r.unit_name, r.project_name, r.amount, r.individual, r.source, r.file_name, r.cell,
       r.entered_by, r.entered_at
FROM budget_requests r
WHERE r.is_current AND r.year = $year AND ($all_units OR list_contains($units, r.unit_code))
ORDER BY r.unit_code, r.project_name NULLS FIRST
"""


def requests(con: Connection, year: int, units: Units = None) -> pd.DataFrame:
    """The current requests of the year (unit rows first in each unit), within the viewer's units."""
    with reading(con) as cur:
        return cur.execute(REQUESTS_SQL, {"year": year, "all_units": units is None, "units": list(units or [])}).df()


REQUEST_FILES_SQL = """
SELECT r.batch_id, any_value(r.file_name) AS file_name, any_value(r.source) AS source,
       any_value(r.entered_by) AS entered_by, any_value(r.entered_at) AS entered_at,
       count(DISTINCT r.unit_code) AS units, count(*) AS rows, count(*) FILTER (WHERE r.is_current) AS current_rows
FROM budget_requests r
WHERE r.year = $year AND r.file_hash IS NOT NULL
  AND EXISTS (SELECT 1 FROM source_files f WHERE f.file_hash = r.file_hash)
  AND ($batch IS NULL OR r.batch_id = $batch)
GROUP BY r.batch_id
HAVING $all_units OR list_has_all($units, list(DISTINCT r.unit_code))
ORDER BY r.batch_id DESC
"""
REQUEST_FILE_SQL = """
SELECT any_value(r.file_name), any_value(f.data)
FROM budget_requests r JOIN source_files f ON f.file_hash = r.file_hash
WHERE r.year = $year AND r.batch_id = $batch
GROUP BY r.batch_id
HAVING $all_units OR list_has_all($units, list(DISTINCT r.unit_code))
"""


def _scope(year: int, units: Units, batch: int | None = None) -> dict[str, object]:
    return {"year": year, "all_units": units is None, "units": list(units or []), "batch": batch}


def request_files(con: Connection, year: int, units: Units = None) -> pd.DataFrame:
    """The year's imported request sheets whose bytes are kept, newest first: batch_id, file_name, source,
    entered_by, entered_at, units, rows, current_rows (rows not replaced since). Only the sheets naming units all
    within `units` (a sheet naming other units is not the viewer's to read)."""
    with reading(con) as cur:
        return cur.execute(REQUEST_FILES_SQL, _scope(year, units)).df()


def request_file(con: Connection, year: int, batch_id: int, units: Units = None) -> tuple[str, bytes] | None:
    """(file name, bytes) of an imported request sheet, as uploaded; None when it is not kept or not the viewer's."""
    with reading(con) as cur:
        row = cur.execute(REQUEST_FILE_SQL, _scope(year, units, batch_id)).fetchone()
    return (str(row[0]), bytes(row[1])) if row else None


PROJECT_LINES_SQL = """
SELECT p.unit_code, p.unit_name, p.unit_type, p.department, p.domain, p.project_id, p.project_name, r.amount,
       p.budget_full_year, p.executed, r.individual, p.flags, p.final_score, p.final_grade, k.panel_score, k.grade
FROM v_project_scores p
JOIN budget_requests r ON r.is_current AND r.year = p.year AND r.project_id = p.project_id
LEFT JOIN v_evaluation_results k ON k.kind = 'key' AND k.year = p.year AND k.subject_id = p.project_id
WHERE p.year = ?
ORDER BY p.unit_code, p.project_name
"""
UNIT_LINES_SQL = """
SELECT u.unit_code, u.unit_name, u.unit_type, u.department, u.domain, r.amount, u.budget_full_year, u.executed,
       d.panel_score, d.grade, d.subject_name
FROM v_unit_scores u
LEFT JOIN budget_requests r ON r.is_current AND r.year = u.year AND r.unit_code = u.unit_code AND r.project_id IS NULL
LEFT JOIN v_evaluation_results d ON d.kind = 'dept' AND d.year = u.year AND d.department = u.department
WHERE u.year = ?
ORDER BY u.unit_code
"""


def _dec(value: object) -> Decimal | None:
    return None if value is None else Decimal(str(value))


def lines(con: Connection, year: int) -> list[Line]:
    """The engine's input for a year: a line per continuing project (it has a request) and per unit."""
    with reading(con) as cur:
        projects = cur.execute(PROJECT_LINES_SQL, [year]).fetchall()
        units = cur.execute(UNIT_LINES_SQL, [year]).fetchall()
    found: list[Line] = []
    for (code, name, kind, dept, domain, pid, pname, amount, budget, executed, individual, flags, score, grade,
         key_score, key_grade) in projects:
        judged = [Judgement(rules_engine.SCOPE_SELF, _dec(score), grade, rules_engine.SCOPE_SELF)]
        if key_score is not None:
            judged.append(Judgement(rules_engine.SCOPE_KEY, _dec(key_score), key_grade, rules_engine.SCOPE_KEY))
        found.append(Line(rules_engine.LEVEL_PROJECT, code, name, kind, dept or "", domain or "", pid, pname,
                          _dec(amount), _dec(budget), _dec(executed), bool(individual), tuple(flags or ()),
                          tuple(judged)))
    for code, name, kind, dept, domain, amount, budget, executed, dept_score, dept_grade, dept_name in units:
        judged = [] if dept_name is None else [Judgement(rules_engine.SCOPE_DEPT, _dec(dept_score), dept_grade,
                                                         f"{rules_engine.SCOPE_DEPT}（{dept_name}）")]
        found.append(Line(rules_engine.LEVEL_UNIT, code, name, kind, dept or "", domain or "", None, None,
                          _dec(amount), _dec(budget), _dec(executed), False, (), tuple(judged)))
    return found


INPUTS_VERSION_SQL = """
SELECT COALESCE((SELECT max(import_id) FROM imports), 0) + COALESCE((SELECT max(run_id) FROM scoring_runs), 0)
     + COALESCE((SELECT max(review_id) FROM reviews), 0) + COALESCE((SELECT max(batch_id) FROM evaluation_results), 0)
     + COALESCE((SELECT max(batch_id) FROM budget_requests), 0)
"""


def inputs_version(con: Connection) -> int:
    """A number that grows whenever something the ledger is computed from changes (forms, scores, reviews, panel
    results, requests); a scenario saved on another number was computed on other data."""
    with reading(con) as cur:
        row = cur.execute(INPUTS_VERSION_SQL).fetchone()
    return int(row[0]) if row else 0


LEDGER_COLUMNS = ("level", "scope", "unit_code", "unit_name", "unit_type", "department", "domain", "project_id",
                  "project_name", "score", "grade", "rule_id", "action", "base_kind", "request", "base", "cut_pct",
                  "cut_amount", "after_cut", "exempt", "reason")


def ledger_frame(ledger: Ledger) -> pd.DataFrame:
    """The ledger's rows as a DataFrame (amounts stay Decimal), in the column order of LEDGER_COLUMNS."""
    frame = pd.DataFrame(list(ledger.rows), columns=list(rules_engine.CutRow._fields), dtype=object)
    return frame[list(LEDGER_COLUMNS)]


def _rules_record(rules: CutRules) -> writes.RubricRecord:
    return writes.RubricRecord(kind=rules_engine.KIND, name=rules.name, version=rules.version, yaml_text=rules.text,
                               source=rules.source, score_places=2, rate_places=4, rounding_method="half_up",
                               grade_bands=())


def save_scenario(con: Connection, viewer: Viewer, year: int, name: str, base_rules: CutRules, rules: CutRules,
                  changes: str, ledger: Ledger, data_version: int) -> int:
    """Store a named scenario (its effective rules and its ledger, computed by the caller on `data_version`).
    Returns its id. Raises CutsError for an empty, too long or taken name."""
    name = " ".join((name or "").split())
    if not name:
        raise CutsError("请为方案起一个名称（如“中档压减 15%”），未保存。")
    if len(name) > MAX_NAME:
        raise CutsError(f"方案名称最多 {MAX_NAME} 个字，未保存。")
    require(con, viewer, CUT)
    if viewer.role != ADMIN:
        raise CutsError("压减测算方案覆盖全区所有单位，只有绩效办可以保存；您可以在页面上测算并下载结果。")
    now = datetime.now()
    with writing(con) as cur:
        taken = cur.execute("SELECT created_by, created_at FROM cut_scenarios WHERE year = ? AND name = ?",
                            [year, name]).fetchone()
        if taken is not None:
            raise CutsError(f"{year} 年度已有名为“{name}”的方案（{taken[0]} 于 {taken[1]:%Y-%m-%d %H:%M} 保存）；"
                            "请换一个名称。未保存。")
        rubric_id = writes.save_rubric(cur, _rules_record(base_rules))
        row = cur.execute("SELECT nextval('cut_scenario_id_seq')").fetchone()
        scenario_id = int(row[0]) if row else 0
        cur.execute("INSERT INTO cut_scenarios (scenario_id, year, name, rubric_id, rules_yaml, rules_version, changes, "
                    "data_version, requested, cut, arranged, created_by, created_at) "
                    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    [scenario_id, year, name, rubric_id, rules.text, hashlib.sha256(rules.text.encode()).hexdigest()[:12],
                     changes, data_version, ledger.requested, ledger.cut, ledger.arranged, viewer.username, now])
        columns: dict[str, list[object]] = {c: [getattr(r, c) for r in ledger.rows] for c in LEDGER_COLUMNS}
        columns["scenario_id"] = [scenario_id] * len(ledger.rows)
        columns["seq"] = list(range(1, len(ledger.rows) + 1))
        writes.insert(cur, "cut_ledger", columns)
        audit.record(cur, audit.Entry(viewer.username, viewer.role, audit.CUT_SAVE, audit.OK,
                                      target=f"{year} 年度压减方案“{name}”",
                                      after={"scenario_id": scenario_id, "changes": changes, "requested": ledger.requested,
                                             "cut": ledger.cut, "arranged": ledger.arranged}, detail=changes))
    return scenario_id


def adopt(con: Connection, viewer: Viewer, scenario_id: int, note: str = "") -> int:
    """Mark a saved scenario as the year's adopted one (a new adoption row; earlier ones stay). Returns its id."""
    require(con, viewer, CUT)
    if viewer.role != ADMIN:
        raise CutsError("采纳压减方案须由绩效办办理。")
    with writing(con) as cur:
        found = cur.execute("SELECT year, name, cut FROM cut_scenarios WHERE scenario_id = ?", [scenario_id]).fetchone()
        if found is None:
            raise CutsError(f"方案 {scenario_id} 不存在，未采纳。")
        year, name, cut = found
        before = cur.execute("SELECT s.scenario_id, s.name FROM cut_adoptions a JOIN cut_scenarios s USING (scenario_id) "
                             "WHERE a.year = ? ORDER BY a.adoption_id DESC LIMIT 1", [year]).fetchone()
        row = cur.execute("SELECT nextval('cut_adoption_id_seq')").fetchone()
        adoption_id = int(row[0]) if row else 0
        cur.execute("INSERT INTO cut_adoptions (adoption_id, year, scenario_id, adopted_by, adopted_at, note) "
                    "VALUES (?, ?, ?, ?, ?, ?)", [adoption_id, year, scenario_id, viewer.username, datetime.now(),
                                                  note.strip() or None])
        audit.record(cur, audit.Entry(viewer.username, viewer.role, audit.CUT_ADOPT, audit.OK,
                                      target=f"{year} 年度压减方案“{name}”",
                                      before={"scenario_id": before[0], "name": before[1]} if before else None,
                                      after={"scenario_id": scenario_id, "name": name, "cut": cut}, detail=note or None))
    return adoption_id


SCENARIOS_SQL = """
WITH adopted AS (SELECT arg_max(scenario_id, adoption_id) AS scenario_id FROM cut_adoptions WHERE year = $year)
SELECT s.scenario_id, s.name, s.changes, s.requested, s.cut, s.arranged, s.created_by,
       COALESCE(a.display_name, s.created_by) AS created_by_name, s.created_at, s.data_version,
       s.scenario_id = (SELECT scenario_id FROM adopted) AS adopted
FROM cut_scenarios s LEFT JOIN accounts a ON a.username = s.created_by
WHERE s.year = $year
ORDER BY s.scenario_id
"""
ADOPTIONS_SQL = """
SELECT a.adoption_id, a.adopted_at, a.adopted_by, COALESCE(x.display_name, a.adopted_by) AS adopted_by_name,
       s.scenario_id, s.name, s.cut, a.note
FROM cut_adoptions a JOIN cut_scenarios s USING (scenario_id) LEFT JOIN accounts x ON x.username = a.adopted_by
WHERE a.year = ?
ORDER BY a.adoption_id DESC
"""


def scenarios(con: Connection, year: int) -> pd.DataFrame:
    """The year's saved scenarios with their totals, oldest first; `adopted` marks the one in force."""
    with reading(con) as cur:
        return _exact(cur, SCENARIOS_SQL, {"year": year})


def adoptions(con: Connection, year: int) -> pd.DataFrame:
    """Every adoption of the year, newest first (the first is in force)."""
    with reading(con) as cur:
        return cur.execute(ADOPTIONS_SQL, [year]).df()


def scenario_rules(con: Connection, scenario_id: int) -> str | None:
    """The rules a scenario applied, as YAML text."""
    with reading(con) as cur:
        row = cur.execute("SELECT rules_yaml FROM cut_scenarios WHERE scenario_id = ?", [scenario_id]).fetchone()
    return None if row is None else str(row[0])


LEDGER_SQL = """
SELECT {columns} FROM cut_ledger
WHERE scenario_id = $scenario AND ($all_units OR list_contains($units, unit_code))
ORDER BY seq
"""


def _exact(cur: Connection, sql: str, params: dict[str, object]) -> pd.DataFrame:
    """A query's rows as a DataFrame keeping DECIMAL values as Decimal (DuckDB's .df() makes them floats)."""
    result = cur.execute(sql, params)
    names = [d[0] for d in result.description]
    return pd.DataFrame(result.fetchall(), columns=names, dtype=object)


def scenario_ledger(con: Connection, scenario_id: int, units: Units = None) -> pd.DataFrame:
    """A saved scenario's ledger rows within the viewer's units (amounts Decimal)."""
    sql = LEDGER_SQL.format(columns=", ".join(LEDGER_COLUMNS))  # constant column names
    with reading(con) as cur:
        return _exact(cur, sql, {"scenario": scenario_id, "all_units": units is None, "units": list(units or [])})


@dataclass(frozen=True)
class Adopted:
    """The scenario in force for a year."""

    scenario_id: int
    name: str
    adopted_by: str
    adopted_at: datetime


def adopted(con: Connection, year: int) -> Adopted | None:
    """The year's adopted scenario, None when none was adopted."""
    with reading(con) as cur:
        row = cur.execute("SELECT s.scenario_id, s.name, a.adopted_by, a.adopted_at FROM cut_adoptions a "
                          "JOIN cut_scenarios s USING (scenario_id) WHERE a.year = ? ORDER BY a.adoption_id DESC LIMIT 1",
                          [year]).fetchone()
    return None if row is None else Adopted(int(row[0]), str(row[1]), str(row[2]), row[3])


def adopted_ledger(con: Connection, year: int, units: Units = None) -> pd.DataFrame:
    """The adopted scenario's ledger (v_budget_cuts) within the viewer's units, amounts Decimal; empty when none was
    adopted."""
    with reading(con) as cur:
        return _exact(cur, "SELECT * FROM v_budget_cuts WHERE year = $year AND ($all_units OR list_contains($units, "
                           "unit_code)) ORDER BY seq",
                      {"year": year, "all_units": units is None, "units": list(units or [])})


def compute(con: Connection, year: int, rules: CutRules) -> Ledger:
    """The ledger of a year under these rules, from what is stored now (nothing is written)."""
    return rules_engine.compute(rules, lines(con, year))


def save_and_adopt(con: Connection, viewer: Viewer, year: int, name: str, rules: CutRules, note: str = "") -> int:
    """Compute the year's ledger under the rules as they are, save it under `name` and adopt it (the sample build's
    default scenario). Returns the scenario id."""
    scenario_id = save_scenario(con, viewer, year, name, rules, rules, "按规则表原样计算", compute(con, year, rules),
                                inputs_version(con))
    adopt(con, viewer, scenario_id, note)
    return scenario_id
