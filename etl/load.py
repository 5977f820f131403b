"""Import files into the store in three steps: parse → check → commit.

`check` reads and validates a file without touching the store; `commit` writes exactly what was checked,
through store/ (this module holds no SQL). A file is either a unit's workbook of self-evaluation forms
(one sheet per project) or the bureau's 自评项目清单. Each file is all or nothing: a batch of files is
written in one transaction, and when that fails the files are written one by one so that only the
failing file is rejected. Loading the same bytes again, or the same cells re-saved by Excel or WPS,
changes nothing; a new version of a unit's project replaces the old one, which stays as history. The
imported file itself is kept in the store (content-addressed by its sha256).
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import logging
import multiprocessing
import os
import time
import zipfile
import zlib
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from pathlib import Path

from etl import limits
from etl.form import (
    ERROR,
    FUND_COLUMNS,
    INSTRUCTION_SHEETS,
    WARNING,
    ParsedForm,
    Problem,
    key_label,
    looks_like_form,
    parse_sheet,
)
from etl.limits import (
    MAX_CHECK_SECONDS,
    MAX_COMPRESSION_RATIO,
    MAX_FILE_MB,
    MAX_FORM_SEARCH_ROWS,
    MAX_LIST_ROWS,
    MAX_ROWS,
    MAX_UPLOAD_MB,
    MAX_ZIP_MEMBERS,
    MAX_ZIP_TOTAL_MB,
    RATIO_FLOOR_MB,
)
from etl.reader import Sheet, UnreadableWorkbook, read_workbook, sheet_names
from etl.registry import Plan, infer_unit_type, is_plan, parse_plan
from etl.scoring import rubric_record, score_rows
from rubrics.engine import score_form
from rubrics.loader import Rubric, load_rubric
from rubrics.model import FormResult
from store import access, audit, writes
from store.access import Viewer
from store.db import WRITER_WAIT_S, Connection, DatabaseBusy, Notify, StoreError, reading, writing

EXCEL_SUFFIXES = (".xlsx", ".xls", ".xlsm")
MB = 1024 * 1024
__all__ = ["MAX_FILE_MB", "MAX_UPLOAD_MB", "MAX_ZIP_MEMBERS", "FileReport", "SourceFile", "check", "commit",
           "load_paths", "load_source", "load_uploads"]
BATCH_FILES = 250  # files checked and committed together by load_paths (bounds memory at province scale)
PARALLEL_MIN_FILES = 64  # from this many files on, checking runs in worker processes
MAX_WORKERS = 8
RUN_KIND_IMPORT = "导入"
Progress = Callable[[int, int, str], None]
_log = logging.getLogger(__name__)

LOADED = "已导入"
LOADED_WITH_WARNINGS = "已导入（有警告）"
REJECTED = "已拒绝"
UNCHANGED = "未更改（此前已导入）"
CHECKED = "检查通过"
CHECKED_WITH_WARNINGS = "检查通过（有警告）"

KIND_FORMS = "自评表"
KIND_PLAN = "自评项目清单"


class UnreadableSource(Exception):
    """A file's bytes cannot be had (a damaged or encrypted zip member, one that unpacks too large); str() is a
    Chinese message saying why."""


@dataclass(frozen=True)
class SourceFile:
    """A file to import: its display name (path inside a .zip included) and its bytes, given (`content`) or read
    from `path` each time they are asked for, so that thousands of files are never all held in memory. A member of
    a .zip (`member`) is unpacked from the archive at `path` (or in `archive`, an upload) only when asked for."""

    name: str
    content: bytes | None = None
    path: Path | None = None
    member: str = ""
    archive: bytes | None = field(default=None, repr=False)

    @property
    def data(self) -> bytes:
        """The file's bytes; UnreadableSource when a zip member cannot be unpacked."""
        if self.content is not None:
            return self.content
        if self.member:
            return _unpack(self.path if self.archive is None else io.BytesIO(self.archive), self.member)
        if self.path is None:
            return b""
        return self.path.read_bytes()


def _unpack(archive: Path | io.BytesIO | None, member: str) -> bytes:
    """One member of a .zip, streamed and stopped past MAX_FILE_MB whatever its header says."""
    if archive is None:
        return b""
    try:
        with zipfile.ZipFile(archive) as zf, zf.open(member) as stream:
            data = stream.read(MAX_FILE_MB * MB + 1)
            if len(data) <= MAX_FILE_MB * MB:
                stream.read()  # at the end: zipfile checks the CRC
        if len(data) > MAX_FILE_MB * MB:
            raise UnreadableSource(f"解压后超过 {MAX_FILE_MB} MB，不像是自评表，已拒绝")
        return data
    except RuntimeError as exc:  # zipfile: "File … is encrypted, password required"
        raise UnreadableSource("压缩包中的这个文件设有密码，无法解压；请去掉密码后重新打包") from exc
    except (zipfile.BadZipFile, zipfile.LargeZipFile, zlib.error, EOFError, NotImplementedError, KeyError,
            ValueError) as exc:
        raise UnreadableSource("压缩包中的这个文件已损坏，无法解压；请重新打包后再导入") from exc


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
        elif path.stat().st_size > MAX_FILE_MB * MB and path.suffix.lower() != ".zip":
            yield Problem(str(path), "", "", f"文件超过 {MAX_FILE_MB} MB，不像是自评表，已拒绝", ERROR)
        elif path.suffix.lower() == ".zip":
            yield from iter_zip(str(path), path=path)
        else:
            yield SourceFile(str(path), path=path)


def _zip_name(info: zipfile.ZipInfo) -> str:
    """Member name, decoding Windows (GBK) names that zipfile read as cp437."""
    if info.flag_bits & 0x800:
        return info.filename
    try:
        return info.filename.encode("cp437").decode("gbk")
    except (UnicodeEncodeError, UnicodeDecodeError):
        return info.filename


def iter_zip(name: str, data: bytes | None = None, path: Path | None = None) -> Iterator[SourceFile | Problem]:
    """The Excel files inside a .zip archive (its bytes, or the file at `path`), in name order. Nothing is
    unpacked here: each member is read when it is checked. An archive that would unpack to more than
    MAX_ZIP_TOTAL_MB, members beyond MAX_ZIP_MEMBERS, and members too large or too compressed (bombs) are refused
    with a message."""
    try:
        archive = zipfile.ZipFile(path if path is not None else io.BytesIO(data or b""))
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, OSError, ValueError):
        yield Problem(name, "", "", "压缩包已损坏，无法解压；请重新打包后再导入", ERROR)
        return
    with archive:
        members = sorted((i for i in archive.infolist() if not i.is_dir()), key=_zip_name)
    excel = [i for i in members if Path(_zip_name(i)).suffix.lower() in EXCEL_SUFFIXES
             and not Path(_zip_name(i)).name.startswith(("~$", "."))]
    if not excel:
        yield Problem(name, "", "", "压缩包中没有 .xlsx 或 .xls 文件", ERROR)
        return
    total = sum(i.file_size for i in excel[:MAX_ZIP_MEMBERS])
    if total > MAX_ZIP_TOTAL_MB * MB:
        yield Problem(name, "", "", f"压缩包中的 Excel 文件解压后共 {total // MB:,} MB，超过 {MAX_ZIP_TOTAL_MB:,} MB，"
                                    "疑似压缩炸弹，整个压缩包已拒绝；请分成几个压缩包导入", ERROR)
        return
    if len(excel) > MAX_ZIP_MEMBERS:
        yield Problem(name, "", "", f"压缩包中有 {len(excel):,} 个 Excel 文件，超过 {MAX_ZIP_MEMBERS:,} 个；只导入了按名称排序的前 "
                                    f"{MAX_ZIP_MEMBERS:,} 个，其余未导入，请分成几个压缩包", ERROR)
    for info in excel[:MAX_ZIP_MEMBERS]:
        member = f"{name}/{_zip_name(info)}"
        if info.file_size > MAX_FILE_MB * MB:
            yield Problem(member, "", "", f"文件超过 {MAX_FILE_MB} MB，不像是自评表，已拒绝", ERROR)
        elif info.file_size > RATIO_FLOOR_MB * MB and info.file_size > MAX_COMPRESSION_RATIO * max(1, info.compress_size):
            yield Problem(member, "", "", f"压缩比异常（{info.file_size // max(1, info.compress_size):,} 倍，上限 "
                                          f"{MAX_COMPRESSION_RATIO} 倍），疑似压缩炸弹，已拒绝", ERROR)
        else:
            yield SourceFile(member, path=path, member=info.filename, archive=data if path is None else None)


@dataclass
class Checked:
    """A file read and checked, not yet stored: `commit` writes exactly this."""

    source: SourceFile
    kind: str
    forms: list[ParsedForm]
    plan: Plan | None
    problems: list[Problem]
    file_hash: str = ""  # sha256 of the bytes
    content_hash: str = ""  # sha256 of the cell values and merges: the same for a re-save of the same cells
    results: list[FormResult] = field(default_factory=list)  # the forms scored with `scored_with`, when asked
    scored_with: str = ""  # version of the rubric that produced `results`

    @property
    def ok(self) -> bool:
        """True when the file has no ERROR problem."""
        return not any(p.severity == ERROR for p in self.problems)

    @property
    def count(self) -> int:
        """Forms (自评表) or rows (自评项目清单) in the file."""
        return len(self.forms) if self.kind == KIND_FORMS else len(self.plan.rows) if self.plan else 0

    def report(self, status: str, replaced: int = 0, extra: Sequence[Problem] = ()) -> FileReport:
        """A FileReport for this file with the given outcome."""
        count = self.count if status != REJECTED else 0
        return FileReport(self.source.name, status, self.kind, count, replaced, [*self.problems, *extra])


def content_hash(sheets: Sequence[Sheet]) -> str:
    """sha256 of what a workbook shows: sheet names, cell values and merged ranges (not the file bytes, which
    change when Excel or WPS saves the same cells again)."""
    digest = hashlib.sha256()
    for sheet in sheets:
        digest.update(repr((sheet.name, sorted(sheet.merges), sorted(sheet.values.items()))).encode())
    return digest.hexdigest()


AMOUNT_LIMIT = Decimal(limits.AMOUNT_LIMIT)  # the store's DECIMAL columns (etl/limits.py)
POINTS_LIMIT = Decimal(limits.POINTS_LIMIT)
VALUE_LIMIT = Decimal(limits.VALUE_LIMIT)


def _too_large(form: ParsedForm) -> list[str]:
    """What on a form is too large to store (a pasted ID number, 1E+300 …)."""
    f = form.form
    found = [label for label, value, limit in (
        ("全年预算数", f.budget_full_year, AMOUNT_LIMIT), ("年初预算数", f.budget_initial, AMOUNT_LIMIT),
        ("全年执行数", f.executed, AMOUNT_LIMIT), ("预算执行率分值", f.budget_weight, POINTS_LIMIT),
        ("预算执行率得分", f.budget_self_score, POINTS_LIMIT), ("总分", f.self_total, POINTS_LIMIT),
        ("执行率", form.self_execution_rate, POINTS_LIMIT),
        *((f"{level}分值", points, POINTS_LIMIT) for level, points in f.level_weights),
    ) if value is not None and abs(value) >= limit]
    for key, row in form.fund_rows.items():
        found += [f"{key_label(key)}的{FUND_COLUMNS[field_][0]}" for field_, v in row.items()
                  if v is not None and abs(v) >= AMOUNT_LIMIT]
    for ind in f.indicators:
        for label, value, limit in (("年度指标值", ind.target.number, VALUE_LIMIT),
                                    ("实际完成值", ind.actual.number if ind.actual else None, VALUE_LIMIT),
                                    ("分值", ind.weight, POINTS_LIMIT), ("得分", ind.self_score, POINTS_LIMIT)):
            if value is not None and abs(value) >= limit:
                found.append(f"{ind.ref} {label}")
    return found


def check(source: SourceFile, default_year: int | None = None, rubric: Rubric | None = None) -> Checked:
    """Read and check one file without touching the store (and score its forms when given a rubric); never
    raises for bad input."""
    checked = _check(source, default_year)
    if rubric is not None and checked.ok:
        checked.results = [score_form(form.form, rubric) for form in checked.forms]
        checked.scored_with = rubric.version
    return checked


def _check(source: SourceFile, default_year: int | None) -> Checked:
    """check(), guarded: whatever goes wrong reading one file becomes that file's problem, never an exception."""
    try:
        return _check_file(source, default_year)
    except MemoryError:
        return _failed(source, "文件过大或结构异常，读取时内存不足，已拒绝；请检查文件后再导入")
    except RecursionError:
        return _failed(source, "文件结构嵌套过深，无法读取，已拒绝；请在 Excel 中打开并另存后再导入")
    except Exception:  # a per-file boundary: the batch goes on; the traceback goes to the log, not to the user
        _log.exception("checking %s failed", source.name)
        return _failed(source, "读取时发生意外错误，文件未导入；请在 Excel 中打开并另存后再导入，仍不行请把文件交给管理员")


def _failed(source: SourceFile, message: str) -> Checked:
    return Checked(source, "", [], None, [Problem(source.name, "", "", message, ERROR)])


def _check_file(source: SourceFile, default_year: int | None) -> Checked:
    deadline = time.monotonic() + MAX_CHECK_SECONDS
    try:
        data = source.data
    except UnreadableSource as exc:
        return _failed(source, str(exc))
    except OSError as exc:
        _log.warning("reading %s failed: %s", source.name, exc)
        return _failed(source, "无法读取文件（文件不存在、无权限或磁盘出错）；请检查后重新导入")
    if len(data) > MAX_FILE_MB * MB:
        return _failed(source, f"文件超过 {MAX_FILE_MB} MB，不像是自评表，已拒绝")
    file_hash = hashlib.sha256(data).hexdigest()
    try:
        plan_file = is_plan(sheet_names(data))
        sheets = read_workbook(data, max_rows=MAX_LIST_ROWS if plan_file else MAX_ROWS, deadline=deadline)
        if not plan_file and _form_below(sheets):  # a form further down than MAX_ROWS: look again, deeper
            sheets = read_workbook(data, max_rows=MAX_FORM_SEARCH_ROWS, deadline=deadline)
    except UnreadableWorkbook as exc:
        return Checked(source, "", [], None, [Problem(source.name, "", "", str(exc), ERROR)], file_hash)
    digest = content_hash(sheets)
    if plan_file:
        plan, plan_problems = parse_plan(source.name, sheets)
        return Checked(source, KIND_PLAN, [], plan, plan_problems, file_hash, digest)
    problems: list[Problem] = []
    forms: list[ParsedForm] = []
    for sheet in sheets:
        if time.monotonic() > deadline:
            return _failed(source, f"读取超过 {MAX_CHECK_SECONDS} 秒仍未完成，不像是自评表，已停止；请检查文件后再导入")
        if sheet.hidden:
            problems.append(Problem(source.name, sheet.name, "", f"工作表“{sheet.name}”是隐藏的，未导入；如需导入，请在 Excel "
                                                                 "中取消隐藏后重新上传"))
            continue
        if sheet.name.strip() in INSTRUCTION_SHEETS:
            continue
        if not sheet.values:
            if sheet.truncated:
                problems.append(Problem(source.name, sheet.name, "", f"工作表的前 {sheet.row_limit} 行是空的，内容在第 "
                                        f"{sheet.row_limit} 行之后（共 {sheet.rows} 行），超出可读范围；请删去上方的空行后重新上传"))
            continue
        if not looks_like_form(sheet):
            read = f"（只读取了前 {sheet.row_limit} 行，该表共 {sheet.rows} 行）" if sheet.truncated else ""
            problems.append(Problem(source.name, sheet.name, "", f"不是项目支出绩效自评表：没有找到“项目名称”或“自评表”标题{read}，"
                                                                 "已跳过"))
            continue
        sheet_forms, sheet_problems = parse_sheet(source.name, sheet, default_year)
        problems.extend(sheet_problems)
        for form in sheet_forms:
            too_large = _too_large(form)
            if too_large:
                problems.append(Problem(source.name, sheet.name, "", f"项目“{form.project_name}”数值过大，无法保存"
                                        f"（{'、'.join(too_large)}）；请检查是否误填了编号或多写了位数", ERROR))
                continue
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
    return Checked(source, KIND_FORMS, forms, None, problems, file_hash, digest)


def _form_below(sheets: Sequence[Sheet]) -> bool:
    """True when no visible sheet looks like a form within its first rows but one has rows beyond them."""
    visible = [sheet for sheet in sheets if not sheet.hidden]
    return any(sheet.truncated for sheet in visible) \
        and not any(looks_like_form(sheet) for sheet in visible if sheet.values)


def check_source(source: SourceFile, default_year: int | None = None, checked: Checked | None = None) -> FileReport:
    """Validate one file without writing (or report on a check already made): what loading it would do."""
    checked = checked or check(source, default_year)
    has_warnings = any(p.severity == WARNING for p in checked.problems)
    status = REJECTED if not checked.ok else (CHECKED_WITH_WARNINGS if has_warnings else CHECKED)
    return checked.report(status)


def _rejected(problem: Problem) -> Checked:
    """A path that could not even be read (missing, too large, a broken zip) as a rejected check."""
    return Checked(SourceFile(problem.file, b""), "", [], None, [problem])


def _check_one(args: tuple[SourceFile | Problem, int | None, Rubric | None]) -> Checked:
    item, default_year, rubric = args
    return _rejected(item) if isinstance(item, Problem) else check(item, default_year, rubric)


def default_workers() -> int:
    """Worker processes for checking many files: one per core (at most MAX_WORKERS)."""
    return max(1, min(os.cpu_count() or 1, MAX_WORKERS))


def _sources(paths: Iterable[Path | str]) -> list[SourceFile | Problem]:
    """Files, folders and .zip archives as sources, plans (自评项目清单) first so forms can take their unit codes."""
    items = list(iter_sources(paths))
    items.sort(key=lambda s: 0 if isinstance(s, SourceFile) and "清单" in Path(s.name).name else 1)
    return items


def _checked_batches(items: Sequence[SourceFile | Problem], default_year: int | None, rubric: Rubric | None,
                     workers: int, batch_files: int, progress: Progress | None) -> Iterator[list[Checked]]:
    """Check items batch by batch, in order. With worker processes, the next batch is already being checked
    while the caller commits this one."""
    batches = [items[start:start + batch_files] for start in range(0, len(items), batch_files)]
    with contextlib.ExitStack() as stack:
        pool: ProcessPoolExecutor | None = None
        if workers > 1 and len(items) >= PARALLEL_MIN_FILES:
            # spawn, not fork: forking a process that runs threads can deadlock the child
            pool = stack.enter_context(ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("spawn")))

        def submit(batch: Sequence[SourceFile | Problem]) -> Iterator[Checked]:
            jobs = [(item, default_year, rubric) for item in batch]
            if pool is None:
                return map(_check_one, jobs)
            return pool.map(_check_one, jobs, chunksize=max(1, min(32, len(jobs) // (workers * 8))))  # submits all

        done = 0
        pending = submit(batches[0]) if batches else iter(())
        for index, batch in enumerate(batches):
            checked: list[Checked] = []
            for item, result in zip(batch, pending, strict=True):
                checked.append(result)
                done += 1
                if progress is not None:
                    progress(done, len(items), item.file if isinstance(item, Problem) else item.name)
            if index + 1 < len(batches):
                pending = submit(batches[index + 1])  # with workers: checked while this batch is committed
            yield checked


SYSTEM = Viewer(username="系统", display_name="系统", role=access.ADMIN)  # the first-start build of the sample


def commit(con: Connection, checked: Sequence[Checked], rubric: Rubric | None = None,
           on_wait: Notify | None = None, wait_s: float = WRITER_WAIT_S, actor: Viewer = SYSTEM) -> list[FileReport]:
    """Write what was checked, one report per file in the order given, on behalf of `actor`: a file it may not
    import (another unit's forms, a plan when it is not 绩效办) is refused and the attempt recorded. Rejected
    files write nothing; the rest go in one transaction with their audit entries, or, when the database
    refuses it, one transaction per file. DatabaseBusy (another writer kept the lock too long) is raised:
    nothing was written."""
    rubric = rubric or load_rubric()
    try:
        refused = _refusals(con, actor, [c for c in checked if c.ok])
    except StoreError as exc:  # the database cannot even be read: every file is told why, nothing is written
        return [c.report(REJECTED, extra=[Problem(c.source.name, "", "", str(exc), ERROR)] if c.ok else ())
                for c in checked]
    accepted = [c for c in checked if c.ok and id(c) not in refused]
    try:
        with writing(con, on_wait, wait_s) as cur:
            written = _write(cur, accepted, rubric, actor)
    except DatabaseBusy:
        raise
    except Exception:  # noqa: BLE001 - rolled back; each file is tried alone below and told its own reason
        written = {}
        for item in accepted:
            try:
                with writing(con, on_wait, wait_s) as cur:
                    written.update(_write(cur, [item], rubric, actor))
            except DatabaseBusy:
                raise
            except StoreError as exc:
                written[id(item)] = item.report(REJECTED, extra=[Problem(item.source.name, "", "", str(exc), ERROR)])
            except MemoryError:
                written[id(item)] = item.report(REJECTED, extra=[Problem(
                    item.source.name, "", "", "写入时内存不足，本文件未导入；请稍后单独导入该文件", ERROR)])
            except Exception:  # a per-file boundary: rolled back, reported, the batch goes on; details in the log
                _log.exception("writing %s failed", item.source.name)
                written[id(item)] = item.report(REJECTED, extra=[Problem(
                    item.source.name, "", "", "写入时发生意外错误，本文件未导入，已全部撤销；请把文件交给管理员", ERROR)])
    written.update({key: next(c for c in checked if id(c) == key).report(REJECTED, extra=[problem])
                    for key, problem in refused.items()})
    return [written[id(c)] if id(c) in written else c.report(REJECTED) for c in checked]


def _unit_cell(form: ParsedForm) -> str:
    """The cell the form's 实施单位 came from ('' when it did not come from a cell)."""
    return next((f.cell for f in form.recognition if f.field.startswith("实施单位")), "")


def _refusals(con: Connection, actor: Viewer, items: Sequence[Checked]) -> dict[int, Problem]:
    """The files `actor` may not import, keyed by id(Checked), each with the problem it is told; every refusal is
    recorded in the audit trail. 绩效办 may import anything; a plan (自评项目清单) only 绩效办."""
    if actor.role == access.ADMIN or not items:
        return {}
    units = access.scope(con, actor)
    forms = [form for item in items for form in item.forms]
    with reading(con) as cur:
        codes = writes.plan_unit_codes(cur, {form.year for form in forms})
    refused: dict[int, Problem] = {}
    for item in items:
        try:
            if item.kind == KIND_PLAN:
                access.require(con, actor, access.PLAN, target=item.source.name)
            for form in item.forms:
                code = form.unit_code or codes.get((form.year, form.unit_name), form.unit_name)
                what = f"自评表“{form.sheet}”的实施单位“{form.unit_name}”"
                try:
                    access.require(con, actor, access.UPLOAD, unit_code=code, target=item.source.name, units=units,
                                   what=what)
                except access.Refused as exc:
                    raise _AtCell(str(exc), form.sheet, _unit_cell(form)) from exc
        except access.Refused as exc:
            refused[id(item)] = Problem(item.source.name, "", "", str(exc), ERROR)
        except _AtCell as exc:
            refused[id(item)] = Problem(item.source.name, exc.sheet, exc.cell, exc.message, ERROR)
    return refused


class _AtCell(Exception):
    """A refusal tied to a form's cell."""

    def __init__(self, message: str, sheet: str, cell: str) -> None:
        super().__init__(message)
        self.message, self.sheet, self.cell = message, sheet, cell


def load_source(con: Connection, source: SourceFile, rubric: Rubric | None = None,
                default_year: int | None = None, actor: Viewer = SYSTEM) -> FileReport:
    """Check and commit one file on behalf of `actor`."""
    rubric = rubric or load_rubric()
    return commit(con, [check(source, default_year, rubric)], rubric, actor=actor)[0]


def load_paths(con: Connection, paths: Iterable[Path | str], rubric: Rubric | None = None,
               default_year: int | None = None, progress: Progress | None = None,
               on_wait: Notify | None = None, workers: int = 1, batch_files: int = BATCH_FILES,
               actor: Viewer = SYSTEM, on_report: Callable[[FileReport], None] | None = None) -> list[FileReport]:
    """Check, score and commit files, folders and .zip archives; plans (自评项目清单) first. One report per file.
    Files are committed `batch_files` at a time, so memory stays bounded at any number of files; each file is
    still all or nothing; `on_report` hears of each file once its batch is stored. With workers > 1, files are
    checked by that many spawned worker processes: only from a command line program (spawning re-runs the
    `__main__` script, the dashboard's under Streamlit)."""
    rubric = rubric or load_rubric()
    reports: list[FileReport] = []
    for batch in _checked_batches(_sources(paths), default_year, rubric, workers, batch_files, progress):
        done = commit(con, batch, rubric, on_wait, actor=actor)
        reports.extend(done)
        if on_report is not None:
            for report in done:
                on_report(report)
    return reports


def check_uploads(uploads: Sequence[tuple[str, bytes]], rubric: Rubric | None = None, default_year: int | None = None,
                  progress: Progress | None = None) -> list[Checked]:
    """Check (and score) files uploaded in the browser (name, bytes; .zip archives expanded) without storing
    anything: what the upload page shows before the person confirms. One Checked per file."""
    rubric = rubric or load_rubric()
    sources: list[SourceFile | Problem] = []
    for name, data in uploads:
        if len(data) > MAX_UPLOAD_MB * 1024 * 1024:
            sources.append(Problem(name, "", "", f"文件超过 {MAX_UPLOAD_MB} MB，已拒绝", ERROR))
        elif name.lower().endswith(".zip"):
            sources.extend(iter_zip(name, data))
        elif len(data) > MAX_FILE_MB * 1024 * 1024:
            sources.append(Problem(name, "", "", f"文件超过 {MAX_FILE_MB} MB，不像是自评表，已拒绝", ERROR))
        else:
            sources.append(SourceFile(name, data))
    checked: list[Checked] = []
    for done, item in enumerate(sources, start=1):
        checked.append(_rejected(item) if isinstance(item, Problem) else check(item, default_year, rubric))
        if progress is not None:
            progress(done, len(sources), item.file if isinstance(item, Problem) else item.name)
    return checked


def load_uploads(con: Connection, uploads: Sequence[tuple[str, bytes]], actor: Viewer, rubric: Rubric | None = None,
                 default_year: int | None = None, progress: Progress | None = None) -> list[FileReport]:
    """Check and commit files uploaded in the browser (name, bytes; .zip archives expanded) on behalf of `actor`:
    a file with another unit's forms is refused and the attempt recorded. One report per file."""
    rubric = rubric or load_rubric()
    checked = check_uploads(uploads, rubric, default_year, progress)
    reports = commit(con, checked, rubric, actor=actor)
    record_rejected(con, actor, checked)
    return reports


def record_rejected(con: Connection, actor: Viewer, checked: Sequence[Checked]) -> None:
    """Put the files that were not stored because of what they hold in the audit trail too (失败, with their
    errors), so that the upload log holds every file a person sent (refusals are recorded by `commit`)."""
    bad = [audit.Entry(actor.username, actor.role, audit.IMPORT, audit.FAILED, target=item.source.name,
                       after={"文件": item.source.name, "sha256": item.file_hash},
                       detail="；".join(p.message for p in item.problems if p.severity == ERROR)[:1000])
           for item in checked if not item.ok]
    if bad:
        with writing(con) as cur:
            audit.record_many(cur, bad)


def project_id(year: int, unit_code: str, project_name: str) -> str:
    """A stable id for a project across form versions."""
    return hashlib.sha1(f"{year}\x1f{unit_code}\x1f{project_name}".encode()).hexdigest()[:12]


def _write(cur: Connection, files: Sequence[Checked], rubric: Rubric, actor: Viewer) -> dict[int, FileReport]:
    """Store checked files (plans first) inside the caller's transaction; reports keyed by id(Checked)."""
    reports: dict[int, FileReport] = {}
    known_files, known_contents = writes.known_files(cur, [c.file_hash for c in files],
                                                     [c.content_hash for c in files])
    fresh: list[Checked] = []
    for item in files:
        if item.file_hash in known_files or item.content_hash in known_contents:
            reports[id(item)] = FileReport(item.source.name, UNCHANGED)
            continue
        known_files.add(item.file_hash)
        known_contents.add(item.content_hash)
        fresh.append(item)
    if not fresh:
        return reports
    import_ids = dict(zip((id(c) for c in fresh), writes.next_ids(cur, "import_id_seq", len(fresh)), strict=True))
    now = datetime.now()
    for item in fresh:
        if item.kind == KIND_PLAN and item.plan is not None:
            _write_plan(cur, import_ids[id(item)], item.plan)
    conflicts = _plan_conflicts(cur, [c for c in fresh if c.kind == KIND_FORMS])
    for item in [c for c in fresh if id(c) in conflicts]:
        reports[id(item)] = item.report(REJECTED, extra=conflicts[id(item)])
        fresh.remove(item)
    if not fresh:
        return reports
    form_files = [c for c in fresh if c.kind == KIND_FORMS]
    replaced = _write_forms(cur, form_files, import_ids, rubric) if form_files else {}
    writes.insert(cur, "imports", {
        "import_id": [import_ids[id(c)] for c in fresh],
        "file_name": [c.source.name for c in fresh],
        "file_hash": [c.file_hash for c in fresh],
        "content_hash": [c.content_hash for c in fresh],
        "kind": [c.kind for c in fresh],
        "loaded_at": [now] * len(fresh),
        "forms": [c.count for c in fresh],
        "warnings": [sum(p.severity == WARNING for p in c.problems) for c in fresh],
    })
    problems = [(import_ids[id(c)], p) for c in fresh for p in c.problems]
    writes.insert(cur, "problems", {
        "import_id": [i for i, _ in problems], "file_name": [p.file for _, p in problems],
        "sheet": [p.sheet for _, p in problems], "cell": [p.cell for _, p in problems],
        "severity": [p.severity for _, p in problems], "message": [p.message for _, p in problems],
    })
    kept = [_checked_bytes(c) for c in fresh]
    writes.insert(cur, "source_files", {
        "file_hash": [c.file_hash for c in fresh], "size": [len(data) for data in kept], "data": kept,
        "stored_at": [now] * len(fresh),
    })
    for item in fresh:
        warned = any(p.severity == WARNING for p in item.problems)
        reports[id(item)] = item.report(LOADED_WITH_WARNINGS if warned else LOADED, replaced.get(id(item), 0))
    audit.record_many(cur, [_import_entry(actor, item, reports[id(item)]) for item in fresh])
    return reports


AUDIT_PROJECTS = 20  # project names an import's audit entry lists


def _import_entry(actor: Viewer, item: Checked, report: FileReport) -> audit.Entry:
    """The audit entry of one imported file: what it held, and how many earlier versions it replaced."""
    names = [form.project_name for form in item.forms]
    units = sorted({form.unit_code or form.unit_name for form in item.forms})
    after: dict[str, object] = {"类型": item.kind, "文件": item.source.name, "sha256": item.file_hash,
                                "张数": report.forms, "警告": sum(p.severity == WARNING for p in item.problems)}
    if names:
        after["项目"] = names[:AUDIT_PROJECTS] + ([f"……共 {len(names)} 个"] if len(names) > AUDIT_PROJECTS else [])
    before = {"被替换的旧版本": report.replaced} if report.replaced else None
    return audit.Entry(actor.username, actor.role, audit.IMPORT if item.kind == KIND_FORMS else audit.IMPORT_PLAN,
                       audit.OK, target=item.source.name, unit_code=units[0] if len(units) == 1 else None,
                       before=before, after=after, detail=report.status)


def _checked_bytes(item: Checked) -> bytes:
    """The bytes of a checked file, as they were checked: a file changed on disk since fails the commit."""
    try:
        data = item.source.data
    except (OSError, UnreadableSource) as exc:
        raise StoreError(f"文件 {item.source.name} 在检查之后无法再读取，未导入；请重新导入") from exc
    if hashlib.sha256(data).hexdigest() != item.file_hash:
        raise StoreError(f"文件 {item.source.name} 在检查之后被修改，未导入；请重新导入")
    return data


def _plan_conflicts(cur: Connection, files: Sequence[Checked]) -> dict[int, list[Problem]]:
    """Check the forms' units against the stored plans (自评项目清单) of their years, inside the write: a unit code
    that belongs to another name in the plan is an ERROR (keyed by id(Checked); the file is rejected); a code or
    name the plan does not know is a WARNING added to the file's problems (it would make a new unit)."""
    forms = [(item, form) for item in files for form in item.forms]
    if not forms:
        return {}
    codes = writes.plan_unit_codes(cur, {form.year for _, form in forms})
    planned_years = {year for year, _ in codes}
    known = {(year, code) for (year, _), code in codes.items()}
    errors: dict[int, list[Problem]] = {}

    def warn(item: Checked, problem: Problem) -> None:
        if problem not in item.problems:  # the write may be tried twice (batch, then file by file)
            item.problems.append(problem)

    for item, form in forms:
        if form.year not in planned_years:
            continue
        cell = _unit_cell(form)
        if form.unit_code and (form.year, form.unit_code) not in known:
            planned = codes.get((form.year, form.unit_name))
            if planned is not None:
                errors.setdefault(id(item), []).append(Problem(
                    item.source.name, form.sheet, cell, f"实施单位编码 {form.unit_code} 与 {form.year} 年自评项目清单中"
                    f"“{form.unit_name}”的编码 {planned} 不一致；请改正编码后重新上传", ERROR))
            else:
                warn(item, Problem(
                    item.source.name, form.sheet, cell, f"单位编码 {form.unit_code}（{form.unit_name}）不在 {form.year} "
                    "年自评项目清单中，将作为清单外的单位导入；请核对编码"))
        elif not form.unit_code and (form.year, form.unit_name) not in codes:
            warn(item, Problem(
                item.source.name, form.sheet, cell, f"实施单位“{form.unit_name}”不在 {form.year} 年自评项目清单中，"
                "将作为清单外的单位导入；请核对单位名称，或写上单位编码"))
    return errors


def _write_plan(cur: Connection, import_id: int, plan: Plan) -> None:
    rows = plan.rows
    writes.replace_plan(cur, plan.year, {
        "year": [plan.year] * len(rows), "unit_code": [r.unit_code for r in rows],
        "unit_name": [r.unit_name for r in rows], "unit_type": [r.unit_type for r in rows],
        "department": [r.department for r in rows], "project_name": [r.project_name for r in rows],
        "domain": [r.domain for r in rows], "import_id": [import_id] * len(rows),
    }, {"year": [plan.year], "project_expenditure": [plan.project_expenditure], "note": [plan.note or None],
        "import_id": [import_id]})


def _write_forms(cur: Connection, files: Sequence[Checked], import_ids: dict[int, int],
                 rubric: Rubric) -> dict[int, int]:
    """Store the forms of these files with their scores (one scoring run); returns replaced versions per file."""
    forms = [(item, form) for item in files for form in item.forms]
    codes = writes.plan_unit_codes(cur, {form.year for _, form in forms})
    form_ids = writes.next_ids(cur, "form_id_seq", len(forms))
    units = [form.unit_code or codes.get((form.year, form.unit_name), form.unit_name) for _, form in forms]
    pids = [project_id(form.year, unit, form.project_name) for (_, form), unit in zip(forms, units, strict=True)]
    retired = writes.retire_current_versions(cur, sorted(set(pids)))
    last = {pid: index for index, pid in enumerate(pids)}
    replaced: dict[int, int] = {}
    seen: set[str] = set()
    for (item, _), pid in zip(forms, pids, strict=True):
        earlier = retired.get(pid, 0) if pid not in seen else 1
        seen.add(pid)
        replaced[id(item)] = replaced.get(id(item), 0) + earlier
    rubric_id = writes.save_rubric(cur, rubric_record(rubric))
    run_id = writes.start_run(cur, rubric_id, RUN_KIND_IMPORT, len(forms))
    f = [form for _, form in forms]
    writes.insert(cur, "forms", {
        "form_id": form_ids, "project_id": pids,
        "import_id": [import_ids[id(item)] for item, _ in forms],
        "is_current": [last[pid] == index for index, pid in enumerate(pids)],
        "year": [x.year for x in f], "unit_code": units, "unit_name": [x.unit_name for x in f],
        "unit_type": [infer_unit_type(x.unit_name) for x in f], "department": [x.department for x in f],
        "project_name": [x.project_name for x in f], "file_name": [x.file for x in f], "sheet": [x.sheet for x in f],
        "budget_initial": [x.form.budget_initial for x in f], "budget_full_year": [x.form.budget_full_year for x in f],
        "executed": [x.form.executed for x in f], "budget_weight": [x.form.budget_weight for x in f],
        "self_execution_rate": [x.self_execution_rate for x in f],
        "self_budget_score": [x.form.budget_self_score for x in f], "self_score": [x.form.self_total for x in f],
        "goal_expected": [x.goal_expected for x in f], "goal_actual": [x.goal_actual for x in f],
    })
    funds = [(fid, key, row) for fid, x in zip(form_ids, f, strict=True) for key, row in x.fund_rows.items()]
    writes.insert(cur, "fund_rows", {
        "form_id": [fid for fid, _, _ in funds], "row_key": [key for _, key, _ in funds],
        "budget_initial": [row.get("budget_initial") for _, _, row in funds],
        "budget_full_year": [row.get("budget_full_year") for _, _, row in funds],
        "executed": [row.get("executed") for _, _, row in funds],
    })
    inds = [(fid, seq, ind) for fid, x in zip(form_ids, f, strict=True)
            for seq, ind in enumerate(x.form.indicators, start=1)]
    writes.insert(cur, "indicators", {
        "form_id": [fid for fid, _, _ in inds], "seq": [seq for _, seq, _ in inds],
        "level1": [i.level1 for _, _, i in inds], "level2": [i.level2 for _, _, i in inds],
        "name": [i.name for _, _, i in inds], "target_text": [i.target.text for _, _, i in inds],
        "target_op": [i.target.op for _, _, i in inds], "target_value": [i.target.number for _, _, i in inds],
        "target_unit": [i.target.unit for _, _, i in inds],
        "actual_text": [i.actual.text if i.actual else None for _, _, i in inds],
        "actual_value": [i.actual.number if i.actual else None for _, _, i in inds],
        "actual_unit": [i.actual.unit if i.actual else None for _, _, i in inds],
        "weight": [i.weight for _, _, i in inds], "self_score": [i.self_score for _, _, i in inds],
        "deviation_note": [i.deviation_note for _, _, i in inds], "cell_ref": [i.ref for _, _, i in inds],
        "not_applicable": [i.not_applicable for _, _, i in inds],
    })
    levels = [(fid, level, points) for fid, x in zip(form_ids, f, strict=True) for level, points in x.form.level_weights]
    writes.insert(cur, "form_level_weights", {
        "form_id": [fid for fid, _, _ in levels], "level": [level for _, level, _ in levels],
        "points": [points for _, _, points in levels],
    })
    remarks = [(fid, seq, label, text) for fid, x in zip(form_ids, f, strict=True)
               for seq, (label, text) in enumerate(x.remarks, start=1)]
    writes.insert(cur, "form_remarks", {
        "form_id": [r[0] for r in remarks], "seq": [r[1] for r in remarks], "label": [r[2] for r in remarks],
        "text": [r[3] for r in remarks],
    })
    scored = [result for item in files for result in
              (item.results if item.scored_with == rubric.version and len(item.results) == len(item.forms)
               else [None] * len(item.forms))]
    score_rows(cur, run_id, list(zip(form_ids, (x.form for x in f), strict=True)), rubric, scored)
    return replaced
