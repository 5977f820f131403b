"""Workbook bytes → sheets of cell values with their merged ranges, for .xlsx and .xls.

Both are read with python-calamine (fast, reports merged ranges). Calamine allocates the whole used
range of a sheet, so one stray cell at XFD1048576 would make it allocate 2^34 cells and abort the
process (a Rust abort Python cannot catch). Before handing it an .xlsx we therefore scan every sheet's
XML with a parser that refuses DTDs and entities (defusedxml), streaming it part by part: the real extent
(every `r`, any case, any length; rows and cells without `r` counted), formula cells whose result was
never saved, Excel error values, and hidden sheets. A workbook with a sheet beyond the read block is read
with openpyxl instead (slower, but it stores cells sparsely). An .xls sheet is at most 65,536 × 256,
which calamine handles; calamine shows an .xls error value (#N/A …) as an empty cell, so the error cells of an
.xls are found with xlrd (scan_xls). Only the top-left max_rows × MAX_COLS block of a sheet is read: a
form is far smaller. Limits: etl/limits.py.
"""

from __future__ import annotations

import io
import re
import time
import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import cached_property, lru_cache
from xml.etree.ElementTree import ParseError
from xml.parsers import expat

import openpyxl
import python_calamine
import xlrd
from defusedxml import DefusedXmlException
from defusedxml.ElementTree import iterparse

from etl.limits import (
    MAX_CHECK_SECONDS,
    MAX_COLS,
    MAX_COMPRESSION_RATIO,
    MAX_LIST_ROWS,
    MAX_ROWS,
    MAX_SHEET_CELLS,
    MAX_UNCOMPRESSED_MB,
    RATIO_FLOOR_MB,
)

__all__ = ["MAX_COLS", "MAX_LIST_ROWS", "MAX_ROWS", "MAX_UNCOMPRESSED_MB", "Sheet", "UnreadableWorkbook",
           "read_workbook", "sheet_names", "sniff"]

_ZIP_MAGIC = b"PK\x03\x04"
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
# Stream names in an OLE compound file's directory (UTF-16LE): what kind of document it is.
_OLE_ENCRYPTED = ("EncryptionInfo".encode("utf-16-le"), "EncryptedPackage".encode("utf-16-le"))
_OLE_WORD = "WordDocument".encode("utf-16-le")
_OLE_POWERPOINT = "PowerPoint Document".encode("utf-16-le")
_OLE_WORKBOOK = ("Workbook".encode("utf-16-le"), "Book".encode("utf-16-le"))
_CELL_REF = re.compile(r"^\$?([A-Za-z]{1,3})\$?([0-9]{1,10})$")
EXCEL_ERRORS = frozenset(("#N/A", "#DIV/0!", "#VALUE!", "#REF!", "#NAME?", "#NUM!", "#NULL!", "#SPILL!", "#CALC!",
                          "#GETTING_DATA", "#FIELD!", "#BLOCKED!", "#UNKNOWN!", "#CONNECT!", "#BUSY!"))

if not openpyxl.DEFUSEDXML:  # pragma: no cover - requirements.txt pins defusedxml
    raise ImportError("defusedxml 未安装：openpyxl 将无法防御恶意 XML，请执行 pip install -r requirements.txt")


class UnreadableWorkbook(Exception):
    """The bytes are not a workbook we can read; str() is a Chinese message saying why."""


Cell = tuple[int, int]  # (row, column), both 1-based as in Excel


@dataclass
class Sheet:
    """One worksheet: non-empty cell values by (row, col) and merged ranges (r1, c1, r2, c2)."""

    name: str
    values: dict[Cell, object]
    merges: list[tuple[int, int, int, int]] = field(default_factory=list)
    truncated: bool = False  # cells beyond row_limit × MAX_COLS were ignored
    row_limit: int = MAX_ROWS
    hidden: bool = False  # a hidden sheet: not read (values empty), reported and skipped
    formulas: dict[Cell, str] = field(default_factory=dict)  # formula cells whose result the file does not hold
    errors: dict[Cell, str] = field(default_factory=dict)  # cells holding an Excel error value (#N/A …)
    rows: int = 0  # the sheet's last row, as its XML says (0 when unknown)

    def anchor(self, cell: Cell) -> Cell:
        """The top-left cell of the merged range that holds `cell` (itself when not merged)."""
        return self._merge_maps[0].get(cell, cell)

    def span_end_col(self, cell: Cell) -> int:
        """The last column of the merged range holding `cell`."""
        return self._merge_maps[1].get(self.anchor(cell), cell)[1]

    def span_end_row(self, cell: Cell) -> int:
        """The last row of the merged range holding `cell`."""
        return self._merge_maps[1].get(self.anchor(cell), cell)[0]

    def merge_of(self, cell: Cell) -> tuple[int, int, int, int] | None:
        """The merged range (r1, c1, r2, c2) holding `cell`, None when it is not merged."""
        top_left = self.anchor(cell)
        end = self._merge_maps[1].get(top_left)
        return None if end is None else (*top_left, *end)

    def value(self, cell: Cell) -> object:
        """The value shown in `cell`: a merged range shows its top-left value everywhere."""
        return self.values.get(self.anchor(cell))

    @cached_property
    def _merge_maps(self) -> tuple[dict[Cell, Cell], dict[Cell, Cell]]:
        """(cell → its range's top-left cell, top-left cell → bottom-right cell), within the read block."""
        anchors: dict[Cell, Cell] = {}
        ends: dict[Cell, Cell] = {}
        for r1, c1, r2, c2 in self.merges:
            ends[(r1, c1)] = (r2, c2)
            top_left, columns = (r1, c1), range(c1, min(c2, MAX_COLS) + 1)
            for row in range(r1, min(r2, self.row_limit) + 1):
                for col in columns:
                    anchors[(row, col)] = top_left
        return anchors, ends


def sniff(data: bytes) -> str:
    """'xlsx', 'xls', or raise UnreadableWorkbook saying what the bytes are instead (Word, PowerPoint, ODS,
    an encrypted workbook, a plain zip, CSV, PDF, a web page …)."""
    if data.startswith(_ZIP_MAGIC):
        _sniff_zip(data)
        return "xlsx"
    if data.startswith(_OLE_MAGIC):
        _sniff_ole(data)
        return "xls"
    if not data:
        raise UnreadableWorkbook("文件为空（0 字节）")
    head = data[:512].lstrip()
    if head[:5].lower() in (b"<html", b"<!doc") or head[:5] == b"<?xml":
        raise UnreadableWorkbook("文件是网页或 XML，不是 Excel 工作簿；请在 Excel 中“另存为” .xlsx 后再导入")
    if head.startswith(b"%PDF"):
        raise UnreadableWorkbook("文件是 PDF，不是 Excel 工作簿；请上传自评表的 Excel 原件")
    if head.startswith(b"{\\rtf"):
        raise UnreadableWorkbook("这是 RTF（Word）文件，不是 Excel 自评表；请上传自评表的 Excel 原件")
    try:
        head.decode("utf-8")
        text_like = True
    except UnicodeDecodeError:
        text_like = False
    if text_like or b"," in head[:200]:
        raise UnreadableWorkbook("文件是文本（如 CSV），不是 Excel 工作簿；请在 Excel 中“另存为” .xlsx 后再导入")
    raise UnreadableWorkbook("文件不是 Excel 工作簿（.xlsx 或 .xls），无法读取")


_NOT_A_FORM = "，不是 Excel 自评表；请上传自评表的 Excel 文件（.xlsx 或 .xls）"
_WORD = "这是 Word 文件" + _NOT_A_FORM + "。单位的自评报告请在“数据导入”页作为附件上传"


def _sniff_zip(data: bytes) -> None:
    """Raise UnreadableWorkbook when a zip is not an .xlsx package (Word, PowerPoint, ODS, a plain archive)."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = archive.namelist()
            mimetype = archive.read("mimetype")[:100] if "mimetype" in names else b""
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, OSError, zlib.error, ValueError) as exc:
        raise UnreadableWorkbook("文件已损坏或不完整（无法解压），请重新导出后再导入") from exc
    if b"opendocument.spreadsheet" in mimetype:
        raise UnreadableWorkbook("这是 ODS（WPS/LibreOffice 表格）文件" + _NOT_A_FORM + "；可在 WPS 或 LibreOffice 中“另存为” .xlsx")
    if b"opendocument.text" in mimetype:
        raise UnreadableWorkbook(_WORD)
    if b"opendocument" in mimetype:
        raise UnreadableWorkbook("这是 OpenDocument 文件" + _NOT_A_FORM)
    tops = {name.split("/", 1)[0] for name in names}
    if "xl" in tops and "[Content_Types].xml" in names:
        return
    if "word" in tops:
        raise UnreadableWorkbook(_WORD)
    if "ppt" in tops:
        raise UnreadableWorkbook("这是 PowerPoint 文件" + _NOT_A_FORM)
    raise UnreadableWorkbook("文件是 ZIP 压缩包而不是 Excel 工作簿；请解压后导入其中的 .xlsx 文件，或直接导入该 .zip")


def _sniff_ole(data: bytes) -> None:
    """Raise UnreadableWorkbook when an OLE compound file is encrypted, or a Word or PowerPoint file (.doc, .ppt).
    The stream names are looked up in the file's bytes (they are stored there in UTF-16LE)."""
    if any(marker in data for marker in _OLE_ENCRYPTED):
        raise UnreadableWorkbook("文件已加密（设置了打开密码），请取消密码后重新上传")
    if any(marker in data for marker in _OLE_WORKBOOK):
        return
    if _OLE_WORD in data:
        raise UnreadableWorkbook(_WORD)
    if _OLE_POWERPOINT in data:
        raise UnreadableWorkbook("这是 PowerPoint 文件" + _NOT_A_FORM)


@dataclass
class SheetScan:
    """What a sheet's XML says before any reader allocates it: extent, hidden or not, doubtful cells."""

    name: str
    part: str
    hidden: bool = False
    rows: int = 0
    cols: int = 0
    formulas: dict[Cell, str] = field(default_factory=dict)
    errors: dict[Cell, str] = field(default_factory=dict)

    def within(self, max_rows: int) -> bool:
        """True when every cell lies inside max_rows × MAX_COLS."""
        return self.rows <= max_rows and self.cols <= MAX_COLS


def _local(tag: str) -> str:
    return tag.rpartition("}")[2]


def _attr(elem, name: str) -> str | None:
    """An attribute by local name (r:id carries a namespace)."""
    for key, value in elem.attrib.items():
        if _local(key) == name:
            return value
    return None


@lru_cache(maxsize=4096)
def _column_number(letters: str) -> int:
    number = 0
    for letter in letters.upper():
        number = number * 26 + ord(letter) - 64
    return number


def _deadline_passed(deadline: float | None) -> None:
    if deadline is not None and time.monotonic() > deadline:
        raise UnreadableWorkbook(f"读取超过 {MAX_CHECK_SECONDS} 秒仍未完成，不像是自评表，已停止；请检查文件后再导入")


def _check_package(archive: zipfile.ZipFile) -> list[zipfile.ZipInfo]:
    """The parts of an .xlsx package; UnreadableWorkbook when it is another zip or unpacks too large (a bomb)."""
    infos = archive.infolist()
    names = {info.filename for info in infos}
    if "[Content_Types].xml" not in names or not any(n.startswith("xl/") for n in names):
        raise UnreadableWorkbook("文件是 ZIP 压缩包而不是 Excel 工作簿；请解压后导入其中的 .xlsx 文件，或直接导入该 .zip")
    if sum(info.file_size for info in infos) > MAX_UNCOMPRESSED_MB * 1024 * 1024:
        raise UnreadableWorkbook(f"工作簿解压后超过 {MAX_UNCOMPRESSED_MB} MB，不像是自评表，已拒绝")
    for info in infos:
        if info.file_size > RATIO_FLOOR_MB * 1024 * 1024 \
                and info.file_size > MAX_COMPRESSION_RATIO * max(1, info.compress_size):
            raise UnreadableWorkbook(f"工作簿中的“{info.filename}”压缩比异常（{info.file_size // max(1, info.compress_size)}"
                                     f" 倍，上限 {MAX_COMPRESSION_RATIO} 倍），疑似压缩炸弹，已拒绝")
    return infos


def _xml(archive: zipfile.ZipFile, name: str, deadline: float | None):
    """(event, element) pairs of a package part, streamed through a parser that refuses DTDs and entities."""
    limit = MAX_UNCOMPRESSED_MB * 1024 * 1024
    with archive.open(name) as stream:
        yield from iterparse(_Capped(stream, limit, deadline), events=("start", "end"), forbid_dtd=True)


class _Capped(io.RawIOBase):
    """A stream that stops with UnreadableWorkbook once more than `limit` bytes were read (a part whose header
    lies about its size) or the deadline passed."""

    def __init__(self, stream, limit: int, deadline: float | None):
        self.stream, self.left, self.deadline = stream, limit, deadline

    def readable(self) -> bool:
        return True

    def read(self, size: int | None = -1) -> bytes:
        chunk = self.stream.read(65536 if size is None or size < 0 else size)
        self.left -= len(chunk)
        if self.left < 0:
            raise UnreadableWorkbook(f"工作簿解压后超过 {MAX_UNCOMPRESSED_MB} MB，不像是自评表，已拒绝")
        _deadline_passed(self.deadline)
        return chunk


def _sheet_parts(archive: zipfile.ZipFile, deadline: float | None) -> list[SheetScan]:
    """The worksheets named in xl/workbook.xml, in order, with their part names and hidden state."""
    targets: dict[str, str] = {}
    names = set(archive.namelist())
    if "xl/_rels/workbook.xml.rels" in names:
        for event, elem in _xml(archive, "xl/_rels/workbook.xml.rels", deadline):
            if event == "end" and _local(elem.tag) == "Relationship":
                target = (elem.get("Target") or "").lstrip("/")
                targets[elem.get("Id") or ""] = target if target.startswith("xl/") else f"xl/{target}"
    sheets: list[SheetScan] = []
    for event, elem in _xml(archive, "xl/workbook.xml", deadline):
        if event == "end" and _local(elem.tag) == "sheet":
            part = targets.get(_attr(elem, "id") or "", "")
            state = (elem.get("state") or "visible").lower()
            sheets.append(SheetScan(elem.get("name") or "", part, hidden=state != "visible"))
    return sheets


def _full_calc_on_load(archive: zipfile.ZipFile, deadline: float | None) -> bool:
    """True when the workbook asks Excel to recalculate on opening: written by a program (openpyxl, xlsxwriter),
    whose formula results are placeholders (0), not computed values."""
    for event, elem in _xml(archive, "xl/workbook.xml", deadline):
        if event == "end" and _local(elem.tag) == "calcPr":
            return (elem.get("fullCalcOnLoad") or "").lower() in ("1", "true")
    return False


def _refuse(*_args: object) -> int:
    raise DefusedXmlException("DTD or entity declaration")


# Bytes that may start a formula or an error cell (any namespace prefix): only a sheet chunk holding one needs the
# slower callbacks that read cell contents.
_CONTENT_MARKERS = (b"<f>", b"<f ", b":f>", b":f ", b't="e"', b"t='e'")


_R_ROWS = re.compile(rb"""\br\s*=\s*["']\s*\$?[A-Za-z]*\$?([0-9]+)""")  # the row of every r="…" (cells and rows)
_R_COLS = re.compile(rb"""\br\s*=\s*["']\s*\$?([A-Za-z]+)""")  # the column letters of every r="…"
_R_ODD = re.compile(rb"""\br\s*=\s*(["'])(?!\s*\$?[A-Za-z]{0,3}\$?[0-9]{1,10}\s*\1)""")  # an r="…" of another shape


def _scan_sheet(archive: zipfile.ZipFile, scan: SheetScan, max_rows: int, untrusted_zero: bool,
                deadline: float | None) -> None:
    """Fill `scan` from the sheet's XML: extent, formula cells without a trustworthy result, error cells.

    The XML always goes through expat with DTDs, entities and external references refused (as defusedxml does).
    A sheet without formulas or error values (most) has its extent read from every r="…" (any case, any length)
    by regular expressions while expat only checks the XML: this costs about as much as calamine's own read.
    Rows and cells written without `r` are not counted then: calamine places them one after another, so they
    reach only as far as the file's own size allows. Otherwise expat reports each row and cell to Python, which
    counts those without `r` and reads formulas and error values."""
    limit = MAX_UNCOMPRESSED_MB * 1024 * 1024
    with archive.open(scan.part) as stream:
        xml = stream.read(limit + 1)
    if len(xml) > limit:
        raise UnreadableWorkbook(f"工作簿解压后超过 {MAX_UNCOMPRESSED_MB} MB，不像是自评表，已拒绝")
    _deadline_passed(deadline)
    parser = expat.ParserCreate()
    parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)
    parser.StartDoctypeDeclHandler = _refuse
    parser.EntityDeclHandler = _refuse
    parser.UnparsedEntityDeclHandler = _refuse
    parser.ExternalEntityRefHandler = _refuse
    if not any(marker in xml for marker in _CONTENT_MARKERS):
        parser.Parse(xml, True)
        if _R_ODD.search(xml) is not None:
            scan.rows = scan.cols = 1 << 40  # a reference we cannot read: beyond the block
        else:
            rows = {digits.lstrip(b"0") or b"0" for digits in set(_R_ROWS.findall(xml))}
            scan.rows = 1 << 40 if any(len(d) > 12 for d in rows) else max(map(int, rows), default=0)
            letters = _R_COLS.findall(xml)
            if len(letters) > MAX_SHEET_CELLS:
                raise UnreadableWorkbook(f"工作表“{scan.name}”超过 {MAX_SHEET_CELLS:,} 个单元格，不像是自评表，已拒绝")
            scan.cols = max((_column_number(c.decode()) for c in set(letters)), default=0)
    else:
        state = _SheetState(scan, max_rows, untrusted_zero)
        parser.buffer_text = True
        parser.StartElementHandler = state.start
        parser.EndElementHandler = state.end
        parser.CharacterDataHandler = state.text
        parser.Parse(xml, True)
    _deadline_passed(deadline)


class _SheetState:
    """expat callbacks for one sheet: where each row and cell is, and which cells are doubtful."""

    def __init__(self, scan: SheetScan, max_rows: int, untrusted_zero: bool):
        self.scan, self.max_rows, self.untrusted_zero = scan, max_rows, untrusted_zero
        self.row = self.col = self.cells = 0
        self.cell: Cell | None = None  # the cell being read, when inside the block
        self.error = False
        self.formula: str | None = None
        self.value: str | None = None
        self.reading = ""  # "f" or "v" while inside one of them

    def start(self, name: str, attrs: dict[str, str]) -> None:
        local = name if ":" not in name else name.rpartition(":")[2]
        if local == "c":
            self.cells += 1
            if self.cells > MAX_SHEET_CELLS:
                raise UnreadableWorkbook(f"工作表“{self.scan.name}”超过 {MAX_SHEET_CELLS:,} 个单元格，不像是自评表，已拒绝")
            ref = attrs.get("r")
            if ref is None:
                self.col += 1
                cell = (self.row, self.col)
            else:
                match = _CELL_REF.match(ref.strip())
                cell = (int(match.group(2)), _column_number(match.group(1))) if match else (1 << 40, 1 << 40)
                self.col = cell[1]
            scan = self.scan
            if cell[0] > scan.rows:
                scan.rows = cell[0]
            if cell[1] > scan.cols:
                scan.cols = cell[1]
            self.cell = cell if cell[0] <= self.max_rows and cell[1] <= MAX_COLS else None
            self.error, self.formula, self.value = attrs.get("t") == "e", None, None
        elif local == "row":
            r = (attrs.get("r") or "").strip()
            if not r:
                self.row += 1
            else:  # any number of digits; an unreadable row number counts as beyond the block
                self.row = int(r) if r.isascii() and r.isdigit() else 1 << 40
            self.col = 0
            if self.row > self.scan.rows:
                self.scan.rows = self.row
        elif self.cell is not None and local in ("f", "v"):
            self.reading = local
            if local == "f":
                self.formula = ""
            else:
                self.value = ""

    def text(self, data: str) -> None:
        if self.reading == "f":
            self.formula = (self.formula or "") + data
        elif self.reading == "v":
            self.value = (self.value or "") + data

    def end(self, name: str) -> None:
        local = name if ":" not in name else name.rpartition(":")[2]
        if local in ("f", "v"):
            self.reading = ""
        elif local == "c" and self.cell is not None:
            value = (self.value or "").strip()
            if self.error:
                self.scan.errors[self.cell] = value or "#错误"
            elif self.formula is not None and (not value or (self.untrusted_zero and value in ("0", "0.0"))):
                self.scan.formulas[self.cell] = self.formula
            self.cell = None


def scan_xlsx(data: bytes, max_rows: int = MAX_ROWS, deadline: float | None = None) -> list[SheetScan]:
    """Scan an .xlsx package's sheets (see SheetScan) without allocating any of them."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            _check_package(archive)
            sheets = _sheet_parts(archive, deadline)
            untrusted_zero = _full_calc_on_load(archive, deadline)
            names = set(archive.namelist())
            for scan in sheets:
                if scan.part in names:
                    _scan_sheet(archive, scan, max_rows, untrusted_zero, deadline)
    except (DefusedXmlException, ParseError, expat.ExpatError) as exc:
        raise UnreadableWorkbook("工作簿的 XML 已损坏或含有不允许的内容（DTD、实体定义），无法读取；"
                                 "请在 Excel 中打开并另存为 .xlsx 后再导入") from exc
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, OSError, zlib.error, KeyError, ValueError) as exc:
        raise UnreadableWorkbook("文件已损坏或不完整（无法解压），请重新导出后再导入") from exc
    return sheets


def scan_xls(data: bytes, max_rows: int = MAX_ROWS, deadline: float | None = None) -> dict[str, dict[Cell, str]]:
    """The error cells (#N/A …) of an .xls workbook's visible sheets, within max_rows × MAX_COLS, by sheet name:
    {} for a workbook xlrd cannot read (calamine, which reads it, then shows them as empty cells, as before).
    xlrd reports a formula whose saved result is an error value as an error cell too."""
    try:
        book = xlrd.open_workbook(file_contents=data, on_demand=True, ragged_rows=True, logfile=io.StringIO())
    except Exception:  # xlrd raises many types for files it cannot read; calamine decides whether they are damaged
        return {}
    errors: dict[str, dict[Cell, str]] = {}
    try:
        for index, name in enumerate(book.sheet_names()):
            _deadline_passed(deadline)
            try:
                sheet = book.sheet_by_index(index)
            except Exception:  # a sheet xlrd cannot parse: calamine reads or refuses it
                continue
            if sheet.visibility == 0:
                found: dict[Cell, str] = {}
                for r in range(min(sheet.nrows, max_rows)):
                    for c, kind in enumerate(sheet.row_types(r, 0, min(sheet.row_len(r), MAX_COLS))):
                        if kind == xlrd.XL_CELL_ERROR:
                            found[(r + 1, c + 1)] = xlrd.error_text_from_code.get(sheet.cell_value(r, c), "#错误")
                errors[name] = found
            book.unload_sheet(index)
    finally:
        book.release_resources()
    _deadline_passed(deadline)
    return errors


def read_workbook(data: bytes, max_rows: int = MAX_ROWS, deadline: float | None = None) -> list[Sheet]:
    """Read every worksheet of an .xlsx or .xls file given as bytes (the first max_rows rows of each); hidden
    sheets come back empty with `hidden` set."""
    if deadline is None:
        deadline = time.monotonic() + MAX_CHECK_SECONDS
    if sniff(data) != "xlsx":
        sheets = list(_read_calamine(data, max_rows, {}))
        errors = scan_xls(data, max_rows, deadline)
        return [sheet if sheet.hidden else _with_errors(sheet, errors.get(sheet.name, {})) for sheet in sheets]
    scans = {scan.name: scan for scan in scan_xlsx(data, max_rows, deadline)}
    if all(scan.within(max_rows) for scan in scans.values() if not scan.hidden):
        sheets = list(_read_calamine(data, max_rows, scans))
    else:
        sheets = list(_read_openpyxl(data, max_rows, scans))
    _deadline_passed(deadline)
    return sheets


def _with_scan(sheet: Sheet, scan: SheetScan | None) -> Sheet:
    """The sheet with what its XML scan found: error values shown as written, doubtful formulas noted."""
    if scan is not None:
        sheet.formulas, sheet.rows = dict(scan.formulas), scan.rows
        _with_errors(sheet, scan.errors)
        sheet.truncated = sheet.truncated or not scan.within(sheet.row_limit)
    return sheet


def _with_errors(sheet: Sheet, errors: dict[Cell, str]) -> Sheet:
    """The sheet with its error cells noted and shown as written (#N/A), never as empty."""
    sheet.errors = dict(errors)
    sheet.values.update(errors)
    return sheet


def _read_openpyxl(data: bytes, max_rows: int, scans: dict[str, SheetScan]) -> Iterator[Sheet]:
    try:
        workbook = openpyxl.load_workbook(io.BytesIO(data), data_only=True, rich_text=False)
    except Exception as exc:  # openpyxl raises many types for damaged parts
        raise UnreadableWorkbook("工作簿已损坏，无法读取；请在 Excel 中打开并另存后再导入") from exc
    for ws in workbook.worksheets:
        if ws.sheet_state != "visible":
            yield Sheet(ws.title, {}, hidden=True)
            continue
        values: dict[Cell, object] = {}
        max_row, max_col = ws.max_row or 0, ws.max_column or 0
        for row in ws.iter_rows(min_row=1, max_row=min(max_row, max_rows), max_col=min(max_col, MAX_COLS)):
            for cell in row:
                if cell.value is not None and cell.value != "":
                    values[(cell.row, cell.column)] = cell.value
        merges = [(m.min_row, m.min_col, m.max_row, m.max_col) for m in ws.merged_cells.ranges]
        sheet = Sheet(ws.title, values, merges, truncated=max_row > max_rows or max_col > MAX_COLS, row_limit=max_rows)
        yield _with_scan(sheet, scans.get(ws.title))
    workbook.close()


def _open_calamine(data: bytes) -> python_calamine.CalamineWorkbook:
    """Open a workbook (its sheet list only; no sheet is read yet)."""
    try:
        return python_calamine.CalamineWorkbook.from_filelike(io.BytesIO(data))
    except python_calamine.PasswordError as exc:
        raise UnreadableWorkbook("文件已加密（设置了打开密码），请取消密码后重新上传") from exc
    except Exception as exc:  # calamine raises its own error types for damaged files
        message = str(exc)
        if "password" in message.lower() or "encrypt" in message.lower():
            raise UnreadableWorkbook("文件已加密（设置了打开密码），请取消密码后重新上传") from exc
        raise UnreadableWorkbook("工作簿已损坏，无法读取；请在 Excel 中打开并另存为 .xlsx 后再导入") from exc


def sheet_names(data: bytes) -> list[str]:
    """The worksheet names of an .xlsx or .xls file, without reading any sheet."""
    if sniff(data) == "xlsx":
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as archive:
                _check_package(archive)
        except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, OSError, zlib.error) as exc:
            raise UnreadableWorkbook("文件已损坏或不完整（无法解压），请重新导出后再导入") from exc
    workbook = _open_calamine(data)
    return [m.name for m in workbook.sheets_metadata if m.typ == python_calamine.SheetTypeEnum.WorkSheet]


def _read_calamine(data: bytes, max_rows: int, scans: dict[str, SheetScan]) -> Iterator[Sheet]:
    workbook = _open_calamine(data)
    for meta in workbook.sheets_metadata:
        if meta.typ != python_calamine.SheetTypeEnum.WorkSheet:
            continue  # chart and macro sheets hold no form
        name = meta.name
        if meta.visible != python_calamine.SheetVisibleEnum.Visible:
            yield Sheet(name, {}, hidden=True)
            continue
        try:
            sheet = workbook.get_sheet_by_name(name)
        except Exception as exc:
            raise UnreadableWorkbook(f"工作表“{name}”已损坏，无法读取；请在 Excel 中打开并另存后再导入") from exc
        values: dict[Cell, object] = {}
        row0, col0 = sheet.start or (0, 0)
        # iter_rows() counts rows from the sheet's first row but columns from the used range's first column
        for r, row in enumerate(sheet.iter_rows()):
            if r >= max_rows:
                break
            for c, value in enumerate(row[: max(0, MAX_COLS - col0)]):
                if value is not None and value != "":
                    values[(r + 1, col0 + c + 1)] = value
        merges = [(a[0] + 1, a[1] + 1, b[0] + 1, b[1] + 1) for a, b in (sheet.merged_cell_ranges or [])]
        truncated = (sheet.height or 0) + row0 > max_rows or (sheet.width or 0) + col0 > MAX_COLS
        yield _with_scan(Sheet(name, values, merges, truncated=truncated, row_limit=max_rows, rows=(sheet.height or 0) + row0),
                         scans.get(name))
