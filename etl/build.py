"""Build a database from the bundled sample years, into a new file swapped in when complete."""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from etl.expert_sheet import REJECTED, SheetFile, import_files
from etl.load import SYSTEM, FileReport, load_paths, project_id
from etl.requests import RequestCheck, read_requests
from sampledata.paths import REQUEST_FILE, SAMPLE_DIR, SAMPLE_YEAR, SAMPLE_YEARS, sample_dir
from store import cuts, evaluations
from store.access import ADMIN, BUDGET, EXPERT, READER, UNIT, Viewer
from store.accounts import Demo, ensure_demo_accounts
from store.db import Connection, StoreError, checkpoint, open_db
from store.evaluations import KIND_DEPT, KIND_KEY, Expert

Progress = Callable[[int, int, str], None]


def _forms_in(folder: Path) -> list[Path]:
    """The plan and form workbooks of a sample year's folder: not its request sheet (nor 专家评分/, a subfolder)."""
    return sorted(p for p in folder.glob("*.xlsx") if p.name != REQUEST_FILE)


def sample_files(years: tuple[int, ...] = SAMPLE_YEARS) -> list[Path]:
    """The bundled sample workbooks (plan and forms) of every sample year, oldest year first; a year whose folder is
    empty is written from the generator first."""
    files: list[Path] = []
    for year in years:
        folder = sample_dir(year)
        found = _forms_in(folder)
        if not found:
            from sampledata.generator import write_sample  # the generator (openpyxl, name pools) only when needed

            write_sample(folder, year)
            found = _forms_in(folder)
        files += found
    return files


def sample_request_file(year: int) -> Path:
    """A sample year's filled 下年预算申报表, written from the generator when it is missing."""
    path = sample_dir(year) / REQUEST_FILE
    if not path.is_file():
        from sampledata.generator import _cached_plan
        from sampledata.requests import write_requests

        write_requests(_cached_plan(year), path.parent)
    return path


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


# The scenario the sample build adopts, so that the dashboard shows the cuts of the default rules from the start.
SAMPLE_SCENARIO = "默认规则（示例参数）"
SAMPLE_SCENARIO_NOTE = "示例数据：按 rubrics/budget_cuts.yaml 的默认规则（示例参数）计算，由示例数据构建时采纳"


@dataclass(frozen=True)
class SampleCuts:
    """What load_sample_cuts did per year: the request sheet (None when it was loaded before) and the scenario id
    (None when it existed)."""

    year: int
    requests: RequestCheck | None
    scenario_id: int | None


def load_sample_cuts(con: Connection, actor: Viewer, years: tuple[int, ...] = SAMPLE_YEARS) -> list[SampleCuts]:
    """Import each sample year's request sheet through the real reader (after its forms) unless the year has requests,
    then save and adopt the default rules' scenario unless one is adopted; raises SampleError when a sheet has an
    error. Running it again changes nothing."""
    from rubrics.cuts import load_rules

    rules = load_rules()
    done: list[SampleCuts] = []
    for year in years:
        stored = cuts.requests(con, year)
        checked: RequestCheck | None = None
        if stored.empty:  # requests entered since are never overwritten by the sample
            path = sample_request_file(year)
            checked = read_requests(REQUEST_FILE, path.read_bytes(), year, cuts.known(con, year))
            if not checked.ok:
                raise SampleError(f"示例下年预算申报表（{year} 年度）导入失败：" + "；".join(str(p) for p in checked.errors[:5]))
            checked.batch_id = cuts.save_requests(con, actor, year, checked.rows, cuts.SOURCE_SAMPLE, REQUEST_FILE,
                                                  checked.file_hash, checked.data)
        scenario_id = None
        if cuts.adopted(con, year) is None and SAMPLE_SCENARIO not in set(cuts.scenarios(con, year)["name"]):
            scenario_id = cuts.save_and_adopt(con, actor, year, SAMPLE_SCENARIO, rules, note=SAMPLE_SCENARIO_NOTE)
        done.append(SampleCuts(year, checked, scenario_id))
    return done


def add_demo_accounts(con: Connection) -> int:
    """The sample year's demo accounts, unless accounts exist already; returns how many were made."""
    return ensure_demo_accounts(con, DEMO_ACCOUNTS)


CUTS_STEP = "下年预算申报表与压减方案"  # the build's last step, after the files (what the progress bar shows)


class _Steps:
    """The build's progress: the files as load_paths reports them, then one more step (requests and the scenario)."""

    def __init__(self, progress: Progress | None) -> None:
        self.progress, self.total = progress, 0

    def files(self, done: int, total: int, name: str) -> None:
        """load_paths' report of one file, counted against the files and the extra step."""
        self.total = total
        if self.progress is not None:
            self.progress(done, total + 1, name)

    def done(self, name: str) -> None:
        """The extra step finished: the bar is full."""
        if self.progress is not None:
            self.progress(self.total + 1, self.total + 1, name)


def build_sample_database(path: Path, progress: Progress | None = None) -> list[FileReport]:
    """Load the sample years into a fresh file next to `path`, then move it into place atomically.

    Nothing appears at `path` unless every sample file loaded: a crash leaves only `*.new.duckdb`.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.stem + ".new.duckdb")
    for leftover in (tmp, tmp.with_name(tmp.name + ".wal")):
        leftover.unlink(missing_ok=True)
    steps = _Steps(progress)
    con = open_db(tmp)
    try:
        reports = load_paths(con, sample_files(), progress=steps.files)
        rejected = [r for r in reports if r.rejected]
        if rejected:
            raise RuntimeError("示例数据导入失败：" + "；".join(r.line() for r in rejected))
        add_demo_accounts(con)
        load_sample_evaluations(con, SYSTEM)
        load_sample_cuts(con, SYSTEM)
        steps.done(CUTS_STEP)
        checkpoint(con)
    finally:
        con.close()
    os.replace(tmp, path)
    return reports
