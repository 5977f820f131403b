"""Expert-panel rubrics (重点评价, 部门整体评价): the loader of rubrics/key_eval.yaml, dept_overall.yaml and
dept_sichuan.yaml, and the engine that turns each expert's per-indicator scores into the panel score.

Pure: no SQL, no Streamlit. Numbers are Decimal; the panel total is computed from exact sums and divided
once, then rounded as the rubric says. Every loader error names the file and the key path (RubricError),
as rubrics/loader.py does for the self-evaluation rubric.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Context, Decimal
from pathlib import Path

import yaml

from rubrics.loader import (
    ROUNDING_METHODS,
    GradeRule,
    RubricError,
    _display_name,
    _fmt,
    _grades,
    _Node,
    _UniqueKeyLoader,
)

RUBRICS_DIR = Path(__file__).resolve().parent
KIND_KEY = "key"  # 重点评价: one project
KIND_DEPT = "dept"  # 部门整体评价: one department
KINDS = (KIND_KEY, KIND_DEPT)
KIND_LABELS = {KIND_KEY: "重点评价", KIND_DEPT: "部门整体评价"}
# The shipped panel rubrics of each kind, the default first (a year's choice is stored by the bureau).
SHIPPED: dict[str, tuple[str, ...]] = {KIND_KEY: ("key_eval.yaml",), KIND_DEPT: ("dept_overall.yaml", "dept_sichuan.yaml")}
METHOD_MEAN = "mean"
METHOD_TRIMMED = "trimmed_mean"
METHODS = (METHOD_MEAN, METHOD_TRIMMED)
METHOD_LABELS = {METHOD_MEAN: "算术平均", METHOD_TRIMMED: "去掉一个最高分和一个最低分后平均"}
LEVELS = 3  # 一级 / 二级 / 三级: experts score the 三级 indicators
MAX_PLACES = 6
FLAG_SPREAD = "专家分歧"
_EXACT = Context(prec=60)  # one division of exact sums; far more digits than any rounding needs


@dataclass(frozen=True)
class PanelNode:
    """One indicator of the tree: id, name, points, what it means and where it comes from; leaves have no children."""

    id: str
    name: str
    description: str
    reference: str
    weight: Decimal
    children: tuple[PanelNode, ...] = ()


@dataclass(frozen=True)
class Leaf:
    """A 三级 indicator as experts score it, with its 一级 and 二级 names."""

    id: str
    name: str
    weight: Decimal
    level1: str
    level2: str
    level1_id: str
    description: str


@dataclass(frozen=True)
class PanelRule:
    """How experts' scores become the panel's: mean or trimmed mean, the spread flag, rounding."""

    description: str
    reference: str
    method: str  # one of METHODS
    trim_min_experts: int  # trimmed_mean: from this many experts on, drop one highest and one lowest
    spread_threshold: Decimal  # points: an indicator whose max − min exceeds this is flagged
    places: int
    rounding: str  # a key of ROUNDING_METHODS
    score_places: int  # decimals an expert's score may have


@dataclass(frozen=True)
class PanelRubric:
    """A validated panel rubric."""

    name: str
    kind: str
    description: str
    reference: str
    full_marks: Decimal
    panel: PanelRule
    survey_enabled: bool
    survey_description: str
    grade_rule: GradeRule
    tree: tuple[PanelNode, ...]
    version: str  # first 12 hex digits of the sha256 of the file bytes
    source: str  # the file, as shown in messages
    text: str = ""

    @property
    def leaves(self) -> tuple[Leaf, ...]:
        """The 三级 indicators in tree order."""
        return tuple(Leaf(c.id, c.name, c.weight, top.name, mid.name, top.id, c.description)
                     for top in self.tree for mid in top.children for c in mid.children)

    @property
    def grades(self) -> tuple[str, ...]:
        """Grade names, best first."""
        return tuple(band.name for band in self.grade_rule.bands)

    def grade_for(self, score: Decimal) -> str:
        """The grade of a panel score."""
        for band in self.grade_rule.bands:
            if score >= band.min:
                return band.name
        return self.grade_rule.bands[-1].name


def _node(file: str, path: str, item: object, depth: int, seen: set[str]) -> PanelNode:
    """One tree node and its children, checked: unique id, positive weight, children adding up to it."""
    keys = ["id", "name", "description", "reference", "weight"]
    node = _Node.read(file, path, item, keys, ["children"] if depth < LEVELS else [])
    ident = node.text("id")
    if ident in seen:
        raise node.error("id", f"指标编号 '{ident}' 重复；每个指标的编号必须唯一")
    seen.add(ident)
    weight = node.number("weight", Decimal(0), None, lo_open=True)
    children: tuple[PanelNode, ...] = ()
    if depth < LEVELS:
        if not node.has("children"):
            raise node.error("children", f"缺少必填键；第 {depth} 级指标必须有下级指标（专家对第 {LEVELS} 级指标打分）")
        children = tuple(_node(file, child_path, child, depth + 1, seen) for child_path, child in node.items("children"))
        total = sum((c.weight for c in children), Decimal(0))
        if total != weight:
            raise node.error("children", f"下级指标分值合计 {_fmt(total)}，必须等于本指标分值 {_fmt(weight)}")
    return PanelNode(ident, node.text("name"), node.text("description"), node.text("reference"), weight, children)


def _panel(root: _Node) -> PanelRule:
    node = root.child("panel", ["description", "method", "spread_threshold", "places", "rounding", "score_places"],
                      ["reference", "trim_min_experts"])
    method = node.choice("method", METHODS)
    if method == METHOD_TRIMMED and not node.has("trim_min_experts"):
        raise node.error("trim_min_experts", f"method {METHOD_TRIMMED} 必须设置（不小于 3 的整数）")
    return PanelRule(
        description=node.text("description"),
        reference=node.text("reference", ""),
        method=method,
        trim_min_experts=node.integer("trim_min_experts", 3, 99) if node.has("trim_min_experts") else 3,
        spread_threshold=node.number("spread_threshold", Decimal(0)),
        places=node.integer("places", 0, MAX_PLACES),
        rounding=node.choice("rounding", tuple(ROUNDING_METHODS)),
        score_places=node.integer("score_places", 0, MAX_PLACES),
    )


_TOP_REQUIRED = ("name", "kind", "description", "full_marks", "panel", "survey", "grades", "indicators")


def _parse(file: str, data: object, version: str, text: str) -> PanelRubric:
    root = _Node.read(file, "", data, _TOP_REQUIRED, ("reference",))
    full_marks = root.number("full_marks", Decimal(0), None, lo_open=True)
    seen: set[str] = set()
    tree = tuple(_node(file, path, item, 1, seen) for path, item in root.items("indicators"))
    total = sum((n.weight for n in tree), Decimal(0))
    if total != full_marks:
        raise root.error("indicators", f"一级指标分值合计 {_fmt(total)}，必须等于满分 {_fmt(full_marks)}")
    panel = _panel(root)
    survey = root.child("survey", ["description", "enabled"], ["reference"])
    rubric = PanelRubric(
        name=root.text("name"),
        kind=root.choice("kind", KINDS),
        description=root.text("description"),
        reference=root.text("reference", ""),
        full_marks=full_marks,
        panel=panel,
        survey_enabled=survey.boolean("enabled", False),
        survey_description=survey.text("description"),
        grade_rule=_grades(root, full_marks),
        tree=tree,
        version=version,
        source=file,
        text=text,
    )
    quantum = Decimal(1).scaleb(-panel.score_places)
    for path, leaf in ((f"indicators[{leaf.level1_id}]", leaf) for leaf in rubric.leaves):
        if leaf.weight % quantum:
            raise RubricError(file, path, f"三级指标 {leaf.id} 的分值 {_fmt(leaf.weight)} 超出 panel.score_places 的位数")
    return rubric


def panel_rubric_from_bytes(raw: bytes, file: str) -> PanelRubric:
    """Validate a panel rubric given as the bytes of its YAML file (`file` names it in messages)."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise RubricError(file, "", f"文件必须是 UTF-8 编码（第 {exc.start} 字节无法解码）") from exc
    try:
        data = yaml.load(text, Loader=_UniqueKeyLoader)  # a SafeLoader subclass
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"第 {mark.line + 1} 行第 {mark.column + 1} 列：" if mark is not None else ""
        raise RubricError(file, "", f"YAML 格式错误，{where}{getattr(exc, 'problem', None) or exc}") from exc
    return _parse(file, data, hashlib.sha256(raw).hexdigest()[:12], text)


def load_panel_rubric(path: Path | str) -> PanelRubric:
    """Read and validate a panel rubric file (a bare name is looked up in rubrics/)."""
    path = Path(path)
    if not path.is_absolute() and path.parent == Path("."):
        path = RUBRICS_DIR / path
    file = _display_name(path)
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise RubricError(file, "", f"无法读取文件：{exc.strerror or exc}") from exc
    return panel_rubric_from_bytes(raw, file)


def shipped(kind: str) -> tuple[str, ...]:
    """The shipped rubric files of a kind, the default first."""
    return SHIPPED[kind]


# ---------------------------------------------------------------------------------------------
# The engine
# ---------------------------------------------------------------------------------------------

Scores = Mapping[str, Mapping[str, Decimal]]  # expert → indicator id → score


@dataclass(frozen=True)
class IndicatorResult:
    """One 三级 indicator across the panel."""

    leaf: Leaf
    scores: tuple[Decimal, ...]  # in the experts' order
    panel: Decimal  # the panel's score, rounded as the rubric says (for display)
    spread: Decimal  # max − min
    flagged: bool  # spread above the rubric's threshold
    explanation: str


@dataclass(frozen=True)
class PanelResult:
    """The panel's verdict: per indicator, per expert, the total, grade and spread flags."""

    experts: tuple[str, ...]
    method: str  # the method actually used (trimmed mean falls back to the mean with too few experts)
    indicators: tuple[IndicatorResult, ...]
    expert_totals: tuple[Decimal, ...]
    total: Decimal | None  # None without any expert
    grade: str | None
    max_spread: Decimal | None
    explanation: tuple[str, ...]
    levels: tuple[tuple[str, Decimal], ...] = ()  # panel points per 一级 indicator, rounded like the total

    @property
    def flagged(self) -> tuple[IndicatorResult, ...]:
        """The indicators where experts differ by more than the threshold."""
        return tuple(i for i in self.indicators if i.flagged)


class PanelError(ValueError):
    """Scores that do not fit the rubric (an indicator missing, unknown, out of range)."""


def _round(value: Decimal, rule: PanelRule) -> Decimal:
    return value.quantize(Decimal(1).scaleb(-rule.places), rounding=ROUNDING_METHODS[rule.rounding],
                          context=Context(prec=60))


def check_scores(rubric: PanelRubric, expert: str, scores: Mapping[str, Decimal]) -> None:
    """Raise PanelError unless `scores` has exactly the rubric's 三级 indicators, each within 0–weight at the
    rubric's precision (the importer checks the same with cell-precise messages first)."""
    leaves = {leaf.id: leaf for leaf in rubric.leaves}
    unknown = sorted(set(scores) - set(leaves))
    missing = [leaf.id for leaf in rubric.leaves if leaf.id not in scores]
    if unknown:
        raise PanelError(f"专家“{expert}”的评分中有本指标体系没有的指标：{'、'.join(unknown)}")
    if missing:
        raise PanelError(f"专家“{expert}”缺少指标的评分：{'、'.join(missing)}")
    quantum = Decimal(1).scaleb(-rubric.panel.score_places)
    for ident, value in scores.items():
        leaf = leaves[ident]
        if not value.is_finite() or value < 0 or value > leaf.weight:
            raise PanelError(f"专家“{expert}”对“{leaf.name}”的评分 {_fmt(value)} 超出 0–{_fmt(leaf.weight)}")
        if value % quantum:
            raise PanelError(f"专家“{expert}”对“{leaf.name}”的评分 {_fmt(value)} 超过 {rubric.panel.score_places} 位小数")


def _kept(values: Sequence[Decimal], trimmed: bool) -> list[Decimal]:
    ordered = sorted(values)
    return ordered[1:-1] if trimmed else ordered


def score_panel(rubric: PanelRubric, scores: Scores) -> PanelResult:
    """The panel score: each indicator's mean (or trimmed mean) over the experts, their exact sum rounded once,
    the grade, and the indicators whose spread exceeds the threshold. Experts in the order given."""
    experts = tuple(scores)
    for expert in experts:
        check_scores(rubric, expert, scores[expert])
    rule = rubric.panel
    n = len(experts)
    trimmed = rule.method == METHOD_TRIMMED and n >= rule.trim_min_experts
    method = METHOD_TRIMMED if trimmed else METHOD_MEAN
    divisor = n - 2 if trimmed else n
    rows: list[IndicatorResult] = []
    kept_sum = Decimal(0)
    level_sums: dict[str, Decimal] = {}
    for leaf in rubric.leaves:
        values = tuple(scores[e][leaf.id] for e in experts)
        if not values:
            continue
        kept = _kept(values, trimmed)
        kept_total = sum(kept, Decimal(0))
        kept_sum += kept_total
        level_sums[leaf.level1] = level_sums.get(leaf.level1, Decimal(0)) + kept_total
        spread = max(values) - min(values)
        flagged = spread > rule.spread_threshold
        panel = _round(_EXACT.divide(kept_total, Decimal(divisor)), rule)
        shown = "、".join(_fmt(v) for v in values)
        how = f"去掉最高 {_fmt(max(values))} 和最低 {_fmt(min(values))} 后" if trimmed else ""
        text = (f"{leaf.name}（{_fmt(leaf.weight)} 分）：专家 {shown}；{how}平均 {_fmt(kept_total)} / {divisor} = "
                f"{_fmt(panel)}；最高与最低相差 {_fmt(spread)}"
                + (f" > {_fmt(rule.spread_threshold)}，{FLAG_SPREAD}" if flagged else ""))
        rows.append(IndicatorResult(leaf, values, panel, spread, flagged, text))
    totals = tuple(sum(scores[e].values(), Decimal(0)) for e in experts)
    if not n:
        return PanelResult(experts, method, tuple(rows), totals, None, None, None, ("尚无专家评分。",))
    total = _round(_EXACT.divide(kept_sum, Decimal(divisor)), rule)
    grade = rubric.grade_for(total)
    max_spread = max((r.spread for r in rows), default=Decimal(0))
    lines = [f"专家组得分（{METHOD_LABELS[method]}）：各三级指标得分之和 {_fmt(kept_sum)} / {divisor} = {_fmt(total)}"
             f"（保留 {rule.places} 位小数）→ 等级 {grade}"]
    if rule.method == METHOD_TRIMMED and not trimmed:
        lines.append(f"专家不足 {rule.trim_min_experts} 人，按算术平均计算。")
    lines += [f"专家 {e}：合计 {_fmt(t)}" for e, t in zip(experts, totals, strict=True)]
    disputed = [r for r in rows if r.flagged]
    if disputed:
        lines.append(f"{FLAG_SPREAD}（最高与最低相差超过 {_fmt(rule.spread_threshold)} 分）："
                     + "、".join(r.leaf.name for r in disputed))
    levels = tuple((name, _round(_EXACT.divide(value, Decimal(divisor)), rule)) for name, value in level_sums.items())
    return PanelResult(experts, method, tuple(rows), totals, total, grade, max_spread, tuple(lines), levels)
