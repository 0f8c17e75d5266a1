"""What every browser test needs: the app started by `streamlit run` on a free local port, and Debian's Chromium."""
from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
CONNECTED = '[data-testid="stApp"][data-test-connection-state="CONNECTED"]'
IDLE = '[data-testid="stApp"][data-test-script-state="notRunning"]'


def settled(page, timeout: float = 180_000) -> None:
    """Connected, and the page's script has finished its run (no exception drawn)."""
    page.wait_for_selector(CONNECTED, timeout=timeout)
    page.wait_for_timeout(300)  # a rerun asked for by the last one starts within this
    page.wait_for_selector(IDLE, timeout=timeout)
    assert page.locator('[data-testid="stException"]').count() == 0


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_health(url: str, proc, timeout: float = 90.0) -> None:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if proc.poll() is not None:
            raise RuntimeError(f"streamlit exited with code {proc.returncode}")
        try:
            with urllib.request.urlopen(url + "/_stcore/health", timeout=2) as r:
                if r.status == 200:
                    return
        except OSError:
            time.sleep(0.3)
    raise TimeoutError("streamlit did not become healthy")


@contextlib.contextmanager
def app_server(**env_extra: str):
    """`streamlit run app.py` on 127.0.0.1 (UMAP off unless LAB_UMAP says otherwise); yields its base URL."""
    port = free_port()
    env = {**os.environ, "LAB_UMAP": os.environ.get("LAB_UMAP", "0"), "TOKENIZERS_PARALLELISM": "false", **env_extra}
    proc = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", "app.py", "--server.headless", "true", "--server.port", str(port),
         "--server.address", "127.0.0.1", "--browser.gatherUsageStats", "false"],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    try:
        wait_health(url, proc)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(15)
        except subprocess.TimeoutExpired:
            proc.kill()


@contextlib.contextmanager
def chromium_browser():
    """Debian's Chromium driven by Playwright, closed afterwards; the test is skipped where it is not installed."""
    import pytest

    if shutil.which("chromium") is None:
        pytest.skip("Debian's chromium is not installed (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = launch_chromium(p)
        try:
            yield browser
        finally:
            browser.close()


def launch_chromium(playwright):
    """Debian's Chromium in headless mode (Playwright's own browser download is not used)."""
    return playwright.chromium.launch(executable_path=shutil.which("chromium"), args=CHROMIUM_FLAGS)


# Module-scoped fixtures for the walks through the app (import them into a test module by name): one server with UMAP
# off (the walks test pages, not UMAP) and one Chromium.
try:
    import pytest
except ImportError:  # the benchmarks import this module without pytest
    pytest = None

if pytest is not None:
    @pytest.fixture(scope="module")
    def server():
        with app_server(LAB_UMAP="0") as url:
            yield url

    @pytest.fixture(scope="module")
    def browser():
        from playwright.sync_api import sync_playwright

        with sync_playwright() as p:
            b = launch_chromium(p)
            yield b
            b.close()
