"""结果应用 for the screen and the meeting pack: the ledger with Chinese columns, exact totals by a dimension, the
waterfall's steps, and the figures (waterfall, cuts by department and by grade, the largest cuts). Streamlit-free;
pages and reports use the same builders. Ledger frames come from store.cuts (amounts as Decimal)."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

import pandas as pd
import plotly.graph_objects as go

from present import charts
from present import format as fmt
from present import strings as s
from rubrics.cuts import CUT, EXEMPT, PROTECTED, CutRule, CutRules

LEDGER_COLUMNS = {
    "level": s.COL_CUT_LEVEL, "unit_name": s.COL_UNIT_NAME, "project_name": s.COL_PROJECT,
    "department": s.COL_DEPARTMENT, "scope": s.COL_CUT_SCOPE, "score": s.COL_CUT_SCORE, "grade": s.COL_GRADE,
    "rule_id": s.COL_CUT_RULE, "action": s.COL_CUT_ACTION, "request": s.COL_CUT_REQUEST, "base": s.COL_CUT_BASE,
    "cut_pct": s.COL_CUT_PCT, "cut_amount": s.COL_CUT_AMOUNT, "after_cut": s.COL_CUT_AFTER, "reason": s.COL_CUT_REASON,
}
DIMENSIONS = {"unit_type": s.COL_UNIT_TYPE, "department": s.COL_DEPARTMENT, "domain": s.COL_DOMAIN,
              "grade": s.COL_GRADE}
ZERO = Decimal(0)


def ledger_table(ledger: pd.DataFrame) -> pd.DataFrame:
    """压减明细 with Chinese column names, exact amounts (cut percentages in percent)."""
    return ledger[list(LEDGER_COLUMNS)].rename(columns=LEDGER_COLUMNS)


def _sum(values: pd.Series) -> Decimal:
    return sum((v if isinstance(v, Decimal) else Decimal(str(v)) for v in values if v is not None and v == v), ZERO)


def _amount(value: object) -> Decimal:
    return value if isinstance(value, Decimal) else Decimal(str(value))


def totals(ledger: pd.DataFrame, by: str) -> pd.DataFrame:
    """Rows, cut rows and the cut amount per value of a dimension (unit_type, department, domain, grade), largest
    cut first; exact sums of the rows. One pass over the rows (a province has thousands of departments)."""
    found: dict[str, list] = {}
    for key, value in zip(ledger[by].tolist(), ledger["cut_amount"].tolist(), strict=True):
        entry = found.get(key)
        if entry is None:
            entry = found[key] = [0, 0, ZERO]
        entry[0] += 1
        if value:
            entry[1] += 1
            entry[2] += value if type(value) is Decimal else _amount(value)
    merged: dict[str, tuple[int, int, Decimal]] = {}
    for key, (rows, cut_rows, total) in found.items():
        name = key if isinstance(key, str) and key else s.CUT_NO_VALUE
        before = merged.get(name, (0, 0, ZERO))
        merged[name] = (before[0] + rows, before[1] + cut_rows, before[2] + total)
    ordered = sorted(merged.items(), key=lambda item: item[1][2], reverse=True)
    return pd.DataFrame([[name, rows, cut_rows, total] for name, (rows, cut_rows, total) in ordered],
                        columns=[DIMENSIONS[by], s.COL_CUT_ROWS, s.COL_CUT_CUT_ROWS, s.COL_CUT_AMOUNT])


def protected_table(ledger: pd.DataFrame) -> pd.DataFrame:
    """Lines exempt (with why) or protected by their rule (优先保障 / 据实保障), with the reason."""
    keep = ledger["action"].isin([EXEMPT, *PROTECTED])
    return ledger_table(ledger[keep].reset_index(drop=True))


def tier_label(rule: CutRule | None, rule_id: str) -> str:
    """A waterfall step's name: P3 项目自评·中, E1 项目自评·执行率<60%, D3 部门整体评价·中."""
    if rule is None:
        return rule_id
    when = rule.when
    if when.grades:
        what = "、".join(when.grades)
    elif when.execution_rate_below is not None:
        what = f"执行率<{fmt.plain(when.execution_rate_below)}%"
    elif when.flags:
        what = "、".join(when.flags)
    else:
        low, high = when.score_range()
        what = f"{fmt.plain(low)}–{fmt.plain(min(high, Decimal(100)))}分"
    return f"{rule.id} {rule.scope}·{what}"


def steps(ledger: pd.DataFrame, rules: CutRules | None) -> list[tuple[str, Decimal]]:
    """The cuts per rule that cut something, in rule order: the waterfall's middle steps."""
    cut = ledger[ledger["cut_amount"].map(lambda v: Decimal(str(v)) > 0)]
    order = [r.id for r in rules.rules] if rules is not None else sorted(cut["rule_id"].dropna().unique())
    found = []
    for rule_id in order:
        part = cut[cut["rule_id"] == rule_id]
        if len(part):
            found.append((tier_label(rules.rule(rule_id) if rules else None, rule_id), _sum(part["cut_amount"])))
    return found


def waterfall_figure(requested: Decimal, tiers: Sequence[tuple[str, Decimal]], arranged: Decimal, year: int) -> go.Figure:
    """申报总额 → each rule's cuts → 安排总额 (万元)."""
    labels = [s.CUT_REQUESTED, *[t[0] for t in tiers], s.CUT_ARRANGED]
    values = [float(requested), *[-float(t[1]) for t in tiers], float(arranged)]
    text = [fmt.wan_figure(requested), *[f"−{fmt.wan_figure(t[1])}" for t in tiers], fmt.wan_figure(arranged)]
    fig = go.Figure(go.Waterfall(
        x=labels, y=values, measure=["absolute", *["relative"] * len(tiers), "total"], text=text,
        textposition="outside", cliponaxis=False, connector={"line": {"color": "#bdbdbd"}},
        decreasing={"marker": {"color": charts.FLAG_COLOR}}, increasing={"marker": {"color": charts.BUDGET_COLOR}},
        totals={"marker": {"color": charts.EXECUTED_COLOR}},
        hovertemplate="%{x}<br>%{text} 万元<extra></extra>",
    ))
    low = float(arranged) * 0.9 if tiers else 0
    fig.update_yaxes(title_text=s.AXIS_CUT_AMOUNT, tickformat=",.0f", range=[low, float(requested) * 1.04 or 1])
    return charts._layout(fig, s.CHART_CUT_WATERFALL.format(year=year), height=420)


def _bars(frame: pd.DataFrame, label: str, title: str, color: str = charts.FLAG_COLOR) -> go.Figure:
    data = frame.iloc[::-1]
    amounts = [float(v) for v in data[s.COL_CUT_AMOUNT]]
    fig = go.Figure(go.Bar(
        x=amounts, y=data[label], orientation="h", marker_color=color, cliponaxis=False, textposition="outside",
        text=[fmt.wan_figure(v) for v in data[s.COL_CUT_AMOUNT]],
        hovertemplate="%{y}<br>压减 %{x:,.2f} 万元<extra></extra>",
    ))
    fig.update_xaxes(title_text=s.AXIS_CUT, tickformat=",.0f", range=[0, max(amounts, default=0) * 1.2 or 1])
    return charts._layout(fig, title, height=max(260, 30 * len(data) + 110))


def by_department_figure(by_department: pd.DataFrame, year: int, limit: int = 15) -> go.Figure:
    """Cuts per 主管部门, largest first (the first `limit`)."""
    cut = by_department[by_department[s.COL_CUT_AMOUNT].map(lambda v: v > 0)].head(limit)
    return _bars(cut, s.COL_DEPARTMENT, s.CHART_CUT_DEPARTMENTS.format(year=year))


def by_grade_figure(by_grade: pd.DataFrame, year: int) -> go.Figure:
    """Cuts per grade the lines were judged on, coloured as the grades are everywhere."""
    order = [*charts.GRADE_COLORS, s.CUT_NO_VALUE]  # 优 良 中 差 …, then lines without a grade
    data = by_grade.sort_values(s.COL_GRADE, key=lambda c: c.map(lambda g: order.index(g) if g in order else 99))
    fig = go.Figure(go.Bar(
        x=data[s.COL_GRADE], y=[float(v) for v in data[s.COL_CUT_AMOUNT]],
        marker_color=[charts.GRADE_COLORS.get(g, "#757575") for g in data[s.COL_GRADE]],
        text=[fmt.wan_figure(v) for v in data[s.COL_CUT_AMOUNT]], textposition="outside", cliponaxis=False,
        hovertemplate="%{x}<br>压减 %{y:,.2f} 万元<extra></extra>",
    ))
    fig.update_yaxes(title_text=s.AXIS_CUT, tickformat=",.0f")
    return charts._layout(fig, s.CHART_CUT_GRADES.format(year=year))


def largest_figure(ledger: pd.DataFrame, year: int, limit: int = 10) -> go.Figure:
    """The largest cuts, one bar per project or unit."""
    rows = ledger[ledger["cut_amount"].map(lambda v: Decimal(str(v)) > 0)].copy()
    rows["_amount"] = rows["cut_amount"].map(float)
    rows = rows.sort_values("_amount", ascending=False).head(limit)
    label = [f"{u} · {p}" if isinstance(p, str) and p else f"{u}（单位）"
             for u, p in zip(rows["unit_name"], rows["project_name"], strict=True)]
    frame = pd.DataFrame({s.COL_PROJECT: label, s.COL_CUT_AMOUNT: list(rows["cut_amount"])})
    return _bars(frame, s.COL_PROJECT, s.CHART_CUT_LARGEST.format(year=year, n=limit))


def compare_table(scenarios: pd.DataFrame, ledgers: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """Scenarios side by side: totals, then the cut per grade and per action (a column per scenario)."""
    rows: dict[str, dict[str, object]] = {}
    for name, ledger in ledgers.items():
        info = scenarios[scenarios["name"] == name].iloc[0]
        column = {s.CUT_REQUESTED: info["requested"], s.CUT_TOTAL: info["cut"], s.CUT_ARRANGED: info["arranged"]}
        for grade, part in ledger.groupby(ledger["grade"].map(lambda g: g if isinstance(g, str) else s.CUT_NO_VALUE)):
            column[f"{s.COL_GRADE}：{grade}"] = _sum(part["cut_amount"])
        for action in (CUT, "取消或暂停", EXEMPT):
            column[f"{s.COL_CUT_ACTION}：{action}（行数）"] = int((ledger["action"] == action).sum())
        rows[name] = column
    frame = pd.DataFrame(rows)
    frame.index.name = s.CUT_COMPARE_ITEM
    return frame.reset_index()



# ---- the what-if page's rule table ----------------------------------------------------------------------------------

RULE_TABLE_COLUMNS = (s.WHATIF_RULE_ID, s.WHATIF_RULE_SCOPE, s.WHATIF_RULE_WHEN, s.WHATIF_RULE_PCT, s.WHATIF_RULE_BASE,
                      s.WHATIF_RULE_DESC)


def editable_rules(rules: CutRules) -> list[CutRule]:
    """The rules whose percentage the page lets one change (压减 by a fixed percentage)."""
    return [r for r in rules.rules if r.action == CUT and not r.unspent]


def rule_table(rules: CutRules) -> pd.DataFrame:
    """The editable rules as a table: id, scope, condition, percentage (a float the editor can change), base."""
    return pd.DataFrame([[r.id, r.scope, r.when.text(), float(r.cut_pct), r.base, r.description]
                         for r in editable_rules(rules)], columns=list(RULE_TABLE_COLUMNS))


def other_rules_table(rules: CutRules) -> pd.DataFrame:
    """The rules without a percentage to change (保障, 取消, the 执行率 rule), for reference."""
    return pd.DataFrame([[r.id, r.scope, r.when.text(), r.action_text().split("：", 1)[1], r.description]
                         for r in rules.rules if r not in editable_rules(rules)],
                        columns=[s.WHATIF_RULE_ID, s.WHATIF_RULE_SCOPE, s.WHATIF_RULE_WHEN, s.WHATIF_RULE_ACTION,
                                 s.WHATIF_RULE_DESC])


def rate_rule(rules: CutRules) -> CutRule | None:
    """The first 执行率 rule (its threshold is a what-if setting)."""
    return next((r for r in rules.rules if r.when.execution_rate_below is not None), None)


def edited_data(rules: CutRules, pcts: dict[str, float], rate: float | None, exempt_individual: bool,
                exempt_projects: Sequence[str]) -> tuple[dict, str]:
    """The rule table's YAML data with the page's settings applied, and what differs from `rules` in words (the
    caller validates it with rubrics.cuts.rules_from_data)."""
    data = rules.editable()
    changes: list[str] = []
    found = rate_rule(rules)
    rate_id = found.id if found is not None else None
    for item in data["rules"]:
        old = rules.rule(item["id"])
        if old is None:
            continue
        if item["id"] in pcts and Decimal(str(pcts[item["id"]])) != old.cut_pct:
            item["cut_pct"] = pcts[item["id"]]
            changes.append(f"{old.id} 压减比例 {fmt.plain(old.cut_pct)}% → {fmt.plain(Decimal(str(pcts[old.id])))}%")
        if item["id"] == rate_id and rate is not None and Decimal(str(rate)) != old.when.execution_rate_below:
            item["when"] = {**item["when"], "execution_rate_below": rate}
            changes.append(f"{old.id} 执行率阈值 {fmt.plain(old.when.execution_rate_below)}% → "
                           f"{fmt.plain(Decimal(str(rate)))}%")
    exemptions = dict(data["exemptions"])
    if exempt_individual != rules.exempt_individual:
        exemptions["individual_subsidy"] = exempt_individual
        changes.append("补助个人的民生项目" + ("豁免" if exempt_individual else "不再豁免"))
    if tuple(exempt_projects) != tuple(rules.exempt_projects):
        exemptions["projects"] = list(exempt_projects)
        added = [p for p in exempt_projects if p not in rules.exempt_projects]
        removed = [p for p in rules.exempt_projects if p not in exempt_projects]
        if added:
            changes.append("另列豁免：" + "、".join(added))
        if removed:
            changes.append("取消豁免：" + "、".join(removed))
    data["exemptions"] = exemptions
    return data, "；".join(changes)


def headline(ledger: pd.DataFrame) -> tuple[Decimal, Decimal, Decimal, int, int]:
    """申报总额 (the units' requests), 压减合计, 安排总额, projects cut and units cut, from ledger rows."""
    units = ledger[ledger["level"] == "单位"]
    requested = _sum(units["request"])
    cut = _sum(ledger["cut_amount"])
    hit = ledger[ledger["cut_amount"].map(lambda v: Decimal(str(v)) > 0)]
    return (requested, cut, requested - cut, int((hit["level"] == "项目").sum()),
            int(hit["unit_code"].nunique()))
