"""Whatever a sheet holds, checking it gives forms or a rejection with reasons, never an exception; and what
the check accepts, the store takes: every accepted form lands, scored."""

import io

import openpyxl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from etl.load import LOADED, LOADED_WITH_WARNINGS, SourceFile, check, commit
from store import db

LABELS = ["项目支出绩效自评表（2015年度）", "项目名称", "主管部门", "实施单位", "年初预算数", "全年预算数",
          "全年执行数", "分值", "执行率", "得分", "年度资金总额", "其中：当年财政拨款", "上年结转资金", "其他资金",
          "预期目标", "实际完成情况", "一级指标", "二级指标", "三级指标", "年度指标值", "实际完成值",
          "偏差原因分析及改进措施", "总分", "产出指标(50分)", "≥95%", "≤10天", "=0起", "效果明显", "指标1", "……",
          "1,234.5", "１２３", "562000元", "—", "无", "NaN", "-1", "1e9", "219001-龙康小学"]
cell = st.one_of(st.none(), st.sampled_from(LABELS), st.text(st.characters(exclude_categories=("Cc", "Cs")), max_size=8),
                 st.floats(allow_nan=False, allow_infinity=False), st.integers(-10**12, 10**12))


@pytest.fixture(scope="module")
def fuzz_db(tmp_path_factory):
    con = db.open_db(tmp_path_factory.mktemp("fuzz") / "fuzz.duckdb")
    yield con
    con.close()


@settings(max_examples=60, deadline=None)
@given(st.lists(st.lists(cell, min_size=0, max_size=10), min_size=0, max_size=30))
def test_any_grid_is_accepted_and_stored_or_rejected_with_reasons(fuzz_db, rows):
    wb = openpyxl.Workbook()
    for r, row in enumerate(rows, start=1):
        for c, value in enumerate(row, start=1):
            if value is not None:
                wb.active.cell(r, c, value)
    buf = io.BytesIO()
    wb.save(buf)
    checked = check(SourceFile("随机.xlsx", buf.getvalue()))
    for problem in checked.problems:
        assert problem.file == "随机.xlsx" and problem.message
    forms_before = fuzz_db.execute("SELECT count(*) FROM forms").fetchone()[0]
    [report] = commit(fuzz_db, [checked])
    if not checked.ok:
        assert report.status == "已拒绝" and report.forms == 0
        assert fuzz_db.execute("SELECT count(*) FROM forms").fetchone()[0] == forms_before
        return
    assert checked.forms and all(f.project_name and f.unit_name and f.year for f in checked.forms)
    if report.status in (LOADED, LOADED_WITH_WARNINGS):
        stored = fuzz_db.execute("SELECT count(*) FROM forms").fetchone()[0] - forms_before
        assert stored == len(checked.forms) == report.forms
    else:  # the same cells twice in one run: recognised as unchanged, nothing written
        assert report.status == "未更改（此前已导入）", report.problems
