"""Broken pixels (HV disabled, not read out) reach the camera views through the reading
helper process and are drawn in their own grey, hatched state with the reason in the tooltip,
never as an ordinary pixel of the colour scale."""

from __future__ import annotations

import numpy as np
import pytest

from .conftest import simtel

pytest.importorskip("pytestqt")
pytestmark = pytest.mark.usefixtures("isolated_settings")

FILE = "proton_4lst_15flashcam.simtel.zst"
DISABLED = [219, 576, 578, 807, 1395, 1684]


def test_pixel_status_crosses_the_helper_process():
    from ctaviewer.config import ProcessingConfig
    from ctaviewer.service import simtel_helper

    source = simtel_helper.open_indexed(simtel(FILE), first=0)
    try:
        event = source[0]
        flash = [t for t in event.tel if source.subarray.tels[t].camera.name == "FlashCam"]
        assert flash
        for t in flash:
            status = event.tel[t].pixel_status
            assert np.flatnonzero(status).tolist() == DISABLED
            assert not status.flags.writeable
        result = source.process(0, ProcessingConfig.default())
        assert result is not None and set(flash) <= set(result.tel)
    finally:
        source.close()


def _camera(camera_item, status, values):
    from ctaviewer.app import colors
    from ctaviewer.event import PixelStatus
    from ctaviewer.io import open_source

    with open_source(simtel(FILE)) as src:
        geom = next(c for c in src.subarray.camera_types if c.name == "FlashCam").geometry
    widget, vb, item = camera_item(geom, 700, 640)
    index = colors.to_index(values, 0.0, 100.0, "linear")
    item.set_colors(values, index, "viridis")
    item.set_status(status, {PixelStatus.HV_DISABLED: "charge: mean of its good neighbours",
                             PixelStatus.NO_READOUT: "charge 0: no signal"})
    return widget, item, geom, index


def _colours_in(image, item, geom, pix, n=7):
    """Device colours (RGB) sampled across the inner part of a pixel."""
    from ctaviewer.app.qt import QtCore

    r = 0.2 * geom.pixel_width[pix]
    out = set()
    for dx in np.linspace(-r, r, n):
        for dy in np.linspace(-r, r, n):
            pos = item.mapToDevice(QtCore.QPointF(geom.pix_x[pix] + dx, geom.pix_y[pix] + dy))
            out.add(image.pixel(round(pos.x()), round(pos.y())) & 0xFFFFFF)
    return out


def test_broken_pixels_are_grey_and_hatched_with_the_reason_in_the_tooltip(camera_item, tmp_path):
    from ctaviewer.app import colors
    from ctaviewer.app.qt import QtGui
    from ctaviewer.app.views.camera_item import _HATCH_RGB, BROKEN_ARGB
    from ctaviewer.event import PixelStatus

    n = 1764
    status = np.zeros(n, dtype=np.uint8)
    status[DISABLED] = PixelStatus.HV_DISABLED
    status[10] = PixelStatus.NO_READOUT
    values = np.full(n, 50.0)  # the same value everywhere: only the status tells them apart
    widget, item, geom, index = _camera(camera_item, status, values)
    grab = widget.viewport().grab()
    grab.save(str(tmp_path / "status.png"))
    image = grab.toImage().convertToFormat(QtGui.QImage.Format_ARGB32)
    lut = int(colors.argb("viridis")[index[0]]) & 0xFFFFFF
    grey = BROKEN_ARGB & 0xFFFFFF
    hatch = (_HATCH_RGB[0] << 16) | (_HATCH_RGB[1] << 8) | _HATCH_RGB[2]
    for pix in [*DISABLED, 10]:
        seen = _colours_in(image, item, geom, pix)
        assert lut not in seen, pix  # never drawn as an ordinary pixel of the scale
        assert grey in seen and hatch in seen, (pix, [hex(c) for c in seen])
    assert _colours_in(image, item, geom, 11) == {lut}
    tip = item.tooltip(DISABLED[0])
    assert "broken" in tip and "high voltage disabled" in tip and "neighbours" in tip
    assert "not read out" in item.tooltip(10) and "charge 0" in item.tooltip(10)
    assert "neighbours" not in item.tooltip(10)
    assert "broken" not in item.tooltip(11)
    # cleared: the pixels are ordinary again
    item.set_status(None)
    image = widget.viewport().grab().toImage().convertToFormat(QtGui.QImage.Format_ARGB32)
    assert _colours_in(image, item, geom, DISABLED[0]) == {lut}


def test_broken_pixels_do_not_set_the_colour_range(qtbot):
    """A broken pixel's value (e.g. an ADC pedestal) must not stretch the colour scale."""
    from ctaviewer.app.models.display import DisplaySettings
    from ctaviewer.app.views.camera_values import camera_colors, pixel_status, status_note
    from ctaviewer.event import PixelStatus

    class Data:
        n_pixels = 4
        pixel_status = np.array([0, PixelStatus.HV_DISABLED, 0, 0], dtype=np.uint8)
        raw_sum = np.array([1.0, 1000.0, 2.0, 3.0])
        waveform = None
        true_image = None

    class Event:
        tel = {1: Data()}

    class Session:
        array_event = Event()
        config = None

        def tel_result(self, tel_id):
            return None

    display = DisplaySettings()
    display.update(quantity="raw sum", limit_mode="min-max")
    values, _, lo, hi = camera_colors(Session(), display, 1)
    assert values[1] == 1000.0 and (lo, hi) == (1.0, 3.0)
    assert pixel_status(Session(), 1).tolist() == [0, 1, 0, 0]
    assert status_note(Session(), display) == {}
    display.update(quantity="charge")
    assert status_note(Session(), display)[PixelStatus.NO_READOUT] == "charge 0: no signal"


def test_processing_panel_edits_the_calibration_options(processing_panel):
    from ctaviewer.app.qt import QtWidgets

    panel = processing_panel
    session = panel.session
    shift = panel.editors[("calibration", "apply_peak_time_shift")]
    assert isinstance(shift, QtWidgets.QCheckBox) and shift.isChecked()
    for key, choices in ((("calibration", "invalid_pixel_handler"), ["neighbor_average", "none"]),
                         (("calibration", "sums_peak_time"), ["file", "zero"]),
                         (("extractor", "window_edge"), ["truncate", "shift"])):
        box = panel.editors[key]
        assert isinstance(box, QtWidgets.QComboBox)
        assert sorted(box.itemText(i) for i in range(box.count())) == sorted(choices)
    panel.set_value("calibration", "apply_peak_time_shift", False)
    panel.set_value("extractor", "window_edge", "shift")
    panel.apply()
    assert session.config.calibration.apply_peak_time_shift is False
    assert session.config.extractor.window_edge == "shift"


def test_main_window_shows_the_disabled_pixels_of_the_file(make_window, qtbot):
    """Opened in the application (read through the helper process), a FlashCam of the file
    shows its HV-disabled pixels as broken in the camera view and in the Telescopes grid."""
    window = make_window(restore=False)
    assert window.open_path(simtel(FILE))
    qtbot.waitUntil(lambda: window.session.result is not None
                    or hasattr(window, "last_error"), timeout=60000)
    assert not hasattr(window, "last_error"), getattr(window, "last_error", None)
    session = window.session
    flash = [t for t in session.array_event.tel
             if session.source.subarray.tels[t].camera.name == "FlashCam"]
    assert flash
    session.select_tel(flash[0])
    qtbot.waitUntil(lambda: window.camera_view.item is not None
                    and window.camera_view.item._broken == DISABLED, timeout=10000)
    assert "high voltage disabled" in window.camera_view.item.tooltip(DISABLED[0])
    # the clicked pixel's line under the waveform says it is broken, and why
    session.select_pixels([DISABLED[0]])
    qtbot.waitUntil(lambda: DISABLED[0] in window.waveform_view.curves, timeout=10000)
    assert "broken: high voltage disabled" in window.waveform_view.info.text()
    grid = window.camera_grid
    grid.refresh()
    qtbot.waitUntil(lambda: flash[0] in grid.cells and not grid.building, timeout=30000)
    assert grid.cells[flash[0]][1]._broken == DISABLED
