"""Load and check the generator's name pools (sampledata/names.yaml) into frozen, typed data.

Every check is explicit: a `NamesError` names the file, the key path (`bureaus[3].domains[0]`) and
what is allowed. This module knows the shape of the pools, not their content.
"""

from __future__ import annotations

import re
from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any, NamedTuple

import yaml

NAMES_PATH = Path(__file__).with_name("names.yaml")
PROJECT_ROOT = Path(__file__).resolve().parent.parent

BUREAU_SIZES = ("L", "M", "S")  # size classes of a 区直部门 (how many projects it has)
TOWN_SUFFIX = "镇人民政府"  # a town's unit name: 龙康 → 龙康镇人民政府
STREET_SUFFIX = "街道办事处"  # a street's unit name: 关林 → 关林街道办事处
MAX_UNIT_CODE = 999  # department codes have three digits
MAX_TARGET = 10**9  # largest lo / hi of an indicator target

# 二级指标 of the form, per 一级指标, in form order (MoF annex 1).
OUTPUT_LEVEL2 = ("数量指标", "质量指标", "时效指标", "成本指标")
BENEFIT_LEVEL2 = ("经济效益指标", "社会效益指标", "生态效益指标", "可持续影响指标")
SATISFACTION_LEVEL2 = "服务对象满意度指标"
LEVEL2 = (*OUTPUT_LEVEL2, *BENEFIT_LEVEL2, SATISFACTION_LEVEL2)
# 二级指标 generic_indicators must fill: those that fit any project. 数量, 经济效益 and 生态效益 indicators
# only ever come from a project's own kind (a generic count or an ecological benefit fits few projects).
GENERIC_LEVEL2 = ("质量指标", "时效指标", "成本指标", "社会效益指标", "可持续影响指标", SATISFACTION_LEVEL2)
# Placeholders allowed in the project names of a kind, per list: a road, a village or the town, a community,
# the school.
NAME_LISTS = {"names": ("p",), "town": ("v", "t"), "street": ("c",), "school": ("s",)}
TEMPLATE_FORM_LEVEL2 = ("时效指标", "成本指标")  # forced on forms with template labels

# Indicator kinds, and how a kind is written in names.yaml (after [name, kind, …]).
KIND_COUNT = "count"  # ≥ / = a count
KIND_PCT = "pct"  # ≥ / = a percentage
KIND_LE = "le"  # ≤ a number
KIND_LE_BUDGET = "le_budget"  # ≤ the project's 全年预算数
KIND_QUAL = "qual"  # a target stated in words
_KIND_FIELDS = {
    KIND_COUNT: ("unit", "lo", "hi"),
    KIND_PCT: ("lo", "hi"),
    KIND_LE: ("unit", "lo", "hi"),
    KIND_LE_BUDGET: ("unit",),
    KIND_QUAL: ("target",),
}


class NamesError(ValueError):
    """A names file that cannot be used: names the file, the key path and what is allowed."""

    def __init__(self, file: str, key_path: str, message: str) -> None:
        """Keep the parts apart (for tests) and build the one-line message."""
        self.file = file
        self.key_path = key_path
        self.message = message
        super().__init__(f"{file}: {key_path}: {message}" if key_path else f"{file}: {message}")


class IndicatorSpec(NamedTuple):
    """An indicator a form may carry. `unit` is the target word for qual, '' for pct; lo–hi bound the target."""

    name: str
    kind: str
    unit: str
    lo: int
    hi: int


@dataclass(frozen=True)
class SubUnit:
    """A unit under a 区直部门 (区委巡察办 under 区纪委)."""

    name: str
    size: str  # one of BUREAU_SIZES


@dataclass(frozen=True)
class Bureau:
    """A 区直部门 with its three-digit department code and its sub-units."""

    code: int
    name: str
    size: str  # one of BUREAU_SIZES
    subunits: tuple[SubUnit, ...]


@dataclass(frozen=True)
class ProjectKind:
    """What a project is: its domain, the units that run it, its names and the indicators that measure it."""

    name: str
    domain: str
    units: tuple[str, ...]  # 区直部门 and sub-units that run it
    names: tuple[str, ...]  # their project names ({p}: a road)
    town: tuple[str, ...]  # towns' project names ({v}: a village, {t}: the town)
    street: tuple[str, ...]  # streets' project names ({c}: a community)
    school: tuple[str, ...]  # schools' project names ({s}: the school)
    indicators: Mapping[str, tuple[IndicatorSpec, ...]]  # 二级指标 → specs


@dataclass(frozen=True)
class PinnedProject:
    """A project that must exist (DOMAIN.md §1), of a kind, with its fixed 全年预算数 in 万元 when the seed gives one."""

    name: str
    kind: str
    domain: str  # the kind's domain
    budget_wan: Decimal | None


@dataclass(frozen=True)
class NamePools:
    """Everything in names.yaml; lists keep the file's order (the generator draws from them by position)."""

    source: str  # the file, as shown in messages
    domains: tuple[str, ...]
    bureaus: tuple[Bureau, ...]
    school_code: int
    school_department: str
    schools: tuple[str, ...]
    district_government: str
    towns: tuple[str, ...]
    streets: tuple[str, ...]
    surnames: str  # one surname per character
    village_suffixes: str  # one suffix per character
    communities: tuple[str, ...]
    roads: tuple[str, ...]
    pinned_projects: Mapping[str, tuple[PinnedProject, ...]]  # unit name → projects
    key_unit: str
    key_project: str
    whole_departments: tuple[str, ...]
    new_units: Mapping[int, tuple[str, ...]]  # year → units set up that year (absent from earlier sample years)
    kinds: Mapping[str, ProjectKind]  # kind name → kind, in file order
    generic_indicators: Mapping[str, tuple[IndicatorSpec, ...]]  # 二级指标 → specs that fit any project
    template_form_indicators: Mapping[str, IndicatorSpec]  # 二级指标 → spec
    qualitative_words: Mapping[str, tuple[str, ...]]  # qualitative band name → words
    shortfall_reasons: tuple[str, ...]
    overachievement_reasons: tuple[str, ...]

    def unit_names(self) -> list[str]:
        """Every unit's name: departments with their sub-units, schools, towns, streets."""
        return _unit_names(self.bureaus, self.schools, self.towns, self.streets)


def _unit_names(bureaus: Sequence[Bureau], schools: Sequence[str], towns: Sequence[str],
                streets: Sequence[str]) -> list[str]:
    """Every unit's name: departments with their sub-units, schools, towns, streets."""
    names: list[str] = []
    for bureau in bureaus:
        names += [bureau.name, *(sub.name for sub in bureau.subunits)]
    return [*names, *schools, *(town + TOWN_SUFFIX for town in towns), *(street + STREET_SUFFIX for street in streets)]


# ---------------------------------------------------------------------------------------------
# Reading YAML with key paths
# ---------------------------------------------------------------------------------------------


class _UniqueKeyLoader(yaml.SafeLoader):
    """A safe loader that rejects a key written twice in one mapping (safe_load keeps the last)."""


def _unique_mapping(loader: _UniqueKeyLoader, node: yaml.MappingNode, deep: bool = False) -> dict[Hashable, Any]:
    """Build a mapping, raising on a duplicate key."""
    loader.flatten_mapping(node)
    seen: set[object] = set()
    for key_node, _ in node.value:
        key = loader.construct_object(key_node, deep=deep)
        if key in seen:
            raise yaml.constructor.ConstructorError(None, None, f"key '{key}' appears twice", key_node.start_mark)
        seen.add(key)
    return loader.construct_mapping(node, deep=deep)


_UniqueKeyLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _unique_mapping)


@dataclass(frozen=True)
class _Reader:
    """Typed reads of YAML values that fail with the file and key path."""

    file: str

    def fail(self, path: str, message: str) -> NamesError:
        """An error at `path`."""
        return NamesError(self.file, path, message)

    def mapping(self, path: str, value: object, required: Sequence[str] | None = None) -> Mapping[str, Any]:
        """A mapping with string keys; exactly the `required` keys when given."""
        if not isinstance(value, Mapping) or not all(isinstance(k, str) for k in value):
            raise self.fail(path, f"must be a mapping with text keys, not {_shown(value)}")
        if required is not None:
            for key in value:
                if key not in required:
                    raise self.fail(_join(path, key), f"unknown key; allowed here: {', '.join(required)}")
            for key in required:
                if key not in value:
                    raise self.fail(_join(path, key), f"missing; required here: {', '.join(required)}")
        return value

    def items(self, path: str, value: object) -> list[tuple[str, object]]:
        """A non-empty list: (key path, item) pairs."""
        if not isinstance(value, list) or not value:
            raise self.fail(path, f"must be a non-empty list, not {_shown(value)}")
        return [(f"{path}[{i}]", item) for i, item in enumerate(value)]

    def text(self, path: str, value: object) -> str:
        """Non-empty text without surrounding whitespace."""
        if not isinstance(value, str) or not value or value != value.strip():
            raise self.fail(path, f"must be non-empty text without surrounding spaces, not {_shown(value)}")
        return value

    def texts(self, path: str, value: object, distinct: bool = True) -> tuple[str, ...]:
        """A non-empty list of texts (distinct unless told otherwise)."""
        result: list[str] = []
        for item_path, item in self.items(path, value):
            text = self.text(item_path, item)
            if distinct and text in result:
                raise self.fail(item_path, f"'{text}' appears twice")
            result.append(text)
        return tuple(result)

    def integer(self, path: str, value: object, lo: int, hi: int) -> int:
        """An integer within [lo, hi]."""
        if isinstance(value, bool) or not isinstance(value, int) or not lo <= value <= hi:
            raise self.fail(path, f"must be an integer {lo}–{hi}, not {_shown(value)}")
        return value

    def choice(self, path: str, value: object, allowed: Sequence[str]) -> str:
        """One of `allowed`."""
        if not isinstance(value, str) or value not in allowed:
            raise self.fail(path, f"must be one of {', '.join(allowed)}, not {_shown(value)}")
        return value


def _shown(value: object) -> str:
    """A YAML value as quoted in a message."""
    if value is None:
        return "empty"
    if isinstance(value, Mapping):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    return repr(value)


def _join(path: str, key: str) -> str:
    """Append a key to a key path."""
    return f"{path}.{key}" if path else key


# ---------------------------------------------------------------------------------------------
# Sections
# ---------------------------------------------------------------------------------------------

_TOP_KEYS = (
    "domains", "bureaus", "schools", "district_government", "towns", "streets", "surnames", "village_suffixes",
    "communities", "roads", "pinned_projects", "key_evaluation", "whole_department_evaluation", "new_units",
    "project_kinds", "generic_indicators", "template_form_indicators", "qualitative_words", "shortfall_reasons",
    "overachievement_reasons",
)
_KIND_KEYS = ("kind", "domain", "units", *NAME_LISTS, "indicators")
_PLACEHOLDER = re.compile(r"\{(\w*)\}")


def _keys(value: object, required: tuple[str, ...], optional: str) -> tuple[str, ...]:
    """The allowed keys of a mapping: `required`, plus `optional` when the mapping has it."""
    return (*required, optional) if isinstance(value, Mapping) and optional in value else required


def _bureaus(r: _Reader, value: object) -> tuple[Bureau, ...]:
    """The 区直部门 and their sub-units."""
    bureaus: list[Bureau] = []
    for path, item in r.items("bureaus", value):
        data = r.mapping(path, item, _keys(item, ("code", "name", "size"), "subunits"))
        subunits: list[SubUnit] = []
        for sub_path, sub in r.items(f"{path}.subunits", data["subunits"]) if "subunits" in data else []:
            sub_data = r.mapping(sub_path, sub, ("name", "size"))
            subunits.append(SubUnit(
                r.text(f"{sub_path}.name", sub_data["name"]),
                r.choice(f"{sub_path}.size", sub_data["size"], BUREAU_SIZES),
            ))
        code = r.integer(f"{path}.code", data["code"], 1, MAX_UNIT_CODE)
        if code in (b.code for b in bureaus):
            raise r.fail(f"{path}.code", f"department code {code} appears twice")
        bureaus.append(Bureau(
            code,
            r.text(f"{path}.name", data["name"]),
            r.choice(f"{path}.size", data["size"], BUREAU_SIZES),
            tuple(subunits),
        ))
    return tuple(bureaus)


def _budget(r: _Reader, path: str, value: object) -> Decimal:
    """A positive amount in 万元 with at most two decimals."""
    number = Decimal(str(value)) if isinstance(value, int | float) and not isinstance(value, bool) else None
    if number is None or not number.is_finite() or number <= 0 or number != number.quantize(Decimal("0.01")):
        raise r.fail(path, f"must be a positive amount in 万元 with at most 2 decimals, not {_shown(value)}")
    return number


def _pinned(r: _Reader, value: object, kinds: Mapping[str, ProjectKind],
            units: Sequence[str], bureau_units: Sequence[str]) -> dict[str, tuple[PinnedProject, ...]]:
    """Projects that must exist, per unit name, each of a kind its unit runs."""
    result: dict[str, tuple[PinnedProject, ...]] = {}
    for unit, projects in r.mapping("pinned_projects", value).items():
        path = _join("pinned_projects", unit)
        if unit not in units:
            raise r.fail(path, f"'{unit}' is not a unit (bureaus and their subunits, schools, towns, streets)")
        pinned: list[PinnedProject] = []
        for item_path, item in r.items(path, projects):
            data = r.mapping(item_path, item, _keys(item, ("name", "kind"), "budget"))
            kind = kinds[r.choice(f"{item_path}.kind", data["kind"], tuple(kinds))]
            if unit in bureau_units and unit not in kind.units:
                raise r.fail(f"{item_path}.kind", f"'{unit}' is not among the units of kind '{kind.name}' "
                                                  f"({', '.join(kind.units) or 'none'})")
            pinned.append(PinnedProject(
                r.text(f"{item_path}.name", data["name"]),
                kind.name,
                kind.domain,
                _budget(r, f"{item_path}.budget", data["budget"]) if "budget" in data else None,
            ))
        result[unit] = tuple(pinned)
    return result


def _spec(r: _Reader, path: str, value: object) -> IndicatorSpec:
    """[name, kind, …] as described in names.yaml."""
    if not isinstance(value, list) or len(value) < 2:
        raise r.fail(path, f"must be a list [name, kind, …], not {_shown(value)}")
    name = r.text(f"{path}[0]", value[0])
    kind = r.choice(f"{path}[1]", value[1], tuple(_KIND_FIELDS))
    fields = _KIND_FIELDS[kind]
    if len(value) != 2 + len(fields):
        raise r.fail(path, f"a {kind} indicator is [name, {kind}, {', '.join(fields)}], not {len(value)} items")
    at = {field: (f"{path}[{i}]", item) for i, (field, item) in enumerate(zip(fields, value[2:], strict=True), start=2)}
    unit = r.text(*at["unit"]) if "unit" in at else r.text(*at["target"]) if "target" in at else ""
    lo = r.integer(*at["lo"], 0, MAX_TARGET) if "lo" in at else 0
    hi = r.integer(*at["hi"], lo, 100 if kind == KIND_PCT else MAX_TARGET) if "hi" in at else 0
    return IndicatorSpec(name, kind, unit, lo, hi)


def _spec_table(r: _Reader, path: str, value: object, required: Sequence[str]) -> dict[str, tuple[IndicatorSpec, ...]]:
    """二级指标 → indicator specs."""
    table: dict[str, tuple[IndicatorSpec, ...]] = {}
    for level2, specs in r.mapping(path, value).items():
        r.choice(_join(path, level2), level2, LEVEL2)
        table[level2] = tuple(_spec(r, item_path, item) for item_path, item in r.items(_join(path, level2), specs))
    for level2 in required:
        if level2 not in table:
            raise r.fail(_join(path, level2), f"missing; required here: {', '.join(required)}")
    return table


def _kinds(r: _Reader, value: object, domains: Sequence[str], bureau_units: Sequence[str]) -> dict[str, ProjectKind]:
    """The project kinds: names and indicators that fit together, and the units that run them."""
    kinds: dict[str, ProjectKind] = {}
    owner: dict[tuple[str, str], str] = {}  # (unit or list, name) → the kind that has it
    for path, item in r.items("project_kinds", value):
        data = r.mapping(path, item)
        for key in data:
            if key not in _KIND_KEYS:
                raise r.fail(_join(path, key), f"unknown key; allowed here: {', '.join(_KIND_KEYS)}")
        for key in ("kind", "domain", "indicators"):
            if key not in data:
                raise r.fail(_join(path, key), "missing; required here: kind, domain, indicators")
        name = r.text(f"{path}.kind", data["kind"])
        if name in kinds:
            raise r.fail(f"{path}.kind", f"kind '{name}' appears twice")
        units = r.texts(f"{path}.units", data["units"]) if "units" in data else ()
        for i, unit in enumerate(units):
            r.choice(f"{path}.units[{i}]", unit, bureau_units)
        if bool(units) != ("names" in data):
            raise r.fail(path, "units and names go together: names are the project names of those units")
        lists: dict[str, tuple[str, ...]] = {}
        for key, allowed in NAME_LISTS.items():
            lists[key] = r.texts(_join(path, key), data[key]) if key in data else ()
            for i, text in enumerate(lists[key]):
                for placeholder in _PLACEHOLDER.findall(text):
                    if placeholder not in allowed:
                        raise r.fail(f"{path}.{key}[{i}]", f"placeholder {{{placeholder}}} is not allowed here; "
                                                           f"allowed: {', '.join('{' + a + '}' for a in allowed)}")
                for holder in units if key == "names" else (key,):
                    if (holder, text) in owner:
                        raise r.fail(f"{path}.{key}[{i}]", f"'{text}' is already a name of kind '{owner[holder, text]}'"
                                                           f"{f' for {holder}' if key == 'names' else ''}")
                    owner[holder, text] = name
        if not any(lists.values()):
            raise r.fail(path, f"a kind needs project names: {', '.join(NAME_LISTS)}")
        kinds[name] = ProjectKind(
            name, r.choice(f"{path}.domain", data["domain"], domains), units, lists["names"], lists["town"],
            lists["street"], lists["school"], _spec_table(r, f"{path}.indicators", data["indicators"], ("数量指标",)))
    run = {unit for kind in kinds.values() for unit in kind.units}
    for unit in bureau_units:
        if unit not in run:
            raise r.fail("project_kinds", f"no kind lists '{unit}' among its units: the unit would have no projects")
    for key in ("town", "street", "school"):
        if not any(getattr(kind, key) for kind in kinds.values()):
            raise r.fail("project_kinds", f"no kind has {key} names")
    return kinds


def _generic(r: _Reader, value: object) -> dict[str, tuple[IndicatorSpec, ...]]:
    """The indicators that fit any project: only the 二级指标 of GENERIC_LEVEL2."""
    table = _spec_table(r, "generic_indicators", value, GENERIC_LEVEL2)
    for level2 in table:
        if level2 not in GENERIC_LEVEL2:
            raise r.fail(_join("generic_indicators", level2), f"only a project's kind has {level2}; allowed here: "
                                                              f"{', '.join(GENERIC_LEVEL2)}")
    return table


def _new_units(r: _Reader, value: object, units: Sequence[str]) -> dict[int, tuple[str, ...]]:
    """year → units set up that year."""
    result: dict[int, tuple[str, ...]] = {}
    for key, names in r.mapping("new_units", {str(k): v for k, v in value.items()} if isinstance(value, Mapping)
                                else value).items():
        path = _join("new_units", key)
        if not key.isdigit():
            raise r.fail(path, "must be a year (2015)")
        found = r.texts(path, names)
        for i, name in enumerate(found):
            r.choice(f"{path}[{i}]", name, units)
        result[int(key)] = found
    return result


def _parse(file: str, data: object) -> NamePools:
    """Check the YAML content and build the pools."""
    r = _Reader(file)
    top = r.mapping("", data, _TOP_KEYS)
    domains = r.texts("domains", top["domains"])
    bureaus = _bureaus(r, top["bureaus"])
    bureau_names = [b.name for b in bureaus]
    bureau_units = [name for b in bureaus for name in (b.name, *(sub.name for sub in b.subunits))]
    school = r.mapping("schools", top["schools"], ("code", "department", "names"))
    schools = r.texts("schools.names", school["names"])
    towns = r.texts("towns", top["towns"])
    streets = r.texts("streets", top["streets"])
    units = _unit_names(bureaus, schools, towns, streets)
    for i, name in enumerate(units):
        if name in units[:i]:
            raise r.fail("", f"unit name '{name}' appears twice (bureaus and their subunits, schools, towns, streets)")
    kinds = _kinds(r, top["project_kinds"], domains, bureau_units)
    pinned = _pinned(r, top["pinned_projects"], kinds, units, bureau_units)
    key = r.mapping("key_evaluation", top["key_evaluation"], ("unit", "project"))
    key_unit = r.text("key_evaluation.unit", key["unit"])
    key_project = r.text("key_evaluation.project", key["project"])
    if key_project not in [p.name for p in pinned.get(key_unit, ())]:
        raise r.fail("key_evaluation", f"'{key_unit}' / '{key_project}' must be listed in pinned_projects")
    whole = r.texts("whole_department_evaluation", top["whole_department_evaluation"])
    for i, name in enumerate(whole):
        r.choice(f"whole_department_evaluation[{i}]", name, bureau_names)
    forced = r.mapping("template_form_indicators", top["template_form_indicators"], TEMPLATE_FORM_LEVEL2)
    words = r.mapping("qualitative_words", top["qualitative_words"])
    return NamePools(
        source=file,
        domains=domains,
        bureaus=bureaus,
        school_code=r.integer("schools.code", school["code"], 1, MAX_UNIT_CODE),
        school_department=r.choice("schools.department", school["department"], bureau_names),
        schools=schools,
        district_government=r.text("district_government", top["district_government"]),
        towns=towns,
        streets=streets,
        surnames=r.text("surnames", top["surnames"]),
        village_suffixes=r.text("village_suffixes", top["village_suffixes"]),
        communities=r.texts("communities", top["communities"]),
        roads=r.texts("roads", top["roads"]),
        pinned_projects=pinned,
        key_unit=key_unit,
        key_project=key_project,
        whole_departments=whole,
        new_units=_new_units(r, top["new_units"], units),
        kinds=kinds,
        generic_indicators=_generic(r, top["generic_indicators"]),
        template_form_indicators={k: _spec(r, _join("template_form_indicators", k), v) for k, v in forced.items()},
        qualitative_words={k: r.texts(_join("qualitative_words", k), v) for k, v in words.items()},
        shortfall_reasons=r.texts("shortfall_reasons", top["shortfall_reasons"]),
        overachievement_reasons=r.texts("overachievement_reasons", top["overachievement_reasons"]),
    )


def _display_name(path: Path) -> str:
    """The file as shown in messages: relative to the project when inside it."""
    try:
        return path.resolve().relative_to(PROJECT_ROOT).as_posix()
    except ValueError:
        return str(path)


def load_names(path: Path | None = None) -> NamePools:
    """Read, check and return the name pools (default: sampledata/names.yaml)."""
    path = NAMES_PATH if path is None else Path(path)
    file = _display_name(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise NamesError(file, "", f"cannot read the file as UTF-8: {exc}") from exc
    try:
        data = yaml.load(text, Loader=_UniqueKeyLoader)  # a SafeLoader subclass
    except yaml.YAMLError as exc:
        raise NamesError(file, "", f"not valid YAML: {exc}") from exc
    return _parse(file, data)
