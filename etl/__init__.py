"""Forms in: read, parse, check and commit through store/; `python -m etl` is its command line."""


from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from etl.limits import MAX_UPLOAD_MB  # noqa: F401  (re-exported: the upload page reads it here)


def build_sample_database(path: Path, progress: Any = None) -> Any:
    """Build the bundled sample year into `path` (see etl.build); imported lazily to keep start-up light."""
    from etl.build import build_sample_database as build

    return build(path, progress=progress)


def load_uploads(con: Any, uploads: Sequence[tuple[str, bytes]], actor: Any,
                 progress: Callable[[int, int, str], None] | None = None) -> list[Any]:
    """Check and load files uploaded in the browser on behalf of `actor` (see etl.load.load_uploads): FileReports."""
    from etl.load import load_uploads as load

    return list(load(con, uploads, actor, progress=progress))


def check_uploads(uploads: Sequence[tuple[str, bytes]], default_year: int | None = None,
                  progress: Callable[[int, int, str], None] | None = None) -> list[Any]:
    """Check and score uploaded files (name, bytes; .zip expanded) without storing anything: etl.load.Checked."""
    from etl.load import check_uploads as check

    return list(check(uploads, default_year=default_year, progress=progress))


def upload_preview(con: Any, checked: Sequence[Any]) -> Any:
    """The validation report of checked uploads against the store (etl.preview.Preview)."""
    from etl.preview import preview

    return preview(con, checked)


def record_rejected_uploads(con: Any, actor: Any, checked: Sequence[Any]) -> None:
    """Put the checked files that cannot be stored (errors in their content) in the audit trail, as 失败."""
    from etl.load import record_rejected

    record_rejected(con, actor, checked)


def commit_uploads(con: Any, checked: Sequence[Any], actor: Any) -> list[Any]:
    """Store what was checked, each file all or nothing, on behalf of `actor` (refusals recorded): FileReports."""
    from etl.load import commit

    return list(commit(con, checked, actor=actor))


def blank_expert_sheet(evaluation: Any, expert: str | None) -> bytes:
    """The blank scoring sheet of an evaluation (store.evaluations.EvaluationSpec) for one expert (etl.expert_sheet)."""
    from etl.expert_sheet import blank_sheet

    return blank_sheet(evaluation, expert)


def expert_sheet_name(evaluation: Any, expert: str | None) -> str:
    """The download name of a blank scoring sheet."""
    from etl.expert_sheet import file_name

    return file_name(evaluation, expert)


def check_expert_sheets(con: Any, files: Sequence[tuple[str, bytes]], evaluation_id: int | None) -> list[Any]:
    """Check filled scoring sheets (name, bytes) for an evaluation, writing nothing (etl.expert_sheet.check_files)."""
    from etl.expert_sheet import check_files

    return list(check_files(con, files, evaluation_id))


def import_expert_sheets(con: Any, actor: Any, files: Sequence[tuple[str, bytes]], evaluation_id: int | None) -> list[Any]:
    """Check and store filled scoring sheets on behalf of `actor` (etl.expert_sheet.import_files): one report a file."""
    from etl.expert_sheet import import_files

    return list(import_files(con, actor, files, evaluation_id))


def serve_remote_imports() -> None:
    """Let this process's inbox watcher take `python -m etl load` requests (the dashboard, at start)."""
    from etl.remote import register

    register()


def blank_form_template(year: int | None, unit_code: str | None, unit_name: str | None) -> tuple[str, bytes]:
    """(file name, .xlsx bytes) of the blank self-evaluation form template (etl.template)."""
    from etl.template import blank_form, file_name

    return file_name(year, unit_code, unit_name), blank_form(year, unit_code, unit_name)


def request_template(year: int, known: Any, filled: Sequence[Any] = ()) -> tuple[str, bytes]:
    """(file name, .xlsx bytes) of the 下年预算申报表 template for the evaluated `year`, prefilled with the units and
    projects of `known` (store.cuts.known) and the amounts of `filled` (store.cuts.Request) where given (etl.requests)."""
    from etl.requests import file_name, template_rows
    from etl.requests import request_template as template

    return file_name(year), template(year, template_rows(known, filled))


def check_request_file(name: str, data: bytes, year: int, known: Any) -> Any:
    """Read and check a filled 下年预算申报表 against `known` (store.cuts.known), storing nothing: etl.requests.RequestCheck
    (rows, problems naming file, sheet and cell; `ok` when it may be stored)."""
    from etl.requests import read_requests

    return read_requests(name, data, year, known)


def import_request_file(con: Any, actor: Any, name: str, data: bytes, year: int) -> Any:
    """Check a filled 下年预算申报表 and, when it has no error, store it on behalf of `actor` (it replaces the current
    requests of every unit it names): the RequestCheck, with `batch_id` set when stored."""
    from etl.requests import import_requests

    return import_requests(con, actor, name, data, year)
