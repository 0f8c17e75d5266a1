"""The lab's settings: sidebar widgets mirrored in the URL, so a shared link opens the same experiment."""
from __future__ import annotations

from dataclasses import dataclass

import math

import streamlit as st

from distill_core import public
from distill_core.assets import MAX_TEXT_BYTES, read_user_text
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
    "corpus": ["bundled", "custom", "upload"],
}
# url key -> (smallest value the widget takes, DistillConfig field whose public cap is its largest). d_s has no
# smallest outside public mode, so that 0 or -1 reach the validator and get its sentence.
BOUNDS = {
    "d_s": (None, "hidden_size"), "lr": (0.0, None), "steps": (1, "steps"), "snapshot_every": (1, None),
    "batch_size": (0, "batch_size"), "seed": (0, None), "vocab_subset": (0, None), "probe_size": (2, "probe_size"),
}


def bounds(key: str) -> tuple[float | None, float | None]:
    """(min, max) of a number widget: the max is the public cap in public mode, else none."""
    low, capped = BOUNDS[key]
    high = public.widget_max(capped) if capped else None
    if high is not None and low is None:
        low = 1
    return low, high


def _clamp(field: Field, value, notes: list[str]):
    """A link's number brought within the widget's range, with a note saying so (nothing changes silently)."""
    if field.key not in BOUNDS or isinstance(value, bool):
        return value
    low, high = bounds(field.key)
    if isinstance(value, float) and not math.isfinite(value):
        notes.append(f"{field.key}={value} is not a number: using {field.default}.")
        return field.default
    if low is not None and value < low:
        notes.append(f"{field.key}={value} is below {low}: using {low}.")
        return low
    if high is not None and value > high:
        notes.append(f"{field.key}={value} is over this public lab's cap of {high}: using {high}.")
        return high
    return value


def _public_teacher(value: str, notes: list[str]) -> str:
    """In public mode the teacher widget offers only the allowed teachers; a link asking for another gets bundled."""
    if not public.is_public():
        return value
    try:
        return public.check_teacher(value)
    except DistillError as exc:
        notes.append(f"{exc} Using the bundled teacher.")
        return "bundled"


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
    notes: list[str] = []
    for f in FIELDS:
        raw = st.query_params.get(f.key)
        value = parse(f, raw) if raw is not None else f.default
        value = _public_teacher(value, notes) if f.key == "teacher" else _clamp(f, value, notes)
        st.session_state[f"lab_{f.key}"] = value
    st.session_state["lab_text"] = st.session_state.get("lab_text", "")
    st.session_state["lab_url_notes"] = notes
    st.session_state["lab_seeded"] = True


def upload_limit_bytes() -> int:
    return public.limits().upload_bytes if public.is_public() else MAX_TEXT_BYTES


def read_upload(data: bytes) -> str:
    """An uploaded file's text, or a DistillError saying what to change (size, encoding, emptiness)."""
    public.check_text(data)  # the public cap on uploads, in its own words
    sentences = read_user_text(data)
    text = "\n".join(sentences)
    public.check_text(text)
    return text


def public_caption() -> str:
    lim = public.limits()
    return (f"**Public lab.** Teachers: {', '.join(public.allowed_teachers())}. At most {lim.steps:,} steps, "
            f"d_s ≤ {lim.hidden_size}, batches of ≤ {lim.batch_size:,}, {lim.probe_size:,} probe tokens, "
            f"texts of ≤ {lim.text_chars:,} characters, uploads of ≤ {lim.upload_bytes // 1000:,} kB.")


def _cap_help(key: str, text: str) -> str:
    high = bounds(key)[1]
    return text + (f" Capped at {high:,} on this public lab." if high is not None else "")


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
    for note in st.session_state.get("lab_url_notes", []):
        s.warning(note)
    if public.is_public():
        s.caption(public_caption())
        s.selectbox("Teacher", public.allowed_teachers(), key="lab_teacher",
                    help="'bundled' = all-MiniLM-L6-v2 (d_t = 384); this public lab serves only these teachers.")
    else:
        s.text_input("Teacher", key="lab_teacher", help="'bundled' = all-MiniLM-L6-v2 (d_t = 384); or a local "
                     "folder with config.json and safetensors; or a hub id such as bert-base-uncased.")
    upload = {"text": "", "error": None}
    s.radio("Target", CHOICES["target"], key="lab_target", horizontal=True,
            format_func={"vocab": "vocabulary table", "sequence": "embedding-layer output"}.get,
            help="vocabulary: E_t = the teacher's word-embedding rows. sequence: E_t = LayerNorm(word + "
                 "position + token type) over the sentences of a text.")
    if st.session_state["lab_target"] == "sequence":
        s.radio("Text", CHOICES["corpus"], key="lab_corpus", horizontal=True,
                format_func={"bundled": "bundled corpus", "custom": "type it", "upload": "upload .txt"}.get)
        if st.session_state["lab_corpus"] == "custom":
            s.text_area("Your text, one sentence per line", key="lab_text", height=120,
                        max_chars=public.limits().text_chars if public.is_public() else None)
        elif st.session_state["lab_corpus"] == "upload":
            upload = upload_widget(s)
    number(s, "Student dimension d_s", "d_s", 8, help=_cap_help(
        "d_s", "The width of the student's embeddings; W_e lifts them from d_s to the teacher's d_t."))
    s.checkbox("W_e has a bias", key="lab_bias")
    s.selectbox("Student init", CHOICES["init"], key="lab_init",
                format_func={"random": "random N(0, 0.02)", "teacher_pca": "teacher PCA"}.get)
    s.header("Optimisation")
    s.selectbox("Optimizer", CHOICES["optimizer"], key="lab_optimizer", format_func=str.capitalize)
    number(s, "Learning rate", "lr", 0.005, format="%.4f", help="Changeable mid-run: applied from the next step.")
    c1, c2 = s.columns(2)
    number(c1, "Steps", "steps", 50, help=_cap_help("steps", "Optimisation steps in one run."))
    number(c2, "Snapshot every", "snapshot_every", 1)
    number(c1, "Batch size (0 = all)", "batch_size", 256,
           help=_cap_help("batch_size", "Target rows (vocabulary) or sentences (sequence) per step."))
    number(c2, "Seed", "seed", 1)
    s.selectbox("Device", CHOICES["device"], key="lab_device")
    with s.expander("Sizes"):
        number(st, "Vocabulary rows (0 = all)", "vocab_subset", 1000,
               help="Train on the first N rows (plus the probe tokens) for quicker experiments.")
        number(st, "Probe tokens on the map", "probe_size", 50,
               help=_cap_help("probe_size", "Tokens drawn on the map."))
    settings = {f.key: st.session_state[f"lab_{f.key}"] for f in FIELDS}
    settings["text"] = st.session_state.get("lab_text", "")
    mirror_to_url(settings)
    if settings["target"] == "sequence" and settings["corpus"] == "upload":
        settings["text"], settings["upload_error"] = upload["text"], upload["error"]
    return settings


def number(where, label: str, key: str, step, **kw) -> None:
    """A number widget within its bounds (the public caps in public mode)."""
    low, high = bounds(key)
    where.number_input(label, min_value=low, max_value=high, step=step, key=f"lab_{key}", **kw)


def upload_widget(s) -> dict:
    """The upload box; the file is read at once, so a bad one is answered before Start."""
    limit = upload_limit_bytes()
    f = s.file_uploader("A .txt file, one sentence per line (UTF-8)", type=["txt"], key="lab_upload",
                        max_upload_size=max(1, math.ceil(limit / 1e6)),
                        help=f"Up to {limit / 1000:,.0f} kB; read as UTF-8, one sentence per line.")
    if f is None:
        return {"text": "", "error": None}
    cached = st.session_state.get("lab_upload_read")
    if cached is None or cached[0] != f.file_id:  # read each file once, not on every rerun
        try:
            cached = (f.file_id, {"text": read_upload(f.getvalue()), "error": None})
        except DistillError as exc:
            cached = (f.file_id, {"text": "", "error": str(exc)})
        st.session_state["lab_upload_read"] = cached
    result = cached[1]
    if result["error"]:
        s.error(result["error"])
    else:
        text = result["text"]
        s.caption(f"{f.name}: {len(text.splitlines()):,} sentences, {len(text):,} characters.")
    return result


NO_TEXT = {  # sequence mode with the user's own text, and none given
    "custom": "The custom text is empty: type at least one sentence, one per line, or choose the bundled corpus.",
    "upload": "No file is uploaded: upload a .txt file, one sentence per line, or choose the bundled corpus.",
}


def to_config(settings: dict) -> DistillConfig:
    """The run's configuration, validated (a DistillError says what to change)."""
    values = {f.attr: settings[f.key] for f in FIELDS if f.attr}
    values["hidden_size"] = int(values["hidden_size"])
    values["lr"] = float(values["lr"])
    corpus = settings.get("corpus")
    if settings["target"] == "sequence" and corpus in NO_TEXT:
        if settings.get("upload_error"):
            raise DistillError(settings["upload_error"])
        if not settings.get("text", "").strip():
            raise DistillError(NO_TEXT[corpus])
        values["text"] = settings["text"]
    return public.check_config(DistillConfig(**values))  # validated; within the caps in public mode
