"""汇报模式 in a real headless Chromium at 1920×1080, as on the meeting-room projector: no sidebar or toolbar, the
first screen's headline figures, the → key brings the next screen (the grades chart), ← goes back. Screenshots go
to pytest's tmp dir."""

import shutil

import pytest
from playwright.sync_api import sync_playwright

from tests.test_browser import CHROMIUM, CHROMIUM_ARGS, _streamlit

pytestmark = pytest.mark.browser
SCREEN = {"width": 1920, "height": 1080}


@pytest.fixture
def meeting_server(sample_db_path, tmp_path):
    path = tmp_path / "budget_perf.duckdb"
    shutil.copy(sample_db_path, path)
    with _streamlit(path, tmp_path) as url:
        yield url


def test_presentation_mode_at_1920_moves_with_the_arrow_keys(meeting_server, tmp_path):
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        page = browser.new_page(viewport=SCREEN, locale="zh-CN")
        page.goto(meeting_server)
        page.get_by_role("button", name="以领导只读身份体验").or_(
            page.get_by_role("button", name="以只读身份体验")).first.click()
        page.locator('[data-testid="stSidebarNav"]').get_by_text("汇报模式").click()
        page.get_by_text("2015 年度总体情况").wait_for(timeout=60_000)
        page.get_by_text("9.95 亿元").wait_for(timeout=30_000)
        page.wait_for_timeout(1500)
        first = page.locator('[data-testid="stMain"]').inner_text()
        sidebar_visible = page.locator('[data-testid="stSidebar"]').is_visible()
        toolbar_visible = page.locator('[data-testid="stToolbar"]').is_visible()
        page.screenshot(path=str(tmp_path / "present_1_headline.png"))

        page.mouse.click(960, 1000)  # the page has the focus (not the address bar), as after a click on the screen
        page.keyboard.press("ArrowRight")
        page.get_by_text("2015 年度评价等级分布").first.wait_for(timeout=30_000)
        page.locator('[data-testid="stPlotlyChart"] .bars .point path').first.wait_for(timeout=30_000)
        page.wait_for_timeout(1500)
        second = page.locator('[data-testid="stMain"]').inner_text()
        shot = tmp_path / "present_2_grades.png"
        page.screenshot(path=str(shot))
        tick = page.locator('[data-testid="stPlotlyChart"] .xtick text').first
        tick_size = tick.evaluate("e => parseFloat(getComputedStyle(e).fontSize)")
        tick_fill = tick.evaluate("e => getComputedStyle(e).fill")

        page.keyboard.press("ArrowLeft")
        page.get_by_text("2015 年度总体情况").wait_for(timeout=30_000)
        page.wait_for_timeout(800)
        back = page.locator('[data-testid="stMain"]').inner_text()

        for _ in range(6):  # on to 结果应用: the adopted scenario's totals beside its waterfall
            page.keyboard.press("ArrowRight")
            page.wait_for_timeout(700)
        page.get_by_text("2015 年度结果应用：下年预算压减").wait_for(timeout=30_000)
        page.locator('[data-testid="stPlotlyChart"] .trace.bars').first.wait_for(timeout=30_000)
        page.wait_for_timeout(1500)
        cuts = page.locator('[data-testid="stMain"]').inner_text()
        page.screenshot(path=str(tmp_path / "present_7_cuts.png"))
        browser.close()
    print(f"screenshots: {tmp_path}")
    assert not sidebar_visible and not toolbar_visible
    for expected in ("121 家", "793 个", "9.95 亿元", "8.32 亿元", "83.62%", "49%", "数据截至", "示例数据", "1 / 8"):
        assert expected in first
    assert "2 / 8" in second and "2015 年度评价等级分布" in second and "示例数据" in second
    assert "1 / 8" in back
    assert "7 / 8" in cuts and "申报总额" in cuts and "安排总额" in cuts
    assert tick_size >= 16 and tick_fill in ("rgb(17, 17, 17)", "#111111")
    assert shot.stat().st_size > 30_000
    assert "Traceback" not in first + second
