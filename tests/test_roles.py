"""Sign-in and roles in the running app (AppTest): the sign-in page, each demo role walking every page it has
and seeing only its scope, and the forbidden things — another unit by address, by widget, by page path; a
只读 or 单位 user changing accounts; a page reached without signing in — refused, with nothing shown and each
attempt in the audit trail."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from present import strings as s
from store import access, accounts, audit, db
from store.access import ADMIN, READER, UNIT, Viewer
from ui import session

ROOT = db.ROOT
DASHBOARD = str(ROOT / "dashboard.py")
TIMEOUT_S = 60
UNIT_CODE = "214001"  # demo_dw's unit, 区市容环卫局
EVAL_PAGES = ["key_eval.py", "dept_eval.py"]
PAGES = {  # what each demo role finds in the navigation
    "demo_jxb": ["overview.py", "units.py", "projects.py", "flags.py", "progress.py", "cuts.py", "upload.py",
                 "accounts.py", "audit.py", *EVAL_PAGES],
    "demo_ys": ["overview.py", "units.py", "projects.py", "flags.py", "progress.py", "cuts.py", "audit.py", *EVAL_PAGES],
    "demo_dw": ["overview.py", "units.py", "projects.py", "flags.py", "progress.py", "cuts.py", "upload.py", "audit.py",
                *EVAL_PAGES],
    "demo_zj": [*EVAL_PAGES, "audit.py"],  # an expert: its panels only
    "demo_ld": ["overview.py", "units.py", "projects.py", "flags.py", "progress.py", "cuts.py", "audit.py",
                *EVAL_PAGES],
}
for _role in ("demo_jxb", "demo_ys", "demo_dw", "demo_ld"):  # issue 11: 汇报模式 and 导出汇报材料, every reading role
    PAGES[_role] += ["present.py", "export.py"]


@pytest.fixture
def app_db(sample_db_path: Path, tmp_path: Path, monkeypatch) -> Path:
    """A private copy of the sample database (demo accounts included) that the dashboard under test opens."""
    path = tmp_path / "roles.duckdb"
    shutil.copy(sample_db_path, path)
    monkeypatch.setenv("BUDGET_PERF_DB", str(path))
    monkeypatch.delenv(session.MODE_ENV, raising=False)
    return path


def con_of(path: Path):
    return db.connection(path)


def start() -> AppTest:
    return AppTest.from_file(DASHBOARD, default_timeout=TIMEOUT_S).run()


def sign_in_as_demo(username: str) -> AppTest:
    """The real path: the sign-in page's demo button (which signs in with the demo password)."""
    at = start()
    at.button(key=f"demo_{username}").click().run()
    assert not at.exception
    viewer = viewer_of(at)
    assert viewer.username == username
    assert s.SIGNED_IN_AS.format(who=viewer.label) in [c.value for c in at.sidebar.caption]
    return at


def viewer_of(at: AppTest) -> Viewer:
    """The viewer the session signed in."""
    return at.session_state[session._VIEWER]


def page_text(at: AppTest) -> str:
    """Everything a page shows as text (titles, captions, markdown, metrics, alerts, tables, choices)."""
    parts = [e.value for kind in ("title", "caption", "markdown", "info", "warning", "error", "success", "code")
             for e in getattr(at, kind)]
    parts += [f"{m.label} {m.value}" for m in at.metric]
    parts += [d.value.to_csv() for d in at.dataframe]
    parts += [str(o) for box in at.selectbox for o in box.options]
    return "\n".join(parts)


def trail(path: Path, **where) -> list[dict]:
    rows = audit.entries(con_of(path), audit.Filter()).iloc[::-1].to_dict("records")
    return [r for r in rows if all(r[k] == v for k, v in where.items())]


# ---- the sign-in page -----------------------------------------------------------------------------------------


def test_sign_in_comes_before_any_page_and_lists_the_demo_accounts(app_db):
    at = start()
    assert not at.exception
    assert at.title[0].value == f"{s.APP_TITLE} · {s.SIGNIN_TITLE}"
    assert [t.label for t in at.text_input] == [s.SIGNIN_USER, s.SIGNIN_PASSWORD]
    assert not at.metric and not at.dataframe  # nothing of the data before sign-in
    demos = [b.label for b in at.button if b.key and b.key.startswith("demo_")]
    assert sorted(demos) == sorted(s.DEMO_AS.format(role=r) for r in access.ROLES)
    assert any(s.DEMO_CAPTION.format(password=accounts.DEMO_PASSWORD) == c.value for c in at.caption)


def test_a_wrong_password_is_refused_and_recorded(app_db):
    at = start()
    at.text_input[0].input("demo_jxb")
    at.text_input[1].input("guess")
    at.button[0].click().run()
    assert [e.value for e in at.error] == [accounts.WRONG]
    assert not at.metric
    assert trail(app_db)[-1]["action"] == audit.SIGN_IN_FAILED


def test_typing_the_name_and_password_signs_in(app_db):
    at = start()
    at.text_input[0].input("demo_ld")
    at.text_input[1].input(accounts.DEMO_PASSWORD)
    at.button[0].click().run()
    assert not at.exception and at.title[0].value == s.OVERVIEW_TITLE
    assert s.SIGNED_IN_AS.format(who="领导只读演示（只读）") in [c.value for c in at.sidebar.caption]
    assert any(s.DEMO_WARNING == w.value for w in at.sidebar.warning)
    entry = trail(app_db)[-1]
    assert (entry["actor"], entry["action"], entry["outcome"]) == ("demo_ld", audit.SIGN_IN, audit.OK)


def test_sign_out_returns_to_the_sign_in_page(app_db):
    at = sign_in_as_demo("demo_jxb")
    next(b for b in at.sidebar.button if b.label == s.SIGN_OUT).click().run()
    assert at.title[0].value == f"{s.APP_TITLE} · {s.SIGNIN_TITLE}" and not at.metric
    assert trail(app_db)[-1]["action"] == audit.SIGN_OUT


# ---- every role walks every page it has -----------------------------------------------------------------------


@pytest.mark.parametrize("username", list(PAGES))
def test_each_role_walks_its_pages_and_sees_only_its_scope(app_db, username):
    at = sign_in_as_demo(username)
    registered = sorted(Path(p["script_path"]).name for p in at._registered_pages.values())
    assert registered == sorted(PAGES[username])
    con = con_of(app_db)
    viewer = viewer_of(at)
    units = access.scope(con, viewer)
    for page in PAGES[username]:
        at.switch_page(f"pages/{page}").run()
        assert not at.exception, (username, page)
        text = page_text(at)
        if page in ("audit.py", "upload.py"):  # not unit data: tested below
            continue
        if page in EVAL_PAGES:  # the evaluations offered are those of the viewer's panel scope (tests/test_eval_pages.py)
            panel = access.panel_scope(con, viewer)
            allowed = {r[0] for r in con.execute(
                "SELECT subject_name FROM evaluations e WHERE ($all OR list_contains($units, unit_code)) AND "
                "($expert IS NULL OR EXISTS (SELECT 1 FROM evaluation_experts x WHERE x.evaluation_id = e.evaluation_id "
                "AND x.account = $expert))", {"all": panel.units is None, "units": list(panel.units or []),
                                              "expert": panel.expert}).fetchall()}
            offered = {o.rsplit("（", 1)[0] for box in at.selectbox if box.label == s.EVAL_PICK for o in box.options}
            assert offered <= allowed, (username, page, offered - allowed)
            continue
        if units == ():
            assert s.NO_SCOPE_EXPERT in text and not at.dataframe, page
            continue
        if page in ("projects.py", "units.py", "flags.py", "progress.py", "cuts.py"):  # cuts.py: the adopted ledger
            table = next(d.value for d in at.dataframe if "单位名称" in d.value.columns)
            shown = set(table["单位名称"])
            allowed = {r[0] for r in con.execute("SELECT DISTINCT unit_name FROM v_project_scores WHERE "
                                                 "$all OR list_contains($units, unit_code)",
                                                 {"all": units is None, "units": list(units or [])}).fetchall()}
            assert shown <= allowed and shown, (username, page, shown - allowed)
        if page == "overview.py":
            expected = con.execute("SELECT count(*) FROM v_project_scores WHERE year = 2015 AND "
                                   "($all OR list_contains($units, unit_code))",
                                   {"all": units is None, "units": list(units or [])}).fetchone()[0]
            assert any(m.label == s.METRIC_PROJECTS and m.value == f"{expected} 个" for m in at.metric)
    if username == "demo_dw":
        other_units = [r[0] for r in con.execute("SELECT DISTINCT unit_name FROM v_project_scores "
                                                 "WHERE unit_code <> ?", [UNIT_CODE]).fetchall()]
        at.switch_page("pages/projects.py").run()
        text = page_text(at)
        assert not [u for u in other_units if f"{u} · " in text or f"\n{u}," in text]


# ---- forbidden attempts ---------------------------------------------------------------------------------------


def _foreign_form(path: Path) -> tuple[int, str]:
    row = con_of(path).execute("SELECT form_id, project_name FROM v_project_scores WHERE unit_code = '218001' "
                               "ORDER BY form_id LIMIT 1").fetchone()
    return int(row[0]), row[1]


def test_another_units_project_by_address_is_refused_shown_nowhere_and_recorded(app_db):
    form_id, project = _foreign_form(app_db)
    at = sign_in_as_demo("demo_dw")
    at.query_params["form"] = str(form_id)
    at.switch_page("pages/projects.py").run()
    assert not at.exception
    assert any("无权查看（网址参数）" in e.value for e in at.error)
    assert project not in page_text(at)
    assert at.query_params.get("form") != [str(form_id)]  # dropped: the shown project is the unit's own
    entry = trail(app_db, outcome=audit.REFUSED)[-1]
    assert (entry["actor"], entry["action"], entry["unit_code"]) == ("demo_dw", audit.VIEW, "218001")


def test_an_own_project_by_address_opens_it(app_db):
    con = con_of(app_db)
    form_id, project = con.execute("SELECT form_id, project_name FROM v_project_scores WHERE unit_code = ? "
                                   "ORDER BY project_name DESC LIMIT 1", [UNIT_CODE]).fetchone()
    at = sign_in_as_demo("demo_dw")
    at.query_params["form"] = str(form_id)
    at.switch_page("pages/projects.py").run()
    assert not at.exception and not at.error
    assert any(project in h.value for h in at.subheader)


def test_the_project_widget_offers_only_the_units_own_projects_and_takes_no_other(app_db):
    form_id, project = _foreign_form(app_db)
    at = sign_in_as_demo("demo_dw")
    at.switch_page("pages/projects.py").run()
    picker = next(b for b in at.selectbox if b.label == s.PICK_PROJECT)
    assert set(picker.options) == {f"区市容环卫局 · {p}" for p in _own_projects(app_db)}
    with pytest.raises(ValueError):  # a forged widget value is not among the options: the widget refuses it
        picker.set_value(form_id).run()
    assert project not in page_text(at)


def _own_projects(path: Path) -> set[str]:
    return {r[0] for r in con_of(path).execute(  # of 2015: the pages open on the newest year
        "SELECT project_name FROM v_project_scores WHERE unit_code = ? AND year = 2015", [UNIT_CODE]).fetchall()}


def test_the_filters_never_reach_another_unit(app_db):
    at = sign_in_as_demo("demo_dw")
    at.switch_page("pages/projects.py").run()
    next(t for t in at.text_input if t.label == s.FILTER_TEXT).input("区教育局").run()
    assert not at.exception
    assert any(i.value == s.NO_MATCH for i in at.info)


@pytest.mark.parametrize("username", ["demo_dw", "demo_ld", "demo_ys", "demo_zj"])
def test_the_accounts_page_by_path_is_refused_and_recorded(app_db, username):
    viewer = next(a for a in accounts.list_accounts(con_of(app_db)) if a.username == username).viewer()
    at = AppTest.from_file(str(ROOT / "pages" / "accounts.py"), default_timeout=TIMEOUT_S)
    at.session_state[session._VIEWER] = viewer
    at.run()
    assert not at.exception
    assert any("无权管理账户" in e.value for e in at.error)
    assert not at.dataframe and not at.text_input  # no list, no form
    entry = trail(app_db, outcome=audit.REFUSED)[-1]
    assert (entry["actor"], entry["action"]) == (username, access.ACCOUNTS)


@pytest.mark.parametrize("page", ["overview.py", "projects.py", "audit.py", "accounts.py"])
def test_a_page_reached_without_signing_in_shows_nothing(app_db, page):
    at = AppTest.from_file(str(ROOT / "pages" / page), default_timeout=TIMEOUT_S).run()
    assert not at.exception
    assert [w.value for w in at.warning] == [s.NOT_SIGNED_IN]
    assert not at.metric and not at.dataframe and not at.selectbox


# ---- accounts through the page --------------------------------------------------------------------------------


def test_the_bureau_creates_the_first_real_account_and_the_demo_accounts_go(app_db):
    at = sign_in_as_demo("demo_jxb")
    at.switch_page("pages/accounts.py").run()
    assert not at.exception
    table = at.dataframe[0].value
    assert set(table[s.COL_USERNAME]) == {"demo_jxb", "demo_ys", "demo_dw", "demo_zj", "demo_ld"}
    at.text_input(key="new_username").input("wangli")
    at.text_input(key="new_name").input("王丽")
    at.text_input(key="new_password").input("wangli-2026")
    next(b for b in at.button if b.label == s.ACCOUNT_CREATE).click().run()
    assert not at.exception, at.exception
    assert not at.error, [e.value for e in at.error]
    # the demo account that made it is disabled with the others: the session is signed out and told why
    assert at.title[0].value == f"{s.APP_TITLE} · {s.SIGNIN_TITLE}"
    assert s.SIGNED_OUT_DISABLED in [w.value for w in at.warning]
    assert not [b for b in at.button if b.key and b.key.startswith("demo_")]  # no demo accounts offered any more
    made = accounts.get(con_of(app_db), "wangli")
    assert made is not None and made.role == ADMIN and made.active
    assert [r["action"] for r in trail(app_db, actor="demo_jxb")][-2:] == [audit.ACCOUNT_CREATE, audit.DEMO_DISABLE]

    at.text_input[0].input("wangli")
    at.text_input[1].input("wangli-2026")
    at.button[0].click().run()
    assert at.title[0].value == s.ACCOUNTS_TITLE  # back on the page the session was on, as the real account
    assert s.SIGNED_IN_AS.format(who="王丽（绩效办）") in [c.value for c in at.sidebar.caption]
    assert all(w.value != s.DEMO_WARNING for w in at.sidebar.warning)


def _edit_form(at: AppTest, username: str) -> AppTest:
    """The 账户管理 page with `username` picked in the edit form (widgets found by label, not by key)."""
    at.switch_page("pages/accounts.py").run()
    next(b for b in at.selectbox if b.label == s.ACCOUNT_PICK).set_value(username).run()
    assert not at.exception
    return at


def _save_name(at: AppTest, name: str) -> AppTest:
    [*_, edit_name] = [t for t in at.text_input if t.label == s.ACCOUNT_NAME]  # the edit form's, after the new one's
    edit_name.input(name)
    next(b for b in at.button if b.label == s.ACCOUNT_SAVE).click().run()
    assert not at.exception
    return at


def test_two_admins_renaming_one_account_at_once_both_land_on_it_in_order(app_db):
    """Found by the load test: once another session had renamed the account, a save from a form drawn before
    went to the first account of the list (its picker jumped: an unkeyed widget's identity includes its option
    labels) and the typed name was dropped."""
    first, second = _edit_form(sign_in_as_demo("demo_jxb"), "demo_ld"), _edit_form(sign_in_as_demo("demo_jxb"), "demo_ld")
    _save_name(first, "甲改的姓名")
    _save_name(second, "乙改的姓名")
    assert [m.value for m in second.success] == [s.ACCOUNT_SAVED.format(name="demo_ld")]
    changes = trail(app_db, action=audit.ACCOUNT_CHANGE)
    assert [c["target"] for c in changes] == ["demo_ld", "demo_ld"]
    before = [json.loads(c["before_state"]) for c in changes]
    after = [json.loads(c["after_state"]) for c in changes]
    assert [b["姓名"] for b in before] == ["领导只读演示", "甲改的姓名"]
    assert [a["姓名"] for a in after] == ["甲改的姓名", "乙改的姓名"] and before[1] == after[0]
    assert accounts.get(con_of(app_db), "demo_ld").display_name == "乙改的姓名"
    # after its save, the form shows the account as stored
    [*_, shown] = [t for t in second.text_input if t.label == s.ACCOUNT_NAME]
    assert shown.value == "乙改的姓名"


def test_an_invalid_account_is_refused_on_the_page_with_its_reason(app_db):
    at = sign_in_as_demo("demo_jxb")
    at.switch_page("pages/accounts.py").run()
    at.text_input(key="new_username").input("wang")
    at.text_input(key="new_name").input("王五")
    at.selectbox(key="new_role").set_value(UNIT)
    at.text_input(key="new_password").input("wang-2026x")
    next(b for b in at.button if b.label == s.ACCOUNT_CREATE).click().run()
    assert not at.exception
    assert any("须指定所属单位" in e.value for e in at.error)
    assert accounts.get(con_of(app_db), "wang") is None


# ---- the audit page -------------------------------------------------------------------------------------------


def test_a_unit_sees_only_its_own_entries_and_the_bureau_sees_all(app_db):
    at = sign_in_as_demo("demo_dw")
    at.switch_page("pages/audit.py").run()
    assert not at.exception
    own = at.dataframe[0].value
    assert set(own[s.COL_AUDIT_ACTOR]) == {"demo_dw"}
    assert not [m for m in at.multiselect if m.label == s.AUDIT_ACTOR]

    at = sign_in_as_demo("demo_ld")
    at.switch_page("pages/audit.py").run()
    everyone = at.dataframe[0].value
    assert {"demo_dw", "demo_ld"} <= set(everyone[s.COL_AUDIT_ACTOR])
    assert any(s.AUDIT_CHAIN_OK.format(n=len(trail(app_db))) == x.value for x in at.success)
    outcome = next(m for m in at.multiselect if m.label == s.AUDIT_OUTCOME)
    outcome.set_value([audit.OK]).run()
    assert set(at.dataframe[0].value[s.COL_AUDIT_OUTCOME]) == {audit.OK}


# ---- single sign-on modes -------------------------------------------------------------------------------------


def test_oidc_mode_maps_the_login_to_an_account(app_db, monkeypatch):
    con = con_of(app_db)
    admin = accounts.create(con, access.command_line(), "admin", "管理员", ADMIN, "admin-2026x").viewer()
    accounts.create(con, admin, "leader", "领导", READER, None, sso_identity="leader@czj.gov.cn")
    monkeypatch.setenv(session.MODE_ENV, session.OIDC)
    at = AppTest.from_file(DASHBOARD, default_timeout=TIMEOUT_S)
    at.user = {"is_logged_in": False}
    at.run()
    assert [b.label for b in at.button] == [s.SIGNIN_SSO] and not at.text_input
    at = AppTest.from_file(DASHBOARD, default_timeout=TIMEOUT_S)
    at.user = {"is_logged_in": True, "email": "leader@czj.gov.cn", "name": "领导"}
    at.run()
    assert not at.exception and at.title[0].value == s.OVERVIEW_TITLE
    assert s.SIGNED_IN_AS.format(who="领导（只读）") in [c.value for c in at.sidebar.caption]
    at = AppTest.from_file(DASHBOARD, default_timeout=TIMEOUT_S)
    at.user = {"is_logged_in": True, "email": "stranger@example.com"}
    at.run()
    assert any("没有对应的启用账户" in e.value for e in at.error) and not at.metric


def test_proxy_mode_without_the_header_shows_nothing(app_db, monkeypatch):
    monkeypatch.setenv(session.MODE_ENV, session.PROXY)
    at = start()
    assert not at.exception
    assert [e.value for e in at.error] == [s.SIGNIN_PROXY_MISSING.format(header=session.DEFAULT_PROXY_HEADER)]
    assert not at.metric and not at.text_input


def test_proxy_and_oidc_identities():
    assert session.proxy_identity({"x-remote-user": " wangli "}, "X-Remote-User") == "wangli"
    assert session.proxy_identity({"X-Remote-User": ""}, "X-Remote-User") is None
    assert session.proxy_identity({"Host": "a"}, "X-Remote-User") is None
    assert session.oidc_identity({"is_logged_in": True, "email": "a@b.cn", "sub": "1"}) == "a@b.cn"
    assert session.oidc_identity({"is_logged_in": True, "preferred_username": "wl"}) == "wl"
    assert session.oidc_identity({"is_logged_in": False, "email": "a@b.cn"}) is None


def test_no_accounts_at_all_says_how_to_create_the_first(tmp_path, monkeypatch):
    path = tmp_path / "none.duckdb"
    db.open_db(path).close()
    monkeypatch.setenv("BUDGET_PERF_DB", str(path))
    monkeypatch.delenv(session.MODE_ENV, raising=False)
    at = start()
    assert not at.exception
    assert [i.value for i in at.info] == [s.SIGNIN_NO_ACCOUNTS] and not at.text_input


def test_demo_accounts_are_not_listed_once_real_data_is_loaded(app_db):
    from etl.load import SourceFile, load_source
    from tests.conftest import form_bytes

    con = con_of(app_db)
    report = load_source(con, SourceFile("real.xlsx", form_bytes(title="项目支出绩效自评表（2016年度）")))
    assert not report.rejected
    at = start()
    assert not [b for b in at.button if b.key and b.key.startswith("demo_")]
    at.text_input[0].input("demo_jxb")
    at.text_input[1].input(accounts.DEMO_PASSWORD)
    at.button[0].click().run()  # still active (no real account yet): they sign in, and the dashboard warns
    assert at.title[0].value == s.OVERVIEW_TITLE
    assert any(w.value == s.DEMO_WARNING for w in at.sidebar.warning)


# ---- uploads --------------------------------------------------------------------------------------------------

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _upload(at: AppTest, *files: tuple[str, bytes]) -> AppTest:
    at.switch_page("pages/upload.py").run()
    at.file_uploader(key="upload_files").set_value([(name, data, XLSX) for name, data in files])
    at.button(key="upload_go").click().run()  # checked first: nothing stored yet
    assert not at.exception
    at.button(key="upload_confirm").click().run()
    assert not at.exception
    return at


def test_a_unit_uploads_its_own_form_and_sees_it(app_db):
    from tests.conftest import form_bytes

    at = _upload(sign_in_as_demo("demo_dw"), ("环卫新项目.xlsx", form_bytes(unit="214001-区市容环卫局",
                                                                           project="背街小巷保洁")))
    assert any(s.UPLOAD_DONE.format(ok=1, bad=0) == m.value for m in at.success)
    assert any("本单位（区市容环卫局）" in i.value for i in at.info)
    assert con_of(app_db).execute("SELECT count(*) FROM v_project_scores WHERE project_name = '背街小巷保洁' "
                                  "AND unit_code = ?", [UNIT_CODE]).fetchone() == (1,)
    entry = trail(app_db, action=audit.IMPORT)[-1]
    assert (entry["actor"], entry["unit_code"], entry["target"]) == ("demo_dw", UNIT_CODE, "环卫新项目.xlsx")
    at.switch_page("pages/projects.py").run()
    assert "背街小巷保洁" in page_text(at)


def test_a_unit_uploading_another_units_form_is_refused_with_the_cell_and_nothing_stored(app_db):
    from tests.conftest import form_bytes

    forms_before = con_of(app_db).execute("SELECT count(*) FROM forms").fetchone()
    at = _upload(sign_in_as_demo("demo_dw"),
                 ("教育局的表.xlsx", form_bytes(unit="218001-区教育局", project="冒名项目")),
                 ("自己的表.xlsx", form_bytes(unit="214001-区市容环卫局", project="自己的新项目")))
    assert any(s.UPLOAD_DONE.format(ok=1, bad=1) == e.value for e in at.error)
    problems = next(d.value for d in at.dataframe if s.COL_SHEET in d.value.columns)
    refused = problems[problems[s.COL_FILE] == "教育局的表.xlsx"].iloc[0]
    assert (refused[s.COL_SHEET], refused[s.COL_CELL]) == ("道路清扫费", "G4")
    assert "无权导入自评表" in refused[s.COL_MESSAGE]
    con = con_of(app_db)
    assert con.execute("SELECT count(*) FROM forms").fetchone() == (forms_before[0] + 1,)
    assert con.execute("SELECT count(*) FROM forms WHERE project_name = '冒名项目'").fetchone() == (0,)
    entry = trail(app_db, outcome=audit.REFUSED)[-1]
    assert (entry["actor"], entry["action"], entry["unit_code"]) == ("demo_dw", access.UPLOAD, "218001")


@pytest.mark.parametrize("username", ["demo_ld", "demo_ys", "demo_zj"])
def test_the_upload_page_by_path_is_refused_for_roles_without_uploads(app_db, username):
    viewer = next(a for a in accounts.list_accounts(con_of(app_db)) if a.username == username).viewer()
    at = AppTest.from_file(str(ROOT / "pages" / "upload.py"), default_timeout=TIMEOUT_S)
    at.session_state[session._VIEWER] = viewer
    at.run()
    assert not at.exception
    assert any("无权导入自评表" in e.value for e in at.error) and not at.file_uploader
    assert trail(app_db, outcome=audit.REFUSED)[-1]["actor"] == username
