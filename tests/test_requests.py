"""Next year's requests (下年预算申报表, issue 10 part 1): the template, its reader's every bad-input class, the CLI, and
the sample years' request sheets as the sample build loads them."""

from __future__ import annotations

import io
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest

from etl import check_request_file, import_request_file, request_template
from etl.cli import EXIT_OK, EXIT_REJECTED, main
from etl.form import ERROR, WARNING
from etl.load import SYSTEM, load_uploads
from etl.requests import (
    COL_AMOUNT,
    COL_INDIVIDUAL,
    COL_PROJECT,
    FIRST_ROW,
    HEADERS,
    INSTRUCTIONS_SHEET,
    SHEET_NAME,
    read_requests,
)
from sampledata.paths import REQUEST_FILE, sample_dir
from store import cuts
from tests.conftest import form_bytes, form_rows, workbook_bytes

YEAR = 2015
NAME = "下年预算申报表_示例.xlsx"
# The units and projects the fresh database holds (unit code, unit name, department, project names).
UNITS = (("101001", "区市容环卫局", "区市容环卫局", ("垃圾清运费", "道路清扫费")),
         ("102001", "区教育局", "区教育局", ("免费教科书",)))
# Amounts written into the template, by (unit code, project or None) → (amount cell value, 是/否).
GOOD = {("101001", None): (500, None), ("101001", "垃圾清运费"): ("120.50", "否"), ("101001", "道路清扫费"): (300, "否"),
        ("102001", None): (80.25, None), ("102001", "免费教科书"): ("８０.２５", "是")}


@pytest.fixture
def con(fresh_db):
    """A database holding the 2015 forms of two units (three projects)."""
    for code, unit, department, projects in UNITS:
        sheets = {p: form_rows(project=p, unit=f"{code}-{unit}", department=department) for p in projects}
        reports = load_uploads(fresh_db, [(f"{code}_{unit}.xlsx", workbook_bytes(sheets))], SYSTEM)
        assert not any(r.rejected for r in reports), [r.line() for r in reports]
    return fresh_db


def _template(con, year: int = YEAR) -> openpyxl.Workbook:
    name, data = request_template(year, cuts.known(con, year))
    assert name.endswith(".xlsx") and str(year + 1) in name
    return openpyxl.load_workbook(io.BytesIO(data))


def _rows(ws) -> dict[tuple[str, str | None], int]:
    """(unit code, project or None) → row of the template sheet."""
    found = {}
    for row in range(FIRST_ROW, ws.max_row + 1):
        code = ws.cell(row, 1).value
        if code:
            found[(str(code), ws.cell(row, COL_PROJECT).value)] = row
    return found


def _filled(con, values=GOOD, change=None) -> bytes:
    """The template filled with `values`; `change(ws, rows)` edits it further."""
    wb = _template(con)
    ws = wb[SHEET_NAME]
    rows = _rows(ws)
    for key, (amount, individual) in values.items():
        ws.cell(rows[key], COL_AMOUNT).value = amount
        if individual is not None:
            ws.cell(rows[key], COL_INDIVIDUAL).value = individual
    if change is not None:
        change(ws, rows)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def _stored(con) -> list[tuple]:
    frame = cuts.requests(con, YEAR)
    return [(r.unit_code, r.project_name if isinstance(r.project_name, str) else None, Decimal(str(r.amount)),
             bool(r.individual)) for r in frame.itertuples()]


# ---------------------------------------------------------------------------------------------
# The template, round trip
# ---------------------------------------------------------------------------------------------


def test_template_lists_each_unit_then_its_projects_with_locked_labels(con):
    wb = _template(con)
    assert wb.sheetnames == [SHEET_NAME, INSTRUCTIONS_SHEET]
    ws = wb[SHEET_NAME]
    header = FIRST_ROW - 1
    assert tuple(ws.cell(header, c).value for c in range(1, len(HEADERS) + 1)) == HEADERS
    assert "评价年度：2015" in ws["A2"].value and "申报年度：2016" in ws["A2"].value
    assert list(_rows(ws)) == [("101001", None), ("101001", "垃圾清运费"), ("101001", "道路清扫费"), ("102001", None),
                               ("102001", "免费教科书")]
    assert ws.protection.sheet
    first = FIRST_ROW
    assert ws.cell(first, 1).protection.locked and ws.cell(first, COL_PROJECT).protection.locked
    assert not ws.cell(first, COL_AMOUNT).protection.locked and ws.cell(first, COL_AMOUNT).number_format == "0.00"
    assert ws.cell(first, COL_INDIVIDUAL).protection.locked  # a unit's total has no 是/否
    assert not ws.cell(first + 1, COL_INDIVIDUAL).protection.locked
    lists = [dv for dv in ws.data_validations.dataValidation if dv.type == "list"]
    assert lists and lists[0].formula1 == '"是,否"'
    assert any("单位合计" in (c.value or "") for c in wb[INSTRUCTIONS_SHEET]["A"])


def test_a_filled_template_imports_cleanly_and_stores_exactly_its_amounts(con):
    data = _filled(con)
    checked = check_request_file(NAME, data, YEAR, cuts.known(con, YEAR))
    assert checked.ok and checked.problems == [], [str(p) for p in checked.problems]
    assert (checked.units, checked.projects, checked.total) == (2, 3, Decimal("580.25"))
    stored = import_request_file(con, SYSTEM, NAME, data, YEAR)
    assert stored.batch_id is not None
    assert _stored(con) == [("101001", None, Decimal(500), False), ("101001", "垃圾清运费", Decimal("120.5"), False),
                            ("101001", "道路清扫费", Decimal(300), False), ("102001", None, Decimal("80.25"), False),
                            ("102001", "免费教科书", Decimal("80.25"), True)]
    row = con.execute("SELECT source, file_name, file_hash, cell FROM budget_requests WHERE project_name = '免费教科书'"
                      ).fetchone()
    assert row[:2] == (cuts.SOURCE_SHEET, NAME) and row[2] == stored.file_hash and row[3] == f"D{FIRST_ROW + 4}"


def test_a_project_left_blank_does_not_continue(con):
    values = {k: v for k, v in GOOD.items() if k != ("101001", "垃圾清运费")}
    checked = check_request_file(NAME, _filled(con, values), YEAR, cuts.known(con, YEAR))
    assert checked.ok and checked.projects == 2


def test_amounts_in_yuan_text_and_extra_rows_and_columns(con):
    """A hand-made sheet: two rows and a column before the table, the header found by its labels, 元 converted."""
    rows = [["某区2016年度预算申报"], ["评价年度：2015", None, None, "单位：元"], [],
            [None, "序号", "单位编码", "单位名称", "项目名称", "下年预算申报数（元）", "补助个人的民生项目", "备注"],
            [None, 1, 101001, "区市容环卫局", None, "5,000,000", None, "含新增"],
            [None, 2, "101001", "区市容环卫局", " 道路清扫费 ", 3000000.0, "否"],
            [None, 3, "102001", "区教育局", "合计", "80.25万元"]]
    checked = read_requests(NAME, workbook_bytes({"申报": rows}), YEAR, cuts.known(con, YEAR))
    assert checked.ok, [str(p) for p in checked.problems]
    assert [(r.unit_code, r.project_name, r.amount, r.cell) for r in checked.rows] == [
        ("101001", None, Decimal(500), "F5"), ("101001", "道路清扫费", Decimal(300), "F6"),
        ("102001", None, Decimal("80.25"), "F7")]
    assert [(p.severity, p.cell) for p in checked.problems] == [(WARNING, "F4")]  # 单位：元, converted


def test_yuan_heading_is_told_as_a_warning(con):
    rows = [["单位编码", "单位名称", "项目名称", "下年预算申报数（元）"], ["101001", "区市容环卫局", None, 1230000]]
    checked = read_requests(NAME, workbook_bytes({"申报": rows}), YEAR, cuts.known(con, YEAR))
    assert checked.ok and checked.rows[0].amount == Decimal("123")
    assert [(p.severity, p.sheet, p.cell) for p in checked.problems] == [(WARNING, "申报", "D1")]
    assert "已换算为万元" in checked.problems[0].message


# ---------------------------------------------------------------------------------------------
# Bad input: every class names the file, the sheet and the cell, and nothing stored changes
# ---------------------------------------------------------------------------------------------


def _set(key, amount=None, individual=None):
    def change(ws, rows):
        if amount is not None:
            ws.cell(rows[key], COL_AMOUNT).value = amount
        if individual is not None:
            ws.cell(rows[key], COL_INDIVIDUAL).value = individual
    return change


def _code(key, code):
    def change(ws, rows):
        cell = ws.cell(rows[key], 1)
        cell.value = code
    return change


def _project(key, name):
    def change(ws, rows):
        ws.cell(rows[key], COL_PROJECT).value = name
    return change


def _duplicate(key):
    def change(ws, rows):
        last = ws.max_row + 1
        for col in range(1, len(HEADERS) + 1):
            ws.cell(last, col).value = ws.cell(rows[key], col).value
    return change


P1 = FIRST_ROW + 1  # 101001 · 垃圾清运费
U1 = FIRST_ROW  # 101001's total
BAD = {
    "negative": (_set(("101001", "垃圾清运费"), -5), f"D{P1}", "负数"),
    "negative_fullwidth_text": (_set(("101001", "垃圾清运费"), "－12.00"), f"D{P1}", "负数"),
    "not_a_number": (_set(("101001", "垃圾清运费"), "约120万"), f"D{P1}", "不是数字"),
    "bad_yes_no": (_set(("101001", "垃圾清运费"), individual="也许"), f"E{P1}", "“是”或“否”"),
    "unknown_unit": (_code(("102001", None), "999001"), f"D{FIRST_ROW + 3}", "不是 2015 年度有自评表的单位"),
    "unknown_project": (_project(("101001", "垃圾清运费"), "不存在的项目"), f"D{P1}", "没有名为“不存在的项目”的项目"),
    "duplicate": (_duplicate(("101001", "道路清扫费")), f"D{FIRST_ROW + 5}", "重复申报"),
    "total_below_projects": (_set(("101001", None), 400), f"D{U1}", "小于其延续项目申报数之和"),
    "total_missing": (_set(("101001", None), ""), f"D{U1}", "单位合计"),
    "wrong_unit_name": (lambda ws, rows: setattr(ws.cell(rows[("102001", None)], 2), "value", "区卫生局"),
                        f"B{FIRST_ROW + 3}", "单位编码 102001 在 2015 年度是“区教育局”"),
}


@pytest.mark.parametrize("case", sorted(BAD))
def test_bad_request_sheet_names_file_sheet_and_cell_and_stores_nothing(con, case):
    import_request_file(con, SYSTEM, "earlier.xlsx", _filled(con), YEAR)
    before = _stored(con)
    change, cell, words = BAD[case]
    data = _filled(con, change=change)
    checked = import_request_file(con, SYSTEM, NAME, data, YEAR)
    assert not checked.ok and checked.batch_id is None
    errors = [p for p in checked.problems if p.severity == ERROR]
    assert any((p.file, p.sheet, p.cell) == (NAME, SHEET_NAME, cell) and words in p.message for p in errors), \
        [str(p) for p in checked.problems]
    assert all(str(p).startswith(f"错误：{NAME}，工作表“{SHEET_NAME}”，") for p in errors)
    assert _stored(con) == before


@pytest.mark.parametrize(("data", "words"), [
    (form_bytes(), "不是申报表"),  # a self-evaluation form given as a request sheet
    (b"garbage,not,a,workbook\n", "不是 Excel 工作簿"),
    (b"", "文件为空"),
])
def test_a_form_or_garbage_given_as_a_request_sheet_is_refused(con, data, words):
    import_request_file(con, SYSTEM, "earlier.xlsx", _filled(con), YEAR)
    before = _stored(con)
    checked = import_request_file(con, SYSTEM, "x.xlsx", data, YEAR)
    assert not checked.ok
    assert [p.file for p in checked.errors] == ["x.xlsx"] and words in checked.errors[0].message
    assert _stored(con) == before


def test_a_sheet_for_another_year_is_refused_at_its_year_cell(con):
    wb = _template(con)
    wb[SHEET_NAME]["A2"].value = "评价年度：2014　申报年度：2015　金额单位：万元"
    out = io.BytesIO()
    wb.save(out)
    checked = check_request_file(NAME, out.getvalue(), YEAR, cuts.known(con, YEAR))
    assert [(p.sheet, p.cell) for p in checked.errors] == [(SHEET_NAME, "A2")] and "2014" in checked.errors[0].message


def test_an_empty_template_is_refused(con):
    checked = check_request_file(NAME, _filled(con, {}), YEAR, cuts.known(con, YEAR))
    assert not checked.ok and "没有填写任何" in checked.errors[0].message


def test_a_batch_replaces_only_the_units_it_names(con):
    import_request_file(con, SYSTEM, "all.xlsx", _filled(con), YEAR)
    only = {("102001", None): (90, None), ("102001", "免费教科书"): (85, "是")}
    assert import_request_file(con, SYSTEM, "edu.xlsx", _filled(con, only), YEAR).ok
    stored = _stored(con)
    assert [s for s in stored if s[0] == "101001"] == [("101001", None, Decimal(500), False),
                                                       ("101001", "垃圾清运费", Decimal("120.5"), False),
                                                       ("101001", "道路清扫费", Decimal(300), False)]
    assert [s for s in stored if s[0] == "102001"] == [("102001", None, Decimal(90), False),
                                                       ("102001", "免费教科书", Decimal(85), True)]
    assert con.execute("SELECT count(*) FROM budget_requests WHERE NOT is_current").fetchone()[0] == 2


# ---------------------------------------------------------------------------------------------
# Command line
# ---------------------------------------------------------------------------------------------


def test_cli_writes_the_template_and_imports_a_filled_one(con, tmp_path, capsys):
    path = Path(con.execute("SELECT path FROM duckdb_databases() WHERE NOT internal").fetchone()[0])
    con.close()
    out = tmp_path / "t.xlsx"
    assert main(["requests-template", "--year", "2015", "--db", str(path), "--out", str(out)]) == EXIT_OK
    wb = openpyxl.load_workbook(out)
    ws = wb[SHEET_NAME]
    rows = _rows(ws)
    for key, (amount, individual) in GOOD.items():
        ws.cell(rows[key], COL_AMOUNT).value = amount
        if individual:
            ws.cell(rows[key], COL_INDIVIDUAL).value = individual
    good = tmp_path / "good.xlsx"
    wb.save(good)
    ws.cell(rows[("101001", "道路清扫费")], COL_AMOUNT).value = "-1"
    bad = tmp_path / "bad.xlsx"
    wb.save(bad)
    capsys.readouterr()
    assert main(["requests", "--year", "2015", "--db", str(path), str(bad)]) == EXIT_REJECTED
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == (f"错误：{bad}，工作表“{SHEET_NAME}”，D{FIRST_ROW + 2}：“区市容环卫局 · 道路清扫费”的申报数 -1 是负数："
                        "下年预算申报数不能为负数，请改为 0 或正数")
    assert lines[-1] == f"{bad}：已拒绝（1 处错误）"
    assert main(["requests", "--year", "2015", "--db", str(path), "--check", str(good)]) == EXIT_OK
    assert main(["requests", "--year", "2015", "--db", str(path), str(good)]) == EXIT_OK
    out_lines = capsys.readouterr().out.splitlines()
    assert out_lines[-1].startswith(f"{good}：已导入（批次 1），2 个单位、3 个项目，申报总额 580.25 万元")
    assert main(["requests-template", "--year", "2015", "--db", str(path), "--filled", "--out", str(out)]) == EXIT_OK
    refilled = read_requests("t.xlsx", out.read_bytes(), YEAR, _known_of(path))
    assert refilled.ok and refilled.total == Decimal("580.25")


def _known_of(path: Path) -> cuts.Known:
    from store.db import open_db

    con = open_db(path)
    try:
        return cuts.known(con, YEAR)
    finally:
        con.close()


def test_cli_template_for_a_year_without_forms_says_so(fresh_db, tmp_path, capsys):
    path = Path(fresh_db.execute("SELECT path FROM duckdb_databases() WHERE NOT internal").fetchone()[0])
    fresh_db.close()
    assert main(["requests-template", "--year", "2015", "--db", str(path), "--out", str(tmp_path / "t.xlsx")]) \
        == EXIT_REJECTED
    assert "还没有导入任何自评表" in capsys.readouterr().err


# ---------------------------------------------------------------------------------------------
# The sample years
# ---------------------------------------------------------------------------------------------

SAMPLE_GOLDEN = {2015: (121, 520, Decimal("86372.75")), 2014: (118, 563, Decimal("87360.47"))}


def _read_sample_sheet(year: int) -> tuple[set[str], int, Decimal]:
    """Units with a whole request, continuing project rows and Σ of the unit rows, read with openpyxl alone."""
    wb = openpyxl.load_workbook(sample_dir(year) / REQUEST_FILE, read_only=True)
    units: set[str] = set()
    projects, total = 0, Decimal(0)
    for code, _name, project, amount, _individual in wb[SHEET_NAME].iter_rows(min_row=FIRST_ROW, values_only=True):
        if amount is None:
            continue
        if project is None:
            units.add(str(code))
            total += Decimal(repr(amount))
        else:
            projects += 1
    wb.close()
    return units, projects, total


@pytest.mark.parametrize("year", sorted(SAMPLE_GOLDEN))
def test_sample_requests_cover_every_unit_and_continuing_project(sample_con, year):
    units, projects, total = _read_sample_sheet(year)
    assert (len(units), projects, total) == SAMPLE_GOLDEN[year]
    with_forms = {code for (code,) in sample_con.execute(
        "SELECT DISTINCT unit_code FROM v_project_scores WHERE year = ?", [year]).fetchall()}
    assert units == with_forms  # every unit of the year requests its whole budget
    stored = cuts.requests(sample_con, year)
    unit_rows = stored[stored["project_name"].isna()]
    assert set(unit_rows["unit_code"]) == with_forms
    assert len(stored) - len(unit_rows) == projects
    assert sum(Decimal(str(a)) for a in unit_rows["amount"]) == total
    assert set(stored["source"]) == {cuts.SOURCE_SAMPLE} and set(stored["file_name"]) == {REQUEST_FILE}


def test_sample_continuing_projects_follow_the_kinds(sample_con):
    """Construction ends, recurring funding continues; people's subsidies are marked 补助个人的民生项目."""
    stored = cuts.requests(sample_con, YEAR)
    named = {(r.unit_name, r.project_name): bool(r.individual) for r in stored.itertuples()
             if isinstance(r.project_name, str)}
    assert named[("区市容环卫局", "道路清扫费")] is False
    assert named[("区公安分局", "巡防队建设经费")] is False
    assert named[("区教育局", "免费教科书")] is True
    assert named[("区人社局", "失地农民基本生活保障")] is True
    assert named[("区计生委", "计划生育家庭奖励")] is True
    ended = {("龙康小学", "龙康小学二期教学楼建设"), ("龙丰小学", "龙丰小学运动场建设"), ("区交通局", "城乡道路修建")}
    assert not ended & set(named)


def test_sample_build_adopts_the_default_scenario(sample_con, sample_build):
    from etl.build import SAMPLE_SCENARIO

    adopted = cuts.adopted(sample_con, YEAR)
    assert adopted is not None and adopted.name == SAMPLE_SCENARIO
    row = sample_con.execute("SELECT requested, cut, arranged FROM cut_scenarios WHERE scenario_id = ?",
                             [adopted.scenario_id]).fetchone()
    assert row[0] == SAMPLE_GOLDEN[YEAR][2] and row[1] > 0 and row[0] - row[1] == row[2]
    ledger = cuts.adopted_ledger(sample_con, YEAR)
    assert sum(Decimal(str(c)) for c in ledger["cut_amount"]) == row[1]
    assert f"{YEAR} 年度：{REQUEST_FILE}：已导入" in sample_build.stdout


def test_build_progress_counts_the_requests_as_a_step():
    from etl.build import CUTS_STEP, _Steps

    seen: list[tuple[int, int, str]] = []
    steps = _Steps(lambda done, total, name: seen.append((done, total, name)))
    steps.files(1, 2, "a.xlsx")
    steps.files(2, 2, "b.xlsx")
    steps.done(CUTS_STEP)
    assert seen == [(1, 3, "a.xlsx"), (2, 3, "b.xlsx"), (3, 3, CUTS_STEP)]
