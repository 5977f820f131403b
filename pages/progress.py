"""报送进度: for every expected unit of the year, whether and when it submitted its forms, late or not, how many
projects and how many with problems; the year's deadlines (set by 绩效办); filters in the address; the list as
Excel or CSV; the blank form template to hand out."""

from datetime import date

import streamlit as st

from present import charts, tables
from present import format as fmt
from present import strings as s
from reports.tables import XLSX_MIME
from store.access import DEADLINES, UNIT
from ui import address, data, widgets

ctx = widgets.page_start(s.PROGRESS_TITLE, s.PROGRESS_CAPTION)
year, units, version, viewer = ctx.year, ctx.units, ctx.version, ctx.viewer

deadlines = data.deadlines(year)
self_eval = deadlines[0]
progress = data.unit_progress(year, units, self_eval.due, date.today(), version)
counts = data.progress_summary(progress)

c1, c2, c3, c4 = st.columns(4)
c1.metric(s.PROGRESS_UNITS, f"{fmt.count(counts.units)} {s.UNIT_UNITS}")
c2.metric(s.PROGRESS_SUBMITTED, f"{fmt.count(counts.submitted)} {s.UNIT_UNITS}")
c3.metric(s.PROGRESS_NOT_SUBMITTED, f"{fmt.count(counts.not_submitted)} {s.UNIT_UNITS}",
          help=s.PROGRESS_PARTIAL_HELP.format(n=counts.partial))
c4.metric(s.PROGRESS_LATE, fmt.EMPTY if counts.late is None else f"{fmt.count(counts.late)} {s.UNIT_UNITS}",
          help=s.PROGRESS_LATE_SAMPLE if counts.late is None else s.PROGRESS_LATE_HELP.format(due=self_eval.due))
if counts.partial:
    st.caption(s.PROGRESS_PARTIAL_HELP.format(n=counts.partial))
if counts.late is None:
    st.caption(s.PROGRESS_LATE_SAMPLE)

with st.expander(s.PROGRESS_DEADLINES, expanded=viewer.may(DEADLINES)):
    st.caption(s.PROGRESS_DEADLINE_HINT)
    if viewer.may(DEADLINES):
        with st.form("progress_deadlines"):
            columns = st.columns(len(deadlines))
            picked = {d.kind: col.date_input(d.kind, value=d.due, key=f"deadline_{year}_{d.kind}")
                      for col, d in zip(columns, deadlines, strict=True)}
            saved = st.form_submit_button(s.PROGRESS_DEADLINE_SAVE)
        if saved:
            changed = [d for d in deadlines if picked[d.kind] != d.due]
            try:
                for d in changed:
                    data.set_deadline(viewer, year, d.kind, picked[d.kind])
            except data.DeadlineError as exc:
                st.error(str(exc))
            else:
                if changed:
                    st.session_state["progress_saved"] = len(changed)  # said after the rerun shows the new dates
                    st.rerun()
                st.info(s.PROGRESS_DEADLINE_SAME)
        if "progress_saved" in st.session_state:
            st.success(s.PROGRESS_DEADLINE_SAVED.format(n=st.session_state.pop("progress_saved")))
    st.dataframe(tables.deadline_table(deadlines), hide_index=True, width="content")

departments = sorted({d for d in progress["department"] if d})
c1, c2 = st.columns([1, 3])
with c1:
    choices = list(tables.PROGRESS_FILTERS)
    if "progress_status" not in st.session_state:
        wanted = address.text("status")
        st.session_state["progress_status"] = wanted if wanted in choices else choices[0]
    status = st.selectbox(s.PROGRESS_FILTER_STATUS, choices, key="progress_status")
    address.put("status", None if status == choices[0] else status)
with c2:
    dept_pick = address.multiselect(s.FILTER_DEPARTMENT, departments, "dept", "progress_dept", s.FILTER_ALL)

rows = tables.filter_progress(progress, status, dept_pick)
if rows.empty:
    st.info(s.PROGRESS_NONE)
else:
    st.caption(s.PROGRESS_COUNT.format(n=fmt.count(len(rows))))
    if len(rows["department"].unique()) > 1:
        widgets.chart(charts.with_year(charts.progress_figure(rows), year))
    filters = widgets.filter_text({s.PROGRESS_FILTER_STATUS: "" if status == choices[0] else status,
                                   s.FILTER_DEPARTMENT: dept_pick})
    widgets.table_with_downloads(ctx, tables.progress_table(rows), s.PROGRESS_TABLE, filters=filters)

own = viewer.units[0] if viewer.role == UNIT and viewer.units else None
name, template = data.blank_template(year, own, data.unit_names(version).get(own) if own else None)
st.download_button(s.PROGRESS_TEMPLATE, template, file_name=name, help=s.PROGRESS_TEMPLATE_HELP,
                   mime=XLSX_MIME, key="progress_template")
