"""The audit trail: every write and every refused attempt, with who, when, what, and the state before and after.

Append-only at the store's boundary: this module inserts rows and reads them, and nothing in the program
updates or deletes them (a test checks every SQL text). Each row carries the sha256 of the row before it and
of itself, so `verify` finds a row changed or removed behind the program's back. A write records its entry
with `record` on the cursor of its own transaction, so the entry and the change land together or not at all.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal

import duckdb
import pandas as pd
import pyarrow as pa

from store.db import Connection, reading, writing

OK = "成功"
REFUSED = "拒绝"
FAILED = "失败"
OUTCOMES = (OK, REFUSED, FAILED)

# What was done, as the audit page lists it.
SIGN_IN = "登录"
SIGN_IN_FAILED = "登录失败"
SIGN_OUT = "退出登录"
VIEW = "查看"
IMPORT = "导入自评表"
IMPORT_PLAN = "导入自评项目清单"
RESCORE = "重新评分"
ACCOUNT_CREATE = "创建账户"
ACCOUNT_CHANGE = "修改账户"
ACCOUNT_PASSWORD = "修改密码"
ACCOUNT_DISABLE = "停用账户"
ACCOUNT_ENABLE = "启用账户"
DEMO_DISABLE = "停用演示账户"
DEMO_CREATE = "创建演示账户"
BACKUP = "备份"
RESTORE = "恢复备份"
REVIEW_SET = "财政复核"
REVIEW_WITHDRAW = "撤回复核"
ATTACH = "上传自评报告"

EVAL_CREATE = "创建评价"
EVAL_IMPORT = "导入专家评分表"
EVAL_ENTER = "录入专家评分"
EVAL_RUBRIC = "选择评价指标体系"
DEADLINE_SET = "设置报送时限"
REQUESTS = "下年预算申报"
CUT_SAVE = "保存压减方案"
CUT_ADOPT = "采纳压减方案"

GENESIS = "0" * 64  # the prev_hash of the first row

Json = Mapping[str, object] | None


@dataclass(frozen=True)
class Entry:
    """One audit row as recorded."""

    actor: str
    role: str | None
    action: str
    outcome: str
    target: str | None = None
    unit_code: str | None = None
    before: Json = None
    after: Json = None
    detail: str | None = None


def _json(value: Json) -> str | None:
    """Canonical JSON (sorted keys, Chinese kept readable); Decimals and dates as text."""
    if value is None:
        return None

    def default(obj: object) -> str:
        if isinstance(obj, (Decimal, datetime, date)):
            return str(obj)
        if isinstance(obj, (set, frozenset, tuple)):
            return json.dumps(sorted(obj) if isinstance(obj, (set, frozenset)) else list(obj), ensure_ascii=False)
        raise TypeError(f"audit: cannot record {type(obj).__name__}")

    return json.dumps(value, ensure_ascii=False, sort_keys=True, default=default)


def _digest(prev_hash: str, audit_id: int, at: datetime, fields: tuple[str | None, ...]) -> str:
    """The row's hash: over the previous hash, its id, time and every field (None kept apart from '')."""
    text = json.dumps([prev_hash, audit_id, at.isoformat(timespec="microseconds"), *fields], ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


COLUMNS = ("audit_id", "happened_at", "actor", "role", "action", "outcome", "target", "unit_code", "before_state",
           "after_state", "detail", "prev_hash", "row_hash")


def record(cur: duckdb.DuckDBPyConnection, entry: Entry) -> int:
    """Append one entry inside the caller's transaction; returns its id."""
    return record_many(cur, [entry])[0]


def record_many(cur: duckdb.DuckDBPyConnection, entries: Sequence[Entry]) -> list[int]:
    """Append entries in order inside the caller's transaction (one insert); returns their ids."""
    if not entries:
        return []
    for entry in entries:
        if entry.outcome not in OUTCOMES:
            raise ValueError(f"audit outcome {entry.outcome!r} is not one of {OUTCOMES}")
    row = cur.execute("SELECT row_hash FROM audit_log ORDER BY audit_id DESC LIMIT 1").fetchone()
    prev_hash = row[0] if row else GENESIS
    ids = [int(r[0]) for r in cur.execute("SELECT nextval('audit_id_seq') FROM range(?)", [len(entries)]).fetchall()]
    at = datetime.now()
    rows: list[tuple[object, ...]] = []
    for audit_id, entry in zip(ids, entries, strict=True):
        fields = (entry.actor, entry.role, entry.action, entry.outcome, entry.target, entry.unit_code,
                  _json(entry.before), _json(entry.after), entry.detail)
        row_hash = _digest(prev_hash, audit_id, at, fields)
        rows.append((audit_id, at, *fields, prev_hash, row_hash))
        prev_hash = row_hash
    frame = pa.table({name: pa.array([r[i] for r in rows]) for i, name in enumerate(COLUMNS)})
    cur.register("new_audit_rows", frame)
    try:
        cur.execute("INSERT INTO audit_log BY NAME SELECT * FROM new_audit_rows")
    finally:
        cur.unregister("new_audit_rows")
    return ids


def record_alone(con: Connection, entry: Entry) -> int:
    """Append one entry in a transaction of its own (a sign-in, a refusal: nothing else is written)."""
    with writing(con) as cur:
        return record(cur, entry)


@dataclass(frozen=True)
class Filter:
    """What the audit page asks for; empty means any."""

    since: date | None = None
    until: date | None = None  # inclusive
    actors: tuple[str, ...] = ()
    actions: tuple[str, ...] = ()
    outcomes: tuple[str, ...] = ()
    text: str = ""


LIST_SQL = """
SELECT audit_id, happened_at, actor, role, action, outcome, target, unit_code, before_state, after_state, detail
FROM audit_log
WHERE ($only_actor IS NULL OR actor = $only_actor)
  AND ($since IS NULL OR happened_at >= $since) AND ($until IS NULL OR happened_at < $until)
  AND (len($actors) = 0 OR list_contains($actors, actor))
  AND (len($actions) = 0 OR list_contains($actions, action))
  AND (len($outcomes) = 0 OR list_contains($outcomes, outcome))
  AND ($text = '' OR contains(concat_ws(' ', actor, action, target, unit_code, before_state, after_state, detail), $text))
ORDER BY audit_id DESC
LIMIT $limit
"""


def entries(con: Connection, where: Filter, only_actor: str | None = None, limit: int = 100_000) -> pd.DataFrame:
    """Audit rows matching the filter, newest first; `only_actor` limits them to one person's own entries."""
    params = {
        "only_actor": only_actor, "since": where.since,
        "until": where.until + timedelta(days=1) if where.until else None,
        "actors": list(where.actors), "actions": list(where.actions), "outcomes": list(where.outcomes),
        "text": where.text.strip(), "limit": limit,
    }
    with reading(con) as cur:
        return cur.execute(LIST_SQL, params).df()


def choices(con: Connection, only_actor: str | None = None) -> tuple[list[str], list[str]]:
    """(actors, actions) present in the trail, for the page's filters."""
    with reading(con) as cur:
        actors = cur.execute("SELECT DISTINCT actor FROM audit_log WHERE $a IS NULL OR actor = $a ORDER BY 1",
                             {"a": only_actor}).fetchall()
        actions = cur.execute("SELECT DISTINCT action FROM audit_log WHERE $a IS NULL OR actor = $a ORDER BY 1",
                              {"a": only_actor}).fetchall()
    return [r[0] for r in actors], [r[0] for r in actions]


@dataclass(frozen=True)
class Verdict:
    """The chain check: how many rows, and the first one that does not match (None when all do)."""

    rows: int
    broken_at: int | None


def verify(con: Connection) -> Verdict:
    """Walk the chain in id order and recompute every hash."""
    prev = GENESIS
    count = 0
    with reading(con) as cur:
        rows = cur.execute(f"SELECT {', '.join(COLUMNS)} FROM audit_log ORDER BY audit_id").fetchall()
    for audit_id, at, *fields, prev_hash, row_hash in rows:
        count += 1
        if prev_hash != prev or _digest(prev, int(audit_id), at, tuple(fields)) != row_hash:
            return Verdict(count, int(audit_id))
        prev = row_hash
    return Verdict(count, None)
