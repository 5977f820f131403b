"""The year-end meeting's sequence of screens (汇报模式 and the slides): headline figures, grades, results by domain,
the weakest units, the key evaluation, the whole-department evaluation, budget cuts, next steps. Each screen is a
title, big text lines and/or one figure from present.charts dressed with a Theme. No Streamlit, no SQL: the facts
come from store.meeting.gather (typed here by the MeetingFacts protocol)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any, Protocol

import pandas as pd
import plotly.graph_objects as go

from present import charts, tables
from present import cuts as cut_view
from present import format as fmt
from present import strings as s

LOW_UNIT_SCORE = 60  # units below this score are named on the next-steps screen (the 差 band's upper edge)


class CutsFacts(Protocol):
    """The adopted budget-cuts scenario (store.meeting.CutsPart)."""

    @property
    def scenario(self) -> str: ...

    @property
    def ledger(self) -> pd.DataFrame: ...

    @property
    def rules(self) -> Any: ...  # rubrics.cuts.CutRules | None


class MeetingFacts(Protocol):
    """What the screens read (store.meeting.MeetingData has it)."""

    @property
    def note(self) -> str: ...

    @property
    def data_date(self) -> datetime | None: ...

    @property
    def headline(self) -> Any: ...  # store.queries.Headline

    @property
    def grades(self) -> pd.DataFrame: ...

    @property
    def domains(self) -> pd.DataFrame: ...

    @property
    def unit_table(self) -> pd.DataFrame: ...

    @property
    def weakest(self) -> pd.DataFrame: ...

    @property
    def flag_counts(self) -> pd.DataFrame: ...

    @property
    def key_evals(self) -> pd.DataFrame: ...

    @property
    def key_levels(self) -> pd.DataFrame: ...

    @property
    def dept_evals(self) -> pd.DataFrame: ...

    @property
    def dept_levels(self) -> pd.DataFrame: ...

    @property
    def dept_projects(self) -> pd.DataFrame: ...

    @property
    def cuts(self) -> Any: ...  # CutsFacts | None

    @property
    def year(self) -> int: ...

    @property
    def sample(self) -> bool: ...


@dataclass(frozen=True)
class Screen:
    """One screen of the meeting: a title (with the year), big lines of (label, value) and/or one figure; `notice`
    stands in place of content that is not there (本年度尚未采纳压减方案)."""

    key: str
    title: str
    lines: tuple[tuple[str, str], ...] = ()
    figure: go.Figure | None = None
    notice: str = ""


def data_date_text(facts: MeetingFacts) -> str:
    """The data date as shown ("2026-11-22")."""
    return f"{facts.data_date:%Y-%m-%d}" if facts.data_date else s.DATE_UNKNOWN


def scope_text(departments: tuple[str, ...], units: object) -> str:
    """The filters in words: 全部单位, the chosen 主管部门, or the viewer's count of units."""
    if departments:
        return s.FOOTER_SCOPE_DEPTS.format(names="、".join(departments))
    if units is None:
        return s.FOOTER_SCOPE_ALL
    return s.FOOTER_SCOPE_UNITS.format(n=len(units))  # type: ignore[arg-type]


def footer(facts: MeetingFacts, scope: str) -> str:
    """The line every screen, slide and page of the material carries: year, data date, scope, 示例数据."""
    return s.FOOTER.format(year=facts.year, date=data_date_text(facts), scope=scope,
                           sample=s.FOOTER_SAMPLE if facts.sample else "")


def headline_lines(facts: MeetingFacts) -> tuple[tuple[str, str], ...]:
    """The overview's headline figures, as the overview page shows them."""
    h = facts.headline
    lines = [
        (s.METRIC_UNITS, fmt.count(h.units, s.UNIT_UNITS)),
        (s.METRIC_PROJECTS, fmt.count(h.projects, s.UNIT_PROJECTS)),
        (s.METRIC_BUDGET, fmt.yi(h.budget_full_year)),
        (s.METRIC_EXECUTED, fmt.yi(h.executed)),
        (s.METRIC_RATE, fmt.pct(h.execution_rate)),
    ]
    if h.share_of_expenditure is not None:
        lines.append((s.METRIC_SHARE, fmt.pct(h.share_of_expenditure, 0)))
    lines += [(s.METRIC_MEAN, fmt.score(h.mean_score)), (s.METRIC_FLAGGED, fmt.count(h.flagged, s.UNIT_PROJECTS))]
    return tuple(lines)


def _titled(fig: go.Figure, year: int, theme: charts.Theme) -> go.Figure:
    return charts.themed(charts.with_year(fig, year), theme)


def _panel_value(score: object, grade: object) -> str:
    return s.PANEL_SCORE_VALUE.format(score=fmt.score(score), grade=grade or fmt.EMPTY)


def key_lines(facts: MeetingFacts) -> tuple[tuple[str, str], ...]:
    """The key evaluation's figures (the first one of the year when there are several)."""
    if facts.key_evals.empty:
        return ()
    r = facts.key_evals.iloc[0]
    lines = [(s.KEY_LINE_SUBJECT, str(r["subject_name"])),
             (s.KEY_LINE_PANEL, _panel_value(r["panel_score"], r["grade"])),
             (s.KEY_LINE_SELF, f"{fmt.score(r['self_score'])} / {fmt.score(r['self_computed_score'])}"),
             (s.KEY_LINE_EXPERTS, s.KEY_LINE_EXPERTS_VALUE.format(n=int(r["expert_count"]),
                                                                  spread=fmt.score(r["max_spread"])))]
    sample, satisfied = r["survey_sample_size"], r["survey_satisfied"]
    if sample is not None and sample == sample and int(sample) > 0:
        share = Decimal(int(satisfied)) / Decimal(int(sample))
        lines.append((s.KEY_LINE_SURVEY, s.KEY_LINE_SURVEY_VALUE.format(share=fmt.pct(share), sample=int(sample),
                                                                        satisfied=int(satisfied))))
    return tuple(lines)


def dept_comparison(facts: MeetingFacts) -> pd.DataFrame:
    """The departments side by side, as the 部门整体评价 page shows them."""
    return tables.dept_comparison_table(facts.dept_evals, facts.dept_projects)


def next_step_lines(facts: MeetingFacts) -> tuple[tuple[str, str], ...]:
    """What follows from the year's flags and low scores, then the bureau's own priorities (a placeholder)."""
    lines = [("", s.NEXT_FLAG.format(flag=r["flag"], n=int(r["projects"]),
                                                 action=s.NEXT_FLAG_ACTIONS.get(str(r["flag"]), s.NEXT_FLAG_DEFAULT)))
             for _, r in facts.flag_counts.iterrows()]
    scores = facts.unit_table["score"]
    low = int(sum(1 for v in scores if v is not None and v == v and Decimal(str(v)) < LOW_UNIT_SCORE))
    if low:
        lines.append(("", s.NEXT_LOW_UNITS.format(limit=LOW_UNIT_SCORE, n=low)))
    lines.append(("", s.NEXT_BUREAU))
    return tuple(lines)


@dataclass(frozen=True)
class CutsTotals:
    """The adopted ledger's totals as the 结果应用 page computes them (present.cuts.headline), 万元."""

    requested: Decimal  # 申报总额
    cut: Decimal  # 压减合计
    arranged: Decimal  # 安排总额
    projects: int  # projects cut
    units: int  # units cut


def cuts_totals(cuts: CutsFacts) -> CutsTotals:
    """申报总额, 压减合计, 安排总额 and how many projects and units are cut."""
    return CutsTotals(*cut_view.headline(cuts.ledger))


def cuts_lines(cuts: CutsFacts) -> tuple[tuple[str, str], ...]:
    """The adopted scenario's name and totals."""
    t = cuts_totals(cuts)
    return ((s.CUTS_SCENARIO.format(name=cuts.scenario), ""),
            (s.CUTS_REQUESTED, fmt.wan(t.requested)), (s.CUTS_CUT, fmt.wan(t.cut)),
            (s.CUTS_ARRANGED, fmt.wan(t.arranged)),
            (s.CUTS_PROJECTS, s.CUTS_PROJECTS_VALUE.format(projects=t.projects, units=t.units)))


def cuts_waterfall(cuts: CutsFacts, year: int) -> go.Figure:
    """申报总额 → each rule's cuts → 安排总额, the 结果应用 page's waterfall."""
    t = cuts_totals(cuts)
    return cut_view.waterfall_figure(t.requested, cut_view.steps(cuts.ledger, cuts.rules), t.arranged, year)


def cuts_screen(facts: MeetingFacts, theme: charts.Theme) -> Screen:
    """The cuts part of the screens (and so of the slides and chart images): the adopted scenario's totals and
    waterfall, or the notice that none was adopted."""
    title = s.YEAR_CHART_TITLE.format(year=facts.year, title=s.SCREEN_CUTS)
    if facts.cuts is None:
        return Screen("cuts", title, notice=s.CUTS_NONE)
    return Screen("cuts", title, lines=cuts_lines(facts.cuts),
                  figure=_titled(cuts_waterfall(facts.cuts, facts.year), facts.year, theme))


def screens(facts: MeetingFacts, theme: charts.Theme = charts.PRESENTATION) -> list[Screen]:
    """The meeting's screens in order."""
    year = facts.year

    def title(text: str) -> str:
        return s.YEAR_CHART_TITLE.format(year=year, title=text)

    found = [
        Screen("headline", title(s.SCREEN_HEADLINE), lines=headline_lines(facts)),
        Screen("grades", title(s.SCREEN_GRADES), figure=_titled(charts.grades_figure(facts.grades), year, theme)),
        Screen("domains", title(s.SCREEN_DOMAINS), figure=_titled(charts.domains_figure(facts.domains), year, theme)),
        Screen("weakest", title(s.SCREEN_WEAKEST),
               figure=_titled(charts.units_figure(facts.weakest, s.CHART_BOTTOM), year, theme)),
    ]
    if facts.key_evals.empty:
        found.append(Screen("key", title(s.SCREEN_KEY), notice=s.KEY_NONE))
    else:
        fig = charts.dept_levels_figure(facts.key_levels, s.CHART_KEY_LEVELS)
        found.append(Screen("key", title(s.SCREEN_KEY), lines=key_lines(facts), figure=_titled(fig, year, theme)))
    if facts.dept_evals.empty:
        found.append(Screen("dept", title(s.SCREEN_DEPT), notice=s.DEPT_NONE))
    else:
        fig = charts.dept_totals_figure(dept_comparison(facts))
        found.append(Screen("dept", title(s.SCREEN_DEPT), figure=_titled(fig, year, theme)))
    found.append(cuts_screen(facts, theme))
    found.append(Screen("next", title(s.SCREEN_NEXT), lines=next_step_lines(facts)))
    return found


def untitled(screen: Screen) -> go.Figure | None:
    """The screen's figure without its own title when that only repeats the screen's (a slide or a screen shows the
    title above it); other figures as they are."""
    if screen.figure is None or screen.figure.layout.title.text != screen.title:
        return screen.figure
    return go.Figure(screen.figure).update_layout(title_text="", margin_t=40)


def chart_screens(found: list[Screen]) -> list[Screen]:
    """The screens that carry a figure (the chart images)."""
    return [x for x in found if x.figure is not None]
