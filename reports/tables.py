"""Tables as .xlsx workbooks that open cleanly in Excel/WPS: Chinese headers, 万元 and percent formats
(present.tables.EXCEL_FORMATS), a frozen header row, and text that starts with = + - @ kept as text (never a
live formula)."""

from __future__ import annotations

import io
import math
from decimal import Decimal

import openpyxl
import pandas as pd
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
MAX_COLUMN_WIDTH = 60  # characters


def _cell_value(value: object) -> object:
    """A DataFrame value as Excel should hold it: numbers as numbers, missing as empty."""
    if value is None:
        return None
    if isinstance(value, float) and math.isnan(value):
        return None
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, (list, tuple)):
        return "、".join(str(v) for v in value)
    if value is pd.NA or value is pd.NaT:
        return None
    return value


def write_table(ws: Worksheet, frame: pd.DataFrame, title: str = "", formats: dict[str, str] | None = None,
                first: int = 1) -> int:
    """Write `frame` into `ws` from row `first` (under an optional title line): bold centred headers, numbers as
    numbers in `formats` (column name → Excel format), text as text (never a formula), widths fitted, the header
    frozen. Returns the header row."""
    if title:
        ws.cell(first, 1, title).font = Font(bold=True, size=13)
        first += 2
    for col, name in enumerate(frame.columns, start=1):
        cell = ws.cell(first, col, str(name))
        cell.font = Font(bold=True)
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
    formats = formats or {}
    for r, row in enumerate(frame.itertuples(index=False), start=first + 1):
        for c, value in enumerate(row, start=1):
            cell = ws.cell(r, c, _cell_value(value))
            if isinstance(cell.value, str):
                cell.data_type = "s"  # "=SUM(…)" typed by a unit stays text
            elif frame.columns[c - 1] in formats:
                cell.number_format = formats[frame.columns[c - 1]]
    for col, name in enumerate(frame.columns, start=1):
        longest = max([len(str(name))] + [len(str(v)) for v in frame.iloc[:200, col - 1].tolist()])
        ws.column_dimensions[get_column_letter(col)].width = min(MAX_COLUMN_WIDTH, max(8, longest * 1.6 + 2))
    ws.freeze_panes = ws.cell(first + 1, 1)
    return first


def table_xlsx(frame: pd.DataFrame, sheet: str, title: str = "", formats: dict[str, str] | None = None) -> bytes:
    """One sheet holding `frame` under an optional title line; `formats` maps column names to Excel formats."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = sheet[:31]
    write_table(ws, frame, title, formats)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()
