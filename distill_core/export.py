"""Write a run: the student (loadable by ``AutoModel.from_pretrained``), W_e, the config and the history.

Everything is first copied out of the engine (one consistent moment: call it while the trainer is paused or under
its lock), then written into a temporary folder beside the target and renamed into place, so a failed write
leaves no half-written run.
"""
from __future__ import annotations

import copy
import csv
import io
import json
import os
import shutil
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path

import torch
from safetensors.torch import save_file

HISTORY_FIELDS = ("step", "train_loss", "loss", "probe_loss", "floor", "ratio", "mean_cosine", "knn_overlap",
                  "steps_per_second", "lr", "elapsed")


@dataclass
class RunCopy:
    """A frozen copy of what a run export needs."""

    student: torch.nn.Module
    w_e: dict[str, torch.Tensor]
    tokenizer: object
    config: dict
    history: list[dict]


def copy_run(engine) -> RunCopy:
    student = copy.deepcopy(engine.pair.student).to("cpu")
    lin = engine.pair.projection.linear
    w_e = {"W_e": lin.weight.detach().T.contiguous().cpu().clone()}  # (d_s, d_t)
    if lin.bias is not None:
        w_e["bias"] = lin.bias.detach().cpu().clone()  # (d_t,)
    config = engine.config.to_dict() | {"teacher_name": engine.teacher.name, "teacher_dim": engine.targets.d_t,
                                        "step": engine.step_count}
    history = [s.scalars() for s in engine.history]
    if not history or history[-1]["step"] != engine.step_count:
        # Paused between snapshots: the history must end where the exported weights are (a read, not a record).
        history.append(engine.snapshot().scalars())
    return RunCopy(student, w_e, engine.teacher.tokenizer, config, history)


def history_csv(history: list[dict]) -> str:
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=HISTORY_FIELDS, extrasaction="ignore")
    writer.writeheader()
    writer.writerows(history)
    return buf.getvalue()


def _write(run: RunCopy, folder: Path) -> None:
    run.student.save_pretrained(folder, safe_serialization=True)
    run.tokenizer.save_pretrained(folder)
    save_file(run.w_e, str(folder / "w_e.safetensors"), metadata={"layout": "W_e is (d_s, d_t): y = x @ W_e + bias"})
    (folder / "run_config.json").write_text(json.dumps(run.config, indent=2, default=str))
    (folder / "history.csv").write_text(history_csv(run.history))


def save_run(engine_or_copy, out_dir: str | Path) -> Path:
    """Write the run into ``out_dir`` (replaced whole, atomically on one file system)."""
    run = engine_or_copy if isinstance(engine_or_copy, RunCopy) else copy_run(engine_or_copy)
    out = Path(out_dir).resolve()
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.", dir=out.parent))
    try:
        _write(run, tmp)
        if out.exists():
            old = out.with_name(f".{out.name}.old")
            shutil.rmtree(old, ignore_errors=True)
            os.replace(out, old)
            try:
                os.replace(tmp, out)
            except BaseException:
                os.replace(old, out)  # the previous run goes back in place
                raise
            shutil.rmtree(old, ignore_errors=True)
        else:
            os.replace(tmp, out)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return out


def run_zip(engine_or_copy) -> bytes:
    """The exported run as zip bytes (for a download button)."""
    run = engine_or_copy if isinstance(engine_or_copy, RunCopy) else copy_run(engine_or_copy)
    with tempfile.TemporaryDirectory() as tmp:
        folder = save_run(run, Path(tmp) / "student")
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
            for path in sorted(folder.rglob("*")):
                if path.is_file():
                    zf.write(path, Path("student") / path.relative_to(folder))
        return buf.getvalue()


def load_w_e(folder: str | Path) -> tuple[torch.Tensor, torch.Tensor | None]:
    """(W_e (d_s, d_t), bias (d_t,) or None) from an exported run."""
    from safetensors.torch import load_file

    data = load_file(str(Path(folder) / "w_e.safetensors"))
    return data["W_e"], data.get("bias")
