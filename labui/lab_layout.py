"""The lab's layout for the desk and for the room: its keys, the fixed heights that keep the charts still while a
run starts, pauses or finishes, and the sizes that fit the three live pictures on a 1280x720 projector."""
from __future__ import annotations

import re

from labui import theme

# (label, key, what it does). R and C are Streamlit's own keys; a key never fires while typing in a box.
BUTTONS = (
    ("Start", "S", "Start a new run with the sidebar's settings"),
    ("Pause", "P", "Pause the run"),
    ("Resume", "U", "Resume a paused run"),
    ("Step", "N", "One optimizer step, then a snapshot"),
    ("Reset", "X", "Stop the run and forget it"),
)
REPLAY = (
    ("◀ Frame", "Left", -1, "The replay's previous frame"),
    ("Frame ▶", "Right", 1, "The replay's next frame"),
)
KEYS_HELP = ("Keys: **S** start · **P** pause · **U** resume · **N** one step · **X** reset · **←** / **→** the "
             "replay's frames once paused or finished (not while typing in a box).")
SPEED_HELP = "Training speed in optimizer steps per second, and the device the run trains on."
MAP_GLIDE = (0, 2, 5)  # the map's moving traces: the links, the student tokens, a found word's student ring


STATUS_WORD = {"idle": "idle", "preparing": "preparing", "queued": "queued", "running": "training",
               "paused": "paused", "done": "finished", "error": "stopped"}


def metric_px(present: bool) -> int:
    """One height for every tile (a loss delta appearing after the first step must not push the charts down)."""
    return 104 if present else 106


def map_glide() -> tuple[int, ...]:
    return MAP_GLIDE


def speed_line(last: dict | None) -> str:
    """Steps/s and the device, as a small line (not tiles: they say how, not what, the run learns)."""
    if last is None:
        return "Speed: — · device: —"
    return f"Speed: {last['steps_per_second']:.1f} steps/s · device: {last['device']}"


def status_px(present: bool) -> int:
    """The status sentence's slot: two lines of its type, whatever the sentence says."""
    return 64 if present else 56


def chart_px(present: bool) -> int:
    """Height of the live charts: in the room, the three sit side by side under the numbers within 720 px."""
    return 396 if present else 380


def room_map(fig, method: str):
    """The token map in a third of a 1280 px screen: a title that fits ("Token map (PCA) · step 120"), the marker
    key in the caption under it, no axis names (the axes carry no ticks; the title names the layout), so the
    replay's buttons and slider never sit on them."""
    text = fig.layout.title.text or ""
    when = re.search(r"(step \d[\d,]*|replay)\s*$", text)
    fig.update_layout(title=dict(text=f"Token map ({method})" + (f" · {when.group(1)}" if when else "")),
                      xaxis_title_text="", yaxis_title_text="")
    # In a third of the screen the anchor words ran into the group names: the room reads the names, and
    # "Find a word" (under the map) rings any word the lecturer points at.
    fig.update_traces(visible=False, selector=dict(name="anchor words"))
    return fig


def room_loss(fig, height: int):
    """The loss in a third of a 1280 px screen: its four legend entries right under the tick labels (the step is
    the tile above; an axis title there sat on the legend's first entry)."""
    bottom = 40 + 4 * 27  # tick labels, then one legend row per entry at the room's 18 px
    fig.update_layout(xaxis_title_text="", margin=dict(b=bottom),
                      legend=dict(y=-40 / max(height - 48 - bottom, 100), yanchor="top"))
    return fig


def room(fig, present: bool, height: int | None = None):
    """The figure in the room's type sizes (>= 16 px) and the room's height, or the desk's (a figure the page keeps
    between reruns may have been drawn for the other view)."""
    name = theme.PRESENT_NAME if present else theme.NAME
    if present and height and fig.layout.height != height:
        fig.update_layout(height=height)
    if getattr(fig.layout.template, "_name", None) != name and _template_name(fig) != name:
        theme.for_room(fig, True) if present else fig.update_layout(template=theme.NAME)
        fig.layout["meta"] = {"template": name}
    return fig


def _template_name(fig) -> str | None:
    meta = fig.layout.meta
    return meta.get("template") if isinstance(meta, dict) else None


def lab_css() -> str:
    """The live view reruns 2-4 times a second: Streamlit's fading of the elements a rerun has not reached yet
    would make the numbers and the charts flicker (on a loaded machine the map sat faded most of the time)."""
    return """
.stMain [data-stale="true"] { opacity: 1 !important; transition: none !important; }
"""


def presenter_css() -> str:
    """The lab's own room layout (the app-wide room styles are labui/presenter.py's): less space above the title,
    so the controls, the numbers and the three live pictures share one 1280x720 screen."""
    return """
html.presenter-view .stMainBlockContainer { padding-top: 3.9rem; padding-bottom: 2rem; }
html.presenter-view .stApp h1 { display: none; }
html.presenter-view .stApp [data-testid="stMetricValue"],
html.presenter-view .stApp [data-testid="stMetricValue"] p { font-size: 2.1rem !important; line-height: 1.2; }
"""
