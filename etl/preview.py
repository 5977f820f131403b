"""What the upload page shows before anything is stored: for every checked file, whether it would load, what was
recognised on each sheet (unit, project, amounts, indicators, the recomputed score, which cell gave which field),
every problem, and what it repeats or replaces of what is stored (when, by whom). Reads the store, writes nothing."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from etl.form import ERROR, WARNING, Problem
from etl.load import KIND_FORMS, KIND_PLAN, Checked, project_id
from rubrics.model import FormResult
from store import queries, writes
from store.db import Connection, reading

WOULD_LOAD = "可以导入"
WOULD_LOAD_WARNINGS = "可以导入（有警告）"
WOULD_REPEAT = "此前已导入，不会重复导入"
CANNOT_LOAD = "不能导入"
NEW_PROJECT = "新项目"


@dataclass(frozen=True)
class FileRow:
    file: str
    kind: str
    verdict: str
    forms: int
    errors: int
    warnings: int
    note: str  # same content loaded before: when, by whom


@dataclass(frozen=True)
class FormRow:
    file: str
    sheet: str
    year: int
    unit: str
    project: str
    budget: Decimal | None
    executed: Decimal | None
    indicators: int
    self_score: Decimal | None
    computed: Decimal | None
    grade: str
    replaces: str  # 新项目, or the version it would replace


@dataclass(frozen=True)
class RecognitionMap:
    title: str  # file · sheet · project
    lines: tuple[str, ...]


@dataclass
class Preview:
    files: list[FileRow] = field(default_factory=list)
    forms: list[FormRow] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    maps: list[RecognitionMap] = field(default_factory=list)

    @property
    def repeated(self) -> int:
        """Files whose content was loaded before (nothing new would be stored)."""
        return sum(f.verdict == WOULD_REPEAT for f in self.files)

    @property
    def loadable(self) -> int:
        """Files that would be stored (new content without errors)."""
        return sum(f.verdict in (WOULD_LOAD, WOULD_LOAD_WARNINGS) for f in self.files)


def _when(at: object) -> str:
    return f"{at:%Y-%m-%d %H:%M}" if isinstance(at, datetime) else str(at)


def _score(value: object) -> str:
    """A stored score with two decimals; — when missing."""
    try:
        return f"{Decimal(str(value)):.2f}" if value is not None and value == value else "—"
    except ArithmeticError:
        return "—"


def preview(con: Connection, checked: Sequence[Checked]) -> Preview:
    """The validation report of checked files, against what the store holds now."""
    earlier = queries.earlier_loads(con, [c.file_hash for c in checked if c.file_hash],
                                    [c.content_hash for c in checked if c.content_hash])
    by_file = {r.file_hash: r for r in earlier.itertuples()}
    by_content = {r.content_hash: r for r in earlier.itertuples()}
    forms = [(item, form) for item in checked if item.ok and item.kind == KIND_FORMS for form in item.forms]
    with reading(con) as cur:
        codes = writes.plan_unit_codes(cur, {form.year for _, form in forms})
    ids = [project_id(form.year, form.unit_code or codes.get((form.year, form.unit_name), form.unit_name),
                      form.project_name) for _, form in forms]
    current = {r.project_id: r for r in queries.current_versions(con, ids).itertuples()}
    out = Preview()
    for item in checked:
        errors = sum(p.severity == ERROR for p in item.problems)
        warnings = sum(p.severity == WARNING for p in item.problems)
        seen = by_file.get(item.file_hash) or by_content.get(item.content_hash)
        if not item.ok:
            verdict, note = CANNOT_LOAD, ""
        elif seen is not None:
            verdict = WOULD_REPEAT
            note = f"相同内容已于 {_when(seen.loaded_at)} 由 {seen.loaded_by} 导入（文件“{seen.file_name}”）"
        else:
            verdict, note = (WOULD_LOAD_WARNINGS if warnings else WOULD_LOAD), ""
        out.files.append(FileRow(item.source.name, item.kind or "—", verdict, item.count, errors, warnings, note))
        out.problems.extend(item.problems)
        if item.kind == KIND_PLAN or not item.ok:
            continue
        results: list[FormResult | None] = list(item.results) or [None] * len(item.forms)
        for form, result in zip(item.forms, results, strict=True):
            pid = project_id(form.year, form.unit_code or codes.get((form.year, form.unit_name), form.unit_name),
                             form.project_name)
            old = current.get(pid)
            replaces = NEW_PROJECT if old is None else (
                f"替换 {_when(old.loaded_at)} 由 {old.loaded_by} 导入的版本（“{old.file_name}”，核算得分 "
                f"{_score(old.computed_score)}）")
            if seen is not None:
                replaces = "（内容相同，不导入）"
            f = form.form
            unit = f"{form.unit_code}-{form.unit_name}" if form.unit_code else form.unit_name
            out.forms.append(FormRow(item.source.name, form.sheet, form.year, unit, form.project_name,
                                     f.budget_full_year, f.executed, len(f.indicators), f.self_total,
                                     result.total if result else None,
                                     (result.grade or "未完成") if result else "", replaces))
            out.maps.append(RecognitionMap(f"{item.source.name} · {form.sheet} · {form.project_name}",
                                           tuple(str(found) for found in form.recognition)))
    return out
