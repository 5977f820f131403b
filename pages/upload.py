"""数据导入: forms uploaded in the browser are checked first (what was recognised, from which cell, every problem,
what each file repeats or replaces), then stored on confirmation, each file all or nothing, on behalf of the
signed-in person (a 单位 only for itself: the store and the importer refuse anything else and record the attempt).
A unit's narrative 自评报告 is attached beside; the upload log lists every file sent."""

import hashlib

import streamlit as st

from present import format as fmt
from present import strings as s
from present import tables
from store.access import UNIT, UPLOAD, Refused, require
from reports.tables import XLSX_MIME
from ui import data, widgets

CHECKED = "_upload_checked"  # session_state: (signature of the chosen files, the checked files)
DONE = "_upload_done"  # session_state: the reports of the confirmed upload, shown once

viewer = widgets.signed_in()
st.title(s.UPLOAD_TITLE)
try:
    require(data.con(), viewer, UPLOAD, target="数据导入页面")
except Refused as exc:
    st.error(str(exc))
    st.stop()
version, year = data.selection()
units = data.scope(viewer, version)
st.caption(s.UPLOAD_CAPTION)
own = viewer.units[0] if viewer.role == UNIT and viewer.units else None
if viewer.role == UNIT:
    names = data.unit_names(version)
    st.info(s.UPLOAD_SCOPE_UNIT.format(units="、".join(names.get(u, u) for u in viewer.units)))
template_name, template = data.blank_template(year, own, data.unit_names(version).get(own) if own else None)
st.download_button(s.PROGRESS_TEMPLATE, template, file_name=template_name, help=s.PROGRESS_TEMPLATE_HELP,
                   mime=XLSX_MIME, key="upload_template", icon=":material/download:")

left, right = st.columns([3, 1])
files = left.file_uploader(s.UPLOAD_FILES.format(mb=data.UPLOAD_MB), type=["xlsx", "xls", "xlsm", "zip"],
                           accept_multiple_files=True, key="upload_files")
known_years = data.years(version)
year_choices = sorted({*known_years, *(y + 1 for y in known_years[:1])}, reverse=True) or [2015]
default_year = right.selectbox(s.UPLOAD_YEAR, year_choices, help=s.UPLOAD_YEAR_HELP, key="upload_year",
                               index=year_choices.index(year) if year in year_choices else 0,
                               format_func=lambda y: f"{y} 年度")
uploads = [(f.name, f.getvalue()) for f in files or []]
signature = hashlib.sha256(repr([(n, hashlib.sha256(b).hexdigest()) for n, b in uploads] + [default_year])
                           .encode()).hexdigest()

if st.button(s.UPLOAD_GO, type="primary", key="upload_go"):
    if not uploads:
        st.warning(s.UPLOAD_NONE)
    else:
        with st.status(s.UPLOAD_RUNNING, expanded=True) as status:
            bar = st.progress(0.0)
            checked = data.check_files(viewer, uploads, default_year, lambda done, total, file: bar.progress(
                done / total, s.UPLOAD_CHECKING.format(done=done, total=total, file=fmt.file_label(file))))
            status.update(label=s.UPLOAD_CHECK_DONE, state="complete", expanded=False)
        st.session_state[CHECKED] = (signature, checked)

reports = st.session_state.pop(DONE, None)
if reports is not None:  # what the confirmed upload did
    stored_bad = sum(r.rejected for r in reports)
    summary, problems = tables.upload_tables(reports)
    (st.error if stored_bad else st.success)(s.UPLOAD_DONE.format(ok=len(reports) - stored_bad, bad=stored_bad))
    st.dataframe(summary, hide_index=True, width="stretch")
    if not problems.empty:
        st.markdown(f"**{s.UPLOAD_PROBLEMS}**")
        st.dataframe(problems, hide_index=True, width="stretch")

held = st.session_state.get(CHECKED)
if held is not None and held[0] != signature:
    st.session_state.pop(CHECKED, None)
    held = None
    if uploads:
        st.info(s.UPLOAD_CHANGED)
if held is not None:
    checked = held[1]
    report = data.preview(checked)
    repeat = report.repeated
    bad = len(report.files) - report.loadable - repeat
    (st.warning if bad else st.success)(s.UPLOAD_CHECKED.format(ok=report.loadable, repeat=repeat, bad=bad))
    files_table, forms_table, problems_table = tables.preview_tables(report)
    st.markdown(f"**{s.UPLOAD_FILES_TABLE}**")
    st.dataframe(files_table, hide_index=True, width="stretch")
    if not forms_table.empty:
        st.markdown(f"**{s.UPLOAD_FORMS_TABLE}**")
        shown = tables.for_display(forms_table)
        st.dataframe(shown, hide_index=True, width="stretch", column_config=widgets.column_config(shown))
    if not problems_table.empty:
        st.markdown(f"**{s.UPLOAD_PROBLEMS}**（{len(problems_table)}）")
        st.dataframe(problems_table, hide_index=True, width="stretch")
    if report.maps:
        with st.expander(s.UPLOAD_MAPS):
            for found in report.maps:
                st.markdown(f"**{found.title}**")
                st.code("\n".join(found.lines), language=None)
    go, cancel, _ = st.columns([1, 1, 4])
    if report.loadable == 0:
        st.info(s.UPLOAD_NOTHING_TO_LOAD)
    elif go.button(s.UPLOAD_CONFIRM, type="primary", key="upload_confirm"):
        with st.spinner(s.UPLOAD_SAVING):
            st.session_state[DONE] = data.commit_files(viewer, checked)
        st.session_state.pop(CHECKED, None)
        st.rerun()  # the results alone, with the new data version
    if cancel.button(s.UPLOAD_CANCEL, key="upload_cancel"):
        st.session_state.pop(CHECKED, None)
        st.rerun()

st.divider()
st.subheader(s.ATTACH_TITLE)
st.caption(s.ATTACH_CAPTION)
directory = data.unit_directory(version)
choices = [c for c in directory["unit_code"] if units is None or c in units]
labels = dict(zip(directory["unit_code"], directory["unit_name"], strict=True))
with st.form("attach", clear_on_submit=True):
    reports_in = st.file_uploader(s.ATTACH_FILES, type=["docx", "pdf"], accept_multiple_files=True,
                                  key="attach_files")
    unit_code = st.selectbox(s.ATTACH_UNIT, choices, format_func=lambda c: f"{c} {labels.get(c, '')}",
                             key="attach_unit") if choices else None
    if st.form_submit_button(s.ATTACH_GO) and reports_in and unit_code and year is not None:
        saved = 0
        for item in reports_in:
            try:
                data.attach_report(viewer, units, year, unit_code, item.name, item.getvalue())
                saved += 1
            except (data.AttachmentError, Refused) as exc:
                st.error(str(exc))
        if saved:
            st.success(s.ATTACH_DONE.format(n=saved))
if year is not None:
    attached = data.attachment_list(year, units)
    if attached.empty:
        st.caption(s.ATTACH_NONE)
    else:
        st.dataframe(tables.attachment_table(attached), hide_index=True, width="stretch")
        pick = st.selectbox(s.ATTACH_PICK, attached["attachment_id"].tolist(), key="attach_pick",
                            format_func=lambda i: " · ".join(str(v) for v in attached.loc[
                                attached["attachment_id"] == i, ["unit_name", "file_name"]].iloc[0]))
        found = data.attachment_content(int(pick), units)
        if found is not None:
            st.download_button(s.ATTACH_DOWNLOAD, found[1], file_name=found[0], key="attach_download")

log = data.upload_log(units, viewer.username)
with st.expander(s.UPLOAD_LOG.format(n=len(log))):
    if log.empty:
        st.caption(s.UPLOAD_LOG_NONE)
    else:
        st.dataframe(tables.upload_log_table(log), hide_index=True, width="stretch")
