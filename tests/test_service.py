"""The application's Qt-free models (``ctaviewer.service``), without Qt: the session's
state transitions, the display settings and the one event mechanism."""

from __future__ import annotations

import math
import subprocess
import sys
import textwrap

import pytest

from ctaviewer import open_source
from ctaviewer.errors import HeaderOnlyFileError
from ctaviewer.results import EventResult, StereoResult
from ctaviewer.service.display import DisplayState
from ctaviewer.service.evented import Signal
from ctaviewer.service.session import Opened, SessionState, initial_rows, open_file

from .conftest import simtel

SIGNALS = ("source_changed", "rows_changed", "row_changed", "event_changed", "result_changed",
           "tel_selected", "pixels_selected", "config_changed", "process_requested", "busy",
           "error", "warned")


class Recorder:
    """Every signal of a state, in order, with its arguments."""

    def __init__(self, state):
        self.calls: list[tuple] = []
        for name in SIGNALS:
            getattr(state, name).connect(lambda *a, name=name: self.calls.append((name, *a)))

    def names(self) -> list[str]:
        return [c[0] for c in self.calls]

    def clear(self) -> None:
        self.calls.clear()


class ClosingSource:
    """A source that records whether it was closed (wraps the built-in array)."""

    def __init__(self, n_events=6):
        self.inner = open_source(None, n_events=n_events)
        self.closed = False
        self.index = None
        self.subarray = self.inner.subarray
        self.unreadable: set[int] = set()  # events that fail to read

    def __len__(self):
        return len(self.inner)

    def __getitem__(self, i):
        if i in self.unreadable:
            raise OSError(f"cannot read event {i}")
        return self.inner[i]

    def close(self):
        self.closed = True


def opened_state(n_events=6, path="/data/a.simtel", config="config A"):
    state = SessionState(config)
    source = ClosingSource(n_events)
    generation = state.begin_open(path)
    assert state.open_finished(Opened(generation, path, 0, source, initial_rows(source),
                                      ["a warning"]))
    return state, source


def result_of(index, n_tel=2, alt=70.0):
    return EventResult(index, 1, 100 + index, {},
                       StereoResult(alt=alt, az=0.0, tel_ids=tuple(range(1, n_tel + 1))))


def test_the_service_runs_without_qt():
    """The models import, open the built-in array and move through it with Qt blocked."""
    code = textwrap.dedent("""
        import sys
        class Block:
            def find_spec(self, name, path=None, target=None):
                if name.split('.')[0] in ('PySide6', 'pyqtgraph', 'PyQt5', 'PyQt6',
                                          'shiboken6'):
                    raise ImportError('blocked ' + name)
        sys.meta_path.insert(0, Block())
        from ctaviewer import open_source
        from ctaviewer.service import display, evented, processing, session, simtel_helper
        state = session.SessionState(config=None)
        source = open_source(None, n_events=3)
        g = state.begin_open(None)
        state.open_finished(session.Opened(g, None, 0, source, session.initial_rows(source),
                                           []))
        assert state.go_to(1) and state.array_event.index == 1
        display.DisplayState().update(quantity="charge")
        assert not [m for m in sys.modules if m.split('.')[0] in ('PySide6', 'pyqtgraph')]
        print('ok')
    """)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "ok"


def test_open_ok_announces_the_file_in_one_go():
    state = SessionState("config A")
    rec = Recorder(state)
    source = ClosingSource()
    generation = state.begin_open("/data/a.simtel")
    assert rec.calls == [("busy", "Opening /data/a.simtel")] and state.busy_text
    rows = initial_rows(source)
    assert [r["index"] for r in rows] == list(range(6))
    assert state.open_finished(Opened(generation, "/data/a.simtel", 0, source, rows,
                                      ["w1", "w1", "w2"]))
    assert rec.names() == ["busy", "busy", "source_changed", "rows_changed", "warned"]
    assert rec.calls[1] == ("busy", "") and rec.calls[-1] == ("warned", "/data/a.simtel",
                                                               ["w1", "w2"])
    assert state.source is source and state.path == "/data/a.simtel" and state.n_events == 6
    assert state.warnings == ["w1", "w2"] and state.event_index == -1
    assert state.first_event(99) == 5 and state.first_event(-3) == 0


def test_open_fails_and_the_file_open_before_stays():
    state, source = opened_state()
    state.go_to(2)
    before = (state.source, state.path, list(state.rows), state.event_index,
              state.array_event, state.selected_tel, list(state.warnings))
    rec = Recorder(state)
    generation = state.begin_open("/data/bad.simtel.gz")
    exc = HeaderOnlyFileError("/data/bad.simtel.gz", "no events")
    assert state.open_failed(generation, "/data/bad.simtel.gz", exc)
    assert rec.calls == [("busy", "Opening /data/bad.simtel.gz"), ("busy", ""),
                         ("error", "Cannot open file", "/data/bad.simtel.gz\n\nno events")]
    assert (state.source, state.path, state.rows, state.event_index, state.array_event,
            state.selected_tel, state.warnings) == before
    assert not source.closed and state.last_error[0] == "Cannot open file"
    # an error that is not an input error is named with its type
    generation = state.begin_open(None)
    state.open_failed(generation, None, RuntimeError("boom"))
    assert state.last_error == ("Cannot open file",
                                "the built-in simulated array\n\nRuntimeError: boom")


def test_an_abandoned_open_changes_nothing():
    state, source = opened_state()
    first = state.begin_open("/data/b.simtel")
    second = state.begin_open("/data/c.simtel")
    rec = Recorder(state)
    late = ClosingSource()
    assert not state.open_finished(Opened(first, "/data/b.simtel", 0, late, [], []))
    assert late.closed and state.source is source and rec.calls == []
    assert not state.open_failed(first, "/data/b.simtel", OSError("gone"))
    assert rec.calls == []
    state.close()  # abandons the second too
    assert not state.open_finished(Opened(second, "/data/c.simtel", 0, ClosingSource(), [],
                                          []))
    assert state.source is None


def test_next_and_previous_move_through_the_events():
    state, source = opened_state()
    rec = Recorder(state)
    assert state.go_to(0)
    # (the row gains the event's simulation truth once the event is read)
    assert rec.names() == ["event_changed", "row_changed", "process_requested"]
    assert state.array_event.index == 0 and state.result is None
    assert state.rows[0]["true_alt"] == state.array_event.simulation.alt
    assert state.selected_tel in state.array_event.tel and "read_ms" in state.timing
    for expected in (1, 2, 3):  # next
        state.go_to(state.event_index + 1)
        assert state.event_index == expected and state.direction == 1
    state.go_to(state.event_index - 1)  # previous
    assert state.event_index == 2 and state.direction == -1
    state.go_to(99)
    assert state.event_index == 5
    state.go_to(-4)
    assert state.event_index == 0
    # an event with a result already made: shown with it, nothing to process
    state.add_result(1, result_of(1), state.config_generation, source)
    rec.clear()
    state.go_to(1)
    assert state.result is state.results[1] and rec.names() == ["event_changed"]


def test_an_unreadable_event_is_an_error_and_the_current_event_stays():
    state, source = opened_state()
    state.go_to(1)
    source.unreadable.add(3)
    rec = Recorder(state)
    assert not state.go_to(3)
    assert rec.calls == [("error", "Cannot read event", "event 3: cannot read event 3")]
    assert state.event_index == 1 and state.array_event.index == 1


def test_set_config_drops_results_and_asks_to_process_again():
    state, source = opened_state()
    rec = Recorder(state)
    state.set_config("config B")  # no event shown yet: nothing to process
    assert rec.names() == ["config_changed"] and state.config == "config B"
    state.go_to(0)
    generation = state.config_generation
    assert state.add_result(0, result_of(0), generation, source)
    rec.clear()
    state.set_config("config C")
    assert rec.names() == ["config_changed", "process_requested"]
    assert state.results == {} and state.config_generation == generation + 1
    # a result made with the settings before is dropped
    assert not state.add_result(0, result_of(0), generation, source)
    assert state.results == {}
    assert state.add_result(0, result_of(0, alt=60.0), state.config_generation, source)
    assert state.result.geometry.alt == 60.0


def test_results_go_to_their_event_and_row():
    state, source = opened_state()
    state.go_to(2)
    rec = Recorder(state)
    gen = state.config_generation
    # processed ahead: kept and in the list, not shown
    assert not state.add_result(3, result_of(3, n_tel=3), gen, source, latest=False)
    assert rec.calls == [("row_changed", 3)] and state.rows[3]["n_tel_reco"] == 3
    assert math.isnan(state.rows[3]["reco_energy"]) and state.rows[3]["reco_alt"] == 70.0
    # a look-ahead's result for the current event shows when none is shown yet ...
    assert state.add_result(2, result_of(2), gen, source, latest=False)
    assert state.result is state.results[2]
    # ... but never replaces one shown; the newest request's result does
    assert not state.add_result(2, result_of(2, alt=10.0), gen, source, latest=False)
    assert state.add_result(2, result_of(2, alt=20.0), gen, source, latest=True)
    assert state.result.geometry.alt == 20.0
    # a result for another source is dropped
    assert not state.add_result(2, result_of(2), gen, ClosingSource())


def test_selection():
    state, source = opened_state()
    state.go_to(0)
    tels = sorted(state.array_event.tel)
    other = next(t for t in tels if t != state.selected_tel)
    rec = Recorder(state)
    state.select_tel(other)
    assert state.selected_tel == other
    assert rec.calls == [("tel_selected", other), ("pixels_selected",)]
    state.select_tel(10_000)  # not in the event: ignored
    assert state.selected_tel == other
    state.select_pixels([3])
    state.add_neighbors()
    geom = source.subarray.tels[other].camera.geometry
    assert state.selected_pixels == [3] + [int(n) for n in geom.neighbors_of(3)]
    state.select_pixels([0], add=True)
    assert state.selected_pixels[-1] == 0 and len(set(state.selected_pixels)) == len(
        state.selected_pixels)
    assert state.tel_result(other) is None


def test_close_empties_the_session():
    state, source = opened_state()
    state.go_to(1)
    rec = Recorder(state)
    state.close()
    assert source.closed and rec.names() == ["rows_changed"]
    assert (state.source, state.path, state.rows, state.event_index, state.array_event,
            state.results, state.warnings) == (None, None, [], -1, None, {}, [])
    assert not state.go_to(0)
    rec.clear()
    state.close()  # nothing open: nothing to announce
    assert rec.calls == []


def test_display_state_checks_and_announces_once():
    d = DisplayState()
    calls = []
    d.changed.connect(lambda: calls.append("changed"))
    d.sample_changed.connect(lambda s: calls.append(("sample", s)))
    d.update(quantity="charge", cmap="magma")
    assert (d.quantity, d.cmap) == ("charge", "magma") and calls == ["changed"]
    d.update(quantity="charge")  # no change: no signal
    assert calls == ["changed"]
    with pytest.raises(ValueError, match="scale must be one of"):
        d.update(cmap="inferno", scale="cubic")
    assert d.cmap == "magma"  # nothing of a refused update is applied
    with pytest.raises(AttributeError):
        d.update(colour="red")
    d.set_sample(4)
    d.set_sample(4)
    assert calls == ["changed", ("sample", 4)]


def test_signal_connect_disconnect_emit():
    sig = Signal(int, str, name="s")
    got = []

    def slot(n, text):
        got.append((n, text))

    assert sig.connect(slot) is slot
    sig.connect(slot)  # once only
    sig.emit(1, "a")
    assert got == [(1, "a")] and len(sig) == 1
    with pytest.raises(TypeError, match="takes 2 argument"):
        sig.emit(1)
    sig.disconnect(slot)
    sig.emit(2, "b")
    assert got == [(1, "a")]
    with pytest.raises(ValueError, match="not connected"):
        sig.disconnect(slot)


def test_initial_rows_from_a_file_index():
    with open_file(simtel("gamma_4lst.simtel.zst"), in_helper=False) as source:
        assert source.index is not None  # opened ready for random access
        rows = initial_rows(source)
        assert [r["event_id"] for r in rows] == [int(i) for i in source.index.event_id]
        assert [r["n_tel"] for r in rows] == [len(source[i].tel) for i in range(len(source))]


# ------------------------------------------------------------------ a file still being indexed
def indexing_state(n_events=6, listed=2):
    """A state whose file lists its first ``listed`` events, the rest still being indexed."""
    state = SessionState("config A")
    source = ClosingSource(n_events)
    rows = initial_rows(source)
    generation = state.begin_open("/data/big.simtel")
    assert state.open_finished(Opened(generation, "/data/big.simtel", 0, source,
                                      rows[:listed], []))
    state.begin_indexing()
    return state, source, rows


def test_rows_found_while_indexing_are_appended_once():
    state, source, rows = indexing_state()
    added = []
    state.rows_added.connect(added.append)
    assert not state.add_rows(source, 1, rows[1:4])  # row 1 is listed already
    assert added == [2] and [r["index"] for r in state.rows] == [0, 1, 2, 3]
    assert not state.add_rows(ClosingSource(), 4, rows[4:])  # another file's: dropped
    assert state.n_events == 4 and added == [2]


def test_going_beyond_the_index_waits_for_it():
    state, source, rows = indexing_state()
    busy = []
    state.busy.connect(busy.append)
    assert not state.go_to(4)
    assert state.waiting_for == 4 and "Waiting for event 4" in busy[-1]
    assert state.event_index == -1
    assert not state.add_rows(source, 2, rows[2:4])  # not there yet
    assert state.add_rows(source, 4, rows[4:5])  # now it is: the caller goes there
    assert state.go_to(4) and state.event_index == 4
    assert state.waiting_for is None and busy[-1] == ""


def test_the_end_of_indexing_says_its_warnings_and_errors():
    state, source, rows = indexing_state()
    rec = Recorder(state)
    changed = []
    state.indexing_changed.connect(changed.append)
    state.indexing_finished(ClosingSource(), ["another file's"])  # not the open file
    assert state.indexing and rec.calls == []
    state.indexing_finished(source, ["/data/big.simtel: truncated"],
                            OSError("the disk is full"))
    assert not state.indexing and changed == [False]
    assert ("warned", "/data/big.simtel", ["/data/big.simtel: truncated"]) in rec.calls
    title, message = state.last_error
    assert title == "Indexing stopped" and "the disk is full" in message
    assert state.n_events == 2 and not state.add_rows(source, 2, rows[2:])  # no more rows


def test_results_are_kept_for_recent_events_only():
    state, source = opened_state(n_events=6)
    state.results.size = 3
    for i in range(6):
        state.add_result(i, result_of(i), state.config_generation, source)
    assert list(state.results) == [3, 4, 5]
    assert all("n_tel_reco" in row for row in state.rows)  # the list keeps every one
