"""汇报模式 and 导出汇报材料 (Streamlit glue): the meeting's facts read once per year, scope, 主管部门 and data version
(store.meeting.gather, cached), the presentation page's chrome (no sidebar or toolbar, large dark type) and one
screen drawn at a time, and the export page's builds (all four as a .zip with a progress bar, or each alone)."""

from __future__ import annotations

import html
import time
from dataclasses import replace

import streamlit as st

from present import charts
from present import meeting as pm
from present import strings as s
from reports import meeting as exports
from store.meeting import MeetingData, MeetingFilters, gather
from store.queries import Units
from ui import data, widgets

PARTS = exports.PARTS  # pptx, png, xlsx, docx
SCREEN_KEY = "present_screen"  # session_state: the index of the screen shown (a UI selection)
SCREEN_THEME = replace(charts.PRESENTATION, width=None, height=720)  # the browser fills the width itself

PRESENT_CSS = """
<style>
section[data-testid="stSidebar"], [data-testid="stSidebarCollapsedControl"], header[data-testid="stHeader"],
[data-testid="stToolbar"], [data-testid="stDecoration"], [data-testid="stSidebarNav"] { display: none !important; }
.block-container, [data-testid="stMainBlockContainer"] { padding-top: 1.2rem !important; max-width: 100% !important;
    padding-left: 3rem !important; padding-right: 3rem !important; }
div.meeting-title { font-size: 48px !important; font-weight: 700; color: #111; margin: 0; line-height: 1.3; }
div.meeting-sub { font-size: 22px !important; color: #333; margin: 0.3rem 0 0.8rem 0; }
main:focus, main:focus-visible, section:focus, div:focus-visible { outline: none !important; }
[data-testid="stMain"]::before { display: none !important; }
.meeting-sample { background: #fff3cd; color: #7a4b00; padding: 0.1rem 0.6rem; border-radius: 0.3rem; font-weight: 600; }
.meeting-grid { display: grid; grid-template-columns: repeat(4, 1fr); gap: 2.2rem 2rem; margin-top: 2rem; }
.meeting-label { font-size: 26px; color: #333; }
.meeting-value { font-size: 56px; font-weight: 700; color: #0d47a1; line-height: 1.2; }
ul.meeting-list { margin-top: 1.5rem; }
ul.meeting-list li { font-size: 30px !important; color: #111; line-height: 1.6; margin-bottom: 0.8rem; }
.meeting-notice { font-size: 52px; color: #444; font-weight: 700; text-align: center; margin-top: 18vh; }
[data-testid="stBaseButton-secondary"] p, [data-testid="stBaseButton-primary"] p { font-size: 22px; }
.meeting-position { font-size: 24px; color: #333; text-align: center; padding-top: 0.4rem; }
</style>
"""


@st.cache_data(show_spinner=False, max_entries=16)
def facts(year: int, units: Units, departments: tuple[str, ...], version: int) -> MeetingData:
    """The meeting's facts for the year, the viewer's units and the chosen 主管部门 (one read of everything)."""
    return gather(data.con(), MeetingFilters(year, units, departments))


def scope_line(found: MeetingData) -> str:
    """The footer line of every screen and file: year, data date, scope, 示例数据."""
    return pm.footer(found, pm.scope_text(found.filters.departments, found.filters.units))


def _header(screen: pm.Screen, found: MeetingData) -> None:
    sample = f' <span class="meeting-sample">{s.SAMPLE_BADGE}</span>' if found.sample else ""
    sub = html.escape(scope_line(found).removesuffix(s.FOOTER_SAMPLE))
    st.markdown(f'<div class="meeting-title">{html.escape(screen.title)}</div>'
                f'<div class="meeting-sub">{sub}{sample}</div>', unsafe_allow_html=True)


def _lines(lines: tuple[tuple[str, str], ...], grid: bool) -> None:
    if grid:
        cells = "".join(f'<div><div class="meeting-label">{html.escape(label)}</div>'
                        f'<div class="meeting-value">{html.escape(value)}</div></div>' for label, value in lines)
        st.markdown(f'<div class="meeting-grid">{cells}</div>', unsafe_allow_html=True)
        return
    items = "".join(f"<li>{html.escape(f'{label}：{value}' if label and value else (value or label))}</li>"
                    for label, value in lines)
    st.markdown(f'<ul class="meeting-list">{items}</ul>', unsafe_allow_html=True)


def draw(screen: pm.Screen, found: MeetingData) -> None:
    """One screen: its title with the year, the data line, then its figure, big lines or notice."""
    _header(screen, found)
    figure = pm.untitled(screen)  # the screen's title says it already
    config = charts.config(screen.figure, mode_bar=False)
    if screen.notice:
        st.markdown(f'<p class="meeting-notice">{html.escape(screen.notice)}</p>', unsafe_allow_html=True)
    elif figure is not None and screen.lines:
        left, right = st.columns([1, 2])
        with left:
            _lines(screen.lines, grid=False)
        right.plotly_chart(figure, width="stretch", config=config, key=f"present_{screen.key}")
    elif figure is not None:
        st.plotly_chart(figure, width="stretch", config=config, key=f"present_{screen.key}")
    else:
        _lines(screen.lines, grid=screen.key == "headline")


def _move(step: int, total: int) -> None:
    st.session_state[SCREEN_KEY] = max(0, min(total - 1, int(st.session_state.get(SCREEN_KEY, 0)) + step))


def navigation(index: int, total: int) -> None:
    """上一页 / 下一页 (also the ← → keys), the position, and the way out."""
    prev, position, nxt, _, leave = st.columns([1.2, 1, 1.2, 4, 1.6])
    prev.button(s.PRESENT_PREV, shortcut="Left", disabled=index == 0, on_click=_move, args=(-1, total),
                width="stretch", key="present_prev", icon=":material/chevron_left:")
    position.markdown(f'<div class="meeting-position">{s.PRESENT_POSITION.format(n=index + 1, total=total)}</div>',
                      unsafe_allow_html=True)
    nxt.button(s.PRESENT_NEXT, shortcut="Right", disabled=index >= total - 1, on_click=_move, args=(1, total),
               width="stretch", key="present_next", icon=":material/chevron_right:", icon_position="right")
    if leave.button(s.PRESENT_EXIT, width="stretch", key="present_exit"):
        st.switch_page("pages/overview.py")


def present(found: MeetingData) -> None:
    """The presentation page's body: chrome off, the current screen, the navigation."""
    st.markdown(PRESENT_CSS, unsafe_allow_html=True)
    screens = pm.screens(found, SCREEN_THEME)
    index = max(0, min(len(screens) - 1, int(st.session_state.get(SCREEN_KEY, 0))))
    st.session_state[SCREEN_KEY] = index
    navigation(index, len(screens))
    draw(screens[index], found)
    st.caption(s.PRESENT_HINT)


# ---- 导出汇报材料 ----------------------------------------------------------------------------------------------------


def build_bundle(found: MeetingData) -> tuple[exports.Material, float]:
    """All four as one .zip, with a progress bar while it is built; (the file, seconds)."""
    bar = st.progress(0.0, text=s.EXPORT_PROGRESS.format(what="", done=0, total=1))
    started = time.perf_counter()

    def progress(done: int, total: int, what: str) -> None:
        bar.progress(min(done / total, 1.0) if total else 1.0,
                     text=s.EXPORT_PROGRESS.format(what=what, done=done, total=total) if what else "")

    made = exports.bundle(found, progress)
    bar.empty()
    return made, time.perf_counter() - started


def one_part(found: MeetingData, part: str) -> exports.Material:
    """One part of the material (pptx, png, xlsx or docx)."""
    return exports.build(found, (part,))[part]


def presentation_context() -> tuple[int, Units, int]:
    """(year, the viewer's units, data version) for the presentation page, which draws no page title; stops with a
    hint when nobody is signed in, no data is loaded, or the viewer may see no unit."""
    viewer = widgets.signed_in()
    version, year = data.selection()
    if year is None:
        st.info(s.NO_DATA)
        st.stop()
    units = data.scope(viewer, version)
    if units is not None and not units:
        st.info(s.NO_SCOPE)
        st.stop()
    return year, units, version


_FILE_NAMES = {"pptx": s.FILE_SLIDES, "png": s.FILE_CHARTS, "xlsx": s.FILE_WORKBOOK, "docx": s.FILE_REPORT}


def file_name(found: MeetingData, part: str) -> str:
    """The file name of one part of the material."""
    return _FILE_NAMES[part].format(year=found.year)


def mime(part: str) -> str:
    """The MIME type of one part of the material."""
    return exports.MIMES[part]
