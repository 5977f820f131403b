"""`python -m etl load` and `python -m etl export` while the dashboard runs: the dashboard holds the database, so the
command line hands the work to it through the inbox (store.inbox) and prints each line as the dashboard goes.

- load: the dashboard reads the files itself (they must be readable by the account it runs as) and imports them on
  behalf of the command line's operator (命令行:<system user>, a 绩效办), exactly as `load` would, a line per file.
- export: the dashboard gathers the meeting material with its connection and writes it into the command line's
  folder (which the account it runs as must be able to write), a line per step, exactly as `export` would."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from etl.load import FileReport, load_paths
from store import inbox
from store.access import ADMIN, Viewer
from store.db import Connection, Notify

KIND = "import"
EXPORT_KIND = "export"
EXPORT_TAKEN = "数据库 {path} 正被看板使用：已交给看板导出，逐步显示进度…"
EXPORT_NOT_TAKEN = ("看板没有接收导出请求（等了 {seconds:.0f} 秒）：数据库 {path} 正被另一个程序占用。若是看板，请确认它仍在运行"
                    "且启动后已打开过页面；若是导入命令，请等它结束后再试。未导出任何文件。")
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


def meeting_data(con: Connection, year: int | None, departments: tuple[str, ...]) -> Any:
    """The meeting material's data for `export` (store.meeting.MeetingData): the given year or the newest with data,
    narrowed to the 主管部门 given; a str saying why nothing is exported when the year or a department is unknown."""
    from store import queries
    from store.meeting import MeetingFilters, gather, narrowed_units

    years = queries.years(con)
    year = year if year is not None else (years[0] if years else None)
    if year is None or year not in years:
        known = "、".join(str(y) for y in years) or "无"
        return f"{year if year is not None else ''} 年度没有已导入的自评表，未导出（有数据的年度：{known}）。"
    filters = MeetingFilters(year, None, departments)
    if filters.departments and not narrowed_units(con, filters):
        return f"{year} 年度没有主管部门为 {'、'.join(departments)} 的项目，未导出；请检查部门名称（如 区教育局）。"
    return gather(con, filters)


def progress_line(done: int, total: int, what: str) -> str | None:
    """A step of writing the material, as the command line prints it (None: nothing to say)."""
    return f"（{done}/{total}）{what}" if what else None


def handle_export(asked: Mapping[str, Any], con: Connection, emit: Callable[[str], None]) -> dict[str, Any]:
    """The dashboard's side of `export`: gather with its connection, write into the asked folder, a line per step."""
    from reports import render
    from reports.meeting import write

    year = asked.get("year")
    data = meeting_data(con, int(year) if year is not None else None, tuple(asked.get("departments", ())))
    if isinstance(data, str):
        return {"ok": False, "refused": data}

    def step(done: int, total: int, what: str) -> None:
        line = progress_line(done, total, what)
        if line:
            emit(line)

    try:
        written = write(data, Path(str(asked["out"])), step)
    except render.RenderError as exc:
        return {"ok": False, "refused": str(exc)}
    except OSError as exc:
        return {"ok": False, "refused": f"看板无法写入 {asked['out']}：{exc}（看板以它自己的系统账户写入，请换一个它可写的文件夹）"}
    return {"ok": True, "year": data.year, "written": [str(p) for p in written], "adopted": data.cuts is not None}


def send_export(db_path: Path, year: int | None, departments: tuple[str, ...], out: Path, actor: Viewer,
                on_line: Callable[[str], None], wait_s: float, on_wait: Notify | None = None,
                give_up: Callable[[], bool] | None = None) -> dict[str, Any]:
    """The command line's side of `export`: hand it to the dashboard and relay its lines; its answer at the end."""
    return inbox.request(db_path, EXPORT_KIND, {"year": year, "departments": list(departments),
                                                "out": str(out.resolve()), "actor": actor.username}, on_line,
                         claim_wait_s=wait_s, on_wait=on_wait, give_up=give_up, taken_message=EXPORT_TAKEN,
                         busy_message=EXPORT_NOT_TAKEN)


def register() -> None:
    """Let this process's inbox watcher take imports and exports (the dashboard calls it at start)."""
    inbox.register(KIND, handle)
    inbox.register(EXPORT_KIND, handle_export)

