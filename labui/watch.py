"""Watch links: one run, a whole room watching (issue 20).

A presenter's session gets a short random code (``secrets``, never derived from the session) the first time its
lab has a run. The code names the session's worker, not one run: a Reset or a new Start keeps the same link, so a
room follows the lecturer through several runs. Anyone who opens ``/lab?watch=CODE`` reads that worker's
snapshots (``worker.view()``), read-only; a viewer never trains and never commands the worker.

A link stops working when the presenter's session ends (its worker is stopped, or gone) or ``LAB_WATCH_TTL_S``
after it was made (default 3 hours); viewers of one run are capped at ``LAB_MAX_VIEWERS`` (default 200), counted by
live viewer sessions. Each refusal is one sentence. A code's shape is checked before any lookup.

The registry is server-wide and holds the workers by weak reference: a watch link never keeps a closed session's
run alive. It imports neither torch nor the worker (Home's light imports stay light).
"""
from __future__ import annotations

import os
import re
import secrets
import threading
import time
import weakref
from dataclasses import dataclass, field

PARAM = "watch"
# No 0/o, 1/l/i: a code read off a projector and typed by hand is not mistyped.
ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"
CODE_LEN = 8  # 31^8 ~ 8.5e11 codes: not guessable by trying links against one server
SHAPE = re.compile(rf"[{ALPHABET}]{{{CODE_LEN}}}")
TTL_S = float(os.environ.get("LAB_WATCH_TTL_S", str(3 * 3600)))
MAX_VIEWERS = max(1, int(os.environ.get("LAB_MAX_VIEWERS", "200")))
TOMBSTONE_S = 24 * 3600  # an ended or expired code still answers "ended"/"expired" (not "unknown") for a day


def _hours(seconds: float) -> str:
    if seconds >= 3600 and seconds % 3600 == 0:
        n = int(seconds // 3600)
        return f"{n} hour{'s' if n != 1 else ''}"
    if seconds >= 60:
        return f"{seconds / 60:.0f} minutes"
    return f"{seconds:.0f} seconds"


def shown(code: str) -> str:
    """A code as a sentence may quote it: control characters escaped, long ones cut."""
    text = str(code).encode("unicode_escape").decode()
    return text if len(text) <= 20 else text[:17] + "..."


def bad_shape(code: str) -> str:
    return (f"'{shown(code)}' is not a watch code: a code is {CODE_LEN} letters and digits, as in the presenter's "
            "watch link; ask the presenter for the link again.")


def unknown(code: str) -> str:
    return (f"No run is shared under the code '{shown(code)}' on this server: check the link with the presenter, "
            "or open the Live lab without it to run your own.")


def ended(code: str) -> str:
    return (f"The run shared under '{code}' is no longer shared: the presenter's session has ended. Ask the presenter "
            "for a new watch link, or open the Live lab without it to run your own.")


def expired(code: str, ttl_s: float) -> str:
    return (f"The watch link '{code}' has expired: links last {_hours(ttl_s)}. Ask the presenter for a new one, or "
            "open the Live lab without it to run your own.")


def full(code: str, cap: int) -> str:
    return (f"The run shared under '{code}' already has {cap:,} viewers, this server's limit: try again when someone "
            "leaves, or open the Live lab without the link to run your own.")


@dataclass
class Entry:
    code: str
    worker: "weakref.ref"
    made: float
    expires: float
    viewers: set = field(default_factory=set)   # seat tokens of live viewer sessions
    closed: str | None = None                    # "ended" or "expired" once it stops working


class Registry:
    """code -> the presenter's worker, its expiry and its viewers. Thread-safe: every session's script thread
    calls it. ``clock`` is injectable (tests use a fake one)."""

    def __init__(self, clock=time.monotonic, ttl_s: float | None = None, max_viewers: int | None = None):
        self.clock = clock
        self.ttl_s = TTL_S if ttl_s is None else float(ttl_s)
        self.max_viewers = MAX_VIEWERS if max_viewers is None else int(max_viewers)
        self._lock = threading.Lock()
        self._codes: dict[str, Entry] = {}
        self._by_worker: dict[int, str] = {}  # id(worker) -> its live code

    # -- the presenter's side --------------------------------------------------------------------------------
    def code_for(self, worker) -> str:
        """The worker's watch code: the same one for as long as it is live, a new one once it expired."""
        with self._lock:
            self._sweep()
            code = self._by_worker.get(id(worker))
            entry = self._codes.get(code) if code else None
            if entry is not None and entry.closed is None and entry.worker() is worker:
                return code
            code = self._new_code()
            now = self.clock()
            self._codes[code] = Entry(code, weakref.ref(worker), now, now + self.ttl_s)
            self._by_worker[id(worker)] = code
            return code

    def _new_code(self) -> str:
        while True:
            code = "".join(secrets.choice(ALPHABET) for _ in range(CODE_LEN))
            if code not in self._codes:
                return code

    # -- the viewer's side ----------------------------------------------------------------------------------
    def lookup(self, code: str):
        """(worker, None) for a live code, else (None, the one sentence a viewer reads). The shape is checked
        before the code is looked up."""
        if not isinstance(code, str) or not SHAPE.fullmatch(code):
            return None, bad_shape(code)
        with self._lock:
            entry = self._codes.get(code)
            if entry is None:
                return None, unknown(code)
            self._check(entry)
            if entry.closed == "expired":
                return None, expired(code, self.ttl_s)
            if entry.closed == "ended":
                return None, ended(code)
            return entry.worker(), None

    def join(self, code: str, seat) -> str | None:
        """Take a viewer's seat (idempotent); None when seated, else the sentence for a full run."""
        with self._lock:
            entry = self._codes.get(code)
            if entry is None or entry.closed:
                return None  # lookup says why; nothing to count
            if seat in entry.viewers:
                return None
            if len(entry.viewers) >= self.max_viewers:
                return full(code, self.max_viewers)
            entry.viewers.add(seat)
            return None

    def leave(self, code: str, seat) -> None:
        with self._lock:
            entry = self._codes.get(code)
            if entry is not None:
                entry.viewers.discard(seat)

    def viewers(self, code: str) -> int:
        with self._lock:
            entry = self._codes.get(code)
            return 0 if entry is None else len(entry.viewers)

    def remaining_s(self, code: str) -> float | None:
        with self._lock:
            entry = self._codes.get(code)
            return None if entry is None or entry.closed else max(0.0, entry.expires - self.clock())

    # -- upkeep ----------------------------------------------------------------------------------------------
    def _check(self, entry: Entry) -> None:
        if entry.closed:
            return
        worker = entry.worker()
        if worker is None or getattr(worker, "_stopped", False):
            entry.closed = "ended"
        elif self.clock() >= entry.expires:
            entry.closed = "expired"
        if entry.closed:
            entry.viewers.clear()
            if self._by_worker.get(id(worker)) == entry.code or worker is None:
                self._by_worker = {k: v for k, v in self._by_worker.items() if v != entry.code}

    def _sweep(self) -> None:
        """Close what ended or expired; forget closed codes after a day (the dict stays small)."""
        now = self.clock()
        for code, entry in list(self._codes.items()):
            self._check(entry)
            if entry.closed and now - entry.expires > TOMBSTONE_S:
                del self._codes[code]


REGISTRY = Registry()  # one per server process: every session's script thread shares it


PAGE_SLUGS = ("lab", "lesson", "home", "primer", "concepts", "sweep", "interview", "downstream", "tinybert",
              "glossary")


def watch_url(base: str, code: str) -> str:
    """``http://HOST:PORT/lab?watch=CODE`` from the page's own address (``st.context.url``) on any page: the
    page's own name is replaced by the lab's (a server under a base path keeps it)."""
    root = base.split("?")[0].split("#")[0].rstrip("/")
    head, _, last = root.rpartition("/")
    if last in PAGE_SLUGS and "//" in head + "/":
        root = head
    return f"{root}/lab?{PARAM}={code}"
