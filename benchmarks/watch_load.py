"""The load test's viewer mode (issue 20): one presenter trains the lab's default run while N viewers follow it
through its watch link. Run it through the load test:

    python benchmarks/load_test.py --viewers 100 [--browsers 3] [--json out.json]

Phases, on one server: (1) the presenter alone (Step to make a run, the Share dialog for the watch code, then Start
and follow it to "finished"): the run time with no viewers and the server's memory then; (2) a new presenter session
does the same while N viewers watch: N - browsers speak Streamlit's websocket protocol as the load test's light
clients do (rerunning the viewer's live fragment on its own timer), ``browsers`` are real Chromium pages.

It prints health p50/p95 under load, each viewer's delay from the presenter's page showing a step to the viewer's
page showing the same step (p50/p95 over every step and viewer), the presenter's run time against phase 1, the
server's memory above phase 1 and its CPU, and checks that every viewer's final loss equals the presenter's and that
no viewer's curve holds a point the presenter's run did not have.
"""
from __future__ import annotations

import asyncio
import re
import shutil
import time
from pathlib import Path

from load_test import (CHROMIUM_FLAGS, LOSS_TRACE, Monitor, Params, WsSession, _READ_PAGE, free_port, percentile,
                       clients_step_back, rss_bytes, start_server, stop_server, wait_healthy)

CODE = re.compile(r"watch=([a-z0-9]{6,})")
LAB_REFRESH_S = 0.4  # the lab's own default (labui/live_view.py): the presenter's page reruns this often
TARGETS = {"health_p95_ms": 300, "delay_p95_s": 2.0, "slowdown": 1.3, "memory_mb": 200}  # issue 20, 2 cores


def cpu_s(pid: int) -> float:
    """The server's user + system CPU seconds so far (/proc, Linux)."""
    parts = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(parts[11]) + int(parts[12])) / 100.0  # utime, stime in clock ticks (100 a second on Linux)


class Presenter(WsSession):
    """The lab's presenter over the websocket: records when each step first shows on its page, and reads the
    watch code from the Share dialog."""

    def __init__(self, port: int, seed: int, query: str):
        super().__init__(port, seed, query)
        self.code: str | None = None
        self.seen: dict[int, float] = {}

    def _on_element(self, el, Alert) -> None:
        super()._on_element(el, Alert)
        kind = el.WhichOneof("type")
        text = el.markdown.body if kind == "markdown" else el.code.code_text if kind == "code" else ""
        m = CODE.search(text or "")
        if m:
            self.code = m.group(1)

    def _on_curve(self, curve) -> None:
        super()._on_curve(curve)
        now = time.monotonic()
        for s in (curve[0] if curve else []):
            self.seen.setdefault(s, now)

    async def share_code(self) -> str:
        button = next(i for label, i in self.buttons.items() if label.startswith("Share"))
        await self._rerun_and_wait(60, trigger=button)
        if not self.code:
            raise RuntimeError("the Share dialog showed no watch link")
        return self.code


class Viewer(Presenter):
    """A viewer over the websocket: opens /lab?watch=CODE and reruns its live fragment on the page's timer."""

    async def open(self, timeout: float = 180.0) -> None:
        import websockets

        self.ws = await websockets.connect(self.url, subprotocols=["streamlit"], max_size=None)
        self.pump = asyncio.create_task(self._pump())
        self.t_start = time.monotonic()
        await self._rerun_and_wait(timeout)
        if "Start" in self.buttons:
            self.result.errors.append("a viewer was shown a Start button")


async def browser_viewer(browser, port: int, code: str, until: float, stop: asyncio.Event, go: dict) -> dict:
    out = {"seen": {}, "steps": [], "losses": [], "errors": []}
    context = await browser.new_context(viewport={"width": 1280, "height": 720})
    page = await context.new_page()
    try:
        await page.goto(f"http://127.0.0.1:{port}/lab?watch={code}", timeout=120_000)
        await page.get_by_text("You are watching the presenter's run").wait_for(timeout=120_000)
        if await page.get_by_role("button", name=re.compile(r"^Start\b")).count():
            out["errors"].append("a browser viewer was shown a Start button")
        while time.monotonic() < until:
            state = await page.evaluate(_READ_PAGE)
            now = time.monotonic()
            if go.get("t") and not out.get("since"):
                out["seen"], out["since"] = {}, go["t"]  # the steps of the new run only
            for s in state["steps"]:
                out["seen"].setdefault(int(s), now)
            out["steps"], out["losses"] = [int(s) for s in state["steps"]], [float(v) for v in state["losses"]]
            out["errors"] = sorted(set(out["errors"]) | set(state["errors"]))
            if stop.is_set() and "finished" in state["status"]:
                break
            await asyncio.sleep(0.25)
    except Exception as exc:
        out["errors"].append(f"{type(exc).__name__}: {str(exc)[:200]}")
    finally:
        await context.close()
    return out


async def presenter_run(port: int, p: Params, seed: int, viewers: int, browsers: int, monitor: Monitor,
                        pid: int, truth: dict[int, float]) -> dict:
    """One presenter's default run with ``viewers`` watching; returns the phase's figures."""
    query = f"seed={seed}"
    pres = Presenter(port, seed, query)
    await pres.open()
    await pres._rerun_and_wait(120, trigger=pres.buttons["Step"])  # a run exists (paused at step 1): a code
    code = await pres.share_code()
    rss_no_viewers = rss_bytes(pid)[0]  # the presenter's run exists; nobody watches yet
    ws_viewers = [Viewer(port, seed, f"watch={code}") for _ in range(max(0, viewers - browsers))]
    for i in range(0, len(ws_viewers), 10):  # a room arriving over a few seconds, not in one instant
        await asyncio.gather(*(v.open() for v in ws_viewers[i:i + 10]))
    pw = browser = None
    b_tasks = []
    stop, go = asyncio.Event(), {}
    until = time.monotonic() + p.deadline_s
    if browsers and viewers:
        from playwright.async_api import async_playwright

        pw = await async_playwright().start()
        browser = await pw.chromium.launch(executable_path=shutil.which("chromium"), args=CHROMIUM_FLAGS)
        b_tasks = [asyncio.create_task(browser_viewer(browser, port, code, until, stop, go)) for _ in range(browsers)]
        await asyncio.sleep(8)  # the pages load plotly.js and draw before the run starts
    rss0 = rss_bytes(pid)[0]
    n0, cpu0, wall0 = len(monitor.latencies), cpu_s(pid), time.monotonic()
    monitor.recording.set()
    pres.t_start = time.monotonic()
    pres.seen.clear()
    for v in ws_viewers:
        v.seen.clear()
    go["t"] = pres.t_start
    await pres._rerun_and_wait(120, trigger=pres.buttons["Start"])  # a new run: the same watch link
    v_tasks = [asyncio.create_task(v.follow(until)) for v in ws_viewers]
    await pres.follow(until)
    run_s = pres.result.done_s = time.monotonic() - pres.t_start if "finished" in pres.status else None
    stop.set()
    await asyncio.gather(*v_tasks)
    b_results = list(await asyncio.gather(*b_tasks))
    cpu = cpu_s(pid) - cpu0
    wall = time.monotonic() - wall0
    monitor.recording.clear()
    health = monitor.latencies[n0:]
    peak_rss = monitor.peak_rss
    if browser is not None:
        await browser.close()
        await pw.stop()
    for v in ws_viewers:
        await v.close()
    await pres.close()
    ref = dict(zip(pres.result.steps, pres.result.losses))
    everyone = [{"seen": v.seen, "steps": v.result.steps, "losses": v.result.losses, "errors": v.result.errors}
                for v in ws_viewers] + b_results
    delays, final_equal, foreign, errors = [], 0, 0, []
    for v in everyone:
        delays += [t - pres.seen[s] for s, t in v["seen"].items() if s in pres.seen and s > 0]
        if v["losses"] and pres.result.losses and v["steps"][-1] == pres.result.steps[-1] \
                and v["losses"][-1] == pres.result.losses[-1]:
            final_equal += 1
        odd = [(s, x, truth.get(s)) for s, x in zip(v["steps"], v["losses"])
               if s not in truth or abs(truth[s] - x) > 1e-6 * abs(truth[s])]  # a point the run never had
        foreign += bool(odd)
        v["last"], v["odd"] = (v["steps"][-1:], v["losses"][-1:]), odd[:3]
        errors += v["errors"]
    return {"code": code, "viewers": len(everyone), "browser_viewers": len(b_results), "run_s": run_s,
            "final_steps": pres.result.steps[-1] if pres.result.steps else None,
            "final_loss": pres.result.losses[-1] if pres.result.losses else None,
            "health_ms": {"p50": percentile(health, 50), "p95": percentile(health, 95), "n": len(health)},
            "delay_s": {"p50": percentile(delays, 50), "p95": percentile(delays, 95), "max": max(delays, default=None),
                        "n": len(delays)},
            "final_loss_equal": final_equal, "viewers_with_foreign_points": foreign, "errors": errors[:20],
            "rss_before_start_mb": rss0 / 2**20, "rss_no_viewers_mb": rss_no_viewers / 2**20, "peak_rss_mb": peak_rss / 2**20,
            "cpu_cores": cpu / wall if wall else None, "cpu_s": cpu, "wall_s": wall, "presenter_errors": pres.result.errors,
            "per_viewer": [{"last": v["last"], "odd": v["odd"], "n": len(v["steps"])} for v in everyone],
            "presenter_curve": list(ref.items())[-3:]}


def true_curve(seed: int) -> dict[int, float]:
    """The default run with this seed, trained here alone: the numbers every page must end on."""
    import sys

    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    from distill_core.config import DistillConfig
    from distill_core.engine import Engine
    from distill_core.teacher import load_teacher

    engine = Engine(config=DistillConfig(seed=seed, device="cpu"), teacher=load_teacher("bundled", "cpu"))
    while not engine.done:
        engine.run(engine.config.snapshot_every)
    return {s.step: s.loss for s in engine.history}


def check_against(run: dict, truth: dict[int, float], tol: float = 1e-6) -> dict:
    """Each page's curve against the run's own: its final point, and any point the run never had."""
    last = max(truth)
    near = lambda a, b: b is not None and abs(a - b) <= tol * abs(b)
    ends = sum(1 for v in run["per_viewer"] if v["last"][0] == [last] and near(v["last"][1][0], truth[last]))
    return {"true_final_step": last, "true_final_loss": truth[last], "viewers_on_true_final": ends,
            "presenter_on_true_final": run["presenter_curve"][-1][0] == last
            and near(run["presenter_curve"][-1][1], truth[last])}


def run_viewers(p: Params, viewers: int) -> dict:
    """Phase 1 (no viewers), then phase 2 (``viewers`` watching), on one server."""
    from dataclasses import replace

    p = replace(p, refresh_s=LAB_REFRESH_S)  # the presenter's page at the lab's shipped cadence
    truth = true_curve(11)  # before the server starts: its CPU is not the server's
    port = free_port()
    proc = start_server(port, p)
    monitor = None
    try:
        wait_healthy(port, proc)
        monitor = Monitor(port, proc.pid)
        monitor.start()  # its thread, and the probe process it starts, keep this priority
        clients_step_back(p)
        browsers = min(p.browsers, viewers) if shutil.which("chromium") else 0
        alone = asyncio.run(presenter_run(port, p, 11, 0, 0, monitor, proc.pid, truth))
        monitor.peak_rss = 0
        watched = asyncio.run(presenter_run(port, p, 11, viewers, browsers, monitor, proc.pid, truth))
    finally:
        stop_server(proc, monitor)
    return {"alone": alone, "watched": watched, "truth": check_against(watched, truth)}


def print_viewers(s: dict) -> None:
    a, w = s["alone"], s["watched"]
    fmt = lambda v, unit="", d=1: "n/a" if v is None else f"{v:.{d}f}{unit}"
    slow = w["run_s"] / a["run_s"] if a["run_s"] and w["run_s"] else None
    print(f"viewers              {w['viewers']} ({w['browser_viewers']} in Chromium) of one presenter's default run "
          f"(code {w['code']}); the clients at CPU priority +{s['params']['clients_nice']} (stand-ins for the "
          "students' laptops)")
    print(f"health latency       p50 {fmt(w['health_ms']['p50'], ' ms')}, p95 {fmt(w['health_ms']['p95'], ' ms')} "
          f"with viewers ({w['health_ms']['n']} samples); alone p95 {fmt(a['health_ms']['p95'], ' ms')}"
          f"   [target p95 <= {TARGETS['health_p95_ms']} ms]")
    print(f"viewer delay         p50 {fmt(w['delay_s']['p50'], ' s', 2)}, p95 {fmt(w['delay_s']['p95'], ' s', 2)}, "
          f"max {fmt(w['delay_s']['max'], ' s', 2)} from the presenter's page showing a step to a viewer's "
          f"({w['delay_s']['n']} step-views)   [target p95 <= {TARGETS['delay_p95_s']} s]")
    print(f"presenter's run      {fmt(w['run_s'], ' s')} with viewers, {fmt(a['run_s'], ' s')} alone: "
          f"{fmt(slow, 'x', 2)}   [target <= {TARGETS['slowdown']}x]")
    print(f"server memory        {fmt(w['peak_rss_mb'], ' MB', 0)} peak with viewers, {fmt(w['rss_no_viewers_mb'], ' MB', 0)} "
          f"with the run made and no viewer yet: +{fmt(w['peak_rss_mb'] - w['rss_no_viewers_mb'], ' MB', 0)} "
          f"[target <= +{TARGETS['memory_mb']} MB]; the run alone peaked at {fmt(a['peak_rss_mb'], ' MB', 0)}")
    print(f"server CPU           {fmt(w['cpu_cores'], ' cores', 2)} on average during the watched run "
          f"({fmt(w['cpu_s'], ' s')}), {fmt(a['cpu_cores'], ' cores', 2)} alone")
    print(f"final loss           {w['final_loss_equal']} of {w['viewers']} viewers end on the presenter's "
          f"{w['final_loss']!r} at step {w['final_steps']}; {w['viewers_with_foreign_points']} showed a point the "
          "run did not have (its own curve, trained here alone)")
    t = s["truth"]
    print(f"the run's own numbers {t['viewers_on_true_final']} of {w['viewers']} viewers end on its final loss "
          f"{t['true_final_loss']!r} at step {t['true_final_step']} (trained here alone, same seed); the presenter's "
          f"page {'does' if t['presenter_on_true_final'] else 'does not (a light client does not ask again for a point a rerun dropped; a browser does)'}")
    extra = (w["cpu_s"] - a["cpu_s"]) / (w["viewers"] * w["wall_s"]) if w["viewers"] and w.get("wall_s") else None
    print(f"server CPU per viewer {fmt(extra and extra * 1000, ' ms', 1)} a second (the watched run's CPU less the same "
          "run's alone, per viewer and second)")
    print(f"errors               {len(w['errors']) + len(w['presenter_errors'])} "
          f"{(w['errors'] + w['presenter_errors']) or ''}")


def main_viewers(p: Params, viewers: int, out: str | None) -> int:
    import json

    summary = run_viewers(p, viewers) | {"params": p.__dict__, "viewers": viewers}
    print_viewers(summary)
    if out:
        Path(out).write_text(json.dumps(summary, indent=2, default=str))
    return 0
