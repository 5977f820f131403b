"""单位评分: units ranked (table and chart, filtered), and the way down: a unit's projects, then a project's
indicators and arithmetic. The level and the filters live in the address, so a copied link opens the same view."""

import streamlit as st

from present import charts, tables
from present import format as fmt
from present import strings as s
from ui import address, data, widgets
from ui.project_view import show_project

ctx = widgets.page_start(s.UNITS_TITLE, s.UNITS_CAPTION)
year, units, version = ctx.year, ctx.units, ctx.version
unit_code = widgets.requested_unit(ctx)
form_id = widgets.requested_form(ctx, echo_is_request=True) if unit_code else None
if form_id is not None:
    unit_code = widgets.unit_of_form(ctx, form_id, unit_code)


def unit_list() -> None:
    """Level 0: filters, the ranking chart and the ranked table; a click on a bar or a row opens the unit."""
    unit_types, departments, domains = data.unit_choices(year, units, version)
    grades = data.grade_distribution(year, units, version)["grade"].tolist()
    c1, c2, c3, c4, c5 = st.columns(5)
    with c1:
        type_pick = address.multiselect(s.FILTER_UNIT_TYPE, unit_types, "type", "units_type", s.FILTER_ALL)
    with c2:
        dept_pick = address.multiselect(s.FILTER_DEPARTMENT, departments, "dept", "units_dept", s.FILTER_ALL)
    with c3:
        domain_pick = address.multiselect(s.FILTER_MAIN_DOMAIN, domains, "domain", "units_domain", s.FILTER_ALL)
    with c4:
        grade_pick = address.multiselect(s.FILTER_GRADE, grades, "grade", "units_grade", s.FILTER_ALL)
    with c5:
        flag_pick = address.multiselect(s.FILTER_FLAG, list(data.FLAGS), "flag", "units_flag", s.FILTER_ALL)
    where = data.UnitFilter(tuple(type_pick), tuple(dept_pick), tuple(domain_pick), tuple(grade_pick),
                            tuple(flag_pick))
    found = data.unit_table(year, units, where, version)
    if found.empty:
        st.info(s.UNITS_NONE)
        return
    st.caption(s.UNITS_COUNT.format(n=len(found), budget=fmt.money(found["budget_full_year"].sum())))
    reviewed = int(found["reviewed_projects"].sum())
    if reviewed:
        st.caption(s.REVIEWED_NOTE.format(n=reviewed))
    picked = widgets.selectable_chart(charts.ranking_figure(found, year), key="units_chart")
    st.caption(s.PICK_UNIT_HINT)
    filters = widgets.filter_text({s.FILTER_UNIT_TYPE: type_pick, s.FILTER_DEPARTMENT: dept_pick,
                                   s.FILTER_MAIN_DOMAIN: domain_pick, s.FILTER_GRADE: grade_pick, s.FILTER_FLAG: flag_pick})
    picked = widgets.selectable_table(ctx, tables.ranked_unit_table(found), found["unit_code"].tolist(),
                                      s.NAV_UNITS, key="units_table", filters=filters) or picked
    if picked:
        widgets.go_to(unit=picked)


def unit_level(code: str) -> None:
    """Level 1: the unit's figures, how its score is formed, its years, and its projects (a click opens one)."""
    unit = data.unit_detail(year, code, units, version)
    if unit is None:
        st.warning(s.UNIT_NOT_FOUND.format(code=code, year=year))
        widgets.go_back_button(s.BACK_TO_UNITS, unit=None)
        return
    widgets.breadcrumbs([(s.CRUMB_ALL_UNITS, {}), (str(unit["unit_name"]), None)])
    c1, c2, c3, c4 = st.columns(4)  # four a row: no label or value cut off at 1400 px
    c1.metric(s.UNIT_RANK, s.UNIT_RANK_VALUE.format(rank=unit["rank"], total=unit["ranked_units"])
              if unit["rank"] is not None else fmt.EMPTY)
    c2.metric(s.COL_SCORE, fmt.score(unit["score"]), delta=fmt.score_delta(unit["score"], unit["computed_score"]),
              help=s.METRIC_MEAN_HELP)
    c3.metric(s.COL_COMPUTED, fmt.score(unit["computed_score"]),
              delta=fmt.score_delta(unit["computed_score"], unit["self_score"]))
    c4.metric(s.COL_SELF, fmt.score(unit["self_score"]))
    c1, c2, c3, c4 = st.columns(4)
    c1.metric(s.DETAIL_BUDGET, fmt.wan_figure(unit["budget_full_year"]))
    c2.metric(s.DETAIL_EXECUTED, fmt.wan_figure(unit["executed"]))
    c3.metric(s.METRIC_RATE, fmt.pct(unit["execution_rate"]))
    c4.metric(s.COL_GRADE, unit["grade"] or fmt.EMPTY)
    projects = data.unit_projects(year, code, units, version)
    scored = int(projects["final_score"].notna().sum())
    st.caption(s.UNIT_SCORE_RULE.format(rule=s.UNIT_SCORE_RULE_TEXT.format(n=scored, m=len(projects) - scored))
               + (f"　{s.REVIEWED_NOTE.format(n=unit['reviewed_projects'])}" if unit["reviewed_projects"] else ""))
    widgets.over_the_years(ctx, unit_code=code)
    st.markdown(f"**{s.UNIT_PROJECTS_TITLE.format(unit=unit['unit_name'], n=len(projects))}**　{s.UNIT_PROJECTS_HINT}")
    picked = widgets.selectable_table(ctx, tables.unit_project_table(projects), projects["form_id"].tolist(),
                                      f"{unit['unit_name']}项目得分", key=f"unit_projects_{code}")
    if picked:
        widgets.go_to(unit=code, form=picked)


def project_level(code: str, form: int) -> None:
    """Level 2: the project's indicators and arithmetic, with the review panel."""
    names = data.unit_names(version)
    detail = data.form_detail(form, units, version)
    project = str(detail["project_name"]) if detail else str(form)
    widgets.breadcrumbs([(s.CRUMB_ALL_UNITS, {}), (names.get(code, code), {"unit": code}), (project, None)])
    if show_project(ctx, form) is not None:
        widgets.over_the_years(ctx, project_id=str(detail["project_id"]) if detail else None)


if unit_code is None:
    unit_list()
elif form_id is None:
    unit_level(unit_code)
else:
    project_level(unit_code, form_id)
