"""Every page renders under AppTest with no exception, on the sample year and on an empty database."""

import base64
import json
from decimal import Decimal

import numpy as np
import plotly.io
import pytest
from streamlit.testing.v1 import AppTest

from store import db

DASHBOARD = str(db.ROOT / "dashboard.py")
TIMEOUT_S = 60


@pytest.fixture
def sample_app(sample_db_path, monkeypatch):
    monkeypatch.setenv("BUDGET_PERF_DB", str(sample_db_path))
    return AppTest.from_file(DASHBOARD, default_timeout=TIMEOUT_S)


def _decode(value):
    """Plotly's typed arrays ({'dtype', 'bdata'}) back to lists; everything else as is."""
    if isinstance(value, dict) and "bdata" in value:
        return np.frombuffer(base64.b64decode(value["bdata"]), dtype=value["dtype"]).tolist()
    if isinstance(value, dict):
        return {k: _decode(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_decode(v) for v in value]
    return value


def figures(at):
    """The plotly figures the page drew, rebuilt from their JSON."""
    return [plotly.io.from_json(json.dumps(_decode(json.loads(c.proto.spec)))) for c in at.get("plotly_chart")]


def metrics(at):
    return {m.label: m.value for m in at.metric}


def test_overview_shows_the_reference_year(sample_app):
    at = sample_app.run()
    assert not at.exception
    shown = metrics(at)
    assert shown["预算单位"] == "121 家"
    assert shown["自评项目"] == "793 个"
    assert shown["财政拨付资金（全年预算数）"] == "9.95 亿元"
    assert shown["实际支出（全年执行数）"] == "8.32 亿元"
    assert shown["预算执行率"] == "83.6%"
    assert shown["占全年项目支出"] == "49%"
    assert any("示例数据" in w.value for w in at.sidebar.warning)
    assert at.sidebar.selectbox[0].value == 2015


def test_overview_charts_carry_the_data(sample_app, sample_con):
    at = sample_app.run()
    figs = figures(at)
    assert len(figs) == 5
    grades = figs[0].data[0]
    assert list(grades.x) == ["优", "良", "中", "差", "未完成"] and all(n > 0 for n in grades.y)
    expected = dict(sample_con.execute(
        "SELECT COALESCE(grade, '未完成'), count(*) FROM v_project_scores GROUP BY ALL").fetchall())
    assert dict(zip(grades.x, grades.y, strict=True)) == expected
    flags = dict(zip(figs[1].data[0].y, figs[1].data[0].x, strict=True))
    assert flags == dict(sample_con.execute(
        "SELECT f, count(*) FROM (SELECT unnest(flags) f FROM v_project_scores) GROUP BY f").fetchall())
    assert len(figs[2].data[0].x) == 12


def test_top_n_slider_changes_the_unit_charts(sample_app):
    at = sample_app.run()
    assert len(figures(at)[3].data[0].y) == 10
    at.slider[0].set_value(5).run()
    assert len(figures(at)[3].data[0].y) == 5 and not at.exception


def test_unit_table_download_is_excel_friendly(sample_app):
    at = sample_app.run()
    assert not at.exception
    buttons = at.get("download_button")
    assert [b.proto.label for b in buttons] == ["下载 Excel", "下载 CSV"]


def test_empty_database_shows_how_to_load_data(tmp_path, monkeypatch):
    path = tmp_path / "empty.duckdb"
    db.open_db(path).close()
    monkeypatch.setenv("BUDGET_PERF_DB", str(path))
    at = AppTest.from_file(DASHBOARD, default_timeout=TIMEOUT_S).run()
    assert not at.exception
    assert any("还没有任何已导入的自评表" in i.value for i in at.info)


def test_headline_arithmetic_matches_the_views(sample_con):
    from store.queries import headline

    h = headline(sample_con, 2015)
    assert (h.units, h.projects) == (121, 793)
    assert (h.budget_full_year, h.executed) == (Decimal("99500"), Decimal("83200"))
    assert round(h.share_of_expenditure, 2) == Decimal("0.49")


def test_projects_page_filters_and_explains_a_flagged_project(sample_app, sample_con):
    at = sample_app.run()
    at.switch_page("pages/projects.py").run()
    assert not at.exception
    flag_filter = next(m for m in at.multiselect if m.label == "疑点")
    flag_filter.set_value(["自评分虚高"]).run()
    assert not at.exception
    expected = sample_con.execute(
        "SELECT count(*) FROM v_project_scores WHERE list_contains(flags, '自评分虚高')").fetchone()[0]
    assert any(f"符合条件的项目：{expected} 个" in c.value for c in at.caption)
    picked = next(b for b in at.selectbox if b.label == "查看项目")
    form_id = picked.value
    self_score, computed = sample_con.execute(
        "SELECT self_score, computed_score FROM v_project_scores WHERE form_id = ?", [form_id]).fetchone()
    shown = metrics(at)
    assert shown["单位自评分"] == f"{self_score:.2f}" and shown["系统复核得分"] == f"{computed:.2f}"
    assert self_score - computed > 5
    arithmetic = at.code[0].value
    assert "预算执行率" in arithmetic and "总分" in arithmetic
    assert any("自评分虚高" in w.value for w in at.warning)


def test_projects_page_with_no_match_says_so(sample_app):
    at = sample_app.run()
    at.switch_page("pages/projects.py").run()
    at.text_input[0].set_value("不存在的项目名称").run()
    assert not at.exception
    assert any("没有符合筛选条件的项目" in i.value for i in at.info)


def test_projects_page_shows_an_incomplete_form_without_a_score(sample_app):
    at = sample_app.run()
    at.switch_page("pages/projects.py").run()
    next(m for m in at.multiselect if m.label == "等级").set_value(["未完成"]).run()
    assert not at.exception
    assert metrics(at)["系统复核得分"] == "—"
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
