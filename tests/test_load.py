"""Loading files into the store: all or nothing, idempotent, versions, rejections, folders and zips."""

import io
import zipfile
from decimal import Decimal

import duckdb
import pytest

from etl.load import LOADED, LOADED_WITH_WARNINGS, REJECTED, UNCHANGED, SourceFile, load_paths, load_source
from store import db
from tests.conftest import form_bytes, form_rows, workbook_bytes


class _GbkInfo(zipfile.ZipInfo):
    """A member name stored in GBK without the UTF-8 flag, as Windows' built-in zip does."""

    def _encodeFilenameFlags(self):
        return self.filename.encode("gbk"), self.flag_bits


def counts(con):
    return con.execute("SELECT (SELECT count(*) FROM forms), (SELECT count(*) FROM indicators), "
                       "(SELECT count(*) FROM imports)").fetchone()


def test_a_form_loads_scored_with_its_arithmetic(fresh_db):
    report = load_source(fresh_db, SourceFile("a.xlsx", form_bytes()))
    assert (report.status, report.forms) == (LOADED, 1)
    row = fresh_db.execute("SELECT project_name, unit_code, budget_full_year, executed, execution_rate, self_score, "
                           "computed_score, grade, status, flags FROM v_project_scores").fetchone()
    assert row[:4] == ("道路清扫费", "101001", Decimal("100.0000"), Decimal("86.0000"))
    # 8.60 budget points + 20 + 15 + 5 + 10 + 30 + 10 = 98.60
    assert (row[4], row[5], row[6], row[7], row[8], row[9]) == (
        Decimal("0.860000"), Decimal("98.60"), Decimal("98.60"), "优", "已完成", [])
    explanation = fresh_db.execute("SELECT explanation FROM forms").fetchone()[0]
    assert any("86" in line for line in explanation)
    assert fresh_db.execute("SELECT count(*) FROM indicators WHERE explanation <> ''").fetchone()[0] == 6


def test_loading_the_same_file_again_changes_nothing(fresh_db):
    data = form_bytes()
    load_source(fresh_db, SourceFile("a.xlsx", data))
    before = counts(fresh_db)
    assert load_source(fresh_db, SourceFile("renamed.xlsx", data)).status == UNCHANGED
    assert counts(fresh_db) == before


def test_a_new_version_replaces_the_old_and_keeps_it_as_history(fresh_db):
    load_source(fresh_db, SourceFile("v1.xlsx", form_bytes()))
    report = load_source(fresh_db, SourceFile("v2.xlsx", form_bytes(total=(100, 100, 100, 10, "100%", 10),
                                                                       self_total=100)))
    assert report.replaced == 1
    assert fresh_db.execute("SELECT count(*) FROM v_project_scores").fetchone()[0] == 1
    assert fresh_db.execute("SELECT executed FROM v_project_scores").fetchone()[0] == 100
    assert fresh_db.execute("SELECT count(*), count(*) FILTER (WHERE NOT is_current) FROM forms").fetchone() == (2, 1)


def test_incomplete_form_loads_without_a_score(fresh_db):
    rows = [("产出指标", "数量指标", "道路面积", "≥50个", None, 90, 90, "")]
    report = load_source(fresh_db, SourceFile("a.xlsx", form_bytes(indicators=rows)))
    assert report.status == LOADED_WITH_WARNINGS
    assert any(p.cell == "F13" for p in report.problems)
    row = fresh_db.execute("SELECT status, computed_score, grade, flags FROM v_project_scores").fetchone()
    assert row[0] == "未完成" and row[1] is None and row[2] is None and "未完成" in row[3]


def test_weights_not_adding_to_100_load_with_a_flag(fresh_db):
    rows = [("产出指标", "数量指标", "道路面积", "≥50个", "50个", 50, 50, ""),
            ("效益指标", "社会效益指标", "环境", "效果明显", "效果明显", 30, 30, "")]
    load_source(fresh_db, SourceFile("a.xlsx", form_bytes(indicators=rows, self_total=90)))
    assert "分值合计不为100" in fresh_db.execute("SELECT flags FROM v_project_scores").fetchone()[0]


def test_a_file_with_one_bad_sheet_is_rejected_whole(fresh_db):
    good, bad = form_rows(), form_rows(project=None)
    data = workbook_bytes({"好": good, "坏": bad})
    report = load_source(fresh_db, SourceFile("mixed.xlsx", data))
    assert report.status == REJECTED and any(p.sheet == "坏" and p.cell == "A3" for p in report.problems)
    assert counts(fresh_db) == (0, 0, 0)


def test_a_failure_while_writing_rolls_everything_back(fresh_db, monkeypatch):
    load_source(fresh_db, SourceFile("a.xlsx", form_bytes()))
    before = counts(fresh_db)
    import etl.load as load

    def boom(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(load, "_insert", boom)
    with pytest.raises(RuntimeError):
        load_source(fresh_db, SourceFile("b.xlsx", form_bytes(project="另一个项目")))
    assert counts(fresh_db) == before
    assert fresh_db.execute("SELECT count(*) FROM forms WHERE is_current").fetchone()[0] == 1


@pytest.mark.parametrize(("name", "data", "words"), [
    ("empty.xlsx", b"", "为空"),
    ("table.xlsx", b"a,b\n1,2\n", "CSV"),
    ("damaged.xlsx", form_bytes()[:1500], "损坏"),
    ("notes.xlsx", workbook_bytes({"说明": [["填报说明"], ["请按时填报"]]}), "没有找到"),
])
def test_unreadable_files_are_rejected_with_a_reason(fresh_db, name, data, words):
    report = load_source(fresh_db, SourceFile(name, data))
    assert report.status == REJECTED and any(words in p.message for p in report.problems)
    assert all(p.file == name for p in report.problems)
    assert counts(fresh_db) == (0, 0, 0)


def test_folders_and_zip_archives_with_gbk_names(fresh_db, tmp_path):
    folder = tmp_path / "forms"
    folder.mkdir()
    (folder / "a.xlsx").write_bytes(form_bytes())
    (folder / "~$a.xlsx").write_bytes(b"lock file")
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr(_GbkInfo("龙康镇.xlsx"), form_bytes(project="安全饮水工程", unit="219-龙康镇人民政府"))
    (tmp_path / "batch.zip").write_bytes(buf.getvalue())
    reports = load_paths(fresh_db, [folder, tmp_path / "batch.zip", tmp_path / "missing.xlsx"])
    assert [r.status for r in reports] == [LOADED, LOADED, REJECTED]
    assert reports[1].file.endswith("batch.zip/龙康镇.xlsx")
    types = dict(fresh_db.execute("SELECT unit_name, unit_type FROM v_project_scores").fetchall())
    assert types == {"区市容环卫局": "区直部门", "龙康镇人民政府": "镇"}


def test_second_writer_is_refused_with_one_clear_line(tmp_path):
    path = tmp_path / "busy.duckdb"
    holder = db.open_db(path)
    try:
        import subprocess
        import sys

        proc = subprocess.run([sys.executable, "-m", "etl", "load", "--db", str(path), str(tmp_path)],
                              capture_output=True, text=True, cwd=db.ROOT)
        assert proc.returncode == 2
        assert "正被另一个程序" in proc.stderr and "未写入任何数据" in proc.stderr
        assert "Traceback" not in proc.stderr
    finally:
        holder.close()
    assert duckdb.connect(str(path)).execute("SELECT count(*) FROM imports").fetchone()[0] == 0


def test_a_failed_sample_build_leaves_no_database(tmp_path, monkeypatch):
    import etl.build as build

    def broken(con, paths, **kwargs):
        con.execute("CREATE TABLE half_written (x INTEGER)")
        raise RuntimeError("power cut")

    monkeypatch.setattr(build, "load_paths", broken)
    target = tmp_path / "budget_perf.duckdb"
    with pytest.raises(RuntimeError):
        build.build_sample_database(target)
    assert not target.exists()


def test_the_same_project_twice_in_one_file_keeps_the_later_sheet(fresh_db):
    first = form_rows(total=(100, 100, 50, 10, "50%", 5), self_total=95)
    second = form_rows()
    report = load_source(fresh_db, SourceFile("dup.xlsx", workbook_bytes({"旧": first, "新": second})))
    assert report.status == LOADED_WITH_WARNINGS
    assert any(p.sheet == "新" and "重复" in p.message for p in report.problems)
    assert fresh_db.execute("SELECT sheet, executed FROM v_project_scores").fetchall() == [("新", Decimal("86.0000"))]
    assert fresh_db.execute("SELECT count(*) FROM forms").fetchone()[0] == 2
