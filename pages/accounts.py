"""账户管理 (绩效办): accounts with role and scope; create, change, reset a password, disable or enable. Every
change is checked and audited by store.accounts; another role reaching this page is refused there too."""

import streamlit as st

from present import strings as s
from present import tables
from store import accounts
from store.access import ACCOUNTS, BUDGET, ROLE_HELP, ROLES, UNIT, Refused, require
from store.db import StoreError
from ui import data, widgets

viewer = widgets.signed_in()
st.title(s.ACCOUNTS_TITLE)
try:
    require(data.con(), viewer, ACCOUNTS, target="账户管理页面")
except Refused as exc:
    st.error(str(exc))
    st.stop()
st.caption(s.ACCOUNTS_CAPTION)

con = data.con()
directory = data.unit_directory(data.data_version())
unit_names = dict(zip(directory["unit_code"], directory["unit_name"], strict=True))
departments = sorted({d for d in directory["department"] if d})


def unit_label(code: str) -> str:
    return f"{code} {unit_names.get(code, '')}".strip()


# The edit widgets carry keys: an unkeyed widget's identity includes its default (and a selectbox's, its option
# labels), so when another 绩效办 renamed or re-roled an account, the picker here jumped to the first account and
# the form's typed values were dropped — a save then changed the wrong account. Keyed per account, they keep the
# account picked and what was typed.
EDIT_FIELDS = ("name", "role", "units", "departments", "sso")


def edit_key(field: str, username: str) -> str:
    return f"edit_{field}_{username}"


def done(message: str, redraw: str | None = None) -> None:
    """Say what was done on the next run; `redraw`: the account whose edit form is drawn again from the store."""
    if redraw is not None:
        for field in EDIT_FIELDS:
            st.session_state.pop(edit_key(field, redraw), None)
    st.session_state["accounts_notice"] = message
    st.rerun()


notice = st.session_state.pop("accounts_notice", None)
if notice:
    st.success(notice)

every = accounts.list_accounts(con)
st.subheader(s.ACCOUNTS_TABLE)
st.dataframe(tables.account_table(every, unit_names), hide_index=True, width="stretch")

left, right = st.columns(2)
with left, st.form("new_account", clear_on_submit=False):
    st.markdown(f"**{s.ACCOUNT_NEW}**")
    username = st.text_input(s.ACCOUNT_USERNAME, key="new_username")
    name = st.text_input(s.ACCOUNT_NAME, key="new_name")
    role = st.selectbox(s.ACCOUNT_ROLE, ROLES, format_func=lambda r: f"{r}：{ROLE_HELP[r]}", key="new_role")
    units = st.multiselect(s.ACCOUNT_UNITS, list(unit_names), format_func=unit_label, key="new_units")
    depts = st.multiselect(s.ACCOUNT_DEPARTMENTS, departments, key="new_departments")
    sso = st.text_input(s.ACCOUNT_SSO, key="new_sso")
    password = st.text_input(s.ACCOUNT_PASSWORD, type="password", autocomplete="new-password", key="new_password")
    if st.form_submit_button(s.ACCOUNT_CREATE, type="primary"):
        try:
            had_demo = any(a.is_demo and a.active for a in every)
            made = accounts.create(con, viewer, username, name, role, password or None,
                                   units if role == UNIT else (), depts if role == BUDGET else (), sso or None)
        except StoreError as exc:  # AccountError or Refused: said as is
            st.error(str(exc))
        else:
            done((s.ACCOUNT_CREATED_DEMO_OFF if had_demo else s.ACCOUNT_CREATED).format(name=made.username))

with right:
    st.markdown(f"**{s.ACCOUNT_EDIT}**")
    names = [a.username for a in every]
    picked = st.selectbox(s.ACCOUNT_PICK, names, key="account_pick", format_func=lambda n: next(
        f"{a.username}　{a.display_name}（{a.role}）" for a in every if a.username == n))
    account = next(a for a in every if a.username == picked)
    with st.form("edit_account"):
        new_name = st.text_input(s.ACCOUNT_NAME, value=account.display_name, key=edit_key("name", picked))
        new_role = st.selectbox(s.ACCOUNT_ROLE, ROLES, index=ROLES.index(account.role), key=edit_key("role", picked))
        new_units = st.multiselect(s.ACCOUNT_UNITS, sorted(set(unit_names) | set(account.units)),
                                   default=list(account.units), format_func=unit_label, key=edit_key("units", picked))
        new_depts = st.multiselect(s.ACCOUNT_DEPARTMENTS, sorted(set(departments) | set(account.departments)),
                                   default=list(account.departments), key=edit_key("departments", picked))
        new_sso = st.text_input(s.ACCOUNT_SSO, value=account.sso_identity or "", key=edit_key("sso", picked))
        if st.form_submit_button(s.ACCOUNT_SAVE):
            try:
                accounts.update(con, viewer, account.username, display_name=new_name, role=new_role,
                                units=new_units if new_role == UNIT else [],
                                departments=new_depts if new_role == BUDGET else [], sso_identity=new_sso)
            except StoreError as exc:
                st.error(str(exc))
            else:
                done(s.ACCOUNT_SAVED.format(name=account.username), redraw=account.username)
    with st.form("reset_password", clear_on_submit=True):
        new_password = st.text_input(s.ACCOUNT_NEW_PASSWORD, type="password", autocomplete="new-password")
        if st.form_submit_button(s.ACCOUNT_RESET):
            try:
                accounts.set_password(con, viewer, account.username, new_password)
            except StoreError as exc:
                st.error(str(exc))
            else:
                done(s.ACCOUNT_PASSWORD_SET.format(name=account.username))
    label = s.ACCOUNT_DISABLE if account.active else s.ACCOUNT_ENABLE
    if st.button(label, key="toggle_account"):
        try:
            accounts.set_active(con, viewer, account.username, not account.active)
        except StoreError as exc:
            st.error(str(exc))
        else:
            done((s.ACCOUNT_DISABLED if account.active else s.ACCOUNT_ENABLED).format(name=account.username))
