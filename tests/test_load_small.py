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

    p = load_test.Params(sessions=3, browsers=1, max_workers=2, steps=15, deadline_s=90.0, disconnect_check=True)
    s = load_test.run(p)
    load_test.print_summary(s)
    assert s["sessions"] == 3 and s["browser_sessions"] == 1
    assert not s["errors"], s["errors"]
    assert s["health_ms"]["samples"] > 0 and s["health_ms"]["failures"] == 0
    assert s["first_loss_s"]["sessions"] == 3  # every session saw its first loss point
    c = s["curves"]
    assert c["sessions_with_curve"] == 3 and c["own_curve"] == 3 and c["crossed"] == 0 and c["distinct_curves"] == 3
    d = s["disconnect"]
    assert d["queued_before_disconnect"] and d["slot_freed_after_s"] is not None  # a closed tab frees its slot
    assert s["peak_rss_mb"] > 0
