"""Who may see and change what. A `Viewer` is the signed-in person; `scope` turns it into the units whose data
it may read (every query of store.queries takes that scope); `require` says whether it may do a write, and
records a refusal in the audit trail before raising `Refused`.

Roles (issue 7): 绩效办 everything; 预算股室 review and cuts for the units of the 主管部门 in its portfolio;
单位 its own unit (results, uploads, templates); 专家 only the panels it sits on; 只读 sees everything and
changes nothing.
"""

from __future__ import annotations

import getpass
from collections.abc import Sequence
from dataclasses import dataclass

from store import audit
from store.db import Connection, StoreError, reading

ADMIN = "绩效办"
BUDGET = "预算股室"
UNIT = "单位"
EXPERT = "专家"
READER = "只读"
ROLES = (ADMIN, BUDGET, UNIT, EXPERT, READER)
ROLE_HELP = {
    ADMIN: "全部数据与全部操作（含账户管理、评分标准、备份）",
    BUDGET: "查看其分管主管部门下属单位的数据，对其进行财政复核与预算压减",
    UNIT: "只能查看本单位的结果，上传本单位的自评表、下载模板",
    EXPERT: "只能查看和评分所在评审组的项目",
    READER: "查看全部数据，不能做任何修改（如会议大屏）",
}

# Writes a role may make, and whether they are limited to the units in its scope.
UPLOAD = "导入自评表"
PLAN = "导入自评项目清单"
REVIEW = "财政复核"
CUT = "预算压减"
EXPERT_SCORE = "专家评分"
EVALUATE = "组织专家评价"  # create 重点评价 / 部门整体评价, choose the panel and the year's rubric
RULES = "修改评分标准"
ACCOUNTS = "管理账户"
AUDIT_ALL = "查看全部操作记录"
BACKUP = "备份与恢复"
DEADLINES = "设置报送时限"
ALLOWED: dict[str, frozenset[str]] = {
    ADMIN: frozenset({UPLOAD, PLAN, REVIEW, CUT, EXPERT_SCORE, EVALUATE, RULES, ACCOUNTS, AUDIT_ALL, BACKUP,
                      DEADLINES}),
    BUDGET: frozenset({REVIEW, CUT}),
    UNIT: frozenset({UPLOAD}),
    EXPERT: frozenset({EXPERT_SCORE}),
    READER: frozenset({AUDIT_ALL}),  # reading the whole trail is a view, not a change
}

Units = Sequence[str] | None  # as store.queries: unit codes the viewer may see; None = every unit


class Refused(StoreError):
    """The viewer may not do this; the attempt is in the audit trail."""


@dataclass(frozen=True)
class Viewer:
    """The signed-in person as the store sees it: name, role and the units or departments its role covers."""

    username: str
    display_name: str
    role: str
    units: tuple[str, ...] = ()  # 单位
    departments: tuple[str, ...] = ()  # 预算股室
    is_demo: bool = False

    @property
    def label(self) -> str:
        """How pages and the trail name the person: 张三（绩效办）."""
        return f"{self.display_name}（{self.role}）"

    @property
    def read_only(self) -> bool:
        """True for 只读: sees everything, changes nothing."""
        return self.role == READER

    def may(self, action: str) -> bool:
        """True when the role may make this kind of write at all (the unit is checked by `require`)."""
        return action in ALLOWED.get(self.role, frozenset())


def command_line() -> Viewer:
    """The operator of `python -m etl …` on the server: the bureau's own administrator."""
    name = f"命令行:{getpass.getuser()}"
    return Viewer(username=name, display_name=name, role=ADMIN)


PORTFOLIO_SQL = """
SELECT DISTINCT unit_code FROM forms WHERE list_contains($departments, department)
UNION SELECT DISTINCT unit_code FROM plan_projects WHERE list_contains($departments, department)
ORDER BY 1
"""


def scope(con: Connection, viewer: Viewer) -> Units:
    """The units whose data the viewer may read: None (every unit) for 绩效办 and 只读, its own for 单位, the
    units of its portfolio's departments for 预算股室, none for 专家 (its panels come with key evaluations)."""
    if viewer.role in (ADMIN, READER):
        return None
    if viewer.role == UNIT:
        return tuple(viewer.units)
    if viewer.role == BUDGET:
        with reading(con) as cur:
            rows = cur.execute(PORTFOLIO_SQL, {"departments": list(viewer.departments)}).fetchall()
        return tuple(r[0] for r in rows)
    return ()


@dataclass(frozen=True)
class PanelScope:
    """Which expert-panel evaluations a viewer may read: those of the units in `units` (None: every unit), and, for a
    专家, only the panels whose member account is `expert`."""

    units: Units
    expert: str | None = None


def panel_scope(con: Connection, viewer: Viewer) -> PanelScope:
    """The evaluations the viewer may read: a 专家 its own panels (whatever the unit), every other role the
    evaluations of the units in its scope (a 单位 its own unit's)."""
    if viewer.role == EXPERT:
        return PanelScope(None, viewer.username)
    return PanelScope(scope(con, viewer))


def in_scope(units: Units, unit_code: str | None) -> bool:
    """True when the unit is among the scope's units (every unit when the scope is None)."""
    return units is None or (unit_code is not None and unit_code in units)


def refuse(con: Connection, viewer: Viewer, action: str, message: str, target: str | None = None,
           unit_code: str | None = None) -> Refused:
    """Record a refused attempt and return the error to raise (its message is what the person sees)."""
    audit.record_alone(con, audit.Entry(actor=viewer.username, role=viewer.role, action=action,
                                        outcome=audit.REFUSED, target=target, unit_code=unit_code, detail=message))
    return Refused(message)


NOT_ALLOWED = "您的账户（{who}）无权{action}。此次尝试已记入操作记录；如确需办理，请联系绩效办。"
NOT_YOUR_UNIT = "您的账户（{who}）无权{action}：{what}不属于您可以办理的单位。此次尝试已记入操作记录。"


def require(con: Connection, viewer: Viewer, action: str, unit_code: str | None = None, target: str | None = None,
            units: Units = None, what: str | None = None) -> None:
    """Raise Refused (recorded in the audit trail) unless the viewer may do `action`, for `unit_code` when given.
    `units` is the viewer's scope when the caller has it already (else it is looked up)."""
    if not viewer.may(action):
        raise refuse(con, viewer, action, NOT_ALLOWED.format(who=viewer.label, action=action), target, unit_code)
    if unit_code is None or viewer.role == ADMIN:
        return
    allowed = units if units is not None else scope(con, viewer)
    if not in_scope(allowed, unit_code):
        message = NOT_YOUR_UNIT.format(who=viewer.label, action=action, what=what or f"单位 {unit_code}")
        raise refuse(con, viewer, action, message, target, unit_code)


NOT_VISIBLE = "无权查看（{how}）：该项目不在您的账户范围内。此次尝试已记入操作记录。"
FORM_UNIT_SQL = "SELECT unit_code, unit_name, project_name FROM forms WHERE form_id = ?"


def check_form(con: Connection, viewer: Viewer, units: Units, form_id: int, how: str) -> bool:
    """True when the form exists and is in the viewer's scope, False when it does not exist. A form that exists
    outside the scope raises Refused, recorded (asked for `how`: 网址参数, 选择框 …)."""
    with reading(con) as cur:
        row = cur.execute(FORM_UNIT_SQL, [form_id]).fetchone()
    if row is None:
        return False
    unit_code, unit_name, project_name = row
    if in_scope(units, unit_code):
        return True
    raise refuse(con, viewer, audit.VIEW, NOT_VISIBLE.format(how=how),
                 target=f"自评表 {form_id}（{unit_name} · {project_name}）", unit_code=unit_code)
