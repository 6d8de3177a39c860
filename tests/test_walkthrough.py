"""A new user's first session, step by step as docs/guide/index.md ("Your first session")
tells it: the built-in array and the tour, open a real file, next event, click a pixel and
read its waveform, change a cleaning threshold, filter the events, export a PNG.

Each step goes through what a user touches (menu actions, keys, mouse clicks on the
camera, the threshold's spin box, the filter field) and checks what the guide says appears.
"""

from __future__ import annotations

import re

import numpy as np
import pytest

pytest.importorskip("pytestqt")

from ctaviewer.app.qt import QtCore, QtGui, QtWidgets  # noqa: E402

FILE = "gamma_4lst.simtel.zst"
FILTER = "n_tel >= 4"


pytestmark = pytest.mark.usefixtures("isolated_settings")


def menu_action(window, *path):
    """The QAction at a menu path such as ("File", "Export view as PNG, SVG or PDF", "Camera")."""
    actions = window.menuBar().actions()
    for name in path:
        action = next(a for a in actions if a.text().replace("&", "").rstrip("…") == name)
        actions = action.menu().actions() if action.menu() is not None else []
    return action


def cleaned_count(window) -> int:
    """The selected telescope's cleaned pixels, as the processing panel reports them."""
    match = re.search(r"tel (\d+): (\d+)", window.processing_panel.message.text())
    assert match, window.processing_panel.message.text()
    assert int(match.group(1)) == window.session.selected_tel
    return int(match.group(2))


def test_first_session(simtel_file, qtbot, monkeypatch, tmp_path):
    from ctaviewer.app.main import make_application, open_main_window

    path = str(simtel_file(FILE))
    make_application()

    # 1. start with no file: the built-in simulated array, and the tour on the first run
    window = open_main_window(None)
    qtbot.addWidget(window)
    window.resize(1400, 900)
    s = window.session
    qtbot.waitUntil(lambda: s.array_event is not None, timeout=20000)
    assert s.path is None and s.n_events > 0
    assert "simulated array (built-in)" in window.windowTitle()
    qtbot.waitUntil(lambda: s.result is not None, timeout=60000)  # processed: charge shown
    assert window.camera_view.quantity_box.currentText() == "charge"
    assert "not available" not in window.camera_view.title.toPlainText()
    qtbot.waitUntil(lambda: getattr(window, "tour", None) is not None and window.tour.active,
                    timeout=5000)
    tour = window.tour
    assert tour.bubble.isVisible() and tour.bubble.title.text() == "The camera view"
    qtbot.mouseClick(tour.bubble.next_button, QtCore.Qt.LeftButton)
    assert tour.bubble.title.text() == "Waveforms"
    qtbot.mouseClick(tour.bubble.never_button, QtCore.Qt.LeftButton)  # "Don't show again"
    assert not tour.active and not tour.bubble.isVisible()

    # 2. File ▸ Open… a real file
    offered = {}

    def choose_file(parent, caption, start, filters):
        offered["filters"] = filters
        return path, filters.split(";;")[0]

    monkeypatch.setattr(QtWidgets.QFileDialog, "getOpenFileName", choose_file)
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow, timeout=5000)
    qtbot.keyClick(window, QtCore.Qt.Key_O, QtCore.Qt.ControlModifier)  # = File ▸ Open…
    assert "*.simtel.zst" in offered["filters"]
    qtbot.waitUntil(lambda: s.path == path and s.array_event is not None, timeout=30000)
    assert s.n_events == 4 and s.event_index == 0
    assert window.windowTitle().startswith(FILE)
    assert menu_action(window, "File", "Open recent", FILE).statusTip() == f"Open {path}"

    # 3. the next event: the Right arrow key
    qtbot.keyClick(window, QtCore.Qt.Key_Right)
    assert s.event_index == 1
    assert "event #1 of 4" in window.event_label.text()
    qtbot.waitUntil(lambda: s.result is not None or hasattr(window, "last_error"),
                    timeout=60000)
    assert not hasattr(window, "last_error"), window.last_error

    # 4. click the brightest pixel of the camera: its waveform appears
    window.docks["waveforms"].raise_()
    qtbot.wait(100)  # the layout settles before clicking at screen positions
    tel = s.selected_tel
    item = window.camera_view.item
    geom = item.geometry
    pixel = int(np.argmax(s.result.tel[tel].image))
    view = window.camera_view.graphics
    scene = item.mapToScene(QtCore.QPointF(geom.pix_x[pixel], geom.pix_y[pixel]))
    qtbot.mouseClick(view.viewport(), QtCore.Qt.LeftButton, pos=view.mapFromScene(scene))
    assert s.selected_pixels == [pixel]
    waveforms = window.waveform_view
    qtbot.waitUntil(lambda: list(waveforms.curves) == [pixel])
    _, y = waveforms.curves[pixel][0].getData()
    np.testing.assert_array_equal(y, s.array_event.tel[tel].waveform[0, pixel])
    assert f"pixel {pixel}: charge" in waveforms.info.text()

    # 5. Processing: raise the picture threshold, fewer pixels survive the cleaning
    window.docks["processing"].raise_()
    panel = window.processing_panel
    cam = s.source.subarray.tels[tel].camera.name
    assert panel.target == cam
    before = cleaned_count(window)
    assert before > 0
    editor = panel.editors[("cleaning", "picture_threshold")]
    assert editor.isVisible() and editor.value() == s.config.for_camera(cam)[1].picture_threshold
    old = s.result
    editor.setValue(12.0)  # what typing 12 in the spin box does
    qtbot.waitUntil(lambda: s.result is not old or hasattr(window, "last_error"),
                    timeout=60000)
    assert not hasattr(window, "last_error"), window.last_error
    after = cleaned_count(window)
    assert after < before
    assert after == s.result.tel[tel].n_pixels_cleaned
    assert s.config.for_camera(cam)[1].picture_threshold == 12.0

    # 6. Events: type a filter and press Enter
    window.docks["events"].raise_()
    table = window.event_table
    qtbot.mouseClick(table.filter_edit, QtCore.Qt.LeftButton)
    qtbot.keyClicks(table.filter_edit, FILTER)
    qtbot.keyClick(table.filter_edit, QtCore.Qt.Key_Return)
    expected = [r["index"] for r in s.rows if r["n_tel"] >= 4]
    assert expected == [2, 3]
    assert sorted(table.visible_indices()) == expected
    assert table.status.text() == "2 of 4 events shown"
    menu_action(window, "Event", "Next event").trigger()  # the first listed event
    assert s.event_index == 2

    # 7. File ▸ Export view as PNG, SVG or PDF ▸ Camera: the camera's plot, not its controls
    out = tmp_path / "camera.png"
    monkeypatch.setattr(QtWidgets.QFileDialog, "getSaveFileName",
                        lambda *a, **k: (str(out), "PNG (*.png)"))
    menu_action(window, "File", "Export view as PNG, SVG or PDF", "Camera").trigger()
    img = QtGui.QImage(str(out))
    assert not img.isNull()
    graphics = window.camera_view.graphics
    dpr = graphics.devicePixelRatioF()
    assert (img.width(), img.height()) == (round(graphics.width() * dpr),
                                           round(graphics.height() * dpr))
    colours = {img.pixel(x, y) for x in range(0, img.width(), 7)
               for y in range(0, img.height(), 7)}
    assert len(colours) > 20  # a camera image, not a blank widget
    window.close()
