"""A fresh server's first page view, in Chromium: the sidebar never lists the pages by file name (Streamlit's legacy
multipage mode, which a folder named ``pages/`` beside app.py would switch on; the app's pages live in ``app_pages/``),
from the very first response on, whether the first request is Home or a deep link; the app's own page titles come
instead."""
from __future__ import annotations

import re
import time

import pytest

from helpers_browser import CONNECTED, app_server, chromium_browser

# Installed before any of the page's own scripts run: records every text the sidebar's navigation ever shows.
RECORD_NAV = """
window.__nav = [];
new MutationObserver(() => {
  const nav = document.querySelector('[data-testid="stSidebarNav"]');
  if (!nav) return;
  const items = [...nav.querySelectorAll('a, [data-testid="stSidebarNavLink"]')].map(a => a.textContent.trim());
  const key = JSON.stringify(items);
  if (window.__nav.length === 0 || JSON.stringify(window.__nav[window.__nav.length - 1]) !== key)
    window.__nav.push(items);
}).observe(document, {subtree: true, childList: true, characterData: true});
"""

FILE_NAMES = {"app", "concepts", "downstream", "glossary", "home", "interview", "lab", "lesson", "primer", "sweep",
              "tinybert"}
TITLE = "Embedding distillation, live"


def first_view(url: str, title: str = TITLE, shot: str = "first_paint") -> tuple[list[list[str]], float]:
    """Open url as a fresh server's first visitor; every sidebar navigation shown, and the seconds to the title."""
    with chromium_browser() as browser:
        page = browser.new_page(viewport={"width": 1280, "height": 720})
        page.add_init_script(RECORD_NAV)
        t0 = time.monotonic()
        page.goto(url)
        page.get_by_role("heading", name=title).wait_for(timeout=90_000)
        title_s = time.monotonic() - t0
        page.wait_for_selector(CONNECTED, timeout=30_000)
        page.wait_for_timeout(1500)  # a late navigation message would land here
        shown = page.evaluate("() => window.__nav")
        page.screenshot(path=f"test-artifacts/{shot}.png")
    return shown, title_s


@pytest.mark.parametrize("path, title", [("", TITLE), ("/lab?d_s=32&steps=40", "Live lab")],
                         ids=["home", "deep-link"])
def test_fresh_server_never_lists_pages_by_file_name(path, title):
    with app_server(LAB_PRELOAD="1") as url:  # as shipped: the warm-up starts after the first page
        shown, title_s = first_view(url + path, title, shot="first_paint" + ("_deep_link" if path else ""))
    print(f"{title!r} {title_s:.2f} s after the first request ({path or '/'}) on a fresh server")
    assert shown, "the sidebar's navigation was never drawn"
    every = {t for items in shown for t in items}
    assert not any(t.lower() in FILE_NAMES for t in every), f"pages listed by file name: {shown}"
    assert any("Home" in t for t in shown[0]) and any("Live lab" in t for t in shown[0]), shown[0]
