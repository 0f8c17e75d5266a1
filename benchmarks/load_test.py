"""Classroom load test: N sessions of the live lab at once against a local server (127.0.0.1 only).

    python benchmarks/load_test.py                 # 30 sessions, 3 of them real headless Chromium pages
    python benchmarks/load_test.py --sessions 3 --json out.json
    python benchmarks/load_test.py --viewers 100    # one presenter's run, 100 viewers on its watch link

It starts `streamlit run app.py` on a free local port, opens the sessions, presses Start in each with its own
seed, and while they train records: the latency of /_stcore/health, each session's time from Start to its
first loss point, the sessions that waited for a worker slot ("queued"), errors, and the server's peak memory.
A few sessions are real Chromium pages (Playwright); the rest speak Streamlit's own websocket protocol, as a
browser does, asking for the live fragment's reruns on its timer (a far lighter client than a browser, so the
machine's cores go to the server). Afterwards every session's loss curve is checked against the curve its own
seed gives when run alone: different seeds give different curves, and no session shows another's.
Finally a disconnect check: with every worker slot busy, one session closes its connection, and the time
until a waiting session starts training is how long the server took to free the slot.
"""
from __future__ import annotations

import argparse
import asyncio
import atexit
import json
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from dataclasses import asdict, dataclass, field
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
LOSS_TRACE = "MSE, all target rows"
CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]


@dataclass
class Params:
    sessions: int = 30
    browsers: int = 3             # of the sessions, how many are real Chromium pages
    max_workers: int = 4          # the server's LAB_MAX_WORKERS
    d_s: int = 64
    vocab_subset: int = 4000      # rows of the bundled teacher's table: small runs, many of them
    steps: int = 40
    snapshot_every: int = 5
    probe_size: int = 100
    refresh_s: float = 0.4        # the live numbers' rerun interval (LAB_REFRESH_S, the lab's default; a crowded
                                  # server's pages refresh once a second on their own, LAB_CROWD_REFRESH_S)
    deadline_s: float = 420.0     # the whole load phase ends by then, finished or not
    disconnect_check: bool = True
    # The clients (this process's loop and the Chromium pages) step back by this much CPU priority once the server
    # and the health probe are up: in a classroom they run on the students' laptops, not beside the server. 0: the
    # clients compete with the server for its cores as equals.
    clients_nice: int = 10

    def query(self, seed: int, steps: int | None = None, stop_when_converged: bool = True) -> str:
        return urlencode(dict(seed=seed, d_s=self.d_s, vocab_subset=self.vocab_subset, steps=steps or self.steps,
                              snapshot_every=self.snapshot_every, probe_size=self.probe_size)
                         | ({} if stop_when_converged else {"stop_tol": 0}))


@dataclass
class SessionResult:
    seed: int
    kind: str                                     # "browser" or "websocket"
    first_loss_s: float | None = None             # Start -> first loss point on the page
    done_s: float | None = None                   # Start -> "finished"
    queued: bool = False                          # waited for a worker slot at some point
    errors: list[str] = field(default_factory=list)
    steps: list[int] = field(default_factory=list)
    losses: list[float] = field(default_factory=list)


# -- the server -----------------------------------------------------------------------------------------------
def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(port: int, p: Params) -> subprocess.Popen:
    env = os.environ | {"LAB_UMAP": "0", "LAB_MAX_WORKERS": str(p.max_workers), "LAB_REFRESH_S": str(p.refresh_s),
                        "TOKENIZERS_PARALLELISM": "false", "PYTHONPATH": str(ROOT)}
    cmd = [sys.executable, "-m", "streamlit", "run", str(ROOT / "app.py"), "--server.port", str(port),
           "--server.address", "127.0.0.1", "--server.headless", "true", "--browser.gatherUsageStats", "false",
           "--server.fileWatcherType", "none"]
    return subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                            start_new_session=True)


def health_ms(port: int, timeout: float = 10.0) -> float | None:
    t0 = time.perf_counter()
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health", timeout=timeout) as r:
            r.read()
            ok = r.status == 200
    except OSError:
        return None
    return (time.perf_counter() - t0) * 1000 if ok else None


def wait_healthy(port: int, proc: subprocess.Popen, timeout: float = 90.0) -> None:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if proc.poll() is not None:
            said = proc.stderr.read().decode(errors="replace")[-2000:] if proc.stderr else ""
            raise RuntimeError(f"the server exited with code {proc.returncode}: {said}")
        if health_ms(port, 2.0) is not None:
            return
        time.sleep(0.3)
    raise RuntimeError("the server did not become healthy in time")


def rss_bytes(pid: int) -> tuple[int, int]:
    """(current RSS, peak RSS) of the server process, from psutil if installed, else /proc."""
    try:
        import psutil

        info = psutil.Process(pid).memory_info()
        peak = getattr(info, "peak_wset", None) or _proc_kb(pid, "VmHWM") * 1024
        return info.rss, peak
    except ImportError:
        return _proc_kb(pid, "VmRSS") * 1024, _proc_kb(pid, "VmHWM") * 1024
    except Exception:
        return 0, 0


def _proc_kb(pid: int, key: str) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(key + ":"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


PROBE = """
import os, sys, time
sys.path.insert(0, sys.argv[3])
from load_test import health_ms
port, every, parent = int(sys.argv[1]), float(sys.argv[2]), os.getppid()
while os.getppid() == parent:  # ends with the load test
    ms = health_ms(port)
    print(time.monotonic(), "nan" if ms is None else ms, flush=True)
    time.sleep(every)
"""


class Monitor(threading.Thread):
    """Times the health endpoint from a process of its own (the clients' loop in this process holds its
    interpreter lock most of the time: a thread here would time its own waits too), and polls the server's
    memory. Only probes that began while ``recording`` is set count."""

    def __init__(self, port: int, pid: int, every: float = 0.25):
        super().__init__(daemon=True)
        self.port, self.pid, self.every = port, pid, every
        self.latencies: list[float] = []
        self.timeline: list[tuple[float, float | None]] = []  # (seconds since recording began, ms or None)
        self.t0 = 0.0
        self.failures = 0
        self.peak_rss = 0
        self.stop_event = threading.Event()
        self.recording = threading.Event()

    def run(self) -> None:
        probe = subprocess.Popen([sys.executable, "-c", PROBE, str(self.port), str(self.every),
                                  str(Path(__file__).parent)], stdout=subprocess.PIPE, text=True)
        atexit.register(probe.kill)
        rss = threading.Thread(target=self._rss, daemon=True)
        rss.start()
        try:
            for line in probe.stdout:
                if self.stop_event.is_set():
                    break
                t, ms = map(float, line.split())
                t_start = t - (0.0 if ms != ms else ms / 1000)  # the monotonic clock is shared between processes
                if self.recording.is_set() and t_start >= self.t0:
                    self.timeline.append((t_start - self.t0, None if ms != ms else ms))
                    if ms != ms:
                        self.failures += 1
                    else:
                        self.latencies.append(ms)
        finally:
            probe.kill()
            probe.wait()

    def _rss(self) -> None:
        while not self.stop_event.is_set():
            self.peak_rss = max(self.peak_rss, rss_bytes(self.pid)[0])
            self.stop_event.wait(self.every)


# -- a session over Streamlit's websocket protocol ------------------------------------------------------------
def _loss_curve(spec_json: str) -> tuple[list[int], list[float]] | None:
    for trace in json.loads(spec_json).get("data", []):
        if trace.get("name") == LOSS_TRACE:
            return list(map(int, _array(trace.get("x")))), list(map(float, _array(trace.get("y"))))
    return None


class LiveCharts:
    """The figures the lab's in-place chart component (labui/live_chart.py) holds in a browser, rebuilt from what
    the server sends it: a whole figure, or the points appended to (extend) or replacing (restyle, glide) traces."""

    def __init__(self):
        self.figures: dict[str, dict] = {}  # key -> {"names": [...], "x": [[...]], "y": [[...]], "rev": int}
        self.missed: dict[str, int] = {}     # key -> a revision whose base this client never got

    def apply(self, data: dict) -> tuple[list[int], list[float]] | None:
        key = data.get("key")
        if data.get("full"):
            traces = json.loads(data["full"]).get("data", [])
            self.figures[key] = {"names": [t.get("name") for t in traces], "x": [_array(t.get("x")) for t in traces],
                                 "y": [_array(t.get("y")) for t in traces], "rev": data.get("rev")}
            self.missed.pop(key, None)
        fig = self.figures.get(key)
        if not data.get("full") and (fig is None or fig["rev"] not in (data.get("base"), data.get("rev"))):
            # A revision built on one this client never received (a run cut short by a rerun drops its unsent
            # messages): like the browser's chart, it asks once for the whole figure.
            self.missed[key] = data.get("rev")
            return None
        if fig is None:
            return None
        fig["rev"] = data.get("rev")
        for op in data.get("ops") or []:
            for name, part in op.items():
                if name not in ("extend", "restyle", "glide"):
                    continue
                for i, x, y in zip(part["traces"], part["x"], part["y"]):
                    if name == "extend":
                        fig["x"][i], fig["y"][i] = fig["x"][i] + list(x), fig["y"][i] + list(y)
                    else:
                        fig["x"][i], fig["y"][i] = list(x), list(y)
        if LOSS_TRACE in fig["names"]:
            i = fig["names"].index(LOSS_TRACE)
            return list(map(int, fig["x"][i])), list(map(float, fig["y"][i]))
        return None


def _array(v) -> list:
    if isinstance(v, dict) and "bdata" in v:  # plotly's typed-array encoding
        import base64

        import numpy as np

        return np.frombuffer(base64.b64decode(v["bdata"]), dtype=np.dtype(v["dtype"])).tolist()
    return list(v or [])


class WsSession:
    """One lab session spoken to the server as a browser would: load the page, press Start, rerun the live
    fragment on its timer, read the loss curve and the status from the elements the server sends."""

    def __init__(self, port: int, seed: int, query: str):
        self.url = f"ws://127.0.0.1:{port}/_stcore/stream"
        self.query, self.result = query, SessionResult(seed, "websocket")
        self.buttons: dict[str, str] = {}
        self.charts = LiveCharts()
        self.asks: dict[str, str] = {}  # component widget id -> its state (JSON) to send with the next rerun
        self.page_hash = ""  # the lab page's script hash, as a browser sends it once the server named it
        self.fragments: dict[str, float] = {}  # the page's timed fragments: id -> interval
        self.status = ""
        self.finished = asyncio.Event()
        self.ws = None
        self.t_start: float | None = None

    @property
    def live_fragment(self) -> str | None:
        """The fragment with the numbers and the loss curve: the page's fastest timer."""
        return min(self.fragments, key=self.fragments.get) if self.fragments else None

    async def _send_rerun(self, trigger: str | None = None, fragment: str | None = None) -> None:
        from streamlit.proto.BackMsg_pb2 import BackMsg

        msg = BackMsg()
        cs = msg.rerun_script
        cs.query_string, cs.page_name, cs.page_script_hash = self.query, "lab", self.page_hash
        if trigger:
            w = cs.widget_states.widgets.add()
            w.id, w.trigger_value = trigger, True
        for wid, state in self.asks.items():  # a chart that missed a revision asks for the whole figure
            w = cs.widget_states.widgets.add()
            w.id, w.json_value = wid, state
        self.asks.clear()
        if fragment:
            cs.fragment_id, cs.is_auto_rerun = fragment, True
        else:
            self.fragments.clear()  # a whole run registers the page's timers afresh
        self.finished.clear()
        await self.ws.send(msg.SerializeToString())

    def _on_message(self, raw: bytes) -> None:
        from streamlit.proto.Alert_pb2 import Alert
        from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

        msg = ForwardMsg()
        msg.ParseFromString(raw)
        kind = msg.WhichOneof("type")
        if kind == "script_finished":
            if msg.script_finished != ForwardMsg.FINISHED_EARLY_FOR_RERUN:  # else another run follows at once
                self.finished.set()
        elif kind == "navigation" and msg.navigation.page_script_hash:
            self.page_hash = msg.navigation.page_script_hash
        elif kind == "auto_rerun":
            self.fragments[msg.auto_rerun.fragment_id] = msg.auto_rerun.interval
        elif kind == "page_not_found":
            self.result.errors.append("page not found")
        elif kind == "delta" and msg.delta.WhichOneof("type") == "new_element":
            self._on_element(msg.delta.new_element, Alert)

    def _on_element(self, el, Alert) -> None:
        kind = el.WhichOneof("type")
        if kind == "button":
            self.buttons[el.button.label] = el.button.id
        elif kind == "markdown" and el.markdown.body.startswith("**") and len(el.markdown.body) < 40:
            self.status = el.markdown.body
            self.result.queued |= "queued" in self.status
        elif kind == "exception":
            self.result.errors.append(f"exception: {el.exception.message[:200]}")
        elif kind == "alert" and el.alert.format == Alert.ERROR:
            if el.alert.body not in self.result.errors:
                self.result.errors.append(el.alert.body[:200])
        elif kind == "plotly_chart" and self.t_start is not None:
            self._on_curve(_loss_curve(el.plotly_chart.spec))
        elif kind == "bidi_component" and el.bidi_component.component_name.endswith("live_chart") \
                and self.t_start is not None:
            data = json.loads(el.bidi_component.json or "{}")
            self._on_curve(self.charts.apply(data))
            if data.get("key") in self.charts.missed:
                self.asks[el.bidi_component.id] = json.dumps({"need": self.charts.missed[data["key"]]})

    def _on_curve(self, curve) -> None:
        if curve and curve[1]:
            if self.result.first_loss_s is None:
                self.result.first_loss_s = time.monotonic() - self.t_start
            self.result.steps, self.result.losses = curve

    async def _pump(self) -> None:
        async for raw in self.ws:
            if isinstance(raw, bytes):
                self._on_message(raw)

    async def _rerun_and_wait(self, timeout: float, **kw) -> None:
        await self._send_rerun(**kw)
        try:
            await asyncio.wait_for(self.finished.wait(), timeout)
        except asyncio.TimeoutError:
            pass

    async def open(self, timeout: float = 120.0) -> None:
        import websockets

        self.ws = await websockets.connect(self.url, subprotocols=["streamlit"], max_size=None)
        self.pump = asyncio.create_task(self._pump())
        await self._rerun_and_wait(timeout)
        if "Start" not in self.buttons:
            raise RuntimeError(f"seed {self.result.seed}: the lab page did not show a Start button")

    async def start(self, timeout: float = 120.0) -> None:
        self.t_start = time.monotonic()
        await self._rerun_and_wait(timeout, trigger=self.buttons["Start"])

    async def follow(self, until: float, stop_on=("finished", "stopped")) -> None:
        """Rerun the live fragment (the numbers and the loss curve: the page's fastest timer) as the page's timer
        would, until the run ends or `until`. The pictures' slower fragment is left out: a lighter client."""
        while time.monotonic() < until and not any(s in self.status for s in stop_on):
            fragment = self.live_fragment
            await asyncio.sleep(self.fragments[fragment] if fragment else 0.5)
            await self._rerun_and_wait(30.0, fragment=fragment)
        if "finished" in self.status and self.t_start is not None and self.result.done_s is None:
            self.result.done_s = time.monotonic() - self.t_start

    async def close(self) -> None:
        if self.ws is not None:
            await self.ws.close()
            self.pump.cancel()


# -- a session in a real browser ------------------------------------------------------------------------------
_READ_PAGE = """() => {
  const out = {status: '', steps: [], losses: [], errors: []};
  for (const d of document.querySelectorAll('.js-plotly-plot')) {
    for (const t of (d.data || [])) if (t.name === '%s') { out.steps = Array.from(t.x); out.losses = Array.from(t.y); }
  }
  const text = document.body.innerText;
  for (const s of ['queued', 'training', 'finished', 'stopped', 'paused']) if (text.includes('● ' + s)) out.status += s + ' ';
  for (const e of document.querySelectorAll('[data-testid="stAlertContentError"], [data-testid="stException"]'))
    out.errors.push(e.innerText.slice(0, 200));
  return out;
}""" % LOSS_TRACE


async def browser_session(browser, port: int, seed: int, query: str, until: float) -> SessionResult:
    res = SessionResult(seed, "browser")
    context = await browser.new_context(viewport={"width": 1400, "height": 1000})
    page = await context.new_page()
    try:
        await page.goto(f"http://127.0.0.1:{port}/lab?{query}", timeout=120_000)
        start = page.get_by_role("button", name=re.compile(r"^Start\b"))  # its name also carries its shortcut
        await start.wait_for(timeout=120_000)
        t0 = time.monotonic()
        await start.click()
        while time.monotonic() < until:
            state = await page.evaluate(_READ_PAGE)
            res.queued |= "queued" in state["status"]
            res.errors = sorted(set(res.errors) | set(state["errors"]))
            if state["losses"]:
                res.first_loss_s = res.first_loss_s or time.monotonic() - t0
                res.steps, res.losses = [int(s) for s in state["steps"]], [float(v) for v in state["losses"]]
            if "finished" in state["status"] and res.steps and res.steps[-1] >= 1:
                res.done_s = time.monotonic() - t0
                break
            if res.errors:
                break
            await asyncio.sleep(0.25)
        else:
            if not res.losses:  # what the page showed instead, for the report
                res.errors.append(f"no loss curve by the deadline; the page said: {state['status'] or 'no status'}")
                await page.screenshot(path=str(Path(tempfile.gettempdir()) / f"load_browser_{seed}.png"))
    except Exception as exc:  # a browser session that fails is an error of the test's result, not a crash
        res.errors.append(f"{type(exc).__name__}: {str(exc)[:200]}")
    finally:
        await context.close()
    return res


async def ws_session(port: int, seed: int, query: str, until: float) -> SessionResult:
    s = WsSession(port, seed, query)
    try:
        await s.open()
        await s.start()
        await s.follow(until)
    except Exception as exc:
        s.result.errors.append(f"{type(exc).__name__}: {str(exc)[:200]}")
    finally:
        await s.close()
    return s.result


# -- the phases -----------------------------------------------------------------------------------------------
async def load_phase(port: int, p: Params, monitor: Monitor) -> list[SessionResult]:
    until = time.monotonic() + p.deadline_s
    seeds = list(range(1, p.sessions + 1))
    n_browsers = min(p.browsers, p.sessions) if shutil.which("chromium") else 0
    tasks, pw, browser = [], None, None
    if n_browsers:
        from playwright.async_api import async_playwright

        pw = await async_playwright().start()
        browser = await pw.chromium.launch(executable_path=shutil.which("chromium"), args=CHROMIUM_FLAGS)
    monitor.t0 = time.monotonic()
    monitor.recording.set()
    try:
        for i, seed in enumerate(seeds):
            if i < n_browsers:
                tasks.append(asyncio.create_task(browser_session(browser, port, seed, p.query(seed), until)))
            else:
                tasks.append(asyncio.create_task(ws_session(port, seed, p.query(seed), until)))
        return list(await asyncio.gather(*tasks))
    finally:
        monitor.recording.clear()
        if browser is not None:
            await browser.close()
            await pw.stop()


async def warm_up(port: int, p: Params) -> float | None:
    """The instructor opens the lab first: the teacher and the shared targets load once, before the class.
    Returns that first session's time from Start to its first loss point (the cold start)."""
    s = WsSession(port, 0, p.query(0, steps=1))
    try:
        await s.open()
        await s.start()
        await s.follow(time.monotonic() + 180)
    finally:
        await s.close()
    return s.result.first_loss_s


async def disconnect_phase(port: int, p: Params) -> dict:
    """Fill every worker slot with a long run, queue one more, close one running session: how long until the
    queued one trains?"""
    long_steps = 100_000
    sessions = [WsSession(port, 1000 + i, p.query(1000 + i, steps=long_steps, stop_when_converged=False))
                for i in range(p.max_workers + 1)]
    try:
        for s in sessions[:-1]:
            await s.open()
            await s.start()
        end = time.monotonic() + 60
        while time.monotonic() < end and not all("training" in s.status for s in sessions[:-1]):
            await asyncio.gather(*(s._rerun_and_wait(10, fragment=s.live_fragment)
                                   for s in sessions[:-1]))
            await asyncio.sleep(0.3)
        waiting = sessions[-1]
        await waiting.open()
        await waiting.start()
        end = time.monotonic() + 30
        while time.monotonic() < end and "queued" not in waiting.status:
            await waiting._rerun_and_wait(10, fragment=waiting.live_fragment)
            await asyncio.sleep(0.3)
        was_queued = "queued" in waiting.status
        t0 = time.monotonic()
        await sessions[0].close()
        end = t0 + 30
        while time.monotonic() < end and "training" not in waiting.status:
            await waiting._rerun_and_wait(10, fragment=waiting.live_fragment)
            await asyncio.sleep(0.2)
        freed = time.monotonic() - t0 if "training" in waiting.status else None
        return {"queued_before_disconnect": was_queued, "slot_freed_after_s": freed}
    finally:
        for s in sessions[1:]:
            await s.close()


def reference_curves(p: Params, seeds: list[int], max_step: int) -> dict[int, dict[int, float]]:
    """Each seed's curve run alone in this process: what its session must show."""
    sys.path.insert(0, str(ROOT))
    from distill_core.config import DistillConfig
    from distill_core.engine import Engine
    from distill_core.targets import build_targets
    from distill_core.teacher import load_teacher

    teacher = load_teacher("bundled", "cpu")
    base = DistillConfig(hidden_size=p.d_s, vocab_subset=p.vocab_subset, steps=p.steps,
                         snapshot_every=p.snapshot_every, probe_size=p.probe_size, device="cpu")
    targets = build_targets(teacher, base)
    out = {}
    for seed in seeds:
        engine = Engine(config=DistillConfig(**(base.to_dict() | {"seed": seed})), teacher=teacher, targets=targets)
        engine.run(max_step)
        out[seed] = {s.step: s.loss for s in engine.history}
    return out


def check_curves(results: list[SessionResult], refs: dict[int, dict[int, float]]) -> dict:
    """Own curve: matches its seed's reference; crossed: closer to another seed's reference than to its own."""
    def distance(r: SessionResult, ref: dict[int, float]) -> float:
        pairs = [(v, ref[s]) for s, v in zip(r.steps, r.losses) if s in ref]
        return max((abs(a - b) / abs(b) for a, b in pairs), default=float("inf"))

    own, crossed, distinct = 0, 0, set()
    for r in results:
        if not r.losses:
            continue
        d_own = distance(r, refs[r.seed])
        d_other = min((distance(r, ref) for seed, ref in refs.items() if seed != r.seed), default=float("inf"))
        own += d_own < 1e-3
        crossed += d_other <= d_own
        distinct.add(tuple(round(v, 9) for v in r.losses[1:]))
    with_curve = sum(1 for r in results if r.losses)
    return {"sessions_with_curve": with_curve, "own_curve": own, "crossed": crossed,
            "distinct_curves": len(distinct)}


def percentile(values: list[float], q: float) -> float | None:
    if not values:
        return None
    values = sorted(values)
    return values[min(len(values) - 1, int(round(q / 100 * (len(values) - 1))))]


def summarise(p: Params, results: list[SessionResult], monitor: Monitor, curves: dict, disconnect: dict | None,
              peak_hwm: int, wall_s: float) -> dict:
    first = [r.first_loss_s for r in results if r.first_loss_s is not None]
    done = [r.done_s for r in results if r.done_s is not None]
    return {
        "params": asdict(p),
        "sessions": len(results),
        "browser_sessions": sum(r.kind == "browser" for r in results),
        "health_ms": {"p50": percentile(monitor.latencies, 50), "p95": percentile(monitor.latencies, 95),
                      "max": max(monitor.latencies, default=None), "samples": len(monitor.latencies),
                      "failures": monitor.failures},
        "first_loss_s": {"p50": percentile(first, 50), "p95": percentile(first, 95), "max": max(first, default=None),
                         "sessions": len(first)},
        "finished": len(done),
        "finished_s": {"p50": percentile(done, 50), "max": max(done, default=None)},
        "queued_sessions": sum(r.queued for r in results),
        "errors": {r.seed: r.errors for r in results if r.errors},
        "health_timeline": [(round(t, 2), None if ms is None else round(ms, 1)) for t, ms in monitor.timeline],
        "curves": curves,
        "disconnect": disconnect,
        "peak_rss_mb": round(max(peak_hwm, monitor.peak_rss) / 2**20, 1),
        "wall_s": round(wall_s, 1),
        "per_session": [asdict(r) for r in results],
    }


def clients_step_back(p: Params) -> None:
    """Lower this thread's CPU priority by p.clients_nice (Linux nices threads one by one; the Chromium processes
    started from it afterwards inherit it). The health probe's process, started before, keeps its priority."""
    if p.clients_nice <= 0 or not hasattr(os, "setpriority"):
        return
    tid = threading.get_native_id()
    try:
        os.setpriority(os.PRIO_PROCESS, tid, min(19, os.getpriority(os.PRIO_PROCESS, tid) + p.clients_nice))
    except OSError:
        pass


def stop_server(proc, monitor=None) -> None:
    """End the health monitor and the server (killed if it does not stop within 20 s)."""
    if monitor is not None:
        monitor.stop_event.set()
    proc.terminate()
    try:
        proc.wait(20)
    except subprocess.TimeoutExpired:
        proc.kill()


def run(p: Params) -> dict:
    port = free_port()
    proc = start_server(port, p)
    t0 = time.monotonic()
    monitor = None
    try:
        wait_healthy(port, proc)
        monitor = Monitor(port, proc.pid)
        monitor.start()  # its thread, and the probe process it starts, keep this priority
        clients_step_back(p)
        cold = asyncio.run(warm_up(port, p))
        results = asyncio.run(load_phase(port, p, monitor))
        disconnect = asyncio.run(disconnect_phase(port, p)) if p.disconnect_check else None
        peak = rss_bytes(proc.pid)[1]
    finally:
        stop_server(proc, monitor)
    wall = time.monotonic() - t0
    max_step = max((r.steps[-1] for r in results if r.steps), default=0)
    curves = check_curves(results, reference_curves(p, [r.seed for r in results], max_step))
    return summarise(p, results, monitor, curves, disconnect, peak, wall) | {"cold_first_loss_s": cold}


def print_summary(s: dict) -> None:
    h, f = s["health_ms"], s["first_loss_s"]
    fmt = lambda v, unit="": "n/a" if v is None else f"{v:.1f}{unit}"
    print(f"sessions             {s['sessions']} ({s['browser_sessions']} in Chromium), worker cap "
          f"{s['params']['max_workers']}; the clients at CPU priority +{s['params']['clients_nice']} "
          "(stand-ins for the students' laptops)")
    print(f"health latency       p50 {fmt(h['p50'], ' ms')}, p95 {fmt(h['p95'], ' ms')}, max {fmt(h['max'], ' ms')} "
          f"({h['samples']} samples, {h['failures']} failed)")
    print(f"first loss point     p50 {fmt(f['p50'], ' s')}, p95 {fmt(f['p95'], ' s')}, max {fmt(f['max'], ' s')} "
          f"({f['sessions']} sessions)")
    print(f"finished runs        {s['finished']} of {s['sessions']} (p50 {fmt(s['finished_s']['p50'], ' s')} "
          f"after Start)")
    print(f"queued by the cap    {s['queued_sessions']} sessions")
    print(f"cold start           {fmt(s.get('cold_first_loss_s'), ' s')} to the first loss point for the first "
          "session (teacher loaded once per server)")
    c = s["curves"]
    print(f"own curves           {c['own_curve']} of {c['sessions_with_curve']} match their seed's reference; "
          f"{c['crossed']} crossed; {c['distinct_curves']} distinct")
    if s["disconnect"]:
        d = s["disconnect"]
        print(f"disconnect           slot freed after {fmt(d['slot_freed_after_s'], ' s')} "
              f"(waiting session was queued: {d['queued_before_disconnect']})")
    print(f"errors               {sum(len(e) for e in s['errors'].values())} {s['errors'] or ''}")
    print(f"peak server memory   {s['peak_rss_mb']} MB RSS")
    print(f"wall time            {s['wall_s']} s")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    defaults = Params()
    for name, value in asdict(defaults).items():
        flag = "--" + name.replace("_", "-")
        if isinstance(value, bool):
            ap.add_argument(flag, action=argparse.BooleanOptionalAction, default=value)
        else:
            ap.add_argument(flag, type=type(value), default=value)
    ap.add_argument("--json", help="also write the summary to this file")
    ap.add_argument("--viewers", type=int, default=0, help="N viewers watch one presenter's default run through its "
                    "watch link (benchmarks/watch_load.py); --browsers of them are Chromium pages")
    args = vars(ap.parse_args(argv))
    out = args.pop("json")
    viewers = args.pop("viewers")
    if viewers:
        from watch_load import main_viewers

        return main_viewers(Params(**args), viewers, out)
    summary = run(Params(**args))
    print_summary(summary)
    if out:
        Path(out).write_text(json.dumps(summary, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
