"""Scale tiers of the sample year: N counties, each a renamed copy of the district in data/sample/2015/.

`write_tier(10, out)` writes a city (10 counties × 121 units), `write_tier(125, out)` a province
(~100,000 projects, ~1,000,000 indicator rows). County k gets a 3-digit code prefix on every unit code
(201001 → 007201001) and a county name prefix on every unit and department name (区纪委 → 东城县区纪委),
so every (unit, project) is distinct across counties while each form keeps its project name, figures
and quirks. Workbooks are cloned by rewriting the strings inside the .xlsx package (inline strings and
xl/sharedStrings.xml), not regenerated, so a province takes about a minute. One combined
自评项目清单.xlsx lists every county's projects (a plan import replaces the year's whole plan), with
the year's 全年项目支出 multiplied by N.

    python -m sampledata.scale N OUT_DIR [--source DIR]
"""

from __future__ import annotations

import argparse
import re
import sys
import zipfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from pathlib import Path

import python_calamine
from openpyxl import Workbook

from etl.reader import MAX_LIST_ROWS, MAX_UNCOMPRESSED_MB
from sampledata.paths import REQUEST_FILE

ROOT = Path(__file__).resolve().parent.parent
SOURCE_DIR = ROOT / "data" / "sample" / "2015"

PLAN_FILE = "自评项目清单.xlsx"
PLAN_SHEET = "自评项目清单"
YEAR_SHEET = "年度信息"
SEQ_HEADER = "序号"
CODE_HEADER = "单位编码"
PROJECT_HEADER = "项目名称"
EXPENDITURE_LABEL = "全年项目支出"  # label prefix of the year's total project expenditure (万元)
NOTE_LABEL = "数据说明"
FILLER_LABEL = re.compile(r"^(\s*填报单位[^：:]*[：:]\s*)")  # 填报单位（盖章）：<unit> … 单位：万元

COUNTY_CODE_DIGITS = 3  # county k's prefix on a unit code: f"{k:03d}"
COUNTY_FIRST = "安平永宁长兴东阳南山西河北川清丰泰新华同青云白石金"  # 25 × 25 two-character county names
COUNTY_SECOND = "城源溪林丘原湖峰台桥田岭坪江沙泉州谷阜庄关口门浦湾"
COUNTY_SUFFIX = "县"
MAX_COUNTIES = len(COUNTY_FIRST) * len(COUNTY_SECOND)

ZIP_LEVEL = 6  # deflate level of the cloned parts (the sample's own)
DOC_TIME = datetime(2015, 9, 15)  # the combined plan's document dates, so a tier is reproducible

_CODE_MARK = "\x00"  # where a county's code prefix goes; neither byte may occur in XML 1.0 text
_NAME_MARK = "\x01"  # where a county's name prefix goes
_TEXT = re.compile(r"(<(?:\w+:)?t(?:\s[^>]*)?>)([^<]*)(</(?:\w+:)?t>)")  # <t>…</t> of inline and shared strings
_CODE_HEAD = re.compile(r"^(\s*)([0-9]{6})([-－—_\s]*)")  # a 6-digit unit code and its separator
_UNIT_TEXT_PARTS = re.compile(r"^xl/(worksheets/[^/]+|sharedStrings)\.xml$")


class TierError(Exception):
    """The tier cannot be written as asked; str() says why and what to do."""


@dataclass(frozen=True)
class County:
    """County k of a tier: the prefixes it puts on unit codes and names."""

    number: int
    code: str  # e.g. "007"
    name: str  # e.g. "东城县"


def county(number: int) -> County:
    """County `number` (1-based): a 3-digit code and a two-character name ending in 县."""
    if not 1 <= number <= MAX_COUNTIES:
        raise TierError(f"county number {number} is outside 1..{MAX_COUNTIES}")
    first, second = divmod(number - 1, len(COUNTY_FIRST))
    return County(number, f"{number:0{COUNTY_CODE_DIGITS}d}",
                  COUNTY_FIRST[second] + COUNTY_SECOND[first] + COUNTY_SUFFIX)


@dataclass
class _PlanSource:
    """The district's 自评项目清单: its sheets as rows, and the names a county renames."""

    sheets: Sequence[tuple[str, Sequence[Sequence[object]]]]
    codes: set[str]
    names: list[str]  # unit and department names, longest first
    projects: set[str]
    header_row: int
    code_col: int
    project_col: int
    seq_col: int | None  # 序号, renumbered across counties

    @property
    def body_rows(self) -> int:
        """Project rows of the district's plan (below the header)."""
        return len(dict(self.sheets)[PLAN_SHEET]) - self.header_row - 1


@dataclass
class _Template:
    """A unit workbook with marks where the county prefixes go: file name, then zip parts in order."""

    name: str
    parts: list[tuple[zipfile.ZipInfo, bytes, bool]]  # (entry, data, carries marks)


class _Marker:
    """Marks the unit codes and names in a text: '201001-区纪委' → '\\x00201001-\\x01区纪委'."""

    def __init__(self, plan: _PlanSource) -> None:
        self._codes = plan.codes
        # longest first, so the longest name wins; (?!) never matches (a plan without names)
        self._name_head = re.compile("|".join(map(re.escape, plan.names)) or "(?!)")
        self._exact = set(plan.names) - plan.projects  # a cell that is only a name (主管部门, 单位名称)

    def _name_at(self, text: str) -> str | None:
        match = self._name_head.match(text)
        return match.group(0) if match else None

    def unit(self, text: str, whole: bool = True) -> str | None:
        """The marked text when it names a unit (code, code-name or name); None otherwise.

        whole: the unit is the whole text (a cell); otherwise it only starts the text (after 填报单位：).
        """
        head = _CODE_HEAD.match(text)
        code_part, rest = "", text
        if head and head.group(2) in self._codes:
            code_part, rest = head.group(1) + _CODE_MARK + head.group(2) + head.group(3), text[head.end():]
        name = self._name_at(rest)
        if whole:
            if head is not None and code_part and (head.group(3) or not rest.strip()):  # "201001-区纪委", "201001"
                return code_part + (_NAME_MARK + rest if name and rest.rstrip() == name else rest)
            if not code_part and rest.strip() in self._exact:  # "区纪委"
                stripped = rest.lstrip()
                return rest[: len(rest) - len(stripped)] + _NAME_MARK + stripped
            return None
        if name:
            return code_part + _NAME_MARK + rest
        return code_part + rest if code_part else None

    def text(self, text: str) -> str:
        """Any cell text: units marked, everything else unchanged."""
        marked = self.unit(text)
        if marked is not None:
            return marked
        label = FILLER_LABEL.match(text)
        if label:
            marked = self.unit(text[label.end():], whole=False)
            if marked is not None:
                return label.group(1) + marked
        return text

    def xml(self, data: bytes) -> bytes:
        """A sheet or shared-strings part with every <t> text marked."""
        xml = data.decode("utf-8")
        return _TEXT.sub(lambda m: m.group(1) + self.text(m.group(2)) + m.group(3), xml).encode("utf-8")


def _read_plan(path: Path) -> _PlanSource:
    workbook = python_calamine.CalamineWorkbook.from_path(str(path))
    sheets = [(name, workbook.get_sheet_by_name(name).to_python(skip_empty_area=False))
              for name in workbook.sheet_names]
    rows = dict(sheets).get(PLAN_SHEET)
    if rows is None:
        raise TierError(f"{path}: no sheet “{PLAN_SHEET}”; the source must be a sample year folder")
    header_row = next((i for i, row in enumerate(rows) if PROJECT_HEADER in row and CODE_HEADER in row), None)
    if header_row is None:
        raise TierError(f"{path}: sheet “{PLAN_SHEET}” has no header row with {CODE_HEADER} and {PROJECT_HEADER}")
    header = rows[header_row]
    code_col, project_col = header.index(CODE_HEADER), header.index(PROJECT_HEADER)
    name_cols = [header.index(h) for h in ("单位名称", "主管部门") if h in header]
    codes: set[str] = set()
    names: set[str] = set()
    projects: set[str] = set()
    for row in rows[header_row + 1:]:
        codes.add(_code_text(row[code_col]))
        projects.add(str(row[project_col]).strip())
        names |= {str(row[c]).strip() for c in name_cols if str(row[c]).strip()}
    return _PlanSource(sheets, codes - {""}, sorted(names, key=len, reverse=True), projects, header_row, code_col,
                       project_col, header.index(SEQ_HEADER) if SEQ_HEADER in header else None)


def _code_text(value: object) -> str:
    """A unit code cell as text (a code typed as a number comes back as a float)."""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _template(path: Path, marker: _Marker) -> _Template:
    parts: list[tuple[zipfile.ZipInfo, bytes, bool]] = []
    with zipfile.ZipFile(path) as archive:
        for info in archive.infolist():
            data = archive.read(info)
            marked = bool(_UNIT_TEXT_PARTS.match(info.filename))
            if marked:
                if _CODE_MARK.encode() in data or _NAME_MARK.encode() in data:
                    raise TierError(f"{path.name}/{info.filename}: holds control bytes 0x00/0x01, cannot clone it")
                data = marker.xml(data)
            entry = zipfile.ZipInfo(info.filename, info.date_time)
            entry.compress_type, entry.external_attr = zipfile.ZIP_DEFLATED, info.external_attr
            parts.append((entry, data, marked))
    stem = marker.unit(path.stem) or _CODE_MARK + "_" + path.stem
    return _Template(stem + path.suffix, parts)


def _fill(text: str, c: County) -> str:
    return text.replace(_CODE_MARK, c.code).replace(_NAME_MARK, c.name)


def _write_workbook(template: _Template, c: County, folder: Path) -> Path:
    path = folder / _fill(template.name, c)
    code, name = c.code.encode(), c.name.encode("utf-8")
    with zipfile.ZipFile(path, "w") as archive:
        for entry, data, marked in template.parts:
            if marked:
                data = data.replace(_CODE_MARK.encode(), code).replace(_NAME_MARK.encode(), name)
            archive.writestr(entry, data, compresslevel=ZIP_LEVEL)
    return path


def _write_plan(plan: _PlanSource, marker: _Marker, counties: list[County], path: Path) -> None:
    """One 自评项目清单 for all counties: their rows one county after another, 序号 running on."""
    workbook = Workbook(write_only=True)
    workbook.properties.created = workbook.properties.modified = DOC_TIME
    n = len(counties)
    for sheet_name, rows in plan.sheets:
        sheet = workbook.create_sheet(sheet_name)
        if sheet_name == PLAN_SHEET:
            for row in rows[: plan.header_row + 1]:
                sheet.append([None if v == "" else v for v in row])
            templates = [_plan_row(row, plan, marker) for row in rows[plan.header_row + 1:] if any(v != "" for v in row)]
            seq = 0
            for c in counties:
                for template in templates:
                    seq += 1
                    row = [_fill(v, c) if isinstance(v, str) else v for v in template]
                    if plan.seq_col is not None:
                        row[plan.seq_col] = seq
                    sheet.append(row)
        elif sheet_name == YEAR_SHEET:
            for row in rows:
                sheet.append(_year_row(row, n))
        else:
            for row in rows:
                sheet.append([None if v == "" else v for v in row])
    workbook.save(path)


def _plan_row(row: Sequence[object], plan: _PlanSource, marker: _Marker) -> list[object]:
    """A plan row with marks on its unit code, unit name and department."""
    out: list[object] = []
    for col, value in enumerate(row):
        if value == "":
            out.append(None)
        elif col == plan.code_col:
            out.append(_CODE_MARK + _code_text(value))
        elif col != plan.project_col and isinstance(value, str):
            out.append(marker.text(value))
        else:
            out.append(int(value) if isinstance(value, float) and value.is_integer() else value)
    return out


def _year_row(row: Sequence[object], n: int) -> list[object]:
    """A row of 年度信息: 全年项目支出 × n, the note saying it is a scale tier."""
    label = str(row[0]).strip() if row else ""
    out: list[object] = [None if v == "" else v for v in row]
    if label.startswith(EXPENDITURE_LABEL) and len(row) > 1 and isinstance(row[1], (int, float)):
        out[1] = float(Decimal(str(row[1])) * n)
    elif label == NOTE_LABEL and len(row) > 1:
        out[1] = f"{row[1]}（规模测试 ×{n}：{n} 个县，每县为示例区的改名副本）"
    elif label == "年度" and len(row) > 1 and isinstance(row[1], float) and row[1].is_integer():
        out[1] = int(row[1])
    return out


def write_tier(multiplier: int, out_dir: Path, source: Path = SOURCE_DIR,
               progress: Callable[[int, int], None] | None = None) -> list[Path]:
    """Write `multiplier` counties cloned from the district year `source` into the empty folder `out_dir`.

    Layout: out_dir/自评项目清单.xlsx (all counties) and out_dir/<code>_<county>/<unit workbook>.xlsx.
    Returns the paths written, the plan first. progress(done, total) is called after each county.
    """
    out_dir, source = Path(out_dir), Path(source)
    plan_path = source / PLAN_FILE
    units = sorted(p for p in source.glob("*.xlsx")
                   if p.name not in (PLAN_FILE, REQUEST_FILE) and not p.name.startswith(("~$", ".")))
    others = sorted(p.name for p in source.iterdir() if p.suffix.lower() in (".xls", ".xlsm", ".zip"))
    if not plan_path.is_file() or not units:
        raise TierError(f"{source} holds no {PLAN_FILE} and unit workbooks; write the sample first "
                        "(python -m etl sample, or etl.sample.write_sample())")
    if others:
        raise TierError(f"{source}: only .xlsx workbooks can be cloned, not {', '.join(others)}")
    plan = _read_plan(plan_path)
    limit = min(MAX_COUNTIES, (MAX_LIST_ROWS - plan.header_row - 1) // max(1, plan.body_rows))
    if not 1 <= multiplier <= limit:
        raise TierError(f"multiplier {multiplier} is outside 1..{limit}: the combined {PLAN_FILE} must stay within "
                        f"the importer's {MAX_LIST_ROWS:,} rows (etl.reader.MAX_LIST_ROWS)")
    if out_dir.exists() and any(out_dir.iterdir()):
        raise TierError(f"{out_dir} is not empty; remove it or choose another folder")
    marker = _Marker(plan)
    templates = [_template(p, marker) for p in units]
    counties = [county(k) for k in range(1, multiplier + 1)]
    out_dir.mkdir(parents=True, exist_ok=True)
    written = [out_dir / PLAN_FILE]
    _write_plan(plan, marker, counties, written[0])
    with zipfile.ZipFile(written[0]) as archive:
        unpacked_mb = sum(info.file_size for info in archive.infolist()) / 1024 / 1024
    if unpacked_mb > MAX_UNCOMPRESSED_MB:
        raise TierError(f"the combined {PLAN_FILE} unpacks to {unpacked_mb:.0f} MB, above the importer's "
                        f"{MAX_UNCOMPRESSED_MB} MB (etl.reader.MAX_UNCOMPRESSED_MB); choose a smaller multiplier")
    for done, c in enumerate(counties, start=1):
        folder = out_dir / f"{c.code}_{c.name}"
        folder.mkdir()
        written.extend(_write_workbook(t, c, folder) for t in templates)
        if progress is not None:
            progress(done, multiplier)
    return written


def main(argv: list[str] | None = None) -> int:
    """CLI: python -m sampledata.scale N OUT_DIR [--source DIR]."""
    parser = argparse.ArgumentParser(prog="python -m sampledata.scale", description=__doc__.split("\n\n")[0])
    parser.add_argument("multiplier", type=int, help="counties: 1 = the district, 10 = a city, 125 = a province")
    parser.add_argument("out_dir", type=Path, help="an empty (or new) folder")
    parser.add_argument("--source", type=Path, default=SOURCE_DIR, help="the district year (default: %(default)s)")
    args = parser.parse_args(argv)
    try:
        paths = write_tier(args.multiplier, args.out_dir, args.source,
                           progress=lambda done, total: print(f"\r{done}/{total} counties", end="", file=sys.stderr))
    except TierError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(file=sys.stderr)
    print(f"{len(paths) - 1} unit workbooks and {PLAN_FILE} written to {args.out_dir}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
