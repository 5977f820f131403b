"""Five real published 项目支出绩效自评表 rebuilt as .xlsx workbooks that look like the published pages.

The transcriptions live in /work/shared/real-forms (one JSON file per form; a copy is committed under
tests/fixtures/real_forms so the tests run on any clone). `build(fixture_id)` lays a form out the way its
page does — title rows, labels, column order, merges, header rows, money unit, empty template rows and
footers — and `EXPECTED[fixture_id]` holds what a reader of the form should get out of it (from the
JSON's `checks`). Four layouts cover the five forms:

- MoF annex 1 (天长 2022, 临沧临翔 2023): title, year on its own row, 项目资金（万元）block, 绩效指标 table;
- 永德 2022 (公开14表 of a 决算公开): annex 1 in 元 with 年度指标值 split into 指标性质 | 指标值 | 度量单位;
- 中江 2022 (衔接资金 绩效目标自评表): 分值 before 年度指标值, 全年实际值, weights in the 一级 labels;
- 保山 2022 (云南): 预算执行情况(万元)(20分), 年度绩效目标(80分), weights only in the 一级 labels, no 分值.

Spelling: everything copied from a JSON field (names, targets, actuals, goals, labels the JSON records)
is written verbatim, in the JSON's half-width punctuation; the fixed labels the transcriptions do not
record keep the spelling of the stored page text, except the money-block label and the year row, which
use full-width brackets (项目资金（万元）, （2022年度）). Line breaks inside printed label cells
(e.g. "预算执行情况(万元)\\n(20分)") are not reproduced. Personal data (the 中江 form's 项目负责人及电话)
is replaced by "（略）".

    python -m tests.realforms /tmp/realforms    # writes the five workbooks for inspection
"""

from __future__ import annotations

import io
import json
import re
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypedDict

import openpyxl
from openpyxl.styles import Alignment, Border, Font, Side
from openpyxl.utils import get_column_letter

SHARED_DIR = Path(__file__).resolve().parents[2] / "shared" / "real-forms"  # beside the repository (/work/shared)
COPY_DIR = Path(__file__).resolve().parent / "fixtures" / "real_forms"  # committed copy, read by default

FORMS: tuple[str, ...] = (
    "tianchang_2022_shuihan",
    "lincang_linxiang_2023_shourongsuo",
    "yongde_2022_yingyang",
    "zhongjiang_2022_shuibiaochi",
    "baoshan_2022_chunjie_weiwen",
)

REDACTED = "（略）"  # stands in for names and phone numbers printed on a page
NOTE_CUT = " [excerpt ends]"  # how the transcriptions mark where the stored page text stopped

Value = str | int | float | None
Span = tuple[int, int, Value]  # (first column, last column, value): one cell, merged across when last > first


def fixture_dir() -> Path:
    """The directory the transcriptions are read from: the committed copy, else the shared originals."""
    return COPY_DIR if COPY_DIR.is_dir() else SHARED_DIR


def load(fixture_id: str) -> dict[str, Any]:
    """The JSON transcription of one form."""
    if fixture_id not in FORMS:
        raise KeyError(f"unknown real form {fixture_id!r}; known: {', '.join(FORMS)}")
    data: dict[str, Any] = json.loads((fixture_dir() / f"{fixture_id}.json").read_text(encoding="utf-8"))
    return data


# --- what a reader of each form should find ----------------------------------------------------------

class Expected(TypedDict):
    """What the importer and the engine should make of one form (from the JSON, mostly its `checks`)."""

    total: float | None  # hand-computed under the national rules; None where it cannot be known
    total_range: tuple[float, float] | None  # the range the hand computation allows, where it gives one
    self_total: float | None  # the unit's own 总分 as printed (None: not on the page)
    grade: str | None  # hand-computed grade, where the checks give one
    complete: bool  # False: the published page was cut off
    year: int
    project_name: str
    unit: str
    department: str | None  # None: the 主管部门 cell is blank on the page
    money_unit: str  # 万元 or 元
    indicator_rows: int  # indicator rows that carry a 三级指标 name (template rows 指标2:/…… and empty rows excluded)
    indicator_names: tuple[str, ...]  # those names, as printed, in page order
    not_applicable: tuple[str, ...]  # names of the rows marked "/" (not applicable)


def _expected(data: dict[str, Any]) -> Expected:
    hand = data["checks"]["hand_computed_national"]
    names = tuple(ind["三级指标"] for ind in data["indicators"] if ind.get("三级指标"))
    not_applicable = tuple(ind["三级指标"] for ind in data["indicators"]
                           if ind.get("年度指标值") == "/" and ind.get("实际完成值") == "/")
    grade = hand.get("grade")
    total_range = hand.get("total_range")
    return Expected(
        total=hand.get("total"),
        total_range=(float(total_range[0]), float(total_range[1])) if total_range else None,
        self_total=data["checks"]["self_total"],
        grade=grade.split()[0] if grade else None,  # "优 (良 at the band floor)" → 优
        complete=bool(data["complete"]),
        year=int(data["year"]),
        project_name=data["project_name"],
        unit=data["unit"],
        department=data["department"],
        money_unit=data["money_unit"],
        indicator_rows=len(names),
        indicator_names=names,
        not_applicable=not_applicable,
    )


EXPECTED: dict[str, Expected] = {fid: _expected(load(fid)) for fid in FORMS}


# --- a sheet as cells and merges -----------------------------------------------------------------------

@dataclass
class _Sheet:
    """A sheet under construction: values by (row, column), merged ranges, and where the table starts."""

    name: str
    widths: tuple[float, ...]  # column widths in characters; len(widths) = the table's width
    cells: dict[tuple[int, int], Value] = field(default_factory=dict)
    merges: list[tuple[int, int, int, int]] = field(default_factory=list)
    rows: int = 0
    table_from: int = 0  # first bordered row (the rows above are the title block)
    titles: set[int] = field(default_factory=set)  # rows printed as the title

    @property
    def width(self) -> int:
        return len(self.widths)

    def row(self, *spans: Span) -> int:
        """Append a row of (first column, last column, value) spans; returns its number."""
        self.rows += 1
        for first, last, value in spans:
            self.put(self.rows, first, value, last_col=last)
        return self.rows

    def put(self, row: int, col: int, value: Value, *, last_col: int | None = None, last_row: int | None = None) -> None:
        """Write one value (None leaves the cell blank) and merge it across/down when asked."""
        if value is not None and value != "":
            self.cells[(row, col)] = value
        if (last_col or col) > col or (last_row or row) > row:
            self.merges.append((row, col, last_row or row, last_col or col))

    def down(self, col: int, first_row: int, last_row: int) -> None:
        """Merge one column down a run of rows (a label standing for the block beside it)."""
        if last_row > first_row:
            self.merges.append((first_row, col, last_row, col))

    def title(self, text: str) -> int:
        """A title row across the whole table."""
        r = self.row((1, self.width, text))
        self.titles.add(r)
        return r

    def start_table(self) -> None:
        self.table_from = self.rows + 1

    def check(self) -> None:
        """Refuse a layout that would lose a value: merges overlapping, or a value under another cell's merge."""
        covered: dict[tuple[int, int], tuple[int, int]] = {}
        for r1, c1, r2, c2 in self.merges:
            for r in range(r1, r2 + 1):
                for c in range(c1, c2 + 1):
                    if (r, c) in covered:
                        raise ValueError(f"{self.name}: merges headed at {covered[(r, c)]} and {(r1, c1)} overlap")
                    covered[(r, c)] = (r1, c1)
        hidden = [rc for rc in self.cells if covered.get(rc, rc) != rc]
        if hidden:
            raise ValueError(f"{self.name}: values at {hidden} sit under another cell's merge")

    def workbook_bytes(self) -> bytes:
        """The sheet as an .xlsx file, with borders on the table, wrapped text and the title in bold."""
        self.check()
        wb = openpyxl.Workbook()
        wb.remove(wb.active)
        ws = wb.create_sheet(self.name)
        for (r, c), value in self.cells.items():
            ws.cell(r, c, value)
        thin = Side(style="thin")
        box = Border(left=thin, right=thin, top=thin, bottom=thin)
        for r in range(1, self.rows + 1):
            for c in range(1, self.width + 1):
                cell = ws.cell(r, c)
                if r in self.titles:
                    cell.font = Font(bold=True, size=16 if r == min(self.titles) else 12)
                    cell.alignment = Alignment(horizontal="center", vertical="center")
                    continue
                cell.alignment = Alignment(wrap_text=True, vertical="center")
                if r >= self.table_from:
                    cell.border = box
        for r1, c1, r2, c2 in self.merges:
            ws.merge_cells(start_row=r1, start_column=c1, end_row=r2, end_column=c2)
        for i, w in enumerate(self.widths, start=1):
            ws.column_dimensions[get_column_letter(i)].width = w
        buf = io.BytesIO()
        wb.save(buf)
        return buf.getvalue()


_PLAIN_NUMBER = re.compile(r"-?\d+(?:\.\d+)?")


def printed(value: object) -> Value:
    """A JSON value as the page shows it in a cell: plain numbers as numbers, "" as blank, the rest as text."""
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        raise TypeError(f"no cell value for {value!r}")
    if isinstance(value, int | float):
        return value
    text = str(value)
    if _PLAIN_NUMBER.fullmatch(text):
        return float(text) if "." in text else int(text)
    return text


def _note(text: str | None) -> str | None:
    """A footnote as far as the stored page text goes (the rest of it is unknown)."""
    return text.removesuffix(NOTE_CUT) if text else None


# --- the indicator table --------------------------------------------------------------------------------

@dataclass(frozen=True)
class _IndicatorRow:
    """One printed row of the indicator table: 一级 and 二级 group labels, then the cells to their right."""

    level1: str  # 一级 label as printed; consecutive equal labels form one merged block
    level2: str | None  # 二级 label as printed; None: an empty row with no 二级 label (保山)
    cells: tuple[Value, ...]  # 三级指标 onwards, in the page's column order; None = blank


def _runs(labels: Sequence[str | None], blocks: Sequence[str]) -> list[tuple[int, int, str | None]]:
    """(first, last, label) for each run of equal consecutive labels that stays inside one block."""
    runs: list[tuple[int, int, str | None]] = []
    for i, (label, block) in enumerate(zip(labels, blocks, strict=True)):
        if runs and runs[-1][2] == label and blocks[runs[-1][0]] == block:
            runs[-1] = (runs[-1][0], i, label)
        else:
            runs.append((i, i, label))
    return runs


def _indicator_table(sheet: _Sheet, rows: Sequence[_IndicatorRow], *, col: int, merge_level2: bool = True) -> int:
    """Write the indicator rows from column `col` (一级) on; 一级 labels are merged down their block,
    二级 labels down their run of rows (or repeated on each row when `merge_level2` is False).
    Returns the last row written."""
    start = sheet.rows + 1
    for row in rows:
        sheet.row(*((col + 2 + i, col + 2 + i, v) for i, v in enumerate(row.cells)))
    blocks = [r.level1 for r in rows]
    for first, last, label in _runs(blocks, blocks):
        sheet.put(start + first, col, label)
        sheet.down(col, start + first, start + last)
    for first, last, label in _runs([r.level2 for r in rows], blocks):
        if label is None:
            continue
        if merge_level2:
            sheet.put(start + first, col + 1, label)
            sheet.down(col + 1, start + first, start + last)
        else:
            for k in range(first, last + 1):
                sheet.put(start + k, col + 1, label)
    return sheet.rows


def _level1_label(ind: dict[str, Any], weights: dict[str, int] | None = None) -> str:
    """The 一级 label as printed: the JSON's `一级指标_as_shown` (with the inferred name put back where the
    page text showed only the weight), or the name with the weight glued on."""
    shown = ind.get("一级指标_as_shown")
    if shown:
        # 天长: the page text shows only "(50分)" / "(30分)" in these cells; the notes infer 产出指标 /
        # 效益指标, and the satisfaction cell reads "满意度指标(10分)", so the name is written in front.
        return shown if not shown.startswith("(") else f"{ind['一级指标']}{shown}"
    if weights is not None:
        return f"{ind['一级指标']}({weights[ind['一级指标']]}分)"
    return str(ind["一级指标"])


def _mof_cells(ind: dict[str, Any]) -> tuple[Value, ...]:
    """三级指标 | 年度指标值 | 实际完成值 | 分值 | 得分 | 偏差原因分析及改进措施."""
    return tuple(printed(ind.get(k)) for k in ("三级指标", "年度指标值", "实际完成值", "分值", "得分", "偏差原因"))


# --- the form header, shared by the annex-1 layouts ----------------------------------------------------

def _name_rows(sheet: _Sheet, data: dict[str, Any], *, label_to: int, dept_to: int, unit_label_to: int,
               unit_label: str = "实施单位") -> None:
    """项目名称 and 主管部门 | 实施单位 rows: labels over columns 1..label_to, the department up to dept_to,
    the unit's label up to unit_label_to and the unit to the table's edge."""
    w = sheet.width
    sheet.row((1, label_to, "项目名称"), (label_to + 1, w, data["project_name"]))
    sheet.row((1, label_to, "主管部门"), (label_to + 1, dept_to, data["department"]),
              (dept_to + 1, unit_label_to, unit_label), (unit_label_to + 1, w, data["unit"]))


def _goal_rows(sheet: _Sheet, data: dict[str, Any], *, label: str, expected: str = "预期目标",
               actual: str = "实际完成情况", split: int) -> None:
    """年度总体目标: a label merged down two rows, then 预期目标 | 实际完成情况 headers and their texts."""
    w = sheet.width
    goals = data["goals"]
    r = sheet.row((1, 1, label), (2, split, expected), (split + 1, w, actual))
    sheet.row((2, split, goals["预期目标"]), (split + 1, w, goals["实际完成情况"]))
    sheet.down(1, r, r + 1)


# --- layout 1: MoF annex 1 (天长 2022, 临沧临翔 2023) -----------------------------------------------------

_MOF_WIDTHS = (10.0, 12.0, 14.0, 30.0, 14.0, 14.0, 8.0, 8.0, 22.0)
_MOF_HEADERS = ("一级指标", "二级指标", "三级指标", "年度指标值", "实际完成值", "分值", "得分", "偏差原因分析及改进措施")


def _budget_block(sheet: _Sheet, label: str, columns: Sequence[str], rows: Sequence[tuple[str, Sequence[Value]]],
                  *, label_to: int, row_label_to: int, last_to: int | None = None) -> None:
    """The money block: its label over columns 1..label_to and down all its rows, a header row of budget
    columns, then one row per fund (its label over label_to+1..row_label_to, then its values; the last
    value merged across to `last_to` where the block is narrower than the table)."""
    first = row_label_to + 1

    def spans(values: Sequence[Value]) -> list[Span]:
        n = len(values)
        return [(first + i, last_to if last_to and i == n - 1 else first + i, v) for i, v in enumerate(values)]

    top = sheet.row((label_to + 1, row_label_to, None), *spans(columns))
    for row_label, values in rows:
        sheet.row((label_to + 1, row_label_to, row_label), *spans(values))
    sheet.put(top, 1, label, last_col=label_to, last_row=sheet.rows)


def _tianchang(data: dict[str, Any]) -> _Sheet:
    """天长 2022: MoF annex 1 with (A)/(B) column suffixes, 指标1:/指标2:/…… template rows, weights in the
    一级 labels, a blank 主管部门 and a blank 执行率, sub-rows with "-" under 分值 and 得分, 注 below 总分."""
    s = _Sheet("Sheet1", _MOF_WIDTHS)
    s.title("项目支出绩效自评表")
    s.title(f"（{data['year']}年度）")
    s.start_table()
    _name_rows(s, data, label_to=2, dept_to=5, unit_label_to=6)
    b = data["budget"]
    amounts = [(b[k]["total"], b[k]["本年财政拨款"]) for k in ("年初预算数", "全年预算数", "全年执行数")]
    carried = [b[k]["上年结转资金"] for k in ("年初预算数", "全年预算数", "全年执行数")]
    other = [b[k]["其他资金"] for k in ("年初预算数", "全年预算数", "全年执行数")]
    # The 年度资金总额 row shows "880 880 880 10 10": 执行率 is blank (budget.note); the sub-rows show "- -",
    # read as the annex template's dashes under 分值 and 得分.
    _budget_block(s, "项目资金（万元）", b["columns_as_shown"], [
        ("年度资金总额:", [*(a[0] for a in amounts), b["分值"], printed(b["执行率"]), b["得分"]]),
        ("其中:本年财政拨款", [*(a[1] for a in amounts), "-", None, "-"]),
        ("上年结转资金", [*carried, "-", None, "-"]),
        ("其他资金", [*other, "-", None, "-"]),
    ], label_to=2, row_label_to=3)
    _goal_rows(s, data, label="年度总体目标完成情况", split=5)
    head = s.row((1, 1, "年度绩效指标完成情况"), *((2 + i, 2 + i, h) for i, h in enumerate(_MOF_HEADERS)))
    rows: list[_IndicatorRow] = []
    indicators = data["indicators"]
    for i, ind in enumerate(indicators):
        level1, level2 = _level1_label(ind), ind["二级指标"]
        rows.append(_IndicatorRow(level1, level2, _mof_cells(ind)))
        ends_group = i + 1 == len(indicators) or indicators[i + 1]["二级指标"] != level2
        if ends_group:  # the template rows the unit left empty under each 二级指标 (empty_rows_on_page)
            if not str(ind["三级指标"]).startswith("指标2"):
                rows.append(_IndicatorRow(level1, level2, ("指标2:",)))
            rows.append(_IndicatorRow(level1, level2, ("……",)))
    last = _indicator_table(s, rows, col=2)
    s.down(1, head, last)
    s.row((1, 6, "总分"), (7, 7, data["总分_分值"]), (8, 8, data["总分"]), (9, 9, None))
    s.row((1, s.width, _note(data.get("form_notes_as_shown"))))
    return s


def _lincang(data: dict[str, Any]) -> _Sheet:
    """临沧临翔 2023: MoF annex 1 with only the 年度资金总额 and 当年财政拨款 rows (both carrying 分值, 执行率,
    得分), 二级 labels repeated row by row, and the page cut off after the satisfaction row's name."""
    s = _Sheet("Sheet1", _MOF_WIDTHS)
    s.title("项目支出绩效自评表")
    s.title(f"（ {data['year']}年度）")  # the page prints "( 2023年度)", with the space
    s.start_table()
    _name_rows(s, data, label_to=2, dept_to=5, unit_label_to=6)
    b = data["budget"]
    tail = [b["分值"], printed(b["执行率"]), b["得分"]]
    # Both rows show "| 32.4 | 31.69 | 10 | 97.80% | 9 |" after an empty first cell: 年初预算数 blank.
    _budget_block(s, "项目资金（万元）", b["columns_as_shown"], [
        ("年度资金总额", [b["年初预算数"]["total"], b["全年预算数"]["total"], b["全年执行数"]["total"], *tail]),
        ("其中:当年财政拨款", [b["年初预算数"]["当年财政拨款"], b["全年预算数"]["当年财政拨款"],
                               b["全年执行数"]["当年财政拨款"], *tail]),
    ], label_to=2, row_label_to=3)
    _goal_rows(s, data, label="年度总体目标", split=5)
    head = s.row((1, 1, "绩效指标"), *((2 + i, 2 + i, h) for i, h in enumerate(_MOF_HEADERS)))
    rows = [_IndicatorRow(_level1_label(ind), ind["二级指标"], _mof_cells(ind)) for ind in data["indicators"]]
    # The page repeats "数量指标" on its second row instead of merging; 一级 labels appear once per block.
    last = _indicator_table(s, rows, col=2, merge_level2=False)
    s.down(1, head, last)
    # Truncated: the page ends at the satisfaction row's name; no 总分 row follows.
    return s


# --- layout 2: 永德 2022 hybrid (公开14表, 元, split 年度指标值 header) -------------------------------------

def _yongde(data: dict[str, Any]) -> _Sheet:
    """永德 2022: annex 1 as 公开14表 of a 决算公开 — title with the year, 部门 and 公开14表 on the next row,
    money in 元, 绩效指标 heading 一级/二级/三级 on a two-row header with 年度指标值 over 指标性质 | 指标值 |
    度量单位, an empty 生态效益指标 row, 其他需要说明事项 and a 总分 row ending in the grade."""
    s = _Sheet("公开14表", (12.0, 13.0, 24.0, 8.0, 9.0, 9.0, 12.0, 7.0, 7.0, 20.0))
    title, dept, table_no = (p.strip() for p in data["form_title_as_shown"].split("|"))
    s.title(title)
    s.row((1, 5, dept), (10, 10, table_no))
    s.start_table()
    _name_rows(s, data, label_to=1, dept_to=4, unit_label_to=6)
    b = data["budget"]
    years = ("年初预算数", "全年预算数", "全年执行数")
    # Read from the page: sub-rows carry "—" under 分值 and 得分 (执行率 blank); the 其他资金 row has "—" in its
    # three amount cells as well (the JSON records those amounts as null).
    _budget_block(s, "项目资金（元）", b["columns_as_shown"], [
        ("年度资金总额", [*(b[k]["total"] for k in years), b["分值"], printed(b["执行率"]), b["得分"]]),
        ("其中:当年财政拨款", [*(b[k]["当年财政拨款"] for k in years), "—", None, "—"]),
        ("上年结转资金", [*(b[k]["上年结转资金"] for k in years), "—", None, "—"]),
        ("其他资金", ["—", "—", "—", "—", None, "—"]),
    ], label_to=1, row_label_to=4)
    _goal_rows(s, data, label="年度总体目标", split=5)
    top = s.row((1, 3, "绩效指标"), (4, 6, "年度指标值"), (7, 7, "实际完成值"), (8, 8, "分值"), (9, 9, "得分"),
                (10, 10, "偏差原因分析及改进措施"))
    s.row(*((i + 1, i + 1, h) for i, h in enumerate(("一级指标", "二级指标", "三级指标", "指标性质", "指标值", "度量单位"))))
    for c in range(7, 11):
        s.down(c, top, top + 1)
    rows: list[_IndicatorRow] = []
    for ind in data["indicators"]:
        cells = tuple(printed(ind.get(k)) for k in ("三级指标", "指标性质", "指标值", "度量单位", "实际完成值", "分值",
                                                   "得分", "偏差原因"))
        rows.append(_IndicatorRow(_level1_label(ind), ind["二级指标"], cells))
        if ind["二级指标"] == "社会效益指标":  # empty_rows_on_page: a 生态效益指标 row with all cells empty
            rows.append(_IndicatorRow(_level1_label(ind), "生态效益指标", ()))
    _indicator_table(s, rows, col=1)
    s.row((1, 3, "其他需要说明事项"), (4, 10, data["其他需要说明事项"]))
    s.row((1, 7, "总分"), (8, 8, data["总分_分值"]), (9, 9, data["总分"]), (10, 10, data["自评等级"]))
    return s


# --- layout 3: 中江 2022 衔接资金 绩效目标自评表 (分值 before 年度指标值) ------------------------------------

def _zhongjiang(data: dict[str, Any]) -> _Sheet:
    """中江 2022: 资金情况（万元） without 年初预算数, 项目负责人及电话 beside 项目名称 (redacted), 年初设定目标 |
    年度总体目标完成情况综述, 分值 before 年度指标值, 全年实际值 written with operators, weights in the 一级
    labels, an empty 经济效益指标 row, a …… row, 总分 and the form's 注."""
    s = _Sheet("Sheet1", (10.0, 13.0, 14.0, 30.0, 7.0, 13.0, 13.0, 7.0, 22.0))
    # The page text is flattened; "绩效目标自评表(2022年度)" is read as one title line with the year in it.
    s.title(f"绩效目标自评表（{data['year']}年度）")
    s.start_table()
    # The page prints the project leader's name and mobile number here: never copied.
    s.row((1, 2, "项目名称"), (3, 6, data["project_name"]), (7, 7, "项目负责人及电话"), (8, 9, REDACTED))
    s.row((1, 2, "主管部门"), (3, 6, data["department"]), (7, 7, "实施单位"), (8, 9, data["unit"]))
    b = data["budget"]
    _budget_block(s, "资金情况（万元）", b["columns_as_shown"], [
        ("年度资金总额:", [b["全年预算数"]["total"], b["全年执行数"]["total"], b["分值"], printed(b["执行率"]), b["得分"]]),
        ("其中:本年财政拨款", [b["全年预算数"]["本年财政拨款"], b["全年执行数"]["本年财政拨款"], None, None, None]),
        ("其他资金", [b["全年预算数"]["其他资金"], b["全年执行数"]["其他资金"], None, None, None]),
    ], label_to=2, row_label_to=3, last_to=9)
    # goals.note: the excerpt runs the two goal texts together; the split point is the transcriber's inference.
    _goal_rows(s, data, label="年度总体目标", expected="年初设定目标", actual="年度总体目标完成情况综述", split=5)
    head = s.row((1, 1, "绩效指标"), *((2 + i, 2 + i, h) for i, h in enumerate(data["indicator_columns_as_shown"])))
    weights = data["level1_weights_as_shown"]
    rows: list[_IndicatorRow] = []
    for ind in data["indicators"]:
        level1 = _level1_label(ind, weights)
        if ind["二级指标"] == "社会效益指标" and rows[-1].level2 != "社会效益指标":
            rows.append(_IndicatorRow(level1, "经济效益指标", ()))  # a 二级 label with no indicator row
        cells = tuple(printed(ind.get(k)) for k in ("三级指标", "分值", "年度指标值", "实际完成值", "得分", "偏差原因"))
        rows.append(_IndicatorRow(level1, ind["二级指标"], cells))
    # The "……" placeholder follows the satisfaction row; read as the template's next 三级 row under its 二级.
    rows.append(_IndicatorRow(rows[-1].level1, rows[-1].level2, ("……",)))
    last = _indicator_table(s, rows, col=2)
    s.down(1, head, last)
    s.row((1, 4, "总分"), (5, 5, data["总分_分值"]), (6, 7, None), (8, 8, data["总分"]), (9, 9, None))
    s.row((1, s.width, _note(data.get("form_notes_as_shown"))))
    return s


# --- layout 4: 保山 2022 (云南: 预算执行 20分, 年度绩效目标 80分, no 分值 column) ------------------------------

def _ticks(options: Sequence[str], chosen: str) -> str:
    """A tick-box line as the page prints it: "1、部门预算项目 ☑ 2、市直专项 □ …". (The stored page text has
    "R" for the chosen box: a Wingdings tick, written here as ☑.)"""
    return " ".join(f"{i}、{o} {'☑' if o == chosen else '□'}" for i, o in enumerate(options, start=1))


def _baoshan(data: dict[str, Any]) -> _Sheet:
    """保山 2022: 附件1 line, title with the year, 单位名称 | 填报日期 line, 项目实施单位, 项目类别/项目属性 with
    tick boxes, 预算执行情况(万元)(20分) with 预算数(A) | 执行数(B) | 执行率(B/A) | 得分(20分*执行率), the
    indicator table headed 年度绩效目标(80分) with weights only in the 一级 labels and an empty row closing
    each block, 总分(100分) | 100 | 自评等级 | 优, two text rows and the 备注."""
    s = _Sheet("Sheet1", (14.0, 13.0, 13.0, 40.0, 13.0, 13.0, 10.0))
    s.row((1, 1, "附件1"))
    s.title(data["form_title_as_shown"])
    filed = re.search(r"填报日期\s*(\d{4}年\d{1,2}月\d{1,2}日)", data["source_note"])
    s.row((1, 4, f"单位名称:{data['unit']}"), (5, 7, f"填报日期:{filed.group(1)}" if filed else "填报日期:"))
    s.start_table()
    s.row((1, 1, "项目名称"), (2, 7, data["project_name"]))
    s.row((1, 1, "主管部门"), (2, 3, data["department"]), (4, 4, "项目实施单位"), (5, 7, data["unit"]))
    s.row((1, 1, "项目类别"), (2, 7, _ticks(("部门预算项目", "市直专项", "市对下转移支付项目"), data["项目类别"])))
    s.row((1, 1, "项目属性"), (2, 7, _ticks(("持续性项目", "新增性项目"), data["项目属性"])))
    b = data["budget"]
    _budget_block(s, b["block_label"], b["columns_as_shown"], [
        (b["row_label"], [b["全年预算数"]["total"], b["全年执行数"]["total"], printed(b["执行率"]), b["得分"]]),
    ], label_to=1, row_label_to=2, last_to=7)
    weights = data["level1_weights_as_shown"]
    head = s.row((1, 1, f"年度绩效目标({weights['年度绩效目标']}分)"),
                 *((2 + i, 2 + i, h) for i, h in enumerate(data["indicator_columns_as_shown"])))
    rows: list[_IndicatorRow] = []
    indicators = data["indicators"]
    for i, ind in enumerate(indicators):
        level1 = _level1_label(ind, weights)
        cells = tuple(printed(ind.get(k)) for k in ("三级指标", "年度指标值", "实际完成值", "得分"))
        rows.append(_IndicatorRow(level1, ind["二级指标"], cells))
        if i + 1 == len(indicators) or indicators[i + 1]["一级指标"] != ind["一级指标"]:
            rows.append(_IndicatorRow(level1, None, ()))  # the empty template row closing each 一级 block
    last = _indicator_table(s, rows, col=2)
    s.down(1, head, last)
    # "总分(100分) | 100 | 自评等级 | 优": which columns the four cells span is not visible in the page text.
    s.row((1, 1, f"总分({data['总分_分值']}分)"), (2, 4, data["总分"]), (5, 6, "自评等级"), (7, 7, data["自评等级"]))
    s.row((1, 1, "偏差大或目标未完成原因分析"), (2, 7, data["偏差大或目标未完成原因分析"]))
    s.row((1, 1, "改进措施及结果应用方案"), (2, 7, data["改进措施及结果应用方案"]))
    s.row((1, s.width, _note(data.get("form_notes_as_shown"))))
    return s


_LAYOUTS: dict[str, Callable[[dict[str, Any]], _Sheet]] = {
    "tianchang_2022_shuihan": _tianchang,
    "lincang_linxiang_2023_shourongsuo": _lincang,
    "yongde_2022_yingyang": _yongde,
    "zhongjiang_2022_shuibiaochi": _zhongjiang,
    "baoshan_2022_chunjie_weiwen": _baoshan,
}


def build(fixture_id: str) -> bytes:
    """The form `fixture_id` (one of FORMS) as an .xlsx file laid out like its published page."""
    layout = _LAYOUTS.get(fixture_id)
    if layout is None:
        raise KeyError(f"unknown real form {fixture_id!r}; known: {', '.join(FORMS)}")
    return layout(load(fixture_id)).workbook_bytes()


def write_all(directory: Path) -> list[Path]:
    """Write the five workbooks as <fixture_id>.xlsx into `directory`; returns their paths."""
    directory.mkdir(parents=True, exist_ok=True)
    paths = []
    for fid in FORMS:
        path = directory / f"{fid}.xlsx"
        path.write_bytes(build(fid))
        paths.append(path)
    return paths


if __name__ == "__main__":
    for p in write_all(Path(sys.argv[1] if len(sys.argv) > 1 else "/tmp/realforms")):
        print(p)
