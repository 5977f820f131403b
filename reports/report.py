"""The written report 《XXXX年度预算绩效评价工作情况报告》 (.docx, python-docx), in the structure of the seed report
(DOMAIN.md §1): overall figures; self-evaluation; key evaluation; whole-department evaluation; results by domain;
problems found (from the flags); how results were applied (from the adopted cuts scenario); next year's priorities,
left as a marked placeholder for the bureau to write. Every number comes from store.meeting.gather, formatted by
present.format as on the pages and slides."""

from __future__ import annotations

import io
from decimal import Decimal

import pandas as pd
from docx import Document
from docx.document import Document as DocxDocument
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_COLOR_INDEX
from docx.oxml.ns import qn
from docx.shared import Pt, RGBColor
from docx.text.paragraph import Paragraph

from present import cuts as cut_view
from present import flags as flag_text
from present import format as fmt
from present import meeting as pm
from present import strings as s
from store.meeting import MeetingData

DOCX_MIME = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
BODY_FONT = "宋体"  # the east-asian face of the body text (Word, WPS); LibreOffice substitutes a CJK face
HEADING_FONT = "黑体"
TITLE_FONT = "方正小标宋简体"
LATIN_FONT = "Times New Roman"
BODY_PT = 14  # 四号
TITLE_PT = 22  # 二号
PLACEHOLDER_COLOR = RGBColor(0xC6, 0x28, 0x28)
EXAMPLES_PER_FLAG = 1


def _fonts(run_or_style: object, east_asian: str, size: int | None = None, bold: bool | None = None) -> None:
    """Latin and east-asian typefaces (w:rFonts w:eastAsia), size and weight of a run or a style."""
    font = run_or_style.font  # type: ignore[attr-defined]
    font.name = LATIN_FONT
    if size:
        font.size = Pt(size)
    if bold is not None:
        font.bold = bold
    rpr = run_or_style.element.get_or_add_rPr()  # type: ignore[attr-defined]
    rpr.get_or_add_rFonts().set(qn("w:eastAsia"), east_asian)


def _paragraph(doc: DocxDocument, text: str, *, east_asian: str = BODY_FONT, size: int = BODY_PT, bold: bool = False,
               align: WD_ALIGN_PARAGRAPH | None = None, indent: bool = True) -> Paragraph:
    paragraph = doc.add_paragraph()
    if align is not None:
        paragraph.alignment = align
    if indent:
        paragraph.paragraph_format.first_line_indent = Pt(size * 2)
    run = paragraph.add_run(text)
    _fonts(run, east_asian, size, bold)
    return paragraph


def _heading(doc: DocxDocument, text: str) -> None:
    _paragraph(doc, text, east_asian=HEADING_FONT, size=BODY_PT + 2, bold=True, indent=False)


def _table(doc: DocxDocument, frame: pd.DataFrame, caption: str) -> None:
    """A small table with its caption, every cell in the body font."""
    _paragraph(doc, caption, east_asian=HEADING_FONT, size=BODY_PT - 2, bold=True, align=WD_ALIGN_PARAGRAPH.CENTER,
               indent=False)
    table = doc.add_table(rows=1, cols=len(frame.columns))
    table.style = "Table Grid"
    for cell, name in zip(table.rows[0].cells, frame.columns, strict=True):
        cell.text = ""
        _fonts(cell.paragraphs[0].add_run(str(name)), HEADING_FONT, BODY_PT - 3, True)
    for row in frame.itertuples(index=False):
        cells = table.add_row().cells
        for cell, value in zip(cells, row, strict=True):
            _fonts(cell.paragraphs[0].add_run(str(value)), BODY_FONT, BODY_PT - 3)


def _grades_text(data: MeetingData) -> str:
    return "、".join(s.REPORT_GRADE_ITEM.format(grade=r["grade"], n=int(r["projects"]))
                    for _, r in data.grades.iterrows())


def _overall(doc: DocxDocument, data: MeetingData) -> None:
    h = data.headline
    share = s.REPORT_SHARE.format(share=fmt.pct(h.share_of_expenditure, 0)) if h.share_of_expenditure is not None else ""
    domains = list(data.domains["domain"])
    _heading(doc, s.REPORT_H_OVERALL)
    _paragraph(doc, s.REPORT_OVERALL.format(year=data.year, units=h.units, projects=h.projects,
                                            budget=fmt.yi(h.budget_full_year), executed=fmt.yi(h.executed),
                                            rate=fmt.pct(h.execution_rate), share=share, domains="、".join(domains),
                                            n_domains=len(domains)))


def _self_evaluation(doc: DocxDocument, data: MeetingData) -> None:
    h = data.headline
    _heading(doc, s.REPORT_H_SELF)
    _paragraph(doc, s.REPORT_SELF.format(units=h.units, projects=h.projects, done=h.projects - h.incomplete,
                                         incomplete=h.incomplete, mean=fmt.score(h.mean_score),
                                         grades=_grades_text(data)))
    _paragraph(doc, s.REPORT_FLAGGED.format(n=h.flagged))
    if not data.weakest.empty:
        names = "、".join(f"{r['unit_name']}（{fmt.score(r['score'])}分）" for _, r in data.weakest.head(5).iterrows())
        _paragraph(doc, s.REPORT_WEAKEST.format(units=names))
    grades = pd.DataFrame({s.COL_GRADE: data.grades["grade"], s.COL_PROJECTS: data.grades["projects"],
                           s.COL_BUDGET: [fmt.wan_figure(v) for v in data.grades["budget_full_year"]]})
    _table(doc, grades, s.REPORT_TABLE_CAPTION.format(n=1, what=s.YEAR_CHART_TITLE.format(year=data.year,
                                                                                         title=s.CHART_GRADES)))


def _key(doc: DocxDocument, data: MeetingData) -> None:
    _heading(doc, s.REPORT_H_KEY)
    if data.key_evals.empty:
        _paragraph(doc, s.KEY_NONE + "。")
        return
    for _, r in data.key_evals.iterrows():
        survey = ""
        sample, satisfied = r["survey_sample_size"], r["survey_satisfied"]
        if sample is not None and sample == sample and int(sample) > 0:
            survey = s.REPORT_KEY_SURVEY.format(sample=int(sample), satisfied=int(satisfied),
                                                share=fmt.pct(Decimal(int(satisfied)) / Decimal(int(sample))))
        _paragraph(doc, s.REPORT_KEY.format(subject=r["subject_name"], experts=int(r["expert_count"]),
                                            score=fmt.score(r["panel_score"]), grade=r["grade"] or fmt.EMPTY,
                                            self_score=fmt.score(r["self_score"]),
                                            computed=fmt.score(r["self_computed_score"]), survey=survey))


def _dept(doc: DocxDocument, data: MeetingData) -> None:
    _heading(doc, s.REPORT_H_DEPT)
    if data.dept_evals.empty:
        _paragraph(doc, s.DEPT_NONE + "。")
        return
    names = list(data.dept_evals["subject_name"])
    _paragraph(doc, s.REPORT_DEPT_INTRO.format(names="、".join(names), n=len(names)))
    for _, r in pm.dept_comparison(data).iterrows():
        projects = r[s.COL_SELF_PROJECTS]
        _paragraph(doc, s.REPORT_DEPT_ITEM.format(name=r[s.COL_EVAL_DEPARTMENT], score=fmt.score(r[s.COL_EXPERT_PANEL]),
                                                  grade=r[s.COL_PANEL_GRADE] or fmt.EMPTY,
                                                  projects=fmt.EMPTY if projects is None else int(projects),
                                                  mean=fmt.score(r[s.COL_SELF_MEAN])))


def _domains(doc: DocxDocument, data: MeetingData) -> None:
    _heading(doc, s.REPORT_H_DOMAINS)
    for _, r in data.domains.iterrows():
        _paragraph(doc, s.REPORT_DOMAIN_ITEM.format(domain=r["domain"], projects=int(r["projects"]),
                                                    budget=fmt.money(r["budget_full_year"]),
                                                    rate=fmt.pct(r["execution_rate"]), mean=fmt.score(r["mean_score"])))


def _problems(doc: DocxDocument, data: MeetingData) -> None:
    _heading(doc, s.REPORT_H_PROBLEMS)
    if data.flag_counts.empty:
        _paragraph(doc, s.REPORT_NO_PROBLEMS)
        return
    explained = flag_text.with_sentences(data.flag_rows)
    for _, r in data.flag_counts.iterrows():
        rows = explained[explained["flag"] == r["flag"]].head(EXAMPLES_PER_FLAG)
        example = "；".join(f"{x['unit_name']}“{x['project_name']}”{x['sentence']}" for _, x in rows.iterrows())
        _paragraph(doc, s.REPORT_PROBLEM_ITEM.format(flag=r["flag"], n=int(r["projects"]),
                                                     budget=fmt.money(r["budget_full_year"]), example=example or "—"))


def applied_section(doc: DocxDocument, data: MeetingData) -> None:
    """The cuts part of the report: how results were applied (the adopted scenario's totals and its largest cuts),
    or the notice that no scenario was adopted."""
    _heading(doc, s.REPORT_H_APPLIED)
    if data.cuts is None:
        _paragraph(doc, s.CUTS_NONE + "。")
        return
    t = pm.cuts_totals(data.cuts)
    _paragraph(doc, s.REPORT_APPLIED.format(name=data.cuts.scenario, requested=fmt.wan(t.requested), cut=fmt.wan(t.cut),
                                            arranged=fmt.wan(t.arranged), projects=t.projects, units=t.units))
    steps = cut_view.steps(data.cuts.ledger, data.cuts.rules)
    if steps:
        _paragraph(doc, s.REPORT_APPLIED_STEPS.format(steps="；".join(f"{name} {fmt.wan(amount)}"
                                                                      for name, amount in steps)))


def _next(doc: DocxDocument, data: MeetingData) -> None:
    _heading(doc, s.REPORT_H_NEXT.format(next_year=data.year + 2))
    paragraph = _paragraph(doc, s.REPORT_NEXT_PLACEHOLDER)
    for run in paragraph.runs:
        run.font.color.rgb = PLACEHOLDER_COLOR
        run.font.highlight_color = WD_COLOR_INDEX.YELLOW  #: the bureau's part to write


def report_title(year: int) -> str:
    """《2015年度预算绩效评价工作情况报告》"""
    return s.REPORT_TITLE.format(year=year)


def build_report(data: MeetingData) -> bytes:
    """The written report of the year."""
    doc = Document()
    _fonts(doc.styles["Normal"], BODY_FONT, BODY_PT)
    doc.core_properties.title = report_title(data.year)
    _paragraph(doc, report_title(data.year), east_asian=TITLE_FONT, size=TITLE_PT, bold=True,
               align=WD_ALIGN_PARAGRAPH.CENTER, indent=False)
    scope = pm.scope_text(data.filters.departments, data.filters.units)
    _paragraph(doc, s.REPORT_DATE_LINE.format(date=pm.data_date_text(data), scope=scope), size=BODY_PT - 2,
               align=WD_ALIGN_PARAGRAPH.CENTER, indent=False)
    if data.sample:
        _paragraph(doc, s.REPORT_SAMPLE, size=BODY_PT - 2, align=WD_ALIGN_PARAGRAPH.CENTER, indent=False)
    _overall(doc, data)
    _self_evaluation(doc, data)
    _key(doc, data)
    _dept(doc, data)
    _domains(doc, data)
    _problems(doc, data)
    applied_section(doc, data)
    _next(doc, data)
    footer = doc.sections[0].footer.paragraphs[0]
    footer.alignment = WD_ALIGN_PARAGRAPH.CENTER
    _fonts(footer.add_run(pm.footer(data, scope)), BODY_FONT, 9)
    buf = io.BytesIO()
    doc.save(buf)
    return buf.getvalue()
