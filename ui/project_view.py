"""One project as every page shows it: where it came from, its money, the three scores side by side (the unit's
own, the recomputed, the reviewed), its flags, the arithmetic of every indicator, and the 财政复核 panel."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import streamlit as st

from present import format as fmt
from present import strings as s
from present import tables
from store.access import REVIEW, Refused
from ui import data
from ui.widgets import PageContext, column_config

_FLASH = "_review_flash"  # session_state: what the last save said, shown once after the rerun


def show_project(ctx: PageContext, form_id: int) -> dict[str, object] | None:
    """Draw the project whose current form is `form_id`; None (nothing drawn) when the viewer may not see it."""
    units, version = ctx.units, ctx.version
    found = data.form_detail(form_id, units, version)
    if found is None:
        return None
    form: dict[str, Any] = found
    st.subheader(s.DETAIL_HEADER.format(unit=form["unit_name"], project=form["project_name"]))
    st.caption(s.DETAIL_SOURCE.format(file=fmt.file_label(form["file_name"]), sheet=form["sheet"],
                                      loaded=f"{form['loaded_at']:%Y-%m-%d %H:%M}", rubric=form["rubric_name"],
                                      rubric_date=form["rubric_loaded_at"]))
    c1, c2, c3, c4 = st.columns(4)  # four a row: no label or value cut off at 1400 px
    c1.metric(s.DETAIL_SELF, fmt.score(form["self_score"]))
    c2.metric(s.DETAIL_COMPUTED, fmt.score(form["computed_score"]),
              delta=fmt.score_delta(form["computed_score"], form["self_score"]))
    c3.metric(s.COL_REVIEWED, fmt.score(form["reviewed_score"]),
              delta=fmt.score_delta(form["reviewed_score"], form["computed_score"]))
    c4.metric(s.COL_GRADE, form["final_grade"] or form["status"])
    c1, c2, c3, _ = st.columns(4)
    c1.metric(s.DETAIL_BUDGET, fmt.wan_figure(form["budget_full_year"]))
    c2.metric(s.DETAIL_EXECUTED, fmt.wan_figure(form["executed"]))
    c3.metric(s.METRIC_RATE, fmt.pct(form["execution_rate"]))
    if form["flags"]:
        st.warning("　".join(f"⚠ {flag}" for flag in form["flags"]))
    if form["computed_score"] is None:
        st.info(s.INCOMPLETE_NOTE)

    _review_panel(ctx, form)

    st.markdown(f"**{s.DETAIL_ARITHMETIC}**")
    st.code("\n".join(form["explanation"]), language=None)
    st.markdown(f"**{s.DETAIL_INDICATORS}**")
    indicators = tables.indicator_table(data.form_indicators(form_id, units, version))
    shown = tables.for_display(indicators)
    st.dataframe(shown, hide_index=True, width="stretch", placeholder=fmt.EMPTY, column_config=column_config(shown))
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
            st.dataframe(problems.rename(columns={"cell": s.COL_CELL, "severity": s.COL_SEVERITY,
                                                  "message": s.COL_MESSAGE}), hide_index=True, width="stretch")
    history = data.form_history(str(form["project_id"]), units, version)
    if len(history) > 1:
        with st.expander(f"{s.DETAIL_HISTORY}（{len(history)}）"):
            versions = tables.history_table(history)
            shown = tables.for_display(versions)
            st.dataframe(shown, hide_index=True, width="stretch", column_config=column_config(shown))
    return form


def _review_panel(ctx: PageContext, form: dict[str, Any]) -> None:
    """The reviewed score and its reason; for a reviewer, the forms to set, change or withdraw it. A save names
    the review shown in the previous run, so a save made meanwhile by someone else is refused, not overwritten."""
    form_id, project_id = int(form["form_id"]), str(form["project_id"])
    seen_key = f"_review_seen_{form_id}"
    seen = st.session_state.get(seen_key, "unset")
    latest = data.latest_review(project_id)
    latest_id = latest.review_id if latest else None
    if seen == "unset":
        seen = latest_id
    st.markdown(f"**{s.REVIEW_TITLE}**")
    flash = st.session_state.pop(_FLASH, None)
    if flash:
        st.success(flash)
    if form["reviewed_score"] is not None:
        st.info(s.REVIEW_CURRENT.format(score=fmt.score(form["reviewed_score"]), who=form["reviewer"],
                                        when=form["reviewed_at"], reason=form["review_reason"]))
    else:
        st.caption(s.REVIEW_NONE)
    history = data.review_history(project_id, ctx.units)
    may_review = ctx.viewer.may(REVIEW)
    if may_review:
        left, right = st.columns([3, 2])
        with left, st.form(f"review_{form_id}", clear_on_submit=False):
            start = form["reviewed_score"] if form["reviewed_score"] is not None else form["computed_score"]
            score = st.number_input(s.REVIEW_SCORE, min_value=0.0, max_value=100.0, step=0.01, format="%.2f",
                                    value=float(start) if start is not None else None,
                                    key=f"review_score_{form_id}")
            reason = st.text_area(s.REVIEW_REASON, help=s.REVIEW_REASON_HELP, key=f"review_reason_{form_id}",
                                  height=80)
            if st.form_submit_button(s.REVIEW_SAVE, type="primary"):
                _save(ctx, form_id, seen_key, seen, lambda: data.set_review(
                    ctx.viewer, ctx.units, form_id, "" if score is None else score, reason, seen),
                      s.REVIEW_SAVED.format(score=fmt.score(score)))
        if form["reviewed_score"] is not None:
            with right, st.form(f"withdraw_{form_id}"):
                why = st.text_input(s.REVIEW_WITHDRAW_REASON, key=f"withdraw_reason_{form_id}")
                if st.form_submit_button(s.REVIEW_WITHDRAW):
                    _save(ctx, form_id, seen_key, seen, lambda: data.withdraw_review(
                        ctx.viewer, ctx.units, form_id, why, seen), s.REVIEW_WITHDRAWN)
    elif not ctx.viewer.read_only:
        st.caption(s.REVIEW_READ_ONLY)
    st.session_state[seen_key] = latest_id
    if not history.empty:
        with st.expander(s.REVIEW_HISTORY.format(n=len(history))):
            steps = tables.review_table(history)
            shown = tables.for_display(steps)
            st.dataframe(shown, hide_index=True, width="stretch", column_config=column_config(shown))


def _save(ctx: PageContext, form_id: int, seen_key: str, seen: int | None, save: Callable[[], Any], done: str) -> None:
    """Run a review write; on success start the page again with the new numbers, else say why (nothing stored)."""
    try:
        stored = save()
    except (data.ReviewError, Refused) as exc:
        st.error(str(exc))
        return
    st.session_state[seen_key] = stored.review_id
    st.session_state[_FLASH] = done
    st.rerun()
