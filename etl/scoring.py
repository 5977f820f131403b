"""Scoring stored forms: the engine's results as store rows, and `rescore`, which scores stored forms again
with a (possibly edited) rubric as a new scoring run. Earlier runs stay in the store, queryable."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from rubrics.engine import score_form
from rubrics.loader import Rubric
from rubrics.model import FormInput, FormResult, IndicatorInput, Value
from store import access, audit, queries, writes
from store.access import Viewer
from store.db import Connection, Notify, writing

KIND_SELF_EVAL = "自评"
UNIT_SCORE_PLACES = 2  # unit means keep at least 2 decimals, even when forms score whole points per row
RUN_KIND_RESCORE = "重新评分"


def rubric_record(rubric: Rubric) -> writes.RubricRecord:
    """A rubric as the store keeps it: name, version, YAML text, rounding and grade bands."""
    return writes.RubricRecord(
        kind=KIND_SELF_EVAL, name=rubric.name, version=rubric.version, yaml_text=rubric.text, source=rubric.source,
        score_places=max(rubric.rounding.places, UNIT_SCORE_PLACES), rate_places=rubric.budget.rate_places,
        rounding_method=rubric.rounding.method,
        grade_bands=tuple((band.name, band.min) for band in rubric.grade_rule.bands),
    )


def score_rows(cur: Connection, run_id: int, forms: Sequence[tuple[int, FormInput]], rubric: Rubric,
               scored: Sequence[FormResult | None] = ()) -> None:
    """Store the rubric's results for forms under `run_id`; `scored` holds results already computed with this
    rubric (None or missing: computed here)."""
    known = list(scored) + [None] * (len(forms) - len(scored))
    results = [(form_id, form, result if result is not None else score_form(form, rubric))
               for (form_id, form), result in zip(forms, known, strict=True)]
    writes.insert(cur, "form_scores", {
        "run_id": [run_id] * len(results), "form_id": [fid for fid, _, _ in results],
        "is_current": [True] * len(results), "status": [r.status for _, _, r in results],
        "execution_rate": [r.execution_rate for _, _, r in results],
        "budget_points": [r.budget_points for _, _, r in results], "computed_score": [r.total for _, _, r in results],
        "grade": [r.grade for _, _, r in results], "flags": [list(r.flags) for _, _, r in results],
        "explanation": [list(r.explanation) for _, _, r in results],
    })
    rows = [(fid, seq, ind) for fid, _, r in results for seq, ind in enumerate(r.indicators, start=1)]
    writes.insert(cur, "indicator_scores", {
        "run_id": [run_id] * len(rows), "form_id": [fid for fid, _, _ in rows], "seq": [seq for _, seq, _ in rows],
        "applied_weight": [i.weight for _, _, i in rows], "computed_score": [i.score for _, _, i in rows],
        "flags": [list(i.flags) for _, _, i in rows], "explanation": [i.explanation for _, _, i in rows],
    })


def form_input(form: queries.StoredForm) -> FormInput:
    """Rebuild the engine's input from a stored form (every input the engine uses is stored)."""
    return FormInput(
        budget_initial=form.budget_initial, budget_full_year=form.budget_full_year, executed=form.executed,
        budget_weight=form.budget_weight, budget_self_score=form.self_budget_score, self_total=form.self_score,
        level_weights=form.level_weights,
        indicators=tuple(
            IndicatorInput(
                level1=i.level1 or "", level2=i.level2 or "", name=i.name,
                target=Value(text=i.target_text or "", op=i.target_op, number=i.target_value,
                             unit=i.target_unit or ""),
                actual=None if i.actual_text is None else Value(text=i.actual_text, number=i.actual_value,
                                                                unit=i.actual_unit or ""),
                weight=i.weight, self_score=i.self_score, deviation_note=i.deviation_note or "", ref=i.cell_ref or "",
                not_applicable=i.not_applicable,
            )
            for i in form.indicators
        ),
    )


@dataclass(frozen=True)
class RescoreReport:
    """What a rescore did: the new run, how many forms it scored and how many scores changed."""

    run_id: int
    forms: int
    changed: int  # forms whose total, grade or flags differ from their previous current score
    rubric_name: str


def rescore(con: Connection, rubric: Rubric, year: int | None = None, on_wait: Notify | None = None,
            note: str | None = None, actor: Viewer | None = None) -> RescoreReport:
    """Score every stored form (of `year`, or of every year) again with `rubric`, as a new scoring run whose
    scores become the current ones, on behalf of `actor` (绩效办 only; the command line by default). Earlier
    runs are kept; the audit trail records the rubric before and after and how many scores changed."""
    actor = actor or access.command_line()
    access.require(con, actor, access.RULES, target=rubric.name)
    with writing(con, on_wait) as cur:
        stored = queries.stored_forms(cur, year)
        before = queries.current_results(cur, year)
        rubrics_before = queries.rubric_versions(cur, year)
        rubric_id = writes.save_rubric(cur, rubric_record(rubric))
        run_id = writes.start_run(cur, rubric_id, RUN_KIND_RESCORE, len(stored), year, note)
        score_rows(cur, run_id, [(form.form_id, form_input(form)) for form in stored], rubric)
        writes.supersede_scores(cur, run_id)
        after = queries.current_results(cur, year)
        changed = sum(before.get(form_id) != result for form_id, result in after.items())
        audit.record(cur, audit.Entry(actor.username, actor.role, audit.RESCORE, audit.OK,
                                      target=f"{year} 年度" if year else "全部年度",
                                      before={"评分标准": rubrics_before},
                                      after={"评分标准": rubric.name, "版本": rubric.version, "评分批次": run_id,
                                             "自评表": len(stored), "得分等级或疑点有变化": changed}))
    return RescoreReport(run_id, len(stored), changed, rubric.name)
