"""Entry point: page config, first-start database build, shared sidebar, navigation over pages/."""

import streamlit as st

from store.db import DatabaseBusy
from ui import data
from ui import strings as s

st.set_page_config(page_title=s.APP_TITLE, page_icon=s.APP_ICON, layout="wide")

try:
    if not data.db.default_path().exists():
        with st.status(s.BUILD_TITLE, expanded=True) as status:
            bar = st.progress(0.0)
            seen: list[int] = [0]

            def progress(done: int, total: int, file: str) -> None:
                seen[0] = total
                bar.progress(done / total, s.BUILD_PROGRESS.format(done=done, total=total, file=file.rsplit("/", 1)[-1]))

            seconds = data.ensure_database(progress)
            status.update(label=s.BUILD_DONE.format(files=seen[0], seconds=seconds or 0), state="complete",
                          expanded=False)
    version = data.data_version()
except DatabaseBusy:
    st.warning(s.DB_BUSY)
    st.stop()
except Exception as exc:  # the one place the UI shows an unexpected failure: no traceback, details folded
    st.error(s.BUILD_FAILED)
    with st.expander(s.DETAILS):
        st.code(f"{type(exc).__name__}: {exc}")
    st.stop()

years = data.years(version)
with st.sidebar:
    st.markdown(f"### {s.APP_TITLE}")
    if years:
        st.selectbox(s.YEAR_LABEL, years, key="year", format_func=lambda y: f"{y} 年度")
        if s.SAMPLE_BADGE in data.year_note(st.session_state["year"], version):
            st.warning(f"**{s.SAMPLE_BADGE}**　{s.SAMPLE_NOTE}")

page = st.navigation([
    st.Page("pages/overview.py", title=s.NAV_OVERVIEW, icon=":material/insights:", default=True),
    st.Page("pages/projects.py", title=s.NAV_PROJECTS, icon=":material/fact_check:"),
])
page.run()
