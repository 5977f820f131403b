-- 004: who may see and change what (issue 7): accounts with roles and scopes, and the append-only audit trail.

-- One row per person who signs in. Passwords are argon2 hashes (argon2-cffi), never the password itself.
CREATE TABLE accounts (
    username       VARCHAR PRIMARY KEY,          -- what the person types (lower case)
    display_name   VARCHAR NOT NULL,
    role           VARCHAR NOT NULL,             -- 绩效办 | 预算股室 | 单位 | 专家 | 只读
    units          VARCHAR[] NOT NULL,           -- 单位: the unit codes it speaks for (one, usually)
    departments    VARCHAR[] NOT NULL,           -- 预算股室: the 主管部门 in its portfolio
    password_hash  VARCHAR,                      -- NULL: signs in through single sign-on only
    sso_identity   VARCHAR,                      -- the identity a proxy or OIDC provider passes (e-mail, login)
    is_demo        BOOLEAN NOT NULL,             -- a demo account of the sample data
    active         BOOLEAN NOT NULL,
    created_at     TIMESTAMP NOT NULL,
    updated_at     TIMESTAMP NOT NULL
);

-- Every write and every refused attempt: who, when, what, before and after. Rows are only ever inserted
-- (store/audit.py has no update or delete); each row carries the hash of the one before it, so an edit
-- made behind the program's back shows up when the chain is verified.
CREATE TABLE audit_log (
    audit_id   BIGINT PRIMARY KEY,
    happened_at TIMESTAMP NOT NULL,
    actor      VARCHAR NOT NULL,                 -- the account, or 命令行:<system user>
    role       VARCHAR,
    action     VARCHAR NOT NULL,                 -- 登录, 导入自评表, 创建账户 … (store/audit.py)
    outcome    VARCHAR NOT NULL,                 -- 成功 | 拒绝 | 失败
    target     VARCHAR,                          -- what it was about: an account, a file, a project
    unit_code  VARCHAR,                          -- the unit the write concerned, when there is one
    before_state VARCHAR,                        -- JSON of the state before, when something changed
    after_state VARCHAR,                         -- JSON of the state after
    detail     VARCHAR,                          -- the message the person saw, in Chinese
    prev_hash  VARCHAR NOT NULL,
    row_hash   VARCHAR NOT NULL
);

CREATE SEQUENCE audit_id_seq START 1;
