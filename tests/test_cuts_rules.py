"""The budget-cut rule table and engine (rubrics/cuts.py): the shipped rules load; a bad rule file fails naming file
and key; the golden cases of tests/cuts_cases.yaml hold (every rule kind, precedence, exemptions, the execution-rate
rule, the unit's base after its projects); properties: a worse grade never gets a smaller cut, cuts are never
negative nor above their base, and the totals are the sums of the rows."""

from __future__ import annotations

import copy
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from rubrics import RubricError
from rubrics.cuts import (
    LEVEL_PROJECT,
    LEVEL_UNIT,
    SCOPE_DEPT,
    SCOPE_KEY,
    SCOPE_SELF,
    Judgement,
    Line,
    compute,
    load_rules,
    rules_from_data,
)

CASES = yaml.safe_load(Path(__file__).with_name("cuts_cases.yaml").read_text(encoding="utf-8"))
SHIPPED = load_rules()


def _dec(value: object) -> Decimal | None:
    return None if value is None else Decimal(str(value))


def _judgement(scope: str, pair: list[Any], unit: str) -> Judgement:
    label = f"{SCOPE_DEPT}（{unit}）" if scope == SCOPE_DEPT else scope
    return Judgement(scope, _dec(pair[0]), pair[1], label)


def _line(spec: dict[str, Any]) -> Line:
    judged = [_judgement(scope, spec[key], spec["unit"])
              for key, scope in (("self", SCOPE_SELF), ("key", SCOPE_KEY), ("dept", SCOPE_DEPT)) if key in spec]
    return Line(spec["level"], spec["unit"], spec["unit"], "区直部门", "部门", "教育", spec.get("project"),
                spec.get("project"), _dec(spec.get("request")), _dec(spec.get("budget")), _dec(spec.get("executed")),
                bool(spec.get("individual", False)), tuple(spec.get("flags", ())), tuple(judged))


def _rules(change: dict[str, Any] | None = None, change_rule: dict[str, dict[str, Any]] | None = None,
           file: str = "测试规则.yaml"):
    data = SHIPPED.editable()
    data.update(copy.deepcopy(change or {}))
    for rule in data["rules"]:
        rule.update((change_rule or {}).get(rule["id"], {}))
    return rules_from_data(data, file)


def test_the_shipped_rules_load_with_the_sample_defaults():
    assert SHIPPED.sample_parameters and "示例参数" in SHIPPED.name
    assert SHIPPED.precedence == "largest_cut"
    by_id = {r.id: r for r in SHIPPED.rules}
    assert (by_id["P3"].cut_pct, by_id["P4"].cut_pct, by_id["D3"].cut_pct) == (10, 30, 10)
    assert by_id["E1"].unspent and by_id["E1"].when.execution_rate_below == 60
    assert all(r.description for r in SHIPPED.rules)
    assert SHIPPED.exempt_individual


@pytest.mark.parametrize("case", CASES, ids=[c["name"] for c in CASES])
def test_golden_case(case):
    rules = _rules(case.get("change"), case.get("change_rule"))
    ledger = compute(rules, [_line(spec) for spec in case["lines"]])
    assert len(ledger.rows) == len(case["expected"]["rows"])
    for row, want in zip(ledger.rows, case["expected"]["rows"], strict=True):
        got = {"rule": row.rule_id, "action": row.action, "base": row.base, "cut_pct": row.cut_pct,
               "cut": row.cut_amount, "after": row.after_cut}
        assert got == {"rule": want["rule"], "action": want["action"], "base": Decimal(want["base"]),
                       "cut_pct": Decimal(want["cut_pct"]), "cut": Decimal(want["cut"]),
                       "after": Decimal(want["after"])}, row.reason
        if "reason" in want:
            assert row.reason == want["reason"]
    assert ledger.cut == Decimal(case["expected"]["cut"])
    assert ledger.cut == sum(r.cut_amount for r in ledger.rows)


BAD = [
    ("pct_above_100", {"D3": {"cut_pct": 120}}, None, "rules[2].cut_pct", "0–100"),
    ("pct_negative", {"P3": {"cut_pct": -5}}, None, "rules[9].cut_pct", "0–100"),
    ("unknown_scope", {"P3": {"scope": "单位自评"}}, None, "rules[9].scope", "项目自评, 重点评价, 部门整体评价"),
    ("unknown_action", {"P3": {"action": "削减"}}, None, "rules[9].action", "优先保障, 据实保障, 压减, 取消或暂停"),
    ("unknown_grade", {"P3": {"when": {"grade": ["较差"]}}}, None, "rules[9].when.grade", "未知等级"),
    ("worse_grade_smaller_cut", {"P4": {"cut_pct": 5}}, None, "rules[10].cut_pct", "等级越差压减比例不得越小"),
    ("protect_with_a_percentage", {"P1": {"cut_pct": 5}}, None, "rules[7].cut_pct", "不压减"),
    ("cut_without_percentage", {"P3": {"cut_pct": None}}, None, "rules[9].cut_pct", "cut_pct"),
    ("unspent_without_rate", {"P3": {"cut_pct": None, "cut": "未执行部分"}}, None, "rules[9].cut", "execution_rate_below"),
    ("rate_on_a_department", {"D3": {"when": {"execution_rate_below": 50}}}, None, "rules[2].when", "项目自评"),
    ("unknown_key", {"P3": {"cut_percent": 10}}, None, "rules[9].cut_percent", "未知的键"),
    ("unknown_base", {"P3": {"base": "上年预算"}}, None, "rules[9].base", "下年申报数, 本年预算"),
    ("duplicate_id", {"P4": {"id": "P3"}}, None, "rules[10].id", "重复"),
    ("unknown_precedence", None, {"precedence": {"rule": "smallest_cut", "description": "x"}}, "precedence.rule",
     "largest_cut, first_match"),
]


def _drop_nones(data: dict[str, Any]) -> dict[str, Any]:
    for rule in data["rules"]:
        for key in [k for k, v in rule.items() if v is None]:
            del rule[key]
    return data


@pytest.mark.parametrize(("name", "change_rule", "change", "key", "words"), BAD, ids=[b[0] for b in BAD])
def test_a_bad_rule_names_file_and_key(name, change_rule, change, key, words):
    data = SHIPPED.editable()
    data.update(change or {})
    for rule in data["rules"]:
        rule.update((change_rule or {}).get(rule["id"], {}))
    with pytest.raises(RubricError) as caught:
        rules_from_data(_drop_nones(data), "坏规则.yaml")
    assert caught.value.file == "坏规则.yaml"
    assert caught.value.key_path == key
    assert words in caught.value.message


RANGES = [{"id": "S1", "scope": SCOPE_SELF, "description": "a", "when": {"score_at_least": 80}, "action": "据实保障"},
          {"id": "S2", "scope": SCOPE_SELF, "description": "b", "when": {"score_at_least": 60, "score_below": 85},
           "action": "压减", "cut_pct": 10}]


def test_overlapping_ranges_are_refused_where_order_matters():
    first = {"rule": "first_match", "description": "按顺序"}
    with pytest.raises(RubricError) as caught:
        rules_from_data({**SHIPPED.editable(), "precedence": first, "rules": RANGES}, "区间.yaml")
    assert caught.value.key_path == "rules[1].when"
    assert "S2" in caught.value.message and "S1" in caught.value.message and "重叠" in caught.value.message
    # under largest_cut the overlap is resolved by the amounts: allowed
    assert len(rules_from_data({**SHIPPED.editable(), "rules": RANGES}, "区间.yaml").rules) == 2


def test_upside_down_range_is_refused():
    rules = [{**RANGES[1], "when": {"score_at_least": 85, "score_below": 60}}]
    with pytest.raises(RubricError) as caught:
        rules_from_data({**SHIPPED.editable(), "rules": rules}, "区间.yaml")
    assert caught.value.key_path == "rules[0].when.score_below"
    assert "颠倒" in caught.value.message


def test_a_lower_score_range_may_not_get_a_smaller_cut():
    rules = [{"id": "S1", "scope": SCOPE_SELF, "description": "a", "when": {"score_below": 60}, "action": "压减",
              "cut_pct": 5},
             {"id": "S2", "scope": SCOPE_SELF, "description": "b", "when": {"score_at_least": 60}, "action": "压减",
              "cut_pct": 10}]
    with pytest.raises(RubricError) as caught:
        rules_from_data({**SHIPPED.editable(), "rules": rules}, "区间.yaml")
    assert "得分越低压减比例不得越小" in caught.value.message


def test_yaml_errors_and_duplicate_keys_name_the_file():
    from rubrics.cuts import rules_from_bytes
    with pytest.raises(RubricError, match="坏.yaml"):
        rules_from_bytes(b"name: [unclosed", "坏.yaml")
    text = SHIPPED.text.replace("precedence:", "name: 另一个\nprecedence:", 1)
    with pytest.raises(RubricError, match="重复"):
        rules_from_bytes(text.encode(), "坏.yaml")


# ---------------------------------------------------------------------------------------------
# Properties
# ---------------------------------------------------------------------------------------------

GRADES = ("优", "良", "中", "差")
money = st.decimals(min_value=0, max_value=100_000, places=6, allow_nan=False, allow_infinity=False)
scores = st.decimals(min_value=0, max_value=100, places=2, allow_nan=False, allow_infinity=False)


@st.composite
def rule_tables(draw):
    """The shipped table with random monotone percentages, thresholds and exemption switch."""
    pcts = sorted(draw(st.lists(st.decimals(min_value=0, max_value=100, places=2), min_size=2, max_size=2)))
    dept = sorted(draw(st.lists(st.decimals(min_value=0, max_value=100, places=2), min_size=2, max_size=2)))
    rate = draw(st.decimals(min_value=0, max_value=100, places=2))
    changes = {"P3": {"cut_pct": float(pcts[0])}, "P4": {"cut_pct": float(pcts[1])},
               "D3": {"cut_pct": float(dept[0])}, "D4": {"cut_pct": float(dept[1])},
               "K2": {"cut_pct": float(pcts[0])}, "E1": {"when": {"execution_rate_below": float(rate)}}}
    individual = draw(st.booleans())
    return _rules({"exemptions": {"description": "x", "individual_subsidy": individual}}, changes)


@st.composite
def project_lines(draw, grade: str | None = None):
    budget = draw(money)
    executed = draw(st.one_of(st.none(), money))
    return Line(LEVEL_PROJECT, draw(st.sampled_from(["甲", "乙"])), "单位", "区直部门", "部门", "教育",
                draw(st.text(min_size=1, max_size=3)), "项目", draw(st.one_of(st.none(), money)), budget, executed,
                draw(st.booleans()), tuple(draw(st.lists(st.sampled_from(["自评分虚高", "执行率偏低"]), max_size=2))),
                (Judgement(SCOPE_SELF, draw(scores), grade or draw(st.sampled_from(GRADES)), SCOPE_SELF),))


@settings(max_examples=150, deadline=None)
@given(rules=rule_tables(), line=project_lines(), worse=st.sampled_from(GRADES))
def test_a_worse_grade_never_gets_a_smaller_cut(rules, line, worse):
    better = line.judgements[0].grade
    if GRADES.index(worse) < GRADES.index(better):
        return
    worse_line = Line(**{**line.__dict__, "judgements": (Judgement(SCOPE_SELF, line.judgements[0].score, worse,
                                                                   SCOPE_SELF),)})
    first, second = compute(rules, [line]).rows[0], compute(rules, [worse_line]).rows[0]
    assert second.cut_amount >= first.cut_amount
    assert second.cut_pct >= first.cut_pct or first.cut_amount == 0


@settings(max_examples=150, deadline=None)
@given(rules=rule_tables(), projects=st.lists(project_lines(), max_size=8),
       units=st.lists(st.tuples(st.sampled_from(["甲", "乙"]), st.one_of(st.none(), money), money,
                                st.one_of(st.none(), st.sampled_from(GRADES)), scores), max_size=2,
                      unique_by=lambda u: u[0]))
def test_cuts_are_within_their_base_and_totals_are_the_rows_sums(rules, projects, units):
    lines = [*projects, *[Line(LEVEL_UNIT, code, code, "区直部门", "部门", "教育", None, None, request, budget, budget,
                               False, (), (Judgement(SCOPE_DEPT, score, grade, SCOPE_DEPT),) if grade else ())
                          for code, request, budget, grade, score in units]]
    ledger = compute(rules, lines)
    for row in ledger.rows:
        assert Decimal(0) <= row.cut_amount <= row.base
        assert row.after_cut == row.base - row.cut_amount
        assert row.cut_amount == row.cut_amount.quantize(Decimal("0.000001"))
        assert Decimal(0) <= row.cut_pct <= 100
    assert ledger.cut == sum((r.cut_amount for r in ledger.rows), Decimal(0))
    assert ledger.arranged == ledger.requested - ledger.cut
    for code, request, *_ in units:  # a unit never loses more than it asked for, projects and unit together
        if request is not None:
            lost = sum((r.cut_amount for r in ledger.rows if r.unit_code == code and r.base_kind != "本年预算"), Decimal(0))
            projects_asked = sum((p.request or Decimal(0) for p in projects if p.unit_code == code), Decimal(0))
            assert lost <= max(request, projects_asked)
