"""Page parts shared by 重点评价 and 部门整体评价 (Streamlit glue): the page start with the viewer's panel scope, the
bureau's new-evaluation form, the chooser, one evaluation's expert scores with its flags, and the sheet download,
upload (check, then confirm) and in-app entry. Every write goes through ui.data to the store, which checks the role."""

from __future__ import annotations

from collections.abc import Hashable
from dataclasses import dataclass
from decimal import Decimal

import pandas as pd
import streamlit as st

from present import charts, tables
from present import format as fmt
from present import strings as s
from reports.tables import XLSX_MIME, table_xlsx
from rubrics.panel import KIND_DEPT as KIND_DEPT  # re-exported for pages, which never import rubrics/
from rubrics.panel import KIND_KEY as KIND_KEY
from rubrics.panel import KIND_LABELS, METHOD_LABELS, PanelResult
from store.access import EVALUATE, EXPERT, EXPERT_SCORE, PanelScope, Refused, Viewer
from store.db import StoreError
from store.evaluations import EvaluationSpec, Expert, Survey
from ui import data, widgets

SCORE_STEP = 0.5  # the in-app entry's step (any value with the rubric's decimals may be typed)


@dataclass(frozen=True)
class PanelContext:
    """What an evaluation page asks its queries with."""

    version: int
    year: int
    viewer: Viewer
    scope: PanelScope
    sample: bool = False


def page_start(title: str, caption: str) -> PanelContext:
    """Title, caption and the viewer's panel scope; stops with a hint when nobody is signed in, no data is loaded, or
    a 专家 sits on no panel."""
    viewer = widgets.signed_in()
    version, year = data.selection()
    st.title(title)
    if year is None:
        st.info(s.NO_DATA)
        st.stop()
    if viewer.role == EXPERT and not data.panels_of(viewer.username):
        st.info(s.EVAL_EXPERT_NONE)
        st.stop()
    st.caption(caption.format(year=year))
    return PanelContext(version, year, viewer, data.panel_scope(viewer, version),
                        s.SAMPLE_BADGE in data.year_note(year, version))


def _panel_lines(text: str) -> list[Expert]:
    """The panel as typed: one expert a line, `姓名/账户名` for an expert with an account."""
    panel = []
    for line in text.splitlines():
        name, _, account = line.strip().partition("/")
        if name.strip():
            panel.append(Expert(name.strip(), account.strip() or None))
    return panel


def new_evaluation(ctx: PanelContext, kind: str, listed: pd.DataFrame) -> None:
    """The bureau's form: subject, panel; the year's rubric is named (dept: chosen above it)."""
    if not ctx.viewer.may(EVALUATE):
        return
    with st.expander(s.EVAL_NEW, expanded=listed.empty):
        if kind != KIND_KEY:
            names = data.rubric_names(kind)
            current = data.year_rubric_file(ctx.year, kind)
            files = list(names)
            chosen = str(st.selectbox(s.EVAL_YEAR_RUBRIC, files, index=files.index(current),
                                      format_func=lambda f: names.get(str(f), str(f)), key=f"year_rubric_{kind}"))
            if chosen != current and st.button(s.EVAL_YEAR_RUBRIC_SAVE, key=f"year_rubric_save_{kind}"):
                data.choose_year_rubric(ctx.viewer, ctx.year, kind, chosen)
                st.success(s.EVAL_YEAR_RUBRIC_DONE.format(year=ctx.year, name=names[chosen]))
        done = set(listed["subject_id"]) if not listed.empty else set()
        options = {x.subject_id: x.subject_name for x in data.subjects(ctx.year, kind) if x.subject_id not in done}
        if not options:
            st.info(s.EVAL_NEW_NONE_LEFT)
            return
        rubric = data.rubric_names(kind)[data.year_rubric_file(ctx.year, kind)]
        accounts = data.expert_accounts()
        with st.form(f"new_evaluation_{kind}"):
            subject_id = str(st.selectbox(s.EVAL_NEW_SUBJECT_KEY if kind == KIND_KEY else s.EVAL_NEW_SUBJECT_DEPT,
                                          list(options), format_func=lambda i: options.get(str(i), str(i)),
                                          key=f"new_subject_{kind}"))
            st.caption(s.EVAL_NEW_RUBRIC.format(name=rubric))
            panel = st.text_area(s.EVAL_NEW_PANEL, key=f"new_panel_{kind}")
            if accounts:
                st.caption(s.EVAL_ACCOUNTS_HINT.format(accounts="、".join(f"{n}（{u}）" for u, n in accounts)))
            if st.form_submit_button(s.EVAL_NEW_SUBMIT):
                try:
                    data.create_evaluation(ctx.viewer, ctx.year, kind, subject_id, _panel_lines(panel))
                except (Refused, StoreError) as exc:
                    st.error(str(exc))
                else:
                    st.success(s.EVAL_NEW_DONE.format(name=options[subject_id]))
                    st.rerun()


def choose(ctx: PanelContext, listed: pd.DataFrame, kind: str, key: str) -> tuple[EvaluationSpec, PanelResult]:
    """The chooser of the year's visible evaluations; stops with a hint when there is none."""
    if listed.empty:
        none = s.EVAL_NONE_EXPERT if ctx.viewer.role == EXPERT else s.EVAL_NONE
        st.info(none.format(kind=KIND_LABELS[kind]) + (s.EVAL_NONE_ADMIN if ctx.viewer.may(EVALUATE) else ""))
        st.stop()
    labels = {int(r["evaluation_id"]): r["subject_name"] + (f"（{r['grade']}）" if r["grade"] else "")
              for r in listed.to_dict("records")}
    evaluation_id = st.selectbox(s.EVAL_PICK, list(labels), format_func=lambda i: str(labels.get(int(i), i)), key=key)
    found = None if evaluation_id is None else data.panel_result(int(evaluation_id), ctx.scope, ctx.version)
    if found is None:
        st.stop()
    return found


def show(ctx: PanelContext, evaluation: EvaluationSpec, result: PanelResult, row: dict[str, object]) -> None:
    """One evaluation: metrics (panel score, grade, experts, spread; the unit's self score for a project), the
    disputes, each expert's scores per indicator with the chart, the arithmetic and, for a project, the survey."""
    rule = evaluation.rubric.panel
    st.caption(s.EVAL_RUBRIC_LINE.format(name=evaluation.rubric.name, version=evaluation.rubric.version,
                                         method=METHOD_LABELS[rule.method], threshold=fmt.score(rule.spread_threshold)))
    st.caption(s.EVAL_PANEL.format(names="、".join(e.name for e in evaluation.experts)))
    columns = st.columns(6 if evaluation.kind == KIND_KEY else 4)
    columns[0].metric(s.METRIC_PANEL_SCORE, fmt.score(result.total))
    columns[1].metric(s.METRIC_PANEL_GRADE, result.grade or fmt.EMPTY)
    columns[2].metric(s.METRIC_EXPERTS, s.METRIC_EXPERTS_VALUE.format(done=len(result.experts),
                                                                      size=len(evaluation.experts)))
    columns[3].metric(s.METRIC_MAX_SPREAD, fmt.score(result.max_spread))
    if evaluation.kind == KIND_KEY:
        columns[4].metric(s.METRIC_SELF_SCORE, fmt.score(row.get("self_score")))
        columns[5].metric(s.METRIC_SELF_COMPUTED, fmt.score(row.get("self_computed_score")),
                          help=str(row.get("self_grade") or ""))
    if not result.experts:
        st.info(s.EVAL_NO_SCORES)
        return
    if result.flagged:
        st.warning(s.EVAL_FLAGGED.format(names="、".join(f"{i.leaf.id} {i.leaf.name}" for i in result.flagged),
                                         threshold=fmt.score(rule.spread_threshold)))
    st.markdown(f"**{s.EVAL_SCORES_HEADER}**")
    table = tables.expert_score_table(result)
    shown = tables.numbers_for_screen(table)
    floats: list[Hashable] = [c for c in shown.columns if pd.api.types.is_float_dtype(shown[c])]
    st.dataframe(shown.style.apply(lambda r: ["background-color: #fdecea" if r[s.COL_DISPUTE] else "" for _ in r],
                                   axis=1).format("{:.2f}", subset=floats, na_rep=fmt.EMPTY),
                 hide_index=True, width="stretch", placeholder=fmt.EMPTY)
    what = f"{evaluation.kind_label}专家评分"
    title = s.EXPORT_TITLE.format(year=ctx.year, what=f"{what}：{evaluation.subject_name}",
                                  note=s.SAMPLE_NOTE_SHORT if ctx.sample else "")
    st.download_button(s.DOWNLOAD_EXCEL, table_xlsx(table, what, title, tables.EXCEL_FORMATS),
                       file_name=f"{what}_{evaluation.subject_name.replace(' · ', '_')}_{ctx.year}.xlsx",
                       mime=XLSX_MIME, key=f"scores_xlsx_{evaluation.evaluation_id}")
    widgets.chart(charts.experts_figure(table, result.experts))
    with st.expander(s.EVAL_ARITHMETIC):
        st.code("\n".join([*result.explanation, *(i.explanation for i in result.indicators)]), language=None)


def show_survey(ctx: PanelContext, evaluation: EvaluationSpec) -> None:
    """The satisfaction survey of an evaluation whose rubric has one."""
    if not evaluation.rubric.survey_enabled:
        return
    st.markdown(f"**{s.SURVEY_HEADER}**")
    found = data.survey(evaluation.evaluation_id, ctx.scope, ctx.version)
    if found is None:
        st.info(s.SURVEY_NONE)
        return
    left, right, _ = st.columns([1, 1, 4])
    left.metric(s.METRIC_SURVEY_SAMPLE, fmt.count(found.sample_size, "份"))
    right.metric(s.METRIC_SURVEY_SHARE, fmt.pct(found.share))
    st.caption(s.SURVEY_LINE.format(sample=found.sample_size, satisfied=found.satisfied, share=fmt.pct(found.share)))


def _own_experts(viewer: Viewer, evaluation: EvaluationSpec) -> list[str]:
    """The panel members the viewer may score for: a 专家 itself, the bureau anyone."""
    if viewer.role == EXPERT:
        return [e.name for e in evaluation.experts if e.account == viewer.username]
    return [e.name for e in evaluation.experts]


def refresh(ctx: PanelContext) -> PanelContext:
    """The context after a write: the new data version (so the results drawn above show the write)."""
    return PanelContext(data.data_version(), ctx.year, ctx.viewer, ctx.scope, ctx.sample)


def actions(ctx: PanelContext, evaluation: EvaluationSpec, result: PanelResult) -> bool:
    """Download of the blank sheet, upload of filled ones (checked, then confirmed) and in-app entry; True when
    something was stored."""
    st.subheader(s.EVAL_ACTIONS)
    eid = evaluation.evaluation_id
    mine = _own_experts(ctx.viewer, evaluation)
    choices: list[str | None] = [*mine] if ctx.viewer.role == EXPERT else [None, *mine]
    expert = st.selectbox(s.EVAL_DOWNLOAD_EXPERT, choices, format_func=lambda n: n or s.EVAL_DOWNLOAD_ANY,
                          key=f"sheet_expert_{eid}")
    blank = data.blank_sheet(eid, expert, ctx.scope, ctx.version)
    if blank is not None:
        st.download_button(s.EVAL_DOWNLOAD, blank[1], file_name=blank[0], mime=XLSX_MIME, key=f"blank_{eid}")
    if not ctx.viewer.may(EXPERT_SCORE) or not mine:
        st.caption(s.EVAL_READ_ONLY)
        return False
    stored = False
    uploads = st.file_uploader(s.EVAL_UPLOAD, type=["xlsx"], accept_multiple_files=True, key=f"sheets_{eid}")
    if uploads:
        files = [(f.name, f.getvalue()) for f in uploads]
        checked = data.check_sheets(files, eid)
        bad = [c for c in checked if not c.ok]
        if bad:
            st.error(s.EVAL_UPLOAD_BAD.format(n=len(bad)))
            st.dataframe(pd.DataFrame([{s.COL_FILE: p.file, s.COL_SHEET: p.sheet, s.COL_CELL: p.cell,
                                        s.COL_MESSAGE: p.message} for c in bad for p in c.problems]),
                         hide_index=True, width="stretch")
        else:
            st.success(s.EVAL_UPLOAD_OK.format(n=len(checked)))
            if st.button(s.EVAL_UPLOAD_CONFIRM, type="primary", key=f"confirm_{eid}"):
                try:
                    reports = data.import_sheets(ctx.viewer, files, eid)
                except (Refused, StoreError) as exc:
                    st.error(str(exc))
                else:
                    failed = [p for r in reports for p in r.problems]
                    if failed:
                        st.error("\n".join(str(p) for p in failed))
                    else:
                        st.success(s.EVAL_UPLOAD_DONE.format(lines="；".join(r.line() for r in reports)))
                        stored = True
    with st.expander(s.EVAL_ENTER_HEADER):
        stored = _entry(ctx, evaluation, result, mine) or stored
    return stored


def _entry(ctx: PanelContext, evaluation: EvaluationSpec, result: PanelResult, mine: list[str]) -> bool:
    """One expert's scores typed in a form (prefilled with the current ones), saved through the same store write;
    True when saved."""
    eid = evaluation.evaluation_id
    expert = st.selectbox(s.EVAL_ENTER_EXPERT, mine, key=f"enter_expert_{eid}")
    current = dict(zip(result.experts, zip(*(i.scores for i in result.indicators), strict=True), strict=True)) \
        if result.experts and result.indicators else {}
    given = current.get(expert)
    with st.form(f"enter_{eid}_{expert}"):
        values: dict[str, float | None] = {}
        for index, indicator in enumerate(evaluation.indicators):
            value = None if given is None else float(given[index])
            values[indicator.indicator_id] = st.number_input(
                f"{indicator.indicator_id} {indicator.level1} · {indicator.level2} · {indicator.name}（{fmt.score(indicator.weight)} 分）",
                min_value=0.0, max_value=float(indicator.weight), value=value, step=SCORE_STEP, format="%.2f",
                key=f"score_{eid}_{expert}_{indicator.indicator_id}", help=indicator.description)
        sample = satisfied = None
        if evaluation.rubric.survey_enabled:
            left, right = st.columns(2)
            sample = left.number_input(s.EVAL_SURVEY_SAMPLE, min_value=0, value=None, step=1, key=f"sample_{eid}")
            satisfied = right.number_input(s.EVAL_SURVEY_SATISFIED, min_value=0, value=None, step=1,
                                           key=f"satisfied_{eid}")
        if not st.form_submit_button(s.EVAL_ENTER_SAVE):
            return False
    missing = [i for i in evaluation.indicators if values[i.indicator_id] is None]
    if missing:
        st.error(s.EVAL_ENTER_MISSING.format(n=len(missing), names="、".join(i.name for i in missing[:5])))
        return False
    scores = {k: Decimal(str(round(float(v), 6))).normalize() for k, v in values.items() if v is not None}
    survey = Survey(int(sample), int(satisfied)) if sample is not None and satisfied is not None else None
    try:
        saved = data.enter_scores(ctx.viewer, eid, str(expert), scores, survey)
    except (Refused, StoreError) as exc:
        st.error(str(exc))
        return False
    if saved.changed:
        st.success(s.EVAL_ENTER_DONE.format(expert=expert, score=fmt.score(saved.result.total), grade=saved.result.grade))
    else:
        st.info(s.EVAL_ENTER_SAME)
    return saved.changed
