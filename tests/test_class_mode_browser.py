"""Class mode in Chromium at a projector's 1280x720: the lesson walked by keyboard alone (Right, PageDown, Space,
Left, PageUp change the step and the address; every step fits the window; a training step trains), the presenter
view (present=1 persists to another page, hides the sidebar, body text >= 20 px), and Back/Forward walking the pages
in the order visited with their settings. One server and one browser for the module; tiny lab settings."""
from __future__ import annotations

import os
import re
import shutil
import time
from urllib.parse import parse_qs, urlparse

import pytest

from tests.helpers_browser import browser, server, settled  # noqa: F401  (fixtures)

pytestmark = pytest.mark.skipif(shutil.which("chromium") is None, reason="Debian's chromium is not installed")

VIEW = {"width": 1280, "height": 720}
TINY_LAB = "/lab?vocab_subset=1000&probe_size=50&steps=400&snapshot_every=2&stop_tol=0"
SHOTS = os.environ.get("LESSON_SHOTS")  # a folder: keep a screenshot of each step there


def query(page) -> dict:
    return {k: v[0] for k, v in parse_qs(urlparse(page.url).query).items()}


def path(page) -> str:
    u = urlparse(page.url)
    return u.path + (f"?{u.query}" if u.query else "")


def overflow(page) -> int:
    """How many px the page would scroll: the largest of the document's and Streamlit's scroll containers'."""
    return page.evaluate("""() => Math.max(
        document.documentElement.scrollHeight - window.innerHeight,
        ...[...document.querySelectorAll('[data-testid="stMain"], [data-testid="stAppViewContainer"]')]
            .map(e => e.scrollHeight - e.clientHeight))""")


def title(page) -> str:
    return page.locator(".st-key-lesson_head h3").first.inner_text().strip()


def step_shown(page) -> str:
    return page.locator(".st-key-lesson_counter p").first.inner_text().strip()


def metric(page, label: str) -> str:
    tile = page.locator('[data-testid="stMetric"]', has=page.locator('[data-testid="stMetricLabel"]', has_text=label))
    return tile.locator('[data-testid="stMetricValue"]').first.inner_text().strip()


def press(page, key: str, expect_step: int, timeout: float = 30.0) -> None:
    """A key with the focus on the page's body (no widget focused), then wait for the step to show."""
    page.evaluate("() => document.activeElement && document.activeElement.blur()")
    page.keyboard.press(key)
    end = time.monotonic() + timeout
    while step_shown(page) != f"{expect_step} / 11":
        assert time.monotonic() < end, f"{key} did not reach step {expect_step} (shows {step_shown(page)})"
        page.wait_for_timeout(200)
    settled(page)


def wait_chart(page, key: str, timeout: float = 240.0) -> None:
    """A step computed once per server (the sweep, the downstream run) shows its chart when it is ready."""
    page.wait_for_selector(f'.st-key-{key} .js-plotly-plot, .st-key-{key}', timeout=timeout * 1000)
    end = time.monotonic() + timeout
    while page.locator('.js-plotly-plot').count() == 0:
        assert time.monotonic() < end, f"{key} never drew its chart"
        page.wait_for_timeout(500)
    settled(page)


def test_lesson_by_keyboard_alone(server, browser):
    page = browser.new_page(viewport=VIEW)
    try:
        # The lab's tiny settings first (same session), so the lesson's run takes seconds: the lesson trains the
        # lab's own run, with the lab's settings.
        page.goto(server + TINY_LAB + "&present=1")
        settled(page)
        page.locator(".st-key-presenter_sidebar_button button").first.click()  # the sidebar, hidden while presenting
        page.wait_for_selector('[data-testid="stSidebar"]', state="visible", timeout=30_000)
        nav(page, "Lesson")
        page.locator(".st-key-presenter_sidebar_button button").first.click()  # and away again for the walk
        page.wait_for_selector('[data-testid="stSidebar"]', state="hidden", timeout=30_000)
        settled(page)
        assert step_shown(page) == "1 / 11" and "step" not in query(page)
        keys = ["ArrowRight", "PageDown", "Space", "ArrowRight", "PageDown", "Space", "ArrowRight", "PageDown",
                "Space", "ArrowRight"]
        for n, key in enumerate(keys, start=2):
            press(page, key, n)
            assert query(page).get("step") == str(n), (key, page.url)
            if n == 4:  # arriving on the first training step started its run: the step counter moves
                end = time.monotonic() + 120
                while not re.match(r"\d+ / 400", metric(page, "Step")) or int(metric(page, "Step").split()[0]) < 4:
                    assert time.monotonic() < end, f"the run did not train (Step shows {metric(page, 'Step')})"
                    page.wait_for_timeout(500)
                first = int(metric(page, "Step").split()[0])
                page.wait_for_timeout(3000)
                assert int(metric(page, "Step").split()[0]) > first, "the step counter did not move"
            if n == 8:
                wait_chart(page, "lesson_body")
            if n == 10:
                wait_chart(page, "lesson_body")
            page.wait_for_timeout(600)  # charts laid out
            if overflow(page) > 1 and SHOTS:
                page.screenshot(path=f"{SHOTS}/lesson_step{n:02d}_overflow.png")
            assert overflow(page) <= 1, f"step {n} ({title(page)}) scrolls by {overflow(page)} px at 1280x720"
            if SHOTS:
                page.screenshot(path=f"{SHOTS}/lesson_step{n:02d}.png")
        press(page, "ArrowLeft", 10)
        assert query(page)["step"] == "10"
        press(page, "PageUp", 9)
        assert query(page)["step"] == "9"
        # A reload keeps the step (the address carries it).
        page.reload()
        settled(page)
        assert step_shown(page) == "9 / 11"
    finally:
        page.close()


def test_presenter_view_persists_hides_the_sidebar_and_sizes_text_for_a_room(server, browser):
    page = browser.new_page(viewport=VIEW)
    try:
        page.goto(server + "/concepts?present=1")
        settled(page)
        assert page.evaluate("document.documentElement.classList.contains('presenter-view')")
        assert not page.locator('[data-testid="stSidebar"]').is_visible()
        body_px = page.evaluate("""() => Math.min(...[...document.querySelectorAll(
            '[data-testid="stMain"] [data-testid="stMarkdownContainer"] p, [data-testid="stMain"] [data-testid="stCaptionContainer"]')]
            .filter(e => e.offsetParent !== null).map(e => parseFloat(getComputedStyle(e).fontSize)))""")
        assert body_px >= 20, f"body text {body_px} px in the presenter view"
        # Another page, by the in-app navigation: the sidebar button brings the sidebar (and its links) back.
        page.locator(".st-key-presenter_sidebar_button button").first.click()
        page.wait_for_selector('[data-testid="stSidebar"]', state="visible", timeout=30_000)
        page.locator('[data-testid="stSidebarNav"] a', has_text="Interview prep").first.click()
        page.wait_for_url(re.compile(r"/interview"), timeout=60_000)
        settled(page)
        assert query(page).get("present") == "1"
        assert page.evaluate("document.documentElement.classList.contains('presenter-view')")
        # The focus ring is thick and high-contrast.
        page.keyboard.press("Tab")
        ring = page.evaluate("() => getComputedStyle(document.activeElement).outlineWidth")
        assert float(ring.rstrip("px") or 0) >= 3
        # Off again from the toggle: the address and the class follow.
        page.locator(".st-key-presenter_toggle label").click()
        page.wait_for_timeout(800)
        settled(page)
        assert "present" not in query(page)
        assert not page.evaluate("document.documentElement.classList.contains('presenter-view')")
    finally:
        page.close()


def nav(page, label: str) -> None:
    page.locator('[data-testid="stSidebarNav"] a', has_text=label).first.click()
    page.wait_for_timeout(400)
    settled(page)


def test_back_and_forward_walk_the_pages_in_the_order_visited(server, browser):
    """Lab (d_s 64) -> Concepts -> Lab, then Back: Concepts, then the Lab with d_s 64; Forward retraces it.
    Before the fix a query-string write after a page switch pushed a second entry (/lab, then /lab?d_s=64), so Back
    from the lab landed on the lab."""
    page = browser.new_page(viewport=VIEW)
    try:
        page.goto(server + "/")
        settled(page)
        nav(page, "Live lab")
        box = page.locator(".st-key-lab_d_s input").first
        box.fill("64")
        box.press("Enter")
        end = time.monotonic() + 30
        while query(page).get("d_s") != "64":
            assert time.monotonic() < end, page.url
            page.wait_for_timeout(200)
        settled(page)
        nav(page, "Concepts")
        nav(page, "Live lab")
        assert path(page) == "/lab?d_s=64"
        walk = []
        for _ in range(3):
            page.go_back()
            page.wait_for_timeout(800)
            settled(page)
            walk.append(path(page))
        assert walk == ["/concepts", "/lab?d_s=64", "/"], walk
        assert page.locator('[data-testid="stSidebarNav"] a').count() > 0
        walk = []
        for _ in range(3):
            page.go_forward()
            page.wait_for_timeout(800)
            settled(page)
            walk.append(path(page))
        assert walk == ["/lab?d_s=64", "/concepts", "/lab?d_s=64"], walk
        assert page.locator(".st-key-lab_d_s input").first.input_value() == "64"
    finally:
        page.close()


def test_share_dialog_has_a_large_qr_and_copies_the_full_link(server, browser):
    context = browser.new_context(viewport=VIEW, permissions=["clipboard-read", "clipboard-write"])
    page = context.new_page()
    try:
        page.goto(server + "/lesson?step=3&present=1")
        settled(page)
        page.locator(".st-key-lesson_share button").first.click()
        qr = page.locator('[role="dialog"] img').first
        qr.wait_for(timeout=30_000)
        box = qr.bounding_box()
        assert box["width"] >= 300 and box["height"] >= 300, box
        page.locator('[role="dialog"] button', has_text="Copy link").first.click()
        page.wait_for_timeout(500)
        copied = page.evaluate("navigator.clipboard.readText()")
        assert urlparse(copied).netloc == urlparse(server).netloc and path(page) == urlparse(copied).path + "?" + \
            urlparse(copied).query, copied
        assert query(page) == {"step": "3", "present": "1"}
        assert page.locator('[role="dialog"] code').first.inner_text().strip() == copied  # the QR's link, shown
    finally:
        context.close()
