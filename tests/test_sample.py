"""The sample-year generator (sampledata/): reproducible bytes, DOMAIN.md §1 figures, planted quirks.

Forms are read back with openpyxl (read-only) and a small independent reader/scorer below, not with the
importer: these tests check what the generator wrote, the importer has its own tests. The scorer's
numbers (weights, bands, grades, ratios, rounding) come from the rubric, its arithmetic is its own.
The sample is written once per module (`written`); one more run, in another process, checks that the
bytes are reproducible.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import unicodedata
import zipfile
from dataclasses import dataclass, field
from decimal import ROUND_CEILING, ROUND_HALF_UP, Decimal
from pathlib import Path

import openpyxl
import pytest
import yaml

from rubrics.loader import load_rubric
from sampledata.generator import (
    QUIRK_KEYS,
    REGISTRY_FILE,
    REGISTRY_HEADER,
    SAMPLE_NOTE,
    planted_quirks,
    quirk_counts,
)
from sampledata.names import NAMES_PATH, NamesError, load_names
from sampledata.paths import REQUEST_FILE

ROOT = Path(__file__).resolve().parent.parent
RUBRIC = load_rubric()  # the rule numbers the forms are scored with
NAMES = load_names()
SEED_PROJECTS = (
    "道路清扫费", "龙康小学二期教学楼建设", "龙丰小学运动场建设", "失地农民基本生活保障", "安全饮水工程", "农村文化建设",
    "计划生育家庭奖励", "旅游公厕建设", "巡防队建设经费", "打击非法集资专项经费", "免费教科书", "城乡道路修建", "信访维稳",
    "六好村建设", "社区矫正", "残疾人事业", "养老机构", "城市管理", "医疗卫生建设", "城乡医疗补贴", "民政优抚",
    "花卉林木基地投入", "安全生产",
)
CENT = Decimal("0.01")
FULLWIDTH_DIGITS = re.compile("[０-９]")


# ---------------------------------------------------------------------------------------------
# A tiny reader for the forms as written
# ---------------------------------------------------------------------------------------------


def _text(value: object) -> str:
    """Cell text without whitespace, NFKC-normalised."""
    return "".join(unicodedata.normalize("NFKC", str(value)).split()) if value is not None else ""


def _amount(value: object) -> Decimal:
    """An amount cell in 万元: numbers, '1,234.50', full-width digits, '56.2万元', '562000元'; blank is 0."""
    if value is None:
        return Decimal(0)
    if isinstance(value, (int, float)):
        return Decimal(repr(value)).quantize(CENT, ROUND_HALF_UP)
    text = _text(value).replace(",", "")
    if text.endswith("万元"):
        return Decimal(text[:-2])
    if text.endswith("元"):
        return Decimal(text[:-1]) / 10_000
    return Decimal(text)


@dataclass
class Indicator:
    """One indicator row as written."""

    level1: str
    name: str
    target: object
    actual: object
    weight: object
    score: object
    reason: object


@dataclass
class Form:
    """The cells of one sheet, and the fields found by their labels."""

    cells: dict[tuple[int, int], object]
    funds: dict[str, list[object]] = field(default_factory=dict)  # row label → [年初, 全年, 执行]
    rate: object = None
    budget_score: object = None
    indicators: list[Indicator] = field(default_factory=list)
    total: object = None

    def find(self, wanted: str) -> tuple[int, int] | None:
        """The first cell (row-major) whose text equals `wanted`."""
        return next((rc for rc in sorted(self.cells) if _text(self.cells[rc]) == wanted), None)

    def texts(self) -> list[str]:
        """All text cells."""
        return [v for v in self.cells.values() if isinstance(v, str)]

    def amounts(self) -> list[object]:
        """Every written amount cell."""
        return [v for row in self.funds.values() for v in row if v is not None]


def _read_form(rows: list[tuple]) -> Form:
    """Locate the money table, the indicator table and the 总分 row by their labels."""
    cells = {(r, c): v for r, row in enumerate(rows, 1) for c, v in enumerate(row, 1) if v is not None}
    form = Form(cells)
    hr, _ = form.find("全年预算数")
    header = {_text(v): c for (r, c), v in cells.items() if r == hr}
    cols = [header["年初预算数"], header["全年预算数"], header["全年执行数"]]
    for r in range(hr + 1, hr + 5):
        label = "".join(_text(cells.get((r, c))) for c in range(1, cols[0]))
        key = next(k for k in ("年度资金总额", "财政拨款", "上年结转", "其他资金") if k in label)
        form.funds[key] = [cells.get((r, c)) for c in cols]
        if key == "年度资金总额":
            form.rate, form.budget_score = cells.get((r, header["执行率"])), cells.get((r, header["得分"]))
    ir, _ = form.find("三级指标")
    head = {_text(v): c for (r, c), v in cells.items() if r == ir}
    total_row = next(r for (r, c), v in sorted(cells.items()) if r > ir and _text(v) == "总分")
    level1 = ""
    for r in range(ir + 1, total_row):
        level1 = _text(cells.get((r, head["一级指标"]))) or level1
        form.indicators.append(Indicator(level1, *(cells.get((r, head[k])) for k in (
            "三级指标", "年度指标值", "实际完成值", "分值", "得分", "偏差原因分析及改进措施"))))
    form.total = cells.get((total_row, head["得分"]))
    return form


# ---------------------------------------------------------------------------------------------
# A tiny honest scorer (DOMAIN.md §3): the rubric's numbers, its own arithmetic (not rubrics/engine.py)
# ---------------------------------------------------------------------------------------------

_TARGET = re.compile(r"^([≥≤=])([0-9.]+)(.*)$")
_ACTUAL = re.compile(r"^([0-9.]+)(.*)$")
OVER = RUBRIC.quantitative.over_achievement
LE_RULE = RUBRIC.quantitative.rule_for("≤")  # formula ratio (w × t / a) or linear (0 from zero_at_ratio × t)


def _is_placeholder(ind: Indicator) -> bool:
    """An empty template row (指标3, ……)."""
    return ind.weight is None and ind.target is None


def _points(value: Decimal) -> Decimal:
    """Points rounded as the rubric rounds a row."""
    return value.quantize(Decimal(1).scaleb(-RUBRIC.rounding.row_places), RUBRIC.rounding.decimal_rounding)


def _target(ind: Indicator) -> tuple[str, Decimal, str] | None:
    """(op, number, unit) of a quantitative target; None for a qualitative one."""
    match = _TARGET.match(_text(ind.target))
    return (match.group(1), Decimal(match.group(2)), match.group(3)) if match else None


def _actual(ind: Indicator, target: tuple[str, Decimal, str]) -> Decimal:
    """An actual value on the target's scale (0.96 → 96 for a % target)."""
    if isinstance(ind.actual, (int, float)):
        number = Decimal(repr(ind.actual))
        if target[2] in ("%", "百分比") and number <= 1 < target[1]:
            number *= 100
        return number
    return Decimal(_ACTUAL.match(_text(ind.actual)).group(1))


def _honest_row(ind: Indicator) -> Decimal:
    """The row's honest score: the formula for numbers; the unit's score clamped into its band for words."""
    w = Decimal(ind.weight)
    target = _target(ind)
    if target is None:
        word = _text(ind.actual)
        named = [band for band, words in NAMES.qualitative_words.items() if word in words]
        band = named[0] if named else RUBRIC.qualitative.target_text_band if word == _text(ind.target) else None
        assert band is not None, word
        bounds = RUBRIC.qualitative.band(band)
        quantum = Decimal(1).scaleb(-RUBRIC.rounding.row_places)
        below = (bounds.max * w).quantize(quantum, ROUND_CEILING) - quantum  # the largest score under the upper edge
        top = bounds.max * w if bounds is RUBRIC.qualitative.bands[0] else below
        return _points(min(max(Decimal(repr(ind.score)), bounds.min * w), top))  # bands stop below their upper edge
    op, t, _ = target
    a = _actual(ind, target)
    if op == "≤" and LE_RULE.formula == "linear" and LE_RULE.zero_at_ratio is not None:
        z = LE_RULE.zero_at_ratio
        score = w if a <= t else Decimal(0) if a >= z * t else w * (1 - (a - t) / ((z - 1) * t))
    elif op == "≤":
        score = w if a <= t else w * t / a
    else:
        score = w if a >= t else w * a / t
    return _points(score)


def _honest_total(form: Form) -> Decimal:
    """Budget points + indicator points, recomputed from the raw values."""
    budget, spent = _funds(form)
    rate = (spent / budget).quantize(Decimal(1).scaleb(-RUBRIC.budget.rate_places), RUBRIC.rounding.decimal_rounding)
    points = _points(min(rate, Decimal(1)) * RUBRIC.budget.weight)
    return points + sum(_honest_row(i) for i in form.indicators if not _is_placeholder(i))


def _funds(form: Form) -> tuple[Decimal, Decimal]:
    """(全年预算数, 全年执行数), from the sub-rows when the 年度资金总额 row is zero-filled."""
    total = form.funds["年度资金总额"]
    if _amount(total[1]) == 0:
        parts = [form.funds[k] for k in ("财政拨款", "上年结转", "其他资金")]
        return sum(_amount(p[1]) for p in parts), sum(_amount(p[2]) for p in parts)
    return _amount(total[1]), _amount(total[2])


def _complete(form: Form) -> bool:
    """Every actual and score is written, and the total."""
    rows = [i for i in form.indicators if not _is_placeholder(i)]
    return form.total is not None and all(i.actual is not None and i.score is not None for i in rows)


def _grade(total: Decimal) -> str:
    """The first grade band (best first) whose minimum the total reaches."""
    return next((band.name for band in RUBRIC.grade_rule.bands if total >= band.min), RUBRIC.grade_rule.bands[-1].name)


# ---------------------------------------------------------------------------------------------
# Fixtures
# ---------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def written(generated_sample: list[Path]) -> list[Path]:
    """The sample year as the generator writes it (once per session)."""
    return generated_sample


@pytest.fixture(scope="module")
def forms(written: list[Path]) -> dict[tuple[str, str], Form]:
    """Every form, keyed by (file name, sheet title), in file and sheet order."""
    out: dict[tuple[str, str], Form] = {}
    for path in written[1:-1]:  # the unit workbooks: between the registry and the request sheet
        wb = openpyxl.load_workbook(path, read_only=True)
        for ws in wb.worksheets:
            out[(path.name, ws.title)] = _read_form(list(ws.iter_rows(values_only=True)))
        wb.close()
    return out


@pytest.fixture(scope="module")
def registry(written: list[Path]) -> tuple[list[tuple], list[tuple]]:
    """(自评项目清单 rows with header, 年度信息 rows)."""
    wb = openpyxl.load_workbook(written[0], read_only=True)
    rows = list(wb["自评项目清单"].iter_rows(values_only=True))
    info = list(wb["年度信息"].iter_rows(values_only=True))
    wb.close()
    return rows, info


# ---------------------------------------------------------------------------------------------
# Tests
# ---------------------------------------------------------------------------------------------


def test_files_registry_first_then_121_units_then_the_request_sheet(written):
    assert written[0].name == REGISTRY_FILE
    assert written[-1].name == REQUEST_FILE
    units = written[1:-1]
    assert len(units) == 121
    assert all(re.fullmatch(r"\d{6}_.+\.xlsx", p.name) for p in units)
    assert sorted(p.name for p in written) == sorted(p.name for p in written[0].parent.iterdir())


def test_bytes_identical_across_runs_and_hash_seeds(written, tmp_path):
    """A second run, through the command line in another process with another PYTHONHASHSEED, writes the
    same bytes, and replaces a unit workbook left over from an earlier run (this is the one second run)."""
    (tmp_path / "999001_旧单位.xlsx").write_bytes(b"left over")
    hash_seed = "1" if os.environ.get("PYTHONHASHSEED") != "1" else "2"
    env = dict(os.environ, PYTHONHASHSEED=hash_seed, PYTHONPATH=str(ROOT))
    command = [sys.executable, "-m", "sampledata", "write", str(tmp_path)]
    subprocess.run(command, check=True, cwd=ROOT, env=env, timeout=300, capture_output=True)
    for path in written:
        assert (tmp_path / path.name).read_bytes() == path.read_bytes(), path.name
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(p.name for p in written)


def test_793_sheets_with_valid_titles_matching_the_registry(forms, registry):
    rows, _ = registry
    assert len(forms) == 793
    for (file_name, title), form in forms.items():
        assert len(title) <= 31 and not re.search(r"[\[\]:*?/\\]", title)
        code, unit = file_name[:-5].split("_", 1)
        assert _text(form.cells[(form.find("项目名称")[0], form.find("项目名称")[1] + 2)]) == title
        implementer = form.find("实施单位")
        assert form.cells[(implementer[0], implementer[1] + 1)] == f"{code}-{unit}"
    listed = [(f"{r[1]}_{r[2]}.xlsx", r[5]) for r in rows[1:]]
    assert listed == list(forms)


def test_money_adds_up_to_the_reference_year(forms, registry):
    budget = spent = Decimal(0)
    for form in forms.values():
        b, s = _funds(form)
        budget, spent = budget + b, spent + s
        for column in range(3):  # the sub-rows add up to the total row (unless it is zero-filled)
            total = _amount(form.funds["年度资金总额"][column])
            parts = sum(_amount(form.funds[k][column]) for k in ("财政拨款", "上年结转", "其他资金"))
            assert total in (parts, 0)
    assert budget == Decimal("99500.00")
    assert spent == Decimal("83200.00")
    _, info = registry  # the year's 全年项目支出: the forms are 49% of it
    assert round(budget / Decimal(repr(info[1][1])) * 100) == 49


def test_registry_lists_units_domains_and_year(registry):
    rows, info = registry
    assert rows[0] == REGISTRY_HEADER
    body = rows[1:]
    assert len(body) == 793 and [r[0] for r in body] == list(range(1, 794))
    assert {r[6] for r in body} == set(NAMES.domains)
    assert len({r[1] for r in body}) == 121 and len({(r[1], r[2]) for r in body}) == 121
    assert {r[3] for r in body} == {"区直部门", "镇", "街道办事处", "学校"}
    assert len({(r[1], r[5]) for r in body}) == 793  # project names unique within a unit
    units = {r[2] for r in body}
    assert {NAMES.key_unit, *NAMES.whole_departments} <= units
    assert (NAMES.key_unit, NAMES.key_project) in {(r[2], r[5]) for r in body}
    assert set(SEED_PROJECTS) <= {r[5] for r in body}
    assert info == [("年度", 2015), ("全年项目支出（万元）", 203061.22), ("数据说明", SAMPLE_NOTE)]


def test_every_workbook_says_it_is_sample_data(written, registry):
    """The registry's note and every workbook's document title mark the files as 示例数据."""
    _, info = registry
    assert "示例数据" in info[2][1]
    for path in written:
        with zipfile.ZipFile(path) as z:
            core = z.read("docProps/core.xml").decode("utf-8")
        title = re.search(r"<dc:title>(.*?)</dc:title>", core)
        assert title and "示例数据" in title.group(1), path.name


def test_honest_recomputation_gives_every_grade(forms):
    """Recomputed from raw values: all four grades, ≥ 10 差, and self-scores near the honest ones."""
    inflated = {key for key in _all_with("inflated_self_score")}
    grades: dict[str, int] = {}
    for key, form in forms.items():
        if not _complete(form):
            grades["未完成"] = grades.get("未完成", 0) + 1
            continue
        honest = _honest_total(form)
        grades[_grade(honest)] = grades.get(_grade(honest), 0) + 1
        excess = Decimal(repr(form.total)) - honest
        if key in inflated:
            assert 6 <= excess <= 25, key
        else:
            assert abs(excess) <= 3, key
    assert set(grades) == {"优", "良", "中", "差", "未完成"}
    assert grades["差"] >= 10 and grades["未完成"] >= 10
    assert 0.5 < grades["优"] / 793 < 0.7


def _all_with(quirk: str) -> list[tuple[str, str]]:
    """Every form carrying `quirk`."""
    return planted_quirks(limit=1000)[quirk]


def _over(ind: Indicator) -> bool:
    """A row (≥ or =) whose actual reaches the rubric's over-achievement ratio × its target."""
    target = _target(ind) if not _is_placeholder(ind) and ind.actual is not None else None
    return target is not None and target[0] in OVER.operators and _actual(ind, target) >= OVER.ratio * target[1]


def _shows(quirk: str, form: Form) -> bool:
    """True when the form visibly shows `quirk`."""
    rows = [i for i in form.indicators if not _is_placeholder(i)]
    targets = [_text(i.target) for i in rows]
    money = [a for a in form.amounts() if isinstance(a, str)]
    checks = {
        "glued_units": lambda: any(re.fullmatch(r"[≥≤=][0-9.]+[^0-9.%]+", t) for t in targets),
        "percent_word": lambda: any(re.fullmatch(r"[≥=][0-9.]+百分比", t) for t in targets),
        "qualitative": lambda: any(not re.search(r"[0-9]", t) for t in targets),
        "template_labels": lambda: any(re.fullmatch(r"指标\d+\D+", _text(i.name)) for i in rows),
        "placeholder_rows": lambda: any(re.fullmatch(r"指标\d+|\.{6}", _text(i.name)) and _is_placeholder(i)  # …… after NFKC
                                        and i.actual is None for i in form.indicators),
        "zero_total_row": lambda: (all(_amount(v) == 0 for v in form.funds["年度资金总额"])
                                   and _amount(form.funds["财政拨款"][1]) > 0),
        "incomplete": lambda: not _complete(form),
        "integer_scores": lambda: (all(float(v).is_integer() for v in [form.budget_score, form.total]
                                       + [i.score for i in rows])
                                   and not (_rate(form) * float(RUBRIC.budget.weight)).is_integer()),
        "text_thousands": lambda: any("," in a for a in money),
        "fullwidth_digits": lambda: any(FULLWIDTH_DIGITS.search(a) for a in money),
        "wan_suffix": lambda: any(a.endswith("万元") for a in money),
        "yuan_amounts": lambda: any(re.fullmatch(r"\d+元", a) for a in money),
        "inflated_self_score": lambda: Decimal(repr(form.total)) - _honest_total(form) >= 6,
        "overachieved_no_reason": lambda: any(_over(i) and not i.reason for i in rows),
        "overachieved_with_reason": lambda: any(_over(i) and i.reason for i in rows),
        "weights_not_100": lambda: RUBRIC.budget.weight + sum(i.weight for i in rows) != RUBRIC.full_marks,
        "layout_shifted": lambda: form.cells.get((1, 2)) == "附件1" and not any(c == 1 for _, c in form.cells),
        "layout_province": lambda: ("其中：本年财政拨款" in form.texts() and "总  分" in form.texts()
                                    and any(re.search(r"[(（]\d+分[)）]$", i.level1) for i in rows)),
        "layout_mof_no_unit_row": lambda: (form.find("项目名称") == (2, 1)
                                           and not any("填报单位" in t for t in form.texts())),
    }
    return checks[quirk]()


def _rate(form: Form) -> float:
    """The form's execution rate as a fraction, whichever way it is written."""
    value = form.rate
    if isinstance(value, str):
        return float(_text(value).rstrip("%")) / 100
    return value if value <= 1 else value / 100


def test_every_planted_quirk_is_there_and_visible(forms):
    examples = planted_quirks()
    counts = quirk_counts()
    assert set(examples) == set(QUIRK_KEYS)
    at_least = {"weights_not_100": 3, "incomplete": 20}
    for quirk in QUIRK_KEYS:
        assert counts[quirk] >= at_least.get(quirk, 10), quirk
        assert 0 < len(examples[quirk]) <= 8, quirk
        for key in examples[quirk]:
            assert _shows(quirk, forms[key]), (quirk, key)
    assert 3 <= counts["weights_not_100"] <= 5


@pytest.mark.parametrize("quirk", ["inflated_self_score", "overachieved_no_reason", "zero_total_row", "incomplete"])
def test_quirks_only_where_planted(forms, quirk):
    """These quirks appear exactly on the forms the manifest names (so the importer tests can rely on it)."""
    planted = set(_all_with(quirk))
    shown = {key for key, form in forms.items() if _shows(quirk, form)} if quirk != "inflated_self_score" else {
        key for key, form in forms.items() if _complete(form) and _shows(quirk, form)}
    assert shown == planted


@pytest.mark.parametrize(("change", "key_path"), [
    (lambda d: d.update(villages=["张庄村"]), "villages"),
    (lambda d: d["project_kinds"][0].update(domain="航天"), "project_kinds[0].domain"),
    (lambda d: d["project_kinds"][0]["indicators"]["数量指标"].append(["受益户数", "count", "户", 50]),
     "project_kinds[0].indicators.数量指标[3]"),
    (lambda d: d["project_kinds"][0]["units"].append("区航天局"), "project_kinds[0].units[2]"),
    (lambda d: d["pinned_projects"]["龙丰小学"][0].update(budget=1.234), "pinned_projects.龙丰小学[0].budget"),
    (lambda d: d["pinned_projects"].update({"区财政局": [{"name": "孤儿基本生活费", "kind": "儿童福利"}]}),
     "pinned_projects.区财政局[0].kind"),  # 区财政局 does not run 儿童福利 (区民政局 does)
    (lambda d: d["generic_indicators"].update({"数量指标": [["完成项目个数", "count", "个", 2, 20]]}),
     "generic_indicators.数量指标"),  # a count fits few projects: only a project's kind has them
])
def test_names_file_errors_name_the_key(tmp_path, change, key_path):
    """names.yaml is checked on load; an error names the file and the key path."""
    data = yaml.safe_load(NAMES_PATH.read_text(encoding="utf-8"))
    change(data)
    path = tmp_path / "names.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    with pytest.raises(NamesError) as error:
        load_names(path)
    assert (error.value.file, error.value.key_path) == (str(path), key_path)


def _rubric_with(tmp_path: Path, change) -> Path:
    """The shipped rubric with one change, written to a file."""
    from rubrics.loader import DEFAULT_RUBRIC_PATH

    data = yaml.safe_load(DEFAULT_RUBRIC_PATH.read_text(encoding="utf-8"))
    change(data)
    path = tmp_path / "rubric.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


@pytest.mark.parametrize(("change", "key_path"), [
    (lambda d: d["rounding"].update(scope="total"), "rounding.scope"),
    (lambda d: d["quantitative"]["over_achievement"].update(reduce_points=True),
     "quantitative.over_achievement.reduce_points"),
    (lambda d: d["quantitative"]["operators"].__setitem__(1, {"op": "≤", "rule": "equal", "description": "按 ≥ 计"}),
     "quantitative.operators"),
])
def test_generator_refuses_rules_it_cannot_follow(tmp_path, change, key_path):
    """The generator plans forms it scores itself: a rubric it cannot follow is refused, naming the key."""
    from rubrics.loader import RubricError
    from sampledata.rules import sample_rules

    with pytest.raises(RubricError) as error:
        sample_rules(load_rubric(_rubric_with(tmp_path, change)))
    assert error.value.key_path == key_path


def test_generator_follows_either_le_formula(tmp_path):
    """≤ by ratio (the default) or by the linear fall the rubric may choose instead."""
    from sampledata.rules import sample_rules

    assert (sample_rules().le_formula, sample_rules().le_zero_at_ratio) == ("ratio", None)
    linear = _rubric_with(tmp_path, lambda d: d["quantitative"]["operators"][1].update(formula="linear", zero_at_ratio=2))
    rules = sample_rules(load_rubric(linear))
    assert (rules.le_formula, rules.le_zero_at_ratio) == ("linear", Decimal(2))


# ---------------------------------------------------------------------------------------------
# Projects and indicators that fit (names.yaml project_kinds), in every sample year
# ---------------------------------------------------------------------------------------------

TEMPLATE_PREFIX = re.compile(r"^指标\d+")


@pytest.fixture(scope="module", params=[2015, 2014])
def plan(request):
    """A sample year's plan, as the generator wrote it."""
    from sampledata.generator import build_plan

    return build_plan(request.param)


def _rows(project) -> list[tuple[str, str]]:
    """(二级指标, 三级指标 without its template prefix) of a planned form's indicator rows."""
    return [(r.level2, TEMPLATE_PREFIX.sub("", r.name)) for r in project.rows if r.kind != "placeholder"]


def test_every_indicator_comes_from_its_projects_kind_or_fits_any_project(plan):
    template = {(level2, spec.name) for level2, spec in NAMES.template_form_indicators.items()}
    generic = {(level2, spec.name) for level2, specs in NAMES.generic_indicators.items() for spec in specs}
    for p in plan.projects:
        own = {(level2, spec.name) for level2, specs in p.kind.indicators.items() for spec in specs}
        templated = template if "template_labels" in p.quirks else set()
        for row in _rows(p):
            assert row in own | generic | templated, (p.unit.name, p.name, p.kind.name, row)
        quantity = [name for level2, name in _rows(p) if level2 == "数量指标"]
        assert quantity and all(("数量指标", name) in own for name in quantity), (p.name, quantity)


def test_every_project_is_run_by_a_unit_of_its_kind(plan):
    for p in plan.projects:
        if p.unit.kind == "区直部门":
            assert p.unit.name in p.kind.units, (p.unit.name, p.name, p.kind.name)
        else:
            names = {"镇": p.kind.town, "街道办事处": p.kind.street, "学校": p.kind.school}[p.unit.kind]
            assert names, (p.unit.name, p.name, p.kind.name)
        assert p.domain == p.kind.domain


def test_the_issues_misfits_are_gone(plan):
    """科技创新扶持 was measured by 新建旅游公厕, 城乡道路修建 by 改造棚户区户数, and 区财政局 ran 孤儿基本生活费."""
    by_name: dict[str, list] = {}
    for p in plan.projects:
        by_name.setdefault(p.name, []).append(p)
    for p in by_name.get("科技创新扶持", []):
        names = {name for _, name in _rows(p)}
        assert not names & {"新建旅游公厕", "新建旅游公厕座数", "改造棚户区户数"}, names
        assert p.unit.name == "区科技局"
    for p in by_name["城乡道路修建"]:
        assert {name for level2, name in _rows(p) if level2 == "数量指标"} <= {"修建道路里程", "硬化路面面积"}
    for p in by_name["旅游公厕建设"]:
        assert {name for level2, name in _rows(p) if level2 == "数量指标"} <= {"新建旅游公厕座数", "改造旅游公厕座数"}
    for p in by_name.get("孤儿基本生活费", []):
        assert p.unit.department == "区民政局", p.unit.name
    finance = [p for p in plan.projects if p.unit.name == "区财政局"]
    assert finance and {p.kind.name for p in finance} <= {
        "惠民补贴发放", "国库支付", "绩效评价", "政府采购", "财政监督", "投资评审", "农村综合改革"}


def test_kinds_never_share_a_name_between_two_kinds_of_one_unit():
    """A project name means one kind: the loader refuses a name listed under two kinds for the same unit."""
    seen: dict[tuple[str, str], str] = {}
    for kind in NAMES.kinds.values():
        for holder in kind.units:
            for name in kind.names:
                assert seen.setdefault((holder, name), kind.name) == kind.name, (holder, name)
        for key in ("town", "street", "school"):
            for name in getattr(kind, key):
                assert seen.setdefault((key, name), kind.name) == kind.name, (key, name)
