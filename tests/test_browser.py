"""End to end in a real browser: Debian's Chromium, driven by Playwright, against `streamlit run app.py`."""
from __future__ import annotations

import re
import time

import pytest

from tests.helpers_browser import CONNECTED, ROOT, app_server, chromium_browser
ARTIFACTS = ROOT / "test-artifacts"
# A small run on the real bundled teacher: 3,000 vocabulary rows, d_s = 32, 200 probe tokens.
POINTS = "() => document.querySelectorAll('.js-plotly-plot .scatterlayer .point').length > 100"
STEPS = 100_000  # far more than the test lets it take: the run is still training when the test pauses it
LAB_QUERY = f"vocab_subset=3000&d_s=32&probe_size=200&snapshot_every=2&steps={STEPS}&stop_tol=0"


def _number(text: str) -> float | None:
    m = re.search(r"[-+]?\d*\.?\d+(?:[eE][-+]?\d+)?", text or "")
    return float(m.group()) if m else None


@pytest.fixture()
def server():
    with app_server() as url:
        yield url


def test_lab_in_chromium(server):
    ARTIFACTS.mkdir(exist_ok=True)
    with chromium_browser() as browser:
        page = browser.new_page(viewport={"width": 1500, "height": 2300})
        sent: list[float] = []  # messages from the browser to the server
        page.on("websocket", lambda ws: ws.on("framesent", lambda f: sent.append(time.monotonic())))
        page.goto(f"{server}/lab?{LAB_QUERY}")
        page.wait_for_selector(CONNECTED, timeout=60_000)
        page.get_by_role("button", name=re.compile(r"^Start\b")).click(timeout=60_000)
        loss = page.locator('[data-testid="stMetric"]').filter(has_text="MSE loss") \
            .locator('[data-testid="stMetricValue"]')
        first = _wait_value(page, loss, lambda v: v is not None, 120)
        lower = _wait_value(page, loss, lambda v: v is not None and v < first, 120)
        assert lower < first
        # The map has drawn points (plotly scatter markers) and the loss plot a curve.
        page.wait_for_function(POINTS, timeout=60_000)
        page.wait_for_timeout(1500)
        page.wait_for_function(POINTS, timeout=60_000)
        page.screenshot(path=str(ARTIFACTS / "lab.png"))  # not full_page: resizing makes plotly redraw
        assert page.locator('[data-testid="stException"]').count() == 0
        # Paused, the map replays the run: a slider and a play button.
        page.get_by_role("button", name=re.compile(r"^Pause\b")).click()
        page.wait_for_selector(".js-plotly-plot .slider-container", timeout=60_000)
        page.wait_for_timeout(1500)
        page.wait_for_function(POINTS, timeout=60_000)
        page.locator('.live-chart[data-key="map"]').screenshot(path=str(ARTIFACTS / "lab_replay.png"))
        # Paused, the page shows the step it stopped at and stops polling the server; Step shows one more.
        caption = page.get_by_text(re.compile(rf"^Step [\d,]+ of {STEPS:,}"))
        before = int(re.search(r"Step ([\d,]+)", caption.inner_text()).group(1).replace(",", ""))
        assert len(sent) > 5  # while training, the live view asked for its reruns
        quiet_from = len(sent)
        page.wait_for_timeout(3000)
        assert len(sent) == quiet_from, "a paused page kept asking the server for reruns"
        page.get_by_role("button", name=re.compile(r"^Step\b")).click()
        page.get_by_text(re.compile(rf"^Step {before + 1:,} of {STEPS:,}")).wait_for(timeout=60_000)


def _wait_value(page, locator, ok, timeout: float) -> float:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if locator.count():
            value = _number(locator.first.inner_text())
            if ok(value):
                return value
        page.wait_for_timeout(300)
    raise AssertionError(f"the MSE loss metric never satisfied the condition (last: {locator.all_inner_texts()})")


UPLOAD_QUERY = "target=sequence&corpus=upload&d_s=16&steps=30&snapshot_every=2&probe_size=50"


def test_uploads_in_chromium(server, tmp_path):
    """Files go through the browser's real upload path: a non-UTF-8 file and a file over the size limit are
    answered in words, a good file trains."""

    bad = tmp_path / "latin1.txt"
    bad.write_bytes("café crème brûlée\n".encode("latin-1"))
    huge = tmp_path / "huge.txt"
    huge.write_bytes(b"a b c\n" * (6 * 1024 * 1024 // 6))  # 6 MB, over the 5 MB limit
    good = tmp_path / "good.txt"
    good.write_text("the cat sat on the mat\nthe dog ran home\n", encoding="utf-8")
    with chromium_browser() as browser:
        page = browser.new_page(viewport={"width": 1400, "height": 1400})
        page.goto(f"{server}/lab?{UPLOAD_QUERY}")
        page.wait_for_selector(CONNECTED, timeout=60_000)
        box = page.locator('[data-testid="stFileUploaderDropzoneInput"]')
        box.wait_for(state="attached", timeout=60_000)
        sidebar = page.locator('[data-testid="stSidebar"]')
        box.set_input_files(str(bad))
        sidebar.get_by_text("not UTF-8").wait_for(timeout=60_000)
        box.set_input_files(str(huge))
        sidebar.get_by_text("File must be 5.0MB or smaller").wait_for(timeout=60_000)  # the browser refuses it
        box.set_input_files(str(good))
        sidebar.get_by_text("2 sentences").wait_for(timeout=60_000)
        page.get_by_role("button", name=re.compile(r"^Start\b")).click()
        loss = page.locator('[data-testid="stMetric"]').filter(has_text="MSE loss") \
            .locator('[data-testid="stMetricValue"]')
        _wait_value(page, loss, lambda v: v is not None, 120)
        assert page.locator('[data-testid="stException"]').count() == 0
        page.screenshot(path=str(ARTIFACTS / "lab_upload.png"))
