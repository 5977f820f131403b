"""项目得分: projects filtered and paged in the store, the self-score beside the recomputed one; one project's
arithmetic."""

import math

import streamlit as st

from present import format as fmt
from present import strings as s
from present import tables
from ui import data, widgets
from ui.project_view import show_project

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
filters = widgets.filter_text({s.FILTER_UNIT_TYPE: type_pick, s.FILTER_DOMAIN: domain_pick, s.FILTER_GRADE: grade_pick,
                               s.FILTER_FLAG: flag_pick, s.FILTER_TEXT: text.strip()})
widgets.table_with_downloads(ctx, tables.project_table(rows), s.NAV_PROJECTS, height=360,
                             full=lambda: tables.project_table(data.all_projects(year, units, where)), filters=filters)

labels = dict(zip(rows["form_id"], rows["unit_name"] + " · " + rows["project_name"], strict=True))
if requested is not None and requested not in labels:  # a shared link to a project on another page of the list
    linked = data.form_detail(requested, units, version)
    if linked is not None:
        labels = {requested: f"{linked['unit_name']} · {linked['project_name']}", **labels}
options = list(labels)
form_id = st.selectbox(s.PICK_PROJECT, options, format_func=labels.get, help=s.PICK_PROJECT_HELP,
                       index=options.index(requested) if requested in labels else 0)
if show_project(ctx, form_id) is not None:
    widgets.show_form_in_address(form_id)
