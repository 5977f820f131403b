"""present/: number formatting, table shaping and figure builders (no Streamlit needed); export titles."""

from decimal import Decimal

import pandas as pd
import pytest

from present import charts, tables
from present import format as fmt
from reports.tables import table_xlsx


@pytest.mark.parametrize(("fn", "value", "expected"), [
    (fmt.wan, Decimal("99500"), "99,500.00 万元"),
    (fmt.wan, None, "—"),
    (fmt.yi, Decimal("99500"), "9.95 亿元"),
    (fmt.yi, Decimal("83200"), "8.32 亿元"),
    (fmt.money, Decimal("203061.22"), "20.31 亿元"),
    (fmt.money, Decimal("39.4"), "39.40 万元"),
    (fmt.pct, Decimal("0.836180904"), "83.62%"),
    (fmt.pct, 1, "100.00%"),
    (fmt.score, Decimal("88.605"), "88.61"),
    (fmt.score, float("nan"), "—"),
    (fmt.count, 793, "793"),
])
def test_chinese_number_formats(fn, value, expected):
    assert fn(value) == expected


def test_score_delta_and_file_label():
    assert fmt.score_delta(Decimal("84.2"), Decimal("98")) == "-13.80"
    assert fmt.score_delta(None, Decimal("98")) is None
    assert fmt.score_delta(Decimal("86.58"), Decimal("86.58")) is None  # no "+0.00" badge
    assert fmt.score_delta(Decimal("86.581"), Decimal("86.58")) is None
    assert fmt.score_delta(Decimal("86.59"), Decimal("86.58")) == "+0.01"
    assert fmt.file_label("/x/批次.zip/219001_龙康小学.xlsx") == "219001_龙康小学.xlsx"


def test_csv_neutralises_formulas_and_opens_in_excel():
    frame = pd.DataFrame({"单位名称": ["=HYPERLINK(\"http://x\")", "+1", "区教育局"], "得分": [1.0, 2.0, 3.0]})
    text = fmt.csv_bytes(frame).decode("utf-8-sig")
    assert "'=HYPERLINK" in text and "'+1" in text and "\n区教育局," in text
    assert fmt.csv_bytes(frame).startswith(b"\xef\xbb\xbf")


def test_unit_figure_keeps_order_and_grade_colours():
    units = pd.DataFrame({"unit_name": ["甲", "乙"], "score": [Decimal("95"), Decimal("55")], "grade": ["优", "差"]})
    bar = charts.units_figure(units, "最高").data[0]
    assert list(bar.y) == ["乙", "甲"]  # plotly draws bottom-up: the first unit ends on top
    assert list(bar.marker.color) == [charts.GRADE_COLORS["差"], charts.GRADE_COLORS["优"]]


def test_export_titles_say_when_data_is_the_sample():
    from store.access import Viewer
    from ui.widgets import PageContext

    viewer = Viewer("demo_jxb", "绩效办演示", "绩效办")
    assert (PageContext(version=1, year=2015, viewer=viewer, sample=True).export_title("单位得分明细")
            == "2015 年度单位得分明细（示例数据）")
    assert PageContext(version=1, year=2016, viewer=viewer).export_title("项目得分") == "2016 年度项目得分"


def test_excel_export_of_a_shaped_table():
    import io

    import openpyxl

    table = tables.unit_table(pd.DataFrame({
        "unit_code": ["101001"], "unit_name": ["区教育局"], "unit_type": ["区直部门"], "projects": [3],
        "budget_full_year": [Decimal("1200.5")], "executed": [Decimal("1000")], "execution_rate": [0.833],
        "score": [Decimal("91.2")], "grade": ["优"], "flagged_projects": [1]}))
    ws = openpyxl.load_workbook(io.BytesIO(table_xlsx(table, "单位", "2015 年度", tables.EXCEL_FORMATS))).active
    assert ws["E4"].value == 1200.5 and ws["E4"].number_format == "#,##0.00"
    assert ws["G4"].number_format == "0.00%"
