"""Cycles holding Qt objects are collected on the GUI thread, never in a worker thread
(a worker's collection once deadlocked the application; see ctaviewer.app.gui_gc)."""

from __future__ import annotations

import gc
import threading

import pytest

pytest.importorskip("pytestqt")


def test_qt_garbage_is_collected_by_the_gui_timer_not_by_a_busy_worker(qtbot):
    from ctaviewer.app import gui_gc
    from ctaviewer.app.main import make_application
    from ctaviewer.app.qt import QtCore

    app = make_application()
    assert not gc.isenabled()
    collector = gui_gc.install(app)
    assert gui_gc.install(app) is collector  # one per application

    gc.collect()
    freed_on_main = []
    holder = QtCore.QObject()
    holder.cycle = holder  # garbage only the cyclic collector can free
    holder.destroyed.connect(
        lambda *_: freed_on_main.append(threading.current_thread() is threading.main_thread()))
    del holder

    kept = []

    def allocate():  # far past the generation-0 threshold: would collect if GC were automatic
        kept.append([[i] for i in range(50_000)])

    worker = threading.Thread(target=allocate)
    worker.start()
    worker.join()
    assert freed_on_main == []
    qtbot.waitUntil(lambda: bool(freed_on_main), timeout=3000)
    assert freed_on_main == [True]
