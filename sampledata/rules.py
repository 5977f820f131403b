"""The rubric's numbers in the shape the sample generator plans with (from rubrics/self_eval.yaml).

The generator scores its planned forms with its own arithmetic, an independent check of
rubrics/engine.py; only the numbers (weights, band bounds, grade bands, ratios, rounding) come from
the rubric, so each is written once. `sample_rules()` also checks that the rubric has the shape the
generator writes forms for (its three 一级指标, three qualitative bands, whole-number points, rows
rounded one by one, over-achievement not reduced) and raises a `RubricError` naming the key when it
does not.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass
from decimal import Decimal

from rubrics.loader import (
    FORMULA_LINEAR,
    FORMULA_RATIO,
    RULE_LOWER_IS_BETTER,
    SCOPE_ROW,
    Rubric,
    RubricError,
    load_rubric,
)
from rubrics.model import OP_LE

LEVELS = ("产出指标", "效益指标", "满意度指标")  # the 一级指标 of a sample form, in form order
QUALITATIVE_BAND_COUNT = 3  # the generator plans a qualitative row as achieved, partial or missed


@dataclass(frozen=True)
class Band:
    """A qualitative completion band: a row scores between low × weight and high × weight."""

    name: str
    low: Decimal
    high: Decimal


@dataclass(frozen=True)
class Grade:
    """A grade and the lowest total that earns it."""

    name: str
    min: Decimal


@dataclass(frozen=True)
class SampleRules:
    """The rule numbers a sample form is planned and scored with."""

    source: str  # the rubric file, as shown in messages
    full_marks: int  # points of a whole form (分值 of the 总分 row)
    budget_weight: int  # points of the 年度资金总额 row
    rate_quantum: Decimal  # precision of 执行率 (0.0001)
    score_quantum: Decimal  # precision of a row's points (0.01)
    rounding: str  # `decimal` rounding of rates and points (ROUND_HALF_UP)
    level_weights: Mapping[str, int]  # 一级指标 → points
    level_transfers: tuple[tuple[str, str], ...]  # (absent 一级指标, 一级指标 that takes its points)
    over_ratio: Decimal  # actual ≥ ratio × target wants a 偏差原因
    le_formula: str  # how a ≤ row above its target scores: ratio (w × t / a) or linear
    le_zero_at_ratio: Decimal | None  # linear only: a ≤ row scores 0 from this multiple of its target
    bands: tuple[Band, ...]  # qualitative bands, best first
    grades: tuple[Grade, ...]  # grade bands, best first

    def level_points(self, level: str, absent: Collection[str] = ()) -> int:
        """Points of a 一级指标 on a form without the levels `absent` (their points move as the rubric says)."""
        moved = sum(self.level_weights[source] for source, target in self.level_transfers
                    if target == level and source in absent)
        return self.level_weights[level] + moved

    def band(self, name: str) -> Band:
        """The qualitative band with this name."""
        for band in self.bands:
            if band.name == name:
                return band
        raise LookupError(f"no qualitative band {name!r} in {self.source}")


def _whole(rubric: Rubric, key_path: str, value: Decimal) -> int:
    """A number of points the generator splits into integer row weights."""
    if value != value.to_integral_value():
        raise RubricError(rubric.source, key_path, f"示例数据生成器只能按整数分值出表，实际为 {value}")
    return int(value)


def sample_rules(rubric: Rubric | None = None) -> SampleRules:
    """The generator's rule numbers from `rubric` (default: rubrics/self_eval.yaml)."""
    rubric = load_rubric() if rubric is None else rubric
    names = tuple(level.name for level in rubric.levels.levels)
    if sorted(names) != sorted(LEVELS):
        raise RubricError(rubric.source, "indicator_levels.levels",
                          f"示例数据生成器按一级指标 {'、'.join(LEVELS)} 出表，规则中为 {'、'.join(names)}")
    if len(rubric.qualitative.bands) != QUALITATIVE_BAND_COUNT:
        raise RubricError(rubric.source, "qualitative.bands",
                          f"示例数据生成器按 {QUALITATIVE_BAND_COUNT} 个定性档次出表，规则中有 {len(rubric.qualitative.bands)} 个")
    le_rule = rubric.quantitative.rule_for(OP_LE)
    if le_rule.op != OP_LE or le_rule.rule != RULE_LOWER_IS_BETTER or le_rule.formula not in (FORMULA_RATIO, FORMULA_LINEAR):
        raise RubricError(rubric.source, "quantitative.operators",
                          f"示例数据生成器需要 {OP_LE} 按 {RULE_LOWER_IS_BETTER}（formula {FORMULA_RATIO} 或 {FORMULA_LINEAR}）计分")
    if rubric.rounding.scope != SCOPE_ROW:
        raise RubricError(rubric.source, "rounding.scope",
                          f"示例数据生成器按每行取舍出表（scope {SCOPE_ROW}），规则中为 {rubric.rounding.scope}")
    if rubric.quantitative.over_achievement.reduce_points:
        raise RubricError(rubric.source, "quantitative.over_achievement.reduce_points",
                          "示例数据生成器按超额完成不扣分出表（reduce_points: false）")
    return SampleRules(
        source=rubric.source,
        full_marks=_whole(rubric, "full_marks", rubric.full_marks),
        budget_weight=_whole(rubric, "budget_execution.weight", rubric.budget.weight),
        rate_quantum=Decimal(1).scaleb(-rubric.budget.rate_places),
        score_quantum=Decimal(1).scaleb(-rubric.rounding.row_places),
        rounding=rubric.rounding.decimal_rounding,
        level_weights={level.name: _whole(rubric, f"indicator_levels.levels[{i}].weight", level.weight)
                       for i, level in enumerate(rubric.levels.levels)},
        level_transfers=tuple((t.source, t.target) for t in rubric.levels.transfers),
        over_ratio=rubric.quantitative.over_achievement.ratio,
        le_formula=le_rule.formula,
        le_zero_at_ratio=le_rule.zero_at_ratio,
        bands=tuple(Band(b.name, b.min, b.max) for b in rubric.qualitative.bands),
        grades=tuple(Grade(g.name, g.min) for g in rubric.grade_rule.bands),
    )
