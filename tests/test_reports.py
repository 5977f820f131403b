"""Excel exports of tables."""

import io
from decimal import Decimal

import openpyxl
import pandas as pd

from present.tables import MONEY_FORMAT, PERCENT_FORMAT
from reports.tables import table_xlsx


def test_table_xlsx_keeps_numbers_formats_and_formula_text():
    frame = pd.DataFrame({
        "单位名称": ["=HYPERLINK(\"http://x\",\"点我\")", "区教育局"],
        "全年预算数（万元）": [Decimal("1234.5"), None],
        "执行率": [0.836, float("nan")],
        "疑点": [["自评分虚高", "执行率偏低"], []],
    })
    data = table_xlsx(frame, "单位得分", title="2015 年度单位得分（示例数据）",
                      formats={"全年预算数（万元）": MONEY_FORMAT, "执行率": PERCENT_FORMAT})
    ws = openpyxl.load_workbook(io.BytesIO(data)).active
    assert ws.title == "单位得分" and ws["A1"].value == "2015 年度单位得分（示例数据）"
    assert [c.value for c in ws[3]] == list(frame.columns)
    assert ws["A4"].value.startswith("=HYPERLINK") and ws["A4"].data_type == "s"
    assert ws["B4"].value == 1234.5 and ws["B4"].number_format == MONEY_FORMAT
    assert ws["C4"].number_format == PERCENT_FORMAT and ws["C5"].value is None and ws["B5"].value is None
    assert ws["D4"].value == "自评分虚高、执行率偏低"
    assert ws.freeze_panes == "A4"
