"""Shared page widgets (Streamlit glue): page start, tables with their downloads."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import pandas as pd
import streamlit as st

from present import format as fmt
from present import strings as s
from present import tables
from reports.tables import XLSX_MIME, table_xlsx
from store.queries import Units
from ui import data


@dataclass(frozen=True)
class PageContext:
    """What every page asks its queries with: the data version, the year and the viewer's units."""

    version: int
    year: int
    sample: bool = False  # the year's data is the bundled 示例数据
    units: Units = None  # every unit: sign-in and per-viewer scopes come later

    def export_title(self, what: str) -> str:
        """The title line of an exported table: year, what it is, and 示例数据 when it is."""
        return s.EXPORT_TITLE.format(year=self.year, what=what, note=s.SAMPLE_NOTE_SHORT if self.sample else "")


def page_start(title: str, caption: str) -> PageContext:
    """Draw the page title and caption; stop the page with a hint when no data is loaded yet."""
    version, year = data.selection()
    st.title(title)
    if year is None:
        st.info(s.NO_DATA)
        st.stop()
    st.caption(caption.format(year=year))
    return PageContext(version=version, year=year, sample=s.SAMPLE_BADGE in data.year_note(year, version))


def table_with_downloads(ctx: PageContext, table: pd.DataFrame, what: str, height: int | Literal["auto"] = "auto") -> None:
    """A shaped table (Chinese column names) with Excel and CSV downloads named after it and the year."""
    st.dataframe(table, hide_index=True, width="stretch", height=height, placeholder=fmt.EMPTY, column_config={
        s.COL_RATE: st.column_config.NumberColumn(format="percent"),
        s.COL_BUDGET: st.column_config.NumberColumn(format="localized"),
        s.COL_EXECUTED: st.column_config.NumberColumn(format="localized"),
    })
    left, right, _ = st.columns([1, 1, 6])
    left.download_button(s.DOWNLOAD_EXCEL, table_xlsx(table, what, ctx.export_title(what), tables.EXCEL_FORMATS),
                         file_name=f"{what}_{ctx.year}.xlsx", mime=XLSX_MIME)
    right.download_button(s.DOWNLOAD_CSV, fmt.csv_bytes(table), file_name=f"{what}_{ctx.year}.csv", mime="text/csv")
