"""Golden cases for the self-evaluation engine: every tests/cases/*.yaml case, compared exactly.

A case gives the form as written (targets and actuals as form text, parsed here with
etl.values) and the hand-computed result. Decimals are compared exactly, never with a tolerance.
A target or actual may also be given as the importer's parsed value, `{text, number, unit, op}` (a date is
`{text: 2023年12月, number: 20231231, unit: 日期}`), so that a case does not depend on the parser.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import yaml

from etl.values import parse_actual, parse_target
from rubrics.engine import score_form
from rubrics.loader import DEFAULT_RUBRIC_PATH, Rubric, load_rubric
from rubrics.model import FormInput, FormResult, IndicatorInput, Value

CASES_DIR = Path(__file__).parent / "cases"
CASE_KEYS = {"name", "description", "input", "output", "rubric_overrides"}
INPUT_KEYS = {
    "budget_initial",
    "budget_full_year",
    "executed",
    "budget_weight",
    "budget_self_score",
    "self_total",
    "indicators",
}
INPUT_OPTIONAL = {"level_weights"}  # {一级指标 as written: points}, in form order
INDICATOR_REQUIRED = {"level1", "level2", "name", "target", "actual", "weight", "self_score"}
INDICATOR_OPTIONAL = {"deviation_note", "ref", "not_applicable"}
VALUE_REQUIRED = {"text"}
VALUE_OPTIONAL = {"number", "unit", "op"}
OUTPUT_REQUIRED = {
    "status",
    "execution_rate",
    "budget_points",
    "total",
    "grade",
    "flags",
    "indicator_scores",
}
OUTPUT_OPTIONAL = {"indicator_weights", "indicator_flags", "explanation_contains"}


def _load_cases() -> list[Any]:
    """Every case of every file, as pytest params with id 'file::name'."""
    params: list[Any] = []
    for path in sorted(CASES_DIR.glob("*.yaml")):
        cases = yaml.safe_load(path.read_text(encoding="utf-8"))
        if not isinstance(cases, list):
            raise ValueError(f"{path.name}: 必须是用例列表")
        names: set[str] = set()
        for case in cases:
            name = case.get("name") if isinstance(case, dict) else None
            if not isinstance(name, str) or name in names:
                raise ValueError(f"{path.name}: 用例名称缺失或重复：{name!r}")
            names.add(name)
            params.append(pytest.param(path.name, case, id=f"{path.stem}::{name}"))
    return params


def _check_keys(where: str, data: dict[str, Any], required: set[str], optional: set[str]) -> None:
    """A case must use exactly the documented keys (typos would silently test nothing)."""
    unknown = set(data) - required - optional
    missing = required - set(data)
    if unknown or missing:
        raise ValueError(f"{where}: 未知的键 {sorted(unknown)}，缺少的键 {sorted(missing)}")


def _dec(value: object) -> Decimal | None:
    """A YAML number (or numeric string) as an exact Decimal; None stays None."""
    if value is None:
        return None
    if isinstance(value, bool):
        raise ValueError(f"不是数字：{value!r}")
    return Decimal(str(value))


def _text(value: object) -> str | None:
    """Form text as written ('≥95%'); None for a blank cell."""
    return None if value is None else str(value)


def _value(where: str, data: dict[str, Any]) -> Value:
    """A parsed value given in the case itself: {text, number, unit, op}."""
    _check_keys(where, data, VALUE_REQUIRED, VALUE_OPTIONAL)
    return Value(text=str(data["text"]), op=data.get("op"), number=_dec(data.get("number")), unit=data.get("unit", ""))


def _target_and_actual(where: str, row: dict[str, Any]) -> tuple[Value, Value | None]:
    """A row's target and actual: parsed from form text like the importer, or given as parsed values."""
    raw_target, raw_actual = row["target"], row["actual"]
    not_applicable = bool(row.get("not_applicable", False))
    target = _value(f"{where}.target", raw_target) if isinstance(raw_target, dict) else parse_target(_text(raw_target))
    if target is None and not_applicable and raw_target is not None:
        target = Value(text=str(raw_target))  # '/' or '无': the importer keeps the text of a not-applicable row
    if target is None:
        raise ValueError(f"{where}.target: 指标值不能为空")
    if isinstance(raw_actual, dict):
        return target, _value(f"{where}.actual", raw_actual)
    actual = parse_actual(_text(raw_actual), target)
    if actual is None and not_applicable and raw_actual is not None:
        actual = Value(text=str(raw_actual))
    return target, actual


def _form(where: str, data: dict[str, Any]) -> FormInput:
    """Build the engine input from a case's `input`, parsing targets and actuals like the importer."""
    _check_keys(where, data, INPUT_KEYS, INPUT_OPTIONAL)
    indicators: list[IndicatorInput] = []
    for index, row in enumerate(data["indicators"]):
        row_where = f"{where}.indicators[{index}]"
        _check_keys(row_where, row, INDICATOR_REQUIRED, INDICATOR_OPTIONAL)
        target, actual = _target_and_actual(row_where, row)
        indicators.append(
            IndicatorInput(
                level1=row["level1"],
                level2=row["level2"],
                name=row["name"],
                target=target,
                actual=actual,
                weight=_dec(row["weight"]),
                self_score=_dec(row["self_score"]),
                deviation_note=row.get("deviation_note", ""),
                ref=row.get("ref", ""),
                not_applicable=bool(row.get("not_applicable", False)),
            )
        )
    levels = data.get("level_weights") or {}
    return FormInput(
        budget_initial=_dec(data["budget_initial"]),
        budget_full_year=_dec(data["budget_full_year"]),
        executed=_dec(data["executed"]),
        budget_weight=_dec(data["budget_weight"]),
        budget_self_score=_dec(data["budget_self_score"]),
        indicators=tuple(indicators),
        self_total=_dec(data["self_total"]),
        level_weights=tuple((str(name), Decimal(str(points))) for name, points in levels.items()),
    )


def _merge(base: Any, override: Any) -> Any:
    """Deep-merge mappings; anything else in `override` replaces the base value."""
    if isinstance(base, dict) and isinstance(override, dict):
        merged = dict(base)
        for key, value in override.items():
            merged[key] = _merge(base.get(key), value) if key in base else value
        return merged
    return override


@pytest.fixture(scope="module")
def default_rubric() -> Rubric:
    """The shipped rubric."""
    return load_rubric()


def _rubric(case: dict[str, Any], default: Rubric, tmp_path: Path) -> Rubric:
    """The default rubric, or the default with the case's overrides written to a file and loaded."""
    overrides = case.get("rubric_overrides")
    if not overrides:
        return default
    base = yaml.safe_load(DEFAULT_RUBRIC_PATH.read_text(encoding="utf-8"))
    path = tmp_path / "rubric.yaml"
    path.write_text(yaml.safe_dump(_merge(base, overrides), allow_unicode=True), encoding="utf-8")
    return load_rubric(path)


def _assert_result(where: str, result: FormResult, expected: dict[str, Any]) -> None:
    """Compare a result with a case's `output`, exactly."""
    _check_keys(where, expected, OUTPUT_REQUIRED, OUTPUT_OPTIONAL)
    explanation = "\n".join(result.explanation)
    context = f"\n{where}\n计算过程:\n{explanation}"
    assert result.status == expected["status"], context
    assert result.execution_rate == _dec(expected["execution_rate"]), context
    assert result.budget_points == _dec(expected["budget_points"]), context
    assert result.total == _dec(expected["total"]), context
    assert result.grade == expected["grade"], context
    assert list(result.flags) == list(expected["flags"]), context
    scores = [r.score for r in result.indicators]
    assert scores == [_dec(v) for v in expected["indicator_scores"]], context
    if "indicator_weights" in expected:
        weights = [r.weight for r in result.indicators]
        assert weights == [_dec(v) for v in expected["indicator_weights"]], context
    if "indicator_flags" in expected:
        flags = [list(r.flags) for r in result.indicators]
        assert flags == [list(f) for f in expected["indicator_flags"]], context
    for fragment in expected.get("explanation_contains", []):
        assert fragment in explanation, f"缺少说明片段：{fragment}{context}"


@pytest.mark.parametrize(("file", "case"), _load_cases())
def test_case(file: str, case: dict[str, Any], default_rubric: Rubric, tmp_path: Path) -> None:
    """Score the case's form and compare with its hand-computed output."""
    where = f"{file}::{case['name']}"
    _check_keys(where, case, CASE_KEYS - {"rubric_overrides"}, {"rubric_overrides"})
    rubric = _rubric(case, default_rubric, tmp_path)
    result = score_form(_form(where, case["input"]), rubric)
    _assert_result(where, result, case["output"])
    for indicator in result.indicators:
        if indicator.score is not None:
            assert 0 <= indicator.score <= indicator.weight, indicator.explanation
        assert indicator.explanation in result.explanation
    if result.total is not None:
        assert 0 <= result.total <= rubric.full_marks


def test_every_case_file_has_cases() -> None:
    """The case directory holds the themed files, none of them empty."""
    files = sorted(path.name for path in CASES_DIR.glob("*.yaml"))
    assert files, "tests/cases 下没有用例文件"
    for name in files:
        cases = yaml.safe_load((CASES_DIR / name).read_text(encoding="utf-8"))
        assert cases, f"{name} 没有用例"
