"""`python -m etl rescore`: after a rubric edit the stored forms are scored again as a new run; the earlier
run stays queryable, and unit grades follow the bands of the rubric that produced the scores."""

import shutil
import subprocess
import sys

import duckdb
import pandas as pd
import pytest

from rubrics.loader import load_rubric
from store import db, queries

STRICT_NAME = "项目支出绩效自评（优 95 分起）"


@pytest.fixture
def sample_copy(sample_db_path, tmp_path):
    path = tmp_path / "copy.duckdb"
    shutil.copy(sample_db_path, path)
    return path


@pytest.fixture
def strict_rubric(tmp_path):
    """The default rubric with 优 from 95 points and a new name."""
    text = load_rubric().text
    text = text.replace("name: 项目支出绩效自评（默认规则）", f"name: {STRICT_NAME}", 1)
    text = text.replace("    - name: 优\n      description: 90（含）–100 分\n      min: 90",
                        "    - name: 优\n      description: 95（含）–100 分\n      min: 95", 1)
    path = tmp_path / "strict.yaml"
    path.write_text(text, encoding="utf-8")
    assert load_rubric(path).grade_rule.bands[0].min == 95
    return path


def test_rescore_after_a_rubric_edit_changes_scores_and_keeps_the_earlier_run(sample_copy, strict_rubric):
    con = duckdb.connect(str(sample_copy), read_only=True)
    before = dict(con.execute("SELECT form_id, grade FROM v_project_scores WHERE year = 2015").fetchall())
    totals = dict(con.execute("SELECT form_id, computed_score FROM v_project_scores WHERE year = 2015").fetchall())
    con.close()
    proc = subprocess.run([sys.executable, "-m", "etl", "rescore", "--db", str(sample_copy), "--year", "2015",
                           "--rubric", str(strict_rubric)], capture_output=True, text=True, cwd=db.ROOT, timeout=300)
    assert proc.returncode == 0, proc.stderr
    moved = sum(1 for g in before.values() if g == "优") - sum(
        1 for f, g in before.items() if g == "优" and totals[f] >= 95)
    assert f"已按“{STRICT_NAME}”重新评分（2015 年度）：793 张自评表，其中 {moved} 张" in proc.stdout
    con = db.open_db(sample_copy)
    try:
        after = dict(con.execute("SELECT form_id, grade FROM v_project_scores").fetchall())
        for form_id, grade in before.items():
            expected = "良" if grade == "优" and totals[form_id] < 95 else grade
            assert after[form_id] == expected, form_id
        assert moved > 100
        runs = queries.scoring_runs(con)
        assert runs["kind"].tolist() == ["重新评分", "导入"]
        assert runs["current_forms"].tolist() == [793, 768]  # the import run still scores 2014
        assert runs["rubric_name"].tolist() == [STRICT_NAME, "项目支出绩效自评（默认规则）"]
        old = queries.run_scores(con, int(runs["run_id"].iloc[1]))
        old_grades = {pid: None if pd.isna(g) else g for pid, g in zip(old["project_id"], old["grade"], strict=True)}
        assert old_grades == dict(con.execute(
            "SELECT project_id, grade FROM forms f JOIN form_scores s USING (form_id) WHERE s.run_id = ?",
            [int(runs["run_id"].iloc[1])]).fetchall())
        assert (old[old["year"] == 2015]["grade"] == "优").sum() == sum(1 for g in before.values() if g == "优")
        # unit grades follow the bands of the rubric that produced the scores
        units = con.execute("SELECT score, grade FROM v_unit_scores WHERE score >= 90 AND score < 95 AND year = 2015"
                            ).fetchall()
        assert units and all(grade == "良" for _, grade in units)
        [in_use] = queries.rubrics_in_use(con, 2015)
        assert (in_use.name, in_use.projects) == (STRICT_NAME, 793)
    finally:
        con.close()


def test_rescore_with_a_broken_rubric_changes_nothing(sample_copy, tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text(load_rubric().text.replace("margin: 5", "margin: -5"), encoding="utf-8")
    proc = subprocess.run([sys.executable, "-m", "etl", "rescore", "--db", str(sample_copy), "--rubric", str(bad)],
                          capture_output=True, text=True, cwd=db.ROOT, timeout=300)
    assert proc.returncode == 1 and "评分标准有误，未重新评分" in proc.stderr and "inflation.margin" in proc.stderr
    con = duckdb.connect(str(sample_copy), read_only=True)
    assert con.execute("SELECT count(*) FROM scoring_runs").fetchone()[0] == 1
    con.close()


def test_a_truncating_rubric_truncates_unit_means_and_rates_in_the_views(sample_copy, tmp_path):
    """rounding.method truncate (forms that print 97.80% for 97.809%) reaches the views: unit scores and rates are
    truncated, not rounded half up."""
    from decimal import ROUND_DOWN, Decimal

    from etl.scoring import rescore

    path = tmp_path / "truncate.yaml"
    path.write_text(load_rubric().text.replace("  method: half_up", "  method: truncate", 1), encoding="utf-8")
    rubric = load_rubric(path)
    assert rubric.rounding.method == "truncate"
    con = db.open_db(sample_copy)
    try:
        rescore(con, rubric)
        assert con.execute("SELECT rounding_method FROM rubrics WHERE version = ?",
                           [rubric.version]).fetchone() == ("truncate",)
        units = queries.unit_scores(con, 2015)
        rows = con.execute("""SELECT unit_code, sum(computed_score * budget_full_year) / sum(budget_full_year)
                              FROM v_project_scores WHERE computed_score IS NOT NULL AND year = 2015
                              GROUP BY unit_code""").fetchall()
    finally:
        con.close()
    exact = {code: Decimal(str(value)) for code, value in rows}
    shown = dict(zip(units["unit_code"], units["score"], strict=True))
    truncated = [code for code in exact if shown[code] == exact[code].quantize(Decimal("0.01"), rounding=ROUND_DOWN)]
    assert len(truncated) >= len(exact) - 2  # the float mean above may differ in the last place on a tie or two
    assert any(shown[c] != exact[c].quantize(Decimal("0.01")) for c in exact)  # half up would differ somewhere
