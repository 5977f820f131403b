"""Shared fixtures: a fresh database, the sample year built once per session, workbook builders."""

from __future__ import annotations

import os

# openpyxl picks its XML writer at import: the standard library's, as the committed sample was written (with lxml,
# which python-docx installs, it would write other bytes for the same cells). Before anything imports openpyxl.
os.environ.setdefault("OPENPYXL_LXML", "False")

import io
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import duckdb
import openpyxl
import pytest
from streamlit.runtime.memory_media_file_storage import MemoryMediaFileStorage
from streamlit.testing.v1 import app_test

from store import db


@pytest.fixture(autouse=True)
def _entry_script_runs_every_page(monkeypatch: pytest.MonkeyPatch) -> None:
    """AppTest starts every run as if the server had just started: with a pages/ folder beside dashboard.py,
    Streamlit's first-release multipage mode would run the page file on its own instead of dashboard.py (a live
    server leaves that mode for good once a session has called st.navigation; ui.widgets.through_entry covers
    the first request). Keep AppTest in the mode the live server is in, so each run goes through dashboard.py."""
    from streamlit.runtime import pages_manager

    original = pages_manager.PagesManager.__init__

    def init(self: pages_manager.PagesManager, *args: object, **kwargs: object) -> None:
        original(self, *args, **kwargs)
        pages_manager.PagesManager.uses_pages_directory = False

    monkeypatch.setattr(pages_manager.PagesManager, "__init__", init)


@pytest.fixture
def fresh_db(tmp_path: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    """An empty database with the schema in place."""
    con = db.open_db(tmp_path / "fresh.duckdb")
    yield con
    con.close()


@pytest.fixture(scope="session")
def generated_sample(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    """The sample year written once per session by the generator (plan first, then one workbook per unit)."""
    from sampledata.generator import write_sample

    return write_sample(tmp_path_factory.mktemp("generated"))


@dataclass(frozen=True)
class SampleBuild:
    """The sample year built once per session by the README's command (`python -m etl sample`)."""

    path: Path
    stdout: str
    stderr: str
    returncode: int


@pytest.fixture(scope="session")
def sample_build(tmp_path_factory: pytest.TempPathFactory) -> SampleBuild:
    """`python -m etl sample --db …` run once; every test of the sample database reads its result."""
    path = tmp_path_factory.mktemp("sample") / "budget_perf.duckdb"
    proc = subprocess.run([sys.executable, "-m", "etl", "sample", "--db", str(path)], capture_output=True, text=True,
                          cwd=db.ROOT, timeout=600)
    return SampleBuild(path, proc.stdout, proc.stderr, proc.returncode)


@pytest.fixture(scope="session")
def sample_db_path(sample_build: SampleBuild) -> Path:
    """The sample year's database file."""
    assert sample_build.returncode == 0, sample_build.stderr
    return sample_build.path


@pytest.fixture(scope="session")
def sample_con(sample_db_path: Path) -> duckdb.DuckDBPyConnection:
    """The process-wide connection to the session's sample database (the one the dashboard uses too)."""
    return db.connection(sample_db_path)


def workbook_bytes(sheets: dict[str, list[list[object]]], merges: dict[str, list[str]] | None = None) -> bytes:
    """An .xlsx file from rows of cell values per sheet (None = empty) and merged ranges like 'A1:H1'."""
    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    for name, rows in sheets.items():
        ws = wb.create_sheet(name)
        for r, row in enumerate(rows, start=1):
            for c, value in enumerate(row, start=1):
                if value is not None:
                    ws.cell(r, c, value)
        for rng in (merges or {}).get(name, []):
            ws.merge_cells(rng)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def form_rows(
    *,
    title: str | None = "项目支出绩效自评表（2015年度）",
    project: object = "道路清扫费",
    department: object = "区市容环卫局",
    unit: object = "101001-区市容环卫局",
    total: tuple = (100, 100, 86, 10, "86%", 8.6),
    appropriation: tuple = (100, 100, 86),
    indicators: list[tuple] | None = None,
    self_total: object = 98.6,
    lead_cols: int = 0,
    lead_rows: int = 0,
) -> list[list[object]]:
    """Rows of a MoF annex-1 form (columns A–I, shifted by lead_cols/lead_rows)."""
    if indicators is None:
        indicators = [
            ("产出指标", "数量指标", "清扫道路面积", "≥50万平方米", "52万平方米", 20, 20, ""),
            ("产出指标", "质量指标", "清扫合格率", "≥95%", "96%", 15, 15, ""),
            ("产出指标", "时效指标", "清扫及时率", "≥95%", "95%", 5, 5, ""),
            ("产出指标", "成本指标", "项目总成本", "≤100万元", "86万元", 10, 10, ""),
            ("效益指标", "社会效益指标", "市容环境改善", "效果明显", "效果明显", 30, 30, ""),
            ("满意度指标", "服务对象满意度指标", "群众满意度", "≥90%", "92%", 10, 10, ""),
        ]
    rows: list[list[object]] = [[None] * 9 for _ in range(lead_rows)]
    rows += [
        [title] + [None] * 8,
        ["填报单位（盖章）：区市容环卫局", None, None, None, None, None, None, None, "单位：万元"],
        ["项目名称", None, project],
        ["主管部门", None, department, None, None, "实施单位", unit],
        ["项目资金（万元）", None, None, "年初预算数", "全年预算数", "全年执行数", "分值", "执行率", "得分"],
        [None, None, "年度资金总额", *total],
        [None, None, "其中：当年财政拨款", *appropriation, "—", "—", "—"],
        [None, None, "上年结转资金", None, None, None, "—", "—", "—"],
        [None, None, "其他资金", None, None, None, "—", "—", "—"],
        ["年度总体目标", "预期目标", None, None, None, "实际完成情况"],
        [None, "保持城区道路整洁", None, None, None, "全年清扫道路 52 万平方米"],
        ["绩效指标", "一级指标", "二级指标", "三级指标", "年度指标值", "实际完成值", "分值", "得分", "偏差原因分析及改进措施"],
    ]
    rows += [[None, *ind] for ind in indicators]
    rows.append(["总分", None, None, None, None, None, 100, self_total, None])
    return [[None] * lead_cols + row for row in rows]


def form_bytes(sheet: str = "道路清扫费", **kwargs: object) -> bytes:
    """An .xlsx workbook holding one form built by form_rows(**kwargs), with the usual merges."""
    rows = form_rows(**kwargs)
    lead_rows = int(kwargs.get("lead_rows", 0))
    lead_cols = int(kwargs.get("lead_cols", 0))
    col = openpyxl.utils.get_column_letter

    def rng(r1: int, c1: int, r2: int, c2: int) -> str:
        return f"{col(c1 + lead_cols)}{r1 + lead_rows}:{col(c2 + lead_cols)}{r2 + lead_rows}"

    merges = [rng(1, 1, 1, 9), rng(3, 1, 3, 2), rng(3, 3, 3, 9), rng(4, 1, 4, 2), rng(5, 1, 9, 2)]
    return workbook_bytes({sheet: rows}, {sheet: merges})


@pytest.fixture
def media_stores(monkeypatch) -> list[MemoryMediaFileStorage]:
    """The in-memory media stores AppTest creates (one per run): they hold the bytes of every download."""
    stores: list[MemoryMediaFileStorage] = []

    class Recording(MemoryMediaFileStorage):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            stores.append(self)

    monkeypatch.setattr(app_test, "MemoryMediaFileStorage", Recording)
    return stores
