"""Named queries: the viewer's unit scope limits every query; views and headline agree."""

from decimal import Decimal

import pytest

from store import queries


def test_unit_scope_limits_every_query(sample_con):
    code, projects, budget = sample_con.execute(
        "SELECT unit_code, count(*), sum(budget_full_year) FROM v_project_scores WHERE year = 2015 GROUP BY unit_code "
        "ORDER BY unit_code LIMIT 1").fetchone()
    scope = [code]
    h = queries.headline(sample_con, 2015, scope)
    assert (h.units, h.projects, h.budget_full_year) == (1, projects, budget)
    assert h.share_of_expenditure is None  # a share of the whole year's spending means nothing for one unit
    assert queries.grade_distribution(sample_con, 2015, scope)["projects"].sum() == projects
    assert queries.by_domain(sample_con, 2015, scope)["projects"].sum() == projects
    assert queries.unit_scores(sample_con, 2015, scope)["unit_code"].tolist() == scope
    assert set(queries.project_page(sample_con, 2015, scope, limit=1000)["unit_code"]) == {code}
    assert queries.project_totals(sample_con, 2015, scope)[0] == projects
    assert queries.flag_counts(sample_con, 2015, []).empty  # an empty scope sees nothing
    other = sample_con.execute("SELECT form_id FROM v_project_scores WHERE unit_code <> ? LIMIT 1", [code]).fetchone()[0]
    assert queries.form_detail(sample_con, other, scope) is None
    assert queries.form_detail(sample_con, other) is not None
    # the detail queries too: another unit's form shows nothing, by id or by project id
    assert queries.form_indicators(sample_con, other, scope).empty and not queries.form_indicators(sample_con, other).empty
    project = queries.form_detail(sample_con, other)["project_id"]
    assert queries.form_history(sample_con, project, scope).empty and len(queries.form_history(sample_con, project)) == 1
    warned = sample_con.execute("SELECT f.form_id FROM problems p JOIN forms f ON f.import_id = p.import_id "
                                "AND f.sheet = p.sheet WHERE f.unit_code <> ? LIMIT 1", [code]).fetchone()[0]
    assert queries.form_problems(sample_con, warned, scope).empty and not queries.form_problems(sample_con, warned).empty


def test_unit_score_is_the_budget_weighted_mean_of_completed_projects(sample_con):
    code = sample_con.execute("SELECT unit_code FROM v_project_scores WHERE status = '未完成' AND year = 2015 LIMIT 1"
                              ).fetchone()[0]
    rows = sample_con.execute("SELECT budget_full_year, computed_score FROM v_project_scores WHERE unit_code = ? "
                              "AND year = 2015", [code]).fetchall()
    done = [(b, s) for b, s in rows if s is not None]
    expected = (sum(b * s for b, s in done) / sum(b for b, _ in done)).quantize(Decimal("0.01"))
    score, grade, projects = sample_con.execute(
        "SELECT score, grade, projects FROM v_unit_scores WHERE unit_code = ? AND year = 2015", [code]).fetchone()
    assert Decimal(str(score)) == expected and projects == len(rows)
    assert grade == ("优" if expected >= 90 else "良" if expected >= 80 else "中" if expected >= 60 else "差")


def test_years_and_year_note(sample_con):
    assert queries.years(sample_con) == [2015, 2014]  # newest first: the sidebar starts on the latest year
    assert "示例数据" in queries.year_note(sample_con, 2015) and "示例数据" in queries.year_note(sample_con, 2014)
    assert queries.year_note(sample_con, 1999) == ""


def test_data_version_moves_with_every_import_and_scoring_run_only(fresh_db):
    from etl.load import SourceFile, load_source
    from etl.scoring import rescore
    from rubrics.loader import load_rubric
    from tests.conftest import form_bytes

    empty = queries.data_version(fresh_db)
    load_source(fresh_db, SourceFile("a.xlsx", form_bytes()))
    loaded = queries.data_version(fresh_db)
    load_source(fresh_db, SourceFile("again.xlsx", form_bytes()))  # unchanged: nothing written
    assert queries.data_version(fresh_db) == loaded > empty
    rescore(fresh_db, load_rubric())
    assert queries.data_version(fresh_db) > loaded


@pytest.mark.parametrize("where", [
    queries.ProjectFilter(),
    queries.ProjectFilter(domains=("教育",)),
    queries.ProjectFilter(grades=("未完成",)),
    queries.ProjectFilter(flags=("执行率偏低", "未完成")),
    queries.ProjectFilter(unit_types=("学校",), grades=("优", "差")),
    queries.ProjectFilter(text="龙康"),
    queries.ProjectFilter(text="龙康", unit_types=("区直部门",)),
    queries.ProjectFilter(text="不存在的项目"),
], ids=lambda w: repr(w))
def test_project_filters_and_pages_in_sql(sample_con, where):
    """The filtered, paged list equals a filter over every project done in Python; pages tile the list."""
    rows = sample_con.execute("SELECT form_id, unit_code, project_name, unit_name, unit_type, domain, grade, flags, "
                              "budget_full_year FROM v_project_scores WHERE year = 2015").fetchall()

    def keep(r) -> bool:
        return ((not where.unit_types or r[4] in where.unit_types) and (not where.domains or r[5] in where.domains)
                and (not where.grades or (r[6] or "未完成") in where.grades)
                and (not where.flags or bool(set(where.flags) & set(r[7])))
                and (not where.text or where.text in r[3] or where.text in r[2]))

    expected = sorted((r for r in rows if keep(r)), key=lambda r: (r[1], r[2], r[0]))
    count, budget = queries.project_totals(sample_con, 2015, None, where)
    assert count == len(expected) and budget == sum((r[8] for r in expected), Decimal(0))
    pages = [queries.project_page(sample_con, 2015, None, where, limit=40, offset=o) for o in range(0, count + 1, 40)]
    assert [int(f) for page in pages for f in page["form_id"]] == [r[0] for r in expected]
    assert all(len(page) <= 40 for page in pages)


def test_unit_ranking_is_the_head_and_tail_of_the_unit_scores(sample_con):
    units = queries.unit_scores(sample_con, 2015).dropna(subset=["score"])
    best = queries.unit_ranking(sample_con, 2015, limit=7, best=True)
    worst = queries.unit_ranking(sample_con, 2015, limit=7, best=False)
    assert best["score"].tolist() == units["score"].head(7).tolist()
    assert worst["score"].tolist() == units["score"].tail(7).iloc[::-1].tolist()
    assert set(queries.project_choices(sample_con, 2015)[1]) == set(queries.by_domain(sample_con, 2015)["domain"])
