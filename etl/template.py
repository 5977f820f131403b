"""The blank 项目支出绩效自评表 template (.xlsx) units fill in: the MoF annex-1 layout the importer reads (etl.form),
with pick lists (data validation) for 一级指标, 二级指标 and 指标性质, labels locked and input cells unlocked (sheet protection
without a password), and a short 填写说明 sheet.

The operator sits in its own 指标性质 column (≥ ≤ = 定性), which the importer reads and glues in front of the
年度指标值 (etl.form: `op`): a filled row `≥ | 95%` is read as `≥95%`. A unit that writes the operator into the
年度指标值 itself (`≥95%`) leaves 指标性质 blank. Cell positions are module constants, so tests (and anyone
filling the template by program) write exactly where a person would.
"""

from __future__ import annotations

import io
from decimal import Decimal

from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Protection, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet

from etl.form import INSTRUCTION_SHEETS
from rubrics.loader import load_rubric

TITLE = "项目支出绩效自评表"
SHEET_NAME = "项目支出绩效自评表"
INSTRUCTIONS_SHEET = INSTRUCTION_SHEETS[0]  # etl.load skips a sheet of this name: it is not a form
DEFAULT_ROWS = 12
MAX_ROWS = 200  # indicator rows a template may have
LEVEL1 = ("产出指标", "效益指标", "满意度指标")
LEVEL2 = ("数量指标", "质量指标", "时效指标", "成本指标", "经济效益指标", "社会效益指标", "生态效益指标",
          "可持续影响指标", "服务对象满意度指标")
OPERATORS = ("≥", "≤", "=", "定性")
FUND_LABELS = ("年度资金总额", "其中：当年财政拨款", "上年结转资金", "其他资金")
FUND_HEADERS = ("年初预算数", "全年预算数", "全年执行数", "分值", "执行率", "得分")
INDICATOR_HEADERS = ("绩效指标", "一级指标", "二级指标", "三级指标", "指标性质", "年度指标值", "实际完成值", "分值",
                     "得分", "偏差原因分析及改进措施")
LAST_COL = len(INDICATOR_HEADERS)  # J

# Where things are (row, column; 1 = A). Input cells are unlocked, everything else is locked.
YEAR_CELL = "A2"
PROJECT_CELL = "C3"
DEPARTMENT_CELL = "C4"
UNIT_CELL = "H4"
FUND_HEADER_ROW = 5
FUND_FIRST_ROW = 6  # 年度资金总额; the three 其中 rows follow
AMOUNT_COLS = {"budget_initial": 4, "budget_full_year": 5, "executed": 6}  # D E F
BUDGET_WEIGHT_CELL = "G6"
RATE_CELL = "H6"
BUDGET_SCORE_CELL = "I6"
GOAL_EXPECTED_CELL = "B11"
GOAL_ACTUAL_CELL = "G11"
INDICATOR_HEADER_ROW = 12
FIRST_INDICATOR_ROW = 13
INDICATOR_COLS = {"level1": 2, "level2": 3, "name": 4, "op": 5, "target": 6, "actual": 7, "weight": 8, "score": 9,
                  "note": 10}
WIDTHS = (10, 12, 16, 22, 9, 14, 14, 10, 10, 26)

_THIN = Side(style="thin", color="808080")
_BORDER = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)
_LABEL_FILL = PatternFill("solid", fgColor="EDEDED")
_INPUT_FILL = PatternFill("solid", fgColor="FFFDE7")
_FONT = Font(name="宋体", size=11)
_BOLD = Font(name="宋体", size=11, bold=True)
_TITLE_FONT = Font(name="宋体", size=16, bold=True)
_CENTER = Alignment(horizontal="center", vertical="center", wrap_text=True)
_LEFT = Alignment(horizontal="left", vertical="center", wrap_text=True)
_UNLOCKED = Protection(locked=False)

INSTRUCTIONS = (
    "填写说明",
    "1. 只填写浅黄色单元格；灰色标签已锁定（工作表保护没有密码，但请勿改动标签文字，否则系统无法识别）。",
    "2. 第2行写年度，如“（2025年度）”；实施单位写“单位编码-单位名称”，如“214001-区市容环卫局”。",
    "3. 金额单位为万元；执行率写 86% 或 0.86；分值、得分写数字。",
    "4. 一级指标、二级指标、指标性质从下拉列表中选择。指标性质选 ≥、≤ 或 = 时，年度指标值只写数值和单位（如 95%、50个）；"
    "选“定性”时写文字（如 效果明显）。也可以不选指标性质，把符号写进年度指标值（如 ≥95%）。",
    "5. 实际完成值、得分、总分都要填写，缺一项该项目按“未完成”处理、不计分；不适用的指标在年度指标值中写“/”。",
    "6. 超额完成 30% 及以上或未完成目标的，请在“偏差原因分析及改进措施”中说明。",
    "7. 指标行不够时，可取消工作表保护后插入行；用不完的空行留空即可。",
    "8. 一个项目一个工作表；多个项目可复制工作表后分别填写，放在同一个文件中上传。",
)


def _cell(ref: str) -> tuple[int, int]:
    """'C3' → (3, 3)."""
    letters = "".join(ch for ch in ref if ch.isalpha())
    col = 0
    for ch in letters:
        col = col * 26 + ord(ch.upper()) - 64
    return int(ref[len(letters):]), col


def total_row(rows: int = DEFAULT_ROWS) -> int:
    """The 总分 row of a template with `rows` indicator rows."""
    return FIRST_INDICATOR_ROW + rows


def indicator_cell(index: int, key: str) -> str:
    """The cell of indicator row `index` (0-based) for `key` (level1, level2, name, op, target, actual, weight,
    score, note)."""
    return f"{get_column_letter(INDICATOR_COLS[key])}{FIRST_INDICATOR_ROW + index}"


def fund_cell(row_index: int, key: str) -> str:
    """An amount cell of the 项目资金 table: row_index 0 = 年度资金总额, 1 = 当年财政拨款, 2 = 上年结转, 3 = 其他资金."""
    return f"{get_column_letter(AMOUNT_COLS[key])}{FUND_FIRST_ROW + row_index}"


def total_score_cell(rows: int = DEFAULT_ROWS) -> str:
    """The 总分 row's 得分 cell."""
    return f"{get_column_letter(INDICATOR_COLS['score'])}{total_row(rows)}"


class _Sheet:
    """Writes labels (locked, grey) and input cells (unlocked, yellow) with borders and merges."""

    def __init__(self, ws: Worksheet):
        self.ws = ws

    def _style(self, r1: int, c1: int, r2: int, c2: int, fill: PatternFill | None, locked: bool) -> None:
        for r in range(r1, r2 + 1):
            for c in range(c1, c2 + 1):
                cell = self.ws.cell(r, c)
                cell.border = _BORDER
                if fill is not None:
                    cell.fill = fill
                if not locked:
                    cell.protection = _UNLOCKED

    def label(self, row: int, col: int, text: str | int | float, to: tuple[int, int] | None = None,
              bold: bool = False, left: bool = False) -> None:
        """A locked label (an empty one when `text` is ''), merged to `to` (row, col) when given."""
        r2, c2 = to or (row, col)
        cell = self.ws.cell(row, col)
        if text != "":
            cell.value = text
        cell.font = _BOLD if bold else _FONT
        cell.alignment = _LEFT if left else _CENTER
        self._style(row, col, r2, c2, _LABEL_FILL, locked=True)
        if (r2, c2) != (row, col):
            self.ws.merge_cells(start_row=row, start_column=col, end_row=r2, end_column=c2)

    def field(self, row: int, col: int, value: object = None, to: tuple[int, int] | None = None,
              left: bool = False) -> None:
        """An unlocked input cell (merged to `to` when given), prefilled with `value`; text stays text."""
        r2, c2 = to or (row, col)
        cell = self.ws.cell(row, col)
        if value is not None:
            cell.value = value
            if isinstance(value, str):
                cell.data_type = "s"  # never a formula
        cell.font = _FONT
        cell.alignment = _LEFT if left else _CENTER
        self._style(row, col, r2, c2, _INPUT_FILL, locked=False)
        if (r2, c2) != (row, col):
            self.ws.merge_cells(start_row=row, start_column=col, end_row=r2, end_column=c2)


def _number(value: Decimal) -> int | float:
    """A rubric number as a cell value (10, not 10.0)."""
    return int(value) if value == value.to_integral_value() else float(value)


def _list_validation(values: tuple[str, ...], prompt: str) -> DataValidation:
    dv = DataValidation(type="list", formula1='"' + ",".join(values) + '"', allow_blank=True,
                        showDropDown=False, showErrorMessage=True, showInputMessage=True)
    dv.error = f"请从下拉列表中选择：{'、'.join(values)}"
    dv.errorTitle = "请从列表中选择"
    dv.prompt = prompt
    return dv


def _unit_text(unit_code: str | None, unit_name: str | None) -> str | None:
    """'214001-区市容环卫局', the name alone, or None."""
    if unit_code and unit_name:
        return f"{unit_code}-{unit_name}"
    return unit_name or (f"{unit_code}-" if unit_code else None)


def _form_sheet(ws: Worksheet, year: int | None, unit_code: str | None, unit_name: str | None,
                project_name: str | None, rows: int) -> None:
    sheet = _Sheet(ws)
    rubric = load_rubric()  # the budget row's points and full marks: prefilled, the unit may change the points
    ws.cell(1, 1, TITLE).font = _TITLE_FONT
    ws.cell(1, 1).alignment = _CENTER
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=LAST_COL)
    ws.row_dimensions[1].height = 30
    year_row, _ = _cell(YEAR_CELL)
    sheet.field(year_row, 1, f"（{year}年度）" if year else None, to=(year_row, LAST_COL))
    ws.cell(year_row, 1).alignment = _CENTER

    sheet.label(3, 1, "项目名称", to=(3, 2))
    sheet.field(*_cell(PROJECT_CELL), project_name, to=(3, LAST_COL), left=True)
    sheet.label(4, 1, "主管部门", to=(4, 2))
    sheet.field(*_cell(DEPARTMENT_CELL), None, to=(4, 6), left=True)
    sheet.label(4, 7, "实施单位")
    sheet.field(*_cell(UNIT_CELL), _unit_text(unit_code, unit_name), to=(4, LAST_COL), left=True)

    sheet.label(FUND_HEADER_ROW, 1, "项目资金（万元）", to=(FUND_FIRST_ROW + 3, 2), bold=True)
    sheet.label(FUND_HEADER_ROW, 3, "")
    for k, text in enumerate(FUND_HEADERS, start=4):
        sheet.label(FUND_HEADER_ROW, k, text, bold=True)
    sheet.label(FUND_HEADER_ROW, LAST_COL, "")
    for i, text in enumerate(FUND_LABELS):
        r = FUND_FIRST_ROW + i
        sheet.label(r, 3, text)
        for col in AMOUNT_COLS.values():
            sheet.field(r, col)
            ws.cell(r, col).number_format = "0.00"
        if i == 0:
            sheet.field(*_cell(BUDGET_WEIGHT_CELL), _number(rubric.budget.weight))
            sheet.field(*_cell(RATE_CELL))
            sheet.field(*_cell(BUDGET_SCORE_CELL))
        else:
            for col in (7, 8, 9):
                sheet.label(r, col, "—")
        sheet.label(r, LAST_COL, "")

    goal = FUND_FIRST_ROW + 4
    sheet.label(goal, 1, "年度总体目标", to=(goal + 1, 1))
    sheet.label(goal, 2, "预期目标", to=(goal, 6))
    sheet.label(goal, 7, "实际完成情况", to=(goal, LAST_COL))
    sheet.field(*_cell(GOAL_EXPECTED_CELL), None, to=(goal + 1, 6), left=True)
    sheet.field(*_cell(GOAL_ACTUAL_CELL), None, to=(goal + 1, LAST_COL), left=True)
    ws.row_dimensions[goal + 1].height = 48

    for k, text in enumerate(INDICATOR_HEADERS, start=1):
        if k > 1:
            sheet.label(INDICATOR_HEADER_ROW, k, text, bold=True)
    last = FIRST_INDICATOR_ROW + rows - 1
    sheet.label(INDICATOR_HEADER_ROW, 1, INDICATOR_HEADERS[0], to=(last, 1), bold=True)
    for r in range(FIRST_INDICATOR_ROW, last + 1):
        for col in INDICATOR_COLS.values():
            sheet.field(r, col, left=col in (INDICATOR_COLS["name"], INDICATOR_COLS["note"]))
    end = total_row(rows)
    sheet.label(end, 1, "总分", to=(end, INDICATOR_COLS["weight"] - 1), bold=True)
    sheet.label(end, INDICATOR_COLS["weight"], _number(rubric.full_marks))
    sheet.field(end, INDICATOR_COLS["score"])
    sheet.label(end, LAST_COL, "")

    def column_range(key: str) -> str:
        letter = get_column_letter(INDICATOR_COLS[key])
        return f"{letter}{FIRST_INDICATOR_ROW}:{letter}{last}"

    for key, values, prompt in (("level1", LEVEL1, "选择一级指标"), ("level2", LEVEL2, "选择二级指标"),
                                ("op", OPERATORS, "≥ 越高越好；≤ 越低越好（如成本、天数）；= 等于；定性：文字描述")):
        dv = _list_validation(values, prompt)
        dv.add(column_range(key))
        ws.add_data_validation(dv)
    for k, width in enumerate(WIDTHS, start=1):
        ws.column_dimensions[get_column_letter(k)].width = width
    ws.protection.sheet = True  # no password: labels stay put, the unit can still unprotect to insert rows
    ws.protection.formatColumns = False
    ws.protection.formatRows = False


def _instructions_sheet(ws: Worksheet) -> None:
    for r, text in enumerate(INSTRUCTIONS, start=1):
        cell = ws.cell(r, 1, text)
        cell.font = _BOLD if r == 1 else _FONT
        cell.alignment = _LEFT
    ws.column_dimensions["A"].width = 110
    ws.protection.sheet = True


def blank_form(year: int | None, unit_code: str | None, unit_name: str | None, project_name: str | None = None,
               rows: int = DEFAULT_ROWS) -> bytes:
    """The blank template as .xlsx bytes: year, unit and project prefilled when given, `rows` indicator rows."""
    if not 1 <= rows <= MAX_ROWS:
        raise ValueError(f"指标行数须在 1 到 {MAX_ROWS} 之间（给的是 {rows}）")
    wb = Workbook()
    ws = wb.active
    ws.title = SHEET_NAME
    _form_sheet(ws, year, unit_code, unit_name, project_name, rows)
    _instructions_sheet(wb.create_sheet(INSTRUCTIONS_SHEET))
    wb.properties.title = f"{TITLE}（模板）"
    wb.properties.creator = "预算绩效评价看板"
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def file_name(year: int | None, unit_code: str | None, unit_name: str | None) -> str:
    """The download name: 项目支出绩效自评表模板_2015_214001区市容环卫局.xlsx."""
    parts = [f"{TITLE}模板"] + ([str(year)] if year else []) + ([f"{unit_code or ''}{unit_name or ''}"]
                                                              if unit_code or unit_name else [])
    return "_".join(parts) + ".xlsx"
