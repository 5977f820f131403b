"""Recompute a self-evaluation form (项目支出绩效自评表) from its raw values, with the arithmetic.

Pure Python: no I/O, no Streamlit, no SQL. `score_form` takes a `FormInput` and a `Rubric` and
returns a `FormResult`: the budget-execution points, every indicator's points, the total and the
grade, the unit's own total beside them, the flags, and one Chinese line of arithmetic per step.
Every number used here comes from the rubric; all arithmetic is `Decimal`.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import ROUND_FLOOR, ROUND_HALF_UP, Context, Decimal

from rubrics.loader import (
    POLICY_RESCALE,
    RULE_EQUAL,
    RULE_LOWER_IS_BETTER,
    OperatorRule,
    QualitativeBand,
    QualitativeRule,
    Rubric,
)
from rubrics.model import (
    ALL_FLAGS,
    FLAG_INCOMPLETE,
    FLAG_INFLATED,
    FLAG_LOW_EXECUTION,
    FLAG_OVERACHIEVED_NO_REASON,
    FLAG_QUALITATIVE_OUT_OF_BAND,
    FLAG_QUALITATIVE_UNKNOWN,
    FLAG_WEIGHTS_NOT_100,
    OPERATORS,
    STATUS_DONE,
    STATUS_INCOMPLETE,
    FormInput,
    FormResult,
    IndicatorInput,
    IndicatorResult,
)

_ZERO = Decimal(0)
_ONE = Decimal(1)
_HUNDRED = Decimal(100)
_MIN_PRECISION = 28  # the decimal module's default precision; raised for very large numbers


# ---------------------------------------------------------------------------------------------
# Numbers: rounding and display
# ---------------------------------------------------------------------------------------------


def _quantize(value: Decimal, places: int, rounding: str) -> Decimal:
    """Round to `places` decimals, with enough precision for any magnitude."""
    precision = max(_MIN_PRECISION, value.adjusted() + places + 2)
    return value.quantize(_ONE.scaleb(-places), rounding=rounding, context=Context(prec=precision))


def _num(value: Decimal) -> str:
    """A number as written by a person: no exponent, no trailing zeros (132.9, 95, 0.5)."""
    text = format(value.normalize(), "f")
    return "0" if text == "-0" else text


def _fixed(value: Decimal, places: int) -> str:
    """A number with exactly `places` decimals, rounded half up (for display only)."""
    return format(_quantize(value, places, ROUND_HALF_UP), "f")


def _amount(value: Decimal) -> str:
    """An amount in 万元: two decimals, more when the form gave more."""
    exponent = value.as_tuple().exponent
    if isinstance(exponent, int) and exponent < -2:
        return _num(value)
    return _fixed(value, 2)


def _percent(fraction: Decimal, rubric: Rubric) -> str:
    """A fraction as a percentage with the rubric's rate precision (0.86 → 86.00%)."""
    return f"{_fixed(fraction * _HUNDRED, max(rubric.budget.rate_places - 2, 0))}%"


def _points(value: Decimal, rubric: Rubric) -> str:
    """Points as shown: whole numbers bare (10), others with the row's decimals (8.60)."""
    if value == value.to_integral_value():
        return _num(value)
    return _fixed(value, max(rubric.rounding.row_places, 1))


def _round_row(value: Decimal, rubric: Rubric) -> Decimal:
    """Round one row's points as the rubric says (2 decimals, or an integer per row)."""
    return _quantize(value, rubric.rounding.row_places, rubric.rounding.decimal_rounding)


def _clamp(value: Decimal, low: Decimal, high: Decimal) -> Decimal:
    """Keep a value within [low, high]."""
    return min(max(value, low), high)


def _final(raw: Decimal, weight: Decimal, rubric: Rubric) -> Decimal:
    """Clamp to [0, weight], round, and clamp again (rounding must not exceed the weight)."""
    return _clamp(_round_row(_clamp(raw, _ZERO, weight), rubric), _ZERO, weight)


def _tail(raw: Decimal, weight: Decimal, rubric: Rubric, formula: str | None) -> tuple[Decimal, str]:
    """The points for a raw value and the end of its explanation ('20 × 90/95 = 18.95/20')."""
    final = _final(raw, weight, rubric)
    shown_weight = _points(weight, rubric)
    if formula is None:
        return final, f"{_points(final, rubric)}/{shown_weight}"
    shown_raw = _fixed(raw, rubric.rounding.places)
    text = f"{formula} = {shown_raw}"
    if raw < 0:
        text += "（不低于 0）"
    elif raw > weight:
        text += "（不超过分值）"
    if Decimal(shown_raw) != final:
        text += f" → {_points(final, rubric)}"
    return final, f"{text}/{shown_weight}"


def _ordered_flags(flags: Iterable[str]) -> tuple[str, ...]:
    """Deduplicate flags and put them in model.ALL_FLAGS order."""
    present = set(flags)
    return tuple(flag for flag in ALL_FLAGS if flag in present)


def _label(indicator: IndicatorInput) -> str:
    """'产出指标-成本指标 项目总成本' for explanations."""
    levels = "-".join(part for part in (indicator.level1.strip(), indicator.level2.strip()) if part)
    return f"{levels} {indicator.name}".strip()


def _row_name(indicator: IndicatorInput, index: int) -> str:
    """Where an indicator is on the form: its cell reference, else its position."""
    where = indicator.ref.strip() or f"第{index + 1}个指标"
    return f"{where} {indicator.name}".strip()


# ---------------------------------------------------------------------------------------------
# Budget execution
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _BudgetScore:
    """Execution rate and points, the explanation lines and the reasons the budget is incomplete."""

    rate: Decimal | None
    points: Decimal | None
    lines: tuple[str, ...]
    missing: tuple[str, ...]
    low_execution: bool


def _score_budget(form: FormInput, rubric: Rubric) -> _BudgetScore:
    """预算执行率 = 全年执行数 / 全年预算数; points = min(rate, 1) × rubric budget weight."""
    weight = rubric.budget.weight
    lines: list[str] = []
    if form.budget_weight is not None and form.budget_weight != weight:
        lines.append(
            f"预算执行率分值: 表中为 {_num(form.budget_weight)}，规则为 {_num(weight)} → 按规则分值 {_num(weight)} 计分"
        )
    missing: list[str] = []
    budget, executed = form.budget_full_year, form.executed
    if budget is None:
        missing.append("全年预算数为空")
    elif budget <= 0:
        missing.append(f"全年预算数为 {_num(budget)}（必须大于 0）")
    if executed is None:
        missing.append("全年执行数为空")
    if budget is None or budget <= 0 or executed is None:
        lines.append(f"预算执行率: {'；'.join(missing)}，无法计算执行率和得分")
        return _BudgetScore(None, None, tuple(lines), tuple(missing), False)
    rate = _quantize(executed / budget, rubric.budget.rate_places, rubric.rounding.decimal_rounding)
    head = f"预算执行率: 全年执行数 {_amount(executed)} / 全年预算数 {_amount(budget)} = {_percent(rate, rubric)}"
    if rate >= 1:
        points, tail = _tail(weight, weight, rubric, None)
        cap = "（超过 100% 按 100% 计）" if rate > 1 else ""
        line = f"{head}{cap} → {tail}"
    elif rate <= 0:
        points, tail = _tail(_ZERO, weight, rubric, None)
        line = f"{head} → {tail}"
    else:
        points, tail = _tail(weight * rate, weight, rubric, f"{_num(weight)} × {_percent(rate, rubric)}")
        line = f"{head} → {tail}"
    if form.budget_self_score is not None:
        line += f"（表中得分 {_num(form.budget_self_score)}）"
    lines.append(line)
    threshold = rubric.budget.low_rate.threshold
    low = rate < threshold
    if low:
        lines.append(f"执行率 {_percent(rate, rubric)} < {_percent(threshold, rubric)} → {FLAG_LOW_EXECUTION}")
    return _BudgetScore(rate, points, tuple(lines), (), low)


# ---------------------------------------------------------------------------------------------
# Weights
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _WeightPlan:
    """The weight applied to each indicator, why, and whether the form's weights missed 100."""

    applied: tuple[Decimal, ...]
    notes: tuple[str, ...]  # per indicator: how its weight was changed ('' when unchanged)
    lines: tuple[str, ...]
    mismatch: bool


def _allocate(total: Decimal, shares: Sequence[Decimal], places: int) -> list[Decimal]:
    """Split `total` in proportion to `shares`, at `places` decimals, by largest remainder."""
    share_sum = sum(shares, _ZERO)
    if share_sum <= 0 or not shares:
        return [_ZERO for _ in shares]
    quantum = _ONE.scaleb(-places)
    exact = [total * share / share_sum for share in shares]
    parts = [_quantize(value, places, ROUND_FLOOR) for value in exact]
    left_units = int(((total - sum(parts, _ZERO)) / quantum).to_integral_value(rounding=ROUND_FLOOR))
    order = sorted(range(len(shares)), key=lambda i: (-(exact[i] - parts[i]), i))
    for index in order[: max(min(left_units, len(shares)), 0)]:
        parts[index] += quantum
    return parts


def _distribute(
    indicators: Sequence[IndicatorInput], rubric: Rubric, target: Decimal
) -> tuple[list[Decimal], list[str]]:
    """All weights blank: split each 一级指标's points equally among its indicators."""
    places = rubric.rounding.row_places
    levels = rubric.levels
    groups: dict[str, list[int]] = {level.name: [] for level in levels.levels}
    unknown: list[int] = []
    for index, indicator in enumerate(indicators):
        level = levels.level_for(indicator.level1)
        if level is None:
            unknown.append(index)
        else:
            groups[level.name].append(index)
    pool = {level.name: level.weight for level in levels.levels}
    lines = ["指标分值: 表中三级指标分值全部空白（或均为 0），按规则的一级指标分值在其三级指标间平均分配"]
    for move in levels.transfers:
        if not groups[move.source] and pool[move.source] > 0 and groups[move.target]:
            lines.append(f"无{move.source}：其 {_num(pool[move.source])} 分并入{move.target}")
            pool[move.target] += pool[move.source]
            pool[move.source] = _ZERO
    applied = [_ZERO for _ in indicators]
    for level in levels.levels:
        members = groups[level.name]
        if members and pool[level.name] > 0:
            parts = _allocate(pool[level.name], [_ONE] * len(members), places)
            for index, part in zip(members, parts, strict=True):
                applied[index] = part
            shown = "、".join(_num(part) for part in parts)
            lines.append(f"{level.name} {_num(pool[level.name])} 分 ÷ {len(members)} 个指标 → {shown}")
        elif pool[level.name] > 0:
            lines.append(f"{level.name} 无三级指标：其 {_num(pool[level.name])} 分未分配")
    if unknown:
        names = "、".join(_row_name(indicators[i], i) for i in unknown)
        lines.append(f"一级指标无法识别（{names}）：不分配分值")
    assigned = sum(applied, _ZERO)
    if assigned != target:
        if assigned > 0:
            applied = _allocate(target, applied, places)
            lines.append(f"已分配 {_num(assigned)} 分，按比例调整为 {_num(target)} 分")
        else:
            applied = _allocate(target, [_ONE] * len(indicators), places)
            lines.append(f"{_num(target)} 分在全部 {len(indicators)} 个指标间平均分配")
    return applied, lines


def _plan_weights(form: FormInput, rubric: Rubric) -> _WeightPlan:
    """Check that budget weight + indicator weights = full marks; rescale or distribute if not."""
    indicators = form.indicators
    full = rubric.full_marks
    form_budget_weight = rubric.budget.weight if form.budget_weight is None else form.budget_weight
    stated = [_ZERO if i.weight is None else max(i.weight, _ZERO) for i in indicators]
    stated_sum = sum(stated, _ZERO)
    total = form_budget_weight + stated_sum
    mismatch = total != full
    target = full - rubric.budget.weight
    lines: list[str] = []
    if mismatch:
        lines.append(
            f"分值合计: 预算执行率 {_num(form_budget_weight)} + 指标 {_num(stated_sum)} = {_num(total)}，"
            f"不等于 {_num(full)} → {FLAG_WEIGHTS_NOT_100}"
        )
    if not indicators:
        return _WeightPlan((), (), tuple(lines), mismatch)
    if stated_sum == 0:
        applied, more = _distribute(indicators, rubric, target)
        notes = [f"表中分值空白或为 0，按一级指标分配为 {_points(w, rubric)}" for w in applied]
        return _WeightPlan(tuple(applied), tuple(notes), tuple(lines + more), mismatch)
    if mismatch and rubric.weights_mismatch.policy == POLICY_RESCALE:
        applied = _allocate(target, stated, rubric.rounding.row_places)
        lines.append(
            f"指标分值按比例调整: 各指标分值 × {_num(target)}/{_num(stated_sum)}，合计 {_num(sum(applied, _ZERO))}"
        )
        notes = [
            f"分值 {_num(old)} 按比例调整为 {_points(new, rubric)}" if old != new else ""
            for old, new in zip(stated, applied, strict=True)
        ]
        return _WeightPlan(tuple(applied), tuple(notes), tuple(lines), mismatch)
    if mismatch:
        lines.append(
            f"按表中分值计分（规则 weights_mismatch.policy = {rubric.weights_mismatch.policy}），总分不超过 {_num(full)}"
        )
    notes = ["分值空白，按 0 计" if i.weight is None else "" for i in indicators]
    return _WeightPlan(tuple(stated), tuple(notes), tuple(lines), mismatch)


# ---------------------------------------------------------------------------------------------
# Indicators
# ---------------------------------------------------------------------------------------------


def _score_quantitative(indicator: IndicatorInput, weight: Decimal, rubric: Rubric) -> tuple[Decimal, str, list[str]]:
    """A number against a number: the rule of the target's operator."""
    if indicator.target.number is None or indicator.actual is None or indicator.actual.number is None:
        raise ValueError("_score_quantitative needs numbers for target and actual")
    target, actual = indicator.target.number, indicator.actual.number
    op = indicator.target.op if indicator.target.op in OPERATORS else rubric.quantitative.default_operator
    rule = rubric.quantitative.rule_for(op)
    comparison, raw, formula = _apply_rule(rule, actual, target, weight)
    points, tail = _tail(raw, weight, rubric, formula)
    text = f"实际 {_num(actual)} {comparison} → {tail}"
    if indicator.target.op not in OPERATORS:
        text = f"指标值未写比较符，按 {op} 计；{text}"
    flags: list[str] = []
    over = rubric.quantitative.over_achievement
    if op in over.operators and target > 0 and actual >= over.ratio * target:
        ratio_text = f"实际/指标 = {_percent(actual / target, rubric)} ≥ {_num(over.ratio * _HUNDRED)}%"
        if indicator.deviation_note.strip():
            text += f"；{ratio_text}，已说明偏差原因"
        else:
            text += f"；{ratio_text}，未填写偏差原因 → {FLAG_OVERACHIEVED_NO_REASON}"
            flags.append(FLAG_OVERACHIEVED_NO_REASON)
    return points, text, flags


def _apply_rule(
    rule: OperatorRule, actual: Decimal, target: Decimal, weight: Decimal
) -> tuple[str, Decimal, str | None]:
    """(comparison text, raw points, formula or None when full or zero points)."""
    a, t, w = _num(actual), _num(target), _num(weight)
    if rule.rule == RULE_LOWER_IS_BETTER:
        ratio = rule.zero_at_ratio
        if ratio is None:
            raise ValueError(f"规则 {rule.rule} 缺少 zero_at_ratio")  # prevented by the loader
        if actual <= target:
            return f"≤ 指标 {t}", weight, None
        if target <= 0:
            return f"> 指标 {t}（指标 ≤ 0，不按比例计分）", _ZERO, None
        if actual >= ratio * target:
            return f"≥ {_num(ratio)} × 指标 {t}", _ZERO, None
        span = t if ratio - 1 == 1 else f"({_num(ratio - 1)} × {t})"
        raw = weight * (1 - (actual - target) / ((ratio - 1) * target))
        return f"> 指标 {t}", raw, f"{w} × (1 − ({a} − {t})/{span})"
    as_ge = "（= 按 ≥ 计）" if rule.rule == RULE_EQUAL else ""
    if rule.rule == RULE_EQUAL and target == 0:
        if actual <= 0:
            return "≤ 指标 0（指标为 0：实际 ≤ 0 得满分）", weight, None
        return "> 指标 0（指标为 0：实际 > 0 得 0 分）", _ZERO, None
    if actual >= target:
        return f"≥ 指标 {t}{as_ge}", weight, None
    if target <= 0:
        return f"< 指标 {t}{as_ge}（指标 ≤ 0，不按比例计分）", _ZERO, None
    return f"< 指标 {t}{as_ge}", weight * actual / target, f"{w} × {a}/{t}"


@dataclass(frozen=True)
class _Match:
    """A phrase found in an actual text: its band, the matched words, and their length."""

    band_index: int
    words: str
    length: int


def _classify(text: str, target_text: str, rule: QualitativeRule) -> tuple[QualitativeBand | None, str]:
    """The completion band a qualitative actual states, and why ('' when none)."""
    cleaned = "".join(text.split())
    if cleaned and cleaned == "".join(target_text.split()):
        return rule.band(rule.target_text_band), "与指标值相同"
    for band in rule.bands:
        if cleaned in band.phrases:
            return band, ""
    worst = len(rule.bands) - 1
    prefixes = sorted(rule.negation_prefixes, key=len, reverse=True)
    best: _Match | None = None
    for band_index, band in enumerate(rule.bands):
        for phrase in band.phrases:
            start = cleaned.find(phrase)
            while start >= 0:
                negation = next((p for p in prefixes if cleaned[:start].endswith(p)), "")
                if negation and band_index != worst:
                    match = _Match(worst, negation + phrase, len(negation) + len(phrase))
                else:
                    match = _Match(band_index, phrase, len(phrase))
                if best is None or (match.length, match.band_index) > (best.length, best.band_index):
                    best = match
                start = cleaned.find(phrase, start + 1)
    if best is None:
        return None, ""
    return rule.bands[best.band_index], f"含“{best.words}”"


def _score_qualitative(
    indicator: IndicatorInput, weight: Decimal, rubric: Rubric
) -> tuple[Decimal | None, str, list[str]]:
    """Words: find the completion band and check the unit's score against it."""
    rule = rubric.qualitative
    actual_text = indicator.actual.text if indicator.actual is not None else ""
    band, why = _classify(actual_text, indicator.target.text, rule)
    stated = indicator.weight
    scale = weight / stated if stated is not None and stated > 0 and stated != weight else None
    self_score = indicator.self_score
    head = f"实际“{actual_text}”"
    if self_score is None:
        verdict = band.name if band is not None else FLAG_QUALITATIVE_UNKNOWN
        flags = [] if band is not None else [FLAG_QUALITATIVE_UNKNOWN]
        return None, f"{head} → {verdict}；得分栏为空，无法计分", flags
    scaled = self_score * scale if scale is not None else self_score
    own = f"单位得分 {_num(self_score)}"
    if scale is not None:
        own += f"（按分值 {_num(stated or _ZERO)}→{_points(weight, rubric)} 折算为 {_fixed(scaled, rubric.rounding.places)}）"
    if band is None:
        names = "/".join(b.name for b in rule.bands)
        points, tail = _tail(scaled, weight, rubric, None)
        text = (
            f"{head} 无法归入{names}任一档次 → {FLAG_QUALITATIVE_UNKNOWN}；"
            f"按{own} 计（限 0–{_points(weight, rubric)}） → {tail}"
        )
        return points, text, [FLAG_QUALITATIVE_UNKNOWN]
    low, high = band.min * weight, band.max * weight
    band_text = (
        f"{head}{why and '（' + why + '）'} → {band.name}"
        f"（分值的 {_num(band.min * _HUNDRED)}%–{_num(band.max * _HUNDRED)}%，即 {_points(low, rubric)}–{_points(high, rubric)}）"
    )
    if low <= scaled <= high:
        points, tail = _tail(scaled, weight, rubric, None)
        return points, f"{band_text}；{own} 在档内 → {tail}", []
    bound, side = (low, "低于档次下限") if scaled < low else (high, "高于档次上限")
    points, tail = _tail(bound, weight, rubric, None)
    text = f"{band_text}；{own} {side} → {FLAG_QUALITATIVE_OUT_OF_BAND}，按 {_points(bound, rubric)} 计 → {tail}"
    return points, text, [FLAG_QUALITATIVE_OUT_OF_BAND]


def _score_indicator(indicator: IndicatorInput, weight: Decimal, note: str, rubric: Rubric) -> IndicatorResult:
    """One indicator row: quantitative when target and actual are numbers, else qualitative."""
    label = _label(indicator) + (f"（{note}）" if note else "")
    flags: list[str] = []
    if indicator.actual is None:
        flags.append(FLAG_INCOMPLETE)
        if indicator.self_score is None:
            text = "实际完成值和得分均为空，无法计分"
        else:
            text = f"实际完成值为空，无法计分（表中得分 {_num(indicator.self_score)}）"
        return IndicatorResult(None, weight, f"{label}: {text}", _ordered_flags(flags))
    score: Decimal | None
    if indicator.target.is_quantitative and indicator.actual.is_quantitative:
        score, text, more = _score_quantitative(indicator, weight, rubric)
        if indicator.self_score is None:
            text += "；得分栏为空"
    else:
        score, text, more = _score_qualitative(indicator, weight, rubric)
    flags.extend(more)
    if indicator.self_score is None:
        flags.append(FLAG_INCOMPLETE)
    return IndicatorResult(score, weight, f"{label}: {text}", _ordered_flags(flags))


# ---------------------------------------------------------------------------------------------
# The form
# ---------------------------------------------------------------------------------------------


def _grade_text(total: Decimal, rubric: Rubric) -> str:
    """'良（80 ≤ 总分 < 90）' for the grade of a total."""
    bands = rubric.grade_rule.bands
    band = rubric.grade_band_for(total)
    index = bands.index(band)
    if index == 0:
        return f"{band.name}（总分 ≥ {_num(band.min)}）"
    upper = _num(bands[index - 1].min)
    if index == len(bands) - 1:
        return f"{band.name}（总分 < {upper}）"
    return f"{band.name}（{_num(band.min)} ≤ 总分 < {upper}）"


def _missing_reasons(form: FormInput) -> list[str]:
    """Why the indicator part of a form is incomplete (blank actuals, scores, total)."""
    reasons: list[str] = []
    if not form.indicators:
        reasons.append("绩效指标表没有三级指标")
    for index, indicator in enumerate(form.indicators):
        blanks = [
            name for name, value in (("实际完成值", indicator.actual), ("得分", indicator.self_score)) if value is None
        ]
        if blanks:
            reasons.append(f"{_row_name(indicator, index)} {'、'.join(blanks)}为空")
    if form.self_total is None:
        reasons.append("总分（得分）为空")
    return reasons


def score_form(form: FormInput, rubric: Rubric) -> FormResult:
    """Recompute a form's budget points, indicator points, total and grade, with flags and arithmetic."""
    lines: list[str] = []
    flags: list[str] = []
    budget = _score_budget(form, rubric)
    lines.extend(budget.lines)
    if budget.low_execution:
        flags.append(FLAG_LOW_EXECUTION)
    plan = _plan_weights(form, rubric)
    lines.extend(plan.lines)
    if plan.mismatch:
        flags.append(FLAG_WEIGHTS_NOT_100)
    results = tuple(
        _score_indicator(indicator, weight, note, rubric)
        for indicator, weight, note in zip(form.indicators, plan.applied, plan.notes, strict=True)
    )
    for result in results:
        lines.append(result.explanation)
        flags.extend(result.flags)
    missing = [*budget.missing, *_missing_reasons(form)]
    total: Decimal | None = None
    grade: str | None = None
    if missing:
        flags.append(FLAG_INCOMPLETE)
        lines.append(f"{FLAG_INCOMPLETE}: {'；'.join(missing)} → 不计总分和等级，补全后重新导入")
    else:
        total, grade = _total_and_grade(form, rubric, budget, results, lines, flags)
    return FormResult(
        status=STATUS_INCOMPLETE if missing else STATUS_DONE,
        execution_rate=budget.rate,
        budget_points=budget.points,
        indicators=results,
        total=total,
        grade=grade,
        self_total=form.self_total,
        flags=_ordered_flags(flags),
        explanation=tuple(lines),
    )


def _total_and_grade(
    form: FormInput,
    rubric: Rubric,
    budget: _BudgetScore,
    results: Sequence[IndicatorResult],
    lines: list[str],
    flags: list[str],
) -> tuple[Decimal, str]:
    """Add up a complete form, grade it and compare with the unit's own total."""
    budget_points = budget.points if budget.points is not None else _ZERO
    indicator_points = sum((r.score for r in results if r.score is not None), _ZERO)
    raw = budget_points + indicator_points
    total = _clamp(_round_row(raw, rubric), _ZERO, rubric.full_marks)
    line = (
        f"总分: 预算执行率 {_points(budget_points, rubric)} + 绩效指标 {_points(indicator_points, rubric)}"
        f" = {_points(raw, rubric)}"
    )
    if total != raw:
        line += f"（不超过 {_num(rubric.full_marks)}） → {_points(total, rubric)}"
    grade = rubric.grade_for(total)
    lines.append(f"{line} → 等级 {_grade_text(total, rubric)}")
    if form.self_total is not None:
        margin = rubric.inflation.margin
        gap = form.self_total - total
        compare = f"单位自评总分 {_num(form.self_total)} − 重算总分 {_points(total, rubric)} = {_points(gap, rubric)}"
        if gap > margin:
            lines.append(f"{compare} > 容差 {_num(margin)} → {FLAG_INFLATED}")
            flags.append(FLAG_INFLATED)
        else:
            lines.append(f"{compare} ≤ 容差 {_num(margin)}，未虚高")
    return total, grade
