"""Log axes as Chromium draws them: every tick label on a log axis of the lab and the sweep is its tick's value
written in full (no bare mantissa, "2" or "5", that reads as a value of its own), and the values rise along the axis.

The test reads the drawn tick texts (the ``.xtick``/``.ytick`` text elements plotly writes, and their secondary
axes' ``.y2tick`` ...) with the value d3 bound to each, and looks the axis up in the chart's own layout."""
from __future__ import annotations

import re

import pytest

from labui import figure_export as export_figures
from tests.helpers_browser import CONNECTED, ROOT, app_server, chromium_browser

ARTIFACTS = ROOT / "test-artifacts"
LAB = "vocab_subset=3000&d_s=32&probe_size=200&snapshot_every=2&steps=30&stop_tol=0"

LOG_TICKS = """() => {
  const out = [];
  for (const gd of document.querySelectorAll('.js-plotly-plot')) {
    const full = gd._fullLayout;
    if (!full) continue;
    const title = ((gd.querySelector('.gtitle') || {}).textContent || '(untitled)').slice(0, 50);
    for (const t of gd.querySelectorAll('g[class$="tick"] > text')) {
      const id = t.parentNode.getAttribute('class').replace(/tick$/, '');  // x, y, x2, y2...
      if (!/^[xy]\\d*$/.test(id)) continue;
      const ax = full[id[0] + 'axis' + id.slice(1)];
      if (!ax || ax.type !== 'log' || !t.textContent.trim() || getComputedStyle(t).display === 'none') continue;
      out.push({title, axis: id, text: t.textContent, at: Math.pow(10, t.__data__.x)});
    }
  }
  return out;
}"""


def number(text: str) -> float:
    t = text.replace("\u2212", "-").replace(",", "").replace("\u00d7", "x").strip()
    m = re.fullmatch(r"(-?[\d.]+)(?:e([+-]?\d+)|x10\^?([+-]?\d+))?", t)
    assert m, f"tick label {text!r} is not a number written in full"
    exp = m.group(2) or m.group(3)
    return float(m.group(1)) * (10 ** int(exp) if exp else 1)


def check(ticks: list[dict], where: str) -> None:
    assert ticks, f"{where}: no log-axis tick labels drawn"
    by_axis: dict[tuple, list] = {}
    for t in ticks:
        value = number(t["text"])
        assert value == pytest.approx(t["at"], rel=0.02), \
            f"{where}, {t['title']} ({t['axis']}): the label {t['text']!r} stands at {t['at']:.4g}"
        by_axis.setdefault((t["title"], t["axis"]), []).append(value)
    for (title, axis), values in by_axis.items():
        assert len(values) >= 2, f"{where}, {title} ({axis}): one label only"
        ordered = sorted(values)
        assert ordered == sorted(set(ordered)), f"{where}, {title} ({axis}): a value written twice: {values}"


@pytest.fixture(scope="module")
def server():
    with app_server(LAB_UMAP="0") as url:
        yield url


def test_the_sweeps_log_axes_are_labelled_in_full(server):
    with chromium_browser() as browser:
        page = browser.new_page(viewport={"width": 1280, "height": 2400})
        page.goto(f"{server}/sweep")
        page.wait_for_selector(CONNECTED, timeout=60_000)
        page.wait_for_function("() => document.querySelectorAll('.js-plotly-plot .xtick').length >= 2",
                               timeout=120_000)
        page.wait_for_timeout(1500)
        ticks = page.evaluate(LOG_TICKS)
        check(ticks, "sweep")
        axes = {(t["title"][:20], t["axis"]) for t in ticks}
        assert any(a == "x" for _, a in axes) and any(a == "y" for _, a in axes)  # d_s and the floor


def test_the_labs_loss_axis_is_labelled_in_full(server):
    ARTIFACTS.mkdir(exist_ok=True)
    with chromium_browser() as browser:
        page = browser.new_page(viewport={"width": 1280, "height": 2400})
        page.goto(f"{server}/lab?{LAB}")
        page.wait_for_selector(CONNECTED, timeout=60_000)
        page.get_by_role("button", name=re.compile(r"^Start\b")).first.click(timeout=60_000)  # "Start" + its key
        page.get_by_text("● finished").wait_for(timeout=240_000)
        page.wait_for_function("() => [...document.querySelectorAll('.js-plotly-plot .gtitle')]"
                               ".some(t => t.textContent.startsWith('Loss falls'))", timeout=60_000)
        page.wait_for_timeout(1500)
        ticks = page.evaluate(LOG_TICKS)
        page.screenshot(path=str(ARTIFACTS / "lab_log_axes_1280.png"), full_page=True)
        check(ticks, "lab")
        assert any(t["title"].startswith("Loss falls") for t in ticks)
        # the export area gives the same slides as the CLI: a 16:9 PNG per figure and the map's GIF
        if export_figures.browser() is None:
            return
        from PIL import Image

        page.get_by_text("Export this run").click()
        for label, kind in (("Token map (PNG)", "PNG"), ("Map replay (GIF)", "GIF")):
            with page.expect_download(timeout=120_000) as download:
                page.get_by_role("button", name=label).click()
            with Image.open(download.value.path()) as im:
                assert im.format == kind and im.size == (1600, 900), (label, im.format, im.size)
                assert kind == "PNG" or im.n_frames == 16  # steps 0, 2, ..., 30: a frame per snapshot
