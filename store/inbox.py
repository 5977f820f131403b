"""Work the command line asks of the running dashboard, which holds the database (DuckDB lets one process write a
file): `python -m etl load` while the dashboard runs drops a request into `<db dir>/inbox/`; the dashboard's inbox
watcher (started with the backup watcher, store.backup.serve_inbox) claims it, does it with its own connection on
behalf of the command line's operator, writes each line of progress as it goes, then the answer. The command line
prints the lines as they come.

Files, for a request id R: `R.work.json` (the request; the requester may withdraw it until it is claimed),
`R.claimed.json` (being done), `R.progress.jsonl` (one JSON string per line, appended), `R.answer.json` (the end).
"""

from __future__ import annotations

import json
import os
import time
import uuid
from collections.abc import Callable, Mapping
from datetime import datetime
from pathlib import Path
from typing import Any

from store import db

INBOX_DIR = "inbox"
REQUEST_SUFFIX = ".work.json"
CLAIMED_SUFFIX = ".claimed.json"
PROGRESS_SUFFIX = ".progress.jsonl"
ANSWER_SUFFIX = ".answer.json"
POLL_S = 0.3
CLAIM_WAIT_S = 60.0  # how long the command line waits for the dashboard to take its request
ANSWER_KEEP_S = 3600

Emit = Callable[[str], None]
Handler = Callable[[Mapping[str, Any], db.Connection, Emit], dict[str, Any]]
_handlers: dict[str, Handler] = {}

NOT_TAKEN = ("看板没有接收导入请求（等了 {seconds:.0f} 秒）：数据库 {path} 正被另一个程序占用。若是看板，请确认它仍在运行"
             "且启动后已打开过页面；若是另一个导入命令，请等它结束后再试。未导入任何文件。")
TAKEN = "数据库 {path} 正被看板使用：已交给看板导入，逐个文件显示结果…"


class InboxError(db.StoreError):
    """The dashboard could not do the work asked (the message says why)."""


def register(kind: str, handler: Handler) -> None:
    """Let the dashboard's watcher do requests of this kind (the dashboard registers its handlers at start)."""
    _handlers[kind] = handler


def _write_json(path: Path, data: object) -> None:
    tmp = path.with_name(path.name + f".{os.getpid()}.tmp")
    tmp.write_text(json.dumps(data, ensure_ascii=False, default=str), encoding="utf-8")
    os.replace(tmp, path)


def answer_waiting(inbox: Path, connection_getter: Callable[[], db.Connection]) -> None:
    """Do every request waiting in the inbox (called by the dashboard's watcher thread)."""
    for request in sorted(inbox.glob("*" + REQUEST_SUFFIX)):
        _answer(request, connection_getter)
    _forget_old(inbox)


def _answer(request: Path, connection_getter: Callable[[], db.Connection]) -> None:
    request_id = request.name[: -len(REQUEST_SUFFIX)]
    claimed = request.with_name(request_id + CLAIMED_SUFFIX)
    try:
        os.replace(request, claimed)  # claimed: the requester can no longer withdraw it
        asked = json.loads(claimed.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return
    except (OSError, ValueError) as exc:
        _write_json(request.with_name(request_id + ANSWER_SUFFIX), {"ok": False, "error": f"请求无法读取：{exc}"})
        claimed.unlink(missing_ok=True)
        return
    progress = request.with_name(request_id + PROGRESS_SUFFIX)

    def emit(line: str) -> None:
        with progress.open("a", encoding="utf-8") as out:
            out.write(json.dumps(line, ensure_ascii=False) + "\n")

    handler = _handlers.get(str(asked.get("kind")))
    result: dict[str, Any]
    try:
        if handler is None:
            raise InboxError(f"看板不认识“{asked.get('kind')}”这种请求（看板与命令行的版本不同？）")
        result = handler(asked, connection_getter(), emit)
    except db.StoreError as exc:
        result = {"ok": False, "error": str(exc)}
    except Exception as exc:  # the requester must hear of any failure, and the watcher must live on
        result = {"ok": False, "error": f"看板处理请求时出错：{type(exc).__name__}: {exc}"}
    _write_json(request.with_name(request_id + ANSWER_SUFFIX), result)
    claimed.unlink(missing_ok=True)


def _forget_old(inbox: Path) -> None:
    cutoff = time.time() - ANSWER_KEEP_S
    for old in [*inbox.glob("*" + ANSWER_SUFFIX), *inbox.glob("*" + PROGRESS_SUFFIX)]:
        try:
            if old.stat().st_mtime < cutoff:
                old.unlink()
        except OSError:
            pass


class Withdrawn(Exception):
    """The request was withdrawn before anyone took it, because `give_up` said so (e.g. the file became free)."""


def request(db_path: Path | str, kind: str, payload: Mapping[str, Any], on_line: Emit,
            claim_wait_s: float = CLAIM_WAIT_S, on_wait: db.Notify | None = None,
            give_up: Callable[[], bool] | None = None, taken_message: str = TAKEN,
            busy_message: str = NOT_TAKEN) -> dict[str, Any]:
    """Ask the dashboard holding `db_path` to do `kind` work and wait for its answer, passing each progress line to
    `on_line` as it comes (and `taken_message` to on_wait when the dashboard takes it). DatabaseBusy (`busy_message`) when
    nobody takes the request within claim_wait_s; Withdrawn when `give_up()` turns true before anyone takes it
    (either way the request is withdrawn)."""
    path = Path(db_path).resolve()
    inbox = path.parent / INBOX_DIR
    request_id = f"{datetime.now():%Y%m%d-%H%M%S}-{os.getpid()}-{uuid.uuid4().hex[:8]}"
    asked = inbox / (request_id + REQUEST_SUFFIX)
    progress = inbox / (request_id + PROGRESS_SUFFIX)
    answer = inbox / (request_id + ANSWER_SUFFIX)
    try:
        inbox.mkdir(parents=True, exist_ok=True)
        _write_json(asked, {"id": request_id, "kind": kind, "requested_at": time.time(), **payload})
    except OSError as exc:
        raise InboxError(f"无法向看板发出请求（{inbox}）：{exc}") from exc
    deadline = time.monotonic() + claim_wait_s
    taken = False
    read = 0
    while True:
        if not taken and not asked.exists():
            taken = True
            if on_wait is not None:
                on_wait(taken_message.format(path=path))
        stop = not taken and give_up is not None and give_up()
        if not taken and (stop or time.monotonic() >= deadline):
            try:
                asked.unlink()
            except FileNotFoundError:  # taken at the last moment
                continue
            if stop:
                raise Withdrawn()
            raise db.DatabaseBusy(busy_message.format(seconds=claim_wait_s, path=path))
        read = _relay(progress, read, on_line)
        if answer.exists():
            read = _relay(progress, read, on_line)
            try:
                result = json.loads(answer.read_text(encoding="utf-8"))
            except (OSError, ValueError) as exc:
                raise InboxError(f"看板的回复 {answer} 无法读取：{exc}") from exc
            answer.unlink(missing_ok=True)
            progress.unlink(missing_ok=True)
            return result if isinstance(result, dict) else {"ok": False, "error": str(result)}
        time.sleep(POLL_S)


def _relay(progress: Path, read: int, on_line: Emit) -> int:
    """Pass on the progress lines written since `read` bytes; returns the bytes read so far (whole lines only)."""
    try:
        with progress.open("rb") as source:
            source.seek(read)
            chunk = source.read()
    except FileNotFoundError:
        return read
    complete = chunk[: chunk.rfind(b"\n") + 1]
    for line in complete.decode("utf-8").splitlines():
        try:
            on_line(str(json.loads(line)))
        except ValueError:
            on_line(line)
    return read + len(complete)
