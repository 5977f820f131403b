"""A database written by the first release (c444c48, before migrations existed) opens, migrates and shows
the same numbers; a migration that fails leaves the file as it was."""

import gzip
import json
import shutil
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest

from etl.scoring import rescore
from rubrics.loader import load_rubric
from store import db, migrations

FIXTURES = Path(__file__).with_name("fixtures")


@pytest.fixture
def v1_path(tmp_path) -> Path:
    path = tmp_path / "v1.duckdb"
    with gzip.open(FIXTURES / "db_v1_c444c48.duckdb.gz") as src, path.open("wb") as dst:
        shutil.copyfileobj(src, dst)
    return path


def _expected() -> dict:
    return json.loads((FIXTURES / "db_v1_expected.json").read_text(encoding="utf-8"))


def test_a_first_release_database_migrates_with_its_numbers_intact(v1_path):
    raw = duckdb.connect(str(v1_path), read_only=True)
    assert migrations.current_version(raw.cursor()) == 1
    raw.close()
    con = db.open_db(v1_path)
    try:
        versions = [r[0] for r in con.execute("SELECT version FROM schema_version ORDER BY 1").fetchall()]
        assert versions == [number for number, _ in migrations.scripts()]
        expected = _expected()
        projects = con.execute("""
            SELECT project_id, project_name, unit_code, budget_full_year, executed, self_score, computed_score,
                   grade, status, flags FROM v_project_scores ORDER BY project_id""").fetchall()
        assert len(projects) == len(expected["projects"]) == 38
        for got, want in zip(projects, expected["projects"], strict=True):
            numbers = [None if v is None else Decimal(v) for v in want[3:7]]
            assert list(got[:3]) == want[:3] and list(got[3:7]) == numbers and list(got[7:]) == want[7:], got
        units = con.execute("SELECT unit_code, projects, budget_full_year, score, grade FROM v_unit_scores "
                            "ORDER BY unit_code").fetchall()
        assert [(u[0], u[1], u[2], u[3], u[4]) for u in units] == [
            (c, n, Decimal(b), Decimal(s), g) for c, n, b, s, g in expected["units"]]
        history = con.execute("SELECT count(*), count(*) FILTER (WHERE is_current) FROM forms").fetchone()
        assert history == (40, 38)
        runs = con.execute("SELECT kind, rubric_name FROM v_scoring_runs").fetchall()
        assert runs == [("迁移", "首版评分标准（升级前导入，未保存规则原文）")]
    finally:
        con.close()
    db.open_db(v1_path).close()  # opening again applies nothing


def test_a_migrated_database_can_be_scored_again_and_learns_its_rubric_text(v1_path, tmp_path):
    # The first release scored ≤ rows by the linear fall to 0 at twice the target; with that rule (the rest of
    # the rubric file is unchanged for these forms) the stored inputs alone give the same scores.
    first_release = tmp_path / "first_release.yaml"
    first_release.write_text(load_rubric().text.replace("      formula: ratio\n", "      formula: linear\n"
                                                        "      zero_at_ratio: 2\n", 1), encoding="utf-8")
    con = db.open_db(v1_path)
    try:
        before = dict(con.execute("SELECT project_id, computed_score FROM v_project_scores").fetchall())
        report = rescore(con, load_rubric(first_release))
        assert report.forms == 40
        assert dict(con.execute("SELECT project_id, computed_score FROM v_project_scores").fetchall()) == before
        rescore(con, load_rubric())  # today's rubric: ≤ rows above target score w × t / a, never less
        after = dict(con.execute("SELECT project_id, computed_score FROM v_project_scores").fetchall())
        assert all(after[key] >= score for key, score in before.items() if score is not None)
        text, name = con.execute("SELECT yaml_text, name FROM rubrics ORDER BY rubric_id DESC").fetchone()
        assert text == load_rubric().text and name == load_rubric().name
    finally:
        con.close()


def test_a_failing_migration_leaves_the_file_as_it_was(v1_path, monkeypatch, tmp_path):
    broken = tmp_path / "migrations"
    broken.mkdir()
    for script in migrations.MIGRATIONS_DIR.glob("*.sql"):
        shutil.copy(script, broken / script.name)
    (broken / "002_inputs_runs_rubrics.sql").write_text(
        (migrations.MIGRATIONS_DIR / "002_inputs_runs_rubrics.sql").read_text(encoding="utf-8")
        + "\nSELECT * FROM no_such_table;\n", encoding="utf-8")
    monkeypatch.setattr(migrations, "MIGRATIONS_DIR", broken)
    with pytest.raises(db.StoreError, match="无法升级"):
        db.open_db(v1_path)
    raw = duckdb.connect(str(v1_path), read_only=True)
    assert migrations.current_version(raw.cursor()) == 1
    assert raw.execute("SELECT count(*) FROM forms").fetchone()[0] == 40
    raw.close()


def test_a_database_newer_than_the_program_is_refused(tmp_path):
    path = tmp_path / "future.duckdb"
    db.open_db(path).close()
    con = duckdb.connect(str(path))
    con.execute("INSERT INTO schema_version VALUES (999, '999_future.sql', now())")
    con.close()
    with pytest.raises(db.StoreError, match="请升级程序"):
        db.open_db(path)
