"""One worksheet → one 项目支出绩效自评表 (MoF annex 1), found by its labels, with cell-precise problems.

Forms from different places shift rows and columns and merge cells differently, so every field is
found by the label next to it: a label's value is the first non-empty cell to its right (past the
label's own merged range); table columns are found by their header texts.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal
from functools import lru_cache, partial

from openpyxl.utils import get_column_letter

from etl.limits import (
    MAX_EXECUTION_FACTOR,
    MIN_YEAR,
    POINTS_LIMIT,
    SCORE_TOLERANCE,
    TOTAL_TOLERANCE,
    VALUE_LIMIT,
    max_year,
)
from etl.reader import EXCEL_ERRORS, Cell, Sheet
from etl.values import (
    NOT_APPLICABLE,
    WAN,
    NotANumber,
    clean_text,
    is_blank,
    normalize,
    parse_actual,
    parse_amount,
    parse_number,
    parse_rate,
    parse_target,
)
from rubrics.model import FormInput, IndicatorInput, Value

ERROR = "错误"
WARNING = "警告"

_TITLE_YEAR = re.compile(r"([12][0-9]{3})年")
_YEAR_ON_ITS_OWN = re.compile(r"^[(（\[【]?([12][0-9]{3})年度?[)）\]】]?$")  # （2019年度） on the row under the title
YEAR_ROWS_BELOW_TITLE = 2
_YUAN_LABEL = re.compile(r"(?:项目资金|金额|资金)[(（]元[)）]|(?:金额)?单位[:：]元(?!\w)|[(（]单位[:：]?元[)）]")
QUALITATIVE_KINDS = ("定性", "定性指标")  # 指标性质 of a target in words: no operator
SPLIT_TARGET_COLUMNS = {"op": ("指标性质",), "target": ("指标值",), "unit": ("度量单位", "计量单位")}
FOOTER_LABELS = ("项目负责人", "财务负责人", "单位负责人", "填表人", "填报人", "审核人", "联系电话", "填报日期",
                 "评价结论", "存在问题", "改进措施", "其他需要说明", "偏差大或目标未完成原因")  # DOMAIN.md §2.13
# Text the form writes about itself, kept with the form (the Sichuan form's footer, the 云南 forms' last rows).
REMARK_LABELS = ("项目实施内容及过程概述", "评价结论", "存在问题", "改进措施", "偏差大或目标未完成原因分析",
                 "其他需要说明事项", "其他需要说明的问题")
GOAL_LABELS = {"expected": ("预期目标", "项目年度目标", "年度目标"), "actual": ("实际完成情况", "年度目标完成情况")}
INSTRUCTION_SHEETS = ("填写说明",)  # a template's instructions (etl.template): not a form, skipped without a word
TOTAL_LABELS = ("总分", "合计")  # the 总分 row (DOMAIN.md §2.9)
UNIT_LABELS = ("实施单位", "项目实施单位", "资金使用单位", "单位名称")  # DOMAIN.md §2.9
FIELD_LABELS = frozenset(("项目名称", "主管部门", *UNIT_LABELS, "项目类别", "项目属性", "填报日期"))
_PAREN = re.compile(r"[(（][^()（）]*[)）]")
_TEMPLATE_PREFIX = re.compile(r"^指标[0-9]+[:：.、]?")
_PLACEHOLDER = re.compile(r"^(?:指标[0-9]*|[.…。·]+|-+|—+|无)?$")
_UNIT_CODE = re.compile(r"^([0-9A-Za-z]{3,20})[-－—_\s]+(.+)$")
_WEIGHT_IN_LABEL = re.compile(r"[(（]\s*([0-9]+(?:\.[0-9]+)?)\s*分\s*[)）]")  # 产出指标(60分)
_WEIGHT_IN_HEADER = re.compile(r"([0-9]+(?:\.[0-9]+)?)\s*分\s*[*×xX]")  # 得分(20分*执行率)

# Rows of the money table; a row goes to the first key whose label it contains (年度财政资金总额 is the total).
FUND_ROWS = {"total": ("年度资金总额", "总额"), "appropriation": ("财政拨款", "财政资金"), "carryover": ("上年结转",),
             "special": ("财政专户管理资金",), "unit_funds": ("单位资金",), "other": ("其他资金",)}
FUND_ROW_NAMES = {"total": "年度资金总额", "appropriation": "财政拨款", "carryover": "上年结转资金",
                  "special": "财政专户管理资金", "unit_funds": "单位资金", "other": "其他资金"}
FUND_COLUMNS = {
    "budget_initial": ("年初预算数", "年初预算"),
    "budget_full_year": ("全年预算数", "调整后预算数", "全年预算", "预算数"),
    "executed": ("全年执行数", "预算执行数", "全年执行", "执行数"),
    "weight": ("分值", "权重"),
    "rate": ("执行率", "预算执行率"),
    "score": ("得分", "自评分"),
}
INDICATOR_COLUMNS = {
    "level1": ("一级指标",),
    "level2": ("二级指标",),
    "name": ("三级指标",),
    "target": ("年度指标值", "指标值", "年度目标值", "年初目标值", "预期指标值", "年初指标值"),
    "actual": ("实际完成值", "完成值", "实际值"),
    "weight": ("分值", "权重"),
    "score": ("得分", "自评分"),
    "note": ("偏差原因分析及改进措施", "偏差原因", "未完成原因分析", "原因分析", "改进措施"),
    "op": ("指标性质",),  # Sichuan layout: the operator in its own column
    "unit": ("度量单位", "计量单位"),  # Sichuan layout: the unit in its own column
}
LEVEL1_NAMES = (("产出", "产出指标"), ("效益", "效益指标"), ("效果", "效益指标"), ("满意", "满意度指标"))
# The 一级指标 a 二级指标 belongs to, for forms whose 一级 cell shows only its points (`(50分)`).
LEVEL2_PARENTS = (("满意", "满意度指标"), ("效益", "效益指标"), ("可持续", "效益指标"), ("数量", "产出指标"),
                  ("质量", "产出指标"), ("时效", "产出指标"), ("成本", "产出指标"))


@dataclass(frozen=True)
class Problem:
    """Something wrong with an input, located as precisely as we can: file, sheet, cell."""

    file: str
    sheet: str
    cell: str
    message: str
    severity: str = WARNING  # ERROR rejects the file; WARNING loads it

    def __str__(self) -> str:
        where = "，".join(p for p in (self.file, f"工作表“{self.sheet}”" if self.sheet else "", self.cell) if p)
        return f"{self.severity}：{where}：{self.message}"


@dataclass(frozen=True)
class Found:
    """One line of a form's recognition map: the cell a field was read from, and why that cell."""

    field: str  # 年度, 项目名称, 资金表列“全年预算数”, …
    cell: str  # 'C3'; '' when the value did not come from a cell (the file name, --year)
    value: str  # what was read
    how: str  # 标签“项目名称”（A3）右侧, 标题, 表头“权重”, …

    def __str__(self) -> str:
        return f"{self.field}：{self.value or '（空）'}［{self.cell or '—'}］{self.how}"


@dataclass
class ParsedForm:
    """A form as read: who and what it is about, the money rows, and the engine's input."""

    file: str
    sheet: str
    year: int
    project_name: str
    department: str
    unit_code: str
    unit_name: str
    form: FormInput
    goal_expected: str = ""
    goal_actual: str = ""
    self_execution_rate: Decimal | None = None
    fund_rows: dict[str, dict[str, Decimal | None]] = field(default_factory=dict)
    remarks: tuple[tuple[str, str], ...] = ()  # (label as written, text): 评价结论, 存在问题, 改进措施 …
    recognition: tuple[Found, ...] = ()  # which cell gave which field, in reading order


def number_text(number: Decimal) -> str:
    """A number as a message shows it: 25, not 25.0 or 2.5E+1."""
    return f"{number.normalize():f}"


def cell_name(cell: Cell) -> str:
    """(15, 3) → 'C15'."""
    return f"{get_column_letter(cell[1])}{cell[0]}"


def label_key(value: object) -> str:
    """Normalised label text: no whitespace, no parenthesised notes, no trailing colon."""
    return _label_key(value) if isinstance(value, str) else _PAREN.sub("", normalize(value)).rstrip(":：")


@lru_cache(maxsize=1 << 16)
def _label_key(text: str) -> str:
    """label_key of a text: the same labels recur on every form, so results are cached."""
    return _PAREN.sub("", normalize(text)).rstrip(":：")


def column_text(sheet: Sheet, row: int, cols: dict[str, int], key: str) -> str:
    """The normalised text in the column found for `key` on `row` ('' when that column is missing)."""
    return normalize(sheet.value((row, cols[key]))) if key in cols else ""


class Grid:
    """Label look-ups over a Sheet (built once per sheet: see `Grid.of`)."""

    def __init__(self, sheet: Sheet):
        self.sheet = sheet
        self.labels: list[tuple[Cell, str]] = sorted(
            ((cell, _label_key(v)) for cell, v in sheet.values.items() if isinstance(v, str)),
            key=lambda item: item[0],
        )
        self.row_labels: dict[int, list[tuple[int, str]]] = {}
        for (row, col), key in self.labels:
            self.row_labels.setdefault(row, []).append((col, key))
        self.cells_of: dict[str, list[Cell]] = {}  # label → its cells, row-major
        for cell, key in self.labels:
            self.cells_of.setdefault(key, []).append(cell)
        self.row_end: dict[int, int] = {}
        for row, col in sheet.values:
            if col > self.row_end.get(row, 0):
                self.row_end[row] = col

    @classmethod
    def of(cls, sheet: Sheet) -> Grid:
        """The sheet's Grid, built on first use and kept with the sheet."""
        grid = sheet.__dict__.get("_grid")
        if grid is None:
            grid = sheet.__dict__["_grid"] = cls(sheet)
        return grid

    def find(self, *variants: str, contains: bool = False, after: Cell | None = None) -> Cell | None:
        """The first cell (row-major) whose label equals (or contains) one of the variants."""
        if not contains:
            found = [c for v in variants for c in self.cells_of.get(v, ()) if after is None or c >= after]
            return min(found) if found else None
        for cell, key in self.labels:
            if after is not None and cell < after:
                continue
            if any((v in key) if contains else (key == v) for v in variants):
                return cell
        return None

    def right_of(self, cell: Cell, words: bool = False) -> tuple[Cell, object] | tuple[None, None]:
        """The first non-empty cell right of `cell` (past its merged range) on the same row; with `words`, 无 and
        `/` count as content (存在问题：无)."""
        row = cell[0]
        col = self.sheet.span_end_col(cell) + 1
        while col <= self.row_end.get(row, 0):
            value = self.sheet.values.get((row, col))
            if isinstance(value, str) and _label_key(value) in FIELD_LABELS:
                return None, None  # the next field's label: this one is empty (主管部门 | | 实施单位 | …)
            if value is not None and (normalize(value) if words else not is_blank(value)):
                return (row, col), value
            col = self.sheet.span_end_col((row, col)) + 1
        return None, None

    def header_columns(self, row: int, names: dict[str, tuple[str, ...]]) -> dict[str, int]:
        """Map each field to the column of its header on `row` (exact label first, then contains); a header merged
        down from the row above counts (实际完成值 over two header rows)."""
        found: dict[str, int] = {}
        cells = list(self.row_labels.get(row, []))
        for r1, col, r2, _ in self.sheet.merges:
            value = self.sheet.values.get((r1, col))
            if r1 < row <= r2 and isinstance(value, str):
                cells.append((col, _label_key(value)))
        cells.sort()
        for key, variants in names.items():
            for col, text in cells:
                if text in variants and col not in found.values():
                    found[key] = col
                    break
        for key, variants in names.items():
            if key in found:
                continue
            for col, text in cells:
                if any(v in text for v in variants) and col not in found.values():
                    found[key] = col
                    break
        return found


class _Reader:
    """Collects problems while reading one sheet."""

    def __init__(self, file: str, sheet: Sheet):
        self.file, self.sheet, self.grid = file, sheet, Grid.of(sheet)
        self.problems: list[Problem] = []
        self.found: list[Found] = []

    def saw(self, what: str, cell: Cell | None, value: object, how: str) -> None:
        """Note in the recognition map where `what` was read."""
        self.found.append(Found(what, cell_name(cell) if cell else "", str(value).strip(), how))

    def label_text(self, cell: Cell) -> str:
        """A label as written (normalised), for the recognition map."""
        return normalize(self.sheet.value(cell))

    def beside(self, label: Cell) -> str:
        """'标签“项目名称”（A3）右侧'."""
        return f"标签“{self.label_text(label)}”（{cell_name(label)}）右侧"

    def problem(self, cell: Cell | None, message: str, severity: str = WARNING) -> None:
        self.problems.append(Problem(self.file, self.sheet.name, cell_name(cell) if cell else "", message, severity))

    def bad_cell(self, cell: Cell, what: str) -> bool:
        """True (with an ERROR naming the cell) when the cell holds an Excel error value or a formula whose result
        the file does not hold: its value would be wrong, not merely missing."""
        anchor = self.sheet.anchor(cell)
        name = cell_name(anchor)
        value = self.sheet.values.get(anchor)
        error = self.sheet.errors.get(anchor) or (normalize(value) if normalize(value) in EXCEL_ERRORS else None)
        if error:
            self.problem(anchor, f"单元格 {name}（{what}）是 Excel 错误值 {error}；请在 Excel 中改正公式或填入数值后重新上传",
                         ERROR)
            return True
        formula = self.sheet.formulas.get(anchor)
        if formula is not None:
            self.problem(anchor, f"单元格 {name}（{what}）是公式（={formula[:40]}），文件中没有保存计算结果（可能由程序生成），"
                                 "请在 Excel 中打开并保存后重新上传", ERROR)
            return True
        return False

    def number(self, cell: Cell, what: str, parse=parse_number, nonneg: bool = True) -> Decimal | None:
        """Parse a number cell; an unreadable one is a warning and counts as blank; an error value, a formula
        without its result or (with nonneg) a negative number is an ERROR."""
        if self.bad_cell(cell, what):
            return None
        value = self.sheet.value(cell)
        try:
            number = parse(value)
        except NotANumber as exc:
            self.problem(cell, f"{what}：{exc}，按空值处理")
            return None
        if number is not None and abs(number) >= POINTS_LIMIT:  # amounts share the limit (etl/limits.py)
            name = cell_name(self.sheet.anchor(cell))
            self.problem(self.sheet.anchor(cell), f"单元格 {name} 的{what}数值过大（{normalize(value)}），无法保存；请检查是否误填了编号"
                                                  "或多写了位数", ERROR)
            return None
        if nonneg and number is not None and number < 0:
            name = cell_name(self.sheet.anchor(cell))
            self.problem(self.sheet.anchor(cell), f"单元格 {name} 的{what}为负数（{number_text(number)}）；金额、分值和得分不能为负，"
                                                  "请改正后重新上传", ERROR)
            return None
        return number

    def merged_data(self, cells: list[Cell], what: str) -> None:
        """An ERROR for each merged range that spans two or more of these data cells while holding a value: every
        cell of it would read the top-left value (the budget would become the executed amount)."""
        wanted = set(cells)
        seen: set[tuple[int, int, int, int]] = set()
        for cell in cells:
            span = self.sheet.merge_of(cell)
            if span is None or span in seen:
                continue
            seen.add(span)
            r1, c1, r2, c2 = span
            inside = [c for c in wanted if r1 <= c[0] <= r2 and c1 <= c[1] <= c2]
            if len(inside) >= 2 and not is_blank(self.sheet.values.get((r1, c1))):
                rng = f"{cell_name((r1, c1))}:{cell_name((r2, c2))}"
                self.problem((r1, c1), f"单元格 {rng} 是合并单元格，跨越了{what}中的 {len(inside)} 个数据格；合并后其余各格"
                                       "会被误读为同一个数。请取消合并、分别填写后重新上传", ERROR)


def looks_like_form(sheet: Sheet) -> bool:
    """True when the sheet has a 自评表 title or a 项目名称 label."""
    grid = Grid.of(sheet)
    return grid.find("自评表", contains=True) is not None or grid.find("项目名称") is not None


def split_forms(sheet: Sheet) -> list[Sheet]:
    """The forms of a sheet: one, or several stacked one under another (决算公开 documents, DOMAIN.md §2.13).

    A form starts at its title (a cell containing 自评表) or, for forms without titles, at its 项目名称 label.
    Each part keeps the sheet's name and its absolute cell addresses, so problems point at the right cells."""
    grid = Grid.of(sheet)
    names = [cell[0] for cell in grid.cells_of.get("项目名称", ())]
    if len(names) < 2:
        return [sheet]
    titles = sorted({cell[0] for cell, key in grid.labels if "自评表" in key and len(key) <= 40})
    rows = [r for r, _ in sheet.values]
    starts = [min(rows)]  # the first form takes everything above it
    for previous, row in zip(names, names[1:], strict=False):
        title_rows = [t for t in titles if previous < t <= row]
        starts.append(title_rows[-1] if title_rows else row)
    ends = [start - 1 for start in starts[1:]] + [max(rows)]
    parts = []
    for first, end in zip(starts, ends, strict=True):
        values = {cell: v for cell, v in sheet.values.items() if first <= cell[0] <= end}
        merges = [m for m in sheet.merges if first <= m[0] <= end]
        parts.append(Sheet(sheet.name, values, merges, sheet.truncated, sheet.row_limit))
    return parts


def parse_sheet(file: str, sheet: Sheet, default_year: int | None = None) -> tuple[list[ParsedForm], list[Problem]]:
    """Every form on a worksheet (usually one; several when stacked), with the problems of all of them."""
    forms: list[ParsedForm] = []
    problems: list[Problem] = []
    for part in split_forms(sheet):
        form, found = parse_form(file, part, default_year)
        problems.extend(found)
        if form is not None:
            forms.append(form)
    return forms, problems


def parse_form(file: str, sheet: Sheet, default_year: int | None = None) -> tuple[ParsedForm | None, list[Problem]]:
    """Read one worksheet as a self-evaluation form; None with an ERROR problem when it cannot be read."""
    r = _Reader(file, sheet)
    g = r.grid
    if sheet.truncated:
        r.problem(None, "工作表超出可读范围的单元格已忽略（只读取前 500 行、40 列）")

    title = g.find("自评表", contains=True)
    if title is not None:
        r.saw("标题", title, sheet.values[title], "含“自评表”的单元格")
    year = _year(r, title, default_year)
    if year is not None and not MIN_YEAR <= year <= max_year():
        where = next((f for f in r.found if f.field == "年度"), None)
        source = f"（{where.how}）" if where else ""
        r.problem(title if where and where.cell else None, f"年度 {year}{source}不在 {MIN_YEAR}–{max_year()} 之间；"
                                                            "请改正表中的年度后重新上传", ERROR)

    name_label = g.find("项目名称")
    project_name = ""
    if name_label is None:
        r.problem(None, "未找到“项目名称”一栏（找过所有单元格），无法识别为项目支出绩效自评表", ERROR)
    else:
        cell, value = g.right_of(name_label)
        project_name = normalize(value) if value is not None else ""
        if project_name:
            r.saw("项目名称", cell, project_name, r.beside(name_label))
        else:
            r.problem(name_label, "项目名称为空（标签右侧没有内容），请填写项目名称", ERROR)

    department = ""
    dept_label = g.find("主管部门")
    if dept_label is not None:
        cell, value = g.right_of(dept_label)
        department = normalize(value) if value is not None else ""
        if department:
            r.saw("主管部门", cell, department, r.beside(dept_label))
    if not department:
        r.problem(dept_label, "主管部门为空" if dept_label else "未找到“主管部门”一栏，主管部门按空值处理")

    unit_code, unit_name = _unit(r)
    if not (year and project_name and unit_name):
        return None, r.problems

    funds, self_rate, budget_weight, budget_score = _funds(r)
    goal_expected = _goal(r, "expected")
    goal_actual = _goal(r, "actual")
    table = _indicators(r)
    self_total: Decimal | None = None
    if table.total_cell is None:
        r.problem(None, f"未找到“总分”行（找过“{'”“'.join(TOTAL_LABELS)}”），自评总分按空值处理，该表按未完成处理")
    else:
        self_total = _self_total(r, table.total_cell, table.score_col, table.weight_col)

    _plausible_total(r, table, budget_score, self_total)
    total = funds.get("total", {})
    form = FormInput(
        budget_initial=total.get("budget_initial"),
        budget_full_year=total.get("budget_full_year"),
        executed=total.get("executed"),
        budget_weight=budget_weight,
        budget_self_score=budget_score,
        indicators=tuple(table.indicators),
        self_total=self_total,
        level_weights=table.level_weights,
    )
    parsed = ParsedForm(
        file=file, sheet=sheet.name, year=year, project_name=project_name, department=department,
        unit_code=unit_code, unit_name=unit_name, form=form, goal_expected=goal_expected,
        goal_actual=goal_actual, self_execution_rate=self_rate, fund_rows=funds, remarks=_remarks(r),
        recognition=tuple(r.found),
    )
    return parsed, r.problems


def _plausible_total(r: _Reader, table: _Table, budget_score: Decimal | None, self_total: Decimal | None) -> None:
    """A WARNING naming the 总分 cell when it differs from the sum of the rows' scores by more than rounding
    (the score is recomputed from the rows anyway; the unit's own total is kept beside it)."""
    scores = [ind.self_score for ind in table.indicators if not ind.not_applicable]
    if self_total is None or table.total_cell is None or table.score_col is None or budget_score is None \
            or not scores or any(score is None for score in scores):
        return
    rows = budget_score + sum((score for score in scores if score is not None), Decimal(0))
    if abs(rows - self_total) > TOTAL_TOLERANCE:
        cell = (table.total_cell[0], table.score_col)
        r.problem(cell, f"单元格 {cell_name(cell)} 的总分（{number_text(self_total)}）与各行得分之和（{number_text(rows)}）相差 {number_text(abs(rows - self_total))}，"
                        "请核对；评分按各行重新计算")


def _self_total(r: _Reader, label: Cell, score_col: int | None, weight_col: int | None) -> Decimal | None:
    """The 总分 row's 得分: in the score column; when that holds words instead (保山: 总分(100分) | 100 | 自评等级 |
    优), the only number on the row right of the label outside the 分值 column. A blank score is blank."""
    row_label = f"“{r.label_text(label)}”行（{cell_name(label)}）"
    if score_col is not None:
        cell = (label[0], score_col)
        raw = r.sheet.value(cell)
        if r.bad_cell(cell, "总分"):
            return None
        if is_blank(raw):
            r.problem(cell, "总分得分为空，该表按未完成处理")
            return None
        try:
            value = parse_number(raw)
        except NotANumber:
            value = None
        if value is not None:
            r.saw("自评总分", cell, value, f"{row_label}的得分列")
            return value
    numbers: list[tuple[Cell, Decimal]] = []
    for (row, col), raw in sorted(r.sheet.values.items()):
        if row == label[0] and col > r.sheet.span_end_col(label) and col != weight_col:
            try:
                number = parse_number(raw)
            except NotANumber:
                continue
            if number is not None:
                numbers.append(((row, col), number))
    if len(numbers) == 1:
        cell, value = numbers[0]
        r.saw("自评总分", cell, value, f"{row_label}唯一的数字（得分列没有数字）")
        return value
    where = cell_name((label[0], score_col)) if score_col is not None else cell_name(label)
    r.problem((label[0], score_col) if score_col is not None else label, f"总分得分为空（{where}），该表按未完成处理")
    return None


def _year(r: _Reader, title: Cell | None, default_year: int | None) -> int | None:
    """The form's year: in the title (2022年度项目支出绩效自评表), on a row just under it (（2019年度）), in the
    sheet name, in the file name, else `default_year` (--year); an ERROR saying where it looked when none."""
    sheet = r.sheet
    if title is not None:
        match = _TITLE_YEAR.search(normalize(sheet.values[title]))
        if match:
            r.saw("年度", title, match.group(1), "标题")
            return int(match.group(1))
        below = sheet.span_end_row(title)
        for (row, col), value in sorted(sheet.values.items()):
            if below < row <= below + YEAR_ROWS_BELOW_TITLE and isinstance(value, str):
                match = _YEAR_ON_ITS_OWN.match(normalize(value))
                if match:
                    r.saw("年度", (row, col), match.group(1), "标题下方单独一行")
                    return int(match.group(1))
    for where, what in ((sheet.name, "工作表名"), (r.file.replace("\\", "/").rsplit("/", 1)[-1], "文件名")):
        match = _TITLE_YEAR.search(normalize(where))
        if match:
            r.saw("年度", None, match.group(1), f"{what}“{where}”")
            return int(match.group(1))
    if default_year is None:
        r.problem(title, "未找到年度：标题、标题下方两行、工作表名和文件名中都没有写年度。请在标题下写明“（2019年度）”，"
                         "或导入时指定年度（命令行 --year 2019）", ERROR)
    else:
        r.saw("年度", None, default_year, "表中未写年度，按导入时指定的年度（--year）")
    return default_year


def split_unit(text: str) -> tuple[str, str]:
    """'219001-龙康小学' → ('219001', '龙康小学'); a name without a code → ('', name)."""
    match = _UNIT_CODE.match(text)
    if match and any(ch.isdigit() for ch in match.group(1)):
        return match.group(1), match.group(2).strip()
    return "", text


def _unit(r: _Reader) -> tuple[str, str]:
    g = r.grid
    label = g.find(*UNIT_LABELS)
    text = ""
    if label is not None:
        cell, value = g.right_of(label)
        text = normalize(value) if value is not None else ""
        if text:
            r.saw("实施单位", cell, text, r.beside(label))
    if not text:
        filler = g.find("填报单位", contains=True)
        if filler is not None:
            raw = normalize(r.sheet.values[filler])
            rest = re.split(r"填报单位(?:[(（]盖章[)）])?[:：]?", raw, maxsplit=1)[-1]
            text = re.split(r"单位[:：]|金额单位", rest)[0].strip()
            if text:
                r.saw("实施单位", filler, text, "“填报单位”一行")
    if not text:
        looked = f"“{'”“'.join(UNIT_LABELS)}”右侧和“填报单位”一行"
        r.problem(label, f"实施单位为空（找过{looked}），无法确定是哪个单位的项目；请填写“实施单位”", ERROR)
        return "", ""
    return split_unit(text)


def _goal(r: _Reader, which: str) -> str:
    """年度总体目标: the text under 预期目标 / 实际完成情况 (or right of the label when nothing is under it)."""
    g = r.grid
    label = g.find(*GOAL_LABELS[which])
    if label is None:
        return ""
    below = (r.sheet.span_end_row(label) + 1, label[1])
    value = r.sheet.value(below)
    where = "下方"
    if value is None or is_blank(value):
        found, value = g.right_of(label)
        below, where = (found or below), "右侧"
    text = clean_text(value)
    if text:
        r.saw("预期目标" if which == "expected" else "实际完成情况", r.sheet.anchor(below), text,
              f"标签“{r.label_text(label)}”（{cell_name(label)}）{where}")
    return text


def _remarks(r: _Reader) -> tuple[tuple[str, str], ...]:
    """评价结论 / 存在问题 / 改进措施 … as (label, text): the text right of the label, else under it."""
    g, out = r.grid, []
    for cell, key in g.labels:
        if not key.lstrip("0123456789.、").startswith(REMARK_LABELS) or len(key) > 30:
            continue
        found, value = g.right_of(cell, words=True)
        if value is None:
            found = (r.sheet.span_end_row(cell) + 1, cell[1])
            value = r.sheet.value(found)
        text = clean_text(value)  # 无 is an answer here (存在问题：无)
        if text and found is not None and not normalize(text).startswith(REMARK_LABELS):
            label = r.label_text(cell).rstrip(":：")
            out.append((label, text))
            r.saw(f"说明：{label}", r.sheet.anchor(found), text, r.beside(cell))
    return tuple(out)


def _funds(r: _Reader):
    """The 项目资金 table: amounts per row, the form's own rate, weight and score of the total row."""
    g, sheet = r.grid, r.sheet
    header = g.find(*FUND_COLUMNS["budget_full_year"])
    funds: dict[str, dict[str, Decimal | None]] = {}
    if header is None:
        looked = "”“".join(FUND_COLUMNS["budget_full_year"])
        r.problem(None, f"未找到项目资金表（找过“{looked}”列），预算执行率无法计算，该表按未完成处理")
        return funds, None, None, None
    columns = g.header_columns(header[0], FUND_COLUMNS)
    for key, col in columns.items():
        r.saw(f"资金表列：{FUND_COLUMNS[key][0]}", (header[0], col), r.label_text((header[0], col)), "表头")
    first_amount_col = min(columns.values())
    row_cells: dict[str, int] = {}
    for row in range(header[0] + 1, header[0] + 8):
        for col in range(1, first_amount_col):
            if sheet.anchor((row, col))[0] != row:
                continue  # a label merged down from an earlier row (项目资金, 预算执行情况) names no row
            label = label_key(sheet.value((row, col)))
            found = next((k for k, variants in FUND_ROWS.items()
                          if k not in row_cells and any(v in label for v in variants)), None)
            if found is not None:
                row_cells[found] = row
                r.saw(f"资金行：{FUND_ROW_NAMES[found]}", sheet.anchor((row, col)), r.label_text((row, col)), "行标签")
                break
    if "total" not in row_cells:
        r.problem(header, f"未找到“年度资金总额”行（在表头下 7 行内找过“{'”“'.join(FUND_ROWS['total'])}”），"
                          "预算执行率无法计算，该表按未完成处理")
        return funds, None, None, None
    data_cells = [(row, columns[f]) for row in row_cells.values()
                  for f in ("budget_initial", "budget_full_year", "executed") if f in columns]
    data_cells += [(row_cells["total"], columns[f]) for f in ("weight", "rate", "score") if f in columns]
    r.merged_data(data_cells, "项目资金表")
    in_yuan = _money_in_yuan(r, header)
    amount = parse_amount if in_yuan is None else _yuan_amount
    for key, row in row_cells.items():
        funds[key] = {
            field_: r.number((row, columns[field_]), f"{key_label(key)}的{FUND_COLUMNS[field_][0]}", amount)
            for field_ in ("budget_initial", "budget_full_year", "executed")
            if field_ in columns
        }
    total_row = row_cells["total"]
    total = funds["total"]
    parts = [funds[k] for k in FUND_ROWS if k != "total" and k in funds]
    part_sums = {f: sum((p.get(f) or Decimal(0) for p in parts), Decimal(0)) for f in total}
    if not total.get("budget_full_year") and part_sums.get("budget_full_year"):
        r.problem((total_row, columns["budget_full_year"]),
                  "年度资金总额行为 0 或空白，已按“其中”各行（财政拨款、上年结转、其他资金）合计计算")
        funds["total"] = dict(part_sums)
    elif parts and total.get("budget_full_year") is not None and part_sums.get("budget_full_year"):
        if part_sums["budget_full_year"] != total["budget_full_year"]:
            r.problem((total_row, columns["budget_full_year"]),
                      f"年度资金总额（{total['budget_full_year']}）与其中各行合计（{part_sums['budget_full_year']}）不一致，按总额计算")
    for field_ in ("budget_full_year", "executed"):
        if field_ in columns and funds["total"].get(field_) is None:
            r.problem((total_row, columns[field_]), f"{FUND_COLUMNS[field_][0]}为空，该表按未完成处理")
    budget, executed = funds["total"].get("budget_full_year"), funds["total"].get("executed")
    if budget and executed is not None and budget > 0 and executed > budget * MAX_EXECUTION_FACTOR:
        cell = (total_row, columns["executed"])
        r.problem(cell, f"单元格 {cell_name(cell)} 的全年执行数（{number_text(executed)}）是全年预算数（{number_text(budget)}）的 {executed / budget:.0f} 倍，"
                        f"超过 {MAX_EXECUTION_FACTOR} 倍，可能把“元”填成了“万元”或多写了位数；请核对后重新上传", ERROR)
    rate = r.number((total_row, columns["rate"]), "执行率", parse_rate) if "rate" in columns else None
    weight = r.number((total_row, columns["weight"]), "预算执行率分值") if "weight" in columns else None
    if weight is None:
        weight = _budget_weight_in_labels(r, header, columns)
    score = r.number((total_row, columns["score"]), "预算执行率得分") if "score" in columns else None
    if score is not None and weight is not None and score > weight + Decimal(str(SCORE_TOLERANCE)):
        cell = (total_row, columns["score"])
        r.problem(cell, f"单元格 {cell_name(cell)} 的预算执行率得分（{number_text(score)}）超过其分值（{number_text(weight)}）；请改正后重新上传", ERROR)
    return funds, rate, weight, score


def _budget_weight_in_labels(r: _Reader, header: Cell, columns: dict[str, int]) -> Decimal | None:
    """The budget row's points written into a label when there is no 分值 column: 预算执行情况(万元)(20分) above or
    left of the table, or 得分(20分*执行率) as the score header (DOMAIN.md §2.12)."""
    candidates: list[tuple[Cell, re.Match[str]]] = []
    if "score" in columns:
        cell = (header[0], columns["score"])
        match = _WEIGHT_IN_HEADER.search(r.label_text(cell))
        if match:
            candidates.append((cell, match))
    for cell, key in r.grid.labels:
        if cell[0] <= header[0] and key.startswith("预算执行"):
            match = _WEIGHT_IN_LABEL.search(r.label_text(cell))
            if match:
                candidates.append((cell, match))
    if not candidates:
        return None
    cell, match = candidates[0]
    r.saw("预算执行率分值", cell, match.group(1), "写在标签里的分值")
    return Decimal(match.group(1))


def _money_in_yuan(r: _Reader, header: Cell) -> Cell | None:
    """The cell saying the money table is in 元 (项目资金（元）, 单位：元, 金额单位：元) above or on its header row;
    None when the amounts are in 万元. A warning says the amounts were converted."""
    for (row, col), _ in r.grid.labels:  # text cells, row-major
        if row > header[0]:
            break
        value = r.sheet.values[(row, col)]
        if _YUAN_LABEL.search(normalize(value)):
            r.problem((row, col), f"金额单位为元（“{normalize(value)}”），已换算为万元")
            r.saw("金额单位", (row, col), "元（已换算为万元）", f"“{normalize(value)}”")
            return row, col
    r.saw("金额单位", None, "万元", "表头未写“元”，按万元")
    return None


def _yuan_amount(value: object) -> Decimal | None:
    """An amount cell of a table in 元, in 万元 (`562000` → 56.2); an amount written with its own unit keeps it."""
    if isinstance(value, str) and normalize(value).endswith(("万元", "亿元", "元")):
        return parse_amount(value)
    number = parse_amount(value)
    return None if number is None else number / WAN


def key_label(key: str) -> str:
    """Display name of a fund row key."""
    return FUND_ROW_NAMES[key]


def _level1(text: str) -> str:
    """The 一级指标 a label names ('' when it names none, e.g. a label showing only `(50分)`)."""
    text = _WEIGHT_IN_LABEL.sub("", text)
    for needle, canonical in LEVEL1_NAMES:
        if needle in text:
            return canonical
    return text


def _parent_level(level2: str) -> str:
    """The 一级指标 of a 二级指标 ('' when unknown)."""
    return next((parent for needle, parent in LEVEL2_PARENTS if needle in level2), "")


def _is_footer(g: Grid, row: int, name_col: int) -> bool:
    """True when a row starts, left of the indicator names, with a footer label (signatures, contacts, the
    Sichuan form's conclusions); an indicator named 存在问题整改率 is not a footer."""
    labels = g.row_labels.get(row, [])
    return bool(labels) and labels[0][0] < name_col and labels[0][1].startswith(FOOTER_LABELS)


@dataclass
class _Table:
    """What the 绩效指标 table gave: the rows, the 总分 cell, the score column and the levels' declared points."""

    indicators: list[IndicatorInput]
    total_cell: Cell | None
    score_col: int | None
    weight_col: int | None = None
    level_weights: tuple[tuple[str, Decimal], ...] = ()


def _indicators(r: _Reader) -> _Table:
    g, sheet = r.grid, r.sheet
    header = g.find("三级指标")
    if header is None:
        r.problem(None, "未找到绩效指标表（找过“三级指标”列），该表按未完成处理")
        return _Table([], g.find(*TOTAL_LABELS), None)
    cols = g.header_columns(header[0], INDICATOR_COLUMNS)
    first_row = sheet.span_end_row(header) + 1
    split = g.header_columns(header[0] + 1, SPLIT_TARGET_COLUMNS)  # 年度指标值 over 指标性质 | 指标值 | 度量单位
    if "target" in split and ("op" in split or "unit" in split):
        cols.update(split)
        first_row = max(first_row, header[0] + 2)
        for key, col in split.items():
            r.saw(f"指标表列：{SPLIT_TARGET_COLUMNS[key][0]}", (header[0] + 1, col),
                  r.label_text((header[0] + 1, col)), "第二行表头")
    for key, col in cols.items():
        if key not in split or cols[key] != split[key]:
            r.saw(f"指标表列：{INDICATOR_COLUMNS[key][0]}", (header[0], col), r.label_text((header[0], col)), "表头")
    total_cell = g.find(*TOTAL_LABELS, after=(header[0] + 1, 0))
    if total_cell is not None:
        r.saw("总分行", total_cell, r.label_text(total_cell), "标签")
    last_row = total_cell[0] - 1 if total_cell else max(rw for rw, _ in sheet.values)
    out: list[IndicatorInput] = []
    level_weights: dict[str, Decimal] = {}
    level1 = level2 = ""
    name_col = cols.get("name", header[1])
    data_cells: list[Cell] = []
    for row in range(first_row, last_row + 1):
        def text(key: str, row: int = row) -> str:
            return column_text(sheet, row, cols, key)

        if _is_footer(g, row, name_col):
            break  # 项目负责人 / 填表人 / 联系电话 / 评价结论 … below the table: never an indicator

        level1_text = text("level1")
        level2 = _WEIGHT_IN_LABEL.sub("", text("level2")) or level2
        if level1_text:
            level1 = _level1(level1_text)
        if level1 not in (name for _, name in LEVEL1_NAMES):
            level1 = _parent_level(level2) or level1
        points = _WEIGHT_IN_LABEL.search(level1_text)
        if points and level1 and level1 not in level_weights:
            level_weights[level1] = Decimal(points.group(1))
            r.saw(f"一级指标分值：{level1}", (row, cols["level1"]), points.group(1), f"标签“{level1_text}”")
        raw_name = text("name")
        name = _TEMPLATE_PREFIX.sub("", raw_name) if not _PLACEHOLDER.match(raw_name) else ""
        target_raw = sheet.value((row, cols["target"])) if "target" in cols else None
        actual_raw = sheet.value((row, cols["actual"])) if "actual" in cols else None
        if not is_blank(target_raw) and (text("op") or text("unit")):
            op = "" if text("op") in QUALITATIVE_KINDS else text("op")
            target_raw = f"{op}{normalize(target_raw)}{text('unit')}"  # Sichuan: ≥ | 95 | %
        not_applicable = name in NOT_APPLICABLE or normalize(target_raw) in NOT_APPLICABLE
        if not name and is_blank(target_raw) and is_blank(actual_raw):
            continue  # empty placeholder row (指标2, ……)
        ref = f"第{row}行"
        name_cell = (row, cols.get("name", 1))
        if name in NOT_APPLICABLE:
            name = f"{level2 or level1 or ref}（不适用）"
        if not name:
            name = raw_name or f"第{row}行指标"
            r.problem(name_cell, "三级指标名称为空")
        weight = r.number((row, cols["weight"]), f"“{name}”的分值") if "weight" in cols else None
        score = r.number((row, cols["score"]), f"“{name}”的得分") if "score" in cols else None
        data_cells += [(row, cols[k]) for k in ("target", "actual", "weight", "score") if k in cols]
        if score is not None and weight is not None and score > weight + Decimal(str(SCORE_TOLERANCE)):
            cell = (row, cols["score"])
            r.problem(cell, f"单元格 {cell_name(cell)} 的“{name}”得分（{number_text(score)}）超过该行分值（{number_text(weight)}）；请改正后重新上传",
                      ERROR)
        bad = [r.bad_cell((row, cols[k]), f"“{name}”的{label}") for k, label in (("target", "年度指标值"),
                                                                                  ("actual", "实际完成值")) if k in cols]
        if any(bad):
            continue
        row_input = partial(IndicatorInput, level1=level1, level2=level2, name=name, weight=weight, self_score=score,
                            deviation_note=text("note"), ref=f"{ref}（{cell_name(name_cell)}）")

        if not_applicable:
            shown = normalize(target_raw) or raw_name
            r.problem(name_cell, f"“{name}”写作“{shown}”，按不适用处理：该行不计分，其分值不计入合计")
            out.append(row_input(target=Value(text=normalize(target_raw)), actual=Value(text=normalize(actual_raw)),
                                 not_applicable=True))
            continue
        target = parse_target(target_raw)
        actual = parse_actual(actual_raw, target)
        too_large = [(key, label, value) for key, label, value in (("target", "年度指标值", target), ("actual", "实际完成值", actual))
                     if value is not None and value.number is not None and abs(value.number) >= VALUE_LIMIT]
        for key, label, value in too_large:
            cell = (row, cols[key])
            r.problem(cell, f"单元格 {cell_name(cell)} 的“{name}”{label}数值过大（{value.text}），无法保存；请检查是否误填了编号"
                            "或多写了位数", ERROR)
        if too_large:
            continue
        if target is None and actual is None and score is not None:
            r.problem(name_cell, f"“{name}”没有填写年度指标值和实际完成值，完成情况无法核实：按单位得分计（不超过分值），"
                                 "并标记为“定性结论无法判定”")
            target, actual = Value(text=""), Value(text="")
        if target is None:
            r.problem((row, cols.get("target", 1)), f"“{name}”的年度指标值为空，无法按标准评分")
            target = Value(text="")
        if actual is None and "actual" in cols:
            shown = normalize(actual_raw)
            why = f"写作“{shown}”" if shown else "为空"
            r.problem((row, cols["actual"]), f"“{name}”的实际完成值{why}，该表按未完成处理")
        if score is None and "score" in cols:
            r.problem((row, cols["score"]), f"“{name}”的得分为空，该表按未完成处理")
        if target.unit and actual and actual.unit and actual.unit != target.unit:
            r.problem((row, cols["actual"]), f"“{name}”的实际完成值单位（{actual.unit}）与指标值单位（{target.unit}）不同")
        out.append(row_input(target=target, actual=actual))
    r.merged_data(data_cells, "绩效指标表")
    needed = ("target", "actual", "score") if level_weights else ("target", "actual", "weight", "score")
    missing = [INDICATOR_COLUMNS[k][0] for k in needed if k not in cols]  # weights in the level labels need no 分值
    if missing:
        r.problem(header, f"绩效指标表缺少列：{'、'.join(missing)}")
    if not out:
        r.problem(header, "绩效指标表没有任何指标行，该表按未完成处理")
    return _Table(out, total_cell, cols.get("score"), cols.get("weight"), tuple(level_weights.items()))
