"""Chinese number formatting: amounts in 万元/亿元, rates as percentages, scores with two decimals."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

import pandas as pd

WAN_PER_YI = Decimal(10_000)  # 万元 per 亿元
EMPTY = "—"


def _dec(value: object) -> Decimal | None:
    if value is None:
        return None
    try:
        number = Decimal(str(value))
    except ArithmeticError:
        return None
    return number if number.is_finite() else None


def _fixed(number: Decimal, places: int) -> str:
    quant = Decimal(1).scaleb(-places)
    return f"{number.quantize(quant, rounding=ROUND_HALF_UP):,.{places}f}"


def wan(value: object, places: int = 2) -> str:
    """An amount in 万元: 99500 → '99,500.00 万元'."""
    number = _dec(value)
    return EMPTY if number is None else f"{_fixed(number, places)} 万元"


def wan_figure(value: object) -> str:
    """An amount in 万元 without the unit, for a label that names it: 99500 → '99,500.00'."""
    number = _dec(value)
    return EMPTY if number is None else _fixed(number, 2)


def yi(value_in_wan: object, places: int = 2) -> str:
    """An amount given in 万元, shown in 亿元: 99500 → '9.95 亿元'."""
    number = _dec(value_in_wan)
    return EMPTY if number is None else f"{_fixed(number / WAN_PER_YI, places)} 亿元"


def money(value_in_wan: object) -> str:
    """亿元 for amounts of 1 亿元 or more, 万元 below."""
    number = _dec(value_in_wan)
    if number is None:
        return EMPTY
    return yi(number) if abs(number) >= WAN_PER_YI else wan(number)


RATE_PLACES = 2  # one precision for every rate shown (the engine's arithmetic shows two decimals too)


def pct(fraction: object, places: int = RATE_PLACES) -> str:
    """A fraction as a percentage: 0.83618 → '83.62%'."""
    number = _dec(fraction)
    return EMPTY if number is None else f"{_fixed(number * 100, places)}%"


def score(value: object) -> str:
    """A score with two decimals: 86.5 → '86.50'."""
    number = _dec(value)
    return EMPTY if number is None else _fixed(number, 2)


def count(value: object, unit: str = "") -> str:
    """An integer with thousands separators and an optional measure word: 793 → '793 个'."""
    number = _dec(value)
    if number is None:
        return EMPTY
    text = f"{int(number):,}"
    return f"{text} {unit}" if unit else text


_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def plain(value: object) -> object:
    """A Decimal as exact plain text for CSV ('1284.84', '99500', never '1.2848E+3'); other values unchanged."""
    if isinstance(value, Decimal):
        return format(value.normalize(), "f") if value.is_finite() else ""
    return value


def csv_bytes(frame: pd.DataFrame) -> bytes:
    """A DataFrame as UTF-8 CSV with BOM (Excel opens it in Chinese); numbers exact as stored; text that Excel
    would run as a formula (=, +, -, @) is prefixed with an apostrophe."""
    safe = frame.copy()
    for col in safe.columns:
        if safe[col].dtype == object or str(safe[col].dtype).startswith(("string", "str")):
            safe[col] = safe[col].map(
                lambda v: f"'{v}" if isinstance(v, str) and v.startswith(_FORMULA_START) else plain(v))
    return safe.to_csv(index=False).encode("utf-8-sig")


def score_delta(computed: object, self_score: object) -> str | None:
    """'computed − self' with a sign for st.metric's delta ('-6.40'); None when either is missing or they are
    equal (no "+0.00" badge when nothing differs)."""
    a, b = _dec(computed), _dec(self_score)
    if a is None or b is None or round(a - b, 2) == 0:
        return None
    return f"{a - b:+.2f}"


def file_label(path: str) -> str:
    """A stored file name as users know it: the last part of the path ('x.zip/a.xlsx' → 'a.xlsx')."""
    return path.replace("\\", "/").rsplit("/", 1)[-1]
