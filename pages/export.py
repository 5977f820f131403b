"""导出汇报材料: the slides (.pptx), chart images (.png), summary workbook (.xlsx) and written report (.docx) of the
year, from the current filters; all four as one .zip with a progress bar, or each alone."""

import streamlit as st

from present import strings as s
from ui import data, meeting, widgets

ctx = widgets.page_start(s.EXPORT_PAGE_TITLE, s.EXPORT_PAGE_CAPTION)
_, departments, _ = data.unit_choices(ctx.year, ctx.units, ctx.version)
chosen = tuple(st.multiselect(s.EXPORT_DEPARTMENTS, departments, key="export_departments"))
found = meeting.facts(ctx.year, ctx.units, chosen, ctx.version)
st.caption(meeting.scope_line(found))
if found.cuts is None:
    st.info(s.EXPORT_CUTS_MISSING)

if st.button(s.EXPORT_BUILD_ALL, type="primary", icon=":material/folder_zip:", key="export_all"):
    made, seconds = meeting.build_bundle(found)
    st.success(s.EXPORT_DONE.format(n=len(meeting.PARTS), seconds=seconds))
    st.download_button(s.EXPORT_DOWNLOAD_ZIP, made.data, file_name=made.name, mime=made.mime, on_click="ignore",
                       icon=":material/download:", key="export_zip")

st.subheader(s.EXPORT_ONE)
for column, part in zip(st.columns(len(meeting.PARTS)), meeting.PARTS, strict=True):
    name = meeting.file_name(found, part)
    column.download_button(s.EXPORT_DOWNLOAD_ONE.format(what=s.EXPORT_WHAT[part]),
                           lambda part=part: meeting.one_part(found, part).data, file_name=name,
                           mime=meeting.mime(part), on_click="ignore", key=f"export_{part}")
