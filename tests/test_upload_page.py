"""数据导入 under AppTest: files are checked before anything is stored (recognised fields, the recognition map,
problems, what is repeated or replaced, by whom and when), stored on confirmation, each file all or nothing; a
.zip of forms; the year chosen for a form that states none; a unit's 自评报告 attached, listed and downloaded; every
file sent is in the upload log, bad ones as 失败."""

import io
import shutil
import zipfile

import pytest
from streamlit.testing.v1 import AppTest
from test_pages import DASHBOARD, TIMEOUT_S, signed_in

from present import strings as s
from store import access, attachments, db
from store.access import Refused, Viewer
from tests.conftest import form_bytes

ADMIN = Viewer("demo_jxb", "绩效办演示", access.ADMIN, is_demo=True)
UNIT = Viewer("demo_dw", "区市容环卫局演示", access.UNIT, units=("214001",), is_demo=True)
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
OWN = "214001-区市容环卫局"


@pytest.fixture
def app_path(sample_db_path, tmp_path, monkeypatch):
    path = tmp_path / "upload.duckdb"
    shutil.copy(sample_db_path, path)
    monkeypatch.setenv("BUDGET_PERF_DB", str(path))
    return path


def page(viewer: Viewer = ADMIN) -> AppTest:
    at = signed_in(AppTest.from_file(DASHBOARD, default_timeout=TIMEOUT_S), viewer).run()
    return at.switch_page("pages/upload.py").run()


def check(at: AppTest, *files: tuple[str, bytes], year: int | None = None) -> AppTest:
    at.file_uploader(key="upload_files").set_value([(name, data, XLSX) for name, data in files])
    if year is not None:
        at.selectbox(key="upload_year").set_value(year)
    at.button(key="upload_go").click().run()
    assert not at.exception
    return at


def frame(at: AppTest, column: str):
    return next(d.value for d in at.dataframe if column in d.value.columns)


def forms_count(path) -> int:
    return db.connection(path).execute("SELECT count(*) FROM forms").fetchone()[0]


def test_a_good_file_is_checked_shown_and_stored_only_on_confirmation(app_path):
    before = forms_count(app_path)
    at = check(page(UNIT), ("新表.xlsx", form_bytes(unit=OWN, project="背街小巷夜间保洁")))
    assert any(s.UPLOAD_CHECKED.format(ok=1, repeat=0, bad=0) == m.value for m in at.success)
    files = frame(at, s.COL_VERDICT)
    assert files.iloc[0][s.COL_VERDICT] == "可以导入" and files.iloc[0][s.COL_FORMS] == 1
    forms = frame(at, s.COL_REPLACES)
    row = forms.iloc[0]
    assert (row[s.COL_UNIT], row[s.COL_PROJECT], row[s.COL_YEAR]) == (OWN, "背街小巷夜间保洁", 2015)
    assert row[s.COL_BUDGET] == 100 and row[s.COL_EXECUTED] == 86 and row[s.COL_INDICATORS] == 6
    assert row[s.COL_REPLACES] == "新项目" and row[s.COL_COMPUTED] > 0
    maps = "\n".join(c.value for c in at.code)
    assert "项目名称：背街小巷夜间保洁" in maps and "全年预算数" in maps  # which cell gave which field
    assert forms_count(app_path) == before  # nothing stored yet
    at.button(key="upload_confirm").click().run()
    assert not at.exception
    assert any(s.UPLOAD_DONE.format(ok=1, bad=0) == m.value for m in at.success)
    assert forms_count(app_path) == before + 1


def test_the_same_content_again_says_when_and_by_whom_and_offers_nothing_to_confirm(app_path):
    data = form_bytes(unit=OWN, project="背街小巷夜间保洁")
    at = check(page(UNIT), ("新表.xlsx", data))
    at.button(key="upload_confirm").click().run()
    at = check(page(UNIT), ("又一次.xlsx", data))
    note = frame(at, s.COL_VERDICT).iloc[0]
    assert note[s.COL_VERDICT] == "此前已导入，不会重复导入"
    assert "由 区市容环卫局演示 导入（文件“新表.xlsx”）" in note[s.COL_REMARK]
    assert not [b for b in at.button if b.key == "upload_confirm"]
    assert any(s.UPLOAD_NOTHING_TO_LOAD == i.value for i in at.info)


def test_a_new_version_says_what_it_replaces(app_path):
    at = check(page(UNIT), ("第一版.xlsx", form_bytes(unit=OWN, project="背街小巷夜间保洁")))
    at.button(key="upload_confirm").click().run()
    at = check(page(UNIT), ("第二版.xlsx", form_bytes(unit=OWN, project="背街小巷夜间保洁",
                                                     total=(100, 100, 90, 10, "90%", 9))))
    replaces = frame(at, s.COL_REPLACES).iloc[0][s.COL_REPLACES]
    assert replaces.startswith("替换 ") and "由 区市容环卫局演示 导入的版本（“第一版.xlsx”，核算得分" in replaces
    at.button(key="upload_confirm").click().run()
    con = db.connection(app_path)
    assert con.execute("SELECT count(*), count(*) FILTER (WHERE is_current) FROM forms "
                       "WHERE project_name = '背街小巷夜间保洁'").fetchone() == (2, 1)  # the old one stays as history


def test_a_bad_file_is_shown_with_its_problems_stored_never_and_logged_as_failed(app_path):
    before = forms_count(app_path)
    at = check(page(UNIT), ("坏文件.xlsx", b"not a workbook at all"),
               ("好文件.xlsx", form_bytes(unit=OWN, project="背街小巷夜间保洁")))
    assert any(s.UPLOAD_CHECKED.format(ok=1, repeat=0, bad=1) == w.value for w in at.warning)
    files = frame(at, s.COL_VERDICT).set_index(s.COL_FILE)
    assert files.loc["坏文件.xlsx", s.COL_VERDICT] == "不能导入" and files.loc["坏文件.xlsx", s.COL_ERRORS] >= 1
    problems = frame(at, s.COL_MESSAGE)
    errors = problems[problems[s.COL_SEVERITY] == "错误"]
    assert set(errors[s.COL_FILE]) == {"坏文件.xlsx"} and problems.iloc[0][s.COL_SEVERITY] == "错误"  # errors first
    log = frame(at, s.COL_SHA)
    failed = log[log[s.COL_FILE] == "坏文件.xlsx"].iloc[0]
    assert failed[s.COL_OUTCOME] == "失败" and failed[s.COL_ACCOUNT] == "区市容环卫局演示" and len(failed[s.COL_SHA]) == 12
    at.button(key="upload_confirm").click().run()
    assert any(s.UPLOAD_DONE.format(ok=1, bad=1) == e.value for e in at.error)
    assert forms_count(app_path) == before + 1


def test_a_zip_of_forms_and_the_year_for_a_form_that_states_none(app_path):
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as z:
        z.writestr("甲.xlsx", form_bytes(unit=OWN, project="甲项目", title="项目支出绩效自评表"))
        z.writestr("乙.xlsx", form_bytes(unit=OWN, project="乙项目", title="项目支出绩效自评表"))
    at = check(page(), ("两张表.zip", archive.getvalue()), year=2014)
    forms = frame(at, s.COL_REPLACES)
    assert sorted(forms[s.COL_PROJECT]) == ["乙项目", "甲项目"] and set(forms[s.COL_YEAR]) == {2014}
    assert sorted(frame(at, s.COL_VERDICT)[s.COL_FILE]) == ["两张表.zip/乙.xlsx", "两张表.zip/甲.xlsx"]
    at.button(key="upload_confirm").click().run()
    con = db.connection(app_path)
    assert con.execute("SELECT count(*) FROM v_project_scores WHERE year = 2014 AND project_name IN ('甲项目', '乙项目')"
                       ).fetchone()[0] == 2



def _docx() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("word/document.xml", "<w:document/>")
    return out.getvalue()


def test_a_units_report_is_attached_listed_and_downloaded_never_parsed(app_path):
    at = page(UNIT)
    at.file_uploader(key="attach_files").set_value([("自评报告.docx", _docx(), "application/octet-stream"),
                                                     ("自评报告.pdf", b"%PDF-1.4 test", "application/pdf")])
    next(b for b in at.button if b.label == s.ATTACH_GO).click().run()
    assert not at.exception and any(s.ATTACH_DONE.format(n=2) == m.value for m in at.success)
    listed = frame(at, s.COL_UPLOADED_BY)
    assert sorted(listed[s.COL_FILE]) == ["自评报告.docx", "自评报告.pdf"]
    assert set(listed[s.COL_UNIT_NAME]) == {"区市容环卫局"}
    con = db.connection(app_path)
    assert con.execute("SELECT count(*) FROM forms WHERE file_name LIKE '自评报告%'").fetchone()[0] == 0
    ids = [r[0] for r in con.execute("SELECT attachment_id FROM attachments ORDER BY attachment_id").fetchall()]
    assert attachments.content(con, ids[1], ("214001",)) == ("自评报告.pdf", b"%PDF-1.4 test")
    assert attachments.content(con, ids[1], ("218001",)) is None  # another unit's viewer cannot read it
    entry = con.execute("SELECT actor, action, unit_code FROM audit_log ORDER BY audit_id DESC LIMIT 1").fetchone()
    assert entry == ("demo_dw", "上传自评报告", "214001")


@pytest.mark.parametrize(("name", "data", "message"), [
    ("报告.doc", b"\xd0\xcf\x11\xe0", "不是 Word（.docx）或 PDF"),
    ("报告.pdf", b"<html>", "不是 PDF"),
    ("报告.docx", b"PK\x03\x04broken", "不是 Word 文档"),
    ("报告.pdf", b"", "空文件"),
])
def test_a_report_that_is_not_what_it_says_is_refused_and_nothing_kept(app_path, name, data, message):
    con = db.connection(app_path)
    with pytest.raises(attachments.AttachmentError, match=message):
        attachments.attach(con, UNIT, ("214001",), 2015, "214001", name, data)
    assert con.execute("SELECT count(*) FROM attachments").fetchone()[0] == 0


def test_a_unit_may_not_attach_for_another_unit(app_path):
    con = db.connection(app_path)
    with pytest.raises(Refused):
        attachments.attach(con, UNIT, ("214001",), 2015, "218001", "报告.pdf", b"%PDF-1.4")
    assert con.execute("SELECT count(*) FROM attachments").fetchone()[0] == 0


def test_the_upload_page_hands_out_the_template_prefilled_for_the_unit(app_path, media_stores):
    import openpyxl
    from test_pages import downloaded

    at = page(UNIT)
    template = downloaded(at, media_stores, s.PROGRESS_TEMPLATE)
    book = openpyxl.load_workbook(io.BytesIO(template.content))
    values = {str(c.value) for ws in book.worksheets for row in ws.iter_rows() for c in row if c.value is not None}
    assert any("214001" in v and "区市容环卫局" in v for v in values) and "填写说明" in book.sheetnames
