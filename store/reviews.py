"""财政复核: a reviewer's score on a project, with the reason. The unit's own score, the recomputed score and the
reviewed score are all kept; the reviewed score counts in unit scores and rankings (v_project_scores.final_score).

Reviews are only ever added: a change is a new 复核 row, a withdrawal a 撤回 row, each with who, when and why,
each in the audit trail. A save names the review the reviewer saw (`seen`); when someone else has saved in
between, the save is refused with what they saved (optimistic concurrency: never a silent overwrite).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

import pandas as pd

from store import audit
from store.access import REVIEW, Units, Viewer, check_form, require
from store.db import Connection, StoreError, reading, writing

SET = "复核"
WITHDRAW = "撤回"
MAX_SCORE = Decimal(100)
MIN_REASON = 4  # characters: "偏高" is not a reason; "指标值未达成" is


class ReviewError(StoreError):
    """The review cannot be saved as asked (no reason, a score out of range, a project not current); nothing
    was stored. The message says what to change."""


class ReviewConflict(ReviewError):
    """Someone else saved a review of the project after the reviewer opened it; nothing was stored."""


@dataclass(frozen=True)
class Review:
    """One row of a project's review history."""

    review_id: int
    project_id: str
    form_id: int
    unit_code: str
    action: str  # 复核 | 撤回
    reviewed_score: Decimal | None
    reason: str
    reviewer: str
    reviewed_at: datetime
    follows: int | None

    def state(self) -> dict[str, object]:
        """What the audit trail keeps of it."""
        return {"review_id": self.review_id, "action": self.action, "reviewed_score": self.reviewed_score,
                "reason": self.reason, "reviewer": self.reviewer, "form_id": self.form_id}


COLUMNS = ("review_id, project_id, form_id, unit_code, action, reviewed_score, reason, reviewer, reviewed_at, "
           "follows")
LATEST_SQL = f"SELECT {COLUMNS} FROM reviews WHERE project_id = ? ORDER BY review_id DESC LIMIT 1"
FORM_SQL = "SELECT project_id, unit_code, unit_name, project_name, is_current, year FROM forms WHERE form_id = ?"
HISTORY_SQL = """
SELECT r.review_id, r.reviewed_at, r.reviewer, COALESCE(a.display_name, r.reviewer) AS reviewer_name, r.action,
       r.reviewed_score, r.reason, r.form_id, f.is_current AS on_current_form
FROM reviews r
JOIN forms f ON f.form_id = r.form_id
LEFT JOIN accounts a ON a.username = r.reviewer
WHERE r.project_id = $project_id AND ($all_units OR list_contains($units, r.unit_code))
ORDER BY r.review_id DESC
"""


def _one(cur: Connection, sql: str, params: list[object]) -> Any:
    """The first column of the one row the query returns."""
    row = cur.execute(sql, params).fetchone()
    if row is None:
        raise StoreError(f"查询没有返回结果：{sql[:60]}")
    return row[0]


def _review(row: tuple | None) -> Review | None:
    return None if row is None else Review(*row)


def latest(con: Connection, project_id: str) -> Review | None:
    """The project's newest review row (复核 or 撤回), whatever the form version; None when it has none."""
    with reading(con) as cur:
        return _review(cur.execute(LATEST_SQL, [project_id]).fetchone())


def history(con: Connection, project_id: str, units: Units = None) -> pd.DataFrame:
    """Every review of the project, newest first, with the reviewer's name (empty outside the viewer's scope)."""
    with reading(con) as cur:
        return cur.execute(HISTORY_SQL, {"project_id": project_id, "all_units": units is None,
                                         "units": list(units or [])}).df()


def _score(value: object) -> Decimal:
    try:
        score = Decimal(str(value)).quantize(Decimal("0.01"))
    except (InvalidOperation, ValueError) as exc:
        raise ReviewError(f"复核得分“{value}”不是数字，未保存。") from exc
    if not score.is_finite() or not Decimal(0) <= score <= MAX_SCORE:
        raise ReviewError(f"复核得分须在 0 到 {MAX_SCORE} 分之间（填写的是 {value}），未保存。")
    return score


def _reason(reason: str) -> str:
    text = (reason or "").strip()
    if len(text) < MIN_REASON:
        raise ReviewError(f"请填写复核理由（至少 {MIN_REASON} 个字），说明为什么调整得分；未保存。")
    return text


def _conflict_message(current: Review | None, who: str) -> str:
    if current is None:
        return "该项目的复核刚被撤回，与您打开时看到的不同；请刷新后再决定。未保存。"
    what = (f"改为 {current.reviewed_score} 分" if current.action == SET else "撤回了复核")
    return (f"您打开该项目后，{who} 已于 {current.reviewed_at:%Y-%m-%d %H:%M:%S} {what}"
            f"（理由：{current.reason}）。您的修改未保存，以免覆盖对方的复核；请刷新后再决定。")


def _save(con: Connection, viewer: Viewer, units: Units, form_id: int, action: str, score: Decimal | None,
          reason: str, seen: int | None) -> Review:
    """The one write: check role and unit, then, inside the writer's transaction, that the form is current and
    the project's latest review is the one the reviewer saw; insert the row and its audit entry together."""
    with reading(con) as cur:
        row = cur.execute(FORM_SQL, [form_id]).fetchone()
    if row is None or not check_form(con, viewer, units, form_id, how="财政复核"):
        raise ReviewError(f"自评表 {form_id} 不存在，未保存。")
    project_id, unit_code, unit_name, project_name, _, year = row
    target = f"{unit_name} · {project_name}"
    require(con, viewer, REVIEW, unit_code=unit_code, target=target, units=units, what=f"项目“{target}”")
    what = audit.REVIEW_SET if action == SET else audit.REVIEW_WITHDRAW
    try:
        return _insert(con, viewer, form_id, project_id, unit_code, year, target, what, action, score, reason, seen)
    except ReviewConflict as exc:  # nothing was stored; the attempt is kept, with what the reviewer was told
        audit.record_alone(con, audit.Entry(viewer.username, viewer.role, what, audit.FAILED, target=target,
                                            unit_code=unit_code, after={"reviewed_score": score, "reason": reason},
                                            detail=str(exc)))
        raise


def _insert(con: Connection, viewer: Viewer, form_id: int, project_id: str, unit_code: str, year: int, target: str,
            what: str, action: str, score: Decimal | None, reason: str, seen: int | None) -> Review:
    with writing(con) as cur:
        if not _one(cur, "SELECT is_current FROM forms WHERE form_id = ?", [form_id]):
            raise ReviewError(f"“{target}”已有新版本的自评表，这一版本不再有效；请打开新版本后复核。未保存。")
        before = _review(cur.execute(LATEST_SQL, [project_id]).fetchone())
        if (before.review_id if before else None) != seen:
            named = cur.execute("SELECT display_name FROM accounts WHERE username = ?",
                                [before.reviewer if before else ""]).fetchone()
            raise ReviewConflict(_conflict_message(before, named[0] if named else (before.reviewer if before else "")))
        if action == WITHDRAW and (before is None or before.action != SET or before.form_id != form_id):
            raise ReviewError("该项目当前没有复核得分，无需撤回。")
        review_id = int(_one(cur, "SELECT nextval('review_id_seq')", []))
        stored = Review(review_id, project_id, form_id, unit_code, action, score, reason, viewer.username,
                        datetime.now(), seen)
        cur.execute(f"INSERT INTO reviews (year, {COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    [year, stored.review_id, stored.project_id, stored.form_id, stored.unit_code, stored.action,
                     stored.reviewed_score, stored.reason, stored.reviewer, stored.reviewed_at, stored.follows])
        audit.record(cur, audit.Entry(viewer.username, viewer.role, what, audit.OK, target=target, unit_code=unit_code,
                                      before=before.state() if before else None, after=stored.state(),
                                      detail=reason))
    return stored


def set_score(con: Connection, viewer: Viewer, units: Units, form_id: int, score: object, reason: str,
              seen: int | None) -> Review:
    """Set (or change) the reviewed score of the project whose current form is `form_id`, with a reason.
    `seen`: the review_id of the latest review the reviewer was shown (None: none)."""
    return _save(con, viewer, units, form_id, SET, _score(score), _reason(reason), seen)


def withdraw(con: Connection, viewer: Viewer, units: Units, form_id: int, reason: str, seen: int | None) -> Review:
    """Withdraw the project's reviewed score (the recomputed score counts again), with a reason."""
    return _save(con, viewer, units, form_id, WITHDRAW, None, _reason(reason), seen)
