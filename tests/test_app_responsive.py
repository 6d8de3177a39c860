"""The window keeps answering while a file's first event is drawn: the first drawing is
spread over event-loop turns, each doing a bounded amount of work (counted, not timed)."""

from __future__ import annotations

import pytest

from ctaviewer.app.views import camera_grid as camera_grid_module
from ctaviewer.app.views.lazy import first_draws


@pytest.fixture
def window(make_window):
    return make_window(restore=False)


def _open(qtbot, window, path):
    assert window.open_path(path)
    qtbot.waitUntil(lambda: (window.session.path == str(path)
                             and window.session.array_event is not None)
                    or hasattr(window, "last_error"), timeout=30000)
    assert not hasattr(window, "last_error"), getattr(window, "last_error", None)


class _Turns:
    """Counts event-loop turns: a zero-interval timer ticks once per turn."""

    def __init__(self, qtbot):
        from ctaviewer.app.qt import QtCore

        self.n = 0
        self.timer = QtCore.QTimer(interval=0)
        self.timer.timeout.connect(self._tick)
        self.timer.start()

    def _tick(self):
        self.n += 1

    def stop(self):
        self.timer.stop()


def test_a_new_files_views_draw_their_first_event_one_per_turn(simtel_file, qtbot, window):
    """The views other than the large camera draw a new file's first event in turns of
    their own (one view per turn), after the camera; meanwhile they show nothing of the
    file open before (the array view shows the new file's telescopes, drawn in a turn of
    their own as soon as the file is open)."""
    s = window.session
    _open(qtbot, window, simtel_file("gamma_4lst.simtel.zst"))
    qtbot.waitUntil(lambda: len(first_draws()) == 0 and len(window.array_view.scatter.data) > 0)
    window.docks["waveforms"].raise_()
    drawn = []  # (turn, view) of each refresh
    turns = _Turns(qtbot)
    views = (window.array_view, window.waveform_view)
    for view in views:
        original = view.refresh

        def logged(*args, view=view, original=original):
            drawn.append((turns.n, type(view).__name__))
            return original(*args)

        view.refresh = logged
    at_event = {}

    def seen():  # connected last: runs after every view's own slot
        at_event.setdefault("array points", len(window.array_view.scatter.data))
        at_event.setdefault("waiting", len(first_draws()))
        at_event.setdefault("turn", turns.n)
        at_event.setdefault("drawn before", list(drawn))

    s.event_changed.connect(seen)
    try:
        _open(qtbot, window, simtel_file("gamma_70sst1m.simtel.zst"))
        qtbot.waitUntil(lambda: len(first_draws()) == 0 and len(drawn) >= len(views))
    finally:
        turns.stop()
        s.event_changed.disconnect(seen)
    # when the first event came, the array view showed the new file's 70 telescopes (its
    # layout, drawn as soon as the file was open), never the 4 LSTs of the file before
    assert at_event["array points"] == 70 and at_event["waiting"] >= 1
    # the array view drew the layout before the event came (in the same event-loop pass
    # as the file's opening, at times: the turn counter's zero timer and the event's may
    # fire in one pass, so the order is what is asserted); the waveform view, which has
    # nothing to show without an event, draws the event in a turn after the camera's
    assert any(name == "ArrayView" for _, name in at_event["drawn before"])
    waveform = [turn for turn, name in drawn
                if name == "WaveformView" and turn >= at_event["turn"]]
    assert waveform and min(waveform) > at_event["turn"]
    # later events: every view follows in the event's own turn (never a stale view)
    drawn.clear()
    s.go_to(s.event_index + 1)
    qtbot.waitUntil(lambda: {name for _, name in drawn} >= {"ArrayView", "WaveformView"})
    assert len(first_draws()) == 0


def test_the_grids_first_drawing_of_many_cameras_is_split_by_its_budget(
        simtel_file, qtbot, window, monkeypatch):
    """The telescope grid makes, then colours, the cells of an event with many cameras a
    budget's worth per turn (a clock advanced by the work done, so nothing depends on this
    machine's speed); a cell is shown only once coloured for this event."""
    s, grid = window.session, window.camera_grid
    _open(qtbot, window, simtel_file("gamma_70sst1m.simtel.zst"))
    s.go_to(max(range(s.n_events), key=lambda i: s.rows[i]["n_tel"]))
    qtbot.waitUntil(lambda: s.array_event is not None and s.result is not None
                    and not grid.building and not grid.colouring, timeout=30000)
    qtbot.wait(50)  # (what the result brings: nothing else changes the grid meanwhile)
    want = sorted(s.array_event.tel)
    assert len(want) >= 8

    clock = [0.0]
    cell_s, colour_s = 0.004, 0.003  # what each costs, on the fake clock

    def made(original):
        def run(self, t):
            fresh = t not in self.cells
            out = original(self, t)
            clock[0] += cell_s if fresh else 0.0
            return out
        return run

    def coloured(original):
        def run(self, t):
            clock[0] += colour_s
            return original(self, t)
        return run

    monkeypatch.setattr(camera_grid_module.time, "perf_counter", lambda: clock[0])
    monkeypatch.setattr(camera_grid_module.CameraGrid, "_cell",
                        made(camera_grid_module.CameraGrid._cell))
    monkeypatch.setattr(camera_grid_module.CameraGrid, "_colour",
                        coloured(camera_grid_module.CameraGrid._colour))
    grid.build_budget_s = 0.02
    grid._new_source()  # forget the cells, as a new file does
    shown_uncoloured = []

    def check():
        visible = [t for t, (vb, _, _) in grid.cells.items() if vb.isVisible()]
        shown_uncoloured.extend(t for t in visible
                                if t in grid._uncoloured or t not in grid._shown)

    grid.rebuild()
    while grid.building or grid.colouring:
        check()
        qtbot.wait(1)
    check()
    assert grid._shown == want and not shown_uncoloured
    per_turn = grid.work_per_turn
    assert len(per_turn) >= 3
    budget_work = grid.build_budget_s + max(cell_s, colour_s)  # the last may overrun
    for cells, colours in per_turn:
        assert cells * cell_s + colours * colour_s <= budget_work + 1e-9, per_turn
    assert sum(c for _, c in per_turn) == len(want)
    # the next event with these telescopes: coloured at once, in its own turn
    grid.rebuild()
    assert not grid.colouring and per_turn is grid.work_per_turn
