"""Strict parsing of the numbers and targets units write on their forms.

Text is NFKC-normalised (full-width digits and signs become ASCII), then read with an ASCII-only
grammar into `Decimal`: never `float()`, which accepts NaN, inf, `1_000` and non-ASCII digits.
"""

from __future__ import annotations

import calendar
import datetime as dt
import math
import re
import unicodedata
from decimal import Decimal, InvalidOperation

from rubrics.model import OP_EQ, OP_GE, OP_LE, UNIT_DATE, Value

WAN = Decimal(10_000)  # 元 per 万元
YI_IN_WAN = Decimal(10_000)  # 万元 per 亿元

_NUMBER = r"[+-]?(?:[0-9]{1,3}(?:,[0-9]{3})+|[0-9]+)(?:\.[0-9]+)?"
_NUMBER_RE = re.compile(rf"^({_NUMBER})$")
_AMOUNT_RE = re.compile(rf"^({_NUMBER})(亿元|万元|元)?$")
_PERCENT_WORDS = ("百分比", "百分点")
# Operators as units write them, longest first so that ">=" wins over ">".
_OPERATORS: tuple[tuple[str, str], ...] = (
    ("大于等于", OP_GE), ("不低于", OP_GE), ("不少于", OP_GE), ("不小于", OP_GE), ("至少", OP_GE),
    ("小于等于", OP_LE), ("不高于", OP_LE), ("不超过", OP_LE), ("不多于", OP_LE), ("不大于", OP_LE),
    ("控制在", OP_LE), ("大于", OP_GE), ("高于", OP_GE), ("超过", OP_GE), ("多于", OP_GE),
    ("小于", OP_LE), ("低于", OP_LE), ("少于", OP_LE),
    (">=", OP_GE), ("=>", OP_GE), ("≥", OP_GE), ("≧", OP_GE), ("⩾", OP_GE), (">", OP_GE),
    ("<=", OP_LE), ("=<", OP_LE), ("≤", OP_LE), ("≦", OP_LE), ("⩽", OP_LE), ("<", OP_LE),
    ("==", OP_EQ), ("=", OP_EQ), ("═", OP_EQ), ("等于", OP_EQ),
)
# Operators written after the value (95%以上, 10天以内), longest first.
_SUFFIX_OPERATORS: tuple[tuple[str, str], ...] = (
    ("及以上", OP_GE), ("以上", OP_GE), ("及以下", OP_LE), ("以下", OP_LE), ("以内", OP_LE),
)
_QUANT_RE = re.compile(rf"^({_NUMBER})\s*([^\d\s]{{0,8}})$")
_BLANKS = {"", "-", "—", "——", "/", "／", "无"}
_NONE_WORDS = {"无", "零", "没有"}  # as an actual against a quantitative target: 0 (e.g. 安全事故 =0起 → 无)
_NONE_PREFIXES = ("无", "零", "没有", "未发生")  # 无上访, 未发生安全事故: 0 against a ≤ / = / 0 target (DOMAIN.md §2.11)
NOT_APPLICABLE = frozenset({"/", "／", "\\", "无", "不适用", "不涉及"})  # a target written so: the row does not apply
# A date (DOMAIN.md §2.11: 完工时限 2023年12月): 2023年12月, 2023年12月31日, 2023-12, 2023.12.31, 2023/12 …, with an
# optional 底/末/前/以前/之前 after it (a deadline); the year must be 1900–2099.
_DATE_HINT = re.compile(r"(?:19|20)[0-9]{2}(?:年|[-./])")
_DATE_RE = re.compile(r"^((?:19|20)[0-9]{2})(?:年([0-9]{1,2})月(?:([0-9]{1,2})[日号])?|[-/]([0-9]{1,2})"
                      r"|[-./]([0-9]{1,2})[-./]([0-9]{1,2}))(?:底|末|份)?(?:以前|之前|前)?$")  # 2023.12 is a number


class NotANumber(ValueError):
    """A cell that should hold a number holds something else."""


_MINUS_SIGNS = str.maketrans({"\u2212": "-", "\u2012": "-", "\ufe63": "-"})  # − ‒ ﹣ (NFKC keeps them)


def _visible(char: str) -> bool:
    """False for control and format characters (zero-width space, BOM, bidi marks, NUL, BEL …)."""
    return unicodedata.category(char) not in ("Cc", "Cf", "Cs", "Co", "Cn")


def clean_text(text: object) -> str:
    """Free text as stored and shown, as written (full-width punctuation kept) but without control and zero-width
    characters (line breaks and tabs kept), ends stripped."""
    if text is None:
        return ""
    normal = str(text)
    if normal.isascii() and normal.isprintable():
        return normal.strip()
    return "".join(ch for ch in normal if ch in "\n\t" or _visible(ch)).strip()


def normalize(text: object) -> str:
    """NFKC-normalise a cell value to text and drop all whitespace and control or zero-width characters: the form
    names and codes are matched on (a zero-width space never makes a second unit)."""
    if text is None:
        return ""
    normal = unicodedata.normalize("NFKC", str(text)).translate(_MINUS_SIGNS)
    if not (normal.isascii() and normal.isprintable()):
        normal = "".join(ch for ch in normal if _visible(ch) or ch.isspace())
    return "".join(normal.split())


def _from_cell(value: object) -> str | Decimal | None:
    """A cell as read (str, int, float, bool, date, None) → Decimal for numbers, text otherwise."""
    if value is None or isinstance(value, bool):
        return None if value is None else normalize(value)
    if isinstance(value, int):
        return Decimal(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            return normalize(value)
        return Decimal(repr(value))
    if isinstance(value, Decimal):
        return value if value.is_finite() else normalize(value)
    return normalize(value)


def _decimal(text: str) -> Decimal:
    """ASCII number text (thousands separators allowed) → Decimal."""
    try:
        return Decimal(text.replace(",", ""))
    except InvalidOperation as exc:  # unreachable with the regexes above; kept explicit
        raise NotANumber(f"无法识别的数字“{text}”") from exc


def is_blank(value: object) -> bool:
    """True for an empty cell or a placeholder dash."""
    parsed = _from_cell(value)
    return parsed is None or (isinstance(parsed, str) and parsed in _BLANKS)


def parse_number(value: object) -> Decimal | None:
    """A plain number; None for a blank cell. Raises NotANumber on anything else."""
    parsed = _from_cell(value)
    if isinstance(parsed, Decimal):
        return parsed
    if parsed is None or parsed in _BLANKS:
        return None
    match = _NUMBER_RE.match(parsed)
    if not match:
        raise NotANumber(f"“{value}”不是数字")
    return _decimal(match.group(1))


def parse_amount(value: object) -> Decimal | None:
    """An amount in 万元; `562000元` and `1.2亿元` are converted. None for a blank cell."""
    parsed = _from_cell(value)
    if isinstance(parsed, Decimal):
        return parsed
    if parsed is None or parsed in _BLANKS:
        return None
    match = _AMOUNT_RE.match(parsed)
    if not match:
        raise NotANumber(f"“{value}”不是金额（应为万元数字，如 123.45）")
    number = _decimal(match.group(1))
    unit = match.group(2)
    if unit == "元":
        return number / WAN
    if unit == "亿元":
        return number * YI_IN_WAN
    return number


def parse_rate(value: object) -> Decimal | None:
    """A rate as a fraction: `86%`, `0.86` and `86` all give 0.86. None for a blank cell."""
    parsed = _from_cell(value)
    if parsed is None or (isinstance(parsed, str) and parsed in _BLANKS):
        return None
    if isinstance(parsed, str) and parsed.endswith("%"):
        number = parse_number(parsed[:-1])
        return None if number is None else number / 100
    number = parse_number(parsed)
    if number is None:
        return None
    return number if abs(number) <= 1 else number / 100


def _split_unit(text: str) -> tuple[Decimal, str] | None:
    """`95%` → (95, '%'); `50个` → (50, '个'); `100百分比` → (100, '%'); None when not a number."""
    match = _QUANT_RE.match(text)
    if not match:
        return None
    unit = match.group(2)
    if unit in _PERCENT_WORDS:
        unit = "%"
    if unit in ("元", "亿元"):
        number = parse_amount(match.group(1) + unit)
        return (number, "万元") if number is not None else None
    return _decimal(match.group(1)), unit


def _operator(text: str) -> tuple[str | None, str]:
    """(operator, the rest) for `≥95%`, `不低于95%`, `95%以上`; (None, text) when none is written."""
    for word, symbol in _OPERATORS:
        if text.startswith(word):
            return symbol, text[len(word):]
    for word, symbol in _SUFFIX_OPERATORS:
        if text.endswith(word) and len(text) > len(word):
            return symbol, text[: -len(word)]
    return None, text


def parse_date(value: object) -> Decimal | None:
    """A date as YYYYMMDD (model.UNIT_DATE): `2023年12月` → 20231231 (a month alone is its last day),
    `2023-10-15` → 20231015, a date cell likewise; None when the value is not a date."""
    if isinstance(value, dt.datetime | dt.date):
        return Decimal(value.strftime("%Y%m%d"))
    if not isinstance(value, str):
        return None
    match = _DATE_RE.match(normalize(value))
    if not match:
        return None
    year = int(match.group(1))
    month = int(match.group(2) or match.group(4) or match.group(5))
    if not 1 <= month <= 12:
        return None
    last = calendar.monthrange(year, month)[1]
    day_text = match.group(3) or match.group(6)
    day = int(day_text) if day_text else last
    if not 1 <= day <= last:
        return None
    return Decimal(year * 10000 + month * 100 + day)


def _date_value(value: object, parsed: object, op: str | None) -> Value | None:
    """A target or actual that is a date (with an operator written before it, if any); `parsed` is _from_cell's."""
    if isinstance(value, dt.datetime | dt.date):
        return Value(text=value.strftime("%Y年%m月%d日"), op=op, number=parse_date(value), unit=UNIT_DATE)
    if not isinstance(parsed, str) or _DATE_HINT.search(parsed) is None:
        return None  # most values: no year in them, so no date (cheap check before the operators)
    written_op, rest = _operator(parsed)
    number = parse_date(rest)
    if number is None:
        return None
    return Value(text=parsed, op=op and (written_op or op), number=number, unit=UNIT_DATE)


def parse_target(value: object) -> Value | None:
    """A 年度指标值: `≥95%` → Value(op ≥, 95, %); `效果明显` → qualitative Value; `2023年12月` → a deadline
    (op ≤, UNIT_DATE); blank → None."""
    parsed = _from_cell(value)
    date = _date_value(value, parsed, OP_LE)
    if date is not None:
        return date
    if parsed is None:
        return None
    if isinstance(parsed, Decimal):
        return Value(text=str(value), op=OP_EQ, number=parsed, unit="")
    if parsed in _BLANKS:
        return None
    op, text = _operator(parsed)
    split = _split_unit(text)
    if split is None:
        return Value(text=parsed)
    number, unit = split
    return Value(text=parsed, op=op or OP_EQ, number=number, unit=unit)


def parse_actual(value: object, target: Value | None) -> Value | None:
    """A 实际完成值, put on the target's scale: for a % target, a bare 0.96 becomes 96; a date is a date."""
    parsed = _from_cell(value)
    date = _date_value(value, parsed, None)
    if date is not None:
        return date
    if parsed is None:
        return None
    if isinstance(parsed, str):
        if target is not None and target.number is not None and not target.is_date \
                and (target.number == 0 or target.op in (OP_LE, OP_EQ)) and parsed.startswith(_NONE_PREFIXES) \
                and _split_unit(parsed) is None:  # 无上访 against 小于5次: none happened
            return Value(text=parsed, number=Decimal(0), unit=target.unit)
        if parsed in _NONE_WORDS and target is not None and target.number is not None:
            return Value(text=parsed, number=Decimal(0), unit=target.unit)
        if parsed in _BLANKS:
            return None
        split = _split_unit(parsed) or _split_unit(_operator(parsed)[1])  # an actual written `≥266米`
        if split is None:
            return Value(text=parsed)
        number, unit = split
    else:
        number, unit = parsed, ""
    text = str(value).strip() if not isinstance(parsed, str) else parsed
    if target is not None and target.unit == "%" and unit in ("", "%"):
        if unit == "" and abs(number) <= 1 and target.number is not None and abs(target.number) > 1:
            number = number * 100
        unit = "%"
    elif unit == "" and target is not None:
        unit = target.unit
    return Value(text=text, number=number, unit=unit)
