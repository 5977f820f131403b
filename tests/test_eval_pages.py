"""The 重点评价 and 部门整体评价 pages under AppTest: empty (no data; data but no evaluation, then the bureau creates
one), normal (the sample year's reference evaluations, numbers equal to v_evaluation_results), flagged (experts
disagreeing), and the panel's own writes: an expert's in-app entry and an uploaded sheet (checked, then confirmed)."""

from __future__ import annotations

import io
import shutil
from decimal import Decimal

import pytest
from streamlit.testing.v1 import AppTest

from etl import expert_sheet as xs
from etl.load import SourceFile, load_source
from present import strings as s
from store import access, audit, db
from store import evaluations as ev
from store.access import Viewer
from tests.conftest import form_bytes
from tests.test_pages import DASHBOARD, TIMEOUT_S, admin_app, figure, metrics, signed_in, titled

KEY, DEPT = "pages/key_eval.py", "pages/dept_eval.py"
ZJ = Viewer("demo_zj", "专家演示", access.EXPERT, is_demo=True)
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@pytest.fixture
def app_db(sample_db_path, tmp_path, monkeypatch):
    """A private copy of the sample database that the dashboard under test opens (these tests write)."""
    path = tmp_path / "evalpages.duckdb"
    shutil.copy(sample_db_path, path)
    monkeypatch.setenv("BUDGET_PERF_DB", str(path))
    return path


def page(page_path: str, viewer: Viewer | None = None) -> AppTest:
    at = AppTest.from_file(DASHBOARD, default_timeout=TIMEOUT_S)
    at = signed_in(at, viewer) if viewer is not None else signed_in(at)
    at.run()
    at.switch_page(page_path).run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def texts(at: AppTest, kind: str) -> list[str]:
    return [e.value for e in getattr(at, kind)]


def scores_table(at: AppTest):
    return next(d.value for d in at.dataframe if s.COL_EXPERT_PANEL in d.value.columns
                and s.COL_LEVEL2 in d.value.columns)


def view_row(path, subject: str) -> tuple:
    con = db.connection(path)
    return con.execute("SELECT panel_score, grade, expert_count, max_spread, self_score, self_computed_score "
                       "FROM v_evaluation_results WHERE subject_name = ?", [subject]).fetchone()


# ---- empty ----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("page_path", [KEY, DEPT])
def test_on_an_empty_database_the_pages_say_there_is_no_data(tmp_path, monkeypatch, page_path):
    path = tmp_path / "empty.duckdb"
    monkeypatch.setenv("BUDGET_PERF_DB", str(path))
    at = admin_app(path).run()
    at.switch_page(page_path).run()
    assert not at.exception
    assert s.NO_DATA in texts(at, "info") and not at.metric and not at.dataframe


def test_with_forms_but_no_evaluation_the_bureau_creates_one_on_the_page(tmp_path, monkeypatch):
    path = tmp_path / "forms.duckdb"
    monkeypatch.setenv("BUDGET_PERF_DB", str(path))
    con = db.open_db(path)
    load_source(con, SourceFile("环卫.xlsx", form_bytes(unit="214001-区市容环卫局")))
    con.close()
    at = admin_app(path).run()
    at.switch_page(KEY).run()
    assert not at.exception
    assert s.EVAL_NONE.format(kind="重点评价") + s.EVAL_NONE_ADMIN in texts(at, "info")
    at.text_area(key="new_panel_key").input("甲专家\n乙专家")
    next(b for b in at.button if b.label == s.EVAL_NEW_SUBMIT).click().run()
    assert not at.exception, [e.value for e in at.exception]
    at.run()
    assert s.EVAL_NO_SCORES in texts(at, "info")
    assert metrics(at)[s.METRIC_EXPERTS] == s.METRIC_EXPERTS_VALUE.format(done=0, size=2)
    assert metrics(at)[s.METRIC_PANEL_SCORE] == "—"
    entry = db.connection(path).execute("SELECT actor, action, outcome FROM audit_log WHERE action = ?",
                                        [audit.EVAL_CREATE]).fetchall()
    assert entry == [("admin", audit.EVAL_CREATE, audit.OK)]
    at.switch_page(DEPT).run()
    assert not at.exception and s.EVAL_NONE.format(kind="部门整体评价") + s.EVAL_NONE_ADMIN in texts(at, "info")


def test_an_expert_on_no_panel_is_told_so(app_db):
    con = db.connection(app_db)
    con.execute("UPDATE evaluation_experts SET account = NULL")  # the test's own copy: no panel has an account
    at = page(KEY, ZJ)
    assert s.EVAL_EXPERT_NONE in texts(at, "info") and not at.dataframe and not at.metric


# ---- normal and flagged ---------------------------------------------------------------------------------------


def test_the_key_evaluation_page_shows_the_reference_evaluation_as_the_view_has_it(sample_db_path, monkeypatch):
    monkeypatch.setenv("BUDGET_PERF_DB", str(sample_db_path))
    at = page(KEY)
    score, grade, experts, spread, self_score, computed = view_row(sample_db_path, "区市容环卫局 · 道路清扫费")
    shown = metrics(at)
    assert shown[s.METRIC_PANEL_SCORE] == f"{score:.2f}" == "81.17"
    assert shown[s.METRIC_PANEL_GRADE] == grade == "良"
    assert shown[s.METRIC_EXPERTS] == "3/3 人" and experts == 3
    assert shown[s.METRIC_SELF_SCORE] == f"{self_score:.2f}" and shown[s.METRIC_SELF_COMPUTED] == f"{computed:.2f}"
    assert shown[s.METRIC_SURVEY_SAMPLE] == "300 份" and shown[s.METRIC_SURVEY_SHARE] == "87.00%"
    table = scores_table(at)
    assert list(table.columns[5:8]) == ["王建国", "李淑芬", "张明远"]
    assert len(table) == 21  # 20 indicators and the total
    assert table[s.COL_EXPERT_PANEL].iloc[-1] == pytest.approx(float(score))
    assert any(b.label == s.EVAL_DOWNLOAD for b in at.get("download_button"))


def test_the_key_page_flags_the_indicator_where_experts_disagree(sample_db_path, monkeypatch):
    monkeypatch.setenv("BUDGET_PERF_DB", str(sample_db_path))
    at = page(KEY)
    (warning,) = [w for w in texts(at, "warning") if w.startswith("专家分歧")]
    assert warning == s.EVAL_FLAGGED.format(names="C21 质量达标率", threshold="3.00")
    table = scores_table(at)
    flagged = table[table[s.COL_DISPUTE] == s.DISPUTE_MARK]
    assert list(flagged[s.COL_INDICATOR]) == ["质量达标率"]
    assert list(flagged[["王建国", "李淑芬", "张明远"]].iloc[0]) == [9.0, 8.5, 5.0]
    assert metrics(at)[s.METRIC_MAX_SPREAD] == "4.00"
    chart = figure(at, s.CHART_EXPERTS)
    assert [trace.name for trace in chart.data] == ["王建国", "李淑芬", "张明远"]
    assert len(chart.layout.shapes) == 1  # the disputed indicator is shaded


def test_the_department_page_compares_the_five_departments(sample_db_path, monkeypatch):
    monkeypatch.setenv("BUDGET_PERF_DB", str(sample_db_path))
    at = page(DEPT)
    comparison = next(d.value for d in at.dataframe if s.COL_GRADE_MIX in d.value.columns)
    con = db.connection(sample_db_path)
    expected = dict(con.execute("SELECT subject_name, panel_score FROM v_evaluation_results WHERE kind = 'dept'").fetchall())
    assert dict(zip(comparison[s.COL_EVAL_DEPARTMENT], comparison[s.COL_EXPERT_PANEL], strict=True)) == {
        k: pytest.approx(float(v)) for k, v in expected.items()}
    projects = dict(con.execute("SELECT department, count(*) FROM v_project_scores WHERE year = 2015 AND department IN "
                                "(SELECT department FROM evaluations WHERE kind = 'dept') GROUP BY ALL").fetchall())
    assert dict(zip(comparison[s.COL_EVAL_DEPARTMENT], comparison[s.COL_SELF_PROJECTS], strict=True)) == projects
    totals = figure(at, titled(s.CHART_DEPT_TOTALS))
    assert list(totals.data[0].x) == list(comparison[s.COL_EVAL_DEPARTMENT])
    assert list(totals.data[0].y) == pytest.approx([float(v) for v in comparison[s.COL_EXPERT_PANEL]])
    levels = figure(at, titled(s.CHART_DEPT_LEVELS))
    assert sorted(t.name for t in levels.data) == sorted(expected) and list(levels.data[0].x) == ["投入", "过程", "产出", "效果"]
    weakest = next(d.value for d in at.dataframe if s.COL_SHARE in d.value.columns)
    assert len(weakest) == 15 and set(weakest[s.COL_EVAL_DEPARTMENT]) == set(expected)


def test_the_department_page_flags_a_dispute_and_shows_none_where_experts_agree(sample_db_path, monkeypatch):
    monkeypatch.setenv("BUDGET_PERF_DB", str(sample_db_path))
    at = page(DEPT)
    ids = dict(db.connection(sample_db_path).execute("SELECT subject_name, evaluation_id FROM evaluations").fetchall())
    assert "区民政局（中）" in at.selectbox(key="dept_eval_pick").options
    at.selectbox(key="dept_eval_pick").set_value(ids["区民政局"]).run()
    assert metrics(at)[s.METRIC_PANEL_GRADE] == "中"
    assert any(w.startswith("专家分歧：C11 实际完成率") for w in texts(at, "warning"))
    at.selectbox(key="dept_eval_pick").set_value(ids["区卫生局"]).run()
    assert metrics(at)[s.METRIC_PANEL_SCORE] == "91.38" and metrics(at)[s.METRIC_PANEL_GRADE] == "优"
    assert not [w for w in texts(at, "warning") if w.startswith("专家分歧")]
    assert not (scores_table(at)[s.COL_DISPUTE] == s.DISPUTE_MARK).any()


# ---- the panel's writes ---------------------------------------------------------------------------------------


def test_an_expert_sees_only_its_panel_and_enters_its_own_scores(app_db):
    at = page(KEY, ZJ)
    registered = sorted(p["script_path"].rsplit("/", 1)[-1] for p in at._registered_pages.values())
    assert registered == ["audit.py", "dept_eval.py", "key_eval.py"]
    assert at.selectbox(key="enter_expert_1").options == ["王建国"]
    con = db.connection(app_db)
    spec = next(e for e in ev.all_specs(con) if e.kind == ev.KIND_KEY)
    for indicator in spec.indicators:
        at.number_input(key=f"score_{spec.evaluation_id}_王建国_{indicator.indicator_id}").set_value(float(indicator.weight))
    next(b for b in at.button if b.label == s.EVAL_ENTER_SAVE).click().run()
    assert not at.exception
    new_total = (Decimal(100) + Decimal("87") + Decimal("75")) / 3
    assert any(m.startswith("已保存 王建国 的评分：专家组得分 87.33") for m in texts(at, "success"))
    assert metrics(at)[s.METRIC_PANEL_SCORE] == f"{new_total:.2f}"  # the results above show the write at once
    entry = con.execute("SELECT actor, role, outcome, unit_code FROM audit_log WHERE action = ? ORDER BY audit_id DESC "
                        "LIMIT 1", [audit.EVAL_ENTER]).fetchone()
    assert entry == ("demo_zj", access.EXPERT, audit.OK, "214001")
    at.switch_page(DEPT).run()
    assert s.EVAL_NONE_EXPERT.format(kind="部门整体评价") in texts(at, "info") and not at.dataframe


def _sheet(spec: ev.EvaluationSpec, expert: str, value: float | None = None, c21: object = None) -> bytes:
    wb, cells = xs.blank_workbook(spec, expert)
    ws = wb[xs.SHEET_PREFIX]
    for indicator in spec.indicators:
        ws[cells[f"score:{indicator.indicator_id}"]] = float(indicator.weight) * (value or 0.9)
    if c21 is not None:
        ws[cells["score:C21"]] = c21
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def test_an_uploaded_sheet_is_checked_then_imported_on_confirmation(app_db):
    con = db.connection(app_db)
    spec = next(e for e in ev.all_specs(con) if e.kind == ev.KIND_KEY)
    at = page(KEY)
    uploader = at.get("file_uploader")
    assert uploader, "the page offers no upload"
    before = con.execute("SELECT count(*) FROM expert_scores").fetchone()[0]
    at.file_uploader(key=f"sheets_{spec.evaluation_id}").set_value(
        [("李淑芬.xlsx", _sheet(spec, "李淑芬", c21=12), XLSX)]).run()
    assert not at.exception
    assert s.EVAL_UPLOAD_BAD.format(n=1) in texts(at, "error")
    problems = next(d.value for d in at.dataframe if s.COL_MESSAGE in d.value.columns)
    assert list(problems[s.COL_CELL]) == ["G22"] and "超过该指标的分值 10" in problems[s.COL_MESSAGE].iloc[0]
    assert not [b for b in at.button if b.label == s.EVAL_UPLOAD_CONFIRM]
    assert con.execute("SELECT count(*) FROM expert_scores").fetchone()[0] == before
    at.file_uploader(key=f"sheets_{spec.evaluation_id}").set_value(
        [("李淑芬.xlsx", _sheet(spec, "李淑芬", 0.9), XLSX)]).run()
    assert s.EVAL_UPLOAD_OK.format(n=1) in texts(at, "success")
    assert con.execute("SELECT count(*) FROM expert_scores").fetchone()[0] == before  # checked, not yet stored
    next(b for b in at.button if b.label == s.EVAL_UPLOAD_CONFIRM).click().run()
    assert not at.exception
    assert any(t.startswith("已导入：李淑芬.xlsx：已导入，专家 李淑芬") for t in texts(at, "success"))
    assert con.execute("SELECT count(*) FROM expert_scores").fetchone()[0] == before + 20
    expected = (Decimal("81.5") + Decimal(90) + Decimal(75)) / 3
    assert metrics(at)[s.METRIC_PANEL_SCORE] == f"{expected:.2f}"
    assert con.execute("SELECT actor, target FROM audit_log WHERE action = ? ORDER BY audit_id DESC LIMIT 1",
                       [audit.EVAL_IMPORT]).fetchone() == ("demo_jxb", "李淑芬.xlsx")


def test_a_reader_sees_the_results_and_may_not_score(sample_db_path, monkeypatch):
    monkeypatch.setenv("BUDGET_PERF_DB", str(sample_db_path))
    at = page(KEY, Viewer("demo_ld", "领导只读演示", access.READER, is_demo=True))
    assert metrics(at)[s.METRIC_PANEL_SCORE] == "81.17"
    assert s.EVAL_READ_ONLY in texts(at, "caption")
    assert not at.get("file_uploader") and not [b for b in at.button if b.label == s.EVAL_ENTER_SAVE]
    assert not at.text_area  # no new-evaluation form
