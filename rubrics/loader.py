"""Load and validate a self-evaluation rubric (rubrics/*.yaml) into frozen, typed dataclasses.

Every check is explicit and fails early: a `RubricError` names the file, the key path
(`grades.bands[1].min`) and what is allowed, in Chinese, so a bureau editor can fix the YAML alone.
The rule numbers live only in the YAML; this module knows the shape, not the values.
"""

from __future__ import annotations

import hashlib
from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass
from decimal import ROUND_DOWN, ROUND_HALF_EVEN, ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any

import yaml

from rubrics.model import OPERATORS

DEFAULT_RUBRIC_PATH = Path(__file__).with_name("self_eval.yaml")
PROJECT_ROOT = Path(__file__).resolve().parent.parent
VERSION_HEX_CHARS = 12  # length of Rubric.version (sha256 prefix)
MAX_PLACES = 6  # largest number of decimal places a rubric may ask for

# Names of the scoring rules a quantitative operator can use (the engine implements each).
RULE_HIGHER_IS_BETTER = "higher_is_better"
RULE_LOWER_IS_BETTER = "lower_is_better"
RULE_EQUAL = "equal"
QUANTITATIVE_RULES = (RULE_HIGHER_IS_BETTER, RULE_LOWER_IS_BETTER, RULE_EQUAL)

# How a lower_is_better (≤) row scores when the actual is above the target.
FORMULA_RATIO = "ratio"  # weight × target / actual
FORMULA_LINEAR = "linear"  # weight × (1 − (actual − target) / ((zero_at_ratio − 1) × target)), 0 from zero_at_ratio × target
LOWER_IS_BETTER_FORMULAS = (FORMULA_RATIO, FORMULA_LINEAR)

# Rounding: whether rows are integers (mode), the `decimal` rounding of each method, and what is rounded (scope).
ROUNDING_DECIMALS = "decimals"
ROUNDING_INTEGER_PER_ROW = "integer_per_row"
ROUNDING_MODES = (ROUNDING_DECIMALS, ROUNDING_INTEGER_PER_ROW)
ROUNDING_METHODS = {"half_up": ROUND_HALF_UP, "half_even": ROUND_HALF_EVEN, "truncate": ROUND_DOWN}
SCOPE_ROW = "row"  # every row's points rounded; the total is their sum
SCOPE_TOTAL = "total"  # rows kept exact; only the total is rounded
ROUNDING_SCOPES = (SCOPE_ROW, SCOPE_TOTAL)

# Whose weights are scored: the form's declared ones (rescaled when they miss full marks), the rubric's
# split, or the form's as they are.
POLICY_DECLARED = "declared"
POLICY_RUBRIC = "rubric"
POLICY_AS_IS = "as_is"
WEIGHT_POLICIES = (POLICY_DECLARED, POLICY_RUBRIC, POLICY_AS_IS)
LEGACY_POLICY_RESCALE = "rescale"  # weights_mismatch.policy of earlier releases: read as declared


class RubricError(ValueError):
    """A rubric file that cannot be used: names the file, the key path and what is allowed."""

    def __init__(self, file: str, key_path: str, message: str) -> None:
        """Keep the parts apart (for tests and UIs) and build the one-line Chinese message."""
        self.file = file
        self.key_path = key_path
        self.message = message
        where = f"{file}: {key_path}" if key_path else file
        super().__init__(f"{where}: {message}")


# ---------------------------------------------------------------------------------------------
# The rubric as typed data
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class LowRateRule:
    """Execution rate below `threshold` (a fraction) raises 执行率偏低."""

    description: str
    threshold: Decimal
    reference: str = ""


@dataclass(frozen=True)
class BudgetRule:
    """Points for 预算执行率: min(rate, 1) × weight, rate rounded to `rate_places`."""

    description: str
    reference: str
    weight: Decimal
    rate_places: int
    low_rate: LowRateRule


@dataclass(frozen=True)
class LevelRule:
    """One 一级指标 (产出/效益/满意度) and its points."""

    name: str
    description: str
    aliases: tuple[str, ...]
    weight: Decimal

    def matches(self, label: str) -> bool:
        """True when a form's 一级指标 label names this level."""
        cleaned = "".join(label.split())
        return cleaned == self.name or cleaned in self.aliases


@dataclass(frozen=True)
class LevelTransfer:
    """When a form has no indicator of level `source`, its points go to level `target`."""

    description: str
    reference: str
    source: str
    target: str


@dataclass(frozen=True)
class IndicatorLevels:
    """The 一级指标 tree with weights, and the transfers for absent levels."""

    description: str
    reference: str
    levels: tuple[LevelRule, ...]
    transfers: tuple[LevelTransfer, ...]

    def level_for(self, label: str) -> LevelRule | None:
        """The level a form's 一级指标 label names, or None."""
        for level in self.levels:
            if level.matches(label):
                return level
        return None


@dataclass(frozen=True)
class OperatorRule:
    """How a quantitative operator (≥, ≤, =) is scored."""

    op: str
    rule: str  # one of QUANTITATIVE_RULES
    description: str
    zero_at_ratio: Decimal | None  # linear formula only: actual ≥ ratio × target scores 0
    formula: str | None = None  # lower_is_better only: one of LOWER_IS_BETTER_FORMULAS
    reference: str = ""


@dataclass(frozen=True)
class OverAchievementRule:
    """Actual ≥ ratio × target (for `operators`) without a 偏差原因 raises 超额完成未说明原因; with
    `reduce_points` the row also loses points by the deviation (weight × (1 − (actual − target) / target))."""

    description: str
    reference: str
    ratio: Decimal
    operators: tuple[str, ...]
    reduce_points: bool = False


@dataclass(frozen=True)
class QuantitativeRule:
    """Scoring rules for indicators whose target and actual are numbers."""

    description: str
    reference: str
    default_operator: str
    default_operator_description: str
    operators: tuple[OperatorRule, ...]
    over_achievement: OverAchievementRule
    default_operator_reference: str = ""

    def rule_for(self, op: str | None) -> OperatorRule:
        """The rule for an operator; the default operator's rule when op is None or unknown."""
        for rule in self.operators:
            if rule.op == op:
                return rule
        for rule in self.operators:
            if rule.op == self.default_operator:
                return rule
        raise LookupError(f"规则中没有比较符 {self.default_operator}")  # prevented by the loader


@dataclass(frozen=True)
class QualitativeBand:
    """A completion band: points between min × weight and max × weight; phrases that map to it."""

    name: str
    description: str
    min: Decimal
    max: Decimal
    phrases: tuple[str, ...]
    answers: tuple[str, ...] = ()  # whole answers only (优, 良, 中, 差): never looked for inside a longer text


@dataclass(frozen=True)
class QualitativeRule:
    """Scoring rules for indicators stated in words (效果明显, 合规, 未完成 …)."""

    description: str
    reference: str
    target_text_band: str
    negation_prefixes: tuple[str, ...]
    bands: tuple[QualitativeBand, ...]  # best first

    def band(self, name: str) -> QualitativeBand:
        """The band with this name."""
        for band in self.bands:
            if band.name == name:
                return band
        raise LookupError(f"规则中没有定性档次 {name}")  # prevented by the loader


@dataclass(frozen=True)
class RoundingRule:
    """How points are rounded: to `places` decimals (0 or mode integer_per_row: integers), by `method`,
    every row (scope row) or only the total (scope total)."""

    description: str
    mode: str  # one of ROUNDING_MODES
    places: int
    method: str  # a key of ROUNDING_METHODS
    scope: str = SCOPE_ROW  # one of ROUNDING_SCOPES
    reference: str = ""

    @property
    def row_places(self) -> int:
        """Decimal places of a row's points (and of rescaled weights, and of the total)."""
        return 0 if self.mode == ROUNDING_INTEGER_PER_ROW else self.places

    @property
    def decimal_rounding(self) -> str:
        """The `decimal` module rounding constant for `method` (also used for the execution rate)."""
        return ROUNDING_METHODS[self.method]

    @property
    def rounds_rows(self) -> bool:
        """True when each row's points are rounded (scope row); False when only the total is."""
        return self.scope == SCOPE_ROW


@dataclass(frozen=True)
class WeightsRule:
    """Whose weights are scored: the form's declared weights, the rubric's split, or the form's as they are."""

    description: str
    reference: str
    policy: str  # one of WEIGHT_POLICIES


@dataclass(frozen=True)
class InflationRule:
    """self_total − recomputed total > margin raises 自评分虚高."""

    description: str
    margin: Decimal
    reference: str = ""


@dataclass(frozen=True)
class GradeBand:
    """A grade and its lower bound (inclusive); the upper bound is the previous band's min."""

    name: str
    description: str
    min: Decimal


@dataclass(frozen=True)
class GradeRule:
    """Grade bands, best first, covering 0 to full marks."""

    description: str
    reference: str
    bands: tuple[GradeBand, ...]


@dataclass(frozen=True)
class Rubric:
    """A validated self-evaluation rubric."""

    name: str
    description: str
    reference: str
    full_marks: Decimal
    budget: BudgetRule
    levels: IndicatorLevels
    quantitative: QuantitativeRule
    qualitative: QualitativeRule
    rounding: RoundingRule
    weights: WeightsRule
    inflation: InflationRule
    grade_rule: GradeRule
    version: str  # first 12 hex digits of the sha256 of the file bytes
    source: str  # the file, as shown in messages
    text: str = ""  # the YAML as read (stored with every scoring run, so a rubric can be applied again)

    @property
    def grades(self) -> tuple[str, ...]:
        """Grade names, best first."""
        return tuple(band.name for band in self.grade_rule.bands)

    def grade_band_for(self, score: Decimal) -> GradeBand:
        """The grade band a score falls in (scores below 0 fall in the last band)."""
        for band in self.grade_rule.bands:
            if score >= band.min:
                return band
        return self.grade_rule.bands[-1]

    def grade_for(self, score: Decimal) -> str:
        """The grade name for a score."""
        return self.grade_band_for(score).name


# ---------------------------------------------------------------------------------------------
# Reading YAML with key paths
# ---------------------------------------------------------------------------------------------


class _UniqueKeyLoader(yaml.SafeLoader):
    """A safe loader that rejects a key written twice in one mapping."""


def _construct_unique_mapping(
    loader: _UniqueKeyLoader, node: yaml.MappingNode, deep: bool = False
) -> dict[Hashable, Any]:
    """Build a mapping, raising on duplicate keys (yaml.safe_load would keep the last one)."""
    loader.flatten_mapping(node)
    seen: set[Hashable] = set()
    for key_node, _ in node.value:
        key = loader.construct_object(key_node, deep=deep)
        if not isinstance(key, Hashable):
            raise yaml.constructor.ConstructorError(None, None, f"键必须是文字，实际为 {key!r}", key_node.start_mark)
        if key in seen:
            raise yaml.constructor.ConstructorError(None, None, f"键 '{key}' 重复出现", key_node.start_mark)
        seen.add(key)
    return loader.construct_mapping(node, deep=deep)


_UniqueKeyLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_unique_mapping)


def _shown(value: object) -> str:
    """A YAML value as quoted in an error message."""
    if value is None:
        return "空值"
    if isinstance(value, str):
        return f"'{value}'"
    if isinstance(value, Mapping):
        return "映射"
    if isinstance(value, list):
        return "列表"
    return str(value)


def _fmt(number: Decimal) -> str:
    """A Decimal without exponent or trailing zeros."""
    return format(number.normalize(), "f")


def _range_text(lo: Decimal | None, hi: Decimal | None, lo_open: bool) -> str:
    """Describe an allowed numeric range in Chinese."""
    if lo is not None and hi is not None and not lo_open:
        return f"{_fmt(lo)}–{_fmt(hi)} 的数字"
    if lo is not None and hi is not None:
        return f"大于 {_fmt(lo)} 且不超过 {_fmt(hi)} 的数字"
    if lo is not None:
        return f"大于 {_fmt(lo)} 的数字" if lo_open else f"不小于 {_fmt(lo)} 的数字"
    return "数字"


@dataclass(frozen=True)
class _Node:
    """A YAML mapping being read: its file, key path and content (keys already checked)."""

    file: str
    path: str
    data: Mapping[str, Any]

    @classmethod
    def read(
        cls,
        file: str,
        path: str,
        value: object,
        required: Sequence[str],
        optional: Sequence[str] = (),
    ) -> _Node:
        """Check that `value` is a mapping with exactly the allowed keys, all required ones present."""
        shown_path = path or "（根）"
        allowed = [*required, *optional]
        if not isinstance(value, Mapping):
            raise RubricError(file, path, f"必须是映射（键: 值），实际为 {_shown(value)}")
        for key in value:
            if not isinstance(key, str) or key not in allowed:
                raise RubricError(
                    file,
                    _join(path, str(key)),
                    f"未知的键；{shown_path} 下允许的键：{', '.join(allowed)}",
                )
        for key in required:
            if key not in value:
                raise RubricError(
                    file,
                    _join(path, key),
                    f"缺少必填键；{shown_path} 下必须有：{', '.join(required)}",
                )
        return cls(file, path, value)

    def at(self, key: str) -> str:
        """Key path of a child."""
        return _join(self.path, key)

    def error(self, key: str, message: str) -> RubricError:
        """An error about a child key."""
        return RubricError(self.file, self.at(key), message)

    def has(self, key: str) -> bool:
        """True when the (optional) key is present."""
        return key in self.data

    def text(self, key: str, default: str | None = None) -> str:
        """A non-empty string (or `default` when the optional key is absent)."""
        if key not in self.data and default is not None:
            return default
        value = self.data.get(key)
        if not isinstance(value, str) or not value.strip():
            raise self.error(key, f"必须是非空文字，实际为 {_shown(value)}")
        return value.strip()

    def choice(self, key: str, allowed: Sequence[str]) -> str:
        """A string among `allowed`."""
        value = self.data.get(key)
        if not isinstance(value, str) or value not in allowed:
            raise self.error(key, f"必须是以下之一：{', '.join(allowed)}，实际为 {_shown(value)}")
        return value

    def number(
        self,
        key: str,
        lo: Decimal | None = None,
        hi: Decimal | None = None,
        lo_open: bool = False,
    ) -> Decimal:
        """A YAML number within [lo, hi] (or (lo, hi] when lo_open), as an exact Decimal."""
        value = self.data.get(key)
        wanted = _range_text(lo, hi, lo_open)
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise self.error(key, f"必须是 {wanted}，实际为 {_shown(value)}")
        number = Decimal(str(value))
        if not number.is_finite():
            raise self.error(key, f"必须是 {wanted}，实际为 {_shown(value)}")
        too_low = lo is not None and (number <= lo if lo_open else number < lo)
        too_high = hi is not None and number > hi
        if too_low or too_high:
            raise self.error(key, f"必须是 {wanted}，实际为 {_shown(value)}")
        return number

    def integer(self, key: str, lo: int, hi: int) -> int:
        """A YAML integer within [lo, hi]."""
        value = self.data.get(key)
        if isinstance(value, bool) or not isinstance(value, int) or not lo <= value <= hi:
            raise self.error(key, f"必须是 {lo}–{hi} 的整数，实际为 {_shown(value)}")
        return value

    def boolean(self, key: str, default: bool) -> bool:
        """true or false (or `default` when the optional key is absent)."""
        if key not in self.data:
            return default
        value = self.data.get(key)
        if not isinstance(value, bool):
            raise self.error(key, f"必须是 true 或 false，实际为 {_shown(value)}")
        return value

    def items(self, key: str, allow_empty: bool = False) -> list[tuple[str, object]]:
        """A YAML list: (key path, item) pairs."""
        value = self.data.get(key, [] if allow_empty else None)
        if not isinstance(value, list) or (not value and not allow_empty):
            raise self.error(key, f"必须是非空列表，实际为 {_shown(value)}")
        return [(f"{self.at(key)}[{index}]", item) for index, item in enumerate(value)]

    def texts(self, key: str, allow_empty: bool = False) -> tuple[str, ...]:
        """A list of distinct non-empty strings (whitespace removed)."""
        result: list[str] = []
        for path, item in self.items(key, allow_empty=allow_empty):
            if not isinstance(item, str) or not item.strip():
                raise RubricError(self.file, path, f"必须是非空文字，实际为 {_shown(item)}")
            cleaned = "".join(item.split())
            if cleaned in result:
                raise RubricError(self.file, path, f"'{cleaned}' 重复出现")
            result.append(cleaned)
        return tuple(result)

    def child(self, key: str, required: Sequence[str], optional: Sequence[str] = ()) -> _Node:
        """A nested mapping."""
        return _Node.read(self.file, self.at(key), self.data.get(key), required, optional)


def _join(path: str, key: str) -> str:
    """Append a key to a key path."""
    return f"{path}.{key}" if path else key


_DESCRIBED = ("description",)
_DESCRIBED_REF = ("reference",)


# ---------------------------------------------------------------------------------------------
# Sections
# ---------------------------------------------------------------------------------------------


def _budget(root: _Node, full_marks: Decimal) -> BudgetRule:
    """budget_execution: weight, rate places, low-rate threshold."""
    node = root.child("budget_execution", [*_DESCRIBED, "weight", "rate_places", "low_rate"], _DESCRIBED_REF)
    low = node.child("low_rate", [*_DESCRIBED, "threshold"], _DESCRIBED_REF)
    return BudgetRule(
        description=node.text("description"),
        reference=node.text("reference", ""),
        weight=node.number("weight", Decimal(0), full_marks),
        rate_places=node.integer("rate_places", 0, MAX_PLACES + 2),
        low_rate=LowRateRule(
            description=low.text("description"),
            threshold=low.number("threshold", Decimal(0), Decimal(1)),
            reference=low.text("reference", ""),
        ),
    )


def _levels(root: _Node, full_marks: Decimal, budget_weight: Decimal) -> IndicatorLevels:
    """indicator_levels: the 一级指标 with weights adding up with the budget weight to full marks."""
    node = root.child("indicator_levels", [*_DESCRIBED, "levels"], ["reference", "absent_level_transfers"])
    levels: list[LevelRule] = []
    labels: set[str] = set()
    for path, item in node.items("levels"):
        level_node = _Node.read(node.file, path, item, ["name", *_DESCRIBED, "weight"], ["aliases"])
        name = level_node.text("name")
        aliases = level_node.texts("aliases", allow_empty=True) if level_node.has("aliases") else ()
        for label in (name, *aliases):
            if label in labels:
                raise RubricError(node.file, path, f"一级指标名称或别名 '{label}' 与其他一级指标重复")
        labels.update((name, *aliases))
        levels.append(
            LevelRule(
                name=name,
                description=level_node.text("description"),
                aliases=tuple(a for a in aliases if a != name),
                weight=level_node.number("weight", Decimal(0), full_marks),
            )
        )
    level_sum = sum((level.weight for level in levels), Decimal(0))
    if level_sum + budget_weight != full_marks:
        raise node.error(
            "levels",
            f"一级指标分值合计 {_fmt(level_sum)} + 预算执行率分值 {_fmt(budget_weight)} "
            f"= {_fmt(level_sum + budget_weight)}，必须等于满分 {_fmt(full_marks)}",
        )
    names = [level.name for level in levels]
    transfers: list[LevelTransfer] = []
    if node.has("absent_level_transfers"):
        for path, item in node.items("absent_level_transfers", allow_empty=True):
            move = _Node.read(node.file, path, item, [*_DESCRIBED, "from", "to"], _DESCRIBED_REF)
            source = move.choice("from", names)
            target = move.choice("to", names)
            if source == target:
                raise move.error("to", f"不能与 from 相同（'{source}'）")
            if any(t.source == source for t in transfers):
                raise move.error("from", f"'{source}' 已有转入规则，每个一级指标只能有一条")
            transfers.append(LevelTransfer(move.text("description"), move.text("reference", ""), source, target))
    return IndicatorLevels(
        description=node.text("description"),
        reference=node.text("reference", ""),
        levels=tuple(levels),
        transfers=tuple(transfers),
    )


def _operator_rule(file: str, path: str, item: object) -> OperatorRule:
    """One entry of quantitative.operators; a ≤ rule's formula (ratio, or linear with zero_at_ratio)."""
    op_node = _Node.read(file, path, item, ["op", "rule", *_DESCRIBED], ["formula", "zero_at_ratio", "reference"])
    op = op_node.choice("op", OPERATORS)
    rule = op_node.choice("rule", QUANTITATIVE_RULES)
    formula: str | None = None
    ratio: Decimal | None = None
    if rule != RULE_LOWER_IS_BETTER:
        for key in ("formula", "zero_at_ratio"):
            if op_node.has(key):
                raise op_node.error(key, f"只有规则 {RULE_LOWER_IS_BETTER} 可设置此键")
    else:
        # Earlier releases wrote only zero_at_ratio (the linear fall): without `formula` it still means linear.
        default = FORMULA_LINEAR if op_node.has("zero_at_ratio") else FORMULA_RATIO
        formula = op_node.choice("formula", LOWER_IS_BETTER_FORMULAS) if op_node.has("formula") else default
        if formula == FORMULA_LINEAR:
            if not op_node.has("zero_at_ratio"):
                raise op_node.error("zero_at_ratio", f"formula {FORMULA_LINEAR} 必须设置（大于 1 的数字）")
            ratio = op_node.number("zero_at_ratio", Decimal(1), None, lo_open=True)
        elif op_node.has("zero_at_ratio"):
            raise op_node.error("zero_at_ratio", f"只有 formula {FORMULA_LINEAR} 可设置此键（{FORMULA_RATIO} 不用）")
    return OperatorRule(op, rule, op_node.text("description"), ratio, formula, op_node.text("reference", ""))


def _quantitative(root: _Node) -> QuantitativeRule:
    """quantitative: one rule per operator, default operator, over-achievement."""
    node = root.child(
        "quantitative",
        [*_DESCRIBED, "default_operator", "operators", "over_achievement"],
        _DESCRIBED_REF,
    )
    default = node.child("default_operator", [*_DESCRIBED, "op"], _DESCRIBED_REF)
    operators: list[OperatorRule] = []
    for path, item in node.items("operators"):
        rule = _operator_rule(node.file, path, item)
        if any(known.op == rule.op for known in operators):
            raise RubricError(node.file, f"{path}.op", f"比较符 '{rule.op}' 重复；每个比较符只能有一条规则")
        operators.append(rule)
    missing = [op for op in OPERATORS if all(rule.op != op for rule in operators)]
    if missing:
        raise node.error("operators", f"缺少比较符 {', '.join(missing)} 的规则；必须有：{', '.join(OPERATORS)}")
    over = node.child("over_achievement", [*_DESCRIBED, "ratio", "operators"], ["reference", "reduce_points"])
    over_ops = over.texts("operators")
    for index, op in enumerate(over_ops):
        if op not in OPERATORS:
            raise RubricError(
                over.file,
                f"{over.at('operators')}[{index}]",
                f"必须是以下之一：{', '.join(OPERATORS)}，实际为 '{op}'",
            )
    return QuantitativeRule(
        description=node.text("description"),
        reference=node.text("reference", ""),
        default_operator=default.choice("op", OPERATORS),
        default_operator_description=default.text("description"),
        operators=tuple(operators),
        over_achievement=OverAchievementRule(
            description=over.text("description"),
            reference=over.text("reference", ""),
            ratio=over.number("ratio", Decimal(1), None, lo_open=True),
            operators=over_ops,
            reduce_points=over.boolean("reduce_points", False),
        ),
        default_operator_reference=default.text("reference", ""),
    )


def _qualitative(root: _Node) -> QualitativeRule:
    """qualitative: completion bands best first, contiguous from 1 down to 0, with their phrases."""
    node = root.child(
        "qualitative",
        [*_DESCRIBED, "target_text_band", "negation_prefixes", "bands"],
        _DESCRIBED_REF,
    )
    bands: list[QualitativeBand] = []
    phrase_owner: dict[str, str] = {}
    one, zero = Decimal(1), Decimal(0)
    band_items = node.items("bands")
    for index, (path, item) in enumerate(band_items):
        band_node = _Node.read(node.file, path, item, ["name", *_DESCRIBED, "min", "max", "phrases"], ["answers"])
        name = band_node.text("name")
        if any(band.name == name for band in bands):
            raise band_node.error("name", f"档次名称 '{name}' 重复")
        low = band_node.number("min", zero, one)
        high = band_node.number("max", zero, one)
        if low >= high:
            raise band_node.error("max", f"必须大于 min {_fmt(low)}，实际为 {_fmt(high)}")
        if index == 0 and high != one:
            raise band_node.error("max", f"第一档（最好）的上限必须为 1，实际为 {_fmt(high)}")
        if index > 0 and high != bands[-1].min:
            raise band_node.error(
                "max",
                f"必须等于上一档的下限 {_fmt(bands[-1].min)}（档次从好到差、首尾相接），实际为 {_fmt(high)}",
            )
        if index == len(band_items) - 1 and low != zero:
            raise band_node.error("min", f"最后一档（最差）的下限必须为 0，实际为 {_fmt(low)}")
        phrases = band_node.texts("phrases")
        answers = band_node.texts("answers", allow_empty=True) if band_node.has("answers") else ()
        for key, words in (("phrases", phrases), ("answers", answers)):
            for phrase_index, phrase in enumerate(words):
                if phrase in phrase_owner:
                    raise RubricError(
                        node.file,
                        f"{band_node.at(key)}[{phrase_index}]",
                        f"短语 '{phrase}' 已属于档次 '{phrase_owner[phrase]}'；一个短语只能属于一个档次",
                    )
                phrase_owner[phrase] = name
        bands.append(QualitativeBand(name, band_node.text("description"), low, high, phrases, answers))
    target_band = node.choice("target_text_band", [band.name for band in bands])
    return QualitativeRule(
        description=node.text("description"),
        reference=node.text("reference", ""),
        target_text_band=target_band,
        negation_prefixes=node.texts("negation_prefixes", allow_empty=True),
        bands=tuple(bands),
    )


def _rounding(root: _Node) -> RoundingRule:
    """rounding: places, method, scope (row or total); mode integer_per_row as earlier releases wrote it."""
    node = root.child("rounding", [*_DESCRIBED, "places", "method"], ["mode", "scope", "reference"])
    return RoundingRule(
        description=node.text("description"),
        mode=node.choice("mode", ROUNDING_MODES) if node.has("mode") else ROUNDING_DECIMALS,
        places=node.integer("places", 0, MAX_PLACES),
        method=node.choice("method", tuple(ROUNDING_METHODS)),
        scope=node.choice("scope", ROUNDING_SCOPES) if node.has("scope") else SCOPE_ROW,
        reference=node.text("reference", ""),
    )


def _weights(root: _Node) -> WeightsRule:
    """weights: the policy (declared, rubric, as_is); `weights_mismatch` with rescale as earlier releases wrote it."""
    if root.has("weights") and root.has("weights_mismatch"):
        raise root.error("weights_mismatch", "是旧版写法，与 weights 只能有其一；请删去 weights_mismatch")
    if not root.has("weights") and not root.has("weights_mismatch"):
        raise root.error("weights", "缺少必填键；（根）下必须有 weights（旧版写作 weights_mismatch）")
    if not root.has("weights_mismatch"):
        node = root.child("weights", [*_DESCRIBED, "policy"], _DESCRIBED_REF)
        return WeightsRule(node.text("description"), node.text("reference", ""), node.choice("policy", WEIGHT_POLICIES))
    node = root.child("weights_mismatch", [*_DESCRIBED, "policy"], _DESCRIBED_REF)
    policy = node.choice("policy", (LEGACY_POLICY_RESCALE, POLICY_AS_IS))
    return WeightsRule(
        node.text("description"),
        node.text("reference", ""),
        POLICY_DECLARED if policy == LEGACY_POLICY_RESCALE else policy,
    )


def _grades(root: _Node, full_marks: Decimal) -> GradeRule:
    """grades: bands best first with strictly falling lower bounds, the last at 0."""
    node = root.child("grades", [*_DESCRIBED, "bands"], _DESCRIBED_REF)
    bands: list[GradeBand] = []
    band_items = node.items("bands")
    for index, (path, item) in enumerate(band_items):
        band_node = _Node.read(node.file, path, item, ["name", *_DESCRIBED, "min"])
        name = band_node.text("name")
        if any(band.name == name for band in bands):
            raise band_node.error("name", f"等级名称 '{name}' 重复")
        low = band_node.number("min", Decimal(0), full_marks)
        if bands and low >= bands[-1].min:
            raise band_node.error(
                "min",
                f"必须小于上一档的下限 {_fmt(bands[-1].min)}（等级从好到差），实际为 {_fmt(low)}",
            )
        if index == len(band_items) - 1 and low != 0:
            raise band_node.error("min", f"最后一档的下限必须为 0，以覆盖 0–{_fmt(full_marks)}，实际为 {_fmt(low)}")
        bands.append(GradeBand(name, band_node.text("description"), low))
    return GradeRule(node.text("description"), node.text("reference", ""), tuple(bands))


_TOP_REQUIRED = (
    "name",
    "description",
    "full_marks",
    "budget_execution",
    "indicator_levels",
    "quantitative",
    "qualitative",
    "rounding",
    "inflation",
    "grades",
)
_TOP_OPTIONAL = ("reference", "weights", "weights_mismatch")  # one of weights / weights_mismatch (earlier releases)


def _display_name(path: Path) -> str:
    """The file as shown in messages: relative to the project when inside it."""
    try:
        return path.resolve().relative_to(PROJECT_ROOT).as_posix()
    except ValueError:
        return str(path)


def _parse(file: str, data: object, version: str, text: str) -> Rubric:
    """Validate the YAML content and build the Rubric."""
    root = _Node.read(file, "", data, _TOP_REQUIRED, _TOP_OPTIONAL)
    full_marks = root.number("full_marks", Decimal(0), None, lo_open=True)
    budget = _budget(root, full_marks)
    inflation = root.child("inflation", [*_DESCRIBED, "margin"], _DESCRIBED_REF)
    return Rubric(
        name=root.text("name"),
        description=root.text("description"),
        reference=root.text("reference", ""),
        full_marks=full_marks,
        budget=budget,
        levels=_levels(root, full_marks, budget.weight),
        quantitative=_quantitative(root),
        qualitative=_qualitative(root),
        rounding=_rounding(root),
        weights=_weights(root),
        inflation=InflationRule(
            inflation.text("description"),
            inflation.number("margin", Decimal(0), full_marks),
            inflation.text("reference", ""),
        ),
        grade_rule=_grades(root, full_marks),
        version=version,
        source=file,
        text=text,
    )


def load_rubric(path: Path | None = None) -> Rubric:
    """Read, validate and return a rubric (default: rubrics/self_eval.yaml)."""
    path = DEFAULT_RUBRIC_PATH if path is None else Path(path)
    file = _display_name(path)
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise RubricError(file, "", f"无法读取文件：{exc.strerror or exc}") from exc
    return rubric_from_bytes(raw, file)


def rubric_from_bytes(raw: bytes, file: str) -> Rubric:
    """Validate a rubric given as the bytes of its YAML file (`file` names it in messages)."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise RubricError(file, "", f"文件必须是 UTF-8 编码（第 {exc.start} 字节无法解码）") from exc
    try:
        data = yaml.load(text, Loader=_UniqueKeyLoader)  # a SafeLoader subclass
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"第 {mark.line + 1} 行第 {mark.column + 1} 列：" if mark is not None else ""
        problem = getattr(exc, "problem", None) or str(exc)
        raise RubricError(file, "", f"YAML 格式错误，{where}{problem}") from exc
    version = hashlib.sha256(raw).hexdigest()[:VERSION_HEX_CHARS]
    return _parse(file, data, version, text)
