"""The dashboard's access to the store: the process-wide connection of store.db (opened once, never
mutated; every query takes its own cursor), cached query results keyed by year, unit scope and data
version (st.cache_data)."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pandas as pd
import streamlit as st

from etl import (
    MAX_UPLOAD_MB,
    blank_expert_sheet,
    build_sample_database,
    check_expert_sheets,
    check_uploads,
    commit_uploads,
    expert_sheet_name,
    import_expert_sheets,
    record_rejected_uploads,
    serve_remote_imports,
    upload_preview,
)
from present.strings import SAMPLE_BADGE
from rubrics.model import ALL_FLAGS
from rubrics.panel import PanelResult, load_panel_rubric, shipped
from store import access, accounts, attachments, audit, backup, db, evaluations, queries, reviews
from store.access import PanelScope, Viewer
from store.queries import Headline, Units

_build_lock = threading.Lock()


def recent_backups(limit: int = 3) -> list[str]:
    """The newest backup archives beside the database (names), for the way out of a damaged database."""
    folder = backup.backups_dir(db.default_path())
    found = sorted(folder.glob("*.zip"), key=lambda p: p.stat().st_mtime, reverse=True) if folder.is_dir() else []
    return [p.name for p in found[:limit]]


def database_exists() -> bool:
    """True when the configured database file is there."""
    return db.default_path().exists()


def ensure_database(progress: Callable[[int, int, str], None]) -> tuple[int, float]:
    """Build the database from the sample year when there is none: (files loaded, seconds); (0, 0) if it existed."""
    path = db.default_path()
    with _build_lock:
        if path.exists():  # another session built it while we waited
            return 0, 0.0
        started = time.perf_counter()
        reports = build_sample_database(path, progress=progress)
        return len(reports), time.perf_counter() - started


_remote_ready = threading.Event()


def remote_imports() -> None:
    """Once per process: the inbox watcher takes the command line's imports too (`python -m etl load` while the
    dashboard runs)."""
    if not _remote_ready.is_set():
        serve_remote_imports()
        _remote_ready.set()


def con() -> db.Connection:
    """The process-wide connection to the configured database (store.db opens it once per process); while this
    process holds the file it also answers `python -m etl backup` through the inbox."""
    remote_imports()
    backup.serve_inbox(db.default_path(), db.connection)
    return db.connection()


def data_version() -> int:
    """Changes whenever an import or a scoring run lands: part of every cache key."""
    return queries.data_version(con())


@st.cache_data(show_spinner=False, max_entries=64)
def years(version: int) -> list[int]:
    """Years with data, newest first."""
    return queries.years(con())


@st.cache_data(show_spinner=False, max_entries=64)
def sample_only(version: int) -> bool:
    """True while every year with data is the bundled sample (示例数据): the sign-in page lists the demo accounts."""
    available = queries.years(con())
    return bool(available) and all(SAMPLE_BADGE in queries.year_note(con(), y) for y in available)


@st.cache_data(show_spinner=False, max_entries=256)
def scope(viewer: Viewer, version: int) -> Units:
    """The units whose data the viewer may read (None: every unit): part of every page query's cache key."""
    return access.scope(con(), viewer)


def demo_accounts_active() -> bool:
    """True while demo accounts can sign in (asked on every run: account changes do not change the data version)."""
    return bool(accounts.demo_accounts_active(con()))


@st.cache_data(show_spinner=False, max_entries=16)
def unit_names(version: int) -> dict[str, str]:
    """unit code → latest name."""
    directory = queries.unit_directory(con())
    return dict(zip(directory["unit_code"], directory["unit_name"], strict=True))


@st.cache_data(show_spinner=False, max_entries=16)
def unit_directory(version: int) -> pd.DataFrame:
    """Every unit with data or in a plan: code, name, 主管部门 (for the account form)."""
    return queries.unit_directory(con())


@st.cache_data(show_spinner=False, max_entries=64)
def year_note(year: int, version: int) -> str:
    """The bureau's note on the year's data (e.g. 示例数据)."""
    return queries.year_note(con(), year)


@st.cache_data(show_spinner=False, max_entries=64)
def rubrics_in_use(year: int, units: Units, version: int) -> list[queries.RubricInUse]:
    """The rubrics behind the year's current scores, by name and date."""
    return queries.rubrics_in_use(con(), year, units)


@st.cache_data(show_spinner=False, max_entries=64)
def headline(year: int, units: Units, version: int) -> Headline:
    """Headline figures of the overview."""
    return queries.headline(con(), year, units)


@st.cache_data(show_spinner=False, max_entries=64)
def grade_distribution(year: int, units: Units, version: int) -> pd.DataFrame:
    """Projects and money per grade."""
    return queries.grade_distribution(con(), year, units)


@st.cache_data(show_spinner=False, max_entries=64)
def by_domain(year: int, units: Units, version: int) -> pd.DataFrame:
    """Money and scores per domain."""
    return queries.by_domain(con(), year, units)


@st.cache_data(show_spinner=False, max_entries=64)
def unit_scores(year: int, units: Units, version: int) -> pd.DataFrame:
    """Every unit's score, best first."""
    return queries.unit_scores(con(), year, units)


@st.cache_data(show_spinner=False, max_entries=64)
def unit_ranking(year: int, units: Units, limit: int, best: bool, version: int) -> pd.DataFrame:
    """The best or worst scored units."""
    return queries.unit_ranking(con(), year, units, limit, best)


@st.cache_data(show_spinner=False, max_entries=64)
def project_choices(year: int, units: Units, version: int) -> tuple[list[str], list[str]]:
    """Unit types and domains for the project filters."""
    return queries.project_choices(con(), year, units)


@st.cache_data(show_spinner=False, max_entries=256)
def project_totals(year: int, units: Units, where: queries.ProjectFilter, version: int) -> tuple[int, Decimal]:
    """How many projects match the filter, and their budget."""
    return queries.project_totals(con(), year, units, where)


@st.cache_data(show_spinner=False, max_entries=256)
def project_page(year: int, units: Units, where: queries.ProjectFilter, limit: int, offset: int,
                 version: int) -> pd.DataFrame:
    """One page of the projects matching the filter."""
    return queries.project_page(con(), year, units, where, limit, offset)


def all_projects(year: int, units: Units, where: queries.ProjectFilter) -> pd.DataFrame:
    """Every project matching the filter (for a download, built when the user asks for it; not cached)."""
    total, _ = queries.project_totals(con(), year, units, where)
    return queries.project_page(con(), year, units, where, limit=max(total, 1), offset=0)


@st.cache_data(show_spinner=False, max_entries=256)
def form_detail(form_id: int, units: Units, version: int) -> dict[str, object] | None:
    """One form with its arithmetic."""
    return queries.form_detail(con(), form_id, units)


@st.cache_data(show_spinner=False, max_entries=256)
def form_indicators(form_id: int, units: Units, version: int) -> pd.DataFrame:
    """A form's indicator rows."""
    return queries.form_indicators(con(), form_id, units)


@st.cache_data(show_spinner=False, max_entries=256)
def form_problems(form_id: int, units: Units, version: int) -> pd.DataFrame:
    """What the importer noticed on a form."""
    return queries.form_problems(con(), form_id, units)


@st.cache_data(show_spinner=False, max_entries=256)
def form_remarks(form_id: int, units: Units, version: int) -> pd.DataFrame:
    """What a form writes about itself (评价结论, 存在问题, 改进措施 …)."""
    return queries.form_remarks(con(), form_id, units)


@st.cache_data(show_spinner=False, max_entries=256)
def form_history(project_id: str, units: Units, version: int) -> pd.DataFrame:
    """Every loaded version of a project."""
    return queries.form_history(con(), project_id, units)


@st.cache_data(show_spinner=False, max_entries=64)
def flag_counts(year: int, units: Units, version: int) -> pd.DataFrame:
    """Projects per flag."""
    return queries.flag_counts(con(), year, units)


@st.cache_data(show_spinner=False, max_entries=64)
def unit_table(year: int, units: Units, where: queries.UnitFilter, version: int) -> pd.DataFrame:
    """The year's units matching the filter, by rank."""
    return queries.unit_table(con(), year, units, where)


@st.cache_data(show_spinner=False, max_entries=64)
def unit_choices(year: int, units: Units, version: int) -> tuple[list[str], list[str], list[str]]:
    """Unit types, departments and main domains for the unit filters."""
    return queries.unit_choices(con(), year, units)


@st.cache_data(show_spinner=False, max_entries=256)
def unit_detail(year: int, unit_code: str, units: Units, version: int) -> dict[str, object] | None:
    """One unit's year, rank included (None: no data that year, or outside the scope)."""
    return queries.unit_detail(con(), year, unit_code, units)


@st.cache_data(show_spinner=False, max_entries=256)
def unit_projects(year: int, unit_code: str, units: Units, version: int) -> pd.DataFrame:
    """Every project of one unit in the year, by name."""
    where = queries.ProjectFilter(unit_codes=(unit_code,))
    total, _ = queries.project_totals(con(), year, units, where)
    return queries.project_page(con(), year, units, where, limit=max(total, 1), offset=0)


@st.cache_data(show_spinner=False, max_entries=256)
def unit_history(unit_code: str, units: Units, version: int) -> pd.DataFrame:
    """A unit's years: score, grade, money, execution rate."""
    return queries.unit_history(con(), unit_code, units)


@st.cache_data(show_spinner=False, max_entries=256)
def project_years(project_id: str, units: Units, version: int) -> pd.DataFrame:
    """A project's years (same unit, same name): scores, grades, execution rate."""
    return queries.project_years(con(), project_id, units)


def unit_name(unit_code: str) -> str | None:
    """Whether a unit code exists at all (for saying a link points outside the viewer's scope)."""
    return queries.unit_name(con(), unit_code)


@st.cache_data(show_spinner=False, max_entries=64)
def flag_list(year: int, units: Units, flags: tuple[str, ...], departments: tuple[str, ...],
              version: int) -> pd.DataFrame:
    """The year's flags, one row per project and flag, with what raised each."""
    return queries.flag_list(con(), year, units, flags, departments)


def review_history(project_id: str, units: Units) -> pd.DataFrame:
    """Every review of a project, newest first (not cached: two reviewers must see each other's saves)."""
    return reviews.history(con(), project_id, units)


def latest_review(project_id: str) -> reviews.Review | None:
    """The project's newest review row (not cached: it is what a save is checked against)."""
    return reviews.latest(con(), project_id)


def set_review(viewer: Viewer, units: Units, form_id: int, score: object, reason: str,
               seen: int | None) -> reviews.Review:
    """Save a reviewed score (refused on a stale view; the data version moves on)."""
    return reviews.set_score(con(), viewer, units, form_id, score, reason, seen)


def withdraw_review(viewer: Viewer, units: Units, form_id: int, reason: str, seen: int | None) -> reviews.Review:
    """Withdraw a reviewed score."""
    return reviews.withdraw(con(), viewer, units, form_id, reason, seen)


FLAGS = ALL_FLAGS  # the engine's flags, in its order, for filters
ProjectFilter = queries.ProjectFilter
UnitFilter = queries.UnitFilter
ReviewError = reviews.ReviewError


def selection() -> tuple[int, int | None]:
    """(data version, selected year) for a page: the sidebar's year, else the newest year with data."""
    version = data_version()
    available = years(version)
    year = st.session_state.get("year")
    if year not in available:
        year = available[0] if available else None
    return version, year


UPLOAD_MB = MAX_UPLOAD_MB
AuditFilter = audit.Filter
AUDIT_OUTCOMES = list(audit.OUTCOMES)
AUDIT_SHOWN = 500  # entries the page shows; the downloads hold every match


def audit_entries(where: audit.Filter, only_actor: str | None) -> pd.DataFrame:
    """Audit entries matching the filter, newest first (not cached: the trail grows without a data version)."""
    return audit.entries(con(), where, only_actor)


def audit_choices(only_actor: str | None) -> tuple[list[str], list[str]]:
    """(actors, actions) in the trail, for the filters."""
    return audit.choices(con(), only_actor)


def audit_verdict() -> audit.Verdict:
    """The hash chain checked from the first entry (not cached: an edit behind the program's back must show)."""
    return audit.verify(con())


# ---- expert-panel evaluations (重点评价, 部门整体评价) ----------------------------------------------------------


@st.cache_data(show_spinner=False, max_entries=256)
def panel_scope(viewer: Viewer, version: int) -> PanelScope:
    """The evaluations the viewer may read (a 专家: its panels): part of every evaluation query's cache key."""
    return access.panel_scope(con(), viewer)


def panels_of(account: str) -> int:
    """How many panels a 专家 account sits on (asked on every run: panels change without a new data version)."""
    return evaluations.panels_of(con(), account)


@st.cache_data(show_spinner=False, max_entries=64)
def evaluation_list(year: int, kind: str, scope: PanelScope, version: int) -> pd.DataFrame:
    """The year's evaluations of a kind the viewer may read."""
    return evaluations.evaluation_list(con(), year, kind, scope)


@st.cache_data(show_spinner=False, max_entries=128)
def panel_result(evaluation_id: int, scope: PanelScope,
                 version: int) -> tuple[evaluations.EvaluationSpec, PanelResult] | None:
    """An evaluation and its panel verdict, or None outside the scope."""
    return evaluations.panel_result(con(), evaluation_id, scope)


@st.cache_data(show_spinner=False, max_entries=64)
def panel_results(year: int, kind: str, scope: PanelScope, version: int) -> list[tuple[str, PanelResult]]:
    """Every visible evaluation's verdict of the year and kind."""
    return evaluations.panel_results(con(), year, kind, scope)


@st.cache_data(show_spinner=False, max_entries=128)
def survey(evaluation_id: int, scope: PanelScope, version: int) -> evaluations.Survey | None:
    """An evaluation's current satisfaction survey."""
    return evaluations.survey(con(), evaluation_id, scope)


@st.cache_data(show_spinner=False, max_entries=64)
def level_scores(year: int, kind: str, scope: PanelScope, version: int) -> pd.DataFrame:
    """Panel points per evaluation and 一级 indicator."""
    return evaluations.level_scores(con(), year, kind, scope)


@st.cache_data(show_spinner=False, max_entries=64)
def department_projects(year: int, scope: PanelScope, version: int) -> pd.DataFrame:
    """The evaluated departments' own projects' self-evaluation results."""
    return evaluations.department_projects(con(), year, scope)


@st.cache_data(show_spinner=False, max_entries=32)
def blank_sheet(evaluation_id: int, expert: str | None, scope: PanelScope, version: int) -> tuple[str, bytes] | None:
    """(file name, bytes) of the blank scoring sheet of an evaluation for one expert; None outside the scope."""
    found = evaluations.spec(con(), evaluation_id, scope)
    if found is None:
        return None
    return expert_sheet_name(found, expert), blank_expert_sheet(found, expert)


def subjects(year: int, kind: str) -> list[evaluations.Subject]:
    """What can be evaluated in the year (for the bureau's new-evaluation form)."""
    return evaluations.subjects(con(), year, kind)


def expert_accounts() -> list[tuple[str, str]]:
    """Active 专家 accounts (username, name)."""
    return evaluations.expert_accounts(con())


def year_rubric_file(year: int, kind: str) -> str:
    """The rubric file new evaluations of the year and kind use."""
    return evaluations.year_rubric_file(con(), year, kind)


def rubric_names(kind: str) -> dict[str, str]:
    """The shipped rubrics of a kind: file → name, the default first."""
    return {file: load_panel_rubric(file).name for file in shipped(kind)}


def choose_year_rubric(viewer: Viewer, year: int, kind: str, rubric_file: str) -> None:
    """The bureau's choice of the year's rubric (recorded)."""
    evaluations.choose_year_rubric(con(), viewer, year, kind, rubric_file)


def create_evaluation(viewer: Viewer, year: int, kind: str, subject_id: str,
                      panel: list[evaluations.Expert]) -> int:
    """A new evaluation on behalf of the viewer (绩效办; recorded)."""
    return evaluations.create(con(), viewer, year, kind, subject_id, panel)


def check_sheets(files: list[tuple[str, bytes]], evaluation_id: int) -> list[Any]:
    """Check uploaded scoring sheets for the evaluation (nothing written)."""
    return check_expert_sheets(con(), files, evaluation_id)


def import_sheets(viewer: Viewer, files: list[tuple[str, bytes]], evaluation_id: int) -> list[Any]:
    """Check and store uploaded scoring sheets on behalf of the viewer."""
    return import_expert_sheets(con(), viewer, files, evaluation_id)


def enter_scores(viewer: Viewer, evaluation_id: int, expert: str, scores: dict[str, Decimal],
                 given_survey: evaluations.Survey | None) -> evaluations.Saved:
    """One expert's complete scores entered in the app, saved on behalf of the viewer (checked and recorded)."""
    entry = evaluations.ExpertScores(expert, {k: evaluations.ScoreCell(v) for k, v in scores.items()})
    return evaluations.save_scores(con(), viewer, evaluations.Submission(evaluation_id, (entry,),
                                                                         survey=given_survey))


# ---- the upload page ---------------------------------------------------------------------------------------------


def check_files(viewer: Viewer, uploads: list[tuple[str, bytes]], default_year: int | None,
                progress: Callable[[int, int, str], None]) -> list[Any]:
    """Check and score uploaded files, storing none of them (etl.load.Checked, one per file); the files that cannot
    be stored are put in the upload log (the audit trail) now, as 失败 with their errors."""
    checked = check_uploads(uploads, default_year, progress)
    record_rejected_uploads(con(), viewer, checked)
    return checked


def preview(checked: list[Any]) -> Any:
    """The validation report of checked files against what is stored now (etl.preview.Preview)."""
    return upload_preview(con(), checked)


def commit_files(viewer: Viewer, checked: list[Any]) -> list[Any]:
    """Store what was checked on behalf of the viewer, each file all or nothing; FileReports."""
    return commit_uploads(con(), checked, viewer)


def upload_log(units: Units, actor: str) -> pd.DataFrame:
    """The latest uploads the viewer may see (not cached: the log grows with every upload)."""
    return queries.upload_log(con(), units, actor)


def attach_report(viewer: Viewer, units: Units, year: int, unit_code: str, name: str, data: bytes) -> Any:
    """Keep a unit's 自评报告 (.docx/.pdf) for the year."""
    return attachments.attach(con(), viewer, units, year, unit_code, name, data)


def attachment_list(year: int, units: Units) -> pd.DataFrame:
    """The year's attached reports the viewer may see (not cached: attaching does not change the data version)."""
    return attachments.listed(con(), year, units)


def attachment_content(attachment_id: int, units: Units) -> tuple[str, bytes] | None:
    """(name, bytes) of an attached report in the viewer's scope."""
    return attachments.content(con(), attachment_id, units)


AttachmentError = attachments.AttachmentError


# ---- 报送进度 (issue 9) -----------------------------------------------------------------------------------------
# Imported here, with the functions that use them, to keep this block self-contained.
from datetime import date  # noqa: E402

from etl import blank_form_template  # noqa: E402
from store import submissions  # noqa: E402


def deadlines(year: int) -> list[submissions.Deadline]:
    """The year's deadlines (not cached: a change of deadline does not move the data version)."""
    return submissions.deadlines(con(), year)


def set_deadline(viewer: Viewer, year: int, kind: str, due: date) -> submissions.Deadline:
    """Set a deadline on behalf of the viewer (绩效办; refused and recorded otherwise; audited)."""
    return submissions.set_deadline(con(), viewer, year, kind, due)


@st.cache_data(show_spinner=False, max_entries=64)
def unit_progress(year: int, units: Units, due: date, today: date, version: int) -> pd.DataFrame:
    """Each expected unit's submission status; the self-evaluation deadline and the day are part of the key
    (lateness depends on both)."""
    return submissions.unit_progress(con(), year, units)


def progress_summary(frame: pd.DataFrame) -> submissions.ProgressSummary:
    """The page's headline counts of a unit_progress frame."""
    return submissions.summary(frame)


@st.cache_data(show_spinner=False, max_entries=32)
def blank_template(year: int | None, unit_code: str | None, unit_name: str | None) -> tuple[str, bytes]:
    """(file name, bytes) of the blank form template, prefilled with the year and the unit when given."""
    return blank_form_template(year, unit_code, unit_name)


DEADLINE_KINDS = submissions.KINDS
DeadlineError = submissions.DeadlineError


# ---- 结果应用 (issue 10) ------------------------------------------------------------------------------------------
from rubrics import cuts as cut_rules  # noqa: E402
from store import cuts  # noqa: E402


@st.cache_resource(show_spinner=False)
def default_cut_rules() -> cut_rules.CutRules:
    """The shipped rule table (rubrics/budget_cuts.yaml), read once per process."""
    return cut_rules.load_rules()


@st.cache_resource(show_spinner=False, max_entries=8)
def cut_lines(year: int, version: int) -> tuple[cut_rules.Line, ...]:
    """The engine's input for the year (every continuing project and unit), shared by all sessions: frozen
    dataclasses, never changed; the data version is part of the key."""
    return tuple(cuts.lines(con(), year))


def what_if(rules: cut_rules.CutRules, year: int, version: int) -> cut_rules.Ledger:
    """The year's ledger under edited rules (not stored)."""
    return cut_rules.compute(rules, cut_lines(year, version))


def cut_ledger_frame(ledger: cut_rules.Ledger, units: Units) -> pd.DataFrame:
    """A computed ledger as a frame (amounts Decimal), the viewer's units only."""
    frame = cuts.ledger_frame(ledger)
    return frame if units is None else frame[frame["unit_code"].isin(list(units))].reset_index(drop=True)


@st.cache_data(show_spinner=False, max_entries=16)
def adopted_cuts(year: int, units: Units, version: int) -> tuple[cuts.Adopted | None, pd.DataFrame]:
    """The year's adopted scenario and its ledger within the viewer's units."""
    return cuts.adopted(con(), year), cuts.adopted_ledger(con(), year, units)


@st.cache_data(show_spinner=False, max_entries=16)
def cut_scenarios(year: int, version: int) -> pd.DataFrame:
    """The year's saved scenarios with their totals."""
    return cuts.scenarios(con(), year)


@st.cache_data(show_spinner=False, max_entries=32)
def scenario_ledger(scenario_id: int, units: Units, version: int) -> pd.DataFrame:
    """A saved scenario's ledger within the viewer's units."""
    return cuts.scenario_ledger(con(), scenario_id, units)


def cut_adoptions(year: int) -> pd.DataFrame:
    """Every adoption of the year, newest first (not cached: it is the history a decision is made on)."""
    return cuts.adoptions(con(), year)


def scenario_rules(scenario_id: int) -> cut_rules.CutRules | None:
    """The rules a saved scenario applied (None when its text no longer validates)."""
    text = cuts.scenario_rules(con(), scenario_id)
    try:
        return None if text is None else cut_rules.rules_from_bytes(text.encode("utf-8"), "方案")
    except cut_rules.RubricError:
        return None


def cuts_inputs_version() -> int:
    """What the ledger is computed from, as a number (a scenario saved on another number is stale)."""
    return cuts.inputs_version(con())


def save_cut_scenario(viewer: Viewer, year: int, name: str, rules: cut_rules.CutRules, changes: str,
                      ledger: cut_rules.Ledger) -> int:
    """Save a what-if scenario with its ledger (绩效办)."""
    return cuts.save_scenario(con(), viewer, year, name, default_cut_rules(), rules, changes, ledger,
                              cuts.inputs_version(con()))


def adopt_cut_scenario(viewer: Viewer, scenario_id: int, note: str) -> int:
    """Adopt a saved scenario (绩效办); earlier adoptions stay in the history."""
    return cuts.adopt(con(), viewer, scenario_id, note)


@st.cache_data(show_spinner=False, max_entries=16)
def budget_requests(year: int, units: Units, version: int) -> pd.DataFrame:
    """The year's current requests within the viewer's units."""
    return cuts.requests(con(), year, units)


def save_requests(viewer: Viewer, year: int, rows: list[cuts.Request], source: str, file_name: str | None = None,
                  file_hash: str | None = None) -> int:
    """Store a batch of requests (it replaces the current requests of the units it names)."""
    return cuts.save_requests(con(), viewer, year, rows, source, file_name, file_hash)


@st.cache_data(show_spinner=False, max_entries=16)
def request_files(year: int, units: Units, version: int) -> pd.DataFrame:
    """The year's imported request sheets kept as uploaded, within the viewer's units (newest first)."""
    return cuts.request_files(con(), year, units)


def request_file(year: int, batch_id: int, units: Units) -> tuple[str, bytes] | None:
    """(file name, bytes) of an imported request sheet, as uploaded."""
    return cuts.request_file(con(), year, batch_id, units)


def request_knowledge(year: int) -> cuts.Known:
    """The units and projects a request may name in the year."""
    return cuts.known(con(), year)


def request_sheet_template(year: int, units: Units) -> tuple[str, bytes]:
    """(file name, bytes) of the request sheet for the year, prefilled with the viewer's units, their projects and
    the current amounts (not cached: requests change without the template's knowing)."""
    from etl import request_template

    found = cuts.known(con(), year)
    if units is not None:
        found = cuts.Known({c: n for c, n in found.units.items() if c in units},
                           {c: p for c, p in found.projects.items() if c in units})
    current = cuts.requests(con(), year, units)
    filled = [cuts.Request(c, n, p if isinstance(p, str) else None, Decimal(str(a)), bool(i))
              for c, n, p, a, i in zip(current["unit_code"], current["unit_name"], current["project_name"],
                                       current["amount"], current["individual"], strict=True)]
    return request_template(year, found, filled)


def check_request_sheet(name: str, data: bytes, year: int) -> Any:
    """Read and check an uploaded request sheet, storing nothing (etl.requests.RequestCheck)."""
    from etl import check_request_file

    return check_request_file(name, data, year, cuts.known(con(), year))


def import_request_sheet(viewer: Viewer, year: int, checked: Any) -> int:
    """Store a checked request sheet on behalf of the viewer (it replaces the units it names)."""
    return cuts.save_requests(con(), viewer, year, checked.rows, cuts.SOURCE_SHEET, checked.file, checked.file_hash,
                             checked.data)


CutsError = cuts.CutsError
RuleError = cut_rules.RubricError
