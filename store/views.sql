-- Public views analysts query, and the exact-arithmetic macros behind them. Recreated at every open.
-- Amounts in 万元, rates as fractions (0.86 = 86%). No column is DOUBLE: DuckDB divides DECIMALs in
-- floating point, so every quotient goes through exact_div, which divides exactly and rounds the way the
-- rubric says (half_up, half_even or truncate: rubrics.rounding_method).

-- x (a DECIMAL with at most 12 decimals) as a HUGEINT scaled by 10^12, exactly.
CREATE OR REPLACE MACRO scaled12(x) AS
    CAST(trunc(CAST(x AS DECIMAL(38, 12))) AS HUGEINT) * CAST(1000000000000 AS HUGEINT)
    + CAST((CAST(x AS DECIMAL(38, 12)) - trunc(CAST(x AS DECIMAL(38, 12)))) * 1000000000000 AS HUGEINT);

-- a / b for non-negative HUGEINTs, b > 0, rounded to p decimals by `method`, scaled by 10^p.
CREATE OR REPLACE MACRO div_round_int(a, b, p, method) AS
    (a * CAST(pow(10, p) AS HUGEINT)) // b
    + CASE
        WHEN method = 'truncate' THEN 0
        WHEN 2 * ((a * CAST(pow(10, p) AS HUGEINT)) % b) > b THEN 1
        WHEN 2 * ((a * CAST(pow(10, p) AS HUGEINT)) % b) = b
             AND (method <> 'half_even' OR ((a * CAST(pow(10, p) AS HUGEINT)) // b) % 2 = 1) THEN 1
        ELSE 0
      END;

-- n / d exactly, rounded to p (≤ 8) decimals; NULL when either is NULL or d = 0.
CREATE OR REPLACE MACRO exact_div(n, d, p, method) AS
    CASE WHEN n IS NULL OR d IS NULL OR d = 0 THEN NULL
    ELSE CAST(sign(n) * sign(d) * div_round_int(abs(scaled12(n)), NULLIF(abs(scaled12(d)), 0), p, method) AS DECIMAL(38, 0))
         * CAST(1 / pow(10, p) AS DECIMAL(18, 8))
    END;

-- The current score of every form: the newest scoring run that scored it.
CREATE OR REPLACE VIEW v_form_scores AS
SELECT s.form_id, s.run_id, r.rubric_id, s.status, s.execution_rate, s.budget_points, s.computed_score, s.grade,
       s.flags, s.explanation
FROM form_scores s JOIN scoring_runs r USING (run_id)
WHERE s.is_current;

-- The reviewed score of each project's current form (财政复核): the project's latest review row, when it is a
-- 复核 (not a 撤回) of the form version in force. A review of an older version no longer counts.
CREATE OR REPLACE VIEW v_reviews_current AS
SELECT r.project_id, r.form_id, r.review_id, r.reviewed_score, r.reason AS review_reason, r.reviewer, r.reviewed_at
FROM (SELECT * FROM reviews QUALIFY row_number() OVER (PARTITION BY project_id ORDER BY review_id DESC) = 1) r
JOIN forms f ON f.form_id = r.form_id AND f.is_current
WHERE r.action = '复核';

-- One row per project (current form version, current score). Three scores side by side: the unit's own
-- (self_score), the engine's recomputation from the raw values (computed_score) and the bureau's review
-- (reviewed_score); final_score is the reviewed score where there is one, else the recomputed score, and
-- final_grade its grade. Unit scores and rankings count final_score.
CREATE OR REPLACE VIEW v_project_scores AS
SELECT
    f.year,
    f.project_id,
    f.project_name,
    f.unit_code,
    COALESCE(p.unit_name, f.unit_name)        AS unit_name,
    COALESCE(p.unit_type, f.unit_type)        AS unit_type,
    COALESCE(p.department, f.department)      AS department,
    COALESCE(p.domain, '未分类')               AS domain,
    f.budget_initial,
    f.budget_full_year,
    f.executed,
    s.execution_rate,
    f.self_score,
    s.computed_score,
    s.grade,
    s.status,
    s.flags,
    f.form_id,
    f.file_name,
    f.sheet,
    s.rubric_id,
    s.run_id,
    r.reviewed_score,
    r.review_reason,
    COALESCE(CAST(r.reviewed_score AS DECIMAL(18, 6)), s.computed_score) AS final_score,
    CASE WHEN r.reviewed_score IS NULL THEN s.grade
         ELSE (SELECT g.grade FROM rubric_grade_bands g
               WHERE g.rubric_id = s.rubric_id AND r.reviewed_score >= g.min_score ORDER BY g.min_score DESC LIMIT 1)
    END                                       AS final_grade,
    r.reviewer,
    r.reviewed_at
FROM forms f
JOIN v_form_scores s USING (form_id)
LEFT JOIN plan_projects p
    ON p.year = f.year AND p.unit_code = f.unit_code AND p.project_name = f.project_name
LEFT JOIN v_reviews_current r ON r.form_id = f.form_id
WHERE f.is_current;

-- One row per unit and year. score = 全年预算数-weighted mean of the final scores (reviewed where there is
-- one, else recomputed) of its completed projects (unweighted when they have no budget), rounded as the
-- rubric says; grade from that rubric's bands. self_score and computed_score are the same mean of the
-- unit's own scores and of the recomputed ones, for comparison. rank: the unit's place in its year by score
-- (ties share a place). department: the 主管部门; domain: the domain most of its projects belong to.
CREATE OR REPLACE VIEW v_unit_scores AS
WITH dom AS (  -- the unit's main domain: most projects, then most money, then by name (deterministic)
    SELECT year, unit_code, domain
    FROM (SELECT year, unit_code, domain, count(*) AS n, sum(budget_full_year) AS b
          FROM v_project_scores GROUP BY year, unit_code, domain)
    QUALIFY row_number() OVER (PARTITION BY year, unit_code ORDER BY n DESC, b DESC NULLS LAST, domain) = 1
), u AS (
    SELECT
        year,
        unit_code,
        any_value(unit_name)                                              AS unit_name,
        any_value(unit_type)                                              AS unit_type,
        any_value(department)                                             AS department,
        max(rubric_id)                                                    AS rubric_id,
        count(*)                                                          AS projects,
        sum(budget_full_year)                                             AS budget_full_year,
        sum(executed)                                                     AS executed,
        sum(final_score * budget_full_year) FILTER (WHERE final_score IS NOT NULL) AS weighted,
        sum(budget_full_year) FILTER (WHERE final_score IS NOT NULL)     AS scored_budget,
        sum(final_score)                                                  AS score_sum,
        count(final_score)                                                AS scored,
        sum(computed_score * budget_full_year) FILTER (WHERE computed_score IS NOT NULL) AS c_weighted,
        sum(budget_full_year) FILTER (WHERE computed_score IS NOT NULL)  AS c_budget,
        sum(computed_score)                                               AS c_sum,
        count(computed_score)                                             AS c_count,
        sum(self_score * budget_full_year) FILTER (WHERE computed_score IS NOT NULL AND self_score IS NOT NULL) AS s_weighted,
        sum(budget_full_year) FILTER (WHERE computed_score IS NOT NULL AND self_score IS NOT NULL) AS s_budget,
        sum(self_score) FILTER (WHERE computed_score IS NOT NULL)         AS s_sum,
        count(self_score) FILTER (WHERE computed_score IS NOT NULL)       AS s_count,
        count(*) FILTER (WHERE len(flags) > 0)                            AS flagged_projects,
        count(reviewed_score)                                             AS reviewed_projects,
        list_sort(list_distinct(flatten(list(flags))))                    AS flags
    FROM v_project_scores
    GROUP BY year, unit_code
), scored AS (
    SELECT u.*, rb.rate_places, rb.rounding_method,
        CAST(CASE WHEN scored_budget > 0 THEN exact_div(weighted, scored_budget, rb.score_places, rb.rounding_method)
                  ELSE exact_div(score_sum, scored, rb.score_places, rb.rounding_method) END AS DECIMAL(18, 6)) AS score,
        CAST(CASE WHEN c_budget > 0 THEN exact_div(c_weighted, c_budget, rb.score_places, rb.rounding_method)
                  ELSE exact_div(c_sum, c_count, rb.score_places, rb.rounding_method) END AS DECIMAL(18, 6)) AS computed_score,
        CAST(CASE WHEN s_budget > 0 THEN exact_div(s_weighted, s_budget, rb.score_places, rb.rounding_method)
                  ELSE exact_div(s_sum, s_count, rb.score_places, rb.rounding_method) END AS DECIMAL(18, 6)) AS self_score
    FROM u JOIN rubrics rb USING (rubric_id)
)
SELECT
    s.year, s.unit_code, s.unit_name, s.unit_type, s.projects, s.budget_full_year, s.executed,
    CAST(exact_div(s.executed, s.budget_full_year, s.rate_places, s.rounding_method) AS DECIMAL(38, 8)) AS execution_rate,
    s.score,
    (SELECT g.grade FROM rubric_grade_bands g
     WHERE g.rubric_id = s.rubric_id AND s.score >= g.min_score ORDER BY g.min_score DESC LIMIT 1) AS grade,
    s.flagged_projects,
    s.rubric_id,
    s.self_score,
    s.computed_score,
    s.reviewed_projects,
    s.department,
    dom.domain,
    s.flags,
    CASE WHEN s.score IS NOT NULL THEN rank() OVER (PARTITION BY s.year ORDER BY s.score DESC NULLS LAST) END AS rank
FROM scored s JOIN dom USING (year, unit_code);

-- Scoring runs with their rubric: what produced the numbers, and when.
CREATE OR REPLACE VIEW v_scoring_runs AS
SELECT r.run_id, r.kind, r.year, r.started_at, r.forms, r.note, rb.rubric_id, rb.name AS rubric_name,
       rb.version AS rubric_version, rb.loaded_at AS rubric_loaded_at,
       (SELECT count(*) FROM form_scores s WHERE s.run_id = r.run_id AND s.is_current) AS current_forms
FROM scoring_runs r JOIN rubrics rb USING (rubric_id);

-- Expert-panel evaluations (重点评价 key, 部门整体评价 dept): every expert's current score per 三级 indicator.
CREATE OR REPLACE VIEW v_expert_scores AS
SELECT e.year, e.kind, e.subject_id, s.expert_name AS expert, s.indicator_id, i.name AS indicator_name, i.weight,
       s.score, i.level1, i.level2, i.seq, e.evaluation_id, e.unit_code, s.source, s.entered_by, s.entered_at
FROM expert_scores s
JOIN evaluations e USING (evaluation_id)
JOIN evaluation_indicators i ON i.evaluation_id = s.evaluation_id AND i.indicator_id = s.indicator_id
WHERE s.is_current;

-- One row per evaluation: the panel score (mean or trimmed mean, as its rubric says), grade, how many experts have
-- scored, the largest spread between experts on one indicator, and, for a key evaluation, the unit's own self score
-- (and the recomputed one) of the same project from v_project_scores.
CREATE OR REPLACE VIEW v_evaluation_results AS
SELECT e.year, e.kind, e.subject_id, e.subject_name, rb.name AS rubric, r.panel_score, r.grade, r.expert_count,
       r.max_spread, p.self_score, p.computed_score AS self_computed_score, p.grade AS self_grade,
       e.evaluation_id, e.unit_code, e.unit_name, e.department, rb.version AS rubric_version, e.rubric_id, r.method,
       r.flagged, (SELECT count(*) FROM evaluation_experts x WHERE x.evaluation_id = e.evaluation_id) AS panel_size,
       sv.sample_size AS survey_sample_size, sv.satisfied AS survey_satisfied
FROM evaluations e
JOIN evaluation_results r USING (evaluation_id)
JOIN rubrics rb ON rb.rubric_id = e.rubric_id
LEFT JOIN v_project_scores p ON e.kind = 'key' AND p.project_id = e.subject_id
LEFT JOIN evaluation_surveys sv ON sv.evaluation_id = e.evaluation_id AND sv.is_current;

-- 结果应用 (issue 10): the ledger of each year's adopted cuts scenario (the newest adoption), amounts in 万元.
-- level 项目 rows are continuing projects, level 单位 rows units (their cut comes after their projects' cuts);
-- after_cut = base − cut_amount; each cut is rounded to the 分 once; a year's totals are the sums of its rows.
CREATE OR REPLACE VIEW v_budget_cuts AS
WITH adopted AS (
    SELECT year, arg_max(scenario_id, adoption_id) AS scenario_id, max(adopted_at) AS adopted_at,
           arg_max(adopted_by, adoption_id) AS adopted_by
    FROM cut_adoptions GROUP BY year
)
SELECT s.year, s.name AS scenario, l.scope, l.unit_code, l.unit_name, l.project_id, l.score, l.grade, l.rule_id,
       l.action, l.base, l.cut_pct, l.cut_amount, l.after_cut, l.reason,
       l.level, l.project_name, l.unit_type, l.department, l.domain, l.base_kind, l.request, l.exempt, l.seq,
       s.scenario_id, a.adopted_by, a.adopted_at
FROM adopted a
JOIN cut_scenarios s ON s.scenario_id = a.scenario_id
JOIN cut_ledger l ON l.scenario_id = s.scenario_id;
