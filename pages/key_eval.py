"""重点评价: a project's expert panel — each expert's scores per indicator, the panel score and grade, the disputes, the
satisfaction survey and the unit's own self score; blank sheets, filled sheets and in-app entry for the panel."""

import streamlit as st

from present import strings as s
from ui import data
from ui import evaluation as ev

ctx = ev.page_start(s.KEY_TITLE, s.KEY_CAPTION)
listed = data.evaluation_list(ctx.year, ev.KIND_KEY, ctx.scope, ctx.version)
ev.new_evaluation(ctx, ev.KIND_KEY, listed)
evaluation, result = ev.choose(ctx, listed, ev.KIND_KEY, key="key_eval_pick")

top = st.container()
if ev.actions(ctx, evaluation, result):  # a write: the results above are drawn from the new data
    ctx = ev.refresh(ctx)
    listed = data.evaluation_list(ctx.year, ev.KIND_KEY, ctx.scope, ctx.version)
    evaluation, result = data.panel_result(evaluation.evaluation_id, ctx.scope, ctx.version) or (evaluation, result)
row = listed[listed["evaluation_id"] == evaluation.evaluation_id].to_dict("records")[0]
with top:
    ev.show(ctx, evaluation, result, row)
    ev.show_survey(ctx, evaluation)
