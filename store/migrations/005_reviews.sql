-- 005: 财政复核 (issue 8). A reviewer's score on a project's submitted form, with the reason; rows are only
-- ever inserted. The project's reviewed score is its latest row when that row is a 复核 of the current
-- form version; a 撤回 row withdraws it. `follows` is the review the reviewer saw when saving (NULL: none),
-- so two reviewers saving over each other is refused instead of one silently overwriting the other.
CREATE TABLE reviews (
    review_id      BIGINT PRIMARY KEY,
    year           INTEGER NOT NULL,
    project_id     VARCHAR NOT NULL,
    form_id        BIGINT NOT NULL,              -- the form version reviewed
    unit_code      VARCHAR NOT NULL,
    action         VARCHAR NOT NULL,             -- 复核 | 撤回
    reviewed_score DECIMAL(9, 2),                -- NULL for 撤回
    reason         VARCHAR NOT NULL,
    reviewer       VARCHAR NOT NULL,             -- the account
    reviewed_at    TIMESTAMP NOT NULL,
    follows        BIGINT
);

CREATE SEQUENCE review_id_seq START 1;
