"""导出汇报材料 (issue 11): each export opened with its own library — the slides' count, titles, east-asian fonts and
footers; the report's figures equal the database's; the workbook's sheets, totals, formats and formula-like text; the
chart images — then the slides and the report rendered by LibreOffice to PDF and to PNG pages that are not blank and
carry Chinese text; the command line writes the same files; the budget-cuts part appears once a scenario is adopted."""

from __future__ import annotations

import dataclasses
import io
import shutil
import subprocess
import sys
import zipfile
from decimal import Decimal
from pathlib import Path

import docx
import openpyxl
import pytest
from PIL import Image
from pptx import Presentation
from pptx.oxml.ns import qn

from present import format as fmt
from present import strings as s
from reports import meeting as exports
from store import db
from store.meeting import MeetingData, MeetingFilters, gather
from tests.test_remote_import import HOLDER

YEAR = 2015
SCREEN_TITLES = [s.SCREEN_HEADLINE, s.SCREEN_GRADES, s.SCREEN_DOMAINS, s.SCREEN_WEAKEST, s.SCREEN_KEY, s.SCREEN_DEPT,
                 s.SCREEN_CUTS, s.SCREEN_NEXT]
CHARTS = 6  # grades, domains, weakest units, key evaluation, departments, the cuts waterfall


@pytest.fixture(scope="module")
def facts(sample_con) -> MeetingData:
    return gather(sample_con, MeetingFilters(YEAR))


@pytest.fixture(scope="module")
def built(facts) -> dict[str, exports.Material]:
    steps: list[tuple[int, int, str]] = []
    found = exports.build(facts, progress=lambda done, total, what: steps.append((done, total, what)))
    assert steps[-1][0] == steps[-1][1] and [d for d, _, _ in steps] == sorted(d for d, _, _ in steps)
    return found


def _db_figures(con) -> dict[str, object]:
    units, projects, budget, executed, flagged, incomplete = con.execute(
        "SELECT count(DISTINCT unit_code), count(*), sum(budget_full_year), sum(executed), "
        "count(*) FILTER (WHERE len(flags) > 0), count(*) FILTER (WHERE computed_score IS NULL) "
        "FROM v_project_scores WHERE year = ?", [YEAR]).fetchone()
    mean = con.execute("SELECT round(avg(final_score), 2) FROM v_project_scores WHERE year = ?", [YEAR]).fetchone()[0]
    return {"units": units, "projects": projects, "budget": budget, "executed": executed, "flagged": flagged,
            "incomplete": incomplete, "mean": mean}


# ---- slides -----------------------------------------------------------------------------------------------------


def _texts(slide) -> list[str]:
    return [shape.text_frame.text for shape in slide.shapes if shape.has_text_frame]


def test_slides_are_16_9_one_per_screen_with_the_year_in_every_title(built, facts):
    material = built["pptx"]
    assert material.name == f"{YEAR}年度预算绩效评价汇报.pptx"
    deck = Presentation(io.BytesIO(material.data))
    assert round(deck.slide_width / deck.slide_height, 2) == round(16 / 9, 2)
    slides = list(deck.slides)
    assert len(slides) == 1 + len(SCREEN_TITLES)
    assert _texts(slides[0])[0].splitlines()[0] == f"{YEAR} 年度预算绩效评价工作汇报"
    titles = [_texts(slide)[0] for slide in slides[1:]]
    assert titles == [f"{YEAR} 年度{t}" for t in SCREEN_TITLES]
    pictures = [slide for slide in slides if any(shape.shape_type == 13 for shape in slide.shapes)]
    assert len(pictures) == CHARTS
    for number, slide in enumerate(slides, start=1):  # the footer: year, data date, scope, 示例数据, page
        text = "\n".join(_texts(slide))
        assert f"{YEAR} 年度 · 数据截至 {facts.data_date:%Y-%m-%d} · 范围：全部单位 · 示例数据" in text
        assert f"{number} / {len(slides)}" in text


def test_slide_text_is_real_text_with_an_east_asian_typeface(built, sample_con):
    deck = Presentation(io.BytesIO(built["pptx"].data))
    runs = [run for slide in deck.slides for shape in slide.shapes if shape.has_text_frame
            for paragraph in shape.text_frame.paragraphs for run in paragraph.runs]
    assert runs and all(run._r.rPr.find(qn("a:ea")) is not None for run in runs)
    assert {run._r.rPr.find(qn("a:ea")).get("typeface") for run in runs} == {"Microsoft YaHei"}
    headline = "\n".join(_texts(list(deck.slides)[1]))
    n = _db_figures(sample_con)
    for expected in (f"{n['units']} 家", f"{n['projects']} 个", fmt.yi(n["budget"]), fmt.yi(n["executed"]),
                     "83.62%", "49%", f"{n['mean']:.2f}", f"{n['flagged']} 个"):
        assert expected in headline
    assert "采纳方案：默认规则（示例参数）" in "\n".join(_texts(list(deck.slides)[7]))  # the sample adopts one


# ---- the written report -----------------------------------------------------------------------------------------


def _report_text(data: bytes) -> tuple[list[str], str]:
    document = docx.Document(io.BytesIO(data))
    paragraphs = [p.text for p in document.paragraphs]
    cells = [c.text for t in document.tables for row in t.rows for c in row.cells]
    return paragraphs, "\n".join(paragraphs + cells)


def test_report_has_the_seed_structure_and_the_databases_figures(built, sample_con):
    material = built["docx"]
    assert material.name == f"{YEAR}年度预算绩效评价工作情况报告.docx"
    paragraphs, text = _report_text(material.data)
    assert paragraphs[0] == f"{YEAR}年度预算绩效评价工作情况报告"
    headings = [s.REPORT_H_OVERALL, s.REPORT_H_SELF, s.REPORT_H_KEY, s.REPORT_H_DEPT, s.REPORT_H_DOMAINS,
                s.REPORT_H_PROBLEMS, s.REPORT_H_APPLIED, s.REPORT_H_NEXT.format(next_year=YEAR + 2)]
    assert [p for p in paragraphs if p in headings] == headings
    n = _db_figures(sample_con)
    assert f"{YEAR}年度，{n['units']}家预算单位（含镇、办、学校）安排自评项目{n['projects']}个，涉及资金{fmt.yi(n['budget'])}，" \
           f"实际支出{fmt.yi(n['executed'])}，预算执行率83.62%，占全年项目支出的49%。" in text
    assert f"已完成自评{n['projects'] - n['incomplete']}个，未完成{n['incomplete']}个；平均得分{n['mean']:.2f}分" in text
    for grade, count in sample_con.execute("SELECT COALESCE(final_grade, '未完成'), count(*) FROM v_project_scores "
                                           "WHERE year = ? GROUP BY ALL", [YEAR]).fetchall():
        assert f"{grade}{count}个" in text
    key = sample_con.execute("SELECT subject_name, panel_score, grade, expert_count FROM v_evaluation_results "
                             "WHERE year = ? AND kind = 'key'", [YEAR]).fetchone()
    assert f"选取{key[0]}项目开展重点评价，由{key[3]}名专家组成专家组评分，专家组得分{key[1]:.2f}分，等级“{key[2]}”" in text
    for name, score, grade in sample_con.execute("SELECT subject_name, panel_score, grade FROM v_evaluation_results "
                                                 "WHERE year = ? AND kind = 'dept'", [YEAR]).fetchall():
        assert f"{name}：专家组得分{score:.2f}分，等级“{grade}”" in text
    for domain, budget in sample_con.execute("SELECT domain, sum(budget_full_year) FROM v_project_scores "
                                             "WHERE year = ? GROUP BY domain", [YEAR]).fetchall():
        assert f"{domain}：项目" in text and f"全年预算数{fmt.money(budget)}" in text
    for flag, count in sample_con.execute("SELECT f, count(*) FROM (SELECT unnest(flags) f FROM v_project_scores "
                                          "WHERE year = ?) GROUP BY f", [YEAR]).fetchall():
        assert f"{flag}：{count}个项目" in text
    assert any(p.startswith("按采纳的压减方案“默认规则（示例参数）”") for p in paragraphs)
    assert s.REPORT_NEXT_PLACEHOLDER in paragraphs and s.REPORT_SAMPLE in paragraphs


def test_report_sets_an_east_asian_font(built):
    document = docx.Document(io.BytesIO(built["docx"].data))
    fonts = {r._r.rPr.rFonts.get(qn("w:eastAsia")) for p in document.paragraphs for r in p.runs}
    assert fonts <= {"宋体", "黑体", "方正小标宋简体"} and "宋体" in fonts


# ---- the workbook -------------------------------------------------------------------------------------------------


def _rows(ws, header: int = 3) -> list[dict[str, object]]:
    names = [c.value for c in ws[header]]
    return [dict(zip(names, (c.value for c in row), strict=True)) for row in ws.iter_rows(min_row=header + 1)
            if row[0].value is not None]


def test_workbook_sheets_totals_and_print_setup(built, sample_con):
    material = built["xlsx"]
    assert material.name == f"{YEAR}年度预算绩效评价汇总表.xlsx"
    wb = openpyxl.load_workbook(io.BytesIO(material.data))
    assert wb.sheetnames == [s.SHEET_HEADLINE, s.SHEET_DOMAINS, s.SHEET_UNITS, s.SHEET_PROJECTS, s.SHEET_FLAGS,
                             s.SHEET_KEY, s.SHEET_DEPT, s.SHEET_CUTS]
    n = _db_figures(sample_con)
    head = wb[s.SHEET_HEADLINE]
    values = {row[0].value: row[1] for row in head.iter_rows(min_row=4, max_row=12)}
    assert values[s.METRIC_UNITS].value == n["units"] and values[s.METRIC_PROJECTS].value == n["projects"]
    assert values[s.METRIC_BUDGET].value == pytest.approx(float(n["budget"]))
    assert values[s.METRIC_BUDGET].number_format == "#,##0.00"
    assert values[s.METRIC_RATE].number_format == "0.00%"
    assert values[s.METRIC_MEAN].value == pytest.approx(float(n["mean"]))
    assert len(head._charts) == 1 and len(wb[s.SHEET_DOMAINS]._charts) == 1  # native Excel charts

    units = _rows(wb[s.SHEET_UNITS])
    assert len(units) == n["units"]
    assert sum(r[s.COL_BUDGET] for r in units) == pytest.approx(float(n["budget"]))
    projects = _rows(wb[s.SHEET_PROJECTS])
    assert len(projects) == n["projects"]
    assert sum(r[s.COL_BUDGET] for r in projects) == pytest.approx(float(n["budget"]))
    assert sum(r[s.COL_EXECUTED] for r in projects) == pytest.approx(float(n["executed"]))
    flags = _rows(wb[s.SHEET_FLAGS])
    assert len(flags) == sample_con.execute("SELECT count(*) FROM (SELECT unnest(flags) FROM v_project_scores "
                                            "WHERE year = ?)", [YEAR]).fetchone()[0]
    assert all(r[s.COL_SENTENCE] for r in flags)
    assert len(_rows(wb[s.SHEET_KEY])) == 1 and len(_rows(wb[s.SHEET_DEPT])) == 5
    assert wb[s.SHEET_CUTS]["A5"].value in ("项目", "单位")  # the adopted scenario's ledger
    for name in (s.SHEET_UNITS, s.SHEET_PROJECTS, s.SHEET_FLAGS):
        ws = wb[name]
        assert ws.freeze_panes == "A4" and ws.print_title_rows == "$3:$3"
        assert ws.page_setup.orientation == "landscape" and ws.page_setup.fitToWidth == 1
        budget_col = [c.value for c in ws[3]].index(s.COL_BUDGET) + 1 if s.COL_BUDGET in [c.value for c in ws[3]] else 0
        if budget_col:
            assert {ws.cell(r, budget_col).number_format for r in range(4, 10)} == {"#,##0.00"}


def test_workbook_keeps_formula_like_text_as_text(facts):
    from reports.workbook import build_workbook

    projects = facts.projects.copy()
    projects.loc[0, "project_name"] = '=HYPERLINK("http://x","点我")'
    projects.loc[1, "project_name"] = "+1+1"
    projects.loc[2, "project_name"] = "@SUM(A1)"
    wb = openpyxl.load_workbook(io.BytesIO(build_workbook(dataclasses.replace(facts, projects=projects))))
    ws = wb[s.SHEET_PROJECTS]
    column = [c.value for c in ws[3]].index(s.COL_PROJECT) + 1
    cells = [ws.cell(r, column) for r in (4, 5, 6)]
    assert [c.value for c in cells] == ['=HYPERLINK("http://x","点我")', "+1+1", "@SUM(A1)"]
    assert {c.data_type for c in cells} == {"s"}


# ---- chart images -------------------------------------------------------------------------------------------------


def _ink(image: Image.Image) -> float:
    """The share of pixels that are not (nearly) white."""
    grey = image.convert("L")
    histogram = grey.histogram()
    return sum(histogram[:240]) / (grey.width * grey.height)


def test_chart_images_are_pngs_of_every_chart_with_the_year(built):
    with zipfile.ZipFile(io.BytesIO(built["png"].data)) as z:
        names = z.namelist()
        assert len(names) == CHARTS and all(n.endswith(".png") and f"{YEAR}_年度" in n for n in names)
        for name in names:
            image = Image.open(io.BytesIO(z.read(name)))
            assert image.size == (1600, 820)
            assert _ink(image) > 0.03, name


def test_the_bundle_holds_all_four(facts):
    material = exports.bundle(facts)
    with zipfile.ZipFile(io.BytesIO(material.data)) as z:
        names = z.namelist()
    assert material.name == f"{YEAR}年度预算绩效评价汇报材料.zip"
    assert {f"{YEAR}年度预算绩效评价汇报.pptx", f"{YEAR}年度预算绩效评价汇总表.xlsx",
            f"{YEAR}年度预算绩效评价工作情况报告.docx"} <= set(names)
    assert len([n for n in names if n.startswith(f"{exports.CHARTS_FOLDER}/")]) == CHARTS


def test_without_an_adopted_scenario_the_material_says_so(facts):
    none = dataclasses.replace(facts, cuts=None)
    built = exports.build(none)
    slide = list(Presentation(io.BytesIO(built["pptx"].data)).slides)[7]
    assert s.CUTS_NONE in "\n".join(_texts(slide)) and not any(shape.shape_type == 13 for shape in slide.shapes)
    with zipfile.ZipFile(io.BytesIO(built["png"].data)) as z:
        assert len(z.namelist()) == CHARTS - 1
    assert openpyxl.load_workbook(io.BytesIO(built["xlsx"].data))[s.SHEET_CUTS]["A3"].value == s.CUTS_NONE
    paragraphs, _ = _report_text(built["docx"].data)
    assert s.CUTS_NONE + "。" in paragraphs


# ---- the budget-cuts part (issue 10) -----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def cuts_facts(sample_db_path, tmp_path_factory) -> tuple[MeetingData, tuple[Decimal, Decimal, int]]:
    """The sample year with next year's requests and the default rules' scenario adopted (store.cuts, issue 10; the
    sample build adopts one, a database without requests gets a simple batch), and the view's totals: 申报总额,
    压减合计, ledger rows."""
    from rubrics.cuts import load_rules
    from store import access, cuts

    path = tmp_path_factory.mktemp("cuts") / "cuts.duckdb"
    shutil.copy(sample_db_path, path)
    con = db.open_db(path)
    try:
        if not cuts.requests(con, YEAR).shape[0]:
            found = cuts.known(con, YEAR)
            rows = []
            for code, name in found.units.items():
                rows.append(cuts.Request(code, name, None, Decimal(1000)))
                rows += [cuts.Request(code, name, project, Decimal(10)) for project in list(found.projects[code])[:3]]
            cuts.save_requests(con, access.command_line(), YEAR, rows, cuts.SOURCE_SAMPLE)
        if cuts.adopted(con, YEAR) is None:
            cuts.save_and_adopt(con, access.command_line(), YEAR, "默认规则（示例参数）", load_rules())
        totals = con.execute("SELECT sum(request) FILTER (WHERE level = '单位'), sum(cut_amount), count(*) "
                             "FROM v_budget_cuts WHERE year = ?", [YEAR]).fetchone()
        found_facts = gather(con, MeetingFilters(YEAR))
    finally:
        con.close()
    assert found_facts.cuts is not None and totals[1] > 0
    return found_facts, (Decimal(totals[0]), Decimal(totals[1]), int(totals[2]))


def test_the_adopted_cuts_scenario_appears_in_slides_images_workbook_and_report(cuts_facts):
    found, (requested, cut, rows) = cuts_facts
    built = exports.build(found)
    slide = list(Presentation(io.BytesIO(built["pptx"].data)).slides)[7]
    text = "\n".join(_texts(slide))
    assert f"{YEAR} 年度{s.SCREEN_CUTS}" in text and "采纳方案：默认规则（示例参数）" in text
    for amount in (requested, cut, requested - cut):
        assert fmt.wan(amount) in text
    assert any(shape.shape_type == 13 for shape in slide.shapes)  # the waterfall
    with zipfile.ZipFile(io.BytesIO(built["png"].data)) as z:
        assert len(z.namelist()) == CHARTS and any("结果应用" in n for n in z.namelist())
    ws = openpyxl.load_workbook(io.BytesIO(built["xlsx"].data))[s.SHEET_CUTS]
    ledger = [r for r in _rows(ws) if r.get(s.COL_CUT_LEVEL) in ("项目", "单位")]  # the totals follow the rows
    assert len(ledger) == rows
    assert sum(Decimal(str(r[s.COL_CUT_AMOUNT] or 0)) for r in ledger) == pytest.approx(cut)
    labels = {r[0].value: r[1].value for r in ws.iter_rows(min_row=4 + rows) if r[0].value in
              (s.CUTS_REQUESTED, s.CUTS_CUT, s.CUTS_ARRANGED)}
    assert labels == pytest.approx({s.CUTS_REQUESTED: float(requested), s.CUTS_CUT: float(cut),
                                    s.CUTS_ARRANGED: float(requested - cut)})
    _, report = _report_text(built["docx"].data)
    assert f"下年预算申报总额{fmt.wan(requested)}，压减合计{fmt.wan(cut)}，安排总额{fmt.wan(requested - cut)}" in report
    assert "按规则分列：" in report


# ---- the command line ---------------------------------------------------------------------------------------------


def test_command_line_writes_the_same_files(sample_db_path, tmp_path):
    path = tmp_path / "copy.duckdb"
    shutil.copy(sample_db_path, path)
    out = tmp_path / "汇报材料"
    proc = subprocess.run([sys.executable, "-m", "etl", "export", "--db", str(path), "--year", str(YEAR),
                           "--out", str(out)], capture_output=True, text=True, cwd=db.ROOT, timeout=300)
    assert proc.returncode == 0, proc.stderr
    names = sorted(p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file())
    assert f"{YEAR}年度预算绩效评价汇报.pptx" in names and f"{YEAR}年度预算绩效评价工作情况报告.docx" in names
    assert len([n for n in names if n.startswith("图表/")]) == CHARTS
    assert f"{YEAR} 年度汇报材料共 {len(names)} 个文件" in proc.stdout
    assert len(list(Presentation(str(out / f"{YEAR}年度预算绩效评价汇报.pptx")).slides)) == 1 + len(SCREEN_TITLES)

    missing = subprocess.run([sys.executable, "-m", "etl", "export", "--db", str(path), "--year", "1999",
                              "--out", str(tmp_path / "none")], capture_output=True, text=True, cwd=db.ROOT,
                             timeout=120)
    assert missing.returncode == 1 and "1999 年度没有已导入的自评表" in missing.stderr


def test_command_line_exports_through_the_running_dashboard(sample_db_path, tmp_path):
    """While the dashboard holds the database the command line hands the export to it: the dashboard writes the
    same files into the command line's folder, and its steps are printed as they happen."""
    path = tmp_path / "held.duckdb"
    shutil.copy(sample_db_path, path)
    out = tmp_path / "汇报材料"
    holder = subprocess.Popen([sys.executable, "-c", HOLDER, str(path)], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                              text=True, cwd=db.ROOT)
    try:
        assert holder.stdout.readline().strip() == "ready"
        unknown = subprocess.run([sys.executable, "-m", "etl", "export", "--db", str(path), "--year", str(YEAR),
                                  "--department", "区不存在局", "--out", str(tmp_path / "none")],
                                 capture_output=True, text=True, cwd=db.ROOT, timeout=120)
        proc = subprocess.run([sys.executable, "-m", "etl", "export", "--db", str(path), "--year", str(YEAR),
                               "--out", str(out)], capture_output=True, text=True, cwd=db.ROOT, timeout=300)
    finally:
        holder.stdin.write("stop\n")
        holder.stdin.flush()
        holder.wait(timeout=30)
    assert unknown.returncode == 1, unknown.stderr
    assert f"{YEAR} 年度没有主管部门为 区不存在局 的项目，未导出" in unknown.stderr
    assert not (tmp_path / "none").exists()
    assert proc.returncode == 0, proc.stderr
    assert "已交给看板导出" in proc.stderr and "Traceback" not in proc.stderr + proc.stdout
    assert "（1/" in proc.stderr  # the dashboard's steps, relayed
    names = sorted(p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file())
    assert f"{YEAR}年度预算绩效评价汇报.pptx" in names and len([n for n in names if n.startswith("图表/")]) == CHARTS
    assert f"{YEAR} 年度汇报材料共 {len(names)} 个文件（由看板写入）" in proc.stdout
    assert len(list(Presentation(str(out / f"{YEAR}年度预算绩效评价汇报.pptx")).slides)) == 1 + len(SCREEN_TITLES)
    assert not list((tmp_path / "inbox").glob("*.json*"))


# ---- rendered by LibreOffice -------------------------------------------------------------------------------------


def _office_pages(source: Path, out: Path) -> tuple[list[Path], str]:
    """The document converted to PDF by LibreOffice headless, its pages as PNGs (pdftoppm) and its text."""
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    assert soffice, "LibreOffice is missing: tests/run installs it (apt-get install libreoffice-impress libreoffice-writer)"
    profile = out / "lo-profile"  # a profile of its own: a parallel LibreOffice elsewhere does not block this one
    subprocess.run([soffice, f"-env:UserInstallation=file://{profile}", "--headless", "--convert-to", "pdf",
                    "--outdir", str(out), str(source)], check=True, capture_output=True, timeout=240)
    pdf = out / (source.stem + ".pdf")
    assert pdf.is_file()
    subprocess.run(["pdftoppm", "-r", "40", "-png", str(pdf), str(out / source.stem)], check=True, timeout=120)
    text = subprocess.run(["pdftotext", str(pdf), "-"], check=True, capture_output=True, text=True, timeout=60).stdout
    return sorted(out.glob(f"{source.stem}-*.png")), text


@pytest.mark.parametrize("part", ["pptx", "docx"])
def test_office_renders_the_slides_and_the_report_with_chinese_text(built, tmp_path, part):
    source = tmp_path / built[part].name
    source.write_bytes(built[part].data)
    pages, text = _office_pages(source, tmp_path)
    text = "".join(text.split())  # pdftotext spaces Latin from CJK and breaks lines where the page does
    if part == "pptx":
        assert len(pages) == 1 + len(SCREEN_TITLES)
        for title in SCREEN_TITLES:
            assert title in text
        assert "121家" in text and "9.95亿元" in text
    else:
        assert len(pages) >= 2
        assert f"{YEAR}年度预算绩效评价工作情况报告" in text and "一、总体情况" in text and "793个" in text
    for page in pages:  # not blank: text and charts put ink on every page
        assert _ink(Image.open(page)) > 0.005, page.name
    assert sum(1 for ch in text if "\u4e00" <= ch <= "\u9fff") > 200
    print(f"rendered pages: {tmp_path}")
