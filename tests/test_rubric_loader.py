"""The rubric loader: the shipped rubric loads; each kind of bad YAML fails naming file and key path."""

from __future__ import annotations

import copy
import dataclasses
import hashlib
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import yaml

from rubrics import RubricError, load_rubric
from rubrics.loader import DEFAULT_RUBRIC_PATH

KeyPath = list[str | int]


def _default_data() -> dict[str, Any]:
    """The shipped rubric as plain YAML data (a fresh copy)."""
    data = yaml.safe_load(DEFAULT_RUBRIC_PATH.read_text(encoding="utf-8"))
    if not isinstance(data, dict):
        raise TypeError("rubrics/self_eval.yaml 的根必须是映射")
    return data


def _parent(data: Any, path: KeyPath) -> Any:
    """The container holding the last key of `path`."""
    node = data
    for key in path[:-1]:
        node = node[key]
    return node


def _set(path: KeyPath, value: object) -> Callable[[dict[str, Any]], None]:
    """A mutation that sets one value."""

    def mutate(data: dict[str, Any]) -> None:
        """Set the value."""
        _parent(data, path)[path[-1]] = value

    return mutate


def _set_all(*changes: tuple[KeyPath, object]) -> Callable[[dict[str, Any]], None]:
    """A mutation that sets several values."""

    def mutate(data: dict[str, Any]) -> None:
        """Set the values."""
        for path, value in changes:
            _parent(data, path)[path[-1]] = value

    return mutate


def _delete(path: KeyPath) -> Callable[[dict[str, Any]], None]:
    """A mutation that removes one key or list item."""

    def mutate(data: dict[str, Any]) -> None:
        """Remove the key or item."""
        del _parent(data, path)[path[-1]]

    return mutate


def _write(tmp_path: Path, data: object) -> Path:
    """Dump YAML data to a file in tmp_path."""
    path = tmp_path / "rubric.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


# --- the shipped rubric ---------------------------------------------------------------------------


def test_default_rubric_loads() -> None:
    """The default file loads with the 财预〔2020〕10号 numbers."""
    rubric = load_rubric()
    assert rubric.source == "rubrics/self_eval.yaml"
    assert rubric.full_marks == 100
    assert rubric.budget.weight == 10
    assert rubric.budget.low_rate.threshold == Decimal("0.6")
    assert [(level.name, level.weight) for level in rubric.levels.levels] == [
        ("产出指标", Decimal(50)),
        ("效益指标", Decimal(30)),
        ("满意度指标", Decimal(10)),
    ]
    assert [(t.source, t.target) for t in rubric.levels.transfers] == [("满意度指标", "产出指标")]
    assert rubric.quantitative.over_achievement.ratio == Decimal("1.3")
    assert rubric.quantitative.over_achievement.operators == ("≥", "=")
    assert rubric.quantitative.over_achievement.reduce_points is False
    le_rule = rubric.quantitative.rule_for("≤")
    assert (le_rule.rule, le_rule.formula, le_rule.zero_at_ratio) == ("lower_is_better", "ratio", None)
    assert [(b.name, b.min, b.max) for b in rubric.qualitative.bands] == [
        ("达成", Decimal("0.8"), Decimal(1)),
        ("部分达成", Decimal("0.6"), Decimal("0.8")),
        ("未达成", Decimal(0), Decimal("0.6")),
    ]
    assert rubric.rounding.mode == "decimals" and rubric.rounding.places == 2 and rubric.rounding.row_places == 2
    assert (rubric.rounding.method, rubric.rounding.scope) == ("half_up", "row")
    assert rubric.weights.policy == "declared"
    assert rubric.inflation.margin == 5
    assert rubric.grades == ("优", "良", "中", "差")


def test_default_rubric_is_the_default_path() -> None:
    """load_rubric() and load_rubric(DEFAULT_RUBRIC_PATH) agree."""
    assert load_rubric() == load_rubric(DEFAULT_RUBRIC_PATH)


def test_version_is_short_content_hash(tmp_path: Path) -> None:
    """Rubric.version is the first 12 hex digits of the sha256 of the bytes; a comment changes it."""
    raw = DEFAULT_RUBRIC_PATH.read_bytes()
    assert load_rubric().version == hashlib.sha256(raw).hexdigest()[:12]
    copy_path = tmp_path / "copy.yaml"
    copy_path.write_bytes(raw + b"\n# changed\n")
    assert load_rubric(copy_path).version != load_rubric().version


def test_rubric_is_frozen() -> None:
    """Rubrics are shared across sessions: they cannot be changed in place."""
    rubric = load_rubric()
    with pytest.raises(dataclasses.FrozenInstanceError):
        rubric.full_marks = Decimal(90)  # type: ignore[misc]


@pytest.mark.parametrize(
    ("score", "grade"),
    [
        ("100", "优"),
        ("90", "优"),
        ("89.99", "良"),
        ("80", "良"),
        ("79.99", "中"),
        ("60", "中"),
        ("59.99", "差"),
        ("0", "差"),
    ],
)
def test_grade_for(score: str, grade: str) -> None:
    """Lower bounds are inclusive."""
    assert load_rubric().grade_for(Decimal(score)) == grade


def test_every_node_has_a_description() -> None:
    """Rules are data with their own help text: every mapping in the YAML has a description."""
    missing: list[str] = []

    def walk(node: object, path: str) -> None:
        """Collect the paths of mappings without a description."""
        if isinstance(node, dict):
            if not str(node.get("description", "")).strip():
                missing.append(path or "（根）")
            for key, value in node.items():
                walk(value, f"{path}.{key}" if path else str(key))
        elif isinstance(node, list):
            for index, item in enumerate(node):
                walk(item, f"{path}[{index}]")

    walk(_default_data(), "")
    assert missing == []


# Lists whose items take their section's reference (one level, one band, one grade each).
ITEMS_WITHOUT_OWN_REFERENCE = ("indicator_levels.levels[", "qualitative.bands[", "grades.bands[")


def test_every_rule_cites_a_source_or_says_it_is_local() -> None:
    """Every rule node has a reference: a published text (财预〔2020〕10号, a published 自评表) or plainly 本地规则."""
    problems: list[str] = []

    def walk(node: object, path: str) -> None:
        """Check the mappings that carry a rule."""
        if isinstance(node, dict):
            if "description" in node and not path.startswith(ITEMS_WITHOUT_OWN_REFERENCE):
                reference = str(node.get("reference", "")).strip()
                if not reference:
                    problems.append(f"{path or '（根）'}: 没有 reference")
                elif not any(mark in reference for mark in ("本地规则", "10号", "自评表")):
                    problems.append(f"{path}: {reference}")
            for key, value in node.items():
                walk(value, f"{path}.{key}" if path else str(key))
        elif isinstance(node, list):
            for index, item in enumerate(node):
                walk(item, f"{path}[{index}]")

    walk(_default_data(), "")
    assert problems == []


def test_references_loaded() -> None:
    """References are kept on the loaded rules, so pages can show the source next to the rule."""
    rubric = load_rubric()
    assert "反向指标 得分 = 年度指标值 / 实际完成值 × 分值" in rubric.quantitative.rule_for("≤").reference
    assert "100-80%(含80%)" in rubric.qualitative.reference
    for reference in (rubric.budget.low_rate.reference, rubric.quantitative.default_operator_reference,
                      rubric.weights.reference, rubric.inflation.reference, rubric.levels.transfers[0].reference):
        assert reference == "本地规则"
    assert rubric.rounding.reference.startswith("本地规则")


# --- invalid files ------------------------------------------------------------------------------------

INVALID: list[tuple[str, Callable[[dict[str, Any]], None], str, str]] = [
    ("unknown_top_key", _set(["colour"], "red"), "colour", "允许的键：name, description, full_marks"),
    (
        "unknown_nested_key",
        _set(["grades", "bands", 1, "max"], 90),
        "grades.bands[1].max",
        "允许的键：name, description, min",
    ),
    ("missing_key", _delete(["budget_execution", "weight"]), "budget_execution.weight", "缺少必填键"),
    ("missing_section", _delete(["rounding"]), "rounding", "缺少必填键"),
    (
        "missing_description",
        _delete(["grades", "bands", 0, "description"]),
        "grades.bands[0].description",
        "缺少必填键",
    ),
    ("empty_description", _set(["inflation", "description"], "  "), "inflation.description", "必须是非空文字"),
    (
        "text_for_number",
        _set(["grades", "bands", 1, "min"], "abc"),
        "grades.bands[1].min",
        "必须是 0–100 的数字，实际为 'abc'",
    ),
    ("bool_for_number", _set(["inflation", "margin"], True), "inflation.margin", "必须是 0–100 的数字，实际为 True"),
    ("negative_margin", _set(["inflation", "margin"], -1), "inflation.margin", "必须是 0–100 的数字"),
    ("full_marks_zero", _set(["full_marks"], 0), "full_marks", "必须是 大于 0 的数字"),
    (
        "level_weights_not_100",
        _set(["indicator_levels", "levels", 0, "weight"], 40),
        "indicator_levels.levels",
        "必须等于满分 100",
    ),
    (
        "budget_weight_breaks_sum",
        _set(["budget_execution", "weight"], 20),
        "indicator_levels.levels",
        "= 110，必须等于满分 100",
    ),
    (
        "levels_not_a_list",
        _set(["indicator_levels", "levels"], {"产出指标": 50}),
        "indicator_levels.levels",
        "必须是非空列表",
    ),
    ("levels_empty", _set(["indicator_levels", "levels"], []), "indicator_levels.levels", "必须是非空列表"),
    (
        "duplicate_level_alias",
        _set(["indicator_levels", "levels", 1, "aliases"], ["产出"]),
        "indicator_levels.levels[1]",
        "重复",
    ),
    (
        "transfer_to_unknown_level",
        _set(["indicator_levels", "absent_level_transfers", 0, "to"], "决策指标"),
        "indicator_levels.absent_level_transfers[0].to",
        "必须是以下之一：产出指标, 效益指标, 满意度指标",
    ),
    (
        "transfer_to_itself",
        _set(["indicator_levels", "absent_level_transfers", 0, "to"], "满意度指标"),
        "indicator_levels.absent_level_transfers[0].to",
        "不能与 from 相同",
    ),
    ("rate_places_not_int", _set(["budget_execution", "rate_places"], 2.5), "budget_execution.rate_places", "整数"),
    (
        "low_rate_above_one",
        _set(["budget_execution", "low_rate", "threshold"], 60),
        "budget_execution.low_rate.threshold",
        "必须是 0–1 的数字",
    ),
    ("grades_unordered", _set(["grades", "bands", 1, "min"], 95), "grades.bands[1].min", "必须小于上一档的下限 90"),
    ("grades_equal_bounds", _set(["grades", "bands", 2, "min"], 80), "grades.bands[2].min", "必须小于上一档的下限 80"),
    (
        "grades_not_covering_zero",
        _set(["grades", "bands", 3, "min"], 10),
        "grades.bands[3].min",
        "最后一档的下限必须为 0",
    ),
    ("grade_above_full_marks", _set(["grades", "bands", 0, "min"], 120), "grades.bands[0].min", "必须是 0–100 的数字"),
    ("grade_name_repeated", _set(["grades", "bands", 1, "name"], "优"), "grades.bands[1].name", "重复"),
    ("answer_in_two_bands", _set(["qualitative", "bands", 2, "answers"], ["差", "良"]),
     "qualitative.bands[2].answers[1]", "已属于档次 '达成'"),
    (
        "band_share_above_one",
        _set(["qualitative", "bands", 0, "max"], 1.2),
        "qualitative.bands[0].max",
        "必须是 0–1 的数字",
    ),
    (
        "band_min_not_below_max",
        _set(["qualitative", "bands", 0, "min"], 1),
        "qualitative.bands[0].max",
        "必须大于 min 1",
    ),
    (
        "bands_not_contiguous",
        _set(["qualitative", "bands", 1, "max"], 0.75),
        "qualitative.bands[1].max",
        "必须等于上一档的下限 0.8",
    ),
    (
        "best_band_not_up_to_one",
        _set(["qualitative", "bands", 0, "max"], 0.9),
        "qualitative.bands[0].max",
        "上限必须为 1",
    ),
    (
        "worst_band_not_down_to_zero",
        _set(["qualitative", "bands", 2, "min"], 0.1),
        "qualitative.bands[2].min",
        "下限必须为 0",
    ),
    (
        "phrase_in_two_bands",
        _set(["qualitative", "bands", 1, "phrases", 0], "完成"),
        "qualitative.bands[1].phrases[0]",
        "已属于档次 '达成'",
    ),
    (
        "phrase_not_text",
        _set(["qualitative", "bands", 0, "phrases", 0], 5),
        "qualitative.bands[0].phrases[0]",
        "必须是非空文字",
    ),
    (
        "target_band_unknown",
        _set(["qualitative", "target_text_band"], "优秀"),
        "qualitative.target_text_band",
        "必须是以下之一：达成, 部分达成, 未达成",
    ),
    (
        "over_ratio_not_above_one",
        _set(["quantitative", "over_achievement", "ratio"], 1),
        "quantitative.over_achievement.ratio",
        "必须是 大于 1 的数字",
    ),
    (
        "over_operator_unknown",
        _set(["quantitative", "over_achievement", "operators"], ["≥", ">"]),
        "quantitative.over_achievement.operators[1]",
        "必须是以下之一：≥, ≤, =",
    ),
    (
        "zero_ratio_not_above_one",
        _set_all((["quantitative", "operators", 1, "formula"], "linear"),
                 (["quantitative", "operators", 1, "zero_at_ratio"], 0.5)),
        "quantitative.operators[1].zero_at_ratio",
        "必须是 大于 1 的数字",
    ),
    (
        "linear_without_zero_ratio",
        _set(["quantitative", "operators", 1, "formula"], "linear"),
        "quantitative.operators[1].zero_at_ratio",
        "formula linear 必须设置",
    ),
    (
        "zero_ratio_with_ratio_formula",
        _set(["quantitative", "operators", 1, "zero_at_ratio"], 2),
        "quantitative.operators[1].zero_at_ratio",
        "只有 formula linear 可设置此键",
    ),
    (
        "formula_unknown",
        _set(["quantitative", "operators", 1, "formula"], "inverse"),
        "quantitative.operators[1].formula",
        "必须是以下之一：ratio, linear，实际为 'inverse'",
    ),
    (
        "formula_on_other_rule",
        _set(["quantitative", "operators", 0, "formula"], "ratio"),
        "quantitative.operators[0].formula",
        "只有规则 lower_is_better 可设置此键",
    ),
    (
        "reduce_points_not_boolean",
        _set(["quantitative", "over_achievement", "reduce_points"], "yes"),
        "quantitative.over_achievement.reduce_points",
        "必须是 true 或 false，实际为 'yes'",
    ),
    (
        "reference_empty",
        _set(["quantitative", "operators", 1, "reference"], " "),
        "quantitative.operators[1].reference",
        "必须是非空文字",
    ),
    (
        "unknown_operator_key",
        _set(["quantitative", "operators", 1, "zero_at"], 2),
        "quantitative.operators[1].zero_at",
        "允许的键：op, rule, description, formula, zero_at_ratio, reference",
    ),
    (
        "zero_ratio_on_other_rule",
        _set(["quantitative", "operators", 0, "zero_at_ratio"], 2),
        "quantitative.operators[0].zero_at_ratio",
        "只有规则 lower_is_better",
    ),
    (
        "operator_unknown",
        _set(["quantitative", "operators", 0, "op"], ">"),
        "quantitative.operators[0].op",
        "必须是以下之一：≥, ≤, =",
    ),
    ("operator_repeated", _set(["quantitative", "operators", 2, "op"], "≥"), "quantitative.operators[2].op", "重复"),
    ("operator_missing", _delete(["quantitative", "operators", 2]), "quantitative.operators", "缺少比较符 = 的规则"),
    (
        "rule_unknown",
        _set(["quantitative", "operators", 0, "rule"], "ratio"),
        "quantitative.operators[0].rule",
        "higher_is_better, lower_is_better, equal",
    ),
    (
        "default_operator_unknown",
        _set(["quantitative", "default_operator", "op"], "~"),
        "quantitative.default_operator.op",
        "必须是以下之一",
    ),
    (
        "rounding_mode_unknown",
        _set(["rounding", "mode"], "ceil"),
        "rounding.mode",
        "必须是以下之一：decimals, integer_per_row",
    ),
    ("rounding_method_unknown", _set(["rounding", "method"], "up"), "rounding.method", "half_up, half_even, truncate"),
    ("rounding_scope_unknown", _set(["rounding", "scope"], "unit"), "rounding.scope", "必须是以下之一：row, total"),
    ("rounding_places_negative", _set(["rounding", "places"], -1), "rounding.places", "必须是 0–6 的整数"),
    (
        "policy_unknown",
        _set(["weights", "policy"], "rescale"),
        "weights.policy",
        "必须是以下之一：declared, rubric, as_is",
    ),
    (
        "weights_and_legacy_key_both",
        _set_all((["weights_mismatch"], {"description": "旧版", "policy": "declared"})),
        "weights_mismatch",
        "与 weights 只能有其一",
    ),
    ("weights_missing", _delete(["weights"]), "weights", "缺少必填键"),
    ("section_not_mapping", _set(["inflation"], 5), "inflation", "必须是映射"),
]


@pytest.mark.parametrize(("mutate", "key_path", "fragment"), [p[1:] for p in INVALID], ids=[p[0] for p in INVALID])
def test_invalid_rubric(tmp_path: Path, mutate: Callable[[dict[str, Any]], None], key_path: str, fragment: str) -> None:
    """Each kind of mistake raises RubricError naming the file, the key path and what is allowed."""
    data = copy.deepcopy(_default_data())
    mutate(data)
    path = _write(tmp_path, data)
    with pytest.raises(RubricError) as caught:
        load_rubric(path)
    error = caught.value
    assert error.file == str(path)
    assert error.key_path == key_path
    assert fragment in error.message
    assert str(error) == f"{path}: {key_path}: {error.message}"


def test_error_message_matches_documented_form(tmp_path: Path) -> None:
    """The example from the brief, verbatim apart from the file name."""
    data = _default_data()
    data["grades"]["bands"][1]["min"] = "abc"
    path = _write(tmp_path, data)
    with pytest.raises(RubricError) as caught:
        load_rubric(path)
    assert str(caught.value) == f"{path}: grades.bands[1].min: 必须是 0–100 的数字，实际为 'abc'"
    assert isinstance(caught.value, ValueError)


@pytest.mark.parametrize(
    ("content", "fragment"),
    [
        (b"- just\n- a list\n", "必须是映射"),
        (b"name: [unclosed\n", "YAML 格式错误，第 "),
        (b"name: a\nname: b\n", "键 'name' 重复出现"),
        ("name: 规则".encode("gbk"), "UTF-8"),
        (b"", "必须是映射（键: 值），实际为 空值"),
    ],
    ids=["root_list", "syntax_error", "duplicate_key", "not_utf8", "empty_file"],
)
def test_unreadable_rubric(tmp_path: Path, content: bytes, fragment: str) -> None:
    """Files that are not a YAML mapping fail with the file name and no key path."""
    path = tmp_path / "rubric.yaml"
    path.write_bytes(content)
    with pytest.raises(RubricError) as caught:
        load_rubric(path)
    assert caught.value.file == str(path)
    assert caught.value.key_path == ""
    assert fragment in caught.value.message
    assert str(caught.value).startswith(f"{path}: ")


def test_missing_file(tmp_path: Path) -> None:
    """A path that does not exist is a RubricError too, not an OSError."""
    path = tmp_path / "absent.yaml"
    with pytest.raises(RubricError) as caught:
        load_rubric(path)
    assert caught.value.file == str(path)
    assert "无法读取文件" in caught.value.message


# --- rubrics written by earlier releases ------------------------------------------------------------


def _earlier_release_data() -> dict[str, Any]:
    """The shipped rubric written the way earlier releases wrote it (stored rubrics are loaded again)."""
    data = _default_data()
    data["weights_mismatch"] = {"description": "旧版写法", "policy": "rescale"}
    del data["weights"]
    le_rule = data["quantitative"]["operators"][1]
    del le_rule["formula"], le_rule["reference"]
    le_rule["zero_at_ratio"] = 2
    del data["quantitative"]["over_achievement"]["reduce_points"]
    del data["rounding"]["scope"]
    return data


def test_earlier_release_rubric_loads_with_its_meaning(tmp_path: Path) -> None:
    """weights_mismatch.policy rescale reads as declared; a ≤ rule with only zero_at_ratio is the linear fall."""
    rubric = load_rubric(_write(tmp_path, _earlier_release_data()))
    assert rubric.weights.policy == "declared"
    le_rule = rubric.quantitative.rule_for("≤")
    assert (le_rule.formula, le_rule.zero_at_ratio) == ("linear", Decimal(2))
    assert rubric.quantitative.over_achievement.reduce_points is False
    assert (rubric.rounding.scope, rubric.rounding.row_places) == ("row", 2)


@pytest.mark.parametrize(("policy", "loaded"), [("rescale", "declared"), ("as_is", "as_is")])
def test_earlier_release_policies(tmp_path: Path, policy: str, loaded: str) -> None:
    """Both policies of earlier releases still load."""
    data = _earlier_release_data()
    data["weights_mismatch"]["policy"] = policy
    assert load_rubric(_write(tmp_path, data)).weights.policy == loaded


def test_earlier_release_policy_names_are_checked(tmp_path: Path) -> None:
    """Under the old key only the old names are allowed."""
    data = _earlier_release_data()
    data["weights_mismatch"]["policy"] = "rubric"
    with pytest.raises(RubricError) as caught:
        load_rubric(_write(tmp_path, data))
    assert caught.value.key_path == "weights_mismatch.policy"
    assert "必须是以下之一：rescale, as_is" in caught.value.message


def test_integer_rows_old_and_new_spelling(tmp_path: Path) -> None:
    """mode integer_per_row (places stays the precision of unit means) and places 0 both give integer rows."""
    old = _default_data()
    old["rounding"]["mode"] = "integer_per_row"
    new = _default_data()
    new["rounding"]["places"] = 0
    del new["rounding"]["mode"]
    (tmp_path / "old").mkdir()
    (tmp_path / "new").mkdir()
    old_rounding = load_rubric(_write(tmp_path / "old", old)).rounding
    new_rounding = load_rubric(_write(tmp_path / "new", new)).rounding
    assert (old_rounding.row_places, old_rounding.places) == (0, 2)
    assert (new_rounding.mode, new_rounding.row_places, new_rounding.places) == ("decimals", 0, 0)


@pytest.mark.parametrize(("method", "constant"), [("half_up", "ROUND_HALF_UP"), ("half_even", "ROUND_HALF_EVEN"),
                                                  ("truncate", "ROUND_DOWN")])
def test_rounding_methods(tmp_path: Path, method: str, constant: str) -> None:
    """Each method maps to its `decimal` rounding (the store reads half_even from it)."""
    data = _default_data()
    data["rounding"]["method"] = method
    assert load_rubric(_write(tmp_path, data)).rounding.decimal_rounding == constant
