"""Next year's budget requests (下年预算申报数) in and out: the .xlsx template the bureau hands out, prefilled with
the evaluated year's units and their projects, and the reading of a filled one, with the same care as the forms.

Layout of the template (sheet 下年预算申报表): a title, a line naming the evaluated year, the request year and the
amount unit (万元), then the header row 单位编码 | 单位名称 | 项目名称（空白=单位合计） | 下年预算申报数（万元） |
补助个人的民生项目, and for each unit its whole request (project name blank) followed by its projects. Labels are
locked (sheet protection without a password); amounts and the 是/否 pick list are open.

Reading finds the header row by its labels (extra rows and columns are fine), reads the amounts strictly
(etl.values: "1,230.00", "56.2万元", full-width digits; a table headed in 元 is converted to 万元 with a warning),
and then runs store.cuts.check_requests for what depends on the store (unknown unit or project, duplicates, a unit
total below its projects). Every problem names the file, the sheet and the cell; a file with an error stores
nothing. Storing is store.cuts.save_requests (the caller's, after showing the problems).
"""

from __future__ import annotations

import hashlib
import io
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Protection, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet

from etl.form import ERROR, WARNING, Problem
from etl.limits import AMOUNT_LIMIT, MAX_LIST_ROWS
from etl.reader import EXCEL_ERRORS, Sheet, UnreadableWorkbook, read_workbook
from etl.values import WAN, NotANumber, clean_text, is_blank, normalize, parse_amount
from store.access import Viewer
from store.cuts import SOURCE_SHEET, CutsError, Known, Request, check_requests, known, save_requests
from store.db import Connection

TITLE = "下年预算申报表"
SHEET_NAME = "下年预算申报表"
INSTRUCTIONS_SHEET = "填表说明"
FILE_STEM = "下年预算申报表"
YES, NO = "是", "否"
UNIT_TOTAL_WORDS = ("单位合计", "合计", "(单位合计)", "单位申报合计")  # written in 项目名称 instead of leaving it blank
HEADERS = ("单位编码", "单位名称", "项目名称（空白=单位合计）", "下年预算申报数（万元）", "补助个人的民生项目")
COL_CODE, COL_UNIT, COL_PROJECT, COL_AMOUNT, COL_INDIVIDUAL = 1, 2, 3, 4, 5
TITLE_ROW, INFO_ROW, HEADER_ROW = 1, 2, 3
FIRST_ROW = HEADER_ROW + 1
WIDTHS = (12, 24, 34, 20, 18)
AMOUNT_PLACES = 6  # decimals of 万元 the store keeps (one 分 = 0.000001 万元)
MAX_HEADER_SEARCH_ROWS = 30  # rows above which the header row must start
# Header texts each column is recognised by (normalised text contains one of them); code, project and amount are
# required.
COLUMN_LABELS = {
    "code": ("单位编码", "单位代码", "编码"),
    "unit": ("单位名称",),
    "project": ("项目名称",),
    "amount": ("下年预算申报数", "预算申报数", "申报数", "申报金额"),
    "individual": ("补助个人", "民生项目"),
}
REQUIRED = ("code", "project", "amount")
_YUAN = re.compile(r"\(元\)|单位:元(?![\w])")  # after normalize(): （元） and 单位：元 — not 万元
_YEAR = re.compile(r"评价年度:?([12][0-9]{3})")
_WHERE = re.compile(r"^工作表“.+?”，单元格 [A-Z]{1,3}[0-9]+：")  # the prefix of Request.where
_YES_WORDS = frozenset({"是", "Y", "YES", "TRUE", "√", "✓", "1"})
_NO_WORDS = frozenset({"否", "N", "NO", "FALSE", "×", "0"})

CHECKED = "检查通过"
LOADED = "已导入"
REJECTED = "已拒绝"


# ---------------------------------------------------------------------------------------------
# The template
# ---------------------------------------------------------------------------------------------

_THIN = Side(style="thin", color="808080")
_BORDER = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)
_LABEL_FILL = PatternFill("solid", fgColor="EDEDED")
_UNIT_FILL = PatternFill("solid", fgColor="DDEBF7")
_INPUT_FILL = PatternFill("solid", fgColor="FFFDE7")
_FONT = Font(name="宋体", size=11)
_BOLD = Font(name="宋体", size=11, bold=True)
_TITLE_FONT = Font(name="宋体", size=16, bold=True)
_CENTER = Alignment(horizontal="center", vertical="center", wrap_text=True)
_LEFT = Alignment(horizontal="left", vertical="center", wrap_text=True)
_UNLOCKED = Protection(locked=False)

INSTRUCTIONS = (
    "填表说明",
    "1. 每个单位先填一行“单位合计”（项目名称留空）：单位下年预算申报总数，应不小于其各延续项目申报数之和（可含新增项目）。",
    "2. 单位合计行之下是本年度已自评的项目：继续实施的项目填写下年预算申报数；已完成、不再安排的项目留空即可。",
    "3. 金额单位为万元，填写数字，最多保留两位小数（如 1230.50）；不能为负数。",
    "4. “补助个人的民生项目”从下拉列表中选择“是”或“否”（如失地农民保障、计划生育奖励、免费教科书、困难群众救助等直接补助到个人的项目选“是”）。",
    "5. 单位编码、单位名称、项目名称已锁定，请勿改动（工作表保护没有密码）；不要增加本年度没有的项目，新增项目的金额计入单位合计。",
    "6. 同一单位、同一项目只能有一行；再次导入时，以新表替换表中各单位原有的申报数（原数据保留可查）。",
)


@dataclass(frozen=True)
class TemplateRow:
    """One row of the template: a unit's total (project_name None) or one of its projects, with what is prefilled."""

    unit_code: str
    unit_name: str
    project_name: str | None
    amount: Decimal | None = None
    individual: bool | None = None


def template_rows(known: Known, filled: Iterable[Request] = ()) -> list[TemplateRow]:
    """Every unit of `known` (by code) followed by its projects (by name), amounts taken from `filled` where given."""
    given = {(r.unit_code, r.project_name): r for r in filled}
    rows: list[TemplateRow] = []
    for code in sorted(known.units):
        name = known.units[code]
        for project in [None, *sorted(known.projects.get(code, {}))]:
            request = given.get((code, project))
            rows.append(TemplateRow(code, name, project, request.amount if request else None,
                                    (request.individual if project is not None else None) if request else None))
    return rows


def _set(ws: Worksheet, row: int, col: int, value: object, font: Font = _FONT, fill: PatternFill | None = None,
         left: bool = False, locked: bool = True) -> None:
    """Write one cell (text never becomes a formula) with the template's border and style."""
    cell = ws.cell(row, col)
    if value is not None:
        cell.value = value
        if isinstance(value, str):
            cell.data_type = "s"
    cell.font, cell.border = font, _BORDER
    cell.alignment = _LEFT if left else _CENTER
    if fill is not None:
        cell.fill = fill
    if not locked:
        cell.protection = _UNLOCKED


def _cell_amount(amount: Decimal) -> int | float:
    """An amount as a cell value (1230, not 1230.0)."""
    return int(amount) if amount == amount.to_integral_value() else float(amount)


def info_line(year: int) -> str:
    """The line under the title: 评价年度：2015　申报年度：2016　金额单位：万元."""
    return f"评价年度：{year}　申报年度：{year + 1}　金额单位：万元"


def request_workbook(year: int, rows: Sequence[TemplateRow]) -> Workbook:
    """The template as a workbook (the caller sets document properties and saves it): `rows` in order."""
    wb = Workbook()
    ws = wb.active
    if ws is None:  # pragma: no cover - a new workbook always has a sheet
        ws = wb.create_sheet()
    ws.title = SHEET_NAME
    last = len(HEADERS)
    ws.cell(TITLE_ROW, 1, f"{year + 1}年度{TITLE}").font = _TITLE_FONT
    ws.cell(TITLE_ROW, 1).alignment = _CENTER
    ws.merge_cells(start_row=TITLE_ROW, start_column=1, end_row=TITLE_ROW, end_column=last)
    ws.row_dimensions[TITLE_ROW].height = 30
    ws.cell(INFO_ROW, 1, info_line(year)).font = _FONT
    ws.merge_cells(start_row=INFO_ROW, start_column=1, end_row=INFO_ROW, end_column=last)
    for col, text in enumerate(HEADERS, start=1):
        _set(ws, HEADER_ROW, col, text, font=_BOLD, fill=_LABEL_FILL)
    ws.row_dimensions[HEADER_ROW].height = 32
    row = HEADER_ROW
    for row, item in enumerate(rows, start=FIRST_ROW):
        unit_row = item.project_name is None
        fill = _UNIT_FILL if unit_row else _LABEL_FILL
        font = _BOLD if unit_row else _FONT
        _set(ws, row, COL_CODE, item.unit_code, font=font, fill=fill)
        _set(ws, row, COL_UNIT, item.unit_name, font=font, fill=fill, left=True)
        _set(ws, row, COL_PROJECT, item.project_name, font=font, fill=fill, left=True)
        _set(ws, row, COL_AMOUNT, None if item.amount is None else _cell_amount(item.amount), font=font,
             fill=_INPUT_FILL, locked=False)
        ws.cell(row, COL_AMOUNT).number_format = "0.00"
        if unit_row:
            _set(ws, row, COL_INDIVIDUAL, "—", fill=fill)
        else:
            _set(ws, row, COL_INDIVIDUAL, None if item.individual is None else (YES if item.individual else NO),
                 fill=_INPUT_FILL, locked=False)
    if row >= FIRST_ROW:
        amounts = DataValidation(type="decimal", operator="greaterThanOrEqual", formula1="0", allow_blank=True,
                                 showErrorMessage=True, errorTitle="申报数有误", error="请填写不小于 0 的数字（万元）",
                                 showInputMessage=True, promptTitle="下年预算申报数", prompt="万元，最多两位小数")
        amounts.add(f"{get_column_letter(COL_AMOUNT)}{FIRST_ROW}:{get_column_letter(COL_AMOUNT)}{row}")
        pick = DataValidation(type="list", formula1=f'"{YES},{NO}"', allow_blank=True, showErrorMessage=True,
                              errorTitle="请从列表中选择", error=f"请选择“{YES}”或“{NO}”", showInputMessage=True,
                              prompt="直接补助到个人的民生项目选“是”")
        pick.add(f"{get_column_letter(COL_INDIVIDUAL)}{FIRST_ROW}:{get_column_letter(COL_INDIVIDUAL)}{row}")
        ws.add_data_validation(amounts)
        ws.add_data_validation(pick)
    for col, width in enumerate(WIDTHS, start=1):
        ws.column_dimensions[get_column_letter(col)].width = width
    ws.freeze_panes = ws.cell(FIRST_ROW, 1)
    ws.protection.sheet = True  # no password: labels stay put, the bureau can unprotect to fix one
    ws.protection.formatColumns = False
    ws.protection.formatRows = False
    notes = wb.create_sheet(INSTRUCTIONS_SHEET)
    for r, text in enumerate((*INSTRUCTIONS, f"本表：{info_line(year)}。"), start=1):
        cell = notes.cell(r, 1, text)
        cell.font = _BOLD if r == 1 else _FONT
        cell.alignment = _LEFT
    notes.column_dimensions["A"].width = 110
    notes.protection.sheet = True
    wb.properties.title = f"{year + 1}年度{TITLE}"
    wb.properties.creator = "预算绩效评价看板"
    return wb


def request_template(year: int, rows: Sequence[TemplateRow]) -> bytes:
    """The template as .xlsx bytes (rows from template_rows: a unit's total, then its projects)."""
    out = io.BytesIO()
    request_workbook(year, rows).save(out)
    return out.getvalue()


def file_name(year: int) -> str:
    """The download name: 下年预算申报表_2016（2015年度评价）.xlsx."""
    return f"{FILE_STEM}_{year + 1}（{year}年度评价）.xlsx"


# ---------------------------------------------------------------------------------------------
# Reading a filled sheet
# ---------------------------------------------------------------------------------------------


@dataclass
class RequestCheck:
    """A checked request sheet: the rows it brings and its problems (ERROR: nothing may be stored)."""

    file: str
    file_hash: str
    year: int
    rows: list[Request] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    batch_id: int | None = None  # set once stored
    data: bytes = field(default=b"", repr=False)  # the file's bytes, kept with the batch (source_files)

    @property
    def errors(self) -> list[Problem]:
        """The problems that reject the file."""
        return [p for p in self.problems if p.severity == ERROR]

    @property
    def warnings(self) -> list[Problem]:
        """The problems that are only told."""
        return [p for p in self.problems if p.severity != ERROR]

    @property
    def ok(self) -> bool:
        """True when the rows may be stored (store.cuts.save_requests)."""
        return bool(self.rows) and not self.errors

    @property
    def units(self) -> int:
        """Units the sheet names."""
        return len({r.unit_code for r in self.rows})

    @property
    def projects(self) -> int:
        """Project rows."""
        return sum(r.project_name is not None for r in self.rows)

    @property
    def total(self) -> Decimal:
        """Σ of the units' whole requests (申报总额), 万元."""
        return sum((r.amount for r in self.rows if r.project_name is None), Decimal(0))

    def line(self) -> str:
        """One line for the command line and the page."""
        if not self.ok:
            return f"{self.file}：{REJECTED}（{len(self.errors)} 处错误）"
        status = CHECKED if self.batch_id is None else f"{LOADED}（批次 {self.batch_id}）"
        return (f"{self.file}：{status}，{self.units} 个单位、{self.projects} 个项目，"
                f"申报总额 {self.total:,.2f} 万元" + (f"，{len(self.warnings)} 条提示" if self.warnings else ""))


@dataclass(frozen=True)
class _Columns:
    """Where the header row and its columns are (1-based); unit and individual may be missing (0)."""

    row: int
    code: int
    project: int
    amount: int
    unit: int = 0
    individual: int = 0


def _a1(row: int, col: int) -> str:
    return f"{get_column_letter(col)}{row}"


def _top(sheet: Sheet) -> dict[int, list[tuple[int, str]]]:
    """The text cells of the first MAX_HEADER_SEARCH_ROWS rows: row → [(column, normalised text)] left to right."""
    rows: dict[int, list[tuple[int, str]]] = {}
    for (row, col), value in sheet.values.items():
        if row <= MAX_HEADER_SEARCH_ROWS and isinstance(value, str):
            rows.setdefault(row, []).append((col, normalize(value)))
    return {row: sorted(cells) for row, cells in sorted(rows.items())}


def _find_header(top: dict[int, list[tuple[int, str]]]) -> _Columns | None:
    """The first row (near the top) that names the code, project and amount columns."""
    for row, cells in top.items():
        found: dict[str, int] = {}
        for col, text in cells:
            for key, labels in COLUMN_LABELS.items():
                if key not in found and any(normalize(label) in text for label in labels):
                    found[key] = col
                    break
        if all(key in found for key in REQUIRED):
            return _Columns(row, found["code"], found["project"], found["amount"], found.get("unit", 0),
                            found.get("individual", 0))
    return None


def _in_yuan(top: dict[int, list[tuple[int, str]]], columns: _Columns) -> str | None:
    """The text saying the amounts are in 元 (the amount header, or a 单位：元 line above the header); None for 万元."""
    for row, cells in top.items():
        for col, text in cells:
            if (row < columns.row or (row, col) == (columns.row, columns.amount)) and _YUAN.search(text):
                return text
    return None


def _sheet_year(top: dict[int, list[tuple[int, str]]], columns: _Columns) -> tuple[int, str] | None:
    """The evaluated year written above the header (评价年度：2015) and its cell."""
    for row, cells in top.items():
        for col, text in cells:
            match = _YEAR.search(text) if row < columns.row else None
            if match:
                return int(match.group(1)), _a1(row, col)
    return None


def _code(value: object) -> str:
    """A unit code as text: 214001 (number), 214001.0 (a float cell) and '２１４００１' all give '214001'."""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return normalize(value)


class _Bad(Exception):
    """A problem in one row: the row is not used."""

    def __init__(self, cell: str, message: str) -> None:
        super().__init__(message)
        self.cell, self.message = cell, message


def _amount(sheet: Sheet, row: int, col: int, yuan: bool, label: str) -> Decimal | None:
    """The amount cell of a row in 万元 (None when blank); _Bad for text, a negative, an unsaved formula, too many
    decimals or too large a number."""
    cell = _a1(row, col)
    value = sheet.value((row, col))
    if (row, col) in sheet.formulas:
        raise _Bad(cell, f"“{label}”的申报数是公式“={sheet.formulas[(row, col)]}”，文件中没有保存计算结果：请在 Excel 中"
                         "打开并保存后再导入，或直接填写数字")
    if isinstance(value, str) and value.strip() in EXCEL_ERRORS:
        raise _Bad(cell, f"“{label}”的申报数是错误值 {value.strip()}：请改为数字（万元）")
    if is_blank(value):
        return None
    try:
        if yuan and not (isinstance(value, str) and normalize(value).endswith(("万元", "亿元", "元"))):
            number = parse_amount(value)
            number = None if number is None else number / WAN
        else:
            number = parse_amount(value)
    except NotANumber:
        raise _Bad(cell, f"“{label}”的申报数“{clean_text(value)}”不是数字：请填写万元数，如 1230.50（不要写文字或"
                         "区间）") from None
    if number is None:
        return None
    if number < 0:
        raise _Bad(cell, f"“{label}”的申报数 {clean_text(value)} 是负数：下年预算申报数不能为负数，请改为 0 或正数")
    if number >= AMOUNT_LIMIT:
        raise _Bad(cell, f"“{label}”的申报数 {number:,} 万元大得不合理（上限 {AMOUNT_LIMIT:,} 万元）：请核对单位和位数")
    places = Decimal(1).scaleb(-AMOUNT_PLACES)
    if number != number.quantize(places):
        if isinstance(value, float) or yuan:  # binary floating point of a formula, or 元 converted: round to the 分
            number = number.quantize(places)
        else:
            raise _Bad(cell, f"“{label}”的申报数 {clean_text(value)} 小数位过多：请精确到元（万元最多六位小数）")
    return number.normalize() if number else Decimal(0)


def _individual(sheet: Sheet, row: int, col: int, label: str) -> bool | None:
    """The 是/否 of a project row (None when blank); _Bad for anything else."""
    if not col:
        return None
    value = sheet.value((row, col))
    if is_blank(value):
        return None
    if isinstance(value, bool):
        return value
    text = normalize(value).upper()
    if text in _YES_WORDS:
        return True
    if text in _NO_WORDS:
        return False
    raise _Bad(_a1(row, col), f"“{label}”的“补助个人的民生项目”写的是“{clean_text(value)}”：请从下拉列表中选择“{YES}”或“{NO}”")


def _read_sheet(file: str, sheet: Sheet, top: dict[int, list[tuple[int, str]]], columns: _Columns, year: int,
                known: Known, problems: list[Problem]) -> list[Request]:
    """The request rows of one sheet; every unusable row becomes an ERROR naming its cell."""
    def error(cell: str, message: str) -> None:
        problems.append(Problem(file, sheet.name, cell, message, ERROR))

    written = _sheet_year(top, columns)
    if written is not None and written[0] != year:
        error(written[1], f"这是 {written[0]} 年度评价后的申报表（申报 {written[0] + 1} 年度预算），而要导入的是 {year} 年度"
                          f"（申报 {year + 1} 年度）：请下载 {year} 年度的模板，或在看板上选择 {written[0]} 年度")
        return []
    yuan = _in_yuan(top, columns)
    if yuan is not None:
        problems.append(Problem(file, sheet.name, _a1(columns.row, columns.amount),
                                f"金额单位为元（“{yuan}”），已换算为万元", WARNING))
    by_name = {code: {normalize(p): p for p in projects} for code, projects in known.projects.items()}
    rows: list[Request] = []
    totals: dict[str, str] = {}  # unit code → the cell of its blank unit total (an error once a project is filled)
    filled: dict[str, str] = {}  # unit code → the first filled project cell
    last = max((r for r, _ in sheet.values), default=columns.row)
    for row in range(columns.row + 1, last + 1):
        used = (columns.code, columns.unit, columns.project, columns.amount, columns.individual)
        if all(is_blank(sheet.value((row, c))) for c in used if c):
            continue
        code = _code(sheet.value((row, columns.code)))
        unit_name = clean_text(sheet.value((row, columns.unit))) if columns.unit else ""
        project_text = clean_text(sheet.value((row, columns.project)))
        project: str | None = None if not project_text or normalize(project_text) in UNIT_TOTAL_WORDS else project_text
        if project is not None and code in by_name:
            project = by_name[code].get(normalize(project), project)  # spaces, full-width brackets: the form's name
        label = f"{unit_name or code} · {project}" if project else (unit_name or code)
        try:
            amount = _amount(sheet, row, columns.amount, yuan is not None, label)
            individual = _individual(sheet, row, columns.individual, label)
            if not code:
                if amount is None:
                    continue  # a note or a subtotal without a code and without an amount
                raise _Bad(_a1(row, columns.code), f"第 {row} 行填了申报数，但单位编码为空：请填写单位编码（如 214001）")
            if unit_name and code in known.units and normalize(unit_name) != normalize(known.units[code]):
                raise _Bad(_a1(row, columns.unit), f"单位编码 {code} 在 {year} 年度是“{known.units[code]}”，本行写的是"
                                                   f"“{unit_name}”：请核对单位编码和名称")
        except _Bad as bad:
            error(bad.cell, bad.message)
            continue
        if amount is None:
            if project is None:
                totals.setdefault(code, _a1(row, columns.amount))
            continue  # a project left blank does not continue next year
        if project is None and individual:
            problems.append(Problem(file, sheet.name, _a1(row, columns.individual),
                                    "单位合计行不区分“补助个人的民生项目”，已忽略；请在项目行选择", WARNING))
        if project is not None:
            filled.setdefault(code, _a1(row, columns.amount))
        rows.append(Request(code, unit_name or known.units.get(code, code), project, amount,
                            bool(individual) and project is not None, sheet.name, _a1(row, columns.amount)))
    have_total = {r.unit_code for r in rows if r.project_name is None}
    for code, cell in filled.items():
        if code not in have_total:
            name = known.units.get(code, code)
            error(totals.get(code, cell), f"“{name}”填了项目申报数（如 {cell}），但单位合计（项目名称空白的一行）没有填写："
                                          "请填写单位下年预算申报总数，应不小于其各项目申报数之和")
    return rows


def read_requests(file_name: str, data: bytes, year: int, known: Known) -> RequestCheck:
    """Read and check a filled request sheet for the evaluated `year` against what the store knows (writes nothing).
    Problems name the file, the sheet and the cell, and say how to fix it."""
    checked = RequestCheck(file_name, hashlib.sha256(data).hexdigest(), year, data=data)
    try:
        sheets = read_workbook(data, MAX_LIST_ROWS)
    except UnreadableWorkbook as exc:
        checked.problems.append(Problem(file_name, "", "", str(exc), ERROR))
        return checked
    found = False
    for sheet in sheets:
        if sheet.hidden:
            checked.problems.append(Problem(file_name, sheet.name, "", "隐藏的工作表未读取；如需导入请取消隐藏", WARNING))
            continue
        top = _top(sheet)
        columns = _find_header(top)
        if columns is None:
            continue
        found = True
        if sheet.truncated:
            checked.problems.append(Problem(file_name, sheet.name, "", f"工作表超过 {MAX_LIST_ROWS:,} 行，只读取了前 "
                                            f"{MAX_LIST_ROWS:,} 行：不像是申报表，请删除多余的行后重新导入", ERROR))
            continue
        checked.rows += _read_sheet(file_name, sheet, top, columns, year, known, checked.problems)
    if not found:
        names = "、".join(f"“{s.name}”" for s in sheets if not s.hidden) or "（无）"
        checked.problems.append(Problem(file_name, "", "", f"工作簿中找不到下年预算申报表的表头（单位编码、项目名称、下年预算申报数），"
                                        f"工作表：{names}。这不是申报表：请下载看板上的“下年预算申报表”模板填写后导入", ERROR))
        return checked
    if not checked.rows and not checked.errors:
        checked.problems.append(Problem(file_name, "", "", "申报表中没有填写任何下年预算申报数：请填写后再导入", ERROR))
        return checked
    by_where = {r.where: r for r in checked.rows}
    for message in check_requests(year, checked.rows, known):
        match = _WHERE.match(message)  # store.cuts names the cell as Request.where does
        row = by_where.get(match.group(0)) if match else None
        if match and row is not None:
            checked.problems.append(Problem(file_name, row.sheet or "", row.cell or "", message[match.end():], ERROR))
        else:
            checked.problems.append(Problem(file_name, "", "", message, ERROR))
    return checked


def import_requests(con: Connection, viewer: Viewer, file_name: str, data: bytes, year: int,
                    source: str = SOURCE_SHEET) -> RequestCheck:
    """Check a filled request sheet against the store and, when it has no error, store it on behalf of `viewer`
    (store.cuts.save_requests: all or nothing, audited). A refusal by the store becomes an ERROR of the file.
    Raises store.access.Refused when the viewer may not enter requests for a unit the sheet names."""
    checked = read_requests(file_name, data, year, known(con, year))
    if not checked.ok:
        return checked
    try:
        checked.batch_id = save_requests(con, viewer, year, checked.rows, source, file_name, checked.file_hash,
                                         checked.data)
    except CutsError as exc:
        checked.problems.append(Problem(file_name, "", "", str(exc), ERROR))
    return checked
