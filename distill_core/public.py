"""Public mode: what a visitor of an exposed lab may ask for, so that one visitor cannot harm or hold the server.

Switched on by the environment variable ``LAB_PUBLIC=1`` (or ``set_public(True)``). Then:
- the teacher is the bundled all-MiniLM-L6-v2 or one of ``LAB_ALLOWED_TEACHERS`` (comma-separated folders or
  hub ids that the operator vetted): no other local path, no other hub download;
- steps, d_s, batch size, student depth, probe size, sequence length, custom text and uploads are capped
  (each cap can be changed by its own ``LAB_MAX_*`` variable).

In every mode, public or not, teachers load from safetensors only and ``trust_remote_code`` is never set
(see ``teacher.py``). Each refusal is one sentence that says what to change.
"""
from __future__ import annotations

import os
from dataclasses import field, fields, make_dataclass, replace

from .config import DistillConfig, declared
from .errors import DistillError

ENV_PUBLIC = "LAB_PUBLIC"
ENV_ALLOWED = "LAB_ALLOWED_TEACHERS"
BUNDLED_ALIASES = ("", "bundled", "all-MiniLM-L6-v2", "sentence-transformers/all-MiniLM-L6-v2")
_override: bool | None = None


def _from_env(cls) -> "Limits":
    """Defaults, each overridable by LAB_MAX_<NAME> (e.g. LAB_MAX_STEPS=500)."""
    values = {}
    for f in fields(cls):
        raw = os.environ.get(f"LAB_MAX_{f.name.upper()}")
        if raw:
            try:
                values[f.name] = max(1, int(raw))
            except ValueError:
                pass  # a malformed operator setting keeps the safe default
    return cls(**values)


def make_limits(config=DistillConfig):
    """The caps in public mode, sized so a run finishes in about a minute on two CPU cores: one per field of
    ``config`` declared with a cap (config.py says why each value), then the two on texts that are no field."""
    caps = [(f.name, int, field(default=f.metadata["cap"])) for f in declared(config, "cap")]
    return make_dataclass("Limits", caps + [
        ("text_chars", int, field(default=20_000)),     # sequence targets cost N x L x d_t floats: ~200 sentences
        ("upload_bytes", int, field(default=200_000)),
    ], frozen=True, namespace={"from_env": classmethod(_from_env)})


Limits = make_limits()


def set_public(flag: bool | None) -> None:
    """Force public mode on or off (None: follow the environment)."""
    global _override
    _override = flag


def is_public() -> bool:
    if _override is not None:
        return _override
    return os.environ.get(ENV_PUBLIC, "").strip().lower() in ("1", "true", "yes", "on")


def limits() -> Limits:
    return Limits.from_env()


def allowed_teachers() -> list[str]:
    """'bundled' first, then the operator's allow-list."""
    extra = [t.strip() for t in os.environ.get(ENV_ALLOWED, "").split(",") if t.strip()]
    return ["bundled"] + [t for t in extra if t not in BUNDLED_ALIASES]


def check_teacher(source: str | None) -> str:
    """The teacher to load; in public mode only the bundled or an allow-listed one."""
    source = (source or "").strip()
    if not is_public():
        return source or "bundled"
    if source in BUNDLED_ALIASES:
        return "bundled"
    if source in allowed_teachers():
        return source
    listed = ", ".join("bundled (all-MiniLM-L6-v2)" if t == "bundled" else t for t in allowed_teachers())
    return _refuse(f"This public lab only serves the teachers in its list, {listed}: '{source[:80]}' is not "
                   "one of them.")


def check_text(text: str | bytes) -> None:
    """A custom text or upload within the public caps (decoding and emptiness are checked by assets)."""
    if not is_public():
        return
    lim = limits()
    if isinstance(text, bytes):
        if len(text) > lim.upload_bytes:
            _refuse(f"On this public lab uploads are limited to {lim.upload_bytes // 1000} kB: this file is "
                    f"{len(text) / 1000:.0f} kB, upload a shorter one.")
    elif len(text) > lim.text_chars:
        _refuse(f"On this public lab a custom text is limited to {lim.text_chars:,} characters: this one has "
                f"{len(text):,}, shorten it.")


# (DistillConfig field, what the visitor calls it), as declared; batch_size 0 means "all" and is bounded by the
# text caps.
_CAPPED = tuple((f.name, f.metadata["noun"]) for f in declared(surface="cap"))


def check_config(config: DistillConfig, clamp: bool = False) -> DistillConfig:
    """The config, validated and within the public caps; over a cap it is refused in one sentence, or with
    ``clamp=True`` lowered to the cap. Outside public mode only the ordinary validation applies."""
    config.validate()
    if not is_public():
        return config
    lim = limits()
    changes = {"teacher": check_teacher(config.teacher)}
    check_text(config.text)
    for name, words in _CAPPED:
        value, cap = getattr(config, name), getattr(lim, name)
        if value > cap:
            if not clamp:
                _refuse(f"On this public lab {words} is capped at {cap}: choose {cap} or less, not {value}.")
            changes[name] = cap
    return replace(config, **changes).validate()


def widget_max(name: str) -> int | None:
    """The cap for a DistillConfig field in public mode (a widget's max_value), else None."""
    return getattr(limits(), name, None) if is_public() else None


def _refuse(message: str):
    raise DistillError(message)
