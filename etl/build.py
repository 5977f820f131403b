"""Build a database from the bundled sample years, into a new file swapped in when complete."""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from etl.expert_sheet import REJECTED, SheetFile, import_files
from etl.load import SYSTEM, FileReport, load_paths, project_id
from sampledata.paths import SAMPLE_DIR, SAMPLE_YEAR, SAMPLE_YEARS, sample_dir
from store import evaluations
from store.access import ADMIN, BUDGET, EXPERT, READER, UNIT, Viewer
from store.accounts import Demo, ensure_demo_accounts
from store.db import Connection, StoreError, checkpoint, open_db
from store.evaluations import KIND_DEPT, KIND_KEY, Expert

Progress = Callable[[int, int, str], None]


def sample_files(years: tuple[int, ...] = SAMPLE_YEARS) -> list[Path]:
    """The bundled sample workbooks of every sample year, oldest year first; a year whose folder is empty is
    written from the generator first."""
    files: list[Path] = []
    for year in years:
        folder = sample_dir(year)
        found = sorted(folder.glob("*.xlsx"))
        if not found:
            from sampledata.generator import write_sample  # the generator (openpyxl, name pools) only when needed

            write_sample(folder, year)
            found = sorted(folder.glob("*.xlsx"))
        files += found
    return files


# One demo account per role, for the sample year (password `demo`); disabled when the first real account is made.
DEMO_ACCOUNTS = (
    Demo("demo_jxb", "绩效办演示", ADMIN),
    Demo("demo_ys", "预算股室演示·教育卫生", BUDGET, departments=("区教育局", "区卫生局")),
    Demo("demo_dw", "区市容环卫局演示", UNIT, units=("214001",)),
    Demo("demo_zj", "专家演示", EXPERT),
    Demo("demo_ld", "领导只读演示", READER),
)


class SampleError(StoreError):
    """The sample's expert sheets did not load (a bug of the sample or the importer)."""


@dataclass(frozen=True)
class SampleEvaluation:
    """An evaluation of the sample year: kind, the subject's unit code (and project), its name, the panel."""

    kind: str
    unit_code: str
    name: str  # the department, or the project
    panel: tuple[Expert, ...]

    @property
    def subject_id(self) -> str:
        """The project's id (key) or the department's unit code (dept), as the sheets name it."""
        return project_id(SAMPLE_YEAR, self.unit_code, self.name) if self.kind == KIND_KEY else self.unit_code


# The reference year's 重点评价 (道路清扫费 of 区市容环卫局, three experts, with a survey; demo_zj sits on it) and its
# first 部门整体评价 (five departments, four experts): DOMAIN.md §1. Their filled sheets are in SAMPLE_EVAL_DIR.
SAMPLE_EVAL_DIR = SAMPLE_DIR / "专家评分"
KEY_PANEL = (Expert("王建国", "demo_zj"), Expert("李淑芬"), Expert("张明远"))
DEPT_PANEL = (Expert("陈志强"), Expert("刘慧敏"), Expert("赵文博"), Expert("孙丽华"))
SAMPLE_EVALUATIONS = (
    SampleEvaluation(KIND_KEY, "214001", "道路清扫费", KEY_PANEL),
    SampleEvaluation(KIND_DEPT, "221001", "区卫生局", DEPT_PANEL),
    SampleEvaluation(KIND_DEPT, "222001", "区计生委", DEPT_PANEL),
    SampleEvaluation(KIND_DEPT, "209001", "区民政局", DEPT_PANEL),
    SampleEvaluation(KIND_DEPT, "216001", "区水利局", DEPT_PANEL),
    SampleEvaluation(KIND_DEPT, "218001", "区教育局", DEPT_PANEL),
)


def sample_sheets(folder: Path = SAMPLE_EVAL_DIR) -> list[Path]:
    """The sample year's filled expert sheets, written from the generator when the folder is empty."""
    files = sorted(folder.glob("*.xlsx"))
    if not files:
        from sampledata.evaluations import write_sheets  # the generator only when needed

        write_sheets(folder)
        files = sorted(folder.glob("*.xlsx"))
    return files


def load_sample_evaluations(con: Connection, actor: Viewer) -> list[SheetFile]:
    """Create the sample year's evaluations (a panel member's account only when it exists) and import their filled
    sheets through the real importer; raises SampleError when a sheet is rejected. Running it again changes nothing."""
    accounts = {username for username, _ in evaluations.expert_accounts(con)}
    existing = {(e.year, e.kind, e.subject_id) for e in evaluations.all_specs(con)}
    for item in SAMPLE_EVALUATIONS:
        if (SAMPLE_YEAR, item.kind, item.subject_id) in existing:  # loaded before: the sheets then change nothing
            continue
        panel = [Expert(e.name, e.account if e.account in accounts else None) for e in item.panel]
        evaluations.create(con, actor, SAMPLE_YEAR, item.kind, item.subject_id, panel)
    reports = import_files(con, actor, [(path.name, path.read_bytes()) for path in sample_sheets()])
    rejected = [r for r in reports if r.status == REJECTED]
    if rejected:
        raise SampleError("示例专家评分表导入失败：" + "；".join(
            f"{r.line()} {'；'.join(str(p) for p in r.problems)}" for r in rejected))
    return reports


def add_demo_accounts(con: Connection) -> int:
    """The sample year's demo accounts, unless accounts exist already; returns how many were made."""
    return ensure_demo_accounts(con, DEMO_ACCOUNTS)


def build_sample_database(path: Path, progress: Progress | None = None) -> list[FileReport]:
    """Load the sample years into a fresh file next to `path`, then move it into place atomically.

    Nothing appears at `path` unless every sample file loaded: a crash leaves only `*.new.duckdb`.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.stem + ".new.duckdb")
    for leftover in (tmp, tmp.with_name(tmp.name + ".wal")):
        leftover.unlink(missing_ok=True)
    con = open_db(tmp)
    try:
        reports = load_paths(con, sample_files(), progress=progress)
        rejected = [r for r in reports if r.rejected]
        if rejected:
            raise RuntimeError("示例数据导入失败：" + "；".join(r.line() for r in rejected))
        add_demo_accounts(con)
        load_sample_evaluations(con, SYSTEM)
        checkpoint(con)
    finally:
        con.close()
    os.replace(tmp, path)
    return reports
