"""Import direction and page thinness (STYLE.md): the core never imports streamlit; present/ is free of
Streamlit and storage; ui/ reaches the store and the importer only through their public faces; pages hold
no SQL."""

import ast
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
CORE = ["etl", "rubrics", "store", "reports", "present", "sampledata"]
SQL = re.compile(r"\b(SELECT|INSERT|UPDATE|DELETE|CREATE|DROP)\b.+\b(FROM|INTO|SET|TABLE|VIEW|WHERE)\b", re.I | re.S)

# What each folder must not import. "pkg" forbids the package and all its modules; "pkg.*" forbids only
# its submodules (the package's own __init__ is its public face).
FORBIDDEN = {
    "ui": {"duckdb", "etl.*"},
    "present": {"streamlit", "duckdb", "store", "etl", "ui", "reports", "pages"},
}


def _package(path: Path) -> list[str]:
    """The dotted package a file belongs to, as a list of parts ('present/charts.py' → ['present'])."""
    try:
        return list(path.relative_to(ROOT).parent.parts)
    except ValueError:  # a file outside the project (the tests below): its folder name
        return [path.parent.name]


def _modules(path: Path) -> set[str]:
    """Every module a file imports, by full dotted name. `from pkg import name` counts as `pkg.name` too
    when `name` is a module of the project's package `pkg`; relative imports are resolved."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom):
            package = _package(path)
            base = package[: len(package) - node.level + 1] if node.level else []
            module = ".".join([*base, *([node.module] if node.module else [])])
            if module:
                names.add(module)
            for alias in node.names:
                candidate = ROOT.joinpath(*module.split("."), alias.name) if module else ROOT / alias.name
                if candidate.with_suffix(".py").is_file() or (candidate / "__init__.py").is_file():
                    names.add(f"{module}.{alias.name}" if module else alias.name)
    return names


def _imports(path: Path) -> set[str]:
    """The top-level packages a file imports."""
    return {m.split(".")[0] for m in _modules(path)}


def _breaks(modules: set[str], forbidden: set[str]) -> set[str]:
    """The imported modules that a set of FORBIDDEN rules rules out."""
    def hit(module: str, rule: str) -> bool:
        if rule.endswith(".*"):
            return module.startswith(rule[:-1])
        return module == rule or module.startswith(rule + ".")

    return {m for m in modules if any(hit(m, rule) for rule in forbidden)}


def _files(*folders: str) -> list[Path]:
    return sorted(p for f in folders for p in (ROOT / f).rglob("*.py"))


def _ids(path: Path) -> str:
    return str(path.relative_to(ROOT))


@pytest.mark.parametrize("path", _files(*CORE), ids=_ids)
def test_core_never_imports_streamlit(path):
    assert not {"streamlit", "ui", "pages"} & _imports(path)


@pytest.mark.parametrize("path", _files("ui"), ids=_ids)
def test_ui_reaches_duckdb_and_etl_only_through_store_and_the_etl_package(path):
    assert not _breaks(_modules(path), FORBIDDEN["ui"])


@pytest.mark.parametrize("path", _files("present"), ids=_ids)
def test_present_imports_neither_streamlit_nor_storage_nor_exports(path):
    assert not _breaks(_modules(path), FORBIDDEN["present"])


def test_the_folders_checked_exist():
    for folder in [*CORE, *FORBIDDEN, "pages"]:
        assert _files(folder), f"no Python files under {folder}/: the import checks would pass vacuously"


@pytest.mark.parametrize("path", _files("pages") + [ROOT / "dashboard.py"], ids=_ids)
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

    ui_bad = tmp_path / "ui_bad.py"
    ui_bad.write_text("import duckdb.typing\nfrom etl.build import build_sample_database\nfrom etl import load\n"
                      "from etl import build_sample_database\nfrom store import db\n", encoding="utf-8")
    assert _breaks(_modules(ui_bad), FORBIDDEN["ui"]) == {"duckdb.typing", "etl.build", "etl.load"}

    present_bad = tmp_path / "present_bad.py"
    present_bad.write_text("from store.db import Connection\nfrom reports import tables\nimport pandas as pd\n"
                           "from . import strings\nfrom .. import ui\n", encoding="utf-8")
    assert _breaks(_modules(present_bad), FORBIDDEN["present"]) == {"store.db", "reports", "reports.tables", "ui"}


@pytest.mark.parametrize("path", _files("etl", "rubrics", "ui", "present", "reports", "sampledata"), ids=_ids)
def test_all_sql_lives_in_store(path):
    """Only store/ opens DuckDB and holds SQL: etl/ and the rest call its named reads and writes."""
    text = path.read_text(encoding="utf-8")
    strings = [n.value for n in ast.walk(ast.parse(text)) if isinstance(n, ast.Constant) and isinstance(n.value, str)]
    assert not [s for s in strings if SQL.search(s)], path
    assert ".execute(" not in text
    assert "duckdb" not in {name.split(".")[0] for name in _imports(path)}


def test_the_dashboard_starts_without_the_sample_generator():
    """The 1,300-line generator (and openpyxl's writer) load only when the sample files must be written."""
    import subprocess
    import sys

    code = ("import sys, ui.data, ui.widgets, etl.build; "
            "print(sorted(m for m in sys.modules if m.startswith('sampledata')))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "['sampledata', 'sampledata.paths']"
