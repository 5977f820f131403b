"""部门整体评价: the evaluated departments side by side (panel score, first-level dimensions, weakest indicators,
spread between experts) beside their own projects' self-evaluation results; one department's expert scores with
the sheets and in-app entry for the panel."""

import streamlit as st

from present import charts, tables
from present import strings as s
from ui import data, widgets
from ui import evaluation as ev

ctx = ev.page_start(s.DEPT_TITLE, s.DEPT_CAPTION)
listed = data.evaluation_list(ctx.year, ev.KIND_DEPT, ctx.scope, ctx.version)
ev.new_evaluation(ctx, ev.KIND_DEPT, listed)
if not listed.empty:
    st.subheader(s.DEPT_COMPARE)
    comparison = tables.dept_comparison_table(listed, data.department_projects(ctx.year, ctx.scope, ctx.version))
    shown = tables.numbers_for_screen(comparison)
    st.dataframe(shown, hide_index=True, width="stretch", column_config=widgets.column_config(shown))
    left, right = st.columns(2)
    with left:
        widgets.chart(charts.with_year(charts.dept_totals_figure(comparison), ctx.year))
    with right:
        levels = data.level_scores(ctx.year, ev.KIND_DEPT, ctx.scope, ctx.version)
        widgets.chart(charts.with_year(charts.dept_levels_figure(levels), ctx.year))
    st.markdown(f"**{s.DEPT_WEAKEST}**")
    weakest = tables.weakest_table(data.panel_results(ctx.year, ev.KIND_DEPT, ctx.scope, ctx.version))
    shown = tables.numbers_for_screen(weakest)
    st.dataframe(shown, hide_index=True, width="stretch", column_config=widgets.column_config(shown))
    st.subheader(s.DEPT_DETAIL)
evaluation, result = ev.choose(ctx, listed, ev.KIND_DEPT, key="dept_eval_pick")

top = st.container()
if ev.actions(ctx, evaluation, result):  # a write: the results above are drawn from the new data
    ctx = ev.refresh(ctx)
    listed = data.evaluation_list(ctx.year, ev.KIND_DEPT, ctx.scope, ctx.version)
    evaluation, result = data.panel_result(evaluation.evaluation_id, ctx.scope, ctx.version) or (evaluation, result)
row = listed[listed["evaluation_id"] == evaluation.evaluation_id].to_dict("records")[0]
with top:
    ev.show(ctx, evaluation, result, row)
