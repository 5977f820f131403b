-- 003: what real forms carry beyond the MoF annex-1 form (issue 6, DOMAIN.md §2 items 9–13).
-- Rows written as `/` or `无` (not applicable) are kept and shown, and left out of scoring.
ALTER TABLE indicators ADD COLUMN not_applicable BOOLEAN DEFAULT false;
UPDATE indicators SET not_applicable = false;

-- Points a form writes into its 一级指标 labels (产出指标(60分)), used when it has no per-indicator 分值.
CREATE TABLE form_level_weights (
    form_id  BIGINT NOT NULL,
    level    VARCHAR NOT NULL,           -- the level as written, without its points: 产出指标
    points   DECIMAL(18, 6) NOT NULL,
    PRIMARY KEY (form_id, level)
);

-- Text a form writes about itself: 评价结论, 存在问题, 改进措施, 偏差大或目标未完成原因分析 … (label as written).
CREATE TABLE form_remarks (
    form_id  BIGINT NOT NULL,
    seq      INTEGER NOT NULL,
    label    VARCHAR NOT NULL,
    text     VARCHAR NOT NULL,
    PRIMARY KEY (form_id, seq)
);

-- The rubric's rounding method (half_up | half_even | truncate), used by the views' exact division.
ALTER TABLE rubrics ADD COLUMN rounding_method VARCHAR DEFAULT 'half_up';
UPDATE rubrics SET rounding_method = CASE WHEN half_even THEN 'half_even' ELSE 'half_up' END;
