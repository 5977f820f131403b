"""Import direction and page thinness (STYLE.md): the core never imports streamlit; pages hold no SQL."""

import ast
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
CORE = ["etl", "rubrics", "store", "reports"]
SQL = re.compile(r"\b(SELECT|INSERT|UPDATE|DELETE|CREATE|DROP)\b.+\b(FROM|INTO|SET|TABLE|VIEW|WHERE)\b", re.I | re.S)


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names |= {a.name.split(".")[0] for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module.split(".")[0])
    return names


def _files(*folders: str) -> list[Path]:
    return sorted(p for f in folders for p in (ROOT / f).rglob("*.py"))


@pytest.mark.parametrize("path", _files(*CORE), ids=lambda p: str(p.relative_to(ROOT)))
def test_core_never_imports_streamlit(path):
    assert not {"streamlit", "ui", "pages"} & _imports(path)


@pytest.mark.parametrize("path", _files("pages") + [ROOT / "dashboard.py"], ids=lambda p: str(p.relative_to(ROOT)))
def test_pages_hold_no_sql_and_no_store_or_rubric_access(path):
    text = path.read_text(encoding="utf-8")
    strings = [n.value for n in ast.walk(ast.parse(text)) if isinstance(n, ast.Constant) and isinstance(n.value, str)]
    assert not [s for s in strings if SQL.search(s)]
    assert ".execute(" not in text
    assert not {"duckdb", "rubrics", "etl"} & _imports(path)


def test_the_checks_can_fail(tmp_path):
    bad = tmp_path / "bad.py"
    bad.write_text('import streamlit as st\nQ = "SELECT * FROM forms WHERE year = 1"\n', encoding="utf-8")
    assert "streamlit" in _imports(bad)
    assert SQL.search('SELECT * FROM forms WHERE year = 1')
