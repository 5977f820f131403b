"""The recognition map of a checked file, as text: for every form, which cell gave which field and why, and what
the engine made of it. `python -m etl check --explain FILE` prints it; the upload page will show the same."""

from __future__ import annotations

from etl.form import ParsedForm
from etl.load import Checked
from rubrics.model import FormResult

INDENT = "    "


def _form_lines(form: ParsedForm, result: FormResult | None) -> list[str]:
    lines = [f"{INDENT}工作表“{form.sheet}”：项目“{form.project_name}”（{form.unit_name}，{form.year} 年度）"]
    lines += [f"{INDENT * 2}{found}" for found in form.recognition]
    indicators = form.form.indicators
    lines.append(f"{INDENT * 2}绩效指标：{len(indicators)} 行"
                 + (f"，其中不适用 {sum(i.not_applicable for i in indicators)} 行" if any(
                     i.not_applicable for i in indicators) else ""))
    if result is not None:
        total = "未完成，不计总分" if result.total is None else f"重算总分 {result.total}（{result.grade}）"
        own = "空" if result.self_total is None else str(result.self_total)
        lines.append(f"{INDENT * 2}评分：{total}；单位自评总分 {own}"
                     + (f"；疑点：{'、'.join(result.flags)}" if result.flags else ""))
        lines += [f"{INDENT * 3}{line}" for line in result.explanation]
    return lines


def explain(checked: Checked) -> list[str]:
    """Lines describing every form of a checked file: the recognition map, then the score and its arithmetic."""
    if not checked.forms:
        return [f"{INDENT}没有可识别的自评表（原因见上方的错误）"]
    results: list[FormResult | None] = list(checked.results) or [None] * len(checked.forms)
    lines: list[str] = []
    for form, result in zip(checked.forms, results, strict=True):
        lines += _form_lines(form, result)
    return lines
