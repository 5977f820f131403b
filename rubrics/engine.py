"""Recompute a self-evaluation form (项目支出绩效自评表) from its raw values, with the arithmetic.

Pure Python: no I/O, no Streamlit, no SQL. `score_form` takes a `FormInput` and a `Rubric` and
returns a `FormResult`: the budget-execution points, every indicator's points, the total and the
grade, the unit's own total beside them, the flags, and one Chinese line of arithmetic per step.
Every number used here comes from the rubric; all arithmetic is `Decimal`.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import ROUND_CEILING, ROUND_FLOOR, ROUND_HALF_UP, Context, Decimal

from rubrics.loader import (
    FORMULA_LINEAR,
    POLICY_AS_IS,
    POLICY_DECLARED,
    POLICY_RUBRIC,
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
    Value,
)

_ZERO = Decimal(0)
_ONE = Decimal(1)
_HUNDRED = Decimal(100)
_MIN_PRECISION = 28  # the decimal module's default precision; raised for very large numbers
_SHOWN_PLACES = 2  # fewest decimals an intermediate result is shown with ('8.60 → 9')
_EXACT_SHOWN_PLACES = 6  # decimals of an unrounded sum shown in the total line (scope total)


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


def _shown_raw(value: Decimal, rubric: Rubric) -> str:
    """An unrounded intermediate result as shown before rounding (18.95 in '18.95 → 19')."""
    return _fixed(value, max(rubric.rounding.places, _SHOWN_PLACES))


def _round_row(value: Decimal, rubric: Rubric) -> Decimal:
    """Round to the rubric's row precision by its method (2 decimals half up; an integer; truncated …)."""
    return _quantize(value, rubric.rounding.row_places, rubric.rounding.decimal_rounding)


def _quantum(rubric: Rubric) -> Decimal:
    """The smallest step of a row's points (0.01, or 1 for integer rows)."""
    return _ONE.scaleb(-rubric.rounding.row_places)


def _step_up(value: Decimal, rubric: Rubric) -> Decimal:
    """The smallest value at row precision not below `value` (7.716 → 7.72)."""
    return _quantize(value, rubric.rounding.row_places, ROUND_CEILING)


def _step_below(value: Decimal, rubric: Rubric) -> Decimal:
    """The largest value at row precision strictly below `value` (8 → 7.99; 7 with integer rows), not below 0."""
    return max(_step_up(value, rubric) - _quantum(rubric), _ZERO)


def _clamp(value: Decimal, low: Decimal, high: Decimal) -> Decimal:
    """Keep a value within [low, high]."""
    return min(max(value, low), high)


def _final(raw: Decimal, weight: Decimal, rubric: Rubric) -> Decimal:
    """Clamp to [0, weight]; round when the rubric rounds rows, and clamp again (rounding must not exceed the weight)."""
    clamped = _clamp(raw, _ZERO, weight)
    if not rubric.rounding.rounds_rows:
        return clamped
    return _clamp(_round_row(clamped, rubric), _ZERO, weight)


def _tail(raw: Decimal, weight: Decimal, rubric: Rubric, formula: str | None) -> tuple[Decimal, str]:
    """The points for a raw value and the end of its explanation ('20 × 90/95 = 18.95/20')."""
    final = _final(raw, weight, rubric)
    shown_weight = _points(weight, rubric)
    if formula is None:
        return final, f"{_points(final, rubric)}/{shown_weight}"
    shown_raw = _shown_raw(raw, rubric)
    text = f"{formula} = {shown_raw}"
    if raw < 0:
        text += "（不低于 0）"
    elif raw > weight:
        text += "（不超过分值）"
    if rubric.rounding.rounds_rows and Decimal(shown_raw) != final:
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


def _date(value: Value) -> str:
    """A date as the form wrote it, else YYYYMMDD as 2023年10月31日."""
    if value.text.strip():
        return value.text.strip()
    digits = f"{int(value.number or 0):08d}"
    return f"{int(digits[:-4])}年{int(digits[-4:-2])}月{int(digits[-2:])}日"


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


def _score_budget(form: FormInput, rubric: Rubric, weight: Decimal, weight_line: str) -> _BudgetScore:
    """预算执行率 = 全年执行数 / 全年预算数; points = min(rate, 1) × the budget weight the weight plan chose."""
    lines: list[str] = [weight_line] if weight_line else []
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
    """The budget weight and each indicator's weight as applied, why, and whether the form's weights missed 100."""

    budget_weight: Decimal
    budget_line: str  # how the budget weight was chosen, when the form's differs from the rubric's ('' otherwise)
    applied: tuple[Decimal, ...]  # per indicator; 0 for a not-applicable row
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


def _level_groups(
    indicators: Sequence[IndicatorInput], scored: Sequence[int], rubric: Rubric
) -> tuple[dict[str, list[int]], list[int]]:
    """The scored indicators by rubric level (level name → indices), and those whose 一级指标 is unknown."""
    groups: dict[str, list[int]] = {level.name: [] for level in rubric.levels.levels}
    unknown: list[int] = []
    for index in scored:
        level = rubric.levels.level_for(indicators[index].level1)
        if level is None:
            unknown.append(index)
        else:
            groups[level.name].append(index)
    return groups, unknown


def _transfer(groups: dict[str, list[int]], pools: dict[str, Decimal], rubric: Rubric) -> tuple[dict[str, Decimal], list[str]]:
    """Level points with those of absent levels moved as the rubric's transfers say, and a line per move."""
    pool = dict(pools)
    lines: list[str] = []
    for move in rubric.levels.transfers:
        if not groups[move.source] and pool[move.source] > 0 and groups[move.target]:
            lines.append(f"无{move.source}：其 {_num(pool[move.source])} 分并入{move.target}")
            pool[move.target] += pool[move.source]
            pool[move.source] = _ZERO
    return pool, lines


def _split_by_level(
    indicators: Sequence[IndicatorInput],
    scored: Sequence[int],
    shares: dict[int, Decimal],
    pools: dict[str, Decimal],
    target: Decimal,
    rubric: Rubric,
) -> tuple[dict[int, Decimal], list[str]]:
    """Split each level's points among its indicators in proportion to `shares` (equally when all are 0)."""
    places = rubric.rounding.row_places
    groups, unknown = _level_groups(indicators, scored, rubric)
    pool, lines = _transfer(groups, pools, rubric)
    applied = {index: _ZERO for index in scored}
    for level in rubric.levels.levels:
        members = groups[level.name]
        if members and pool[level.name] > 0:
            member_shares = [shares[i] for i in members]
            equal = sum(member_shares, _ZERO) <= 0 or len(set(member_shares)) == 1
            parts = _allocate(pool[level.name], [_ONE] * len(members) if equal else member_shares, places)
            for index, part in zip(members, parts, strict=True):
                applied[index] = part
            shown = "、".join(_num(part) for part in parts)
            if equal:
                lines.append(f"{level.name} {_num(pool[level.name])} 分 ÷ {len(members)} 个指标 → {shown}")
            else:
                stated = "、".join(_num(share) for share in member_shares)
                lines.append(f"{level.name} {_num(pool[level.name])} 分按表中分值 {stated} 的比例分配 → {shown}")
        elif pool[level.name] > 0:
            lines.append(f"{level.name} 无三级指标：其 {_num(pool[level.name])} 分未分配")
    if unknown:
        names = "、".join(_row_name(indicators[i], i) for i in unknown)
        lines.append(f"一级指标无法识别（{names}）：不分配分值")
    assigned = sum(applied.values(), _ZERO)
    if assigned != target:
        if assigned > 0:
            parts = _allocate(target, [applied[i] for i in scored], places)
            lines.append(f"已分配 {_num(assigned)} 分，按比例调整为 {_num(target)} 分")
        else:
            parts = _allocate(target, [_ONE] * len(scored), places)
            lines.append(f"{_num(target)} 分在全部 {len(scored)} 个指标间平均分配")
        applied = dict(zip(scored, parts, strict=True))
    return applied, lines


def _declared_levels(form: FormInput, rubric: Rubric) -> tuple[dict[str, Decimal], list[str]]:
    """The points the form writes into its 一级指标 labels, by rubric level; the labels no level matches."""
    pools = {level.name: _ZERO for level in rubric.levels.levels}
    ignored: list[str] = []
    for name, points in form.level_weights:
        level = rubric.levels.level_for(name)
        if level is None:
            ignored.append(f"{name} {_num(points)}")
        else:
            pools[level.name] += max(points, _ZERO)
    return pools, ignored


def _split_note(
    indicators: Sequence[IndicatorInput],
    scored: Sequence[int],
    applied: dict[int, Decimal],
    budget_weight: Decimal,
    rubric: Rubric,
) -> str:
    """A line when declared weights that add up differ from the rubric's standard split ('' when they match)."""
    groups, unknown = _level_groups(indicators, scored, rubric)
    standard, _ = _transfer(groups, {level.name: level.weight for level in rubric.levels.levels}, rubric)
    sums = {name: sum((applied[i] for i in members), _ZERO) for name, members in groups.items()}
    other = sum((applied[i] for i in unknown), _ZERO)
    if budget_weight == rubric.budget.weight and other == 0 and sums == standard:
        return ""
    declared = [f"预算执行率 {_num(budget_weight)}"]
    declared += [f"{name} {_num(points)}" for name, points in sums.items() if points or standard[name]]
    if other:
        declared.append(f"其他 {_num(other)}")
    rule = [f"预算执行率 {_num(rubric.budget.weight)}"] + [f"{name} {_num(points)}" for name, points in standard.items()
                                                          if points]
    return (
        f"分值: 表中 {'、'.join(declared)}，合计 {_num(rubric.full_marks)}，与规则的标准分值（{'、'.join(rule)}）不同"
        f" → 按表中分值计分（weights.policy = {rubric.weights.policy}）"
    )


def _budget_line(form: FormInput, used: Decimal, rubric: Rubric, why: str) -> str:
    """How the budget weight was chosen, when the form's differs from the one used or from the rubric's."""
    stated = form.budget_weight
    rule = rubric.budget.weight
    if stated is None or (stated == used == rule):
        return ""
    if stated == used:
        return f"预算执行率分值: 表中为 {_num(stated)}（规则为 {_num(rule)}），{why} → 按表中分值 {_num(used)} 计分"
    return f"预算执行率分值: 表中为 {_num(stated)}，规则为 {_num(rule)}，{why} → 按规则分值 {_num(used)} 计分"


def _plan_weights(form: FormInput, rubric: Rubric) -> _WeightPlan:
    """The weights scored: the form's when they add up to full marks (policy declared), else rescaled or the rubric's."""
    indicators = form.indicators
    full = rubric.full_marks
    rule_budget = rubric.budget.weight
    policy = rubric.weights.policy
    declared_budget = rule_budget if form.budget_weight is None else max(form.budget_weight, _ZERO)
    scored = [i for i, indicator in enumerate(indicators) if not indicator.not_applicable]
    stated = {i: max(indicators[i].weight or _ZERO, _ZERO) for i in scored}  # blank counts as 0
    stated_sum = sum(stated.values(), _ZERO)
    total = declared_budget + stated_sum
    adds_up = total == full
    lines: list[str] = []
    notes = ["" for _ in indicators]

    def plan(applied: dict[int, Decimal], budget_weight: Decimal, mismatch: bool, why: str) -> _WeightPlan:
        """The plan: `applied` by indicator index (missing: 0), the lines and notes gathered so far."""
        weights = tuple(applied.get(i, _ZERO) for i in range(len(indicators)))
        line = _budget_line(form, budget_weight, rubric, why)
        return _WeightPlan(budget_weight, line, weights, tuple(notes), tuple(lines), mismatch)

    mismatch_line = (
        f"分值合计: 预算执行率 {_num(declared_budget)} + 指标 {_num(stated_sum)} = {_num(total)}，"
        f"不等于 {_num(full)} → {FLAG_WEIGHTS_NOT_100}"
    )
    if not scored:
        if not adds_up:
            lines.append(mismatch_line)
        return plan({}, declared_budget if adds_up and policy != POLICY_RUBRIC else rule_budget, not adds_up, "")
    if stated_sum == 0:
        return _plan_blank_weights(form, rubric, scored, declared_budget, mismatch_line)
    if policy in (POLICY_DECLARED, POLICY_AS_IS) and (adds_up or policy == POLICY_AS_IS):
        for i in scored:
            if indicators[i].weight is None:
                notes[i] = "分值空白，按 0 计"
        if adds_up:
            note = _split_note(indicators, scored, stated, declared_budget, rubric)
            if note:
                lines.append(note)
            return plan(stated, declared_budget, False, f"表中分值合计为 {_num(full)}")
        lines.append(mismatch_line)
        lines.append(f"按表中分值计分（规则 weights.policy = {POLICY_AS_IS}），总分不超过 {_num(full)}")
        return plan(stated, declared_budget, True, f"weights.policy = {POLICY_AS_IS}")
    if not adds_up:
        lines.append(mismatch_line)
    target = full - rule_budget
    applied: dict[int, Decimal]
    if policy == POLICY_RUBRIC:
        pools = {level.name: level.weight for level in rubric.levels.levels}
        applied, more = _split_by_level(indicators, scored, stated, pools, target, rubric)
        lines.append(f"按规则的一级指标分值计分（weights.policy = {POLICY_RUBRIC}）: 各一级指标内按表中分值的比例分配")
        lines.extend(more)
        why = f"weights.policy = {POLICY_RUBRIC}"
        how = "按规则的一级指标分值调整为"
    else:
        applied = dict(zip(scored, _allocate(target, [stated[i] for i in scored], rubric.rounding.row_places),
                           strict=True))
        lines.append(
            f"指标分值按比例调整: 各指标分值 × {_num(target)}/{_num(stated_sum)}，合计 {_num(sum(applied.values(), _ZERO))}"
        )
        why = f"表中分值合计不为 {_num(full)}"
        how = "按比例调整为"
    for i in scored:
        old, new = stated[i], applied[i]
        if old != new:
            notes[i] = f"分值 {_num(old)} {how} {_points(new, rubric)}"
    return plan(applied, rule_budget, not adds_up, why)


def _plan_blank_weights(
    form: FormInput, rubric: Rubric, scored: Sequence[int], declared_budget: Decimal, mismatch_line: str
) -> _WeightPlan:
    """All indicator weights blank (or 0): split the 一级指标 points the form declares, else the rubric's, equally."""
    indicators = form.indicators
    full = rubric.full_marks
    pools, ignored = _declared_levels(form, rubric)
    declared_sum = sum(pools.values(), _ZERO)
    use_form = (
        rubric.weights.policy != POLICY_RUBRIC and bool(form.level_weights) and declared_budget + declared_sum == full
    )
    lines: list[str] = []
    if use_form:
        budget_weight = declared_budget
        shown = "、".join(f"{name} {_num(points)}" for name, points in pools.items() if points)
        lines.append(
            f"指标分值: 表中三级指标分值全部空白，一级指标标注 {shown}，与预算执行率 {_num(budget_weight)} 合计 {_num(full)}"
            " → 按表中一级指标分值在其三级指标间平均分配"
        )
        if ignored:
            lines.append(f"一级指标标注（{'、'.join(ignored)}）不是规则中的一级指标，不计")
        why = f"表中分值合计为 {_num(full)}"
        mismatch = False
    else:
        budget_weight = rubric.budget.weight
        mismatch = declared_budget != full
        if mismatch:
            lines.append(mismatch_line)
        lines.append("指标分值: 表中三级指标分值全部空白（或均为 0），按规则的一级指标分值在其三级指标间平均分配")
        pools = {level.name: level.weight for level in rubric.levels.levels}
        policy = rubric.weights.policy
        why = f"weights.policy = {policy}" if policy == POLICY_RUBRIC else f"表中分值合计不为 {_num(full)}"
    shares = {i: _ZERO for i in scored}
    applied, more = _split_by_level(indicators, scored, shares, pools, full - budget_weight, rubric)
    lines.extend(more)
    origin = "表中一级指标分值" if use_form else "一级指标"
    notes = tuple(f"表中分值空白或为 0，按{origin}分配为 {_points(applied[i], rubric)}" if i in applied else ""
                  for i in range(len(indicators)))
    weights = tuple(applied.get(i, _ZERO) for i in range(len(indicators)))
    line = _budget_line(form, budget_weight, rubric, why)
    return _WeightPlan(budget_weight, line, weights, notes, tuple(lines), mismatch)


# ---------------------------------------------------------------------------------------------
# Indicators
# ---------------------------------------------------------------------------------------------


def _score_quantitative(indicator: IndicatorInput, weight: Decimal, rubric: Rubric) -> tuple[Decimal, str, list[str]]:
    """A number against a number: the rule of the target's operator, then the over-achievement check."""
    if indicator.target.number is None or indicator.actual is None or indicator.actual.number is None:
        raise ValueError("_score_quantitative needs numbers for target and actual")
    target, actual = indicator.target.number, indicator.actual.number
    op = indicator.target.op if indicator.target.op in OPERATORS else rubric.quantitative.default_operator
    rule = rubric.quantitative.rule_for(op)
    over = rubric.quantitative.over_achievement
    flags: list[str] = []
    over_text = ""
    overachieved = op in over.operators and target > 0 and actual >= over.ratio * target
    if overachieved:
        over_text = f"实际/指标 = {_percent(actual / target, rubric)} ≥ {_num(over.ratio * _HUNDRED)}%"
    if overachieved and over.reduce_points:
        t, a = _num(target), _num(actual)
        raw = weight * (1 - (actual - target) / target)
        points, tail = _tail(raw, weight, rubric, f"{_num(weight)} × (1 − ({a} − {t})/{t})")
        text = f"实际 {a} ≥ 指标 {t}，{over_text}，视为指标值设定偏低，按偏离度扣分（reduce_points） → {tail}"
    else:
        comparison, raw, formula = _apply_rule(rule, actual, target, weight)
        points, tail = _tail(raw, weight, rubric, formula)
        text = f"实际 {_num(actual)} {comparison} → {tail}"
        if overachieved:
            text += f"；{over_text}"
    if indicator.target.op not in OPERATORS:
        text = f"指标值未写比较符，按 {op} 计；{text}"
    if overachieved:
        if indicator.deviation_note.strip():
            text += "，已说明偏差原因"
        else:
            text += f"，未填写偏差原因 → {FLAG_OVERACHIEVED_NO_REASON}"
            flags.append(FLAG_OVERACHIEVED_NO_REASON)
    return points, text, flags


def _apply_rule(
    rule: OperatorRule, actual: Decimal, target: Decimal, weight: Decimal
) -> tuple[str, Decimal, str | None]:
    """(comparison text, raw points, formula or None when full or zero points)."""
    a, t, w = _num(actual), _num(target), _num(weight)
    if rule.rule == RULE_LOWER_IS_BETTER:
        if actual <= target:
            return f"≤ 指标 {t}", weight, None
        if target <= 0:
            return f"> 指标 {t}（指标 ≤ 0，不按比例计分）", _ZERO, None
        if rule.formula != FORMULA_LINEAR:
            return f"> 指标 {t}", weight * target / actual, f"{w} × {t}/{a}"
        ratio = rule.zero_at_ratio
        if ratio is None:
            raise ValueError(f"规则 {rule.rule} {FORMULA_LINEAR} 缺少 zero_at_ratio")  # prevented by the loader
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
        if cleaned in band.answers:
            return band, f"答“{cleaned}”"
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


def _band_of_share(share: Decimal, rule: QualitativeRule) -> QualitativeBand:
    """The band whose range holds a degree of completion (a fraction): each band holds its lower edge."""
    for band in rule.bands:
        if share >= band.min:
            return band
    return rule.bands[-1]


def _scaled_self_score(indicator: IndicatorInput, weight: Decimal, rubric: Rubric) -> tuple[Decimal | None, str]:
    """The unit's score on the applied weight's scale, and how it is described ('单位得分 18（按分值 20→18 折算为 16.20）')."""
    self_score = indicator.self_score
    if self_score is None:
        return None, ""
    stated = indicator.weight
    scale = weight / stated if stated is not None and stated > 0 and stated != weight else None
    scaled = self_score * scale if scale is not None else self_score
    own = f"单位得分 {_num(self_score)}"
    if scale is not None:
        own += f"（按分值 {_num(stated or _ZERO)}→{_points(weight, rubric)} 折算为 {_fixed(scaled, rubric.rounding.places)}）"
    return scaled, own


def _check_band(
    indicator: IndicatorInput, weight: Decimal, rubric: Rubric, head: str, band: QualitativeBand
) -> tuple[Decimal | None, str, list[str]]:
    """Accept the unit's score inside the band, else correct it to the band's edge and flag it."""
    rule = rubric.qualitative
    scaled, own = _scaled_self_score(indicator, weight, rubric)
    top = band is rule.bands[0]  # the best band holds its upper edge; the others stop below it
    low, high = band.min * weight, band.max * weight
    upper = f"{_num(band.max * _HUNDRED)}%" if top else f"<{_num(band.max * _HUNDRED)}%"
    band_text = (
        f"{head} → {band.name}（分值的 {_num(band.min * _HUNDRED)}%–{upper}，"
        f"即 {_points(low, rubric)}–{'' if top else '<'}{_points(high, rubric)}）"
    )
    if scaled is None:
        return None, f"{band_text}；得分栏为空，无法计分", []
    cap = high if top else _step_below(high, rubric)  # the highest score the band allows at row precision
    floor = min(_step_up(low, rubric), cap) if rubric.rounding.rounds_rows else low
    if low <= scaled and (scaled <= high if top else scaled < high):
        points, tail = _tail(min(scaled, cap), weight, rubric, None)
        return min(points, cap), f"{band_text}；{own} 在档内 → {tail}", []
    if scaled < low:
        bound, side = floor, "低于档次下限"
    elif top:
        bound, side = cap, "高于档次上限"
    else:
        bound, side = cap, f"≥ 档次上限 {_points(high, rubric)}（不含）"
    points, tail = _tail(bound, weight, rubric, None)
    text = f"{band_text}；{own} {side} → {FLAG_QUALITATIVE_OUT_OF_BAND}，按 {_points(bound, rubric)} 计 → {tail}"
    return points, text, [FLAG_QUALITATIVE_OUT_OF_BAND]


def _score_qualitative(
    indicator: IndicatorInput, weight: Decimal, rubric: Rubric
) -> tuple[Decimal | None, str, list[str]]:
    """Words: find the completion band and check the unit's score against it."""
    rule = rubric.qualitative
    actual_text = indicator.actual.text if indicator.actual is not None else ""
    band, why = _classify(actual_text, indicator.target.text, rule)
    head = f"实际“{actual_text}”"
    if band is not None:
        return _check_band(indicator, weight, rubric, f"{head}{why and '（' + why + '）'}", band)
    scaled, own = _scaled_self_score(indicator, weight, rubric)
    if scaled is None:
        return None, f"{head} → {FLAG_QUALITATIVE_UNKNOWN}；得分栏为空，无法计分", [FLAG_QUALITATIVE_UNKNOWN]
    names = "/".join(b.name for b in rule.bands)
    points, tail = _tail(scaled, weight, rubric, None)
    text = (
        f"{head} 无法归入{names}任一档次 → {FLAG_QUALITATIVE_UNKNOWN}；"
        f"按{own} 计（限 0–{_points(weight, rubric)}） → {tail}"
    )
    return points, text, [FLAG_QUALITATIVE_UNKNOWN]


def _score_completion(
    indicator: IndicatorInput, weight: Decimal, rubric: Rubric
) -> tuple[Decimal | None, str, list[str]]:
    """A target in words, an actual in per cent ('按时限完成' / '100%'): the percentage is the degree of completion."""
    actual = indicator.actual
    if actual is None or actual.number is None:
        raise ValueError("_score_completion needs a percentage actual")
    band = _band_of_share(actual.number / _HUNDRED, rubric.qualitative)
    head = f"实际“{actual.text}”（指标“{indicator.target.text}”为文字，实际完成值 {_num(actual.number)}% 按完成程度归档）"
    return _check_band(indicator, weight, rubric, head, band)


def _score_dates(indicator: IndicatorInput, weight: Decimal, rubric: Rubric) -> tuple[Decimal | None, str, list[str]]:
    """A date against a date: on time or early earns the weight; late is the worst qualitative band."""
    actual = indicator.actual
    if actual is None or actual.number is None or indicator.target.number is None:
        raise ValueError("_score_dates needs two dates")
    shown_target, shown_actual = _date(indicator.target), _date(actual)
    if actual.number <= indicator.target.number:
        points, tail = _tail(weight, weight, rubric, None)
        text = f"实际 {shown_actual} 不晚于 指标 {shown_target} → {tail}"
        return points, text + ("；得分栏为空" if indicator.self_score is None else ""), []
    worst = rubric.qualitative.bands[-1]
    return _check_band(indicator, weight, rubric, f"实际 {shown_actual} 晚于 指标 {shown_target}（按最低档）", worst)


def _score_indicator(indicator: IndicatorInput, weight: Decimal, note: str, rubric: Rubric) -> IndicatorResult:
    """One indicator row: dates, numbers, a percentage against words, or words."""
    label = _label(indicator) + (f"（{note}）" if note else "")
    if indicator.not_applicable:
        written = (indicator.actual.text if indicator.actual is not None else "") or indicator.target.text or "/"
        return IndicatorResult(None, _ZERO, f"{label}: 不适用（“{written.strip()}”），不计分")
    flags: list[str] = []
    actual, target = indicator.actual, indicator.target
    if actual is None:
        flags.append(FLAG_INCOMPLETE)
        if indicator.self_score is None:
            text = "实际完成值和得分均为空，无法计分"
        else:
            text = f"实际完成值为空，无法计分（表中得分 {_num(indicator.self_score)}）"
        return IndicatorResult(None, weight, f"{label}: {text}", _ordered_flags(flags))
    score: Decimal | None
    numbers = target.is_quantitative and actual.is_quantitative and not target.is_date and not actual.is_date
    if target.is_date and actual.is_date:
        score, text, more = _score_dates(indicator, weight, rubric)
    elif numbers:
        score, text, more = _score_quantitative(indicator, weight, rubric)
        if indicator.self_score is None:
            text += "；得分栏为空"
    elif actual.unit == "%" and not actual.is_date and actual.is_quantitative and (
        not target.is_quantitative or target.is_date
    ):
        score, text, more = _score_completion(indicator, weight, rubric)
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
    elif all(indicator.not_applicable for indicator in form.indicators):
        reasons.append("绩效指标表的三级指标均不适用，没有可计分的指标")
    for index, indicator in enumerate(form.indicators):
        if indicator.not_applicable:  # shown, left out of scoring: never makes the form incomplete
            continue
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
    plan = _plan_weights(form, rubric)
    budget = _score_budget(form, rubric, plan.budget_weight, plan.budget_line)
    lines.extend(budget.lines)
    if budget.low_execution:
        flags.append(FLAG_LOW_EXECUTION)
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
    rounded = _round_row(raw, rubric)
    total = _clamp(rounded, _ZERO, rubric.full_marks)
    line = f"总分: 预算执行率 {_points(budget_points, rubric)} + 绩效指标 {_points(indicator_points, rubric)}"
    if rubric.rounding.rounds_rows or rounded == raw:
        line += f" = {_points(raw, rubric)}"
    else:
        exact = _quantize(raw, _EXACT_SHOWN_PLACES, ROUND_FLOOR)
        shown = _num(raw) if exact == raw else f"{_fixed(exact, _EXACT_SHOWN_PLACES)}…"
        line += f" = {shown}（各行未取舍，总分保留 {rubric.rounding.row_places} 位） → {_points(rounded, rubric)}"
    if total != rounded:
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
