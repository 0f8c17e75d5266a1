"""Page settings that survive a walk through the app, and links that carry them.

Streamlit deletes a widget's ``st.session_state`` entry at the end of every run that does not draw the widget,
which is every run of another page: settings kept only in widget keys come back empty or zero. So each page's
values live in one dict under a key no widget owns (``_<page>_values``), seeded once per session from the URL
(with a note for each value that could not be used as given), handed to a widget whose key is missing right
before it is drawn (``bind``), and read back after it is drawn (``keep``). The URL mirrors only what differs
from the defaults, and only the page that owns the settings writes them: a page passing through writes nothing.

Streamlit 1.67's ``bind="query-params"`` was tried against this in Chromium: it kept a value across pages and in
the URL, but a link's value the widget refuses (d_s=abc, -5, 100000 over the widget's max, an unknown choice) fell
back to the default without a word and was dropped from the URL (no note, no public cap), a bound parameter cannot
be written through ``st.query_params``, and the widget key is the URL name, so the d_s of three pages would share
one value. Notes, caps and per-page keys would need this code anyway.
"""
from __future__ import annotations

import difflib
import math
from dataclasses import dataclass
from typing import Callable

import streamlit as st


@dataclass(frozen=True)
class Setting:
    name: str                       # the URL name; the widget key is "<page>_<name>"
    default: object
    choices: tuple | None = None    # the allowed values, if only some are
    low: float | None = None        # a number widget's smallest value
    high: float | None = None       # and its largest
    capped: bool = False            # the largest is a public lab's cap (the note says so)
    many: bool = False              # a list of choices (a multiselect), comma-separated in the URL
    fix: Callable | None = None     # (value, notes) -> value: a page's own check of a link's value
    in_url: bool = True             # False: kept across pages but never in a link (a long typed text)

    def parse(self, raw: str, notes: list[str]):
        """A URL value as this setting's type, within its choices and bounds; else the nearest allowed value
        or the default, with a note saying which (nothing changes silently)."""
        shown = raw.encode("unicode_escape").decode()  # control characters shown, not acted on
        shown = shown if len(shown) <= 40 else shown[:37] + "..."
        try:
            value = [self._one(v) for v in raw.split(",") if v] if self.many else self._one(raw)
        except ValueError:
            notes.append(f"{self.name}={shown} is not {self._kind_words()}: using {self.encode(self.default)}.")
            return self.default
        value = self._clamp(value, notes)
        return self.fix(value, notes) if self.fix else value

    def _one(self, raw: str):
        kind = type(self.choices[0]) if self.choices else type(self.default)
        if kind is bool:
            words = {"true": True, "1": True, "yes": True, "on": True,
                     "false": False, "0": False, "no": False, "off": False}
            value = words[raw.strip().lower()] if raw.strip().lower() in words else None
        else:
            value = kind(raw)
        if value is None or (self.choices is not None and value not in self.choices):
            raise ValueError(raw)
        return value

    def _kind_words(self) -> str:
        if self.choices is not None:
            return "one of " + ", ".join(map(str, self.choices))
        kind = type(self.default)
        return {bool: "true or false", int: "a whole number", float: "a number"}.get(kind, "a text")

    def _clamp(self, value, notes: list[str]):
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            return value
        if isinstance(value, float) and not math.isfinite(value):
            notes.append(f"{self.name}={value} is not a number: using {self.default}.")
            return self.default
        if self.low is not None and value < self.low:
            notes.append(f"{self.name}={value} is below {self.low}: using {self.low}.")
            return self.low
        if self.high is not None and value > self.high:
            where = "this public lab's cap" if self.capped else "the largest value"
            notes.append(f"{self.name}={value} is over {where} of {self.high}: using {self.high}.")
            return self.high
        return value

    def encode(self, value) -> str:
        if isinstance(value, bool):
            return str(value).lower()
        if isinstance(value, (list, tuple)):
            return ",".join(map(str, value))
        return str(value)


def _store(page: str) -> str:
    return f"_{page}_values"


def key(page: str, name: str) -> str:
    """The widget key of a page's setting."""
    return f"{page}_{name}"


# Link parameters every page accepts: the presenter view, and the lesson's step and speaker-notes view.
APP_WIDE = ("present", "step", "notes")


def unknown_notes(names, known) -> list[str]:
    """One note per link parameter the page does not know, naming the closest known name when there is one."""
    known = sorted(set(known))
    notes = []
    for name in names:
        if name in known:
            continue
        shown = name.encode("unicode_escape").decode()[:40]  # control characters shown, not acted on
        close = difflib.get_close_matches(name.lower(), known, n=1, cutoff=0.6)
        notes.append(f"Unknown setting '{shown}': did you mean '{close[0]}'? It was ignored." if close else
                     f"Unknown setting '{shown}': no setting of this page has a similar name. It was ignored.")
    return notes


def start(page: str, settings: list[Setting]) -> list[str]:
    """Before a page draws its widgets: seed its values from the URL once per session. Returns the link's notes:
    one per value that could not be used as given and one per parameter the page does not know."""
    values = st.session_state.get(_store(page))
    if values is None:
        notes: list[str] = unknown_notes(list(st.query_params), [s.name for s in settings if s.in_url] + list(APP_WIDE))
        values = {}
        for s in settings:
            raw = st.query_params.get(s.name) if s.in_url else None
            values[s.name] = s.parse(raw, notes) if raw is not None else s.default
        st.session_state[_store(page)] = values
        st.session_state[f"_{page}_notes"] = notes
    for s in settings:
        values.setdefault(s.name, s.default)
    return st.session_state[f"_{page}_notes"]


def values_of(page: str, settings: list[Setting]) -> dict:
    """Another page's kept values, seeded with the defaults if that page has not run in this session (a link to
    this page says nothing about that page's settings: no URL is read, no note is made)."""
    if st.session_state.get(_store(page)) is None:
        st.session_state[_store(page)] = {s.name: s.default for s in settings}
        st.session_state[f"_{page}_notes"] = []
    values = st.session_state[_store(page)]
    for s in settings:
        values.setdefault(s.name, s.default)
    return values


def bind(page: str, name: str) -> str:
    """The widget key of a page's setting, given the kept value if Streamlit deleted it (another page ran since).
    Call it right before drawing the widget: a key set in a run that does not draw its widget would outlive the
    widget's own clean-up and hand it a stale value later."""
    k = key(page, name)
    if k not in st.session_state:
        st.session_state[k] = st.session_state[_store(page)][name]
    return k


def keep(page: str, settings: list[Setting]) -> dict:
    """After the widgets: what they show becomes the page's values, and the URL shows those that differ from the
    defaults. Returns {name: value}."""
    values = st.session_state[_store(page)]
    for s in settings:
        if key(page, s.name) in st.session_state:
            values[s.name] = st.session_state[key(page, s.name)]
        _mirror(s, values[s.name])
    return dict(values)


def put(page: str, setting: Setting, value) -> None:
    """One value drawn outside the page's main run (a widget in a fragment): kept, and mirrored in the URL."""
    st.session_state[_store(page)][setting.name] = value
    _mirror(setting, value)


def _mirror(s: Setting, value) -> None:
    if not s.in_url:
        return
    if value == s.default or (s.many and list(value) == list(s.default)):
        if s.name in st.query_params:
            del st.query_params[s.name]
    elif st.query_params.get(s.name) != s.encode(value):
        st.query_params[s.name] = s.encode(value)
