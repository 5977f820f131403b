"""The 疑点清单's sentences: each flag of a project said in one Chinese sentence a reviewer can act on, built from
the numbers and from the engine's own arithmetic lines (store.queries.flag_list). No Streamlit, no SQL."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from decimal import Decimal

import pandas as pd

from present import format as fmt
from present import strings as s
from rubrics.model import ALL_FLAGS, FLAG_INCOMPLETE, FLAG_INFLATED, FLAG_LOW_EXECUTION

ARROW = " → "


def _lines(value: object) -> list[str]:
    if value is None or isinstance(value, float):
        return []
    return [str(line) for line in value]  # type: ignore[attr-defined]


def _without_flag(line: str, flag: str) -> str:
    """An arithmetic line without its closing "→ flag"."""
    return line.removesuffix(f"{ARROW}{flag}").strip()


def _indicator(line: str, flag: str) -> str:
    """An indicator line said briefly: “name”：the step that raised the flag."""
    head, _, rest = line.partition(": ")
    name = head.rsplit(" ", 1)[-1]
    step = _without_flag(rest, flag).rsplit("；", 1)[-1]
    return f"指标“{name}”{step}"


def _low_threshold(lines: Iterable[str]) -> str | None:
    """The threshold of an "执行率 57.45% < 60.00% → 执行率偏低" line."""
    for line in lines:
        left, sep, _ = line.partition(ARROW)
        if sep and "<" in left:
            return left.rsplit("<", 1)[-1].strip()
    return None


def sentence(flag: str, self_score: object, computed: object, rate: object, budget: object, executed: object,
             form_lines: Sequence[str], indicator_lines: Sequence[str]) -> str:
    """One flag of one project in words, with the numbers that raised it."""
    if flag == FLAG_INFLATED and self_score is not None and computed is not None:
        diff = Decimal(str(self_score)) - Decimal(str(computed))
        return s.FLAG_SENTENCE_INFLATED.format(own=fmt.score(self_score), computed=fmt.score(computed),
                                               diff=fmt.score(diff))
    if flag == FLAG_LOW_EXECUTION:
        threshold = _low_threshold(form_lines)
        text = s.FLAG_SENTENCE_LOW.format(budget=fmt.wan(budget), executed=fmt.wan(executed), rate=fmt.pct(rate))
        return text + (s.FLAG_SENTENCE_LOW_LIMIT.format(limit=threshold) if threshold else "")
    if flag == FLAG_INCOMPLETE and form_lines:
        detail = form_lines[0].partition(":")[2].partition(ARROW)[0].strip()
        return s.FLAG_SENTENCE_INCOMPLETE.format(detail=detail)
    if indicator_lines:
        return "；".join(_indicator(line, flag) for line in indicator_lines)
    return "；".join(_without_flag(line, flag).replace(": ", "：", 1) for line in form_lines) or flag


def with_sentences(rows: pd.DataFrame) -> pd.DataFrame:
    """flag_list rows with their sentence (column `sentence`) and whether a reviewer has set a score."""
    out = rows.copy()
    out["sentence"] = [
        sentence(str(r.flag), r.self_score, r.computed_score, r.execution_rate, r.budget_full_year, r.executed,
                 _lines(r.form_lines), _lines(r.indicator_lines))
        for r in rows.itertuples(index=False)
    ] if len(rows) else pd.Series(dtype=object)
    out["review_state"] = [s.REVIEW_DONE if v is not None and v == v else s.REVIEW_OPEN
                           for v in rows["reviewed_score"]] if len(rows) else pd.Series(dtype=object)
    order = {flag: i for i, flag in enumerate(ALL_FLAGS)}
    out["_order"] = out["flag"].map(lambda f: order.get(f, len(order)))
    return out.sort_values(["_order", "unit_code", "project_name"], kind="stable").drop(columns="_order").reset_index(
        drop=True)
