"""Whatever a sheet holds, reading it gives a form or problems, never an exception."""

import io

import openpyxl
from hypothesis import given, settings
from hypothesis import strategies as st

from etl.load import SourceFile, parse_source

LABELS = ["项目支出绩效自评表（2015年度）", "项目名称", "主管部门", "实施单位", "年初预算数", "全年预算数",
          "全年执行数", "分值", "执行率", "得分", "年度资金总额", "其中：当年财政拨款", "上年结转资金", "其他资金",
          "预期目标", "实际完成情况", "一级指标", "二级指标", "三级指标", "年度指标值", "实际完成值",
          "偏差原因分析及改进措施", "总分", "产出指标(50分)", "≥95%", "≤10天", "=0起", "效果明显", "指标1", "……",
          "1,234.5", "１２３", "562000元", "—", "无", "NaN", "-1", "1e9", "219001-龙康小学"]
cell = st.one_of(st.none(), st.sampled_from(LABELS), st.text(st.characters(exclude_categories=("Cc", "Cs")), max_size=8),
                 st.floats(allow_nan=False, allow_infinity=False), st.integers(-10**12, 10**12))


@settings(max_examples=60, deadline=None)
@given(st.lists(st.lists(cell, min_size=0, max_size=10), min_size=0, max_size=30))
def test_any_grid_reads_without_exception(rows):
    wb = openpyxl.Workbook()
    for r, row in enumerate(rows, start=1):
        for c, value in enumerate(row, start=1):
            if value is not None:
                wb.active.cell(r, c, value)
    buf = io.BytesIO()
    wb.save(buf)
    parsed = parse_source(SourceFile("随机.xlsx", buf.getvalue()))
    assert parsed.ok or any(p.severity == "错误" for p in parsed.problems)
    for problem in parsed.problems:
        assert problem.file == "随机.xlsx" and problem.message
