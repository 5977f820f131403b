"""Loading files into the store: all or nothing, idempotent, versions, rejections, folders and zips."""

import io
import zipfile
from decimal import Decimal

import duckdb
import pytest

from etl.load import (
    LOADED,
    LOADED_WITH_WARNINGS,
    REJECTED,
    UNCHANGED,
    SourceFile,
    check,
    commit,
    load_paths,
    load_source,
)
from etl.scoring import form_input
from store import db, queries
from tests.conftest import form_bytes, form_rows, workbook_bytes


class _GbkInfo(zipfile.ZipInfo):
    """A member name stored in GBK without the UTF-8 flag, as Windows' built-in zip does."""

    def _encodeFilenameFlags(self):
        return self.filename.encode("gbk"), self.flag_bits


TABLES = ("forms", "indicators", "fund_rows", "form_scores", "indicator_scores", "imports", "problems",
          "source_files", "scoring_runs", "plan_projects")


def counts(con):
    return tuple(con.execute(f"SELECT count(*) FROM {table}").fetchone()[0] for table in TABLES)


def test_a_form_loads_scored_with_its_arithmetic(fresh_db):
    report = load_source(fresh_db, SourceFile("a.xlsx", form_bytes()))
    assert (report.status, report.forms) == (LOADED, 1)
    row = fresh_db.execute("SELECT project_name, unit_code, budget_full_year, executed, execution_rate, self_score, "
                           "computed_score, grade, status, flags FROM v_project_scores").fetchone()
    assert row == ("道路清扫费", "101001", Decimal(100), Decimal(86), Decimal("0.86"), Decimal("98.6"), Decimal("98.6"),
                   "优", "已完成", [])
    explanation = fresh_db.execute("SELECT explanation FROM v_form_scores").fetchone()[0]
    assert explanation[0] == "预算执行率: 全年执行数 86.00 / 全年预算数 100.00 = 86.00% → 10 × 86.00% = 8.60/10（表中得分 8.6）"
    assert explanation[-2] == "总分: 预算执行率 8.60 + 绩效指标 90 = 98.60 → 等级 优（总分 ≥ 90）"
    lines = [r[0] for r in fresh_db.execute("SELECT explanation FROM indicator_scores ORDER BY seq").fetchall()]
    assert lines[3] == "产出指标-成本指标 项目总成本: 实际 86 ≤ 指标 100 → 10/10" and len(lines) == 6


def test_every_engine_input_is_stored_and_scores_the_same_without_the_file(fresh_db):
    """A budget row worth 20, a form that splits its money over sub-rows: rebuilt from the store, the engine
    input equals the one parsed from the file, and the fund rows are kept."""
    data = form_bytes(total=(120, 100, 86, 20, "86%", 17), appropriation=(90, 80, 70))
    parsed = check(SourceFile("a.xlsx", data))
    commit(fresh_db, [parsed])
    [stored] = queries.stored_forms(fresh_db.cursor())
    assert form_input(stored) == parsed.forms[0].form
    assert stored.budget_weight == 20
    funds = dict(fresh_db.execute("SELECT row_key, budget_full_year FROM fund_rows").fetchall())
    assert funds == {"total": Decimal(100), "appropriation": Decimal(80), "carryover": None, "other": None}
    kept = fresh_db.execute("SELECT data FROM source_files s JOIN imports i USING (file_hash)").fetchone()[0]
    assert bytes(kept) == data


def test_a_workbook_saved_again_with_the_same_cells_is_unchanged(fresh_db):
    import io

    import openpyxl

    data = form_bytes()
    load_source(fresh_db, SourceFile("a.xlsx", data))
    wb = openpyxl.load_workbook(io.BytesIO(data))
    wb.properties.lastModifiedBy = "WPS"  # what a re-save in another program changes
    buf = io.BytesIO()
    wb.save(buf)
    assert buf.getvalue() != data
    before = counts(fresh_db)
    assert load_source(fresh_db, SourceFile("resaved.xlsx", buf.getvalue())).status == UNCHANGED
    assert counts(fresh_db) == before
    changed = form_bytes(self_total=97)
    assert load_source(fresh_db, SourceFile("changed.xlsx", changed)).status == LOADED


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
    assert sum(counts(fresh_db)) == 0


def test_a_failure_while_writing_rolls_the_file_back_and_the_others_land(fresh_db):
    """The database refuses the last write of one file (its kept copy collides): that file is rejected with
    the reason, nothing of it stays, and the other file of the batch lands."""
    load_source(fresh_db, SourceFile("a.xlsx", form_bytes()))
    doomed, fine = check(SourceFile("b.xlsx", form_bytes(project="另一个项目"))), check(SourceFile("c.xlsx", form_bytes(project="第三个项目")))
    fresh_db.execute("INSERT INTO source_files VALUES (?, 1, 'x'::BLOB, now())", [doomed.file_hash])
    before = counts(fresh_db)
    reports = commit(fresh_db, [doomed, fine])
    assert [r.status for r in reports] == [REJECTED, LOADED]
    assert "数据库写入失败，已全部撤销" in reports[0].problems[-1].message
    after = counts(fresh_db)
    assert after[TABLES.index("forms")] == before[TABLES.index("forms")] + 1
    assert fresh_db.execute("SELECT project_name FROM v_project_scores ORDER BY 1").fetchall() == [
        ("第三个项目",), ("道路清扫费",)]


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
    assert sum(counts(fresh_db)) == 0


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


def test_a_writer_that_never_lets_go_makes_the_cli_wait_say_so_and_give_up(tmp_path):
    import subprocess
    import sys

    path = tmp_path / "busy.duckdb"
    (tmp_path / "a.xlsx").write_bytes(form_bytes())
    holder = db.open_db(path)
    try:
        proc = subprocess.run([sys.executable, "-m", "etl", "load", "--db", str(path), "--wait", "1",
                               str(tmp_path / "a.xlsx")], capture_output=True, text=True, cwd=db.ROOT)
        assert proc.returncode == 2  # no dashboard took the import through the inbox, and the file stayed held
        assert "看板没有接收导入请求" in proc.stderr and "正被另一个程序" in proc.stderr and "未导入任何文件" in proc.stderr
        assert "Traceback" not in proc.stderr
    finally:
        holder.close()
    assert duckdb.connect(str(path)).execute("SELECT count(*) FROM imports").fetchone()[0] == 0


def test_two_processes_importing_at_once_both_land(tmp_path):
    import subprocess
    import sys

    path = tmp_path / "shared.duckdb"
    for name in ("甲", "乙"):
        (tmp_path / f"{name}.xlsx").write_bytes(form_bytes(project=f"{name}项目"))
    procs = [subprocess.Popen([sys.executable, "-m", "etl", "load", "--db", str(path), str(tmp_path / f"{name}.xlsx")],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=db.ROOT)
             for name in ("甲", "乙")]
    outputs = [p.communicate(timeout=120) for p in procs]
    assert [p.returncode for p in procs] == [0, 0], outputs
    assert all("Traceback" not in err for _, err in outputs)
    con = duckdb.connect(str(path), read_only=True)
    assert sorted(r[0] for r in con.execute("SELECT project_name FROM v_project_scores").fetchall()) == ["乙项目", "甲项目"]
    con.close()


def test_two_threads_importing_through_one_connection_both_land(fresh_db):
    import threading

    waited: list[str] = []
    reports = {}
    barrier = threading.Barrier(2)

    def run(name: str) -> None:
        checked = [check(SourceFile(f"{name}.xlsx", form_bytes(project=f"{name}项目", unit=f"10100{len(reports)}-单位{name}")))]
        barrier.wait()
        reports[name] = commit(fresh_db, checked, on_wait=waited.append)

    threads = [threading.Thread(target=run, args=(name,)) for name in ("甲", "乙")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert sorted(r[0].status for r in reports.values()) == [LOADED, LOADED]
    assert fresh_db.execute("SELECT count(*) FROM v_project_scores").fetchone()[0] == 2
    assert len(set(fresh_db.execute("SELECT import_id FROM imports").fetchall())) == 2


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


@pytest.mark.parametrize("batch_files", [1, 2, 1000])
def test_batches_of_any_size_load_the_same(fresh_db, tmp_path, batch_files):
    """Files committed a few at a time give the same store as one batch: versions, duplicates and all."""
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "a1.xlsx").write_bytes(form_bytes())
    (folder / "a2.xlsx").write_bytes(form_bytes(self_total=97))  # a new version of the same project
    (folder / "a3.xlsx").write_bytes(form_bytes())  # the first bytes again
    (folder / "b.xlsx").write_bytes(form_bytes(project="另一个项目"))
    reports = load_paths(fresh_db, [folder], batch_files=batch_files)
    assert [(r.file.rsplit("/", 1)[-1], r.status, r.replaced) for r in reports] == [
        ("a1.xlsx", LOADED, 0), ("a2.xlsx", LOADED, 1), ("a3.xlsx", UNCHANGED, 0), ("b.xlsx", LOADED, 0)]
    assert fresh_db.execute("SELECT project_name, self_score FROM v_project_scores ORDER BY 1").fetchall() == [
        ("另一个项目", Decimal("98.6")), ("道路清扫费", Decimal(97))]
    assert fresh_db.execute("SELECT count(*) FROM forms").fetchone()[0] == 3


def test_absurd_numbers_are_refused_or_stored_without_breaking_the_views(fresh_db):
    """An amount beyond any budget (a pasted ID number) rejects the file naming the field; a tiny budget with a
    large spend (execution 9×10^12 times the budget) is refused naming the cell (issue 9: it used to load)."""
    huge = load_source(fresh_db, SourceFile("huge.xlsx", form_bytes(total=(100, 3.30102199001011e17, 86, 10, "", 9))))
    assert huge.status == REJECTED
    assert any("数值过大" in p.message and "全年预算数" in p.message and p.sheet for p in huge.problems)
    odd = load_source(fresh_db, SourceFile("odd.xlsx", form_bytes(total=(0.0001, 0.0001, 900000000, 10, "", 10),
                                                                  appropriation=(0.0001, 0.0001, 900000000))))
    assert odd.status == REJECTED
    assert any(p.cell == "F6" and "倍" in p.message for p in odd.problems)
    assert queries.headline(fresh_db, 2015).projects == 0


def test_a_writer_that_keeps_the_lock_too_long_makes_the_commit_give_up_at_once(fresh_db):
    """Busy is not a reason to retry file by file: the commit raises DatabaseBusy once and writes nothing."""
    import threading

    checked = [check(SourceFile(f"{n}.xlsx", form_bytes(project=f"项目{n}"))) for n in range(3)]
    holding, release = threading.Event(), threading.Event()

    def hold() -> None:
        with db.writing(fresh_db):
            holding.set()
            release.wait(30)

    holder = threading.Thread(target=hold)
    holder.start()
    holding.wait(30)
    waited: list[str] = []
    try:
        with pytest.raises(db.DatabaseBusy):
            commit(fresh_db, checked, on_wait=waited.append, wait_s=0.2)
    finally:
        release.set()
        holder.join(30)
    assert len(waited) == 1 and "等待" in waited[0]
    assert fresh_db.execute("SELECT count(*) FROM forms").fetchone()[0] == 0
