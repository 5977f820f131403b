"""Load and check the generator's name pools (sampledata/names.yaml) into frozen, typed data.

Every check is explicit: a `NamesError` names the file, the key path (`bureaus[3].domains[0]`) and
what is allowed. This module knows the shape of the pools, not their content.
"""

from __future__ import annotations

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
    domains: tuple[str, ...]
    size: str  # one of BUREAU_SIZES


@dataclass(frozen=True)
class Bureau:
    """A 区直部门 with its three-digit department code and its sub-units."""

    code: int
    name: str
    domains: tuple[str, ...]  # the first one is its main domain
    size: str  # one of BUREAU_SIZES
    subunits: tuple[SubUnit, ...]


@dataclass(frozen=True)
class PinnedProject:
    """A project that must exist (DOMAIN.md §1), with its fixed 全年预算数 in 万元 when the seed gives one."""

    name: str
    domain: str
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
    bureau_projects: Mapping[str, tuple[str, ...]]  # domain → names ({p}: a road)
    town_projects: tuple[tuple[str, str], ...]  # (name with {v} / {t}, domain), in file order
    street_projects: tuple[tuple[str, str], ...]  # (name with {c}, domain)
    school_projects: tuple[str, ...]  # names with {s}
    indicators: Mapping[str, Mapping[str, tuple[IndicatorSpec, ...]]]  # domain → 二级指标 → specs
    generic_indicators: Mapping[str, tuple[IndicatorSpec, ...]]  # 二级指标 → specs
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
    "communities", "roads", "pinned_projects", "key_evaluation", "whole_department_evaluation", "bureau_projects",
    "town_projects", "street_projects", "school_projects", "indicators", "generic_indicators",
    "template_form_indicators", "qualitative_words", "shortfall_reasons", "overachievement_reasons",
)


def _domain_list(r: _Reader, path: str, value: object, domains: Sequence[str]) -> tuple[str, ...]:
    """A non-empty list of known domains."""
    found = r.texts(path, value)
    for i, domain in enumerate(found):
        r.choice(f"{path}[{i}]", domain, domains)
    return found


def _keys(value: object, required: tuple[str, ...], optional: str) -> tuple[str, ...]:
    """The allowed keys of a mapping: `required`, plus `optional` when the mapping has it."""
    return (*required, optional) if isinstance(value, Mapping) and optional in value else required


def _bureaus(r: _Reader, value: object, domains: Sequence[str]) -> tuple[Bureau, ...]:
    """The 区直部门 and their sub-units."""
    bureaus: list[Bureau] = []
    for path, item in r.items("bureaus", value):
        data = r.mapping(path, item, _keys(item, ("code", "name", "domains", "size"), "subunits"))
        subunits: list[SubUnit] = []
        for sub_path, sub in r.items(f"{path}.subunits", data["subunits"]) if "subunits" in data else []:
            sub_data = r.mapping(sub_path, sub, ("name", "domains", "size"))
            subunits.append(SubUnit(
                r.text(f"{sub_path}.name", sub_data["name"]),
                _domain_list(r, f"{sub_path}.domains", sub_data["domains"], domains),
                r.choice(f"{sub_path}.size", sub_data["size"], BUREAU_SIZES),
            ))
        code = r.integer(f"{path}.code", data["code"], 1, MAX_UNIT_CODE)
        if code in (b.code for b in bureaus):
            raise r.fail(f"{path}.code", f"department code {code} appears twice")
        bureaus.append(Bureau(
            code,
            r.text(f"{path}.name", data["name"]),
            _domain_list(r, f"{path}.domains", data["domains"], domains),
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


def _pinned(r: _Reader, value: object, domains: Sequence[str], units: Sequence[str]) -> dict[str, tuple[PinnedProject, ...]]:
    """Projects that must exist, per unit name."""
    result: dict[str, tuple[PinnedProject, ...]] = {}
    for unit, projects in r.mapping("pinned_projects", value).items():
        path = _join("pinned_projects", unit)
        if unit not in units:
            raise r.fail(path, f"'{unit}' is not a unit (bureaus and their subunits, schools, towns, streets)")
        pinned: list[PinnedProject] = []
        for item_path, item in r.items(path, projects):
            data = r.mapping(item_path, item, _keys(item, ("name", "domain"), "budget"))
            pinned.append(PinnedProject(
                r.text(f"{item_path}.name", data["name"]),
                r.choice(f"{item_path}.domain", data["domain"], domains),
                _budget(r, f"{item_path}.budget", data["budget"]) if "budget" in data else None,
            ))
        result[unit] = tuple(pinned)
    return result


def _templates(r: _Reader, key: str, value: object, domains: Sequence[str]) -> tuple[tuple[str, str], ...]:
    """Project names grouped by domain → (name, domain) pairs in file order."""
    pairs: list[tuple[str, str]] = []
    for domain, names in r.mapping(key, value).items():
        r.choice(_join(key, domain), domain, domains)
        pairs += [(name, domain) for name in r.texts(_join(key, domain), names)]
    return tuple(pairs)


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


def _by_domain(r: _Reader, path: str, value: object, domains: Sequence[str]) -> Mapping[str, Any]:
    """A mapping with exactly one entry per domain."""
    table = r.mapping(path, value)
    for domain in table:
        r.choice(_join(path, domain), domain, domains)
    for domain in domains:
        if domain not in table:
            raise r.fail(_join(path, domain), "missing: every domain needs an entry here")
    return table


def _parse(file: str, data: object) -> NamePools:
    """Check the YAML content and build the pools."""
    r = _Reader(file)
    top = r.mapping("", data, _TOP_KEYS)
    domains = r.texts("domains", top["domains"])
    bureaus = _bureaus(r, top["bureaus"], domains)
    bureau_names = [b.name for b in bureaus]
    school = r.mapping("schools", top["schools"], ("code", "department", "names"))
    schools = r.texts("schools.names", school["names"])
    towns = r.texts("towns", top["towns"])
    streets = r.texts("streets", top["streets"])
    units = _unit_names(bureaus, schools, towns, streets)
    for i, name in enumerate(units):
        if name in units[:i]:
            raise r.fail("", f"unit name '{name}' appears twice (bureaus and their subunits, schools, towns, streets)")
    pinned = _pinned(r, top["pinned_projects"], domains, units)
    key = r.mapping("key_evaluation", top["key_evaluation"], ("unit", "project"))
    key_unit = r.text("key_evaluation.unit", key["unit"])
    key_project = r.text("key_evaluation.project", key["project"])
    if key_project not in [p.name for p in pinned.get(key_unit, ())]:
        raise r.fail("key_evaluation", f"'{key_unit}' / '{key_project}' must be listed in pinned_projects")
    whole = r.texts("whole_department_evaluation", top["whole_department_evaluation"])
    for i, name in enumerate(whole):
        r.choice(f"whole_department_evaluation[{i}]", name, bureau_names)
    bureau_projects = _by_domain(r, "bureau_projects", top["bureau_projects"], domains)
    indicators = _by_domain(r, "indicators", top["indicators"], domains)
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
        bureau_projects={d: r.texts(_join("bureau_projects", d), v) for d, v in bureau_projects.items()},
        town_projects=_templates(r, "town_projects", top["town_projects"], domains),
        street_projects=_templates(r, "street_projects", top["street_projects"], domains),
        school_projects=r.texts("school_projects", top["school_projects"]),
        indicators={d: _spec_table(r, _join("indicators", d), v, ("数量指标",)) for d, v in indicators.items()},
        generic_indicators=_spec_table(r, "generic_indicators", top["generic_indicators"], LEVEL2),
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
