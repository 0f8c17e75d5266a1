"""The lab's schedule note names a measured case only on the settings it was measured with."""
from __future__ import annotations

from dataclasses import replace
from types import SimpleNamespace

from distill_core.config import DistillConfig
from labui.live_view import schedule_note


def note_for(config: DistillConfig) -> str:
    view = SimpleNamespace(config=config, latest={"lr": 0.02, "step": 40}, converged=None)
    return schedule_note(view)


def test_the_measured_bounce_is_named_on_the_default_run_only():
    default = note_for(DistillConfig())
    assert "a constant 0.03 kicked the loss from 1.01× to 1.11×" in default
    for other in (replace(DistillConfig(), hidden_size=32), replace(DistillConfig(), target="sequence"),
                  replace(DistillConfig(), lr=0.01), replace(DistillConfig(), vocab_subset=1000)):
        text = note_for(other)
        assert "Adam keeps stepping about lr per weight" in text  # the general reason stays
        assert "0.03 kicked" not in text and "1.11×" not in text
