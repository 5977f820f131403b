"""Expert scoring sheets (专家评分表) of 重点评价 and 部门整体评价: the blank .xlsx built for one evaluation and one
expert, and the reading of a filled one: parse → check (cell-precise Chinese problems, nothing written) → commit
through store.evaluations (one file = one transaction, with its audit entry).

Layout of a sheet (the workbook may hold several, one per expert, each named 专家评分表…):
    A1 title; A2:B7 年度, 评价类型, 评价对象, 对象编码, 指标体系, 专家姓名 (label in A, value in B; B7 is filled in);
    row 9 header 编号 | 一级指标 | 二级指标 | 三级指标 | 评分要点 | 分值 | 得分 | 评分说明; one row per 三级 indicator;
    a 合计 row; for a rubric with a survey, 样本量（份） and 满意人数（份） with their values in column G.
Only B7, the 得分 and 评分说明 columns and the survey values are unlocked; 得分 has a 0–分值 data validation.
"""

from __future__ import annotations

import hashlib
import io
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Protection, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet

from etl.form import ERROR, Problem
from etl.reader import Sheet, UnreadableWorkbook, read_workbook
from etl.values import NotANumber, is_blank, normalize, parse_number
from rubrics.panel import KIND_LABELS
from store import evaluations as ev
from store.access import Refused, Viewer
from store.db import Connection, StoreError

SHEET_PREFIX = "专家评分表"
INSTRUCTIONS = "填写说明"
MAX_SHEET_ROWS = 200
FLOAT_NOISE = Decimal("1e-9")  # a score read as 4.800000000000001 (binary floating point of a formula) is 4.8
LABEL_YEAR, LABEL_KIND, LABEL_SUBJECT, LABEL_CODE, LABEL_RUBRIC, LABEL_EXPERT = (
    "年度", "评价类型", "评价对象", "对象编码", "指标体系", "专家姓名")
FIELDS = (LABEL_YEAR, LABEL_KIND, LABEL_SUBJECT, LABEL_CODE, LABEL_RUBRIC, LABEL_EXPERT)
FIRST_FIELD_ROW = 2
HEADER = ("编号", "一级指标", "二级指标", "三级指标", "评分要点", "分值", "得分", "评分说明（可选）")
HEADER_ROW = FIRST_FIELD_ROW + len(FIELDS) + 1
COL_ID, COL_WEIGHT, COL_SCORE, COL_NOTE = 1, 6, 7, 8
TOTAL_LABEL = "合计"
SURVEY_TITLE = "满意度调查（由负责问卷的专家填写，其他专家可留空）"
LABEL_SAMPLE, LABEL_SATISFIED = "样本量（份）", "满意人数（份）"

LOADED = "已导入"
UNCHANGED = "未更改（与当前评分相同）"
REJECTED = "已拒绝"
CHECKED = "检查通过"


# ---------------------------------------------------------------------------------------------
# The blank sheet
# ---------------------------------------------------------------------------------------------

_THIN = Side(style="thin", color="999999")
_BOX = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)
_HEAD_FILL = PatternFill("solid", fgColor="DDEBF7")
_INPUT_FILL = PatternFill("solid", fgColor="FFF2CC")
_OPEN = Protection(locked=False)
_WRAP = Alignment(wrap_text=True, vertical="center")


def _set(ws: Worksheet, row: int, col: int, value: object, **style: object) -> None:
    """Write a cell as a value (text never becomes a formula) with optional styles."""
    cell = ws.cell(row, col)
    cell.value = value
    if isinstance(value, str):
        cell.data_type = "s"
    for key, item in style.items():
        setattr(cell, key, item)


def _fmt(number: Decimal) -> str:
    text = format(number.normalize(), "f")
    return "0" if text == "-0" else text


def sheet_title(evaluation: ev.EvaluationSpec) -> str:
    """The sheet's title line: 2015年度 重点评价 专家评分表."""
    return f"{evaluation.year}年度 {evaluation.kind_label} 专家评分表"


def file_name(evaluation: ev.EvaluationSpec, expert: str | None) -> str:
    """The download's file name: 2015_重点评价_区市容环卫局·道路清扫费_王建国.xlsx (no path characters)."""
    subject = re.sub(r"[\\/:*?\"<>|\s]+", "", evaluation.subject_name.replace(" · ", "·"))
    return f"{evaluation.year}_{evaluation.kind_label}_{subject}_{expert or '专家'}.xlsx"


def fill_sheet(ws: Worksheet, evaluation: ev.EvaluationSpec, expert: str | None) -> dict[str, str]:
    """Lay out one blank scoring sheet on `ws`; returns the input cells by purpose (expert, score:<id>, sample …)."""
    rubric = evaluation.rubric
    cells: dict[str, str] = {}
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(HEADER))
    _set(ws, 1, 1, sheet_title(evaluation), font=Font(bold=True, size=14), alignment=Alignment(horizontal="center"))
    values = (evaluation.year, evaluation.kind_label, evaluation.subject_name, evaluation.subject_id,
              f"{rubric.name}（版本 {rubric.version}）", expert or "")
    for offset, (label, value) in enumerate(zip(FIELDS, values, strict=True)):
        row = FIRST_FIELD_ROW + offset
        _set(ws, row, 1, label, font=Font(bold=True))
        ws.merge_cells(start_row=row, start_column=2, end_row=row, end_column=5)
        _set(ws, row, 2, value)
    expert_row = FIRST_FIELD_ROW + FIELDS.index(LABEL_EXPERT)
    ws.cell(expert_row, 2).protection = _OPEN
    ws.cell(expert_row, 2).fill = _INPUT_FILL
    cells["expert"] = f"B{expert_row}"
    _set(ws, expert_row, 6, "← 请填写您的姓名（须与评审组名单一致）", font=Font(color="C00000"))
    for col, text in enumerate(HEADER, start=1):
        _set(ws, HEADER_ROW, col, text, font=Font(bold=True), fill=_HEAD_FILL, border=_BOX, alignment=_WRAP)
    rules: dict[Decimal, DataValidation] = {}
    row = HEADER_ROW
    for row, indicator in enumerate(evaluation.indicators, start=HEADER_ROW + 1):
        for col, value in enumerate((indicator.indicator_id, indicator.level1, indicator.level2, indicator.name,
                                     indicator.description), start=1):
            _set(ws, row, col, value, border=_BOX, alignment=_WRAP)
        _set(ws, row, COL_WEIGHT, int(indicator.weight) if indicator.weight == indicator.weight.to_integral_value()
             else float(indicator.weight), border=_BOX)
        for col in (COL_SCORE, COL_NOTE):
            cell = ws.cell(row, col)
            cell.protection, cell.fill, cell.border = _OPEN, _INPUT_FILL, _BOX
        weight = indicator.weight
        if weight not in rules:
            rules[weight] = DataValidation(
                type="decimal", operator="between", formula1="0", formula2=_fmt(weight), allow_blank=True,
                showErrorMessage=True, errorTitle="得分超出范围", error=f"得分应在 0 至 {_fmt(weight)} 之间",
                showInputMessage=True, promptTitle="得分", prompt=f"0 至 {_fmt(weight)} 分")
            ws.add_data_validation(rules[weight])
        rules[weight].add(f"{get_column_letter(COL_SCORE)}{row}")
        cells[f"score:{indicator.indicator_id}"] = f"{get_column_letter(COL_SCORE)}{row}"
    total_row = row + 1
    _set(ws, total_row, 1, TOTAL_LABEL, font=Font(bold=True), border=_BOX)
    _set(ws, total_row, COL_WEIGHT, int(rubric.full_marks) if rubric.full_marks == rubric.full_marks.to_integral_value()
         else float(rubric.full_marks), font=Font(bold=True), border=_BOX)
    score_col = get_column_letter(COL_SCORE)
    ws.cell(total_row, COL_SCORE).value = f"=SUM({score_col}{HEADER_ROW + 1}:{score_col}{row})"
    if rubric.survey_enabled:
        _set(ws, total_row + 2, 1, SURVEY_TITLE, font=Font(bold=True))
        for offset, label in enumerate((LABEL_SAMPLE, LABEL_SATISFIED), start=3):
            _set(ws, total_row + offset, 1, label)
            cell = ws.cell(total_row + offset, COL_SCORE)
            cell.protection, cell.fill, cell.border = _OPEN, _INPUT_FILL, _BOX
            cells["sample" if label == LABEL_SAMPLE else "satisfied"] = f"{score_col}{total_row + offset}"
    for letter, width in zip("ABCDEFGH", (7, 10, 12, 18, 48, 7, 9, 24), strict=True):
        ws.column_dimensions[letter].width = width
    ws.freeze_panes = ws.cell(HEADER_ROW + 1, 1)
    ws.protection.sheet = True  # labels, ids and weights locked (no password: the bureau may unlock to fix a typo)
    return cells


INSTRUCTION_LINES = (
    "1. 在“专家评分表”工作表的 B7 单元格填写您的姓名，须与评审组名单一致。",
    "2. 在“得分”列逐项填写分数：0 至该行“分值”之间，最多保留两位小数；每一行都要填写。",
    "3. 不要增删行、不要改动编号和分值；“评分说明”可选填。",
    "4. 重点评价的满意度调查（样本量、满意人数）由负责问卷的专家填写，其他专家可留空。",
    "5. 填好后交绩效办导入，或由本人在看板的评价页面上传；同一专家再次导入时，以新表替换原有评分（原评分保留可查）。",
)


def blank_workbook(evaluation: ev.EvaluationSpec, expert: str | None = None) -> tuple[Workbook, dict[str, str]]:
    """The blank scoring workbook of an evaluation for one expert (None: the name left to fill in), with its input
    cells by purpose (expert, score:<indicator id>, sample, satisfied)."""
    wb = Workbook()
    ws = wb.active
    if ws is None:  # pragma: no cover - a new workbook always has a sheet
        ws = wb.create_sheet()
    ws.title = SHEET_PREFIX
    cells = fill_sheet(ws, evaluation, expert)
    notes = wb.create_sheet(INSTRUCTIONS)
    _set(notes, 1, 1, f"{sheet_title(evaluation)}：{evaluation.subject_name}", font=Font(bold=True, size=13))
    for row, line in enumerate(INSTRUCTION_LINES, start=3):
        _set(notes, row, 1, line)
    _set(notes, len(INSTRUCTION_LINES) + 4, 1, f"指标体系：{evaluation.rubric.name}；{evaluation.rubric.description}")
    notes.column_dimensions["A"].width = 110
    notes.protection.sheet = True
    wb.properties.title = sheet_title(evaluation)
    wb.properties.creator = "预算绩效评价看板"
    return wb, cells


def blank_sheet(evaluation: ev.EvaluationSpec, expert: str | None = None) -> bytes:
    """The blank scoring workbook as .xlsx bytes."""
    out = io.BytesIO()
    blank_workbook(evaluation, expert)[0].save(out)
    return out.getvalue()


# ---------------------------------------------------------------------------------------------
# Reading a filled sheet
# ---------------------------------------------------------------------------------------------


@dataclass
class SheetFile:
    """One checked file: its problems, and when it is fine, what it brings (one evaluation's experts)."""

    file: str
    file_hash: str
    problems: list[Problem] = field(default_factory=list)
    evaluation: ev.EvaluationSpec | None = None
    experts: list[ev.ExpertScores] = field(default_factory=list)
    survey: ev.Survey | None = None
    status: str = CHECKED

    @property
    def ok(self) -> bool:
        """True when the file can be stored."""
        return not self.problems and self.evaluation is not None and bool(self.experts)

    def line(self) -> str:
        """One line for the CLI and the page: file, status, experts."""
        who = f"，专家 {'、'.join(e.expert for e in self.experts)}" if self.experts and self.status != REJECTED else ""
        return f"{self.file}：{self.status}{who}"


class _Bad(Exception):
    """A problem at a cell of a sheet: stops reading that sheet."""

    def __init__(self, cell: str, message: str) -> None:
        super().__init__(message)
        self.cell, self.message = cell, message


def _a1(row: int, col: int) -> str:
    return f"{get_column_letter(col)}{row}"


def _text(sheet: Sheet, row: int, col: int) -> str:
    return normalize(sheet.value((row, col)))


def _field_rows(sheet: Sheet) -> dict[str, int]:
    """The rows of the header fields, found by their labels in column A above the table."""
    rows: dict[str, int] = {}
    for row in range(1, HEADER_ROW + 3):
        label = _text(sheet, row, 1)
        if label in FIELDS and label not in rows:
            rows[label] = row
    return rows


def _header_row(sheet: Sheet) -> int:
    for row in range(1, HEADER_ROW + 6):
        if _text(sheet, row, COL_ID) == HEADER[0] and _text(sheet, row, COL_SCORE) == HEADER[6]:
            return row
    raise _Bad("", "找不到评分表的表头（编号 … 得分）：请使用看板下载的空白专家评分表，不要改动表头")


def _number(sheet: Sheet, row: int, col: int, what: str, fix: str) -> Decimal | None:
    value = sheet.value((row, col))
    if is_blank(value):
        return None
    try:
        return parse_number(value)
    except NotANumber:
        raise _Bad(_a1(row, col), f"{what}“{value}”不是数字：{fix}") from None


def _find_evaluation(sheet: Sheet, rows: dict[str, int], evaluations: Sequence[ev.EvaluationSpec],
                     expected: ev.EvaluationSpec | None) -> ev.EvaluationSpec:
    """The evaluation the sheet's 年度, 评价类型 and 对象编码 name (and, when one was chosen, it must be that one)."""
    for label in (LABEL_YEAR, LABEL_KIND, LABEL_CODE, LABEL_EXPERT):
        if label not in rows:
            raise _Bad("", f"找不到“{label}”一栏（A 列）：请使用看板下载的空白专家评分表，不要删改表头部分")
    year_cell = (rows[LABEL_YEAR], 2)
    year = _number(sheet, *year_cell, "年度", "请填写四位数年度，如 2015")
    if year is None or year != year.to_integral_value():
        raise _Bad(_a1(*year_cell), "年度为空或不是整数：请使用看板下载的评分表（年度已填好）")
    kind_text = _text(sheet, rows[LABEL_KIND], 2)
    kinds = {label: kind for kind, label in KIND_LABELS.items()}
    if kind_text not in kinds:
        raise _Bad(_a1(rows[LABEL_KIND], 2), f"评价类型“{kind_text}”无法识别：应为 {'或'.join(kinds)}")
    kind = kinds[kind_text]
    code = _text(sheet, rows[LABEL_CODE], 2)
    code_cell = _a1(rows[LABEL_CODE], 2)
    subject = sheet.value((rows[LABEL_SUBJECT], 2)) if LABEL_SUBJECT in rows else code
    if expected is not None:
        if int(year) != expected.year:
            raise _Bad(_a1(*year_cell), f"这是 {int(year)} 年度的评分表，而所选评价是 {expected.year} 年度的：请下载 "
                                        f"{expected.year} 年度“{expected.subject_name}”的评分表后重新填写")
        if kind != expected.kind or code != expected.subject_id:
            raise _Bad(code_cell, f"这是{kind_text}“{subject}”（对象编码 {code}）的评分表，不是所选评价“"
                                  f"{expected.subject_name}”的：请选择对应的评价，或下载本评价的评分表")
        return expected
    same_year = [e for e in evaluations if e.year == int(year)]
    if not same_year:
        raise _Bad(_a1(*year_cell), f"{int(year)} 年度还没有任何专家评价：请核对年度，或请绩效办先创建该年度的评价")
    found = next((e for e in same_year if e.kind == kind and e.subject_id == code), None)
    if found is None:
        what = "项目" if kind == ev.KIND_KEY else "部门"
        raise _Bad(code_cell, f"{int(year)} 年度没有对象编码为“{code}”的{kind_text}（未知的{what}“{subject}”）："
                              f"请核对对象编码，或请绩效办先创建该评价后重新下载评分表")
    return found


def _read_scores(sheet: Sheet, evaluation: ev.EvaluationSpec) -> tuple[dict[str, ev.ScoreCell], int]:
    """The 得分 of every indicator row, checked against the evaluation's indicators; returns them and the 合计 row."""
    header = _header_row(sheet)
    indicators = {i.indicator_id: i for i in evaluation.indicators}
    places = evaluation.rubric.panel.score_places
    found: dict[str, ev.ScoreCell] = {}
    row = header + 1
    while row <= min(header + len(indicators) + 40, MAX_SHEET_ROWS):
        ident = _text(sheet, row, COL_ID)
        if ident == TOTAL_LABEL or (not ident and all(is_blank(sheet.value((row, c))) for c in range(1, 9))):
            break
        if ident not in indicators:
            raise _Bad(_a1(row, COL_ID), f"指标编号“{ident}”不属于本评价的指标体系“{evaluation.rubric.name}”："
                                         "请使用看板下载的评分表，不要改动编号列")
        if ident in found:
            raise _Bad(_a1(row, COL_ID), f"指标“{indicators[ident].name}”（{ident}）出现了两次：请删除重复的行")
        indicator = indicators[ident]
        weight = _number(sheet, row, COL_WEIGHT, "分值", "请不要改动分值列")
        if weight != indicator.weight:
            shown = "空白" if weight is None else _fmt(weight)
            raise _Bad(_a1(row, COL_WEIGHT), f"“{indicator.name}”的分值被改为 {shown}，"
                                             f"应为 {_fmt(indicator.weight)}：请使用看板下载的评分表，不要改动分值")
        rng = f" 0 至 {_fmt(indicator.weight)} 之间"
        score = _number(sheet, row, COL_SCORE, "得分", f"请填写{rng}的数字")
        cell = _a1(row, COL_SCORE)
        if score is None:
            raise _Bad(cell, f"“{indicator.name}”的得分为空：每个指标都要评分，请填写{rng}的分数")
        if score < 0:
            raise _Bad(cell, f"“{indicator.name}”的得分 {_fmt(score)} 是负数：请填写{rng}的分数")
        if score > indicator.weight:
            raise _Bad(cell, f"“{indicator.name}”的得分 {_fmt(score)} 超过该指标的分值 {_fmt(indicator.weight)}："
                             f"请填写{rng}的分数")
        rounded = score.quantize(Decimal(1).scaleb(-places))
        if abs(score - rounded) > FLOAT_NOISE:
            raise _Bad(cell, f"“{indicator.name}”的得分 {score} 超过 {places} 位小数：请保留至多 {places} 位小数")
        score = rounded
        note = sheet.value((row, COL_NOTE))
        found[ident] = ev.ScoreCell(score.normalize() if score else Decimal(0),
                                    "" if is_blank(note) else str(note).strip(), cell)
        row += 1
    missing = [i for i in evaluation.indicators if i.indicator_id not in found]
    if missing:
        names = "、".join(f"{i.indicator_id} {i.name}" for i in missing[:5]) + ("……" if len(missing) > 5 else "")
        raise _Bad(f"A{header + 1}:A{row}", f"缺少 {len(missing)} 个指标的评分行（{names}）：请使用看板下载的评分表，"
                                           "不要删除行")
    return found, row


def _read_survey(sheet: Sheet, evaluation: ev.EvaluationSpec, total_row: int) -> ev.Survey | None:
    """样本量 and 满意人数 below the table: both blank → None; otherwise both whole numbers, 满意 ≤ 样本量."""
    if not evaluation.rubric.survey_enabled:
        return None
    rows: dict[str, int] = {}
    for row in range(total_row + 1, min(total_row + 12, MAX_SHEET_ROWS)):
        label = _text(sheet, row, 1)
        if label in (normalize(LABEL_SAMPLE), normalize(LABEL_SATISFIED)):
            rows[label] = row
    if not rows:
        return None
    values: list[tuple[int, str]] = []
    for label, what in ((normalize(LABEL_SAMPLE), "样本量"), (normalize(LABEL_SATISFIED), "满意人数")):
        if label not in rows:
            raise _Bad("", f"找不到满意度调查的“{what}”一行：请使用看板下载的评分表")
        row = rows[label]
        value = _number(sheet, row, COL_SCORE, what, "请填写问卷份数（整数）")
        values.append((row, "") if value is None else (row, _fmt(value)))
    (sample_row, sample), (satisfied_row, satisfied) = values
    if not sample and not satisfied:
        return None
    for (row, text), what in ((values[0], "样本量"), (values[1], "满意人数")):
        if not text:
            raise _Bad(_a1(row, COL_SCORE), f"满意度调查只填了一半，{what}为空：请同时填写样本量和满意人数，或都留空")
        if not re.fullmatch(r"[0-9]+", text):
            raise _Bad(_a1(row, COL_SCORE), f"{what} {text} 不是非负整数：请填写问卷份数")
    survey = ev.Survey(int(sample), int(satisfied))
    if survey.sample_size < 1:
        raise _Bad(_a1(sample_row, COL_SCORE), "样本量为 0：请填写有效问卷份数，或两项都留空")
    if survey.satisfied > survey.sample_size:
        raise _Bad(_a1(satisfied_row, COL_SCORE), f"满意人数 {survey.satisfied} 超过样本量 {survey.sample_size}：请核对问卷份数")
    return survey


def check_file(name: str, data: bytes, evaluations: Sequence[ev.EvaluationSpec],
               expected: ev.EvaluationSpec | None = None) -> SheetFile:
    """Read and check one filled workbook (writes nothing): every 专家评分表 sheet must name the same evaluation (the
    chosen one when `expected` is given), an expert of its panel (each expert once) and a valid score for every
    indicator. Problems name the file, the sheet and the cell, and say how to fix it."""
    checked = SheetFile(name, hashlib.sha256(data).hexdigest())

    def reject(sheet: str, cell: str, message: str) -> SheetFile:
        checked.problems.append(Problem(name, sheet, cell, message, ERROR))
        checked.status = REJECTED
        return checked

    try:
        sheets = read_workbook(data, MAX_SHEET_ROWS)
    except UnreadableWorkbook as exc:
        return reject("", "", str(exc))
    scoring = [s for s in sheets if s.name.startswith(SHEET_PREFIX)]
    if not scoring:
        return reject("", "", f"工作簿中没有名为“{SHEET_PREFIX}”的工作表：请使用看板下载的空白专家评分表填写")
    seen: dict[str, str] = {}
    for sheet in scoring:
        try:
            rows = _field_rows(sheet)
            evaluation = _find_evaluation(sheet, rows, evaluations, expected)
            if checked.evaluation is not None and evaluation.evaluation_id != checked.evaluation.evaluation_id:
                raise _Bad(_a1(rows[LABEL_CODE], 2), f"本工作表是“{evaluation.subject_name}”的评分表，而同一文件中的其他"
                                                    f"工作表是“{checked.evaluation.subject_name}”的：一个文件只能包含同一评价的评分表，请分开导入")
            expert_cell = _a1(rows[LABEL_EXPERT], 2)
            expert = " ".join(str(sheet.value((rows[LABEL_EXPERT], 2)) or "").split())
            panel = "、".join(e.name for e in evaluation.experts)
            if not expert:
                raise _Bad(expert_cell, f"专家姓名为空：请在 {expert_cell} 填写您的姓名（评审组：{panel}）")
            if evaluation.expert(expert) is None:
                raise _Bad(expert_cell, f"专家“{expert}”不在本评价的评审组中（评审组：{panel}）：请核对姓名，"
                                        "或请绩效办先把该专家加入评审组")
            if expert in seen:
                raise _Bad(expert_cell, f"专家“{expert}”的评分表重复：工作表“{seen[expert]}”已是该专家的评分，"
                                        "每位专家只能提交一份，请删除其中一张")
            seen[expert] = sheet.name
            scores, total_row = _read_scores(sheet, evaluation)
            survey = _read_survey(sheet, evaluation, total_row)
        except _Bad as bad:
            return reject(sheet.name, bad.cell, bad.message)
        if survey is not None:
            if checked.survey is not None and checked.survey != survey:
                return reject(sheet.name, "", "同一文件中两张评分表的满意度调查数字不同：请只在一张表中填写")
            checked.survey = survey
        checked.evaluation = evaluation
        checked.experts.append(ev.ExpertScores(expert, scores, sheet.name))
    return checked


def check_files(con: Connection, files: Sequence[tuple[str, bytes]], expected_id: int | None = None) -> list[SheetFile]:
    """Check uploaded files (name, bytes) against the stored evaluations, writing nothing. Experts in two files of
    one batch are refused in the second. With `expected_id`, every sheet must belong to that evaluation."""
    evaluations = ev.all_specs(con)
    expected = next((e for e in evaluations if e.evaluation_id == expected_id), None) if expected_id else None
    if expected_id is not None and expected is None:
        raise ev.EvaluationError(f"评价 {expected_id} 不存在。")
    checked: list[SheetFile] = []
    seen: dict[tuple[int, str], str] = {}
    for name, data in files:
        item = check_file(name, data, evaluations, expected)
        if item.ok and item.evaluation is not None:
            for entry in item.experts:
                key = (item.evaluation.evaluation_id, entry.expert)
                if key in seen:
                    item.problems.append(Problem(name, entry.sheet, "", f"专家“{entry.expert}”的评分表在文件“{seen[key]}”中"
                                                 "已有一份：每位专家只能提交一份，请只导入其中一个文件", ERROR))
                    item.status = REJECTED
                seen.setdefault(key, name)
        checked.append(item)
    return checked


def commit_files(con: Connection, viewer: Viewer, checked: Sequence[SheetFile]) -> list[SheetFile]:
    """Store each checked file that has no problem, on behalf of `viewer`: one transaction per file, with its audit
    entry; a refusal (role, panel) or a store error rejects that file only, with the reason."""
    for item in checked:
        if not item.ok or item.evaluation is None:
            item.status = REJECTED
            continue
        submission = ev.Submission(item.evaluation.evaluation_id, tuple(item.experts), ev.SOURCE_SHEET, item.file,
                                   item.file_hash, item.survey)
        try:
            saved = ev.save_scores(con, viewer, submission)
        except (Refused, StoreError) as exc:
            item.problems.append(Problem(item.file, "", "", str(exc), ERROR))
            item.status = REJECTED
            continue
        item.status = LOADED if saved.changed else UNCHANGED
    return list(checked)


def import_files(con: Connection, viewer: Viewer, files: Sequence[tuple[str, bytes]],
                 expected_id: int | None = None) -> list[SheetFile]:
    """Check and store filled scoring sheets (name, bytes) on behalf of `viewer`; one report per file."""
    return commit_files(con, viewer, check_files(con, files, expected_id))
