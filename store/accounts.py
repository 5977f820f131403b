"""Accounts: who may sign in, with which role and scope. Passwords are hashed with argon2 (argon2-cffi); sign-in
attempts are rate-limited per name and per client; every change and every sign-in lands in the audit trail.

Demo accounts (one per role) come with the sample data so the first start opens a working dashboard; creating
the first real account disables them in the same transaction.
"""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime

import duckdb
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from store import audit
from store.access import ACCOUNTS, ADMIN, BUDGET, ROLES, UNIT, Refused, Viewer, require
from store.db import Connection, StoreError, reading, writing

USERNAME = re.compile(r"^[a-z0-9][a-z0-9_.@-]{1,63}$")
MIN_PASSWORD_CHARS = 8
MAX_PASSWORD_CHARS = 256  # argon2 takes any length; a bound keeps a hostile post from costing memory
MAX_FAILURES = 5  # failed sign-ins per name, and per client, within FAILURE_WINDOW_S
FAILURE_WINDOW_S = 300
DEMO_PASSWORD = "demo"

_hasher = PasswordHasher()
_DUMMY_HASH = _hasher.hash("not a password")  # verified against when the name is unknown: same time either way


class AccountError(StoreError):
    """An account change the store refuses because of its input (a taken name, a short password …)."""


class SignInError(StoreError):
    """A sign-in that did not succeed; the message never says whether the name exists."""


@dataclass(frozen=True)
class Account:
    """An account as the admin page lists it (never the hash)."""

    username: str
    display_name: str
    role: str
    units: tuple[str, ...]
    departments: tuple[str, ...]
    has_password: bool
    sso_identity: str | None
    is_demo: bool
    active: bool
    created_at: datetime
    updated_at: datetime

    def viewer(self) -> Viewer:
        """The signed-in person this account makes."""
        return Viewer(username=self.username, display_name=self.display_name, role=self.role, units=self.units,
                      departments=self.departments, is_demo=self.is_demo)

    def state(self) -> dict[str, object]:
        """What the audit trail records before and after a change (never the hash)."""
        return {"账户": self.username, "姓名": self.display_name, "角色": self.role, "单位": list(self.units),
                "主管部门": list(self.departments), "有密码": self.has_password, "单点登录身份": self.sso_identity,
                "演示": self.is_demo, "启用": self.active}


COLUMNS = ("username, display_name, role, units, departments, password_hash IS NOT NULL, sso_identity, is_demo, "
           "active, created_at, updated_at")


def _account(row: tuple) -> Account:
    name, display, role, units, departments, has_password, sso, demo, active, created, updated = row
    return Account(name, display, role, tuple(units), tuple(departments), bool(has_password), sso, bool(demo),
                   bool(active), created, updated)


def list_accounts(con: Connection) -> list[Account]:
    """Every account, real ones first, by name."""
    with reading(con) as cur:
        rows = cur.execute(f"SELECT {COLUMNS} FROM accounts ORDER BY is_demo, username").fetchall()
    return [_account(r) for r in rows]


def _get(cur: duckdb.DuckDBPyConnection, username: str) -> Account | None:
    row = cur.execute(f"SELECT {COLUMNS} FROM accounts WHERE username = ?", [username]).fetchone()
    return _account(row) if row else None


def get(con: Connection, username: str) -> Account | None:
    """One account by name."""
    with reading(con) as cur:
        return _get(cur, normalise(username))


def normalise(username: str) -> str:
    """Names are compared without surrounding spaces and case."""
    return username.strip().lower()


def demo_accounts_active(con: Connection) -> list[Account]:
    """The demo accounts that can still sign in."""
    return [a for a in list_accounts(con) if a.is_demo and a.active]


def has_real_accounts(con: Connection) -> bool:
    """True once an account other than the demo ones exists."""
    with reading(con) as cur:
        row = cur.execute("SELECT count(*) FROM accounts WHERE NOT is_demo").fetchone()
    return bool(row and row[0])


# ---- checks of input ----------------------------------------------------------------------------------------


def _check_password(password: str) -> None:
    if len(password) < MIN_PASSWORD_CHARS:
        raise AccountError(f"密码至少 {MIN_PASSWORD_CHARS} 个字符。")
    if len(password) > MAX_PASSWORD_CHARS:
        raise AccountError(f"密码最多 {MAX_PASSWORD_CHARS} 个字符。")
    if password.isdigit() or password.isalpha():
        raise AccountError("密码不能只有数字或只有字母，请混合使用字母、数字或符号。")


def _check_scope(role: str, units: Sequence[str], departments: Sequence[str]) -> None:
    if role not in ROLES:
        raise AccountError(f"角色“{role}”不存在，可选：{'、'.join(ROLES)}。")
    if role == UNIT and not units:
        raise AccountError("“单位”角色的账户须指定所属单位（单位编码）。")
    if role == BUDGET and not departments:
        raise AccountError("“预算股室”角色的账户须指定分管的主管部门。")


def _clean(values: Sequence[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(v.strip() for v in values if v and v.strip()))


def _for_role(role: str, units: Sequence[str], departments: Sequence[str]) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(units, departments) as the role uses them: units only for 单位, departments only for 预算股室."""
    return (_clean(units) if role == UNIT else ()), (_clean(departments) if role == BUDGET else ())


# ---- changes (each one audited in its own transaction) -----------------------------------------------------


def create(con: Connection, actor: Viewer, username: str, display_name: str, role: str, password: str | None = None,
           units: Sequence[str] = (), departments: Sequence[str] = (), sso_identity: str | None = None) -> Account:
    """A new account. The first real one disables the demo accounts (in the same transaction)."""
    name = normalise(username)
    require(con, actor, ACCOUNTS, target=name)
    if not USERNAME.match(name):
        raise AccountError("账户名须为 2–64 个小写字母、数字或 _ . @ -，且以字母或数字开头。")
    if not display_name.strip():
        raise AccountError("请填写姓名。")
    units, departments = _for_role(role, units, departments)
    _check_scope(role, units, departments)
    if password is None and not (sso_identity and sso_identity.strip()):
        raise AccountError("请设置密码，或填写单点登录身份（仅通过单点登录进入的账户）。")
    if password is not None:
        _check_password(password)
    hashed = _hasher.hash(password) if password is not None else None
    now = datetime.now()
    with writing(con) as cur:
        if _get(cur, name) is not None:
            raise AccountError(f"账户“{name}”已存在。")
        if cur.execute("SELECT count(*) FROM accounts WHERE NOT is_demo").fetchone() == (0,) and role != ADMIN:
            raise AccountError(f"第一个正式账户须为“{ADMIN}”角色，以便由它管理其他账户。")
        cur.execute("INSERT INTO accounts (username, display_name, role, units, departments, password_hash, "
                    "sso_identity, is_demo, active, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, false, true, ?, ?)",
                    [name, display_name.strip(), role, list(units), list(departments), hashed,
                     (sso_identity or "").strip() or None, now, now])
        account = _existing(cur, name)
        audit.record(cur, audit.Entry(actor.username, actor.role, audit.ACCOUNT_CREATE, audit.OK, target=name,
                                      after=account.state()))
        demos = cur.execute("UPDATE accounts SET active = false, updated_at = ? WHERE is_demo AND active "
                            "RETURNING username", [now]).fetchall()
        if demos:
            audit.record(cur, audit.Entry(actor.username, actor.role, audit.DEMO_DISABLE, audit.OK,
                                          target="、".join(sorted(r[0] for r in demos)),
                                          detail="已创建正式账户，演示账户自动停用"))
    return account


def update(con: Connection, actor: Viewer, username: str, *, display_name: str | None = None, role: str | None = None,
           units: Sequence[str] | None = None, departments: Sequence[str] | None = None,
           sso_identity: str | None = None) -> Account:
    """Change an account's name, role or scope; the trail keeps before and after."""
    name = normalise(username)
    require(con, actor, ACCOUNTS, target=name)
    with writing(con) as cur:
        before = _existing(cur, name)
        new_role = role or before.role
        new_units, new_departments = _for_role(new_role, before.units if units is None else units,
                                               before.departments if departments is None else departments)
        after = replace(before,
                        display_name=display_name.strip() if display_name and display_name.strip() else before.display_name,
                        role=new_role, units=new_units, departments=new_departments,
                        sso_identity=(sso_identity.strip() or None) if sso_identity is not None else before.sso_identity)
        _check_scope(after.role, after.units, after.departments)
        if before.role == ADMIN and after.role != ADMIN:
            _keep_an_admin(cur, name)
        cur.execute("UPDATE accounts SET display_name = ?, role = ?, units = ?, departments = ?, sso_identity = ?, "
                    "updated_at = ? WHERE username = ?",
                    [after.display_name, after.role, list(after.units), list(after.departments), after.sso_identity,
                     datetime.now(), name])
        stored = _existing(cur, name)
        audit.record(cur, audit.Entry(actor.username, actor.role, audit.ACCOUNT_CHANGE, audit.OK, target=name,
                                      before=before.state(), after=stored.state()))
    return stored


def set_password(con: Connection, actor: Viewer, username: str, new_password: str,
                 old_password: str | None = None) -> None:
    """Set a password: 绩效办 for anyone; every person for itself, with its current password."""
    name = normalise(username)
    own = name == actor.username
    if not own:
        require(con, actor, ACCOUNTS, target=name)
    _check_password(new_password)
    with writing(con) as cur:
        account = _existing(cur, name)
        if own:
            if account.is_demo:
                raise AccountError("演示账户的密码不能修改。")
            row = cur.execute("SELECT password_hash FROM accounts WHERE username = ?", [name]).fetchone()
            if not row or not row[0] or not _verify(row[0], old_password or ""):
                raise AccountError("当前密码不正确，密码未修改。")
        cur.execute("UPDATE accounts SET password_hash = ?, updated_at = ? WHERE username = ?",
                    [_hasher.hash(new_password), datetime.now(), name])
        audit.record(cur, audit.Entry(actor.username, actor.role, audit.ACCOUNT_PASSWORD, audit.OK, target=name,
                                      detail="本人修改" if own else "绩效办重设"))


def set_active(con: Connection, actor: Viewer, username: str, active: bool) -> Account:
    """Disable or enable an account. Nobody disables itself, and the last active 绩效办 stays."""
    name = normalise(username)
    require(con, actor, ACCOUNTS, target=name)
    if name == actor.username and not active:
        raise AccountError("不能停用自己正在使用的账户。")
    with writing(con) as cur:
        before = _existing(cur, name)
        if before.role == ADMIN and not active:
            _keep_an_admin(cur, name)
        cur.execute("UPDATE accounts SET active = ?, updated_at = ? WHERE username = ?", [active, datetime.now(), name])
        after = _existing(cur, name)
        audit.record(cur, audit.Entry(actor.username, actor.role, audit.ACCOUNT_ENABLE if active else audit.ACCOUNT_DISABLE,
                                      audit.OK, target=name, before=before.state(), after=after.state()))
    return after


def _existing(cur: duckdb.DuckDBPyConnection, name: str) -> Account:
    account = _get(cur, name)
    if account is None:
        raise AccountError(f"账户“{name}”不存在。")
    return account


def _keep_an_admin(cur: duckdb.DuckDBPyConnection, name: str) -> None:
    row = cur.execute("SELECT count(*) FROM accounts WHERE role = ? AND active AND username <> ? AND NOT is_demo",
                      [ADMIN, name]).fetchone()
    if not row or not row[0]:
        raise AccountError("这是最后一个启用的绩效办账户：请先创建或启用另一个绩效办账户。")


# ---- demo accounts --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Demo:
    """A demo account of the sample data."""

    username: str
    display_name: str
    role: str
    units: tuple[str, ...] = ()
    departments: tuple[str, ...] = ()


def ensure_demo_accounts(con: Connection, demos: Sequence[Demo]) -> int:
    """Create the demo accounts (password `demo`) unless a real account exists or they are there already;
    returns how many were created."""
    now = datetime.now()
    hashed = _hasher.hash(DEMO_PASSWORD)
    with writing(con) as cur:
        if cur.execute("SELECT count(*) FROM accounts").fetchone() != (0,):
            return 0
        for d in demos:
            cur.execute("INSERT INTO accounts (username, display_name, role, units, departments, password_hash, "
                        "sso_identity, is_demo, active, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, NULL, true, "
                        "true, ?, ?)", [d.username, d.display_name, d.role, list(d.units), list(d.departments), hashed,
                                        now, now])
        audit.record(cur, audit.Entry("系统", None, audit.DEMO_CREATE, audit.OK,
                                      target="、".join(d.username for d in demos),
                                      detail=f"示例数据的演示账户，密码均为 {DEMO_PASSWORD}"))
    return len(demos)


# ---- sign-in ----------------------------------------------------------------------------------------------------


class Limiter:
    """Failed sign-ins per key (a name, a client address) within a sliding window, in this process."""

    def __init__(self, max_failures: int = MAX_FAILURES, window_s: float = FAILURE_WINDOW_S,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.max_failures, self.window_s, self.clock = max_failures, window_s, clock
        self._failures: dict[str, list[float]] = {}
        self._lock = threading.Lock()

    def _recent(self, key: str, now: float) -> list[float]:
        kept = [t for t in self._failures.get(key, []) if now - t < self.window_s]
        self._failures[key] = kept
        return kept

    def wait_s(self, keys: Sequence[str]) -> float:
        """Seconds until another attempt is allowed for every key (0: allowed now)."""
        now = self.clock()
        with self._lock:
            waits = [self.window_s - (now - recent[0]) for key in keys
                     if len(recent := self._recent(key, now)) >= self.max_failures]
        return max(waits, default=0.0)

    def failed(self, keys: Sequence[str]) -> None:
        """Count a failure against every key."""
        now = self.clock()
        with self._lock:
            for key in keys:
                self._recent(key, now).append(now)

    def succeeded(self, key: str) -> None:
        """A correct password clears the name's failures (not the client's)."""
        with self._lock:
            self._failures.pop(key, None)


LIMITER = Limiter()
WRONG = "账户名或密码不正确。"
TOO_MANY = "登录失败次数过多，请 {minutes} 分钟后再试。"
DISABLED = "该账户已停用，请联系绩效办。"


def _verify(hashed: str, password: str) -> bool:
    try:
        return _hasher.verify(hashed, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def sign_in(con: Connection, username: str, password: str, client: str = "", limiter: Limiter = LIMITER) -> Viewer:
    """The viewer for a correct name and password; SignInError otherwise. Audited either way."""
    name = normalise(username)[:64]
    keys = [f"name:{name}"] + ([f"client:{client}"] if client else [])
    wait = limiter.wait_s(keys)
    if wait > 0:
        message = TOO_MANY.format(minutes=max(1, round(wait / 60)))
        _audit_failure(con, name, message, client)
        raise SignInError(message)
    password = password[:MAX_PASSWORD_CHARS]
    with reading(con) as cur:
        row = cur.execute("SELECT password_hash, active FROM accounts WHERE username = ?", [name]).fetchone()
    hashed, active = row if row else (None, False)
    if not _verify(hashed or _DUMMY_HASH, password) or hashed is None:
        limiter.failed(keys)
        _audit_failure(con, name, WRONG, client)
        raise SignInError(WRONG)
    if not active:
        _audit_failure(con, name, DISABLED, client)
        raise SignInError(DISABLED)
    limiter.succeeded(keys[0])
    account = get(con, name)
    if account is None:  # removed between the check and now
        raise SignInError(WRONG)
    viewer = account.viewer()
    audit.record_alone(con, audit.Entry(viewer.username, viewer.role, audit.SIGN_IN, audit.OK,
                                        detail=_how("密码", client)))
    return viewer


def identify(con: Connection, identity: str, how: str, client: str = "") -> Viewer:
    """The viewer for an identity vouched for by single sign-on (a proxy header, an OIDC login): the active
    account whose sso_identity or name it is; SignInError (audited) otherwise."""
    wanted = identity.strip()
    with reading(con) as cur:
        row = cur.execute("SELECT username FROM accounts WHERE NOT is_demo AND (lower(sso_identity) = lower(?) "
                          "OR username = ?) ORDER BY sso_identity IS NULL LIMIT 1", [wanted, normalise(wanted)]).fetchone()
    account = get(con, row[0]) if row else None
    if account is None or not account.active:
        message = (f"单点登录身份“{wanted}”没有对应的启用账户，请联系绩效办开通。" if account is None else DISABLED)
        _audit_failure(con, wanted[:64], message, client, how)
        raise SignInError(message)
    viewer = account.viewer()
    audit.record_alone(con, audit.Entry(viewer.username, viewer.role, audit.SIGN_IN, audit.OK, detail=_how(how, client)))
    return viewer


def current(con: Connection, viewer: Viewer) -> Viewer | None:
    """The viewer as the account stands now (a role or scope changed since sign-in), None when it was
    disabled or removed: every page run asks, so a change takes effect at once."""
    account = get(con, viewer.username)
    if account is None or not account.active:
        return None
    return account.viewer()


def sign_out(con: Connection, viewer: Viewer) -> None:
    """Record that the person signed out."""
    audit.record_alone(con, audit.Entry(viewer.username, viewer.role, audit.SIGN_OUT, audit.OK))


def _how(how: str, client: str) -> str:
    return f"{how}；来自 {client}" if client else how


def _audit_failure(con: Connection, name: str, message: str, client: str, how: str = "密码") -> None:
    audit.record_alone(con, audit.Entry(name or "（空）", None, audit.SIGN_IN_FAILED, audit.REFUSED,
                                        detail=f"{message}（{_how(how, client)}）"))


__all__ = ["Account", "AccountError", "Demo", "Limiter", "Refused", "SignInError", "Viewer"]
