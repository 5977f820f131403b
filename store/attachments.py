"""A unit's narrative 自评报告 (.docx or .pdf) attached to its submission: kept (the bytes in source_files, by
sha256), listed, downloadable, never parsed as a form. Every upload is a new row and an audit entry; a 单位 attaches
only to its own unit, and reads only its own unit's attachments."""

from __future__ import annotations

import hashlib
import io
import zipfile
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import pandas as pd

from store import audit
from store.access import UPLOAD, Units, Viewer, in_scope, require
from store.db import Connection, StoreError, reading, writing

REPORT = "自评报告"
SUFFIXES = (".docx", ".pdf")
MAX_MB = 30


class AttachmentError(StoreError):
    """The file cannot be attached as asked; nothing was stored. The message says why and what to do."""


@dataclass(frozen=True)
class Attachment:
    attachment_id: int
    year: int
    unit_code: str
    file_name: str
    file_hash: str
    size: int
    uploaded_by: str
    uploaded_at: datetime


def _kind_of(name: str, data: bytes) -> str:
    """'.pdf' or '.docx' when the bytes are what the name says; AttachmentError otherwise."""
    lower = name.lower()
    if not lower.endswith(SUFFIXES):
        raise AttachmentError(f"“{name}”不是 Word（.docx）或 PDF 文件；自评报告请上传 .docx 或 .pdf。")
    if not data:
        raise AttachmentError(f"“{name}”是空文件，未保存。")
    if len(data) > MAX_MB * 1024 * 1024:
        raise AttachmentError(f"“{name}”超过 {MAX_MB} MB，未保存；请压缩图片后再上传。")
    if lower.endswith(".pdf"):
        if not data.startswith(b"%PDF-"):
            raise AttachmentError(f"“{name}”的内容不是 PDF（文件可能损坏或只是改了扩展名），未保存。")
        return ".pdf"
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            if "word/document.xml" not in archive.namelist():
                raise AttachmentError(f"“{name}”不是 Word 文档（.docx），未保存。")
    except zipfile.BadZipFile as exc:
        raise AttachmentError(f"“{name}”的内容不是 Word 文档（.docx；旧式 .doc 请另存为 .docx），未保存。") from exc
    return ".docx"


def attach(con: Connection, viewer: Viewer, units: Units, year: int, unit_code: str, name: str,
           data: bytes) -> Attachment:
    """Keep a unit's 自评报告 for the year (the same bytes twice are kept once, listed twice)."""
    _kind_of(name, data)
    require(con, viewer, UPLOAD, unit_code=unit_code, target=name, units=units, what=f"单位 {unit_code} 的自评报告")
    digest = hashlib.sha256(data).hexdigest()
    now = datetime.now()
    with writing(con) as cur:
        if cur.execute("SELECT 1 FROM source_files WHERE file_hash = ?", [digest]).fetchone() is None:
            cur.execute("INSERT INTO source_files (file_hash, size, data, stored_at) VALUES (?, ?, ?, ?)",
                        [digest, len(data), data, now])
        row = cur.execute("SELECT nextval('attachment_id_seq')").fetchone()
        if row is None:
            raise StoreError("无法取得附件编号")
        made = Attachment(int(row[0]), year, unit_code, name, digest, len(data), viewer.username, now)
        cur.execute("INSERT INTO attachments (attachment_id, year, unit_code, kind, file_name, file_hash, size, "
                    "uploaded_by, uploaded_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    [made.attachment_id, year, unit_code, REPORT, name, digest, len(data), viewer.username, now])
        audit.record(cur, audit.Entry(viewer.username, viewer.role, audit.ATTACH, audit.OK, target=name,
                                      unit_code=unit_code, after={"文件": name, "sha256": digest, "字节": len(data),
                                                                  "年度": year}))
    return made


LIST_SQL = """
SELECT a.attachment_id, a.year, a.unit_code,
       COALESCE((SELECT any_value(f.unit_name) FROM forms f WHERE f.unit_code = a.unit_code),
                (SELECT any_value(p.unit_name) FROM plan_projects p WHERE p.unit_code = a.unit_code), a.unit_code)
           AS unit_name,
       a.file_name, a.size, COALESCE(ac.display_name, a.uploaded_by) AS uploaded_by, a.uploaded_at
FROM attachments a LEFT JOIN accounts ac ON ac.username = a.uploaded_by
WHERE a.year = $year AND ($all_units OR list_contains($units, a.unit_code))
ORDER BY a.uploaded_at DESC, a.attachment_id DESC
"""


def listed(con: Connection, year: int, units: Units = None) -> pd.DataFrame:
    """The year's attachments the viewer may see, newest first."""
    with reading(con) as cur:
        return cur.execute(LIST_SQL, {"year": year, "all_units": units is None, "units": list(units or [])}).df()


def content(con: Connection, attachment_id: int, units: Units = None) -> tuple[str, bytes] | None:
    """(file name, bytes) of an attachment in the viewer's scope; None otherwise."""
    with reading(con) as cur:
        row: Any = cur.execute("SELECT a.file_name, a.unit_code, s.data FROM attachments a "
                               "JOIN source_files s USING (file_hash) WHERE a.attachment_id = ?",
                               [attachment_id]).fetchone()
    if row is None or not in_scope(units, row[1]):
        return None
    return str(row[0]), bytes(row[2])
