"""The sample year through the real importer and engine: the reference figures of DOMAIN.md §1, and
every score equal to an independent recomputation made by the generator while it planned the forms."""

import io
import zipfile
from decimal import Decimal

import pytest

from sampledata.generator import build_plan, planted_quirks
from sampledata.paths import SAMPLE_DIR


def test_reference_year_figures(sample_con):
    row = sample_con.execute("""
        SELECT count(DISTINCT unit_code), count(*), sum(budget_full_year), sum(executed)
        FROM v_project_scores WHERE year = 2015""").fetchone()
    assert row == (121, 793, Decimal("99500"), Decimal("83200"))
    units = sample_con.execute("SELECT unit_type, count(*) FROM v_unit_scores GROUP BY ALL").fetchall()
    assert {t for t, _ in units} == {"区直部门", "镇", "街道办事处", "学校"} and sum(n for _, n in units) == 121
    domains = sample_con.execute("SELECT DISTINCT domain FROM v_project_scores").fetchall()
    assert {d for (d,) in domains} == {"水利", "农林", "土地", "纪检", "城建", "市容环卫", "社保", "文化", "教育",
                                       "卫生", "服务业", "社区建设"}
    share = sample_con.execute("SELECT round(sum(budget_full_year) / any_value(y.project_expenditure), 4) "
                               "FROM v_project_scores JOIN year_info y USING (year)").fetchone()[0]
    assert round(float(share), 2) == 0.49


def test_every_grade_and_flag_occurs(sample_con):
    grades = dict(sample_con.execute("SELECT COALESCE(grade, '未完成'), count(*) FROM v_project_scores GROUP BY ALL").fetchall())
    assert set(grades) == {"优", "良", "中", "差", "未完成"} and all(n >= 10 for n in grades.values())
    flags = dict(sample_con.execute("SELECT f, count(*) FROM (SELECT unnest(flags) f FROM v_project_scores) GROUP BY f").fetchall())
    assert {"自评分虚高", "未完成", "超额完成未说明原因", "执行率偏低", "分值合计不为100"} <= set(flags)


def _by_sheet(sample_con):
    rows = sample_con.execute("""SELECT file_name, sheet, status, computed_score, flags FROM v_project_scores""").fetchall()
    return {(f.rsplit("/", 1)[-1], s): (st, score, flags) for f, s, st, score, flags in rows}


def test_scores_equal_the_generators_independent_recomputation(sample_con):
    loaded = _by_sheet(sample_con)
    plan = build_plan()
    compared = 0
    for p in plan.projects:
        status, score, _ = loaded[(p.unit.file_name, p.name)]
        if p.incomplete:
            assert (status, score) == ("未完成", None), p.name
        elif p.weight_delta == 0:  # weights that do not add up are rescaled by the engine, not by the units
            assert score == p.honest_total, (p.unit.file_name, p.name)
            compared += 1
    assert compared > 750


@pytest.mark.parametrize(("quirk", "flag"), [
    ("inflated_self_score", "自评分虚高"),
    ("overachieved_no_reason", "超额完成未说明原因"),
    ("weights_not_100", "分值合计不为100"),
    ("incomplete", "未完成"),
])
def test_planted_quirks_raise_their_flags(sample_con, quirk, flag):
    loaded = _by_sheet(sample_con)
    examples = planted_quirks()[quirk]
    assert examples
    for key in examples:
        assert flag in loaded[key][2], key


def test_zero_total_rows_are_read_from_the_sub_rows_with_a_warning(sample_con):
    for file, sheet in planted_quirks()["zero_total_row"]:
        row = sample_con.execute("""SELECT cell, message FROM problems
            WHERE file_name LIKE '%/' || ? AND sheet = ? AND message LIKE '%年度资金总额行为 0%'""", [file, sheet]).fetchone()
        assert row is not None and row[0], (file, sheet)


def test_every_score_and_indicator_explains_itself(sample_con):
    missing = sample_con.execute("""
        SELECT count(*) FROM v_form_scores WHERE len(explanation) = 0
        UNION ALL SELECT count(*) FROM indicator_scores WHERE explanation IS NULL OR explanation = ''""").fetchall()
    assert missing == [(0,), (0,)]


def _contents(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        return {n: z.read(n) for n in z.namelist()}


def test_committed_sample_files_are_what_the_generator_writes(generated_sample):
    written = generated_sample
    committed = sorted(p.name for p in SAMPLE_DIR.glob("*.xlsx"))
    assert committed == sorted(p.name for p in written)
    for path in written:
        assert _contents(path.read_bytes()) == _contents((SAMPLE_DIR / path.name).read_bytes()), path.name
