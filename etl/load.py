"""Import files into the store: one file in one transaction, all of it or none of it.

A file is either a unit's workbook of self-evaluation forms (one sheet per project) or the bureau's
自评项目清单. Loading the same bytes again changes nothing (sha256 of the file); a new version of a
unit's project replaces the old one, which stays in `forms` with is_current = false.
"""

from __future__ import annotations

import hashlib
import io
import zipfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import duckdb
import pandas as pd

from etl.form import ERROR, WARNING, ParsedForm, Problem, looks_like_form, parse_form
from etl.reader import MAX_LIST_ROWS, MAX_ROWS, UnreadableWorkbook, read_workbook, sheet_names
from etl.registry import Plan, infer_unit_type, is_plan, parse_plan
from rubrics.engine import score_form
from rubrics.loader import Rubric, load_rubric
from store.db import transaction

EXCEL_SUFFIXES = (".xlsx", ".xls", ".xlsm")
MAX_FILE_MB = 20  # a single workbook larger than this is refused
MAX_ZIP_MEMBERS = 2000

LOADED = "已导入"
LOADED_WITH_WARNINGS = "已导入（有警告）"
REJECTED = "已拒绝"
UNCHANGED = "未更改（此前已导入）"
CHECKED = "检查通过"
CHECKED_WITH_WARNINGS = "检查通过（有警告）"

KIND_FORMS = "自评表"
KIND_PLAN = "自评项目清单"


@dataclass(frozen=True)
class SourceFile:
    """A file to import: its display name (path inside a .zip included) and its bytes."""

    name: str
    data: bytes


@dataclass
class FileReport:
    """What happened to one file."""

    file: str
    status: str
    kind: str = ""
    forms: int = 0
    replaced: int = 0
    problems: list[Problem] = field(default_factory=list)

    @property
    def rejected(self) -> bool:
        """True when nothing of the file was (or would be) stored."""
        return self.status == REJECTED

    def line(self) -> str:
        """One line for the CLI: file, status and counts."""
        parts = [f"{self.file}：{self.status}"]
        if self.forms:
            parts.append(f"{self.forms} 张{self.kind or '表'}" if self.kind == KIND_FORMS else f"{self.forms} 行")
        if self.replaced:
            parts.append(f"替换旧版本 {self.replaced} 张")
        warnings = sum(p.severity == WARNING for p in self.problems)
        if warnings:
            parts.append(f"{warnings} 条警告")
        return "，".join(parts)


@dataclass
class Parsed:
    """A file read and checked, not yet stored."""

    source: SourceFile
    kind: str
    forms: list[ParsedForm]
    plan: Plan | None
    problems: list[Problem]

    @property
    def ok(self) -> bool:
        """True when the file has no ERROR problem."""
        return not any(p.severity == ERROR for p in self.problems)


def iter_sources(paths: Iterable[Path | str]) -> Iterator[SourceFile | Problem]:
    """Expand files, folders (recursively, sorted) and .zip archives into SourceFiles."""
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            found = sorted(p for p in path.rglob("*") if p.is_file() and p.suffix.lower() in EXCEL_SUFFIXES + (".zip",)
                           and not p.name.startswith(("~$", ".")))
            if not found:
                yield Problem(str(path), "", "", "文件夹中没有 .xlsx、.xls 或 .zip 文件", ERROR)
            yield from iter_sources(found)
        elif not path.exists():
            yield Problem(str(path), "", "", "文件不存在", ERROR)
        elif path.stat().st_size > MAX_FILE_MB * 1024 * 1024 and path.suffix.lower() != ".zip":
            yield Problem(str(path), "", "", f"文件超过 {MAX_FILE_MB} MB，不像是自评表，已拒绝", ERROR)
        elif path.suffix.lower() == ".zip":
            yield from iter_zip(str(path), path.read_bytes())
        else:
            yield SourceFile(str(path), path.read_bytes())


def _zip_name(info: zipfile.ZipInfo) -> str:
    """Member name, decoding Windows (GBK) names that zipfile read as cp437."""
    if info.flag_bits & 0x800:
        return info.filename
    try:
        return info.filename.encode("cp437").decode("gbk")
    except (UnicodeEncodeError, UnicodeDecodeError):
        return info.filename


def iter_zip(name: str, data: bytes) -> Iterator[SourceFile | Problem]:
    """The Excel files inside a .zip archive, in name order."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile:
        yield Problem(name, "", "", "压缩包已损坏，无法解压", ERROR)
        return
    with archive:
        members = sorted((i for i in archive.infolist() if not i.is_dir()), key=_zip_name)
        excel = [i for i in members if Path(_zip_name(i)).suffix.lower() in EXCEL_SUFFIXES
                 and not Path(_zip_name(i)).name.startswith(("~$", "."))]
        if not excel:
            yield Problem(name, "", "", "压缩包中没有 .xlsx 或 .xls 文件", ERROR)
        for info in excel[:MAX_ZIP_MEMBERS]:
            member = f"{name}/{_zip_name(info)}"
            if info.file_size > MAX_FILE_MB * 1024 * 1024:
                yield Problem(member, "", "", f"文件超过 {MAX_FILE_MB} MB，不像是自评表，已拒绝", ERROR)
                continue
            try:
                yield SourceFile(member, archive.read(info))
            except (zipfile.BadZipFile, RuntimeError, NotImplementedError) as exc:
                yield Problem(member, "", "", f"无法从压缩包中读取（{exc}）", ERROR)


def parse_source(source: SourceFile, default_year: int | None = None) -> Parsed:
    """Read and check one file without touching the store."""
    try:
        plan_file = is_plan(sheet_names(source.data))
        sheets = read_workbook(source.data, max_rows=MAX_LIST_ROWS if plan_file else MAX_ROWS)
    except UnreadableWorkbook as exc:
        return Parsed(source, "", [], None, [Problem(source.name, "", "", str(exc), ERROR)])
    if plan_file:
        plan, plan_problems = parse_plan(source.name, sheets)
        return Parsed(source, KIND_PLAN, [], plan, plan_problems)
    problems: list[Problem] = []
    forms: list[ParsedForm] = []
    for sheet in sheets:
        if not sheet.values:
            continue
        if not looks_like_form(sheet):
            problems.append(Problem(source.name, sheet.name, "", "不是项目支出绩效自评表（没有“项目名称”或“自评表”标题），已跳过"))
            continue
        form, sheet_problems = parse_form(source.name, sheet, default_year)
        problems.extend(sheet_problems)
        if form is not None:
            forms.append(form)
    if not forms and not any(p.severity == ERROR for p in problems):
        problems.append(Problem(source.name, "", "", "文件中没有找到项目支出绩效自评表", ERROR))
    seen: dict[tuple[int, str, str], str] = {}
    for form in forms:
        key = (form.year, form.unit_code or form.unit_name, form.project_name)
        if key in seen:
            problems.append(Problem(source.name, form.sheet, "",
                                    f"项目“{form.project_name}”与工作表“{seen[key]}”重复，以本工作表为准"))
        seen[key] = form.sheet
    return Parsed(source, KIND_FORMS, forms, None, problems)


def check_source(source: SourceFile, default_year: int | None = None) -> FileReport:
    """Validate one file without writing: the report says what loading it would do."""
    parsed = parse_source(source, default_year)
    has_warnings = any(p.severity == WARNING for p in parsed.problems)
    status = REJECTED if not parsed.ok else (CHECKED_WITH_WARNINGS if has_warnings else CHECKED)
    count = len(parsed.forms) if parsed.kind == KIND_FORMS else len(parsed.plan.rows) if parsed.plan else 0
    return FileReport(source.name, status, parsed.kind, count if parsed.ok else 0, 0, parsed.problems)


def load_source(con: duckdb.DuckDBPyConnection, source: SourceFile, rubric: Rubric | None = None,
                default_year: int | None = None) -> FileReport:
    """Load one file in one transaction; a rejected file writes nothing."""
    digest = hashlib.sha256(source.data).hexdigest()
    cur = con.cursor()
    try:
        seen = cur.execute("SELECT file_name FROM imports WHERE file_hash = ?", [digest]).fetchone()
    finally:
        cur.close()
    if seen is not None:
        return FileReport(source.name, UNCHANGED)
    parsed = parse_source(source, default_year)
    if not parsed.ok:
        return FileReport(source.name, REJECTED, parsed.kind, 0, 0, parsed.problems)
    rubric = rubric or load_rubric()
    with transaction(con) as tx:
        import_id = _next_id(tx, "imports", "import_id")
        if parsed.kind == KIND_PLAN and parsed.plan is not None:
            count, replaced = _store_plan(tx, import_id, parsed.plan), 0
        else:
            count, replaced = _store_forms(tx, import_id, parsed.forms, rubric)
        warnings = [p for p in parsed.problems if p.severity == WARNING]
        tx.execute(
            "INSERT INTO imports VALUES (?, ?, ?, ?, ?, ?, ?)",
            [import_id, source.name, digest, parsed.kind, datetime.now(), count, len(warnings)],
        )
        if parsed.problems:
            frame = pd.DataFrame(
                [(import_id, p.file, p.sheet, p.cell, p.severity, p.message) for p in parsed.problems],
                columns=["import_id", "file_name", "sheet", "cell", "severity", "message"],
            )
            tx.register("problem_rows", frame)
            tx.execute("INSERT INTO problems SELECT * FROM problem_rows")
            tx.unregister("problem_rows")
    status = LOADED_WITH_WARNINGS if warnings else LOADED
    return FileReport(source.name, status, parsed.kind, count, replaced, parsed.problems)


def load_paths(con: duckdb.DuckDBPyConnection, paths: Iterable[Path | str], rubric: Rubric | None = None,
               default_year: int | None = None, progress: Callable[[int, int, str], None] | None = None
               ) -> list[FileReport]:
    """Load files, folders and .zip archives; plans (自评项目清单) first. One report per file."""
    items = list(iter_sources(paths))
    items.sort(key=lambda s: 0 if isinstance(s, SourceFile) and "清单" in Path(s.name).name else 1)
    rubric = rubric or load_rubric()
    reports: list[FileReport] = []
    for done, item in enumerate(items, start=1):
        if isinstance(item, Problem):
            reports.append(FileReport(item.file, REJECTED, problems=[item]))
        else:
            reports.append(load_source(con, item, rubric, default_year))
        if progress is not None:
            progress(done, len(items), reports[-1].file)
    return reports


def _next_id(tx: duckdb.DuckDBPyConnection, table: str, column: str) -> int:
    row = tx.execute(f"SELECT COALESCE(MAX({column}), 0) + 1 FROM {table}").fetchone()  # identifiers are constants
    return int(row[0]) if row else 1


def _store_plan(tx: duckdb.DuckDBPyConnection, import_id: int, plan: Plan) -> int:
    tx.execute("DELETE FROM plan_projects WHERE year = ?", [plan.year])
    frame = pd.DataFrame(
        [(plan.year, r.unit_code, r.unit_name, r.unit_type, r.department, r.project_name, r.domain, import_id)
         for r in plan.rows],
        columns=["year", "unit_code", "unit_name", "unit_type", "department", "project_name", "domain", "import_id"],
    )
    tx.register("plan_rows", frame)
    tx.execute("INSERT INTO plan_projects SELECT * FROM plan_rows")
    tx.unregister("plan_rows")
    tx.execute("DELETE FROM year_info WHERE year = ?", [plan.year])
    tx.execute("INSERT INTO year_info VALUES (?, ?, ?, ?)",
               [plan.year, plan.project_expenditure, plan.note or None, import_id])
    return len(plan.rows)


def _resolve_unit_code(tx: duckdb.DuckDBPyConnection, form: ParsedForm) -> str:
    """The unit code written on the form, else the plan's code for the unit name, else the name."""
    if form.unit_code:
        return form.unit_code
    row = tx.execute(
        "SELECT unit_code FROM plan_projects WHERE year = ? AND unit_name = ? LIMIT 1", [form.year, form.unit_name]
    ).fetchone()
    return row[0] if row else form.unit_name


def project_id(year: int, unit_code: str, project_name: str) -> str:
    """A stable id for a project across form versions."""
    return hashlib.sha1(f"{year}\x1f{unit_code}\x1f{project_name}".encode()).hexdigest()[:12]


def _store_forms(tx: duckdb.DuckDBPyConnection, import_id: int, forms: list[ParsedForm],
                 rubric: Rubric) -> tuple[int, int]:
    _store_grade_bands(tx, rubric)
    next_form = _next_id(tx, "forms", "form_id")
    form_rows: list[tuple] = []
    indicator_rows: list[tuple] = []
    replaced = 0
    latest: dict[str, int] = {}
    for form in forms:
        unit_code = _resolve_unit_code(tx, form)
        pid = project_id(form.year, unit_code, form.project_name)
        hit = tx.execute("UPDATE forms SET is_current = false WHERE project_id = ? AND is_current RETURNING form_id",
                         [pid]).fetchall()
        replaced += len(hit)
        if pid in latest:  # the same project twice in one file: the later sheet wins
            form_rows = [r if r[0] != latest[pid] else r[:3] + (False,) + r[4:] for r in form_rows]
        result = score_form(form.form, rubric)
        f = form.form
        latest[pid] = next_form
        form_rows.append((
            next_form, pid, import_id, True, form.year, unit_code, form.unit_name, infer_unit_type(form.unit_name),
            form.department, form.project_name, form.file, form.sheet, f.budget_initial, f.budget_full_year,
            f.executed, form.goal_expected, form.goal_actual, form.self_execution_rate, f.budget_self_score,
            f.self_total, result.status, result.execution_rate, result.budget_points, result.total, result.grade,
            list(result.flags), list(result.explanation), rubric.version,
        ))
        for seq, (ind, res) in enumerate(zip(f.indicators, result.indicators, strict=True), start=1):
            indicator_rows.append((
                next_form, seq, ind.level1, ind.level2, ind.name, ind.target.text, ind.target.op,
                ind.target.number, ind.actual.text if ind.actual else None,
                ind.actual.number if ind.actual else None, ind.target.unit, ind.weight, res.weight,
                ind.self_score, res.score, ind.deviation_note, list(res.flags), res.explanation, ind.ref,
            ))
        next_form += 1
    _insert(tx, "forms", form_rows)
    _insert(tx, "indicators", indicator_rows)
    return len(forms), replaced


def _store_grade_bands(tx: duckdb.DuckDBPyConnection, rubric: Rubric) -> None:
    tx.execute("DELETE FROM grade_bands")
    for rank, band in enumerate(rubric.grade_rule.bands, start=1):
        tx.execute("INSERT INTO grade_bands VALUES (?, ?, ?)", [band.name, band.min, rank])


def _insert(tx: duckdb.DuckDBPyConnection, table: str, rows: list[tuple]) -> None:
    """Bulk insert rows (in table column order) through a DataFrame; Decimals become text then DECIMAL."""
    if not rows:
        return
    columns = [c[0] for c in tx.execute(f"SELECT * FROM {table} LIMIT 0").description]
    frame = pd.DataFrame(rows, columns=columns, dtype=object)
    for col in columns:
        if any(isinstance(v, list) for v in frame[col]):
            continue
        frame[col] = frame[col].map(lambda v: None if v is None else str(v) if not isinstance(v, (bool, int)) else v)
    tx.register("new_rows", frame)
    tx.execute(f"INSERT INTO {table} SELECT * FROM new_rows")
    tx.unregister("new_rows")
