"""Expert scoring sheets (etl/expert_sheet.py): the blank sheet round-trips (a filled blank always imports, whatever
valid scores it holds), and every bad input — a score above the weight, a negative or missing score, a missing,
unknown or duplicate expert, an unknown project or department, a sheet of another year — is rejected naming file,
sheet and cell with a Chinese fix-it sentence, and nothing stored changes."""

from __future__ import annotations

import io
import shutil
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from etl import expert_sheet as xs
from store import access, db
from store import evaluations as ev

CLI = access.command_line()
SAMPLE_YEAR = 2015


@pytest.fixture
def con(sample_db_path: Path, tmp_path: Path):
    """A private copy of the sample database (its evaluations included), opened; these tests write to it."""
    path = tmp_path / "sheets.duckdb"
    shutil.copy(sample_db_path, path)
    connection = db.open_db(path)
    yield connection
    connection.close()


def _evaluation(con, kind: str = ev.KIND_KEY, name: str = "道路清扫费") -> ev.EvaluationSpec:
    return next(e for e in ev.all_specs(con) if e.kind == kind and e.subject_name.endswith(name))


def _filled(evaluation: ev.EvaluationSpec, expert: str | None, scores: dict[str, object] | None = None,
            survey: tuple[object, object] | None = None, edit=None) -> bytes:
    """The blank sheet filled: every indicator at 80% of its weight unless given; `edit(ws, cells)` changes more."""
    wb, cells = xs.blank_workbook(evaluation, expert)
    ws = wb[xs.SHEET_PREFIX]
    for indicator in evaluation.indicators:
        value = (scores or {}).get(indicator.indicator_id, float(indicator.weight * Decimal("0.8")))
        ws[cells[f"score:{indicator.indicator_id}"]] = value
    if survey is not None:
        ws[cells["sample"]], ws[cells["satisfied"]] = survey
    if edit is not None:
        edit(ws, cells)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def _state(con) -> tuple:
    """Everything an import could change."""
    return (con.execute("SELECT count(*), count(*) FILTER (WHERE is_current), sum(score) FROM expert_scores").fetchone(),
            con.execute("SELECT * FROM evaluation_results ORDER BY evaluation_id").fetchall(),
            con.execute("SELECT count(*) FROM evaluation_surveys").fetchone(),
            con.execute("SELECT count(*) FROM audit_log WHERE action = '导入专家评分表'").fetchone())


def _cell(cells: dict[str, str], key: str) -> str:
    return cells[key]


def test_a_blank_sheet_has_the_evaluation_the_indicators_and_locked_labels(con):
    evaluation = _evaluation(con)
    wb = openpyxl.load_workbook(io.BytesIO(xs.blank_sheet(evaluation, "李淑芬")))
    assert wb.sheetnames == [xs.SHEET_PREFIX, xs.INSTRUCTIONS]
    ws = wb[xs.SHEET_PREFIX]
    assert ws["A1"].value == "2015年度 重点评价 专家评分表"
    assert [ws.cell(r, 2).value for r in range(2, 8)][:4] == [2015, "重点评价", "区市容环卫局 · 道路清扫费",
                                                               evaluation.subject_id]
    assert ws["B7"].value == "李淑芬" and ws["B7"].protection.locked is False
    assert ws.protection.sheet and ws["A10"].protection.locked and ws["F10"].protection.locked
    assert [ws.cell(r, 1).value for r in range(10, 30)] == [i.indicator_id for i in evaluation.indicators]
    assert ws["B10"].value == "决策" and ws["D10"].value == "立项依据充分性" and ws["F10"].value == 3
    assert ws["G10"].protection.locked is False
    rules = {str(v.sqref): (v.formula1, v.formula2) for v in ws.data_validations.dataValidation}
    assert any("G10" in ref and bounds == ("0", "3") for ref, bounds in rules.items())
    assert xs.file_name(evaluation, "李淑芬") == "2015_重点评价_区市容环卫局·道路清扫费_李淑芬.xlsx"


def test_the_filled_blank_imports_and_replaces_that_experts_scores_keeping_the_old(con):
    evaluation = _evaluation(con)
    before = con.execute("SELECT count(*) FROM expert_scores WHERE evaluation_id = ?", [evaluation.evaluation_id]).fetchone()[0]
    data = _filled(evaluation, "张明远", survey=(200, 150))
    (report,) = xs.import_files(con, CLI, [("张明远.xlsx", data)], evaluation.evaluation_id)
    assert report.status == xs.LOADED, [str(p) for p in report.problems]
    rows = con.execute("SELECT is_current, count(*) FROM expert_scores WHERE evaluation_id = ? AND expert_name = '张明远' "
                       "GROUP BY ALL ORDER BY 1", [evaluation.evaluation_id]).fetchall()
    assert rows == [(False, 20), (True, 20)]
    assert con.execute("SELECT count(*) FROM expert_scores WHERE evaluation_id = ?",
                       [evaluation.evaluation_id]).fetchone()[0] == before + 20
    stored = dict(con.execute("SELECT indicator_id, score FROM v_expert_scores WHERE evaluation_id = ? AND expert = '张明远'",
                              [evaluation.evaluation_id]).fetchall())
    assert stored == {i.indicator_id: i.weight * Decimal("0.8") for i in evaluation.indicators}
    assert ev.survey(con, evaluation.evaluation_id, None) == ev.Survey(200, 150)
    entry = con.execute("SELECT target, before_state, after_state, unit_code FROM audit_log WHERE action = ? "
                        "ORDER BY audit_id DESC LIMIT 1", ["导入专家评分表"]).fetchone()
    assert entry[0] == "张明远.xlsx" and "专家 张明远" in entry[1] and "专家 张明远" in entry[2] and entry[3] == "214001"
    again = xs.import_files(con, CLI, [("张明远.xlsx", data)], evaluation.evaluation_id)
    assert again[0].status == xs.UNCHANGED  # the same scores again change nothing


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.data())
def test_any_valid_filled_blank_round_trips(con, data):
    evaluation = _evaluation(con, ev.KIND_DEPT, "区水利局")
    scores = {i.indicator_id: Decimal(data.draw(st.integers(0, int(i.weight * 100)), label=i.indicator_id)) / 100
              for i in evaluation.indicators}
    expert = data.draw(st.sampled_from([e.name for e in evaluation.experts]))
    as_cell = {k: int(v) if v == v.to_integral_value() else float(v) for k, v in scores.items()}
    checked = xs.check_files(con, [("x.xlsx", _filled(evaluation, expert, as_cell))], evaluation.evaluation_id)
    assert checked[0].ok, [str(p) for p in checked[0].problems]
    (entry,) = checked[0].experts
    assert entry.expert == expert
    assert {k: v.score for k, v in entry.scores.items()} == scores


def _rejected(con, evaluation, data: bytes, expected_id: int | None = None, name: str = "填好的.xlsx") -> xs.SheetFile:
    before = _state(con)
    (report,) = xs.import_files(con, CLI, [(name, data)], expected_id)
    assert report.status == xs.REJECTED
    assert _state(con) == before, "a rejected sheet changed the store"
    assert len(report.problems) == 1
    return report


@pytest.mark.parametrize(("scores", "cell", "words"), [
    ({"A12": 5}, "G11", "“立项程序规范性”的得分 5 超过该指标的分值 3：请填写 0 至 3 之间的分数"),
    ({"C21": -1}, "G22", "“质量达标率”的得分 -1 是负数：请填写 0 至 10 之间的分数"),
    ({"A11": None}, "G10", "“立项依据充分性”的得分为空：每个指标都要评分"),
    ({"B11": "八"}, "G16", "得分“八”不是数字：请填写 0 至 4 之间的数字"),
    ({"D12": 2.125}, "G26", "超过 2 位小数：请保留至多 2 位小数"),
])
def test_a_bad_score_is_rejected_at_its_cell(con, scores, cell, words):
    evaluation = _evaluation(con)
    report = _rejected(con, evaluation, _filled(evaluation, "李淑芬", scores), evaluation.evaluation_id)
    (problem,) = report.problems
    assert (problem.file, problem.sheet, problem.cell) == ("填好的.xlsx", xs.SHEET_PREFIX, cell)
    assert words in problem.message
    assert str(problem).startswith(f"错误：填好的.xlsx，工作表“{xs.SHEET_PREFIX}”，{cell}：")


def test_a_missing_expert_name_is_rejected_at_b7(con):
    evaluation = _evaluation(con)
    (problem,) = _rejected(con, evaluation, _filled(evaluation, None)).problems
    assert problem.cell == "B7" and "专家姓名为空：请在 B7 填写您的姓名（评审组：王建国、李淑芬、张明远）" in problem.message


def test_an_expert_not_on_the_panel_is_rejected_at_b7(con):
    evaluation = _evaluation(con)
    (problem,) = _rejected(con, evaluation, _filled(evaluation, "钱多多")).problems
    assert problem.cell == "B7" and "专家“钱多多”不在本评价的评审组中" in problem.message
    assert "请核对姓名，或请绩效办先把该专家加入评审组" in problem.message


def test_the_same_expert_twice_is_rejected_in_a_workbook_and_across_files(con):
    evaluation = _evaluation(con)

    def second_sheet(ws, cells):
        copy = ws.parent.copy_worksheet(ws)
        copy.title = f"{xs.SHEET_PREFIX}2"

    (problem,) = _rejected(con, evaluation, _filled(evaluation, "李淑芬", edit=second_sheet)).problems
    assert (problem.sheet, problem.cell) == (f"{xs.SHEET_PREFIX}2", "B7") and "评分表重复" in problem.message
    before = _state(con)
    one = _filled(evaluation, "李淑芬")
    reports = xs.import_files(con, CLI, [("a.xlsx", one), ("b.xlsx", one)], evaluation.evaluation_id)
    assert reports[1].status == xs.REJECTED and "已有一份" in reports[1].problems[0].message
    assert reports[0].status in (xs.LOADED, xs.UNCHANGED)
    assert _state(con)[2:3] == before[2:3]


def test_an_unknown_project_or_department_is_rejected_at_the_code_cell(con):
    for kind, name in ((ev.KIND_KEY, "道路清扫费"), (ev.KIND_DEPT, "区卫生局")):
        evaluation = _evaluation(con, kind, name)

        def unknown(ws, cells):
            ws["B5"] = "999999"
            ws["B4"] = "不存在的对象"

        (problem,) = _rejected(con, evaluation, _filled(evaluation, evaluation.experts[0].name, edit=unknown)).problems
        what = "项目" if kind == ev.KIND_KEY else "部门"
        assert problem.cell == "B5"
        assert f"没有对象编码为“999999”的{evaluation.kind_label}（未知的{what}“不存在的对象”）" in problem.message
        assert "请核对对象编码，或请绩效办先创建该评价" in problem.message


def test_a_sheet_of_another_year_is_rejected_at_the_year_cell(con):
    evaluation = _evaluation(con)

    def next_year(ws, cells):
        ws["B2"] = 2016

    data = _filled(evaluation, "李淑芬", edit=next_year)
    (problem,) = _rejected(con, evaluation, data, evaluation.evaluation_id).problems
    assert problem.cell == "B2" and "这是 2016 年度的评分表，而所选评价是 2015 年度的" in problem.message
    (problem,) = _rejected(con, evaluation, data).problems  # without a chosen evaluation: no such year
    assert problem.cell == "B2" and "2016 年度还没有任何专家评价" in problem.message


def test_a_sheet_of_another_evaluation_is_rejected_when_one_was_chosen(con):
    key, dept = _evaluation(con), _evaluation(con, ev.KIND_DEPT, "区卫生局")
    (problem,) = _rejected(con, key, _filled(dept, dept.experts[0].name), key.evaluation_id).problems
    assert problem.cell == "B5" and "不是所选评价“区市容环卫局 · 道路清扫费”的" in problem.message


def test_a_survey_half_filled_or_larger_than_its_sample_is_rejected(con):
    evaluation = _evaluation(con)
    (problem,) = _rejected(con, evaluation, _filled(evaluation, "李淑芬", survey=(300, None))).problems
    assert problem.cell == "G34" and "满意度调查只填了一半，满意人数为空" in problem.message
    (problem,) = _rejected(con, evaluation, _filled(evaluation, "李淑芬", survey=(100, 120))).problems
    assert problem.cell == "G34" and "满意人数 120 超过样本量 100" in problem.message


def test_not_a_scoring_workbook_is_rejected_with_the_reason(con):
    evaluation = _evaluation(con)
    wb = openpyxl.Workbook()
    out = io.BytesIO()
    wb.save(out)
    (problem,) = _rejected(con, evaluation, out.getvalue()).problems
    assert "没有名为“专家评分表”的工作表" in problem.message
    (problem,) = _rejected(con, evaluation, b"a,b,c\n1,2,3\n", name="x.csv").problems
    assert "不是 Excel 工作簿" in problem.message


def test_a_removed_indicator_row_or_a_changed_weight_is_rejected(con):
    evaluation = _evaluation(con)

    def drop_row(ws, cells):
        ws.delete_rows(12)

    (problem,) = _rejected(con, evaluation, _filled(evaluation, "李淑芬", edit=drop_row)).problems
    assert "缺少 1 个指标的评分行（A21 绩效目标合理性）" in problem.message

    def heavier(ws, cells):
        ws["F10"] = 30

    (problem,) = _rejected(con, evaluation, _filled(evaluation, "李淑芬", edit=heavier)).problems
    assert problem.cell == "F10" and "分值被改为 30，应为 3" in problem.message


def test_an_expert_account_may_import_only_its_own_sheet_and_the_refusal_is_recorded(con):
    evaluation = _evaluation(con)
    expert = access.Viewer("demo_zj", "专家演示", access.EXPERT, is_demo=True)
    before = _state(con)
    (report,) = xs.import_files(con, expert, [("李.xlsx", _filled(evaluation, "李淑芬"))], evaluation.evaluation_id)
    assert report.status == xs.REJECTED and "只能提交本人（王建国）的评分" in report.problems[0].message
    assert _state(con) == before
    assert con.execute("SELECT outcome FROM audit_log ORDER BY audit_id DESC LIMIT 1").fetchone()[0] == "拒绝"
    (report,) = xs.import_files(con, expert, [("王.xlsx", _filled(evaluation, "王建国"))], evaluation.evaluation_id)
    assert report.status == xs.LOADED
