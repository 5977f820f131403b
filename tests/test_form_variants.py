"""DOMAIN.md §2 items 9–13, each on its own small workbook: the Sichuan 510000_0013zp form in full, several forms
stacked in one sheet, weights only in the level labels, `/` and `无` as not applicable, dates, statement rows."""

from decimal import Decimal

from etl.form import parse_form, parse_sheet
from etl.reader import read_workbook
from rubrics.model import UNIT_DATE
from tests.conftest import form_rows, workbook_bytes

SICHUAN_MERGES = ["A2:K2", "B3:K3", "B4:E4", "G4:K4", "A5:A9", "A10:A12"]


def sichuan_rows(project: str = "51092324T000010263357-2023年全县安可替代补助资金项目",
                 indicators: list[tuple] | None = None, total: tuple = (100, 98)) -> list[list[object]]:
    """A 四川 部门预算项目支出绩效自评表 (报表编号 510000_0013zp) as published, columns A–K."""
    if indicators is None:
        indicators = [
            ("产出指标", "数量指标", "购置安可电脑", "≥", "13", "台", "13台", 30, 30, ""),
            ("产出指标", "经济成本指标", "成本控制数", "≤", "3.36", "万元", "3.36", 30, 30, ""),
            ("效益指标", "社会效益指标", "办公效率", "定性", "有效提升", None, "有效提升", 20, 18, ""),
            ("满意度指标", "服务对象满意度指标", "使用人员满意度", "≥", "90", "%", "95%", 10, 10, ""),
        ]
    rows: list[list[object]] = [
        ["报表编号:510000_0013zp"] + [None] * 10,
        ["部门预算项目支出绩效自评表(2023年度)"] + [None] * 10,
        ["项目名称", project] + [None] * 9,
        ["主管部门", "大英县司法局部门", None, None, None, "实施单位 (盖章)", "大英县司法局"] + [None] * 4,
        ["预算执行情况(10分)", "年度预算数(万元)", "年初预算", "调整后预算数", "预算执行数", "预算执行率", "权重", "得分",
         "原因", None, None],
        [None, "总额", 0, 3.36, 3.36, "100.00%", 10, 10, "1.预算执行率=预算执行数/调整后预算数……", None, None],
        [None, "其中:财政资金", 0, 3.36, 3.36, "100.00%", "/", "/", None, None, None],
        [None, "财政专户管理资金", 0, 0, 0, "0.00%", "/", "/", None, None, None],
        [None, "单位资金", 0, 0, 0, "0.00%", "/", "/", None, None, None],
        ["项目基本情况", "1.项目年度目标完成情况", "项目年度目标", None, None, None, "年度目标完成情况"] + [None] * 4,
        [None, None, "根据要求购买安可设备，并完成项目资金支付。", None, None, None, "完成"] + [None] * 4,
        [None, "2.项目实施内容及过程概述", "2023年购买13台安可电脑，并于12月前完成资金支付。"] + [None] * 8,
        ["绩效指标(90分)", "一级指标", "二级指标", "三级指标", "指标性质", "指标值", "度量单位", "完成值", "权重", "得分",
         "未完成原因分析"],
    ]
    rows += [[None, *ind] for ind in indicators]
    rows += [
        ["合计", None, None, None, None, None, None, None, total[0], total[1], None],
        ["评价结论", "按要求完成设备购置和资金支付。"] + [None] * 9,
        ["存在问题", "无"] + [None] * 9,
        ["改进措施", "加强设备管理。"] + [None] * 9,
        ["项目负责人:（略）", None, None, None, None, "财务负责人:（略）"] + [None] * 5,
    ]
    return rows


def _sheet(rows: list[list[object]], merges: list[str] | None = None, name: str = "Sheet1"):
    return read_workbook(workbook_bytes({name: rows}, {name: merges or []}))[0]


def test_the_sichuan_form_in_full():
    """DOMAIN.md §2 second layout: 预算执行情况 with 调整后预算数 and 权重; 指标性质 | 指标值 | 度量单位 | 完成值 | 权重 on the
    header row itself; 合计; the 评价结论 / 存在问题 / 改进措施 footer kept as text, signatures never indicators."""
    form, problems = parse_form("大英县司法局.xlsx", _sheet(sichuan_rows(), SICHUAN_MERGES))
    assert form is not None, problems
    assert [p.message for p in problems] == []
    assert (form.year, form.department, form.unit_name) == (2023, "大英县司法局部门", "大英县司法局")
    f = form.form
    assert (f.budget_initial, f.budget_full_year, f.executed) == (0, Decimal("3.36"), Decimal("3.36"))
    assert (f.budget_weight, f.budget_self_score, form.self_execution_rate) == (10, 10, 1)
    assert set(form.fund_rows) == {"total", "appropriation", "special", "unit_funds"}
    assert [i.name for i in f.indicators] == ["购置安可电脑", "成本控制数", "办公效率", "使用人员满意度"]
    cost = f.indicators[1]
    assert (cost.level1, cost.target.op, cost.target.number, cost.target.unit, cost.weight) == (
        "产出指标", "≤", Decimal("3.36"), "万元", 30)
    assert f.indicators[2].target.text == "有效提升" and f.indicators[2].target.op is None
    assert f.self_total == 98
    assert form.goal_expected == "根据要求购买安可设备，并完成项目资金支付。" and form.goal_actual == "完成"
    assert form.remarks == (("2.项目实施内容及过程概述", "2023年购买13台安可电脑，并于12月前完成资金支付。"),
                            ("评价结论", "按要求完成设备购置和资金支付。"), ("存在问题", "无"), ("改进措施", "加强设备管理。"))
    fields = {found.field: found for found in form.recognition}
    assert fields["实施单位"].cell == "G4" and "实施单位(盖章)" in fields["实施单位"].how
    assert fields["资金表列：全年预算数"].value == "调整后预算数"
    assert fields["资金行：年度资金总额"].cell == "B6"


def test_several_forms_stacked_in_one_sheet_are_each_read():
    """DOMAIN.md §2.13: 决算公开 documents put form after form in one sheet, each with its own title and footer."""
    first = sichuan_rows()
    second = sichuan_rows(project="51092324T000010263999-2023年法律援助经费", total=(100, 100))
    second[15][8] = 18  # 办公效率 scored 18 → the second form's rows differ from the first's
    rows = first + [[None] * 11] + second
    offset = len(first) + 1
    merges = SICHUAN_MERGES + [_shift(m, offset) for m in SICHUAN_MERGES]
    forms, problems = parse_sheet("公开表.xlsx", _sheet(rows, merges))
    assert [f.project_name for f in forms] == ["51092324T000010263357-2023年全县安可替代补助资金项目",
                                               "51092324T000010263999-2023年法律援助经费"]
    assert [p for p in problems if p.severity == "错误"] == []
    assert [f.form.self_total for f in forms] == [98, 100]
    assert all(len(f.form.indicators) == 4 for f in forms)
    assert forms[1].form.indicators[0].ref == f"第{offset + 14}行（D{offset + 14}）"


def _shift(merge: str, rows: int) -> str:
    import re
    return re.sub(r"\d+", lambda m: str(int(m.group()) + rows), merge)


def test_weights_only_in_the_level_labels_and_a_budget_row_worth_20():
    """DOMAIN.md §2.12 (云南): no 分值 column; 产出指标(60分) / 效益指标(10分) / 满意度指标(10分); 预算执行情况(20分)."""
    rows = [
        ["2022年度项目支出绩效自评表"] + [None] * 7,
        ["项目名称", None, "春节走访慰问经费"] + [None] * 5,
        ["主管部门", None, "保山市退役军人事务局", None, "实施单位", "保山市退役军人事务局", None, None],
        ["预算执行情况(万元)(20分)", None, None, "预算数(A)", "执行数(B)", "执行率(B/A)", "得分(20分*执行率)", None],
        [None, None, "年度财政资金总额", 34.64, 34.64, "100%", 20, None],
        ["年度绩效目标(80分)", "一级指标", "二级指标", "三级指标", "年初目标值(A)", "实际完成值(B)", "得分", None],
        [None, "产出指标(60分)", "数量指标", "慰问对象人数", "100%", "100%", 20, None],
        [None, None, "质量指标", "补助经费足额拨付率", "100%", "100%", 20, None],
        [None, None, "时效指标", "春节前完成走访慰问", "按时限完成", "100%", 20, None],
        [None, "效益指标(10分)", "社会效益指标", "年内无群体性事件发生", "小于5次", "无上访", 10, None],
        [None, "满意度指标(10分)", "服务对象满意度指标", "满意率", "100%", "100%", 10, None],
        ["总分", None, None, None, None, None, 100, None],
    ]
    form, problems = parse_form("保山.xlsx", _sheet(rows, ["A4:C4", "A6:A11", "B7:B9"]))
    assert form is not None, problems
    f = form.form
    assert f.budget_weight == 20 and f.budget_full_year == Decimal("34.64")
    assert f.level_weights == (("产出指标", 60), ("效益指标", 10), ("满意度指标", 10))
    assert [i.weight for i in f.indicators] == [None] * 5
    assert [i.level1 for i in f.indicators] == ["产出指标"] * 3 + ["效益指标", "满意度指标"]
    calm = f.indicators[3]
    assert (calm.target.op, calm.target.number, calm.actual.number) == ("≤", 5, 0)
    assert [p.message for p in problems if "分值" in p.message] == [p.message for p in problems if "缺少列" in p.message]


def test_not_applicable_rows_are_kept_and_marked():
    """DOMAIN.md §2.11: `/` or `无` for not applicable — the row is shown, left out of scoring, and said so."""
    indicators = [
        ("产出指标", "数量指标", "清扫道路面积", "≥50万平方米", "52万平方米", 50, 50, ""),
        ("效益指标", "生态效益指标", "指标1:/", "/", "/", None, None, ""),
        ("效益指标", "社会效益指标", "市容环境改善", "无", "无", None, None, ""),
        ("效益指标", "社会效益指标", "群众投诉", "≤5次", "/", 30, 30, ""),
        ("满意度指标", "服务对象满意度指标", "群众满意度", "≥90%", "92%", 10, 10, ""),
    ]
    form, problems = parse_form("单位.xlsx", _sheet(form_rows(indicators=indicators)))
    assert form is not None
    rows = form.form.indicators
    assert [i.not_applicable for i in rows] == [False, True, True, False, False]
    assert rows[1].name == "生态效益指标（不适用）" and rows[2].name == "市容环境改善"
    messages = [p.message for p in problems]
    assert "“生态效益指标（不适用）”写作“/”，按不适用处理：该行不计分，其分值不计入合计" in messages
    assert "“群众投诉”的实际完成值写作“/”，该表按未完成处理" in messages  # a real target answered by `/` is not done
    assert rows[3].actual is None


def test_dates_against_dates_and_actuals_written_with_an_operator():
    indicators = [
        ("产出指标", "时效指标", "项目完工时限", "2023年12月", "2023年10月", 15, 15, ""),
        ("产出指标", "数量指标", "安装坡面水标尺", "≥266米", "≥266米", 35, 35, ""),
        ("效益指标", "社会效益指标", "安全事故", "＝0起", "未发生安全事故", 30, 30, ""),
        ("满意度指标", "服务对象满意度指标", "群众满意度", "≥90%", "92%", 10, 10, ""),
    ]
    form, problems = parse_form("单位.xlsx", _sheet(form_rows(indicators=indicators)))
    assert form is not None and problems == []
    deadline, length, accidents = form.form.indicators[:3]
    assert (deadline.target.unit, deadline.target.number, deadline.target.op) == (UNIT_DATE, 20231231, "≤")
    assert (deadline.actual.unit, deadline.actual.number) == (UNIT_DATE, 20231031)
    assert (length.actual.number, length.actual.unit) == (266, "米")
    assert accidents.actual.number == 0


def test_a_row_with_neither_target_nor_actual_but_a_score_is_unverifiable_not_incomplete():
    """The 天长 form states six targets only in the indicator names (`年度资金支付完成率100%`), scores filled."""
    indicators = [
        ("产出指标", "数量指标", "清扫道路面积", "≥50万平方米", "52万平方米", 50, 50, ""),
        ("效益指标", "社会效益指标", "指标1:保护全市人口财产不受损失", None, None, 30, 30, ""),
        ("满意度指标", "服务对象满意度指标", "群众满意度", "≥90%", "92%", 10, 10, ""),
    ]
    form, problems = parse_form("单位.xlsx", _sheet(form_rows(indicators=indicators)))
    assert form is not None
    row = form.form.indicators[1]
    assert (row.name, row.target.text, row.actual.text, row.self_score) == ("保护全市人口财产不受损失", "", "", 30)
    assert any("完成情况无法核实" in p.message and p.cell == "D14" for p in problems)


def test_a_level_cell_showing_only_its_points_takes_the_level_from_the_second_level():
    """天长: the 一级指标 cells read `(50分)` and `(30分)`; 数量指标 belongs to 产出指标, 经济效益指标 to 效益指标."""
    indicators = [
        ("(50分)", "数量指标", "完成改造项目数量", "1", "1", 50, 50, ""),
        ("(30分)", "经济效益指标", "全市安全度汛", "效果明显", "效果明显", 30, 30, ""),
        ("满意度指标(10分)", "服务对象满意度指标", "服务对象满意度", "90%", "100%", 10, 10, ""),
    ]
    form, _ = parse_form("单位.xlsx", _sheet(form_rows(indicators=indicators)))
    assert form is not None
    assert [i.level1 for i in form.form.indicators] == ["产出指标", "效益指标", "满意度指标"]
    assert form.form.level_weights == (("产出指标", 50), ("效益指标", 30), ("满意度指标", 10))


def test_stacked_forms_with_level_weights_and_not_applicable_rows_are_stored_whole(fresh_db):
    """Through the real load path: both stacked forms stored; every new engine input (level weights, not-applicable
    rows, dates) rebuilt from the store equals the one parsed from the file; the remarks are kept as text."""
    from etl.load import LOADED_WITH_WARNINGS, SourceFile, check, commit
    from etl.scoring import form_input
    from store import queries

    first = sichuan_rows(indicators=[
        ("产出指标(60分)", "时效指标", "完工时限", None, "2023年12月", None, "2023年10月", 60, 60, ""),
        ("效益指标(20分)", "生态效益指标", "/", None, "/", None, "/", None, None, ""),
        ("效益指标(20分)", "社会效益指标", "办公效率", "定性", "有效提升", None, "有效提升", 20, 18, ""),
        ("满意度指标(10分)", "服务对象满意度指标", "使用人员满意度", "≥", "90", "%", "95%", 10, 10, ""),
    ])
    second = sichuan_rows(project="2023年法律援助经费", total=(100, 100))
    data = workbook_bytes({"公开表": first + [[None] * 11] + second})
    checked = check(SourceFile("公开表.xlsx", data))
    assert checked.ok and len(checked.forms) == 2, checked.problems
    [report] = commit(fresh_db, [checked])
    assert (report.status, report.forms) == (LOADED_WITH_WARNINGS, 2)  # the `/` row is said to be not applicable
    stored = queries.stored_forms(fresh_db.cursor())
    assert [form_input(s) for s in stored] == [f.form for f in checked.forms]
    parsed = checked.forms[0].form
    assert parsed.level_weights == (("产出指标", 60), ("效益指标", 20), ("满意度指标", 10))
    assert [i.not_applicable for i in parsed.indicators] == [False, True, False, False]
    assert parsed.indicators[0].target.is_date
    remarks = fresh_db.execute("SELECT label, text FROM form_remarks WHERE seq = 2 ORDER BY form_id").fetchall()
    assert remarks == [("评价结论", "按要求完成设备购置和资金支付。")] * 2
