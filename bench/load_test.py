"""Load test (issue 7, "Many users at once"): N sessions (default 16) in one headless Chromium against a real
`streamlit run dashboard.py` on 127.0.0.1, each signed in through the real form with its own account, at the
same time: readers and a 预算股室 browse and filter, two units upload a new form at the same moment, two 绩效办
change the same account at the same moment, the admin filters the audit trail. Afterwards, with the server
stopped, the database must hold exactly what those sessions did, and page times are reported.

    python bench/load_test.py [--sessions 16] [--runs 1] [--db SAMPLE.duckdb] [--timeout 300] [--full-walks]
                              [--write] [--note TEXT]

Preparation: a private copy of a sample database (built with `python -m etl sample --db …` when none is
given), then real accounts made with `python -m etl users … add … --password-stdin` — the first (the 绩效办
admin) as a separate process, the rest through the same CLI entry point (`etl.cli.main`) in this process (a
process each would cost ~2 s per account). Making real accounts disables the demo accounts.

The cast, for N sessions: 1 绩效办 admin (操作记录, then a filter); 2 绩效办 per concurrent edit in `EDITS`;
2 单位 accounts of different units (`UPLOADS`); 1 预算股室 (项目得分 → a filter → another project's detail →
操作记录); 只读 readers for the rest, by turns 项目得分 → filter → detail, 项目得分 → filter, or 操作记录
(`READER_WALKS`; every reader does the 预算股室's walk with --full-walks). Filters go by turns too: 等级, 疑点,
the text filter.

Every session first opens the dashboard (at most `OPENING` at a time: a fresh browser context booting
Streamlit's frontend costs Chromium 2–4 CPU seconds, and 16 at once on 2 cores cost half again in contention,
which no server sees), fills the sign-in form, waits for all the others, and then all press 登录 at the same
moment; from there on every session runs its walk without waiting, except the pairs that meet to submit
together (the two imports, each concurrent edit).

Step time ("page time"), precisely: from the moment the step's action is issued (the navigation-link click, the
widget click, Enter in a text box, the submit click; for the first step `page.goto`) until, in this order, (1)
the step's expected element is visible — something that cannot be on the page before the step's script run
draws it (the new page's title or form, a caption with a different count, the success message, the chosen
project's heading) — and then (2) Streamlit is idle: the `stApp` element says `data-test-script-state=notRunning`
and `data-test-connection-state=CONNECTED` (the `stStatusWidget` running indicator is gone). Plotly's drawing
inside the browser after the script has finished is not included. Percentiles: p50 is the median; p95 the
nearest-rank 95th percentile (the smallest time ≥ 95 % of the times); "overall" pools every step of every
session. The browsers run on the server's machine: the report gives the CPU seconds of the server and of
Chromium while the sessions ran, to tell the server's share of a page time from the browsers'.

Checks: no Streamlit exception element (`stException`) and no "Traceback" on any page, no error alert
(`st.error`) that the step does not expect, no JavaScript page error, no traceback in the server's log; then,
in the database after the server stopped: forms = before + 2; the year's `v_project_scores` count = before + 2 and
Σ 全年预算数 = before + the two forms' budgets; each new project exists once with its own unit; the audit
entries written during the run are exactly one 登录 per session, one 导入自评表 per uploading unit and the
entries each concurrent edit expects (nothing refused, nothing failed); every account other than an edit's
target is unchanged; `store.audit.verify` passes.

Concurrent edits are objects in `EDITS` (`AccountRename`, `ReviewEdit`): each says which role its two sessions
have, how a session walks to the edit, how it submits, which audit entries it expects and how to check the
database afterwards.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import io
import json
import math
import os
import platform
import re
import secrets
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections import Counter
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Protocol

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from present import strings as s  # noqa: E402
from store import accounts, audit, db  # noqa: E402
from store.access import ADMIN, BUDGET, READER, UNIT  # noqa: E402

RESULTS = ROOT / "bench" / "RESULTS.md"
SECTION_START = "<!-- load-test: written by bench/load_test.py --write; the rest of the file is kept -->"
SECTION_END = "<!-- /load-test -->"

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"]
VIEWPORT = {"width": 1400, "height": 900}
DEFAULT_SESSIONS = 16
TIMEOUT_S = 300  # the whole run: preparation, server, sessions, checks
STEP_TIMEOUT_MS = 180_000  # any single Playwright wait: a liveness bound, not a speed target (2 shared cores, 16 Chromium tabs)
SERVER_START_S = 60
SERVER_STOP_S = 20
CLI_TIMEOUT_S = 120
YEAR = 2015  # the sample year, which the uploaded forms belong to
POLL_MS = 50
# Sessions opening the dashboard at the same time. The first load of the page (Streamlit's frontend booting in a
# fresh browser context) costs Chromium 2–4 CPU seconds; 16 at once on 2 cores cost half as much again in
# contention (measured 125 against 78 CPU seconds), time no server sees. So sessions open 4 at a time, then all
# sign in at the same moment and go on together.
OPENING = 4
SIGN_IN = "sign-in"  # the barrier every session meets before pressing 登录
OPEN_ATTEMPTS = 6  # tries to open a dropdown (not timed)
OPEN_WAIT_MS = 10_000  # wait for its options after each

IDLE_JS = """() => {
  const app = document.querySelector('[data-testid="stApp"]');
  return !!app && app.getAttribute('data-test-script-state') === 'notRunning'
      && app.getAttribute('data-test-connection-state') === 'CONNECTED';
}"""


try:
    from playwright.async_api import TimeoutError as PlaywrightTimeout
except ImportError:  # the report and the checks work without Playwright; a run needs it
    PlaywrightTimeout = TimeoutError  # type: ignore[misc,assignment]


class LoadTestError(Exception):
    """The load test could not run (preparation, server start) or ran out of time."""


# ---- the cast -------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Person:
    """An account made for the run, and the walk its session does ('' = no session: an edit's target)."""

    username: str
    name: str
    role: str
    walk: str = ""
    units: tuple[str, ...] = ()
    departments: tuple[str, ...] = ()


@dataclass(frozen=True)
class Upload:
    """A new form one unit uploads during the run (built with tests.conftest.form_bytes). The project name has no
    punctuation: the importer NFKC-normalises text (a full-width colon would be stored as ':')."""

    unit_code: str
    unit_name: str
    project: str
    budget: Decimal  # 全年预算数, 万元

    @property
    def username(self) -> str:
        return f"lt_unit_{self.unit_code}"

    @property
    def file_name(self) -> str:
        return f"{self.unit_code}_{self.project}.xlsx"

    def workbook(self) -> bytes:
        """The form: 86 % executed, 8.6 of 10 for execution, the usual indicators."""
        from tests.conftest import form_bytes  # test helpers: needs openpyxl, only when a run starts

        executed = float(self.budget) * 0.86
        return form_bytes(sheet=self.project[:31], project=self.project, department=self.unit_name,
                          unit=f"{self.unit_code}-{self.unit_name}", total=(float(self.budget), float(self.budget),
                                                                            executed, 10, "86%", 8.6),
                          appropriation=(float(self.budget), float(self.budget), executed))


UPLOADS = (
    Upload("214001", "区市容环卫局", "负载测试背街小巷夜间保洁", Decimal(100)),
    Upload("221001", "区卫生局", "负载测试社区卫生服务站设备更新", Decimal(120)),
)
BUDGET_DEPARTMENTS = ("区教育局", "区卫生局")
FILTERS = ("grade", "flag", "text")  # sessions that filter take them by turns
FULL_WALK = ("projects", "filter", "detail", "audit")  # the 预算股室's walk (every reader's with --full-walks)
# Readers take these by turns: 16 Chromium pages and the server share 2 cores, and the full walk for every reader
# made a run take ~150 s; shorter walks keep every kind of step measured by several sessions.
READER_WALKS = (("projects", "filter", "detail"), ("projects", "filter"), ("audit",))
GRADE_PICK = "良"
TEXT_PICK = "小学"


# ---- one browser session --------------------------------------------------------------------------------------


@dataclass
class Run:
    """What every session of one run shares: the server, passwords, barriers, the times and the errors."""

    url: str
    passwords: dict[str, str]
    barriers: dict[str, asyncio.Barrier]
    shots: Path
    times: dict[str, list[float]] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)
    server_pid: int = 0
    browser_cpu_s: float = 0.0  # Chromium and Playwright's driver, while the sessions ran
    opening: asyncio.Semaphore = field(default_factory=lambda: asyncio.Semaphore(OPENING))
    started: float = field(default_factory=time.perf_counter)
    timeline: list[tuple[str, str, float, float]] = field(default_factory=list)  # session, step, start s, seconds


class Session:
    """One signed-in person in its own browser context."""

    def __init__(self, page, person: Person, run: Run) -> None:  # page: playwright.async_api.Page
        self.page, self.person, self.run = page, person, run
        self.step = "start"
        self.step_started = time.perf_counter()
        self._option = page.get_by_role("option").first
        self._pick: tuple = ()
        self._multi = False
        page.on("pageerror", lambda exc: run.errors.append(f"{person.username} [{self.step}] JavaScript: {exc}"))

    # -- locating things by the strings of present/strings.py

    def nav(self, label: str):
        return self.page.locator('[data-testid="stSidebarNav"]').get_by_text(label, exact=True)

    def widget(self, testid: str, label: str):
        exact = re.compile(f"^{re.escape(label)}$")
        return self.page.locator(f'[data-testid="{testid}"]').filter(
            has=self.page.locator('[data-testid="stWidgetLabel"]', has_text=exact))

    def heading(self, text: str):
        return self.page.locator('[data-testid="stHeading"]').filter(has_text=text)

    def alert(self, kind: str, text: str):
        return self.page.locator(f'[data-testid="stAlertContent{kind}"]').filter(has_text=text)

    def caption(self, text: str | re.Pattern[str]):
        return self.page.locator('[data-testid="stCaptionContainer"]').filter(has_text=text)

    # -- timing

    def doing(self, step: str) -> None:
        """Name what the session does now (errors say it, with the seconds since)."""
        self.step, self.step_started = step, time.perf_counter()

    async def idle(self) -> None:
        await self.page.wait_for_function(IDLE_JS, polling=POLL_MS, timeout=STEP_TIMEOUT_MS)

    async def timed(self, step: str, action: Callable[[], Awaitable[object]], ready,
                    allowed_errors: Sequence[str] = ()) -> float:
        """Do the action, wait until `ready` (a locator, or an async callable) holds and Streamlit is idle; record the
        time under `step`, then look for exceptions and unexpected error alerts."""
        self.doing(step)
        started = self.step_started
        await action()
        if callable(ready):
            await ready()
        else:
            await ready.first.wait_for(state="visible", timeout=STEP_TIMEOUT_MS)
        await self.idle()
        elapsed = time.perf_counter() - started
        self.run.times.setdefault(step, []).append(elapsed)
        self.run.timeline.append((self.person.username, step, started - self.run.started, elapsed))
        await self.check(allowed_errors)
        return elapsed

    async def check(self, allowed_errors: Sequence[str] = ()) -> None:
        """No exception element, no traceback, no error alert other than the allowed ones."""
        where = f"{self.person.username} [{self.step}]"
        if await self.page.locator('[data-testid="stException"]').count():
            text = await self.page.locator('[data-testid="stException"]').first.inner_text()
            self.run.errors.append(f"{where} exception on the page: {text[:500]}")
        main = await self.page.locator('[data-testid="stMain"]').inner_text()
        if "Traceback" in main:
            self.run.errors.append(f"{where} 'Traceback' on the page")
        for text in await self.page.locator('[data-testid="stAlertContentError"]').all_inner_texts():
            if not any(a in text for a in allowed_errors):
                self.run.errors.append(f"{where} error shown: {text[:300]}")

    # -- common steps

    async def sign_in(self) -> None:
        """Open the dashboard (at most `Run.opening` sessions at a time), fill the form, wait for every session, and
        sign in all together."""
        page = self.page
        async with self.run.opening:
            await self.timed("sign-in page", lambda: page.goto(self.run.url, timeout=STEP_TIMEOUT_MS),
                             page.get_by_label(s.SIGNIN_USER))
        await page.get_by_label(s.SIGNIN_USER).fill(self.person.username)
        await page.get_by_label(s.SIGNIN_PASSWORD).fill(self.run.passwords[self.person.username])
        await self.barrier(SIGN_IN)
        await self.timed("sign in → 总览", page.get_by_role("button", name=s.SIGNIN_SUBMIT, exact=True).click,
                         page.locator('[data-testid="stMetric"]').filter(has_text=s.METRIC_UNITS))

    async def go(self, label: str, ready, step: str | None = None) -> None:
        await self.timed(step or f"→ {label}", self.nav(label).click, ready)

    async def pick(self, box, option: str | re.Pattern[str] | None = None, nth: int = 0, typed: str = "") -> str:
        """Open a selectbox or multiselect and hold the option to choose — the one with `option` in its text, else
        the nth — for `click_option`, the timed part; returns the option's text. Opening is not timed: from the
        keyboard (focus, then type `typed` or press ArrowDown), tried again (by a click) when the list does not
        show or closes at once: a click or key while the page settles after a rerun is sometimes swallowed."""
        self._pick = (box, option, nth, typed)
        self._multi = await box.get_attribute("data-testid") == "stMultiSelect"
        step, started = self.step, self.step_started
        self.doing("open a dropdown")
        combo = box.get_by_role("combobox")
        options = self.page.get_by_role("option")
        target = (options.filter(has_text=option) if option is not None else options.nth(nth)).first
        for attempt in range(OPEN_ATTEMPTS):
            if await combo.get_attribute("aria-expanded") != "true":
                if attempt % 2:
                    await combo.click()
                else:
                    await combo.focus()
                    if typed:
                        await combo.fill(typed)  # replaces what an earlier try typed
                    else:
                        await self.page.keyboard.press("ArrowDown")
            try:
                await target.wait_for(state="visible", timeout=OPEN_WAIT_MS)
                text = (await target.inner_text(timeout=OPEN_WAIT_MS)).strip()
            except PlaywrightTimeout:
                continue
            self._option, self.step, self.step_started = target, step, started
            return text
        raise PlaywrightTimeout(f"the dropdown did not open after {OPEN_ATTEMPTS} tries")

    async def click_option(self) -> None:
        """Click the option `pick` found (opening the list again if it closed meanwhile)."""
        for _ in range(OPEN_ATTEMPTS):
            try:
                await self._option.click(timeout=OPEN_WAIT_MS)
                break
            except PlaywrightTimeout:
                await self.pick(*self._pick)
        else:
            raise PlaywrightTimeout(f"could not click the option after {OPEN_ATTEMPTS} tries")
        if self._multi:  # a multiselect stays open after a choice
            await self.page.keyboard.press("Escape")

    async def barrier(self, name: str) -> None:
        self.doing(f"waiting for the other session ({name})")
        await asyncio.wait_for(self.run.barriers[name].wait(), timeout=STEP_TIMEOUT_MS / 1000)

    async def count_caption(self) -> str:
        return (await self.caption("符合条件的项目").first.inner_text()).strip()


# ---- walks ----------------------------------------------------------------------------------------------------


async def browse(sess: Session, turn: int, steps: Sequence[str]) -> None:
    """Sign in (→ 总览), then `steps` in order: 项目得分, a filter (等级, 疑点 or the text filter, by `turn`), another
    project's detail, 操作记录."""
    await sess.sign_in()
    for step in steps:
        if step == "projects":
            await sess.go(s.NAV_PROJECTS, sess.page.get_by_text(s.DETAIL_ARITHMETIC, exact=True))
        elif step == "filter":
            await _filter(sess, FILTERS[turn % len(FILTERS)])
        elif step == "detail":
            chosen = await sess.pick(sess.widget("stSelectbox", s.PICK_PROJECT), nth=1)
            await sess.timed("project detail", sess.click_option, sess.heading(chosen))
        elif step == "audit":
            await sess.go(s.NAV_AUDIT, sess.caption(re.compile(r"^共 \d+ 条记录$")))
        else:
            raise ValueError(f"unknown step {step!r}")


async def _filter(sess: Session, kind: str) -> None:
    """One filter on 项目得分; ready when the count caption says something else."""
    before = await sess.count_caption()
    changed = sess.caption("符合条件的项目").filter(has_not_text=before)
    if kind == "text":
        box = sess.page.get_by_label(s.FILTER_TEXT)
        await box.fill(TEXT_PICK)
        await sess.timed("filter", lambda: box.press("Enter"), changed)
    else:
        label = s.FILTER_GRADE if kind == "grade" else s.FILTER_FLAG
        await sess.pick(sess.widget("stMultiSelect", label), re.compile(f"^{GRADE_PICK}$") if kind == "grade" else None)
        await sess.timed("filter", sess.click_option, changed)


async def upload(sess: Session, item: Upload) -> None:
    """数据导入: the unit's new form, imported at the same moment as the other unit's; then it is in 项目得分."""
    page = sess.page
    await sess.sign_in()
    await sess.go(s.NAV_UPLOAD, page.locator('[data-testid="stFileUploaderDropzone"]').first)
    await page.locator('[data-testid="stFileUploaderDropzoneInput"]').first.set_input_files(files=[{
        "name": item.file_name, "buffer": item.workbook(),
        "mimeType": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}])
    sess.doing("choose the file")
    await page.locator('[data-testid="stFileChipName"]').wait_for(timeout=STEP_TIMEOUT_MS)  # the name is shortened
    await page.locator('[data-testid="stFileChipIconSpinner"]').wait_for(state="detached", timeout=STEP_TIMEOUT_MS)
    await sess.idle()
    confirm = page.get_by_role("button", name=s.UPLOAD_CONFIRM)
    await sess.timed("check the file", page.get_by_role("button", name=s.UPLOAD_GO).click, confirm)
    await sess.barrier("uploads")
    await sess.timed("import (2 units at once)", confirm.click, sess.alert("Success", s.UPLOAD_DONE.format(ok=1, bad=0)))
    await sess.go(s.NAV_PROJECTS, page.get_by_text(s.DETAIL_ARITHMETIC, exact=True))
    box = page.get_by_label(s.FILTER_TEXT)
    await box.fill(item.project)
    await sess.timed("find the new project", lambda: box.press("Enter"), sess.caption(re.compile("^符合条件的项目：1 个")))
    await sess.heading(item.project).first.wait_for(timeout=STEP_TIMEOUT_MS)


async def audit_walk(sess: Session) -> None:
    """绩效办: 操作记录, filtered to sign-ins."""
    await sess.sign_in()
    counted = re.compile(r"^共 \d+ 条记录$")
    await sess.go(s.NAV_AUDIT, sess.caption(counted))
    before = (await sess.caption(counted).first.inner_text()).strip()
    await sess.pick(sess.widget("stMultiSelect", s.AUDIT_ACTION), re.compile(f"^{audit.SIGN_IN}$"))
    await sess.timed("filter", sess.click_option, sess.caption(counted).filter(has_not_text=before))


# ---- concurrent edits -----------------------------------------------------------------------------------------


class ConcurrentEdit(Protocol):
    """Two sessions of `role` change the same thing at the same moment. Add a scenario by adding a class."""

    name: str  # the barrier's name and the report's
    role: str
    any_editor: bool  # its trail entries name "either editor": which of the two wins is not known in advance

    def setup(self, con: db.Connection) -> None:
        """Look at the database before the server starts (e.g. pick the project to edit)."""
        ...

    def accounts(self) -> list[Person]:
        """Accounts the scenario needs besides the two sessions' (made before the server starts)."""
        ...

    async def prepare(self, sess: Session, which: int) -> None:
        """Walk to the edit and fill it in (session 0 or 1), short of submitting."""
        ...

    async def submit(self, sess: Session, which: int) -> None:
        """Submit (a timed step) and wait for the page to say it is done."""
        ...

    def expected_trail(self, editors: Sequence[str]) -> Counter[tuple[str, str, str]]:
        """(actor, action, outcome) of the audit entries the two submits write."""
        ...

    def verify(self, con: db.Connection, after_id: int, editors: Sequence[str]) -> list[str]:
        """What is wrong in the database afterwards (empty: all is as it must be)."""
        ...

    def targets(self) -> set[str]:
        """Accounts the scenario changes (the others must be unchanged)."""
        ...


@dataclass(frozen=True)
class AccountRename:
    """Two 绩效办 change the 姓名 of the same account at the same moment on 账户管理. The store serialises the
    writes: the account ends with one of the two names, and the trail holds both changes in order, the second's
    before being the first's after."""

    name: str = "account rename"
    role: str = ADMIN
    any_editor: bool = False
    target: str = "lt_target"
    original: str = "共同修改的账户"
    names: tuple[str, str] = ("甲改的姓名", "乙改的姓名")

    def accounts(self) -> list[Person]:
        return [Person(self.target, self.original, READER)]

    def setup(self, con: db.Connection) -> None:
        return None

    def targets(self) -> set[str]:
        return {self.target}

    def _form(self, sess: Session):
        return sess.page.locator('[data-testid="stForm"]').filter(
            has=sess.page.get_by_role("button", name=s.ACCOUNT_SAVE))

    async def prepare(self, sess: Session, which: int) -> None:
        from playwright.async_api import expect

        await sess.go(s.NAV_ACCOUNTS, self._form(sess))
        await sess.pick(sess.widget("stSelectbox", s.ACCOUNT_PICK), self.target, typed=self.target)
        name_box = self._form(sess).get_by_label(s.ACCOUNT_NAME)

        async def shows_target() -> None:
            # .first: while the form is redrawn for the picked account, the old field may still be there beside it
            await expect(name_box.first).to_have_value(self.original, timeout=STEP_TIMEOUT_MS)

        await sess.timed("pick account", sess.click_option, shows_target)
        sess.doing("type the new name")
        await name_box.fill(self.names[which])

    async def submit(self, sess: Session, which: int) -> None:
        await sess.timed("save account (2 at once)", self._form(sess).get_by_role("button", name=s.ACCOUNT_SAVE).click,
                         sess.alert("Success", s.ACCOUNT_SAVED.format(name=self.target)))

    def expected_trail(self, editors: Sequence[str]) -> Counter[tuple[str, str, str]]:
        return Counter((e, audit.ACCOUNT_CHANGE, audit.OK) for e in editors)

    def verify(self, con: db.Connection, after_id: int, editors: Sequence[str]) -> list[str]:
        wrong: list[str] = []
        rows = audit.entries(con, audit.Filter(actions=(audit.ACCOUNT_CHANGE,)))
        rows = rows[rows["audit_id"] > after_id].sort_values("audit_id")
        elsewhere = rows[rows["actor"].isin(list(editors)) & (rows["target"] != self.target)]
        if len(elsewhere):
            wrong.append(f"{self.name}: saved to another account than {self.target}: " + "; ".join(
                f"{r.actor} changed {r.target} ({r.before_state} → {r.after_state})" for r in elsewhere.itertuples()))
        rows = rows[rows["target"] == self.target]
        if len(rows) != 2:
            return [*wrong, f"{self.name}: {len(rows)} 修改账户 entries for {self.target}, expected 2"]
        first, second = rows.iloc[0], rows.iloc[1]
        if sorted([first["actor"], second["actor"]]) != sorted(editors):
            wrong.append(f"{self.name}: changes by {first['actor']}, {second['actor']}, expected {sorted(editors)}")
        b1, a1 = json.loads(first["before_state"]), json.loads(first["after_state"])
        b2, a2 = json.loads(second["before_state"]), json.loads(second["after_state"])
        wanted = dict(zip(editors, self.names, strict=True))
        if b1.get("姓名") != self.original:
            wrong.append(f"{self.name}: first change's before is {b1.get('姓名')!r}, expected {self.original!r}")
        if b2 != a1:
            wrong.append(f"{self.name}: second change's before {b2} is not the first's after {a1}")
        for row, after in ((first, a1), (second, a2)):
            if after.get("姓名") != wanted.get(row["actor"]):
                wrong.append(f"{self.name}: {row['actor']} saved {after.get('姓名')!r}, it typed "
                             f"{wanted.get(row['actor'])!r}")
        account = accounts.get(con, self.target)
        if account is None or account.state() != a2:
            wrong.append(f"{self.name}: the account is {account.state() if account else None}, expected the last "
                         f"change's after {a2}")
        elif account.display_name not in self.names:
            wrong.append(f"{self.name}: the account's name {account.display_name!r} is neither edit's")
        return wrong


ANY_EDITOR = "<either editor>"  # an expected trail entry of an edit whose winner is not known in advance
REVIEW_PICK_SQL = """
SELECT form_id, unit_code, project_name FROM v_project_scores
WHERE year = ? AND computed_score IS NOT NULL AND list_contains(flags, '自评分虚高')
  AND project_name IN (SELECT project_name FROM v_project_scores WHERE year = ? GROUP BY 1 HAVING count(*) = 1)
ORDER BY form_id LIMIT 1
"""
REVIEW_ROWS_SQL = "SELECT reviewer, action, reviewed_score, reason FROM reviews WHERE form_id = ? ORDER BY review_id"


@dataclass(frozen=True)
class ReviewEdit:
    """Two 绩效办 set a 财政复核 score on the same project at the same moment, each having opened it with no review
    yet. Optimistic concurrency: exactly one review is stored (the first to reach the writer), the other is told
    who saved what meanwhile and nothing of it is stored; the trail holds one 成功 and one 失败."""

    name: str = "review the same project"
    role: str = ADMIN
    scores: tuple[str, str] = ("70.00", "75.50")
    reasons: tuple[str, str] = ("负载测试复核甲：产出数量与佐证材料不符", "负载测试复核乙：满意度样本不足")
    chosen: dict[str, object] = field(default_factory=dict)  # the project, picked from the database before the run
    any_editor: bool = True

    def accounts(self) -> list[Person]:
        return []

    def targets(self) -> set[str]:
        return set()

    def setup(self, con: db.Connection) -> None:
        row = con.execute(REVIEW_PICK_SQL, [YEAR, YEAR]).fetchone()
        if row is None:
            raise LoadTestError("the sample has no uniquely named flagged project to review")
        self.chosen.update(form_id=row[0], unit_code=row[1], project=row[2])

    async def prepare(self, sess: Session, which: int) -> None:
        project = str(self.chosen["project"])
        await sess.go(s.NAV_PROJECTS, sess.caption(re.compile("^符合条件的项目：")))
        box = sess.page.get_by_label(s.FILTER_TEXT)
        await box.fill(project)
        await sess.timed("find the project to review", lambda: box.press("Enter"),
                         sess.caption(re.compile("^符合条件的项目：1 个")))
        form = sess.page.locator('[data-testid="stForm"]').filter(
            has=sess.page.get_by_role("button", name=s.REVIEW_SAVE))
        reason = form.get_by_role("textbox", name=s.REVIEW_REASON)
        await reason.first.wait_for(timeout=STEP_TIMEOUT_MS)
        sess.doing("type the reviewed score and the reason")
        await form.get_by_role("spinbutton", name=s.REVIEW_SCORE).first.fill(self.scores[which])
        await reason.first.fill(self.reasons[which])

    async def submit(self, sess: Session, which: int) -> None:
        told = sess.page.locator('[data-testid="stAlertContentSuccess"], [data-testid="stAlertContentError"]').filter(
            has_text=re.compile("已保存财政复核得分|您的修改未保存"))
        await sess.timed("save review (2 at once)", sess.page.get_by_role("button", name=s.REVIEW_SAVE).click, told,
                         allowed_errors=("您的修改未保存",))

    def expected_trail(self, editors: Sequence[str]) -> Counter[tuple[str, str, str]]:
        return Counter({(ANY_EDITOR, audit.REVIEW_SET, audit.OK): 1, (ANY_EDITOR, audit.REVIEW_SET, audit.FAILED): 1})

    def verify(self, con: db.Connection, after_id: int, editors: Sequence[str]) -> list[str]:
        rows = con.execute(REVIEW_ROWS_SQL, [self.chosen["form_id"]]).fetchall()
        if len(rows) != 1:
            return [f"{self.name}: {len(rows)} reviews stored, expected exactly 1: {rows}"]
        reviewer, action, score, reason = rows[0]
        if reviewer not in editors:
            return [f"{self.name}: stored by {reviewer}, not one of {list(editors)}"]
        which = list(editors).index(reviewer)
        wrong = []
        if (action, str(score), reason) != ("复核", self.scores[which], self.reasons[which]):
            wrong.append(f"{self.name}: stored {(action, score, reason)}, {reviewer} typed "
                         f"{(self.scores[which], self.reasons[which])}")
        entries = audit.entries(con, audit.Filter(actions=(audit.REVIEW_SET,)))
        entries = entries[entries["audit_id"] > after_id]
        outcomes = dict(zip(entries["actor"], entries["outcome"], strict=True))
        loser = [e for e in editors if e != reviewer][0]
        if outcomes != {reviewer: audit.OK, loser: audit.FAILED}:
            wrong.append(f"{self.name}: trail {outcomes}, expected {reviewer} 成功 and {loser} 失败")
        return wrong


EDITS: tuple[ConcurrentEdit, ...] = (AccountRename(), ReviewEdit())


async def edit_walk(sess: Session, edit: ConcurrentEdit, which: int) -> None:
    await sess.sign_in()
    await edit.prepare(sess, which)
    await sess.barrier(edit.name)
    await edit.submit(sess, which)


# ---- the cast and its accounts --------------------------------------------------------------------------------


def cast(sessions: int, full_walks: bool = False) -> list[Person]:
    """The accounts of a run, in the order they are made (the first real account must be 绩效办). A browsing walk is
    written `browse:<turn>:<step+step…>`."""
    fixed = 1 + 2 * len(EDITS) + len(UPLOADS) + 1
    if sessions < fixed:
        raise LoadTestError(f"--sessions must be at least {fixed} (admin, {2 * len(EDITS)} editors, "
                            f"{len(UPLOADS)} units, 1 预算股室)")
    people = [Person("lt_admin", "负载测试绩效办", ADMIN, "audit")]
    for e, edit in enumerate(EDITS):
        people += [Person(f"lt_edit{e}_{w}", f"负载测试编辑{e}{'甲乙'[w]}", edit.role, f"edit:{e}:{w}")
                   for w in range(2)]
    people += [Person(u.username, f"负载测试{u.unit_name}", UNIT, f"upload:{i}", units=(u.unit_code,))
               for i, u in enumerate(UPLOADS)]
    people.append(Person("lt_budget", "负载测试预算股室", BUDGET, "browse:0:" + "+".join(FULL_WALK),
                         departments=BUDGET_DEPARTMENTS))
    for r in range(1, sessions - fixed + 1):
        steps = FULL_WALK if full_walks else READER_WALKS[(r - 1) % len(READER_WALKS)]
        people.append(Person(f"lt_reader{r:02d}", f"负载测试只读{r:02d}", READER, f"browse:{r}:" + "+".join(steps)))
    for edit in EDITS:
        people += edit.accounts()
    return people


def _add_args(db_path: Path, person: Person) -> list[str]:
    args = ["users", "--db", str(db_path), "add", person.username, "--name", person.name, "--role", person.role,
            "--password-stdin"]
    for unit in person.units:
        args += ["--unit", unit]
    for department in person.departments:
        args += ["--department", department]
    return args


def make_accounts(db_path: Path, people: Sequence[Person]) -> dict[str, str]:
    """Make every account with the CLI; returns username → password (random, letters and digits)."""
    from etl import cli

    passwords = {p.username: f"Lt{secrets.token_hex(6)}9x" for p in people}
    first, rest = people[0], people[1:]
    proc = subprocess.run([sys.executable, "-m", "etl", *_add_args(db_path, first)], input=passwords[first.username]
                          + "\n", capture_output=True, text=True, cwd=ROOT, timeout=CLI_TIMEOUT_S)
    if proc.returncode != 0:
        raise LoadTestError(f"python -m etl users add {first.username} failed: {proc.stderr.strip()}")
    for person in rest:
        out, err = io.StringIO(), io.StringIO()
        stdin = sys.stdin
        sys.stdin = io.StringIO(passwords[person.username] + "\n")
        try:
            with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
                code = cli.main(_add_args(db_path, person))
        finally:
            sys.stdin = stdin
        if code != 0:
            raise LoadTestError(f"users add {person.username} failed: {err.getvalue().strip()}")
    return passwords


# ---- the database before and after ----------------------------------------------------------------------------

FORMS_SQL = "SELECT count(*) FROM forms"
YEAR_TOTALS_SQL = "SELECT count(*), coalesce(sum(budget_full_year), 0) FROM v_project_scores WHERE year = ?"
PROJECT_SQL = "SELECT unit_code, unit_name, budget_full_year FROM v_project_scores WHERE year = ? AND project_name = ?"
LAST_AUDIT_SQL = "SELECT coalesce(max(audit_id), 0) FROM audit_log"


@dataclass(frozen=True)
class Snapshot:
    """The figures the run must move by exactly what its sessions did."""

    forms: int
    projects: int  # v_project_scores rows of the year
    budget: Decimal  # their Σ 全年预算数, 万元
    last_audit_id: int
    accounts: dict[str, tuple[dict[str, object], object]]  # username → (Account.state(), updated_at)


def snapshot(con: db.Connection) -> Snapshot:
    forms = con.execute(FORMS_SQL).fetchone()
    projects, budget = con.execute(YEAR_TOTALS_SQL, [YEAR]).fetchone() or (0, 0)
    last = con.execute(LAST_AUDIT_SQL).fetchone()
    return Snapshot(int(forms[0]) if forms else 0, int(projects), Decimal(budget), int(last[0]) if last else 0,
                    {a.username: (a.state(), a.updated_at) for a in accounts.list_accounts(con)})


def expected_trail(people: Sequence[Person]) -> Counter[tuple[str, str, str]]:
    """(actor, action, outcome) of every audit entry the sessions write."""
    wanted: Counter[tuple[str, str, str]] = Counter((p.username, audit.SIGN_IN, audit.OK) for p in people if p.walk)
    wanted.update((u.username, audit.IMPORT, audit.OK) for u in UPLOADS)
    for e, edit in enumerate(EDITS):
        wanted.update(edit.expected_trail([p.username for p in people if p.walk.startswith(f"edit:{e}:")]))
    return wanted


def verify(con: db.Connection, before: Snapshot, people: Sequence[Person]) -> tuple[list[str], list[str]]:
    """(failures, checks passed) of the exact totals after the run."""
    failed: list[str] = []
    passed: list[str] = []

    def expect(ok: bool, what: str, detail: str = "") -> None:
        (passed if ok else failed).append(what if ok else f"{what}: {detail}")

    after = snapshot(con)
    expect(after.forms == before.forms + len(UPLOADS), f"forms = {before.forms} + {len(UPLOADS)}",
           f"{after.forms}")
    added = sum((u.budget for u in UPLOADS), Decimal(0))
    expect(after.projects == before.projects + len(UPLOADS),
           f"{YEAR} projects in v_project_scores = {before.projects} + {len(UPLOADS)}", f"{after.projects}")
    expect(after.budget == before.budget + added, f"{YEAR} Σ 全年预算数 = {before.budget} + {added} 万元",
           f"{after.budget}")
    for u in UPLOADS:
        rows = con.execute(PROJECT_SQL, [YEAR, u.project]).fetchall()
        expect(rows == [(u.unit_code, u.unit_name, u.budget)], f"{u.project} once, unit {u.unit_code}, "
               f"budget {u.budget}", f"{rows}")
    entries = audit.entries(con, audit.Filter())
    entries = entries[entries["audit_id"] > before.last_audit_id]
    anonymous = {(p.username, a) for e, edit in enumerate(EDITS) if edit.any_editor
                 for p in people if p.walk.startswith(f"edit:{e}:")
                 for a in {k[1] for k in edit.expected_trail([])}}
    got = Counter((ANY_EDITOR if (actor, action) in anonymous else actor, action, outcome) for actor, action, outcome
                  in zip(entries["actor"], entries["action"], entries["outcome"], strict=True))
    wanted = expected_trail(people)
    expect(got == wanted, f"audit trail of the run: exactly {sum(wanted.values())} entries (one 登录 per session, "
           f"{len(UPLOADS)} 导入自评表, {sum(len(e.expected_trail(['x', 'y'])) for e in EDITS)} edits)",
           f"missing {dict(wanted - got)}, unexpected {dict(got - wanted)}")
    for u in UPLOADS:
        rows = entries[(entries["actor"] == u.username) & (entries["action"] == audit.IMPORT)]
        expect(list(zip(rows["unit_code"], rows["target"], strict=True)) == [(u.unit_code, u.file_name)],
               f"导入自评表 by {u.username}: unit {u.unit_code}, file {u.file_name}",
               f"{list(zip(rows['unit_code'], rows['target'], strict=True))}")
    for e, edit in enumerate(EDITS):
        editors = [p.username for p in people if p.walk.startswith(f"edit:{e}:")]
        wrong = edit.verify(con, before.last_audit_id, editors)
        expect(not wrong, f"{edit.name}: {edit.__doc__.split('.')[0] if edit.__doc__ else 'as expected'}",
               "; ".join(wrong))
    targets = set().union(*(edit.targets() for edit in EDITS))
    changed = sorted(name for name, state in after.accounts.items()
                     if name not in targets and before.accounts.get(name) != state)
    expect(not changed, "every other account untouched (state and updated_at)", f"changed: {changed}")
    verdict = audit.verify(con)
    expect(verdict.broken_at is None, f"audit chain verifies ({verdict.rows} entries)",
           f"broken at {verdict.broken_at}")
    return failed, passed


# ---- the server -----------------------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Server:
    """`streamlit run dashboard.py` on 127.0.0.1 with BUDGET_PERF_DB set, its output in a log file."""

    def __init__(self, db_path: Path, log_path: Path) -> None:
        self.db_path, self.log_path = db_path, log_path
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self, deadline: float) -> None:
        env = {**os.environ, "BUDGET_PERF_DB": str(self.db_path)}
        env.pop("BUDGET_PERF_AUTH", None)  # password sign-in
        with self.log_path.open("wb") as log:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "streamlit", "run", "dashboard.py", "--server.address=127.0.0.1",
                 f"--server.port={self.port}", "--server.headless=true", "--browser.gatherUsageStats=false"],
                cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
        until = min(deadline, time.monotonic() + SERVER_START_S)
        while time.monotonic() < until:
            if self.proc.poll() is not None:
                raise LoadTestError(f"streamlit exited with {self.proc.returncode}: {self.log()[-2000:]}")
            try:
                with urllib.request.urlopen(f"{self.url}/_stcore/health", timeout=1) as resp:
                    if resp.status == 200:
                        return
            except OSError:
                time.sleep(0.2)
        self.stop()
        raise LoadTestError(f"streamlit did not answer /_stcore/health within {SERVER_START_S} s: {self.log()[-2000:]}")

    @property
    def pid(self) -> int:
        return self.proc.pid if self.proc is not None else 0

    def stop(self) -> None:
        if self.proc is None or self.proc.poll() is not None:
            return
        self.proc.terminate()
        try:
            self.proc.wait(timeout=SERVER_STOP_S)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(timeout=SERVER_STOP_S)

    def log(self) -> str:
        return self.log_path.read_text(encoding="utf-8", errors="replace") if self.log_path.exists() else ""


def _processes() -> dict[int, tuple[int, float]]:
    """pid → (parent pid, CPU seconds of the process and of its reaped children) for every process (Linux)."""
    tick = os.sysconf("SC_CLK_TCK")
    found: dict[int, tuple[int, float]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        found[int(entry.name)] = (int(fields[1]), sum(int(f) for f in fields[11:15]) / tick)
    return found


def tree_cpu(root: int, skip: frozenset[int] = frozenset(), include_root: bool = True) -> float:
    """CPU seconds used so far by `root` (unless include_root is False) and every descendant, without the
    subtrees in `skip`; 0 where /proc is missing."""
    procs = _processes() if Path("/proc").is_dir() else {}
    children: dict[int, list[int]] = {}
    for pid, (parent, _) in procs.items():
        children.setdefault(parent, []).append(pid)
    total, todo = 0.0, [root]
    while todo:
        pid = todo.pop()
        if pid in skip:
            continue
        if pid in procs and (include_root or pid != root):
            total += procs[pid][1]
        todo += children.get(pid, [])
    return total


# ---- one run --------------------------------------------------------------------------------------------------


@dataclass
class RunResult:
    """One run: sessions, wall time of the browsing, step times, errors, and the exact checks."""

    sessions: int
    wall_s: float  # from the first page.goto to the last session's last step
    total_s: float  # the whole run: preparation, server, sessions, checks
    times: dict[str, list[float]]
    errors: list[str]
    failures: list[str]
    passed: list[str]
    workdir: Path
    server_cpu_s: float = 0.0  # the streamlit process while the sessions ran
    browser_cpu_s: float = 0.0  # Chromium (every page) and Playwright's driver

    @property
    def ok(self) -> bool:
        return not self.errors and not self.failures

    def overall(self) -> list[float]:
        return [t for ts in self.times.values() for t in ts]


def p95(values: Sequence[float]) -> float:
    """Nearest-rank 95th percentile."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(0.95 * len(ordered)) - 1)]


async def drive(run: Run, people: Sequence[Person]) -> float:
    """Every session at once in one Chromium; returns the wall time."""
    from playwright.async_api import async_playwright

    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        mine = frozenset({run.server_pid})
        cpu_before = tree_cpu(os.getpid(), mine, include_root=False)
        try:
            started = run.started = time.perf_counter()
            await asyncio.gather(*(_one(browser, run, p) for p in people if p.walk))
            return time.perf_counter() - started
        finally:
            run.browser_cpu_s = tree_cpu(os.getpid(), mine, include_root=False) - cpu_before
            await browser.close()


async def _one(browser, run: Run, person: Person) -> None:
    context = await browser.new_context(viewport=VIEWPORT, locale="zh-CN")
    page = await context.new_page()
    page.set_default_timeout(STEP_TIMEOUT_MS)
    sess = Session(page, person, run)
    kind, _, rest = person.walk.partition(":")
    try:
        if kind == "browse":
            turn, _, steps = rest.partition(":")
            await browse(sess, int(turn), steps.split("+"))
        elif kind == "upload":
            await upload(sess, UPLOADS[int(rest)])
        elif kind == "edit":
            e, w = (int(x) for x in rest.split(":"))
            await edit_walk(sess, EDITS[e], w)
        else:
            await audit_walk(sess)
    except Exception as exc:  # a failed session is an error of the run, reported with its step and a screenshot
        shot = run.shots / f"{person.username}.png"
        with contextlib.suppress(Exception):
            await page.screenshot(path=str(shot))
        lines = str(exc).splitlines() or [""]
        said = " / ".join([lines[0][:300], *(x.strip()[:200] for x in lines[1:] if "Actual" in x or "Expected" in x)])
        run.errors.append(f"{person.username} [{sess.step}, {time.perf_counter() - sess.step_started:.0f} s into the "
                          f"step] {type(exc).__name__}: {said} (screenshot {shot})")
        for barrier in run.barriers.values():
            await barrier.abort()
    finally:
        await context.close()


def run_once(sessions: int = DEFAULT_SESSIONS, sample_db: Path | None = None, timeout_s: float = TIMEOUT_S,
             workdir: Path | None = None, log: Callable[[str], None] = print, full_walks: bool = False) -> RunResult:
    """One complete run in `workdir` (a new temporary folder when None). Raises LoadTestError when it cannot run
    or exceeds `timeout_s` (the server is stopped either way)."""
    started = time.monotonic()
    deadline = started + timeout_s
    workdir = workdir or Path(tempfile.mkdtemp(prefix="load_test_"))
    workdir.mkdir(parents=True, exist_ok=True)
    db_path = workdir / "budget_perf.duckdb"
    if sample_db is None:
        sample_db = build_sample(workdir / "sample.duckdb", deadline)
    shutil.copy(sample_db, db_path)
    people = cast(sessions, full_walks)
    log(f"making {len(people)} accounts with python -m etl users add …")
    passwords = make_accounts(db_path, people)
    con = db.open_db(db_path)
    try:
        before = snapshot(con)
        for edit in EDITS:
            edit.setup(con)
    finally:
        con.close()
    server = Server(db_path, workdir / "streamlit.log")
    run = Run(url="", passwords=passwords, barriers={}, shots=workdir)
    server_cpu = 0.0
    try:
        server.start(deadline)
        run.url, run.server_pid = server.url, server.pid
        log(f"server on {server.url}; {sessions} sessions at once")
        cpu_before = tree_cpu(server.pid)
        wall = asyncio.run(_bounded(run, people, deadline))
        server_cpu = tree_cpu(server.pid) - cpu_before
    finally:
        server.stop()
    if "Traceback" in server.log():
        run.errors.append(f"traceback in the server log {server.log_path}")
    (workdir / "timeline.csv").write_text("session,step,start_s,seconds\n" + "".join(
        f"{who},{step},{at:.2f},{took:.2f}\n" for who, step, at, took in sorted(run.timeline, key=lambda r: r[2])),
        encoding="utf-8")
    con = db.open_unmigrated(db_path, read_only=True)
    try:
        failures, passed = verify(con, before, people)
    finally:
        con.close()
    return RunResult(sessions, wall, time.monotonic() - started, run.times, run.errors, failures, passed, workdir,
                     server_cpu, run.browser_cpu_s)


async def _bounded(run: Run, people: Sequence[Person], deadline: float) -> float:
    run.opening = asyncio.Semaphore(OPENING)
    run.barriers = ({SIGN_IN: asyncio.Barrier(sum(1 for p in people if p.walk)), "uploads": asyncio.Barrier(len(UPLOADS))}
                    | {e.name: asyncio.Barrier(2) for e in EDITS})
    remaining = deadline - time.monotonic()
    try:
        return await asyncio.wait_for(drive(run, people), timeout=max(1.0, remaining))
    except TimeoutError as exc:
        raise LoadTestError(f"the load test did not finish within its time limit (the sessions had {remaining:.0f} s "
                            f"left); server stopped. Steps done: {sum(len(t) for t in run.times.values())}; "
                            f"errors so far: {run.errors[:5]}") from exc


def build_sample(path: Path, deadline: float) -> Path:
    """`python -m etl sample --db path`."""
    proc = subprocess.run([sys.executable, "-m", "etl", "sample", "--db", str(path)], capture_output=True, text=True,
                          cwd=ROOT, timeout=max(1.0, deadline - time.monotonic()))
    if proc.returncode != 0:
        raise LoadTestError(f"python -m etl sample failed: {proc.stderr.strip()[-2000:]}")
    return path


# ---- the report -----------------------------------------------------------------------------------------------


@dataclass
class Report:
    """Figures over one or more runs: each one the median of the per-run figures."""

    runs: list[RunResult]

    @property
    def ok(self) -> bool:
        return all(r.ok for r in self.runs)

    def steps(self) -> list[str]:
        seen: dict[str, None] = {}
        for r in self.runs:
            seen.update(dict.fromkeys(r.times))
        return list(seen)

    def _median(self, values: list[float]) -> float:
        return statistics.median(values) if values else float("nan")

    def table(self) -> str:
        lines = ["| step | sessions × runs | p50 s | p95 s | max s |", "|---|---|---|---|---|"]
        for step in self.steps():
            per = [r.times[step] for r in self.runs if r.times.get(step)]
            lines.append(f"| {step} | {len(per[0]) if per else 0} × {len(per)} | "
                         f"{self._median([statistics.median(t) for t in per]):.2f} | "
                         f"{self._median([p95(t) for t in per]):.2f} | {self._median([max(t) for t in per]):.2f} |")
        overall = [r.overall() for r in self.runs if r.overall()]
        lines.append(f"| **every step** | {len(overall[0]) if overall else 0} × {len(overall)} | "
                     f"**{self._median([statistics.median(t) for t in overall]):.2f}** | "
                     f"**{self._median([p95(t) for t in overall]):.2f}** | "
                     f"{self._median([max(t) for t in overall]):.2f} |")
        return "\n".join(lines)

    def text(self) -> str:
        walls = [r.wall_s for r in self.runs]
        totals = [r.total_s for r in self.runs]
        out = [f"sessions: {self.runs[0].sessions}; runs: {len(self.runs)}; browsing wall time "
               f"{self._median(walls):.1f} s (median; runs {[round(w, 1) for w in walls]}); whole run "
               f"{self._median(totals):.1f} s; CPU while the sessions ran: server "
               f"{self._median([r.server_cpu_s for r in self.runs]):.0f} s, Chromium "
               f"{self._median([r.browser_cpu_s for r in self.runs]):.0f} s", "", self.table(), ""]
        for i, r in enumerate(self.runs, start=1):
            out.append(f"run {i}: {'ok' if r.ok else 'FAILED'}; {len(r.passed)} checks passed; workdir {r.workdir}")
            out += [f"  error: {e}" for e in r.errors]
            out += [f"  check failed: {f}" for f in r.failures]
        out.append("checks: " + "; ".join(self.runs[-1].passed))
        return "\n".join(out)


def machine() -> str:
    cpu = "unknown CPU"
    with contextlib.suppress(OSError):
        cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                    if line.startswith("model name")), cpu)
    return f"{cpu}, {os.cpu_count()} cores; {platform.system()} {platform.release()}; Python {platform.python_version()}"


def section(report: Report, command: str, load: tuple[float, float], notes: Sequence[str]) -> str:
    """The load-test section of RESULTS.md."""
    first = report.runs[0]
    walls = [r.wall_s for r in report.runs]
    server = [r.server_cpu_s for r in report.runs]
    browser = [r.browser_cpu_s for r in report.runs]
    note_lines = "".join(f"- {n}\n" for n in notes)
    failed = [f"run {i}: {e}" for i, r in enumerate(report.runs, start=1) for e in r.errors + r.failures]
    return (f"{SECTION_START}\n## Load test: {first.sessions} sessions at once (`bench/load_test.py`)\n\n"
            f"Measured {date.today().isoformat()} with `{command}`: {len(report.runs)} run(s), "
            f"{'every check passed' if report.ok else 'SOME CHECKS FAILED'}.\n\n"
            f"Machine: {machine()}. 1-minute load average {load[0]:.2f} at the start, {load[1]:.2f} at the end "
            f"(the server, {first.sessions} Chromium pages and the driver share the cores).\n\n"
            f"Browsing wall time (first page load to the last session's last step): median "
            f"{statistics.median(walls):.1f} s (runs {', '.join(f'{w:.1f}' for w in walls)}); one whole run, with the "
            f"database copy, {len(cast(first.sessions))} accounts, server start and the checks: "
            f"{statistics.median([r.total_s for r in report.runs]):.1f} s. CPU while the sessions ran (median): "
            f"server {statistics.median(server):.0f} s, Chromium {statistics.median(browser):.0f} s — the browsers "
            f"take {statistics.median(browser) / max(1.0, statistics.median(server) + statistics.median(browser)):.0%} "
            f"of it, so the page times below are mostly the 2 cores drawing {first.sessions} pages, not the server.\n\n"
            f"Step time: from the action (goto, click, Enter) until the step's expected element is visible and "
            f"Streamlit is idle (script not running, connected); p50 median, p95 nearest rank; each figure the median "
            f"over the runs of the run's figure; 'sessions × runs' counts the times behind it.\n\n{report.table()}\n\n"
            f"Checked after each run: {'; '.join(first.passed)}.\n\nEvery run:\n\n" + "".join(
                f"- run {i}: browsing {r.wall_s:.1f} s, whole run {r.total_s:.1f} s; every step p50 "
                f"{statistics.median(r.overall()):.2f} s, p95 {p95(r.overall()):.2f} s; CPU server {r.server_cpu_s:.0f} s, "
                f"Chromium {r.browser_cpu_s:.0f} s; {'ok' if r.ok else 'FAILED'}\n"
                for i, r in enumerate(report.runs, start=1) if r.overall())
            + ("\nFailures:\n\n" + "".join(f"- {f}\n" for f in failed) if failed else "")
            + (f"\n{note_lines}" if note_lines else "") + f"{SECTION_END}\n")


def write_section(path: Path, text: str) -> None:
    """Replace the load-test section of `path` (or append it), keeping the rest of the file."""
    current = path.read_text(encoding="utf-8") if path.exists() else ""
    pattern = re.compile(re.escape(SECTION_START) + r".*?" + re.escape(SECTION_END) + r"\n?", re.S)
    if pattern.search(current):
        updated = pattern.sub(lambda _: text, current, count=1)
    else:
        updated = current.rstrip("\n") + ("\n\n" if current else "") + text
    path.write_text(updated, encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sessions", type=int, default=DEFAULT_SESSIONS, help="concurrent sessions (default 16)")
    parser.add_argument("--runs", type=int, default=1, help="complete runs; figures are their medians (default 1)")
    parser.add_argument("--db", type=Path, default=None,
                        help="sample database to copy (default: build one with python -m etl sample)")
    parser.add_argument("--timeout", type=float, default=TIMEOUT_S, help="seconds per run before giving up (default 300)")
    parser.add_argument("--full-walks", action="store_true",
                        help="every reader walks 项目得分 → filter → detail → 操作记录 (default: shorter walks by turns)")
    parser.add_argument("--workdir", type=Path, default=None, help="folder for the databases, log and screenshots")
    parser.add_argument("--write", action="store_true", help="write the figures into bench/RESULTS.md")
    parser.add_argument("--results", type=Path, default=RESULTS, help="the Markdown file --write updates")
    parser.add_argument("--note", action="append", default=[], help="a line for the section's notes (repeatable)")
    args = parser.parse_args(argv)
    load_start = os.getloadavg()[0]
    base = args.workdir or Path(tempfile.mkdtemp(prefix="load_test_"))
    sample = args.db
    try:
        if sample is None:
            print("building the sample database (python -m etl sample) …")
            sample = build_sample(base / "sample.duckdb", time.monotonic() + args.timeout)
        results = [run_once(args.sessions, sample, args.timeout, base / f"run{i + 1}", full_walks=args.full_walks)
                   for i in range(max(1, args.runs))]
    except LoadTestError as exc:
        print(f"load test failed: {exc}", file=sys.stderr)
        return 2
    report = Report(results)
    print(report.text())
    if args.write:
        command = "python bench/load_test.py " + " ".join(argv if argv is not None else sys.argv[1:])
        write_section(args.results, section(report, command.strip(), (load_start, os.getloadavg()[0]), args.note))
        print(f"written to {args.results}")
    return 0 if report.ok else 1


if __name__ == "__main__":
    sys.exit(main())
