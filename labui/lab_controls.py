"""The lab's settings: sidebar widgets mirrored in the URL, so a shared link opens the same experiment."""
from __future__ import annotations

from dataclasses import dataclass

import streamlit as st

from distill_core import public
from distill_core.config import DistillConfig
from distill_core.errors import DistillError


@dataclass(frozen=True)
class Field:
    key: str          # the URL name
    kind: type
    default: object
    attr: str         # DistillConfig field


FIELDS = [
    Field("teacher", str, "bundled", "teacher"),
    Field("target", str, "vocab", "target"),
    Field("d_s", int, 128, "hidden_size"),
    Field("bias", bool, True, "bias"),
    Field("init", str, "random", "init"),
    Field("optimizer", str, "adam", "optimizer"),
    Field("lr", float, 0.03, "lr"),
    Field("batch_size", int, 0, "batch_size"),
    Field("steps", int, 300, "steps"),
    Field("snapshot_every", int, 5, "snapshot_every"),
    Field("seed", int, 0, "seed"),
    Field("device", str, "auto", "device"),
    Field("vocab_subset", int, 0, "vocab_subset"),
    Field("probe_size", int, 500, "probe_size"),
    Field("corpus", str, "bundled", ""),  # sequence mode: the bundled corpus or the user's text
]
BY_KEY = {f.key: f for f in FIELDS}
CHOICES = {
    "target": ["vocab", "sequence"],
    "init": ["random", "teacher_pca"],
    "optimizer": ["adam", "sgd"],
    "device": ["auto", "cpu", "cuda", "mps"],
    "corpus": ["bundled", "custom"],
}


def parse(field: Field, raw: str):
    """A URL value as the field's type; a value that does not parse falls back to the default."""
    try:
        if field.kind is bool:
            return raw.lower() in ("1", "true", "yes", "on")
        value = field.kind(raw)
    except (TypeError, ValueError):
        return field.default
    if field.key in CHOICES and value not in CHOICES[field.key]:
        return field.default
    return value


def seed_from_url() -> None:
    """Once per session: the URL's settings become the widgets' starting values."""
    if st.session_state.get("lab_seeded"):
        return
    for f in FIELDS:
        raw = st.query_params.get(f.key)
        st.session_state[f"lab_{f.key}"] = parse(f, raw) if raw is not None else f.default
    st.session_state["lab_text"] = st.session_state.get("lab_text", "")
    st.session_state["lab_seeded"] = True


def mirror_to_url(settings: dict) -> None:
    """Write the settings into the URL (only those that differ from the defaults: short links)."""
    for f in FIELDS:
        value = settings[f.key]
        text = str(value).lower() if f.kind is bool else str(value)
        if value == f.default:
            if f.key in st.query_params:
                del st.query_params[f.key]
        elif st.query_params.get(f.key) != text:
            st.query_params[f.key] = text


def sidebar() -> dict:
    """Draw the settings in the sidebar; returns {url key: value} plus 'text'."""
    seed_from_url()
    s = st.sidebar
    s.header("Experiment")
    s.text_input("Teacher", key="lab_teacher", help="'bundled' = all-MiniLM-L6-v2 (d_t = 384); or a local "
                 "folder with config.json and safetensors; or a hub id such as bert-base-uncased.")
    s.radio("Target", CHOICES["target"], key="lab_target", horizontal=True,
            format_func={"vocab": "vocabulary table", "sequence": "embedding-layer output"}.get,
            help="vocabulary: E_t = the teacher's word-embedding rows. sequence: E_t = LayerNorm(word + "
                 "position + token type) over the sentences of a text.")
    if st.session_state["lab_target"] == "sequence":
        s.radio("Text", CHOICES["corpus"], key="lab_corpus", horizontal=True,
                format_func={"bundled": "bundled corpus", "custom": "my own text"}.get)
        if st.session_state["lab_corpus"] == "custom":
            s.text_area("Your text, one sentence per line", key="lab_text", height=120)
    s.number_input("Student dimension d_s", step=8, key="lab_d_s",
                   help="The width of the student's embeddings; W_e lifts them from d_s to the teacher's d_t.")
    s.checkbox("W_e has a bias", key="lab_bias")
    s.selectbox("Student init", CHOICES["init"], key="lab_init",
                format_func={"random": "random N(0, 0.02)", "teacher_pca": "teacher PCA"}.get)
    s.header("Optimisation")
    s.selectbox("Optimizer", CHOICES["optimizer"], key="lab_optimizer", format_func=str.capitalize)
    s.number_input("Learning rate", min_value=0.0, step=0.005, format="%.4f", key="lab_lr",
                   help="Changeable mid-run: applied from the next step.")
    c1, c2 = s.columns(2)
    c1.number_input("Steps", min_value=1, step=50, key="lab_steps")
    c2.number_input("Snapshot every", min_value=1, step=1, key="lab_snapshot_every")
    c1.number_input("Batch size (0 = all)", min_value=0, step=256, key="lab_batch_size")
    c2.number_input("Seed", min_value=0, step=1, key="lab_seed")
    s.selectbox("Device", CHOICES["device"], key="lab_device")
    with s.expander("Sizes"):
        st.number_input("Vocabulary rows (0 = all)", min_value=0, step=1000, key="lab_vocab_subset",
                        help="Train on the first N rows (plus the probe tokens) for quicker experiments.")
        st.number_input("Probe tokens on the map", min_value=2, step=50, key="lab_probe_size")
    settings = {f.key: st.session_state[f"lab_{f.key}"] for f in FIELDS}
    settings["text"] = st.session_state.get("lab_text", "")
    mirror_to_url(settings)
    return settings


def to_config(settings: dict) -> DistillConfig:
    """The run's configuration, validated (a DistillError says what to change)."""
    values = {f.attr: settings[f.key] for f in FIELDS if f.attr}
    values["hidden_size"] = int(values["hidden_size"])
    values["lr"] = float(values["lr"])
    if settings["target"] == "sequence" and settings.get("corpus") == "custom":
        if not settings.get("text", "").strip():
            raise DistillError("The custom text is empty: type at least one sentence, one per line, "
                               "or choose the bundled corpus.")
        values["text"] = settings["text"]
    return public.check_config(DistillConfig(**values))  # validated; within the caps in public mode
