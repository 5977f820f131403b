"""报送进度: the store's per-unit progress equals the plan and the current forms; lateness follows the 自评报告
deadline (defaults from DOMAIN.md §1, changed by 绩效办 only, audited); a 单位 sees its own unit; the page renders
empty, on the sample, with a unit not yet submitted, and its download holds the filter."""

from __future__ import annotations

import io
import shutil
from datetime import date, datetime

import openpyxl
import pytest
import streamlit as st
from conftest import form_bytes, workbook_bytes
from streamlit.testing.v1 import AppTest
from test_pages import ADMIN, DASHBOARD, TIMEOUT_S, YEAR, admin_app, downloaded, figure, metrics, signed_in, titled

from etl.load import SourceFile, load_source
from present import charts, tables
from present import strings as s
from store import access, audit, db, submissions
from store.access import Viewer

UNIT = Viewer("demo_dw", "区市容环卫局演示", access.UNIT, units=("214001",), is_demo=True)
READER = Viewer("demo_ld", "领导只读演示", access.READER, is_demo=True)
BUDGET = Viewer("demo_ys", "预算股室演示", access.BUDGET, departments=("区教育局",), is_demo=True)


# ---- the store ---------------------------------------------------------------------------------------------------


def test_statuses_and_strings_agree():
    assert tables.PROGRESS_FILTERS[1:4] == submissions.STATUSES
    assert list(charts.PROGRESS_COLORS) == [submissions.SUBMITTED, submissions.PARTIAL, submissions.NOT_SUBMITTED]
    assert s.SAMPLE_BADGE == submissions.SAMPLE_NOTE_MARK


def test_defaults_come_from_the_domain_calendar(fresh_db):
    found = submissions.deadlines(fresh_db, 2015)
    assert [(d.kind, d.due, d.is_default) for d in found] == [
        ("自评报告", date(2016, 9, 15), True), ("汇总表", date(2016, 9, 20), True),
        ("重点评价报告", date(2016, 10, 20), True), ("工作总结", date(2016, 10, 31), True)]


def test_the_sample_counts_equal_the_plan_and_the_current_forms(sample_con):
    frame = submissions.unit_progress(sample_con, YEAR)
    plan = dict(sample_con.execute("SELECT unit_code, count(*) FROM plan_projects WHERE year = ? GROUP BY 1",
                                   [YEAR]).fetchall())
    forms = dict(sample_con.execute("SELECT unit_code, count(*) FROM forms WHERE year = ? AND is_current GROUP BY 1",
                                    [YEAR]).fetchall())
    problems = dict(sample_con.execute("""
        SELECT f.unit_code, count(*) FROM forms f JOIN v_project_scores v USING (form_id)
        WHERE f.year = ? AND f.is_current AND (len(v.flags) > 0
              OR f.form_id IN (SELECT g.form_id FROM forms g JOIN problems p ON p.import_id = g.import_id
                                                                        AND p.sheet = g.sheet))
        GROUP BY 1""", [YEAR]).fetchall())
    assert len(frame) == 121 and int(frame["planned"].sum()) == 793 == int(frame["submitted"].sum())
    assert dict(zip(frame["unit_code"], frame["planned"], strict=True)) == plan
    assert dict(zip(frame["unit_code"], frame["submitted"], strict=True)) == forms
    assert {k: v for k, v in zip(frame["unit_code"], frame["problem_projects"], strict=True) if v} == problems
    assert set(frame["status"]) == {submissions.SUBMITTED} and not frame["missing"].any()
    assert frame["late"].map(lambda v: v is None).all()  # the sample's load times are the build's: not judged
    assert submissions.summary(frame) == submissions.ProgressSummary(121, 121, 0, 0, None)


PLAN = [("101001", "区市容环卫局", "区直部门", "区城管局", "道路清扫费"),
        ("101001", "区市容环卫局", "区直部门", "区城管局", "垃圾清运费"),
        ("102001", "区园林处", "区直部门", "区城管局", "绿化养护费"),
        ("103001", "龙康小学", "学校", "区教育局", "免费教科书"),
        ("104001", "区文化馆", "区直部门", "区文化局", "农村文化建设")]


def _plan_bytes() -> bytes:
    header = ["单位编码", "单位名称", "单位类型", "主管部门", "项目名称", "所属领域"]
    return workbook_bytes({"自评项目清单": [header, *[[*row, "城建"] for row in PLAN]],
                           "年度信息": [["年度", 2015], ["全年项目支出（万元）", 1000], ["数据说明", "测试数据"]]})


@pytest.fixture
def cycle(fresh_db):
    """A real (non-sample) year: 101001 submits one of two projects on the due day (partial), 102001 submits
    late, 103001 on time, 104001 nothing."""
    con = fresh_db
    load_source(con, SourceFile("自评项目清单.xlsx", _plan_bytes()))
    times = {"101001": datetime(2016, 9, 15, 23, 59), "102001": datetime(2016, 9, 16, 8, 0),
             "103001": datetime(2016, 9, 1, 10, 0)}
    for code, name, _, dept, project in [PLAN[0], PLAN[2], PLAN[3]]:
        report = load_source(con, SourceFile(f"{code}.xlsx", form_bytes(
            project=project, department=dept, unit=f"{code}-{name}")))
        assert not report.rejected, report.problems
        con.execute("UPDATE imports SET loaded_at = ? WHERE import_id = (SELECT max(import_id) FROM imports)",
                    [times[code]])
    return con


def _by_unit(frame):
    return {r["unit_code"]: r for r in frame.to_dict("records")}


def test_lateness_follows_the_self_evaluation_deadline(cycle):
    before = _by_unit(submissions.unit_progress(cycle, 2015, now=datetime(2016, 9, 10)))
    assert {k: (r["status"], r["planned"], r["submitted"], r["missing"]) for k, r in before.items()} == {
        "101001": ("部分报送", 2, 1, 1), "102001": ("已报送", 1, 1, 0), "103001": ("已报送", 1, 1, 0),
        "104001": ("未报送", 1, 0, 1)}
    assert {k: r["late"] for k, r in before.items()} == {"101001": False, "102001": True, "103001": False,
                                                         "104001": False}
    assert before["101001"]["last_at"] == datetime(2016, 9, 15, 23, 59)
    after = _by_unit(submissions.unit_progress(cycle, 2015, now=datetime(2016, 9, 16, 0, 0)))
    assert {k: r["late"] for k, r in after.items()} == {"101001": True, "102001": True, "103001": False,
                                                        "104001": True}  # the day has passed: still missing
    assert submissions.summary(submissions.unit_progress(cycle, 2015, now=datetime(2016, 9, 16))) == \
        submissions.ProgressSummary(4, 2, 1, 1, 3)
    submissions.set_deadline(cycle, ADMIN, 2015, submissions.SELF_EVAL, date(2016, 9, 16))
    moved = _by_unit(submissions.unit_progress(cycle, 2015, now=datetime(2016, 9, 16, 12)))
    assert {k: r["late"] for k, r in moved.items()} == {"101001": False, "102001": False, "103001": False,
                                                        "104001": False}


def test_a_unit_sees_its_own_unit_only(cycle):
    frame = submissions.unit_progress(cycle, 2015, units=("104001",))
    assert frame["unit_code"].tolist() == ["104001"] and frame["status"].tolist() == ["未报送"]
    assert submissions.unit_progress(cycle, 2015, units=()).empty


def test_setting_a_deadline_is_audited_with_before_and_after(fresh_db):
    made = submissions.set_deadline(fresh_db, ADMIN, 2015, "汇总表", date(2016, 9, 22))
    assert (made.due, made.set_by) == (date(2016, 9, 22), "demo_jxb")
    assert submissions.deadline(fresh_db, 2015, "汇总表").due == date(2016, 9, 22)
    assert submissions.deadline(fresh_db, 2014, "汇总表").due == date(2015, 9, 20)  # other years keep the default
    entry = audit.entries(fresh_db, audit.Filter()).iloc[0]
    assert (entry["actor"], entry["action"], entry["outcome"]) == ("demo_jxb", audit.DEADLINE_SET, audit.OK)
    assert '"截止日期": "2016-09-20"' in entry["before_state"] and "默认" in entry["before_state"]
    assert '"截止日期": "2016-09-22"' in entry["after_state"] and "demo_jxb" in entry["after_state"]
    again = submissions.set_deadline(fresh_db, ADMIN, 2015, "汇总表", date(2016, 9, 22))
    assert again == made and len(audit.entries(fresh_db, audit.Filter())) == 1  # the same date changes nothing


@pytest.mark.parametrize("viewer", [UNIT, READER, BUDGET], ids=lambda v: v.role)
def test_only_the_bureau_sets_deadlines(fresh_db, viewer):
    with pytest.raises(access.Refused, match="无权设置报送时限"):
        submissions.set_deadline(fresh_db, viewer, 2015, "自评报告", date(2016, 9, 30))
    assert submissions.deadline(fresh_db, 2015).is_default
    entry = audit.entries(fresh_db, audit.Filter()).iloc[0]
    assert (entry["actor"], entry["action"], entry["outcome"]) == (viewer.username, access.DEADLINES, audit.REFUSED)


@pytest.mark.parametrize(("kind", "due", "says"), [("年报", date(2016, 9, 1), "没有“年报”"),
                                                   ("自评报告", date(2020, 9, 1), "须在 2015 年至 2017 年之间"),
                                                   ("自评报告", "2016-09-01", "不是日期")])
def test_a_wrong_deadline_is_refused_with_a_reason(fresh_db, kind, due, says):
    with pytest.raises(submissions.DeadlineError, match=says):
        submissions.set_deadline(fresh_db, ADMIN, 2015, kind, due)
    assert not len(audit.entries(fresh_db, audit.Filter()))


def test_the_chart_stacks_units_by_department_and_status(cycle):
    fig = charts.progress_figure(submissions.unit_progress(cycle, 2015))
    assert fig.layout.title.text == s.CHART_PROGRESS and fig.layout.barmode == "stack"
    bars = {trace.name: dict(zip(trace.y, trace.x, strict=True)) for trace in fig.data}
    assert bars["已报送"] == {"区城管局": 1, "区教育局": 1, "区文化局": 0}
    assert bars["部分报送"]["区城管局"] == 1 and bars["未报送"]["区文化局"] == 1
    assert list(fig.data[0].y)[-1] == "区文化局"  # the department with units still to submit on top


# ---- the page ----------------------------------------------------------------------------------------------------


@pytest.fixture
def app_path(sample_db_path, tmp_path, monkeypatch):
    """A private copy of the sample database for the dashboard under test."""
    path = tmp_path / "progress.duckdb"
    shutil.copy(sample_db_path, path)
    monkeypatch.setenv("BUDGET_PERF_DB", str(path))
    st.cache_data.clear()  # cached results are keyed by the data version, which copies share
    return path


def page(viewer: Viewer = ADMIN, **params: str) -> AppTest:
    at = signed_in(AppTest.from_file(DASHBOARD, default_timeout=TIMEOUT_S), viewer).run()
    for key, value in params.items():
        at.query_params[key] = value
    return at.switch_page("pages/progress.py").run()


def table(at):
    return next(d.value for d in at.dataframe if s.COL_SUBMIT_STATUS in d.value.columns)


def test_the_page_on_an_empty_database_says_there_is_no_data(tmp_path, monkeypatch):
    monkeypatch.setenv("BUDGET_PERF_DB", str(tmp_path / "empty.duckdb"))
    at = admin_app(tmp_path / "empty.duckdb").run().switch_page("pages/progress.py").run()
    assert not at.exception
    assert at.title[0].value == s.PROGRESS_TITLE and [i.value for i in at.info] == [s.NO_DATA]
    assert not at.metric and not at.dataframe


def test_the_page_shows_the_samples_progress(app_path, media_stores):
    at = page()
    assert not at.exception
    assert metrics(at) == {s.PROGRESS_UNITS: "121 家", s.PROGRESS_SUBMITTED: "121 家", s.PROGRESS_NOT_SUBMITTED: "0 家",
                           s.PROGRESS_LATE: "—"}
    assert any(c.value == s.PROGRESS_LATE_SAMPLE for c in at.caption)
    shown = table(at)
    assert len(shown) == 121 and set(shown[s.COL_SUBMIT_STATUS]) == {"已报送"}
    assert int(shown[s.COL_SUBMITTED].sum()) == 793 and set(shown[s.COL_LATE]) == {"—"}
    deadlines = next(d.value for d in at.dataframe if s.COL_DEADLINE_DUE in d.value.columns)
    assert deadlines[s.COL_DEADLINE_DUE].tolist() == ["2016-09-15", "2016-09-20", "2016-10-20", "2016-10-31"]
    bars = figure(at, titled(s.CHART_PROGRESS))
    assert sum(sum(trace.x) for trace in bars.data) == 121
    template = downloaded(at, media_stores, s.PROGRESS_TEMPLATE)
    ws = openpyxl.load_workbook(io.BytesIO(template.content))["项目支出绩效自评表"]
    assert ws["A2"].value == "（2015年度）" and ws.protection.sheet


def test_a_unit_not_yet_submitted_is_listed_and_the_download_holds_the_filter(app_path, media_stores):
    con = db.connection(app_path)
    con.execute("DELETE FROM forms WHERE unit_code = '301001' AND year = 2015")  # 龙康镇: its forms never came
    at = page(status="未报送")
    assert not at.exception
    assert metrics(at)[s.PROGRESS_NOT_SUBMITTED] == "1 家" and metrics(at)[s.PROGRESS_SUBMITTED] == "120 家"
    shown = table(at)
    assert shown[s.COL_UNIT_NAME].tolist() == ["龙康镇人民政府"]
    assert (shown[s.COL_PLANNED].tolist(), shown[s.COL_SUBMITTED].tolist()) == ([16], [0])
    assert at.query_params["status"] in ("未报送", ["未报送"])
    excel = downloaded(at, media_stores, s.DOWNLOAD_EXCEL)
    ws = openpyxl.load_workbook(io.BytesIO(excel.content)).active
    assert "报送状态=未报送" in ws["A1"].value and "2015 年度报送进度" in ws["A1"].value
    assert [c.value for c in ws[4]][:2] == ["301001", "龙康镇人民政府"] and ws.max_row == 4
    csv = downloaded(at, media_stores, s.DOWNLOAD_CSV).content.decode("utf-8-sig")
    assert "龙康镇人民政府" in csv and "区市容环卫局" not in csv
    at.selectbox(key="progress_status").set_value("全部").run()
    assert len(table(at)) == 121


def test_the_bureau_changes_a_deadline_on_the_page(app_path):
    at = page()
    assert not at.exception
    at.date_input(key="deadline_2015_汇总表").set_value(date(2016, 9, 25))
    next(b for b in at.button if b.label == s.PROGRESS_DEADLINE_SAVE).click().run()
    assert not at.exception
    assert any(x.value == s.PROGRESS_DEADLINE_SAVED.format(n=1) for x in at.success)
    con = db.connection(app_path)
    assert submissions.deadline(con, 2015, "汇总表").due == date(2016, 9, 25)
    assert audit.entries(con, audit.Filter(actions=(audit.DEADLINE_SET,))).iloc[0]["actor"] == "demo_jxb"


def test_a_unit_sees_its_own_status_and_no_deadline_form(app_path):
    at = page(UNIT)
    assert not at.exception
    assert table(at)[s.COL_UNIT_NAME].tolist() == ["区市容环卫局"]
    assert metrics(at)[s.PROGRESS_UNITS] == "1 家"
    assert not at.date_input and s.PROGRESS_DEADLINE_SAVE not in [b.label for b in at.button]
