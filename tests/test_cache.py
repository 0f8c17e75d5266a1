import threading
import time

import pytest

from distill_core.cache import BoundedCache


def test_builds_once_and_evicts_the_least_recently_used():
    calls = []
    cache = BoundedCache(2)
    build = lambda k: (lambda: calls.append(k) or f"v{k}")  # noqa: E731
    assert cache.get_or_build(1, build(1)) == "v1"
    assert cache.get_or_build(1, build(1)) == "v1"
    cache.get_or_build(2, build(2))
    cache.get_or_build(1, build(1))          # 1 is now the most recent
    cache.get_or_build(3, build(3))          # evicts 2
    assert calls == [1, 2, 3]
    assert 1 in cache and 3 in cache and 2 not in cache and len(cache) == 2


def test_concurrent_callers_of_one_key_wait_for_one_build():
    cache, gate, seen, builds = BoundedCache(4), threading.Barrier(4), [], []

    def build():
        builds.append(1)
        time.sleep(0.2)  # long enough for every other caller to arrive while it runs
        return object()

    def worker():
        gate.wait()
        seen.append(cache.get_or_build("k", build))

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(builds) == 1 and len({id(v) for v in seen}) == 1 and len(seen) == 4


def test_a_failed_build_is_tried_again():
    cache = BoundedCache(2)
    with pytest.raises(RuntimeError):
        cache.get_or_build("k", lambda: (_ for _ in ()).throw(RuntimeError("boom")))
    assert "k" not in cache and cache.get_or_build("k", lambda: 7) == 7


def test_needs_room():
    with pytest.raises(ValueError):
        BoundedCache(0)
