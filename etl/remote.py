"""`python -m etl load` while the dashboard runs: the dashboard holds the database, so the command line hands the
paths to it through the inbox (store.inbox) and prints each file's line as the dashboard stores it. The dashboard
reads the files itself (they must be readable by the account it runs as) and imports them on behalf of the command
line's operator (命令行:<system user>, a 绩效办), exactly as `load` would."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from etl.load import FileReport, load_paths
from store import inbox
from store.access import ADMIN, Viewer
from store.db import Connection, Notify

KIND = "import"
BATCH_FILES = 20  # files stored together: each file's line comes when its batch is stored


def report_lines(report: FileReport) -> list[str]:
    """A file's line and its problems, as the command line prints them."""
    return [report.line(), *(f"    {problem}" for problem in report.problems)]


def handle(asked: Mapping[str, Any], con: Connection, emit: Callable[[str], None]) -> dict[str, Any]:
    """The dashboard's side: import the requested paths, emitting each file's lines as it is stored."""
    actor = Viewer(username=str(asked["actor"]), display_name=str(asked["actor"]), role=ADMIN)
    year = asked.get("year")

    def stored(report: FileReport) -> None:
        for line in report_lines(report):
            emit(line)

    reports = load_paths(con, [Path(p) for p in asked.get("paths", [])],
                         default_year=int(year) if year is not None else None, actor=actor, batch_files=BATCH_FILES,
                         on_report=stored)
    return {"ok": True, "files": len(reports), "rejected": sum(r.rejected for r in reports)}


Withdrawn = inbox.Withdrawn


def send(db_path: Path, paths: list[Path], year: int | None, actor: Viewer, on_line: Callable[[str], None],
         wait_s: float, on_wait: Notify | None = None, give_up: Callable[[], bool] | None = None) -> dict[str, Any]:
    """The command line's side: hand the paths to the dashboard and relay its lines; its answer at the end.
    Withdrawn when `give_up()` turns true before the dashboard takes the request."""
    return inbox.request(db_path, KIND, {"paths": [str(p.resolve()) for p in paths], "year": year,
                                         "actor": actor.username}, on_line, claim_wait_s=wait_s, on_wait=on_wait,
                         give_up=give_up)


def register() -> None:
    """Let this process's inbox watcher take imports (the dashboard calls it at start)."""
    inbox.register(KIND, handle)

