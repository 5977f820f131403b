"""Hostile and broken input (issue 9): every bad case gets its own Chinese message naming file, sheet and cell,
never a crash and never a wrong number; a rejected file changes nothing stored.

Each bad file is built here (openpyxl, zipfile, raw XML). A case is (what it is, the bytes, the outcome): either
rejected with a message fragment and the database unchanged, or loaded with the warning and the exact value stored.
"""

from __future__ import annotations

import hashlib
import io
import re
import subprocess
import sys
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

import duckdb
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from etl import limits
from etl.form import ERROR, WARNING
from etl.load import LOADED, LOADED_WITH_WARNINGS, REJECTED, SourceFile, commit, load_source, load_uploads
from etl.load import check as check_file
from etl.values import parse_amount, parse_number, parse_rate, parse_target
from store import db, writes
from store.access import Viewer
from tests.conftest import form_bytes, form_rows, workbook_bytes

TABLES = ("forms", "indicators", "fund_rows", "form_scores", "indicator_scores", "imports", "problems",
          "source_files", "plan_projects")
SHEET = "xl/worksheets/sheet1.xml"
ADMIN = Viewer(username="测试", display_name="测试", role="绩效办")


def snapshot(con: duckdb.DuckDBPyConnection) -> tuple[object, ...]:
    """Row counts of the stored tables and a hash of the forms table: equal before and after = nothing changed."""
    counts = tuple(con.execute(f"SELECT count(*) FROM {table}").fetchone()[0] for table in TABLES)
    forms = con.execute("SELECT * FROM forms ORDER BY form_id").fetchall()
    return counts, hashlib.sha256(repr(forms).encode()).hexdigest()


def patch(data: bytes, member: str, change: Callable[[bytes], bytes]) -> bytes:
    """The package with one member's bytes changed."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            body = src.read(info)
            dst.writestr(info.filename, change(body) if info.filename == member else body)
    return out.getvalue()


def _literal(xml: bytes) -> bytes:
    """Sheet XML with non-ASCII character references (&#36947; — openpyxl writes them when lxml is installed)
    written out as UTF-8, so a piece of text can be found whichever way the workbook was written."""
    return re.sub(rb"&#(x[0-9a-fA-F]+|[0-9]+);", lambda m: _char(m.group(1)), xml)


def _char(ref: bytes) -> bytes:
    code = int(ref[1:], 16) if ref.startswith(b"x") else int(ref)
    return chr(code).encode() if code >= 0x80 else b"&#" + ref + b";"


def in_sheet(old: str, new: str, data: bytes | None = None) -> bytes:
    """The default form with one piece of its sheet XML replaced (the piece must be there)."""
    def change(xml: bytes) -> bytes:
        xml = _literal(xml)
        assert old.encode() in xml, old
        return xml.replace(old.encode(), new.encode(), 1)
    return patch(data or form_bytes(), SHEET, change)


def with_cell(cell: str, value: object, **kwargs: object) -> bytes:
    """The default form with one cell set (openpyxl writes '#N/A' as an error value, '=…' as a formula)."""
    import openpyxl

    wb = openpyxl.load_workbook(io.BytesIO(form_bytes(**kwargs)))
    wb.active[cell] = value
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def xls_with_error(cell: str, code: int) -> bytes:
    """The default form as an .xls (xlwt, no merges) with one cell holding an Excel error value, written as a BOOLERR
    record by its BIFF code (0x2A = #N/A, 0x07 = #DIV/0!; xlwt's names for the codes are wrong, e.g. '#N/A!')."""
    import xlwt
    from openpyxl.utils.cell import coordinate_to_tuple

    row, col = coordinate_to_tuple(cell)
    wb = xlwt.Workbook()
    ws = wb.add_sheet("道路清扫费")
    for r, values in enumerate(form_rows()):
        for c, value in enumerate(values):
            if value is not None and (r, c) != (row - 1, col - 1):
                ws.write(r, c, value)
    ws.row(row - 1).set_cell_error(col - 1, code)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def far_cell(ref: str) -> bytes:
    return in_sheet("</sheetData>", f'<row><c r="{ref}" t="n"><v>1</v></c></row></sheetData>')


def damaged_deflate() -> bytes:
    """The sheet's compressed bytes overwritten in the middle (the zip's directory still intact)."""
    data = bytearray(form_bytes())
    with zipfile.ZipFile(io.BytesIO(bytes(data))) as archive:
        info = archive.getinfo(SHEET)
    start = info.header_offset + 30 + len(info.filename.encode()) + len(info.extra)
    for i in range(start + 40, start + 240):
        data[i] = (data[i] * 7 + 13) % 256
    return bytes(data)


def fake_ole(*streams: str) -> bytes:
    """An OLE compound file header followed by directory entry names (enough for the importer to tell them apart)."""
    magic = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 504
    return magic + b"".join(name.encode("utf-16-le") + b"\0" * (64 - 2 * len(name)) for name in streams) + b"\0" * 1024


def office_zip(members: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, body in members.items():
            archive.writestr(name, body)
    return out.getvalue()


def hidden_sheet() -> bytes:
    import openpyxl

    wb = openpyxl.load_workbook(io.BytesIO(form_bytes()))
    ws = wb.create_sheet("隐藏项目")
    for r, row in enumerate(form_rows(project="隐藏的项目"), start=1):
        for c, value in enumerate(row, start=1):
            if value is not None:
                ws.cell(r, c, value)
    ws.sheet_state = "hidden"
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


BILLION_LAUGHS = ('<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;">]>')
SCORES = [("产出指标", "数量指标", "清扫道路面积", "≥50万平方米", "52万平方米", 20, 25, "")]


@dataclass(frozen=True)
class Case:
    """One bad input: its bytes, the outcome, a fragment of the message, and the cell it names ('' = any)."""

    id: str
    data: Callable[[], bytes]
    status: str
    fragment: str
    cell: str = ""
    name: str = "单位.xlsx"


REJECTED_CASES = [
    # damaged, disguised or encrypted files
    Case("damaged-deflate", damaged_deflate, REJECTED, "已损坏"),
    Case("truncated", lambda: form_bytes()[:3000], REJECTED, "已损坏或不完整"),
    Case("empty", lambda: b"", REJECTED, "文件为空"),
    Case("csv-renamed", lambda: "项目名称,道路清扫费\n".encode(), REJECTED, "文件是文本（如 CSV）"),
    Case("encrypted", lambda: fake_ole("Root Entry", "EncryptionInfo", "EncryptedPackage"), REJECTED,
         "文件已加密（设置了打开密码），请取消密码后重新上传"),
    Case("docx", lambda: office_zip({"[Content_Types].xml": b"<Types/>", "word/document.xml": b"<w/>"}), REJECTED,
         "这是 Word 文件，不是 Excel 自评表", name="自评报告.docx"),
    Case("doc", lambda: fake_ole("Root Entry", "WordDocument"), REJECTED, "这是 Word 文件，不是 Excel 自评表",
         name="自评报告.doc"),
    Case("pptx", lambda: office_zip({"[Content_Types].xml": b"<Types/>", "ppt/presentation.xml": b"<p/>"}), REJECTED,
         "这是 PowerPoint 文件，不是 Excel 自评表"),
    Case("ods", lambda: office_zip({"mimetype": b"application/vnd.oasis.opendocument.spreadsheet",
                                    "content.xml": b"<x/>"}), REJECTED, "这是 ODS（WPS/LibreOffice 表格）文件"),
    Case("plain-zip", lambda: office_zip({"a.txt": b"x"}), REJECTED, "文件是 ZIP 压缩包而不是 Excel 工作簿"),
    # parser tricks and bombs
    Case("xml-entities", lambda: patch(form_bytes(), SHEET, lambda x: BILLION_LAUGHS.encode() + x), REJECTED,
         "DTD、实体定义"),
    Case("xlsx-part-bomb", lambda: in_sheet("</sheetData>", "</sheetData><!--" + " " * (3 << 20) + "-->"), REJECTED,
         "疑似压缩炸弹"),
    # values that would be wrong, not missing
    Case("formula-cached-0", lambda: in_sheet('<c r="F6" t="n"><v>86</v></c>', '<c r="F6"><f>SUM(F7:F9)</f><v>0</v></c>'),
         REJECTED, "单元格 F6（年度资金总额的全年执行数）是公式（=SUM(F7:F9)），文件中没有保存计算结果（可能由程序生成），"
                   "请在 Excel 中打开并保存后重新上传", "F6"),
    Case("formula-no-value", lambda: with_cell("H13", "=G13*0.9"), REJECTED, "文件中没有保存计算结果", "H13"),
    Case("formula-in-target", lambda: with_cell("E13", "=50"), REJECTED, "年度指标值）是公式", "E13"),
    Case("error-in-weight", lambda: with_cell("G13", "#N/A"), REJECTED,
         "单元格 G13（“清扫道路面积”的分值）是 Excel 错误值 #N/A", "G13"),
    Case("error-in-total", lambda: with_cell("H19", "#DIV/0!"), REJECTED, "是 Excel 错误值 #DIV/0!", "H19"),
    Case("xls-error-in-weight", lambda: xls_with_error("G13", 0x2A), REJECTED,
         "单元格 G13（“清扫道路面积”的分值）是 Excel 错误值 #N/A；请在 Excel 中改正公式或填入数值后重新上传", "G13",
         name="单位.xls"),
    Case("xls-error-in-total", lambda: xls_with_error("H19", 0x07), REJECTED, "是 Excel 错误值 #DIV/0!", "H19",
         name="单位.xls"),
    Case("merged-budget-executed", lambda: workbook_bytes({"道路清扫费": form_rows(total=(100, 100, None, 10, "86%", 8.6))},
                                                          {"道路清扫费": ["E6:F6"]}), REJECTED,
         "单元格 E6:F6 是合并单元格，跨越了项目资金表中的 2 个数据格", "E6"),
    Case("merged-target-actual", lambda: workbook_bytes({"道路清扫费": form_rows()}, {"道路清扫费": ["E14:F14"]}),
         REJECTED, "单元格 E14:F14 是合并单元格，跨越了绩效指标表", "E14"),
    Case("fullwidth-minus", lambda: form_bytes(total=(100, 100, "－36.97", 10, "86%", 8.6)), REJECTED,
         "单元格 F6 的年度资金总额的全年执行数为负数（-36.97）", "F6"),
    Case("negative-weight", lambda: with_cell("G14", -15), REJECTED, "为负数（-15）", "G14"),
    Case("out-of-range-amount", lambda: form_bytes(total=(100, 10**20, 86, 10, "86%", 8.6)), REJECTED,
         "单元格 E6 的年度资金总额的全年预算数数值过大（1e+20），无法保存", "E6"),
    Case("out-of-range-score", lambda: with_cell("H13", 3.3e17), REJECTED, "的得分数值过大", "H13"),
    Case("out-of-range-target", lambda: with_cell("E13", 1e40), REJECTED,
         "单元格 E13 的“清扫道路面积”年度指标值数值过大（1e+40），无法保存", "E13"),
    # plausibility
    Case("score-above-weight", lambda: form_bytes(indicators=SCORES), REJECTED,
         "单元格 H13 的“清扫道路面积”得分（25）超过该行分值（20）", "H13"),
    Case("budget-score-above-weight", lambda: form_bytes(total=(100, 100, 86, 10, "86%", 12)), REJECTED,
         "预算执行率得分（12）超过其分值（10）", "I6"),
    Case("execution-94x", lambda: form_bytes(total=(100, 100, 9400, 10, "86%", 8.6), appropriation=(100, 100, 9400)),
         REJECTED, "全年执行数（9400）是全年预算数（100）的 94 倍", "F6"),
    Case("year-1899", lambda: form_bytes(title="项目支出绩效自评表（1899年度）"), REJECTED, "年度 1899（标题）不在 2000–"),
    Case("year-2999", lambda: form_bytes(title="2999年度项目支出绩效自评表"), REJECTED, "年度 2999（标题）不在 2000–"),
]

LOADED_CASES = [
    # a far cell makes the sheet be read sparsely (never by calamine, which would abort the process)
    Case("far-row", lambda: far_cell("A99999999"), LOADED_WITH_WARNINGS, "超出可读范围的单元格已忽略"),
    Case("far-row-10-digits", lambda: far_cell("A4000000000"), LOADED_WITH_WARNINGS, "超出可读范围的单元格已忽略"),
    Case("far-lower-case", lambda: far_cell("xfd1048576"), LOADED_WITH_WARNINGS, "超出可读范围的单元格已忽略"),
    Case("far-row-without-r", lambda: in_sheet("</sheetData>", '<row r="99999998"/><row><c t="n"><v>1</v></c></row>'
                                                               "</sheetData>"), LOADED_WITH_WARNINGS, "超出可读范围"),
    Case("hidden-sheet", hidden_sheet, LOADED_WITH_WARNINGS, "工作表“隐藏项目”是隐藏的，未导入"),
    Case("total-not-sum", lambda: form_bytes(self_total=80), LOADED_WITH_WARNINGS,
         "单元格 H19 的总分（80）与各行得分之和（98.6）相差 18.6", "H19"),
]


@pytest.mark.parametrize("case", REJECTED_CASES, ids=[c.id for c in REJECTED_CASES])
def test_a_bad_file_is_rejected_with_its_message_and_changes_nothing(fresh_db, case):
    load_source(fresh_db, SourceFile("good.xlsx", form_bytes(project="已有项目")))
    before = snapshot(fresh_db)
    report = load_source(fresh_db, SourceFile(case.name, case.data()))
    errors = [p for p in report.problems if p.severity == ERROR]
    assert report.status == REJECTED, report.problems
    assert any(case.fragment in p.message for p in errors), [p.message for p in errors]
    if case.cell:
        assert any(p.cell == case.cell for p in errors if case.fragment in p.message)
    assert snapshot(fresh_db) == before


@pytest.mark.parametrize("case", LOADED_CASES, ids=[c.id for c in LOADED_CASES])
def test_a_doubtful_file_loads_with_the_warning_naming_it(fresh_db, case):
    report = load_source(fresh_db, SourceFile(case.name, case.data()))
    assert report.status == case.status, report.problems
    warned = [p for p in report.problems if p.severity == WARNING and case.fragment in p.message]
    assert warned, [p.message for p in report.problems]
    if case.cell:
        assert warned[0].cell == case.cell
    rows = fresh_db.execute("SELECT project_name, budget_full_year, executed FROM forms").fetchall()
    assert rows == [("道路清扫费", Decimal(100), Decimal(86))]  # one form; a hidden sheet's form is not added


def test_a_far_cell_is_never_handed_to_calamine(monkeypatch):
    """The reader that would allocate the declared extent is not called at all for such a workbook."""
    from etl import reader

    monkeypatch.setattr(reader, "_read_calamine", lambda *a, **k: pytest.fail("calamine called"))
    for ref in ("A99999999", "A4000000000", "xfd1048576"):
        sheets = reader.read_workbook(far_cell(ref))
        assert sheets[0].truncated and sheets[0].values[(3, 3)] == "道路清扫费"


def excel_text(text: str) -> str:
    """Text as a sheet's XML holds it: control characters escaped the OOXML way (_x0007_), as Excel writes them."""
    return "".join(f"_x{ord(ch):04X}_" if ord(ch) < 32 and ch not in "\n\t" else ch for ch in text)


def with_text(old: str, new: str, data: bytes | None = None) -> bytes:
    return in_sheet(f"<t>{old}</t>", f"<t>{excel_text(new)}</t>", data)


@pytest.mark.parametrize("raw, stored", [
    ("区市容\u200b环卫局", "区市容环卫局"),  # zero-width space: the same unit, not a second one
    ("区市容环卫局\x07\x1b", "区市容环卫局"),  # control characters
    ("\ufeff区市容環衛局", "区市容環衛局"),  # BOM
])
def test_invisible_characters_never_make_a_second_unit_or_project(fresh_db, raw, stored):
    load_source(fresh_db, SourceFile("a.xlsx", form_bytes(unit=f"101001-{stored}")))
    data = with_text(f"101001-{stored}", f"101001-{raw}", form_bytes(unit=f"101001-{stored}", self_total=98.5))
    data = with_text("道路清扫费", "道路\u200b清扫费\x00", data)
    report = load_source(fresh_db, SourceFile("b.xlsx", data))
    assert report.status in (LOADED, LOADED_WITH_WARNINGS), report.problems
    rows = fresh_db.execute("SELECT DISTINCT unit_code, unit_name, project_name FROM forms").fetchall()
    assert rows == [("101001", stored, "道路清扫费")]
    assert fresh_db.execute("SELECT count(*) FROM forms WHERE is_current").fetchone()[0] == 1  # a new version


def test_control_characters_in_free_text_are_dropped_line_breaks_kept(fresh_db):
    data = with_text("保持城区道路整洁", "保持城区\x00道路\u200b整洁\n全年无\x1b投诉")
    load_source(fresh_db, SourceFile("a.xlsx", data))
    assert fresh_db.execute("SELECT goal_expected FROM forms").fetchone()[0] == "保持城区道路整洁\n全年无投诉"


def plan_bytes(code: str = "101001", name: str = "区市容环卫局") -> bytes:
    return workbook_bytes({
        "自评项目清单": [["单位编码", "单位名称", "单位类型", "主管部门", "项目名称", "所属领域"],
                         [code, name, "区直部门", "区市容环卫局", "道路清扫费", "城乡社区"]],
        "年度信息": [["年度", 2015], ["全年项目支出（万元）", 1000]],
    })


def test_a_unit_code_that_contradicts_the_plan_is_rejected_and_an_unknown_one_warned(fresh_db):
    assert load_source(fresh_db, SourceFile("清单.xlsx", plan_bytes())).status == LOADED
    before = snapshot(fresh_db)
    wrong = load_source(fresh_db, SourceFile("a.xlsx", form_bytes(unit="999999-区市容环卫局")))
    assert wrong.status == REJECTED and snapshot(fresh_db) == before
    assert any("实施单位编码 999999 与 2015 年自评项目清单中“区市容环卫局”的编码 101001 不一致" in p.message
               and p.cell == "G4" for p in wrong.problems)
    unknown = load_source(fresh_db, SourceFile("b.xlsx", form_bytes(unit="777777-某某中心")))
    assert unknown.status == LOADED_WITH_WARNINGS
    assert any("单位编码 777777（某某中心）不在 2015 年自评项目清单中" in p.message for p in unknown.problems)
    named = load_source(fresh_db, SourceFile("c.xlsx", form_bytes(unit="某某站", project="另一项目")))
    assert any("实施单位“某某站”不在 2015 年自评项目清单中" in p.message for p in named.problems)


def test_a_form_below_row_500_is_found(fresh_db):
    report = load_source(fresh_db, SourceFile("a.xlsx", form_bytes(lead_rows=600)))
    assert report.status in (LOADED, LOADED_WITH_WARNINGS), report.problems
    assert fresh_db.execute("SELECT project_name, executed FROM forms").fetchall() == [("道路清扫费", Decimal(86))]


def test_a_form_beyond_the_rows_read_is_named_with_the_reason(fresh_db):
    report = load_source(fresh_db, SourceFile("a.xlsx", form_bytes(lead_rows=5100)))
    assert report.status == REJECTED
    assert any("工作表的前 5000 行是空的，内容在第 5000 行之后（共 5119 行），超出可读范围" in p.message
               and p.sheet == "道路清扫费" for p in report.problems), report.problems


# --- archives ------------------------------------------------------------------------------------------------


def zip_of(members: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, body in members.items():
            archive.writestr(name, body)
    return out.getvalue()


def test_a_zip_of_zeros_is_refused_member_by_member_without_unpacking_it(fresh_db):
    zeros = b"\0" * (2 << 20)
    data = zip_of({**{f"{n:03}.xlsx": zeros for n in range(40)}, "good.xlsx": form_bytes()})
    reports = load_uploads(fresh_db, [("全部.zip", data)], ADMIN)
    bombs = [r for r in reports if r.file.endswith("0.xlsx") or "/0" in r.file]
    assert len(reports) == 41 and all(r.status == REJECTED for r in bombs)
    assert all("疑似压缩炸弹" in r.problems[0].message for r in bombs)
    assert [r.status for r in reports if r.file.endswith("good.xlsx")] == [LOADED]


def test_a_zip_that_unpacks_beyond_the_limit_is_refused_whole(fresh_db, monkeypatch):
    monkeypatch.setattr("etl.load.MAX_ZIP_TOTAL_MB", 1)
    data = zip_of({f"{n}.xlsx": form_bytes(project=f"项目{n}") + b"\0" * 200_000 for n in range(8)})
    before = snapshot(fresh_db)
    reports = load_uploads(fresh_db, [("全部.zip", data)], ADMIN)
    assert [r.status for r in reports] == [REJECTED]
    assert "超过 1 MB，疑似压缩炸弹，整个压缩包已拒绝" in reports[0].problems[0].message
    assert snapshot(fresh_db) == before


def test_a_damaged_member_is_rejected_and_the_others_load(fresh_db, tmp_path):
    data = bytearray(zip_of({"a.xlsx": form_bytes(project="甲"), "b.xlsx": form_bytes(project="乙")}))
    with zipfile.ZipFile(io.BytesIO(bytes(data))) as archive:
        info = archive.getinfo("a.xlsx")
    start = info.header_offset + 30 + len(info.filename.encode())
    for i in range(start + 100, start + 300):
        data[i] ^= 0x5A
    path = tmp_path / "全部.zip"
    path.write_bytes(bytes(data))
    from etl.load import load_paths

    reports = {r.file.rsplit("/", 1)[-1]: r for r in load_paths(fresh_db, [path])}
    assert reports["a.xlsx"].status == REJECTED
    assert "压缩包中的这个文件已损坏" in reports["a.xlsx"].problems[0].message
    assert reports["b.xlsx"].status == LOADED
    assert fresh_db.execute("SELECT project_name FROM forms").fetchall() == [("乙",)]


def test_zip_members_are_read_one_at_a_time(tmp_path):
    """Expanding an archive reads no member; each is unpacked only when checked."""
    from etl.load import iter_sources

    path = tmp_path / "a.zip"
    path.write_bytes(zip_of({f"{n}.xlsx": form_bytes(project=f"项目{n}") for n in range(3)}))
    sources = list(iter_sources([path]))
    assert all(isinstance(s, SourceFile) and s.content is None and s.member for s in sources)
    assert check_file(sources[1]).forms[0].project_name == "项目1"


# --- the store refuses ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("error, fragment", [
    (duckdb.IOException("IO Error: Could not write file: No space left on device"), "磁盘空间已满"),
    (duckdb.ConversionException("Conversion Error: Could not convert 1e40 to DECIMAL(38,10)"), "超出数据库可保存的范围"),
    (duckdb.FatalException("FATAL Error: database has been invalidated"), "数据库文件可能已损坏"),
    (ValueError("something unexpected"), "写入时发生意外错误，本文件未导入，已全部撤销"),
])
def test_a_store_error_rejects_only_its_file_in_chinese(fresh_db, monkeypatch, error, fragment):
    real = writes.insert

    def insert(cur, table, columns):
        if table == "forms" and "坏项目" in columns["project_name"]:
            raise error
        return real(cur, table, columns)

    monkeypatch.setattr(writes, "insert", insert)
    checked = [check_file(SourceFile(f"{name}.xlsx", form_bytes(project=name))) for name in ("好项目", "坏项目", "另一项目")]
    reports = commit(fresh_db, checked)
    assert [r.status for r in reports] == [LOADED, REJECTED, LOADED]
    message = reports[1].problems[-1].message
    assert fragment in message
    assert not any("a" <= ch <= "z" for ch in message.replace("python -m etl restore", ""))
    assert sorted(r[0] for r in fresh_db.execute("SELECT project_name FROM forms").fetchall()) == ["另一项目", "好项目"]


def test_a_corrupt_database_is_a_chinese_message_not_a_traceback(tmp_path):
    bad = tmp_path / "bad.duckdb"
    bad.write_bytes(b"not a database " * 400)
    good = tmp_path / "a.xlsx"
    good.write_bytes(form_bytes())
    proc = subprocess.run([sys.executable, "-m", "etl", "load", "--db", str(bad), str(good)], capture_output=True,
                          text=True, cwd=db.ROOT, timeout=120)
    assert proc.returncode != 0
    assert "Traceback" not in proc.stderr + proc.stdout
    assert "已损坏（不是可读取的 DuckDB 数据库）" in proc.stderr + proc.stdout


def test_every_limit_is_a_named_constant_with_its_unit():
    names = [n for n in vars(limits) if n.isupper()]
    assert {"MAX_UPLOAD_MB", "MAX_FILE_MB", "MAX_ZIP_MEMBERS", "MAX_ZIP_TOTAL_MB", "MAX_COMPRESSION_RATIO", "MAX_ROWS",
            "MAX_COLS", "MAX_CHECK_SECONDS"} <= set(names)


# --- the number parser ----------------------------------------------------------------------------------------

FULL_WIDTH = str.maketrans("0123456789.-,%", "０１２３４５６７８９．－，％")
amounts = st.decimals(min_value=Decimal("-1e9"), max_value=Decimal("1e9"), places=2, allow_nan=False,
                      allow_infinity=False)


def written(number: Decimal, thousands: bool, full_width: bool, minus: str) -> str:
    text = f"{number:,.2f}" if thousands else f"{number:.2f}"
    text = text.replace("-", minus)
    return text.translate(FULL_WIDTH) if full_width else text


@settings(max_examples=300, deadline=None)
@given(amounts, st.booleans(), st.booleans(), st.sampled_from(["-", "－", "−"]))
def test_a_number_written_any_way_reads_back_exactly(number, thousands, full_width, minus):
    text = written(number, thousands, full_width, minus)
    assert parse_number(text) == number
    assert parse_amount(text + "万元") == number
    assert parse_amount(text + "元") == number / 10_000
    assert parse_amount(" " + text + "\u200b") == number


@settings(max_examples=200, deadline=None)
@given(st.decimals(min_value=Decimal(0), max_value=Decimal(1000), places=1), st.booleans(),
       st.sampled_from([("≥", "≥"), ("≧", "≥"), (">=", "≥"), ("不低于", "≥"), ("≤", "≤"), ("不超过", "≤"), ("＝", "=")]))
def test_a_target_with_operator_and_unit_reads_back_exactly(number, full_width, op):
    written_op, symbol = op
    text = f"{number:.1f}"
    if full_width:
        text = text.translate(FULL_WIDTH)
    target = parse_target(f"{written_op}{text}%")
    assert (target.op, target.number, target.unit) == (symbol, number, "%")
    assert parse_rate(f"{text}%") == number / 100


def test_a_file_that_takes_too_long_is_stopped_with_a_message(fresh_db, monkeypatch):
    monkeypatch.setattr("etl.load.MAX_CHECK_SECONDS", -1)  # the deadline has passed before the first part is read
    report = load_source(fresh_db, SourceFile("a.xlsx", form_bytes()))
    assert report.status == REJECTED and "仍未完成，不像是自评表，已停止" in report.problems[0].message


def test_a_sheet_of_too_many_cells_is_refused(fresh_db, monkeypatch):
    monkeypatch.setattr("etl.reader.MAX_SHEET_CELLS", 10)
    report = load_source(fresh_db, SourceFile("a.xlsx", form_bytes()))
    assert report.status == REJECTED and "工作表“道路清扫费”超过 10 个单元格" in report.problems[0].message


def test_a_formula_with_a_saved_result_is_read_as_that_result(fresh_db):
    """Excel saves each formula's result: a workbook saved by Excel (no fullCalcOnLoad) is trusted, a 0 included;
    a result a program wrote that is not 0 is trusted too."""
    excel = patch(form_bytes(), "xl/workbook.xml", lambda xml: xml.replace(b' fullCalcOnLoad="1"', b""))
    zero = in_sheet('<c r="D6" t="n"><v>100</v></c>', '<c r="D6"><f>SUM(D7:D9)</f><v>0</v></c>', excel)
    report = load_source(fresh_db, SourceFile("excel.xlsx", zero))
    assert report.status in (LOADED, LOADED_WITH_WARNINGS), report.problems
    cached = in_sheet('<c r="F6" t="n"><v>86</v></c>', '<c r="F6"><f>SUM(F7:F9)</f><v>86</v></c>')
    renamed = patch(cached, SHEET, lambda xml: xml.replace("道路清扫费".encode(), "另一项目".encode()))
    report = load_source(fresh_db, SourceFile("program.xlsx", renamed))
    assert report.status in (LOADED, LOADED_WITH_WARNINGS), report.problems
    rows = fresh_db.execute("SELECT project_name, budget_initial, executed FROM forms ORDER BY project_name").fetchall()
    assert rows == [("另一项目", Decimal(100), Decimal(86)), ("道路清扫费", Decimal(0), Decimal(86))]


@settings(max_examples=400, deadline=None)
@given(st.one_of(st.text(max_size=12), st.text(alphabet="0123456789０１２３４５６７８９.,-－−+%万元亿 \u200b٣۴",
                                                  max_size=12)))
def test_any_text_is_a_number_or_a_clear_refusal(text):
    """Never NaN, inf, an exception other than NotANumber, or a number read from non-ASCII digits other than
    the full-width ones NFKC maps to ASCII."""
    from etl.values import NotANumber

    try:
        number = parse_number(text)
    except NotANumber:
        return
    assert number is None or number.is_finite()
    if number is not None:
        assert not any(ch in text for ch in "٣۴")


@pytest.mark.parametrize(("cell", "xlsx_value", "xls_code"), [("G13", "#N/A", 0x2A), ("H19", "#DIV/0!", 0x07)])
def test_an_xls_error_value_is_reported_as_in_an_xlsx_never_as_blank(fresh_db, cell, xlsx_value, xls_code):
    """The same error cell gives the same problems in both formats: an ERROR naming it, no "为空" warning, no 未完成
    form re-weighted from the other rows."""
    before = snapshot(fresh_db)
    reports = [load_source(fresh_db, SourceFile(name, data)) for name, data in (
        ("单位.xlsx", with_cell(cell, xlsx_value)), ("单位.xls", xls_with_error(cell, xls_code)))]
    xlsx, xls = ([(p.sheet, p.cell, p.message, p.severity) for p in r.problems] for r in reports)
    assert xls == xlsx, (xls, xlsx)
    assert [r.status for r in reports] == [REJECTED, REJECTED]
    assert not any("为空" in p.message for p in reports[1].problems)
    assert snapshot(fresh_db) == before


def test_a_hidden_sheet_of_an_xls_workbook_is_skipped_too(fresh_db):
    xlwt = pytest.importorskip("xlwt")
    wb = xlwt.Workbook()
    for name, project, hidden in (("道路清扫费", "道路清扫费", False), ("隐藏项目", "隐藏的项目", True)):
        ws = wb.add_sheet(name)
        for r, row in enumerate(form_rows(project=project)):
            for c, value in enumerate(row):
                if value is not None:
                    ws.write(r, c, value)
        ws.visibility = int(hidden)
    buf = io.BytesIO()
    wb.save(buf)
    report = load_source(fresh_db, SourceFile("单位.xls", buf.getvalue()))
    assert report.status == LOADED_WITH_WARNINGS, report.problems
    assert any("工作表“隐藏项目”是隐藏的，未导入" in p.message for p in report.problems)
    assert fresh_db.execute("SELECT project_name FROM forms").fetchall() == [("道路清扫费",)]
