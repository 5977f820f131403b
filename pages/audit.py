"""操作记录: the audit trail, filtered and exported. 绩效办 and 只读 see every entry; everyone else its own."""

from datetime import date, timedelta

import streamlit as st

from present import strings as s
from present import tables
from store.access import AUDIT_ALL
from ui import data, widgets

viewer = widgets.signed_in()
version, year = data.selection()
everyone = viewer.may(AUDIT_ALL)
only = None if everyone else viewer.username
st.title(s.AUDIT_TITLE)
st.caption(s.AUDIT_CAPTION_ALL if everyone else s.AUDIT_CAPTION_OWN)

verdict = data.audit_verdict()
if verdict.broken_at is None:
    st.success(s.AUDIT_CHAIN_OK.format(n=verdict.rows), icon=":material/verified:")
else:
    st.error(s.AUDIT_CHAIN_BROKEN.format(audit_id=verdict.broken_at))

actors, actions = data.audit_choices(only)
c1, c2, c3, c4, c5 = st.columns([1, 1, 1, 1, 1])
since = c1.date_input(s.AUDIT_SINCE, value=date.today() - timedelta(days=30), format="YYYY-MM-DD")
until = c2.date_input(s.AUDIT_UNTIL, value=date.today(), format="YYYY-MM-DD")
actor_pick = c3.multiselect(s.AUDIT_ACTOR, actors, placeholder=s.FILTER_ALL) if everyone else []
action_pick = c4.multiselect(s.AUDIT_ACTION, actions, placeholder=s.FILTER_ALL)
outcome_pick = c5.multiselect(s.AUDIT_OUTCOME, data.AUDIT_OUTCOMES, placeholder=s.FILTER_ALL)
text = st.text_input(s.AUDIT_TEXT)
where = data.AuditFilter(since if isinstance(since, date) else None, until if isinstance(until, date) else None,
                         tuple(actor_pick), tuple(action_pick), tuple(outcome_pick), text.strip())

entries = data.audit_entries(where, only)
st.caption(s.AUDIT_COUNT.format(n=len(entries)))
if entries.empty:
    st.info(s.NO_MATCH)
    st.stop()
ctx = widgets.PageContext(version=version, year=year or date.today().year, viewer=viewer)
shown = tables.audit_table(entries)
if len(shown) > data.AUDIT_SHOWN:
    st.caption(s.AUDIT_LIMIT.format(n=data.AUDIT_SHOWN))
widgets.table_with_downloads(ctx, shown.head(data.AUDIT_SHOWN), s.AUDIT_TITLE, height=480,
                             full=lambda: tables.audit_table(data.audit_entries(where, only)))
