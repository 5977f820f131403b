"""Reading one form by its labels, and every quirk of DOMAIN.md §2."""

from decimal import Decimal

import pytest

from etl.form import ERROR, parse_form, split_unit
from etl.reader import read_workbook
from tests.conftest import form_bytes, form_rows, workbook_bytes


def parse(**kwargs):
    sheet = read_workbook(form_bytes(**kwargs))[0]
    return parse_form("单位.xlsx", sheet)


def test_a_clean_form_reads_every_field():
    form, problems = parse()
    assert problems == []
    assert (form.year, form.project_name, form.department) == (2015, "道路清扫费", "区市容环卫局")
    assert (form.unit_code, form.unit_name) == ("101001", "区市容环卫局")
    f = form.form
    assert (f.budget_initial, f.budget_full_year, f.executed) == (100, 100, 86)
    assert f.budget_weight == 10 and f.budget_self_score == Decimal("8.6") and f.self_total == Decimal("98.6")
    assert form.self_execution_rate == Decimal("0.86")
    assert form.goal_expected == "保持城区道路整洁"
    assert [i.name for i in f.indicators] == ["清扫道路面积", "清扫合格率", "清扫及时率", "项目总成本", "市容环境改善", "群众满意度"]
    first = f.indicators[0]
    assert (first.level1, first.level2, first.target.op, first.target.number, first.actual.number) == (
        "产出指标", "数量指标", "≥", Decimal(50), Decimal(52))
    assert first.ref == "第13行（D13）"


def test_shifted_rows_and_columns_are_found_by_label():
    form, problems = parse(lead_rows=3, lead_cols=2)
    assert problems == []
    assert form.project_name == "道路清扫费" and form.form.executed == 86 and len(form.form.indicators) == 6
    assert form.form.indicators[0].ref == "第16行（F16）"


def test_merged_level_cells_carry_down():
    rows = [
        ("产出指标(50分)", "数量指标", "道路面积", "≥50个", "52个", 25, 25, ""),
        (None, None, "清扫次数", "≥300次", "310次", 25, 25, ""),
        ("效益指标（30分）", "社会效益指标", "环境", "效果明显", "效果明显", 30, 30, ""),
    ]
    form, _ = parse(indicators=rows)
    assert [(i.level1, i.level2) for i in form.form.indicators] == [
        ("产出指标", "数量指标"), ("产出指标", "数量指标"), ("效益指标", "社会效益指标")]


def test_template_labels_are_stripped_and_placeholder_rows_skipped():
    rows = [
        ("产出指标", "数量指标", "指标1工程资金金额", "≤202.6万元", "132.9万元", 50, 50, ""),
        (None, None, "指标2", None, None, None, None, None),
        (None, None, "……", None, None, None, None, None),
        ("效益指标", "社会效益指标", "指标1:群众受益", "达成年度指标", "达成预期指标", 40, 38, ""),
    ]
    form, problems = parse(indicators=rows)
    assert [i.name for i in form.form.indicators] == ["工程资金金额", "群众受益"]
    assert problems == []


def test_zero_total_row_falls_back_to_the_appropriation_row():
    form, problems = parse(total=(0, 0, 0, 10, "86%", 9), appropriation=(100, 100, 86))
    assert (form.form.budget_full_year, form.form.executed) == (100, 86)
    assert [(p.cell, "已按" in p.message) for p in problems] == [("E6", True)]


def test_blank_actual_and_score_make_an_incomplete_form_with_named_cells():
    rows = [
        ("产出指标", "数量指标", "道路面积", "≥50个", None, 50, 50, ""),
        ("效益指标", "社会效益指标", "环境", "效果明显", "效果明显", 40, None, ""),
    ]
    form, problems = parse(indicators=rows, self_total=None)
    assert form.form.indicators[0].actual is None and form.form.indicators[1].self_score is None
    assert form.form.self_total is None
    cells = {p.cell for p in problems}
    assert {"F13", "H14", "H15"} <= cells
    assert all("未完成" in p.message for p in problems if p.cell in {"F13", "H14", "H15"})


def test_integer_rounded_row_scores_are_kept_as_written():
    form, _ = parse(total=(100, 100, 86, 10, "86%", 9))
    assert form.form.budget_self_score == 9


@pytest.mark.parametrize(("written", "amount"), [("1,234.50", "1234.50"), ("１２３．５", "123.5"), ("56.2万元", "56.2"),
                                                 ("562000元", "56.2")])
def test_numbers_as_text(written, amount):
    form, problems = parse(total=(written, written, written, 10, "100%", 10), appropriation=(None, None, None))
    assert form.form.budget_full_year == Decimal(amount) and problems == []


@pytest.mark.parametrize("rate", ["86%", 0.86, 86, "８６％"])
def test_execution_rate_in_every_spelling(rate):
    form, _ = parse(total=(100, 100, 86, 10, rate, 8.6))
    assert form.self_execution_rate == Decimal("0.86")


def test_unreadable_number_is_a_warning_at_its_cell_and_counts_as_blank():
    form, problems = parse(total=(100, "一百", 86, 10, "86%", 8.6), appropriation=(None, None, None))
    assert form.form.budget_full_year is None
    assert any(p.cell == "E6" and "一百" in p.message for p in problems)


def test_missing_project_name_rejects_the_sheet():
    form, problems = parse(project=None)
    assert form is None
    assert [(p.severity, p.cell) for p in problems if p.severity == ERROR] == [(ERROR, "A3")]


def test_missing_unit_rejects_unless_the_filler_line_names_it():
    rows = form_rows(unit=None)
    rows[1][0] = None  # no 填报单位 line either
    sheet = read_workbook(workbook_bytes({"表": rows}))[0]
    form, problems = parse_form("x.xlsx", sheet)
    assert form is None and any(p.severity == ERROR and "实施单位" in p.message for p in problems)
    form, _ = parse(unit=None)
    assert (form.unit_code, form.unit_name) == ("", "区市容环卫局")


def test_year_comes_from_the_title_or_the_default():
    sheet = read_workbook(form_bytes(title="项目支出绩效自评表"))[0]
    assert parse_form("x.xlsx", sheet)[0] is None
    assert parse_form("x.xlsx", sheet, default_year=2016)[0].year == 2016


@pytest.mark.parametrize(("text", "code", "name"), [
    ("219-某某镇人民政府", "219", "某某镇人民政府"), ("219001-龙康小学", "219001", "龙康小学"),
    ("区教育局", "", "区教育局"), ("2015年度-项目", "", "2015年度-项目")])
def test_unit_codes(text, code, name):
    assert split_unit(text) == (code, name)


def test_operator_and_unit_in_their_own_columns():
    rows = form_rows(indicators=[])
    header = rows[11]
    rows[11] = header[:4] + ["指标性质", "指标值", "度量单位", "完成值", "权重", "得分", "未完成原因分析"]
    rows.insert(12, [None, "产出指标", "数量指标", "道路面积", "≥", 50, "万平方米", 52, 45, 45, None])
    rows.insert(13, [None, "效益指标", "社会效益指标", "环境改善", None, "效果明显", None, "效果明显", 45, 45, None])
    rows[-1] = ["总分", None, None, None, None, None, None, None, 100, 98.6, None]
    sheet = read_workbook(workbook_bytes({"川": rows}))[0]
    form, problems = parse_form("sc.xlsx", sheet)
    first, second = form.form.indicators
    assert (first.target.op, first.target.number, first.target.unit) == ("≥", Decimal(50), "万平方米")
    assert (first.actual.number, first.weight, first.self_score) == (Decimal(52), 45, 45)
    assert second.target.text == "效果明显" and second.target.number is None
    assert problems == []


def _sheet(rows, name="表1"):
    return read_workbook(workbook_bytes({name: rows}))[0]


@pytest.mark.parametrize(("under", "sheet", "file", "expected"), [
    ("（2019年度）", "表1", "单位.xlsx", 2019),  # the usual MoF layout: the year on its own row
    ("(2021年)", "表1", "单位.xlsx", 2021),
    (None, "2020年道路清扫费", "单位.xlsx", 2020),  # only in the sheet name
    (None, "表1", "批次/2018年自评表.xlsx", 2018),  # only in the file name
])
def test_the_year_is_found_under_the_title_or_in_the_sheet_or_file_name(under, sheet, file, expected):
    rows = form_rows(title="项目支出绩效自评表")
    rows.insert(1, [under] + [None] * 8)
    form, problems = parse_form(file, _sheet(rows, sheet))
    assert form is not None and form.year == expected, problems
    assert not [p for p in problems if p.severity == ERROR]


def test_no_year_anywhere_says_where_it_looked_and_how_to_fix_it():
    form, problems = parse_form("单位.xlsx", _sheet(form_rows(title="项目支出绩效自评表")))
    assert form is None
    [error] = [p for p in problems if p.severity == ERROR]
    assert error.cell == "A1" and "标题下方" in error.message and "工作表名" in error.message and "--year" in error.message
    form, _ = parse_form("单位.xlsx", _sheet(form_rows(title="项目支出绩效自评表")), default_year=2017)
    assert form is not None and form.year == 2017


@pytest.mark.parametrize("label", ["项目实施单位", "资金使用单位", "单位名称"])
def test_other_labels_for_the_implementing_unit(label):
    rows = form_rows()
    rows[3][5] = label
    form, problems = parse_form("单位.xlsx", _sheet(rows))
    assert form is not None and (form.unit_code, form.unit_name) == ("101001", "区市容环卫局"), problems


def test_money_in_yuan_is_converted_to_wan_and_said_so():
    rows = form_rows(total=(1_000_000, 1_000_000, 862_000, 10, "86.2%", 8.62), appropriation=(1_000_000, 1_000_000, 862_000))
    rows[4][0] = "项目资金（元）"
    rows[1][8] = "单位：元"
    form, problems = parse_form("单位.xlsx", _sheet(rows))
    assert form is not None
    assert (form.form.budget_full_year, form.form.executed) == (Decimal(100), Decimal("86.2"))
    assert form.fund_rows["appropriation"]["executed"] == Decimal("86.2")
    assert [p.message for p in problems] == ["金额单位为元（“单位:元”），已换算为万元"]
    untouched, problems = parse_form("单位.xlsx", _sheet(form_rows()))
    assert untouched.form.budget_full_year == Decimal(100) and problems == []


def test_other_labels_of_the_money_table_and_the_total():
    """DOMAIN.md §2.9: 总额 for 年度资金总额, 预算数(A) / 执行数(B), 权重 for 分值, 自评分 for 得分, 合计 for 总分."""
    rows = form_rows()
    rows[4][3:9] = ["年初预算数", "预算数(A)", "执行数(B)", "权重", "执行率", "自评分"]
    rows[5][2] = "年度财政资金总额"
    rows[11][6:8] = ["权重", "自评分"]
    rows[-1][0] = "合计"
    form, problems = parse_form("单位.xlsx", _sheet(rows))
    assert form is not None and problems == [], problems
    f = form.form
    assert (f.budget_full_year, f.executed, f.budget_weight, f.budget_self_score) == (100, 86, 10, Decimal("8.6"))
    assert [i.weight for i in f.indicators] == [20, 15, 5, 10, 30, 10] and f.self_total == Decimal("98.6")


def test_a_second_header_row_splits_the_target_into_kind_value_and_unit():
    """DOMAIN.md §2.10 (云南 2022): 年度指标值 over 指标性质 | 指标值 | 度量单位 on a second header row."""
    rows = [row + [None] * 3 for row in form_rows()]
    header = rows[11]
    rows[11] = [None, "一级指标", "二级指标", "三级指标", "年度指标值", None, None, "实际完成值", "分值", "得分",
                "偏差原因分析及改进措施", None]
    rows.insert(12, [None, None, None, None, "指标性质", "指标值", "度量单位", None, None, None, None, None])
    indicators = [("产出指标", "数量指标", "学生受资助人数", "≧", "735", "人次", "735", 50, 50),
                  ("效益指标", "社会效益指标", "营养改善", "定性", "效果明显", None, "效果明显", 30, 30),
                  ("满意度指标", "服务对象满意度指标", "家长满意度", "≥", "90", "%", "95%", 10, 10)]
    body = [[None, *row, None, None] for row in indicators]
    total = rows[-1]
    rows = rows[:13] + body + [total]
    assert header[3] == "三级指标"
    form, problems = parse_form("单位.xlsx", _sheet(rows))
    assert form is not None, problems
    first = form.form.indicators[0]
    assert (first.name, first.target.op, first.target.number, first.target.unit) == ("学生受资助人数", "≥", 735, "人次")
    assert [i.name for i in form.form.indicators] == ["学生受资助人数", "营养改善", "家长满意度"]
    assert form.form.indicators[2].actual.number == 95
    assert form.form.indicators[1].target.text == "效果明显"  # 指标性质 定性 adds no operator


def test_footer_rows_below_a_form_without_a_total_are_never_indicators():
    rows = form_rows()[:-1]  # no 总分 row
    rows += [["项目负责人：张三", None, None, None, "财务负责人：李四"], ["填表人：王五", None, None, None, "联系电话：12345678"]]
    form, problems = parse_form("单位.xlsx", _sheet(rows))
    assert form is not None and len(form.form.indicators) == 6
    assert not any("张三" in i.name or "联系电话" in i.name for i in form.form.indicators)
    assert not any("三级指标名称为空" in p.message for p in problems)
