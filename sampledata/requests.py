"""The sample years' next-year requests (下年预算申报数), written deterministically as a filled 下年预算申报表 (the
template of etl.requests, so the sample proves that a filled template imports cleanly): data/sample/<year>/下年预算申报表.xlsx.

Every unit requests a whole amount; every continuing project requests its own. Which projects continue:
- 2014: exactly those that run on into 2015 in the sample (same unit, same name);
- 2015 (the last sample year): decided by the project's name — construction, purchases, renovations and one-off
  plans end (教学楼建设, 运动场建设, 城乡道路修建, 设备购置, 规划编制 …), recurring funding continues (道路清扫费,
  巡防队建设经费, 免费教科书, 失地农民基本生活保障 …); see `continues`.
A continuing project asks about its 全年预算数 × a seeded factor; a unit's whole request is the sum of its projects'
plus a seeded amount for new projects (part of what its ending projects had), so it is never below that sum.
Projects of the kinds in INDIVIDUAL_KINDS are marked 补助个人的民生项目 (exempt under the default cut rules).
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from etl.load import project_id
from etl.requests import request_workbook, template_rows
from sampledata.generator import DOC_CREATOR, DOC_TIME, SAMPLE_YEAR, ZIP_DATE_TIME, Project, SamplePlan, workbook_bytes
from sampledata.paths import REQUEST_FILE, sample_dir
from store.cuts import Known, Request

SEED_OFFSET = 1231  # a year's request seed: the year's plan seed + this (the forms' draws stay as they were)
CONTINUING_FACTOR = (0.88, 1.18)  # a continuing project's request ÷ its 全年预算数
NEW_FROM_ENDING = (0.30, 0.85)  # new projects' share of what the unit's ending projects had
NEW_FROM_ALL = (0.00, 0.06)  # … plus this share of all its projects' budgets
# Names of one-off projects: building, renovating, buying, planning, a census. A name ending in RECURRING_ENDINGS
# is recurring funding even when it says 建设 (巡防队建设经费); RECURRING_PROGRAMMES are yearly programmes by name.
ONE_OFF_MARKERS = ("建设", "改造", "购置", "修建", "加固", "工程", "编制", "普查", "配备", "搬迁", "制作", "创建", "维修")
RECURRING_ENDINGS = ("经费", "费", "补贴", "补助", "运行", "运维", "维护", "养护", "管护", "运行保障", "维修养护")
RECURRING_PROGRAMMES = ("农村文化建设", "六好村建设", "平安建设", "美丽乡村建设", "基层党建", "全民健身工程")
# Kinds (names.yaml project_kinds) whose money goes to people directly: 补助个人的民生项目.
INDIVIDUAL_KINDS = frozenset((
    "失地农民保障", "计生奖扶", "计生家庭关怀", "免费教科书", "学生资助", "低保五保", "儿童福利", "高龄津贴", "优抚安置",
    "医疗补助", "残疾人保障", "强农补贴", "惠民补贴发放", "职工帮扶", "环卫职工保障", "殡葬改革", "救助管理"))
SHEET_TITLE_NOTE = "示例数据"
CENTS = Decimal(100)


def continues(name: str) -> bool:
    """True when a project of this name is funded again next year (the 2015 rule; see the module docstring)."""
    if name in RECURRING_PROGRAMMES or name.endswith(RECURRING_ENDINGS):
        return True
    return not any(marker in name for marker in ONE_OFF_MARKERS)


def individual(project: Project) -> bool:
    """True for a 补助个人的民生项目 (by its kind)."""
    return project.kind.name in INDIVIDUAL_KINDS


@dataclass(frozen=True)
class SampleRequests:
    """A sample year's requests, as planned: the rows (unit totals and continuing projects) and the Known they name."""

    year: int
    known: Known
    rows: tuple[Request, ...]

    @property
    def total(self) -> Decimal:
        """申报总额: Σ of the units' whole requests, 万元."""
        return sum((r.amount for r in self.rows if r.project_name is None), Decimal(0))


def _continuing(plan: SamplePlan) -> set[tuple[str, str]]:
    """(unit code, project name) of the projects that continue after the plan's year."""
    if plan.year < SAMPLE_YEAR:
        from sampledata.generator import _cached_plan  # the later year, planned once per process

        later = _cached_plan(plan.year + 1)
        return {(p.unit.code, p.name) for p in later.projects}
    return {(p.unit.code, p.name) for p in plan.projects if continues(p.name)}


def _draw(rng: random.Random, cents: int, bounds: tuple[float, float]) -> int:
    """cents × a factor drawn uniformly from `bounds`, in whole cents (hundredths of 万元)."""
    return round(cents * rng.uniform(*bounds))


def plan_requests(plan: SamplePlan) -> SampleRequests:
    """The year's requests, drawn from the plan with the year's own seed (the same every run)."""
    rng = random.Random(plan.seed + SEED_OFFSET)
    going_on = _continuing(plan)
    rows: list[Request] = []
    for unit in plan.units:
        projects: list[Request] = []
        ending = everything = 0
        for p in sorted(unit.projects, key=lambda p: p.name):
            everything += p.budget
            if (unit.code, p.name) not in going_on:
                ending += p.budget
                continue
            amount = Decimal(_draw(rng, p.budget, CONTINUING_FACTOR)) / CENTS
            projects.append(Request(unit.code, unit.name, p.name, amount, individual(p)))
        new = _draw(rng, ending, NEW_FROM_ENDING) + _draw(rng, everything, NEW_FROM_ALL)
        total = sum((r.amount for r in projects), Decimal(0)) + Decimal(new) / CENTS
        rows += [Request(unit.code, unit.name, None, total), *projects]
    known = Known({u.code: u.name for u in plan.units},
                  {u.code: {p.name: project_id(plan.year, u.code, p.name) for p in u.projects} for u in plan.units})
    return SampleRequests(plan.year, known, tuple(rows))


def request_bytes(plan: SamplePlan) -> bytes:
    """The year's filled 下年预算申报表 as reproducible .xlsx bytes."""
    planned = plan_requests(plan)
    wb = request_workbook(plan.year, template_rows(planned.known, planned.rows))
    doc_time = DOC_TIME.replace(year=DOC_TIME.year + plan.year - SAMPLE_YEAR)
    wb.properties.creator = wb.properties.lastModifiedBy = DOC_CREATOR
    wb.properties.created = wb.properties.modified = doc_time
    wb.properties.title = f"{plan.year + 1}年度下年预算申报表（{SHEET_TITLE_NOTE}）"
    stamp = (plan.year + ZIP_DATE_TIME[0] - SAMPLE_YEAR, *ZIP_DATE_TIME[1:])
    return workbook_bytes(wb, stamp)


def write_requests(plan: SamplePlan, out_dir: Path | None = None) -> Path:
    """Write the year's request sheet into `out_dir` (default data/sample/<year>/); returns its path."""
    path = (sample_dir(plan.year) if out_dir is None else Path(out_dir)) / REQUEST_FILE
    path.write_bytes(request_bytes(plan))
    return path
