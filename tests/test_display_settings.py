"""The camera views' display settings: kept between sessions (checked on restore), and the
telescope grid following the camera view's axes (telescope-frame degrees)."""

from __future__ import annotations

import math

import numpy as np
import pytest

from ctaviewer.service.display import PERSISTED, DisplayState


def test_saved_settings_round_trip():
    a = DisplayState()
    a.update(quantity="peak time", cmap="CET-L8", scale="log", limit_mode="fixed",
             fixed=(1.5, 40.0), percentile=97.5, axes="deg", show_moments=True,
             show_hillas=False, gain="low", highlight_color="#ff0000",
             show_time_gradient=True, show_pixel_ids=False)
    a.update(highlight=(1, 2, 3), highlight_filter="charge > 5")
    saved = a.saved()
    assert set(saved) == set(PERSISTED)
    b = DisplayState()
    seen = []
    b.changed.connect(lambda: seen.append(1))
    assert b.restore(saved) == []
    assert seen == [1]  # one change for all
    for k in PERSISTED:
        assert getattr(b, k) == getattr(a, k), k
    # the file-bound settings are not carried over
    assert b.highlight == () and b.highlight_filter == ""


def test_bad_saved_values_are_skipped_not_raised():
    s = DisplayState()
    skipped = s.restore({"cmap": "no-such-map", "scale": 3, "fixed": [1, "x"],
                         "percentile": 95, "sample": 7, "nonsense": 1, "axes": "deg"})
    assert sorted(skipped) == ["cmap", "fixed", "nonsense", "sample", "scale"]
    assert s.cmap == "viridis" and s.scale == "linear" and s.sample == 0
    assert s.percentile == 95.0 and isinstance(s.percentile, float)
    assert s.axes == "deg"


pytest.importorskip("pytestqt")


def test_window_keeps_display_settings_between_sessions(qtbot, make_window):
    w = make_window(restore=False)
    w.display.update(cmap="magma", axes="deg", scale="symlog", show_moments=True)
    w.save_settings()
    w2 = make_window(restore=True)
    assert (w2.display.cmap, w2.display.axes, w2.display.scale,
            w2.display.show_moments) == ("magma", "deg", "symlog", True)


def test_damaged_stored_settings_start_with_defaults(qtbot, make_window):
    from ctaviewer.app import settings as app_settings

    app_settings.settings().setValue("display/camera", "{not json")
    w = make_window(restore=True)
    assert w.display.cmap == "viridis"


def test_grid_cells_follow_the_axes_in_degrees(qtbot, make_window):
    from ctaviewer.app.qt import QtCore

    from .conftest import simtel

    w = make_window(restore=False)
    assert w.open_path(simtel("gamma_4lst_15nectarcam.simtel.zst"))
    grid = w.camera_grid
    qtbot.waitUntil(lambda: w.session.result is not None, timeout=30000)
    qtbot.waitUntil(lambda: bool(grid._shown) and not grid.colouring
                    and not grid.building, timeout=30000)
    w.display.update(axes="deg")
    qtbot.waitUntil(lambda: all(grid.cells[t][1].deg_per_m is not None
                                for t in grid._shown), timeout=10000)
    tels = w.session.source.subarray.tels
    for t in grid._shown:
        vb, item, _ = grid.cells[t]
        focal = tels[t].optics.focal_length
        assert item.deg_per_m == pytest.approx(math.degrees(1.0) / focal)
        geom = item.geometry
        p = item.mapToParent(QtCore.QPointF(float(geom.pix_x[0]), float(geom.pix_y[0])))
        # fov_lon = y_cam · deg/m, fov_lat = x_cam · deg/m, as the large view
        assert (p.x(), p.y()) == pytest.approx(
            (geom.pix_y[0] * item.deg_per_m, geom.pix_x[0] * item.deg_per_m), abs=1e-9)
        # the cell is refitted to the camera's angular size (its width in metres would be
        # about 1/16 of it for NectarCam's 16 m focal length)
        r = vb.viewRect()
        lon, lat = np.ptp(geom.pix_y) * item.deg_per_m, np.ptp(geom.pix_x) * item.deg_per_m
        assert lon <= r.width() < 2 * max(lon, lat)
        assert lat <= r.height() < 2 * max(lon, lat)
    w.display.update(axes="m")
    qtbot.waitUntil(lambda: all(grid.cells[t][1].deg_per_m is None for t in grid._shown),
                    timeout=10000)
