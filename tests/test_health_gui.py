"""The window's calibration and camera-health views: camera quantities of the Show menu with
the file's values and units, the health dock's counts against the pixel status bits, the
pedestal measured from data against the monitoring, and the event list's type column and
type filter."""

from __future__ import annotations

import math

import numpy as np
import pytest

from .conftest import simtel

pytest.importorskip("pytestqt")
pytestmark = pytest.mark.usefixtures("isolated_settings")


def _open(window, qtbot, name):
    assert window.open_path(simtel(name))
    qtbot.waitUntil(lambda: window.session.result is not None
                    or hasattr(window, "last_error"), timeout=60000)
    assert not hasattr(window, "last_error"), getattr(window, "last_error", None)
    return window.session


def test_show_menu_camera_quantities_carry_the_files_values_with_units(make_window, qtbot):
    from ctaviewer.calib.monitoring import MONITORING_QUANTITIES

    window = make_window(restore=False)
    session = _open(window, qtbot, "calibration_7cameras.simtel.gz")
    view = window.camera_view
    box = view.quantity_box
    assert all(box.findText(q) >= 0 for q in MONITORING_QUANTITIES)
    event = session.array_event
    lst = next(t for t in event.tel if session.source.subarray.tels[t].camera.name == "LSTCam")
    session.select_tel(lst)
    data = event.tel[lst]
    cases = (("pedestal", "high", data.pedestal_per_sample[0], "pedestal (ADC), high gain"),
             ("pedestal noise", "low", data.pedestal_noise[1],
              "pedestal noise (ADC), low gain"),
             ("dc→p.e.", "low", data.dc_to_pe[1], "dc→p.e. (p.e./ADC), low gain"),
             ("time shift", "high", data.time_shift_ns[0], "time shift (ns), high gain"))
    for quantity, gain, expected, label in cases:
        box.setCurrentText(quantity)
        view.gain_box.setCurrentText(gain)
        assert window.display.quantity == quantity and window.display.gain == gain
        assert view.gain_box.isVisible()
        np.testing.assert_array_equal(view.item._values, np.asarray(expected, np.float64))
        assert view.colorbar.getAxis("right").labelText == label
        assert "not available" not in view.title.toPlainText()
    # the file has no flat-fielding coefficients: said, not drawn as zeros
    box.setCurrentText("flat-field")
    assert "not available" in view.title.toPlainText()
    # a one-gain camera has no low gain
    flash = next(t for t in event.tel
                 if session.source.subarray.tels[t].camera.name == "FlashCam")
    box.setCurrentText("pedestal")
    view.gain_box.setCurrentText("low")
    session.select_tel(flash)
    assert "not available" in view.title.toPlainText()
    # two-state quantities get a legend, and no gain choice
    box.setCurrentText("selected gain")
    assert not view.gain_box.isVisible()
    assert view._colorbar_args[0] == "states"
    # the parameter inspector summarises them for the selected telescope
    session.select_tel(lst)
    window.parameter_table.refresh()
    rows = {r[0]: r for r in window.parameter_table.camera_rows()}
    ped = rows["pedestal, high gain (ADC)"]
    assert float(ped[1]) == pytest.approx(float(np.mean(data.pedestal_per_sample[0])),
                                          rel=1e-3)
    assert any(k.startswith("charge of this sky_pedestal event") for k in rows)


def test_health_dock_counts_equal_the_status_bits(make_window, qtbot):
    from ctaviewer.event import PixelStatus

    window = make_window(restore=False)
    session = _open(window, qtbot, "proton_4lst_15flashcam.simtel.zst")
    event = session.array_event
    flash = [t for t in event.tel if session.source.subarray.tels[t].camera.name == "FlashCam"]
    assert flash
    window.docks["health"].raise_()
    health = window.health_view
    session.select_tel(flash[0])
    health.refresh()
    status = event.tel[flash[0]].pixel_status
    n_hv = int(np.count_nonzero(status & PixelStatus.HV_DISABLED))
    n_unread = int(np.count_nonzero(status & PixelStatus.NO_READOUT))
    counts = health.counts()
    assert n_hv == 6
    assert counts["HV off"] == n_hv and counts["no readout"] == n_unread
    assert sum(counts.values()) == event.tel[flash[0]].n_pixels
    # the legend shows the same numbers, and the map colours those pixels "HV off"
    assert health.legend.item(1, 0).text() == "HV off"
    assert health.legend.item(1, 1).text() == str(n_hv)
    hv_pixels = np.flatnonzero(status & PixelStatus.HV_DISABLED)
    assert np.all(health._status_item._index[hv_pixels] == 1)
    # every telescope of the event in the overview, FlashCams with 6 / 1764 bad pixels
    shares = health.array.shares
    assert set(shares) == set(event.tel)
    assert shares[flash[0]] == pytest.approx(
        (counts["HV off"] + counts["saturated"] + counts["outlier pedestal"]
         + counts["outlier gain"]) / 1764)
    # pedestal from data (a separate process) against the monitoring
    health.compute_pedestals()
    assert health.wait_for_pedestals(120), health.pedestal_label.text()
    st = health.pedestals.of(flash[0])
    assert st is not None and st.source == "signal-free samples of shower events"
    diff, what, _, diverging = health.comparison()
    assert diverging
    assert "data − monitoring" in what
    assert np.isnan(diff[hv_pixels]).all()  # never measured: not 0
    good = np.isfinite(diff)
    assert good.sum() > 1500
    # the monitoring pedestal is what the data show, within a few ADC per sample
    assert abs(np.mean(diff[good])) < 2.0
    np.testing.assert_allclose(health.scatter.getData()[1], diff[good])
    assert "pedestal per sample" in health.pedestal_label.text()
    assert not health.plot.isHidden()
    # no pedestal event in this file: no charge statistics, said, and no empty plot
    health.compare_box.setCurrentText("charge mean")
    assert health.comparison() is None and health.plot.isHidden()
    assert "not available" in health.pedestal_label.text()


def test_event_list_type_column_and_type_filter(make_window, qtbot):
    from ctaviewer.app.qt import QtCore
    from ctaviewer.service.session import event_type_columns

    window = make_window(restore=False)
    state = window.session.state
    types = ["sky_pedestal", "subarray", "subarray", "flatfield", "subarray", "dark_pedestal"]
    state.rows = [{"index": i, "event_id": 100 + i, "energy": math.nan, "n_tel": 2,
                   **event_type_columns(t)} for i, t in enumerate(types)]
    state.rows_changed.emit()
    table = window.event_table
    model = table.model
    col = next(c for c in range(model.columnCount())
               if model.headerData(c, QtCore.Qt.Horizontal) == "type")
    shown = [model.data(model.index(r, col)) for r in range(len(types))]
    assert shown == ["pedestal (sky)", "shower", "shower", "flat-field", "shower",
                     "pedestal (dark)"]
    for label, expected in (("showers", [1, 2, 4]), ("pedestal", [0, 5]),
                            ("flat-field", [3]), ("all calibration", [0, 3, 5]),
                            ("all types", list(range(6)))):
        table.type_box.setCurrentText(label)
        assert table.visible_indices() == expected, label
    # the expression and the type choice both hold; the columns are filterable by name
    table.type_box.setCurrentText("showers")
    table.apply_filter("event_id > 101")
    assert table.visible_indices() == [2, 4]
    table.type_box.setCurrentText("all types")
    table.apply_filter("event_type == 5 or is_flatfield == 1")
    assert table.visible_indices() == [0, 3]
    state.rows = []
    state.rows_changed.emit()


def test_dl1_file_has_no_camera_quantities_to_show(make_window, qtbot, tmp_path):
    """A DL1 file holds no monitoring: its camera quantities are "not available" (never the
    stand-in zeros and ones), the health dock says why and measures nothing."""
    from ctaviewer.cli import main

    out = tmp_path / "dl1"
    assert main(["process", str(simtel("gamma_4lst.simtel.zst")), "-o", str(out), "--images",
                 "-q"]) == 0
    (h5,) = out.glob("*.h5")
    window = make_window(restore=False)
    assert window.open_path(str(h5))
    qtbot.waitUntil(lambda: window.session.result is not None, timeout=60000)
    window.camera_view.quantity_box.setCurrentText("pedestal")
    assert "not available" in window.camera_view.title.toPlainText()
    window.docks["health"].raise_()
    window.health_view.refresh()
    assert "holds DL1" in window.health_view.title.text()
    assert not window.health_view.compute_button.isEnabled()
    window.parameter_table.refresh()
    assert window.parameter_table.camera_rows() == []


def test_type_column_shows_once_the_file_has_calibration_events(make_window, qtbot):
    from ctaviewer.app.views.event_table import EventTable

    window = make_window(restore=False)
    table = window.event_table
    col = EventTable._TYPE_COLUMN
    session = _open(window, qtbot, "gamma_4lst.simtel.zst")  # showers only
    assert table.view.isColumnHidden(col)
    assert all(r["type"] == "subarray" for r in session.rows)
    assert window.open_path(simtel("calibration_7cameras.simtel.gz"))
    qtbot.waitUntil(lambda: (session.path or "").endswith("calibration_7cameras.simtel.gz")
                    and session.result is not None, timeout=60000)
    assert not table.view.isColumnHidden(col)
    assert table.model.data(table.model.index(0, col)) == "pedestal (sky)"
