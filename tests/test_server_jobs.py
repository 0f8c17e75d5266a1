"""Slow results computed once per server behind a progress bar: the page paints first, then fills in."""
import time
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

import labui.server_jobs as SJ

PAGE = '''
import time
import streamlit as st
from labui.server_jobs import result_or_progress, peek

st.title("A page")
calls = st.session_state.setdefault("calls", [])

def slow(report, n):
    report("fraction", 0.5)
    time.sleep(2.0)
    return n * 2

value = result_or_progress("slow_test", "Computing", slow, 21, stop=STOP)
st.markdown(f"value {value}")
st.markdown(f"peek {peek('slow_test', 21)}")
'''


@pytest.fixture()
def page(tmp_path, monkeypatch):
    monkeypatch.setattr(SJ, "_has_browser", lambda: True)  # as under `streamlit run`: a browser polls

    def make(stop: bool) -> AppTest:
        f = tmp_path / f"page_{stop}.py"
        f.write_text(PAGE.replace("STOP", str(stop)))
        return AppTest.from_file(str(f), default_timeout=30)
    return make


def _reset():
    jobs, lock = SJ._registry()
    with lock:
        jobs.clear()


def test_page_paints_then_fills_in_and_the_next_session_gets_it_at_once(page):
    _reset()
    at = page(True)
    at.run()                                     # the first screen does not wait for the 2 s computation:
    assert at.title[0].value == "A page" and at.get("progress")  # a visible progress bar
    assert not [m for m in at.markdown if m.value.startswith("value")]  # stopped below the bar
    time.sleep(2.5)
    at.run()
    assert "value 42" in [m.value for m in at.markdown] and not at.get("progress")
    other = page(True)                           # another session: the server's result, no bar, no wait
    other.run()
    assert "value 42" in [m.value for m in other.markdown] and not other.get("progress")


def test_without_stop_the_rest_of_the_page_is_drawn(page):
    _reset()
    at = page(False).run()
    texts = [m.value for m in at.markdown]
    assert "value None" in texts and "peek None" in texts and at.get("progress")
    time.sleep(2.5)
    at.run()
    assert "value 42" in [m.value for m in at.markdown] and "peek 42" in [m.value for m in at.markdown]


def test_without_a_browser_it_waits_for_the_result(tmp_path):
    _reset()
    f = tmp_path / "page.py"
    f.write_text(PAGE.replace("STOP", "True"))
    at = AppTest.from_file(str(f), default_timeout=30).run()  # AppTest: nothing would poll, so it waits
    assert "value 42" in [m.value for m in at.markdown] and not at.get("progress")


def test_sweep_paints_its_title_before_its_svds(monkeypatch):
    """Before: the sweep computed the SVDs of the whole word table and the corpus before drawing anything below
    its title. Now the first run ends with a progress bar, and a later run draws the floors."""
    monkeypatch.setattr(SJ, "_has_browser", lambda: True)
    monkeypatch.setattr(SJ, "FIRST_WAIT_S", 0.0)  # on a quiet machine the SVDs can beat the usual short wait
    _reset()
    root = Path(__file__).resolve().parent.parent
    at = AppTest.from_file(str(root / "app_pages" / "sweep.py"), default_timeout=300).run()
    assert not at.exception and at.title[0].value == "Dimension sweep"
    assert at.get("progress") and not at.get("plotly_chart")
    jobs, _ = SJ._registry()
    next(iter(jobs.values())).join(300)
    at.run()
    assert not at.exception and at.get("plotly_chart") and not at.get("progress")
