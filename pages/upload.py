"""数据导入: forms uploaded in the browser, checked and loaded all or nothing per file, on behalf of the signed-in
person (a 单位 only for itself: store and importer refuse anything else, and record the attempt)."""

import streamlit as st

from present import format as fmt
from present import strings as s
from present import tables
from store.access import UNIT, UPLOAD, Refused, require
from ui import data, widgets

viewer = widgets.signed_in()
st.title(s.UPLOAD_TITLE)
try:
    require(data.con(), viewer, UPLOAD, target="数据导入页面")
except Refused as exc:
    st.error(str(exc))
    st.stop()
st.caption(s.UPLOAD_CAPTION)
if viewer.role == UNIT:
    names = data.unit_names(data.data_version())
    st.info(s.UPLOAD_SCOPE_UNIT.format(units="、".join(names.get(u, u) for u in viewer.units)))

files = st.file_uploader(s.UPLOAD_FILES.format(mb=data.UPLOAD_MB), type=["xlsx", "xls", "xlsm", "zip"],
                         accept_multiple_files=True, key="upload_files")
if st.button(s.UPLOAD_GO, type="primary", key="upload_go"):
    if not files:
        st.warning(s.UPLOAD_NONE)
        st.stop()
    with st.status(s.UPLOAD_RUNNING, expanded=True) as status:
        bar = st.progress(0.0)
        reports = data.import_uploads(
            viewer, [(f.name, f.getvalue()) for f in files],
            lambda done, total, file: bar.progress(done / total, s.UPLOAD_PROGRESS.format(
                done=done, total=total, file=fmt.file_label(file))))
        bad = sum(r.rejected for r in reports)
        status.update(label=s.UPLOAD_DONE.format(ok=len(reports) - bad, bad=bad),
                      state="error" if bad else "complete", expanded=False)
    summary, problems = tables.upload_tables(reports)
    (st.error if bad else st.success)(s.UPLOAD_DONE.format(ok=len(reports) - bad, bad=bad))
    st.dataframe(summary, hide_index=True, width="stretch")
    if not problems.empty:
        st.markdown(f"**{s.UPLOAD_PROBLEMS}**")
        st.dataframe(problems, hide_index=True, width="stretch")
