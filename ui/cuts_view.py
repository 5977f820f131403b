"""The 结果应用 page's shared view of a ledger (the adopted one and the what-if one): headline figures, the waterfall,
cuts by department and by grade, the largest cuts, totals by a chosen dimension, the ledger and the exempt and
protected lines, each table with its downloads."""

from __future__ import annotations

from decimal import Decimal

import pandas as pd
import streamlit as st

from present import cuts as view
from present import format as fmt
from present import strings as s
from rubrics.cuts import CutRules
from ui import widgets
from ui.widgets import PageContext


def metrics(ledger: pd.DataFrame, against: pd.DataFrame | None = None) -> None:
    """申报总额 / 压减合计 / 安排总额 / what was cut; with `against`, the change from it."""
    requested, cut, arranged, projects, units = view.headline(ledger)
    delta: tuple[str | None, str | None] = (None, None)
    if against is not None and not against.empty:
        _, cut_then, arranged_then, _, _ = view.headline(against)
        delta = (_signed(cut - cut_then), _signed(arranged - arranged_then))
    c1, c2, c3, c4 = st.columns(4)
    c1.metric(s.CUT_REQUESTED, fmt.money(requested))
    c2.metric(s.CUT_TOTAL, fmt.money(cut), delta=delta[0], delta_color="off",
              help=s.WHATIF_VS_ADOPTED if delta[0] else None)
    c3.metric(s.CUT_ARRANGED, fmt.money(arranged), delta=delta[1], delta_color="off")
    c4.metric(s.CUT_LINES, s.CUT_LINES_VALUE.format(projects=fmt.count(projects), units=fmt.count(units)))


def _signed(value: Decimal) -> str | None:
    if not value:
        return None
    return ("+" if value > 0 else "-") + fmt.wan(abs(value))  # ASCII minus: st.metric reads the sign for its arrow


def charts(ctx: PageContext, ledger: pd.DataFrame, rules: CutRules | None, key: str) -> None:
    """The waterfall, then cuts by department and by grade side by side, then the largest cuts."""
    requested, _, arranged, _, _ = view.headline(ledger)
    widgets.chart(view.waterfall_figure(requested, view.steps(ledger, rules), arranged, ctx.year), f"{key}_waterfall")
    left, right = st.columns(2)
    with left:
        widgets.chart(view.by_department_figure(view.totals(ledger, "department"), ctx.year), f"{key}_departments")
    with right:
        widgets.chart(view.by_grade_figure(view.totals(ledger, "grade"), ctx.year), f"{key}_grades")
        widgets.chart(view.largest_figure(ledger, ctx.year), f"{key}_largest")


def tables(ctx: PageContext, ledger: pd.DataFrame, key: str) -> None:
    """Totals by a dimension, the ledger (filtered by level and action) and the exempt and protected lines."""
    st.subheader(s.CUT_TOTALS_BY)
    by = st.radio(s.CUT_BY_LABEL, list(view.DIMENSIONS), format_func=view.DIMENSIONS.get, horizontal=True,
                  key=f"{key}_by")
    widgets.table_with_downloads(ctx, view.totals(ledger, by), f"{s.CUT_TOTALS_BY}_{view.DIMENSIONS[by]}",
                                 key=f"{key}_totals")
    st.subheader(s.CUT_LEDGER_TABLE)
    c1, c2 = st.columns(2)
    levels = c1.multiselect(s.CUT_FILTER_LEVEL, sorted(ledger["level"].dropna().unique()), key=f"{key}_level",
                            placeholder=s.FILTER_ALL)
    actions = c2.multiselect(s.CUT_FILTER_ACTION, sorted(ledger["action"].dropna().unique()), key=f"{key}_action",
                             placeholder=s.FILTER_ALL)
    shown = ledger
    if levels:
        shown = shown[shown["level"].isin(levels)]
    if actions:
        shown = shown[shown["action"].isin(actions)]
    table = view.ledger_table(shown.reset_index(drop=True))
    widgets.table_with_downloads(ctx, table, s.CUT_LEDGER_TABLE, height=420, full=lambda: table,  # built on a click
                                 filters=widgets.filter_text({s.CUT_FILTER_LEVEL: levels, s.CUT_FILTER_ACTION: actions}),
                                 key=f"{key}_ledger")
    st.subheader(s.CUT_PROTECTED)
    protected = view.protected_table(ledger)
    if protected.empty:
        st.caption(s.CUT_PROTECTED_NONE)
    else:
        widgets.table_with_downloads(ctx, protected, s.CUT_PROTECTED, height=300, key=f"{key}_protected")


def show(ctx: PageContext, ledger: pd.DataFrame, rules: CutRules | None, key: str,
         against: pd.DataFrame | None = None) -> None:
    """The whole view of one ledger."""
    metrics(ledger, against)
    if rules is not None:
        st.caption(s.CUT_HOW.format(precedence=rules.precedence_description))
    charts(ctx, ledger, rules, key)
    tables(ctx, ledger, key)
