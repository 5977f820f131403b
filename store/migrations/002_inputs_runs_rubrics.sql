-- Migration 002: every input the engine uses is stored (a form can be scored again without its file);
-- scores live apart from forms, in scoring runs that point at the rubric version that produced them;
-- rubrics are stored with their YAML text and grade bands; imported files are kept; columns are as
-- precise as the rubric loader allows (scores 6 decimals, rates 8, amounts 6).
-- Sequences are created by store/migrations.py after this script (their start depends on the data).

CREATE TABLE rubrics (
    rubric_id     BIGINT PRIMARY KEY,
    kind          VARCHAR NOT NULL,      -- 自评 (self-evaluation); later kinds: 重点评价, 部门整体评价, 结果应用
    name          VARCHAR NOT NULL,
    version       VARCHAR NOT NULL,      -- sha256 prefix of the YAML bytes
    yaml_text     VARCHAR,               -- NULL only for a first-release database whose rubric text was not kept
    source        VARCHAR,               -- the file it was read from
    loaded_at     TIMESTAMP NOT NULL,    -- first used in this database
    score_places  INTEGER NOT NULL,      -- rounding.places: unit scores and means
    rate_places   INTEGER NOT NULL,      -- budget_execution.rate_places
    half_even     BOOLEAN NOT NULL,      -- rounding.method = half_even (else half up)
    UNIQUE (kind, version)
);

CREATE TABLE rubric_grade_bands (
    rubric_id    BIGINT NOT NULL,
    grade        VARCHAR NOT NULL,
    min_score    DECIMAL(18, 6) NOT NULL,
    rank         INTEGER NOT NULL,       -- 1 = best
    PRIMARY KEY (rubric_id, grade)
);

CREATE TABLE scoring_runs (
    run_id       BIGINT PRIMARY KEY,
    rubric_id    BIGINT NOT NULL,
    kind         VARCHAR NOT NULL,       -- 导入 | 重新评分 | 迁移
    year         INTEGER,                -- the year a 重新评分 covered (NULL: every year)
    started_at   TIMESTAMP NOT NULL,
    forms        INTEGER NOT NULL,
    note         VARCHAR
);

-- One row per form and scoring run; is_current marks the run in force for the form.
CREATE TABLE form_scores (
    run_id          BIGINT NOT NULL,
    form_id         BIGINT NOT NULL,
    is_current      BOOLEAN NOT NULL,
    status          VARCHAR NOT NULL,    -- 已完成 | 未完成
    execution_rate  DECIMAL(38, 8),     -- unbounded: a tiny budget makes a huge rate
    budget_points   DECIMAL(18, 6),
    computed_score  DECIMAL(18, 6),
    grade           VARCHAR,
    flags           VARCHAR[] NOT NULL,
    explanation     VARCHAR[] NOT NULL
);

CREATE TABLE indicator_scores (
    run_id          BIGINT NOT NULL,
    form_id         BIGINT NOT NULL,
    seq             INTEGER NOT NULL,
    applied_weight  DECIMAL(18, 6),
    computed_score  DECIMAL(18, 6),
    flags           VARCHAR[] NOT NULL,
    explanation     VARCHAR
);

-- Imported files, content-addressed by the sha256 of their bytes (imports.file_hash).
CREATE TABLE source_files (
    file_hash    VARCHAR PRIMARY KEY,
    size         BIGINT NOT NULL,
    data         BLOB NOT NULL,
    stored_at    TIMESTAMP NOT NULL
);

-- The 项目资金 rows of a form: 年度资金总额 (total), 财政拨款, 上年结转, 其他资金.
CREATE TABLE fund_rows (
    form_id           BIGINT NOT NULL,
    row_key           VARCHAR NOT NULL,  -- total | appropriation | carryover | other
    budget_initial    DECIMAL(24, 6),
    budget_full_year  DECIMAL(24, 6),
    executed          DECIMAL(24, 6)
);

-- The first release kept one score per form, computed with the rubric named by forms.rubric_version.
INSERT INTO rubrics BY NAME
SELECT row_number() OVER (ORDER BY v) AS rubric_id, '自评' AS kind, '首版评分标准（升级前导入，未保存规则原文）' AS name,
       v AS version, NULL AS yaml_text, NULL AS source,
       COALESCE((SELECT min(loaded_at) FROM imports), now()::TIMESTAMP) AS loaded_at, 2 AS score_places,
       4 AS rate_places, false AS half_even
FROM (SELECT DISTINCT rubric_version AS v FROM forms);

INSERT INTO rubric_grade_bands BY NAME
SELECT r.rubric_id, g.grade, g.min_score, g.rank FROM rubrics r, grade_bands g;

INSERT INTO scoring_runs BY NAME
SELECT r.rubric_id AS run_id, r.rubric_id, '迁移' AS kind, NULL AS year, r.loaded_at AS started_at,
       (SELECT count(*) FROM forms f WHERE f.rubric_version = r.version) AS forms, '首版数据库中的评分' AS note
FROM rubrics r;

INSERT INTO form_scores BY NAME
SELECT r.rubric_id AS run_id, f.form_id, true AS is_current, f.status, f.execution_rate, f.budget_points,
       f.computed_score, f.grade, f.flags, f.explanation
FROM forms f JOIN rubrics r ON r.version = f.rubric_version;

INSERT INTO indicator_scores BY NAME
SELECT s.run_id, i.form_id, i.seq, i.applied_weight, i.computed_score, i.flags, i.explanation
FROM indicators i JOIN form_scores s USING (form_id);

-- forms: the inputs only, wider columns, the budget row's declared weight.
CREATE TABLE forms_v2 (
    form_id             BIGINT PRIMARY KEY,
    project_id          VARCHAR NOT NULL,   -- stable across versions: year + unit + project name
    import_id           BIGINT NOT NULL,
    is_current          BOOLEAN NOT NULL,   -- the version in force
    year                INTEGER NOT NULL,
    unit_code           VARCHAR NOT NULL,
    unit_name           VARCHAR NOT NULL,
    unit_type           VARCHAR NOT NULL,   -- inferred from the name; the plan's value wins in views
    department          VARCHAR,
    project_name        VARCHAR NOT NULL,
    file_name           VARCHAR NOT NULL,
    sheet               VARCHAR NOT NULL,
    budget_initial      DECIMAL(24, 6),     -- 年度资金总额 row, 万元
    budget_full_year    DECIMAL(24, 6),
    executed            DECIMAL(24, 6),
    budget_weight       DECIMAL(18, 6),     -- 分值 of the 年度资金总额 row as written
    self_execution_rate DECIMAL(38, 8),
    self_budget_score   DECIMAL(18, 6),
    self_score          DECIMAL(18, 6),     -- 总分 得分 as written
    goal_expected       VARCHAR,
    goal_actual         VARCHAR
);
INSERT INTO forms_v2 BY NAME
SELECT form_id, project_id, import_id, is_current, year, unit_code, unit_name, unit_type, department, project_name,
       file_name, sheet, budget_initial, budget_full_year, executed, self_execution_rate, self_budget_score,
       self_score, goal_expected, goal_actual
FROM forms;
DROP TABLE forms;
ALTER TABLE forms_v2 RENAME TO forms;

-- indicators: the parsed target and actual with their units; scores moved to indicator_scores.
CREATE TABLE indicators_v2 (
    form_id          BIGINT NOT NULL,
    seq              INTEGER NOT NULL,
    level1           VARCHAR,
    level2           VARCHAR,
    name             VARCHAR NOT NULL,
    target_text      VARCHAR,
    target_op        VARCHAR,
    target_value     DECIMAL(38, 10),
    target_unit      VARCHAR,
    actual_text      VARCHAR,            -- NULL: the 实际完成值 cell was blank
    actual_value     DECIMAL(38, 10),
    actual_unit      VARCHAR,
    weight           DECIMAL(18, 6),     -- 分值 as written
    self_score       DECIMAL(18, 6),     -- 得分 as written
    deviation_note   VARCHAR,
    cell_ref         VARCHAR
);
INSERT INTO indicators_v2 BY NAME
SELECT form_id, seq, level1, level2, name, target_text, target_op, target_value, unit AS target_unit, actual_text,
       actual_value, CASE WHEN actual_value IS NOT NULL THEN unit END AS actual_unit, weight, self_score,
       deviation_note, cell_ref
FROM indicators;
DROP TABLE indicators;
ALTER TABLE indicators_v2 RENAME TO indicators;

ALTER TABLE imports ADD COLUMN content_hash VARCHAR;  -- sha256 of the cell values: a re-save is recognised
ALTER TABLE year_info ALTER COLUMN project_expenditure TYPE DECIMAL(24, 6);
DROP TABLE grade_bands;
