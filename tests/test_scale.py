"""sampledata.scale: a ×2 tier is two renamed copies of the district that the real importer accepts."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

import pytest

from etl.form import WARNING
from etl.load import SourceFile, check, iter_sources
from sampledata.scale import PLAN_FILE, TierError, county, write_tier

N = 2
UNITS, PROJECTS = 121, 793  # the district (DOMAIN.md §1)
BUDGET_FULL_YEAR = Decimal("99500.00")  # Σ 全年预算数 of the district, 万元
EXPENDITURE = Decimal("203061.22")  # the district's 全年项目支出, 万元


@dataclass
class Summary:
    """What the importer's check reads from a folder of workbooks."""

    rejected: list[str] = field(default_factory=list)
    units: set[tuple[str, str]] = field(default_factory=set)
    forms: set[tuple[str, str, str, str]] = field(default_factory=set)  # unit code, unit, department, project
    budget_full_year: Decimal = Decimal(0)
    indicators: Counter[str] = field(default_factory=Counter)  # by county folder
    warnings: Counter[str] = field(default_factory=Counter)
    plan: set[tuple[str, str, str, str]] = field(default_factory=set)
    expenditure: Decimal | None = None


def summarize(folder: Path) -> Summary:
    """Read every file once through the importer's check (what check_source judges, without writes)."""
    out = Summary()
    for source in iter_sources([folder]):
        if not isinstance(source, SourceFile):
            out.rejected.append(source.file)
            continue
        parsed = check(source)
        if not parsed.ok:  # check_source reports such a file as 已拒绝
            out.rejected.append(source.name)
        if parsed.plan is not None:
            out.plan |= {(r.unit_code, r.unit_name, r.department, r.project_name) for r in parsed.plan.rows}
            out.expenditure = parsed.plan.project_expenditure
            continue
        folder = Path(source.name).parent.name
        out.warnings[folder] += sum(p.severity == WARNING for p in parsed.problems)
        for f in parsed.forms:
            out.units.add((f.unit_code, f.unit_name))
            out.forms.add((f.unit_code, f.unit_name, f.department, f.project_name))
            out.budget_full_year += f.form.budget_full_year or 0
            out.indicators[folder] += len(f.form.indicators)
    return out


@pytest.fixture(scope="module")
def tier(tmp_path_factory: pytest.TempPathFactory) -> tuple[list[Path], Summary]:
    out = tmp_path_factory.mktemp("tier") / "x2"
    paths = write_tier(N, out)
    return paths, summarize(out)


def test_the_tier_is_n_distinct_copies_of_the_district(tier):
    paths, s = tier
    assert paths[0].name == PLAN_FILE and len(paths) == 1 + N * UNITS
    assert not s.rejected
    assert len({code for code, _ in s.units}) == len({name for _, name in s.units}) == N * UNITS
    assert len({(code, project) for code, _, _, project in s.forms}) == N * PROJECTS
    counties = [f"{c.code}_{c.name}" for c in map(county, range(1, N + 1))]
    assert sorted(s.indicators) == sorted(s.warnings) == counties
    # every county reads like the other: same indicator rows, same quirks warned about
    assert len(set(s.indicators.values())) == 1 and len(set(s.warnings.values())) == 1
    assert s.warnings[counties[0]] > 0


def test_totals_scale_exactly(tier):
    _, s = tier
    assert s.budget_full_year == N * BUDGET_FULL_YEAR
    assert s.expenditure == N * EXPENDITURE


def test_one_plan_lists_every_form_of_every_county(tier):
    _, s = tier
    assert s.plan == s.forms
    assert {code[:3] for code, *_ in s.plan} == {county(k).code for k in range(1, N + 1)}
    assert {name[:3] for _, name, *_ in s.plan} == {county(k).name for k in range(1, N + 1)}


def test_refuses_a_full_folder_and_a_plan_beyond_the_reader_limit(tmp_path):
    (tmp_path / "old.txt").write_text("x")
    with pytest.raises(TierError, match="not empty"):
        write_tier(1, tmp_path)
    with pytest.raises(TierError, match="MAX_LIST_ROWS"):
        write_tier(300, tmp_path / "big")
    with pytest.raises(TierError, match="outside"):
        write_tier(0, tmp_path / "none")
