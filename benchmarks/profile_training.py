"""Where a training step's time goes while the lab page is open in a browser; prints figures, asserts nothing.

    python benchmarks/profile_training.py [--steps 100]

The CLI trains the lab's defaults for --steps steps (stop_tol 0) as the reference. Then a fresh `streamlit run
app.py` (UMAP on, as shipped) is opened in headless Chromium at the lab, left to warm up, and the same run is
started twice with its button:

1. with nothing attached: steps/s, and the CPU the server process and Chromium used meanwhile (from /proc);
2. with py-spy sampling the server at 100 Hz with ``--gil``: only the thread holding the interpreter lock is
   recorded, so each thread's samples over the run's samples say how much of the run it held the lock.

A step of the lab's defaults is a few torch ops on 30k x 384 tensors, which release the lock. If the pages' threads
hold the lock much of the run, reruns stall training (the cure: a process per run); if the lock is free most of the
time and the run is still slower than the CLI, training lacks cores (the cure: less work beside it). (py-spy's own
"active" mode is not used: on this machine it counted threads asleep in time.sleep as active.) Needs py-spy
(`pip install py-spy`) with permission to attach.
"""
from __future__ import annotations

import argparse
import collections
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "benchmarks"))
sys.path.insert(0, str(ROOT))

from bench_app import CONNECTED, _cpu_of, _cpu_s, _server, browser_run, cli_rate, summarise, wait_idle  # noqa: E402
from load_test import free_port, wait_healthy  # noqa: E402

RATE = 100  # samples a second


def py_spy() -> str | None:
    return shutil.which("py-spy") or (str(Path(sys.executable).parent / "py-spy")
                                      if (Path(sys.executable).parent / "py-spy").exists() else None)


def thread_group(name: str) -> str:
    """Streamlit names a script thread per session and a fragment thread per rerun: group them by kind."""
    name = re.sub(r"\(\d+\)|_\d+|-\d+|\d+$", "", name).strip()
    return name or "unnamed"


def read_raw(path: Path) -> tuple[collections.Counter, dict[str, collections.Counter]]:
    """py-spy's raw output -> samples per thread group, and per group the innermost frames' counts."""
    per_thread, leaves = collections.Counter(), collections.defaultdict(collections.Counter)
    for line in path.read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        frames = stack.split(";")
        group = thread_group(frames[0].split(":", 1)[1].strip() if ":" in frames[0] else frames[0])
        per_thread[group] += int(count)
        leaf = next((f for f in reversed(frames[1:]) if "threading.py" not in f), frames[-1])
        leaves[group][re.sub(r" \(.*?/(site-packages/)?", " (", leaf)] += int(count)
    return per_thread, leaves


def sampled_run(page, url: str, pid: int, gil: bool, out: Path) -> tuple[dict, float, float, float]:
    """Press Start at url (py-spy --gil recording the server when gil); the run's summary, the seconds it took, and
    the cores the server process and Chromium used meanwhile."""
    spy = None
    if gil:
        spy = subprocess.Popen([py_spy(), "record", "--pid", str(pid), "--threads", "--gil", "-r", str(RATE), "-f",
                                "raw", "-o", str(out), "--nonblocking"],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(1.0)  # attached
    t0, c0, b0 = time.monotonic(), _cpu_s(pid), _cpu_of("chromium")
    seen = browser_run(page, url)
    seconds = time.monotonic() - t0
    server, drawing = (_cpu_s(pid) - c0) / seconds, (_cpu_of("chromium") - b0) / seconds
    if spy is not None:
        spy.send_signal(signal.SIGINT)
        spy.wait(30)
    return summarise(seen), seconds, server, drawing


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--steps", type=int, default=100)
    args = ap.parse_args()
    if py_spy() is None:
        sys.exit("py-spy is not installed: pip install py-spy")
    from playwright.sync_api import sync_playwright

    print(f"{os.cpu_count()} CPU cores; load average before: {os.getloadavg()[0]:.1f} (others' work inflates times)")
    cli_sps, _ = cli_rate(args.steps, 0.0)
    print(f"CLI, lab defaults, {args.steps} steps (stop_tol 0): {cli_sps:.2f} steps/s")
    port = free_port()
    proc = _server(port, umap=True)
    tmp = Path(tempfile.mkdtemp())
    try:
        wait_healthy(port, proc)
        base = f"http://127.0.0.1:{port}"
        url = f"{base}/lab?steps={args.steps}&stop_tol=0"
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=shutil.which("chromium"), args=[
                "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"])
            page = browser.new_page(viewport={"width": 1400, "height": 1400})
            page.goto(f"{base}/lab")
            page.wait_for_selector(CONNECTED, timeout=120_000)
            print(f"server warm {wait_idle(proc.pid):.0f} s after the first page view", flush=True)
            results = {}
            for gil in (False, True):
                out = tmp / "gil.txt"
                summary, seconds, server, drawing = sampled_run(page, url, proc.pid, gil, out)
                results[gil] = (read_raw(out) if gil else None, seconds)
                rate = summary["rate"] or float("nan")
                print(f"browser run {'(py-spy --gil attached)' if gil else '(nothing attached)'}: {rate:.2f} steps/s = "
                      f"{rate / cli_sps:.2f}x the CLI over {seconds:.1f} s; server process {server:.2f} cores, "
                      f"Chromium {drawing:.2f} cores of {os.cpu_count()}", flush=True)
            browser.close()
    finally:
        proc.terminate()
        proc.wait(20)
    (held, held_leaves), g_s = results[True]
    print(f"\nshare of the run's wall time each server thread held the interpreter lock (py-spy --gil):")
    for name in sorted(held, key=lambda n: -held[n]):
        print(f"  {name:32s} {held[name] / (RATE * g_s):>6.1%}")
    print(f"  {'(anyone)':32s} {sum(held.values()) / (RATE * g_s):>6.1%}")
    for name in sorted(held, key=lambda n: -held[n])[:3]:
        total = sum(held_leaves[name].values()) or 1
        print(f"{name}, where it held the lock (innermost frames, share of its samples):")
        for frame, n in held_leaves[name].most_common(4):
            print(f"  {n / total:5.0%}  {frame}")
    print(f"load average after: {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
