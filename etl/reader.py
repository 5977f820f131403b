"""Workbook bytes → sheets of cell values with their merged ranges, for .xlsx and .xls.

Both are read with python-calamine (fast, reports merged ranges). Calamine allocates the whole used
range of a sheet, so one stray cell at XFD1048576 would make it allocate 2^34 cells and abort the
process: before handing it an .xlsx we scan the sheets' XML for their real extent, and a workbook
with a sheet beyond MAX_ROWS × MAX_COLS is read with openpyxl instead (slower, but it stores cells
sparsely). An .xls sheet is at most 65,536 × 256, which calamine handles.
Only the top-left max_rows × MAX_COLS block of a sheet is read: a form is far smaller.
"""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import cached_property

import openpyxl
import python_calamine

MAX_ROWS = 500  # rows of a form sheet that are read
MAX_LIST_ROWS = 200_000  # rows of a list sheet (自评项目清单) that are read
MAX_COLS = 40  # columns of a sheet that are read
MAX_UNCOMPRESSED_MB = 64  # an .xlsx whose parts unpack to more is refused (zip bomb guard)

_ZIP_MAGIC = b"PK\x03\x04"
# Extents in a sheet's XML: every r="…" (rows and cells; also ref="…" of merges and the dimension, which only
# makes the check stricter), either quote, any case, any length. Only what could exceed the limits is
# matched: columns of two letters or more (A–Z are within MAX_COLS) and row numbers as long as the limit.
_FAR_COLUMN = re.compile(rb"r=[\"']\s*([A-Za-z]{2,})[0-9]")
_LONG_ROWS: dict[int, re.Pattern[bytes]] = {}
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"

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

    def anchor(self, cell: Cell) -> Cell:
        """The top-left cell of the merged range that holds `cell` (itself when not merged)."""
        return self._merge_maps[0].get(cell, cell)

    def span_end_col(self, cell: Cell) -> int:
        """The last column of the merged range holding `cell`."""
        return self._merge_maps[1].get(self.anchor(cell), cell)[1]

    def span_end_row(self, cell: Cell) -> int:
        """The last row of the merged range holding `cell`."""
        return self._merge_maps[1].get(self.anchor(cell), cell)[0]

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
    """'xlsx', 'xls', or raise UnreadableWorkbook saying what the bytes look like instead."""
    if data.startswith(_ZIP_MAGIC):
        return "xlsx"
    if data.startswith(_OLE_MAGIC):
        return "xls"
    if not data:
        raise UnreadableWorkbook("文件为空（0 字节）")
    head = data[:512].lstrip()
    if head[:5].lower() in (b"<html", b"<!doc") or head[:5] == b"<?xml":
        raise UnreadableWorkbook("文件是网页或 XML，不是 Excel 工作簿；请在 Excel 中“另存为” .xlsx 后再导入")
    if head.startswith(b"%PDF"):
        raise UnreadableWorkbook("文件是 PDF，不是 Excel 工作簿；请上传自评表的 Excel 原件")
    try:
        head.decode("utf-8")
        text_like = True
    except UnicodeDecodeError:
        text_like = False
    if text_like or b"," in head[:200]:
        raise UnreadableWorkbook("文件是文本（如 CSV），不是 Excel 工作簿；请在 Excel 中“另存为” .xlsx 后再导入")
    raise UnreadableWorkbook("文件不是 Excel 工作簿（.xlsx 或 .xls），无法读取")


def read_workbook(data: bytes, max_rows: int = MAX_ROWS) -> list[Sheet]:
    """Read every worksheet of an .xlsx or .xls file given as bytes (the first max_rows rows of each)."""
    if sniff(data) == "xlsx" and not _xlsx_within(data, max_rows):
        return list(_read_openpyxl(data, max_rows))
    return list(_read_calamine(data, max_rows))


def _column_number(letters: bytes) -> int:
    number = 0
    for letter in letters:
        number = number * 26 + letter - 64
    return number


def _check_package(archive: zipfile.ZipFile) -> list[zipfile.ZipInfo]:
    """The parts of an .xlsx package; UnreadableWorkbook when it is another zip or unpacks too large."""
    infos = archive.infolist()
    names = {info.filename for info in infos}
    if "[Content_Types].xml" not in names or not any(n.startswith("xl/") for n in names):
        raise UnreadableWorkbook("文件是 ZIP 压缩包而不是 Excel 工作簿；请解压后导入其中的 .xlsx 文件，或直接导入该 .zip")
    if sum(info.file_size for info in infos) > MAX_UNCOMPRESSED_MB * 1024 * 1024:
        raise UnreadableWorkbook(f"工作簿解压后超过 {MAX_UNCOMPRESSED_MB} MB，不像是自评表，已拒绝")
    return infos


def _extent_within(xml: bytes, max_rows: int) -> bool:
    """True when no row or column named in a sheet's XML lies beyond max_rows × MAX_COLS."""
    digits = len(str(max_rows))
    long_rows = _LONG_ROWS.get(digits)
    if long_rows is None:
        long_rows = _LONG_ROWS[digits] = re.compile(rb"r=[\"']\s*[A-Za-z]*([0-9]{%d,})" % digits)
    if any(int(row) > max_rows for row in long_rows.findall(xml)):
        return False
    return all(_column_number(col.upper()) <= MAX_COLS for col in set(_FAR_COLUMN.findall(xml)))


def _xlsx_within(data: bytes, max_rows: int) -> bool:
    """Check the zip, and whether every sheet's cells lie within max_rows × MAX_COLS (by its XML)."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            infos = _check_package(archive)
            for info in infos:
                if info.filename.startswith("xl/worksheets/") and info.filename.endswith(".xml"):
                    xml = archive.read(info)
                    if not _extent_within(xml, max_rows):
                        return False
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, OSError) as exc:
        raise UnreadableWorkbook("文件已损坏或不完整（无法解压），请重新导出后再导入") from exc
    return True


def _read_openpyxl(data: bytes, max_rows: int) -> Iterator[Sheet]:
    try:
        workbook = openpyxl.load_workbook(io.BytesIO(data), data_only=True, rich_text=False)
    except Exception as exc:  # openpyxl raises many types for damaged parts
        raise UnreadableWorkbook(f"工作簿已损坏，无法读取（{type(exc).__name__}）；请在 Excel 中打开并另存后再导入") from exc
    for ws in workbook.worksheets:
        values: dict[Cell, object] = {}
        max_row, max_col = ws.max_row or 0, ws.max_column or 0
        for row in ws.iter_rows(min_row=1, max_row=min(max_row, max_rows), max_col=min(max_col, MAX_COLS)):
            for cell in row:
                if cell.value is not None and cell.value != "":
                    values[(cell.row, cell.column)] = cell.value
        merges = [(m.min_row, m.min_col, m.max_row, m.max_col) for m in ws.merged_cells.ranges]
        yield Sheet(ws.title, values, merges, truncated=max_row > max_rows or max_col > MAX_COLS, row_limit=max_rows)
    workbook.close()


def _open_calamine(data: bytes) -> python_calamine.CalamineWorkbook:
    """Open a workbook (its sheet list only; no sheet is read yet)."""
    try:
        return python_calamine.CalamineWorkbook.from_filelike(io.BytesIO(data))
    except python_calamine.PasswordError as exc:
        raise UnreadableWorkbook("工作簿设有密码，请取消密码保护后再导入") from exc
    except Exception as exc:  # calamine raises its own error types for damaged files
        message = str(exc)
        if "password" in message.lower() or "encrypt" in message.lower():
            raise UnreadableWorkbook("工作簿设有密码，请取消密码保护后再导入") from exc
        raise UnreadableWorkbook("工作簿已损坏，无法读取；请在 Excel 中打开并另存为 .xlsx 后再导入") from exc


def sheet_names(data: bytes) -> list[str]:
    """The worksheet names of an .xlsx or .xls file, without reading any sheet."""
    if sniff(data) == "xlsx":
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as archive:
                _check_package(archive)
        except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, OSError) as exc:
            raise UnreadableWorkbook("文件已损坏或不完整（无法解压），请重新导出后再导入") from exc
    workbook = _open_calamine(data)
    return [m.name for m in workbook.sheets_metadata if m.typ == python_calamine.SheetTypeEnum.WorkSheet]


def _read_calamine(data: bytes, max_rows: int) -> Iterator[Sheet]:
    workbook = _open_calamine(data)
    for meta in workbook.sheets_metadata:
        if meta.typ != python_calamine.SheetTypeEnum.WorkSheet:
            continue  # chart and macro sheets hold no form
        name = meta.name
        try:
            sheet = workbook.get_sheet_by_name(name)
        except Exception as exc:
            raise UnreadableWorkbook(f"工作表“{name}”已损坏，无法读取") from exc
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
        yield Sheet(name, values, merges, truncated=truncated, row_limit=max_rows)
