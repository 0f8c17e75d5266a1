"""The GPU path in one command: ``bash scripts/gpu_check.sh`` (or ``python scripts/gpu_check.py``).

On a CUDA machine it runs, on ``cuda``: the engine, the CLI in one process and under ``torchrun
--nproc_per_node=1`` (nccl), the lab's worker and the export; it checks the device each one reports, that the
losses match the same runs on the CPU within a tolerance (float32 kernels differ between devices, so bit equality
is not expected), that GPU memory is released when a session's worker stops, and prints the training time to
ratio <= 1.01 on the default settings. Without CUDA it says "no CUDA device" and exits 0.

``--device cpu`` runs every check with the CPU standing in for the GPU (the comparison is then CPU against CPU):
the tests use it so that this script cannot rot on machines without a GPU.
"""
from __future__ import annotations

import argparse
import gc
import io
import json
import os
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import torch  # noqa: E402

from distill_core.config import DistillConfig  # noqa: E402
from distill_core.engine import Engine  # noqa: E402
from distill_core.teacher import load_teacher  # noqa: E402

RTOL = 2e-3  # relative difference allowed between the CPU's and the GPU's final loss of the same seeded run
SMALL = dict(hidden_size=64, vocab_subset=3000, probe_size=200, steps=40, snapshot_every=10, seed=0)


class Check:
    """Collects pass/fail lines; the script exits non-zero if any check failed."""

    def __init__(self):
        self.failed: list[str] = []

    def __call__(self, ok: bool, what: str) -> None:
        print(f"[{'ok' if ok else 'FAIL'}] {what}", flush=True)
        if not ok:
            self.failed.append(what)


def close(a: float, b: float) -> bool:
    return abs(a - b) <= RTOL * max(abs(a), abs(b), 1e-12)


def engine_losses(device: str, teacher) -> list[float]:
    engine = Engine(DistillConfig(device=device, **SMALL), teacher=teacher)
    snaps = engine.run(SMALL["steps"])
    assert str(engine.device).startswith(device), engine.device
    return [s.loss for s in snaps]


def check_engine(check: Check, device: str, teachers: dict) -> None:
    ref = engine_losses("cpu", teachers["cpu"])
    got = engine_losses(device, teachers[device])
    check(len(ref) == len(got) and all(close(a, b) for a, b in zip(ref, got)),
          f"engine on {device}: {len(got)} snapshots, final loss {got[-1]:.6g} vs CPU {ref[-1]:.6g}")


def cli_run(device: str, out: Path, torchrun: bool) -> dict:
    args = ["-m", "distill_core", "run", "--device", device, "--student-dim", str(SMALL["hidden_size"]),
            "--vocab-subset", str(SMALL["vocab_subset"]), "--steps", str(SMALL["steps"]),
            "--seed", "0", "--quiet", "--json", str(out / "summary.json"), "--out", str(out / "student")]
    launcher = ["-m", "torch.distributed.run", "--nproc_per_node=1", "--master_port=29517"] if torchrun else []
    env = dict(os.environ, TOKENIZERS_PARALLELISM="false")
    proc = subprocess.run([sys.executable, *launcher, *args], cwd=ROOT, env=env, capture_output=True, text=True)
    if proc.returncode != 0:
        raise RuntimeError(f"CLI exited {proc.returncode}: {proc.stderr.strip()[-500:]}")
    return json.loads((out / "summary.json").read_text())


def check_cli(check: Check, device: str) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        ref = cli_run("cpu", Path(tmp) / "cpu", torchrun=False)
        for torchrun in (False, True):
            where = "torchrun --nproc_per_node=1" if torchrun else "one process"
            try:
                got = cli_run(device, Path(tmp) / f"{device}-{torchrun}", torchrun)
            except RuntimeError as exc:
                check(False, f"CLI ({where}) on {device}: {exc}")
                continue
            want_backend = ("nccl" if device == "cuda" else "gloo") if torchrun else None
            check(got["device"].startswith(device) and close(got["final_mse"], ref["final_mse"])
                  and got.get("backend") == want_backend,
                  f"CLI ({where}): device {got['device']}, final MSE {got['final_mse']:.6g} vs CPU "
                  f"{ref['final_mse']:.6g}, world size {got['world_size']}, backend {got.get('backend')}")


def check_worker(check: Check, device: str, teacher) -> None:
    """The lab's worker trains on the device, exports a loadable student, and frees the GPU when stopped."""
    from transformers import AutoModel

    from distill_core.export import load_w_e
    from labui.worker import LabWorker

    cuda = device == "cuda"
    if cuda:
        torch.cuda.synchronize()
        gc.collect()
        torch.cuda.empty_cache()
    before = torch.cuda.memory_allocated() if cuda else 0
    worker = LabWorker()
    worker.start(DistillConfig(device=device, **SMALL), teacher)
    deadline = time.time() + 300
    while worker.view().status not in ("done", "error") and time.time() < deadline:
        time.sleep(0.2)
    view = worker.view()
    check(view.status == "done" and view.latest is not None and str(view.latest["device"]).startswith(device),
          f"lab worker: status {view.status}, device {view.latest['device'] if view.latest else None}, "
          f"error {view.error}")
    with tempfile.TemporaryDirectory() as tmp:
        zipfile.ZipFile(io.BytesIO(worker.export_zip())).extractall(tmp)
        folder = next(p.parent for p in Path(tmp).rglob("config.json"))
        student = AutoModel.from_pretrained(folder)
        w_e, _ = load_w_e(folder)
        d_t = teacher.config.hidden_size
        check(student.config.hidden_size == SMALL["hidden_size"] and tuple(w_e.shape) == (SMALL["hidden_size"], d_t),
              f"export: student hidden {student.config.hidden_size}, W_e {tuple(w_e.shape)} (d_s, d_t)")
    during = torch.cuda.memory_allocated() if cuda else 0
    worker.stop()
    worker.join()
    del worker
    gc.collect()
    if cuda:
        torch.cuda.synchronize()
        torch.cuda.empty_cache()
    after = torch.cuda.memory_allocated() if cuda else 0
    check(after <= before + 1_000_000,
          f"GPU memory: {before / 2**20:.1f} MiB before the run, {during / 2**20:.1f} MiB while it existed, "
          f"{after / 2**20:.1f} MiB after the worker stopped")


def time_to_floor(device: str, teacher) -> None:
    from distill_core.bench import time_to_ratio

    found = time_to_ratio(teacher, torch.device(device))
    for r in (1.05, 1.01):
        if r in found:
            step, train_s, wall_s = found[r]
            print(f"defaults (vocab, d_s=128) on {device}: ratio <= {r} at step {step}, {train_s:.2f} s of training "
                  f"({wall_s:.2f} s with a whole-vocabulary evaluation after every step)", flush=True)
        else:
            print(f"defaults on {device}: ratio <= {r} not reached in 200 steps", flush=True)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="scripts/gpu_check.py", description=__doc__.splitlines()[0])
    parser.add_argument("--device", default="cuda", choices=("cuda", "cpu"),
                        help="cpu: the same checks with the CPU standing in (for the tests)")
    parser.add_argument("--skip-timing", action="store_true", help="leave out the time-to-floor measurement")
    args = parser.parse_args(argv)
    if args.device == "cuda" and not torch.cuda.is_available():
        print("no CUDA device: nothing to check here (run this on a machine with an NVIDIA GPU)")
        return 0
    if args.device == "cuda":
        print(f"CUDA device: {torch.cuda.get_device_name(0)}, torch {torch.__version__}, CUDA {torch.version.cuda}")
    check = Check()
    teachers = {"cpu": load_teacher("bundled", "cpu")}
    teachers[args.device] = teachers["cpu"] if args.device == "cpu" else load_teacher("bundled", args.device)
    where = str(next(teachers[args.device].model.parameters()).device)
    check(where.startswith(args.device), f"teacher loaded on {where}")
    check_engine(check, args.device, teachers)
    check_cli(check, args.device)
    check_worker(check, args.device, teachers[args.device])
    if not args.skip_timing:
        time_to_floor(args.device, teachers[args.device])
    print(f"{len(check.failed)} check(s) failed" if check.failed else "all GPU-path checks passed")
    return 1 if check.failed else 0


if __name__ == "__main__":
    sys.exit(main())
