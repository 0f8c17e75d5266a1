"""A watch link in Chromium (issue 20): a presenter and a viewer in separate browser contexts (separate sessions).

The presenter's run is long (STEPS) and the presenter pauses and resumes it, so the test never races the run's speed:
the viewer must keep following a run that trains, reach the presenter's numbers once it is paused, and follow it
again once it resumes (both changes of the viewer's pace). The viewer's page records each change of its Step tile
with its time, and a failure prints that record.
"""
from __future__ import annotations

import re
import time

import pytest

from tests.helpers_browser import CONNECTED, ROOT, app_server, chromium_browser

ARTIFACTS = ROOT / "test-artifacts"
STEPS = 100_000  # never reached: the presenter pauses the run
QUERY = f"vocab_subset=3000&d_s=32&probe_size=200&snapshot_every=2&steps={STEPS}&stop_tol=0&seed=3"
CODE = re.compile(r"/lab\?watch=([a-z0-9]+)")
STEP_LOG = """
window.__steps = [];
const t0 = Date.now();
new MutationObserver(() => {
  const tile = [...document.querySelectorAll('[data-testid="stMetric"]')].find((m) => m.innerText.includes("Step"));
  const value = tile && tile.querySelector('[data-testid="stMetricValue"]');
  const text = value ? value.innerText : null;
  const log = window.__steps;
  if (!log.length || log[log.length - 1][1] !== text) log.push([(Date.now() - t0) / 1000, text]);
}).observe(document, {subtree: true, childList: true, characterData: true});
"""


@pytest.fixture()
def server():
    with app_server() as url:
        yield url


def value(page, label: str) -> str:
    """A tile's value as shown now ("" without the tile); read without waiting for a tile being redrawn."""
    texts = (page.locator('[data-testid="stMetric"]').filter(has_text=label)
             .locator('[data-testid="stMetricValue"]').all_inner_texts())
    return texts[0].strip() if texts else ""


def step(page) -> int | None:
    text = value(page, "Step").replace(",", "")
    return int(text) if text.isdigit() else None


def standing(page) -> int | None:
    """The step, once it stays the same for a second and a half."""
    before = step(page)
    page.wait_for_timeout(1500)
    return before if before is not None and step(page) == before else None


def wait_until(page, ok, timeout: float, what: str, viewer=None):
    """ok()'s first value that is not None or False; else a failure naming what was awaited and, for the viewer,
    its Step tile's last changes (seconds since the page opened, text)."""
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        got = ok()
        if got is not None and got is not False:
            return got
        page.wait_for_timeout(250)
    seen = f"; the viewer's Step tile changed at {viewer.evaluate('window.__steps')[-12:]}" if viewer else ""
    raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}{seen}")


def press(page, name: str) -> None:
    page.get_by_role("button", name=re.compile(rf"^{name}\b")).click(timeout=60_000)


def test_presenter_and_viewer(server):
    ARTIFACTS.mkdir(exist_ok=True)
    with chromium_browser() as browser:
        presenter = browser.new_context(viewport={"width": 1280, "height": 720}).new_page()
        presenter.goto(f"{server}/lab?{QUERY}")
        presenter.wait_for_selector(CONNECTED, timeout=60_000)
        # Start once the page has drawn to its end (a click while the page's first run is still drawing can be lost)
        presenter.get_by_text("What it showed").wait_for(timeout=60_000)
        presenter.wait_for_timeout(1000)
        press(presenter, "Start")
        wait_until(presenter, lambda: step(presenter), 400, "the presenter's first point")
        # The watch link sits in the Share dialog, beside Copy link and the page's QR code.
        presenter.get_by_role("button", name=re.compile("Share this page")).click()
        dialog = presenter.get_by_role("dialog")
        dialog.get_by_text("Watch link").wait_for(timeout=30_000)
        code = wait_until(presenter, lambda: (m := CODE.search(dialog.inner_text())) and m.group(1), 30,
                          "the watch link in the Share dialog")
        presenter.wait_for_timeout(500)
        presenter.screenshot(path=str(ARTIFACTS / "watch_share_dialog.png"))
        assert len(code) >= 6 and dialog.locator("img").count() >= 2  # the page's QR and the watch link's
        presenter.keyboard.press("Escape")

        context = browser.new_context(viewport={"width": 1280, "height": 720})
        context.add_init_script(STEP_LOG)
        viewer = context.new_page()
        viewer.goto(f"{server}/lab?watch={code}")
        viewer.wait_for_selector(CONNECTED, timeout=60_000)
        viewer.get_by_text(f"You are watching the presenter's run (code {code})").wait_for(timeout=60_000)
        # Live: the viewer's step moves on, again and again, while the presenter's run trains.
        shown = wait_until(viewer, lambda: step(viewer), 120, "a step on the viewer's page", viewer)
        for _ in range(3):
            shown = wait_until(viewer, lambda: (s := step(viewer)) is not None and s > shown and s, 60,
                               f"the viewer's step to move on from {shown:,}", viewer)
        viewer.wait_for_selector(".live-chart.js-plotly-plot", state="attached", timeout=60_000)
        viewer.screenshot(path=str(ARTIFACTS / "watch_viewer.png"))
        # Read-only: no Start, Pause, Step, Reset, no settings in the sidebar.
        for name in ("Start", "Pause", "Resume", "Step", "Reset"):
            assert viewer.locator(".stButton button").filter(has_text=re.compile(rf"^{name}\b")).count() == 0
        assert viewer.locator('[data-testid="stSidebar"] [data-testid="stNumberInput"]').count() == 0
        assert viewer.locator(".stButton button").filter(has_text="Run my own copy").first.is_visible()
        viewer.keyboard.press("s")  # the lab's Start key does nothing here

        # The presenter pauses: the viewer ends on the presenter's numbers, and may step through the replay.
        press(presenter, "Pause")
        paused = wait_until(presenter, lambda: standing(presenter), 60, "the presenter's run to stand still")
        wait_until(viewer, lambda: step(viewer) == paused, 30, f"the viewer to reach the paused step {paused:,}",
                   viewer)
        wait_until(viewer, lambda: value(viewer, "MSE loss") == value(presenter, "MSE loss"), 15,
                   "the viewer's loss to equal the presenter's", viewer)
        assert value(viewer, "MSE loss") not in ("", "—")
        assert viewer.get_by_text("paused").count() >= 1
        frame = viewer.get_by_role("button", name=re.compile("Frame"))
        wait_until(viewer, lambda: frame.count() == 2 and frame.first.is_enabled(), 15, "the replay's buttons")
        viewer.screenshot(path=str(ARTIFACTS / "watch_viewer_paused.png"))

        # The presenter resumes: the viewer, polling at its idle pace meanwhile, follows the run again.
        press(presenter, "Resume")
        wait_until(viewer, lambda: (s := step(viewer)) is not None and s > paused, 60,
                   f"the viewer's step to move on from the paused {paused:,}", viewer)
        press(presenter, "Pause")
        assert viewer.locator('[data-testid="stException"]').count() == 0
        assert presenter.locator('[data-testid="stException"]').count() == 0

        wrong = browser.new_context().new_page()
        wrong.goto(f"{server}/lab?watch=zzzzzzzz")
        wrong.get_by_text("No run is shared under the code 'zzzzzzzz'").wait_for(timeout=60_000)
