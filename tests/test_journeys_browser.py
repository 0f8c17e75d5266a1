"""Settings survive every journey, in Chromium: change a value on each page with settings, walk through every other
page, come back (the value is there and Start/Run still works); reload; the browser's back and forward; a copied
link in a fresh browser; a link with garbage gets a note per value. One server and one browser for the module,
and tiny settings throughout: CI has two cores."""
from __future__ import annotations

import re
import shutil
import time
from urllib.parse import parse_qs, urlparse

import pytest

from test_browser import _wait_value
from tests.helpers_browser import browser, server, settled  # noqa: F401  (fixtures)

pytestmark = pytest.mark.skipif(shutil.which("chromium") is None, reason="Debian's chromium is not installed")

# Each page with settings: a link with tiny settings to start from (so every run is seconds).
LAB = "/lab?vocab_subset=1000&probe_size=50&steps=20&snapshot_every=2"
DOWNSTREAM = "/downstream?students=random&tasks=tokens&seeds=1&steps=20&d_s=32&layers=1"
TINYBERT = "/tinybert?d_s=24&layers=1&steps=20"
INTERVIEW = "/interview"


def open_page(page, url: str) -> None:
    page.goto(url)
    settled(page)


def nav(page, path: str) -> None:
    """Go to a page the way a person does: its link in the sidebar's navigation (the session stays)."""
    links = page.locator('[data-testid="stSidebarNav"] a')
    links.nth(nav_paths(page).index(path)).click()
    page.wait_for_url(re.compile(rf":\d+/{path}(\?|$)"), timeout=60_000)
    settled(page)


def shows(page, read, expected, timeout: float = 15.0) -> bool:
    """The page shows the expected value within the timeout (a widget can draw its first frame before its value)."""
    end = time.monotonic() + timeout
    while read(page) != expected:
        if time.monotonic() > end:
            return False
        page.wait_for_timeout(200)
    return True


def query(page) -> dict:
    return {k: v[0] for k, v in parse_qs(urlparse(page.url).query).items()}


def nav_paths(page) -> list[str]:
    hrefs = page.locator('[data-testid="stSidebarNav"] a').evaluate_all("links => links.map(a => a.href)")
    return [urlparse(h).path.strip("/") for h in hrefs]


# -- what each page's value looks like, and how its Start/Run is checked -------------------------------------
def number_value(page, label: str) -> str:
    return page.get_by_role("spinbutton", name=label).input_value()


def set_number(page, label: str, value: str, url_name: str) -> None:
    """Type a value into a number box and wait until the page has taken it (the link carries it)."""
    box = page.get_by_role("spinbutton", name=label)
    box.fill(value)
    box.press("Enter")
    page.wait_for_function(f"() => location.search.includes('{url_name}={value}')", timeout=60_000)
    settled(page)


def lab_value(page) -> str:
    return number_value(page, "Student dimension d_s")


def set_lab(page) -> None:
    set_number(page, "Student dimension d_s", "24", "d_s")


def lab_runs(page) -> None:
    page.get_by_role("button", name=re.compile(r"^Start\b")).click()  # the lab's buttons carry their keys
    loss = page.locator('[data-testid="stMetric"]').filter(has_text="MSE loss").locator('[data-testid="stMetricValue"]')
    _wait_value(page, loss, lambda v: v is not None, 180)  # a loss point: the run started with these settings
    assert page.locator('[data-testid="stAlert"]').filter(has_text="must be").count() == 0


def downstream_value(page) -> bool:
    return page.get_by_role("radio", name="sequence").is_checked()


def run_downstream(page) -> None:
    """The form's submit (an estimate of the duration first, where the page asks for one), then Run."""
    estimate = page.get_by_role("button", name="Estimate how long it takes")
    if estimate.count():
        estimate.click()
        settled(page)
    page.get_by_role("button", name="Run the experiment").click()


def set_downstream(page) -> None:
    page.get_by_text("sequence", exact=True).click()
    run_downstream(page)
    page.get_by_text("What it showed", exact=True).wait_for(timeout=300_000)
    settled(page)


def started_then_stop(page) -> None:
    """The run started (its phase shows); stopped at once to spare the two cores."""
    page.get_by_text(re.compile("^Running")).wait_for(timeout=60_000)
    page.get_by_role("button", name="Stop").click()


def downstream_runs(page) -> None:
    run_downstream(page)
    started_then_stop(page)


def tinybert_value(page) -> bool:
    return page.locator('[data-testid="stCheckbox"]').filter(has_text="Shared W").locator("input").is_checked()


def set_tinybert(page) -> None:
    page.locator('[data-testid="stCheckbox"]').filter(has_text="Shared W").locator("label").first.click()
    page.get_by_role("button", name="Start", exact=True).click()
    page.get_by_text("What it showed", exact=True).wait_for(timeout=300_000)  # the teacher over the corpus, 20 steps
    settled(page)


def tinybert_runs(page) -> None:
    page.get_by_role("button", name="Start", exact=True).click()
    started_then_stop(page)


def interview_value(page) -> tuple[bool, int]:
    self_test = page.get_by_role("radio", name="Self-test").is_checked()
    return self_test, page.locator('[data-testid="stRadio"] input[type="radio"]:checked').count()


def set_interview(page) -> None:
    page.get_by_text("Self-test", exact=True).click()
    settled(page)
    first = page.locator('[data-testid="stRadio"]').nth(1)  # question 1 (the 0th is the mode)
    first.locator('[data-testid="stRadioOption"]').first.click()
    page.wait_for_function("() => location.search.includes('q_')", timeout=60_000)
    settled(page)
    page.get_by_role("button", name="Check my answers").click()
    page.locator('[data-testid="stMetricLabel"]').filter(has_text="Score").wait_for(timeout=60_000)


def interview_runs(page) -> None:
    page.get_by_role("button", name="Check my answers").click()
    page.locator('[data-testid="stMetricLabel"]').filter(has_text="Score").wait_for(timeout=60_000)


def concepts_value(page) -> str:
    return number_value(page, "tokens n")


def set_concepts(page) -> None:
    set_number(page, "tokens n", "7", "n")


def concepts_runs(page) -> None:
    page.get_by_text(re.compile(r"E_s \(7, 128\)")).first.wait_for(timeout=60_000)  # the shapes use the kept n


PAGES = {  # path: (start link, set a value, read it, the value set, its Start/Run)
    "lab": (LAB, set_lab, lab_value, "24", lab_runs),
    "downstream": (DOWNSTREAM, set_downstream, downstream_value, True, downstream_runs),
    "tinybert": (TINYBERT, set_tinybert, tinybert_value, False, tinybert_runs),
    "interview": (INTERVIEW, set_interview, interview_value, (True, 2), interview_runs),
    "concepts": ("/concepts", set_concepts, concepts_value, "7", concepts_runs),
}
RESULTS = {"downstream": "What it showed", "tinybert": "What it showed", "interview": "Score"}


@pytest.mark.parametrize("path", list(PAGES))
def test_settings_and_results_survive_every_journey(server, browser, path):
    start, set_value, read, expected, runs = PAGES[path]
    context = browser.new_context(viewport={"width": 1400, "height": 1400})
    page = context.new_page()
    try:
        open_page(page, server + start)
        set_value(page)
        assert shows(page, read, expected)
        link = query(page)
        # Every other page, then back: the value, the link and the result are there, and Start/Run still works.
        for other in nav_paths(page):
            if other != path:
                nav(page, other)
                assert not set(query(page)) & set(link), f"{other} wrote {path}'s settings into its URL"
        nav(page, path)
        assert shows(page, read, expected), f"{path} lost its setting after a walk through the app"
        assert query(page) == link, f"{path}'s link changed"
        if path in RESULTS:
            assert page.get_by_text(RESULTS[path], exact=True).count() >= 1, f"{path} lost its result"
        runs(page)
        # The browser's back and forward buttons.
        nav(page, "")
        page.go_back()
        page.wait_for_url(re.compile(rf"/{path}(\?|$)"), timeout=60_000)
        settled(page)
        assert shows(page, read, expected), "back lost the setting"
        page.go_forward()
        settled(page)
        page.go_back()
        page.wait_for_url(re.compile(rf"/{path}(\?|$)"), timeout=60_000)
        settled(page)
        assert shows(page, read, expected), "back, forward, back lost the setting"
        # A reload (a new session: the URL carries the settings).
        page.reload()
        settled(page)
        assert shows(page, read, expected), "a reload lost the setting"
        copied = page.url
    finally:
        context.close()
    # The copied link in a fresh browser context.
    fresh = browser.new_context(viewport={"width": 1400, "height": 1400})
    try:
        page = fresh.new_page()
        open_page(page, copied)
        assert shows(page, read, expected), f"the copied link {copied} opened other settings"
    finally:
        fresh.close()


GARBAGE = {  # a link with garbage: one note per value that cannot be used as given
    "lab": ("d_s=abc&steps=-5&lr=nan&target=%3Cscript%3E", ["d_s=abc is not a whole number", "steps=-5 is below 1",
                                                          "lr=nan is not a number", "target=<script> is not one of"]),
    "downstream": ("seeds=9&d_s=7&students=random,bogus", ["seeds=9 is over the largest value of 5",
                                                         "d_s=7 is not one of", "students=random,bogus is not"]),
    "tinybert": ("w_a=5000&shared=maybe", ["w_a=5000.0 is over the largest value of 1000.0",
                                           "shared=maybe is not true or false"]),
    "interview": ("mode=Exam", ["mode=Exam is not one of Study, Self-test"]),
    "concepts": ("n=abc&d_s=0", ["n=abc is not a whole number", "d_s=0 is below 1"]),
}


@pytest.mark.parametrize("path", list(GARBAGE))
def test_a_link_with_garbage_gets_a_note_per_value(server, browser, path):
    params, notes = GARBAGE[path]
    context = browser.new_context(viewport={"width": 1400, "height": 1400})
    page = context.new_page()
    try:
        open_page(page, f"{server}/{path}?{params}")
        shown = " ".join(page.locator('[data-testid="stAlert"]').all_inner_texts())
        for note in notes:
            assert note in shown, (note, shown)
    finally:
        context.close()
