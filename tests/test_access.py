"""Accounts, roles, scopes and the audit trail at the store's boundary: what each role may read and write, what
is refused and recorded, sign-in and its rate limit, demo accounts, and the hash chain of the trail."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from etl.build import DEMO_ACCOUNTS
from etl.load import REJECTED, SourceFile, load_source
from etl.scoring import rescore
from rubrics.loader import load_rubric
from store import access, accounts, audit, db, queries
from store.access import ADMIN, BUDGET, EXPERT, READER, UNIT, Refused, Viewer
from store.accounts import AccountError, Limiter, SignInError
from tests.conftest import form_bytes

CLI = access.command_line()
PASSWORD = "secret-123"


@pytest.fixture
def sample_copy(sample_db_path: Path, tmp_path: Path):
    """A private copy of the sample database (with its demo accounts), opened; these tests write to it."""
    path = tmp_path / "copy.duckdb"
    shutil.copy(sample_db_path, path)
    con = db.open_db(path)
    yield con
    con.close()


def trail(con, **where) -> list[dict]:
    """The audit entries, oldest first, as dicts; `where` filters on equal columns."""
    frame = audit.entries(con, audit.Filter()).iloc[::-1]
    rows = frame.to_dict("records")
    return [r for r in rows if all(r[k] == v for k, v in where.items())]


def demo(username: str) -> Viewer:
    account = next(d for d in DEMO_ACCOUNTS if d.username == username)
    return Viewer(account.username, account.display_name, account.role, account.units, account.departments, True)


# ---- scopes ---------------------------------------------------------------------------------------------------


def test_each_role_reads_exactly_its_scope(sample_copy):
    con = sample_copy
    all_units = {r[0] for r in con.execute("SELECT DISTINCT unit_code FROM v_project_scores").fetchall()}
    portfolio = {r[0] for r in con.execute("SELECT DISTINCT unit_code FROM v_project_scores "
                                           "WHERE department IN ('区教育局', '区卫生局')").fetchall()}
    assert len(all_units) == 121 and len(portfolio) == 31
    assert access.scope(con, demo("demo_jxb")) is None
    assert access.scope(con, demo("demo_ld")) is None
    assert access.scope(con, demo("demo_dw")) == ("214001",)
    assert set(access.scope(con, demo("demo_ys"))) == portfolio
    assert access.scope(con, demo("demo_zj")) == ()

    unit = queries.headline(con, 2015, access.scope(con, demo("demo_dw")))
    expected = con.execute("SELECT count(*), sum(budget_full_year) FROM v_project_scores WHERE unit_code = '214001' AND year = 2015"
                           ).fetchone()
    assert (unit.units, unit.projects, unit.budget_full_year) == (1, expected[0], expected[1])
    nothing = queries.headline(con, 2015, ())
    assert nothing.projects == 0


def test_form_detail_of_another_unit_is_not_returned_and_asking_by_id_is_recorded(sample_copy):
    con = sample_copy
    viewer = demo("demo_dw")
    units = access.scope(con, viewer)
    own = con.execute("SELECT min(form_id) FROM v_project_scores WHERE unit_code = '214001' AND year = 2015").fetchone()[0]
    foreign = con.execute("SELECT min(form_id) FROM v_project_scores WHERE unit_code = '218001'").fetchone()[0]
    assert queries.form_detail(con, own, units) is not None
    assert queries.form_detail(con, foreign, units) is None
    assert queries.form_indicators(con, foreign, units).empty
    assert access.check_form(con, viewer, units, own, "网址参数") is True
    assert access.check_form(con, viewer, units, 10**12, "网址参数") is False  # no such form: nothing to record
    with pytest.raises(Refused, match="无权查看（网址参数）"):
        access.check_form(con, viewer, units, foreign, "网址参数")
    [entry] = trail(con, outcome=audit.REFUSED)
    assert entry["actor"] == "demo_dw" and entry["action"] == audit.VIEW and entry["unit_code"] == "218001"
    assert "区教育局" not in entry["detail"]  # what the person saw does not name the other unit


# ---- writes by role -------------------------------------------------------------------------------------------


def _form_of(unit: str, project: str = "新增测试项目") -> SourceFile:
    return SourceFile(f"{unit}.xlsx", form_bytes(unit=unit, project=project))


def test_a_unit_imports_its_own_form_and_is_refused_for_another_units(sample_copy):
    con = sample_copy
    rubric = load_rubric()
    unit = demo("demo_dw")
    own = load_source(con, _form_of("214001-区市容环卫局"), rubric, actor=unit)
    assert own.status != REJECTED, own.problems
    entry = trail(con, action=audit.IMPORT)[-1]
    assert entry["actor"] == "demo_dw" and entry["outcome"] == audit.OK and entry["unit_code"] == "214001"
    assert "新增测试项目" in entry["after_state"]

    before = con.execute("SELECT count(*) FROM forms").fetchone()
    other = load_source(con, _form_of("218001-区教育局", "别人的项目"), rubric, actor=unit)
    assert other.rejected
    [problem] = [p for p in other.problems if p.severity == "错误"]
    assert problem.sheet == "道路清扫费" and problem.cell == "G4"  # the 实施单位 cell of form_rows
    assert "无权导入自评表" in problem.message and "区教育局" in problem.message
    assert con.execute("SELECT count(*) FROM forms").fetchone() == before
    refused = trail(con, outcome=audit.REFUSED)[-1]
    assert refused["actor"] == "demo_dw" and refused["action"] == access.UPLOAD and refused["unit_code"] == "218001"


def test_a_unit_named_only_by_name_is_resolved_through_the_plan(sample_copy):
    con = sample_copy
    report = load_source(con, _form_of("区市容环卫局", "按名称识别的项目"), load_rubric(), actor=demo("demo_dw"))
    assert not report.rejected, report.problems
    report = load_source(con, _form_of("区卫生局", "按名称识别的项目"), load_rubric(), actor=demo("demo_dw"))
    assert report.rejected


@pytest.mark.parametrize("username", ["demo_ld", "demo_ys", "demo_zj"])
def test_roles_without_upload_are_refused_and_recorded(sample_copy, username):
    con = sample_copy
    report = load_source(con, _form_of("214001-区市容环卫局"), load_rubric(), actor=demo(username))
    assert report.rejected
    assert any("无权导入自评表" in p.message for p in report.problems)
    assert trail(con, outcome=audit.REFUSED)[-1]["actor"] == username


@pytest.mark.parametrize("username", ["demo_ld", "demo_ys", "demo_dw", "demo_zj"])
def test_only_the_bureau_rescores_changes_accounts_or_resets_passwords(sample_copy, username):
    con = sample_copy
    viewer = demo(username)
    runs = con.execute("SELECT count(*) FROM scoring_runs").fetchone()
    with pytest.raises(Refused):
        rescore(con, load_rubric(), actor=viewer)
    with pytest.raises(Refused):
        accounts.create(con, viewer, "someone", "某人", ADMIN, PASSWORD)
    with pytest.raises(Refused):
        accounts.set_password(con, viewer, "demo_jxb", "another-123")
    with pytest.raises(Refused):
        accounts.set_active(con, viewer, "demo_jxb", False)
    assert con.execute("SELECT count(*) FROM scoring_runs").fetchone() == runs
    assert accounts.get(con, "someone") is None
    assert accounts.sign_in(con, "demo_jxb", accounts.DEMO_PASSWORD, limiter=Limiter()).role == ADMIN
    refused = trail(con, actor=username, outcome=audit.REFUSED)
    assert [r["action"] for r in refused] == [access.RULES, access.ACCOUNTS, access.ACCOUNTS, access.ACCOUNTS]


def test_the_bureau_rescores_with_before_and_after_in_the_trail(sample_copy):
    con = sample_copy
    rescore(con, load_rubric(), 2015, actor=demo("demo_jxb"))
    entry = trail(con, action=audit.RESCORE)[-1]
    assert entry["actor"] == "demo_jxb" and entry["target"] == "2015 年度"
    assert "项目支出绩效自评" in entry["before_state"] and '"自评表": 793' in entry["after_state"]


# ---- accounts -------------------------------------------------------------------------------------------------


def test_first_real_account_must_be_the_bureau_and_disables_the_demo_accounts(sample_copy):
    con = sample_copy
    assert len(accounts.demo_accounts_active(con)) == 5
    with pytest.raises(AccountError, match="第一个正式账户须为“绩效办”"):
        accounts.create(con, CLI, "wang", "王五", UNIT, PASSWORD, units=["214001"])
    assert len(accounts.demo_accounts_active(con)) == 5
    made = accounts.create(con, demo("demo_jxb"), "Zhang ", "张三", ADMIN, PASSWORD)
    assert made.username == "zhang" and not made.is_demo
    assert accounts.demo_accounts_active(con) == []
    with pytest.raises(SignInError, match="已停用"):
        accounts.sign_in(con, "demo_jxb", accounts.DEMO_PASSWORD, limiter=Limiter())
    actions = [r["action"] for r in trail(con, actor="demo_jxb")]
    assert actions[-3:] == [audit.ACCOUNT_CREATE, audit.DEMO_DISABLE, audit.SIGN_IN_FAILED]
    assert PASSWORD not in str(trail(con))  # neither the password nor its hash is recorded
    stored = con.execute("SELECT password_hash FROM accounts WHERE username = 'zhang'").fetchone()[0]
    assert stored.startswith("$argon2id$") and PASSWORD not in stored


def test_account_input_is_checked_with_chinese_messages(sample_copy):
    con = sample_copy
    admin = accounts.create(con, CLI, "admin", "管理员", ADMIN, PASSWORD).viewer()
    cases = [
        (dict(username="a", display_name="某", role=ADMIN, password=PASSWORD), "账户名须为"),
        (dict(username="x1", display_name=" ", role=ADMIN, password=PASSWORD), "请填写姓名"),
        (dict(username="x2", display_name="某", role="财务", password=PASSWORD), "角色“财务”不存在"),
        (dict(username="x3", display_name="某", role=UNIT, password=PASSWORD), "须指定所属单位"),
        (dict(username="x4", display_name="某", role=BUDGET, password=PASSWORD), "须指定分管的主管部门"),
        (dict(username="x5", display_name="某", role=READER, password="short1"), "至少 8 个字符"),
        (dict(username="x6", display_name="某", role=READER, password="12345678"), "不能只有数字"),
        (dict(username="x7", display_name="某", role=READER, password=None), "请设置密码"),
        (dict(username="admin", display_name="某", role=READER, password=PASSWORD), "已存在"),
    ]
    for kwargs, message in cases:
        with pytest.raises(AccountError, match=message):
            accounts.create(con, admin, **kwargs)
    assert [a.username for a in accounts.list_accounts(con) if not a.is_demo] == ["admin"]


def test_changes_keep_before_and_after_and_the_last_bureau_account_stays(sample_copy):
    con = sample_copy
    admin = accounts.create(con, CLI, "admin", "管理员", ADMIN, PASSWORD).viewer()
    accounts.create(con, admin, "li", "李四", UNIT, PASSWORD, units=["214001"])
    changed = accounts.update(con, admin, "li", role=BUDGET, departments=["区教育局"])
    assert (changed.role, changed.units, changed.departments) == (BUDGET, (), ("区教育局",))
    entry = trail(con, action=audit.ACCOUNT_CHANGE)[-1]
    assert '"角色": "单位"' in entry["before_state"] and '"角色": "预算股室"' in entry["after_state"]
    with pytest.raises(AccountError, match="不能停用自己"):
        accounts.set_active(con, admin, "admin", False)
    with pytest.raises(AccountError, match="最后一个启用的绩效办账户"):
        accounts.update(con, CLI, "admin", role=READER)
    with pytest.raises(AccountError, match="最后一个启用的绩效办账户"):
        accounts.set_active(con, CLI, "admin", False)
    accounts.set_active(con, admin, "li", False)
    assert accounts.current(con, changed.viewer()) is None  # a disabled account is signed out at its next run


def test_own_password_change_needs_the_current_one(sample_copy):
    con = sample_copy
    admin = accounts.create(con, CLI, "admin", "管理员", ADMIN, PASSWORD).viewer()
    reader = accounts.create(con, admin, "ld", "领导", READER, PASSWORD).viewer()
    with pytest.raises(AccountError, match="当前密码不正确"):
        accounts.set_password(con, reader, "ld", "new-pass-456", "wrong")
    accounts.set_password(con, reader, "ld", "new-pass-456", PASSWORD)  # 只读 may change its own password
    assert accounts.sign_in(con, "ld", "new-pass-456", limiter=Limiter()).role == READER
    with pytest.raises(AccountError, match="演示账户的密码不能修改"):
        accounts.set_password(con, demo("demo_ld"), "demo_ld", "new-pass-456", accounts.DEMO_PASSWORD)


# ---- sign-in --------------------------------------------------------------------------------------------------


def test_sign_in_says_the_same_for_an_unknown_name_and_a_wrong_password(sample_copy):
    con = sample_copy
    limiter = Limiter()
    for name, password in (("nobody", "x"), ("demo_jxb", "wrong")):
        with pytest.raises(SignInError) as exc:
            accounts.sign_in(con, name, password, "10.0.0.9", limiter)
        assert str(exc.value) == accounts.WRONG
    viewer = accounts.sign_in(con, " DEMO_JXB ", accounts.DEMO_PASSWORD, "10.0.0.9", limiter)
    assert viewer.username == "demo_jxb"
    outcomes = [(r["actor"], r["action"]) for r in trail(con) if r["action"] in (audit.SIGN_IN, audit.SIGN_IN_FAILED)]
    assert outcomes == [("nobody", audit.SIGN_IN_FAILED), ("demo_jxb", audit.SIGN_IN_FAILED), ("demo_jxb", audit.SIGN_IN)]
    assert "10.0.0.9" in trail(con, action=audit.SIGN_IN)[-1]["detail"]


def test_sign_in_attempts_are_rate_limited_per_name_and_per_client(sample_copy):
    con = sample_copy
    now = [1000.0]
    limiter = Limiter(max_failures=3, window_s=60, clock=lambda: now[0])
    for _ in range(3):
        with pytest.raises(SignInError, match="不正确"):
            accounts.sign_in(con, "demo_jxb", "guess", "10.0.0.1", limiter)
    with pytest.raises(SignInError, match="登录失败次数过多，请 1 分钟后再试"):
        accounts.sign_in(con, "demo_jxb", accounts.DEMO_PASSWORD, "10.0.0.2", limiter)  # right password, locked name
    with pytest.raises(SignInError, match="次数过多"):
        accounts.sign_in(con, "demo_ld", accounts.DEMO_PASSWORD, "10.0.0.1", limiter)  # locked client
    assert accounts.sign_in(con, "demo_ld", accounts.DEMO_PASSWORD, "10.0.0.3", limiter).role == READER
    now[0] += 61
    assert accounts.sign_in(con, "demo_jxb", accounts.DEMO_PASSWORD, "10.0.0.1", limiter).role == ADMIN
    locked = [r for r in trail(con, action=audit.SIGN_IN_FAILED) if "次数过多" in r["detail"]]
    assert len(locked) == 2


def test_single_sign_on_identity_maps_to_an_active_real_account(sample_copy):
    con = sample_copy
    admin = accounts.create(con, CLI, "admin", "管理员", ADMIN, PASSWORD).viewer()
    accounts.create(con, admin, "wang", "王五", UNIT, None, units=["214001"], sso_identity="Wang.Wu@czj.gov.cn")
    assert accounts.identify(con, "wang.wu@czj.gov.cn", "反向代理").username == "wang"
    assert accounts.identify(con, "admin", "反向代理").role == ADMIN  # the account name itself
    with pytest.raises(SignInError, match="没有对应的启用账户"):
        accounts.identify(con, "demo_jxb", "反向代理")  # demo accounts never come through single sign-on
    with pytest.raises(SignInError, match="没有对应的启用账户"):
        accounts.identify(con, "stranger@example.com", "统一身份认证")
    with pytest.raises(SignInError):  # an SSO-only account has no password to sign in with
        accounts.sign_in(con, "wang", "", limiter=Limiter())
    accounts.set_active(con, admin, "wang", False)
    with pytest.raises(SignInError, match="已停用"):
        accounts.identify(con, "wang.wu@czj.gov.cn", "反向代理")


# ---- the trail ------------------------------------------------------------------------------------------------


def test_the_chain_verifies_and_finds_a_row_changed_or_removed_behind_the_programs_back(sample_copy):
    con = sample_copy
    for attempt in range(3):
        with pytest.raises(SignInError):
            accounts.sign_in(con, "demo_jxb", f"wrong{attempt}", limiter=Limiter())
    verdict = audit.verify(con)
    assert verdict.broken_at is None and verdict.rows == len(trail(con)) > 3
    middle = con.execute("SELECT max(audit_id) - 1 FROM audit_log").fetchone()[0]
    con.execute("UPDATE audit_log SET actor = 'someone_else' WHERE audit_id = ?", [middle])
    assert audit.verify(con).broken_at == middle
    con.execute("UPDATE audit_log SET actor = 'demo_jxb' WHERE audit_id = ?", [middle])
    assert audit.verify(con).broken_at is None
    con.execute("DELETE FROM audit_log WHERE audit_id = ?", [middle])
    assert audit.verify(con).broken_at == middle + 1


def test_no_program_code_updates_or_deletes_the_trail():
    """Append-only at the store's boundary: no SQL text outside tests changes audit_log rows."""
    root = db.ROOT
    offending = []
    for path in [*root.glob("*.py"), *root.glob("*/*.py"), *root.glob("store/**/*.sql")]:
        if path.parts[-2] in ("tests", "bench"):
            continue
        text = path.read_text(encoding="utf-8")
        if re.search(r"(UPDATE|DELETE\s+FROM|TRUNCATE|DROP\s+TABLE)\s+audit_log", text, re.IGNORECASE):
            offending.append(str(path.relative_to(root)))
    assert offending == []


def test_the_trail_filters_by_person_action_outcome_and_text(sample_copy):
    con = sample_copy
    with pytest.raises(SignInError):
        accounts.sign_in(con, "demo_ys", "wrong", limiter=Limiter())
    accounts.sign_in(con, "demo_ys", accounts.DEMO_PASSWORD, limiter=Limiter())
    own = audit.entries(con, audit.Filter(), only_actor="demo_ys")
    assert set(own["actor"]) == {"demo_ys"} and len(own) == 2
    failed = audit.entries(con, audit.Filter(outcomes=(audit.REFUSED,)))
    assert list(failed["action"]) == [audit.SIGN_IN_FAILED]
    imports = audit.entries(con, audit.Filter(actions=(audit.IMPORT,), text="214001"))
    assert len(imports) == 2 and set(imports["unit_code"]) == {"214001"}  # its 2014 and its 2015 workbook
    actors, actions = audit.choices(con)
    assert "demo_ys" in actors and audit.IMPORT in actions


# ---- the command line -----------------------------------------------------------------------------------------


def _cli(*args: str, stdin: str = "") -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "etl", *args], input=stdin, capture_output=True, text=True,
                          cwd=db.ROOT, timeout=120)


def test_users_command_creates_lists_changes_and_is_audited(sample_db_path, tmp_path):
    path = tmp_path / "cli.duckdb"
    shutil.copy(sample_db_path, path)
    made = _cli("users", "--db", str(path), "add", "zhang", "--name", "张三", "--role", "绩效办", "--password-stdin",
                stdin=PASSWORD + "\n")
    assert made.returncode == 0, made.stderr
    assert "已创建账户：zhang\t张三\t绩效办" in made.stdout
    unit = _cli("users", "--db", str(path), "add", "wang", "--name", "王五", "--role", "单位", "--unit", "214001",
                "--password-stdin", stdin="short\n")
    assert unit.returncode == 1 and "密码至少 8 个字符" in unit.stderr
    listed = _cli("users", "--db", str(path), "list")
    assert listed.returncode == 0 and "demo_dw\t区市容环卫局演示\t单位\t214001\t（演示，已停用）" in listed.stdout
    off = _cli("users", "--db", str(path), "disable", "zhang")
    assert off.returncode == 1 and "最后一个启用的绩效办账户" in off.stderr
    con = db.open_db(path)
    try:
        entry = trail(con, action=audit.ACCOUNT_CREATE)[-1]
        assert entry["actor"].startswith("命令行:") and entry["role"] == ADMIN and entry["target"] == "zhang"
    finally:
        con.close()


def test_sample_command_creates_demo_accounts_once(sample_build):
    assert "已创建演示账户" in sample_build.stdout
    con = db.connection(sample_build.path)
    demos = [a for a in accounts.list_accounts(con) if a.is_demo]
    assert {(a.username, a.role) for a in demos} == {(d.username, d.role) for d in DEMO_ACCOUNTS}
    assert {a.role for a in demos} == {ADMIN, BUDGET, UNIT, EXPERT, READER}
    assert accounts.ensure_demo_accounts(con, DEMO_ACCOUNTS) == 0
