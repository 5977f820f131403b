"""Shared page widgets (Streamlit glue): page start, tables with their downloads."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal, NoReturn

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


PAGE_SIZE = 50  # projects per page of a list


def failure(message: str, exc: BaseException) -> NoReturn:
    """Say what failed in Chinese, fold the technical detail away (never a traceback), stop the page."""
    st.error(message)
    with st.expander(s.DETAILS):
        st.code(f"{type(exc).__name__}: {exc}")
    st.stop()


def page_start(title: str, caption: str) -> PageContext:
    """Draw the page title, caption and the rubric behind the numbers; stop the page with a hint when no data
    is loaded yet."""
    version, year = data.selection()
    st.title(title)
    if year is None:
        st.info(s.NO_DATA)
        st.stop()
    ctx = PageContext(version=version, year=year, sample=s.SAMPLE_BADGE in data.year_note(year, version))
    st.caption(caption.format(year=year))
    rubrics = data.rubrics_in_use(year, ctx.units, version)
    if rubrics:
        item = s.RUBRIC_ITEM if len(rubrics) == 1 else s.RUBRIC_ITEM_SHARE
        st.caption(s.RUBRIC_LINE.format(rubrics="；".join(
            item.format(name=r.name, date=r.loaded_at, projects=r.projects) for r in rubrics)))
    return ctx


def table_with_downloads(ctx: PageContext, table: pd.DataFrame, what: str, height: int | Literal["auto"] = "auto",
                         full: Callable[[], pd.DataFrame] | None = None) -> None:
    """A shaped table (Chinese column names, exact numbers) with Excel and CSV downloads named after it and the
    year. With `full`, the downloads hold every row it returns, built only when the user clicks."""
    st.dataframe(tables.for_display(table), hide_index=True, width="stretch", height=height, placeholder=fmt.EMPTY,
                 column_config={
                     s.COL_RATE: st.column_config.NumberColumn(format="percent"),
                     s.COL_BUDGET: st.column_config.NumberColumn(format="localized"),
                     s.COL_EXECUTED: st.column_config.NumberColumn(format="localized"),
                 })
    title = ctx.export_title(what)
    left, right, _ = st.columns([1, 1, 6])
    if full is None:  # the table itself: its files are built once per table and kept
        xlsx, csv = _downloads(table, what, title)
        left.download_button(s.DOWNLOAD_EXCEL, xlsx, file_name=f"{what}_{ctx.year}.xlsx", mime=XLSX_MIME)
        right.download_button(s.DOWNLOAD_CSV, csv, file_name=f"{what}_{ctx.year}.csv", mime="text/csv")
        return

    def xlsx_now() -> bytes:
        return table_xlsx(full(), what, title, tables.EXCEL_FORMATS)

    def csv_now() -> bytes:
        return fmt.csv_bytes(full())

    left.download_button(s.DOWNLOAD_EXCEL, xlsx_now, file_name=f"{what}_{ctx.year}.xlsx", mime=XLSX_MIME)
    right.download_button(s.DOWNLOAD_CSV, csv_now, file_name=f"{what}_{ctx.year}.csv", mime="text/csv")


@st.cache_data(show_spinner=False, max_entries=32)
def _downloads(table: pd.DataFrame, what: str, title: str) -> tuple[bytes, bytes]:
    """(xlsx, csv) bytes of a shaped table, built once per table content."""
    return table_xlsx(table, what, title, tables.EXCEL_FORMATS), fmt.csv_bytes(table)
