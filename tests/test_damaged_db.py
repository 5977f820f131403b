"""A damaged database file: every page and every command says so in Chinese with the way out (restore a backup,
or move the file away and rebuild), never a traceback or English; nothing is written; restore repairs it."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest
from test_pages import DASHBOARD, TIMEOUT_S, signed_in

from store import db
from tests.conftest import form_bytes

PAGES = ["overview.py", "units.py", "projects.py", "flags.py", "progress.py", "cuts.py", "upload.py", "accounts.py", "audit.py",
         "key_eval.py", "dept_eval.py"]


@pytest.fixture
def damaged(tmp_path, monkeypatch) -> Path:
    path = tmp_path / "damaged.duckdb"
    path.write_bytes(b"DUCK" + os.urandom(20_000))
    monkeypatch.setenv("BUDGET_PERF_DB", str(path))
    return path


def _says_the_way_out(text: str, path: Path) -> None:
    assert f"数据库文件 {path} 已损坏" in text and "python -m etl restore" in text and "重新建立示例数据库" in text


@pytest.mark.parametrize("page", PAGES)
def test_every_page_says_the_database_is_damaged_and_how_to_get_out(damaged, page):
    at = signed_in(AppTest.from_file(DASHBOARD, default_timeout=TIMEOUT_S)).run()
    at.switch_page(f"pages/{page}").run()
    assert not at.exception
    assert len(at.error) == 1
    _says_the_way_out(at.error[0].value, damaged)
    assert not at.metric and not at.dataframe


def test_a_damaged_database_lists_the_newest_backups(damaged):
    backups = damaged.parent / "backups"
    backups.mkdir()
    (backups / "budget_perf-20261120-0900.zip").write_bytes(b"x")
    at = AppTest.from_file(DASHBOARD, default_timeout=TIMEOUT_S).run()
    assert any("budget_perf-20261120-0900.zip" in i.value for i in at.info)


@pytest.mark.parametrize("command", [["load", "FORM"], ["rescore"], ["users", "list"]])
def test_every_command_says_so_and_writes_nothing(damaged, tmp_path, command):
    form = tmp_path / "a.xlsx"
    form.write_bytes(form_bytes())
    before = damaged.read_bytes()
    argv = [str(form) if part == "FORM" else part for part in command]
    proc = subprocess.run([sys.executable, "-m", "etl", *argv[:1], "--db", str(damaged), *argv[1:]],
                          capture_output=True, text=True, cwd=db.ROOT, timeout=120)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    _says_the_way_out(proc.stderr, damaged)
    assert "Traceback" not in proc.stderr and "IO Error" not in proc.stderr
    assert damaged.read_bytes() == before
