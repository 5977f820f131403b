"""结果应用: the budget-cut rule table (rubrics/budget_cuts.yaml), its loader, and the engine that turns a year's
scores and next year's requests (下年预算申报数) into the cuts ledger (压减明细).

Pure: no SQL, no Streamlit. Amounts are exact Decimals in 万元; a cut is computed exactly and rounded once, at the
end, to the 分 (0.000001 万元); after_cut = base − cut; totals are sums of the rounded rows. Loader errors name the
file and the key path (RubricError), as rubrics/loader.py does for the self-evaluation rubric.

The ledger has a row per budget line of next year: every continuing project (it has a request) and every unit.
A project is judged on its 项目自评 score (the final score: the reviewed one where there is one) and, when it had
one, its 重点评价; a unit on the 部门整体评价 of its 主管部门. Several matching rules: the precedence says which wins.
A unit's cut is taken from what is left after its projects' cuts, so no 万元 is cut twice.
"""

from __future__ import annotations

import copy
import hashlib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Context, Decimal
from pathlib import Path
from typing import Any, NamedTuple

import yaml

from rubrics.loader import RubricError, _display_name, _fmt, _Node, _UniqueKeyLoader

RULES_PATH = Path(__file__).resolve().with_name("budget_cuts.yaml")
KIND = "结果应用"

SCOPE_SELF = "项目自评"
SCOPE_KEY = "重点评价"
SCOPE_DEPT = "部门整体评价"
SCOPES = (SCOPE_SELF, SCOPE_KEY, SCOPE_DEPT)
PROJECT_SCOPES = (SCOPE_SELF, SCOPE_KEY)

PRIORITY = "优先保障"
KEEP = "据实保障"
CUT = "压减"
CANCEL = "取消或暂停"
ACTIONS = (PRIORITY, KEEP, CUT, CANCEL)
PROTECTED = (PRIORITY, KEEP)
# What a ledger row says when no rule cut it for a reason other than the rule's own action.
EXEMPT = "豁免"
NO_RULE = "未命中规则"

BASE_REQUEST = "下年申报数"
BASE_BUDGET = "本年预算"
BASES = (BASE_REQUEST, BASE_BUDGET)
CUT_UNSPENT = "未执行部分"

PRECEDENCE_LARGEST = "largest_cut"
PRECEDENCE_FIRST = "first_match"
PRECEDENCES = (PRECEDENCE_LARGEST, PRECEDENCE_FIRST)

LEVEL_PROJECT = "项目"
LEVEL_UNIT = "单位"

FEN = Decimal("0.000001")  # one 分 in 万元: the precision of every stored amount
PCT_PLACES = Decimal("0.0001")  # a cut percentage as stored (an unspent share is rarely a round number)
HUNDRED = Decimal(100)
_EXACT = Context(prec=60)  # one division (the unspent share); far more digits than the 分 needs


@dataclass(frozen=True)
class Condition:
    """When a rule applies; every key given must hold. Scores are 0–100, the rate a percentage."""

    grades: tuple[str, ...] = ()
    score_at_least: Decimal | None = None
    score_below: Decimal | None = None
    execution_rate_below: Decimal | None = None
    flags: tuple[str, ...] = ()

    @property
    def kinds(self) -> frozenset[str]:
        """Which kinds of condition it uses (grade, score, rate, flags)."""
        found = {"grade" if self.grades else "", "rate" if self.execution_rate_below is not None else "",
                 "flags" if self.flags else "",
                 "score" if self.score_at_least is not None or self.score_below is not None else ""}
        return frozenset(found - {""})

    def text(self) -> str:
        """The condition in words: 等级为 中；执行率低于 60%."""
        parts = []
        if self.grades:
            parts.append("等级为 " + "、".join(self.grades))
        if self.score_at_least is not None and self.score_below is not None:
            parts.append(f"得分 {_fmt(self.score_at_least)}（含）至 {_fmt(self.score_below)}")
        elif self.score_at_least is not None:
            parts.append(f"得分不低于 {_fmt(self.score_at_least)}")
        elif self.score_below is not None:
            parts.append(f"得分低于 {_fmt(self.score_below)}")
        if self.execution_rate_below is not None:
            parts.append(f"执行率低于 {_fmt(self.execution_rate_below)}%")
        if self.flags:
            parts.append("有疑点 " + "、".join(self.flags))
        return "；".join(parts)

    def score_range(self) -> tuple[Decimal, Decimal]:
        """[low, high) of the score condition (0 and above 100 when open)."""
        return (self.score_at_least if self.score_at_least is not None else Decimal(0),
                self.score_below if self.score_below is not None else Decimal(101))


@dataclass(frozen=True)
class CutRule:
    """One row of the rule table."""

    id: str
    scope: str
    description: str
    when: Condition
    action: str
    cut_pct: Decimal  # 0 for 优先保障 / 据实保障, 100 for 取消或暂停; ignored when `unspent`
    unspent: bool  # cut the unspent share of this year's budget (执行率 rule)
    base: str  # 下年申报数 | 本年预算

    def action_text(self) -> str:
        """规则 P3：压减 10%."""
        if self.action in PROTECTED:
            return f"规则 {self.id}：{self.action}，不压减"
        if self.action == CANCEL:
            return f"规则 {self.id}：取消或暂停"
        if self.unspent:
            return f"规则 {self.id}：压减未执行部分 "
        return f"规则 {self.id}：压减 {_fmt(self.cut_pct)}%"


@dataclass(frozen=True)
class CutRules:
    """The validated rule table: rules in order, precedence, grade order, exemptions, and the source text."""

    name: str
    description: str
    reference: str
    sample_parameters: bool
    precedence: str
    precedence_description: str
    grade_order: tuple[str, ...]
    exempt_individual: bool
    exempt_projects: tuple[str, ...]  # project ids, or 单位名称·项目名称
    exemptions_description: str
    rules: tuple[CutRule, ...]
    version: str
    source: str
    text: str
    data: Mapping[str, Any] = field(repr=False, compare=False)  # the parsed YAML, for what-if edits

    def rule(self, rule_id: str) -> CutRule | None:
        """The rule with this id."""
        return next((r for r in self.rules if r.id == rule_id), None)

    def editable(self) -> dict[str, Any]:
        """A deep copy of the rule table as YAML data: change it and pass it to rules_from_data."""
        return copy.deepcopy(dict(self.data))


# ---------------------------------------------------------------------------------------------
# Loader
# ---------------------------------------------------------------------------------------------

_TOP_REQUIRED = ("name", "kind", "description", "precedence", "grades", "exemptions", "rules")
_TOP_OPTIONAL = ("reference", "sample_parameters")
_WHEN_KEYS = ("grade", "score_at_least", "score_below", "execution_rate_below", "flags")


def _percent(node: _Node, key: str) -> Decimal:
    value = node.number(key, Decimal(0), HUNDRED)
    if value != value.quantize(Decimal("0.01")):
        raise node.error(key, f"最多两位小数，实际为 {_fmt(value)}")
    return value


def _condition(node: _Node, grade_order: Sequence[str]) -> Condition:
    when = node.child("when", (), _WHEN_KEYS)
    if not when.data:
        raise node.error("when", f"至少写一个条件：{', '.join(_WHEN_KEYS)}")
    grades = when.texts("grade") if when.has("grade") else ()
    for grade in grades:
        if grade not in grade_order:
            raise when.error("grade", f"未知等级 '{grade}'；grades.order 中的等级：{', '.join(grade_order)}")
    low = when.number("score_at_least", Decimal(0), HUNDRED) if when.has("score_at_least") else None
    high = when.number("score_below", Decimal(0), HUNDRED + 1) if when.has("score_below") else None
    if low is not None and high is not None and low >= high:
        raise when.error("score_below", f"得分区间上下限颠倒：score_at_least {_fmt(low)} 必须小于 score_below {_fmt(high)}")
    rate = _percent(when, "execution_rate_below") if when.has("execution_rate_below") else None
    flags = when.texts("flags") if when.has("flags") else ()
    return Condition(grades, low, high, rate, flags)


def _rule(file: str, path: str, item: object, grade_order: Sequence[str], seen: set[str]) -> CutRule:
    node = _Node.read(file, path, item, ("id", "scope", "description", "when", "action"), ("cut_pct", "cut", "base"))
    ident = node.text("id")
    if ident in seen:
        raise node.error("id", f"规则编号 '{ident}' 重复；每条规则的编号必须唯一")
    seen.add(ident)
    scope = node.choice("scope", SCOPES)
    action = node.choice("action", ACTIONS)
    when = _condition(node, grade_order)
    if when.execution_rate_below is not None and scope != SCOPE_SELF:
        raise node.error("when", f"execution_rate_below 只能用于 scope {SCOPE_SELF}（项目的本年执行率）")
    unspent = False
    if action in PROTECTED:
        for key in ("cut_pct", "cut", "base"):
            if node.has(key):
                raise node.error(key, f"action {action} 不压减，不能写 {key}")
        return CutRule(ident, scope, node.text("description"), when, action, Decimal(0), False, BASE_REQUEST)
    if action == CANCEL:
        if node.has("cut") or (node.has("cut_pct") and node.number("cut_pct") != HUNDRED):
            raise node.error("cut_pct", f"action {CANCEL} 即压减 100%，不能另写比例")
        pct = HUNDRED
    elif node.has("cut") == node.has("cut_pct"):
        raise node.error("cut_pct", f"action {CUT} 须写 cut_pct（0–100 的百分数）或 cut: {CUT_UNSPENT}，二者只写一个")
    elif node.has("cut"):
        node.choice("cut", (CUT_UNSPENT,))
        if when.execution_rate_below is None:
            raise node.error("cut", f"cut: {CUT_UNSPENT} 须与条件 execution_rate_below 一起使用")
        unspent, pct = True, Decimal(0)
    else:
        pct = _percent(node, "cut_pct")
    base = node.choice("base", BASES) if node.has("base") else BASE_REQUEST
    return CutRule(ident, scope, node.text("description"), when, action, pct, unspent, base)


def _level(rule: CutRule) -> Decimal | None:
    """The cut percentage a rule stands for in the monotonicity check (None: depends on the line)."""
    return None if rule.unspent else rule.cut_pct


def _check_order(file: str, rules: Sequence[CutRule], grade_order: Sequence[str], precedence: str) -> None:
    """Worse grades and lower score ranges never get a smaller cut; under first_match no two rules overlap."""
    for scope in SCOPES:
        mine = [(i, r) for i, r in enumerate(rules) if r.scope == scope]
        by_grade: dict[str, tuple[int, CutRule]] = {}
        for index, rule in mine:
            if rule.when.kinds == {"grade"} and _level(rule) is not None:
                for grade in rule.when.grades:
                    if grade not in by_grade or rule.cut_pct > by_grade[grade][1].cut_pct:
                        by_grade[grade] = (index, rule)
        ranked = [g for g in grade_order if g in by_grade]
        for better, worse in zip(ranked, ranked[1:], strict=False):
            (_, b), (index, w) = by_grade[better], by_grade[worse]
            if w.cut_pct < b.cut_pct:
                raise RubricError(file, f"rules[{index}].cut_pct",
                                  f"等级越差压减比例不得越小：规则 {w.id}（{worse}）{_fmt(w.cut_pct)}% 小于规则 {b.id}"
                                  f"（{better}）{_fmt(b.cut_pct)}%")
        ranges = sorted(((r.when.score_range(), i, r) for i, r in mine
                         if r.when.kinds == {"score"} and _level(r) is not None), key=lambda t: t[0])
        for (low_range, _, low), (high_range, index, high) in zip(ranges, ranges[1:], strict=False):
            if low_range[1] <= high_range[0] and low.cut_pct < high.cut_pct:
                raise RubricError(file, f"rules[{index}].cut_pct",
                                  f"得分越低压减比例不得越小：规则 {low.id}（得分低于 {_fmt(low_range[1])}）"
                                  f"{_fmt(low.cut_pct)}% 小于规则 {high.id} {_fmt(high.cut_pct)}%")
        if precedence != PRECEDENCE_FIRST:
            continue
        for a_pos, (_, a) in enumerate(mine):
            for index, b in mine[a_pos + 1:]:
                if _overlap(a.when, b.when):
                    raise RubricError(file, f"rules[{index}].when",
                                      f"规则 {b.id} 与排在前面的规则 {a.id} 条件重叠；precedence.rule 为 first_match 时，"
                                      "重叠部分只按前一条处理，顺序就决定了结果。请调整区间使其互不重叠，或改用 largest_cut")


def _overlap(a: Condition, b: Condition) -> bool:
    """True when both conditions are of one kind (grade or score) and some value satisfies both."""
    if a.kinds != b.kinds or len(a.kinds) != 1:
        return False
    if a.kinds == {"grade"}:
        return bool(set(a.grades) & set(b.grades))
    if a.kinds == {"score"}:
        (a_low, a_high), (b_low, b_high) = a.score_range(), b.score_range()
        return a_low < b_high and b_low < a_high
    return False


def _parse(file: str, data: object, version: str, text: str) -> CutRules:
    root = _Node.read(file, "", data, _TOP_REQUIRED, _TOP_OPTIONAL)
    if root.text("kind") != KIND:
        raise root.error("kind", f"必须是 {KIND}")
    precedence = root.child("precedence", ("rule", "description"))
    grades = root.child("grades", ("description", "order"))
    grade_order = grades.texts("order")
    exemptions = root.child("exemptions", ("description", "individual_subsidy"), ("projects",))
    projects = exemptions.texts("projects", allow_empty=True) if exemptions.has("projects") else ()
    seen: set[str] = set()
    rules = tuple(_rule(file, path, item, grade_order, seen) for path, item in root.items("rules"))
    chosen = precedence.choice("rule", PRECEDENCES)
    _check_order(file, rules, grade_order, chosen)
    return CutRules(
        name=root.text("name"), description=root.text("description"), reference=root.text("reference", ""),
        sample_parameters=root.boolean("sample_parameters", False), precedence=chosen,
        precedence_description=precedence.text("description"), grade_order=grade_order,
        exempt_individual=exemptions.boolean("individual_subsidy", False), exempt_projects=projects,
        exemptions_description=exemptions.text("description"), rules=rules, version=version, source=file, text=text,
        data=data if isinstance(data, Mapping) else {})


def _read_yaml(text: str, file: str) -> object:
    try:
        return yaml.load(text, Loader=_UniqueKeyLoader)  # a SafeLoader subclass
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"第 {mark.line + 1} 行第 {mark.column + 1} 列：" if mark is not None else ""
        raise RubricError(file, "", f"YAML 格式错误，{where}{getattr(exc, 'problem', None) or exc}") from exc


def rules_from_bytes(raw: bytes, file: str) -> CutRules:
    """Validate a rule table given as the bytes of its YAML file (`file` names it in messages)."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise RubricError(file, "", f"文件必须是 UTF-8 编码（第 {exc.start} 字节无法解码）") from exc
    return _parse(file, _read_yaml(text, file), hashlib.sha256(raw).hexdigest()[:12], text)


def rules_from_data(data: Mapping[str, Any], file: str) -> CutRules:
    """Validate an edited rule table (CutRules.editable() changed on the what-if page); its text is the YAML dump."""
    text = dump(data)
    return rules_from_bytes(text.encode("utf-8"), file)


def dump(data: Mapping[str, Any]) -> str:
    """The rule table as YAML text (key order kept, Chinese as is)."""
    return yaml.safe_dump(_plain(data), allow_unicode=True, sort_keys=False, width=120)


def _plain(value: object) -> object:
    """YAML-safe copy: Decimals become ints or floats, tuples lists."""
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    return value


def load_rules(path: Path | str | None = None) -> CutRules:
    """Read and validate a rule table file (default rubrics/budget_cuts.yaml)."""
    path = Path(path) if path is not None else RULES_PATH
    file = _display_name(path)
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise RubricError(file, "", f"无法读取文件：{exc.strerror or exc}") from exc
    return rules_from_bytes(raw, file)


# ---------------------------------------------------------------------------------------------
# Engine
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Judgement:
    """A result a line is judged on: the scope, the score and grade (None when there is none), how it is named."""

    scope: str
    score: Decimal | None
    grade: str | None
    label: str  # 项目自评 | 重点评价 | 部门整体评价（区民政局）


@dataclass(frozen=True)
class Line:
    """A budget line of next year: a continuing project, or a unit (its whole request)."""

    level: str  # 项目 | 单位
    unit_code: str
    unit_name: str
    unit_type: str
    department: str
    domain: str
    project_id: str | None
    project_name: str | None
    request: Decimal | None  # 下年预算申报数, 万元
    budget: Decimal | None  # this year's 全年预算数 (a unit: its projects' sum), 万元
    executed: Decimal | None  # this year's 全年执行数, 万元
    individual: bool  # 补助个人的民生项目
    flags: tuple[str, ...]
    judgements: tuple[Judgement, ...]

    @property
    def label(self) -> str:
        """单位名称 · 项目名称 (a project) or the unit's name."""
        return f"{self.unit_name} · {self.project_name}" if self.project_name else self.unit_name


class CutRow(NamedTuple):
    """One row of the ledger: what the line was judged on, the rule that decided, and the arithmetic (a named
    tuple: a province's ledger has ~90,000 of them, built on every what-if)."""

    level: str
    scope: str | None
    unit_code: str
    unit_name: str
    unit_type: str
    department: str
    domain: str
    project_id: str | None
    project_name: str | None
    score: Decimal | None
    grade: str | None
    rule_id: str | None
    action: str  # an ACTIONS value, 豁免 or 未命中规则
    base_kind: str | None
    request: Decimal | None
    base: Decimal  # 0 when the line had no base
    cut_pct: Decimal  # as applied (the unspent share for the 执行率 rule), 4 places
    cut_amount: Decimal
    after_cut: Decimal
    exempt: str | None  # why the line is exempt
    reason: str


@dataclass(frozen=True)
class Ledger:
    """The rows and the totals (sums of the rounded rows): 申报总额 → 压减合计 → 安排总额."""

    rows: tuple[CutRow, ...]
    requested: Decimal  # every unit's request
    cut: Decimal
    arranged: Decimal


def _money(value: Decimal) -> str:
    return f"{value:,.2f} 万元"


def _rate(line: Line) -> Decimal | None:
    """executed / budget as a percentage, exact enough to compare; None without a positive budget."""
    if line.budget is None or line.executed is None or line.budget <= 0:
        return None
    return _EXACT.divide(line.executed * HUNDRED, line.budget)


def _matches(when: Condition, judgement: Judgement, line: Line, rate: Decimal | None) -> bool:
    if when.grades and judgement.grade not in when.grades:
        return False
    if when.score_at_least is not None or when.score_below is not None:
        if judgement.score is None:
            return False
        low, high = when.score_range()
        if not low <= judgement.score < high:
            return False
    if when.execution_rate_below is not None and (rate is None or rate >= when.execution_rate_below):
        return False
    return not when.flags or bool(set(when.flags) & set(line.flags))


class _Outcome(NamedTuple):
    rule: CutRule
    judgement: Judgement
    base: Decimal | None
    pct: Decimal  # exact
    cut: Decimal  # rounded to the 分, ≤ base


def _outcome(rule: CutRule, judgement: Judgement, line: Line, rate: Decimal | None, already: Decimal) -> _Outcome:
    """The rule applied to the line: its base (less `already`, what the line's projects lost), percentage and cut."""
    raw = line.request if rule.base == BASE_REQUEST else line.budget
    base = None if raw is None else max(raw - already, Decimal(0))
    if rule.unspent:
        pct = max(HUNDRED - rate, Decimal(0)) if rate is not None else Decimal(0)
    else:
        pct = rule.cut_pct
    if base is None or not pct:
        return _Outcome(rule, judgement, base, pct, Decimal(0))
    exact = _EXACT.divide(_EXACT.multiply(base, pct), HUNDRED)
    return _Outcome(rule, judgement, base, pct, min(exact.quantize(FEN, rounding=ROUND_HALF_UP), base))


def _exemption(rules: CutRules, listed: frozenset[str], line: Line) -> str | None:
    if line.level != LEVEL_PROJECT:
        return None
    if rules.exempt_individual and line.individual:
        return "补助个人的民生项目"
    if listed and (line.project_id in listed or "".join(line.label.split()) in listed):
        return "规则表列明豁免的项目"
    return None


def _judged(judgement: Judgement) -> str:
    if judgement.score is None:
        return f"{judgement.label}：无得分"
    grade = f"（{judgement.grade}）" if judgement.grade else ""
    return f"{judgement.label} {judgement.score:.2f} 分{grade}"


def _reason(o: _Outcome, line: Line, rate: Decimal | None, already: Decimal) -> str:
    rule = o.rule
    if rule.when.execution_rate_below is not None and rate is not None:
        judged = f"执行率 {rate:.2f}%，低于 {_fmt(rule.when.execution_rate_below)}%"
    else:
        judged = _judged(o.judgement)
    if rule.action in PROTECTED:
        return f"{judged} → {rule.action_text()}"
    if o.base is None:
        return f"{judged} → {rule.action_text()}，但没有{rule.base}，无法压减"
    base = _money(o.base)
    if already:
        raw = line.request if rule.base == BASE_REQUEST else line.budget
        base += f"（{rule.base} {_money(raw or Decimal(0))}，扣除本单位项目压减 {_money(already)}）"
    pct = f"{o.pct:.2f}%" if rule.unspent else ""
    return f"{judged} → {rule.action_text()}{pct}，基数 {base} → 压减 {_money(o.cut)}"


def _winner(rules: CutRules, outcomes: Sequence[_Outcome]) -> _Outcome:
    if rules.precedence == PRECEDENCE_FIRST:
        return outcomes[0]
    best = outcomes[0]
    for o in outcomes[1:]:  # rule order: a tie keeps the earlier rule
        if o.cut > best.cut:
            best = o
    return best


def _row(line: Line, o: _Outcome | None, exempt: str | None, reason: str) -> CutRow:
    cut = Decimal(0) if o is None or exempt else o.cut
    base = (o.base if o is not None and o.base is not None else None)
    if base is None:
        base = line.request if line.request is not None else Decimal(0)
    judgement = o.judgement if o is not None else (line.judgements[0] if line.judgements else None)
    action = NO_RULE if o is None else (EXEMPT if exempt and o.cut else o.rule.action)
    return CutRow(
        level=line.level, scope=judgement.scope if judgement else None, unit_code=line.unit_code,
        unit_name=line.unit_name, unit_type=line.unit_type, department=line.department, domain=line.domain,
        project_id=line.project_id, project_name=line.project_name,
        score=judgement.score if judgement else None, grade=judgement.grade if judgement else None,
        rule_id=o.rule.id if o is not None else None, action=action,
        base_kind=o.rule.base if o is not None else None, request=line.request, base=base,
        cut_pct=(Decimal(0) if cut == 0 else o.pct.quantize(PCT_PLACES, rounding=ROUND_HALF_UP)) if o else Decimal(0),
        cut_amount=cut, after_cut=base - cut, exempt=exempt if o is not None and o.cut else None, reason=reason)


@dataclass(frozen=True)
class _Prepared:
    """What judging a line needs of the rules, worked out once per ledger: the rules per level, the listed
    exemptions without spaces."""

    rules: CutRules
    by_scope: Mapping[tuple[str, str], tuple[CutRule, ...]]  # (level, scope) → its rules in order
    listed: frozenset[str]

    @classmethod
    def of(cls, rules: CutRules) -> _Prepared:
        levels = {LEVEL_PROJECT: PROJECT_SCOPES, LEVEL_UNIT: (SCOPE_DEPT,)}
        return cls(rules, {(level, scope): tuple(r for r in rules.rules if r.scope == scope)
                           for level, scopes in levels.items() for scope in scopes},
                   frozenset("".join(p.split()) for p in rules.exempt_projects))


def _judge(prepared: _Prepared, line: Line, already: Decimal) -> CutRow:
    rules = prepared.rules
    rate = _rate(line)
    outcomes = [_outcome(rule, j, line, rate, already)
                for j in line.judgements for rule in prepared.by_scope.get((line.level, j.scope), ())
                if _matches(rule.when, j, line, rate)]
    if len(outcomes) > 1 and len(line.judgements) > 1:  # keep rule order across the line's judgements (ties, first_match)
        order = {rule.id: index for index, rule in enumerate(rules.rules)}
        outcomes.sort(key=lambda o: order[o.rule.id])
    if not outcomes:
        judged = "；".join(_judged(j) for j in line.judgements) or ("未开展部门整体评价" if line.level == LEVEL_UNIT
                                                                   else "没有评价结果")
        return _row(line, None, None, f"{judged} → 未命中任何规则，不压减")
    best = _winner(rules, outcomes)
    exempt = _exemption(rules, prepared.listed, line)
    reason = _reason(best, line, rate, already)
    if exempt and best.cut:
        reason = f"{exempt}，豁免压减（否则{reason}）"
    return _row(line, best, exempt, reason)


def judge(rules: CutRules, line: Line, already: Decimal = Decimal(0)) -> CutRow:
    """The ledger row of one line. `already`: what the unit's projects were cut (a unit line only)."""
    return _judge(_Prepared.of(rules), line, already)


def compute(rules: CutRules, lines: Iterable[Line]) -> Ledger:
    """The ledger: project lines first, then each unit's line with its projects' cuts taken off its base."""
    projects: list[Line] = []
    units: list[Line] = []
    for line in lines:
        (projects if line.level == LEVEL_PROJECT else units).append(line)
    prepared = _Prepared.of(rules)
    none = Decimal(0)
    rows = [_judge(prepared, line, none) for line in projects]
    taken: dict[str, Decimal] = {}
    for row in rows:
        if row.cut_amount:
            taken[row.unit_code] = taken.get(row.unit_code, none) + row.cut_amount
    rows += [_judge(prepared, line, taken.get(line.unit_code, none)) for line in units]
    requested = sum((line.request for line in units if line.request is not None), Decimal(0))
    cut = sum((row.cut_amount for row in rows), Decimal(0))
    return Ledger(tuple(rows), requested, cut, requested - cut)
