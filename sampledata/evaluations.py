"""The sample year's filled expert scoring sheets (重点评价 of 道路清扫费, 部门整体评价 of five departments), written
deterministically from one seed into data/sample/2015/专家评分/ as the experts would return them: one workbook per
expert and evaluation, laid out by etl.expert_sheet (so that the real importer loads them).

The quality of each subject is planned (the key evaluation ~82, 良; the departments spread over 优/良/中), each expert
has a small bias, each score a little noise, rounded to half points. One indicator of the key evaluation and one of
区民政局 are planted with a disagreement above the rubric's spread threshold.
"""

from __future__ import annotations

import random
from decimal import Decimal
from pathlib import Path

from etl.build import SAMPLE_EVAL_DIR, SAMPLE_EVALUATIONS, SampleEvaluation
from etl.expert_sheet import blank_workbook, file_name
from rubrics.panel import KIND_KEY, load_panel_rubric, score_panel, shipped
from sampledata.generator import DOC_TIME, workbook_bytes
from sampledata.paths import SAMPLE_YEAR
from store.evaluations import EvaluationSpec, IndicatorRow

SEED = 20151020  # 10月20日: the key evaluation report's deadline
HALF = Decimal("0.5")
# Planned quality (share of each indicator's weight) and the grade it must give.
QUALITY = {"道路清扫费": (Decimal("0.82"), "良"), "区卫生局": (Decimal("0.92"), "优"), "区计生委": (Decimal("0.86"), "良"),
           "区民政局": (Decimal("0.71"), "中"), "区水利局": (Decimal("0.84"), "良"), "区教育局": (Decimal("0.88"), "良")}
# Planted disagreements: subject → (indicator id, scores of the experts in panel order).
DISAGREEMENTS = {"道路清扫费": ("C21", ("9", "8.5", "5")), "区民政局": ("C11", ("6", "5.5", "2", "5"))}
NOISE = 0.05  # standard deviation of an expert's share around the plan
BIAS = 0.03  # an expert's leniency, uniform in ±BIAS
SURVEY = (300, 261)  # 样本量, 满意人数 of the key evaluation (87%), on its second expert's sheet
UNIT_NAMES = {"214001": "区市容环卫局"}


def _spec(item: SampleEvaluation) -> EvaluationSpec:
    """The evaluation as the importer will find it (ids are the database's; the sheets never carry them)."""
    rubric = load_panel_rubric(shipped(item.kind)[0])
    unit = UNIT_NAMES.get(item.unit_code, item.name)
    name = f"{unit} · {item.name}" if item.kind == KIND_KEY else item.name
    indicators = tuple(IndicatorRow(leaf.id, leaf.level1, leaf.level2, leaf.name, leaf.weight, leaf.description)
                       for leaf in rubric.leaves)
    return EvaluationSpec(0, SAMPLE_YEAR, item.kind, item.subject_id, name, item.unit_code, unit, item.name, 0, rubric,
                          item.panel, indicators)


def _half(value: float) -> Decimal:
    return (Decimal(str(round(value, 6))) / HALF).to_integral_value() * HALF


def plan_scores(item: SampleEvaluation, rng: random.Random) -> dict[str, dict[str, Decimal]]:
    """Each expert's scores (expert → indicator id → score), from the planned quality, biases and noise."""
    spec = _spec(item)
    quality, _ = QUALITY[item.name]
    scores: dict[str, dict[str, Decimal]] = {}
    for expert in item.panel:
        bias = rng.uniform(-BIAS, BIAS)
        scores[expert.name] = {}
        for indicator in spec.indicators:
            share = min(max(float(quality) + bias + rng.gauss(0, NOISE), 0.3), 1.0)
            value = min(_half(float(indicator.weight) * share), indicator.weight)
            scores[expert.name][indicator.indicator_id] = value
    planted = DISAGREEMENTS.get(item.name)
    if planted is not None:
        indicator_id, planted_values = planted
        for expert, text in zip(item.panel, planted_values, strict=True):
            scores[expert.name][indicator_id] = Decimal(text)
    return scores


def _check(item: SampleEvaluation, scores: dict[str, dict[str, Decimal]]) -> None:
    """The plan holds: the grade, and exactly the planted disagreements flagged."""
    spec = _spec(item)
    result = score_panel(spec.rubric, scores)
    grade = QUALITY[item.name][1]
    planted = DISAGREEMENTS.get(item.name)
    flagged = [i.leaf.id for i in result.flagged]
    if result.grade != grade or flagged != ([planted[0]] if planted else []):
        raise ValueError(f"示例专家评分不符合设计：{item.name} 得分 {result.total} 等级 {result.grade}（应为 {grade}），"
                         f"分歧指标 {flagged}（应为 {[planted[0]] if planted else []}）")


def sheets() -> dict[str, bytes]:
    """Every sample sheet: file name → bytes (byte for byte the same on every run)."""
    rng = random.Random(SEED)
    files: dict[str, bytes] = {}
    for item in SAMPLE_EVALUATIONS:
        spec = _spec(item)
        scores = plan_scores(item, rng)
        _check(item, scores)
        for index, expert in enumerate(item.panel):
            wb, cells = blank_workbook(spec, expert.name)
            ws = wb[wb.sheetnames[0]]
            for indicator_id, value in scores[expert.name].items():
                ws[cells[f"score:{indicator_id}"]] = int(value) if value == value.to_integral_value() else float(value)
            if spec.rubric.survey_enabled and index == 1:
                ws[cells["sample"]], ws[cells["satisfied"]] = SURVEY
            wb.properties.created = wb.properties.modified = DOC_TIME
            files[file_name(spec, expert.name)] = workbook_bytes(wb)
    return files


def write_sheets(out_dir: Path = SAMPLE_EVAL_DIR) -> list[Path]:
    """Write the sample sheets into `out_dir`; returns their paths."""
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for name, data in sheets().items():
        path = out_dir / name
        path.write_bytes(data)
        written.append(path)
    return written
