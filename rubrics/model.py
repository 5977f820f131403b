"""Engine input and output: what a self-evaluation form says, and what the engine makes of it.

The importer (etl/) turns a worksheet into a `FormInput`; the engine (rubrics/engine.py) turns a
`FormInput` plus a rubric into a `FormResult`. Amounts are in 万元, all numbers are `Decimal`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

# Comparison operators of a quantitative target, as written on the form.
OP_GE = "≥"
OP_LE = "≤"
OP_EQ = "="
OPERATORS = (OP_GE, OP_LE, OP_EQ)

# A date written as a target or actual (完工时限 2023年12月): Value.number holds it as YYYYMMDD (a month alone is
# its last day, a year alone its 31 December), so that dates compare as numbers. DOMAIN.md §2.11.
UNIT_DATE = "日期"

# Status of a form.
STATUS_DONE = "已完成"
STATUS_INCOMPLETE = "未完成"

# Flags the engine raises (names shared by YAML, DuckDB and code).
FLAG_INFLATED = "自评分虚高"
FLAG_INCOMPLETE = "未完成"
FLAG_OVERACHIEVED_NO_REASON = "超额完成未说明原因"
FLAG_LOW_EXECUTION = "执行率偏低"
FLAG_WEIGHTS_NOT_100 = "分值合计不为100"
FLAG_QUALITATIVE_OUT_OF_BAND = "定性得分超出档次"
FLAG_QUALITATIVE_UNKNOWN = "定性结论无法判定"
ALL_FLAGS = (
    FLAG_INFLATED,
    FLAG_INCOMPLETE,
    FLAG_OVERACHIEVED_NO_REASON,
    FLAG_LOW_EXECUTION,
    FLAG_WEIGHTS_NOT_100,
    FLAG_QUALITATIVE_OUT_OF_BAND,
    FLAG_QUALITATIVE_UNKNOWN,
)


@dataclass(frozen=True)
class Value:
    """A parsed 年度指标值 or 实际完成值: `≥95%` → op ≥, number 95, unit %; `效果明显` → text only."""

    text: str  # as written on the form (after whitespace trim)
    op: str | None = None  # one of OPERATORS for a quantitative target; None otherwise
    number: Decimal | None = None  # None → qualitative
    unit: str = ""  # '%', '个', '天', '万元', UNIT_DATE, … ('' when none)

    @property
    def is_quantitative(self) -> bool:
        """True when the value carries a number (a date counts: see UNIT_DATE)."""
        return self.number is not None

    @property
    def is_date(self) -> bool:
        """True for a date (number = YYYYMMDD)."""
        return self.number is not None and self.unit == UNIT_DATE


@dataclass(frozen=True)
class IndicatorInput:
    """One 三级指标 row of the 绩效指标 table."""

    level1: str  # 产出指标 / 效益指标 / 满意度指标 (weight label like "(50分)" removed)
    level2: str  # 数量指标 / 质量指标 / … / 服务对象满意度指标
    name: str  # 三级指标, template prefix "指标1" removed
    target: Value
    actual: Value | None  # None: the 实际完成值 cell is blank
    weight: Decimal | None  # 分值; None: blank
    self_score: Decimal | None  # 得分 as the unit wrote it; None: blank
    deviation_note: str = ""  # 偏差原因分析及改进措施
    ref: str = ""  # where the row is, e.g. "第15行" or "C15", used in explanations
    not_applicable: bool = False  # `/` or `无` in place of target and actual: shown, left out of scoring


@dataclass(frozen=True)
class FormInput:
    """The scored content of one 项目支出绩效自评表."""

    budget_initial: Decimal | None  # 年初预算数
    budget_full_year: Decimal | None  # 全年预算数 (denominator of 执行率)
    executed: Decimal | None  # 全年执行数
    budget_weight: Decimal | None  # 分值 of the 年度资金总额 row (10 on the standard form)
    budget_self_score: Decimal | None  # 得分 of the 年度资金总额 row, as written
    indicators: tuple[IndicatorInput, ...]
    self_total: Decimal | None  # 总分 得分 as written; None: blank
    # Points the form writes into its 一级指标 labels (`产出指标(60分)`), by the level name as written without the
    # points (产出指标); () when the labels carry none. Used when the form has no per-indicator 分值.
    level_weights: tuple[tuple[str, Decimal], ...] = ()


@dataclass(frozen=True)
class IndicatorResult:
    """The engine's view of one indicator row."""

    score: Decimal | None  # recomputed points; None when it cannot be scored (incomplete)
    weight: Decimal  # the weight actually applied (after any rescaling)
    explanation: str  # e.g. "成本指标 项目总成本: 实际 132.9 ≤ 指标 202.6 → 10/10"
    flags: tuple[str, ...] = ()


@dataclass(frozen=True)
class FormResult:
    """The engine's view of one form: recomputed score, grade, flags and the arithmetic."""

    status: str  # STATUS_DONE or STATUS_INCOMPLETE
    execution_rate: Decimal | None  # 全年执行数 / 全年预算数, as a fraction (0.86)
    budget_points: Decimal | None
    indicators: tuple[IndicatorResult, ...]
    total: Decimal | None  # None when incomplete
    grade: str | None  # 优/良/中/差; None when incomplete
    self_total: Decimal | None
    flags: tuple[str, ...] = ()
    explanation: tuple[str, ...] = field(default_factory=tuple)  # one line per step, in order
