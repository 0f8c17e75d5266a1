"""The lesson's frame: which step is on screen (kept like any page's settings and mirrored in the address as
``step``, 1-based, and ``notes=1`` for the speaker's view), the keys that move between steps, and the CSS that fits
one step into a projector's 1280x720.

Keys are Streamlit's own ``st.button(..., shortcut=...)``: one visible button per direction (Right, Left) and
hidden twins for the other keys a clicker or a keyboard sends (PageDown, Space; PageUp). A hidden button keeps its
shortcut: the frontend listens on the document for every button drawn, shown or not.
"""
from __future__ import annotations

import streamlit as st

from labui import state
from labui.state import Setting

PAGE = "lesson"
NEXT_KEYS = ("Right", "PageDown", "Space")
BACK_KEYS = ("Left", "PageUp")
_ARRIVED = "_lesson_arrived"   # the step a key or button just moved to (a training step starts on arrival)


def settings(count: int) -> list[Setting]:
    return [Setting("step", 1, low=1, high=count), Setting("notes", False)]


def begin(count: int) -> tuple[int, bool, list[str]]:
    """(step, notes view, the link's notes), the step within 1..count."""
    model = settings(count)
    notes = state.start(PAGE, model)
    values = state.keep(PAGE, model)
    return int(values["step"]), bool(values["notes"]), notes


def _move(delta: int, count: int) -> None:
    values = st.session_state[f"_{PAGE}_values"]
    new = min(max(int(values["step"]) + delta, 1), count)
    if new != values["step"]:
        values["step"] = new
        st.session_state[_ARRIVED] = new


def arrived(step: int) -> bool:
    """Whether this run is the first after moving to ``step`` by key or button (not a reload or a refresh)."""
    if st.session_state.get(_ARRIVED) == step:
        del st.session_state[_ARRIVED]
        return True
    return False


def nav_buttons(where, step: int, count: int) -> None:
    """Back and Next with their keys; the other keys on hidden twins."""
    back, nxt = where.columns(2)
    back.button("Back", key="lesson_back", icon=":material/arrow_back:", shortcut=BACK_KEYS[0],
                disabled=step <= 1, on_click=_move, args=(-1, count), width="stretch",
                help="Left arrow or PageUp (a clicker's back button)")
    nxt.button("Next", key="lesson_next", icon=":material/arrow_forward:", shortcut=NEXT_KEYS[0], type="primary",
               disabled=step >= count, on_click=_move, args=(1, count), width="stretch",
               help="Right arrow, PageDown (a clicker's forward button) or Space")
    for name, delta in [(k, 1) for k in NEXT_KEYS[1:]] + [(k, -1) for k in BACK_KEYS[1:]]:
        st.button(name, key=f"lesson_key_{name.lower()}", shortcut=name, on_click=_move, args=(delta, count))


def css() -> str:
    """One step per 1280x720 screen: little padding above, the hidden key twins out of the layout."""
    return """
.st-key-lesson_key_pagedown, .st-key-lesson_key_space, .st-key-lesson_key_pageup { display: none !important; }
.stMainBlockContainer { padding-top: 2.6rem !important; padding-bottom: 0.5rem !important; }
[data-testid="stHeader"] { background: transparent !important; pointer-events: none; }
[data-testid="stHeader"] * { pointer-events: auto; }
.st-key-lesson_head h3 { padding: 0.2rem 0 0 0; }
.st-key-lesson_body [data-testid="stMarkdownContainer"] p { margin-bottom: 0.35rem; }
.st-key-lesson_body [data-testid="stVerticalBlock"] { gap: 0.55rem; }
.st-key-lesson_counter p { text-align: right; }
"""
