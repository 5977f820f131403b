-- 009: 结果应用 (issue 10): next year's requests, what-if scenarios of the cut rules, their ledgers, adoptions.
-- Nothing here is ever updated or deleted: a new request batch marks the unit's older rows not current, a scenario
-- and its ledger are written once, an adoption is a new row (the newest adoption of a year is in force).

-- 下年预算申报数: per unit (project_name NULL: the unit's whole request) and per continuing project. `year` is the
-- evaluated year; the request is for year + 1. A batch replaces the current rows of every unit it names.
CREATE TABLE budget_requests (
    batch_id      BIGINT NOT NULL,
    year          INTEGER NOT NULL,
    unit_code     VARCHAR NOT NULL,
    unit_name     VARCHAR NOT NULL,
    project_id    VARCHAR,                     -- the evaluated year's project (v_project_scores.project_id)
    project_name  VARCHAR,
    amount        DECIMAL(24, 6) NOT NULL,     -- 万元, ≥ 0
    individual    BOOLEAN NOT NULL,            -- 补助个人的民生项目 (exempt by the default rules)
    source        VARCHAR NOT NULL,            -- 申报表 | 页面录入 | 示例数据
    file_name     VARCHAR,
    sheet         VARCHAR,
    cell          VARCHAR,                     -- the amount's cell in the sheet
    file_hash     VARCHAR,
    entered_by    VARCHAR NOT NULL,
    entered_at    TIMESTAMP NOT NULL,
    is_current    BOOLEAN NOT NULL
);
CREATE SEQUENCE request_batch_id_seq START 1;

-- A named what-if scenario: the effective rule table (the rule file with the page's changes) and the data version
-- it was computed on. Its ledger is stored with it, so an adopted scenario keeps what was decided.
CREATE TABLE cut_scenarios (
    scenario_id   BIGINT PRIMARY KEY,
    year          INTEGER NOT NULL,
    name          VARCHAR NOT NULL,
    rubric_id     BIGINT NOT NULL,             -- the rule file it started from (rubrics, kind 结果应用)
    rules_yaml    VARCHAR NOT NULL,            -- the rules as applied
    rules_version VARCHAR NOT NULL,            -- sha256 prefix of rules_yaml
    changes       VARCHAR NOT NULL,            -- what differs from the rule file, in words
    data_version  BIGINT NOT NULL,
    requested     DECIMAL(24, 6) NOT NULL,     -- 申报总额, 万元
    cut           DECIMAL(24, 6) NOT NULL,     -- 压减合计
    arranged      DECIMAL(24, 6) NOT NULL,     -- 安排总额
    created_by    VARCHAR NOT NULL,
    created_at    TIMESTAMP NOT NULL,
    UNIQUE (year, name)
);
CREATE SEQUENCE cut_scenario_id_seq START 1;

CREATE TABLE cut_ledger (
    scenario_id   BIGINT NOT NULL,
    seq           INTEGER NOT NULL,
    level         VARCHAR NOT NULL,            -- 项目 | 单位
    scope         VARCHAR,                     -- 项目自评 | 重点评价 | 部门整体评价 (what the line was judged on)
    unit_code     VARCHAR NOT NULL,
    unit_name     VARCHAR NOT NULL,
    unit_type     VARCHAR,
    department    VARCHAR,
    domain        VARCHAR,
    project_id    VARCHAR,
    project_name  VARCHAR,
    score         DECIMAL(18, 6),
    grade         VARCHAR,
    rule_id       VARCHAR,
    action        VARCHAR NOT NULL,            -- 优先保障 | 据实保障 | 压减 | 取消或暂停 | 豁免 | 未命中规则
    base_kind     VARCHAR,                     -- 下年申报数 | 本年预算
    request       DECIMAL(24, 6),
    base          DECIMAL(24, 6) NOT NULL,
    cut_pct       DECIMAL(9, 4) NOT NULL,
    cut_amount    DECIMAL(24, 6) NOT NULL,
    after_cut     DECIMAL(24, 6) NOT NULL,
    exempt        VARCHAR,
    reason        VARCHAR NOT NULL,
    PRIMARY KEY (scenario_id, seq)
);

CREATE TABLE cut_adoptions (
    adoption_id   BIGINT PRIMARY KEY,
    year          INTEGER NOT NULL,
    scenario_id   BIGINT NOT NULL,
    adopted_by    VARCHAR NOT NULL,
    adopted_at    TIMESTAMP NOT NULL,
    note          VARCHAR
);
CREATE SEQUENCE cut_adoption_id_seq START 1;
