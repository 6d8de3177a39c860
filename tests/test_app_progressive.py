"""The window on a file still being indexed: the first event shows, the event list grows by
inserted rows (never a reset), going beyond the index waits for it; the list stays cheap at
100,000 rows (a synthetic feed)."""

from __future__ import annotations

import numpy as np
import pytest

from ctaviewer.app.qt import QtCore
from ctaviewer.service.session import index_rows

from .conftest import partly_indexed


@pytest.fixture
def window(make_window):
    return make_window(restore=False)


class _Counts:
    """How often a Qt model reset and inserted rows."""

    def __init__(self, model):
        self.resets = self.inserts = 0
        model.modelReset.connect(self._reset)
        model.rowsInserted.connect(self._insert)

    def _reset(self):
        self.resets += 1

    def _insert(self, *_):
        self.inserts += 1


def test_a_file_opened_while_indexed_fills_its_list_by_insertions(simtel_file, qtbot, window):
    s = window.session
    s.open_options = {"whole_below": 0}  # index this small file as a large one
    counts = _Counts(window.event_table.model)
    shown = []
    s.event_changed.connect(lambda: shown.append((s.event_index, s.n_events, s.indexing)))
    assert window.open_path(simtel_file("gamma_70sst1m.simtel.zst"))
    qtbot.waitUntil(lambda: s.array_event is not None and not s.indexing, timeout=60000)
    assert shown[0][0] == 0  # the first event, shown as soon as read
    assert s.n_events == 31 and window.event_table.proxy.rowCount() == 31
    assert counts.resets == 1  # the new file; then rows were inserted
    assert counts.inserts >= 1 or shown[0][1] == 31
    qtbot.waitUntil(lambda: not window.progress.isVisible())
    assert "31 of 31 events shown" in window.event_table.status.text()
    s.go_to(30)  # not read yet: read in the helper, then shown
    qtbot.waitUntil(lambda: s.event_index == 30, timeout=30000)
    assert s.array_event.event_id == s.rows[30]["event_id"]


def test_going_beyond_the_index_shows_the_event_once_indexed(qtbot, window):
    """The wiring, made deterministic: the built-in array, listed in part as if indexing."""
    s, state, rows = partly_indexed(window)
    assert window.progress.isVisible()
    s.go_to(4)
    assert s.waiting_for == 4 and s.event_index == 0
    assert "Waiting for event 4" in window.statusBar().currentMessage()
    s._index_rows.emit(state.source, 2, rows[2:4])  # as the index follower does
    qtbot.wait(10)
    assert s.event_index == 0 and s.n_events == 4
    s._index_rows.emit(state.source, 4, rows[4:])
    qtbot.waitUntil(lambda: s.event_index == 4)
    assert s.waiting_for is None and window.event_table.model.rowCount() == len(rows)
    s._index_end.emit(state.source, [], None)
    qtbot.waitUntil(lambda: not s.indexing)
    assert not window.progress.isVisible()


class _FeedSession(QtCore.QObject):
    """What the event list needs of a session, fed rows by hand."""

    rows_changed = QtCore.Signal()
    rows_added = QtCore.Signal(int)
    row_changed = QtCore.Signal(int)
    event_changed = QtCore.Signal()
    indexing_changed = QtCore.Signal(bool)

    def __init__(self):
        super().__init__()
        self.rows: list[dict] = []
        self.indexing = True
        self.event_index = -1

    def go_to(self, index):
        self.event_index = index


class _Index:
    """Index columns of ``n`` synthetic events."""

    def __init__(self, n):
        rng = np.random.default_rng(1)
        self.event_id = np.arange(n, dtype=np.int64) * 100 + 1
        self.true_energy = rng.lognormal(0.0, 1.0, n)
        self.tels_with_data = [np.arange(1 + k % 7) for k in range(n)]


def test_the_event_list_stays_cheap_at_100000_rows(qtbot):
    """Batches appended to a list already 100,000 long cost what they cost on a short one:
    no reset, no sorting pass, no re-filtering of the rows listed before."""
    from ctaviewer.app.views import event_table

    calls = {"data": 0, "filter": 0}
    data, accepts = event_table.EventTableModel.data, event_table.EventFilterProxy.filterAcceptsRow

    class Model(event_table.EventTableModel):
        def data(self, *args):
            calls["data"] += 1
            return data(self, *args)

    class Proxy(event_table.EventFilterProxy):
        def filterAcceptsRow(self, *args):
            calls["filter"] += 1
            return accepts(self, *args)

    session = _FeedSession()
    table = event_table.EventTable(session)
    table.model = Model(session)
    table.proxy = Proxy()
    table.proxy.setSourceModel(table.model)
    table.view.setModel(table.proxy)
    table.view.sortByColumn(0, QtCore.Qt.AscendingOrder)
    qtbot.addWidget(table)
    table.resize(500, 600)
    table.show()
    table.apply_filter("n_tel >= 4")
    counts = _Counts(table.model)
    index, n, batch = _Index(101_000), 100_000, 1000

    def feed(start, stop):
        before = dict(calls)
        session.rows.extend(index_rows(index, start, stop))
        session.rows_added.emit(start)
        table.view.repaint()
        return {k: calls[k] - before[k] for k in calls}

    first = feed(0, batch)
    for start in range(batch, n, 9 * batch):  # long lists, fast
        session.rows.extend(index_rows(index, start, min(start + 9 * batch, n)))
        session.rows_added.emit(start)
    last = feed(n, n + batch)
    assert counts.resets == 0 and table.model.rowCount() == n + batch
    assert last["filter"] <= first["filter"] + 10  # only the new rows are filtered
    assert last["data"] <= 2 * first["data"] + 200  # no sorting pass over the list
    kept = np.array([len(t) >= 4 for t in index.tels_with_data[:n + batch]])
    assert table.proxy.rowCount() == kept.sum()
    # stepping through the shown rows does not walk the list
    assert table.next_visible(n - 10, +1) == n - 10 + 1 + int(np.argmax(kept[n - 9:]))
    assert table.next_visible(0, -1) is None


def test_finished_tasks_are_released(qtbot):
    """A task and what its function holds go once it has run (a task the pool kept, or a
    slot that held it, kept every event read or processed in the background)."""
    import gc
    import weakref

    from ctaviewer.app import workers

    class Payload:
        pass

    payload = Payload()
    held = weakref.ref(payload)
    done = []
    task = workers.submit(lambda progress, stop, payload=payload: None, done.append)
    ref = weakref.ref(task)
    del payload, task
    qtbot.waitUntil(lambda: done == [None])
    qtbot.wait(10)
    gc.collect()
    assert held() is None and ref() is None


def test_the_sorted_list_answers_each_role_as_its_model_does(simtel_file, qtbot, window):
    """The proxy answers the roles the event list's model answers with the model's value
    of the row it shows there, and None for the others without asking the model."""
    s, table = window.session, window.event_table
    assert window.open_path(simtel_file("gamma_70sst1m.simtel.zst"))
    qtbot.waitUntil(lambda: s.array_event is not None and not s.indexing, timeout=60000)
    table.view.sortByColumn(1, QtCore.Qt.DescendingOrder)
    model, proxy = table.model, table.proxy
    asked = []
    original = model.data
    model.data = lambda index, role=QtCore.Qt.DisplayRole: (asked.append(role),
                                                             original(index, role))[1]
    roles = [QtCore.Qt.DisplayRole, QtCore.Qt.ToolTipRole, QtCore.Qt.TextAlignmentRole,
             QtCore.Qt.ForegroundRole, QtCore.Qt.UserRole, QtCore.Qt.DecorationRole,
             QtCore.Qt.FontRole, QtCore.Qt.BackgroundRole, QtCore.Qt.CheckStateRole]
    for row in range(proxy.rowCount()):
        for column in range(proxy.columnCount()):
            for role in roles:
                cell = proxy.index(row, column)
                expected = original(proxy.mapToSource(cell), role)
                assert proxy.data(cell, role) == expected
    assert set(asked) == set(roles) & set(model.roles)
    assert proxy.data(QtCore.QModelIndex()) is None
