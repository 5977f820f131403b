"""Deterministic generator of the sample years 2015 and 2014 (示例数据): what the district's units send in.

`write_sample()` writes one .xlsx workbook per budget unit (one sheet per project, each sheet a MoF
annex-1 项目支出绩效自评表) plus the bureau's registry `自评项目清单.xlsx`. The figures of DOMAIN.md §1
hold exactly for 2015: 121 units, 793 projects in twelve domains, Σ 全年预算数 99,500.00 万元, Σ 全年执行数
83,200.00 万元, 全年项目支出 203,061.22 万元 (49%). 2014 is planned from 2015 (`YEARS`: figures of our
choosing, a little smaller): the same units but those set up in 2015, most projects continuing under the
same name (so a project can be followed over the years), the rest ended in 2014. The forms carry the
quirks of real forms (DOMAIN.md §2); `planted_quirks()` names example sheets for each.

Every project is of a kind (names.yaml `project_kinds`): its unit runs that kind, and its 三级指标 come from
the kind's own indicators and from the generic ones that fit any project (时效, 成本 …), never from
another kind's.

Names (units, places, project names, indicators, reasons) come from `sampledata/names.yaml`; rule
numbers (weights, qualitative bands, grade bands, ratios, rounding) from `rubrics/self_eval.yaml`
(see sampledata/rules.py). The scoring arithmetic here is the generator's own, so the sample is an
independent check of rubrics/engine.py. The numbers left in this module are the generator's knobs.

Each year comes from its own `random.Random(seed)` (2014 also reads the 2015 plan); money is planned in
integer hundredths of 万元;
workbooks are written with fixed document properties and repacked with fixed zip entry dates, order
and compression, so the same seed gives byte-identical files.
"""

from __future__ import annotations

import io
import math
import random
import re
import zipfile
from collections.abc import Callable, Collection, Hashable
from copy import copy
from dataclasses import dataclass, field
from datetime import datetime
from decimal import ROUND_CEILING, ROUND_FLOOR, ROUND_HALF_UP, Decimal
from functools import lru_cache
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.cell.cell import Cell
from openpyxl.styles import Alignment, Border, Font, Side
from openpyxl.styles.cell_style import StyleArray
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.merge import MergedCellRange
from openpyxl.worksheet.worksheet import Worksheet
from openpyxl.writer.excel import ExcelWriter

from rubrics.loader import FORMULA_LINEAR, RubricError
from sampledata.names import (
    BENEFIT_LEVEL2,
    KIND_PCT,
    OUTPUT_LEVEL2,
    SATISFACTION_LEVEL2,
    STREET_SUFFIX,
    TOWN_SUFFIX,
    IndicatorSpec,
    NamesError,
    ProjectKind,
    load_names,
)
from sampledata.paths import SAMPLE_YEAR, sample_dir
from sampledata.rules import sample_rules

NAMES = load_names()  # sampledata/names.yaml
RULES = sample_rules()  # rubrics/self_eval.yaml

SAMPLE_SEED = 20150915  # the 2015 sample's random seed

REGISTRY_FILE = "自评项目清单.xlsx"
REGISTRY_SHEET = "自评项目清单"
YEAR_SHEET = "年度信息"
REGISTRY_HEADER = ("序号", "单位编码", "单位名称", "单位类型", "主管部门", "项目名称", "所属领域")
EXPENDITURE_LABEL = "全年项目支出（万元）"

UNIT_COUNT = 121
PROJECT_COUNT = 793
TOTAL_BUDGET_CW = 9_950_000  # Σ 全年预算数, hundredths of 万元 (99,500.00 万元)
TOTAL_SPENT_CW = 8_320_000  # Σ 全年执行数, hundredths of 万元 (83,200.00 万元)
NOTE_LABEL = "数据说明"
SAMPLE_NOTE_TEMPLATE = "示例数据：模拟的 {year} 年度自评表，并非真实单位填报"
SAMPLE_NOTE = SAMPLE_NOTE_TEMPLATE.format(year=SAMPLE_YEAR)
YEAR_EXPENDITURE_WAN = Decimal("203061.22")  # 全年项目支出, 万元 (99,500 / 203,061.22 = 49%)

UNIT_TYPES = ("区直部门", "镇", "街道办事处", "学校")
INCOMPLETE = "未完成"  # planned outcome of a form left unfinished (no grade)
GRADE_PLAN = (("优", 485), ("良", 180), ("中", 80), ("差", 24), (INCOMPLETE, 24))  # projects per planned grade


@dataclass(frozen=True)
class YearFigures:
    """What a sample year adds up to: the generator plans each year to these totals exactly."""

    year: int
    seed: int
    projects: int
    budget_cw: int  # Σ 全年预算数, hundredths of 万元
    spent_cw: int  # Σ 全年执行数, hundredths of 万元
    expenditure_wan: Decimal  # 全年项目支出 entered by the bureau, 万元
    grade_plan: tuple[tuple[str, int], ...]  # projects per planned grade
    continuing: float = 0.0  # earlier years: share of a unit's next-year projects already running this year


# 2015: DOMAIN.md §1. 2014: ours to choose, a little smaller (92,800 万元 budgeted, 76,100 spent = 82.0%,
# 47.9% of 193,600 万元), slightly weaker grades; about three in four 2015 projects were already running.
YEARS = {
    2015: YearFigures(2015, SAMPLE_SEED, PROJECT_COUNT, TOTAL_BUDGET_CW, TOTAL_SPENT_CW, YEAR_EXPENDITURE_WAN,
                      GRADE_PLAN),
    2014: YearFigures(2014, 20140915, 768, 9_280_000, 7_610_000, Decimal("193600.00"),
                      (("优", 430), ("良", 190), ("中", 90), ("差", 30), (INCOMPLETE, 28)), continuing=0.74),
}
# Where a planned total is drawn inside its grade band: points above the band's lower edge, points below
# its upper edge (the next grade's minimum, or full marks).
TOTAL_DRAW = {"优": (Decimal("0.8"), Decimal("0.4")), "良": (Decimal(1), Decimal(1)),
              "中": (Decimal(2), Decimal("1.5")), "差": (Decimal(35), Decimal("1.5"))}
INCOMPLETE_DRAW = (70.0, 97.0)  # planned totals of the forms left unfinished
GRADE_MARGIN = Decimal("0.5")  # a planned total keeps at least this far from its grade band's inner edges
OVER_MARGIN = Decimal("0.02")  # an over-achieved count is drawn from (ratio + margin) × target
MAX_SHEET_TITLE = 31  # characters Excel allows in a sheet title
VILLAGES_PER_TOWN = 8
COMMUNITIES_PER_STREET = 4
ROADS_PER_UNIT = 4

ZIP_DATE_TIME = (2015, 9, 15, 0, 0, 0)  # every zip entry's timestamp (of the 2015 sample: the year's 15 Sept.)
DOC_TIME = datetime(2015, 9, 15, 0, 0, 0)  # workbook created / modified (2015 sample)
DOC_CREATOR = "示例数据生成器"
ZIP_LEVEL = 6  # deflate level of the repacked workbooks

QUIRK_KEYS = (
    "glued_units", "percent_word", "qualitative", "template_labels", "placeholder_rows", "zero_total_row",
    "incomplete", "integer_scores", "text_thousands", "fullwidth_digits", "wan_suffix", "yuan_amounts",
    "inflated_self_score", "overachieved_no_reason", "overachieved_with_reason", "weights_not_100",
    "layout_shifted", "layout_province", "layout_mof_no_unit_row",
)

_ZERO = Decimal(0)
_ONE = Decimal(1)
_CENT = Decimal("0.01")
_FORBIDDEN_TITLE = re.compile(r"[\[\]:*?/\\]")

# Size classes → (min, max) projects per unit: 区直部门 by the size in names.yaml, then towns, streets, schools.
_COUNT_RANGE = {"L": (12, 20), "M": (5, 10), "S": (2, 5), "town": (12, 18), "street": (7, 11), "school": (2, 4)}
_ADJUSTABLE = ("L", "M", "town", "street")  # size classes whose counts move (± 2) to hit the year's total
_Q = OUTPUT_LEVEL2
_B = BENEFIT_LEVEL2
_SAT = SATISFACTION_LEVEL2
_PCT_TARGETS = (80, 85, 90, 95, 98, 100)  # percentage targets a planner writes
# Largest planned loss per row kind, as a fraction of the weight (a ≤ row losing half is at twice its target
# under the ratio rule: w × t / 2t).
_LOSS_CAP = {"count": Decimal("0.85"), "pct": Decimal("0.45"), "le": Decimal("0.5"), "qual": Decimal("0.9")}
_ACHIEVED, _PARTIAL, _MISSED = (band.name for band in RULES.bands)  # qualitative bands, best first
_TOP_GRADE, _SECOND_GRADE = RULES.grades[0].name, RULES.grades[1].name


def _check_inputs() -> None:
    """Fail early when names.yaml or the rubric does not fit the generator's knobs."""
    file = NAMES.source
    planned = [grade for grade, _ in GRADE_PLAN if grade != INCOMPLETE]
    if [g.name for g in RULES.grades] != planned or set(TOTAL_DRAW) != set(planned):
        raise RubricError(RULES.source, "grades.bands",
                          f"示例数据生成器按等级 {'、'.join(planned)} 安排项目，规则中为 {'、'.join(g.name for g in RULES.grades)}")
    if set(NAMES.qualitative_words) != {_ACHIEVED, _PARTIAL, _MISSED}:
        raise NamesError(file, "qualitative_words", f"keys must be the rubric's qualitative bands: {_ACHIEVED}, "
                                                    f"{_PARTIAL}, {_MISSED} ({RULES.source})")
    if len(set(NAMES.surnames)) * len(set(NAMES.village_suffixes)) < VILLAGES_PER_TOWN:
        raise NamesError(file, "surnames", f"surnames × village_suffixes must give at least {VILLAGES_PER_TOWN} names")
    if len(NAMES.communities) < COMMUNITIES_PER_STREET:
        raise NamesError(file, "communities", f"at least {COMMUNITIES_PER_STREET} names are needed")
    if len(NAMES.roads) < ROADS_PER_UNIT:
        raise NamesError(file, "roads", f"at least {ROADS_PER_UNIT} names are needed")
    tables = [(f"project_kinds.{k.name}.indicators", k.indicators) for k in NAMES.kinds.values()]
    tables.append(("generic_indicators", NAMES.generic_indicators))
    for path, table in tables:
        for level2, specs in table.items():
            for i, spec in enumerate(specs):
                if spec.kind == KIND_PCT and not any(spec.lo <= v <= spec.hi for v in _PCT_TARGETS):
                    raise NamesError(file, f"{path}.{level2}[{i}]",
                                     f"lo–hi must include one of the targets {', '.join(map(str, _PCT_TARGETS))}")
    for bureau in NAMES.bureaus:
        for name, size in ((bureau.name, bureau.size), *((sub.name, sub.size) for sub in bureau.subunits)):
            lo, hi = _COUNT_RANGE[size]
            most = hi + 2 if size in _ADJUSTABLE else hi
            names = sum(ROADS_PER_UNIT if "{p}" in template else 1 for template, _ in _candidates("区直部门", name))
            if names < most:
                raise NamesError(file, "project_kinds", f"'{name}' (size {size}) may have {most} projects but its kinds "
                                                        f"give only {names} project names: add names or kinds")


@lru_cache(maxsize=256)
def _candidates(unit_type: str, unit_name: str) -> tuple[tuple[str, ProjectKind], ...]:
    """(name template, kind) pairs a unit draws its projects from, in names.yaml order: its kinds' names for a
    区直部门 or sub-unit (those kinds that list it), every kind's town / street / school names otherwise."""
    key = {"镇": "town", "街道办事处": "street", "学校": "school"}.get(unit_type)
    if key is None:
        return tuple((template, kind) for kind in NAMES.kinds.values() if unit_name in kind.units
                     for template in kind.names)
    return tuple((template, kind) for kind in NAMES.kinds.values() for template in getattr(kind, key))


_check_inputs()

# ---------------------------------------------------------------------------------------------
# Plan data
# ---------------------------------------------------------------------------------------------


@dataclass(eq=False)
class Unit:
    """A budget unit and how it fills in its forms."""

    code: str
    name: str
    kind: str  # one of UNIT_TYPES
    department: str  # 主管部门
    size: str  # key of _COUNT_RANGE
    places: tuple[str, ...] = ()  # villages / communities / roads used in project names
    layout: str = "mof"  # mof | shifted | province
    unit_row: bool = True  # writes the 填报单位 row
    integer_scores: bool = False  # rounds every row score to an integer
    count_style: str = "unit"  # unit ("52个") | plain (52)
    pct_style: str = "pct"  # pct ("96%") | ratio (0.96) | plain (96)
    pct_word: bool = False  # writes percentages as 百分比
    rate_style: str = "ratio"  # ratio (0.8612, shown as %) | text ("86.12%") | percent (86.12)
    zero_blank: bool = False  # leaves zero amounts blank
    projects: list[Project] = field(default_factory=list)

    @property
    def file_name(self) -> str:
        """`219001_龙康小学.xlsx`."""
        return f"{self.code}_{self.name}.xlsx"


@dataclass(eq=False)
class Row:
    """One indicator row of a form (or an empty placeholder row)."""

    level1: str
    level2: str
    name: str  # as written (may carry a 指标N prefix; '指标3' or '……' on a placeholder row)
    kind: str  # count | pct | le | le_budget | qual | placeholder
    weight: int = 0
    op: str = ""
    unit: str = ""
    target: Decimal = _ZERO
    target_word: str = ""
    actual: Decimal = _ZERO
    actual_word: str = ""
    band: str = ""  # qualitative: the name of a rubric band (达成 | 部分达成 | 未达成)
    loss: Decimal = _ZERO  # planned fraction of the weight lost
    over: bool = False  # actual ≥ the rubric's over-achievement ratio × target
    honest: Decimal = _ZERO
    self_score: Decimal | None = _ZERO
    show_actual: bool = True
    plain: bool = False  # actual written as a bare number (52) rather than with its unit (52个)
    reason: str = ""


@dataclass(eq=False)
class Project:
    """One project: money, planned grade, indicator rows and the quirks planted in its form."""

    unit: Unit
    name: str
    kind: ProjectKind  # what the project is: its domain and the indicators that measure it
    index: int
    grade: str = ""  # planned: 优 良 中 差 未完成
    budget: int = 0  # 全年预算数, hundredths of 万元
    initial: int = 0  # 年初预算数
    spent: int = 0  # 全年执行数
    carry_share: float = 0.0  # share of each column in 上年结转资金
    other_share: float = 0.0  # share in 其他资金
    rate_target: float = 0.0
    has_sat: bool = True
    weight_delta: int = 0  # ≠ 0: the weights do not add up to full marks
    rows: list[Row] = field(default_factory=list)
    budget_self: Decimal | None = _ZERO
    budget_honest: Decimal = _ZERO
    honest_total: Decimal = _ZERO
    self_total: Decimal | None = _ZERO
    money_style: str = "number"  # number | thousands | fullwidth | wan | yuan
    incomplete: str = ""  # "" | blank_actual | blank_scores | blank_total
    quirks: list[str] = field(default_factory=list)
    goal: str = ""
    outcome: str = ""

    @property
    def domain(self) -> str:
        """所属领域: the domain of the project's kind."""
        return self.kind.domain

    @property
    def rate(self) -> Decimal:
        """执行率 = 全年执行数 / 全年预算数, rounded as the rubric says (0.8612)."""
        return (Decimal(self.spent) / Decimal(self.budget)).quantize(RULES.rate_quantum, RULES.rounding)

    @property
    def honest_grade(self) -> str:
        """The grade the honest recomputation gives, or 未完成 for an incomplete form."""
        return INCOMPLETE if self.incomplete else _grade(self.honest_total)


@dataclass
class SamplePlan:
    """The whole sample year before it is written: units in file order, projects in registry order."""

    figures: YearFigures
    units: list[Unit]
    projects: list[Project]

    @property
    def year(self) -> int:
        """The year the forms report on."""
        return self.figures.year

    @property
    def seed(self) -> int:
        """The year's random seed."""
        return self.figures.seed


# ---------------------------------------------------------------------------------------------
# Small helpers
# ---------------------------------------------------------------------------------------------


def _q2(value: Decimal) -> Decimal:
    """Round half up to two decimals (as a form shows a percentage)."""
    return value.quantize(_CENT, ROUND_HALF_UP)


def _points(value: Decimal) -> Decimal:
    """Points rounded as the rubric rounds a row (two decimals, half up)."""
    return value.quantize(RULES.score_quantum, RULES.rounding)


def _qi(value: Decimal) -> Decimal:
    """Round half up to an integer."""
    return value.quantize(_ONE, ROUND_HALF_UP)


def _uniform(rng: random.Random, lo: float, hi: float) -> Decimal:
    """A uniform draw as a Decimal with four decimals."""
    return Decimal(str(round(rng.uniform(lo, hi), 4)))


def _fmt(value: Decimal) -> str:
    """A number as a person writes it: no exponent, no trailing zeros."""
    text = format(value.normalize(), "f")
    return "0" if text == "-0" else text


def _cell_number(value: Decimal) -> int | float:
    """A Decimal as a cell value: int when whole, else float."""
    return int(value) if value == value.to_integral_value() else float(value)


def _wan(cw: int) -> Decimal:
    """Hundredths of 万元 → 万元."""
    return Decimal(cw) / 100


def _grade(total: Decimal) -> str:
    """The rubric's grade of a total: the first band (best first) whose minimum it reaches."""
    for grade in RULES.grades:
        if total >= grade.min:
            return grade.name
    return RULES.grades[-1].name


def _grade_edges(grade: str) -> tuple[Decimal, Decimal]:
    """(lowest total, upper edge) of a grade band: the next better grade's minimum, or full marks."""
    names = [g.name for g in RULES.grades]
    i = names.index(grade)
    return RULES.grades[i].min, RULES.grades[i - 1].min if i else Decimal(RULES.full_marks)


def _grade_ok(total: Decimal, grade: str) -> bool:
    """True when `total` has `grade` with at least GRADE_MARGIN to its band's inner edges."""
    lo, hi = Decimal(-1), Decimal(RULES.full_marks + 1)  # open ends: any total from 0 to full marks
    if grade != INCOMPLETE:
        bottom, top = _grade_edges(grade)
        if grade != RULES.grades[-1].name:
            lo = bottom + GRADE_MARGIN
        if grade != RULES.grades[0].name:
            hi = top - GRADE_MARGIN
    return lo <= total < hi


def _total_range(grade: str) -> tuple[float, float]:
    """Where the planned total of a form of `grade` is drawn (TOTAL_DRAW inside the grade band)."""
    if grade == INCOMPLETE:
        return INCOMPLETE_DRAW
    bottom, top = _grade_edges(grade)
    above, below = TOTAL_DRAW[grade]
    return float(bottom + above), float(top - below)


def _fullwidth(text: str) -> str:
    """ASCII digits, point and comma → full-width (１２３．５)."""
    return text.translate(str.maketrans("0123456789.,", "０１２３４５６７８９．，"))


def _split(rng: random.Random, total: int, parts: int) -> list[int]:
    """`total` points in `parts` integer weights, multiples of 5 when it fits."""
    if parts == 1:
        return [total]
    if total % 5 == 0 and parts <= total // 5 and rng.random() < 0.8:
        cuts = sorted(rng.sample(range(1, total // 5), parts - 1))
        return [5 * (b - a) for a, b in zip([0, *cuts], [*cuts, total // 5], strict=True)]
    spare = total - 2 * parts
    cuts = sorted(rng.randint(0, spare) for _ in range(parts - 1))
    return [2 + b - a for a, b in zip([0, *cuts], [*cuts, spare], strict=True)]


def _nice(value: int) -> int:
    """Round a target to a number a planner would write (3, 45, 120, 2500)."""
    step = 100 if value >= 2000 else 10 if value >= 100 else 1
    return max(2, value // step * step)


# ---------------------------------------------------------------------------------------------
# Plan: units, projects, money, grades, indicators, quirks
# ---------------------------------------------------------------------------------------------


def _villages(rng: random.Random, n: int) -> tuple[str, ...]:
    """`n` distinct village names (张营村)."""
    names: list[str] = []
    while len(names) < n:
        name = f"{rng.choice(NAMES.surnames)}{rng.choice(NAMES.village_suffixes)}村"
        if name not in names:
            names.append(name)
    return tuple(names)


def _make_units(rng: random.Random) -> list[Unit]:
    """The 121 units in code order: 区直部门, schools, towns, streets."""
    units: list[Unit] = []
    government = NAMES.district_government
    for b in NAMES.bureaus:
        roads = tuple(rng.sample(NAMES.roads, ROADS_PER_UNIT))
        units.append(Unit(f"{b.code}001", b.name, "区直部门", b.name, b.size, roads))
        for i, sub in enumerate(b.subunits, start=2):
            roads = tuple(rng.sample(NAMES.roads, ROADS_PER_UNIT))
            units.append(Unit(f"{b.code}{i:03d}", sub.name, "区直部门", b.name, sub.size, roads))
        if b.code == NAMES.school_code - 1:
            for i, school in enumerate(NAMES.schools, start=1):
                units.append(Unit(f"{NAMES.school_code}{i:03d}", school, "学校", NAMES.school_department, "school"))
    for i, town in enumerate(NAMES.towns, start=1):
        villages = _villages(rng, VILLAGES_PER_TOWN)
        units.append(Unit(f"{300 + i}001", town + TOWN_SUFFIX, "镇", government, "town", villages))
    for i, street in enumerate(NAMES.streets, start=1):
        places = tuple(c + "社区" for c in rng.sample(NAMES.communities, COMMUNITIES_PER_STREET))
        units.append(Unit(f"{400 + i}001", street + STREET_SUFFIX, "街道办事处", government, "street", places))
    if len(units) != UNIT_COUNT or len({u.code for u in units}) != UNIT_COUNT:
        raise RuntimeError(f"示例数据：应有 {UNIT_COUNT} 个单位，实际 {len(units)} 个")
    return units


def _project_counts(rng: random.Random, units: list[Unit]) -> list[int]:
    """Projects per unit, adding up to PROJECT_COUNT."""
    counts = []
    for u in units:
        lo, hi = _COUNT_RANGE[u.size]
        counts.append(max(rng.randint(lo, hi), len(NAMES.pinned_projects.get(u.name, ()))))
    adjustable = [i for i, u in enumerate(units) if u.size in _ADJUSTABLE]
    while sum(counts) != PROJECT_COUNT:
        i = rng.choice(adjustable)
        lo, hi = _COUNT_RANGE[units[i].size]
        if sum(counts) < PROJECT_COUNT and counts[i] < hi + 2:
            counts[i] += 1
        elif sum(counts) > PROJECT_COUNT and counts[i] > max(lo - 2, len(NAMES.pinned_projects.get(units[i].name, ())), 1):
            counts[i] -= 1
    return counts


def _name_candidate(rng: random.Random, unit: Unit) -> tuple[str, ProjectKind]:
    """One candidate (project name, kind) for `unit`: a name of a kind the unit runs, its places filled in."""
    template, kind = rng.choice(_candidates(unit.kind, unit.name))
    if unit.kind == "镇":
        return template.format(v=rng.choice(unit.places), t=unit.name[:2]), kind
    if unit.kind == "街道办事处":
        return template.format(c=rng.choice(unit.places)), kind
    if unit.kind == "学校":
        return template.format(s=unit.name), kind
    return template.format(p=rng.choice(unit.places)), kind


def _draw_names(rng: random.Random, unit: Unit, count: int, chosen: list[tuple[str, ProjectKind]],
                taken: Collection[str] = ()) -> list[tuple[str, ProjectKind]]:
    """`chosen` topped up to `count` projects with names the unit has not used (nor any in `taken`)."""
    tries = 0
    while len(chosen) < count:
        name, kind = _name_candidate(rng, unit)
        tries += 1
        if (name in (n for n, _ in chosen) or name in taken or len(name) > MAX_SHEET_TITLE
                or _FORBIDDEN_TITLE.search(name)):
            if tries > 5000:
                raise RuntimeError(f"示例数据：单位“{unit.name}”的项目名称不够用")
            continue
        chosen.append((name, kind))
    return chosen


def _possible_names(unit: Unit) -> set[str]:
    """Every project name the unit can draw (each template with each of its places)."""
    names: set[str] = set()
    for template, _ in _candidates(unit.kind, unit.name):
        for place in unit.places or ("",):
            name = template.format(p=place, v=place, c=place, t=unit.name[:2], s=unit.name)
            if len(name) <= MAX_SHEET_TITLE and not _FORBIDDEN_TITLE.search(name):
                names.add(name)
    return names


def _pinned(unit: Unit) -> list[tuple[str, ProjectKind]]:
    """The unit's pinned projects (DOMAIN.md §1), with their kinds."""
    return [(pin.name, NAMES.kinds[pin.kind]) for pin in NAMES.pinned_projects.get(unit.name, ())]


def _add_projects(unit: Unit, chosen: list[tuple[str, ProjectKind]], projects: list[Project]) -> None:
    """Append the unit's projects in order, to the unit and to the year's list."""
    for name, kind in chosen:
        project = Project(unit, name, kind, len(projects))
        unit.projects.append(project)
        projects.append(project)


def _make_projects(rng: random.Random, units: list[Unit]) -> list[Project]:
    """Every unit's projects with unique names, in registry order."""
    projects: list[Project] = []
    for unit, count in zip(units, _project_counts(rng, units), strict=True):
        _add_projects(unit, _draw_names(rng, unit, count, _pinned(unit)), projects)
    _check_projects(projects, PROJECT_COUNT)
    return projects


def _check_projects(projects: list[Project], count: int) -> None:
    """The year's project count, and every domain used."""
    used = {p.domain for p in projects}
    if len(projects) != count or used != set(NAMES.domains):
        raise RuntimeError(f"示例数据：项目 {len(projects)} 个，领域 {sorted(used)}")


def _key_project(projects: list[Project]) -> Project:
    """The later 重点评价 project (区市容环卫局 / 道路清扫费)."""
    return next(p for p in projects if p.unit.name == NAMES.key_unit and p.name == NAMES.key_project)


def _assign_grades(rng: random.Random, projects: list[Project]) -> None:
    """Planned grades in the GRADE_PLAN proportions; the key project is a complete 良."""
    grades = [g for g, n in GRADE_PLAN for _ in range(n)]
    rng.shuffle(grades)
    for p, g in zip(projects, grades, strict=True):
        p.grade = g
    key = _key_project(projects)
    if key.grade != "良":
        other = next(p for p in projects if p.grade == "良")
        other.grade, key.grade = key.grade, "良"


def _assign_budgets(rng: random.Random, projects: list[Project], total_cw: int = TOTAL_BUDGET_CW,
                    earlier: dict[tuple[str, str], int] | None = None) -> None:
    """全年预算数 (long-tailed, Σ exact), 年初预算数 and the sub-row shares.

    2015 (`earlier` None): the seed's budgets of pinned projects are fixed. An earlier year: a project that
    runs on into the next year (`earlier`: (unit code, name) → its next-year budget) is drawn near that budget.
    """
    fixed: dict[int, int] = {}
    for p in projects:
        for pin in NAMES.pinned_projects.get(p.unit.name, ()) if earlier is None else ():
            if pin.name == p.name and pin.budget_wan is not None:
                fixed[p.index] = int(pin.budget_wan * 100)
    big_pool = [p for p in projects if p.index not in fixed and p.unit.kind in ("区直部门", "镇")
                and p.domain in ("城建", "水利", "教育", "社保", "卫生", "市容环卫", "土地")]
    for p in rng.sample(big_pool, 10):
        fixed[p.index] = rng.randint(1000, 3800) * 100
    last = projects[-1]
    fixed[last.index] = rng.randint(60, 150) * 100
    scale_of = {"学校": 0.5, "街道办事处": 0.7, "镇": 1.0, "区直部门": 1.0}
    raw: dict[int, float] = {}
    for p in projects:
        if p.index not in fixed:
            size = 0.7 if p.unit.size == "S" else 1.0
            raw[p.index] = min(900.0, max(3.0, rng.lognormvariate(math.log(40), 1.1) * scale_of[p.unit.kind] * size))
            later = (earlier or {}).get((p.unit.code, p.name))
            if later is not None:  # a continuing project: about its next-year budget
                raw[p.index] = min(900.0, max(3.0, later / 100 * rng.uniform(0.7, 1.1)))
    room = total_cw - sum(fixed.values())
    factor = room / 100 / sum(raw.values())
    for p in projects:
        if p.index in fixed:
            p.budget = fixed[p.index]
            continue
        amount = raw[p.index] * factor
        step = rng.choice((100, 100, 10, 10, 1))  # whole 万元, 0.1 万元 or 0.01 万元
        p.budget = max(step, round(amount * 100 / step) * step)
    last.budget += total_cw - sum(p.budget for p in projects)
    for p in projects:
        x = rng.random()
        if x < 0.8:
            p.initial = p.budget
        elif x < 0.89:
            p.initial = round(p.budget * rng.uniform(0.5, 0.95) / 100) * 100 or p.budget
        elif x < 0.98:
            p.initial = round(p.budget * rng.uniform(1.05, 1.3) / 100) * 100
        else:
            p.initial = 0  # added during the year
        y = rng.random()
        p.carry_share = rng.uniform(0.1, 0.4) if y < 0.15 else 0.0
        p.other_share = rng.uniform(0.05, 0.3) if 0.15 <= y < 0.25 else 0.0


def _draw_rate(rng: random.Random, grade: str) -> float:
    """An execution rate typical of a planned grade."""
    x = rng.random()
    if grade == "优":
        return 1.0 if x < 0.07 else rng.uniform(0.75, 0.9) if x < 0.17 else rng.uniform(0.9, 0.998)
    if grade == "良":
        return 1.0 if x < 0.04 else rng.uniform(0.62, 0.8) if x < 0.25 else rng.uniform(0.8, 0.995)
    if grade == "中":
        return rng.uniform(0.45, 0.6) if x < 0.25 else rng.uniform(0.6, 0.95)
    if grade == "差":
        return rng.uniform(0.3, 0.75)
    return rng.uniform(0.5, 0.97)


def _assign_execution(rng: random.Random, projects: list[Project], total_cw: int = TOTAL_SPENT_CW) -> None:
    """全年执行数 per project so that Σ is exactly `total_cw` (2015: TOTAL_SPENT_CW); large projects run slower."""
    for p in projects:
        p.rate_target = _draw_rate(rng, p.grade)
    last = projects[-1]
    last.rate_target = rng.uniform(0.85, 0.95)
    slow = [p for p in projects if p.budget >= 30_000 and p is not last]  # ≥ 300 万元

    def spent_with(k: float) -> float:
        """Σ 全年执行数 (unrounded) when the slow projects' rates are scaled by k."""
        fixed = sum(p.budget * p.rate_target for p in projects if p not in slow)
        return fixed + sum(p.budget * min(1.0, max(0.3, p.rate_target * k)) for p in slow)

    lo, hi = 0.1, 1.5
    for _ in range(80):
        mid = (lo + hi) / 2
        lo, hi = (mid, hi) if spent_with(mid) < total_cw else (lo, mid)
    slow_ids = {p.index for p in slow}
    for p in projects:
        rate = min(1.0, max(0.3, p.rate_target * lo)) if p.index in slow_ids else p.rate_target
        p.spent = p.budget if rate >= 1.0 else min(p.budget - 1, round(p.budget * rate))
    last.spent += total_cw - sum(p.spent for p in projects)
    if not 0 < last.spent < last.budget:
        raise RuntimeError("示例数据：执行数余数无法落在最后一个项目上")


def _assign_unit_styles(rng: random.Random, units: list[Unit]) -> None:
    """Layout variant, rounding and number styles per unit."""
    order = list(range(len(units)))
    rng.shuffle(order)
    for n, i in enumerate(order):
        u = units[i]
        u.layout = "shifted" if n < 20 else "province" if n < 36 else "mof"
        u.unit_row = u.layout != "shifted" and not (u.layout == "mof" and n >= len(units) - 12)
    for i in rng.sample(range(len(units)), 24):
        units[i].integer_scores = True
    pct_candidates = [u for u in units if u.kind in ("区直部门", "镇") and len(u.projects) >= 5]
    for u in rng.sample(pct_candidates, 5):
        u.pct_word = True
    for u in units:
        u.count_style = "unit" if rng.random() < 0.7 else "plain"
        u.pct_style = rng.choice(("pct", "pct", "pct", "ratio", "plain"))
        u.rate_style = "percent" if u.layout == "province" else ("ratio" if rng.random() < 0.7 else "text")
        u.zero_blank = rng.random() < 0.5


def _assign_form_quirks(rng: random.Random, projects: list[Project]) -> None:
    """Per-form quirks decided before the indicators are built."""
    key = _key_project(projects)
    free = [p for p in projects if p is not key]
    unfinished = [p for p in free if p.grade == INCOMPLETE]
    modes = ["blank_actual", "blank_scores", "blank_total"]
    for n, p in enumerate(unfinished):
        p.incomplete = modes[n % 3]
        p.quirks.append("incomplete")
    for p, delta in zip(rng.sample([p for p in free if p.grade in ("优", "良")], 4), (10, 10, -5, -5), strict=True):
        p.weight_delta = delta
        p.quirks.append("weights_not_100")
    complete = [p for p in free if not p.incomplete and not p.weight_delta and p.grade != "差"]
    over = rng.sample(complete, 42)
    for p in over[:32]:
        p.quirks.append("overachieved_no_reason")
    for p in over[32:]:
        p.quirks.append("overachieved_with_reason")
    template = rng.sample(free, 14)
    for p in template:
        p.quirks.append("template_labels")
    for p in rng.sample(template, 6) + rng.sample([p for p in free if p not in template], 10):
        p.quirks.append("placeholder_rows")
    for p in rng.sample(free, 14):
        p.quirks.append("zero_total_row")
    big = [p for p in free if p.budget >= 100_000 or p.initial >= 100_000]
    styled = rng.sample(big, min(10, len(big)))
    for p in styled:
        p.money_style = "thousands"
    rest = [p for p in free if p not in styled]
    picks = rng.sample(rest, 34)
    for p, style in zip(picks, ["fullwidth"] * 12 + ["wan"] * 12 + ["yuan"] * 10, strict=True):
        p.money_style = style
    for p in projects:
        if p.money_style != "number":
            p.quirks.append({"thousands": "text_thousands", "fullwidth": "fullwidth_digits", "wan": "wan_suffix",
                             "yuan": "yuan_amounts"}[p.money_style])


def _available(kind: ProjectKind, level2: str) -> int:
    """How many different indicators a project of `kind` can carry under a 二级指标 (its kind's and the generic)."""
    return len({s.name for s in (*kind.indicators.get(level2, ()), *NAMES.generic_indicators.get(level2, ()))})


def _fit(kind: ProjectKind, cats: list[str], spares: tuple[str, ...]) -> list[str]:
    """`cats` with the rows a kind cannot fill (more 数量 rows than it has indicators …) moved to the first of
    `spares` with room (rows that find none are dropped)."""
    fitted: list[str] = []
    for cat in cats:
        room = [c for c in (cat, *spares) if fitted.count(c) < _available(kind, c)]
        if room:
            fitted.append(room[0])
    return fitted


def _pick_spec(rng: random.Random, kind: ProjectKind, level2: str, used: list[str]) -> IndicatorSpec:
    """An unused indicator spec for a 二级指标: the project kind's own first, else one that fits any project."""
    own = [s for s in kind.indicators.get(level2, ()) if s.name not in used]
    generic = [s for s in NAMES.generic_indicators.get(level2, ()) if s.name not in used]
    pool = own if own and (rng.random() < 0.8 or not generic) else generic
    if not pool:
        raise RuntimeError(f"示例数据：项目类别“{kind.name}”没有可用的{level2}")
    return rng.choice(pool)


def _structure(rng: random.Random, p: Project) -> list[Row]:
    """The indicator rows of a form with weights and targets (no outcomes yet)."""
    templated = "template_labels" in p.quirks
    n_sat = (1 if rng.random() < 0.85 else 2) if p.has_sat else 0
    n_out = rng.randint(3 if templated else 2, 6)
    n_ben = rng.randint(1, 4)
    while n_out + n_ben + n_sat > 12:
        n_out -= 1
    while n_out + n_ben + n_sat < 4:
        n_ben += 1
    out_cats = ["数量指标"] + rng.choices(list(_Q), weights=(2, 3, 2, 2), k=n_out - 1)
    if templated:
        out_cats[1:3] = ["时效指标", "成本指标"]
    out_cats = _fit(p.kind, out_cats, ("时效指标", "成本指标", "质量指标"))
    ben_open = [(cat, w) for cat, w in zip(_B, (2, 4, 1.5, 1.5), strict=True) if _available(p.kind, cat)]
    ben_cats = rng.choices([c for c, _ in ben_open], weights=[w for _, w in ben_open], k=n_ben)
    if "社会效益指标" not in ben_cats and rng.random() < 0.8:
        ben_cats[0] = "社会效益指标"
    ben_cats = _fit(p.kind, ben_cats, ("社会效益指标", "可持续影响指标"))
    n_sat = min(n_sat, _available(p.kind, _SAT))
    absent = () if p.has_sat else ("满意度指标",)
    groups = [
        ("产出指标", sorted(out_cats, key=_Q.index), RULES.level_points("产出指标", absent)),
        ("效益指标", sorted(ben_cats, key=_B.index), RULES.level_points("效益指标", absent)),
        ("满意度指标", [_SAT] * n_sat, RULES.level_points("满意度指标", absent)),
    ]
    rows: list[Row] = []
    used: list[str] = []
    budget_wan = _wan(p.budget)
    forced = NAMES.template_form_indicators
    for level1, cats, total in groups:
        if not cats:
            continue
        for cat, weight in zip(cats, _split(rng, total, len(cats)), strict=True):
            spec = _pick_spec(rng, p.kind, cat, used)
            if templated and cat in forced and forced[cat].name not in used:
                spec = forced[cat]
            name, kind, unit, lo, hi = spec
            used.append(name)
            row = Row(level1, cat, name, kind, weight, unit="" if kind == "qual" else unit)
            if kind == "count":
                row.op = "=" if rng.random() < 0.2 else "≥"
                row.target = Decimal(_nice(rng.randint(lo, hi)))
            elif kind == "pct":
                row.target = Decimal(rng.choice([v for v in _PCT_TARGETS if lo <= v <= hi]))
                row.op = "=" if row.target == 100 and rng.random() < 0.5 else "≥"
                row.unit = "%"
            elif kind == "le":
                row.op, row.target = "≤", Decimal(rng.randint(lo, hi))
            elif kind == "le_budget":
                row.op, row.target = "≤", budget_wan
            else:
                row.target_word = unit
            rows.append(row)
    if p.weight_delta:
        pool = [r for r in rows if r.level1 == ("产出指标" if p.weight_delta > 0 else "效益指标") and r.weight >= 7]
        (pool or [max(rows, key=lambda r: r.weight)])[0].weight += p.weight_delta
    if templated:
        seen: dict[str, int] = {}
        for r in rows:
            seen[r.level2] = seen.get(r.level2, 0) + 1
            r.name = f"指标{seen[r.level2]}{r.name}"
    return rows


def _allocate_loss(rng: random.Random, rows: list[Row], need: Decimal) -> None:
    """Spread `need` lost points over the rows (sets Row.loss as a fraction of the weight)."""
    for r in rows:
        r.loss = _ZERO
    if need <= 0:
        return
    order = [r for r in rows if r.kind in _LOSS_CAP and not r.over]
    rng.shuffle(order)
    remaining = need
    for passes in range(2):
        for r in order:
            if remaining <= Decimal("0.01"):
                return
            cap = _LOSS_CAP[r.kind] * r.weight - r.loss * r.weight
            if cap <= 0:
                continue
            share = min(remaining, cap * (_uniform(rng, 0.35, 1.0) if passes == 0 else _ONE))
            if remaining - share < Decimal("0.5"):
                share = min(remaining, cap)
            r.loss += share / r.weight
            remaining -= share


def _score_ge(w: Decimal, t: Decimal, a: Decimal) -> Decimal:
    """≥ (and =): full marks at or above target, else proportional."""
    if t <= 0:
        return w if a >= t else _ZERO
    return w if a >= t else max(_ZERO, w * a / t)


def _score_le(w: Decimal, t: Decimal, a: Decimal) -> Decimal:
    """≤: full marks at or below target; above it w × t / a (ratio), or falling linearly to 0 at the rubric's
    zero_at_ratio × target (linear)."""
    if a <= t:
        return w
    if t <= 0:
        return _ZERO
    zero_at = RULES.le_zero_at_ratio
    if RULES.le_formula != FORMULA_LINEAR or zero_at is None:
        return w * t / a
    if a >= zero_at * t:
        return _ZERO
    return w * (1 - (a - t) / ((zero_at - 1) * t))


def _le_actual(t: Decimal, loss: Decimal) -> Decimal:
    """The actual of a ≤ row that loses `loss` (a fraction of its weight): t / (1 − loss) under the ratio rule,
    t × (1 + loss × (zero_at_ratio − 1)) under the linear one."""
    zero_at = RULES.le_zero_at_ratio
    if RULES.le_formula != FORMULA_LINEAR or zero_at is None:
        return t / (1 - loss)
    return t * (1 + loss * (zero_at - 1))


def _qual_score(r: Row, integer: bool) -> Decimal:
    """The unit's score of a qualitative row: inside its band (below the top edge unless the best band), integer if asked."""
    w = Decimal(r.weight)
    band = RULES.band(r.band)
    lo, hi = band.low, band.high
    want = w * (1 - r.loss)
    if integer:
        options = [Decimal(i) for i in range(r.weight + 1) if lo * w <= i and (i < hi * w or (r.band == _ACHIEVED and i <= w))]
        if not options:
            r.band, r.loss = _ACHIEVED, _ZERO
            return w
        return min(options, key=lambda v: (abs(v - want), v))
    score = _points(want)
    if r.band != _ACHIEVED and score >= hi * w:
        score = _points(hi * w) - RULES.score_quantum
    return max((lo * w).quantize(RULES.score_quantum, ROUND_CEILING), score)  # the band's lower edge, at row precision


def _realize(rng: random.Random, p: Project, rows: list[Row]) -> None:
    """Actual values, honest and self scores of every row from its planned loss."""
    integer = p.unit.integer_scores
    for r in rows:
        w, t, f = Decimal(r.weight), r.target, r.loss
        if r.kind == "count":
            if f > 0:
                a = max(_ZERO, min(t - 1, (t * (1 - f)).to_integral_value(ROUND_FLOOR)))
            elif r.over:
                a = (t * _uniform(rng, float(RULES.over_ratio + OVER_MARGIN), 1.9)).to_integral_value(ROUND_HALF_UP)
            else:
                a = t if rng.random() < 0.55 else min((t * _uniform(rng, 1.0, 1.2)).to_integral_value(ROUND_FLOOR), t * Decimal("1.25"))
                a = a.to_integral_value(ROUND_FLOOR)
            r.actual, r.honest = a, _score_ge(w, t, a)
        elif r.kind == "pct":
            if f > 0:
                a = min(t - Decimal("0.1"), (t * (1 - f)).quantize(Decimal("0.1"), ROUND_FLOOR))
            else:
                a = t if t == 100 or rng.random() < 0.4 else _uniform(rng, float(t), 100).quantize(Decimal("0.1"), ROUND_FLOOR)
            r.actual, r.honest = a, _score_ge(w, t, a)
        elif r.kind == "le":
            decimals = Decimal("0.1") if r.unit == "%" else _ONE
            if f > 0:
                a = max(t + decimals, _le_actual(t, f).quantize(decimals, ROUND_HALF_UP))
            else:
                a = t if rng.random() < 0.5 else max(decimals, (t * _uniform(rng, 0.5, 1.0)).quantize(decimals, ROUND_FLOOR))
            r.actual, r.honest = a, _score_le(w, t, a)
        elif r.kind == "le_budget":
            r.actual = _wan(p.spent)
            r.honest = _score_le(w, t, r.actual)
        elif r.kind == "qual":
            achieved, partial = RULES.bands[0], RULES.bands[1]  # each band holds its lower edge (80% is 达成)
            r.band = _ACHIEVED if f <= 1 - achieved.low else _PARTIAL if f <= 1 - partial.low else _MISSED
            r.honest = _qual_score(r, integer)
            words = NAMES.qualitative_words[r.band]
            r.actual_word = r.target_word if r.band == _ACHIEVED and rng.random() < 0.3 else rng.choice(words)
        r.plain = rng.random() < 0.8
        r.honest = _points(r.honest)
        r.self_score = _qi(r.honest) if integer else r.honest
        short = r.honest < w
        r.reason = rng.choice(NAMES.shortfall_reasons) if short and rng.random() < 0.75 else ""


def _build_rows(rng: random.Random, p: Project) -> None:
    """Indicator rows whose honest total lands in the planned grade (retrying the draws)."""
    p.has_sat = rng.random() > 0.10
    p.budget_honest = _points(min(p.rate, _ONE) * RULES.budget_weight)
    p.budget_self = _qi(p.budget_honest) if p.unit.integer_scores else p.budget_honest
    rows = _structure(rng, p)
    over = "overachieved_no_reason" in p.quirks or "overachieved_with_reason" in p.quirks
    for attempt in range(60):
        if attempt and attempt % 20 == 0:
            rows = _structure(rng, p)
        for r in rows:
            r.over = False
        if over:
            counts = [r for r in rows if r.kind == "count"]
            rng.choice(counts).over = True
        target = _uniform(rng, *_total_range(p.grade))
        max_points = sum(Decimal(r.weight) for r in rows)
        _allocate_loss(rng, rows, max_points - (target - p.budget_honest))
        _realize(rng, p, rows)
        p.honest_total = p.budget_honest + sum(r.honest for r in rows)
        self_total = (p.budget_self or _ZERO) + sum(r.self_score or _ZERO for r in rows)
        if _grade_ok(p.honest_total, p.grade) and abs(self_total - p.honest_total) <= 3:
            break
    p.rows = rows


def _inflate(rng: random.Random, projects: list[Project], wanted: int = 40) -> None:
    """Give ~5% of forms full marks on unmet quantitative rows (and the budget row): self − honest 6–25."""
    pool = [p for p in projects if p.honest_grade in ("良", "中", "差") and not p.weight_delta
            and not p.incomplete and p.name != NAMES.key_project]
    rng.shuffle(pool)
    done = 0
    for p in pool:
        if done >= wanted:
            break
        goal = _uniform(rng, 6.5, 24)
        options = [r for r in p.rows if r.kind in ("count", "pct", "le") and r.honest < r.weight]
        rng.shuffle(options)
        bump: list[Row | None] = [None] if p.budget_honest < RULES.budget_weight else []
        bump += options
        over = (p.budget_self or _ZERO) + sum(x.self_score or _ZERO for x in p.rows) - p.honest_total
        chosen: list[Row | None] = []
        for r in bump:
            gain = (RULES.budget_weight - (p.budget_self or _ZERO)) if r is None else Decimal(r.weight) - (r.self_score or _ZERO)
            if over + gain > 25:
                continue
            chosen.append(r)
            over += gain
            if over >= goal:
                break
        if over < 6:
            continue
        for r in chosen:
            if r is None:
                p.budget_self = Decimal(RULES.budget_weight)
            else:
                r.self_score, r.reason = Decimal(r.weight), ""
        p.quirks.append("inflated_self_score")
        done += 1
    if done < wanted:
        raise RuntimeError(f"示例数据：只能安排 {done} 张自评分虚高的表")


def _placeholders(rng: random.Random, p: Project) -> None:
    """Insert empty template rows (指标N, ……) between indicators."""
    rows: list[Row] = []
    groups: dict[str, int] = {}
    for r in p.rows:
        groups[r.level2] = groups.get(r.level2, 0) + 1
    inserted = 0
    for i, r in enumerate(p.rows):
        rows.append(r)
        nxt = p.rows[i + 1] if i + 1 < len(p.rows) else None
        end_of_level2 = nxt is None or nxt.level2 != r.level2
        end_of_level1 = nxt is None or nxt.level1 != r.level1
        if end_of_level2 and rng.random() < 0.4:
            rows.append(Row(r.level1, r.level2, f"指标{groups[r.level2] + 1}", "placeholder"))
            inserted += 1
        elif end_of_level1 and rng.random() < 0.4:
            rows.append(Row(r.level1, "", "……", "placeholder"))
            inserted += 1
    if not inserted:
        last = p.rows[0]
        rows.insert(1, Row(last.level1, last.level2, f"指标{groups[last.level2] + 1}", "placeholder"))
    p.rows = rows


def _finish(rng: random.Random, p: Project) -> None:
    """Incompleteness, deviation reasons of over-achieved rows, totals and the goal texts."""
    for r in p.rows:
        if r.over:
            r.reason = rng.choice(NAMES.overachievement_reasons) if "overachieved_with_reason" in p.quirks else ""
    scored = [r for r in p.rows if r.kind != "placeholder"]
    p.self_total = (p.budget_self or _ZERO) + sum(r.self_score or _ZERO for r in scored)
    if p.incomplete == "blank_actual":
        for r in rng.sample(scored, min(len(scored), rng.randint(1, 3))):
            r.show_actual, r.self_score = False, None
        p.self_total = (p.budget_self or _ZERO) + sum(r.self_score or _ZERO for r in scored) if rng.random() < 0.5 else None
    elif p.incomplete == "blank_scores":
        for r in scored:
            r.self_score = None
        p.self_total = None
    elif p.incomplete == "blank_total":
        p.self_total = None
    first = next((r for r in scored if r.kind == "count"), scored[0])
    label = re.sub(r"^指标\d+", "", first.name)
    p.goal = f"按计划实施{p.name}，{label}{_target_text(p.unit, first)}，资金使用规范，发挥应有效益。"
    if p.incomplete:
        p.outcome = f"项目正在实施，{label}等数据尚在统计中。"
    elif _grade(p.honest_total) == _TOP_GRADE:
        p.outcome = f"已按计划完成{p.name}，{label}实际完成{_actual_text(first)}，年度目标全面完成。"
    elif _grade(p.honest_total) == _SECOND_GRADE:
        p.outcome = f"基本完成年度目标，{label}实际完成{_actual_text(first)}，个别指标未完全达到预期。"
    else:
        p.outcome = f"年度目标部分完成，{label}实际完成{_actual_text(first)}，部分指标未达成。"


def _target_text(unit: Unit, r: Row) -> str:
    """年度指标值 as written: ≥50个, ≥95%, ≥100百分比, ≤202.6万元, 效果明显."""
    if r.kind == "qual":
        return r.target_word
    shown = "百分比" if r.unit == "%" and unit.pct_word and r.target > 5 else r.unit
    return f"{r.op}{_fmt(r.target)}{shown}"


def _actual_text(r: Row) -> str:
    """An actual value as free text for the goal paragraph."""
    return r.actual_word if r.kind == "qual" else f"{_fmt(r.actual)}{r.unit}"


def _actual_cell(unit: Unit, r: Row) -> object:
    """实际完成值 as the unit writes it: 52个 or 52; 96% or 0.96 or 96; 8天; 132.9万元; 达成预期指标."""
    if not r.show_actual:
        return None
    if r.kind == "qual":
        return r.actual_word
    if r.unit == "%":
        if r.kind == "le" or r.target <= 5 or unit.pct_style == "pct":
            return f"{_fmt(r.actual)}{'百分比' if unit.pct_word and r.target > 5 else '%'}"
        if unit.pct_style == "ratio":
            return float(round(r.actual / 100, 4))
        return _cell_number(r.actual)
    if unit.count_style == "plain" and r.plain:
        return _cell_number(r.actual)
    return f"{_fmt(r.actual)}{r.unit}"


def build_plan(year: int = SAMPLE_YEAR) -> SamplePlan:
    """Plan a whole sample year (no files): units, projects, money, indicators and quirks."""
    if year not in YEARS:
        raise ValueError(f"示例数据只有 {'、'.join(map(str, sorted(YEARS)))} 年度，没有 {year} 年度")
    figures = YEARS[year]
    rng = random.Random(figures.seed)
    if year == SAMPLE_YEAR:
        units = _make_units(rng)
        projects = _make_projects(rng, units)
        _assign_grades(rng, projects)
        _assign_budgets(rng, projects)
    else:
        later = _cached_plan(year + 1)
        units = _earlier_units(later, year)
        projects = _earlier_projects(rng, later, units, figures)
        _follow_grades(rng, projects, later, figures)
        _assign_budgets(rng, projects, figures.budget_cw, {(p.unit.code, p.name): p.budget for p in later.projects})
    _assign_execution(rng, projects, figures.spent_cw)
    _assign_unit_styles(rng, units)
    _assign_form_quirks(rng, projects)
    for p in projects:
        _build_rows(rng, p)
    _inflate(rng, projects)
    for p in projects:
        if "placeholder_rows" in p.quirks:
            _placeholders(rng, p)
        _finish(rng, p)
        _tag_quirks(p)
    return SamplePlan(figures, units, projects)


def _earlier_units(later: SamplePlan, year: int) -> list[Unit]:
    """The units of the year before `later`: the same ones (codes, names, places) but those set up later."""
    new = {name for y, names in NAMES.new_units.items() if y > year for name in names}
    return [Unit(u.code, u.name, u.kind, u.department, u.size, u.places) for u in later.units if u.name not in new]


def _earlier_projects(rng: random.Random, later: SamplePlan, units: list[Unit], figures: YearFigures) -> list[Project]:
    """An earlier year's projects: most of each unit's next-year projects already running (same name and kind;
    the seed's pinned projects always), plus projects that ended that year, up to the year's count."""
    following = {u.code: u for u in later.units}
    chosen: dict[str, list[tuple[str, ProjectKind]]] = {}
    for u in units:
        pinned = {name for name, _ in _pinned(u)}
        chosen[u.code] = [(p.name, p.kind) for p in following[u.code].projects
                          if p.name in pinned or rng.random() < figures.continuing]
    short = figures.projects - sum(len(c) for c in chosen.values())
    if short < 0:
        raise RuntimeError(f"示例数据：{figures.year} 年度延续项目 {figures.projects - short} 个，多于计划的 {figures.projects} 个")
    room = {u.code: len(_possible_names(u) - {p.name for p in following[u.code].projects}) for u in units}
    wanted = {u.code: max(len(chosen[u.code]), min(_COUNT_RANGE[u.size][0], len(chosen[u.code]) + room[u.code]))
              for u in units}  # every unit at least its size class's fewest projects
    short = figures.projects - sum(wanted.values())
    if short < 0:
        raise RuntimeError(f"示例数据：{figures.year} 年度至少 {figures.projects - short} 个项目，多于计划的 {figures.projects} 个")
    for _ in range(short):  # ended projects, where there are many projects and names left for them
        open_units = [u for u in units if wanted[u.code] - len(chosen[u.code]) < room[u.code]]
        u = rng.choices(open_units, weights=[len(following[v.code].projects) for v in open_units])[0]
        wanted[u.code] += 1
    projects: list[Project] = []
    for u in units:
        taken = {p.name for p in following[u.code].projects}  # an ended project's name is not used next year
        _add_projects(u, _draw_names(rng, u, wanted[u.code], chosen[u.code], taken), projects)
    _check_projects(projects, figures.projects)
    return projects


def _follow_grades(rng: random.Random, projects: list[Project], later: SamplePlan, figures: YearFigures) -> None:
    """Planned grades in the year's proportions; a continuing project's grade stays near its next-year grade."""
    plan = [g for g, n in figures.grade_plan for _ in range(n)]
    rank = {g: i for i, (g, _) in enumerate(figures.grade_plan)}
    next_grade = {(p.unit.code, p.name): p.grade for p in later.projects}
    keys: list[tuple[float, int]] = []
    for p in projects:
        grade = next_grade.get((p.unit.code, p.name))
        keys.append((rank[grade] + rng.gauss(0, 0.9) if grade is not None else rng.uniform(-0.5, len(rank) - 0.5),
                     p.index))
    for (_, index), grade in zip(sorted(keys), plan, strict=True):
        projects[index].grade = grade


def _tag_quirks(p: Project) -> None:
    """Record the quirks a form shows because of its unit or its indicator texts."""
    u = p.unit
    scored = [r for r in p.rows if r.kind != "placeholder"]
    if any(r.kind in ("count", "le", "le_budget") for r in scored):
        p.quirks.append("glued_units")
    if u.pct_word and any(r.unit == "%" and r.target > 5 for r in scored):
        p.quirks.append("percent_word")
    if any(r.kind == "qual" for r in scored):
        p.quirks.append("qualitative")
    if u.integer_scores and not p.incomplete and (p.rate * RULES.budget_weight) != (p.rate * RULES.budget_weight).to_integral_value():
        p.quirks.append("integer_scores")
    if u.layout != "mof":
        p.quirks.append(f"layout_{u.layout}")
    elif not u.unit_row:
        p.quirks.append("layout_mof_no_unit_row")


@lru_cache(maxsize=4)
def _cached_plan(year: int) -> SamplePlan:
    """build_plan, memoised per year for write_sample, the quirk manifest and earlier years (which only read it)."""
    return build_plan(year)


def planted_quirks(limit: int = 8, year: int = SAMPLE_YEAR) -> dict[str, list[tuple[str, str]]]:
    """Example (file name, sheet name) pairs per planted quirk, at most `limit` each, in file order."""
    found: dict[str, list[tuple[str, str]]] = {k: [] for k in QUIRK_KEYS}
    for p in _cached_plan(year).projects:
        for q in p.quirks:
            if len(found[q]) < limit:
                found[q].append((p.unit.file_name, p.name))
    return found


def quirk_counts(year: int = SAMPLE_YEAR) -> dict[str, int]:
    """How many forms carry each planted quirk."""
    counts = {k: 0 for k in QUIRK_KEYS}
    for p in _cached_plan(year).projects:
        for q in p.quirks:
            counts[q] += 1
    return counts


# ---------------------------------------------------------------------------------------------
# Writing
# ---------------------------------------------------------------------------------------------

_THIN = Side(style="thin")
_BORDER = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)
_FONT = Font(name="宋体", size=10)
_FONT_BOLD = Font(name="宋体", size=10, bold=True)
_FONT_TITLE = Font(name="宋体", size=16, bold=True)
_CENTER = Alignment(horizontal="center", vertical="center", wrap_text=True)
_LEFT = Alignment(horizontal="left", vertical="center", wrap_text=True)
_WIDTHS = (10, 11, 16, 22, 14, 14, 8, 10, 24)  # characters, columns A–I of the form


def _put(ws: Worksheet, row: int, col: int, value: object, number_format: str = "") -> None:
    """Write a cell; text starting with '=' stays text (never a formula)."""
    if value is None:
        return
    cell = ws.cell(row, col)
    cell.value = value
    if isinstance(value, str) and value.startswith("="):
        cell.data_type = "s"
    if number_format and isinstance(value, (int, float)):
        cell.number_format = number_format


def _merge(ws: Worksheet, r1: int, c1: int, r2: int, c2: int) -> None:
    """Record a merged range without openpyxl's per-cell edge restyling (every table cell gets a border anyway)."""
    ws.merged_cells.add(MergedCellRange(ws, f"{get_column_letter(c1)}{r1}:{get_column_letter(c2)}{r2}"))


def _money(p: Project, cw: int) -> object:
    """An amount as the form writes it (万元 number, 1,234.50, １２３．５, 56.2万元, 562000元); 0 or blank for zero."""
    if cw == 0:
        return None if p.unit.zero_blank else 0
    wan = _wan(cw)
    style = p.money_style
    if style == "thousands":
        return f"{wan:,.2f}"
    if style == "fullwidth":
        return _fullwidth(_fmt(wan))
    if style == "wan":
        return f"{_fmt(wan)}万元"
    if style == "yuan":
        return f"{cw * 100}元"
    return _cell_number(wan)


def _fund_rows(p: Project) -> list[tuple[int, int, int]]:
    """(年初, 全年, 执行) for 年度资金总额, 财政拨款, 上年结转, 其他资金 (hundredths of 万元)."""
    total = (p.initial, p.budget, p.spent)
    carry = (round(p.initial * p.carry_share), round(p.budget * p.carry_share), round(p.spent * p.carry_share))
    other = (round(p.initial * p.other_share), round(p.budget * p.other_share), round(p.spent * p.other_share))
    appropriation = (total[0] - carry[0] - other[0], total[1] - carry[1] - other[1], total[2] - carry[2] - other[2])
    return [total, appropriation, carry, other]


def _rate_cell(p: Project) -> tuple[object, str]:
    """执行率 as the unit writes it, with its number format."""
    rate = p.rate
    if p.unit.rate_style == "percent":
        return _cell_number(_q2(rate * 100)), "0.00"
    if p.unit.rate_style == "text":
        return f"{_fmt(_q2(rate * 100))}%", ""
    return float(rate), "0.00%"


def _score_cell(value: Decimal | None) -> object:
    """A score as a cell value (None stays blank)."""
    return None if value is None else _cell_number(value)


class _TableStyles:
    """Bordered table-cell styles of one workbook, registered once and then copied cell to cell."""

    def __init__(self) -> None:
        self._arrays: dict[tuple[bool, bool], StyleArray] = {}

    def apply(self, cell: Cell, bold: bool, left: bool) -> None:
        """Give `cell` the bordered style (bold header font, left-aligned text when asked)."""
        key = (bold, left)
        if key in self._arrays:
            cell._style = copy(self._arrays[key])  # same style ids as the first cell: no re-registering
            return
        cell.border = _BORDER
        cell.font = _FONT_BOLD if bold else _FONT
        cell.alignment = _LEFT if left else _CENTER
        self._arrays[key] = copy(cell._style)


def _render_form(ws: Worksheet, p: Project, styles: _TableStyles, year: int) -> None:
    """Write one project's 项目支出绩效自评表 in its unit's layout."""
    u = p.unit
    province = u.layout == "province"
    c0 = 1 if u.layout == "shifted" else 0

    def c(k: int) -> int:
        """Column k of the canonical layout (1 = A) in this layout."""
        return k + c0

    def merge(r1: int, k1: int, r2: int, k2: int) -> None:
        """Merge canonical columns k1..k2 over rows r1..r2."""
        _merge(ws, r1, c(k1), r2, c(k2))

    row = 1
    if u.layout == "shifted":
        _put(ws, 1, c(1), "附件1")
        row = 2
    _put(ws, row, c(1), f"项目支出绩效自评表（{year}年度）")
    merge(row, 1, row, 9)
    ws.cell(row, c(1)).font, ws.cell(row, c(1)).alignment = _FONT_TITLE, _CENTER
    ws.row_dimensions[row].height = 30
    row += 1
    if u.unit_row:
        _put(ws, row, c(1), f"填报单位（盖章）：{u.name}" + "\u3000" * 8 + "单位：万元")
        merge(row, 1, row, 9)
        ws.cell(row, c(1)).font, ws.cell(row, c(1)).alignment = _FONT, _LEFT
        row += 1
    elif u.layout == "shifted":
        row += 1
    top = row
    _put(ws, row, c(1), "项目名称")
    merge(row, 1, row, 2)
    _put(ws, row, c(3), p.name)
    merge(row, 3, row, 9)
    row += 1
    _put(ws, row, c(1), "主管部门")
    merge(row, 1, row, 2)
    _put(ws, row, c(3), u.department)
    merge(row, 3, row, 5)
    _put(ws, row, c(6), "实施单位")
    _put(ws, row, c(7), f"{u.code}-{u.name}")
    merge(row, 7, row, 9)
    row += 1
    fund_top = row
    _put(ws, row, c(1), "项目资金（万元）")
    merge(row, 1, row + 4, 2)
    for k, text in enumerate(("年初预算数", "全年预算数", "全年执行数", "分值", "执行率", "得分"), start=4):
        _put(ws, row, c(k), text)
    labels = ("年度资金总额", "其中：本年财政拨款" if province else "其中：当年财政拨款", "上年结转资金", "其他资金")
    amounts = _fund_rows(p)
    if "zero_total_row" in p.quirks:
        amounts = [(0, 0, 0), amounts[0], (0, 0, 0), (0, 0, 0)]
    for i, (label, values) in enumerate(zip(labels, amounts, strict=True)):
        r = fund_top + 1 + i
        _put(ws, r, c(3), label)
        for k, cw in enumerate(values, start=4):
            cell = 0 if "zero_total_row" in p.quirks and i == 0 else _money(p, cw)
            _put(ws, r, c(k), cell, "0.00")
        if i == 0:
            _put(ws, r, c(7), RULES.budget_weight)
            rate, fmt = _rate_cell(p)
            _put(ws, r, c(8), rate, fmt)
            _put(ws, r, c(9), _score_cell(p.budget_self))
        else:
            for k in (7, 8, 9):
                _put(ws, r, c(k), "—")
    row = fund_top + 5
    _put(ws, row, c(1), "年度总体目标")
    if u.layout != "shifted":
        merge(row, 1, row + 1, 1)
    _put(ws, row, c(2), "预期目标")
    merge(row, 2, row, 5)
    _put(ws, row, c(6), "实际完成情况")
    merge(row, 6, row, 9)
    _put(ws, row + 1, c(2), p.goal)
    merge(row + 1, 2, row + 1, 5)
    _put(ws, row + 1, c(6), p.outcome)
    merge(row + 1, 6, row + 1, 9)
    ws.row_dimensions[row + 1].height = 45
    row += 2
    header = row
    for k, text in enumerate(("绩效指标", "一级指标", "二级指标", "三级指标", "年度指标值", "实际完成值", "分值", "得分",
                              "偏差原因分析及改进措施"), start=1):
        _put(ws, row, c(k), text)
    row += 1
    first = row
    for ind in p.rows:
        _put(ws, row, c(4), ind.name)
        if ind.kind != "placeholder":
            _put(ws, row, c(5), _target_text(u, ind))
            _put(ws, row, c(6), _actual_cell(u, ind))
            _put(ws, row, c(7), ind.weight)
            _put(ws, row, c(8), _score_cell(ind.self_score))
            _put(ws, row, c(9), ind.reason or None)
        row += 1
    last = row - 1
    merge(header, 1, last, 1)
    level_weights: dict[str, int] = {}
    for ind in p.rows:
        level_weights[ind.level1] = level_weights.get(ind.level1, 0) + ind.weight
    _merge_runs(ws, p.rows, first, c(2), lambda r: r.level1,
                lambda v: _province_label(v, level_weights[v]) if province else v)
    _merge_runs(ws, p.rows, first, c(3), lambda r: (r.level1, r.level2) if r.level2 else None, lambda v: v[1])
    _put(ws, row, c(1), "总  分" if province else "总分")
    merge(row, 1, row, 6)
    _put(ws, row, c(7), RULES.full_marks)
    _put(ws, row, c(8), _score_cell(p.self_total))
    bottom = row
    for rr in range(top, bottom + 1):
        for k in range(1, 10):
            bold = rr in (fund_top, header)
            left = (rr == fund_top + 6 and k > 1) or (k == 9 and rr > header)
            styles.apply(ws.cell(rr, c(k)), bold, left)
    for k, width in enumerate(_WIDTHS, start=1):
        ws.column_dimensions[get_column_letter(c(k))].width = width
    if c0:
        ws.column_dimensions["A"].width = 3


def _province_label(level1: str, weight: int) -> str:
    """`产出指标(50分)`, `效益指标（30分）`, `满意度指标(10分)`."""
    return f"{level1}（{weight}分）" if level1 == "效益指标" else f"{level1}({weight}分)"


def _merge_runs(ws: Worksheet, rows: list[Row], first: int, col: int,
                key: Callable[[Row], Hashable | None], label: Callable[[Any], str]) -> None:
    """Write each run of equal keys once and merge it vertically (None keys stay blank)."""
    start = 0
    while start < len(rows):
        value = key(rows[start])
        end = start
        while end + 1 < len(rows) and key(rows[end + 1]) == value and value is not None:
            end += 1
        if value is not None:
            _put(ws, first + start, col, label(value))
            if end > start:
                _merge(ws, first + start, col, first + end, col)
        start = end + 1


def _doc_time(year: int) -> datetime:
    """A sample year's document date: 15 September of the year after it is evaluated in (DOC_TIME for 2015)."""
    return DOC_TIME.replace(year=DOC_TIME.year + year - SAMPLE_YEAR)


def _new_workbook(year: int) -> Workbook:
    """An empty workbook with fixed document properties."""
    wb = Workbook()
    wb.remove(wb.active)
    wb.properties.creator = DOC_CREATOR
    wb.properties.lastModifiedBy = DOC_CREATOR
    wb.properties.created = _doc_time(year)
    wb.properties.modified = _doc_time(year)
    wb.properties.title = f"{year}年度项目支出绩效自评（示例数据）"
    return wb


def _zip_order(name: str) -> tuple[int, str]:
    """[Content_Types].xml, then _rels, docProps, xl/ — each alphabetically."""
    rank = 0 if name == "[Content_Types].xml" else 1 if name.startswith("_rels/") else 2 if name.startswith("docProps/") else 3
    return rank, name


def workbook_bytes(wb: Workbook, date_time: tuple[int, int, int, int, int, int] = ZIP_DATE_TIME) -> bytes:
    """Serialise a workbook reproducibly: fixed properties, entry dates, order and compression."""
    raw = io.BytesIO()
    ExcelWriter(wb, zipfile.ZipFile(raw, "w", zipfile.ZIP_DEFLATED)).save()  # keeps properties.modified
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(raw.getvalue())) as src, zipfile.ZipFile(out, "w") as dst:
        for name in sorted(src.namelist(), key=_zip_order):
            info = zipfile.ZipInfo(name, date_time=date_time)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.create_system = 3
            info.external_attr = 0o644 << 16
            dst.writestr(info, src.read(name), compresslevel=ZIP_LEVEL)
    return out.getvalue()


def _unit_workbook(u: Unit, year: int) -> Workbook:
    """One unit's workbook: a sheet per project, titled with the project name."""
    wb = _new_workbook(year)
    styles = _TableStyles()
    for p in u.projects:
        _render_form(wb.create_sheet(p.name), p, styles, year)
    return wb


def _registry_workbook(plan: SamplePlan) -> Workbook:
    """The bureau's 自评项目清单: one row per project, plus 年度信息."""
    wb = _new_workbook(plan.year)
    ws = wb.create_sheet(REGISTRY_SHEET)
    ws.append(list(REGISTRY_HEADER))
    for n, p in enumerate(plan.projects, start=1):
        u = p.unit
        ws.append([n, u.code, u.name, u.kind, u.department, p.name, p.domain])
    for cell in ws[1]:
        cell.font = _FONT_BOLD
    for k, width in enumerate((6, 10, 22, 12, 14, 28, 10), start=1):
        ws.column_dimensions[get_column_letter(k)].width = width
    ws.freeze_panes = "A2"
    info = wb.create_sheet(YEAR_SHEET)
    info.append(["年度", plan.year])
    info.append([EXPENDITURE_LABEL, float(plan.figures.expenditure_wan)])
    info.append([NOTE_LABEL, SAMPLE_NOTE_TEMPLATE.format(year=plan.year)])
    info["B2"].number_format = "0.00"
    info.column_dimensions["A"].width = 22
    info.column_dimensions["B"].width = 14
    return wb


_UNIT_FILE = re.compile(r"^\d{6}_.+\.xlsx$")


def write_sample(out_dir: Path | None = None, year: int = SAMPLE_YEAR) -> list[Path]:
    """Write a sample year's registry, unit workbooks and filled request sheet (下年预算申报表, sampledata.requests)
    into `out_dir` (default data/sample/<year>/); returns the paths: registry first, request sheet last.

    Unit workbooks left in `out_dir` from an earlier run (`<6 digits>_<name>.xlsx`) that this run
    does not write are removed, so the folder always holds exactly one sample year.
    """
    out_dir = sample_dir(year) if out_dir is None else Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    plan = _cached_plan(year)
    stamp = (year + ZIP_DATE_TIME[0] - SAMPLE_YEAR, *ZIP_DATE_TIME[1:])
    written = [out_dir / REGISTRY_FILE]
    written[0].write_bytes(workbook_bytes(_registry_workbook(plan), stamp))
    for u in plan.units:
        path = out_dir / u.file_name
        path.write_bytes(workbook_bytes(_unit_workbook(u, year), stamp))
        written.append(path)
    from sampledata.requests import write_requests  # etl.requests' template, filled (imports the store's types)

    written.append(write_requests(plan, out_dir))
    keep = {p.name for p in written}
    for stale in sorted(out_dir.glob("*.xlsx")):
        if _UNIT_FILE.match(stale.name) and stale.name not in keep:
            stale.unlink()
    return written
