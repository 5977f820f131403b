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
