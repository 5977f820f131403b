"""Reading workbooks: .xlsx and .xls, merged cells, and everything that is not a readable workbook."""

import io
import zipfile
from pathlib import Path

import openpyxl
import pytest
import xlwt

from etl.reader import EXCEL_ERRORS, MAX_COLS, MAX_ROWS, UnreadableWorkbook, read_workbook, sniff
from tests.conftest import form_bytes


def test_xlsx_values_and_merges():
    sheets = read_workbook(form_bytes())
    assert [s.name for s in sheets] == ["道路清扫费"]
    sheet = sheets[0]
    assert sheet.values[(1, 1)] == "项目支出绩效自评表（2015年度）"
    assert (1, 1, 1, 9) in sheet.merges
    assert sheet.value((1, 5)) == "项目支出绩效自评表（2015年度）"  # inside the merged title
    assert sheet.span_end_col((3, 1)) == 2


def test_xls_is_read_with_merges():
    book = xlwt.Workbook()
    ws = book.add_sheet("项目一")
    ws.write_merge(0, 0, 0, 7, "项目支出绩效自评表（2015年度）")
    ws.write(2, 0, "项目名称")
    ws.write(2, 2, 12.5)
    buf = io.BytesIO()
    book.save(buf)
    sheet = read_workbook(buf.getvalue())[0]
    assert sheet.name == "项目一"
    assert sheet.values[(3, 1)] == "项目名称" and sheet.values[(3, 3)] == 12.5
    assert (1, 1, 1, 8) in sheet.merges


def test_a_stray_cell_far_away_is_ignored_not_fatal():
    wb = openpyxl.Workbook()
    wb.active["A1"] = "项目名称"
    wb.active.cell(1_048_576, 16_384, "x")
    buf = io.BytesIO()
    wb.save(buf)
    sheet = read_workbook(buf.getvalue())[0]
    assert sheet.truncated and sheet.values == {(1, 1): "项目名称"}
    assert all(r <= MAX_ROWS and c <= MAX_COLS for r, c in sheet.values)


@pytest.mark.parametrize(("data", "words"), [
    (b"", "为空"),
    ("单位,项目\n1,2\n".encode(), "CSV"),
    (b"%PDF-1.4 ...", "PDF"),
    (b"<html><body>x</body></html>", "网页"),
    (bytes(range(256)) * 4, "不是 Excel"),
])
def test_not_a_workbook_says_what_it_is(data, words):
    with pytest.raises(UnreadableWorkbook, match=words):
        sniff(data) if data else read_workbook(data)


def test_truncated_xlsx_is_damaged():
    with pytest.raises(UnreadableWorkbook, match="损坏"):
        read_workbook(form_bytes()[:2000])


def test_a_zip_that_is_not_a_workbook():
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("readme.txt", "hello")
    with pytest.raises(UnreadableWorkbook, match="ZIP"):
        read_workbook(buf.getvalue())


def test_damaged_xls_is_refused():
    with pytest.raises(UnreadableWorkbook, match="损坏|密码"):
        read_workbook(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 600)


@pytest.mark.parametrize("kind", ["xlsx", "xls"])
def test_cells_keep_their_excel_positions_when_the_sheet_starts_late(kind):
    buf = io.BytesIO()
    if kind == "xls":
        book = xlwt.Workbook()
        ws = book.add_sheet("a")
        ws.write(3, 2, "X")
        ws.write(5, 4, "Y")
        book.save(buf)
    else:
        wb = openpyxl.Workbook()
        wb.active.cell(4, 3, "X")
        wb.active.cell(6, 5, "Y")
        wb.save(buf)
    assert read_workbook(buf.getvalue())[0].values == {(4, 3): "X", (6, 5): "Y"}


def error_cells_workbook(kind: str) -> bytes:
    """A workbook whose first sheet starts late and holds #N/A at C4, #DIV/0! at E6, and two error cells outside the
    block read with max_rows=10 (row 12, column MAX_COLS + 1); a hidden second sheet holds #REF! at A1."""
    buf = io.BytesIO()
    inside, outside = {(4, 3): 0x2A, (6, 5): 0x07}, {(12, 1): 0x2A, (2, MAX_COLS + 1): 0x2A}
    if kind == "xls":  # xlwt writes BOOLERR records; its names for the codes are wrong ('#N/A!'), so codes are given
        book = xlwt.Workbook()
        ws = book.add_sheet("表")
        for (r, c), code in {**inside, **outside}.items():
            ws.row(r - 1).set_cell_error(c - 1, code)
        ws.write(6, 2, "文字")
        hidden = book.add_sheet("隐藏")
        hidden.row(0).set_cell_error(0, 0x17)
        hidden.visibility = 1
        book.save(buf)
    else:
        names = {0x2A: "#N/A", 0x07: "#DIV/0!"}
        wb = openpyxl.Workbook()
        wb.active.title = "表"
        for (r, c), code in {**inside, **outside}.items():
            wb.active.cell(r, c, names[code])  # openpyxl writes these strings as error values
        wb.active.cell(7, 3, "文字")
        hidden = wb.create_sheet("隐藏")
        hidden["A1"] = "#REF!"
        hidden.sheet_state = "hidden"
        wb.save(buf)
    return buf.getvalue()


@pytest.mark.parametrize("kind", ["xlsx", "xls"])
def test_error_values_are_read_as_written_within_the_block(kind):
    """An .xls error cell reads as the .xlsx one does (calamine alone shows it empty): noted in errors and shown as
    written, at its Excel position; cells beyond the block and hidden sheets are not read."""
    sheets = read_workbook(error_cells_workbook(kind), max_rows=10)
    assert [(s.name, s.hidden) for s in sheets] == [("表", False), ("隐藏", True)]
    sheet = sheets[0]
    assert sheet.errors == {(4, 3): "#N/A", (6, 5): "#DIV/0!"}
    assert sheet.values == {(4, 3): "#N/A", (6, 5): "#DIV/0!", (7, 3): "文字"}
    assert sheet.truncated
    assert sheets[1].errors == {} and sheets[1].values == {}


@pytest.mark.parametrize("code", [0x00, 0x07, 0x0F, 0x17, 0x1D, 0x24, 0x2A])
def test_every_xls_error_code_reads_as_its_excel_text(code):
    book = xlwt.Workbook()
    book.add_sheet("表").row(0).set_cell_error(0, code)
    buf = io.BytesIO()
    book.save(buf)
    sheet = read_workbook(buf.getvalue())[0]
    assert sheet.errors[(1, 1)] in EXCEL_ERRORS and sheet.values == sheet.errors


def test_an_xls_that_xlrd_cannot_read_is_still_read_by_calamine(monkeypatch):
    """xlrd only looks for error cells: when it fails, the workbook is read as before (error cells empty)."""
    import xlrd

    def fail(*_args: object, **_kwargs: object) -> None:
        raise xlrd.XLRDError("unsupported")

    monkeypatch.setattr(xlrd, "open_workbook", fail)
    sheet = read_workbook(error_cells_workbook("xls"), max_rows=10)[0]
    assert sheet.errors == {} and sheet.values == {(7, 3): "文字"}


def test_sheet_names_without_reading_sheets():
    from etl.reader import sheet_names

    assert sheet_names(form_bytes()) == ["道路清扫费"]
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("readme.txt", "hello")
    with pytest.raises(UnreadableWorkbook, match="ZIP"):
        sheet_names(buf.getvalue())


@pytest.mark.parametrize("ref", ['r="xfd1048576"', 'r="A99999999"', 'r="A4000000000"', "r='XFD1'", 'r="AO1"'])
def test_hostile_cell_references_never_reach_calamine(tmp_path, ref):
    """A cell written far away in any spelling (lower case, long numbers, single quotes) would make calamine
    allocate gigabytes and abort the process: the reader sees the extent first. Run apart, so an abort shows."""
    import subprocess
    import sys
    import zipfile

    wb = openpyxl.Workbook()
    wb.active["A1"] = "项目名称"
    wb.active["B2"] = "x"
    buf = io.BytesIO()
    wb.save(buf)
    source, target = zipfile.ZipFile(io.BytesIO(buf.getvalue())), io.BytesIO()
    with zipfile.ZipFile(target, "w") as out:
        for item in source.infolist():
            data = source.read(item)
            if item.filename == "xl/worksheets/sheet1.xml":
                assert b'r="B2"' in data
                data = data.replace(b'r="B2"', ref.encode())
            out.writestr(item, data)
    path = tmp_path / "hostile.xlsx"
    path.write_bytes(target.getvalue())
    code = ("import sys; from pathlib import Path; from etl.reader import read_workbook; "
            "s = read_workbook(Path(sys.argv[1]).read_bytes())[0]; print(s.values.get((1, 1)), s.truncated)")
    out = subprocess.run([sys.executable, "-c", code, str(path)], capture_output=True, text=True,
                         cwd=Path(__file__).resolve().parent.parent, timeout=120)
    assert out.returncode == 0, out.stderr[-500:]
    assert out.stdout.split() == ["项目名称", "True"]
