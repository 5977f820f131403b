"""The meeting's summary workbook (.xlsx, openpyxl): a headline sheet with the grade distribution and a native bar
chart, results by domain with a chart, per-unit and per-project results, the flags with their sentences, the key and
whole-department evaluations and the budget-cuts ledger. Print-ready: 万元 with two decimals, frozen headers, fitted
widths, the header row repeated on every printed page, landscape, one page wide. Text that starts with = + - @ stays
text (reports.tables.write_table)."""

from __future__ import annotations

import io
from decimal import Decimal

import openpyxl
import pandas as pd
from openpyxl.chart import BarChart, Reference
from openpyxl.styles import Font
from openpyxl.worksheet.worksheet import Worksheet

from present import cuts as cut_view
from present import flags as flag_text
from present import meeting as pm
from present import strings as s
from present import tables
from reports.tables import write_table
from store.meeting import MeetingData

COUNT_FORMAT = "#,##0"
DOMAIN_COLUMNS = {"domain": s.COL_DOMAIN, "projects": s.COL_PROJECTS, "budget_full_year": s.COL_BUDGET,
                  "executed": s.COL_EXECUTED, "execution_rate": s.COL_RATE, "mean_score": s.AXIS_SCORE}
GRADE_COLUMNS = {"grade": s.COL_GRADE, "projects": s.COL_PROJECTS, "budget_full_year": s.COL_BUDGET}
KEY_COLUMNS = {"subject_name": "评价对象", "department": s.COL_DEPARTMENT, "rubric": "指标体系", "panel_score": "专家组得分",
               "grade": s.COL_GRADE, "expert_count": "已评分专家", "max_spread": "最大分歧（分）", "flagged_count": "分歧指标数",
               "self_score": s.COL_SELF, "self_computed_score": "自评核算得分", "survey_sample_size": "满意度调查样本量",
               "survey_satisfied": "满意人数"}
FORMATS = {**tables.EXCEL_FORMATS, s.AXIS_SCORE: tables.SCORE_FORMAT, "专家组得分": tables.SCORE_FORMAT,
           "自评核算得分": tables.SCORE_FORMAT, "最大分歧（分）": tables.SCORE_FORMAT, "得分": tables.SCORE_FORMAT,
           s.COL_EXPERT_PANEL: tables.SCORE_FORMAT, s.COL_MAX_SPREAD: tables.SCORE_FORMAT,
           s.COL_SELF_MEAN: tables.SCORE_FORMAT, s.COL_VALUE: "General"}


def _print_ready(ws: Worksheet, header: int) -> None:
    """Header row repeated on every printed page, landscape, one page wide."""
    ws.print_title_rows = f"{header}:{header}"
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0


def _sheet(wb: openpyxl.Workbook, name: str, frame: pd.DataFrame, title: str) -> tuple[Worksheet, int]:
    ws = wb.create_sheet(name)
    header = write_table(ws, frame, title, FORMATS)
    _print_ready(ws, header)
    return ws, header


def _renamed(frame: pd.DataFrame, columns: dict[str, str]) -> pd.DataFrame:
    present = [c for c in columns if c in frame.columns]
    return frame[present].rename(columns={c: columns[c] for c in present})


def headline_rows(data: MeetingData) -> pd.DataFrame:
    """The headline figures as exact numbers with their units (the headline sheet)."""
    h = data.headline
    rows: list[tuple[str, object, str, str]] = [
        (s.METRIC_UNITS, h.units, s.UNIT_UNITS, COUNT_FORMAT),
        (s.METRIC_PROJECTS, h.projects, s.UNIT_PROJECTS, COUNT_FORMAT),
        (s.METRIC_BUDGET, h.budget_full_year, "万元", tables.MONEY_FORMAT),
        (s.METRIC_EXECUTED, h.executed, "万元", tables.MONEY_FORMAT),
        (s.METRIC_RATE, h.execution_rate, "", tables.PERCENT_FORMAT),
    ]
    if h.share_of_expenditure is not None:
        rows.append((s.METRIC_SHARE, h.share_of_expenditure, "", tables.PERCENT_FORMAT))
    rows += [(s.METRIC_MEAN, h.mean_score, "分", tables.SCORE_FORMAT),
             (s.METRIC_FLAGGED, h.flagged, s.UNIT_PROJECTS, COUNT_FORMAT),
             (s.METRIC_INCOMPLETE, h.incomplete, s.UNIT_PROJECTS, COUNT_FORMAT)]
    return pd.DataFrame(rows, columns=[s.COL_ITEM, s.COL_VALUE, s.COL_UNIT_OF, "_format"])


def _bar_chart(ws: Worksheet, title: str, categories: Reference, values: Reference, y_title: str,
               anchor: str) -> None:
    chart = BarChart()
    chart.type = "col"
    chart.title = title
    chart.y_axis.title = y_title
    chart.legend = None
    chart.add_data(values, titles_from_data=True)
    chart.set_categories(categories)
    chart.height, chart.width = 9, 16
    ws.add_chart(chart, anchor)


def _headline_sheet(wb: openpyxl.Workbook, data: MeetingData, title: str) -> None:
    ws = wb.active
    ws.title = s.SHEET_HEADLINE
    rows = headline_rows(data)
    header = write_table(ws, rows.drop(columns="_format"), title)
    for offset, number_format in enumerate(rows["_format"], start=header + 1):
        ws.cell(offset, 2).number_format = number_format
    ws.column_dimensions["B"].width = 18
    grades_at = header + len(rows) + 3
    ws.cell(grades_at - 1, 1, s.YEAR_CHART_TITLE.format(year=data.year, title=s.CHART_GRADES)).font = Font(bold=True)
    grades = _renamed(data.grades, GRADE_COLUMNS)
    for c, name in enumerate(grades.columns, start=1):
        ws.cell(grades_at, c, name).font = Font(bold=True)
    for r, row in enumerate(grades.itertuples(index=False), start=grades_at + 1):
        for c, value in enumerate(row, start=1):
            cell = ws.cell(r, c, float(value) if isinstance(value, Decimal) else value)
            if c == 3:
                cell.number_format = tables.MONEY_FORMAT
    last = grades_at + len(grades)
    _bar_chart(ws, s.YEAR_CHART_TITLE.format(year=data.year, title=s.CHART_GRADES),
               Reference(ws, min_col=1, min_row=grades_at + 1, max_row=last),
               Reference(ws, min_col=2, min_row=grades_at, max_row=last), s.AXIS_PROJECTS, "E3")
    ws.cell(last + 2, 1, pm.footer(data, _scope(data)))
    _print_ready(ws, header)


def _scope(data: MeetingData) -> str:
    return pm.scope_text(data.filters.departments, data.filters.units)


def _domains_sheet(wb: openpyxl.Workbook, data: MeetingData, title: str) -> None:
    frame = _renamed(data.domains, DOMAIN_COLUMNS)
    ws, header = _sheet(wb, s.SHEET_DOMAINS, frame, title)
    last = header + len(frame)
    if len(frame):
        _bar_chart(ws, s.YEAR_CHART_TITLE.format(year=data.year, title=s.SERIES_BUDGET),
                   Reference(ws, min_col=1, min_row=header + 1, max_row=last),
                   Reference(ws, min_col=3, min_row=header, max_row=last), s.AXIS_BUDGET, f"A{last + 3}")


def cuts_sheet(wb: openpyxl.Workbook, data: MeetingData, title: str) -> None:
    """The cuts part of the workbook: the adopted scenario's ledger (the 结果应用 page's columns) with its totals, or
    the notice that none was adopted."""
    if data.cuts is None:
        ws = wb.create_sheet(s.SHEET_CUTS)
        ws.cell(1, 1, title).font = Font(bold=True, size=13)
        ws.cell(3, 1, s.CUTS_NONE)
        ws.column_dimensions["A"].width = 40
        return
    ledger = cut_view.ledger_table(data.cuts.ledger)
    ws, header = _sheet(wb, s.SHEET_CUTS, ledger, title + "　" + s.CUTS_SCENARIO.format(name=data.cuts.scenario))
    totals = pm.cuts_totals(data.cuts)
    at = header + len(ledger) + 2
    for offset, (label, value) in enumerate([(s.CUTS_REQUESTED, totals.requested), (s.CUTS_CUT, totals.cut),
                                             (s.CUTS_ARRANGED, totals.arranged)]):
        ws.cell(at + offset, 1, label).font = Font(bold=True)
        ws.cell(at + offset, 2, float(value)).number_format = tables.MONEY_FORMAT


def build_workbook(data: MeetingData) -> bytes:
    """The summary workbook of the meeting material."""
    wb = openpyxl.Workbook()

    def title(what: str) -> str:
        return s.EXPORT_TITLE.format(year=data.year, what=what, note=s.SAMPLE_NOTE_SHORT if data.sample else "") + \
            s.EXPORT_FILTERS.format(filters=_scope(data))

    _headline_sheet(wb, data, title(s.SHEET_HEADLINE))
    _domains_sheet(wb, data, title(s.SCREEN_DOMAINS))
    _sheet(wb, s.SHEET_UNITS, tables.ranked_unit_table(data.unit_table), title(s.SHEET_UNITS))
    _sheet(wb, s.SHEET_PROJECTS, tables.project_table(data.projects), title(s.SHEET_PROJECTS))
    _sheet(wb, s.SHEET_FLAGS, tables.flag_table(flag_text.with_sentences(data.flag_rows)), title(s.SHEET_FLAGS))
    _sheet(wb, s.SHEET_KEY, _renamed(data.key_evals, KEY_COLUMNS), title(s.SHEET_KEY))
    _sheet(wb, s.SHEET_DEPT, pm.dept_comparison(data), title(s.SHEET_DEPT))
    cuts_sheet(wb, data, title(s.SHEET_CUTS))
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()
