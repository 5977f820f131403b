"""单位评分 (ranked units, drill-down 单位 → 项目 → 指标 in the address), 疑点清单 and the 财政复核 panel, under
AppTest: empty, normal and flagged; what they show equals the public views; a link to a unit outside the
viewer's scope is refused and recorded; a review is saved with its reason, counted, withdrawn, and two reviewers
saving over each other do not overwrite each other."""

import io
import shutil
from decimal import Decimal

import openpyxl
import pytest
from streamlit.testing.v1 import AppTest
from test_pages import (  # noqa: F401
    ADMIN,
    DASHBOARD,
    TIMEOUT_S,
    YEAR,
    admin_app,
    downloaded,
    figure,
    metrics,
    signed_in,
)

from present import flags as flag_text
from present import strings as s
from store import access, accounts, audit, db
from store.access import Viewer

READER = Viewer("demo_ld", "领导只读演示", access.READER, is_demo=True)
UNIT = Viewer("demo_dw", "市容环卫局演示", access.UNIT, units=("214001",), is_demo=True)


@pytest.fixture
def app_path(sample_db_path, tmp_path, monkeypatch):
    """A private copy of the sample database the dashboard under test opens (reviews write to it)."""
    path = tmp_path / "units.duckdb"
    shutil.copy(sample_db_path, path)
    monkeypatch.setenv("BUDGET_PERF_DB", str(path))
    return path


def app(viewer: Viewer = ADMIN, **params: str) -> AppTest:
    at = signed_in(AppTest.from_file(DASHBOARD, default_timeout=TIMEOUT_S), viewer).run()
    for key, value in params.items():
        at.query_params[key] = value
    return at.switch_page("pages/units.py").run()


def table_with(at: AppTest, column: str):
    return next(d.value for d in at.dataframe if column in d.value.columns)


def test_units_page_ranks_every_unit_as_the_view_does(app_path):
    at = app()
    assert not at.exception
    con = db.connection(app_path)
    expected = con.execute("SELECT rank, unit_name, score FROM v_unit_scores WHERE year = ? "
                           "ORDER BY rank NULLS LAST, unit_code", [YEAR]).fetchall()
    table = table_with(at, s.COL_RANK)
    assert len(table) == len(expected) == 121
    assert table[s.COL_UNIT_NAME].tolist() == [r[1] for r in expected]
    assert table[s.COL_RANK].tolist()[:5] == [r[0] for r in expected][:5] == sorted(r[0] for r in expected[:5])
    assert table[s.COL_SCORE].tolist()[:10] == pytest.approx([float(r[2]) for r in expected[:10]])
    assert {s.COL_SELF, s.COL_COMPUTED, s.COL_RATE, s.COL_BUDGET, s.COL_EXECUTED, s.COL_GRADE, s.COL_FLAGGED} <= set(
        table.columns)
    chart = figure(at, s.CHART_RANKING_MORE.format(year=YEAR, n=40, total=len([r for r in expected if r[2]])))
    top = [r[0] for r in con.execute("SELECT unit_code FROM v_unit_scores WHERE year = ? "
                                     "ORDER BY rank, unit_code LIMIT 3", [YEAR]).fetchall()]
    assert list(chart.data[0].customdata)[::-1][:3] == top  # a click on a bar names its unit
    assert any("单位得分 = 其已完成项目最终得分按全年预算数加权" in c.value for c in at.caption)


def test_filters_come_from_the_address_and_go_back_into_it(app_path):
    at = app(dept="区教育局", flag="自评分虚高")
    assert not at.exception
    con = db.connection(app_path)
    expected = {r[0] for r in con.execute(
        "SELECT unit_name FROM v_unit_scores WHERE year = ? AND department = '区教育局' "
        "AND list_contains(flags, '自评分虚高')", [YEAR]).fetchall()}
    assert expected and set(table_with(at, s.COL_RANK)[s.COL_UNIT_NAME]) == expected
    department = next(m for m in at.multiselect if m.label == s.FILTER_DEPARTMENT)
    assert department.value == ["区教育局"]
    next(m for m in at.multiselect if m.label == s.FILTER_FLAG).set_value([]).run()
    assert "flag" not in at.query_params and at.query_params["dept"] == "区教育局"
    assert len(table_with(at, s.COL_RANK)) == con.execute(
        "SELECT count(*) FROM v_unit_scores WHERE year = ? AND department = '区教育局'", [YEAR]).fetchone()[0]
    next(m for m in at.multiselect if m.label == s.FILTER_GRADE).set_value(["差"]).run()
    assert not at.exception
    if not con.execute("SELECT count(*) FROM v_unit_scores WHERE year = ? AND department = '区教育局' "
                       "AND grade = '差'", [YEAR]).fetchone()[0]:
        assert any(s.UNITS_NONE in i.value for i in at.info)


def test_a_unit_opens_with_its_rank_scores_and_projects_and_a_way_back(app_path):
    con = db.connection(app_path)
    code = "214001"
    at = app(unit=code)
    assert not at.exception
    rank, score, computed, own, projects, total = con.execute(
        "SELECT rank, score, computed_score, self_score, projects, (SELECT count(score) FROM v_unit_scores "
        "WHERE year = $y) FROM v_unit_scores WHERE year = $y AND unit_code = $c", {"y": YEAR, "c": code}).fetchone()
    shown = metrics(at)
    assert shown[s.UNIT_RANK] == f"{rank} / {total}"
    assert shown[s.COL_SCORE] == f"{score:.2f}" and shown[s.COL_COMPUTED] == f"{computed:.2f}"
    assert shown[s.COL_SELF] == f"{own:.2f}"
    table = table_with(at, s.COL_PROJECT)
    assert len(table) == projects
    names = {r[0] for r in con.execute("SELECT project_name FROM v_project_scores WHERE year = ? AND unit_code = ?",
                                       [YEAR, code]).fetchall()}
    assert set(table[s.COL_PROJECT]) == names
    assert any(s.UNIT_SCORE_RULE.split("：")[0] in c.value for c in at.caption)
    next(b for b in at.button if b.label == s.BACK_TO_UNITS).click().run()
    assert not at.exception and "unit" not in at.query_params
    assert len(table_with(at, s.COL_RANK)) == 121


def test_a_project_opens_under_its_unit_with_breadcrumbs_and_arithmetic(app_path):
    con = db.connection(app_path)
    form_id, project, unit_name, computed = con.execute(
        "SELECT form_id, project_name, unit_name, computed_score FROM v_project_scores WHERE year = ? "
        "AND unit_code = '214001' AND computed_score IS NOT NULL ORDER BY form_id LIMIT 1", [YEAR]).fetchone()
    at = app(unit="214001", form=str(form_id))
    assert not at.exception
    assert at.subheader[0].value == f"{unit_name} · {project}"
    assert metrics(at)[s.DETAIL_COMPUTED] == f"{computed:.2f}"
    assert "总分" in at.code[0].value
    crumbs = [b.label for b in at.button]
    assert s.CRUMB_ALL_UNITS in crumbs and f"› {unit_name}" in crumbs
    assert s.BACK_TO_UNIT.format(unit=unit_name) in crumbs
    assert at.markdown and any(f"› {project}" in m.value for m in at.markdown)
    next(b for b in at.button if b.label == s.BACK_TO_UNIT.format(unit=unit_name)).click().run()
    assert not at.exception and "form" not in at.query_params and at.query_params["unit"] == "214001"
    assert table_with(at, s.COL_PROJECT) is not None


def test_a_link_to_a_project_of_another_unit_opens_it_under_its_own_unit(app_path):
    con = db.connection(app_path)
    form_id, unit_code = con.execute("SELECT form_id, unit_code FROM v_project_scores WHERE year = ? "
                                     "AND unit_code <> '214001' LIMIT 1", [YEAR]).fetchone()
    at = app(unit="214001", form=str(form_id))
    assert not at.exception and at.query_params["unit"] == unit_code


def test_a_link_to_a_unit_outside_the_scope_is_refused_and_recorded(app_path):
    at = app(UNIT, unit="218001")
    assert not at.exception
    assert [e.value for e in at.error] == [s.UNIT_NOT_VISIBLE.format(code="218001")]
    assert set(table_with(at, s.COL_RANK)[s.COL_UNIT_NAME]) == {"区市容环卫局"}
    con = db.connection(app_path)
    actor, action, outcome, unit_code = con.execute(
        "SELECT actor, action, outcome, unit_code FROM audit_log ORDER BY audit_id DESC LIMIT 1").fetchone()
    assert (actor, action, outcome, unit_code) == ("demo_dw", audit.VIEW, audit.REFUSED, "218001")
    at = app(UNIT, unit="999999")
    assert any(s.UNIT_NOT_FOUND.format(code="999999", year=YEAR) == w.value for w in at.warning)


def test_empty_database_units_and_flags_pages_say_there_is_no_data(tmp_path, monkeypatch):
    path = tmp_path / "empty.duckdb"
    db.open_db(path).close()
    monkeypatch.setenv("BUDGET_PERF_DB", str(path))
    at = admin_app(path).run()
    for page in ("pages/units.py", "pages/flags.py"):
        at.switch_page(page).run()
        assert not at.exception
        assert [i.value for i in at.info] == [s.NO_DATA], page


# ---- 疑点清单 ------------------------------------------------------------------------------------------------


def test_flag_list_has_one_sentence_per_flag_and_the_inflated_sentence_is_exact(app_path):
    at = AppTest.from_file(DASHBOARD, default_timeout=TIMEOUT_S)
    at = signed_in(at).run()
    at.switch_page("pages/flags.py").run()
    assert not at.exception
    con = db.connection(app_path)
    total = con.execute("SELECT count(*) FROM (SELECT unnest(flags) FROM v_project_scores WHERE year = ?)",
                        [YEAR]).fetchone()[0]
    table = table_with(at, s.COL_SENTENCE)
    assert len(table) == total
    assert table[s.COL_FLAG].iloc[0] == "自评分虚高"  # the engine's order: inflation first
    own, computed, project, unit = con.execute(
        "SELECT self_score, computed_score, project_name, unit_name FROM v_project_scores WHERE year = ? "
        "AND list_contains(flags, '自评分虚高') ORDER BY self_score - computed_score DESC LIMIT 1", [YEAR]).fetchone()
    row = table[(table[s.COL_PROJECT] == project) & (table[s.COL_UNIT_NAME] == unit)
                & (table[s.COL_FLAG] == "自评分虚高")].iloc[0]
    assert row[s.COL_SENTENCE] == f"自评 {own:.2f} 分，按评分标准核算 {computed:.2f} 分，高出 {own - computed:.2f} 分"
    assert set(table[s.COL_REVIEW_STATE]) == {s.REVIEW_OPEN}
    for flag in set(table[s.COL_FLAG]):
        assert not [x for x in table.loc[table[s.COL_FLAG] == flag, s.COL_SENTENCE] if not x or x == flag], flag


def test_flag_filter_from_the_address(app_path):
    at = signed_in(AppTest.from_file(DASHBOARD, default_timeout=TIMEOUT_S)).run()
    at.query_params["flag"] = "执行率偏低"
    at.switch_page("pages/flags.py").run()
    assert not at.exception
    table = table_with(at, s.COL_SENTENCE)
    assert set(table[s.COL_FLAG]) == {"执行率偏低"}
    assert all("执行率" in x and "低于 60.00%" in x for x in table[s.COL_SENTENCE])


@pytest.mark.parametrize(("flag", "lines", "indicators", "expected"), [
    ("自评分虚高", [], [], "自评 98.00 分，按评分标准核算 86.40 分，高出 11.60 分"),
    ("执行率偏低", ["执行率 57.45% < 60.00% → 执行率偏低"], [],
     "全年预算数 11.00 万元，全年执行数 6.32 万元，执行率 57.45%，低于 60.00%"),
    ("未完成", ["未完成: 第16行（D16） 成本控制 实际完成值、得分为空 → 不计总分和等级，补全后重新导入"], [],
     "自评表未填写完整：第16行（D16） 成本控制 实际完成值、得分为空"),
    ("超额完成未说明原因", [], ["产出指标-数量指标 化解信访案件: 实际 619 ≥ 指标 380 → 5/5；实际/指标 = 162.89% ≥ 130%，"
                              "未填写偏差原因 → 超额完成未说明原因"],
     "指标“化解信访案件”实际/指标 = 162.89% ≥ 130%，未填写偏差原因"),
    ("分值合计不为100", ["分值合计: 预算执行率 10 + 指标 85 = 95，不等于 100 → 分值合计不为100"], [],
     "分值合计：预算执行率 10 + 指标 85 = 95，不等于 100"),
])
def test_flag_sentences(flag, lines, indicators, expected):
    assert flag_text.sentence(flag, Decimal("98"), Decimal("86.4"), Decimal("0.5745"), Decimal("11"),
                              Decimal("6.32"), lines, indicators) == expected


# ---- 财政复核 in the page ----------------------------------------------------------------------------------------


def _inflated(con) -> tuple:
    return con.execute(
        "SELECT form_id, unit_code, computed_score FROM v_project_scores WHERE year = ? "
        "AND list_contains(flags, '自评分虚高') ORDER BY self_score - computed_score DESC LIMIT 1", [YEAR]).fetchone()


def _review_form(at: AppTest, form_id: int):
    return (next(n for n in at.number_input if n.key == f"review_score_{form_id}"),
            next(t for t in at.text_area if t.key == f"review_reason_{form_id}"))


def test_a_reviewer_sets_and_withdraws_a_score_with_a_reason(app_path):
    con = db.connection(app_path)
    form_id, unit_code, computed = _inflated(con)
    unit_before = con.execute("SELECT score FROM v_unit_scores WHERE year = ? AND unit_code = ?",
                              [YEAR, unit_code]).fetchone()[0]
    at = app(unit=unit_code, form=str(form_id))
    score, reason = _review_form(at, form_id)
    assert score.value == pytest.approx(float(computed))  # starts from the recomputed score
    score.set_value(40.0)
    next(b for b in at.button if b.label == s.REVIEW_SAVE).click().run()
    assert [e.value for e in at.error] == ["请填写复核理由（至少 4 个字），说明为什么调整得分；未保存。"]
    assert con.execute("SELECT count(*) FROM reviews").fetchone()[0] == 0

    score, reason = _review_form(at, form_id)
    score.set_value(40.0)
    reason.input("佐证材料显示产出数量未达标")
    next(b for b in at.button if b.label == s.REVIEW_SAVE).click().run()
    assert not at.exception and not at.error
    assert any(s.REVIEW_SAVED.format(score="40.00") == m.value for m in at.success)
    assert metrics(at)[s.COL_REVIEWED] == "40.00"
    assert any("佐证材料显示产出数量未达标" in i.value for i in at.info)
    unit_after = con.execute("SELECT score, reviewed_projects FROM v_unit_scores WHERE year = ? AND unit_code = ?",
                             [YEAR, unit_code]).fetchone()
    assert unit_after[0] < unit_before and unit_after[1] == 1

    next(t for t in at.text_input if t.key == f"withdraw_reason_{form_id}").input("复核意见有误，撤回")
    next(b for b in at.button if b.label == s.REVIEW_WITHDRAW).click().run()
    assert not at.exception and metrics(at)[s.COL_REVIEWED] == "—"
    assert [r[0] for r in con.execute("SELECT action FROM reviews ORDER BY review_id").fetchall()] == ["复核", "撤回"]
    assert con.execute("SELECT score FROM v_unit_scores WHERE year = ? AND unit_code = ?",
                       [YEAR, unit_code]).fetchone()[0] == unit_before


def test_two_reviewers_on_one_project_the_later_save_is_refused_not_overwriting(app_path):
    con = db.connection(app_path)
    form_id, unit_code, _ = _inflated(con)
    made = [accounts.create(con, access.command_line(), name, f"复核人{i}", access.ADMIN, "test-pass-2").viewer()
            for i, name in enumerate(("jxb_1", "jxb_2"))]  # the first real account disables the demo ones
    first = app(made[0], unit=unit_code, form=str(form_id))
    second = app(made[1], unit=unit_code, form=str(form_id))
    for at, value, why in ((first, 60.0, "第一位复核人：产出未达标"), (second, 90.0, "第二位复核人：材料齐全")):
        score, reason = _review_form(at, form_id)
        score.set_value(value)
        reason.input(why)
    next(b for b in first.button if b.label == s.REVIEW_SAVE).click().run()
    assert not first.error
    next(b for b in second.button if b.label == s.REVIEW_SAVE).click().run()
    assert len(second.error) == 1 and "您的修改未保存" in second.error[0].value and "60.00" in second.error[0].value
    assert con.execute("SELECT reviewed_score FROM v_project_scores WHERE form_id = ?", [form_id]).fetchone()[0] == 60
    # having seen it, the second reviewer may now change it deliberately
    score, reason = _review_form(second, form_id)
    reason.input("看过第一位的意见后仍认为材料齐全")
    next(b for b in second.button if b.label == s.REVIEW_SAVE).click().run()
    assert not second.error
    assert [r[0] for r in con.execute("SELECT reviewer FROM reviews ORDER BY review_id").fetchall()] == [
        "jxb_1", "jxb_2"]


def test_a_reader_sees_the_review_but_no_form(app_path):
    con = db.connection(app_path)
    form_id, unit_code, _ = _inflated(con)
    at = app(READER, unit=unit_code, form=str(form_id))
    assert not at.exception
    assert not [n for n in at.number_input if n.key == f"review_score_{form_id}"]
    assert not [b for b in at.button if b.label == s.REVIEW_SAVE]
    assert any(s.REVIEW_NONE == c.value for c in at.caption)


def test_a_unit_and_a_continuing_project_show_their_years(app_path):
    con = db.connection(app_path)
    form_id, unit_code, name = con.execute(
        "SELECT v.form_id, v.unit_code, v.project_name FROM v_project_scores v WHERE v.year = 2015 AND EXISTS "
        "(SELECT 1 FROM v_project_scores o WHERE o.year = 2014 AND o.unit_code = v.unit_code "
        "AND o.project_name = v.project_name) AND v.final_score IS NOT NULL ORDER BY v.form_id LIMIT 1").fetchone()
    scores = dict(con.execute("SELECT year, score FROM v_unit_scores WHERE unit_code = ? ORDER BY year",
                              [unit_code]).fetchall())
    at = app(unit=unit_code)
    assert not at.exception
    chart = figure(at, s.CHART_HISTORY["unit"])
    line = next(t for t in chart.data if t.name == s.SERIES_HISTORY_SCORE["unit"])
    assert list(line.x) == [s.YEAR_TICK.format(year=y) for y in scores]
    assert list(line.y) == pytest.approx([float(v) for v in scores.values()])
    at = app(unit=unit_code, form=str(form_id))
    finals = [r[0] for r in con.execute("SELECT final_score FROM v_project_scores WHERE unit_code = ? "
                                        "AND project_name = ? ORDER BY year", [unit_code, name]).fetchall()]
    line = next(t for t in figure(at, s.CHART_HISTORY["project"]).data if t.name == s.SERIES_HISTORY_SCORE["project"])
    assert len(finals) == 2 and [None if v is None else pytest.approx(v) for v in line.y] == [
        None if v is None else float(v) for v in finals]


def test_a_download_names_the_filters_it_was_made_with(app_path, media_stores):
    at = app(dept="区教育局")
    xlsx = downloaded(at, media_stores, s.DOWNLOAD_EXCEL)
    sheet = openpyxl.load_workbook(io.BytesIO(xlsx.content)).active
    assert sheet["A1"].value == f"{YEAR} 年度单位评分（示例数据）　筛选条件：主管部门=区教育局"
    rows = [r for r in sheet.iter_rows(min_row=4, values_only=True) if r[0] is not None]
    con = db.connection(app_path)
    assert len(rows) == con.execute("SELECT count(*) FROM v_unit_scores WHERE year = ? AND department = '区教育局'",
                                    [YEAR]).fetchone()[0]
