"""Backups of the one database file, their verification, restoring them, and backups while the dashboard runs.

Everything (forms, scores, rubrics, accounts, the audit trail and the imported workbooks in `source_files`)
lives in one DuckDB file, so a backup is that file: a .zip archive holding `budget_perf.duckdb`, copied under
the process's writer lock right after a CHECKPOINT, and `manifest.json`, what it holds (row counts of every
table, the kept files, the data version, each year's headline totals, the sha256 of the copy). `verify`
opens a copy of the archived file and checks every one of those; `restore` verifies first, keeps the current
database in `backups/before-restore-….zip`, then swaps the file in atomically. Archives are written under a
temporary name and renamed when complete and verified: there is never a half-written archive.

While the dashboard runs it holds the file and no other process can open it. The dashboard serves an inbox
instead (`serve_inbox`): the CLI drops a request into `<db dir>/inbox/` (`request_backup`), the dashboard
writes the archive into its own `<db dir>/backups/` with its connection and answers with a `.done.json`.
"""

from __future__ import annotations

import atexit
import hashlib
import json
import os
import re
import shutil
import tempfile
import threading
import time
import uuid
import zipfile
import zlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from datetime import datetime
from pathlib import Path

import duckdb

from store import access, audit, db, queries
from store import inbox as work
from store.access import Viewer
from store.migrations import LATEST, current_version

FORMAT = 1  # the layout of the archive and its manifest
DB_MEMBER = "budget_perf.duckdb"
WAL_MEMBER = DB_MEMBER + ".wal"  # only in a raw copy of a database that could not be opened
MANIFEST_MEMBER = "manifest.json"
BACKUPS_DIR = "backups"  # next to the database file
INBOX_DIR = "inbox"  # next to the database file
REQUEST_SUFFIX = ".backup.json"
WORKING_SUFFIX = ".working.json"
DONE_SUFFIX = ".done.json"
INBOX_POLL_S = 0.5  # how often the dashboard looks into its inbox, and the CLI for the answer
REQUEST_WAIT_S = 60.0  # how long the CLI waits for the dashboard's answer by default
DONE_KEEP_S = 3600  # answers nobody collected are removed after this long
COPY_CHUNK_BYTES = 1 << 20
_REQUEST_ID = re.compile(r"^[0-9A-Za-z-]{1,80}$")

Connect = Callable[[], db.Connection]

TABLES_SQL = "SELECT table_name FROM duckdb_tables() WHERE schema_name = 'main' ORDER BY table_name"
DB_FILE_SQL = "SELECT path FROM duckdb_databases() WHERE database_name = current_database()"
SOURCE_FILES_SQL = "SELECT count(*) FROM source_files"
DAMAGED_FILES_SQL = "SELECT file_hash FROM source_files WHERE sha256(data) IS DISTINCT FROM file_hash ORDER BY file_hash"

RESTORE_BUSY = ("数据库 {path} 正被另一个程序占用（通常是正在运行的看板）。请先停止看板（以及导入命令）再恢复；"
                "未做任何改动。")
NO_ANSWER = ("看板未响应备份请求（等了 {seconds:.0f} 秒）：数据库 {path} 正被另一个程序占用。若是看板，请确认它"
             "仍在运行且已打开过页面，或用 --wait 多等一会儿；若是导入命令，请等它结束后再备份。未生成备份。")
ASKING = "数据库 {path} 正被看板使用，已请看板代为备份，等待其完成（最多 {seconds:.0f} 秒）…"


class BackupError(db.StoreError):
    """A backup that could not be made, an archive that is not a whole backup, or a restore that was refused."""


@dataclass(frozen=True)
class YearTotals:
    """A year's headline totals at backup time: current projects and their money (万元, exact decimal text)."""

    projects: int
    budget_full_year: str
    executed: str


@dataclass(frozen=True)
class Contents:
    """What a database holds, as a backup records and a verification compares it."""

    schema_version: int
    tables: dict[str, int]  # row count of every base table
    source_files: int  # kept original workbooks
    data_version: int
    years: dict[int, YearTotals]


@dataclass(frozen=True)
class Manifest:
    """The archive's manifest.json: when and by which program it was made, the copy's sha256, what it holds."""

    created_at: str
    latest_migration: int  # the newest migration of the program that made the backup
    db_sha256: str
    db_size: int  # bytes of the database file
    contents: Contents
    format: int = FORMAT

    @property
    def forms(self) -> int:
        """Form versions stored."""
        return self.contents.tables.get("forms", 0)

    @property
    def projects(self) -> int:
        """Current projects over every year."""
        return sum(y.projects for y in self.contents.years.values())

    def to_json(self) -> str:
        """The manifest as JSON text (years as keys in text)."""
        data = asdict(self)
        data["contents"]["years"] = {str(k): v for k, v in data["contents"]["years"].items()}
        return json.dumps(data, ensure_ascii=False, indent=2)

    @classmethod
    def from_json(cls, text: str | bytes, where: str) -> Manifest:
        """A manifest from JSON text; BackupError naming `where` when it is not one."""
        try:
            data = json.loads(text)
            c = data["contents"]
            contents = Contents(
                schema_version=int(c["schema_version"]),
                tables={str(k): int(v) for k, v in c["tables"].items()},
                source_files=int(c["source_files"]), data_version=int(c["data_version"]),
                years={int(k): YearTotals(int(v["projects"]), str(v["budget_full_year"]), str(v["executed"]))
                       for k, v in c["years"].items()})
            manifest = cls(created_at=str(data["created_at"]), latest_migration=int(data["latest_migration"]),
                           db_sha256=str(data["db_sha256"]), db_size=int(data["db_size"]), contents=contents,
                           format=int(data["format"]))
        except (ValueError, KeyError, TypeError, AttributeError) as exc:
            raise BackupError(f"{where} 不是完整的备份：清单 {MANIFEST_MEMBER} 无法读取（{exc}）。") from exc
        if manifest.format != FORMAT:
            raise BackupError(f"{where} 的备份格式 {manifest.format} 不是本程序支持的 {FORMAT}：请用生成它的程序版本恢复。")
        return manifest


@dataclass(frozen=True)
class Archive:
    """A backup made: where the archive is and its manifest."""

    path: Path
    manifest: Manifest


@dataclass(frozen=True)
class Restored:
    """A restore done: the restored archive's manifest and where the database it replaced was kept (None: none)."""

    manifest: Manifest
    previous: Path | None = None
    notes: list[str] = field(default_factory=list)


def _stamp() -> str:
    """Local time for file names: YYYYmmdd-HHMMSS."""
    return datetime.now().strftime("%Y%m%d-%H%M%S")


def _unused(path: Path) -> Path:
    """`path`, or `name-2.zip`, `name-3.zip` … when it is taken."""
    n = 2
    candidate = path
    while candidate.exists():
        candidate = path.with_name(f"{path.stem}-{n}{path.suffix}")
        n += 1
    return candidate


def backups_dir(db_path: Path | str) -> Path:
    """The backups folder next to the database file."""
    return Path(db_path).resolve().parent / BACKUPS_DIR


def archive_path(db_path: Path | str, prefix: str = "budget_perf") -> Path:
    """A new archive name in the backups folder: `<prefix>-YYYYmmdd-HHMMSS.zip` (folder created)."""
    folder = backups_dir(db_path)
    folder.mkdir(parents=True, exist_ok=True)
    return _unused(folder / f"{prefix}-{_stamp()}.zip")


ROUTINE_ARCHIVE = re.compile(r"budget_perf-\d{8}-\d{6}(-\d+)?\.zip")


def prune(db_path: Path | str, keep: int) -> list[Path]:
    """Remove the routine archives of the backups folder (`budget_perf-YYYYmmdd-HHMMSS.zip`, as `backup` names them)
    but the newest `keep`; returns those removed. Archives kept before a restore (`before-restore-…`), files with
    other names and archives elsewhere are never touched."""
    if keep < 1:
        raise BackupError("至少保留 1 个备份。")
    folder = backups_dir(db_path)
    found = [p for p in folder.glob("budget_perf-*.zip") if ROUTINE_ARCHIVE.fullmatch(p.name) and p.is_file()]
    found.sort(key=lambda p: (p.name[len("budget_perf-"):len("budget_perf-") + 15], p.stat().st_mtime), reverse=True)
    removed = []
    for old in found[keep:]:
        try:
            old.unlink()
        except OSError as exc:
            raise BackupError(f"无法删除较早的备份 {old}：{exc}") from exc
        removed.append(old)
    return removed


def _db_file(cur: duckdb.DuckDBPyConnection) -> Path:
    """The file behind the connection."""
    row = cur.execute(DB_FILE_SQL).fetchone()
    if row is None or not row[0]:
        raise BackupError("只能备份保存在文件中的数据库。")
    return Path(row[0]).resolve()


def _quoted(name: str) -> str:
    """A SQL identifier, quoted and escaped."""
    return '"' + name.replace('"', '""') + '"'


def contents(con: duckdb.DuckDBPyConnection) -> Contents:
    """Row counts of every table, the kept files, the data version and each year's headline totals."""
    with db.reading(con) as cur:
        version = current_version(cur)
        names = [r[0] for r in cur.execute(TABLES_SQL).fetchall()]
        tables = {}
        for name in names:
            row = cur.execute(f"SELECT count(*) FROM {_quoted(name)}").fetchone()  # names from the catalog, quoted
            tables[name] = int(row[0]) if row else 0
        row = cur.execute(SOURCE_FILES_SQL).fetchone()
        source_files = int(row[0]) if row else 0
    years = {}
    for year in queries.years(con):
        h = queries.headline(con, year)
        years[year] = YearTotals(h.projects, str(h.budget_full_year), str(h.executed))
    return Contents(version, tables, source_files, queries.data_version(con), years)


def damaged_files(con: duckdb.DuckDBPyConnection) -> list[str]:
    """The kept files whose bytes no longer match their sha256 (file_hash)."""
    with db.reading(con) as cur:
        return [r[0] for r in cur.execute(DAMAGED_FILES_SQL).fetchall()]


@contextmanager
def _temporary(final: Path) -> Iterator[Path]:
    """A temporary file next to `final`, removed unless the caller has renamed it into place."""
    final.parent.mkdir(parents=True, exist_ok=True)
    tmp = final.with_name(f".{final.name}.{os.getpid()}.{uuid.uuid4().hex[:8]}.tmp")
    try:
        yield tmp
    finally:
        tmp.unlink(missing_ok=True)


def _copy_into(zf: zipfile.ZipFile, source: Path, member: str) -> tuple[str, int]:
    """Copy a file into the archive; (sha256, size) of the bytes copied."""
    digest = hashlib.sha256()
    size = 0
    with source.open("rb") as src, zf.open(member, "w", force_zip64=True) as dst:
        while chunk := src.read(COPY_CHUNK_BYTES):
            digest.update(chunk)
            size += len(chunk)
            dst.write(chunk)
    return digest.hexdigest(), size


def _fsync(path: Path) -> None:
    """Flush a written file to disk before it is renamed into place."""
    with path.open("rb") as f:
        os.fsync(f.fileno())


def backup(con: duckdb.DuckDBPyConnection, out: Path | str, on_wait: db.Notify | None = None,
           wait_s: float = db.WRITER_WAIT_S, actor: Viewer | None = None) -> Manifest:
    """Write a verified archive of the connection's database file to `out` while other sessions of this process
    may be writing: holds the writer lock for the CHECKPOINT, the copy and the manifest, then verifies. The
    audit trail records it afterwards, on behalf of `actor` (绩效办 only; the command line by default)."""
    out = Path(out)
    actor = actor or access.command_line()
    access.require(con, actor, access.BACKUP, target=out.name)
    try:
        manifest = _backup(con, out, on_wait, wait_s)
    except OSError as exc:
        raise BackupError(f"备份未完成，无法写入 {out}：{exc}") from exc
    audit.record_alone(con, audit.Entry(actor.username, actor.role, audit.BACKUP, audit.OK, target=str(out),
                                        after=_summary(manifest)))
    return manifest


def _summary(manifest: Manifest) -> dict[str, object]:
    """What the audit trail says of an archive."""
    return {"自评表": manifest.forms, "项目": manifest.projects, "sha256": manifest.db_sha256,
            "数据版本": manifest.contents.data_version}


def _backup(con: duckdb.DuckDBPyConnection, out: Path, on_wait: db.Notify | None, wait_s: float) -> Manifest:
    """backup() without its error translation."""
    with _temporary(out) as tmp:
        with db.exclusive(con, on_wait, wait_s):
            with db.reading(con) as cur:
                path = _db_file(cur)
                db.checkpoint(cur)
            found = contents(con)
            with zipfile.ZipFile(tmp, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=1) as zf:
                sha, size = _copy_into(zf, path, DB_MEMBER)
                manifest = Manifest(created_at=datetime.now().isoformat(timespec="seconds"), latest_migration=LATEST,
                                    db_sha256=sha, db_size=size, contents=found)
                zf.writestr(MANIFEST_MEMBER, manifest.to_json())
        try:
            verify(tmp)
        except BackupError as exc:
            raise BackupError(f"数据库 {path} 的备份未完成，复制的文件未通过校验：{exc}") from exc
        _fsync(tmp)
        os.replace(tmp, out)
    return manifest


def _open_archive(archive: Path) -> zipfile.ZipFile:
    """The archive opened, with both members present; BackupError otherwise."""
    if not archive.is_file():
        raise BackupError(f"找不到备份文件 {archive}。")
    try:
        zf = zipfile.ZipFile(archive)
    except (zipfile.BadZipFile, OSError) as exc:
        raise BackupError(f"{archive} 不是本程序生成的备份（不是 zip 压缩包，或文件不完整）：{exc}") from exc
    missing = [m for m in (DB_MEMBER, MANIFEST_MEMBER) if m not in zf.namelist()]
    if missing:
        zf.close()
        raise BackupError(f"{archive} 不是完整的备份：缺少 {'、'.join(missing)}。")
    return zf


def _extract(zf: zipfile.ZipFile, archive: Path, target: Path) -> tuple[str, int]:
    """Write the archived database file to `target`; (sha256, size). A damaged member is a BackupError."""
    digest = hashlib.sha256()
    size = 0
    try:
        with zf.open(DB_MEMBER) as src, target.open("wb") as dst:
            while chunk := src.read(COPY_CHUNK_BYTES):
                digest.update(chunk)
                size += len(chunk)
                dst.write(chunk)
    except (zipfile.BadZipFile, zlib.error, EOFError, OSError) as exc:
        raise BackupError(f"{archive} 已损坏：其中的数据库文件无法完整读出（{exc}）。") from exc
    return digest.hexdigest(), size


def _totals(y: YearTotals | None) -> str:
    """A year's totals in words."""
    if y is None:
        return "（无此年度）"
    return f"{y.projects} 个项目、全年预算数 {y.budget_full_year} 万元、全年执行数 {y.executed} 万元"


def _differences(expected: Contents, found: Contents) -> list[str]:
    """What differs between the manifest and the archived database, in Chinese."""
    diffs = []
    if found.schema_version != expected.schema_version:
        diffs.append(f"结构版本应为 {expected.schema_version}，实为 {found.schema_version}")
    for name in sorted(expected.tables.keys() | found.tables.keys()):
        want, got = expected.tables.get(name), found.tables.get(name)
        if want != got:
            diffs.append(f"表 {name} 应有 {want if want is not None else '（无此表）'} 行，"
                         f"实有 {got if got is not None else '（无此表）'} 行")
    if found.source_files != expected.source_files:
        diffs.append(f"保存的原始文件应有 {expected.source_files} 个，实有 {found.source_files} 个")
    if found.data_version != expected.data_version:
        diffs.append(f"数据版本应为 {expected.data_version}，实为 {found.data_version}")
    for year in sorted(expected.years.keys() | found.years.keys()):
        want_y, got_y = expected.years.get(year), found.years.get(year)
        if want_y != got_y:
            diffs.append(f"{year} 年度应为 {_totals(want_y)}，实为 {_totals(got_y)}")
    return diffs


def verify(archive: Path | str) -> Manifest:
    """Check an archive: its members, the database file's sha256, and that a copy of it holds what the manifest
    says (schema version, row counts, kept files and their hashes, data version, yearly totals)."""
    archive = Path(archive)
    with _open_archive(archive) as zf:
        try:
            text = zf.read(MANIFEST_MEMBER)
        except (zipfile.BadZipFile, zlib.error, EOFError, OSError) as exc:
            raise BackupError(f"{archive} 已损坏：清单 {MANIFEST_MEMBER} 无法读出（{exc}）。") from exc
        manifest = Manifest.from_json(text, str(archive))
        if manifest.contents.schema_version > LATEST:
            raise BackupError(f"{archive} 由更新版本的程序生成（数据库结构版本 {manifest.contents.schema_version}，"
                              f"本程序支持到 {LATEST}）：请升级程序后再恢复。")
        with tempfile.TemporaryDirectory(prefix="budget_perf_verify_") as tmp:
            copy = Path(tmp) / DB_MEMBER
            sha, size = _extract(zf, archive, copy)
            if (sha, size) != (manifest.db_sha256, manifest.db_size):
                raise BackupError(f"{archive} 已损坏：其中的数据库文件与清单记录的校验值（sha256）或大小不符。")
            found, damaged = _inspect(copy, archive, manifest.contents.schema_version)
    if damaged:
        raise BackupError(f"{archive} 中保存的原始文件有 {len(damaged)} 个与其校验值不符（{', '.join(damaged[:3])}…）。")
    diffs = _differences(manifest.contents, found)
    if diffs:
        raise BackupError(f"{archive} 与其清单不符：" + "；".join(diffs[:5]) + ("…" if len(diffs) > 5 else "") + "。")
    return manifest


def _inspect(copy: Path, archive: Path, schema_version: int) -> tuple[Contents, list[str]]:
    """What the archived database holds, and its damaged kept files; opened read-only."""
    try:
        con = db.open_unmigrated(copy, read_only=True)
    except db.StoreError as exc:
        raise BackupError(f"{archive} 中的数据库文件无法打开：{exc}") from exc
    try:
        with db.reading(con) as cur:
            version = current_version(cur)
        if version != schema_version:
            raise BackupError(f"{archive} 中数据库的结构版本是 {version}，清单记为 {schema_version}。")
        return contents(con), damaged_files(con)
    except (duckdb.Error, db.StoreError) as exc:
        if isinstance(exc, BackupError):
            raise
        raise BackupError(f"{archive} 中的数据库无法读取：{exc}") from exc
    finally:
        con.close()


def _raw_copy(db_path: Path, out: Path, reason: str) -> None:
    """Keep a database file that cannot be backed up normally, byte for byte (with its .wal), in an archive."""
    with _temporary(out) as tmp:
        with zipfile.ZipFile(tmp, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=1) as zf:
            sha, size = _copy_into(zf, db_path, DB_MEMBER)
            wal = db_path.with_name(db_path.name + ".wal")
            if wal.exists():
                _copy_into(zf, wal, WAL_MEMBER)
            note = {"format": FORMAT, "created_at": datetime.now().isoformat(timespec="seconds"), "raw": True,
                    "db_sha256": sha, "db_size": size, "note": f"原样保存，未经校验：{reason}"}
            zf.writestr(MANIFEST_MEMBER, json.dumps(note, ensure_ascii=False, indent=2))
        _fsync(tmp)
        os.replace(tmp, out)


def _keep_current(db_path: Path) -> tuple[Path, str | None]:
    """Back up the database about to be replaced into backups/before-restore-….zip; (archive, note when it had
    to be kept as it is). DatabaseBusy when another process holds it."""
    con: duckdb.DuckDBPyConnection | None = None
    try:
        con = db.open_unmigrated(db_path, busy_message=RESTORE_BUSY)
    except db.DatabaseBusy:
        raise
    except db.StoreError as exc:
        reason = str(exc)
    out = archive_path(db_path, "before-restore")
    if con is not None:
        try:
            with db.reading(con) as cur:
                version = current_version(cur)
            if version != LATEST:
                raise BackupError(f"数据库结构版本 {version} 不是本程序的 {LATEST}")
            backup(con, out)
            return out, None
        except (db.StoreError, duckdb.Error) as exc:
            reason = str(exc)
        finally:
            con.close()
    _raw_copy(db_path, out, reason)
    return out, f"当前数据库无法正常备份（{reason}），已原样保存到 {out}"


def _stage(archive: Path, manifest: Manifest, db_path: Path, tmp: Path) -> None:
    """Write the archived database next to its destination and check it against the manifest once more."""
    with _open_archive(archive) as zf:
        sha, size = _extract(zf, archive, tmp)
    if (sha, size) != (manifest.db_sha256, manifest.db_size):
        raise BackupError(f"{archive} 在恢复过程中发生了变化，未做任何改动。")
    _fsync(tmp)


def _swap(staged: Path, db_path: Path) -> None:
    """Put the staged file in place atomically; the old file's .wal (which belongs to it) is removed."""
    wal = db_path.with_name(db_path.name + ".wal")
    aside = wal.with_name(f".{wal.name}.{os.getpid()}.aside")
    had_wal = wal.exists()
    if had_wal:
        os.replace(wal, aside)
    try:
        os.replace(staged, db_path)
    except OSError as exc:
        if had_wal:
            os.replace(aside, wal)
        raise BackupError(f"无法把恢复的数据库放到 {db_path}：{exc}。未做任何改动。") from exc
    aside.unlink(missing_ok=True)


def restore(archive: Path | str, db_path: Path | str, actor: Viewer | None = None) -> Restored:
    """Verify the archive, keep the current database in backups/before-restore-….zip, then replace the database
    file with the archived one atomically, and record that in the restored file's audit trail (on behalf of
    `actor`, the command line by default). Refused (DatabaseBusy) while another program holds the file; nothing
    is changed on any failure."""
    restored = _restore(Path(archive), Path(db_path))
    actor = actor or access.command_line()
    con = db.open_db(db_path)
    try:
        audit.record_alone(con, audit.Entry(actor.username, actor.role, audit.RESTORE, audit.OK, target=str(archive),
                                            before={"原数据库已备份到": str(restored.previous)} if restored.previous else None,
                                            after=_summary(restored.manifest)))
    finally:
        con.close()
    return restored


def _restore(archive: Path, db_path: Path) -> Restored:
    """restore() without its audit entry."""
    archive, db_path = Path(archive), Path(db_path)
    manifest = verify(archive)
    if db.is_open(db_path):
        raise db.DatabaseBusy(RESTORE_BUSY.format(path=db_path))
    try:
        db_path.parent.mkdir(parents=True, exist_ok=True)
        with _temporary(db_path) as staged:
            _stage(archive, manifest, db_path, staged)
            previous, note = _keep_current(db_path) if db_path.exists() else (None, None)
            _swap(staged, db_path)
    except OSError as exc:
        raise BackupError(f"恢复未完成：{exc}。数据库 {db_path} 未做任何改动。") from exc
    return Restored(manifest, previous, [note] if note else [])


# --- the inbox: backups while the dashboard holds the file --------------------------------------------------

_serving: dict[Path, threading.Thread] = {}
_serving_lock = threading.Lock()
_stopping = threading.Event()
STOP_WAIT_S = 5.0  # at exit, how long to let a watcher finish the backup it is making


def serve_inbox(db_path: Path | str, connection_getter: Connect) -> None:
    """Start (once per process and database file) a daemon thread answering backup requests dropped into
    `<db dir>/inbox/` with this process's connection."""
    key = Path(db_path).resolve()
    with _serving_lock:
        thread = _serving.get(key)
        if thread is not None and thread.is_alive():
            return
        if not _serving:
            atexit.register(_stop_serving)
        thread = threading.Thread(target=_watch, args=(key, connection_getter), daemon=True,
                                  name=f"backup-inbox:{key.name}")
        _serving[key] = thread
        thread.start()


def _stop_serving() -> None:
    """Stop the watchers at exit (a thread still running then keeps DuckDB from being torn down cleanly)."""
    _stopping.set()
    with _serving_lock:
        threads = list(_serving.values())
    for thread in threads:
        thread.join(timeout=STOP_WAIT_S)


def _watch(db_path: Path, connection_getter: Connect) -> None:
    """Poll the inbox until the process exits or the database's folder goes away."""
    inbox = db_path.parent / INBOX_DIR
    while not _stopping.wait(INBOX_POLL_S) and db_path.parent.is_dir():
        if inbox.is_dir():
            for request in sorted(inbox.glob("*" + REQUEST_SUFFIX)):
                _answer(request, db_path, connection_getter)
            work.answer_waiting(inbox, connection_getter)  # imports and other work the command line asks


def _write_json(path: Path, data: dict[str, object]) -> None:
    """Write JSON under a temporary name, then rename it into place (a reader never sees half a file)."""
    with _temporary(path) as tmp:
        tmp.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
        os.replace(tmp, path)


def _answer(request: Path, db_path: Path, connection_getter: Connect) -> None:
    """Claim one request, make the backup into the dashboard's own backups folder, write the answer."""
    request_id = request.name[: -len(REQUEST_SUFFIX)]
    if not _REQUEST_ID.match(request_id):
        request.unlink(missing_ok=True)
        return
    working = request.with_name(request_id + WORKING_SUFFIX)
    try:
        os.replace(request, working)  # claimed: the requester can no longer withdraw it
        asked = json.loads(working.read_text(encoding="utf-8"))
        deadline = float(asked["requested_at"]) + float(asked["wait_s"])
    except FileNotFoundError:
        return  # withdrawn by the requester
    except (OSError, ValueError, KeyError, TypeError):
        deadline = time.time() + REQUEST_WAIT_S
    # wait for a writer of this process only as long as the requester still listens (it then hears why)
    wait_s = max(0.0, min(deadline - time.time() - 2 * INBOX_POLL_S, db.WRITER_WAIT_S))
    answer: dict[str, object]
    try:
        if not db_path.exists():
            raise BackupError(f"数据库 {db_path} 尚未建立，没有可备份的内容。")
        con = connection_getter()
        with db.reading(con) as cur:
            if _db_file(cur) != db_path:
                raise BackupError(f"看板打开的数据库不是 {db_path}，未备份。")
        out = archive_path(db_path)
        manifest = backup(con, out, wait_s=wait_s)
        answer = {"ok": True, "archive": str(out), "manifest": json.loads(manifest.to_json())}
    except db.StoreError as exc:
        answer = {"ok": False, "error": str(exc)}
    except Exception as exc:  # the requester must hear of any failure, and the watcher must live on
        answer = {"ok": False, "error": f"看板备份时出错：{type(exc).__name__}: {exc}"}
    _write_json(working.with_name(request_id + DONE_SUFFIX), answer)
    working.unlink(missing_ok=True)
    _forget_old_answers(working.parent)


def _forget_old_answers(inbox: Path) -> None:
    """Remove answers nobody collected (the requester gave up waiting)."""
    cutoff = time.time() - DONE_KEEP_S
    for done in inbox.glob("*" + DONE_SUFFIX):
        try:
            if done.stat().st_mtime < cutoff:
                done.unlink()
        except OSError:
            pass


def request_backup(db_path: Path | str, out: Path | str | None = None, timeout_s: float = REQUEST_WAIT_S,
                   on_wait: db.Notify | None = None) -> Archive:
    """Ask the dashboard holding `db_path` for a backup through its inbox and wait for it (saying so); the archive
    is then moved to `out` when given. DatabaseBusy when no answer comes within timeout_s (the request is
    withdrawn), BackupError when the dashboard could not make it."""
    db_path = Path(db_path).resolve()
    inbox = db_path.parent / INBOX_DIR
    request_id = f"{_stamp()}-{os.getpid()}-{uuid.uuid4().hex[:8]}"
    request = inbox / (request_id + REQUEST_SUFFIX)
    done = inbox / (request_id + DONE_SUFFIX)
    try:
        inbox.mkdir(parents=True, exist_ok=True)
        _write_json(request, {"id": request_id, "pid": os.getpid(), "requested_at": time.time(),
                              "wait_s": timeout_s})
    except OSError as exc:
        raise BackupError(f"无法向看板发出备份请求（{inbox}）：{exc}") from exc
    if on_wait is not None:
        on_wait(ASKING.format(path=db_path, seconds=timeout_s))
    deadline = time.monotonic() + timeout_s
    while not done.exists():
        if time.monotonic() >= deadline:
            request.unlink(missing_ok=True)
            raise db.DatabaseBusy(NO_ANSWER.format(seconds=timeout_s, path=db_path))
        time.sleep(min(INBOX_POLL_S / 2, max(0.0, deadline - time.monotonic())))
    try:
        answer = json.loads(done.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise BackupError(f"看板的回复 {done} 无法读取：{exc}") from exc
    finally:
        done.unlink(missing_ok=True)
    if not isinstance(answer, dict) or not answer.get("ok"):
        raise BackupError(f"看板未能完成备份：{answer.get('error') if isinstance(answer, dict) else answer}")
    archive = Path(str(answer.get("archive")))
    if archive.parent != backups_dir(db_path) or not archive.is_file():
        raise BackupError(f"看板的回复指向 {archive}，不在其备份文件夹 {backups_dir(db_path)} 中，未采用。")
    manifest = Manifest.from_json(json.dumps(answer.get("manifest")), str(archive))
    if out is None:
        return Archive(archive, manifest)
    try:
        return Archive(_move(archive, Path(out)), manifest)
    except OSError as exc:
        raise BackupError(f"备份已生成在 {archive}，但无法移到 {out}：{exc}") from exc


def _move(archive: Path, out: Path) -> Path:
    """Move the archive to `out` (atomically at `out`: copied to a temporary name there, then renamed)."""
    with _temporary(out) as tmp:
        shutil.copyfile(archive, tmp)
        _fsync(tmp)
        os.replace(tmp, out)
    archive.unlink(missing_ok=True)
    return out
