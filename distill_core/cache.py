"""One small bounded cache for read-only things shared between sessions (targets, fitted layouts).

Least recently used entries go first. A value is built outside the cache's lock (a build can take seconds and must
not block readers of other keys), under a lock of its own key: a second caller asking for a key being built waits for
that build instead of starting another (a Start during the start-up preload gets the preload's targets).
"""
from __future__ import annotations

import threading
from collections import OrderedDict
from typing import Callable, Hashable, TypeVar

V = TypeVar("V")


class BoundedCache:
    def __init__(self, max_entries: int):
        if max_entries < 1:
            raise ValueError("a cache needs room for at least one entry")
        self.max_entries = max_entries
        self._items: OrderedDict = OrderedDict()
        self._building: dict = {}  # key -> lock held while that key's value is built
        self._lock = threading.Lock()

    def get_or_build(self, key: Hashable, build: Callable[[], V]) -> V:
        with self._lock:
            if key in self._items:
                self._items.move_to_end(key)
                return self._items[key]
            building = self._building.setdefault(key, threading.Lock())
        with building:
            with self._lock:
                if key in self._items:  # built by the caller we waited for
                    self._items.move_to_end(key)
                    return self._items[key]
            try:
                value = build()
            finally:
                with self._lock:
                    self._building.pop(key, None)
            with self._lock:
                self._items[key] = value
                while len(self._items) > self.max_entries:
                    self._items.popitem(last=False)
            return value

    def __len__(self) -> int:
        with self._lock:
            return len(self._items)

    def __contains__(self, key: Hashable) -> bool:
        with self._lock:
            return key in self._items

    def clear(self) -> None:
        with self._lock:
            self._items.clear()
