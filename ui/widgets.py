"""Shared page widgets (Streamlit glue): page start, tables with their downloads."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal, NoReturn
from urllib.parse import urlsplit

import pandas as pd
import streamlit as st
from streamlit.navigation.page import StreamlitPage
from streamlit.runtime.pages_manager import PagesManager

from present import charts, tables
from present import format as fmt
from present import strings as s
from reports.tables import XLSX_MIME, table_xlsx
from store import audit
from store.access import EXPERT, Refused, Viewer, check_form, in_scope, refuse
from store.queries import Units
from ui import address, data, session


@dataclass(frozen=True)
class PageContext:
    """What every page asks its queries with: the data version, the year, the viewer and the units it may see."""

    version: int
    year: int
    viewer: Viewer
    sample: bool = False  # the year's data is the bundled 示例数据
    units: Units = None  # the viewer's scope: None = every unit

    def export_title(self, what: str, filters: str = "") -> str:
        """The title line of an exported table: year, what it is, 示例数据 when it is, and the filters applied."""
        title = s.EXPORT_TITLE.format(year=self.year, what=what, note=s.SAMPLE_NOTE_SHORT if self.sample else "")
        return title + (s.EXPORT_FILTERS.format(filters=filters) if filters else "")


PAGE_SIZE = 50  # projects per page of a list


def failure(message: str, exc: BaseException) -> NoReturn:
    """Say what failed in Chinese, fold the technical detail away (never a traceback), stop the page."""
    st.error(message)
    with st.expander(s.DETAILS):
        st.code(f"{type(exc).__name__}: {exc}")
    st.stop()


_ENTERED = "_through_entry"  # session_state: this session has run in navigation mode (no widget has this key)
_ENTRY_PATH = "_entry_path"  # session_state: the page the session's first address asked for, until opened


def through_entry() -> None:
    """Run every page through dashboard.py, in navigation mode. While no session has called st.navigation yet,
    Streamlit is in its first-release multipage mode (a pages/ folder beside the entry script): it runs a page's
    address on its own, and runs dashboard.py itself as a page, so its widgets get other identities than in
    navigation mode. A sign-in form drawn in that mode lost its first submission once any session had signed
    in (16 people opening the dashboard after a restart: all but one had to sign in twice). So each session's
    first run switches the mode off for the process and runs again, before drawing anything; later runs go on.
    (The first run of a session cannot know which mode it started in: another session may have switched it off
    meanwhile.)"""
    if PagesManager.uses_pages_directory or not st.session_state.get(_ENTERED):
        PagesManager.uses_pages_directory = False
        st.session_state[_ENTERED] = True
        st.session_state[_ENTRY_PATH] = _address_path()
        st.rerun()


def _address_path() -> str:
    """The page part of the address the browser asked for ("projects" for …/projects?form=1; "" for the root)."""
    url = st.context.url or ""
    return urlsplit(url).path.strip("/").rsplit("/", 1)[-1]


def chinese_css() -> str:
    """Page-wide CSS: Streamlit's file uploader draws English words ("Upload", "50MB per file • XLSX"); they are
    replaced by Chinese in the same place, size and colour (st.html with style only takes no room on the page)."""
    from etl import MAX_UPLOAD_MB

    hint = s.UPLOADER_HINT.format(mb=MAX_UPLOAD_MB)
    return f"""<style>
[data-testid="stFileUploaderDropzone"] button [data-testid="stMarkdownContainer"] p {{ font-size: 0; }}
[data-testid="stFileUploaderDropzone"] button [data-testid="stMarkdownContainer"] p::after {{
    content: "{s.UPLOADER_BUTTON}"; font-size: 14px; }}
[data-testid="stFileUploaderDropzoneInstructions"] span {{ font-size: 0; }}
[data-testid="stFileUploaderDropzoneInstructions"] span::after {{ content: "{hint}"; font-size: 14px; }}
</style>"""


def navigate(found: list[StreamlitPage], position: Literal["sidebar", "hidden"] = "sidebar") -> StreamlitPage:
    """st.navigation over `found`, opening the page the session's first address asked for: the rerun that
    leaves pages/-folder mode (through_entry) runs the default page, and the address with it, so the page is
    switched back once, its query parameters kept (a copied link to a page opens that page)."""
    page = st.navigation(found, position=position, expanded=True)  # every page listed: no English "View N more"
    wanted = st.session_state.pop(_ENTRY_PATH, "")
    if wanted and page.url_path != wanted:
        for other in found:
            if other.url_path == wanted:
                st.switch_page(other, query_params=st.query_params.to_dict())
    return page


def signed_in() -> Viewer:
    """The signed-in viewer, the page run through the entry script; a page reached without signing in says
    so, links to the sign-in page and stops."""
    through_entry()
    viewer = session.current()
    if viewer is None:
        st.warning(s.NOT_SIGNED_IN)
        st.markdown(f"[{s.GO_SIGN_IN}](/)")
        st.stop()
    return viewer


def _scope_text(viewer: Viewer, units: Units, version: int) -> str:
    """The viewer's data scope in words: 全部单位; the portfolio's departments; the unit's name."""
    if units is None:
        return s.SCOPE_ALL
    counted = s.SCOPE_UNITS.format(n=len(units))
    if viewer.departments:
        return f"{'、'.join(viewer.departments)}（{counted}）"
    if len(units) <= 3:
        names = data.unit_names(version)
        return "、".join(names.get(u, u) for u in units)
    return counted


def page_start(title: str, caption: str) -> PageContext:
    """Draw the page title, caption, the viewer's data scope and the rubric behind the numbers; stop the page
    with a hint when nobody is signed in, no data is loaded yet, or the viewer may see no unit."""
    viewer = signed_in()
    version, year = data.selection()
    st.title(title)
    if year is None:
        st.info(s.NO_DATA)
        st.stop()
    units = data.scope(viewer, version)
    if units is not None and not units:
        st.info(s.NO_SCOPE_EXPERT if viewer.role == EXPERT else s.NO_SCOPE)
        st.stop()
    ctx = PageContext(version=version, year=year, viewer=viewer, units=units,
                      sample=s.SAMPLE_BADGE in data.year_note(year, version))
    st.caption(caption.format(year=year) + "　" + s.SCOPE_CAPTION.format(scope=_scope_text(viewer, units, version)))
    rubrics = data.rubrics_in_use(year, ctx.units, version)
    if rubrics:
        item = s.RUBRIC_ITEM if len(rubrics) == 1 else s.RUBRIC_ITEM_SHARE
        st.caption(s.RUBRIC_LINE.format(rubrics="；".join(
            item.format(name=r.name, date=r.loaded_at, projects=r.projects) for r in rubrics)))
    return ctx


FORM_PARAM = "form"  # ?form=<id>: the project a shared link opens
_FORM_SHOWN = "_form_in_address"  # the id this session last wrote into the address


def requested_form(ctx: PageContext, echo_is_request: bool = False) -> int | None:
    """The project a link asks for (?form=…) when it exists and the viewer may see it; the page's own echo of
    its selection is not a request (unless `echo_is_request`: the address is the page's state). A project
    outside the viewer's scope is refused (and recorded) and the parameter dropped, so a rerun does not ask
    again."""
    raw = st.query_params.get(FORM_PARAM)
    if raw is None or (raw == st.session_state.get(_FORM_SHOWN) and not echo_is_request):
        return None
    if not raw.isdigit() or len(raw) > 18:
        st.warning(s.URL_FORM_BAD.format(value=raw[:40]))
        del st.query_params[FORM_PARAM]
        return None
    form_id = int(raw)
    try:
        visible = check_form(data.con(), ctx.viewer, ctx.units, form_id, how="网址参数")
    except Refused as exc:
        st.error(str(exc))
        del st.query_params[FORM_PARAM]
        return None
    if not visible:
        st.warning(s.URL_FORM_MISSING.format(form_id=form_id))
        del st.query_params[FORM_PARAM]
        return None
    return form_id


def show_form_in_address(form_id: int) -> None:
    """Write the shown project into the address, so that a copied link opens it."""
    st.session_state[_FORM_SHOWN] = st.query_params[FORM_PARAM] = str(form_id)


def filter_text(picked: dict[str, list[str] | str]) -> str:
    """The filters a person chose, for the title line of a download: 主管部门=区教育局；疑点=自评分虚高."""
    parts = [f"{label}={'、'.join(v) if isinstance(v, list) else v}" for label, v in picked.items() if v]
    return "；".join(parts)


def table_with_downloads(ctx: PageContext, table: pd.DataFrame, what: str, height: int | Literal["auto"] = "auto",
                         full: Callable[[], pd.DataFrame] | None = None, filters: str = "", key: str | None = None) -> None:
    """A shaped table (Chinese column names, exact numbers) with Excel and CSV downloads named after it and the
    year. With `full`, the downloads hold every row it returns, built only when the user clicks. `key` tells apart
    two tables of one name on a page."""
    shown = tables.for_display(table)
    st.dataframe(shown, hide_index=True, width="stretch", height=height, placeholder=fmt.EMPTY,
                 column_config=column_config(shown))
    title = ctx.export_title(what, filters)
    left, right, _ = st.columns([1, 1, 6])
    if full is None:  # the table itself: its files are built once per table and kept
        xlsx, csv = _downloads(table, what, title)
        left.download_button(s.DOWNLOAD_EXCEL, xlsx, file_name=f"{what}_{ctx.year}.xlsx", mime=XLSX_MIME,
                             key=f"{key}_xlsx" if key else None)
        right.download_button(s.DOWNLOAD_CSV, csv, file_name=f"{what}_{ctx.year}.csv", mime="text/csv",
                              key=f"{key}_csv" if key else None)
        return

    def xlsx_now() -> bytes:
        return table_xlsx(full(), what, title, tables.EXCEL_FORMATS)

    def csv_now() -> bytes:
        return fmt.csv_bytes(full())

    left.download_button(s.DOWNLOAD_EXCEL, xlsx_now, file_name=f"{what}_{ctx.year}.xlsx", mime=XLSX_MIME,
                         key=f"{key}_xlsx" if key else None)
    right.download_button(s.DOWNLOAD_CSV, csv_now, file_name=f"{what}_{ctx.year}.csv", mime="text/csv",
                          key=f"{key}_csv" if key else None)


@st.cache_data(show_spinner=False, max_entries=32)
def _downloads(table: pd.DataFrame, what: str, title: str) -> tuple[bytes, bytes]:
    """(xlsx, csv) bytes of a shaped table, built once per table content."""
    return table_xlsx(table, what, title, tables.EXCEL_FORMATS), fmt.csv_bytes(table)


COLUMN_FORMATS = {  # how shaped tables show numbers on screen: 万元 with two decimals, scores two, rates percent
    s.COL_BUDGET: "accounting", s.COL_EXECUTED: "accounting", s.COL_RATE: "%.2f%%", s.COL_SELF: "%.2f",
    s.COL_COMPUTED: "%.2f", s.COL_REVIEWED: "%.2f", s.COL_FINAL: "%.2f", s.COL_SCORE: "%.2f", s.COL_WEIGHT: "%.2f",
    s.COL_APPLIED: "%.2f", s.COL_SHARE: "%.2f%%", s.COL_CUT_SCORE: "%.2f", s.COL_CUT_REQUEST: "accounting",
    s.COL_CUT_BASE: "accounting", s.COL_CUT_PCT: "%.2f%%", s.COL_CUT_AMOUNT: "accounting", s.COL_CUT_AFTER: "accounting",
    s.COL_REQUEST_AMOUNT: "accounting",
}
_NONCE = "_selection_nonce"  # session_state: bumped on every move, so a table's old selection does not reopen


def column_config(shown: pd.DataFrame) -> dict[str, Any]:
    """The on-screen number formats of a table as shown (tables.for_display): the named columns as COLUMN_FORMATS
    says, every other column of floats (scores, 万元, points) with two decimals; counts stay integers."""
    config: dict[str, Any] = {}
    for col in shown.columns:
        if col in COLUMN_FORMATS:
            config[col] = st.column_config.NumberColumn(format=COLUMN_FORMATS[col])
        elif pd.api.types.is_float_dtype(shown[col]):
            config[col] = st.column_config.NumberColumn(format="%.2f")
    return config


def go_to(unit: str | None = None, form: int | None = None) -> NoReturn:
    """Move to a level of the drill-down (None, None: the list) and run the page again."""
    _move(unit, form)
    st.rerun()


def _move(unit: str | None, form: int | None) -> None:
    address.put(address.UNIT, unit)
    address.put(address.FORM, form)
    st.session_state.pop(_FORM_SHOWN, None)
    st.session_state[_NONCE] = st.session_state.get(_NONCE, 0) + 1


def breadcrumbs(trail: list[tuple[str, dict[str, object] | None]]) -> None:
    """单位评分 › unit › project: every step but the last a button back to it, and a back button."""
    steps = st.columns([2] * len(trail) + [max(1, 10 - 2 * len(trail))], vertical_alignment="center")
    for i, (label, target) in enumerate(trail):
        shown = ("› " if i else "") + label
        if target is None:
            steps[i].markdown(f"**{shown}**")
        else:
            steps[i].button(shown, key=f"crumb_{i}", type="tertiary", on_click=_move,
                            args=(target.get("unit"), target.get("form")))
    parent = trail[-2][1] if len(trail) > 1 else None
    if parent is not None:
        label = s.BACK_TO_UNITS if not parent else s.BACK_TO_UNIT.format(unit=trail[-2][0])
        steps[-1].button(label, key="crumb_back", icon=":material/arrow_back:", on_click=_move,
                         args=(parent.get("unit"), parent.get("form")))


def go_back_button(label: str, unit: str | None) -> None:
    """A button back to a level (the unit, or the list when None)."""
    st.button(label, icon=":material/arrow_back:", on_click=_move, args=(unit, None))


def selectable_table(ctx: PageContext, table: pd.DataFrame, ids: list[object], what: str, key: str,
                     filters: str = "") -> object | None:
    """A shaped table whose rows can be clicked (one at a time), with its Excel and CSV downloads; returns the
    id of the clicked row, None when none is."""
    nonce = st.session_state.get(_NONCE, 0)
    shown = tables.for_display(table)
    event = st.dataframe(shown, hide_index=True, width="stretch", placeholder=fmt.EMPTY,
                         column_config=column_config(shown), on_select="rerun", selection_mode="single-row",
                         key=f"{key}_{nonce}", height=min(36 * len(table) + 40, 520))
    title = ctx.export_title(what, filters)
    left, right, _ = st.columns([1, 1, 6])
    xlsx, csv = _downloads(table, what, title)
    left.download_button(s.DOWNLOAD_EXCEL, xlsx, file_name=f"{what}_{ctx.year}.xlsx", mime=XLSX_MIME, key=f"{key}_x")
    right.download_button(s.DOWNLOAD_CSV, csv, file_name=f"{what}_{ctx.year}.csv", mime="text/csv", key=f"{key}_c")
    rows = event.selection.rows if event is not None else []
    return ids[rows[0]] if rows else None


def selectable_chart(figure: object, key: str) -> object | None:
    """A plotly chart whose bars can be clicked; returns the customdata of the clicked bar (None: none)."""
    nonce = st.session_state.get(_NONCE, 0)
    event = st.plotly_chart(figure, width="stretch", on_select="rerun", selection_mode="points",
                            key=f"{key}_{nonce}", config=charts.config(figure))
    points = event.selection.points if event is not None else []
    for point in points:
        value = point.get("customdata")
        if value is not None:
            return value[0] if isinstance(value, (list, tuple)) else value
    return None


def chart(figure: object, key: str | None = None) -> None:
    """A plotly chart across its container, its mode bar in Chinese (present.charts.config)."""
    st.plotly_chart(figure, width="stretch", config=charts.config(figure), key=key)


def requested_unit(ctx: PageContext) -> str | None:
    """The unit a link asks for (?unit=…) when the viewer may see it; a unit outside the scope is refused (and
    recorded), an unknown one said so; either way the parameter is dropped."""
    code = address.text(address.UNIT)
    if code is None:
        return None
    if not in_scope(ctx.units, code):
        name = data.unit_name(code)
        if name is not None:
            message = s.UNIT_NOT_VISIBLE.format(code=code)
            st.error(str(refuse(data.con(), ctx.viewer, audit.VIEW, message, target=f"单位 {code}（{name}）",
                                unit_code=code)))
        else:
            st.warning(s.UNIT_NOT_FOUND.format(code=code[:20], year=ctx.year))
        _move(None, None)
        return None
    return code


def unit_of_form(ctx: PageContext, form_id: int, unit_code: str) -> str:
    """The unit the project belongs to (a link may name another unit with it: the project wins)."""
    detail = data.form_detail(form_id, ctx.units, ctx.version)
    owner = str(detail["unit_code"]) if detail else unit_code
    if owner != unit_code:
        address.put(address.UNIT, owner)
    return owner


def over_the_years(ctx: PageContext, unit_code: str | None = None, project_id: str | None = None) -> None:
    """A unit's or a project's scores and execution rates over the loaded years (nothing with one year)."""
    if len(data.years(ctx.version)) < 2:
        return
    if unit_code is not None:
        frame, what = data.unit_history(unit_code, ctx.units, ctx.version), "unit"
    elif project_id is not None:
        frame, what = data.project_years(project_id, ctx.units, ctx.version), "project"
    else:
        return
    if len(frame) < 2:
        return
    with st.expander(s.OVER_YEARS, expanded=True):
        chart(charts.history_figure(frame, what))
