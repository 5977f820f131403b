"""The sample year through the real importer and engine: the reference figures of DOMAIN.md §1, and
every score equal to an independent recomputation made by the generator while it planned the forms."""

import io
import zipfile
from decimal import Decimal

import pytest

from sampledata.generator import build_plan, planted_quirks
from sampledata.names import load_names
from sampledata.paths import SAMPLE_DIR, sample_dir

NAMES = load_names()


def test_reference_year_figures(sample_con):
    row = sample_con.execute("""
        SELECT count(DISTINCT unit_code), count(*), sum(budget_full_year), sum(executed)
        FROM v_project_scores WHERE year = 2015""").fetchone()
    assert row == (121, 793, Decimal("99500"), Decimal("83200"))
    units = sample_con.execute("SELECT unit_type, count(*) FROM v_unit_scores WHERE year = 2015 GROUP BY ALL").fetchall()
    assert {t for t, _ in units} == {"区直部门", "镇", "街道办事处", "学校"} and sum(n for _, n in units) == 121
    domains = sample_con.execute("SELECT DISTINCT domain FROM v_project_scores WHERE year = 2015").fetchall()
    assert {d for (d,) in domains} == {"水利", "农林", "土地", "纪检", "城建", "市容环卫", "社保", "文化", "教育",
                                       "卫生", "服务业", "社区建设"}
    share = sample_con.execute("SELECT round(sum(budget_full_year) / any_value(y.project_expenditure), 4) "
                               "FROM v_project_scores JOIN year_info y USING (year) WHERE year = 2015").fetchone()[0]
    assert round(float(share), 2) == 0.49


def test_the_year_before_loads_beside_it(sample_con):
    """2014, planned from 2015: three units fewer, a little less money; the sample's own figures, not DOMAIN's."""
    rows = sample_con.execute("""
        SELECT year, count(DISTINCT unit_code), count(*), sum(budget_full_year), sum(executed)
        FROM v_project_scores GROUP BY year ORDER BY year""").fetchall()
    assert rows == [(2014, 118, 768, Decimal("92800"), Decimal("76100")),
                    (2015, 121, 793, Decimal("99500"), Decimal("83200"))]
    notes = dict(sample_con.execute("SELECT year, note FROM year_info").fetchall())
    assert set(notes) == {2014, 2015} and all("示例数据" in note for note in notes.values())
    later_only = sample_con.execute("""SELECT DISTINCT unit_name FROM v_project_scores WHERE year = 2015 AND unit_code NOT IN
        (SELECT unit_code FROM v_project_scores WHERE year = 2014) ORDER BY ALL""").fetchall()
    assert [n for (n,) in later_only] == sorted(NAMES.new_units[2015])


def test_continuing_projects_keep_their_unit_and_name(sample_con):
    """About three in four 2014 projects run on into 2015 under the same unit code and name (which is how a project
    is followed over the years), with the same domain; their scores and execution rates move, plausibly."""
    rows = sample_con.execute("""
        SELECT a.domain = b.domain, a.computed_score, b.computed_score, a.execution_rate, b.execution_rate
        FROM v_project_scores a JOIN v_project_scores b USING (unit_code, project_name)
        WHERE a.year = 2014 AND b.year = 2015""").fetchall()
    assert 0.65 < len(rows) / 768 < 0.8
    assert all(same for same, *_ in rows)
    scored = [(a, b) for _, a, b, _, _ in rows if a is not None and b is not None]
    assert sum(a != b for a, b in scored) > 0.95 * len(scored)
    assert sorted(abs(a - b) for a, b in scored)[len(scored) // 2] < 10  # most stay near their next-year score
    assert sum(ra != rb for *_, ra, rb in rows) > 0.9 * len(rows)


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


def test_committed_2014_files_are_what_the_generator_writes(tmp_path):
    from sampledata.generator import write_sample

    written = write_sample(tmp_path, 2014)
    assert sorted(p.name for p in sample_dir(2014).glob("*.xlsx")) == sorted(p.name for p in written)
    for path in written:
        assert _contents(path.read_bytes()) == _contents((sample_dir(2014) / path.name).read_bytes()), path.name
