"""The real published forms rebuilt by tests/realforms.py: valid workbooks that keep what the pages print —
title rows, labels, money unit, indicator names and targets, merges, placeholders, footers — and no
personal data. (What the importer makes of them is tested elsewhere.)"""

from __future__ import annotations

import io
import re

import openpyxl
import pytest
from openpyxl.worksheet.worksheet import Worksheet

from tests.realforms import EXPECTED, FORMS, build, load, write_all

MOBILE = re.compile(r"(?<!\d)1[3-9]\d{9}(?!\d)")
LANDLINE = re.compile(r"(?<!\d)0\d{2,3}-?\d{7,8}(?!\d)")

SHEET_NAMES = {"yongde_2022_yingyang": "公开14表"}  # the others are "Sheet1"

TITLE_ROWS = {  # the rows above the table, their non-blank cells
    "tianchang_2022_shuihan": [["项目支出绩效自评表"], ["（2022年度）"]],
    "lincang_linxiang_2023_shourongsuo": [["项目支出绩效自评表"], ["（ 2023年度）"]],
    "yongde_2022_yingyang": [["2022年度项目支出绩效自评表"], ["部门:临沧市永德县明朗中学", "公开14表"]],
    "zhongjiang_2022_shuibiaochi": [["绩效目标自评表（2022年度）"]],
    "baoshan_2022_chunjie_weiwen": [["附件1"], ["2022年度项目支出绩效自评表"],
                                    ["单位名称:保山市退役军人事务局", "填报日期:2023年4月6日"]],
}

MONEY_LABELS = {
    "tianchang_2022_shuihan": "项目资金（万元）",
    "lincang_linxiang_2023_shourongsuo": "项目资金（万元）",
    "yongde_2022_yingyang": "项目资金（元）",
    "zhongjiang_2022_shuibiaochi": "资金情况（万元）",
    "baoshan_2022_chunjie_weiwen": "预算执行情况(万元)(20分)",
}

UNIT_LABELS = {"baoshan_2022_chunjie_weiwen": "项目实施单位"}  # the others print 实施单位

# The budget row as printed: label, then its cells from 年初预算数 (or the first budget column) on.
BUDGET_ROWS = {
    "tianchang_2022_shuihan": ("年度资金总额:", [880, 880, 880, 10, None, 10]),
    "lincang_linxiang_2023_shourongsuo": ("年度资金总额", [None, 32.4, 31.69, 10, "97.80%", 9]),
    "yongde_2022_yingyang": ("年度资金总额", [None, 387664.62, 387664.62, 10, "100%", 10]),
    "zhongjiang_2022_shuibiaochi": ("年度资金总额:", [20, 20, 10, "100.00%", 10]),
    "baoshan_2022_chunjie_weiwen": ("年度财政资金总额", [34.64, 34.64, "100%", 20]),
}

# Merged ranges read off the published pages: title across the table, label cells over two columns, the
# money label down its block, 一级/二级 labels down their rows, the split header of 永德, the 总分 label.
MERGES = {
    "tianchang_2022_shuihan": ["A1:I1", "A2:I2", "A3:B3", "C3:I3", "A4:B4", "A5:B9", "A10:A11", "A12:A39",
                               "B13:B24", "B25:B36", "B37:B39", "C13:C15", "C31:C33", "A40:F40"],
    "lincang_linxiang_2023_shourongsuo": ["A1:I1", "A2:I2", "A3:B3", "A4:B4", "A5:B7", "A8:A9", "A10:A18",
                                          "B11:B14", "B15:B17"],
    "yongde_2022_yingyang": ["A1:J1", "B3:J3", "A5:A9", "A10:A11", "A12:C12", "D12:F12", "G12:G13", "H12:H13",
                             "I12:I13", "J12:J13", "A14:A17", "A18:A21", "A22:A23", "B22:B23", "A25:G25"],
    "zhongjiang_2022_shuibiaochi": ["A1:I1", "A2:B2", "A4:B7", "A8:A9", "A10:A21", "B11:B16", "B17:B19",
                                    "B20:B21", "C11:C12", "C14:C15", "C18:C19", "C20:C21", "A22:D22"],
    "baoshan_2022_chunjie_weiwen": ["A2:G2", "B4:G4", "A8:A9", "A10:A18", "B11:B14", "B15:B16", "B17:B18",
                                    "A22:G22"],
}

TARGET_HEADERS = ("年度指标值", "年初目标值(A)")
ACTUAL_HEADERS = ("实际完成值", "实际完成值(B)", "全年实际值")
PLACEHOLDER = re.compile(r"指标\d+:|……")
PLAIN_NUMBER = re.compile(r"-?\d+(?:\.\d+)?")


@pytest.fixture(scope="module")
def sheets() -> dict[str, Worksheet]:
    """Each form built once and read back."""
    out = {}
    for fid in FORMS:
        ws = openpyxl.load_workbook(io.BytesIO(build(fid))).active
        assert isinstance(ws, Worksheet)
        out[fid] = ws
    return out


def _text(value: object) -> str | None:
    """A cell value as the JSON spells it ("1", "387664.62", "≥90%"); None for a blank cell. A plain number
    must be stored as a number, anything with an operator, unit or % sign as text."""
    if isinstance(value, str):
        assert not PLAIN_NUMBER.fullmatch(value), f"{value!r} is a plain number stored as text"
    return None if value is None else str(value)


def _rows(ws: Worksheet) -> list[list[object]]:
    return [[c.value for c in row] for row in ws.iter_rows()]


def _find(ws: Worksheet, value: object) -> list[tuple[int, int]]:
    return [(c.row, c.column) for row in ws.iter_rows() for c in row if c.value == value]


def _after(ws: Worksheet, row: int, col: int) -> int:
    """The column after (row, col) and any merge it heads."""
    return 1 + max([rng.max_col for rng in ws.merged_cells.ranges if (rng.min_row, rng.min_col) == (row, col)],
                   default=col)


def _right_of(ws: Worksheet, row: int, col: int) -> object:
    """The value of the cell after (row, col) and any merge it heads."""
    return ws.cell(row, _after(ws, row, col)).value


def _header(ws: Worksheet) -> tuple[int, dict[str, int]]:
    """The indicator table's header row (the last one holding 三级指标) and its columns by label."""
    row = max(r for r, _ in _find(ws, "三级指标"))
    cols: dict[str, int] = {}
    for r in {row - 1, row}:
        for c in range(1, ws.max_column + 1):
            value = ws.cell(r, c).value
            if isinstance(value, str):
                cols.setdefault(value, c)
    return row, cols


def _col(cols: dict[str, int], names: tuple[str, ...]) -> int:
    return next(cols[n] for n in names if n in cols)


def _table_rows(ws: Worksheet) -> range:
    """Rows of the indicator table: from under its header to before the 总分 row (or the sheet's end)."""
    head, _ = _header(ws)
    end = next((r for r in range(head + 1, ws.max_row + 1)
                if str(ws.cell(r, 1).value or "").startswith("总分") or ws.cell(r, 1).value == "其他需要说明事项"),
               ws.max_row + 1)
    return range(head + 1, end)


@pytest.mark.parametrize("fid", FORMS)
def test_each_build_is_an_xlsx_openpyxl_reads(fid):
    data = build(fid)
    assert data[:2] == b"PK"
    wb = openpyxl.load_workbook(io.BytesIO(data))
    assert wb.sheetnames == [SHEET_NAMES.get(fid, "Sheet1")]
    ws = wb.active
    assert all(ws.column_dimensions[openpyxl.utils.get_column_letter(c)].width >= 6
               for c in range(1, ws.max_column + 1))


@pytest.mark.parametrize("fid", FORMS)
def test_title_rows_as_printed_with_the_year(fid, sheets):
    ws = sheets[fid]
    rows = _rows(ws)
    expected = TITLE_ROWS[fid]
    assert [[v for v in row if v is not None] for row in rows[:len(expected)]] == expected
    assert rows[len(expected)][0] == "项目名称"  # the table starts right under the title block
    assert any(f"{EXPECTED[fid]['year']}年度" in v for row in expected for v in row)
    title = next(i for i, row in enumerate(expected, start=1) if "自评表" in row[0])
    width = openpyxl.utils.get_column_letter(ws.max_column)
    assert f"A{title}:{width}{title}" in {str(r) for r in ws.merged_cells.ranges}  # across the whole table


@pytest.mark.parametrize("fid", FORMS)
def test_project_department_and_unit_beside_their_labels(fid, sheets):
    ws = sheets[fid]
    exp = EXPECTED[fid]
    [(r, c)] = _find(ws, "项目名称")
    assert _right_of(ws, r, c) == exp["project_name"]
    [(r, c)] = _find(ws, "主管部门")
    assert _right_of(ws, r, c) == exp["department"]
    [(r, c)] = _find(ws, UNIT_LABELS.get(fid, "实施单位"))
    assert _right_of(ws, r, c) == exp["unit"]


@pytest.mark.parametrize("fid", FORMS)
def test_money_unit_and_budget_row_as_printed(fid, sheets):
    ws = sheets[fid]
    label = MONEY_LABELS[fid]
    assert _find(ws, label)
    assert f"（{EXPECTED[fid]['money_unit']}）" in label or f"({EXPECTED[fid]['money_unit']})" in label
    row_label, values = BUDGET_ROWS[fid]
    [(r, c)] = _find(ws, row_label)
    start = _after(ws, r, c)  # the budget cells start right after the (merged) row label
    assert [ws.cell(r, k).value for k in range(start, start + len(values))] == values
    assert all(isinstance(v, str) for v in values if not isinstance(v, int | float) and v is not None)


@pytest.mark.parametrize("fid", FORMS)
def test_indicator_names_targets_and_scores_round_trip(fid, sheets):
    ws = sheets[fid]
    head, cols = _header(ws)
    name_col = cols["三级指标"]
    for ind in load(fid)["indicators"]:
        [(r, c)] = [(r, c) for r, c in _find(ws, ind["三级指标"]) if c == name_col and r > head]
        if "指标性质" in cols:  # 永德: the target in three cells
            got = [_text(ws.cell(r, cols[k]).value) for k in ("指标性质", "指标值", "度量单位")]
            assert got == [ind["指标性质"], ind["指标值"], ind["度量单位"]]
        else:
            assert _text(ws.cell(r, _col(cols, TARGET_HEADERS)).value) == ind["年度指标值"]
        assert _text(ws.cell(r, _col(cols, ACTUAL_HEADERS)).value) == ind["实际完成值"]
        assert ws.cell(r, cols["得分"]).value == ind["得分"]
        if "分值" in cols:
            assert ws.cell(r, cols["分值"]).value == ind["分值"]


@pytest.mark.parametrize("fid", FORMS)
def test_named_indicator_rows_in_page_order(fid, sheets):
    ws = sheets[fid]
    _, cols = _header(ws)
    names = [ws.cell(r, cols["三级指标"]).value for r in _table_rows(ws)]
    named = tuple(n for n in names if isinstance(n, str) and not PLACEHOLDER.fullmatch(n))
    assert named == EXPECTED[fid]["indicator_names"]
    assert len(named) == EXPECTED[fid]["indicator_rows"]


@pytest.mark.parametrize("fid", FORMS)
def test_merges_as_the_page_merges_them(fid, sheets):
    merged = {str(r) for r in sheets[fid].merged_cells.ranges}
    assert set(MERGES[fid]) <= merged


def test_column_order_and_split_headers(sheets):
    _, cols = _header(sheets["zhongjiang_2022_shuibiaochi"])
    assert cols["分值"] < cols["年度指标值"] < cols["全年实际值"] < cols["得分"] < cols["未完成原因及拟采取的改进措施"]
    head, cols = _header(sheets["yongde_2022_yingyang"])
    ws = sheets["yongde_2022_yingyang"]
    assert [ws.cell(head - 1, c).value for c in (1, 4, 7)] == ["绩效指标", "年度指标值", "实际完成值"]
    assert [ws.cell(head, c).value for c in range(1, 7)] == ["一级指标", "二级指标", "三级指标", "指标性质", "指标值",
                                                             "度量单位"]
    _, cols = _header(sheets["baoshan_2022_chunjie_weiwen"])
    assert "分值" not in cols and "年初目标值(A)" in cols
    ws = sheets["baoshan_2022_chunjie_weiwen"]
    assert _find(ws, "年度绩效目标(80分)") and _find(ws, "产出指标(60分)") and _find(ws, "效益指标(10分)")


def test_placeholder_and_empty_level_rows_where_the_pages_have_them(sheets):
    ws = sheets["tianchang_2022_shuihan"]
    assert len(_find(ws, "指标2:")) == 8 and len(_find(ws, "……")) == 9
    ws = sheets["zhongjiang_2022_shuibiaochi"]
    [(r, c)] = _find(ws, "经济效益指标")
    assert all(ws.cell(r, k).value is None for k in range(c + 1, ws.max_column + 1))
    assert _find(ws, "……")
    ws = sheets["yongde_2022_yingyang"]
    [(r, c)] = _find(ws, "生态效益指标")
    assert all(ws.cell(r, k).value is None for k in range(c + 1, ws.max_column + 1))
    ws = sheets["baoshan_2022_chunjie_weiwen"]
    empty = [r for r in _table_rows(ws) if all(ws.cell(r, k).value is None for k in range(2, ws.max_column + 1))]
    assert len(empty) == 3


def test_not_applicable_row_keeps_its_slashes(sheets):
    ws = sheets["tianchang_2022_shuihan"]
    _, cols = _header(ws)
    [(r, _)] = _find(ws, "指标1:/")
    assert [ws.cell(r, cols[k]).value for k in ("年度指标值", "实际完成值", "分值", "得分")] == ["/", "/", None, None]
    assert EXPECTED["tianchang_2022_shuihan"]["not_applicable"] == ("指标1:/",)


@pytest.mark.parametrize("fid", [f for f in FORMS if EXPECTED[f]["complete"]])
def test_total_row_shows_the_units_own_total(fid, sheets):
    ws = sheets[fid]
    [row] = [r for r in _rows(ws) if str(r[0] or "").startswith("总分")]
    assert EXPECTED[fid]["self_total"] in row[1:]


def test_footers_as_printed(sheets):
    ws = sheets["yongde_2022_yingyang"]
    assert [v for v in _rows(ws)[-1] if v is not None] == ["总分", 100, 96, "优"]
    assert [v for v in _rows(ws)[-2] if v is not None] == ["其他需要说明事项", "无"]
    ws = sheets["baoshan_2022_chunjie_weiwen"]
    tail = [[v for v in row if v is not None] for row in _rows(ws)[-4:]]
    assert tail[:3] == [["总分(100分)", 100, "自评等级", "优"], ["偏差大或目标未完成原因分析", "无"],
                        ["改进措施及结果应用方案", "无"]]
    assert str(tail[3][0]).startswith("备注:1.预算执行情况口径")
    for fid in ("tianchang_2022_shuihan", "zhongjiang_2022_shuibiaochi"):
        last = [v for v in _rows(sheets[fid])[-1] if v is not None]
        assert len(last) == 1 and str(last[0]).startswith("注:1.一级指标分值统一设置为") and "[excerpt" not in last[0]


def test_the_truncated_page_ends_at_the_satisfaction_row_name(sheets):
    ws = sheets["lincang_linxiang_2023_shourongsuo"]
    last = [v for v in _rows(ws)[-1] if v is not None]
    assert last == ["满意度指标", "服务对象满意度指标", "受益农户满意度"]
    assert not [v for row in _rows(ws) for v in row if isinstance(v, str) and v.startswith(("总分", "合计"))]
    assert EXPECTED["lincang_linxiang_2023_shourongsuo"]["total"] is None
    assert EXPECTED["lincang_linxiang_2023_shourongsuo"]["self_total"] is None


def test_blank_cells_stay_blank(sheets):
    ws = sheets["tianchang_2022_shuihan"]
    [(r, c)] = _find(ws, "主管部门")
    assert _right_of(ws, r, c) is None  # no 主管部门 on the page
    [(r, c)] = _find(ws, "执行率(B/A)")
    assert ws.cell(r + 1, c).value is None  # 执行率 left blank on the 年度资金总额 row


@pytest.mark.parametrize("fid", FORMS)
def test_no_cell_holds_a_phone_number(fid, sheets):
    texts = [str(v) for row in _rows(sheets[fid]) for v in row if v is not None]
    assert not [t for t in texts if MOBILE.search(t) or LANDLINE.search(t)]


def test_the_phone_check_can_fail_and_the_leader_is_redacted(sheets):
    assert MOBILE.search("联系电话:13912345678") and LANDLINE.search("电话 010-12345678")
    assert not MOBILE.search("387664.62") and not LANDLINE.search("2023年12月")
    ws = sheets["zhongjiang_2022_shuibiaochi"]
    [(r, c)] = _find(ws, "项目负责人及电话")
    assert _right_of(ws, r, c) == "（略）"


def test_expected_follows_the_checks():
    assert {f: (e["total"], e["self_total"]) for f, e in EXPECTED.items()} == {
        "tianchang_2022_shuihan": (100, 100),
        "lincang_linxiang_2023_shourongsuo": (None, None),
        "yongde_2022_yingyang": (99.8, 96),
        "zhongjiang_2022_shuibiaochi": (100, 100),
        "baoshan_2022_chunjie_weiwen": (100, 100),
    }
    assert {f: e["indicator_rows"] for f, e in EXPECTED.items()} == {
        "tianchang_2022_shuihan": 10, "lincang_linxiang_2023_shourongsuo": 8, "yongde_2022_yingyang": 9,
        "zhongjiang_2022_shuibiaochi": 9, "baoshan_2022_chunjie_weiwen": 5}
    assert EXPECTED["lincang_linxiang_2023_shourongsuo"]["total_range"] == (89.78, 99.78)
    assert {f: e["money_unit"] for f, e in EXPECTED.items() if e["money_unit"] != "万元"} == {"yongde_2022_yingyang": "元"}
    for fid, exp in EXPECTED.items():
        data = load(fid)
        assert (exp["year"], exp["project_name"], exp["unit"], exp["department"]) == (
            data["year"], data["project_name"], data["unit"], data["department"])


def test_unknown_form_is_a_key_error():
    with pytest.raises(KeyError, match="known: tianchang"):
        build("nowhere_2022")


def test_write_all(tmp_path):
    paths = write_all(tmp_path)
    assert [p.stem for p in paths] == list(FORMS)
    assert all(openpyxl.load_workbook(p).active.max_row > 10 for p in paths)


def test_a_layout_that_would_lose_a_value_is_refused():
    from tests.realforms import _Sheet

    sheet = _Sheet("Sheet1", (10.0, 10.0))
    sheet.row((1, 2, "项目名称"))
    sheet.put(1, 2, "道路清扫费")
    with pytest.raises(ValueError, match="under another cell's merge"):
        sheet.workbook_bytes()
