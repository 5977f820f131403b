"""项目得分: projects filtered and paged in the store, the self-score beside the recomputed one; one project's
arithmetic."""

import math

import streamlit as st

from present import format as fmt
from present import strings as s
from present import tables
from ui import data, widgets

ctx = widgets.page_start(s.PROJECTS_TITLE, s.PROJECTS_CAPTION)
year, units, version = ctx.year, ctx.units, ctx.version
requested = widgets.requested_form(ctx)

unit_types, domains = data.project_choices(year, units, version)
grades = data.grade_distribution(year, units, version)["grade"].tolist()
c1, c2, c3, c4 = st.columns(4)
type_pick = c1.multiselect(s.FILTER_UNIT_TYPE, unit_types, placeholder=s.FILTER_ALL)
domain_pick = c2.multiselect(s.FILTER_DOMAIN, domains, placeholder=s.FILTER_ALL)
grade_pick = c3.multiselect(s.FILTER_GRADE, grades, placeholder=s.FILTER_ALL)
flag_pick = c4.multiselect(s.FILTER_FLAG, data.FLAGS, placeholder=s.FILTER_ALL)
text = st.text_input(s.FILTER_TEXT)
where = data.ProjectFilter(tuple(type_pick), tuple(domain_pick), tuple(grade_pick), tuple(flag_pick), text.strip())

total, budget = data.project_totals(year, units, where, version)
st.caption(s.FILTERED_COUNT.format(n=fmt.count(total), budget=fmt.money(budget)))
if total == 0:
    st.info(s.NO_MATCH)
    st.stop()
pages = math.ceil(total / widgets.PAGE_SIZE)
page_no = 1
if pages > 1:
    page_no = int(st.number_input(s.PAGE_LABEL.format(pages=pages, size=widgets.PAGE_SIZE), min_value=1,
                                  max_value=pages, value=1, step=1))
rows = data.project_page(year, units, where, widgets.PAGE_SIZE, (page_no - 1) * widgets.PAGE_SIZE, version)
widgets.table_with_downloads(ctx, tables.project_table(rows), s.NAV_PROJECTS, height=360,
                             full=lambda: tables.project_table(data.all_projects(year, units, where)))

labels = dict(zip(rows["form_id"], rows["unit_name"] + " · " + rows["project_name"], strict=True))
if requested is not None and requested not in labels:  # a shared link to a project on another page of the list
    linked = data.form_detail(requested, units, version)
    if linked is not None:
        labels = {requested: f"{linked['unit_name']} · {linked['project_name']}", **labels}
options = list(labels)
form_id = st.selectbox(s.PICK_PROJECT, options, format_func=labels.get, help=s.PICK_PROJECT_HELP,
                       index=options.index(requested) if requested in labels else 0)
form = data.form_detail(form_id, units, version)
if form is None:
    st.stop()
widgets.show_form_in_address(form_id)

st.subheader(s.DETAIL_HEADER.format(unit=form["unit_name"], project=form["project_name"]))
st.caption(s.DETAIL_SOURCE.format(file=fmt.file_label(form["file_name"]), sheet=form["sheet"],
                                  loaded=f"{form['loaded_at']:%Y-%m-%d %H:%M}", rubric=form["rubric_name"],
                                  rubric_date=form["rubric_loaded_at"]))
c1, c2, c3, c4, c5 = st.columns(5)
c1.metric(s.DETAIL_BUDGET, fmt.wan(form["budget_full_year"]))
c2.metric(s.DETAIL_EXECUTED, fmt.wan(form["executed"]), help=f"{s.METRIC_RATE} {fmt.pct(form['execution_rate'])}")
c3.metric(s.DETAIL_SELF, fmt.score(form["self_score"]))
c4.metric(s.DETAIL_COMPUTED, fmt.score(form["computed_score"]), delta=fmt.score_delta(form["computed_score"], form["self_score"]))
c5.metric(s.COL_GRADE, form["grade"] or form["status"])
if form["flags"]:
    st.warning("　".join(f"⚠ {flag}" for flag in form["flags"]))
if form["computed_score"] is None:
    st.info(s.INCOMPLETE_NOTE)

st.markdown(f"**{s.DETAIL_ARITHMETIC}**")
st.code("\n".join(form["explanation"]), language=None)
st.markdown(f"**{s.DETAIL_INDICATORS}**")
st.dataframe(tables.for_display(tables.indicator_table(data.form_indicators(form_id, units, version))),
             hide_index=True, width="stretch", placeholder=fmt.EMPTY)
with st.expander(s.DETAIL_GOALS):
    st.markdown(f"**{s.DETAIL_GOAL_EXPECTED}**：{form['goal_expected'] or fmt.EMPTY}")
    st.markdown(f"**{s.DETAIL_GOAL_ACTUAL}**：{form['goal_actual'] or fmt.EMPTY}")
remarks = data.form_remarks(form_id, units, version)
if not remarks.empty:
    with st.expander(s.DETAIL_REMARKS):
        for label, text in remarks.itertuples(index=False):
            st.markdown(f"**{label}**：{text}")
problems = data.form_problems(form_id, units, version)
if not problems.empty:
    with st.expander(f"{s.DETAIL_PROBLEMS}（{len(problems)}）"):
        st.dataframe(problems.rename(columns={"cell": s.COL_CELL, "severity": s.COL_SEVERITY, "message": s.COL_MESSAGE}),
                     hide_index=True, width="stretch")
history = data.form_history(form["project_id"], units, version)
if len(history) > 1:
    with st.expander(f"{s.DETAIL_HISTORY}（{len(history)}）"):
        st.dataframe(tables.for_display(tables.history_table(history)), hide_index=True, width="stretch")
