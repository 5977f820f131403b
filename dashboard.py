"""Entry point: page config, first-start database build, sign-in, shared sidebar, navigation over pages/ (the
pages a role may use; every page and query checks the viewer again)."""

import streamlit as st
from streamlit.navigation.page import StreamlitPage

from present import format as fmt
from present import strings as s
from store.access import ACCOUNTS, EXPERT, UPLOAD, Refused, Viewer
from store.db import DatabaseBusy, DatabaseDamaged, StoreError
from ui import address, data, session, widgets

widgets.through_entry()  # a session's first run: navigation mode, then again (see through_entry)
st.set_page_config(page_title=s.APP_TITLE, page_icon=s.APP_ICON, layout="wide")
st.html(widgets.chinese_css())  # Streamlit's own English words, in Chinese

building = not data.database_exists()
try:
    if building:
        with st.status(s.BUILD_TITLE, expanded=True) as status:
            bar = st.progress(0.0)
            files, seconds = data.ensure_database(
                lambda done, total, file: bar.progress(done / total, s.BUILD_PROGRESS.format(
                    done=done, total=total, file=fmt.file_label(file))))
            done = s.BUILD_DONE.format(files=files, seconds=seconds) if files else s.BUILD_BY_OTHER
            status.update(label=done, state="complete", expanded=False)
    version = data.data_version()
except DatabaseBusy:
    st.warning(s.DB_BUSY)
    st.stop()
except DatabaseDamaged as exc:  # the way out, in words: restore a backup, or move the file away and rebuild
    st.error(str(exc))
    found = data.recent_backups()
    if found:
        st.info(s.DB_BACKUPS.format(names="、".join(found)))
    st.stop()
except StoreError as exc:
    widgets.failure(s.STORE_FAILED, exc)
except Exception as exc:  # the one place the UI shows an unexpected failure: no traceback, details folded
    widgets.failure(s.BUILD_FAILED if building else s.STORE_FAILED, exc)



def pages(viewer: Viewer | None) -> list[StreamlitPage]:
    """The pages of the viewer's role, in menu order (None: every page, for the sign-in page's hidden menu)."""
    found = [
        st.Page("pages/overview.py", title=s.NAV_OVERVIEW, icon=":material/insights:", default=True),
        st.Page("pages/units.py", title=s.NAV_UNITS, icon=":material/leaderboard:"),
        st.Page("pages/projects.py", title=s.NAV_PROJECTS, icon=":material/fact_check:"),
        st.Page("pages/flags.py", title=s.NAV_FLAGS, icon=":material/report:"),
        st.Page("pages/progress.py", title=s.NAV_PROGRESS, icon=":material/checklist:"),
        st.Page("pages/cuts.py", title=s.NAV_CUTS, icon=":material/savings:"),
        st.Page("pages/present.py", title=s.NAV_PRESENT, icon=":material/slideshow:"),
        st.Page("pages/export.py", title=s.NAV_EXPORT, icon=":material/download:"),
    ]
    if viewer is None or viewer.may(UPLOAD):
        found.append(st.Page("pages/upload.py", title=s.NAV_UPLOAD, icon=":material/upload_file:"))
    if viewer is None or viewer.may(ACCOUNTS):
        found.append(st.Page("pages/accounts.py", title=s.NAV_ACCOUNTS, icon=":material/manage_accounts:"))
    found.append(st.Page("pages/audit.py", title=s.NAV_AUDIT, icon=":material/history:"))
    evaluations = [st.Page("pages/key_eval.py", title=s.NAV_KEY_EVAL, icon=":material/reviews:"),
                   st.Page("pages/dept_eval.py", title=s.NAV_DEPT_EVAL, icon=":material/account_tree:")]
    if viewer is not None and viewer.role == EXPERT:  # an expert's pages: its panels, and its own trail
        return evaluations + [p for p in found if p.title == s.NAV_AUDIT]
    return found + evaluations


try:  # draws the sign-in page and stops while nobody is signed in; the address's page waits, hidden
    viewer = session.require(version, keep_address=lambda: widgets.navigate(pages(None), position="hidden"))
except StoreError as exc:
    widgets.failure(s.STORE_FAILED, exc)

years = data.years(version)
with st.sidebar:
    st.markdown(f"### {s.APP_TITLE}")
    if years:
        address.pick_year(years, "year")
        st.selectbox(s.YEAR_LABEL, years, key="year", format_func=lambda y: f"{y} 年度")
        address.put(address.YEAR, st.session_state["year"])
        if s.SAMPLE_BADGE in data.year_note(st.session_state["year"], version):
            st.warning(f"**{s.SAMPLE_BADGE}**　{s.SAMPLE_NOTE}")
    if data.demo_accounts_active():
        st.warning(s.DEMO_WARNING, icon=":material/key:")
    st.caption(s.SIGNED_IN_AS.format(who=viewer.label))
    if session.mode() == session.PASSWORD and not viewer.is_demo:
        session.change_password(viewer)
    if st.button(s.SIGN_OUT, icon=":material/logout:", width="stretch"):
        session.sign_out(viewer)

page = widgets.navigate(pages(viewer))
st.set_page_config(page_title=f"{page.title} · {s.APP_TITLE}")  # the browser tab names the page
try:
    page.run()
except Refused as exc:  # a write the viewer may not make: said as is (and already in the audit trail)
    st.error(str(exc))
except StoreError as exc:  # a database failure inside a page: said in Chinese, details folded
    widgets.failure(s.STORE_FAILED, exc)
