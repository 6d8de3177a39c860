"""A file that fails to open leaves the window in one consistent state (pytest-qt, offscreen).

Before: the session emptied itself while the event list kept the old rows, the title, images
and "event 4/4" of the old file stayed, the arrow keys did nothing, "Re-processing…" stuck,
and applying a filter then crashed the process (SIGSEGV in the proxy model). Now the file
open before stays open, whole; with no file before, the window stays empty.
"""

from __future__ import annotations

import pytest

pytest.importorskip("pytestqt")

from ctaviewer.app.qt import QtCore  # noqa: E402

pytestmark = pytest.mark.usefixtures("isolated_settings")

GOOD = "gamma_4lst.simtel.zst"


@pytest.fixture
def window(make_window):
    return make_window(restore=False)


@pytest.fixture(params=["header_only", "not_simtel"])
def bad_file(request, simtel_file, tmp_path):
    """A file that fails while being opened in the background: headers without events, or
    a file no reader recognises."""
    if request.param == "header_only":
        return simtel_file("bad_header_only.simtel.gz")
    path = tmp_path / "notes.simtel.zst"
    path.write_bytes(b"this is not a sim_telarray file\n" * 100)
    return path


def open_and_wait(qtbot, window, path, timeout=30000):
    assert window.open_path(path)
    qtbot.waitUntil(lambda: window.session.array_event is not None, timeout=timeout)


def wait_result(qtbot, window, timeout=60000):
    s = window.session
    qtbot.waitUntil(lambda: s.result is not None or hasattr(window, "last_error"),
                    timeout=timeout)
    assert not hasattr(window, "last_error"), window.last_error


def fail_open(qtbot, window, path):
    """Open ``path``, which fails (at once or in the background); the error is shown."""
    window.__dict__.pop("last_error", None)
    window.open_path(path)
    qtbot.waitUntil(lambda: hasattr(window, "last_error"), timeout=30000)
    qtbot.waitUntil(lambda: not window.session.opening, timeout=5000)
    title, message = window.last_error
    assert title == "Cannot open file" and str(path) in message
    del window.last_error


def snapshot(window) -> dict:
    """What every view of the window shows (the parts a stale file would leave behind)."""
    s, table = window.session, window.event_table
    grid = window.camera_grid
    return {
        "title": window.windowTitle(),
        "file": window.file_label.text(),
        "event": window.event_label.text(),
        "path": s.path,
        "n_rows": len(s.rows),
        "model_rows": table.model.rowCount(),
        "shown_rows": table.proxy.rowCount(),
        "list_status": table.status.text(),
        "index": s.event_index,
        "event_id": None if s.array_event is None else s.array_event.event_id,
        "source_is_open": s.source is not None,
        "selected_tel": s.selected_tel,
        "camera_title": window.camera_view.title.toPlainText(),
        "camera_geometry": window.camera_view._geometry,
        "grid": list(grid._shown),
        "array_tels": s.source.subarray.n_tels if s.source is not None else 0,
        "parameter_columns": window.parameter_table.table.columnCount(),
        "waveform_pixels": sorted(window.waveform_view.curves),
        "timing": window.timing_label.text() != "",
        "processing_targets": window.processing_panel.target_box.count(),
    }


def type_filter(qtbot, window, text):
    edit = window.event_table.filter_edit
    edit.clear()
    qtbot.keyClicks(edit, text)
    qtbot.keyClick(edit, QtCore.Qt.Key_Return)


def press(qtbot, window, key):
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow, timeout=5000)
    qtbot.keyClick(window, key)


def test_failed_open_keeps_the_open_file_whole(simtel_file, bad_file, qtbot, window):
    s = window.session
    open_and_wait(qtbot, window, simtel_file(GOOD))
    if not s.can_process:
        pytest.skip("processing chain not installed")
    s.go_to(1)
    wait_result(qtbot, window)
    qtbot.waitUntil(lambda: window.camera_grid._shown == sorted(s.array_event.tel))
    before = snapshot(window)
    assert before["title"].startswith(GOOD) and "event #1 of 4" in before["event"]

    fail_open(qtbot, window, bad_file)
    qtbot.wait(50)  # anything queued by the failure is delivered
    assert snapshot(window) == before
    assert not window.progress.isVisible()  # the opening's progress bar is gone
    assert not window.statusBar().currentMessage().startswith("Opening")
    assert str(bad_file) not in " ".join(a.toolTip() for a in window.recent_menu.actions())

    # the filter works on the rows on show (this crashed the process before)
    type_filter(qtbot, window, "n_tel >= 3")
    expected = [r["index"] for r in s.rows if r["n_tel"] >= 3]
    assert sorted(window.event_table.visible_indices()) == expected
    assert f"{len(expected)} of 4 events shown" in window.event_table.status.text()
    type_filter(qtbot, window, "")
    assert window.event_table.proxy.rowCount() == 4

    # the keys move through the file, and its events are processed
    press(qtbot, window, QtCore.Qt.Key_Right)
    assert s.event_index == 2 and "event #2 of 4" in window.event_label.text()
    wait_result(qtbot, window)
    assert s.result is s.results[2]
    press(qtbot, window, QtCore.Qt.Key_Left)
    assert s.event_index == 1

    # re-processing with new settings ends with a result, not "Re-processing…" forever
    panel = window.processing_panel
    panel.set_value("cleaning", "picture_threshold", 12.0)
    old = s.result
    panel.apply()
    qtbot.waitUntil(lambda: s.result is not old or hasattr(window, "last_error"),
                    timeout=60000)
    assert not hasattr(window, "last_error"), window.last_error
    assert "Re-processing" not in panel.message.text()
    assert "cleaned pixels" in panel.message.text()


def test_failed_first_open_leaves_an_empty_window(bad_file, qtbot, window):
    s = window.session
    fail_open(qtbot, window, bad_file)
    assert window.windowTitle() == "ctaviewer"
    assert window.file_label.text() == "" and window.event_label.text() == ""
    assert s.source is None and s.path is None and s.rows == [] and s.array_event is None
    assert window.event_table.proxy.rowCount() == 0
    assert not window.progress.isVisible()
    press(qtbot, window, QtCore.Qt.Key_Right)  # nothing to move to, nothing breaks
    assert s.event_index == -1
    type_filter(qtbot, window, "n_tel >= 2")
    assert window.event_table.status.text() == "0 of 0 events shown"


def test_an_open_abandoned_for_a_failing_one_changes_nothing(simtel_file, qtbot, window):
    """Open A; ask for B and, before it is ready, for a bad file: B is abandoned (even if
    it finishes meanwhile) and A stays."""
    s = window.session
    open_and_wait(qtbot, window, simtel_file(GOOD))
    if s.can_process:
        wait_result(qtbot, window)
    qtbot.waitUntil(lambda: window.camera_grid._shown == sorted(s.array_event.tel))
    before = snapshot(window)
    assert window.open_path(simtel_file("gamma_70sst1m.simtel.zst"))
    fail_open(qtbot, window, simtel_file("bad_header_only.simtel.gz"))
    qtbot.wait(200)
    assert snapshot(window) == before
    assert s.path == str(simtel_file(GOOD))


def test_a_good_file_after_a_failed_one_opens(simtel_file, qtbot, window):
    s = window.session
    open_and_wait(qtbot, window, simtel_file(GOOD))
    fail_open(qtbot, window, simtel_file("bad_header_only.simtel.gz"))
    path = simtel_file("gamma_70sst1m.simtel.zst")
    assert window.open_path(path)
    qtbot.waitUntil(lambda: s.path == str(path) and s.array_event is not None, timeout=30000)
    assert s.n_events == 31 and window.event_table.proxy.rowCount() == 31
    assert window.windowTitle().startswith("gamma_70sst1m.simtel.zst")
    assert "event #0 of 31" in window.event_label.text()


def test_status_bar_names_the_built_in_array(qtbot, window):
    """Opening the built-in array said "Opening None"."""
    messages = []
    window.session.busy.connect(messages.append)
    open_and_wait(qtbot, window, None)
    assert messages[0] == "Opening the built-in simulated array"
    assert not any("None" in m for m in messages)


def test_close_empties_every_view(simtel_file, qtbot, window):
    s = window.session
    open_and_wait(qtbot, window, simtel_file(GOOD))
    s.close()
    assert s.rows == [] and window.event_table.proxy.rowCount() == 0
    type_filter(qtbot, window, "n_tel >= 2")  # the emptied list filters without a crash
    assert window.event_table.status.text() == "0 of 0 events shown"


def test_error_dialog_is_a_message_not_a_traceback(bad_file, qtbot, window):
    window.open_path(bad_file)
    qtbot.waitUntil(lambda: hasattr(window, "last_error"), timeout=30000)
    text = window.last_error[1]
    assert "Traceback" not in text and 'File "' not in text
    assert text.startswith(str(bad_file))
