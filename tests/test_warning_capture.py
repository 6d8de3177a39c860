"""collect_warnings: ctaviewer's warnings as text, per thread, each once; others untouched."""

from __future__ import annotations

import threading
import time
import warnings

from ctaviewer.errors import TruncatedFileWarning, UnknownCameraWarning
from ctaviewer.warning_capture import collect_warnings


def test_collects_ctaviewer_warnings_once_each_and_passes_others_on(monkeypatch):
    seen = []
    monkeypatch.setattr(warnings, "showwarning",
                        lambda message, category, *a, **k: seen.append((category, str(message))))
    with collect_warnings() as caught:
        for _ in range(3):
            warnings.warn(TruncatedFileWarning("a.simtel: file is truncated"), stacklevel=1)
        warnings.warn(UnknownCameraWarning("a.simtel: camera X unknown"), stacklevel=1)
        warnings.warn("a library's own warning", RuntimeWarning, stacklevel=1)
    assert caught.messages == ["a.simtel: file is truncated", "a.simtel: camera X unknown"]
    assert seen == [(RuntimeWarning, "a library's own warning")]
    # outside a block ctaviewer's go where they went before, and every time (not once)
    for _ in range(2):
        warnings.warn(TruncatedFileWarning("b.simtel: file is truncated"), stacklevel=1)
    assert seen[1:] == [(TruncatedFileWarning, "b.simtel: file is truncated")] * 2
    # echo: collected and passed on
    with collect_warnings(echo=True) as caught:
        warnings.warn(TruncatedFileWarning("c.simtel: file is truncated"), stacklevel=1)
    assert caught.messages == ["c.simtel: file is truncated"]
    assert seen[-1] == (TruncatedFileWarning, "c.simtel: file is truncated")


def test_each_thread_collects_its_own(monkeypatch):
    monkeypatch.setattr(warnings, "showwarning", lambda *a, **k: None)
    results = {}
    barrier = threading.Barrier(2)

    def work(name):
        with collect_warnings() as caught:
            barrier.wait()
            for i in range(50):
                warnings.warn(TruncatedFileWarning(f"{name}: {i}"), stacklevel=1)
            barrier.wait()
        results[name] = caught.messages

    threads = [threading.Thread(target=work, args=(n,)) for n in ("one", "two")]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert results["one"] == [f"one: {i}" for i in range(50)]
    assert results["two"] == [f"two: {i}" for i in range(50)]


def test_nested_blocks_the_innermost_collects(monkeypatch):
    monkeypatch.setattr(warnings, "showwarning", lambda *a, **k: None)
    with collect_warnings() as outer:
        warnings.warn(TruncatedFileWarning("outer"), stacklevel=1)
        with collect_warnings() as inner:
            warnings.warn(TruncatedFileWarning("inner"), stacklevel=1)
    assert outer.messages == ["outer"] and inner.messages == ["inner"]


def test_isolated_blocks_of_two_threads_take_turns_and_leave_the_filters_as_found():
    """Two threads' ``catch_warnings`` blocks that overlap put back each other's filters: a
    thread that entered while the other's "ignore" was set put that "ignore" back for good
    when it left last. ``isolated_warnings`` blocks take turns instead."""
    from ctaviewer.warning_capture import isolated_warnings

    before = list(warnings.filters)
    order = []
    a_inside, b_trying = threading.Event(), threading.Event()

    def a():
        with isolated_warnings():
            warnings.simplefilter("ignore")
            order.append("a in")
            a_inside.set()
            b_trying.wait(5)
            time.sleep(0.1)  # b waits meanwhile
            order.append("a out")

    def b():
        a_inside.wait(5)
        b_trying.set()
        with isolated_warnings():
            order.append("b in")
            warnings.simplefilter("error")
        order.append("b out")

    threads = [threading.Thread(target=a), threading.Thread(target=b)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(10)
    assert order == ["a in", "a out", "b in", "b out"]
    assert warnings.filters == before
