"""The index follower hands rows on in few batches: the first at once, then at most every
``rows_interval`` seconds, at once when someone waits for an event, and the rest before
the end; every row exactly once, in order."""

from __future__ import annotations

import threading
import time

from ctaviewer.service import index_follow
from ctaviewer.service.index_follow import IndexFollower
from ctaviewer.service.simtel_helper import IndexNews


class _GrowingIndex:
    """A source whose index grows by ``step`` events at each poll, up to ``total``."""

    def __init__(self, total: int, step: int):
        self.total, self.step, self.stop = total, step, 0
        self.index = object()

    def poll_index(self, timeout: float) -> IndexNews:
        start = self.stop
        self.stop = min(self.total, self.stop + self.step)
        done = self.stop == self.total
        return IndexNews(start, self.stop, self.stop / self.total, done, [], None)


def _follow(monkeypatch, source, **options):
    monkeypatch.setattr(index_follow, "index_rows", lambda index, a, b: list(range(a, b)))
    batches, ended = [], threading.Event()
    follower = IndexFollower(
        source, 0, lambda src, start, rows: batches.append((time.monotonic(), start, rows)),
        lambda src, fraction: None, lambda src, warnings, error: ended.set(), **options)
    assert ended.wait(10)
    follower.stop(timeout=5)
    return batches


def test_rows_come_in_few_batches_all_of_them_once(monkeypatch):
    source = _GrowingIndex(total=400, step=10)  # 40 polls, 0.01 s apart
    batches = _follow(monkeypatch, source, interval=0.01, rows_interval=0.1)
    rows = [r for _, _, batch in batches for r in batch]
    assert rows == list(range(400))
    assert [start for _, start, _ in batches] == [
        sum(len(b) for _, _, b in batches[:i]) for i in range(len(batches))]
    assert batches[0][2] == list(range(10))  # the first rows at once
    assert 2 <= len(batches) <= 10  # not one per poll (40)
    gaps = [b[0] - a[0] for a, b in zip(batches[:-1], batches[1:], strict=True)]
    assert all(gap >= 0.09 for gap in gaps[:-1])  # (the last batch: at the end)


def test_rows_come_at_once_while_someone_waits(monkeypatch):
    source = _GrowingIndex(total=200, step=10)
    batches = _follow(monkeypatch, source, interval=0.01, rows_interval=10.0,
                      urgent=lambda: True)
    assert len(batches) == 20 and [r for _, _, b in batches for r in b] == list(range(200))


class _FailingIndex(_GrowingIndex):
    """Grows as ``_GrowingIndex``, then fails at the poll after ``fail_at`` events."""

    def __init__(self, total: int, step: int, fail_at: int):
        super().__init__(total, step)
        self.fail_at = fail_at

    def poll_index(self, timeout: float) -> IndexNews:
        if self.stop >= self.fail_at:
            raise OSError("the reading helper process ended")
        return super().poll_index(timeout)


def test_rows_found_before_a_failure_are_handed_on_before_it(monkeypatch):
    monkeypatch.setattr(index_follow, "index_rows", lambda index, a, b: list(range(a, b)))
    source = _FailingIndex(total=400, step=10, fail_at=50)
    said = []
    ended = threading.Event()
    follower = IndexFollower(
        source, 0, lambda src, start, rows: said.append(("rows", start, rows)),
        lambda src, fraction: None,
        lambda src, warnings, error: (said.append(("end", error)), ended.set()),
        interval=0.01, rows_interval=10.0)
    assert ended.wait(10)
    follower.stop(timeout=5)
    rows = [r for kind, *rest in said if kind == "rows" for r in rest[1]]
    assert rows == list(range(50)) and said[-1][0] == "end"
    assert isinstance(said[-1][1], OSError)


def test_polls_sooner_while_someone_waits(monkeypatch):
    """Waiting for an event not listed yet, the index is asked again every
    ``URGENT_INTERVAL``, not every ``interval``: the event shows as soon as it is indexed."""
    source = _GrowingIndex(total=60, step=10)  # 6 polls
    t0 = time.monotonic()
    batches = _follow(monkeypatch, source, interval=1.0, rows_interval=10.0,
                      urgent=lambda: True)
    assert [r for _, _, b in batches for r in b] == list(range(60))
    # 5 waits between the 6 polls: 5 s at ``interval``
    assert batches[-1][0] - t0 < 1.0 and index_follow.URGENT_INTERVAL <= 0.02
