"""The 结果应用 page's 下年预算申报数 tab: the current requests, the request sheet (template, check, confirm) and the
entry of one unit's requests in the app."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

import pandas as pd
import streamlit as st

from present import format as fmt
from present import strings as s
from reports.tables import XLSX_MIME
from store.access import CUT
from ui import data, widgets
from ui.widgets import PageContext


def _current_table(current: pd.DataFrame) -> pd.DataFrame:
    return pd.DataFrame({
        s.COL_UNIT_CODE: current["unit_code"], s.COL_UNIT_NAME: current["unit_name"],
        s.COL_PROJECT: current["project_name"].map(lambda p: p if isinstance(p, str) else s.REQUESTS_UNIT_ROW),
        s.COL_REQUEST_AMOUNT: current["amount"],
        s.COL_REQUEST_INDIVIDUAL: current["individual"].map(lambda v: "是" if v else ""),
        s.COL_REQUEST_SOURCE: current["source"], s.COL_REQUEST_BY: current["entered_by"],
        s.COL_REQUEST_AT: current["entered_at"].map(lambda t: f"{t:%Y-%m-%d %H:%M}")})


def _editor_rows(ctx: PageContext, unit_code: str, current: pd.DataFrame) -> pd.DataFrame:
    """The unit's total and each of its projects, with the current amounts where there are some."""
    known = data.request_knowledge(ctx.year)
    mine = current[current["unit_code"] == unit_code]
    amounts = {(p if isinstance(p, str) else None): (a, i) for p, a, i in
               zip(mine["project_name"], mine["amount"], mine["individual"], strict=True)}
    rows = [[s.REQUESTS_UNIT_ROW, *_pair(amounts.get(None))]]
    rows += [[name, *_pair(amounts.get(name))] for name in sorted(known.projects.get(unit_code, {}))]
    return pd.DataFrame(rows, columns=[s.COL_PROJECT, s.COL_REQUEST_AMOUNT, s.COL_REQUEST_INDIVIDUAL])


def _pair(found: tuple[object, object] | None) -> list[object]:
    if found is None:
        return [None, False]
    return [float(str(found[0])), bool(found[1])]


def _entered(ctx: PageContext, unit_code: str, edited: pd.DataFrame) -> list[data.cuts.Request]:
    name = data.request_knowledge(ctx.year).units[unit_code]
    rows = []
    for project, amount, individual in zip(edited[s.COL_PROJECT], edited[s.COL_REQUEST_AMOUNT],
                                           edited[s.COL_REQUEST_INDIVIDUAL], strict=True):
        if amount is None or amount != amount:  # blank: not requested (a project that does not continue)
            continue
        try:
            value = Decimal(str(amount)).quantize(Decimal("0.000001"))
        except InvalidOperation:
            continue
        rows.append(data.cuts.Request(unit_code, name, None if project == s.REQUESTS_UNIT_ROW else project, value,
                                      bool(individual)))
    return rows


def _files(ctx: PageContext) -> None:
    """The imported request sheets, each downloadable as it was uploaded."""
    files = data.request_files(ctx.year, ctx.units, ctx.version)
    if files.empty:
        return
    st.subheader(s.REQUESTS_FILES)
    labels = {int(r["batch_id"]): s.REQUESTS_FILE_LABEL.format(
        file=r["file_name"], batch=r["batch_id"], by=r["entered_by"], at=r["entered_at"], units=r["units"],
        rows=r["rows"], current=r["current_rows"]) for r in files.to_dict("records")}
    batch = st.selectbox(s.REQUESTS_FILE_PICK, list(labels), format_func=labels.__getitem__,
                         key=f"requests_file_{ctx.year}_{next(iter(labels))}")  # a new sheet: shown first, chosen
    found = data.request_file(ctx.year, int(batch), ctx.units) if batch is not None else None
    if found is not None:
        name, content = found
        st.download_button(s.REQUESTS_FILE_DOWNLOAD, content, file_name=name, key=f"requests_file_get_{ctx.year}",
                           mime=XLSX_MIME if name.lower().endswith(".xlsx") else "application/octet-stream")


_CHECKED = "requests_checked"  # session_state: the sheet checked and waiting for the confirm


def _sheet(ctx: PageContext) -> None:
    """Template, upload, check (every problem with its cell), confirm."""
    st.subheader(s.REQUESTS_SHEET)
    name, template = data.request_sheet_template(ctx.year, ctx.units)
    st.download_button(s.REQUESTS_TEMPLATE, template, file_name=name, mime=XLSX_MIME, key=f"requests_template_{ctx.year}",
                       help=s.REQUESTS_TEMPLATE_HELP)
    upload = st.file_uploader(s.REQUESTS_UPLOAD, type=["xlsx", "xls"], key=f"requests_upload_{ctx.year}")
    if upload is None:
        st.session_state.pop(_CHECKED, None)
        return
    if st.button(s.REQUESTS_CHECK, key=f"requests_check_{ctx.year}"):
        st.session_state[_CHECKED] = data.check_request_sheet(upload.name, upload.getvalue(), ctx.year)
    checked = st.session_state.get(_CHECKED)
    if checked is None or checked.file != upload.name:
        return
    for problem in checked.warnings:
        st.warning(str(problem))
    if not checked.ok:
        st.error(s.REQUESTS_PROBLEMS.format(n=len(checked.errors)))
        st.dataframe(pd.DataFrame({s.COL_FILE: [p.file for p in checked.errors],
                                   s.COL_SHEET: [p.sheet for p in checked.errors],
                                   s.COL_CELL: [p.cell for p in checked.errors],
                                   s.COL_MESSAGE: [p.message for p in checked.errors]}), hide_index=True, width="stretch")
        return
    st.success(s.REQUESTS_OK.format(units=checked.units, projects=checked.projects, total=fmt.money(checked.total)))
    if st.button(s.REQUESTS_CONFIRM, type="primary", key=f"requests_confirm_{ctx.year}"):
        try:
            data.import_request_sheet(ctx.viewer, ctx.year, checked)
        except data.CutsError as exc:
            st.error(str(exc))
        else:
            st.session_state.pop(_CHECKED, None)
            st.session_state["cuts_flash"] = s.REQUESTS_SAVED.format(units=checked.units)
            st.rerun()


def show(ctx: PageContext) -> None:
    """The tab."""
    st.caption(s.REQUESTS_INTRO)
    current = data.budget_requests(ctx.year, ctx.units, ctx.version)
    st.subheader(s.REQUESTS_CURRENT)
    if current.empty:
        st.info(s.REQUESTS_NONE)
    else:
        units_total = sum((Decimal(str(a)) for a, p in zip(current["amount"], current["project_name"], strict=True)
                           if not isinstance(p, str)), Decimal(0))
        st.caption(s.REQUESTS_SUMMARY.format(units=current["unit_code"].nunique(),
                                             projects=int(current["project_name"].map(lambda p: isinstance(p, str)).sum()),
                                             total=fmt.money(units_total)))
        widgets.table_with_downloads(ctx, _current_table(current), s.REQUESTS_CURRENT, height=320)
    _files(ctx)
    if not ctx.viewer.may(CUT):
        return
    _sheet(ctx)
    st.subheader(s.REQUESTS_EDIT_UNIT)
    known = data.request_knowledge(ctx.year)
    codes = [c for c in known.units if ctx.units is None or c in ctx.units]
    if not codes:
        return
    unit_code = st.selectbox(s.COL_UNIT_NAME, codes, format_func=lambda c: f"{c} {known.units[c]}",
                             key=f"requests_unit_{ctx.year}")
    st.caption(s.REQUESTS_EDIT_HINT)
    edited = st.data_editor(_editor_rows(ctx, unit_code, current), hide_index=True, width="stretch",
                            disabled=[s.COL_PROJECT], key=f"requests_editor_{ctx.year}_{unit_code}",
                            column_config={s.COL_REQUEST_AMOUNT: st.column_config.NumberColumn(
                                min_value=0.0, format="%.2f", step=0.01)})
    if st.button(s.REQUESTS_EDIT_SAVE, type="primary", key=f"requests_save_{ctx.year}"):
        try:
            data.save_requests(ctx.viewer, ctx.year, _entered(ctx, unit_code, edited), data.cuts.SOURCE_PAGE)
        except data.CutsError as exc:
            st.error(str(exc))
        else:
            st.success(s.REQUESTS_SAVED.format(units=1))
            st.rerun()
