"""Time to first screen, per page, on a warm server: real `streamlit run app.py` and headless Chromium.

    python benchmarks/bench_pages.py [--pages concepts,sweep] [--repeat 1]

Warm means the teacher is already loaded (the benchmark opens the TinyBERT page, which needs it, and waits), and
the browser has Streamlit's own scripts in its cache (it opened another page of the app first), while the page's
own caches are cold: every page is timed once per fresh server process, as a new session. For each page it prints

  title    navigation -> the page's title drawn
  idle     navigation -> the first script run finished (Streamlit's running indicator gone for 0.5 s)

``--script-only`` times each page's first script run on the server alone (AppTest, in-process).
Nothing is asserted; times on a shared machine are upper bounds.
"""
from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "benchmarks"))
from load_test import free_port, wait_healthy  # noqa: E402  (same folder)
PAGES = {"home": "", "primer": "primer", "lab": "lab", "concepts": "concepts", "sweep": "sweep",
         "interview": "interview", "downstream": "downstream", "tinybert": "tinybert"}
RUNNING = "[data-testid='stStatusWidget'] :is(img, svg, button)"


def start_server() -> tuple[subprocess.Popen, str]:
    port = free_port()
    env = dict(os.environ, LAB_UMAP="0", TOKENIZERS_PARALLELISM="false")
    proc = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", "app.py", "--server.headless", "true", "--server.port", str(port),
         "--server.address", "127.0.0.1", "--browser.gatherUsageStats", "false"],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wait_healthy(port, proc, timeout=120.0)
    return proc, f"http://127.0.0.1:{port}"


def stop_server(proc: subprocess.Popen) -> None:
    proc.terminate()
    try:
        proc.wait(15)
    except subprocess.TimeoutExpired:
        proc.kill()


def wait_idle(page, quiet: float = 0.5, timeout: float = 600.0) -> float:
    """Seconds (monotonic) when the running indicator was last seen before ``quiet`` seconds without it."""
    end, last_busy = time.monotonic() + timeout, time.monotonic()
    while time.monotonic() < end:
        busy = page.locator(RUNNING).count() > 0
        now = time.monotonic()
        if busy:
            last_busy = now
        elif now - last_busy >= quiet:
            return last_busy
        time.sleep(0.05)
    return float("nan")


def open_page(browser, url: str, path: str) -> tuple[float, float]:
    ctx = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = ctx.new_page()
    try:
        # The browser's cache first (Streamlit's scripts and fonts, as after any earlier visit); the timed visit
        # below is still a new session of the server: the page's own per-session state starts empty.
        page.goto(f"{url}/_stcore/health")
        page.goto(f"{url}/primer" if path != "primer" else f"{url}/", wait_until="load")
        page.wait_for_selector("h1", timeout=120_000)
        wait_idle(page)
        t0 = time.monotonic()
        page.goto(f"{url}/{path}", wait_until="commit")
        page.wait_for_selector("[data-testid='stApp'][data-test-connection-state='CONNECTED']", timeout=120_000)
        page.wait_for_selector("h1", timeout=180_000)
        title = time.monotonic() - t0
        page.wait_for_timeout(150)  # the script run starts right after the connection
        idle = wait_idle(page) - t0
        return title, max(idle, title)
    finally:
        ctx.close()


def warm_up(browser, url: str) -> float:
    """Open the TinyBERT page (it needs the teacher) and wait until it is drawn: the teacher is then loaded."""
    t0 = time.monotonic()
    open_page(browser, url, "tinybert")
    return time.monotonic() - t0


def script_times(names: list[str]) -> None:
    """Server side only: each page's first script run in-process (AppTest), teacher loaded, caches cold, with the
    background results treated as under a real server (the page paints, the slow part goes on behind a bar).
    Less sensitive to a busy machine than the browser's figures, which include Chromium's own rendering."""
    os.environ.setdefault("LAB_PRELOAD", "0")
    sys.path.insert(0, str(ROOT))
    from streamlit.testing.v1 import AppTest

    import labui.server_jobs as SJ

    SJ._has_browser = lambda: True
    AppTest.from_file(str(ROOT / "app_pages" / "tinybert.py"), default_timeout=600).run()  # loads the teacher
    print("\n| page | first script run (server) | load average |\n| --- | --- | --- |")
    for name in names:
        t0 = time.perf_counter()
        at = AppTest.from_file(str(ROOT / "app_pages" / f"{name}.py"), default_timeout=600).run()
        bad = " (exception)" if at.exception else ""
        print(f"| {name} | {time.perf_counter() - t0:.2f} s{bad} | {os.getloadavg()[0]:.1f} |", flush=True)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--pages", default=",".join(PAGES), help="comma-separated: " + ", ".join(PAGES))
    ap.add_argument("--repeat", type=int, default=1, help="fresh servers per page (median reported)")
    ap.add_argument("--script-only", action="store_true", help="only the server-side script time (no browser)")
    args = ap.parse_args()
    if args.script_only:
        script_times([p for p in args.pages.split(",") if p])
        return
    chromium = shutil.which("chromium")
    if chromium is None:
        sys.exit("Debian's chromium is needed: apt-get install chromium")
    from playwright.sync_api import sync_playwright

    names = [p for p in args.pages.split(",") if p]
    results: dict[str, list[tuple[float, float, float]]] = {n: [] for n in names}
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=chromium, args=[
            "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"])
        for _ in range(args.repeat):
            for name in names:
                proc, url = start_server()
                try:
                    warm = warm_up(browser, url)
                    results[name].append((*open_page(browser, url, PAGES[name]), os.getloadavg()[0]))
                    print(f"{name:>10}: title {results[name][-1][0]:5.1f} s, idle {results[name][-1][1]:5.1f} s "
                          f"(warm-up {warm:.0f} s, load average {results[name][-1][2]:.1f} on "
                          f"{os.cpu_count()} cores)", flush=True)
                finally:
                    stop_server(proc)
        browser.close()
    print("\n| page | title drawn | first run finished | load average |\n| --- | --- | --- | --- |")
    for name in names:
        t, i, load = (statistics.median(r[k] for r in results[name]) for k in range(3))
        print(f"| {name} | {t:.1f} s | {i:.1f} s | {load:.1f} |")


if __name__ == "__main__":
    main()
