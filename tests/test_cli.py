"""`python -m etl load | check`: one line per file, problems listed, exit codes."""

import duckdb

from etl.cli import EXIT_OK, EXIT_REJECTED, main
from tests.conftest import form_bytes


def _files(tmp_path):
    good = tmp_path / "in" / "good.xlsx"
    good.parent.mkdir()
    good.write_bytes(form_bytes())
    bad = tmp_path / "in" / "bad.xlsx"
    bad.write_bytes("单位,项目\n".encode())
    return good, bad


def test_check_writes_nothing_and_reports_every_file(tmp_path, capsys):
    good, bad = _files(tmp_path)
    assert main(["check", str(good)]) == EXIT_OK
    assert main(["check", str(tmp_path / "in")]) == EXIT_REJECTED
    out = capsys.readouterr().out
    assert f"{good}：检查通过" in out
    assert f"{bad}：已拒绝" in out and "CSV" in out
    assert not list(tmp_path.glob("*.duckdb"))


def test_load_then_load_again(tmp_path, capsys):
    good, bad = _files(tmp_path)
    path = tmp_path / "x.duckdb"
    assert main(["load", "--db", str(path), str(good)]) == EXIT_OK
    assert main(["load", "--db", str(path), str(tmp_path / "in")]) == EXIT_REJECTED
    out = capsys.readouterr().out.splitlines()
    assert f"{good}：已导入，1 张自评表" in out
    assert f"{good}：未更改（此前已导入）" in out
    assert any(line.startswith(f"{bad}：已拒绝") for line in out)
    con = duckdb.connect(str(path), read_only=True)
    assert con.execute("SELECT count(*) FROM v_project_scores").fetchone()[0] == 1
    con.close()


def test_sample_command_builds_the_reference_year(sample_build, sample_con):
    """The session's sample database is built by `python -m etl sample`: its output and its figures."""
    assert sample_build.returncode == 0, sample_build.stderr
    lines = sample_build.stdout.splitlines()
    assert lines[0].startswith("导入内置示例数据（示例数据")
    assert lines[-1].startswith("共 241 个文件：导入或未更改 241 个，拒绝 0 个")  # 2014: 119 files, 2015: 122
    assert "Traceback" not in sample_build.stderr
    row = sample_con.execute("SELECT count(DISTINCT unit_code), count(*), sum(budget_full_year), sum(executed), "
                             "count(DISTINCT grade), count(*) FILTER (WHERE len(flags) > 0) FROM v_project_scores "
                             "WHERE year = 2015").fetchone()
    assert row[:5] == (121, 793, 99500, 83200, 4) and row[5] > 50


def test_a_broken_rubric_stops_the_import_with_one_line(tmp_path, capsys, monkeypatch):
    import etl.cli as cli
    from rubrics.loader import RubricError

    def broken(path=None):
        raise RubricError("rubrics/self_eval.yaml", "grades.bands[1].min", "必须是 0–100 的数字")

    monkeypatch.setattr(cli, "load_rubric", broken)
    good, _ = _files(tmp_path)
    assert main(["load", "--db", str(tmp_path / "x.duckdb"), str(good)]) == EXIT_REJECTED
    err = capsys.readouterr().err
    assert "评分标准有误" in err and "grades.bands[1].min" in err
    assert not (tmp_path / "x.duckdb").exists()  # nothing opened, nothing written
