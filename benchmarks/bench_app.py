"""Live-lab speed, measured in one run on this machine; prints figures and ratios, asserts nothing.

    python benchmarks/bench_app.py [--quick] [--skip-browser | --only-browser] [--skip-umap] [--rate] [--repeat N]

1. The engine on the lab's defaults: a snapshot's cost in training steps; the default run (where it stops, when
   it reaches 1.01x the floor, whether the loss jumps after that).
2. Server time for the live view with 1,000 probe tokens: what one refresh of each fragment builds and
   serialises (as ``st.plotly_chart`` does), p50 and p95; the replay map built on pause.
3. First loss point after Start on a warm process (teacher and targets loaded), at the worker.
4. The first visit, as a person meets it, in the shipped configuration (UMAP on): a fresh ``streamlit run app.py``,
   one first page view in headless Chromium (Home's title timed from the request), the lab opened from the sidebar
   20 s later and Start pressed on the defaults; then on the warm server a second Start (its first point) and two
   browsers pressing Start at once. Each against ``python -m distill_core run`` on the same settings; median and
   range over --repeat fresh servers (3; --quick: 1); each of issue 19's targets printed as met or not.
   --rate adds the older comparison: steps/s over a 100-step run on a server left to go idle first.
5. UMAP: the UMAP process's start, a fit, one frame (--umap-cold: with an empty numba cache, then a warm one).
"""
from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import plotly.io as pio
import plotly.tools

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from distill_core import token_maps  # noqa: E402
from distill_core.config import DistillConfig  # noqa: E402
from distill_core.engine import Engine  # noqa: E402
from distill_core.teacher import load_teacher  # noqa: E402
from labui import lab_figures as F  # noqa: E402
from labui.worker import LabWorker, shared_targets  # noqa: E402

P = 1000  # probe tokens on the map


def times(fn, repeat: int) -> list[float]:
    out = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        out.append(time.perf_counter() - t0)
    return out


def p(values: list[float], q: float) -> float:
    return float(np.percentile(values, q))


# -- 1. the engine --------------------------------------------------------------------------------------------
def bench_engine(teacher) -> None:
    cfg = DistillConfig(device="cpu")
    engine = Engine(cfg, teacher=teacher, targets=shared_targets(teacher, cfg))
    for _ in range(3):
        engine.train_step()
    step = statistics.median(times(engine.train_step, 15))
    snap = statistics.median(times(engine.snapshot, 7))
    print(f"engine, lab defaults (vocab, d_s {cfg.hidden_size}, all {engine.targets.n_rows:,} rows): training step "
          f"{step * 1000:.0f} ms, snapshot {snap * 1000:.0f} ms = {snap / step:.2f} steps (target <= 2)")

    engine.reset()
    ratios: dict[int, float] = {}
    t0 = time.perf_counter()
    engine.run(cfg.steps, on_snapshot=lambda s: ratios.setdefault(s.step, s.ratio))
    wall = time.perf_counter() - t0
    first = next((s for s, r in ratios.items() if r <= 1.01), None)
    after = max((r for s, r in ratios.items() if first is not None and s >= first), default=float("nan"))
    print(f"default run ({cfg.schedule} lr {cfg.lr:g}, stop_tol {cfg.stop_tol:g}): ended at step {engine.step_count} "
          f"of {cfg.steps} in {wall:.1f} s, ratio {ratios[engine.step_count]:.4f}; ratio <= 1.01 at step {first}; "
          f"largest ratio after that {after:.4f} (no spike: <= 1.01)")
    print(f"  {engine.converged or 'ran every step'}")


# -- 2. the live view's server time ---------------------------------------------------------------------------
def teacher_rows(teacher, n: int = P) -> tuple[np.ndarray, list[str], list[str]]:
    """n real teacher vectors (word-embedding rows), in 20 groups of consecutive ids."""
    W = teacher.embeddings.word_embeddings.weight.detach().cpu().numpy()
    ids = np.arange(2000, 2000 + n)
    vocab = {i: w for w, i in teacher.tokenizer.get_vocab().items()}
    return W[ids], [vocab[int(i)] for i in ids], [f"group {k % 20}" for k in range(n)]


def to_streamlit(fig) -> str:
    """What st.plotly_chart does with a figure before sending it."""
    return pio.to_json(plotly.tools.return_figure_from_figure_or_data(fig, validate_figure=True), validate=False)


def bench_figures(teacher) -> None:
    X, words, groups = teacher_rows(teacher)
    rng = np.random.default_rng(0)
    pca = token_maps.PCALayout(X)
    student = X + 0.02 * rng.standard_normal(X.shape).astype(np.float32)
    n = 60
    frames = [(5 * k, pca.transform(student + 0.05 * rng.standard_normal(X.shape) / (k + 1))) for k in range(n)]
    hist = [dict(step=5 * k, loss=0.01 * (1 + 3 / (k + 1)), train_loss=0.01 * (1 + 3.5 / (k + 1)),
                 probe_loss=0.01 * (1 + 2 / (k + 1)), floor=0.01) for k in range(n)]
    sigma = np.sort(rng.random(384))[::-1] * 5
    we_sv = [np.sort(rng.random(128))[::-1] * (1 + k / 60) for k in range(n)]
    # Every refresh brings a new snapshot (the worst case: nothing can be reused).
    k = iter(range(10, 10**9))

    def numbers():  # the loss and the spectrum, rebuilt whole (the live chart then sends only what changed)
        i = next(k) % n + 1
        return [to_streamlit(F.loss_figure(hist[:i], 0.01)), to_streamlit(F.spectrum_figure(sigma, 128, sigma[:128]))]

    def pictures():  # the token map and W_e, rebuilt whole
        i = next(k) % n + 1
        return [to_streamlit(F.map_figure(pca.teacher_xy, words, groups, frames[:i], "PCA")),
                to_streamlit(F.we_figure([h["step"] for h in hist[:i]], we_sv[:i]))]

    def replay():
        return to_streamlit(F.map_figure(pca.teacher_xy, words, groups, frames, "PCA", animate=True))

    numbers(), pictures()
    a, b = times(numbers, 40), times(pictures, 40)
    full = [x + y for x, y in zip(a, b)]
    print(f"server time for one live refresh, {P} probe tokens (figures built and serialised as st.plotly_chart "
          f"does; target p95 <= 50 ms):")
    print(f"  loss + spectrum, built whole:                  p50 {p(a, 50) * 1000:.1f} ms, p95 {p(a, 95) * 1000:.1f} ms")
    print(f"  token map + W_e, built whole:                  p50 {p(b, 50) * 1000:.1f} ms, p95 {p(b, 95) * 1000:.1f} ms")
    print(f"  all four figures at once (a whole-page rerun): p50 {p(full, 50) * 1000:.1f} ms, "
          f"p95 {p(full, 95) * 1000:.1f} ms")
    r = times(replay, 5)
    print(f"replay map, {n} frames x {P} tokens (built once on pause; target <= 200 ms): median "
          f"{statistics.median(r) * 1000:.0f} ms, {len(replay()) / 1e6:.1f} MB of JSON")


# -- 3. first point at the worker -----------------------------------------------------------------------------
def bench_first_point(teacher) -> None:
    cfg = DistillConfig(device="cpu")
    shared_targets(teacher, cfg)  # a warm server built them when it started
    worker = LabWorker()
    t0 = time.perf_counter()
    worker.start(cfg, teacher)
    while not worker.view().history:
        time.sleep(0.002)
    first = time.perf_counter() - t0
    worker.stop()
    worker.join()
    print(f"first loss point after Start at the worker, warm process (teacher and targets loaded): {first:.2f} s")


# -- 4. the browser against the CLI ---------------------------------------------------------------------------
def cli_rate(steps: int, stop_tol: float) -> tuple[float, dict]:
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "s.json"
        subprocess.run([sys.executable, "-m", "distill_core", "run", "--steps", str(steps), "--stop-tol",
                        str(stop_tol), "--device", "cpu", "--quiet", "--json", str(out)], cwd=ROOT, check=True,
                       env=os.environ | {"PYTHONPATH": str(ROOT)}, stdout=subprocess.DEVNULL)
        s = json.loads(out.read_text())
    return s["steps"] / s["seconds"], s


def _server(port: int, umap: bool) -> subprocess.Popen:
    env = os.environ | {"PYTHONPATH": str(ROOT), "TOKENIZERS_PARALLELISM": "false", "LAB_UMAP": "1" if umap else "0"}
    return subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", "app.py", "--server.headless", "true", "--server.port", str(port),
         "--server.address", "127.0.0.1", "--browser.gatherUsageStats", "false"],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def _cpu_s(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _cpu_of(name: str) -> float:
    """CPU seconds used so far by every process with this command name (Chromium's are many)."""
    total = 0.0
    for d in Path("/proc").iterdir():
        if d.name.isdigit():
            try:
                stat = (d / "stat").read_text()
                if stat[stat.index("(") + 1:stat.rindex(")")] == name:
                    total += _cpu_s(int(d.name))
            except (OSError, ValueError):
                pass
    return total


def wait_idle(pid: int, timeout: float = 240.0) -> float:
    """Wait until the server uses under 5% of a core for 3 s (teacher loaded, UMAP compiled): a warm server."""
    t0 = time.monotonic()
    quiet = 0
    while time.monotonic() - t0 < timeout and quiet < 3:
        c0 = _cpu_s(pid)
        time.sleep(1.0)
        quiet = quiet + 1 if _cpu_s(pid) - c0 < 0.05 else 0
    return time.monotonic() - t0


WATCH = """() => {
  // Records the page's state each time it changes, with no polling: the harness must not add work to the page it
  // times (reading document.body.innerText ten times a second forced a layout each time, a tenth of a core).
  const metric = (label) => { for (const e of document.querySelectorAll('[data-testid="stMetric"]'))
      if (e.textContent.startsWith(label)) {
        const v = e.querySelector('[data-testid="stMetricValue"]'); return v ? v.textContent : null; }
    return null; };
  const read = () => {
    const t = document.body.textContent;
    const tile = metric('Step'), m = t.match(/Step (\\d+) of (\\d+)/);
    const step = tile && /\\d/.test(tile) ? +tile.replace(/[^0-9]/g, '') : (m ? +m[1] : null);
    return {step: step, loss: metric('MSE loss'), ratio: metric('Ratio to floor'),
            done: t.includes('● finished'), error: t.includes('● stopped')};
  };
  window.__log = []; window.__t0 = null; window.__done = false;
  document.addEventListener('click', (e) => {
    const b = e.target.closest('button'); if (b && b.textContent.trim().startsWith('Start')) window.__t0 = performance.now();
  }, true);
  let last = '';
  new MutationObserver(() => {
    if (window.__t0 === null) return;
    const s = read(), key = JSON.stringify(s);
    if (key !== last) { last = key; window.__log.push([(performance.now() - window.__t0) / 1000, s]); }
    if (s.done || s.error) window.__done = true;
  }).observe(document.body, {subtree: true, childList: true, characterData: true});
}"""


CONNECTED = '[data-testid="stApp"][data-test-connection-state="CONNECTED"]'
START = re.compile(r"^Start\b")  # the button's name also carries its keyboard shortcut


def arm(page, url: str | None) -> None:
    """Open the lab at url (None: the page is already there), wait until it has settled and start recording."""
    if url is not None:
        page.goto(url)
    page.wait_for_selector(CONNECTED, timeout=120_000)
    page.get_by_role("button", name=START).wait_for(timeout=120_000)
    page.wait_for_timeout(1500)  # the page has settled
    page.evaluate(WATCH)


def press_start(page) -> None:
    page.get_by_role("button", name=START).click()


def recorded(page, timeout: float = 240.0) -> list[tuple[float, dict]]:
    """Wait until the run shows finished (or stopped); each change of the page's state, timed from the click."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    try:
        page.wait_for_function("() => window.__done", timeout=timeout * 1000, polling=1000)
    except PlaywrightTimeout:
        print(f"  (the run had not finished {timeout:.0f} s after its Start; what the page showed until then is used)")
    return [(t, state) for t, state in page.evaluate("() => window.__log")]


def browser_run(page, url: str | None, timeout: float = 240.0) -> list[tuple[float, dict]]:
    """Open the lab at url, press Start, and record each change of the page's step, loss and ratio (a mutation
    observer in the page, timed from the click) until the run has finished: [(t, state)]."""
    arm(page, url)
    press_start(page)
    return recorded(page, timeout)


def summarise(seen) -> dict:
    first = next((t for t, s in seen if s["loss"] not in (None, "—")), None)
    ratio = next((t for t, s in seen if s["ratio"] and s["ratio"].rstrip("×").replace(".", "", 1).isdigit()
                  and float(s["ratio"].rstrip("×")) <= 1.01), None)
    steps = [(t, s["step"]) for t, s in seen if s["step"] is not None]
    done = next((t for t, s in seen if s["done"]), None)
    # steps/s as the person sees it: from the first step shown after 0 to the end of the run
    a = next(((t, k) for t, k in steps if k > 0), None)
    rate = (steps[-1][1] - a[1]) / (steps[-1][0] - a[0]) if a and steps[-1][0] > a[0] else None
    # the longest time the shown step stood still while training: between two changes of the step, from the first
    # point to the run's end
    changes = [t for (t, k), prev in zip(steps, [None] + [k for _, k in steps]) if k != prev]
    if first is not None and done is not None:
        marks = sorted({t for t in changes if first <= t <= done} | {first, done})
        still = max((b - a for a, b in zip(marks, marks[1:])), default=0.0)
    else:
        still = None
    return dict(first=first, ratio=ratio, done=done, last_step=steps[-1][1] if steps else None, rate=rate,
                still=still)


def _s(seconds: float | None) -> str:
    return "never" if seconds is None else f"{seconds:.2f} s"


def bench_browser(umap: bool, repeat: int = 3) -> None:
    chromium = shutil.which("chromium")
    if chromium is None:
        print("browser: skipped (Debian's chromium is not installed)")
        return
    from playwright.sync_api import sync_playwright

    steps = 100  # long enough that the page's 1 s refresh is a small part of the run
    cli_runs = [cli_rate(steps, 0.0)[0] for _ in range(repeat)]
    cli_sps = statistics.median(cli_runs)
    cli_default_sps, cli_default = cli_rate(DistillConfig().steps, DistillConfig().stop_tol)
    print(f"CLI, lab defaults: {cli_default['steps']} steps (converged) in {cli_default['seconds']:.1f} s = "
          f"{cli_default_sps:.2f} steps/s, ratio {cli_default['ratio']:.4f}; {steps} steps with stop_tol=0: "
          f"{cli_sps:.2f} steps/s (median of {', '.join(f'{x:.2f}' for x in cli_runs)})", flush=True)
    from load_test import free_port, wait_healthy  # noqa: E402  (same folder)

    port = free_port()
    proc = _server(port, umap)
    try:
        wait_healthy(port, proc)
        base = f"http://127.0.0.1:{port}"
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=chromium, args=[
                "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"])
            page = browser.new_page(viewport={"width": 1400, "height": 1400})
            page.goto(base)  # the first page view starts the teacher's background load
            page.wait_for_selector('[data-testid="stApp"][data-test-connection-state="CONNECTED"]', timeout=120_000)
            page.goto(f"{base}/lab")
            page.wait_for_selector('[data-testid="stApp"][data-test-connection-state="CONNECTED"]', timeout=120_000)
            warm = wait_idle(proc.pid)
            print(f"server warm (teacher and default targets loaded{', UMAP compiled' if umap else ''}) "
                  f"{warm:.0f} s after the first page view", flush=True)
            defaults, longs, cores, drawing = [], [], [], []
            for r in range(repeat):
                defaults.append(summarise(browser_run(page, f"{base}/lab")))
                d = defaults[-1]
                print(f"browser, lab defaults (try {r + 1} of {repeat}): first loss point {_s(d['first'])} after Start; "
                      f"ratio <= 1.01 shown {_s(d['ratio'])} after Start; finished at step {d['last_step']} "
                      f"({_s(d['done'])})", flush=True)
                c0, b0 = _cpu_s(proc.pid), _cpu_of("chromium")
                longs.append(summarise(browser_run(page, f"{base}/lab?steps={steps}&stop_tol=0")))
                seconds = max(1e-9, longs[-1]["done"] or 1.0)
                cores.append((_cpu_s(proc.pid) - c0) / seconds)
                drawing.append((_cpu_of("chromium") - b0) / seconds)
                print(f"browser, {steps} steps (try {r + 1} of {repeat}): {longs[-1]['rate'] or float('nan'):.2f} steps/s; "
                      f"server process {cores[-1]:.2f} cores meanwhile (training included), Chromium "
                      f"{drawing[-1]:.2f}", flush=True)
            browser.close()
    finally:
        proc.terminate()
        proc.wait(20)
    med = lambda xs: statistics.median([x for x in xs if x is not None]) if any(x is not None for x in xs) else None
    first, ratio = med([d["first"] for d in defaults]), med([d["ratio"] for d in defaults])
    rate = med([x["rate"] for x in longs]) or float("nan")
    print(f"browser, lab defaults, median of {repeat}: first loss point {_s(first)} after Start (target <= 1 s); "
          f"ratio <= 1.01 shown {_s(ratio)} after Start (target <= 10 s)")
    print(f"steps/s over {steps} steps (lab defaults, stop_tol=0 so both run every step), median of {repeat}: CLI "
          f"{cli_sps:.2f}, browser {rate:.2f} = {rate / cli_sps:.2f}x (target >= 0.9x); server process "
          f"{statistics.median(cores):.2f} cores meanwhile (training included), Chromium drawing the page "
          f"{statistics.median(drawing):.2f} of the {os.cpu_count()} cores (the CLI has them all)")


# -- 4'. the first visit, as a person meets it ---------------------------------------------------------------------
HOME_TITLE = "Embedding distillation, live"


def first_visit(pw, chromium: str, umap: bool, wait_s: float = 20.0, timeout: float = 240.0) -> dict:
    """A fresh server; one first page view (Home's title timed from the request); the lab opened from the sidebar
    wait_s later and the default run started; then, on the now warm server, a second Start (its first point) and
    two browsers pressing Start at once. What each page showed, timed from its click."""
    from load_test import free_port, wait_healthy  # noqa: E402  (same folder)

    port = free_port()
    proc = _server(port, umap)
    out: dict = {}
    try:
        wait_healthy(port, proc)
        base = f"http://127.0.0.1:{port}"
        browser = pw.chromium.launch(executable_path=chromium, args=[
            "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"])
        page = browser.new_page(viewport={"width": 1400, "height": 1400})
        t0 = time.monotonic()
        page.goto(base)
        page.get_by_role("heading", name=HOME_TITLE).wait_for(timeout=120_000)
        out["home"] = time.monotonic() - t0
        out["load_home"] = os.getloadavg()[0]
        page.wait_for_timeout(max(0.0, wait_s - (time.monotonic() - t0)) * 1000)
        page.get_by_role("link", name=re.compile("Live lab")).first.click()
        arm(page, None)
        c0, b0 = _cpu_s(proc.pid), _cpu_of("chromium")
        press_start(page)
        out["default"] = summarise(recorded(page, timeout))
        out["server_cores"] = (_cpu_s(proc.pid) - c0) / max(1e-9, out["default"]["done"] or 1.0)
        out["chromium_cores"] = (_cpu_of("chromium") - b0) / max(1e-9, out["default"]["done"] or 1.0)
        out["load_run"] = os.getloadavg()[0]
        out["warm_first"] = summarise(browser_run(page, f"{base}/lab", timeout))["first"]  # a warm server now
        other = browser.new_context(viewport={"width": 1400, "height": 1400}).new_page()
        arm(page, f"{base}/lab")
        arm(other, f"{base}/lab")
        press_start(page)
        press_start(other)
        out["two"] = [summarise(recorded(p, 2 * timeout))["done"] for p in (page, other)]
        browser.close()
    finally:
        proc.terminate()
        proc.wait(20)
    return out


def _spread(xs: list) -> str:
    xs = [x for x in xs if x is not None]
    if not xs:
        return "never"
    if len(xs) == 1:
        return f"{xs[0]:.2f} s"
    return f"median {statistics.median(xs):.2f} s (range {min(xs):.2f}-{max(xs):.2f} over {len(xs)})"


def _verdict(value: float | None, target: float) -> str:
    if value is None:
        return "NOT MET (never seen)"
    return "met" if value <= target else "NOT MET"


def bench_first_visit(umap: bool, repeat: int, wait_s: float = 20.0) -> None:
    """Part 4 as a person meets it: each repetition on a fresh server; prints each of issue 19's targets."""
    chromium = shutil.which("chromium")
    if chromium is None:
        print("browser: skipped (Debian's chromium is not installed)")
        return
    from playwright.sync_api import sync_playwright

    cfg = DistillConfig()
    cli = [cli_rate(cfg.steps, cfg.stop_tol)[1] for _ in range(repeat)]
    cli_s = statistics.median([c["seconds"] for c in cli])
    print(f"CLI, lab defaults ({cli[0]['steps']} steps, converged): {_spread([c['seconds'] for c in cli])} of "
          f"training", flush=True)
    label = "UMAP on, as shipped" if umap else "UMAP OFF (LAB_UMAP=0), not the shipped configuration"
    runs = []
    with sync_playwright() as pw:
        for r in range(repeat):
            v = first_visit(pw, chromium, umap, wait_s, timeout=max(240.0, 6 * cli_s))
            runs.append(v)
            d = v["default"]
            print(f"first visit {r + 1} of {repeat} ({label}): Home's title {v['home']:.2f} s; lab's default run "
                  f"finished {_s(d['done'])} after Start (step {d['last_step']}), first point {_s(d['first'])}, "
                  f"step stood still up to {_s(d['still'])}; server {v['server_cores']:.2f} cores and Chromium "
                  f"{v['chromium_cores']:.2f} meanwhile; warm "
                  f"server's first point {_s(v['warm_first'])}; two browsers at once finished "
                  f"{', '.join(_s(t) for t in v['two'])}", flush=True)
    med = lambda xs: statistics.median([x for x in xs if x is not None]) if any(x is not None for x in xs) else None
    home = med([v["home"] for v in runs])
    done = med([v["default"]["done"] for v in runs])
    still = med([v["default"]["still"] for v in runs])
    warm = med([v["warm_first"] for v in runs])
    two = med([max(v["two"]) if None not in v["two"] else None for v in runs])
    ratio = None if done is None else done / cli_s
    two_ratio = None if two is None else two / cli_s
    print(f"\nissue 19's targets ({label}; {len(runs)} fresh server(s); {os.cpu_count()} cores, load average now "
          f"{os.getloadavg()[0]:.1f}):")
    server, page = med([v["server_cores"] for v in runs]), med([v["chromium_cores"] for v in runs])
    busy = (f"; measured cause: the page's own drawing on the same {os.cpu_count()} cores: Chromium took "
            f"{page:.2f} cores while the run trained (React re-rendering the live fragment's elements, style, layout "
            f"and paint, the charts' updates in place) and the server process, training and reruns together, got "
            f"{server:.2f}, where the CLI's two torch threads have the machine to themselves (load average "
            f"{med([v['load_run'] for v in runs]):.1f} at the end)")
    print(f"  Home's title after the first request on a fresh server: {_spread([v['home'] for v in runs])} "
          f"(target <= 1.5 s): {_verdict(home, 1.5)}"
          + ("" if home is not None and home <= 1.5 else
             f" (load average {med([v['load_home'] for v in runs]):.1f} when it was drawn)"))
    print(f"  default run, Start -> finished in Chromium: {_spread([v['default']['done'] for v in runs])} against "
          f"the CLI's {cli_s:.2f} s = {ratio or float('nan'):.2f}x (target <= 1.25x): {_verdict(ratio, 1.25)}"
          + ("" if ratio is not None and ratio <= 1.25 else busy))
    print(f"  longest time the shown step stood still while training: {_spread([v['default']['still'] for v in runs])} "
          f"(target <= 1.0 s): {_verdict(still, 1.0)}" + ("" if still is not None and still <= 1.0 else busy))
    print(f"  first loss point after Start on a warm server: {_spread([v['warm_first'] for v in runs])} "
          f"(target <= 1 s): {_verdict(warm, 1.0)}")
    print(f"  two browsers at once, the slower one's Start -> finished: "
          f"{_spread([max(v['two']) if None not in v['two'] else None for v in runs])} = "
          f"{two_ratio or float('nan'):.2f}x the CLI (target <= 2.5x): {_verdict(two_ratio, 2.5)}"
          + ("" if two_ratio is not None and two_ratio <= 2.5 else
             "; measured cause: as above, twice over: two runs and two pages drawing share the cores"))


# -- 5. UMAP --------------------------------------------------------------------------------------------------
def _umap_process(cache: str) -> tuple[float, float]:
    """Wall and CPU seconds of a process that imports umap and fits and transforms once, with this numba cache."""
    t0 = time.perf_counter()
    r0 = os.times()
    subprocess.run([sys.executable, "-m", "distill_core.token_maps", "--warm"], cwd=ROOT, check=True,
                   env=os.environ | {"LAB_NUMBA_CACHE": cache, "PYTHONPATH": str(ROOT)}, stdout=subprocess.DEVNULL,
                   stderr=subprocess.DEVNULL)
    r1 = os.times()
    return time.perf_counter() - t0, (r1.children_user - r0.children_user) + (r1.children_system - r0.children_system)


def bench_umap(teacher, cold: bool) -> None:
    if cold:
        with tempfile.TemporaryDirectory() as tmp:
            for what in ("cold (empty)", "warm (the run before filled it)"):
                wall, cpu = _umap_process(tmp)
                print(f"UMAP process, import + first fit + first transform, numba cache {what}: {wall:.1f} s "
                      f"({cpu:.1f} s of CPU)")
    X, _, _ = teacher_rows(teacher)
    t0 = time.perf_counter()
    token_maps.warm_umap_async().join()
    print(f"UMAP process ready (import, kernels from {token_maps.numba_cache_dir()}, a small fit; at the lowest "
          f"priority): {time.perf_counter() - t0:.1f} s" + (f"  [{token_maps.umap_error()}]" if token_maps.umap_error() else ""))
    if not token_maps.umap_ready():
        return
    t0 = time.perf_counter()
    fitted = token_maps.fitted_umap(X)
    print(f"UMAP fit on {P} teacher tokens (once per teacher): {time.perf_counter() - t0:.2f} s")
    student = X + 0.02 * np.random.default_rng(1).standard_normal(X.shape).astype(np.float32)
    fitted.transform(student)
    print(f"UMAP frame (transform) for {P} tokens after warm-up: "
          f"{statistics.median(times(lambda: fitted.transform(student), 3)):.2f} s")


def main() -> None:
    sys.stdout.reconfigure(line_buffering=True)
    ap = argparse.ArgumentParser()
    ap.add_argument("--skip-browser", action="store_true")
    ap.add_argument("--only-browser", action="store_true", help="only part 4, the browser against the CLI")
    ap.add_argument("--skip-umap", action="store_true", help="no UMAP timings; the browser's server runs with LAB_UMAP=0")
    ap.add_argument("--repeat", type=int, default=3, help="browser runs of each kind (medians are reported)")
    ap.add_argument("--quick", action="store_true", help="one repetition of each browser measurement")
    ap.add_argument("--rate", action="store_true",
                    help="also the steps/s comparison over a 100-step run on a server left to go idle first")
    ap.add_argument("--wait", type=float, default=20.0, help="seconds between the first page view and opening the lab")
    ap.add_argument("--umap-cold", action="store_true",
                    help="also time a UMAP process with an empty numba cache, then with the cache it filled")
    args = ap.parse_args()
    if args.quick:
        args.repeat = 1
    print(f"{os.cpu_count()} CPU cores; load average before: {os.getloadavg()[0]:.1f} (others' work inflates times)")
    if not args.only_browser:
        t0 = time.perf_counter()
        teacher = load_teacher("bundled", "cpu")
        print(f"teacher load (once per server, in the background after the first page view): "
              f"{time.perf_counter() - t0:.2f} s")
        bench_engine(teacher)
        bench_figures(teacher)
        bench_first_point(teacher)
    if not args.skip_browser:
        sys.path.insert(0, str(ROOT / "benchmarks"))
        bench_first_visit(umap=not args.skip_umap, repeat=args.repeat, wait_s=args.wait)
        if args.rate:
            bench_browser(umap=not args.skip_umap, repeat=args.repeat)
    if not args.skip_umap and not args.only_browser:
        bench_umap(teacher, args.umap_cold)
    print(f"load average after: {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
