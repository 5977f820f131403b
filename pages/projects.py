"""项目得分: every project with its self-score beside the recomputed one; filters; one project's arithmetic."""

import streamlit as st

from present import format as fmt
from present import strings as s
from present import tables
from ui import data, widgets

ctx = widgets.page_start(s.PROJECTS_TITLE, s.PROJECTS_CAPTION)
year, units, version = ctx.year, ctx.units, ctx.version

projects = data.project_scores(year, units, version)
grades = data.grade_distribution(year, units, version)["grade"].tolist()
c1, c2, c3, c4 = st.columns(4)
unit_types = c1.multiselect(s.FILTER_UNIT_TYPE, sorted(projects["unit_type"].unique()), placeholder=s.FILTER_ALL)
domains = c2.multiselect(s.FILTER_DOMAIN, sorted(projects["domain"].unique()), placeholder=s.FILTER_ALL)
grade_pick = c3.multiselect(s.FILTER_GRADE, grades, placeholder=s.FILTER_ALL)
flag_pick = c4.multiselect(s.FILTER_FLAG, data.FLAGS, placeholder=s.FILTER_ALL)
text = st.text_input(s.FILTER_TEXT)

shown = tables.filter_projects(projects, unit_types, domains, grade_pick, flag_pick, text)
st.caption(s.FILTERED_COUNT.format(n=len(shown), budget=fmt.money(shown["budget_full_year"].sum())))
if shown.empty:
    st.info(s.NO_MATCH)
    st.stop()
widgets.table_with_downloads(ctx, tables.project_table(shown), s.NAV_PROJECTS, height=360)

labels = dict(zip(shown["form_id"], shown["unit_name"] + " · " + shown["project_name"], strict=True))
form_id = st.selectbox(s.PICK_PROJECT, list(labels), format_func=labels.get)
form = data.form_detail(form_id, units, version)
if form is None:
    st.stop()

st.subheader(s.DETAIL_HEADER.format(unit=form["unit_name"], project=form["project_name"]))
st.caption(s.DETAIL_SOURCE.format(file=fmt.file_label(form["file_name"]), sheet=form["sheet"],
                                  loaded=f"{form['loaded_at']:%Y-%m-%d %H:%M}", version=form["rubric_version"]))
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
st.dataframe(tables.indicator_table(data.form_indicators(form_id, version)), hide_index=True, width="stretch",
             placeholder=fmt.EMPTY)
with st.expander(s.DETAIL_GOALS):
    st.markdown(f"**{s.DETAIL_GOAL_EXPECTED}**：{form['goal_expected'] or fmt.EMPTY}")
    st.markdown(f"**{s.DETAIL_GOAL_ACTUAL}**：{form['goal_actual'] or fmt.EMPTY}")
problems = data.form_problems(form_id, version)
if not problems.empty:
    with st.expander(f"{s.DETAIL_PROBLEMS}（{len(problems)}）"):
        st.dataframe(problems.rename(columns={"cell": s.COL_CELL, "severity": s.COL_SEVERITY, "message": s.COL_MESSAGE}),
                     hide_index=True, width="stretch")
history = data.form_history(form["project_id"], version)
if len(history) > 1:
    with st.expander(f"{s.DETAIL_HISTORY}（{len(history)}）"):
        st.dataframe(tables.history_table(history), hide_index=True, width="stretch")
