"""The classroom load test, small: three sessions (one in Chromium) against a real local server."""
from __future__ import annotations

import shutil
import sys

import pytest

from conftest import ROOT

sys.path.insert(0, str(ROOT / "benchmarks"))

pytestmark = pytest.mark.skipif(shutil.which("chromium") is None, reason="Chromium is not installed")


def test_three_sessions_train_their_own_runs():
    import load_test

    # clients_nice=0: the load test would lower the priority of this (pytest's) thread for good, and every test after
    # it would run niced; this test checks correctness, not the server's share of the cores.
    p = load_test.Params(sessions=3, browsers=1, max_workers=2, steps=15, deadline_s=90.0, disconnect_check=True,
                         clients_nice=0)
    s = load_test.run(p)
    load_test.print_summary(s)
    for r in s["per_session"]:  # on a failure, what each session saw
        print(r["seed"], r["kind"], "first", r["first_loss_s"], "done", r["done_s"], "queued", r["queued"],
              "steps", r["steps"][-3:], "errors", r["errors"])
    assert s["sessions"] == 3 and s["browser_sessions"] == 1
    assert not s["errors"], s["errors"]
    assert s["health_ms"]["samples"] > 0 and s["health_ms"]["failures"] == 0
    assert s["first_loss_s"]["sessions"] == 3  # every session saw its first loss point
    c = s["curves"]
    assert c["sessions_with_curve"] == 3 and c["own_curve"] == 3 and c["crossed"] == 0 and c["distinct_curves"] == 3
    d = s["disconnect"]
    assert d["queued_before_disconnect"] and d["slot_freed_after_s"] is not None  # a closed tab frees its slot
    assert s["peak_rss_mb"] > 0
