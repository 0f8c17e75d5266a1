"""What one redraw of a live chart costs Chromium: an update in place (the lab's live-chart component: new points
appended, a trace restyled, the map's points gliding) against a remount of the same chart (what a Streamlit
``st.plotly_chart`` whose figure changed does: a fresh plotly plot in a fresh element).

Starts the app (UMAP off), opens the lab at 1280x720, trains a run on the bundled teacher and reads the component's
own timings (``window.__liveChartTimes``: the script time of each update). At the same moments it draws each chart's
current figure afresh into a detached element with ``Plotly.newPlot`` (the remount) and times that, and reads
Chromium's own CPU counters (CDP ``Performance.getMetrics``: script and layout time) over the training.

    python benchmarks/bench_live_chart.py [--seconds 20] [--query "d_s=128"]

Prints medians per chart and their ratio, measured in one run; the machine's other load shows in them.
"""
from __future__ import annotations

import argparse
import statistics
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.helpers_browser import CONNECTED, app_server, launch_chromium  # noqa: E402

REMOUNT = """async (key) => {
  const gd = document.querySelector(`.live-chart[data-key="${key}"]`);
  if (!gd || !gd.data) return null;
  const host = document.createElement('div');
  host.style.cssText = `position:absolute; left:-5000px; top:0; width:${gd.clientWidth}px; height:${gd.clientHeight}px`;
  document.body.appendChild(host);
  const fig = {data: JSON.parse(JSON.stringify(gd.data)), layout: JSON.parse(JSON.stringify(gd.layout))};
  const t0 = performance.now();
  await Plotly.newPlot(host, fig.data, fig.layout, {responsive: true, displaylogo: false});
  const ms = performance.now() - t0;
  Plotly.purge(host); host.remove();
  return ms;
}"""


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--seconds", type=float, default=20.0, help="how long to sample while the run trains")
    ap.add_argument("--query", default="", help="extra lab settings, e.g. 'd_s=128'")
    args = ap.parse_args()
    from playwright.sync_api import sync_playwright

    query = "steps=100000&stop_tol=0" + (f"&{args.query}" if args.query else "")
    with app_server(LAB_UMAP="0") as url, sync_playwright() as p:
        browser = launch_chromium(p)
        page = browser.new_page(viewport={"width": 1280, "height": 720})
        cdp = page.context.new_cdp_session(page)
        cdp.send("Performance.enable")
        page.goto(f"{url}/lab?{query}")
        page.wait_for_selector(CONNECTED, timeout=120_000)
        page.get_by_role("button", name="Start").wait_for(timeout=120_000)
        page.wait_for_timeout(1000)
        page.keyboard.press("s")  # the Start key
        page.wait_for_function("() => ['loss','spectrum','map'].every(k => "
                               "document.querySelector(`.live-chart[data-key=\"${k}\"] .main-svg`))", timeout=180_000)
        page.wait_for_timeout(2000)
        page.evaluate("() => { window.__liveChartTimes.length = 0; }")
        before = {m["name"]: m["value"] for m in cdp.send("Performance.getMetrics")["metrics"]}
        remount: dict[str, list[float]] = {}
        waited = 0.0
        while waited < args.seconds:
            for key in ("loss", "spectrum", "map", "lab_words"):
                ms = page.evaluate(REMOUNT, key)
                if ms is not None:
                    remount.setdefault(key, []).append(ms)
            page.wait_for_timeout(1000)
            waited += 1.0
        after = {m["name"]: m["value"] for m in cdp.send("Performance.getMetrics")["metrics"]}
        times = page.evaluate("() => window.__liveChartTimes.slice()")
        browser.close()
    print(f"Chromium at 1280x720, {args.seconds:g} s of a run training (lab settings: {query}); medians, ms")
    print(f"{'chart':<10} {'updates':>7} {'kind':<8} {'in place':>9} {'remount':>8} {'ratio':>6}")
    for key in ("loss", "spectrum", "map", "lab_words"):
        mine = [t for t in times if t["key"] == key and t["kind"] in ("extend", "restyle", "glide")]
        if not mine or key not in remount:
            continue
        kinds = sorted({t["kind"] for t in mine})
        place = statistics.median(t["ms"] for t in mine)
        fresh = statistics.median(remount[key])
        print(f"{key:<10} {len(mine):>7} {'/'.join(kinds):<8} {place:>9.1f} {fresh:>8.1f} {fresh / place:>5.1f}x")
    span = after["Timestamp"] - before["Timestamp"]
    for name in ("ScriptDuration", "LayoutDuration", "RecalcStyleDuration", "TaskDuration"):
        print(f"Chromium {name}: {after[name] - before[name]:.2f} s over {span:.1f} s "
              "(includes the remount probes above)")


if __name__ == "__main__":
    main()
