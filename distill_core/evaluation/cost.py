"""What a smaller BERT gains, measured: the teacher and a distilled student, same tokenizer, same batch.

For each model: parameters; the size of its saved folder (``save_pretrained``, safetensors); the peak memory
of one forward pass (the weights plus the largest amount of activations alive at once: on CUDA from the
allocator's peak, on the CPU from torch's profiler, which records every allocation and free of the pass); and
the latency of one batch of 32 sentences, the median of several repeats after a warm-up. CPU always, CUDA too
where present. Timings move with whatever else the machine runs: the two models are timed in alternation so
that both see the same load, and the ratio is the number to read.
"""
from __future__ import annotations

import statistics
import tempfile
import time
from dataclasses import asdict, dataclass
from pathlib import Path

import torch

from ..assets import default_corpus

BATCH = 32


@dataclass
class Cost:
    name: str
    device: str
    parameters: int
    file_mb: float            # the saved folder: weights as safetensors plus config
    weights_mb: float         # parameters x bytes each, as loaded
    activations_mb: float     # the most activation memory alive at once during the forward pass
    latency_ms: float         # median over repeats, one batch of BATCH sentences
    latency_spread_ms: tuple[float, float]  # fastest and slowest repeat

    @property
    def peak_mb(self) -> float:
        return self.weights_mb + self.activations_mb


def saved_size_mb(model) -> float:
    with tempfile.TemporaryDirectory() as tmp:
        model.save_pretrained(tmp)  # safetensors by default
        return sum(f.stat().st_size for f in Path(tmp).iterdir() if f.is_file()) / 2**20


def _cpu_activation_peak(model, batch: dict) -> float:
    """The most bytes alive at once during one forward pass, replayed from the profiler's allocation record."""
    from torch.profiler import ProfilerActivity, profile

    with torch.no_grad(), profile(activities=[ProfilerActivity.CPU], profile_memory=True) as prof:
        model(**batch)
    changes = [(e.time_range.start, e.cpu_memory_usage if e.name == "[memory]" else e.self_cpu_memory_usage)
               for e in prof.events() if e.name == "[memory]" or e.self_cpu_memory_usage]
    now = peak = 0
    for _, delta in sorted(changes):
        now += delta
        peak = max(peak, now)
    return peak / 2**20


def _cuda_activation_peak(model, batch: dict) -> float:
    torch.cuda.synchronize()
    base = torch.cuda.memory_allocated()
    torch.cuda.reset_peak_memory_stats()
    with torch.no_grad():
        model(**batch)
    torch.cuda.synchronize()
    return (torch.cuda.max_memory_allocated() - base) / 2**20


def _one_pass_ms(model, batch: dict, cuda: bool) -> float:
    if cuda:
        torch.cuda.synchronize()
    t0 = time.perf_counter()
    with torch.no_grad():
        model(**batch)
    if cuda:
        torch.cuda.synchronize()
    return (time.perf_counter() - t0) * 1000


def measure(models: dict[str, torch.nn.Module], tokenizer, sentences: list[str] | None = None,
            device: str = "cpu", repeats: int = 7, max_length: int = 128) -> list[Cost]:
    """One Cost per model on ``device``, all on the same batch; latencies taken in alternation."""
    sentences = list(sentences) if sentences is not None else list(default_corpus()[:BATCH])
    enc = tokenizer(sentences, padding=True, truncation=True, max_length=max_length, return_tensors="pt")
    batch = {k: v.to(device) for k, v in enc.items() if k in ("input_ids", "attention_mask", "token_type_ids")}
    cuda = device.startswith("cuda")
    placed = {}
    for name, m in models.items():
        placed[name] = m.to(device).eval()
        _one_pass_ms(placed[name], batch, cuda)  # warm-up: first-call allocations and kernel choice
    times: dict[str, list[float]] = {name: [] for name in models}
    for _ in range(repeats):
        for name, m in placed.items():
            times[name].append(_one_pass_ms(m, batch, cuda))
    out = []
    for name, m in placed.items():
        params = sum(p.numel() for p in m.parameters())
        weights = sum(p.numel() * p.element_size() for p in m.parameters()) / 2**20
        act = _cuda_activation_peak(m, batch) if cuda else _cpu_activation_peak(m, batch)
        out.append(Cost(name, device, params, saved_size_mb(m), weights, act, statistics.median(times[name]),
                        (min(times[name]), max(times[name]))))
    return out


def devices() -> list[str]:
    return ["cpu"] + (["cuda"] if torch.cuda.is_available() else [])


def compare(teacher, student, sentences: list[str] | None = None, repeats: int = 7) -> list[Cost]:
    """The teacher and ``student`` (a BertModel with the teacher's tokenizer) on every device here."""
    home_t, home_s = teacher.device, next(student.parameters()).device
    out = []
    try:
        for dev in devices():
            out += measure({"teacher": teacher.model, "student": student}, teacher.tokenizer, sentences, dev, repeats)
    finally:  # both back where they were: the teacher is shared by the whole server
        teacher.model.to(home_t)
        student.to(home_s)
    return out


def as_json(costs: list[Cost]) -> list[dict]:
    return [asdict(c) | {"peak_mb": c.peak_mb} for c in costs]


def findings(costs: list[Cost]) -> list[str]:
    """Per device: how much smaller and faster the student is, from the measurements."""
    lines = []
    for dev in dict.fromkeys(c.device for c in costs):
        by = {c.name: c for c in costs if c.device == dev}
        t, s = by.get("teacher"), by.get("student")
        if t is None or s is None:
            continue
        lines.append(f"On the {'GPU' if dev.startswith('cuda') else 'CPU'}: the student has "
                     f"{s.parameters / t.parameters:.0%} of the teacher's parameters ({s.parameters / 1e6:.1f} M vs "
                     f"{t.parameters / 1e6:.1f} M), a saved file of {s.file_mb:.0f} MB vs {t.file_mb:.0f} MB, a "
                     f"forward-pass peak of {s.peak_mb:.0f} MB vs {t.peak_mb:.0f} MB, and runs a batch of {BATCH} "
                     f"sentences in {s.latency_ms:.1f} ms vs {t.latency_ms:.1f} ms (median): "
                     f"{t.latency_ms / s.latency_ms:.1f}× faster.")
    return lines
