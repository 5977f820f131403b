"""总览: headline figures, grade distribution, money and scores by domain, top and bottom units."""

import streamlit as st

from present import charts, tables
from present import format as fmt
from present import strings as s
from ui import data, widgets

ctx = widgets.page_start(s.OVERVIEW_TITLE, s.OVERVIEW_CAPTION)
year, units, version = ctx.year, ctx.units, ctx.version

h = data.headline(year, units, version)
c1, c2, c3, c4 = st.columns(4)
c1.metric(s.METRIC_UNITS, fmt.count(h.units, s.UNIT_UNITS))
c2.metric(s.METRIC_PROJECTS, fmt.count(h.projects, s.UNIT_PROJECTS))
c3.metric(s.METRIC_BUDGET, fmt.yi(h.budget_full_year), help=fmt.wan(h.budget_full_year))
c4.metric(s.METRIC_EXECUTED, fmt.yi(h.executed), help=fmt.wan(h.executed))
c1, c2, c3, c4 = st.columns(4)
c1.metric(s.METRIC_RATE, fmt.pct(h.execution_rate))
c2.metric(s.METRIC_SHARE, fmt.pct(h.share_of_expenditure, 0),
          help=s.METRIC_SHARE_HELP.format(total=fmt.money(h.project_expenditure)))
c3.metric(s.METRIC_MEAN, fmt.score(h.mean_score))
c4.metric(s.METRIC_FLAGGED, fmt.count(h.flagged, s.UNIT_PROJECTS),
          help=f"{s.METRIC_INCOMPLETE}：{fmt.count(h.incomplete, s.UNIT_PROJECTS)}")

st.page_link("pages/flags.py", label=s.LINK_FLAGGED, icon=":material/arrow_forward:")

left, right = st.columns(2)
with left:
    widgets.chart(charts.with_year(charts.grades_figure(data.grade_distribution(year, units, version)), year))
flags = data.flag_counts(year, units, version)
if flags.empty:
    right.info(s.NO_FLAGS)
else:
    with right:
        widgets.chart(charts.with_year(charts.flags_figure(flags), year))
widgets.chart(charts.with_year(charts.domains_figure(data.by_domain(year, units, version)), year))

top_n = st.slider(s.TOP_N_LABEL, min_value=5, max_value=20, value=10)
left, right = st.columns(2)
with left:
    best = widgets.selectable_chart(charts.with_year(charts.units_figure(
        data.unit_ranking(year, units, top_n, True, version), s.CHART_TOP), year), key="top_units")
with right:
    worst = widgets.selectable_chart(charts.with_year(charts.units_figure(
        data.unit_ranking(year, units, top_n, False, version), s.CHART_BOTTOM), year), key="bottom_units")
if best or worst:  # a click on a bar opens the unit on 单位评分
    st.switch_page("pages/units.py", query_params={"unit": str(best or worst)})

with st.expander(s.TABLE_UNITS):
    widgets.table_with_downloads(ctx, tables.unit_table(data.unit_scores(year, units, version)), s.TABLE_UNITS)
