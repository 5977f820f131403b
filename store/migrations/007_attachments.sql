-- 007: a unit's narrative 自评报告 (.docx/.pdf) attached to its submission (issue 9). Kept, listed and
-- downloadable; never parsed as a form. The bytes are in source_files (content-addressed by sha256); a row per
-- upload, never updated or deleted.
CREATE TABLE attachments (
    attachment_id  BIGINT PRIMARY KEY,
    year           INTEGER NOT NULL,
    unit_code      VARCHAR NOT NULL,
    kind           VARCHAR NOT NULL,             -- 自评报告
    file_name      VARCHAR NOT NULL,
    file_hash      VARCHAR NOT NULL,             -- sha256 of the bytes (source_files.file_hash)
    size           BIGINT NOT NULL,
    uploaded_by    VARCHAR NOT NULL,             -- the account
    uploaded_at    TIMESTAMP NOT NULL
);

CREATE SEQUENCE attachment_id_seq START 1;
