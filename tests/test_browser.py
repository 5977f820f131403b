"""A person's first start, in a real headless Chromium: the dashboard builds the database from the
sample year, shows progress, asks to sign in (listing the demo accounts), and after signing in opens on
the overview with the headline figures in Chinese; a unit's demo account sees only its own unit; a page's
address typed before signing in shows nothing."""

import contextlib
import io
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest
from PIL import Image
from playwright.sync_api import sync_playwright

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"]
SERVER_START_S = 60
FIRST_BUILD_S = 240

pytestmark = pytest.mark.browser


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextlib.contextmanager
def _streamlit(db_path: Path, tmp_path: Path) -> Iterator[str]:
    """`streamlit run dashboard.py` on 127.0.0.1 with BUDGET_PERF_DB = db_path; yields its address."""
    port = _free_port()
    env = {**os.environ, "BUDGET_PERF_DB": str(db_path)}
    log = (tmp_path / "streamlit.log").open("w")
    proc = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", "dashboard.py", "--server.address=127.0.0.1",
         f"--server.port={port}", "--server.headless=true", "--browser.gatherUsageStats=false"],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + SERVER_START_S
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=1) as resp:
                if resp.status == 200:
                    break
        except OSError:
            time.sleep(0.2)
    else:
        proc.kill()
        pytest.fail("streamlit did not start: " + (tmp_path / "streamlit.log").read_text())
    try:
        yield url
    finally:
        proc.terminate()
        proc.wait(timeout=20)
        log.close()


@pytest.fixture
def server(tmp_path):
    """The dashboard with no database yet (first start)."""
    with _streamlit(tmp_path / "budget_perf.duckdb", tmp_path) as url:
        yield url


def test_first_start_builds_the_sample_and_shows_the_overview(server, tmp_path):
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        page = browser.new_page(viewport={"width": 1400, "height": 2400}, locale="zh-CN")
        page.goto(server)
        page.get_by_text("正在用示例数据建立数据库").first.wait_for(timeout=30_000)
        page.get_by_text("演示账户（仅示例数据时显示）").wait_for(timeout=FIRST_BUILD_S * 1000)
        page.get_by_role("button", name="以专家身份体验").wait_for(timeout=30_000)
        page.wait_for_timeout(500)
        sign_in_text = page.locator('[data-testid="stMain"]').inner_text()
        page.screenshot(path=str(tmp_path / "sign_in_1400.png"))
        page.set_viewport_size({"width": 1920, "height": 1200})
        page.screenshot(path=str(tmp_path / "sign_in_1920.png"))
        page.set_viewport_size({"width": 1400, "height": 2400})
        page.get_by_label("账户名").fill("demo_jxb")
        page.get_by_label("密码", exact=True).fill("wrong-password")
        page.get_by_role("button", name="登录", exact=True).click()
        page.get_by_text("账户名或密码不正确。").wait_for(timeout=30_000)
        page.wait_for_timeout(1000)  # the run that said so has finished: one form on the page again
        page.get_by_label("密码", exact=True).fill("demo")
        page.get_by_role("button", name="登录", exact=True).click()
        metric = page.locator('[data-testid="stMetric"]', has_text="预算单位")
        metric.wait_for(timeout=FIRST_BUILD_S * 1000)
        page.locator('[data-testid="stPlotlyChart"]').nth(4).wait_for(timeout=30_000)
        page.wait_for_timeout(1500)  # let the charts finish drawing
        text = page.locator('[data-testid="stMain"]').inner_text()
        shot = tmp_path / "overview.png"
        page.screenshot(path=str(shot))
        sidebar = page.locator('[data-testid="stSidebar"]').inner_text()
        # a chart's own PNG button: its tooltip in Chinese, the image named after the chart, at twice the size
        grades = page.locator('[data-testid="stPlotlyChart"]').first
        grades.hover()
        png_button = grades.locator('.modebar-btn[data-title="下载图片（PNG）"]')
        png_button.wait_for(timeout=30_000)
        mode_bar = grades.locator(".modebar-btn").evaluate_all("buttons => buttons.map(b => b.dataset.title)")
        with page.expect_download(timeout=60_000) as png:
            png_button.click()
        png_name, png_bytes = png.value.suggested_filename, Path(png.value.path()).read_bytes()
        chart_width = grades.bounding_box()["width"]

        page.locator('[data-testid="stSidebarNav"]').get_by_text("项目得分").click()
        page.get_by_text("项目得分与复核").first.wait_for(timeout=30_000)
        page.get_by_text("计算过程").first.wait_for(timeout=30_000)
        page.get_by_text("预算执行率: 全年执行数").first.wait_for(timeout=30_000)
        page.get_by_text("页码（共 16 页").first.wait_for(timeout=30_000)
        page.wait_for_timeout(1000)
        projects_text = page.locator('[data-testid="stMain"]').inner_text()
        page.screenshot(path=str(tmp_path / "projects.png"))

        # the list's download holds every project of the filter, built only when clicked
        with page.expect_download(timeout=60_000) as download:
            page.get_by_role("button", name="下载 CSV").click()
        csv_bytes = Path(download.value.path()).read_bytes()
        # the next page of the list, then a search that narrows it
        page.locator('[data-testid="stNumberInput"]', has_text="页码").get_by_test_id("stNumberInputStepUp").click()
        page.get_by_text("查看项目").first.wait_for(timeout=30_000)
        page.wait_for_timeout(1500)
        second_page = page.locator('[data-testid="stSelectbox"]', has_text="查看项目").inner_text()
        page.get_by_label("搜索单位或项目名称").fill("龙康小学")
        page.get_by_label("搜索单位或项目名称").press("Enter")
        page.get_by_text("符合条件的项目：2 个").first.wait_for(timeout=30_000)

        # a unit's demo account, in a browser of its own: its unit only; another unit's project by address refused
        other = browser.new_page(viewport={"width": 1920, "height": 1200}, locale="zh-CN")
        other.goto(f"{server}/projects?form=1")
        other.get_by_text("以单位身份体验").wait_for(timeout=60_000)
        before_sign_in = other.locator('[data-testid="stMain"]').inner_text()
        other.get_by_role("button", name="以单位身份体验").click()
        other.get_by_text("无权查看（网址参数）").wait_for(timeout=120_000)
        other.get_by_text("符合条件的项目：20 个").first.wait_for(timeout=30_000)
        other.get_by_text("计算过程").first.wait_for(timeout=30_000)
        other.wait_for_timeout(2000)
        unit_text = other.locator('[data-testid="stMain"]').inner_text()
        other.screenshot(path=str(tmp_path / "unit_projects_1920.png"))
        browser.close()
    print(f"screenshots: {tmp_path}")
    assert "预算绩效评价看板 · 登录" in sign_in_text and "demo_dw" in sign_in_text and "以只读身份体验" in sign_in_text
    assert "121 家" not in sign_in_text  # no data before signing in
    assert "项目得分与复核" not in before_sign_in and "以单位身份体验" in before_sign_in
    assert "数据范围：区市容环卫局" in unit_text and "区纪委" not in unit_text and "区市容环卫局" in unit_text
    for expected in ("总览", "121 家", "793 个", "9.95 亿元", "8.32 亿元", "83.62%", "49%", "评价等级分布"):
        assert expected in text
    assert "示例数据" in sidebar
    assert png_name == "2015_年度评价等级分布.png", png_name
    # every tool in Chinese but Streamlit's own full-screen button, which plotly's dictionary does not reach
    assert "缩放" in mode_bar and [t for t in mode_bar if t and t.isascii()] == ["Fullscreen"], mode_bar
    with Image.open(io.BytesIO(png_bytes)) as image:
        assert image.width >= 1.5 * chart_width, (image.size, chart_width)
    assert "符合条件的项目：793 个" in projects_text and "预算执行率" in projects_text
    assert csv_bytes.startswith(b"\xef\xbb\xbf") and csv_bytes.decode("utf-8-sig").count("\n") == 794  # header + 793
    assert "区纪委" not in second_page  # page 2 starts past the first unit's projects
    assert "Traceback" not in text
    assert shot.stat().st_size > 50_000
    assert (tmp_path / "budget_perf.duckdb").exists() and not (tmp_path / "budget_perf.new.duckdb").exists()


@pytest.fixture
def sample_server(sample_db_path, tmp_path):
    """The dashboard on a copy of the built sample database (no first-start build)."""
    path = tmp_path / "budget_perf.duckdb"
    shutil.copy(sample_db_path, path)
    with _streamlit(path, tmp_path) as url:
        yield url, path


def _main_text(page) -> str:
    return page.locator('[data-testid="stMain"]').inner_text()


def _click_first_row(page) -> None:
    """Select the first data row of the page's first table (the row-marker column of the data grid)."""
    box = page.locator('[data-testid="stDataFrame"]').first.bounding_box()
    page.mouse.click(box["x"] + 14, box["y"] + 35 + 18)


def test_drill_down_units_projects_indicators_and_back_with_the_view_in_the_address(sample_server, tmp_path):
    server, path = sample_server
    con = duckdb.connect(str(path), read_only=True)
    first_code, first_name = con.execute("SELECT unit_code, unit_name FROM v_unit_scores WHERE year = 2015 "
                                         "ORDER BY rank, unit_code LIMIT 1").fetchone()
    first_project = con.execute("SELECT project_name FROM v_project_scores WHERE year = 2015 AND unit_code = ? "
                                "ORDER BY unit_code, project_name, form_id LIMIT 1", [first_code]).fetchone()[0]
    con.close()
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        page = browser.new_page(viewport={"width": 1400, "height": 1800}, locale="zh-CN")
        page.goto(server)
        page.get_by_role("button", name="以绩效办身份体验").click()
        page.locator('[data-testid="stSidebarNav"]').get_by_text("单位评分").click()
        page.get_by_text("符合条件的单位：121 家").wait_for(timeout=60_000)
        page.locator('[data-testid="stPlotlyChart"] .bars .point path').first.wait_for(timeout=30_000)
        page.wait_for_timeout(1500)
        page.screenshot(path=str(tmp_path / "level0_units_1400.png"))
        tab_title = page.title()
        page.set_viewport_size({"width": 1920, "height": 1200})
        page.wait_for_timeout(800)
        page.screenshot(path=str(tmp_path / "level0_units_1920.png"))
        page.set_viewport_size({"width": 1400, "height": 1800})

        # the top bar is rank 1 (plotly draws bottom-up: the last bar); bars start left of the axis, so click near
        # the visible end
        bars = page.locator('[data-testid="stPlotlyChart"] .bars .point path')
        bar = bars.nth(bars.count() - 1).bounding_box()
        page.mouse.click(bar["x"] + bar["width"] - 20, bar["y"] + bar["height"] / 2)
        page.get_by_text("全区排名（名/家）").wait_for(timeout=30_000)
        page.wait_for_timeout(1500)
        unit_url, unit_text = page.url, _main_text(page)
        page.screenshot(path=str(tmp_path / "level1_unit.png"))

        _click_first_row(page)
        page.get_by_text("计算过程").first.wait_for(timeout=30_000)
        page.wait_for_timeout(1500)
        project_url, project_text = page.url, _main_text(page)
        page.screenshot(path=str(tmp_path / "level2_project.png"), full_page=True)

        # the copied address, opened in a fresh browser: sign in, and the same project is there
        other = browser.new_page(viewport={"width": 1400, "height": 1800}, locale="zh-CN")
        other.goto(project_url)
        other.get_by_role("button", name="以绩效办身份体验").click()
        other.get_by_text("计算过程").first.wait_for(timeout=60_000)
        other.wait_for_timeout(1500)
        reopened_text = _main_text(other)

        page.get_by_role("button", name=f"返回 {first_name}").click()
        page.get_by_text("全区排名（名/家）").wait_for(timeout=30_000)
        page.wait_for_timeout(1000)
        back_url = page.url
        page.get_by_role("button", name="返回单位列表").click()
        page.get_by_text("符合条件的单位：121 家").wait_for(timeout=30_000)
        page.wait_for_timeout(1000)
        list_url = page.url
        browser.close()
    print(f"screenshots: {tmp_path}")
    assert f"unit={first_code}" in unit_url and "form=" not in unit_url
    assert f"› {first_name}" in unit_text or first_name in unit_text
    assert "1 / 121" in unit_text and "返回单位列表" in unit_text
    assert f"unit={first_code}" in project_url and "form=" in project_url
    assert f"{first_name} · {first_project}" in project_text and "财政复核" in project_text
    assert f"{first_name} · {first_project}" in reopened_text and "计算过程" in reopened_text
    assert f"unit={first_code}" in back_url and "form=" not in back_url
    assert "unit=" not in list_url
    assert tab_title == "单位评分 · 预算绩效评价看板"  # every page names itself in the browser tab
    assert "Traceback" not in unit_text + project_text + reopened_text


def test_upload_a_good_file_a_bad_file_and_a_zip_read_the_report_confirm_and_see_it_on_the_overview(
        sample_server, tmp_path):
    import io
    import zipfile

    from tests.conftest import form_bytes

    server, path = sample_server
    unit = "214001-区市容环卫局"
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as z:
        z.writestr("压缩包甲.xlsx", form_bytes(unit=unit, project="浏览器测试压缩包甲"))
        z.writestr("压缩包乙.xlsx", form_bytes(unit=unit, project="浏览器测试压缩包乙"))
    xlsx = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    files = [{"name": "好表.xlsx", "mimeType": xlsx, "buffer": form_bytes(unit=unit, project="浏览器测试新项目")},
             {"name": "坏表.xlsx", "mimeType": xlsx, "buffer": b"this is not a workbook"},
             {"name": "两张表.zip", "mimeType": "application/zip", "buffer": archive.getvalue()}]
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        page = browser.new_page(viewport={"width": 1400, "height": 2000}, locale="zh-CN")
        page.goto(server)
        page.get_by_role("button", name="以绩效办身份体验").click()
        page.locator('[data-testid="stMetric"]', has_text="自评项目").wait_for(timeout=60_000)
        before = page.locator('[data-testid="stMetric"]', has_text="自评项目").inner_text()
        page.locator('[data-testid="stSidebarNav"]').get_by_text("数据导入").click()
        dropzone = page.locator('[data-testid="stFileUploaderDropzone"]').first
        dropzone.wait_for(timeout=30_000)
        # Streamlit's English words ("Upload", "50MB per file • XLSX") hidden, Chinese drawn in their place
        uploader_words = dropzone.evaluate("""zone => [zone.querySelector('button p'),
            zone.querySelector('[data-testid="stFileUploaderDropzoneInstructions"] span')].map(e => [
            getComputedStyle(e).fontSize, getComputedStyle(e, '::after').content])""")
        page.locator('[data-testid="stFileUploaderDropzoneInput"]').first.set_input_files(files=files)
        page.locator('[data-testid="stFileChipName"]').nth(2).wait_for(timeout=30_000)
        page.wait_for_timeout(1500)
        page.get_by_role("button", name="检查文件").click()
        page.get_by_text("检查完成：").wait_for(timeout=60_000)
        page.wait_for_timeout(1500)
        report = _main_text(page)
        cells = " ".join(page.locator('[data-testid="stDataFrame"] [role="gridcell"]').all_inner_texts())
        page.screenshot(path=str(tmp_path / "upload_report.png"), full_page=True)
        page.get_by_role("button", name="确认导入").click()
        page.get_by_text("导入完成：").wait_for(timeout=60_000)
        page.wait_for_timeout(1000)
        done = _main_text(page)
        page.screenshot(path=str(tmp_path / "upload_done.png"), full_page=True)
        page.locator('[data-testid="stSidebarNav"]').get_by_text("总览").click()
        page.locator('[data-testid="stMetric"]', has_text="自评项目").wait_for(timeout=60_000)
        page.wait_for_timeout(1000)
        after = page.locator('[data-testid="stMetric"]', has_text="自评项目").inner_text()
        browser.close()
    print(f"screenshots: {tmp_path}")
    assert uploader_words == [["0px", '"选择文件"'], ["0px", '"或把文件拖到这里（每个不超过 50 MB）"']], uploader_words
    assert "检查完成：3 个文件可以导入，0 个此前已导入（不会重复导入），1 个不能导入" in report
    assert "识别出的项目（每个工作表一个）" in report and "问题清单" in report  # the tables are drawn on canvas:
    assert "坏表.xlsx" in cells and "不能导入" in cells and "浏览器测试压缩包乙" in cells and "新项目" in cells  # a11y cells
    assert "导入完成：3 个文件已导入或未更改，1 个被拒绝。" in done
    assert "793 个" in before and "796 个" in after  # three new projects in the year
    assert "Traceback" not in report + done


def _visible_metric(page, label: str) -> str:
    """The value of the metric with this label in the open tab."""
    metric = page.locator('[role="tabpanel"]:visible [data-testid="stMetric"]').filter(has_text=label).first
    return metric.locator('[data-testid="stMetricValue"]').inner_text()


def test_what_if_changes_a_percentage_saves_adopts_and_the_adoption_survives_a_restart(sample_db_path, tmp_path):
    from decimal import Decimal

    from present import format as fmt
    from rubrics import cuts as engine
    from store import cuts, db

    path = tmp_path / "budget_perf.duckdb"
    shutil.copy(sample_db_path, path)
    con = db.connection(path)
    rules = engine.load_rules()
    data = rules.editable()
    next(r for r in data["rules"] if r["id"] == "P3")["cut_pct"] = 20
    before = cuts.compute(con, 2015, rules).cut
    after = cuts.compute(con, 2015, engine.rules_from_data(data, "x")).cut
    db.close(path)
    assert after > before
    with _streamlit(path, tmp_path) as server, sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        page = browser.new_page(viewport={"width": 1400, "height": 1600}, locale="zh-CN")
        page.goto(server)
        page.get_by_role("button", name="以绩效办身份体验").click()
        page.locator('[data-testid="stSidebarNav"]').get_by_text("结果应用").click()
        page.get_by_text("已采纳方案：").wait_for(timeout=60_000)
        page.wait_for_timeout(1500)
        page.screenshot(path=str(tmp_path / "cuts_adopted_1400.png"), full_page=True)
        page.get_by_role("tab", name="模拟测算").click()
        shown_before = _visible_metric(page, "压减合计")
        box = page.get_by_role("spinbutton", name="P3 项目自评·中 压减比例（%）")
        box.fill("20")
        box.press("Enter")
        page.get_by_text("P3 压减比例 10% → 20%").wait_for(timeout=30_000)
        page.wait_for_timeout(1000)
        shown_after = _visible_metric(page, "压减合计")
        page.set_viewport_size({"width": 1920, "height": 1200})
        page.wait_for_timeout(800)
        page.screenshot(path=str(tmp_path / "cuts_whatif_1920.png"), full_page=True)
        page.get_by_role("textbox", name="方案名称").fill("中档压减 20%")
        page.get_by_role("button", name="另存为方案").click()
        page.get_by_text("已保存方案“中档压减 20%”").wait_for(timeout=30_000)
        page.get_by_role("tab", name="方案比较与采纳").click()
        page.get_by_role("button", name="采纳该方案").click()  # the newest scenario is preselected
        page.get_by_text("已采纳方案“中档压减 20%”").wait_for(timeout=30_000)
        browser.close()
    with _streamlit(path, tmp_path) as server, sync_playwright() as pw:  # a restart: a new server on the same file
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        page = browser.new_page(viewport={"width": 1400, "height": 1600}, locale="zh-CN")
        page.goto(server)
        page.get_by_role("button", name="以绩效办身份体验").click()
        page.locator('[data-testid="stSidebarNav"]').get_by_text("结果应用").click()
        page.get_by_text("已采纳方案：中档压减 20%").wait_for(timeout=60_000)
        page.wait_for_timeout(1000)
        restarted_total = _visible_metric(page, "压减合计")
        page.screenshot(path=str(tmp_path / "cuts_after_restart.png"), full_page=True)
        text = _main_text(page)
        browser.close()
    print(f"screenshots: {tmp_path}")
    assert shown_before == fmt.money(before) and shown_after == fmt.money(after) != shown_before
    assert restarted_total == fmt.money(after)
    assert "Traceback" not in text
    assert Decimal(0) < before < after
