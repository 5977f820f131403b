"""Expert-panel evaluations at the store's boundary (store/evaluations.py): the sample year's reference evaluations,
creating evaluations (绩效办 only), saving scores (replacing an expert's, keeping the old), reading in the viewer's
scope (a 专家 only its panels, a 单位 its own unit's), the audit entries, the public views."""

from __future__ import annotations

import hashlib
import shutil
from decimal import Decimal
from pathlib import Path

import pytest

from etl.build import SAMPLE_EVAL_DIR, SAMPLE_EVALUATIONS
from rubrics.panel import load_panel_rubric
from store import access, audit, db, queries
from store import evaluations as ev
from store.access import BUDGET, EXPERT, READER, UNIT, Refused, Viewer

CLI = access.command_line()
YEAR = 2015
ZJ = Viewer("demo_zj", "专家演示", EXPERT, is_demo=True)
DW = Viewer("demo_dw", "区市容环卫局演示", UNIT, units=("214001",), is_demo=True)
YS = Viewer("demo_ys", "预算股室演示·教育卫生", BUDGET, departments=("区教育局", "区卫生局"), is_demo=True)
LD = Viewer("demo_ld", "领导只读演示", READER, is_demo=True)
# The reference evaluations of the sample year (DOMAIN.md §1), as the committed expert sheets give them.
KEY_SCORE = ("区市容环卫局 · 道路清扫费", Decimal("81.17"), "良", 3, ["C21"])
DEPT_SCORES = {"区卫生局": (Decimal("91.38"), "优"), "区计生委": (Decimal("88.00"), "良"),
               "区民政局": (Decimal("71.25"), "中"), "区水利局": (Decimal("83.38"), "良"),
               "区教育局": (Decimal("86.38"), "良")}


@pytest.fixture
def con(sample_db_path: Path, tmp_path: Path):
    path = tmp_path / "evals.duckdb"
    shutil.copy(sample_db_path, path)
    connection = db.open_db(path)
    yield connection
    connection.close()


def _scores(evaluation: ev.EvaluationSpec, share: str) -> dict[str, ev.ScoreCell]:
    return {i.indicator_id: ev.ScoreCell((i.weight * Decimal(share)).normalize()) for i in evaluation.indicators}


def _trail(con, action: str) -> list[tuple]:
    return con.execute("SELECT actor, outcome, target, unit_code, before_state, after_state, detail FROM audit_log "
                       "WHERE action = ? ORDER BY audit_id", [action]).fetchall()


# ---- the sample year ------------------------------------------------------------------------------------------


def test_the_sample_holds_the_reference_key_evaluation(sample_con):
    rows = sample_con.execute("SELECT subject_name, panel_score, grade, expert_count, flagged, self_score, "
                              "survey_sample_size, survey_satisfied, rubric FROM v_evaluation_results "
                              "WHERE year = ? AND kind = 'key'", [YEAR]).fetchall()
    assert len(rows) == 1
    name, score, grade, experts, flagged, self_score, sample, satisfied, rubric = rows[0]
    assert (name, score, grade, experts, flagged) == KEY_SCORE
    own = sample_con.execute("SELECT self_score FROM v_project_scores WHERE year = ? AND unit_code = '214001' "
                             "AND project_name = '道路清扫费'", [YEAR]).fetchone()[0]
    assert self_score == own
    assert (sample, satisfied) == (300, 261)
    assert rubric == load_panel_rubric("key_eval.yaml").name
    panel = sample_con.execute("SELECT expert_name, account FROM evaluation_experts JOIN evaluations USING "
                               "(evaluation_id) WHERE kind = 'key' ORDER BY seq").fetchall()
    assert panel == [("王建国", "demo_zj"), ("李淑芬", None), ("张明远", None)]


def test_the_sample_holds_the_reference_department_evaluations(sample_con):
    rows = sample_con.execute("SELECT subject_name, subject_id, panel_score, grade, expert_count, self_score "
                              "FROM v_evaluation_results WHERE year = ? AND kind = 'dept'", [YEAR]).fetchall()
    assert {r[0]: (r[2], r[3]) for r in rows} == DEPT_SCORES
    assert {r[1] for r in rows} == {"221001", "222001", "209001", "216001", "218001"}
    assert all(r[4] == 4 and r[5] is None for r in rows)
    assert "中" in {grade for _, grade in DEPT_SCORES.values()}  # a low scorer for next year's cuts
    disputed = sample_con.execute("SELECT subject_name, flagged FROM v_evaluation_results WHERE kind = 'dept' "
                                  "AND len(flagged) > 0").fetchall()
    assert disputed == [("区民政局", ["C11"])]


def test_the_views_agree_with_the_engine(sample_con):
    """v_evaluation_results' panel score is the engine's result over v_expert_scores' rows."""
    for evaluation_id, score in sample_con.execute("SELECT evaluation_id, panel_score FROM v_evaluation_results").fetchall():
        rows = sample_con.execute("SELECT expert, indicator_id, score, weight FROM v_expert_scores "
                                  "WHERE evaluation_id = ?", [evaluation_id]).fetchall()
        experts = {r[0] for r in rows}
        assert all(Decimal(0) <= r[2] <= r[3] for r in rows)
        total = sum(r[2] for r in rows) / len(experts)
        assert score == total.quantize(Decimal("0.01"))


def test_the_committed_sheets_are_the_generators(sample_con):
    from sampledata.evaluations import sheets

    written = sheets()
    committed = {p.name: p.read_bytes() for p in SAMPLE_EVAL_DIR.glob("*.xlsx")}
    assert sorted(committed) == sorted(written)
    assert all(hashlib.sha256(committed[n]).digest() == hashlib.sha256(written[n]).digest() for n in written)
    assert len(written) == sum(len(item.panel) for item in SAMPLE_EVALUATIONS) == 23


def test_loading_the_sample_evaluations_again_changes_nothing(con):
    from etl.build import load_sample_evaluations
    from etl.expert_sheet import UNCHANGED

    before = con.execute("SELECT count(*) FROM expert_scores").fetchone()[0]
    reports = load_sample_evaluations(con, CLI)
    assert {r.status for r in reports} == {UNCHANGED}
    assert con.execute("SELECT count(*) FROM expert_scores").fetchone()[0] == before


# ---- creating, scoring ----------------------------------------------------------------------------------------


def _project(con, unit_code: str) -> ev.Subject:
    return next(s for s in ev.subjects(con, YEAR, ev.KIND_KEY) if s.unit_code == unit_code)


def test_the_bureau_creates_an_evaluation_recorded_with_its_panel(con):
    subject = _project(con, "218001")
    version = queries.data_version(con)
    eid = ev.create(con, CLI, YEAR, ev.KIND_KEY, subject.subject_id, [ev.Expert("甲"), ev.Expert("乙", "demo_zj")])
    assert queries.data_version(con) > version
    spec = ev.spec(con, eid, None)
    assert spec is not None and spec.unit_code == "218001" and len(spec.indicators) == 20
    assert [(e.name, e.account) for e in spec.experts] == [("甲", None), ("乙", "demo_zj")]
    (entry,) = _trail(con, audit.EVAL_CREATE)[-1:]
    assert entry[1] == audit.OK and entry[3] == "218001" and "乙（demo_zj）" in entry[5]
    row = ev.evaluation_list(con, YEAR, ev.KIND_KEY, None).set_index("evaluation_id").loc[eid]
    assert row["panel_score"] is None and row["expert_count"] == 0 and row["panel_size"] == 2
    with pytest.raises(ev.EvaluationError, match="不能重复创建"):
        ev.create(con, CLI, YEAR, ev.KIND_KEY, subject.subject_id, [ev.Expert("丙")])


@pytest.mark.parametrize(("subject_id", "panel", "words"), [
    ("nosuch", [ev.Expert("甲")], "没有编号为 nosuch 的项目"),
    (None, [], "评审组至少要有一位专家"),
    (None, [ev.Expert("甲"), ev.Expert("甲")], "专家“甲”重复"),
    (None, [ev.Expert("甲", "demo_jxb")], "demo_jxb 不是启用的专家账户"),
])
def test_a_bad_evaluation_is_refused_with_the_reason_and_nothing_stored(con, subject_id, panel, words):
    subject_id = subject_id or _project(con, "216001").subject_id
    before = con.execute("SELECT count(*) FROM evaluations").fetchone()[0]
    with pytest.raises(ev.EvaluationError, match=words):
        ev.create(con, CLI, YEAR, ev.KIND_KEY, subject_id, panel)
    assert con.execute("SELECT count(*) FROM evaluations").fetchone()[0] == before


@pytest.mark.parametrize("viewer", [ZJ, DW, YS, LD], ids=lambda v: v.role)
def test_only_the_bureau_creates_evaluations_and_refusals_are_recorded(con, viewer):
    subject = _project(con, "214001")
    with pytest.raises(Refused):
        ev.create(con, viewer, YEAR, ev.KIND_KEY, subject.subject_id, [ev.Expert("甲")])
    assert con.execute("SELECT actor, outcome FROM audit_log ORDER BY audit_id DESC LIMIT 1").fetchone() == (
        viewer.username, audit.REFUSED)
    with pytest.raises(Refused):
        ev.choose_year_rubric(con, viewer, YEAR, ev.KIND_DEPT, "dept_sichuan.yaml")


def test_the_years_department_rubric_is_the_bureaus_choice(con):
    assert ev.year_rubric_file(con, YEAR, ev.KIND_DEPT) == "dept_overall.yaml"
    ev.choose_year_rubric(con, CLI, YEAR, ev.KIND_DEPT, "dept_sichuan.yaml")
    assert ev.year_rubric_file(con, YEAR, ev.KIND_DEPT) == "dept_sichuan.yaml"
    assert ev.year_rubric_file(con, 2016, ev.KIND_DEPT) == "dept_overall.yaml"
    entry = _trail(con, audit.EVAL_RUBRIC)[-1]
    assert "dept_overall.yaml" in entry[4] and "dept_sichuan.yaml" in entry[5]
    department = next(s for s in ev.subjects(con, YEAR, ev.KIND_DEPT) if s.subject_name == "区农林局")
    eid = ev.create(con, CLI, YEAR, ev.KIND_DEPT, department.subject_id, [ev.Expert("甲")])
    spec = ev.spec(con, eid, None)
    assert spec is not None and [n.name for n in spec.rubric.tree] == ["部门决策", "综合管理", "部门绩效"]
    existing = next(e for e in ev.all_specs(con) if e.subject_name == "区卫生局")
    assert [n.name for n in existing.rubric.tree] == ["投入", "过程", "产出", "效果"]  # created before: unchanged
    with pytest.raises(ev.EvaluationError, match="没有名为 nosuch.yaml"):
        ev.choose_year_rubric(con, CLI, YEAR, ev.KIND_DEPT, "nosuch.yaml")


def test_saving_replaces_an_experts_scores_keeps_the_old_and_records_before_and_after(con):
    evaluation = next(e for e in ev.all_specs(con) if e.kind == ev.KIND_KEY)
    saved = ev.save_scores(con, CLI, ev.Submission(evaluation.evaluation_id, (
        ev.ExpertScores("张明远", _scores(evaluation, "0.9")),)))
    assert saved.changed
    current = con.execute("SELECT sum(score) FROM v_expert_scores WHERE evaluation_id = ? AND expert = '张明远'",
                          [evaluation.evaluation_id]).fetchone()[0]
    assert current == 90
    kept = con.execute("SELECT count(*) FROM expert_scores WHERE evaluation_id = ? AND expert_name = '张明远' "
                       "AND NOT is_current", [evaluation.evaluation_id]).fetchone()[0]
    assert kept == 20
    score = con.execute("SELECT panel_score FROM v_evaluation_results WHERE evaluation_id = ?",
                        [evaluation.evaluation_id]).fetchone()[0]
    assert score == ((Decimal("81.5") + Decimal("87") + Decimal("90")) / 3).quantize(Decimal("0.01"))
    entry = _trail(con, audit.EVAL_ENTER)[-1]
    assert entry[0] == CLI.username and '"专家组得分": "81.17' in entry[4] and f'"专家组得分": "{score:.2f}"' in entry[5]
    assert "替换了 张明远 原有的评分" in entry[6]
    again = ev.save_scores(con, CLI, ev.Submission(evaluation.evaluation_id, (
        ev.ExpertScores("张明远", _scores(evaluation, "0.9")),)))
    assert not again.changed and len(_trail(con, audit.EVAL_ENTER)) == 1


def test_bad_scores_are_refused_and_nothing_changes(con):
    evaluation = next(e for e in ev.all_specs(con) if e.kind == ev.KIND_KEY)
    before = con.execute("SELECT count(*), sum(score) FROM expert_scores").fetchone()
    too_much = {**_scores(evaluation, "0.8"), "A11": ev.ScoreCell(Decimal(4))}
    missing = {k: v for k, v in _scores(evaluation, "0.8").items() if k != "D21"}
    for entries, words in ((("李淑芬", too_much),), "超出 0–3"), ((("李淑芬", missing),), "缺少指标的评分：D21"), \
            ((("外人", _scores(evaluation, "0.8")),), "不在评审组中"), \
            ((("李淑芬", _scores(evaluation, "0.8")), ("李淑芬", _scores(evaluation, "0.7"))), "出现了两次"):
        with pytest.raises(ev.EvaluationError, match=words):
            ev.save_scores(con, CLI, ev.Submission(evaluation.evaluation_id,
                                                   tuple(ev.ExpertScores(n, s) for n, s in entries)))
    with pytest.raises(ev.EvaluationError, match="满意人数必须在 0 至样本量 10 之间"):
        ev.save_scores(con, CLI, ev.Submission(evaluation.evaluation_id,
                                               (ev.ExpertScores("李淑芬", _scores(evaluation, "0.8")),),
                                               survey=ev.Survey(10, 11)))
    assert con.execute("SELECT count(*), sum(score) FROM expert_scores").fetchone() == before


# ---- who reads and writes what --------------------------------------------------------------------------------


def _listed(con, viewer: Viewer, kind: str) -> set[str]:
    return set(ev.evaluation_list(con, YEAR, kind, access.panel_scope(con, viewer))["subject_name"])


def test_each_role_reads_the_evaluations_of_its_scope(con):
    assert _listed(con, CLI, ev.KIND_DEPT) == set(DEPT_SCORES) == _listed(con, LD, ev.KIND_DEPT)
    assert _listed(con, YS, ev.KIND_DEPT) == {"区卫生局", "区教育局"}
    assert _listed(con, YS, ev.KIND_KEY) == set()
    assert _listed(con, DW, ev.KIND_KEY) == {KEY_SCORE[0]} and _listed(con, DW, ev.KIND_DEPT) == set()
    assert _listed(con, ZJ, ev.KIND_KEY) == {KEY_SCORE[0]} and _listed(con, ZJ, ev.KIND_DEPT) == set()
    assert access.scope(con, ZJ) == ()  # the expert still sees no unit's self-evaluation data


def test_an_expert_reads_and_scores_only_its_panels(con):
    dept = next(e for e in ev.all_specs(con) if e.subject_name == "区卫生局")
    key = next(e for e in ev.all_specs(con) if e.kind == ev.KIND_KEY)
    scope = access.panel_scope(con, ZJ)
    assert ev.spec(con, dept.evaluation_id, scope) is None and ev.panel_result(con, dept.evaluation_id, scope) is None
    assert ev.expert_scores(con, dept.evaluation_id, scope).empty
    assert ev.spec(con, key.evaluation_id, scope) is not None
    before = con.execute("SELECT count(*) FROM expert_scores").fetchone()[0]
    with pytest.raises(Refused, match="不在“区卫生局”的评审组中"):
        ev.save_scores(con, ZJ, ev.Submission(dept.evaluation_id, (ev.ExpertScores("陈志强", _scores(dept, "0.8")),)))
    with pytest.raises(Refused, match="只能提交本人（王建国）的评分"):
        ev.save_scores(con, ZJ, ev.Submission(key.evaluation_id, (ev.ExpertScores("李淑芬", _scores(key, "0.8")),)))
    refused = con.execute("SELECT count(*) FROM audit_log WHERE actor = 'demo_zj' AND outcome = ?",
                          [audit.REFUSED]).fetchone()[0]
    assert refused == 2 and con.execute("SELECT count(*) FROM expert_scores").fetchone()[0] == before
    saved = ev.save_scores(con, ZJ, ev.Submission(key.evaluation_id, (ev.ExpertScores("王建国", _scores(key, "0.8")),)))
    assert saved.changed and _trail(con, audit.EVAL_ENTER)[-1][0] == "demo_zj"


@pytest.mark.parametrize("viewer", [DW, YS, LD], ids=lambda v: v.role)
def test_roles_without_expert_scoring_are_refused(con, viewer):
    key = next(e for e in ev.all_specs(con) if e.kind == ev.KIND_KEY)
    with pytest.raises(Refused):
        ev.save_scores(con, viewer, ev.Submission(key.evaluation_id, (ev.ExpertScores("李淑芬", _scores(key, "0.8")),)))


def test_department_projects_are_the_self_evaluation_results_of_its_units(con):
    frame = ev.department_projects(con, YEAR, None).set_index("department")
    assert set(frame.index) == set(DEPT_SCORES)
    expected = con.execute("SELECT count(*), count(*) FILTER (WHERE grade = '优') FROM v_project_scores "
                           "WHERE year = ? AND department = '区教育局'", [YEAR]).fetchone()
    assert (frame.loc["区教育局", "projects"], frame.loc["区教育局", "grade_you"]) == expected
    mean = con.execute("SELECT avg(computed_score) FROM v_project_scores WHERE year = ? AND department = '区卫生局'",
                       [YEAR]).fetchone()[0]
    assert float(frame.loc["区卫生局", "mean_score"]) == pytest.approx(mean, abs=0.006)
    levels = ev.level_scores(con, YEAR, ev.KIND_DEPT, None)
    assert len(levels) == 5 * 4
    by_dept = levels.groupby("subject_name")["points"].sum()
    assert all(abs(by_dept[name] - score) <= Decimal("0.02") for name, (score, _) in DEPT_SCORES.items())
