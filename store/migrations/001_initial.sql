-- Migration 001: the schema of the first release (c444c48), tables only. Later migrations change it.

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
