"""Invariants of the scoring engine, checked with hypothesis on generated forms.

Scores stay within [0, weight], totals within [0, full marks]; grades fall as scores fall; a better
actual value never lowers a score; execution above 100% earns the full budget points; a qualitative score
stays inside its band; not-applicable rows never count.
"""

from __future__ import annotations

import dataclasses
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from rubrics import Rubric, load_rubric, score_form
from rubrics.model import (
    ALL_FLAGS,
    OP_EQ,
    OP_LE,
    OPERATORS,
    STATUS_INCOMPLETE,
    UNIT_DATE,
    FormInput,
    IndicatorInput,
    Value,
)

SETTINGS = settings(max_examples=200, deadline=None)

DEFAULT = load_rubric()
INTEGER = dataclasses.replace(DEFAULT, rounding=dataclasses.replace(DEFAULT.rounding, mode="integer_per_row"))
TRUNCATE_TOTAL = dataclasses.replace(
    DEFAULT, rounding=dataclasses.replace(DEFAULT.rounding, places=0, method="truncate", scope="total")
)
AS_IS = dataclasses.replace(DEFAULT, weights=dataclasses.replace(DEFAULT.weights, policy="as_is"))
BY_RUBRIC = dataclasses.replace(DEFAULT, weights=dataclasses.replace(DEFAULT.weights, policy="rubric"))
_LE = DEFAULT.quantitative.rule_for(OP_LE)
LINEAR = dataclasses.replace(
    DEFAULT,
    quantitative=dataclasses.replace(
        DEFAULT.quantitative,
        operators=tuple(
            dataclasses.replace(rule, formula="linear", zero_at_ratio=Decimal(2)) if rule is _LE else rule
            for rule in DEFAULT.quantitative.operators
        ),
    ),
)
RUBRICS = st.sampled_from([DEFAULT, INTEGER, TRUNCATE_TOTAL, AS_IS, BY_RUBRIC, LINEAR])

PHRASES = sorted({phrase for band in DEFAULT.qualitative.bands for phrase in band.phrases})
LEVELS = [
    ("产出指标", "数量指标"),
    ("效益指标", "社会效益指标"),
    ("满意度指标", "服务对象满意度指标"),
    ("其他", "其他"),
]


def _money(low: str, high: str) -> st.SearchStrategy[Decimal]:
    """Decimals with 2 places between low and high."""
    return st.decimals(min_value=Decimal(low), max_value=Decimal(high), places=2, allow_nan=False, allow_infinity=False)


WEIGHTS = st.one_of(st.none(), _money("0", "60"))
SELF_SCORES = st.one_of(st.none(), _money("-5", "70"))


@st.composite
def quantitative_indicator(draw: st.DrawFn, complete: bool = False) -> IndicatorInput:
    """A row with a numeric target and actual."""
    level1, level2 = draw(st.sampled_from(LEVELS))
    target = draw(_money("-100", "1000"))
    op = draw(st.sampled_from([*OPERATORS, None]))
    actual = draw(_money("-200", "3000"))
    return IndicatorInput(
        level1=level1,
        level2=level2,
        name="指标",
        target=Value(text=f"{op or ''}{target}", op=op, number=target),
        actual=Value(text=str(actual), number=actual),
        weight=draw(WEIGHTS),
        self_score=draw(_money("-5", "70") if complete else SELF_SCORES),
        deviation_note=draw(st.sampled_from(["", "指标设定偏低"])),
    )


@st.composite
def qualitative_indicator(draw: st.DrawFn, complete: bool = False) -> IndicatorInput:
    """A row whose actual is words: a phrase, maybe negated, maybe inside other words, or noise."""
    level1, level2 = draw(st.sampled_from(LEVELS))
    phrase = draw(st.sampled_from(PHRASES))
    noise = st.text(alphabet="项目效果未不尚没无非较好差一般是否已", max_size=4)
    text = draw(st.one_of(st.just(phrase), st.builds(lambda a, b: a + phrase + b, noise, noise), noise))
    target_text = draw(st.sampled_from(["效果明显", "合规", "及时", text]))
    actual = None if not complete and draw(st.integers(0, 9)) == 0 else Value(text=text)
    return IndicatorInput(
        level1=level1,
        level2=level2,
        name="定性指标",
        target=Value(text=target_text),
        actual=actual,
        weight=draw(WEIGHTS),
        self_score=draw(_money("-5", "70") if complete else SELF_SCORES),
    )


@st.composite
def date_indicator(draw: st.DrawFn, complete: bool = False) -> IndicatorInput:
    """A row whose target and actual are dates (YYYYMMDD)."""
    target = Decimal(draw(st.integers(2020, 2024)) * 10000 + draw(st.integers(1, 12)) * 100 + 28)
    actual = target + draw(st.sampled_from([-10000, -100, 0, 100, 10000]))
    return IndicatorInput(
        level1=draw(st.sampled_from(LEVELS))[0],
        level2="时效指标",
        name="完工时限",
        target=Value(text="", number=target, unit=UNIT_DATE),
        actual=Value(text="", number=actual, unit=UNIT_DATE),
        weight=draw(WEIGHTS),
        self_score=draw(_money("-5", "70") if complete else SELF_SCORES),
    )


@st.composite
def completion_indicator(draw: st.DrawFn, complete: bool = False) -> IndicatorInput:
    """A row with a target in words and an actual in per cent ('按时限完成' / '85%')."""
    share = draw(_money("-10", "150"))
    return IndicatorInput(
        level1=draw(st.sampled_from(LEVELS))[0],
        level2="时效指标",
        name="按时完成",
        target=Value(text="按时限完成"),
        actual=Value(text=f"{share}%", number=share, unit="%"),
        weight=draw(WEIGHTS),
        self_score=draw(_money("-5", "70") if complete else SELF_SCORES),
    )


@st.composite
def not_applicable_indicator(draw: st.DrawFn) -> IndicatorInput:
    """A row written '/' (not applicable): any weight and score, never counted."""
    return IndicatorInput(
        level1=draw(st.sampled_from(LEVELS))[0],
        level2="生态效益指标",
        name="/",
        target=Value(text="/"),
        actual=draw(st.sampled_from([None, Value(text="/")])),
        weight=draw(WEIGHTS),
        self_score=draw(st.one_of(st.none(), _money("0", "10"))),
        not_applicable=True,
    )


@st.composite
def forms(draw: st.DrawFn) -> FormInput:
    """Any form: half of them complete (every value present), the rest with blanks anywhere."""
    complete = draw(st.booleans())

    def maybe(strategy: st.SearchStrategy[Decimal]) -> st.SearchStrategy[Decimal | None]:
        """The strategy, or also None when the form may be incomplete."""
        return strategy if complete else st.one_of(st.none(), strategy)

    budget = draw(maybe(_money("0.01" if complete else "0", "5000")))
    rows = st.one_of(
        quantitative_indicator(complete=complete),
        qualitative_indicator(complete=complete),
        date_indicator(complete=complete),
        completion_indicator(complete=complete),
        not_applicable_indicator(),
    )
    level_weights = draw(st.sampled_from([(), (("产出指标", Decimal(60)), ("效益指标", Decimal(10)), ("满意度指标", Decimal(10))),
                                          (("产出指标", Decimal(50)), ("年度绩效目标", Decimal(80)))]))
    return FormInput(
        budget_initial=budget,
        budget_full_year=budget,
        executed=draw(maybe(_money("-10", "10000"))),
        budget_weight=draw(st.one_of(st.none(), _money("0", "20"))),
        budget_self_score=draw(st.one_of(st.none(), _money("0", "10"))),
        indicators=tuple(draw(st.lists(rows, min_size=1 if complete else 0, max_size=7))),
        self_total=draw(maybe(_money("0", "100"))),
        level_weights=level_weights,
    )


@SETTINGS
@given(form=forms(), rubric=RUBRICS)
def test_scores_stay_in_range(form: FormInput, rubric: Rubric) -> None:
    """Every score in [0, weight], budget points in [0, budget weight], total in [0, full marks]."""
    result = score_form(form, rubric)
    assert len(result.indicators) == len(form.indicators)
    for row, indicator in zip(form.indicators, result.indicators, strict=True):
        assert indicator.weight >= 0
        if indicator.score is not None:
            assert 0 <= indicator.score <= indicator.weight, indicator.explanation
        if row.not_applicable:  # shown, never scored, never incomplete
            assert (indicator.score, indicator.weight, indicator.flags) == (None, 0, ()), indicator.explanation
            assert "不适用" in indicator.explanation
    if result.budget_points is not None:  # the rubric's budget weight, or the form's declared one
        assert 0 <= result.budget_points <= max(rubric.budget.weight, form.budget_weight or 0)
    if result.total is not None:
        assert 0 <= result.total <= rubric.full_marks
        assert result.grade == rubric.grade_for(result.total)
    assert (result.status == STATUS_INCOMPLETE) == (result.total is None)
    assert list(result.flags) == [flag for flag in ALL_FLAGS if flag in result.flags]
    assert all(flag in result.flags for indicator in result.indicators for flag in indicator.flags)
    assert result.explanation and all(isinstance(line, str) and line for line in result.explanation)


@SETTINGS
@given(first=_money("-10", "110"), second=_money("-10", "110"))
def test_grade_is_monotone(first: Decimal, second: Decimal) -> None:
    """A higher score never gets a worse grade (grades are listed best first)."""
    low, high = sorted((first, second))
    grades = DEFAULT.grades
    assert grades.index(DEFAULT.grade_for(high)) <= grades.index(DEFAULT.grade_for(low))


@st.composite
def better_actual_case(draw: st.DrawFn) -> tuple[FormInput, int, Decimal, Decimal]:
    """A complete form, one quantitative row in it, and two actual values for that row."""
    rows = draw(st.lists(quantitative_indicator(complete=True), min_size=1, max_size=5))
    index = draw(st.integers(0, len(rows) - 1))
    row = rows[index]
    if row.target.op == OP_EQ and row.target.number == 0:  # '=' with target 0 rewards a *lower* actual
        rows[index] = dataclasses.replace(row, target=dataclasses.replace(row.target, number=Decimal(1)))
    first, second = draw(_money("-200", "3000")), draw(_money("-200", "3000"))
    form = FormInput(
        budget_initial=Decimal(100),
        budget_full_year=Decimal(100),
        executed=draw(_money("0", "150")),
        budget_weight=Decimal(10),
        budget_self_score=Decimal(10),
        indicators=tuple(rows),
        self_total=Decimal(90),
    )
    return form, index, first, second


def _with_actual(form: FormInput, index: int, actual: Decimal) -> FormInput:
    """The form with one row's actual replaced."""
    rows = list(form.indicators)
    rows[index] = dataclasses.replace(rows[index], actual=Value(text=str(actual), number=actual))
    return dataclasses.replace(form, indicators=tuple(rows))


@SETTINGS
@given(case=better_actual_case(), rubric=RUBRICS)
def test_better_actual_never_lowers_score(case: tuple[FormInput, int, Decimal, Decimal], rubric: Rubric) -> None:
    """Higher is better for ≥ and = (and for a bare number), lower is better for ≤."""
    form, index, first, second = case
    op = form.indicators[index].target.op or rubric.quantitative.default_operator
    worse, better = sorted((first, second), reverse=(op == OP_LE))
    worse_result = score_form(_with_actual(form, index, worse), rubric)
    better_result = score_form(_with_actual(form, index, better), rubric)
    worse_score = worse_result.indicators[index].score
    better_score = better_result.indicators[index].score
    assert worse_score is not None and better_score is not None
    assert better_score >= worse_score, (op, worse, better)
    assert worse_result.total is not None and better_result.total is not None
    assert better_result.total >= worse_result.total
    target = form.indicators[index].target.number
    assert target is not None
    if (better <= target) if op == OP_LE else (better >= target):  # meeting the target earns the whole weight
        assert better_score == better_result.indicators[index].weight, better_result.indicators[index].explanation


@SETTINGS
@given(budget=_money("0.01", "100000"), extra=_money("0.01", "100000"), rubric=RUBRICS)
def test_execution_above_budget_gives_full_points(budget: Decimal, extra: Decimal, rubric: Rubric) -> None:
    """全年执行数 > 全年预算数 → the full budget-execution weight."""
    form = FormInput(
        budget_initial=budget,
        budget_full_year=budget,
        executed=budget + extra,
        budget_weight=None,
        budget_self_score=None,
        indicators=(),
        self_total=None,
    )
    result = score_form(form, rubric)
    assert result.execution_rate is not None and result.execution_rate >= 1
    assert result.budget_points == rubric.budget.weight


@SETTINGS
@given(form=forms(), rubric=RUBRICS)
def test_not_applicable_rows_change_nothing_else(form: FormInput, rubric: Rubric) -> None:
    """Dropping the not-applicable rows leaves the other rows' scores, the total and the status as they were."""
    kept = tuple(row for row in form.indicators if not row.not_applicable)
    if not kept:
        return
    with_rows = score_form(form, rubric)
    without = score_form(dataclasses.replace(form, indicators=kept), rubric)
    others = [(r.score, r.weight) for row, r in zip(form.indicators, with_rows.indicators, strict=True)
              if not row.not_applicable]
    assert others == [(r.score, r.weight) for r in without.indicators]
    assert (with_rows.total, with_rows.status, with_rows.flags) == (without.total, without.status, without.flags)
    assert with_rows.budget_points == without.budget_points


@SETTINGS
@given(weight=_money("0.5", "40"), self_score=_money("-5", "45"), rubric=RUBRICS,
       text=st.sampled_from(["效果明显", "基本完成", "未完成", "详见附件"]))
def test_qualitative_score_stays_in_its_band(weight: Decimal, self_score: Decimal, rubric: Rubric, text: str) -> None:
    """A classified qualitative score lies in its band: at least min × weight (at row precision) and, except in
    the best band, below max × weight (80% of the weight is 达成, not 部分达成)."""
    row = IndicatorInput(level1="效益指标", level2="社会效益指标", name="社会效益", target=Value(text="效果明显"),
                         actual=Value(text=text), weight=weight, self_score=self_score)
    form = FormInput(budget_initial=Decimal(100), budget_full_year=Decimal(100), executed=Decimal(100),
                     budget_weight=Decimal(10), budget_self_score=Decimal(10), indicators=(row,),
                     self_total=Decimal(100))
    result = score_form(form, rubric).indicators[0]
    assert result.score is not None
    bands = {band.name: band for band in rubric.qualitative.bands}
    named = [name for name in bands if f"→ {name}（" in result.explanation]
    if not named:
        return  # 定性结论无法判定: the unit's score, kept within 0–weight (checked above)
    band = bands[named[0]]
    applied = result.weight
    quantum = Decimal(1).scaleb(-rubric.rounding.row_places)
    assert result.score >= band.min * applied - quantum, result.explanation
    if band is not rubric.qualitative.bands[0] and band.max * applied - band.min * applied >= quantum:
        assert result.score < band.max * applied, result.explanation
