"""Over the years: store.queries.unit_history / project_years on the bundled sample (2014 and 2015), and the
figure present.charts.history_figure builds from them."""

from __future__ import annotations

from decimal import Decimal

import pandas as pd
import pytest

from present import charts
from present.strings import SAMPLE_BADGE
from store import queries

KEY_UNIT = "214001"  # 区市容环卫局, whose 道路清扫费 runs in both sample years


def _project_id(con, year: int, unit_code: str, name: str) -> str:
    return con.execute("SELECT project_id FROM v_project_scores WHERE year = ? AND unit_code = ? AND project_name = ?",
                       [year, unit_code, name]).fetchone()[0]


def test_both_sample_years_are_there_newest_first_and_both_are_sample_data(sample_con):
    assert queries.years(sample_con) == [2015, 2014]  # the sidebar's year selector starts on 2015
    assert all(SAMPLE_BADGE in queries.year_note(sample_con, year) for year in (2014, 2015))  # ui.data.sample_only


def test_unit_history_gives_every_year_of_the_unit(sample_con):
    history = queries.unit_history(sample_con, KEY_UNIT)
    assert list(history.columns) == ["year", "score", "grade", "budget_full_year", "executed", "execution_rate",
                                     "projects"]
    assert history["year"].tolist() == [2014, 2015]
    for _, row in history.iterrows():
        unit = queries.unit_scores(sample_con, int(row["year"]), [KEY_UNIT]).iloc[0]
        assert (row["score"], row["grade"], row["projects"]) == (unit["score"], unit["grade"], unit["projects"])
        assert isinstance(row["budget_full_year"], Decimal) and isinstance(row["execution_rate"], Decimal)


def test_unit_history_keeps_to_the_scope(sample_con):
    assert queries.unit_history(sample_con, KEY_UNIT, ["219001"]).empty
    assert len(queries.unit_history(sample_con, KEY_UNIT, [KEY_UNIT])) == 2
    assert queries.unit_history(sample_con, "999999").empty


def test_a_unit_set_up_in_2015_has_one_year(sample_con):
    code = sample_con.execute("SELECT DISTINCT unit_code FROM v_project_scores WHERE unit_name = '区金融办'").fetchone()[0]
    assert queries.unit_history(sample_con, code)["year"].tolist() == [2015]


def test_project_years_follows_a_continuing_project_from_either_years_id(sample_con):
    ids = [_project_id(sample_con, year, KEY_UNIT, "道路清扫费") for year in (2014, 2015)]
    assert ids[0] != ids[1]  # a project id is per year; the project is followed by its unit and name
    for project_id in ids:
        frame = queries.project_years(sample_con, project_id)
        assert list(frame.columns) == ["year", "form_id", "computed_score", "self_score", "grade", "execution_rate",
                                       "budget_full_year", "executed", "reviewed_score", "final_score", "final_grade"]
        assert frame["year"].tolist() == [2014, 2015]
    latest = sample_con.execute("""SELECT form_id, computed_score, execution_rate FROM v_project_scores
        WHERE project_id = ?""", [ids[1]]).fetchone()
    assert tuple(frame.iloc[-1][["form_id", "computed_score", "execution_rate"]]) == latest


def test_project_years_keeps_to_the_scope_and_to_its_unit(sample_con):
    project_id = _project_id(sample_con, 2015, KEY_UNIT, "道路清扫费")
    assert queries.project_years(sample_con, project_id, ["219001"]).empty
    assert len(queries.project_years(sample_con, project_id, [KEY_UNIT])) == 2
    assert queries.project_years(sample_con, "no-such-id").empty
    # 城乡道路修建 runs in several units: only the asked-for unit's years come back
    units = [u for (u,) in sample_con.execute("""SELECT unit_code FROM v_project_scores
        WHERE year = 2015 AND project_name = '城乡道路修建' ORDER BY unit_code""").fetchall()]
    assert len(units) > 1
    frame = queries.project_years(sample_con, _project_id(sample_con, 2015, units[0], "城乡道路修建"))
    found = sample_con.execute("SELECT DISTINCT unit_code FROM v_project_scores WHERE list_contains(?, form_id)",
                               [[int(f) for f in frame["form_id"]]]).fetchall()
    assert found == [(units[0],)] and len(frame) == len(set(frame["year"]))


def test_history_figure_draws_score_and_rate_by_year(sample_con):
    unit = charts.history_figure(queries.unit_history(sample_con, KEY_UNIT), "unit")
    rate, score = unit.data
    assert list(score.x) == ["2014 年", "2015 年"] and unit.layout.xaxis.type == "category"
    assert all(0 < y <= 100 for y in score.y) and all(0 < y <= 100 for y in rate.y)
    assert unit.layout.title.text == "历年得分与预算执行率"
    project_id = _project_id(sample_con, 2015, KEY_UNIT, "道路清扫费")
    project = charts.history_figure(queries.project_years(sample_con, project_id), "project")
    assert [trace.name for trace in project.data] == ["预算执行率", "最终得分", "单位自评分"]


def test_history_figure_leaves_a_gap_for_a_year_without_a_score():
    frame = pd.DataFrame({"year": [2015, 2014], "computed_score": [None, Decimal("88.5")],
                          "self_score": [None, Decimal("90")], "grade": [None, "良"],
                          "execution_rate": [Decimal("0.8"), Decimal("0.95")]})
    fig = charts.history_figure(frame, "project")
    assert list(fig.data[1].x) == ["2014 年", "2015 年"] and list(fig.data[1].y) == [88.5, None]
    assert list(fig.data[1].customdata) == ["良", "未完成"]
    with pytest.raises(ValueError, match="what"):
        charts.history_figure(frame, "department")
