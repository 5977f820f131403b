-- 008: 报送时限 (issue 9, 报送进度). The bureau's deadlines for a year's evaluation cycle, one row per year and kind
-- (自评报告 / 汇总表 / 重点评价报告 / 工作总结). A year without a row for a kind uses the default of DOMAIN.md §1
-- (store.submissions.DEFAULT_DUE, in code, not rows). Every change is in the audit trail with before and after.
-- (007 is taken by another change: migrations apply every script not yet recorded, in number order.)
CREATE TABLE deadlines (
    year      INTEGER NOT NULL,            -- the year evaluated (2015: forms of 2015 spending, due in 2016)
    kind      VARCHAR NOT NULL,
    due_date  DATE NOT NULL,               -- inclusive: a submission on that day is on time
    set_by    VARCHAR NOT NULL,            -- the account
    set_at    TIMESTAMP NOT NULL,
    PRIMARY KEY (year, kind)
);
