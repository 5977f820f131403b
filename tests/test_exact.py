"""Money and scores stay exact: no public view returns DOUBLE, quotients are divided exactly and rounded the
way the rubric says, and query results reach pandas as Decimal."""

from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rubrics.loader import ROUNDING_METHODS
from store import db, queries

VIEWS = ("v_project_scores", "v_unit_scores", "v_form_scores", "v_scoring_runs")


@pytest.mark.parametrize("view", VIEWS)
def test_no_public_view_returns_double(fresh_db, view):
    types = fresh_db.execute(f"SELECT column_name, data_type FROM information_schema.columns WHERE table_name = '{view}'"
                             ).fetchall()
    assert types and not [(c, t) for c, t in types if t in ("DOUBLE", "FLOAT", "REAL")]


amounts = st.decimals(min_value=Decimal("-1e12"), max_value=Decimal("1e12"), places=6, allow_nan=False,
                      allow_infinity=False)


@pytest.fixture(scope="module")
def macros(tmp_path_factory):
    con = db.open_db(tmp_path_factory.mktemp("exact") / "x.duckdb")
    yield con
    con.close()


@settings(max_examples=300, deadline=None)
@given(n=amounts, d=amounts.filter(lambda x: x != 0), places=st.integers(0, 8),
       method=st.sampled_from(sorted(ROUNDING_METHODS)))
def test_exact_div_rounds_like_python_decimal(macros, n, d, places, method):
    got = macros.execute("SELECT exact_div(?::DECIMAL(24, 6), ?::DECIMAL(24, 6), ?, ?)",
                           [n, d, places, method]).fetchone()[0]
    expected = (n / d).quantize(Decimal(1).scaleb(-places), rounding=ROUNDING_METHODS[method])
    # n / d in Python has 28 significant digits: enough here, as quotients are below 10^19 with ≤ 8 places
    assert got == expected, (n, d, places, method)


def test_exact_div_on_ties_and_nulls(fresh_db):
    rows = fresh_db.execute("""SELECT exact_div(1, 8, 2, 'half_up'), exact_div(1, 8, 2, 'half_even'),
                                      exact_div(3, 8, 2, 'half_even'), exact_div(-1, 8, 2, 'half_up'),
                                      exact_div(1, 0, 2, 'half_up'), exact_div(NULL, 1, 2, 'half_up'),
                                      exact_div(2, 3, 2, 'truncate'), exact_div(-2, 3, 2, 'truncate')
                            """).fetchone()
    assert rows == (Decimal("0.13"), Decimal("0.12"), Decimal("0.38"), Decimal("-0.13"), None, None, Decimal("0.66"),
                    Decimal("-0.66"))


def test_query_results_reach_pandas_as_decimals_and_sums_are_exact(sample_con):
    domains = queries.by_domain(sample_con, 2015)
    assert all(isinstance(v, Decimal) for v in domains["budget_full_year"])
    assert sum(domains["budget_full_year"]) == Decimal(99500)  # a float sum drifts (588.2299999999999)
    units = queries.unit_scores(sample_con, 2015)
    assert all(isinstance(v, Decimal) for v in units["execution_rate"].dropna())
    assert all(v == v.quantize(Decimal("0.0001")) for v in units["execution_rate"].dropna())  # rubric rate_places 4
    assert all(v == v.quantize(Decimal("0.01")) for v in units["score"].dropna())  # rubric rounding.places 2


def test_exported_cells_add_up_to_the_sql_totals_to_the_cent(sample_con):
    """The project list as downloaded (CSV and Excel): its cells add up to the store's totals exactly."""
    import csv
    import io

    import openpyxl

    from present import format as fmt
    from present import strings as s
    from present import tables
    from reports.tables import table_xlsx

    where = queries.ProjectFilter()
    count, budget = queries.project_totals(sample_con, 2015, None, where)
    table = tables.project_table(queries.project_page(sample_con, 2015, None, where, limit=count))
    executed = sample_con.execute("SELECT sum(executed) FROM v_project_scores WHERE year = 2015").fetchone()[0]

    rows = list(csv.DictReader(io.StringIO(fmt.csv_bytes(table).decode("utf-8-sig"))))
    assert len(rows) == count == 793
    assert sum(Decimal(r[s.COL_BUDGET]) for r in rows) == budget == Decimal(99500)
    assert sum(Decimal(r[s.COL_EXECUTED]) for r in rows) == executed == Decimal(83200)
    rates = [r[s.COL_RATE] for r in rows if r[s.COL_RATE]]
    assert all(len(rate.split(".")[-1]) <= 4 for rate in rates)  # no 0.9549640287769785: the rubric's 4 places
    scores = [r[s.COL_COMPUTED] for r in rows if r[s.COL_COMPUTED]]
    assert all(len(x.split(".")[-1]) <= 2 for x in scores if "." in x)

    ws = openpyxl.load_workbook(io.BytesIO(table_xlsx(table, "项目", "2015", tables.EXCEL_FORMATS))).active
    header = [c.value for c in ws[3]]
    cells = [ws.cell(row, header.index(s.COL_BUDGET) + 1).value for row in range(4, ws.max_row + 1)]
    assert len(cells) == 793
    assert sum(Decimal(str(v)) for v in cells) == Decimal(99500)
    assert ws.cell(4, header.index(s.COL_BUDGET) + 1).number_format == "#,##0.00"


def test_scores_keep_the_rubrics_precision_from_the_engine_to_the_views(fresh_db, tmp_path):
    """A rubric that rounds to 3 places: 10 × 86.45% = 8.645 points, total 98.645, stored and shown as such
    (a DECIMAL(9,2) column used to store 98.65 while the arithmetic said 98.645)."""
    from etl.load import SourceFile, load_source
    from rubrics.loader import load_rubric
    from tests.conftest import form_bytes

    text = load_rubric().text.replace("  mode: decimals\n  places: 2\n", "  mode: decimals\n  places: 3\n", 1)
    path = tmp_path / "three.yaml"
    path.write_text(text, encoding="utf-8")
    rubric = load_rubric(path)
    assert rubric.rounding.places == 3
    load_source(fresh_db, SourceFile("a.xlsx", form_bytes(total=(100, 100, 86.45, 10, "86.45%", 8.645),
                                                          appropriation=(100, 100, 86.45), self_total=98.645)),
                rubric=rubric)
    score, explanation = fresh_db.execute(
        "SELECT computed_score, explanation FROM v_form_scores").fetchone()
    assert score == Decimal("98.645")
    assert any("= 98.645" in line for line in explanation)
    assert fresh_db.execute("SELECT score FROM v_unit_scores").fetchone()[0] == Decimal("98.645")
