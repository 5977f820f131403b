-- Tables written by the importer (etl/) and the public views analysts query. Amounts in 万元.

CREATE TABLE IF NOT EXISTS imports (
    import_id    BIGINT PRIMARY KEY,
    file_name    VARCHAR NOT NULL,   -- as the user named it (path inside a .zip included)
    file_hash    VARCHAR NOT NULL UNIQUE,  -- sha256 of the bytes: the same file never loads twice
    kind         VARCHAR NOT NULL,   -- 自评表 | 自评项目清单
    loaded_at    TIMESTAMP NOT NULL,
    forms        INTEGER NOT NULL,
    warnings     INTEGER NOT NULL
);

CREATE TABLE IF NOT EXISTS problems (
    import_id    BIGINT NOT NULL,
    file_name    VARCHAR NOT NULL,
    sheet        VARCHAR,
    cell         VARCHAR,
    severity     VARCHAR NOT NULL,
    message      VARCHAR NOT NULL
);

-- The bureau's list of projects to self-evaluate: gives each project its domain and unit type.
CREATE TABLE IF NOT EXISTS plan_projects (
    year         INTEGER NOT NULL,
    unit_code    VARCHAR NOT NULL,
    unit_name    VARCHAR NOT NULL,
    unit_type    VARCHAR NOT NULL,
    department   VARCHAR,
    project_name VARCHAR NOT NULL,
    domain       VARCHAR NOT NULL,
    import_id    BIGINT NOT NULL,
    PRIMARY KEY (year, unit_code, project_name)
);

-- Year-level figures the bureau enters (全年项目支出, 万元).
CREATE TABLE IF NOT EXISTS year_info (
    year                 INTEGER PRIMARY KEY,
    project_expenditure  DECIMAL(18, 4),
    note                 VARCHAR,          -- 数据说明, e.g. 示例数据
    import_id            BIGINT NOT NULL
);

-- Grade bands of the rubric the scores were computed with (rules are data: see rubrics/).
CREATE TABLE IF NOT EXISTS grade_bands (
    grade        VARCHAR PRIMARY KEY,
    min_score    DECIMAL(9, 2) NOT NULL,
    rank         INTEGER NOT NULL     -- 1 = best
);

-- One row per form version; is_current marks the version in force.
CREATE TABLE IF NOT EXISTS forms (
    form_id             BIGINT PRIMARY KEY,
    project_id          VARCHAR NOT NULL,   -- stable across versions: year + unit + project name
    import_id           BIGINT NOT NULL,
    is_current          BOOLEAN NOT NULL,
    year                INTEGER NOT NULL,
    unit_code           VARCHAR NOT NULL,
    unit_name           VARCHAR NOT NULL,
    unit_type           VARCHAR NOT NULL,   -- inferred from the name; the plan's value wins in views
    department          VARCHAR,
    project_name        VARCHAR NOT NULL,
    file_name           VARCHAR NOT NULL,
    sheet               VARCHAR NOT NULL,
    budget_initial      DECIMAL(18, 4),
    budget_full_year    DECIMAL(18, 4),
    executed            DECIMAL(18, 4),
    goal_expected       VARCHAR,
    goal_actual         VARCHAR,
    self_execution_rate DECIMAL(12, 6),
    self_budget_score   DECIMAL(9, 2),
    self_score          DECIMAL(9, 2),
    status              VARCHAR NOT NULL,   -- 已完成 | 未完成
    execution_rate      DECIMAL(12, 6),
    budget_points       DECIMAL(9, 2),
    computed_score      DECIMAL(9, 2),
    grade               VARCHAR,
    flags               VARCHAR[] NOT NULL,
    explanation         VARCHAR[] NOT NULL,
    rubric_version      VARCHAR NOT NULL
);

CREATE TABLE IF NOT EXISTS indicators (
    form_id          BIGINT NOT NULL,
    seq              INTEGER NOT NULL,
    level1           VARCHAR,
    level2           VARCHAR,
    name             VARCHAR NOT NULL,
    target_text      VARCHAR,
    target_op        VARCHAR,
    target_value     DECIMAL(18, 4),
    actual_text      VARCHAR,
    actual_value     DECIMAL(18, 4),
    unit             VARCHAR,
    weight           DECIMAL(9, 2),
    applied_weight   DECIMAL(9, 4),
    self_score       DECIMAL(9, 2),
    computed_score   DECIMAL(9, 2),
    deviation_note   VARCHAR,
    flags            VARCHAR[] NOT NULL,
    explanation      VARCHAR,
    cell_ref         VARCHAR,
    PRIMARY KEY (form_id, seq)
);

-- Public view: one row per project (current form version). Amounts in 万元, rates as fractions.
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
    f.execution_rate,
    f.self_score,
    f.computed_score,
    f.grade,
    f.status,
    f.flags,
    f.form_id,
    f.file_name,
    f.sheet
FROM forms f
LEFT JOIN plan_projects p
    ON p.year = f.year AND p.unit_code = f.unit_code AND p.project_name = f.project_name
WHERE f.is_current;

-- Public view: one row per unit and year. score = 全年预算数-weighted mean of the recomputed scores
-- of its completed projects (unweighted when they have no budget); grade from grade_bands.
CREATE OR REPLACE VIEW v_unit_scores AS
WITH u AS (
    SELECT
        year,
        unit_code,
        any_value(unit_name)                          AS unit_name,
        any_value(unit_type)                          AS unit_type,
        count(*)                                      AS projects,
        sum(budget_full_year)                         AS budget_full_year,
        sum(executed)                                 AS executed,
        CASE WHEN sum(budget_full_year) > 0 THEN sum(executed) / sum(budget_full_year) END AS execution_rate,
        CASE
            WHEN sum(budget_full_year) FILTER (WHERE computed_score IS NOT NULL) > 0
            THEN round(sum(computed_score * budget_full_year) FILTER (WHERE computed_score IS NOT NULL)
                       / sum(budget_full_year) FILTER (WHERE computed_score IS NOT NULL), 2)
            ELSE round(avg(computed_score), 2)
        END                                           AS score,
        count(*) FILTER (WHERE len(flags) > 0)        AS flagged_projects
    FROM v_project_scores
    GROUP BY year, unit_code
)
SELECT
    u.year, u.unit_code, u.unit_name, u.unit_type, u.projects, u.budget_full_year, u.executed,
    u.execution_rate, u.score,
    (SELECT g.grade FROM grade_bands g WHERE u.score >= g.min_score ORDER BY g.min_score DESC LIMIT 1) AS grade,
    u.flagged_projects
FROM u;
