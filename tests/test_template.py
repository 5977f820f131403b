"""The blank form template (etl.template): drop-downs, locked labels and unlocked inputs, a 填写说明 sheet; the
blank template is reported as not filled in (never a crash); a template filled in its input cells, by hand or at
random, always imports cleanly through etl.load.check with the score the rubric gives."""

from __future__ import annotations

import io
from dataclasses import dataclass
from decimal import Decimal

import openpyxl
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from etl import template as t
from etl.cli import main
from etl.form import ERROR, WARNING
from etl.load import SourceFile, check
from rubrics.loader import load_rubric

RUBRIC = load_rubric()


@dataclass(frozen=True)
class Row:
    """One indicator as a unit fills it."""

    level1: str
    level2: str
    name: str
    op: str
    target: object
    actual: object
    weight: int
    score: object
    note: str = ""


def _levels(level1: str) -> tuple[str, ...]:
    return {"产出指标": ("数量指标", "质量指标", "时效指标", "成本指标"),
            "效益指标": ("经济效益指标", "社会效益指标", "生态效益指标", "可持续影响指标"),
            "满意度指标": ("服务对象满意度指标",)}[level1]


def fill(data: bytes, rows: list[Row], *, budget=(100, 100, 86), rate="86%", budget_score=8.6,
         total_score: object = None, project="道路清扫费", department="区市容环卫局", unit="214001-区市容环卫局",
         year: str | None = None, rows_in_template: int = t.DEFAULT_ROWS) -> bytes:
    """Write values into the template's input cells only (each one checked to be unlocked), as a person would."""
    wb = openpyxl.load_workbook(io.BytesIO(data))
    ws = wb[t.SHEET_NAME]

    def put(ref: str, value: object) -> None:
        assert ws[ref].protection.locked is False, f"{ref} is locked"
        ws[ref] = value
        if isinstance(value, str) and value.startswith("="):
            ws[ref].data_type = "s"  # typed as text ('=365次), not a formula

    if year is not None:
        put(t.YEAR_CELL, year)
    put(t.PROJECT_CELL, project)
    put(t.DEPARTMENT_CELL, department)
    put(t.UNIT_CELL, unit)
    for key, value in zip(("budget_initial", "budget_full_year", "executed"), budget, strict=True):
        put(t.fund_cell(0, key), value)
        put(t.fund_cell(1, key), value)  # 其中：当年财政拨款 = the total
    put(t.RATE_CELL, rate)
    put(t.BUDGET_SCORE_CELL, budget_score)
    put(t.GOAL_EXPECTED_CELL, "保持城区道路整洁")
    put(t.GOAL_ACTUAL_CELL, "全年按计划完成")
    for i, row in enumerate(rows):
        for key in ("level1", "level2", "name", "op", "target", "actual", "weight", "score", "note"):
            value = getattr(row, key)
            if value != "":
                put(t.indicator_cell(i, key), value)
    if total_score is None:
        total_score = float(Decimal(str(budget_score)) + sum(Decimal(str(r.score)) for r in rows))
    put(t.total_score_cell(rows_in_template), total_score)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def achieved_rows() -> list[Row]:
    """Eight indicators of every kind, all achieved: 产出 50, 效益 30, 满意度 10."""
    return [
        Row("产出指标", "数量指标", "清扫道路面积", "≥", "50万平方米", "52万平方米", 15, 15),
        Row("产出指标", "数量指标", "清扫次数", "=", "365次", "365次", 10, 10),
        Row("产出指标", "质量指标", "清扫合格率", "≥", "95%", "96%", 10, 10),
        Row("产出指标", "时效指标", "清扫及时率", "≥", 95, 97, 5, 5),
        Row("产出指标", "成本指标", "项目总成本", "≤", "100万元", "86万元", 10, 10),
        Row("效益指标", "社会效益指标", "市容环境改善", "定性", "效果明显", "效果明显", 20, 20),
        Row("效益指标", "可持续影响指标", "长效保洁机制", "定性", "建立", "达成年度指标", 10, 10),
        Row("满意度指标", "服务对象满意度指标", "群众满意度", "≥", "90%", "92%", 10, 10),
    ]


def test_the_template_has_drop_downs_locked_labels_unlocked_inputs_and_instructions():
    wb = openpyxl.load_workbook(io.BytesIO(t.blank_form(2015, "214001", "区市容环卫局", rows=12)))
    assert wb.sheetnames == [t.SHEET_NAME, t.INSTRUCTIONS_SHEET]
    ws = wb[t.SHEET_NAME]
    assert ws.protection.sheet is True and not ws.protection.password
    lists = {str(dv.sqref): dv.formula1 for dv in ws.data_validations.dataValidation}
    assert lists == {"B13:B24": '"产出指标,效益指标,满意度指标"',
                     "C13:C24": '"' + ",".join(t.LEVEL2) + '"',
                     "E13:E24": '"≥,≤,=,定性"'}
    assert all(dv.type == "list" for dv in ws.data_validations.dataValidation)
    for label in ("A1", "A3", "A4", "G4", "E5", "C6", "D12", "E12", "F12", "A25", "H25"):
        assert ws[label].protection.locked is not False, label
    for field in (t.YEAR_CELL, t.PROJECT_CELL, t.DEPARTMENT_CELL, t.UNIT_CELL, "D6", "F9", t.RATE_CELL,
                  t.BUDGET_SCORE_CELL, t.GOAL_EXPECTED_CELL, t.GOAL_ACTUAL_CELL, "B13", "J24", t.total_score_cell(12)):
        assert ws[field].protection.locked is False, field
    assert ws["A1"].value == "项目支出绩效自评表" and ws[t.YEAR_CELL].value == "（2015年度）"
    assert ws[t.UNIT_CELL].value == "214001-区市容环卫局"
    assert [c.value for c in ws[12]] == list(t.INDICATOR_HEADERS)
    assert ws["A25"].value == "总分" and ws["H25"].value == 100 and ws[t.BUDGET_WEIGHT_CELL].value == 10
    notes = [c.value for c in wb[t.INSTRUCTIONS_SHEET]["A"]]
    assert notes[0] == "填写说明" and 5 <= len(notes) <= 12 and any("指标性质" in n for n in notes)


def test_the_blank_template_is_reported_as_not_filled_in():
    for made in (t.blank_form(2015, "214001", "区市容环卫局"), t.blank_form(None, None, None)):
        checked = check(SourceFile("模板.xlsx", made))
        assert not checked.ok and not checked.forms
        errors = [p for p in checked.problems if p.severity == ERROR]
        assert any(p.cell == "A3" and "项目名称为空" in p.message and "请填写" in p.message for p in errors)
        assert all(p.sheet == t.SHEET_NAME for p in checked.problems)  # the 填写说明 sheet is no problem


def test_a_filled_template_imports_cleanly_with_the_expected_score():
    rows = achieved_rows()
    data = fill(t.blank_form(2015, "214001", "区市容环卫局"), rows)
    checked = check(SourceFile("道路清扫费.xlsx", data), rubric=RUBRIC)
    assert checked.ok, [str(p) for p in checked.problems]
    assert not checked.problems, [str(p) for p in checked.problems]
    (form,) = checked.forms
    assert (form.year, form.unit_code, form.unit_name, form.project_name, form.department) == (
        2015, "214001", "区市容环卫局", "道路清扫费", "区市容环卫局")
    assert [i.name for i in form.form.indicators] == [r.name for r in rows]
    assert [i.level1 for i in form.form.indicators] == [r.level1 for r in rows]
    assert [i.target.op for i in form.form.indicators][:5] == ["≥", "=", "≥", "≥", "≤"]
    assert form.form.indicators[2].target.number == Decimal(95)
    (result,) = checked.results
    assert result.total == Decimal("98.60")  # 90 indicator points + 86% × 10
    assert result.status == "已完成" and not result.flags


def test_a_template_without_the_year_takes_the_year_written_in():
    data = fill(t.blank_form(None, None, None), achieved_rows(), year="（2016年度）")
    checked = check(SourceFile("x.xlsx", data), rubric=RUBRIC)
    assert checked.ok and not checked.problems and checked.forms[0].year == 2016


def test_the_operator_may_be_written_into_the_target_instead():
    rows = [Row(r.level1, r.level2, r.name, "", f"{r.op}{r.target}" if r.op in "≥≤=" else r.target, r.actual,
                r.weight, r.score) for r in achieved_rows()]
    checked = check(SourceFile("x.xlsx", fill(t.blank_form(2015, None, None), rows)), rubric=RUBRIC)
    assert checked.ok and not checked.problems
    assert checked.results[0].total == Decimal("98.60")


_NAMES = st.sampled_from(["受益人数", "完成率", "覆盖面积", "培训人次", "合格率", "建设里程", "服务次数", "设备台数",
                          "维修面积", "发放人数", "检查次数", "改造户数"])


@st.composite
def fillings(draw) -> tuple[list[Row], tuple[int, int, int]]:
    """Valid random fillings: 1–10 indicators of each 一级, weights adding up to 90, actuals that meet or miss the
    target, scores anywhere from 0 to the weight."""
    rows: list[Row] = []
    split = {"产出指标": 50, "效益指标": 30, "满意度指标": 10}
    for level1, points in split.items():
        n = draw(st.integers(1, min(10, points)))
        weights = [points // n] * n
        weights[0] += points - sum(weights)
        for k, weight in enumerate(weights):
            level2 = draw(st.sampled_from(_levels(level1)))
            name = f"{draw(_NAMES)}{k + 1}"
            kind = draw(st.sampled_from(["≥", "≤", "=", "定性"]))
            if kind == "定性":
                target, actual = "效果明显", draw(st.sampled_from(["达成年度指标", "部分达成", "效果明显"]))
            else:
                t_value = draw(st.integers(1, 10_000))
                a_value = draw(st.integers(0, 20_000))
                unit = draw(st.sampled_from(["个", "%", "万元", "人次", ""]))
                target, actual = f"{t_value}{unit}", f"{a_value}{unit}"
            score = draw(st.integers(0, weight))
            rows.append(Row(level1, level2, name, kind, target, actual, weight, score, "已说明原因"))
    budget = draw(st.integers(1, 100_000))
    executed = draw(st.integers(0, budget))
    initial = draw(st.integers(0, budget))
    return rows, (initial, budget, executed)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(fillings())
def test_random_valid_fillings_always_import_cleanly(filled):
    rows, budget = filled
    blank = t.blank_form(2015, "214001", "区市容环卫局", rows=30)
    rate = f"{Decimal(budget[2]) / Decimal(budget[1]) * 100:.2f}%"
    data = fill(blank, rows, budget=budget, rate=rate, budget_score=5, rows_in_template=30)
    checked = check(SourceFile("随机.xlsx", data), rubric=RUBRIC)
    assert checked.ok, [str(p) for p in checked.problems]
    assert not [p for p in checked.problems if p.severity in (ERROR, WARNING)], [str(p) for p in checked.problems]
    (form,) = checked.forms
    assert len(form.form.indicators) == len(rows)
    assert [(i.level1, i.level2, i.name, i.weight) for i in form.form.indicators] == [
        (r.level1, r.level2, r.name, Decimal(r.weight)) for r in rows]
    (result,) = checked.results
    assert result.status == "已完成" and Decimal(0) <= result.total <= Decimal(100)


def test_the_command_line_writes_the_template(tmp_path, capsys):
    out = tmp_path / "模板.xlsx"
    assert main(["template", "--year", "2016", "--unit", "214001", "--unit-name", "区市容环卫局", "--out", str(out)]) == 0
    ws = openpyxl.load_workbook(out)[t.SHEET_NAME]
    assert ws[t.YEAR_CELL].value == "（2016年度）" and ws[t.UNIT_CELL].value == "214001-区市容环卫局"
    assert str(out) in capsys.readouterr().out
