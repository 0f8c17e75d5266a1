"""Word-benchmark scores on the command line: ``python -m distill_core eval DIR --json FILE`` for an exported
student (DIR from ``run --out``), the scores ``run --json`` adds, and the output target's progress bar."""
from __future__ import annotations

import json
import sys
from pathlib import Path

from ..errors import DistillError


def add_parser(sub) -> None:
    ev = sub.add_parser("eval", help="score an exported student on WordSim-353, SimLex-999 and the Google analogies")
    ev.add_argument("folder", type=Path, help="a folder written by `run --out`")
    ev.add_argument("--json", type=Path, help="file for the scores as JSON")
    ev.add_argument("--no-analogy", action="store_true", help="similarity only (the analogies take seconds)")


def plain(value):
    """JSON-safe: a score with no defined value (too few covered pairs in a toy vocabulary) is null, not NaN."""
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, float) and value != value:
        return None
    return value


def _line(name: str, scores: dict) -> str:
    text = f"{name}: WordSim-353 rho {scores['wordsim']['rho']:.3f}, SimLex-999 rho {scores['simlex']['rho']:.3f}"
    if "analogy" in scores:
        text += f", analogies {scores['analogy']['accuracy']:.1%} of {scores['analogy']['questions']:,}"
    return text


def cmd_eval(args) -> int:
    from .wordscores import score_exported

    if not args.folder.is_dir():
        raise DistillError(f"'{args.folder}' is not a folder: give one written by `python -m distill_core run --out DIR`.")
    result = score_exported(args.folder, analogy=not args.no_analogy)
    for name, label in (("lifted", "E_s W_e + b"), ("own", "own E_s")):
        print(_line(f"student d_s={result['student_dim']} {label}", result["scores"][name]))
    if args.json is not None:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(plain(result), indent=2))
    return 0


def run_scores(engine, analogy: bool = True) -> dict:
    """What ``run --json`` adds: the student's scores (lifted, own), and as references the teacher's table and the
    rank-d_s optimum (similarity only, cheap); a note instead when gensim is missing."""
    from .wordbench import GENSIM_MISSING, available, bench_for, table_lookup
    from .wordscores import Optimum, pair_lookups, score_lookups

    if not available():
        print(f"note: {GENSIM_MISSING}", file=sys.stderr)
        return {"note": GENSIM_MISSING}
    bench = bench_for(engine.teacher.tokenizer)
    table = engine.teacher.embeddings.word_embeddings.weight.detach().cpu()
    d_s = engine.config.hidden_size
    return plain({
        "student": score_lookups(bench, pair_lookups(engine.pair), analogy),
        "teacher_table": bench.score(table_lookup(table), analogy=False),
        "rank_d_s_optimum": bench.score(table_lookup(Optimum(table).lifted(min(d_s, table.shape[1]))), analogy=False),
        "table": "word rows: E_s W_e + b (lifted) and E_s (own)",
    })


def prebuilt(config, quiet: bool) -> dict:
    """Engine keyword arguments: for the output target, its targets built under a progress bar (minutes, once)."""
    if config.target != "output":
        return {}
    from tqdm import tqdm

    from ..device import resolve_device
    from ..targets import build_targets
    from ..teacher import load_teacher

    teacher = load_teacher(config.teacher, resolve_device(config.device))
    with tqdm(total=teacher.vocab_size, disable=quiet, unit="token", desc="output targets") as bar:
        def progress(done, total):
            bar.total = total
            bar.update(done - bar.n)

        return {"teacher": teacher, "targets": build_targets(teacher, config, progress=progress)}


def run_cost(engine, repeats: int = 5) -> dict:
    """``run --json``: the teacher and this run's distilled student measured side by side (evaluation/cost.py):
    parameters, saved file size, peak memory of a forward pass, latency per batch of 32 sentences."""
    from .cost import as_json, compare, findings

    costs = compare(engine.teacher, engine.pair.student, repeats=repeats)
    return {"models": as_json(costs), "findings": findings(costs)}
