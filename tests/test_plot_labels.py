"""Every label of the lab's plots lies inside its plot, at 1,400 px and at 1,000 px wide, in Chromium.

A finished run (so the map carries its replay slider and buttons) on the real bundled teacher; every visible SVG
text of each plotly chart (titles, axis titles, tick labels, legend entries, annotations, slider labels) must sit
within the chart's own box. Screenshots land in test-artifacts/ for a person to look at.
"""
from __future__ import annotations

import re

import pytest

from tests.helpers_browser import CONNECTED, ROOT, app_server, chromium_browser

ARTIFACTS = ROOT / "test-artifacts"
# A short run: 3,000 vocabulary rows, d_s = 32 (the spectrum's shaded part and its note), 200 probe tokens.
QUERY = "vocab_subset=3000&d_s=32&probe_size=200&snapshot_every=2&steps=40&stop_tol=0"

OUTSIDE = """() => {
  const bad = [];
  for (const plot of document.querySelectorAll('.js-plotly-plot')) {
    const box = plot.getBoundingClientRect();
    const title = (plot.querySelector('.gtitle') || {}).textContent || '(untitled)';
    for (const t of plot.querySelectorAll('svg text')) {
      const r = t.getBoundingClientRect(), style = getComputedStyle(t);
      if (!t.textContent.trim() || r.width === 0 || style.display === 'none' || style.visibility === 'hidden'
          || style.opacity === '0' || t.closest('.hoverlayer')) continue;
      if (r.left < box.left - 1 || r.right > box.right + 1 || r.top < box.top - 1 || r.bottom > box.bottom + 1)
        bad.push(`${title.slice(0, 40)}: "${t.textContent.slice(0, 50)}" at [${Math.round(r.left - box.left)}, ` +
                 `${Math.round(r.right - box.left)}] of ${Math.round(box.width)} px`);
    }
  }
  return bad;
}"""


@pytest.fixture()
def lab_server():
    with app_server(LAB_UMAP="0") as url:
        yield url


def test_every_plot_label_is_inside_its_plot(lab_server):
    ARTIFACTS.mkdir(exist_ok=True)
    with chromium_browser() as browser:
        page = browser.new_page(viewport={"width": 1400, "height": 2600})
        page.goto(f"{lab_server}/lab?{QUERY}")
        page.wait_for_selector(CONNECTED, timeout=60_000)
        page.get_by_role("button", name=re.compile(r"^Start\b")).click(timeout=60_000)  # its key beside it
        page.get_by_text("● finished").wait_for(timeout=180_000)
        for width in (1400, 1000):
            page.set_viewport_size({"width": width, "height": 2600})
            page.wait_for_function("() => document.querySelectorAll('.js-plotly-plot').length >= 5", timeout=60_000)
            page.wait_for_function("() => document.querySelector('.js-plotly-plot .slider-container') !== null",
                                   timeout=60_000)
            page.wait_for_timeout(2500)  # plotly redraws on resize
            page.screenshot(path=str(ARTIFACTS / f"lab_labels_{width}.png"), full_page=True)
            outside = page.evaluate(OUTSIDE)
            assert page.locator(".js-plotly-plot").count() == 5  # loss, spectrum, word rho, map, W_e
            assert not outside, f"at {width} px, labels outside their plot: " + "; ".join(outside)
