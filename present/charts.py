"""Plotly figure builders: each takes a DataFrame from store.queries and returns a Figure (never draws).
Pages and meeting exports use the same builders."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from present import format as fmt
from present import strings as s

FONT_FAMILY = "WenQuanYi Micro Hei, Noto Sans CJK SC, Microsoft YaHei, PingFang SC, sans-serif"
GRADE_COLORS = {"优": "#2e7d32", "良": "#1565c0", "中": "#ef6c00", "差": "#c62828", "未完成": "#9e9e9e"}
BUDGET_COLOR = "#90caf9"
EXECUTED_COLOR = "#1565c0"
SCORE_COLOR = "#ef6c00"
FLAG_COLOR = "#c62828"


@dataclass(frozen=True)
class Theme:
    """How a figure is dressed for where it is shown: font sizes (px), label colour, size. SCREEN is the pages' look;
    PRESENTATION is for the meeting-room screen and the exports (dark labels of at least 16 px, drawn at
    presentation resolution)."""

    name: str
    font_size: int
    title_size: int
    tick_size: int
    axis_title_size: int
    text_color: str
    grid_color: str
    width: int | None = None  # px; None: the container's width
    height: int | None = None  # px; None: the builder's height


SCREEN = Theme("screen", font_size=13, title_size=17, tick_size=12, axis_title_size=13, text_color="#444444",
               grid_color="#eeeeee")
PRESENTATION = Theme("presentation", font_size=20, title_size=32, tick_size=18, axis_title_size=20,
                     text_color="#111111", grid_color="#d9d9d9", width=1600, height=820)


def themed(fig: go.Figure, theme: Theme = PRESENTATION) -> go.Figure:
    """The same figure dressed for `theme` (a copy: the builder's figure is left as it is)."""
    out = go.Figure(fig)
    font = {"family": FONT_FAMILY, "size": theme.font_size, "color": theme.text_color}
    out.update_layout(
        font=font, title_font={"size": theme.title_size, "color": theme.text_color},
        legend={"font": {"size": theme.font_size, "color": theme.text_color}},
        margin={"l": 20, "r": 30, "t": theme.title_size * 2 + 20, "b": 20},
        hoverlabel={"font_size": theme.font_size},
    )
    if theme.width:
        out.update_layout(width=theme.width)
    if theme.height:
        out.update_layout(height=theme.height)
    axis = {"tickfont": {"size": theme.tick_size, "color": theme.text_color},
            "title_font": {"size": theme.axis_title_size, "color": theme.text_color},
            "linecolor": theme.text_color, "automargin": True}
    out.update_xaxes(**axis)
    out.update_yaxes(**axis)
    out.update_yaxes(gridcolor=theme.grid_color)
    out.update_traces(textfont={"size": theme.font_size, "color": theme.text_color}, selector={"type": "bar"})
    out.update_traces(textfont={"size": theme.font_size, "color": theme.text_color}, selector={"type": "scatter"})
    return out


def file_stem(title: str) -> str:
    """A chart title as a file name (no path separators, spaces or characters Windows refuses)."""
    return re.sub(r'[\\/:*?"<>|\s]+', "_", title).strip("_")


def config(fig: go.Figure | None = None, mode_bar: bool = True) -> dict[str, object]:
    """plotly's config for a chart on a page: the mode bar in Chinese, its PNG button saving a sharp image named after
    the chart's title (for the year-end slides), without the tools these charts do not need."""
    out: dict[str, object] = {
        "locale": s.PLOTLY_LOCALE, "locales": {s.PLOTLY_LOCALE: {"dictionary": s.PLOTLY_DICTIONARY}},
        "displaylogo": False, "displayModeBar": "hover" if mode_bar else False,
        "modeBarButtonsToRemove": ["select2d", "lasso2d", "autoScale2d", "toggleSpikelines"]}
    title = fig.layout.title.text if fig is not None else None
    out["toImageButtonOptions"] = {"format": "png", "scale": 2, "filename": file_stem(title or "图表")}
    return out


def with_year(fig: go.Figure, year: int) -> go.Figure:
    """The figure with its year in the title ("2015 年度评价等级分布")."""
    title = fig.layout.title.text or ""
    if not title.startswith(f"{year} 年度"):
        fig.update_layout(title_text=s.YEAR_CHART_TITLE.format(year=year, title=title))
    return fig


SCORE_AXIS_STEP = 5  # points between ticks of a score axis that does not start at 0


def score_axis_range(values: Iterable[object], step: int = SCORE_AXIS_STEP) -> list[float]:
    """A score axis that shows differences: from a round number below the lowest score (at most 100) to 100, so that
    87–92 is not a flat line on a 0–100 axis."""
    found = [float(str(v)) for v in values if v is not None and v == v]
    if not found:
        return [0, 100]
    low = max(0.0, (int(min(found)) // step) * step - step)
    return [low, 100]


def _layout(fig: go.Figure, title: str, height: int = 380) -> go.Figure:
    fig.update_layout(
        title={"text": title, "x": 0.01},
        font={"family": FONT_FAMILY, "size": 13},
        height=height,
        margin={"l": 10, "r": 10, "t": 50, "b": 10},
        legend={"orientation": "h", "y": -0.15},
        separators=".,",
        plot_bgcolor="white",
    )
    fig.update_xaxes(showgrid=False)
    fig.update_yaxes(gridcolor="#eeeeee")
    return fig


def grades_figure(grades: pd.DataFrame) -> go.Figure:
    """Projects per grade (优/良/中/差/未完成) with their money in the hover text."""
    colors = [GRADE_COLORS.get(g, "#757575") for g in grades["grade"]]
    hover = [f"{g}：{n} 个项目<br>全年预算数 {fmt.money(b)}" for g, n, b in
             zip(grades["grade"], grades["projects"], grades["budget_full_year"], strict=True)]
    fig = go.Figure(go.Bar(
        x=grades["grade"], y=grades["projects"], marker_color=colors, text=grades["projects"],
        textposition="outside", hovertext=hover, hoverinfo="text", cliponaxis=False,
    ))
    fig.update_yaxes(title_text=s.AXIS_PROJECTS)
    return _layout(fig, s.CHART_GRADES)


def domains_figure(domains: pd.DataFrame) -> go.Figure:
    """Budget and spending per domain (bars, 万元) with the mean recomputed score (line, right axis)."""
    fig = make_subplots(specs=[[{"secondary_y": True}]])
    budget = domains["budget_full_year"].astype(float)
    executed = domains["executed"].astype(float)
    fig.add_trace(go.Bar(x=domains["domain"], y=budget, name=s.SERIES_BUDGET, marker_color=BUDGET_COLOR,
                         hovertemplate="%{x}<br>全年预算数 %{y:,.2f} 万元<extra></extra>"), secondary_y=False)
    fig.add_trace(go.Bar(x=domains["domain"], y=executed, name=s.SERIES_EXECUTED, marker_color=EXECUTED_COLOR,
                         hovertemplate="%{x}<br>全年执行数 %{y:,.2f} 万元<extra></extra>"), secondary_y=False)
    fig.add_trace(go.Scatter(x=domains["domain"], y=domains["mean_score"].astype(float), name=s.SERIES_SCORE,
                             mode="lines+markers", line={"color": SCORE_COLOR},
                             hovertemplate="%{x}<br>平均得分 %{y:.2f}<extra></extra>"), secondary_y=True)
    fig.update_layout(barmode="group")
    fig.update_yaxes(title_text=s.AXIS_BUDGET, secondary_y=False, tickformat=",.0f")
    fig.update_yaxes(title_text=s.AXIS_SCORE, secondary_y=True, range=score_axis_range(domains["mean_score"]),
                     tickmode="linear", tick0=0, dtick=SCORE_AXIS_STEP, showgrid=False)
    return _layout(fig, s.CHART_DOMAINS, height=420)


def units_figure(units: pd.DataFrame, title: str) -> go.Figure:
    """Horizontal bars of unit scores, coloured by grade, in the order given (first on top)."""
    data = units.iloc[::-1]
    colors = [GRADE_COLORS.get(g, "#757575") for g in data["grade"].fillna("未完成")]
    fig = go.Figure(go.Bar(
        x=data["score"].astype(float), y=data["unit_name"], orientation="h", marker_color=colors,
        customdata=data["unit_code"] if "unit_code" in data else None,
        text=[fmt.score(v) for v in data["score"]], textposition="outside", cliponaxis=False,
        hovertemplate="%{y}<br>最终得分 %{x:.2f}<br>点击查看该单位<extra></extra>",
    ))
    fig.update_xaxes(title_text=s.AXIS_UNIT_SCORE, range=[0, 112], tickvals=[0, 20, 40, 60, 80, 100])
    return _layout(fig, title, height=max(260, 34 * len(data) + 90))


def flags_figure(flags: pd.DataFrame) -> go.Figure:
    """Projects per flag (自评分虚高, 执行率偏低 …), most frequent on top."""
    data = flags.iloc[::-1]
    hover = [f"{f}：{n} 个项目<br>涉及全年预算数 {fmt.money(b)}" for f, n, b in
             zip(data["flag"], data["projects"], data["budget_full_year"], strict=True)]
    fig = go.Figure(go.Bar(
        x=data["projects"], y=data["flag"], orientation="h", marker_color=FLAG_COLOR, text=data["projects"],
        textposition="outside", cliponaxis=False, hovertext=hover, hoverinfo="text",
    ))
    fig.update_xaxes(title_text=s.AXIS_PROJECTS)
    return _layout(fig, s.CHART_FLAGS, height=max(260, 40 * len(data) + 110))


RANKING_SHOWN = 40  # units the ranking chart draws; the table below it holds every unit


def ranking_figure(units: pd.DataFrame, year: int) -> go.Figure:
    """The ranked units as horizontal bars (first on top), coloured by grade, each bar carrying its unit code
    (customdata) so that a click can open the unit; at most RANKING_SHOWN bars."""
    ranked = units[units["score"].notna()]
    shown = ranked.head(RANKING_SHOWN)
    data = shown.iloc[::-1]
    labels = [f"{int(r)}. {n}" for r, n in zip(data["rank"], data["unit_name"], strict=True)]
    colors = [GRADE_COLORS.get(g, "#757575") for g in data["grade"].fillna("未完成")]
    fig = go.Figure(go.Bar(
        x=data["score"].astype(float), y=labels, orientation="h", marker_color=colors,
        customdata=data["unit_code"], text=[fmt.score(v) for v in data["score"]], textposition="outside",
        cliponaxis=False, hovertemplate="%{y}<br>最终得分 %{x:.2f}<br>点击查看该单位<extra></extra>",
    ))
    low = float(shown["score"].min()) if len(shown) else 0.0
    start = max(0.0, (int(low) // 10) * 10 - 10)
    fig.update_xaxes(title_text=s.AXIS_UNIT_SCORE, range=[start, 102], dtick=5 if start >= 50 else 10)
    title = (s.CHART_RANKING.format(year=year) if len(ranked) <= RANKING_SHOWN
             else s.CHART_RANKING_MORE.format(year=year, n=RANKING_SHOWN, total=len(ranked)))
    fig.update_layout(clickmode="event+select")
    return _layout(fig, title, height=max(260, 22 * len(data) + 110))


# ---- expert-panel evaluations -------------------------------------------------------------------------------

DEPT_COLORS = ("#1565c0", "#2e7d32", "#ef6c00", "#6a1b9a", "#00838f", "#ad1457", "#5d4037", "#455a64")


def dept_totals_figure(comparison: pd.DataFrame) -> go.Figure:
    """Each department's panel score (bars coloured by grade) beside the mean recomputed self-evaluation score of
    its units' projects (markers); from present.tables.dept_comparison_table."""
    names = list(comparison[s.COL_EVAL_DEPARTMENT])
    panel = [None if v is None else float(v) for v in comparison[s.COL_EXPERT_PANEL]]
    own = [None if v is None or v != v else float(v) for v in comparison[s.COL_SELF_MEAN]]
    colors = [GRADE_COLORS.get(g, "#757575") for g in comparison[s.COL_PANEL_GRADE].fillna("未完成")]
    fig = go.Figure()
    fig.add_trace(go.Bar(x=names, y=panel, name=s.SERIES_PANEL, marker_color=colors,
                         text=[fmt.score(v) for v in comparison[s.COL_EXPERT_PANEL]], textposition="outside",
                         cliponaxis=False, hovertemplate="%{x}<br>专家组得分 %{y:.2f}<extra></extra>"))
    fig.add_trace(go.Scatter(x=names, y=own, name=s.SERIES_SELF_MEAN, mode="markers",
                             marker={"symbol": "diamond", "size": 12, "color": SCORE_COLOR},
                             hovertemplate="%{x}<br>所属项目核算得分平均 %{y:.2f}<extra></extra>"))
    fig.update_yaxes(title_text=s.AXIS_PANEL_SCORE, range=[0, 105], tickvals=[0, 20, 40, 60, 80, 100])
    return _layout(fig, s.CHART_DEPT_TOTALS)


def dept_levels_figure(levels: pd.DataFrame, title: str = s.CHART_DEPT_LEVELS) -> go.Figure:
    """Grouped bars: for each 一级 indicator, each department's panel points as a share of the indicator's weight
    (levels from store.evaluations.level_scores: subject_name, level1, weight, points)."""
    fig = go.Figure()
    for index, (name, rows) in enumerate(levels.groupby("subject_name", sort=False)):
        share = [None if p is None else float(p) / float(w) * 100 for p, w in zip(rows["points"], rows["weight"], strict=True)]
        fig.add_trace(go.Bar(x=list(rows["level1"]), y=share, name=str(name),
                             marker_color=DEPT_COLORS[index % len(DEPT_COLORS)],
                             hovertemplate=f"{name}<br>%{{x}} 得分率 %{{y:.1f}}%<extra></extra>"))
    fig.update_layout(barmode="group")
    fig.update_yaxes(title_text=s.AXIS_SHARE, range=[0, 105], tickvals=[0, 20, 40, 60, 80, 100])
    return _layout(fig, title, height=420)


def experts_figure(scores: pd.DataFrame, experts: Sequence[str]) -> go.Figure:
    """Each expert's score on each 三级 indicator as a share of its weight (one marker series per expert), the disputed
    indicators marked; from present.tables.expert_score_table (its 合计 row is left out)."""
    rows = scores[scores[s.COL_EVAL_ID] != ""]
    labels = [f"{i} {n}" for i, n in zip(rows[s.COL_EVAL_ID], rows[s.COL_INDICATOR], strict=True)]
    weights = [float(w) for w in rows[s.COL_WEIGHT]]
    fig = go.Figure()
    for index, expert in enumerate(experts):
        share = [float(v) / w * 100 for v, w in zip(rows[expert], weights, strict=True)]
        fig.add_trace(go.Scatter(x=labels, y=share, name=expert, mode="markers",
                                 marker={"size": 10, "color": DEPT_COLORS[index % len(DEPT_COLORS)]},
                                 hovertemplate=f"{expert}<br>%{{x}}：%{{y:.0f}}%<extra></extra>"))
    disputed = [label for label, mark in zip(labels, rows[s.COL_DISPUTE], strict=True) if mark]
    for label in disputed:
        fig.add_vrect(x0=labels.index(label) - 0.4, x1=labels.index(label) + 0.4, fillcolor=FLAG_COLOR, opacity=0.12,
                      line_width=0)
    fig.update_yaxes(title_text=s.AXIS_SHARE, range=[0, 105])
    fig.update_xaxes(tickangle=-45)
    return _layout(fig, s.CHART_EXPERTS, height=440)


HISTORY_KINDS = ("unit", "project")  # history_figure's `what`: store.queries.unit_history / project_years
RATE_COLOR = "#2e7d32"
SELF_COLOR = "#9e9e9e"


def history_figure(frame: pd.DataFrame, what: str) -> go.Figure:
    """Score (line, left axis 0–100) and execution rate (bars, right axis, %) per year, years as categories,
    oldest first; `what` is "unit" (a unit_history frame) or "project" (a project_years frame, which also draws
    the unit's own self-score). A year without a score leaves a gap; the hover text names the grade."""
    if what not in HISTORY_KINDS:
        raise ValueError(f"history_figure: what must be one of {', '.join(HISTORY_KINDS)}, not {what!r}")
    data = frame.sort_values("year")
    years = [s.YEAR_TICK.format(year=int(y)) for y in data["year"]]
    score_col = "score" if what == "unit" else ("final_score" if "final_score" in data else "computed_score")
    grade_col = "final_grade" if what == "project" and "final_grade" in data else "grade"
    scores = [None if pd.isna(v) else float(v) for v in data[score_col]]
    rates = [None if pd.isna(v) else float(v) * 100 for v in data["execution_rate"]]
    grades = ["未完成" if pd.isna(g) else g for g in data[grade_col]]
    fig = make_subplots(specs=[[{"secondary_y": True}]])
    fig.add_trace(go.Bar(x=years, y=rates, name=s.SERIES_HISTORY_RATE, marker_color=BUDGET_COLOR,
                         hovertemplate="%{x}<br>预算执行率 %{y:.2f}%<extra></extra>"), secondary_y=True)
    fig.add_trace(go.Scatter(x=years, y=scores, name=s.SERIES_HISTORY_SCORE[what], mode="lines+markers+text",
                             line={"color": SCORE_COLOR}, text=[fmt.score(v) for v in scores],
                             textposition="top center", customdata=grades, connectgaps=False,
                             hovertemplate="%{x}<br>得分 %{y:.2f}（%{customdata}）<extra></extra>"), secondary_y=False)
    if what == "project":
        own = [None if pd.isna(v) else float(v) for v in data["self_score"]]
        fig.add_trace(go.Scatter(x=years, y=own, name=s.SERIES_HISTORY_SELF, mode="lines+markers",
                                 line={"color": SELF_COLOR, "dash": "dot"},
                                 hovertemplate="%{x}<br>单位自评分 %{y:.2f}<extra></extra>"), secondary_y=False)
    fig.update_xaxes(type="category", title_text=s.AXIS_YEAR)
    fig.update_yaxes(title_text=s.AXIS_HISTORY_SCORE, secondary_y=False,
                     range=[0, 105], tickvals=[0, 20, 40, 60, 80, 100])
    fig.update_yaxes(title_text=s.AXIS_RATE, secondary_y=True, range=[0, 105], ticksuffix="%", showgrid=False)
    return _layout(fig, s.CHART_HISTORY[what])


PROGRESS_COLORS = {s.PROGRESS_SUBMITTED_STATUS: "#2e7d32", s.PROGRESS_PARTIAL: "#ef6c00", s.PROGRESS_NOT_SUBMITTED: "#c62828"}


def progress_figure(progress: pd.DataFrame) -> go.Figure:
    """Units per 主管部门, stacked by submission status (已报送 / 部分报送 / 未报送), departments with the most
    units still to submit on top."""
    statuses = list(PROGRESS_COLORS)
    counts = (progress.assign(department=progress["department"].replace("", fmt.EMPTY))
              .pivot_table(index="department", columns="status", values="unit_code", aggfunc="count", fill_value=0)
              .reindex(columns=statuses, fill_value=0))
    counts = counts.sort_values([statuses[2], statuses[1], statuses[0]], ascending=[True, True, True])
    fig = go.Figure()
    for status in statuses:
        fig.add_trace(go.Bar(
            x=counts[status].tolist(), y=counts.index.tolist(), orientation="h", name=status,
            marker_color=PROGRESS_COLORS[status],
            hovertemplate="%{y}<br>" + status + " %{x} 家<extra></extra>",
        ))
    fig.update_layout(barmode="stack")
    fig.update_xaxes(title_text=s.AXIS_UNITS)
    return _layout(fig, s.CHART_PROGRESS, height=max(280, 26 * len(counts) + 130))
