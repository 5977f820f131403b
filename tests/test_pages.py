"""Every page renders under AppTest with no exception, on the sample year and on an empty database, and what
it shows (metrics, charts, tables, downloads) equals what the public views v_project_scores and v_unit_scores
give. Charts are found by their titles (present.strings), never by their order on the page."""

import base64
import io
import json
import math
from decimal import Decimal

import numpy as np
import openpyxl
import pandas as pd
import plotly.graph_objects as go
import plotly.io
import pytest
from streamlit.runtime.memory_media_file_storage import MemoryMediaFileStorage
from streamlit.testing.v1 import AppTest

from present import format as fmt
from present import strings as s
from store import access, accounts, db
from store.access import Viewer
from ui import session

DASHBOARD = str(db.ROOT / "dashboard.py")
TIMEOUT_S = 60
YEAR = 2015  # the bundled sample year


ADMIN = Viewer("demo_jxb", "绩效办演示", access.ADMIN, is_demo=True)  # the sample's demo 绩效办 account


def signed_in(at: AppTest, viewer: Viewer = ADMIN) -> AppTest:
    """The app with `viewer` signed in (sign-in itself is tested in test_roles.py)."""
    at.session_state[session._VIEWER] = viewer
    return at


def admin_app(path) -> AppTest:
    """The dashboard on a database of the test's own, with a real 绩效办 account signed in."""
    con = db.open_db(path)
    try:
        made = accounts.create(con, access.command_line(), "admin", "管理员", access.ADMIN, "test-pass-1")
    finally:
        con.close()
    return signed_in(AppTest.from_file(DASHBOARD, default_timeout=TIMEOUT_S), made.viewer())


@pytest.fixture
def sample_app(sample_db_path, monkeypatch):
    monkeypatch.setenv("BUDGET_PERF_DB", str(sample_db_path))
    return signed_in(AppTest.from_file(DASHBOARD, default_timeout=TIMEOUT_S))


def _decode(value):
    """Plotly's typed arrays ({'dtype', 'bdata'}) back to lists; everything else as is."""
    if isinstance(value, dict) and "bdata" in value:
        return np.frombuffer(base64.b64decode(value["bdata"]), dtype=value["dtype"]).tolist()
    if isinstance(value, dict):
        return {k: _decode(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_decode(v) for v in value]
    return value


def figures(at) -> dict[str, go.Figure]:
    """The plotly figures the page drew, rebuilt from their JSON, by title."""
    found: dict[str, go.Figure] = {}
    for chart in at.get("plotly_chart"):
        fig = plotly.io.from_json(json.dumps(_decode(json.loads(chart.proto.spec))))
        title = fig.layout.title.text
        assert title not in found, f"two charts titled {title!r}: tests cannot tell them apart"
        found[title] = fig
    return found


def figure(at, title: str) -> go.Figure:
    """The page's chart titled `title`; fails naming the charts the page did draw."""
    found = figures(at)
    assert title in found, f"the page drew no chart titled {title!r}; it drew {sorted(found)}"
    return found[title]


def titled(title: str) -> str:
    """A chart title with the sample year, as the overview draws it ("2015 年度评价等级分布")."""
    return s.YEAR_CHART_TITLE.format(year=YEAR, title=title)


def metrics(at):
    return {m.label: m.value for m in at.metric}


def unit_bars(fig: go.Figure) -> list[tuple[str, float]]:
    """(unit name, score) of a unit chart, top to bottom as the reader sees it (plotly draws bottom-up)."""
    bar = fig.data[0]
    return list(zip(bar.y, bar.x, strict=True))[::-1]


def unit_scores(con) -> dict[str, float]:
    """Every scored unit of the sample year: name → score, from v_unit_scores."""
    rows = con.execute("SELECT unit_name, score FROM v_unit_scores WHERE year = ? AND score IS NOT NULL",
                       [YEAR]).fetchall()
    scores = {name: float(score) for name, score in rows}
    assert len(scores) == len(rows), "unit names are not unique: key the comparison by unit code"
    return scores


def assert_unit_chart(fig: go.Figure, scores: dict[str, float], n: int, best_first: bool) -> None:
    """The chart shows n units, each with its own score, and they are the n best (or worst), in order."""
    shown = unit_bars(fig)
    assert len(shown) == n
    assert all(scores[name] == pytest.approx(score) for name, score in shown), shown
    ranked = sorted(scores.values(), reverse=best_first)[:n]
    assert [score for _, score in shown] == pytest.approx(ranked)


def test_overview_shows_the_reference_year(sample_app, sample_con):
    at = sample_app.run()
    assert not at.exception
    shown = metrics(at)
    assert shown["预算单位"] == "121 家"
    assert shown["自评项目"] == "793 个"
    assert shown["财政拨付资金（全年预算数）"] == "9.95 亿元"
    assert shown["实际支出（全年执行数）"] == "8.32 亿元"
    assert shown["预算执行率"] == "83.62%"
    assert shown["占全年项目支出"] == "49%"
    mean, flagged = sample_con.execute(
        "SELECT round(avg(final_score), 2), count(*) FILTER (WHERE len(flags) > 0) FROM v_project_scores "
        "WHERE year = ?", [YEAR]).fetchone()
    assert shown["平均得分"] == f"{mean:.2f}"
    assert shown["有疑点的项目"] == f"{flagged} 个" and flagged > 0
    assert any("示例数据" in w.value for w in at.sidebar.warning)
    assert at.sidebar.selectbox[0].value == YEAR


def test_overview_charts_carry_the_data(sample_app, sample_con):
    at = sample_app.run()
    assert not at.exception
    assert sorted(figures(at)) == sorted(titled(t) for t in (s.CHART_GRADES, s.CHART_FLAGS, s.CHART_DOMAINS, s.CHART_TOP,
                                                             s.CHART_BOTTOM))  # every chart names its year

    grades = figure(at, titled(s.CHART_GRADES)).data[0]
    assert list(grades.x) == ["优", "良", "中", "差", "未完成"] and all(n > 0 for n in grades.y)
    expected = dict(sample_con.execute(
        "SELECT COALESCE(grade, '未完成'), count(*) FROM v_project_scores WHERE year = ? GROUP BY ALL", [YEAR]).fetchall())
    assert dict(zip(grades.x, grades.y, strict=True)) == expected

    flags = figure(at, titled(s.CHART_FLAGS)).data[0]
    assert dict(zip(flags.y, flags.x, strict=True)) == dict(sample_con.execute(
        "SELECT f, count(*) FROM (SELECT unnest(flags) f FROM v_project_scores WHERE year = ?) GROUP BY f",
        [YEAR]).fetchall())

    domains = {trace.name: dict(zip(trace.x, trace.y, strict=True)) for trace in figure(at, titled(s.CHART_DOMAINS)).data}
    rows = sample_con.execute(
        "SELECT domain, sum(budget_full_year), sum(executed), round(avg(computed_score), 2) FROM v_project_scores "
        "WHERE year = ? GROUP BY domain", [YEAR]).fetchall()
    assert len(rows) == 12

    def num(value):
        return math.nan if value is None else float(value)

    for series, column in [(s.SERIES_BUDGET, 1), (s.SERIES_EXECUTED, 2), (s.SERIES_SCORE, 3)]:
        assert domains[series] == pytest.approx({r[0]: num(r[column]) for r in rows}, nan_ok=True), series

    scores = unit_scores(sample_con)
    assert_unit_chart(figure(at, titled(s.CHART_TOP)), scores, 10, best_first=True)
    assert_unit_chart(figure(at, titled(s.CHART_BOTTOM)), scores, 10, best_first=False)


def test_top_n_slider_changes_the_unit_charts(sample_app, sample_con):
    at = sample_app.run()
    assert len(unit_bars(figure(at, titled(s.CHART_TOP)))) == 10
    at.slider[0].set_value(5).run()
    assert not at.exception
    scores = unit_scores(sample_con)
    assert_unit_chart(figure(at, titled(s.CHART_TOP)), scores, 5, best_first=True)
    assert_unit_chart(figure(at, titled(s.CHART_BOTTOM)), scores, 5, best_first=False)


def downloaded(at, stores: list[MemoryMediaFileStorage], label: str):
    """The file behind the download button labelled `label` in the last run: .filename and .content."""
    button = next((b for b in at.download_button if b.proto.label == label), None)
    assert button is not None, f"no download button {label!r}; found {[b.proto.label for b in at.download_button]}"
    assert stores, "AppTest did not build its media store through app_test.MemoryMediaFileStorage any more"
    return stores[-1].get_file(button.proto.url.rsplit("/", 1)[-1])


UNIT_HEADERS = ["单位编码", "单位名称", "单位类型", "项目数", "全年预算数（万元）", "全年执行数（万元）", "执行率", "最终得分",
                "等级", "有疑点项目数"]


def _unit_rows(con) -> dict[str, list[object]]:
    """v_unit_scores of the sample year as the export should hold it: unit code → row, numbers as floats."""
    rows = con.execute(
        "SELECT unit_code, unit_name, unit_type, projects, budget_full_year, executed, execution_rate, score, grade, "
        "flagged_projects FROM v_unit_scores WHERE year = ?", [YEAR]).fetchall()
    return {r[0]: [float(v) if isinstance(v, Decimal) else v for v in r] for r in rows}


def test_unit_table_download_is_excel_friendly(sample_app, sample_con, media_stores):
    at = sample_app.run()
    assert not at.exception
    expected = _unit_rows(sample_con)
    assert len(expected) == 121

    xlsx = downloaded(at, media_stores, "下载 Excel")
    assert xlsx.filename == f"单位得分明细_{YEAR}.xlsx"
    ws = openpyxl.load_workbook(io.BytesIO(xlsx.content)).active
    assert ws.title == "单位得分明细"
    assert ws["A1"].value == f"{YEAR} 年度单位得分明细（示例数据）"
    assert [c.value for c in ws[3]] == UNIT_HEADERS
    data = list(ws.iter_rows(min_row=4))
    assert len(data) == len(expected)
    formats = {"全年预算数（万元）": "#,##0.00", "全年执行数（万元）": "#,##0.00", "执行率": "0.00%", "最终得分": "0.00"}
    for header, number_format in formats.items():
        column = UNIT_HEADERS.index(header)
        assert {row[column].number_format for row in data} == {number_format}, header
    got = {row[0].value: [c.value for c in row] for row in data}
    assert got.keys() == expected.keys()
    for code, row in got.items():
        assert row == pytest.approx(expected[code]), code
    scores = [row[UNIT_HEADERS.index("最终得分")].value for row in data]
    assert scores == sorted(scores, reverse=True)  # best first

    csv = downloaded(at, media_stores, "下载 CSV")
    assert csv.filename == f"单位得分明细_{YEAR}.csv"
    assert csv.content.startswith(b"\xef\xbb\xbf")
    table = pd.read_csv(io.BytesIO(csv.content), encoding="utf-8-sig", dtype={"单位编码": str})
    assert list(table.columns) == UNIT_HEADERS
    assert {r[0]: r for r in table.itertuples(index=False)}.keys() == expected.keys()
    for row in table.itertuples(index=False):
        assert list(row) == pytest.approx(expected[row[0]]), row[0]


def test_empty_database_shows_how_to_load_data(tmp_path, monkeypatch):
    path = tmp_path / "empty.duckdb"
    monkeypatch.setenv("BUDGET_PERF_DB", str(path))
    at = admin_app(path).run()
    assert not at.exception
    assert any("还没有任何已导入的自评表" in i.value for i in at.info)


def test_headline_arithmetic_matches_the_views(sample_con):
    from store.queries import headline

    h = headline(sample_con, YEAR)
    assert (h.units, h.projects) == (121, 793)
    assert (h.budget_full_year, h.executed) == (Decimal("99500"), Decimal("83200"))
    assert round(h.share_of_expenditure, 2) == Decimal("0.49")


def _project_table(at) -> pd.DataFrame:
    """The projects page's table of projects (the first dataframe on the page)."""
    table = at.dataframe[0].value
    assert list(table.columns)[:2] == ["单位名称", "项目名称"]
    return table


def test_projects_page_filters_and_explains_a_flagged_project(sample_app, sample_con):
    at = sample_app.run()
    at.switch_page("pages/projects.py").run()
    assert not at.exception
    flag_filter = next(m for m in at.multiselect if m.label == "疑点")
    flag_filter.set_value(["自评分虚高"]).run()
    assert not at.exception

    rows = sample_con.execute(
        "SELECT unit_name, project_name, self_score, computed_score, budget_full_year FROM v_project_scores "
        "WHERE year = ? AND list_contains(flags, '自评分虚高')", [YEAR]).fetchall()
    budget = sum(r[4] for r in rows)
    assert any(c.value == f"符合条件的项目：{len(rows)} 个，全年预算数合计 {fmt.money(budget)}" for c in at.caption)
    table = _project_table(at)
    keys = list(zip(table["单位名称"], table["项目名称"], strict=True))
    assert sorted(keys) == sorted((u, p) for u, p, *_ in rows)
    assert dict(zip(keys, table["单位自评分"], strict=True)) == pytest.approx({(u, p): float(a) for u, p, a, *_ in rows})
    assert table["复核得分"].isna().all()  # nothing reviewed in the sample
    assert dict(zip(keys, table["核算得分"], strict=True)) == pytest.approx({(u, p): float(b) for u, p, _, b, _ in rows})

    picked = next(b for b in at.selectbox if b.label == "查看项目")
    self_score, computed, budget, executed, flags = sample_con.execute(
        "SELECT self_score, computed_score, budget_full_year, executed, flags FROM v_project_scores WHERE form_id = ?",
        [picked.value]).fetchone()
    assert "自评分虚高" in flags
    shown = metrics(at)
    assert shown["单位自评分"] == f"{self_score:.2f}" and shown["核算得分"] == f"{computed:.2f}"
    assert self_score - computed > 5
    assert shown["全年预算数（万元）"] == fmt.wan_figure(budget) and shown["全年执行数（万元）"] == fmt.wan_figure(executed)
    arithmetic = at.code[0].value
    assert "预算执行率" in arithmetic and "总分" in arithmetic
    assert any("自评分虚高" in w.value for w in at.warning)


def test_projects_page_with_no_match_says_so(sample_app):
    at = sample_app.run()
    at.switch_page("pages/projects.py").run()
    at.text_input[0].set_value("不存在的项目名称").run()
    assert not at.exception
    assert any("没有符合筛选条件的项目" in i.value for i in at.info)


def test_projects_page_shows_an_incomplete_form_without_a_score(sample_app, sample_con):
    at = sample_app.run()
    at.switch_page("pages/projects.py").run()
    next(m for m in at.multiselect if m.label == "等级").set_value(["未完成"]).run()
    assert not at.exception
    incomplete = sample_con.execute(
        "SELECT count(*) FROM v_project_scores WHERE year = ? AND grade IS NULL", [YEAR]).fetchone()[0]
    assert incomplete > 0
    assert any(c.value.startswith(f"符合条件的项目：{incomplete} 个，") for c in at.caption)
    table = _project_table(at)
    assert len(table) == incomplete and table["核算得分"].isna().all() and set(table["状态"]) == {"未完成"}
    assert metrics(at)["核算得分"] == "—"
    assert any("不评分、不定级" in i.value for i in at.info)


def test_database_held_by_another_process_shows_a_notice(tmp_path, monkeypatch):
    import subprocess
    import sys

    path = tmp_path / "held.duckdb"
    db.open_db(path).close()
    holder = subprocess.Popen([sys.executable, "-c", "import duckdb, sys, time; c = duckdb.connect(sys.argv[1]); "
                               "print('held', flush=True); time.sleep(60)", str(path)], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "held"
        monkeypatch.setenv("BUDGET_PERF_DB", str(path))
        at = AppTest.from_file(DASHBOARD, default_timeout=TIMEOUT_S).run()
        assert not at.exception
        assert any("正被另一个程序占用" in w.value for w in at.warning)
    finally:
        holder.kill()
        holder.wait()


def test_a_database_failure_inside_a_page_is_said_in_chinese_without_a_traceback(sample_app, monkeypatch):
    import streamlit as st

    from store import queries
    from store.db import StoreError

    def broken(*args, **kwargs):
        raise StoreError("数据库读取失败：模拟的磁盘错误")

    monkeypatch.setattr(queries, "headline", broken)
    st.cache_data.clear()  # an earlier test's cached headline would hide the failure
    at = sample_app.run()
    assert not at.exception
    assert any("读取数据库时出错" in e.value for e in at.error)
    assert any("模拟的磁盘错误" in c.value for c in at.code)


def test_projects_page_shows_what_a_sichuan_form_writes_about_itself(tmp_path, monkeypatch):
    """A real-layout form (四川 510000_0013zp) loaded through the importer: the project detail shows its 评价结论 /
    存在问题 / 改进措施, and its not-applicable row stays in the indicator table."""
    from etl.load import SourceFile, check, commit
    from tests.conftest import workbook_bytes
    from tests.test_form_variants import sichuan_rows

    rows = sichuan_rows(indicators=[
        ("产出指标", "数量指标", "购置安可电脑", "≥", "13", "台", "13台", 60, 60, ""),
        ("效益指标", "生态效益指标", "/", None, "/", None, "/", None, None, ""),
        ("效益指标", "社会效益指标", "办公效率", "定性", "有效提升", None, "有效提升", 20, 18, ""),
        ("满意度指标", "服务对象满意度指标", "使用人员满意度", "≥", "90", "%", "95%", 10, 10, ""),
    ])
    path = tmp_path / "sichuan.duckdb"
    con = db.open_db(path)
    commit(con, [check(SourceFile("大英县司法局.xlsx", workbook_bytes({"Sheet1": rows})))])
    con.close()
    monkeypatch.setenv("BUDGET_PERF_DB", str(path))
    at = admin_app(path).run()
    at.switch_page("pages/projects.py").run()
    assert not at.exception
    remarks = next(e for e in at.expander if e.label == s.DETAIL_REMARKS)
    shown = [m.value for m in remarks.markdown]
    assert "**评价结论**：按要求完成设备购置和资金支付。" in shown and "**存在问题**：无" in shown
    tables = [d.value for d in at.dataframe if "三级指标" in d.value.columns]
    assert tables and "生态效益指标（不适用）" in tables[0]["三级指标"].tolist()
