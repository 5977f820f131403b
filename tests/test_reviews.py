"""财政复核 in the store: a reviewed score with a reason counts in the project's and the unit's final score, the
three scores are kept side by side, every change and withdrawal is a new row in history and in the audit trail,
two reviewers saving over each other are refused, and roles and scopes are enforced."""

import shutil
from decimal import Decimal
from pathlib import Path

import pytest

from store import audit, db, reviews
from store.access import Refused, Viewer, scope

ADMIN = Viewer("rev_a", "复核甲", "绩效办")
OTHER_ADMIN = Viewer("rev_b", "复核乙", "绩效办")
BUDGET_EDU = Viewer("rev_edu", "教育股", "预算股室", departments=("区教育局",))
READER = Viewer("leader", "领导", "只读")
UNIT = Viewer("unit_214001", "市容环卫局", "单位", units=("214001",))


@pytest.fixture
def con(sample_db_path: Path, tmp_path: Path):
    path = tmp_path / "reviews.duckdb"
    shutil.copy(sample_db_path, path)
    connection = db.open_db(path)
    yield connection
    connection.close()


def _project(con, where: str = "computed_score IS NOT NULL", params: list | None = None) -> tuple:
    return con.execute(f"SELECT form_id, project_id, unit_code, computed_score, self_score FROM v_project_scores "
                       f"WHERE year = 2015 AND {where} ORDER BY form_id LIMIT 1", params or []).fetchone()


def _unit(con, unit_code: str) -> tuple:
    return con.execute("SELECT score, computed_score, self_score, reviewed_projects, grade, rank FROM v_unit_scores "
                       "WHERE year = 2015 AND unit_code = ?", [unit_code]).fetchone()


def test_a_reviewed_score_counts_in_the_project_and_its_unit(con):
    form_id, project_id, unit_code, computed, self_score = _project(
        con, "unit_code = '214001' AND computed_score IS NOT NULL")
    unit_before = _unit(con, unit_code)
    budgets = dict(con.execute("SELECT form_id, budget_full_year FROM v_project_scores WHERE year = 2015 "
                               "AND unit_code = ? AND final_score IS NOT NULL", [unit_code]).fetchall())
    finals = dict(con.execute("SELECT form_id, final_score FROM v_project_scores WHERE year = 2015 "
                              "AND unit_code = ? AND final_score IS NOT NULL", [unit_code]).fetchall())

    review = reviews.set_score(con, ADMIN, None, form_id, "55.5", "  产出指标实际值与佐证材料不符  ", seen=None)

    row = con.execute("SELECT self_score, computed_score, reviewed_score, final_score, final_grade, review_reason, "
                      "grade FROM v_project_scores WHERE form_id = ?", [form_id]).fetchone()
    assert row[:4] == (self_score, computed, Decimal("55.50"), Decimal("55.5"))
    assert row[4] == "差" and row[5] == "产出指标实际值与佐证材料不符" and row[6] != "差"
    finals[form_id] = Decimal("55.5")
    expected = (sum(finals[f] * budgets[f] for f in finals) / sum(budgets.values())).quantize(Decimal("0.01"))
    unit_after = _unit(con, unit_code)
    assert unit_after[0] == expected != unit_before[0]
    assert unit_after[1] == unit_before[1] and unit_after[2] == unit_before[2]  # recomputed and own unchanged
    assert unit_after[3] == 1 and unit_before[3] == 0
    assert review.reviewer == "rev_a" and review.follows is None


def test_change_and_withdraw_keep_every_step_and_the_trail(con):
    form_id, project_id, *_ , computed, _ = _project(con)
    first = reviews.set_score(con, ADMIN, None, form_id, 80, "满意度调查样本不足", seen=None)
    second = reviews.set_score(con, ADMIN, None, form_id, 78.25, "补充材料后再核", seen=first.review_id)
    assert con.execute("SELECT final_score FROM v_project_scores WHERE form_id = ?", [form_id]).fetchone()[0] == \
        Decimal("78.25")
    gone = reviews.withdraw(con, ADMIN, None, form_id, "复核意见撤回，按核算得分", seen=second.review_id)
    assert con.execute("SELECT reviewed_score, final_score FROM v_project_scores WHERE form_id = ?",
                       [form_id]).fetchone() == (None, computed)
    steps = reviews.history(con, project_id)
    assert steps["action"].tolist() == ["撤回", "复核", "复核"]
    assert [float(x) if x == x and x is not None else None for x in steps["reviewed_score"]][1:] == [78.25, 80.0]
    assert gone.follows == second.review_id and second.follows == first.review_id
    trail = con.execute("SELECT action, before_state, after_state, detail FROM audit_log WHERE action IN (?, ?) "
                        "ORDER BY audit_id", [audit.REVIEW_SET, audit.REVIEW_WITHDRAW]).fetchall()
    assert [t[0] for t in trail] == ["财政复核", "财政复核", "撤回复核"]
    assert trail[0][1] is None and '"reviewed_score": "78.25"' in trail[1][2] and '"80.00"' in trail[1][1]
    assert trail[2][3] == "复核意见撤回，按核算得分"
    assert audit.verify(con).broken_at is None


def test_two_reviewers_saving_over_each_other_the_second_is_refused(con):
    form_id, project_id, *_ = _project(con)
    seen_by_both = None
    reviews.set_score(con, ADMIN, None, form_id, 70, "第一位复核人的意见", seen=seen_by_both)
    with pytest.raises(reviews.ReviewConflict, match="复核甲（|rev_a.*改为 70.00 分"):
        reviews.set_score(con, OTHER_ADMIN, None, form_id, 90, "第二位复核人的意见", seen=seen_by_both)
    assert len(reviews.history(con, project_id)) == 1
    assert con.execute("SELECT reviewed_score FROM v_project_scores WHERE form_id = ?", [form_id]).fetchone()[0] == 70
    tried = con.execute("SELECT actor, outcome, after_state, detail FROM audit_log WHERE action = '财政复核' "
                        "ORDER BY audit_id").fetchall()
    assert [(a, o) for a, o, *_ in tried] == [("rev_a", "成功"), ("rev_b", "失败")]
    assert '"90.00"' in tried[1][2] and "您的修改未保存" in tried[1][3]


@pytest.mark.parametrize(("score", "reason", "message"), [
    ("90", "", "请填写复核理由"),
    ("90", " 偏高 ", "至少 4 个字"),
    ("101", "超出满分的复核", "0 到 100"),
    ("-1", "负分不允许的复核", "0 到 100"),
    ("九十", "不是数字的复核", "不是数字"),
    ("nan", "不是数字的复核", "0 到 100"),
])
def test_a_review_without_a_reason_or_out_of_range_is_refused_and_nothing_is_stored(con, score, reason, message):
    form_id, project_id, *_ = _project(con)
    trail = con.execute("SELECT count(*) FROM audit_log").fetchone()[0]
    with pytest.raises(reviews.ReviewError, match=message):
        reviews.set_score(con, ADMIN, None, form_id, score, reason, seen=None)
    assert reviews.latest(con, project_id) is None
    assert con.execute("SELECT count(*) FROM audit_log").fetchone()[0] == trail


def test_roles_a_reader_and_a_unit_may_not_review_a_budget_section_only_its_portfolio(con):
    form_id, *_ = _project(con, "unit_code = '214001' AND computed_score IS NOT NULL")
    for viewer in (READER, UNIT):
        with pytest.raises(Refused, match="无权财政复核"):
            reviews.set_score(con, viewer, scope(con, viewer), form_id, 80, "试图复核本单位项目", seen=None)
    edu_units = scope(con, BUDGET_EDU)
    with pytest.raises(Refused, match="无权查看（财政复核）"):
        reviews.set_score(con, BUDGET_EDU, edu_units, form_id, 80, "不在分管范围内的项目", seen=None)
    own_form, *_ = _project(con, "department = '区教育局' AND computed_score IS NOT NULL")
    assert reviews.set_score(con, BUDGET_EDU, edu_units, own_form, 80, "分管范围内的项目复核", seen=None).action == "复核"
    refused = con.execute("SELECT count(*) FROM audit_log WHERE outcome = '拒绝'").fetchone()[0]
    assert refused == 3
    assert reviews.latest(con, con.execute("SELECT project_id FROM forms WHERE form_id = ?",
                                           [form_id]).fetchone()[0]) is None


def test_a_review_of_a_replaced_form_version_no_longer_counts(con):
    form_id, project_id, *_ , computed, _ = _project(con)
    reviews.set_score(con, ADMIN, None, form_id, 61, "旧版本上的复核意见", seen=None)
    con.execute("UPDATE forms SET is_current = false WHERE form_id = ?", [form_id])  # as a new import would
    assert con.execute("SELECT count(*) FROM v_reviews_current WHERE project_id = ?", [project_id]).fetchone()[0] == 0
    with pytest.raises(reviews.ReviewError, match="新版本"):
        reviews.withdraw(con, ADMIN, None, form_id, "撤回旧版本上的复核", seen=reviews.latest(con, project_id).review_id)
    with pytest.raises(reviews.ReviewError, match="不存在"):
        reviews.set_score(con, ADMIN, None, 10 ** 12, 80, "不存在的自评表", seen=None)


def test_withdrawing_when_there_is_nothing_to_withdraw_says_so(con):
    form_id, *_ = _project(con)
    with pytest.raises(reviews.ReviewError, match="无需撤回"):
        reviews.withdraw(con, ADMIN, None, form_id, "没有复核也要撤回", seen=None)
