"""The bureau's 自评项目清单 workbook: which projects each unit must self-evaluate, their domains,
and the year's figures (全年项目支出). Also: a unit's type guessed from its name."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from etl.form import ERROR, WARNING, Grid, Problem, cell_name, column_text, label_key, split_unit
from etl.reader import MAX_COLS, MAX_LIST_ROWS, Sheet
from etl.values import NotANumber, parse_amount, parse_number

PLAN_SHEET = "自评项目清单"
YEAR_SHEET = "年度信息"
PLAN_COLUMNS = {
    "unit_code": ("单位编码",),
    "unit_name": ("单位名称",),
    "unit_type": ("单位类型",),
    "department": ("主管部门",),
    "project_name": ("项目名称",),
    "domain": ("所属领域", "领域"),
}
UNIT_TYPES = ("区直部门", "镇", "街道办事处", "学校")


@dataclass(frozen=True)
class PlanRow:
    """One project the bureau expects a self-evaluation form for."""

    unit_code: str
    unit_name: str
    unit_type: str
    department: str
    project_name: str
    domain: str


@dataclass
class Plan:
    """A parsed 自评项目清单 workbook."""

    year: int
    project_expenditure: Decimal | None
    rows: list[PlanRow]
    note: str = ""  # 数据说明, e.g. 示例数据


def infer_unit_type(name: str) -> str:
    """区直部门 / 镇 / 街道办事处 / 学校, guessed from a unit's name."""
    if "街道" in name:
        return "街道办事处"
    if any(word in name for word in ("学校", "小学", "中学", "幼儿园", "学院", "职校", "完小")):
        return "学校"
    if name.endswith(("镇人民政府", "镇政府", "镇")) or "乡人民政府" in name:
        return "镇"
    return "区直部门"


def is_plan(sheet_names: list[str]) -> bool:
    """True when the workbook is a 自评项目清单 (it has a sheet of that name)."""
    return any(name.strip() == PLAN_SHEET for name in sheet_names)


def parse_plan(file: str, sheets: list[Sheet]) -> tuple[Plan | None, list[Problem]]:
    """Read a 自评项目清单 workbook; None with ERROR problems when it cannot be used."""
    problems: list[Problem] = []
    by_name = {s.name.strip(): s for s in sheets}
    year, expenditure, note = _year_info(file, by_name.get(YEAR_SHEET), problems)
    sheet = by_name[PLAN_SHEET]
    if sheet.truncated:
        problems.append(Problem(file, sheet.name, "", f"清单超过 {MAX_LIST_ROWS:,} 行或 {MAX_COLS} 列，请拆分后再导入", ERROR))
        return None, problems
    grid = Grid(sheet)
    header = grid.find("项目名称")
    rows: list[PlanRow] = []
    if header is None:
        problems.append(Problem(file, sheet.name, "", "未找到表头“项目名称”", ERROR))
        return None, problems
    cols = grid.header_columns(header[0], PLAN_COLUMNS)
    missing = [v[0] for k, v in PLAN_COLUMNS.items() if k not in cols and k not in ("unit_type", "department")]
    if missing:
        problems.append(Problem(file, sheet.name, cell_name(header), f"缺少列：{'、'.join(missing)}", ERROR))
        return None, problems
    seen: set[tuple[str, str]] = set()
    last_row = max(r for r, _ in sheet.values)
    for row in range(header[0] + 1, last_row + 1):
        def text(key: str, row: int = row) -> str:
            return column_text(sheet, row, cols, key)

        project, unit_name, code = text("project_name"), text("unit_name"), text("unit_code")
        if not (project or unit_name or code):
            continue
        if not code:
            code, unit_name = split_unit(unit_name)
        where = cell_name((row, cols["project_name"]))
        if not (project and unit_name and code):
            problems.append(Problem(file, sheet.name, where, "单位编码、单位名称和项目名称都必须填写", ERROR))
            continue
        unit_type = text("unit_type") or infer_unit_type(unit_name)
        if unit_type not in UNIT_TYPES:
            problems.append(Problem(file, sheet.name, cell_name((row, cols["unit_type"])),
                                    f"单位类型“{unit_type}”不在 {'、'.join(UNIT_TYPES)} 之中", ERROR))
            continue
        if (code, project) in seen:
            problems.append(Problem(file, sheet.name, where, f"项目“{project}”在单位 {code} 下重复出现，以第一次为准"))
            continue
        seen.add((code, project))
        rows.append(PlanRow(code, unit_name, unit_type, text("department"), project, text("domain") or "未分类"))
    if year is None:
        problems.append(Problem(file, YEAR_SHEET, "", f"未找到年度：请在“{YEAR_SHEET}”工作表写明“年度 | 2015”", ERROR))
    if year is None or any(p.severity == ERROR for p in problems):
        return None, problems
    return Plan(year=year, project_expenditure=expenditure, rows=rows, note=note), problems


def _year_info(file: str, sheet: Sheet | None, problems: list[Problem]) -> tuple[int | None, Decimal | None, str]:
    if sheet is None:
        return None, None, ""
    year: int | None = None
    expenditure: Decimal | None = None
    note = ""
    for (row, col), value in sorted(sheet.values.items()):
        key = label_key(value)
        target = (row, sheet.span_end_col((row, col)) + 1)
        try:
            if key == "年度":
                number = parse_number(sheet.value(target))
                year = int(number) if number is not None else None
            elif key.startswith("全年项目支出"):
                expenditure = parse_amount(sheet.value(target))
            elif key == "数据说明":
                note = str(sheet.value(target) or "").strip()
        except NotANumber as exc:
            problems.append(Problem(file, sheet.name, cell_name(target), f"{key}：{exc}", WARNING))
    return year, expenditure, note
