-- 006: expert-panel evaluations (issue 8 §3 重点评价, §4 部门整体评价). The rubric an evaluation uses is stored in
-- `rubrics` (kind 重点评价 | 部门整体评价) with its grade bands; its 三级 indicators are copied into
-- evaluation_indicators when the evaluation is created, so later edits of the YAML never change it.

CREATE TABLE evaluations (
    evaluation_id  BIGINT PRIMARY KEY,
    year           INTEGER NOT NULL,
    kind           VARCHAR NOT NULL,             -- key (重点评价, a project) | dept (部门整体评价, a department)
    subject_id     VARCHAR NOT NULL,             -- key: the project_id; dept: the department's own unit code
    subject_name   VARCHAR NOT NULL,             -- key: 单位 · 项目; dept: the department's name
    unit_code      VARCHAR NOT NULL,             -- whose evaluation it is (scope): the project's unit, the department's unit
    unit_name      VARCHAR NOT NULL,
    department     VARCHAR,                      -- 主管部门: dept evaluations compare its units' projects
    rubric_id      BIGINT NOT NULL,
    created_by     VARCHAR NOT NULL,
    created_at     TIMESTAMP NOT NULL,
    UNIQUE (year, kind, subject_id)
);

-- The 三级 indicators of an evaluation's rubric, in order, with their 一级/二级 names and weights.
CREATE TABLE evaluation_indicators (
    evaluation_id  BIGINT NOT NULL,
    seq            INTEGER NOT NULL,
    indicator_id   VARCHAR NOT NULL,             -- the rubric's id (A11, C21 …), the same in YAML, sheets and here
    level1         VARCHAR NOT NULL,
    level2         VARCHAR NOT NULL,
    name           VARCHAR NOT NULL,
    weight         DECIMAL(18, 6) NOT NULL,
    description    VARCHAR NOT NULL,
    PRIMARY KEY (evaluation_id, indicator_id)
);

-- The panel: expert names as they sign the sheets, and the account of an expert who scores in the app.
CREATE TABLE evaluation_experts (
    evaluation_id  BIGINT NOT NULL,
    seq            INTEGER NOT NULL,
    expert_name    VARCHAR NOT NULL,
    account        VARCHAR,                      -- accounts.username of a 专家; NULL: scores come on sheets only
    PRIMARY KEY (evaluation_id, expert_name)
);

-- Every score ever given. A new sheet or entry of an expert replaces that expert's current scores: the old rows
-- stay with is_current = false. batch_id groups one write (a sheet, an entry).
CREATE TABLE expert_scores (
    batch_id       BIGINT NOT NULL,
    evaluation_id  BIGINT NOT NULL,
    expert_name    VARCHAR NOT NULL,
    indicator_id   VARCHAR NOT NULL,
    score          DECIMAL(18, 6) NOT NULL,
    note           VARCHAR,                      -- the expert's remark on the row (评分说明)
    source         VARCHAR NOT NULL,             -- 评分表 | 页面录入
    file_name      VARCHAR,
    sheet          VARCHAR,
    cell           VARCHAR,
    file_hash      VARCHAR,
    entered_by     VARCHAR NOT NULL,
    entered_at     TIMESTAMP NOT NULL,
    is_current     BOOLEAN NOT NULL
);

-- The satisfaction survey of a key evaluation (样本量, 满意人数); the newest row is current.
CREATE TABLE evaluation_surveys (
    batch_id       BIGINT NOT NULL,
    evaluation_id  BIGINT NOT NULL,
    sample_size    INTEGER NOT NULL,
    satisfied      INTEGER NOT NULL,
    source         VARCHAR NOT NULL,
    entered_by     VARCHAR NOT NULL,
    entered_at     TIMESTAMP NOT NULL,
    is_current     BOOLEAN NOT NULL
);

-- The panel's result as the engine (rubrics/panel.py) computed it after the latest write; one row per evaluation.
CREATE TABLE evaluation_results (
    evaluation_id  BIGINT PRIMARY KEY,
    batch_id       BIGINT NOT NULL,              -- the write that produced it (part of the data version)
    method         VARCHAR NOT NULL,             -- mean | trimmed_mean (as applied)
    panel_score    DECIMAL(18, 6),               -- NULL until an expert has scored
    grade          VARCHAR,
    expert_count   INTEGER NOT NULL,             -- experts with current scores
    max_spread     DECIMAL(18, 6),               -- largest max − min of one indicator
    flagged        VARCHAR[] NOT NULL,           -- indicator ids whose spread exceeds the rubric's threshold
    computed_at    TIMESTAMP NOT NULL
);

-- Per year and kind, the shipped panel rubric new evaluations use (the bureau's choice; none = the default).
CREATE TABLE panel_rubric_choices (
    year           INTEGER NOT NULL,
    kind           VARCHAR NOT NULL,
    rubric_file    VARCHAR NOT NULL,
    chosen_by      VARCHAR NOT NULL,
    chosen_at      TIMESTAMP NOT NULL,
    PRIMARY KEY (year, kind)
);

CREATE SEQUENCE evaluation_id_seq START 1;
CREATE SEQUENCE eval_batch_id_seq START 1;
