"""The five published forms of shared/real-forms, built as workbooks that look like their pages (tests/realforms.py):
each imports through the real path and scores to its hand-computed total within 0.01, and the truncated one is
incomplete for the reason its page shows."""

from decimal import Decimal

import pytest

from etl.load import SourceFile, check
from rubrics.loader import load_rubric
from rubrics.model import STATUS_DONE, STATUS_INCOMPLETE
from tests.realforms import EXPECTED, FORMS, build

TOLERANCE = Decimal("0.01")
COMPLETE = [fid for fid in FORMS if EXPECTED[fid]["complete"]]


def _read(fid: str):
    checked = check(SourceFile(f"{fid}.xlsx", build(fid)), rubric=load_rubric())
    assert checked.ok, [str(p) for p in checked.problems]
    [form] = checked.forms
    [result] = checked.results
    return form, result, checked.problems


@pytest.mark.parametrize("fid", FORMS)
def test_who_and_what_are_read_as_printed(fid):
    form, _, _ = _read(fid)
    expected = EXPECTED[fid]
    assert (form.year, form.project_name, form.unit_name) == (expected["year"], expected["project_name"],
                                                               expected["unit"])
    assert form.department == (expected["department"] or "")
    names = [i.name for i in form.form.indicators]
    assert len(names) == expected["indicator_rows"]
    assert [i.name for i in form.form.indicators if i.not_applicable] == [
        "生态效益指标（不适用）" for _ in expected["not_applicable"]]


@pytest.mark.parametrize("fid", COMPLETE)
def test_each_complete_form_scores_to_its_hand_computed_total(fid):
    _, result, _ = _read(fid)
    expected = EXPECTED[fid]
    assert result.status == STATUS_DONE, result.explanation
    assert abs(result.total - Decimal(str(expected["total"]))) <= TOLERANCE, result.explanation
    assert result.grade == expected["grade"]
    assert result.self_total == Decimal(str(expected["self_total"]))


def test_yongde_in_yuan_with_split_headers_and_variant_operators():
    """元 → 万元; ≧ and ═ read as ≥ and =; 政策知晓率 =100% against 98% → 10 × 98/100 = 9.8 (the unit wrote 9);
    资金到位及时率 met → 10 (the unit wrote 7): 10 + 40 + 29.8 + 20 = 99.8, the unit under-scored itself at 96."""
    form, result, problems = _read("yongde_2022_yingyang")
    assert form.form.budget_full_year == Decimal("38.766462")
    assert any("已换算为万元" in p.message for p in problems)
    scores = {i.name: r.score for i, r in zip(form.form.indicators, result.indicators, strict=True)}
    assert scores["政策知晓率"] == Decimal("9.8") and scores["资金到位及时率"] == 10
    assert result.total == Decimal("99.8") and result.self_total == 96


def test_baoshan_weights_from_the_labels_and_a_budget_row_worth_20():
    """预算执行情况(20分) and 产出指标(60分) / 效益指标(10分) / 满意度指标(10分), no 分值 column: the declared weights add
    to 100 and are used: 20 × 100% + 3 × 20 + 10 + 10 = 100; 小于5次 against 无上访 (0) is met."""
    form, result, _ = _read("baoshan_2022_chunjie_weiwen")
    assert form.form.budget_weight == 20 and result.budget_points == 20
    assert [r.weight for r in result.indicators] == [20, 20, 20, 10, 10]
    assert [r.score for r in result.indicators] == [20, 20, 20, 10, 10]


def test_tianchang_statement_rows_and_a_not_applicable_row():
    """Six rows state their target only in the name and are scored as the unit wrote them (unverifiable, flagged);
    the 生态效益 row `指标1:/ | / | /` is not applicable and left out: 10 + 20 + 60 + 10 = 100."""
    form, result, _ = _read("tianchang_2022_shuihan")
    skipped = [r for i, r in zip(form.form.indicators, result.indicators, strict=True) if i.not_applicable]
    assert [(r.score, r.weight) for r in skipped] == [(None, 0)]
    assert "定性结论无法判定" in result.flags


def test_lincang_is_incomplete_where_its_page_ends():
    """The page ends at the satisfaction row's name: its values and the 总分 row are missing, so the form is incomplete
    (never scored as 0 or 100); what is visible is scored: budget 31.69 / 32.4 = 97.81% → 9.78, indicators 80."""
    form, result, problems = _read("lincang_linxiang_2023_shourongsuo")
    assert result.status == STATUS_INCOMPLETE and result.total is None
    assert any("受益农户满意度" in line and "为空" in line for line in result.explanation)
    assert result.budget_points == Decimal("9.78")
    visible = result.indicators[:-1]
    assert all(r.score == r.weight for r in visible) and result.indicators[-1].score is None
    assert any("未找到“总分”行" in p.message for p in problems)
