"""Warnings about a file (truncated, damaged, unknown camera) reach the window: the status
bar, a count with the text, and a dialog the first time for a file. Before, they were
printed on stderr only."""

from __future__ import annotations

import pytest

pytest.importorskip("pytestqt")
pytest.importorskip("zstandard")

from ctaviewer.app.qt import QtWidgets  # noqa: E402

from .conftest import truncated_copy  # noqa: E402

pytestmark = pytest.mark.usefixtures("isolated_settings")


@pytest.fixture
def truncated(tmp_path):
    """A real file cut after 70 % of its decompressed bytes: 3 of its 4 events complete."""
    return truncated_copy(tmp_path)


@pytest.fixture
def window(make_window):
    return make_window(restore=False)


def open_and_wait(qtbot, window, path):
    assert window.open_path(path)
    qtbot.waitUntil(lambda: window.session.path == (None if path is None else str(path))
                    and window.session.array_event is not None, timeout=30000)


def dialogs(window):
    return [b for b in window.findChildren(QtWidgets.QMessageBox, "warning_dialog")
            if b.isVisible()]


def test_truncation_is_shown_in_the_window(truncated, simtel_file, qtbot, window):
    s = window.session
    open_and_wait(qtbot, window, truncated)
    assert s.n_events == 3
    assert len(s.warnings) == 1 and "truncated" in s.warnings[0]
    assert str(truncated) in s.warnings[0]
    text = s.warnings[0]
    assert ".py" not in text and "warnings.warn" not in text  # no Python warning format
    # the status bar: the warning (the file name, shown in the title, left out), its
    # whole text in the tooltip
    button = window.warning_button
    assert button.isVisible()
    assert button.text() == "⚠ " + text[len(str(truncated)) + 2:]
    assert button.text().startswith("⚠ file is truncated")
    assert text in button.toolTip()
    # a dialog, the first time for this file
    (box,) = dialogs(window)
    assert "gamma_4lst_cut.simtel" in box.text() and str(truncated) in box.text()
    assert "file is truncated" in box.informativeText()
    box.close()

    # another file: no warnings, no count
    open_and_wait(qtbot, window, simtel_file("gamma_4lst.simtel.zst"))
    assert s.warnings == [] and not window.warning_button.isVisible()
    # the damaged file again: warned again in the status bar, but no second dialog
    open_and_wait(qtbot, window, truncated)
    assert len(s.warnings) == 1 and window.warning_button.isVisible()
    assert "truncated" in window.warning_button.text()
    assert dialogs(window) == []
    # the count opens the list again
    window.warning_button.click()
    (box,) = dialogs(window)
    assert "file is truncated" in box.informativeText()
    box.close()


def test_warnings_of_a_file_that_fails_do_not_stick_to_the_open_one(truncated, simtel_file,
                                                                     qtbot, window):
    s = window.session
    open_and_wait(qtbot, window, simtel_file("gamma_4lst.simtel.zst"))
    window.open_path(simtel_file("bad_header_only.simtel.gz"))
    qtbot.waitUntil(lambda: hasattr(window, "last_error"), timeout=30000)
    assert s.warnings == [] and not window.warning_button.isVisible()


def test_a_warning_while_reading_an_event_is_shown(qtbot, window, monkeypatch):
    """Warnings found later, when an event is read, join the file's warnings."""
    import warnings

    from ctaviewer.errors import UnknownCameraWarning

    s = window.session
    open_and_wait(qtbot, window, None)
    original = type(s.source).__getitem__

    def reading_warns(self, i):
        warnings.warn(UnknownCameraWarning(f"event {i}: a camera nobody knows"), stacklevel=2)
        return original(self, i)

    monkeypatch.setattr(type(s.source), "__getitem__", reading_warns)
    s.go_to(2)
    assert s.event_index == 2
    assert s.warnings == ["event 2: a camera nobody knows"]
    assert window.warning_button.text() == "⚠ event 2: a camera nobody knows"
    warnings.warn(UnknownCameraWarning("a second one"), stacklevel=1)  # not while reading
    s.go_to(3)
    assert s.warnings == ["event 2: a camera nobody knows", "event 3: a camera nobody knows"]
    assert window.warning_button.text() == "⚠ event 2: a camera nobody knows (+1 more)"


def test_a_file_without_events_leaves_nothing_of_the_one_before(simtel_file, qtbot, window,
                                                                tmp_path):
    """A file cut inside its first event opens with no event: the status bar, the camera
    and its colour bar say nothing of the event of the file shown before; the array view
    shows the new file's telescopes, none lit."""
    s = window.session
    open_and_wait(qtbot, window, simtel_file("gamma_4lst.simtel.zst"))
    s.go_to(1)
    qtbot.waitUntil(lambda: s.event_index == 1 and s.result is not None, timeout=30000)
    assert window.event_label.text().startswith("event #1 of ")
    assert window.camera_view.colorbar.isVisible()
    empty = truncated_copy(tmp_path, keep=0.2)  # run headers whole, the first event cut
    assert window.open_path(empty)
    qtbot.waitUntil(lambda: s.path == str(empty) and not s.indexing, timeout=30000)
    assert s.n_events == 0 and s.array_event is None
    assert window.event_label.text() == "no events in this file"
    assert window.timing_label.text() == ""
    assert window.camera_view.item is None
    assert not window.camera_view.colorbar.isVisible()
    assert not window.camera_view.slider.isEnabled()
    assert window.camera_view.sample_label.text().endswith("/ 0")  # no samples to pick
    assert "gamma_4lst_cut" in window.windowTitle()
    # the array view: the file's telescopes, none lit, no core or legend of the event before
    array = window.array_view
    assert len(array.scatter.data) == 4
    assert all(b.color().name() == array._white.color().name()
               for b in array.scatter.data["brush"])
    assert "core" not in array.legend.text()
    # a good file again: all of it shown
    open_and_wait(qtbot, window, simtel_file("gamma_4lst.simtel.zst"))
    qtbot.waitUntil(lambda: s.result is not None, timeout=30000)
    assert window.event_label.text().startswith("event #0 of ")
    assert window.camera_view.colorbar.isVisible()
