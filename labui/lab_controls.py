"""The lab's settings: sidebar widgets generated from DistillConfig's declarations (config.setting), kept across
pages and mirrored in the URL (labui.state), so a walk through the app and a shared link keep the experiment."""
from __future__ import annotations

import math

import streamlit as st

from distill_core import public
from distill_core.assets import MAX_TEXT_BYTES, read_user_text
from distill_core.config import SECTIONS, DistillConfig, declared
from distill_core.errors import DistillError
from labui import state
from labui.state import Setting

PAGE = "lab"
DECLARED = {f.metadata["url"]: f for f in declared(DistillConfig, "url")}  # URL name -> DistillConfig field
# The lab's own settings, which are no config field: where a sequence target's text comes from, the typed text
# (kept across pages, too long for a link), and the map's layout.
CORPUS = Setting("corpus", "bundled", ("bundled", "custom", "upload"))
CORPUS_NAMES = {"bundled": "bundled corpus", "custom": "type it", "upload": "upload .txt"}
TEXT = Setting("text", "", in_url=False)
MAP = Setting("layout", "PCA", ("PCA", "UMAP"))


def bounds(f) -> tuple[float | None, float | None]:
    """(min, max) of a field's number widget: its declared smallest, and its public cap in public mode."""
    meta = f.metadata
    low = meta["widget_min"] if "widget_min" in meta else meta.get("min")
    high = public.widget_max(f.name) if meta.get("cap") else None
    if high is not None and low is None:
        low = 1
    return low, high


def _public_teacher(value: str, notes: list[str]) -> str:
    """In public mode the teacher widget offers only the allowed teachers; a link asking for another gets bundled."""
    if not public.is_public():
        return value
    try:
        return public.check_teacher(value)
    except DistillError as exc:
        notes.append(f"{exc} Using the bundled teacher.")
        return "bundled"


def settings_model() -> list[Setting]:
    """Every lab setting, as labui.state keeps it (bounds read now: public mode can be switched per test)."""
    out = []
    for url, f in DECLARED.items():
        low, high = bounds(f)
        out.append(Setting(url, f.default, f.metadata.get("choices"), low, high, capped=high is not None,
                           fix=_public_teacher if f.name == "teacher" else None))
    return out + [CORPUS, TEXT, MAP]


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


def _cap_help(f) -> str | None:
    high = bounds(f)[1]
    text = f.metadata["help"] + (f" Capped at {high:,} on this public lab." if high is not None else "")
    return text or None


def _widget(where, f) -> None:
    """One setting's widget, as its declaration says: a checkbox, a choice, a number within bounds or a text."""
    meta = f.metadata
    k = state.bind(PAGE, meta["url"])
    label, names = meta["label"], meta.get("names") or {}
    if f.name == "teacher" and public.is_public():
        where.selectbox(label, public.allowed_teachers(), key=k, help=meta["help"] + " This public lab serves only "
                        "these teachers.")
    elif isinstance(f.default, bool):
        where.checkbox(label, key=k, help=meta["help"] or None)
    elif "choices" in meta:
        radio = meta.get("widget") == "radio"
        (where.radio if radio else where.selectbox)(label, meta["choices"], key=k, help=meta["help"] or None,
                                                   format_func=lambda v: names.get(v, v),
                                                   **({"horizontal": True} if radio else {}))
    elif isinstance(f.default, (int, float)):
        low, high = bounds(f)
        where.number_input(label, min_value=low, max_value=high, step=meta.get("step"), format=meta.get("format"),
                           key=k, help=_cap_help(f))
    else:
        where.text_input(label, key=k, help=meta["help"] or None)


def _text_source(s) -> dict:
    """Sequence mode: the bundled corpus, a typed text or an uploaded file."""
    s.radio("Text", CORPUS.choices, key=state.bind(PAGE, "corpus"), horizontal=True, format_func=CORPUS_NAMES.get)
    corpus = st.session_state[state.key(PAGE, "corpus")]
    if corpus == "custom":
        s.text_area("Your text, one sentence per line", key=state.bind(PAGE, "text"), height=120,
                    max_chars=public.limits().text_chars if public.is_public() else None)
    elif corpus == "upload":
        return upload_widget(s)
    return {"text": "", "error": None}


def sidebar() -> dict:
    """Draw the settings in the sidebar; returns {URL name: value} plus 'text' (and 'upload_error')."""
    model = settings_model()
    notes = state.start(PAGE, model)
    s = st.sidebar
    upload = {"text": "", "error": None}
    for section in SECTIONS:
        where = s.expander(section) if section == "Sizes" else s
        if section != "Sizes":
            s.header(section)
        if section == SECTIONS[0]:
            for note in notes:
                s.warning(note)
            if public.is_public():
                s.caption(public_caption())
        for f in (f for f in DECLARED.values() if f.metadata.get("section") == section):
            _widget(where, f)
            if f.name == "target" and st.session_state[state.key(PAGE, "target")] == "sequence":
                upload = _text_source(s)
    settings = state.keep(PAGE, model)
    if settings["target"] == "sequence" and settings["corpus"] == "upload":
        settings["text"], settings["upload_error"] = upload["text"], upload["error"]
    return settings


def upload_widget(s) -> dict:
    """The upload box; the file is read at once, so a bad one is answered before Start."""
    limit = upload_limit_bytes()
    returning = "lab_upload" not in st.session_state  # another page ran since: the box itself forgot its file
    f = s.file_uploader("A .txt file, one sentence per line (UTF-8)", type=["txt"], key="lab_upload",
                        max_upload_size=max(1, math.ceil(limit / 1e6)),
                        help=f"Up to {limit / 1000:,.0f} kB; read as UTF-8, one sentence per line.")
    cached = st.session_state.get("lab_upload_read")  # (file id, name, result), under a key no widget owns
    if f is None and not (returning and cached and not cached[2]["error"]):
        st.session_state.pop("lab_upload_read", None)  # removed by the user, or never given
        return {"text": "", "error": None}
    if f is not None and (cached is None or cached[0] != f.file_id):  # read each file once, not on every rerun
        try:
            cached = (f.file_id, f.name, {"text": read_upload(f.getvalue()), "error": None})
        except DistillError as exc:
            cached = (f.file_id, f.name, {"text": "", "error": str(exc)})
        st.session_state["lab_upload_read"] = cached
    _, name, result = cached
    if result["error"]:
        s.error(result["error"])
    else:
        text = result["text"]
        kept = " (uploaded earlier; upload another to replace it)" if f is None else ""
        s.caption(f"{name}{kept}: {len(text.splitlines()):,} sentences, {len(text):,} characters.")
    return result


NO_TEXT = {  # sequence mode with the user's own text, and none given
    "custom": "The custom text is empty: type at least one sentence, one per line, or choose the bundled corpus.",
    "upload": "No file is uploaded: upload a .txt file, one sentence per line, or choose the bundled corpus.",
}


def to_config(settings: dict) -> DistillConfig:
    """The run's configuration, validated (a DistillError says what to change)."""
    values = {f.name: settings[url] for url, f in DECLARED.items()}
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
