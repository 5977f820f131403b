"""Strict number and target parsing (DOMAIN.md §2 quirks 1, 2 and 8)."""

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from etl.values import NotANumber, parse_actual, parse_amount, parse_number, parse_rate, parse_target


@pytest.mark.parametrize(("text", "op", "number", "unit"), [
    ("≥50个", "≥", "50", "个"),
    ("≥95%", "≥", "95", "%"),
    ("≥100百分比", "≥", "100", "%"),
    ("≤202.6万元", "≤", "202.6", "万元"),
    ("=42个", "=", "42", "个"),
    ("≤10天", "≤", "10", "天"),
    (">=９５％", "≥", "95", "%"),
    ("＜＝10天", "≤", "10", "天"),
    ("不低于90%", "≥", "90", "%"),
    ("10天以内", "≤", "10", "天"),
    ("≥562000元", "≥", "56.2", "万元"),
    ("1,234.5", "=", "1234.5", ""),
    (95, "=", "95", ""),
])
def test_quantitative_targets(text, op, number, unit):
    value = parse_target(text)
    assert (value.op, value.number, value.unit) == (op, Decimal(number), unit)


@pytest.mark.parametrize("text", ["效果明显", "合规", "及时", "达成年度指标", "达成预期指标", "完成"])
def test_qualitative_targets_keep_their_text(text):
    value = parse_target(text)
    assert value.number is None and value.op is None and value.text == text


@pytest.mark.parametrize("blank", [None, "", "  ", "—", "-", "/"])
def test_blank_target_and_actual_are_none(blank):
    assert parse_target(blank) is None
    assert parse_actual(blank, parse_target("≥95%")) is None


@pytest.mark.parametrize(("actual", "expected"), [("96%", "96"), (0.96, "96"), ("0.96", "96"), (96, "96"), ("９６％", "96")])
def test_percent_actuals_are_put_on_the_targets_scale(actual, expected):
    value = parse_actual(actual, parse_target("≥95%"))
    assert value.number == Decimal(expected) and value.unit == "%"


def test_actual_with_unit_and_qualitative_actual():
    assert parse_actual("132.9万元", parse_target("≤202.6万元")).number == Decimal("132.9")
    assert parse_actual("52", parse_target("≥50个")).unit == "个"
    assert parse_actual("达成预期指标", parse_target("效果明显")).number is None
    assert parse_actual("无", parse_target("=0起")).number == 0


@pytest.mark.parametrize(("text", "expected"), [
    ("1,234.50", "1234.50"), ("１２３．５", "123.5"), ("56.2万元", "56.2"), ("562000元", "56.2"),
    ("1.2亿元", "12000"), (12.3, "12.3"), (7, "7"), (" 8 ", "8"),
])
def test_amounts_in_wan(text, expected):
    assert parse_amount(text) == Decimal(expected)


@pytest.mark.parametrize("bad", ["abc", "1.2.3", "NaN", "inf", "1_000", "١٢٣", "12,34", float("nan"), "1e5"])
def test_amounts_reject_anything_else(bad):
    with pytest.raises(NotANumber):
        parse_amount(bad)


@pytest.mark.parametrize(("text", "expected"), [("86%", "0.86"), (0.86, "0.86"), (86, "0.86"), ("100%", "1"), (1, "1")])
def test_rates_in_every_spelling(text, expected):
    assert parse_rate(text) == Decimal(expected)


def test_blank_numbers_are_none():
    assert parse_number(None) is None and parse_amount("—") is None and parse_rate("") is None


@given(st.decimals(min_value=-10**9, max_value=10**9, places=2, allow_nan=False, allow_infinity=False))
def test_number_text_round_trips(number):
    assert parse_number(f"{number:,.2f}") == number
    assert parse_amount(f"{number}万元") == number


@pytest.mark.parametrize(("text", "op", "number", "unit"), [
    ("95%以上", "≥", "95", "%"), ("95%及以上", "≥", "95", "%"), ("10天以下", "≤", "10", "天"),
    ("小于5起", "≤", "5", "起"), ("低于3%", "≤", "3", "%"), ("高于90%", "≥", "90", "%"),
    ("═8个", "=", "8", "个"), ("＝8个", "=", "8", "个"), ("≧735人次", "≥", "735", "人次"), ("≦2.5万元", "≤", "2.5", "万元"),
])
def test_operators_written_other_ways(text, op, number, unit):
    """DOMAIN.md §2.11: ≧ ≦ ═ ＝, words before (小于, 低于, 高于) and after (以上, 以下) the value."""
    target = parse_target(text)
    assert (target.op, target.number, target.unit) == (op, Decimal(number), unit)


def test_an_actual_written_with_an_operator_keeps_its_number():
    actual = parse_actual("≥266米", parse_target("≥260米"))
    assert (actual.number, actual.unit) == (Decimal(266), "米")
    assert parse_actual("以上", parse_target("≥260米")).number is None  # a word alone stays a word


@pytest.mark.parametrize("words", ["无上访", "未发生安全事故", "零投诉", "没有发生"])
def test_a_none_in_words_against_a_zero_target_is_zero(words):
    actual = parse_actual(words, parse_target("=0次"))
    assert (actual.number, actual.unit, actual.text) == (Decimal(0), "次", words)
    assert parse_actual(words, parse_target("≥95%")).number is None  # against another target it stays words
