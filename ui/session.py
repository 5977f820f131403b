"""Who uses this session (Streamlit glue): the sign-in page in its three modes, the signed-in viewer checked
against its account on every run, sign-out.

Modes (`BUDGET_PERF_AUTH`): `password` (default: accounts in the database, argon2 hashes); `proxy` (an
intranet reverse proxy that has signed the person in passes the name in a header, `BUDGET_PERF_PROXY_HEADER`,
default `X-Remote-User`; only safe when the dashboard listens on 127.0.0.1 behind that proxy); `oidc` (st.login
with the provider configured in `.streamlit/secrets.toml` [auth]). In every mode the person needs an active
account: the identity only says who it is, the account says what it may do.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping

import streamlit as st

from present import strings as s
from store import accounts
from store.access import ROLES, Viewer
from store.accounts import SignInError
from ui import data

MODE_ENV = "BUDGET_PERF_AUTH"
PROXY_HEADER_ENV = "BUDGET_PERF_PROXY_HEADER"
DEFAULT_PROXY_HEADER = "X-Remote-User"
PASSWORD, PROXY, OIDC = "password", "proxy", "oidc"
MODES = (PASSWORD, PROXY, OIDC)
_VIEWER = "_viewer"  # session_state key of the signed-in Viewer; no widget has this key
_NOTICE = "_signin_notice"


def mode() -> str:
    """The configured sign-in mode; an unknown value falls back to passwords (the safe choice)."""
    value = os.environ.get(MODE_ENV, PASSWORD).strip().lower()
    return value if value in MODES else PASSWORD


def proxy_header() -> str:
    """The request header a trusted proxy puts the signed-in name in."""
    return os.environ.get(PROXY_HEADER_ENV, DEFAULT_PROXY_HEADER).strip() or DEFAULT_PROXY_HEADER


def proxy_identity(headers: Mapping[str, str], header: str) -> str | None:
    """The name a proxy passed, or None when the header is missing or blank (header names ignore case)."""
    wanted = header.lower()
    for name, value in headers.items():
        if name.lower() == wanted and value and value.strip():
            return value.strip()
    return None


def oidc_identity(user: Mapping[str, object]) -> str | None:
    """The identity an OIDC login gives: its e-mail, else its preferred user name, else its subject."""
    if not user.get("is_logged_in"):
        return None
    for key in ("email", "preferred_username", "sub"):
        value = user.get(key)
        if isinstance(value, str) and value.strip():
            return value.strip()
    return None


def _client() -> str:
    """The client's address as Streamlit sees it ('' in tests)."""
    address = st.context.ip_address
    return address if isinstance(address, str) else ""


def current() -> Viewer | None:
    """The signed-in viewer as its account stands now; None when nobody is signed in, or the account was
    disabled since (the session is then signed out and told why)."""
    viewer = st.session_state.get(_VIEWER)
    if not isinstance(viewer, Viewer):
        return None
    fresh = accounts.current(data.con(), viewer)
    if fresh is None:
        del st.session_state[_VIEWER]
        st.session_state[_NOTICE] = s.SIGNED_OUT_DISABLED
        return None
    if fresh != viewer:
        st.session_state[_VIEWER] = fresh
    return fresh


def _signed_in(viewer: Viewer) -> None:
    st.session_state[_VIEWER] = viewer
    st.session_state.pop(_NOTICE, None)


def require(version: int, keep_address: Callable[[], object]) -> Viewer:
    """The signed-in viewer; otherwise draw the sign-in page of the configured mode and stop the run (calling
    `keep_address` first: it registers the pages, hidden, so the page in the address is the one opened after
    signing in)."""
    viewer = current()
    if viewer is not None:
        return viewer
    con = data.con()
    how = mode()
    if how == PROXY:
        identity = proxy_identity(st.context.headers, proxy_header())
        if identity is None:
            st.error(s.SIGNIN_PROXY_MISSING.format(header=proxy_header()))
            st.stop()
        try:
            viewer = accounts.identify(con, identity, "反向代理", _client())
        except SignInError as exc:
            st.error(str(exc))
            st.stop()
        _signed_in(viewer)
        return viewer
    if how == OIDC:
        identity = oidc_identity(st.user.to_dict())
        if identity is not None:
            try:
                viewer = accounts.identify(con, identity, "统一身份认证", _client())
            except SignInError as exc:
                st.error(str(exc))
                st.button(s.SIGN_OUT, on_click=st.logout)
                st.stop()
            _signed_in(viewer)
            return viewer
    keep_address()
    _sign_in_page(version, sso=how == OIDC)
    st.stop()


def _sign_in_page(version: int, sso: bool) -> None:
    """Title, the form (or the single sign-on button), and the demo accounts while only sample data is loaded."""
    _, middle, _ = st.columns([1, 2, 1])
    with middle:
        st.title(f"{s.APP_TITLE} · {s.SIGNIN_TITLE}")
        notice = st.session_state.get(_NOTICE)
        if notice:
            st.warning(notice)
        if sso:
            st.caption(s.SIGNIN_SSO_CAPTION)
            st.button(s.SIGNIN_SSO, on_click=st.login, type="primary")
            return
        st.caption(s.SIGNIN_CAPTION)
        con = data.con()
        every = accounts.list_accounts(con)
        if not every:
            st.info(s.SIGNIN_NO_ACCOUNTS)
            return
        with st.form("sign_in"):
            username = st.text_input(s.SIGNIN_USER, autocomplete="username")
            password = st.text_input(s.SIGNIN_PASSWORD, type="password", autocomplete="current-password")
            submitted = st.form_submit_button(s.SIGNIN_SUBMIT, type="primary", width="stretch")
        if submitted:
            if not username.strip() or not password:
                st.error(s.SIGNIN_EMPTY)
            else:
                _try(username, password)
        demos = sorted((a for a in every if a.is_demo and a.active), key=lambda a: ROLES.index(a.role))
        if demos and data.sample_only(version):
            st.divider()
            st.markdown(f"**{s.DEMO_TITLE}**")
            st.caption(s.DEMO_CAPTION.format(password=accounts.DEMO_PASSWORD))
            for account in demos:
                left, right = st.columns([3, 2])
                left.markdown(f"`{account.username}`　{account.display_name}（{account.role}）")
                if right.button(s.DEMO_AS.format(role=account.role), key=f"demo_{account.username}", width="stretch"):
                    _try(account.username, accounts.DEMO_PASSWORD)


def _try(username: str, password: str) -> None:
    """Sign in and start over signed in; say why not otherwise."""
    try:
        viewer = accounts.sign_in(data.con(), username, password, _client())
    except SignInError as exc:
        st.error(str(exc))
        return
    _signed_in(viewer)
    st.rerun()


def sign_out(viewer: Viewer) -> None:
    """Record the sign-out, forget the viewer (and the OIDC cookie), start over."""
    accounts.sign_out(data.con(), viewer)
    for key in list(st.session_state.keys()):
        del st.session_state[key]
    if mode() == OIDC:
        st.logout()
    st.rerun()


def change_password(viewer: Viewer) -> None:
    """The sidebar's own-password form (not for demo accounts, nor for single sign-on)."""
    with st.popover(s.MY_PASSWORD, width="stretch"), st.form("my_password", clear_on_submit=True):
        old = st.text_input(s.MY_PASSWORD_OLD, type="password", autocomplete="current-password")
        new = st.text_input(s.MY_PASSWORD_NEW, type="password", autocomplete="new-password")
        again = st.text_input(s.MY_PASSWORD_AGAIN, type="password", autocomplete="new-password")
        if st.form_submit_button(s.MY_PASSWORD):
            if new != again:
                st.error(s.MY_PASSWORD_MISMATCH)
                return
            try:
                accounts.set_password(data.con(), viewer, viewer.username, new, old)
            except accounts.AccountError as exc:
                st.error(str(exc))
                return
            st.success(s.MY_PASSWORD_DONE)
