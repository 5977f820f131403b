"""Expert-panel rubrics (rubrics/panel.py): the shipped ones load with their trees adding up; each kind of bad YAML
fails naming file and key path; the golden cases of tests/panel_cases.yaml (mean, trimmed mean, disputes) hold."""

from __future__ import annotations

import copy
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import yaml

from rubrics import RubricError
from rubrics.panel import (
    KIND_DEPT,
    KIND_KEY,
    METHOD_TRIMMED,
    PanelError,
    check_scores,
    load_panel_rubric,
    panel_rubric_from_bytes,
    score_panel,
    shipped,
)

CASES = Path(__file__).with_name("panel_cases.yaml")


def _data(file: str) -> dict[str, Any]:
    return yaml.safe_load((Path(__file__).resolve().parent.parent / "rubrics" / file).read_text(encoding="utf-8"))


def _load(data: dict[str, Any], file: str = "bad.yaml"):
    return panel_rubric_from_bytes(yaml.safe_dump(data, allow_unicode=True).encode("utf-8"), file)


@pytest.mark.parametrize("file", [*shipped(KIND_KEY), *shipped(KIND_DEPT)])
def test_the_shipped_rubrics_load_and_add_up(file):
    rubric = load_panel_rubric(file)
    assert sum(node.weight for node in rubric.tree) == rubric.full_marks == 100
    assert sum(leaf.weight for leaf in rubric.leaves) == 100
    for top in rubric.tree:
        assert sum(mid.weight for mid in top.children) == top.weight
        for mid in top.children:
            assert sum(leaf.weight for leaf in mid.children) == mid.weight
            assert all(leaf.description and leaf.reference for leaf in mid.children)
    assert rubric.grades == ("优", "良", "中", "差")


def test_the_key_rubric_is_the_domain_tree_with_its_default_weights():
    rubric = load_panel_rubric("key_eval.yaml")
    assert [(n.name, n.weight) for n in rubric.tree] == [("决策", 20), ("过程", 20), ("产出", 40), ("效益", 20)]
    assert rubric.survey_enabled and rubric.kind == KIND_KEY
    assert {leaf.name for leaf in rubric.leaves} >= {"立项依据充分性", "资金到位率", "实际完成率", "成本节约率",
                                                     "服务对象满意度"}


def test_the_department_rubrics_have_the_domain_and_sichuan_splits():
    overall, sichuan = (load_panel_rubric(f) for f in shipped(KIND_DEPT))
    assert [n.name for n in overall.tree] == ["投入", "过程", "产出", "效果"]
    assert [(n.name, n.weight) for n in sichuan.tree] == [("部门决策", 25), ("综合管理", 30), ("部门绩效", 45)]
    assert overall.kind == sichuan.kind == KIND_DEPT and not overall.survey_enabled


def _broken(change) -> RubricError:
    data = copy.deepcopy(_data("key_eval.yaml"))
    change(data)
    with pytest.raises(RubricError) as caught:
        _load(data)
    return caught.value


@pytest.mark.parametrize(("change", "key_path", "words"), [
    (lambda d: d.update(colour="red"), "colour", "未知的键"),
    (lambda d: d["panel"].update(method="median"), "panel.method", "mean, trimmed_mean"),
    (lambda d: d["panel"].pop("spread_threshold"), "panel.spread_threshold", "缺少必填键"),
    (lambda d: d.update(full_marks=90), "indicators", "一级指标分值合计 100，必须等于满分 90"),
    (lambda d: d["indicators"][0].update(weight=25), "indicators[0].children", "下级指标分值合计 20，必须等于本指标分值 25"),
    (lambda d: d["indicators"][0]["children"][0].update(weight=7), "indicators[0].children[0].children",
     "下级指标分值合计 6，必须等于本指标分值 7"),
    (lambda d: d["indicators"][1]["children"][0]["children"][0].update(weight=5),
     "indicators[1].children[0].children", "下级指标分值合计 13，必须等于本指标分值 12"),
    (lambda d: d["indicators"][0]["children"][0]["children"][1].update(id="A11"),
     "indicators[0].children[0].children[1].id", "重复"),
    (lambda d: d["indicators"][0]["children"][0]["children"][0].pop("reference"),
     "indicators[0].children[0].children[0].reference", "缺少必填键"),
    (lambda d: d["indicators"][0]["children"][0]["children"][0].update(children=[]),
     "indicators[0].children[0].children[0].children", "未知的键"),
    (lambda d: d["indicators"][2]["children"][0].pop("children"), "indicators[2].children[0].children", "下级指标"),
    (lambda d: d["grades"]["bands"][1].update(min=95), "grades.bands[1].min", "必须小于上一档的下限"),
    (lambda d: d.update(kind="project"), "kind", "key, dept"),
    (lambda d: d["panel"].update(method="trimmed_mean", trim_min_experts=2), "panel.trim_min_experts", "3–99"),
])
def test_a_bad_rubric_names_file_and_key_path(change, key_path, words):
    error = _broken(change)
    assert error.file == "bad.yaml"
    assert error.key_path == key_path, str(error)
    assert words in error.message, str(error)
    assert str(error).startswith(f"bad.yaml: {key_path}: ")


def test_unreadable_rubrics_say_why(tmp_path):
    with pytest.raises(RubricError, match="无法读取文件"):
        load_panel_rubric(tmp_path / "missing.yaml")
    with pytest.raises(RubricError, match="YAML 格式错误"):
        panel_rubric_from_bytes(b"name: [unclosed", "x.yaml")
    with pytest.raises(RubricError, match="重复出现"):
        panel_rubric_from_bytes(b"name: a\nname: b\n", "x.yaml")


def _cases() -> list[dict[str, Any]]:
    return yaml.safe_load(CASES.read_text(encoding="utf-8"))


def _case_rubric(case: dict[str, Any]):
    data = _data(case["rubric"])
    data["panel"].update(case.get("panel", {}))
    return _load(data, case["rubric"])


def _case_scores(rubric, case: dict[str, Any]) -> dict[str, dict[str, Decimal]]:
    scores = {}
    for expert in case["experts"]:
        share = Decimal(str(expert["share"]))
        given = {leaf.id: (leaf.weight * share).normalize() for leaf in rubric.leaves}
        given.update({k: Decimal(str(v)) for k, v in expert.get("scores", {}).items()})
        scores[expert["name"]] = given
    return scores


@pytest.mark.parametrize("case", _cases(), ids=lambda c: c["name"])
def test_golden_cases(case):
    rubric = _case_rubric(case)
    result = score_panel(rubric, _case_scores(rubric, case))
    expected = case["expected"]
    assert str(result.total) == expected["total"]
    assert result.grade == expected["grade"]
    assert result.method == expected["method"]
    assert result.max_spread == Decimal(expected["max_spread"])
    assert [i.leaf.id for i in result.flagged] == expected["disputed"]
    if "expert_totals" in expected:
        assert [t.normalize() for t in result.expert_totals] == [Decimal(t) for t in expected["expert_totals"]]
    assert result.explanation[0].endswith(f"→ 等级 {expected['grade']}")


def test_the_golden_cases_cover_mean_trimmed_mean_and_disputes():
    cases = _cases()
    assert {c["expected"]["method"] for c in cases} == {"mean", METHOD_TRIMMED}
    assert any(c["expected"]["disputed"] for c in cases if c["expected"]["method"] == "mean")
    assert any(c["expected"]["disputed"] for c in cases if c["expected"]["method"] == METHOD_TRIMMED)
    assert {c["rubric"] for c in cases} == {"key_eval.yaml", "dept_overall.yaml", "dept_sichuan.yaml"}


def test_the_panel_total_is_the_exact_sum_rounded_once():
    """A11 scored 2, 3, 3 → 8 / 3 = 2.666… (shown 2.67); the total is the exact sum divided once, then rounded."""
    rubric = load_panel_rubric("key_eval.yaml")
    thirds = [{leaf.id: leaf.weight for leaf in rubric.leaves} for _ in range(3)]
    thirds[0]["A11"] = Decimal(2)
    thirds[1]["A11"] = Decimal(3)
    result = score_panel(rubric, dict(zip("甲乙丙", thirds, strict=True)))
    assert result.total == Decimal("99.67")  # totals 99, 100, 100 → 299 / 3 = 99.666… → 99.67
    a11 = next(i for i in result.indicators if i.leaf.id == "A11")
    assert a11.panel == Decimal("2.67") and a11.spread == 1


def test_scores_outside_the_rubric_are_refused():
    rubric = load_panel_rubric("key_eval.yaml")
    full = {leaf.id: leaf.weight for leaf in rubric.leaves}
    with pytest.raises(PanelError, match="超出 0–3"):
        check_scores(rubric, "甲", {**full, "A11": Decimal(4)})
    with pytest.raises(PanelError, match="超出 0–3"):
        check_scores(rubric, "甲", {**full, "A11": Decimal(-1)})
    with pytest.raises(PanelError, match="缺少指标的评分：A11"):
        check_scores(rubric, "甲", {k: v for k, v in full.items() if k != "A11"})
    with pytest.raises(PanelError, match="没有的指标：Z9"):
        check_scores(rubric, "甲", {**full, "Z9": Decimal(1)})
    with pytest.raises(PanelError, match="位小数"):
        check_scores(rubric, "甲", {**full, "A11": Decimal("2.125")})


def test_no_expert_gives_no_score():
    result = score_panel(load_panel_rubric("key_eval.yaml"), {})
    assert result.total is None and result.grade is None and result.max_spread is None
