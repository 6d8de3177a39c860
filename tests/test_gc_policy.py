"""The garbage-collection policy (ctaviewer.gc_policy), without Qt: the GUI thread's
schedule, batch thresholds, freezing once per moment."""

from __future__ import annotations

import gc
import threading
import uuid
import weakref

import pytest

from ctaviewer import gc_policy


@pytest.fixture
def gc_state():
    """Restore the collector's switch and thresholds after the test."""
    enabled, threshold = gc.isenabled(), gc.get_threshold()
    yield
    gc.set_threshold(*threshold)
    (gc.enable if enabled else gc.disable)()


class _Node:
    pass


def _cycle() -> weakref.ref:
    """Garbage that only the cyclic collector can free; a weak reference to it."""
    node = _Node()
    node.self = node
    return weakref.ref(node)


def test_manual_collector_collects_only_when_checked_on_its_thread(gc_state):
    gc.collect()
    collector = gc_policy.ManualCollector((500, 10, 10))
    collector.start()
    assert not gc.isenabled()
    garbage = _cycle()
    assert collector.check() is None and garbage() is not None  # below the threshold
    kept = []

    def allocate():  # far past generation 0's threshold, in another thread
        kept.append([[i] for i in range(5_000)])

    worker = threading.Thread(target=allocate)
    worker.start()
    worker.join()
    assert garbage() is not None  # nothing collected it in the worker
    assert collector.check() == 0 and garbage() is None  # the checking thread did
    assert collector.check() is None


def test_manual_collector_runs_older_generations_as_the_automatic_one(gc_state):
    """A generation is collected when its count passed its threshold as the check began
    (generation 1 counts generation-0 passes, generation 2 generation-1 passes)."""
    gc.collect()
    collector = gc_policy.ManualCollector((10, 0, 0))
    collector.start()
    kept, oldest = [], []
    for _ in range(4):
        kept += [[i] for i in range(100)]
        oldest.append(collector.check())
    assert oldest == [0, 1, 0, 2]
    assert gc.get_count()[1:] == (0, 0)


def test_collect_if_disabled(gc_state):
    gc.enable()
    assert not gc_policy.collect_if_disabled()
    gc.disable()
    garbage = _cycle()
    assert gc_policy.collect_if_disabled() and garbage() is None


def test_batch_gc_raises_the_thresholds_while_jobs_run(gc_state):
    gc.set_threshold(700, 10, 10)
    with gc_policy.batch_gc():
        assert gc.get_threshold() == gc_policy.BATCH_THRESHOLD
    assert gc.get_threshold() == (700, 10, 10)


def test_freeze_once_per_moment():
    moment = f"test {uuid.uuid4()}"
    before = gc.get_freeze_count()
    try:
        assert gc_policy.freeze_once(moment)
        frozen = gc.get_freeze_count()
        assert frozen > before
        _cycle()
        later = [_Node() for _ in range(1000)]
        assert not gc_policy.freeze_once(moment)  # later objects stay collectable
        # none of the later objects frozen (the count may also fall: frozen objects that
        # die leave it, and a test runner's own threads free some)
        assert gc.get_freeze_count() < frozen + len(later)
    finally:
        gc.unfreeze()  # this test's objects back in reach of the collector
