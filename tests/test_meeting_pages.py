"""汇报模式 and 导出汇报材料 under AppTest: the presentation walks its eight screens in order with the year in every
title and the data line on every screen, the charts carry the database's numbers in the presentation theme (dark
labels of at least 16 px, the average-score line on an axis that shows its differences); a unit account presents its
own unit only; the export page builds the .zip and offers each part alone."""

from __future__ import annotations

import io
import json
import zipfile

import plotly.io
import pytest
from streamlit.testing.v1 import AppTest

from present import strings as s
from store import access
from store.access import Viewer
from tests.test_pages import DASHBOARD, TIMEOUT_S, _decode, downloaded, signed_in

YEAR = 2015
TITLES = [s.SCREEN_HEADLINE, s.SCREEN_GRADES, s.SCREEN_DOMAINS, s.SCREEN_WEAKEST, s.SCREEN_KEY, s.SCREEN_DEPT,
          s.SCREEN_CUTS, s.SCREEN_NEXT]
UNIT_VIEWER = Viewer("demo_dw", "单位演示", access.UNIT, units=("214001",), is_demo=True)


@pytest.fixture
def app(sample_db_path, monkeypatch):
    monkeypatch.setenv("BUDGET_PERF_DB", str(sample_db_path))
    return signed_in(AppTest.from_file(DASHBOARD, default_timeout=TIMEOUT_S))


def _title(at) -> str:
    found = [m.value for m in at.markdown if '<div class="meeting-title">' in m.value]
    assert len(found) == 1, found
    return found[0]


def _figures(at):
    return [plotly.io.from_json(json.dumps(_decode(json.loads(c.proto.spec)))) for c in at.get("plotly_chart")]


def test_presentation_walks_the_screens_in_order(app, sample_con):
    at = app.run()
    at.switch_page("pages/present.py").run()
    assert not at.exception
    assert not at.title  # no page chrome: the screen is the page
    seen = []
    for index, title in enumerate(TITLES):
        heading = _title(at)
        assert f"{YEAR} 年度{title}" in heading and "数据截至" in heading and s.SAMPLE_BADGE in heading
        assert any(f">{s.PRESENT_POSITION.format(n=index + 1, total=len(TITLES))}<" in m.value for m in at.markdown)
        seen.append((title, _figures(at)))
        if index < len(TITLES) - 1:
            at.button(key="present_next").click().run()
            assert not at.exception
    assert at.button(key="present_next").disabled and not at.button(key="present_prev").disabled
    at.button(key="present_prev").click().run()
    assert f"{YEAR} 年度{s.SCREEN_CUTS}" in _title(at)
    assert any("采纳方案：默认规则（示例参数）" in m.value for m in at.markdown)  # the sample adopts a scenario

    charts = {title: figs for title, figs in seen if figs}
    assert sorted(charts) == sorted([s.SCREEN_GRADES, s.SCREEN_DOMAINS, s.SCREEN_WEAKEST, s.SCREEN_KEY, s.SCREEN_DEPT,
                                     s.SCREEN_CUTS])
    for title, (fig,) in charts.items():
        # the chart's own title is the screen's (shown once, above it) or names the year itself
        assert fig.layout.title.text in (None, "") or fig.layout.title.text.startswith(f"{YEAR} 年度"), title
        for axis in (fig.layout.xaxis, fig.layout.yaxis):
            assert axis.tickfont.size >= 16 and axis.tickfont.color == "#111111", title
    grades = charts[s.SCREEN_GRADES][0].data[0]
    assert dict(zip(grades.x, grades.y, strict=True)) == dict(sample_con.execute(
        "SELECT COALESCE(final_grade, '未完成'), count(*) FROM v_project_scores WHERE year = ? GROUP BY ALL",
        [YEAR]).fetchall())
    domains = charts[s.SCREEN_DOMAINS][0]
    scores = [v for t in domains.data if t.name == s.SERIES_SCORE for v in t.y]
    low, high = domains.layout.yaxis2.range
    assert 0 < low <= min(scores) and high == 100  # not flattened on a 0–100 axis
    assert high - low <= 30


def test_presentation_headline_equals_the_overview(app, sample_con):
    at = app.run()
    overview = {m.label: m.value for m in at.metric}
    at.switch_page("pages/present.py").run()
    grid = next(m.value for m in at.markdown if 'class="meeting-grid"' in m.value)
    for label in (s.METRIC_UNITS, s.METRIC_PROJECTS, s.METRIC_BUDGET, s.METRIC_EXECUTED, s.METRIC_RATE,
                  s.METRIC_SHARE, s.METRIC_MEAN, s.METRIC_FLAGGED):
        assert f'<div class="meeting-label">{label}</div><div class="meeting-value">{overview[label]}</div>' in grid


def test_a_unit_presents_its_own_unit_only(sample_db_path, monkeypatch, sample_con):
    monkeypatch.setenv("BUDGET_PERF_DB", str(sample_db_path))
    at = signed_in(AppTest.from_file(DASHBOARD, default_timeout=TIMEOUT_S), UNIT_VIEWER).run()
    at.switch_page("pages/present.py").run()
    assert not at.exception
    projects = sample_con.execute("SELECT count(*) FROM v_project_scores WHERE year = ? AND unit_code = '214001'",
                                  [YEAR]).fetchone()[0]
    grid = next(m.value for m in at.markdown if 'class="meeting-grid"' in m.value)
    assert '<div class="meeting-value">1 家</div>' in grid and f">{projects} 个<" in grid
    assert "范围：1 家单位" in _title(at)


def test_export_page_builds_the_zip_and_offers_each_part(app, media_stores):
    at = app.run()
    at.switch_page("pages/export.py").run()
    assert not at.exception
    labels = [b.proto.label for b in at.download_button]
    assert labels == [s.EXPORT_DOWNLOAD_ONE.format(what=s.EXPORT_WHAT[p]) for p in ("pptx", "png", "xlsx", "docx")]
    assert not any(s.EXPORT_CUTS_MISSING == i.value for i in at.info)  # the sample adopts a scenario
    at.button(key="export_all").click().run()
    assert not at.exception
    assert any(x.value.startswith("已生成 4 个文件") for x in at.success)
    made = downloaded(at, media_stores, s.EXPORT_DOWNLOAD_ZIP)
    assert made.filename == f"{YEAR}年度预算绩效评价汇报材料.zip"
    with zipfile.ZipFile(io.BytesIO(made.content)) as z:
        names = z.namelist()
    assert f"{YEAR}年度预算绩效评价汇报.pptx" in names and f"{YEAR}年度预算绩效评价汇总表.xlsx" in names
    assert f"{YEAR}年度预算绩效评价工作情况报告.docx" in names and len([n for n in names if n.startswith("图表/")]) == 6


def test_export_page_narrows_to_a_department(app):
    at = app.run()
    at.switch_page("pages/export.py").run()
    at.multiselect(key="export_departments").set_value(["区教育局"]).run()
    assert not at.exception
    assert any("主管部门：区教育局" in c.value for c in at.caption)
