"""结果应用 in the store and on the page: requests are checked and stored all or nothing; a scenario keeps its rules
and ledger; adoptions are kept in history and v_budget_cuts shows the newest; the ledger counts the reviewed score
and the panels' results; the page's what-if recomputes without storing, saves, adopts, and the adoption survives a
restart; roles see and do only what they may."""

from __future__ import annotations

import shutil
from decimal import Decimal

import pytest
from streamlit.testing.v1 import AppTest
from test_pages import ADMIN, DASHBOARD, TIMEOUT_S, signed_in

from present import strings as s
from rubrics import cuts as rules_engine
from store import access, audit, cuts, db, reviews
from store.access import Refused, Viewer

YEAR = 2015
BUDGET = Viewer("demo_ys", "预算股室演示", access.BUDGET, departments=("区教育局", "区卫生局"), is_demo=True)
UNIT = Viewer("demo_dw", "市容环卫局演示", access.UNIT, units=("214001",), is_demo=True)
VIEW_COLUMNS = ["year", "scenario", "scope", "unit_code", "unit_name", "project_id", "score", "grade", "rule_id",
                "action", "base", "cut_pct", "cut_amount", "after_cut", "reason"]


def _ensure_requests(con) -> None:
    """The sample's requests (the build loads them); a database without any gets a simple batch."""
    if cuts.requests(con, YEAR).shape[0]:
        return
    found = cuts.known(con, YEAR)
    rows = []
    for code, name in found.units.items():
        rows.append(cuts.Request(code, name, None, Decimal(1000)))
        rows += [cuts.Request(code, name, project, Decimal(10)) for project in list(found.projects[code])[:3]]
    cuts.save_requests(con, access.command_line(), YEAR, rows, cuts.SOURCE_SAMPLE)


@pytest.fixture
def cuts_path(sample_db_path, tmp_path, monkeypatch):
    """A private copy of the sample database with requests (the page and the store write to it)."""
    path = tmp_path / "cuts.duckdb"
    shutil.copy(sample_db_path, path)
    con = db.connection(path)
    _ensure_requests(con)
    if cuts.adopted(con, YEAR) is None:
        cuts.save_and_adopt(con, access.command_line(), YEAR, "默认规则（示例参数）", rules_engine.load_rules())
    db.close(path)
    monkeypatch.setenv("BUDGET_PERF_DB", str(path))
    return path


@pytest.fixture
def con(cuts_path):
    yield db.connection(cuts_path)
    db.close(cuts_path)


def _stored(con) -> tuple:
    return con.execute("SELECT count(*), sum(amount), count(*) FILTER (WHERE is_current) FROM budget_requests").fetchone()


def _view_totals(con) -> tuple:
    return con.execute("SELECT scenario, sum(cut_amount), count(*) FROM v_budget_cuts WHERE year = ? GROUP BY ALL",
                       [YEAR]).fetchone()


# ---- the store ------------------------------------------------------------------------------------------------------


def test_the_adopted_ledger_is_the_engines_and_the_view_has_its_documented_columns(con):
    ledger = cuts.compute(con, YEAR, rules_engine.load_rules())
    columns = [d[0] for d in con.execute("SELECT * FROM v_budget_cuts LIMIT 0").description]
    assert columns[:len(VIEW_COLUMNS)] == VIEW_COLUMNS
    name, cut, rows = _view_totals(con)
    assert (cut, rows) == (ledger.cut, len(ledger.rows))
    scenario = cuts.scenarios(con, YEAR).iloc[-1]
    assert scenario["cut"] == ledger.cut and scenario["arranged"] == ledger.requested - ledger.cut
    bad = con.execute("SELECT count(*) FROM v_budget_cuts WHERE cut_amount < 0 OR cut_amount > base "
                      "OR after_cut <> base - cut_amount").fetchone()[0]
    assert bad == 0
    units = con.execute("SELECT count(*) FROM v_budget_cuts WHERE level = '单位' AND year = ?", [YEAR]).fetchone()[0]
    assert units == 121  # every unit has its row


def test_units_of_an_evaluated_department_are_judged_on_its_score(con):
    lines = {(x.level, x.unit_code): x for x in cuts.lines(con, YEAR)}
    civil = [x for (level, _), x in lines.items() if level == rules_engine.LEVEL_UNIT and x.department == "区民政局"]
    assert civil and all(x.judgements[0].score == Decimal("71.25") and x.judgements[0].grade == "中" for x in civil)
    ledger = rules_engine.compute(rules_engine.load_rules(), [*lines.values()])
    rows = [r for r in ledger.rows if r.level == rules_engine.LEVEL_UNIT and r.department == "区民政局"]
    assert rows and all(r.rule_id == "D3" and "部门整体评价（区民政局） 71.25 分（中）" in r.reason for r in rows)


def test_a_reviewed_score_is_what_a_project_is_judged_on(con):
    line = next(x for x in cuts.lines(con, YEAR) if x.level == rules_engine.LEVEL_PROJECT
                and x.judgements[0].grade == "优" and x.executed is not None and x.budget
                and x.executed / x.budget >= Decimal("0.6") and not x.individual)
    form_id = con.execute("SELECT form_id FROM v_project_scores WHERE project_id = ?", [line.project_id]).fetchone()[0]
    reviews.set_score(con, access.command_line(), None, form_id, "55", "抽查发现指标值未达成", None)
    judged = next(x for x in cuts.lines(con, YEAR) if x.project_id == line.project_id)
    assert (judged.judgements[0].score, judged.judgements[0].grade) == (Decimal("55"), "差")
    row = rules_engine.judge(rules_engine.load_rules(), judged)
    assert row.rule_id == "P4" and row.cut_amount == (judged.request * Decimal("0.3")).quantize(Decimal("0.000001"))


BAD_REQUESTS = [
    ("unknown_unit", lambda k: [cuts.Request("999999", "某某中心", None, Decimal(5), sheet="申报", cell="D7")],
     "工作表“申报”，单元格 D7：单位编码“999999”"),
    ("unknown_project", lambda k: [cuts.Request("209001", "区民政局", "不存在的项目", Decimal(5), sheet="申报", cell="D9")],
     "没有名为“不存在的项目”的项目"),
    ("negative", lambda k: [cuts.Request("209001", "区民政局", None, Decimal(-5), sheet="申报", cell="D4")],
     "单元格 D4：“区民政局”的下年预算申报数 -5 不能为负数"),
    ("duplicate", lambda k: [cuts.Request("209001", "区民政局", None, Decimal(5), sheet="申报", cell="D4"),
                             cuts.Request("209001", "区民政局", None, Decimal(6), sheet="申报", cell="D8")],
     "单元格 D8：“区民政局”重复申报（工作表“申报”，单元格 D4）"),
    ("unit_below_projects", lambda k: [cuts.Request("209001", "区民政局", None, Decimal(5), sheet="申报", cell="D4"),
                                       cuts.Request("209001", "区民政局", next(iter(k.projects["209001"])), Decimal(6))],
     "单位申报数 5.00 万元小于其延续项目申报数之和 6.00 万元"),
]


@pytest.mark.parametrize(("name", "rows", "words"), BAD_REQUESTS, ids=[b[0] for b in BAD_REQUESTS])
def test_a_bad_request_batch_is_refused_naming_the_cell_and_nothing_changes(con, name, rows, words):
    before = _stored(con)
    with pytest.raises(cuts.CutsError) as caught:
        cuts.save_requests(con, access.command_line(), YEAR, rows(cuts.known(con, YEAR)), cuts.SOURCE_SHEET, "申报.xlsx")
    assert words in str(caught.value) and "未保存任何申报数" in str(caught.value)
    assert _stored(con) == before


def test_a_batch_replaces_only_the_units_it_names(con):
    others = con.execute("SELECT sum(amount) FROM budget_requests WHERE is_current AND year = 2015 AND unit_code <> '209001'").fetchone()
    cuts.save_requests(con, access.command_line(), YEAR, [cuts.Request("209001", "区民政局", None, Decimal("321.5"))],
                       cuts.SOURCE_PAGE)
    mine = con.execute("SELECT project_name, amount FROM budget_requests WHERE is_current AND year = 2015 AND unit_code = '209001'"
                       ).fetchall()
    assert mine == [(None, Decimal("321.500000"))]
    assert con.execute("SELECT sum(amount) FROM budget_requests WHERE is_current AND year = 2015 AND unit_code <> '209001'"
                       ).fetchone() == others
    kept = con.execute("SELECT count(*) FROM budget_requests WHERE NOT is_current AND year = 2015 AND unit_code = '209001'").fetchone()[0]
    assert kept >= 1  # the replaced rows stay, not current
    assert audit.entries(con, audit.Filter(actions=(audit.REQUESTS,))).shape[0] >= 1


def test_scenarios_need_a_free_name_and_adoptions_stay_in_history(con):
    rules = rules_engine.load_rules()
    ledger = cuts.compute(con, YEAR, rules)
    viewer = access.command_line()
    with pytest.raises(cuts.CutsError, match="起一个名称"):
        cuts.save_scenario(con, viewer, YEAR, "  ", rules, rules, "", ledger, 1)
    with pytest.raises(cuts.CutsError, match="已有名为“默认规则（示例参数）”的方案"):
        cuts.save_scenario(con, viewer, YEAR, "默认规则（示例参数）", rules, rules, "", ledger, 1)
    data = rules.editable()
    next(r for r in data["rules"] if r["id"] == "P3")["cut_pct"] = 20
    heavier = rules_engine.rules_from_data(data, "测算")
    first = cuts.adopted(con, YEAR)
    scenario = cuts.save_scenario(con, viewer, YEAR, "中档压减 20%", rules, heavier, "P3 压减比例 10% → 20%",
                                  cuts.compute(con, YEAR, heavier), cuts.inputs_version(con))
    assert cuts.adopted(con, YEAR) == first  # saving is not adopting
    cuts.adopt(con, viewer, scenario, "会议纪要〔2016〕3号")
    assert cuts.adopted(con, YEAR).name == "中档压减 20%"
    history = cuts.adoptions(con, YEAR)
    assert list(history["name"])[:2] == ["中档压减 20%", first.name] and history.iloc[0]["note"] == "会议纪要〔2016〕3号"
    name, cut, _ = _view_totals(con)
    assert name == "中档压减 20%" and cut > ledger.cut
    assert "P3 压减比例 10% → 20%" in cuts.scenario_rules(con, scenario) or "cut_pct: 20" in cuts.scenario_rules(con, scenario)


def test_only_the_bureau_saves_or_adopts_and_a_unit_may_not_enter_requests(con):
    rules = rules_engine.load_rules()
    ledger = cuts.compute(con, YEAR, rules)
    with pytest.raises(cuts.CutsError, match="只有绩效办可以保存"):
        cuts.save_scenario(con, BUDGET, YEAR, "股室方案", rules, rules, "", ledger, 1)
    with pytest.raises(Refused):
        cuts.adopt(con, UNIT, 1)
    with pytest.raises(Refused):
        cuts.save_requests(con, UNIT, YEAR, [cuts.Request("214001", "区市容环卫局", None, Decimal(1))], cuts.SOURCE_PAGE)
    with pytest.raises(Refused):  # a 预算股室 outside its departments
        cuts.save_requests(con, BUDGET, YEAR, [cuts.Request("209001", "区民政局", None, Decimal(1))], cuts.SOURCE_PAGE)


# ---- the page -------------------------------------------------------------------------------------------------------


def _page(viewer: Viewer = ADMIN) -> AppTest:
    at = signed_in(AppTest.from_file(DASHBOARD, default_timeout=TIMEOUT_S), viewer).run()
    return at.switch_page("pages/cuts.py").run()


def _metrics(at: AppTest, label: str) -> list[str]:
    return [m.value for m in at.metric if m.label == label]


def _wan(amount: Decimal) -> str:
    from present import format as fmt
    return fmt.money(amount)


def test_the_page_shows_the_adopted_totals_and_the_what_if_recomputes_without_storing(con):
    name, cut, _ = _view_totals(con)
    at = _page()
    assert not at.exception
    assert any(name in m.value for m in at.markdown)
    assert _metrics(at, s.CUT_TOTAL) == [_wan(cut), _wan(cut)]  # adopted tab, what-if tab (unchanged rules)
    scenarios_before = cuts.scenarios(con, YEAR).shape[0]
    at.number_input(key=f"whatif_pct_{YEAR}_P3").set_value(25.0).run()
    data = rules_engine.load_rules().editable()
    next(r for r in data["rules"] if r["id"] == "P3")["cut_pct"] = 25
    expected = cuts.compute(con, YEAR, rules_engine.rules_from_data(data, "x")).cut
    assert expected != cut
    assert _metrics(at, s.CUT_TOTAL) == [_wan(cut), _wan(expected)]
    assert any("P3 压减比例 10% → 25%" in c.value for c in at.caption)
    assert cuts.scenarios(con, YEAR).shape[0] == scenarios_before and _view_totals(con)[1] == cut


def test_a_saved_and_adopted_scenario_survives_a_restart(cuts_path, con):
    at = _page()
    at.number_input(key=f"whatif_pct_{YEAR}_P4").set_value(40.0).run()
    at.text_input(key=next(t.key for t in at.text_input if t.label == s.WHATIF_SAVE_NAME)).input("差档压减 40%")
    next(b for b in at.button if b.label == s.WHATIF_SAVE).click().run()
    assert not at.exception and any("已保存方案“差档压减 40%”" in x.value for x in at.success)
    at.selectbox(key=next(x.key for x in at.selectbox if x.label == s.COMPARE_ADOPT_PICK)).select("差档压减 40%")
    next(b for b in at.button if b.label == s.COMPARE_ADOPT).click().run()
    assert not at.exception
    db.close(cuts_path)  # a restart: the connection and every cache go, only the file stays
    import streamlit as st
    st.cache_data.clear()
    st.cache_resource.clear()
    again = _page()
    assert any("已采纳方案：**差档压减 40%**" in m.value for m in again.markdown)
    fresh = db.connection(cuts_path)
    assert cuts.adopted(fresh, YEAR).name == "差档压减 40%"
    assert audit.entries(fresh, audit.Filter(actions=(audit.CUT_ADOPT,))).shape[0] >= 1


def test_an_invalid_what_if_says_why_and_recomputes_nothing(con):
    at = _page()
    at.number_input(key=f"whatif_pct_{YEAR}_P4").set_value(5.0).run()  # 差 below 中's 10%
    assert not at.exception
    assert any("等级越差压减比例不得越小" in e.value for e in at.error)


def test_a_budget_section_sees_its_units_only_and_cannot_save(con):
    at = _page(BUDGET)
    assert not at.exception
    assert not [b for b in at.button if b.label == s.WHATIF_SAVE]
    ledger = next(d.value for d in at.dataframe if s.COL_CUT_REASON in d.value.columns)
    allowed = set(access.scope(con, BUDGET))
    names = set(con.execute("SELECT unit_name FROM v_unit_scores WHERE year = ? AND list_contains(?, unit_code)",
                            [YEAR, list(allowed)]).df()["unit_name"])
    assert set(ledger[s.COL_UNIT_NAME]) <= names


def test_requests_entered_for_a_unit_replace_its_rows(con):
    at = _page()
    at.selectbox(key=f"requests_unit_{YEAR}").select("209001").run()
    assert not at.exception
    assert any(b.label == s.REQUESTS_EDIT_SAVE for b in at.button)


def _request_sheet(amount: object) -> bytes:
    """The sample's request sheet with 区民政局's whole request set to `amount`."""
    import io

    import openpyxl
    wb = openpyxl.load_workbook(db.ROOT / "data" / "sample" / "2015" / "下年预算申报表.xlsx")
    ws = wb.worksheets[0]
    header = next(r for r in ws.iter_rows() if any(c.value == "单位编码" for c in r))
    columns = {str(c.value): c.column for c in header if c.value}
    amount_col = next(col for name, col in columns.items() if name.startswith("下年预算申报数"))
    project_col = next(col for name, col in columns.items() if name.startswith("项目名称"))
    row = next(r[0].row for r in ws.iter_rows(min_row=header[0].row + 1)
               if str(r[columns["单位编码"] - 1].value) == "209001" and not r[project_col - 1].value)
    ws.cell(row, amount_col).value = amount
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def _upload(at: AppTest, data: bytes) -> AppTest:
    at.file_uploader(key=f"requests_upload_{YEAR}").set_value(
        [("申报表.xlsx", data, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")]).run()
    at.button(key=f"requests_check_{YEAR}").click().run()
    assert not at.exception
    return at


def test_a_request_sheet_is_checked_then_confirmed_through_the_page(con):
    before = _stored(con)
    at = _upload(_page(), _request_sheet(-5))
    assert any("处问题，未导入任何数据" in e.value for e in at.error), [e.value for e in at.error]
    problems = next(d.value for d in at.dataframe if {s.COL_MESSAGE, s.COL_CELL} <= set(d.value.columns))
    negative = problems[problems[s.COL_MESSAGE].str.contains("负")]
    assert len(negative) == 1 and negative.iloc[0][s.COL_FILE] == "申报表.xlsx", problems.to_string()
    assert negative.iloc[0][s.COL_CELL] and negative.iloc[0][s.COL_SHEET]
    assert not [b for b in at.button if b.label == s.REQUESTS_CONFIRM] and _stored(con) == before
    sheet = _request_sheet(4321.5)
    at = _upload(at, sheet)
    assert any("检查通过" in x.value for x in at.success)
    at.button(key=f"requests_confirm_{YEAR}").click().run()
    assert not at.exception and any("已导入下年预算申报数" in x.value for x in at.success)
    assert con.execute("SELECT amount FROM budget_requests WHERE is_current AND year = ? AND unit_code = '209001' "
                       "AND project_name IS NULL", [YEAR]).fetchone()[0] == Decimal("4321.5")
    # the sheet is kept as uploaded, listed newest first and downloadable; the sample's sheet it replaced stays
    files = cuts.request_files(con, YEAR)
    newest = files.iloc[0]
    assert newest["file_name"] == "申报表.xlsx" and newest["current_rows"] == newest["rows"] > 0, files.to_string()
    assert cuts.request_file(con, YEAR, int(newest["batch_id"])) == ("申报表.xlsx", sheet)
    assert (files["current_rows"] == 0).sum() == len(files) - 1  # the sample's batch: every unit replaced
    at.run()
    picker = at.selectbox(key=f"requests_file_{YEAR}_{int(newest['batch_id'])}")
    assert picker.value == int(newest["batch_id"]) and "申报表.xlsx" in picker.options[0]
    assert [b for b in at.get("download_button") if b.proto.label == s.REQUESTS_FILE_DOWNLOAD]


def test_a_kept_sheet_is_only_for_those_who_may_see_all_its_units(con):
    batch = int(cuts.request_files(con, YEAR).iloc[0]["batch_id"])
    assert cuts.request_file(con, YEAR, batch) is not None
    assert cuts.request_files(con, YEAR, access.scope(con, BUDGET)).empty  # the sheet names units outside theirs
    assert cuts.request_file(con, YEAR, batch, access.scope(con, BUDGET)) is None
    at = _page(BUDGET)
    assert not at.exception and s.REQUESTS_FILES not in [h.value for h in at.subheader]


def test_sheet_bytes_that_differ_from_the_checked_hash_store_nothing(con):
    before = _stored(con), con.execute("SELECT count(*) FROM source_files").fetchone()
    with pytest.raises(cuts.CutsError, match="校验值不符"):
        cuts.save_requests(con, access.command_line(), YEAR, [cuts.Request("209001", "区民政局", None, Decimal(1))],
                           cuts.SOURCE_SHEET, "申报.xlsx", "0" * 64, b"other bytes")
    assert (_stored(con), con.execute("SELECT count(*) FROM source_files").fetchone()) == before
