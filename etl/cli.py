"""Command line: `python -m etl sample | load | check | rescore | users | backup | restore | template | requests |
requests-template | export`. Parses arguments and
calls the library. Every write is made on behalf of the operator (`命令行:<system user>`, with the 绩效办 role)
and audited."""

from __future__ import annotations

import argparse
import getpass
import sys
import time
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import TypeVar

from etl import remote
from etl.build import SAMPLE_SCENARIO, add_demo_accounts, load_sample_cuts, load_sample_evaluations, sample_files
from etl.explain import explain
from etl.form import Problem
from etl.load import BATCH_FILES, REJECTED, FileReport, check, check_source, default_workers, iter_sources, load_paths
from etl.scoring import rescore
from rubrics.loader import Rubric, RubricError, load_rubric
from store import accounts
from store.access import ROLE_HELP, ROLES, command_line
from store.backup import REQUEST_WAIT_S, Archive, archive_path, backup, prune, request_backup, restore
from store.db import Connection, DatabaseBusy, StoreError, default_path, held_elsewhere, open_db

EXIT_OK = 0
EXIT_REJECTED = 1
EXIT_BUSY = 2
OPEN_WAIT_S = 30  # how long a command waits for another process to release the database
T = TypeVar("T")
DEMO_BANNER = "已创建演示账户（demo_jxb 绩效办、demo_ys 预算股室、demo_dw 单位、demo_zj 专家、demo_ld 只读，密码均为 demo）；创建第一个正式账户后自动停用"
EVAL_BANNER = "已创建示例的重点评价（区市容环卫局 道路清扫费）和部门整体评价（5 个部门），导入专家评分表 {files} 个"
CUTS_BANNER = "{year} 年度：{requests}；压减方案“{scenario}”{adopted}"
SAMPLE_BANNER = ("导入内置示例数据（示例数据：模拟的 2014、2015 两个年度，2015 年度 121 家单位、793 个项目，"
                 "并非真实单位填报）")
DB_HELP = "数据库文件（默认 data/budget_perf.duckdb，或环境变量 BUDGET_PERF_DB）"
WAIT_HELP = f"数据库被另一个程序占用时最多等待的秒数（默认 {OPEN_WAIT_S}）"


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m etl", description="预算绩效自评表导入工具")
    sub = parser.add_subparsers(dest="command", required=True)
    sample = sub.add_parser("sample", help="导入内置示例数据（2014、2015 年度）")
    sample.add_argument("--db", type=Path, default=None, help=DB_HELP)
    sample.add_argument("--wait", type=float, default=OPEN_WAIT_S, help=WAIT_HELP)
    load = sub.add_parser("load", help="导入自评表：文件、文件夹或 .zip 压缩包")
    load.add_argument("--db", type=Path, default=None, help=DB_HELP)
    load.add_argument("--wait", type=float, default=OPEN_WAIT_S, help=WAIT_HELP)
    load.add_argument("--year", type=int, default=None, help="表头没有写年度时使用的年度")
    load.add_argument("paths", nargs="+", type=Path)
    check = sub.add_parser("check", help="只检查，不写入数据库")
    check.add_argument("--year", type=int, default=None, help="表头没有写年度时使用的年度")
    check.add_argument("--explain", action="store_true",
                       help="逐项列出识别结果（每个字段取自哪个单元格、按哪个标签识别）和重算得分的过程")
    check.add_argument("paths", nargs="+", type=Path)
    again = sub.add_parser("rescore", help="按评分标准重新计算已导入自评表的得分（作为新的一次评分，保留以前的评分）")
    again.add_argument("--db", type=Path, default=None, help=DB_HELP)
    again.add_argument("--wait", type=float, default=OPEN_WAIT_S, help=WAIT_HELP)
    again.add_argument("--year", type=int, default=None, help="只重新评分这一年度（默认全部年度）")
    again.add_argument("--rubric", type=Path, default=None, help="评分标准文件（默认 rubrics/self_eval.yaml）")
    _users_parser(sub)
    _backup_parsers(sub)
    _template_parser(sub)
    _requests_parsers(sub)
    _export_parser(sub)
    return parser


def _users_parser(sub: argparse._SubParsersAction) -> None:
    roles = "；".join(f"{role}：{text}" for role, text in ROLE_HELP.items())
    users = sub.add_parser("users", help="管理登录账户（角色：" + "、".join(ROLES) + "）", description=roles)
    users.add_argument("--db", type=Path, default=None, help=DB_HELP)
    users.add_argument("--wait", type=float, default=OPEN_WAIT_S, help=WAIT_HELP)
    act = users.add_subparsers(dest="users_command", required=True)
    act.add_parser("list", help="列出全部账户")
    add = act.add_parser("add", help="创建账户（第一个正式账户须为绩效办；创建后演示账户自动停用）")
    add.add_argument("username")
    add.add_argument("--name", required=True, help="姓名（显示在页面和操作记录中）")
    add.add_argument("--role", required=True, choices=ROLES)
    add.add_argument("--unit", action="append", default=[], help="单位角色：所属单位编码（如 214001），可重复")
    add.add_argument("--department", action="append", default=[], help="预算股室角色：分管的主管部门（如 区教育局），可重复")
    add.add_argument("--sso", default=None, help="单点登录身份（反向代理传来的用户名或 OIDC 邮箱）")
    add.add_argument("--no-password", action="store_true", help="不设密码，只能通过单点登录进入（须同时给出 --sso）")
    add.add_argument("--password-stdin", action="store_true", help="从标准输入读取密码（用于脚本），否则交互输入两次")
    change = act.add_parser("set", help="修改账户的姓名、角色或范围")
    change.add_argument("username")
    change.add_argument("--name", default=None)
    change.add_argument("--role", default=None, choices=ROLES)
    change.add_argument("--unit", action="append", default=None)
    change.add_argument("--department", action="append", default=None)
    change.add_argument("--sso", default=None)
    passwd = act.add_parser("passwd", help="重设账户密码")
    passwd.add_argument("username")
    passwd.add_argument("--password-stdin", action="store_true")
    for name, text in (("disable", "停用账户"), ("enable", "启用账户")):
        act.add_parser(name, help=text).add_argument("username")


def _backup_parsers(sub: argparse._SubParsersAction) -> None:
    """The `backup` and `restore` commands."""
    save = sub.add_parser("backup", help="备份数据库（含保存的原始文件）到一个 .zip 文件；看板运行时由看板代为备份")
    save.add_argument("--db", type=Path, default=None, help=DB_HELP)
    save.add_argument("--out", type=Path, default=None,
                      help="备份文件（默认 数据库所在文件夹/backups/budget_perf-年月日-时分秒.zip）")
    save.add_argument("--wait", type=float, default=REQUEST_WAIT_S,
                      help=f"看板运行时等待其完成备份的最长秒数（默认 {REQUEST_WAIT_S:.0f}）")
    save.add_argument("--keep", type=int, default=None, metavar="N",
                      help="备份成功后只保留备份文件夹中最新的 N 个例行备份（budget_perf-年月日-时分秒.zip），删除更早的；"
                           "恢复前自动保存的 before-restore-….zip 和 --out 指定的文件不删除（默认全部保留）")
    back = sub.add_parser("restore", help="校验备份文件后用它替换数据库（先把当前数据库备份到 backups/before-restore-….zip）；"
                                          "须先停止看板")
    back.add_argument("--db", type=Path, default=None, help=DB_HELP)
    back.add_argument("archive", type=Path, help="python -m etl backup 生成的 .zip 文件")


def _print_report(report: FileReport) -> None:
    for line in remote.report_lines(report):
        print(line, flush=True)


def _say(text: str) -> None:
    print(text, file=sys.stderr)


def _with_db(db: Path | None, wait_s: float, work: Callable[[Connection], T]) -> T | int:
    """Open the database (waiting for another process, saying so), do the work, close it; a store failure is
    one line on stderr and an exit code instead of the work's result."""
    try:
        con = open_db(db or default_path(), wait_s=wait_s, on_wait=_say)
        try:
            return work(con)
        finally:
            con.close()
    except DatabaseBusy as exc:
        _say(str(exc))
        return EXIT_BUSY
    except StoreError as exc:
        _say(str(exc))
        return EXIT_REJECTED


def _rubric(path: Path | None, refused: str) -> Rubric | None:
    """The rubric, or None after saying what is wrong with it."""
    try:
        return load_rubric(path)
    except RubricError as exc:
        _say(f"评分标准有误，{refused}：{exc}")
        return None


def _load(db: Path | None, paths: list[Path], year: int | None, wait_s: float, demo: bool = False) -> int:
    rubric = _rubric(None, "未导入任何文件")
    if rubric is None:
        return EXIT_REJECTED

    def work(con: Connection) -> list[FileReport]:
        reports = load_paths(con, paths, rubric=rubric, default_year=year, on_wait=_say, workers=default_workers(),
                             actor=command_line(), batch_files=BATCH_FILES if demo else remote.BATCH_FILES,
                             on_report=_print_report)
        if demo and not any(r.rejected for r in reports):
            if add_demo_accounts(con):
                print(DEMO_BANNER)
            sheets = load_sample_evaluations(con, command_line())
            print(EVAL_BANNER.format(files=len(sheets)))
            for item in load_sample_cuts(con, command_line()):
                print(CUTS_BANNER.format(year=item.year, scenario=SAMPLE_SCENARIO,
                                         requests=item.requests.line() if item.requests else "已有下年预算申报数，未更改",
                                         adopted="已计算并采纳" if item.scenario_id else "已存在或已采纳其他方案，未更改"))
        return reports

    started = time.perf_counter()
    path = db or default_path()
    if not demo and path.exists() and held_elsewhere(path):  # the dashboard (or another import) holds the file
        done = _load_through_dashboard(path, paths, year, wait_s, started)
        if done is not None:
            return done
    reports = _with_db(db, wait_s, work)  # the file was free, or became free before the dashboard took the work
    if isinstance(reports, int):
        return reports
    rejected = sum(r.rejected for r in reports)
    print(f"共 {len(reports)} 个文件：导入或未更改 {len(reports) - rejected} 个，拒绝 {rejected} 个；用时 {time.perf_counter() - started:.1f} 秒")
    return EXIT_REJECTED if rejected else EXIT_OK


def _load_through_dashboard(path: Path, paths: list[Path], year: int | None, wait_s: float,
                            started: float) -> int | None:
    """Hand the import to the dashboard that holds the database, printing each file's lines as it stores them;
    None when the file became free before the dashboard took it (another import ended: load it here)."""
    try:
        answer = remote.send(path, paths, year, command_line(), lambda line: print(line, flush=True), wait_s,
                             on_wait=_say, give_up=lambda: not held_elsewhere(path))
    except remote.Withdrawn:
        return None
    except DatabaseBusy as exc:
        _say(str(exc))
        return EXIT_BUSY
    except StoreError as exc:
        _say(str(exc))
        return EXIT_REJECTED
    if not answer.get("ok"):
        _say(f"看板未能完成导入：{answer.get('error')}")
        return EXIT_REJECTED
    files, rejected = int(answer.get("files", 0)), int(answer.get("rejected", 0))
    print(f"共 {files} 个文件（由看板导入）：导入或未更改 {files - rejected} 个，拒绝 {rejected} 个；"
          f"用时 {time.perf_counter() - started:.1f} 秒")
    return EXIT_REJECTED if rejected else EXIT_OK


def _rescore(db: Path | None, year: int | None, rubric_path: Path | None, wait_s: float) -> int:
    rubric = _rubric(rubric_path, "未重新评分")
    if rubric is None:
        return EXIT_REJECTED
    started = time.perf_counter()
    report = _with_db(db, wait_s, lambda con: rescore(con, rubric, year, on_wait=_say, actor=command_line()))
    if isinstance(report, int):
        return report
    scope = f"{year} 年度" if year else "全部年度"
    print(f"已按“{report.rubric_name}”重新评分（{scope}）：{report.forms} 张自评表，其中 {report.changed} 张的得分、"
          f"等级或疑点有变化；评分批次 {report.run_id}，以前的评分仍保留可查；用时 {time.perf_counter() - started:.1f} 秒")
    return EXIT_OK


def main(argv: list[str] | None = None) -> int:
    """Run the CLI; returns the exit code (0 ok, 1 something rejected or failed, 2 database busy)."""
    args = _parser().parse_args(argv)
    if args.command == "sample":
        print(SAMPLE_BANNER)
        return _load(args.db, sample_files(), None, args.wait, demo=True)
    if args.command == "load":
        return _load(args.db, args.paths, args.year, args.wait)
    if args.command == "rescore":
        return _rescore(args.db, args.year, args.rubric, args.wait)
    if args.command == "users":
        return _users(args)
    if args.command == "backup":
        return _backup(args.db, args.out, args.wait, args.keep)
    if args.command == "restore":
        return _restore(args.archive, args.db)
    if args.command == "template":
        return _template(args)
    if args.command == "requests":
        return _requests(args)
    if args.command == "requests-template":
        return _requests_template(args)
    if args.command == "export":
        return _export(args)
    return _check(args.paths, args.year, args.explain)


def _check(paths: list[Path], year: int | None, explained: bool) -> int:
    rubric = _rubric(None, "无法重算得分") if explained else None
    if explained and rubric is None:
        return EXIT_REJECTED
    rejected = 0
    for item in iter_sources(paths):
        if isinstance(item, Problem):
            report, lines = FileReport(item.file, REJECTED, problems=[item]), []
        elif explained:
            checked = check(item, year, rubric)
            report, lines = check_source(item, year, checked), explain(checked)
        else:
            report, lines = check_source(item, year), []
        rejected += report.rejected
        _print_report(report)
        for line in lines:
            print(line)
    return EXIT_REJECTED if rejected else EXIT_OK


def _password(from_stdin: bool) -> str:
    """A new password: one line of stdin, or typed twice at a prompt."""
    if from_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    first = getpass.getpass("新密码：")
    if getpass.getpass("再输入一次：") != first:
        raise accounts.AccountError("两次输入的密码不一致，未做修改。")
    return first


def _account_line(a: accounts.Account) -> str:
    scope = "、".join(a.units or a.departments) or "—"
    flags = [x for x, on in (("演示", a.is_demo), ("已停用", not a.active), ("仅单点登录", not a.has_password)) if on]
    sso = f"  单点登录：{a.sso_identity}" if a.sso_identity else ""
    return f"{a.username}\t{a.display_name}\t{a.role}\t{scope}{sso}" + (f"\t（{'，'.join(flags)}）" if flags else "")


def _users(args: argparse.Namespace) -> int:
    actor = command_line()

    def work(con: Connection) -> int:
        what = args.users_command
        if what == "list":
            for account in accounts.list_accounts(con):
                print(_account_line(account))
            return EXIT_OK
        if what == "add":
            password = None if args.no_password else _password(args.password_stdin)
            made = accounts.create(con, actor, args.username, args.name, args.role, password, args.unit,
                                   args.department, args.sso)
            print(f"已创建账户：{_account_line(made)}")
        elif what == "set":
            made = accounts.update(con, actor, args.username, display_name=args.name, role=args.role, units=args.unit,
                                   departments=args.department, sso_identity=args.sso)
            print(f"已修改账户：{_account_line(made)}")
        elif what == "passwd":
            accounts.set_password(con, actor, args.username, _password(args.password_stdin))
            print(f"已重设 {accounts.normalise(args.username)} 的密码")
        else:
            made = accounts.set_active(con, actor, args.username, what == "enable")
            print(f"已{'启用' if made.active else '停用'}账户：{_account_line(made)}")
        return EXIT_OK

    return int(_with_db(args.db, args.wait, work))  # a refused change (AccountError, Refused) is one line on stderr
def _size(path: Path) -> str:
    return f"{path.stat().st_size / 1e6:.1f} MB"


def _backup(db: Path | None, out: Path | None, wait_s: float, keep: int | None = None) -> int:
    path = db or default_path()
    if keep is not None and keep < 1:
        _say("--keep 至少为 1（保留最新的 N 个备份），未备份。")
        return EXIT_REJECTED
    if not path.exists():
        _say(f"数据库 {path} 不存在，没有可备份的内容。")
        return EXIT_REJECTED
    try:
        try:
            con = open_db(path)
        except DatabaseBusy:  # the dashboard holds it: it makes the backup, asked through its inbox
            made = request_backup(path, out, wait_s, on_wait=_say)
        else:
            try:
                target = out or archive_path(path)
                made = Archive(target, backup(con, target, on_wait=_say))
            finally:
                con.close()
    except DatabaseBusy as exc:
        _say(str(exc))
        return EXIT_BUSY
    except StoreError as exc:
        _say(str(exc))
        return EXIT_REJECTED
    m = made.manifest
    print(f"已备份到 {made.path}（{_size(made.path)}；{m.forms} 张自评表，{m.projects} 个项目，"
          f"{m.contents.source_files} 个原始文件，均已校验）")
    if keep is not None:  # only after a verified archive exists
        try:
            removed = prune(path, keep)
        except StoreError as exc:
            _say(str(exc))
            return EXIT_REJECTED
        if removed:
            print(f"已删除较早的例行备份 {len(removed)} 个（保留最新的 {keep} 个）：{'、'.join(p.name for p in removed)}")
    return EXIT_OK


def _restore(archive: Path, db: Path | None) -> int:
    path = db or default_path()
    try:
        done = restore(archive, path)
    except DatabaseBusy as exc:
        _say(str(exc))
        return EXIT_BUSY
    except StoreError as exc:
        _say(f"未恢复：{exc}")
        return EXIT_REJECTED
    for note in done.notes:
        _say(note)
    m = done.manifest
    before = f"；恢复前的数据库已备份到 {done.previous}" if done.previous else ""
    print(f"已用 {archive}（{m.created_at} 的备份）恢复数据库 {path}：{m.forms} 张自评表，{m.projects} 个项目{before}")
    return EXIT_OK


def _template_parser(sub: argparse._SubParsersAction) -> None:
    """The `template` command: the blank form template (etl.template)."""
    blank = sub.add_parser("template", help="生成空白的项目支出绩效自评表模板（.xlsx，含下拉选项和填写说明）")
    blank.add_argument("--year", type=int, default=None, help="预先填好的年度")
    blank.add_argument("--unit", default=None, help="预先填好的单位编码（如 214001）")
    blank.add_argument("--unit-name", default=None, help="预先填好的单位名称（与 --unit 一起写成“编码-名称”）")
    blank.add_argument("--project", default=None, help="预先填好的项目名称")
    blank.add_argument("--rows", type=int, default=None, help="指标行数（默认 12）")
    blank.add_argument("--out", type=Path, required=True, help="写入的 .xlsx 文件")


def _template(args: argparse.Namespace) -> int:
    from etl.template import DEFAULT_ROWS, blank_form

    try:
        data = blank_form(args.year, args.unit, args.unit_name, args.project, args.rows or DEFAULT_ROWS)
    except ValueError as exc:
        _say(str(exc))
        return EXIT_REJECTED
    args.out.write_bytes(data)
    print(f"已写入空白自评表模板：{args.out}")
    return EXIT_OK


def _requests_parsers(sub: argparse._SubParsersAction) -> None:
    """The `requests` and `requests-template` commands: next year's requests (etl.requests)."""
    load = sub.add_parser("requests", help="导入下年预算申报表（.xlsx）：替换表中各单位当前的下年预算申报数；有错误时不导入")
    load.add_argument("--year", type=int, required=True, help="评价年度（申报的是下一年度的预算），如 2015")
    load.add_argument("--db", type=Path, default=None, help=DB_HELP)
    load.add_argument("--wait", type=float, default=OPEN_WAIT_S, help=WAIT_HELP)
    load.add_argument("--check", action="store_true", help="只检查，不写入数据库")
    load.add_argument("file", type=Path, help="填好的下年预算申报表")
    blank = sub.add_parser("requests-template", help="生成下年预算申报表模板（预填该年度的单位和项目，含填表说明）")
    blank.add_argument("--year", type=int, required=True, help="评价年度，如 2015（模板预填该年度有自评表的单位和项目）")
    blank.add_argument("--db", type=Path, default=None, help=DB_HELP)
    blank.add_argument("--wait", type=float, default=OPEN_WAIT_S, help=WAIT_HELP)
    blank.add_argument("--filled", action="store_true", help="同时填入当前已有的下年预算申报数")
    blank.add_argument("--out", type=Path, required=True, help="写入的 .xlsx 文件")


def _requests(args: argparse.Namespace) -> int:
    from etl.requests import import_requests, read_requests
    from store.cuts import known

    try:
        data = args.file.read_bytes()
    except OSError as exc:
        _say(f"无法读取 {args.file}：{exc.strerror or exc}")
        return EXIT_REJECTED
    name = str(args.file)

    def work(con: Connection) -> int:
        if args.check:
            checked = read_requests(name, data, args.year, known(con, args.year))
        else:
            checked = import_requests(con, command_line(), name, data, args.year)
        for problem in checked.problems:
            print(problem, flush=True)
        print(checked.line())
        return EXIT_OK if checked.ok and (args.check or checked.batch_id is not None) else EXIT_REJECTED

    return int(_with_db(args.db, args.wait, work))  # the dashboard holds the file: one line, as `rescore` says


def _requests_template(args: argparse.Namespace) -> int:
    from etl.requests import request_template, template_rows
    from store.cuts import Request, known, requests

    def work(con: Connection) -> bytes | None:
        found = known(con, args.year)
        if not found.units:
            _say(f"{args.year} 年度还没有导入任何自评表，模板没有可预填的单位；请先导入该年度的自评表")
            return None
        filled: list[Request] = []
        if args.filled:
            current = requests(con, args.year)
            filled = [Request(str(r.unit_code), str(r.unit_name), r.project_name if isinstance(r.project_name, str) else None,
                              Decimal(str(r.amount)), bool(r.individual)) for r in current.itertuples()]
        return request_template(args.year, template_rows(found, filled))

    data = _with_db(args.db, args.wait, work)
    if isinstance(data, int):
        return data
    if data is None:
        return EXIT_REJECTED
    args.out.write_bytes(data)
    print(f"已写入 {args.year + 1} 年度下年预算申报表模板（{args.year} 年度评价）：{args.out}")
    return EXIT_OK


def _export_parser(sub: argparse._SubParsersAction) -> None:
    """The `export` command: the meeting material (reports.meeting), as the dashboard's 导出汇报材料 page builds it."""
    out = sub.add_parser("export", help="导出汇报材料：演示文稿（.pptx）、图表图片（.png）、汇总表（.xlsx）和工作情况报告"
                                        "（.docx），另附全部材料的 .zip")
    out.add_argument("--db", type=Path, default=None, help=DB_HELP)
    out.add_argument("--wait", type=float, default=OPEN_WAIT_S, help=WAIT_HELP)
    out.add_argument("--year", type=int, default=None, help="年度（默认有数据的最新年度）")
    out.add_argument("--department", action="append", default=[], help="只导出这个主管部门（如 区教育局），可重复")
    out.add_argument("--out", type=Path, required=True, help="写入的文件夹（不存在时创建）")


def _export(args: argparse.Namespace) -> int:
    from reports import render
    from reports.meeting import write
    from store.meeting import MeetingData

    started = time.perf_counter()
    path = args.db or default_path()
    departments = tuple(args.department)
    if path.exists() and held_elsewhere(path):  # the dashboard holds the file: it writes the material
        done = _export_through_dashboard(path, args.year, departments, args.out, args.wait, started)
        if done is not None:
            return done

    def work(con: Connection) -> MeetingData | int:
        data = remote.meeting_data(con, args.year, departments)  # the database is held only while reading
        if isinstance(data, str):
            _say(data)
            return EXIT_REJECTED
        return data

    data = _with_db(args.db, args.wait, work)
    if isinstance(data, int):
        return data
    try:
        written = write(data, args.out, lambda done, total, what: _say(line) if (line := remote.progress_line(
            done, total, what)) else None)
    except render.RenderError as exc:
        _say(str(exc))
        return EXIT_REJECTED
    finally:
        render.stop()
    _exported(data.year, [str(p) for p in written], data.cuts is not None, args.out, started, "")
    return EXIT_OK


def _exported(year: int, written: list[str], adopted: bool, out: Path, started: float, by: str) -> None:
    for path in written:
        print(f"已写入：{path}")
    if not adopted:
        _say("本年度尚未采纳压减方案：材料中“结果应用”部分已注明。")
    print(f"{year} 年度汇报材料共 {len(written)} 个文件{by}，写入 {out}；用时 {time.perf_counter() - started:.1f} 秒")


def _export_through_dashboard(path: Path, year: int | None, departments: tuple[str, ...], out: Path, wait_s: float,
                              started: float) -> int | None:
    """Hand the export to the dashboard that holds the database, printing its steps as it goes; None when the file
    became free before the dashboard took it (an import ended: export here)."""
    try:
        answer = remote.send_export(path, year, departments, out, command_line(), _say, wait_s, on_wait=_say,
                                    give_up=lambda: not held_elsewhere(path))
    except remote.Withdrawn:
        return None
    except DatabaseBusy as exc:
        _say(str(exc))
        return EXIT_BUSY
    except StoreError as exc:
        _say(str(exc))
        return EXIT_REJECTED
    if not answer.get("ok"):
        _say(str(answer.get("refused") or f"看板未能完成导出：{answer.get('error')}"))
        return EXIT_REJECTED
    _exported(int(answer["year"]), [str(p) for p in answer.get("written", [])], bool(answer.get("adopted")), out,
              started, "（由看板写入）")
    return EXIT_OK
