"""疑点清单: every flag of the year in one sentence, for reviewers to work through; a click opens the project
(under its unit) with the arithmetic and the review panel. Filters live in the address."""

import streamlit as st

from present import format as fmt
from present import strings as s
from present import tables
from present.flags import with_sentences
from ui import address, data, widgets

ctx = widgets.page_start(s.FLAGS_TITLE, s.FLAGS_CAPTION)
year, units, version = ctx.year, ctx.units, ctx.version

_, departments, _ = data.unit_choices(year, units, version)
c1, c2, c3 = st.columns([2, 2, 1])
with c1:
    flag_pick = address.multiselect(s.FILTER_FLAG, list(data.FLAGS), "flag", "flags_flag", s.FILTER_ALL)
with c2:
    dept_pick = address.multiselect(s.FILTER_DEPARTMENT, departments, "dept", "flags_dept", s.FILTER_ALL)
with c3:
    states = [s.FILTER_ALL, s.REVIEW_OPEN, s.REVIEW_DONE]
    if "flags_state" not in st.session_state:
        st.session_state["flags_state"] = address.text("state") if address.text("state") in states else states[0]
    state = st.selectbox(s.COL_REVIEW_STATE, states, key="flags_state")
    address.put("state", None if state == states[0] else state)

rows = with_sentences(data.flag_list(year, units, tuple(flag_pick), tuple(dept_pick), version))
if state != states[0] and len(rows):
    rows = rows[rows["review_state"] == state].reset_index(drop=True)
if rows.empty:
    st.info(s.FLAGS_NONE)
    st.stop()
done = rows.loc[rows["review_state"] == s.REVIEW_DONE, "form_id"].nunique()
st.caption(s.FLAGS_COUNT.format(n=fmt.count(len(rows)), projects=fmt.count(rows["form_id"].nunique()),
                                done=fmt.count(done)))
ids = list(zip(rows["unit_code"], rows["form_id"], strict=True))
filters = widgets.filter_text({s.FILTER_FLAG: flag_pick, s.FILTER_DEPARTMENT: dept_pick,
                               s.COL_REVIEW_STATE: "" if state == states[0] else state})
picked = widgets.selectable_table(ctx, tables.flag_table(rows), ids, s.FLAGS_TITLE, key="flags_table", filters=filters)
if picked:
    unit_code, form_id = picked  # type: ignore[misc]
    st.switch_page("pages/units.py", query_params={"unit": unit_code, "form": str(form_id)})
