"""The camera view's frame, overlays, quantities and colour maps: axes in telescope-frame
degrees, pixel ids when zoomed, the overlay_moments label, highlighted pixels, the triggered
pattern, true p.e. − charge, the peak time of the cleaned pixels, every colour map by name."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest

pytest.importorskip("pytestqt")

from ctaviewer import open_source  # noqa: E402
from ctaviewer.coords import camera_to_fov  # noqa: E402
from ctaviewer.pipeline import Pipeline  # noqa: E402

FILE = "gamma_diffuse_13tel.simtel.zst"


@pytest.fixture(scope="module")
def processed():
    """The first event of gamma_diffuse_13tel (triggered-pixel lists in the file) and its
    result."""
    from .conftest import simtel

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        src = open_source(simtel(FILE))
        event = next(iter(src))
        result = Pipeline(src.subarray).process(event)
    yield src, event, result
    src.close()


# ------------------------------------------------------------------ quantities
def test_true_minus_charge_is_the_difference_of_the_arrays(processed):
    from ctaviewer.app.models.quantities import UNITS, pixel_values

    _, event, result = processed
    for tel, data in event.tel.items():
        got = pixel_values("true p.e. − charge", data, result.tel[tel])
        want = data.true_image.astype(np.float64) - result.tel[tel].image.astype(np.float64)
        np.testing.assert_array_equal(got, want)
        assert np.any(got != 0)
    assert UNITS["true p.e. − charge"] == "p.e."
    tel = next(iter(event.tel))
    assert pixel_values("true p.e. − charge", event.tel[tel], None) is None  # not processed


def test_peak_time_of_the_cleaned_pixels_is_nan_outside_the_mask(processed):
    from ctaviewer.app.models.quantities import pixel_values

    _, event, result = processed
    cleaned = 0
    for tel, data in event.tel.items():
        tr = result.tel[tel]
        got = pixel_values("peak time (cleaned)", data, tr)
        assert np.all(np.isnan(got[~tr.mask]))
        np.testing.assert_array_equal(got[tr.mask], tr.peak_time[tr.mask].astype(np.float64))
        cleaned += int(tr.mask.sum())
    assert cleaned > 10


def test_triggered_pixels_are_the_files_trigger_list(processed):
    from ctaviewer.app.models.quantities import TWO_STATES, pixel_values

    _, event, result = processed
    counts = event.trigger.n_trigger_pixels
    assert counts  # this file gives them
    for tel, n in counts.items():
        data = event.tel[tel]
        got = pixel_values("triggered pixels", data, result.tel[tel])
        assert got.sum() == n > 0
        np.testing.assert_array_equal(np.flatnonzero(got), np.unique(data.trigger_pixels))
    assert TWO_STATES["triggered pixels"] == ("not in trigger", "in trigger")


def test_triggered_pixels_not_available_without_a_list(simtel_file):
    """gamma_4lst has no trigger-pixel lists: "not available", never an empty pattern."""
    from ctaviewer.app.models.quantities import pixel_values

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with open_source(simtel_file("gamma_4lst.simtel.zst")) as src:
            event = next(iter(src))
    data = next(iter(event.tel.values()))
    assert data.trigger_pixels is None
    assert pixel_values("triggered pixels", data, None) is None


def test_pixel_id_text():
    from ctaviewer.app.views.camera_values import parse_pixel_ids

    assert parse_pixel_ids("12, 40-42 7,7") == (7, 12, 40, 41, 42)
    assert parse_pixel_ids("  ") == ()
    for bad, words in (("4-2", "backwards"), ("x", "not a pixel id"), ("1855", "outside")):
        with pytest.raises(ValueError, match=words):
            parse_pixel_ids(bad, 1855)


# ------------------------------------------------------------------ colour maps
def test_every_colour_map_name_resolves():
    from ctaviewer.app import colors
    from ctaviewer.app.display.style import colormap_key
    from ctaviewer.app.qt import pg

    assert {"viridis", "plasma", "inferno", "magma", "cividis", "turbo"} <= set(colors.COLORMAPS)
    assert set(colors.COLORMAPS) == set(pg.colormap.listMaps())  # all pyqtgraph ships
    tables = {}
    for name in colors.COLORMAPS:
        assert colormap_key(name) == name  # the script displays take the same names
        table = colors.lut(name)
        assert table.shape == (colors.N_COLORS, 4) and table.dtype == np.uint8
        tables[name] = table.tobytes()
    assert len(set(tables.values())) == len(tables)  # no two names give the same map


# ------------------------------------------------------------------ the window
@pytest.fixture
def view(qtbot, make_window):
    from .conftest import simtel

    w = make_window(restore=False)
    assert w.open_path(simtel(FILE))
    qtbot.waitUntil(lambda: w.session.result is not None, timeout=30000)
    s = w.session
    # the brightest image
    tel = max(s.result.tel, key=lambda t: np.nan_to_num(
        s.result.tel[t].parameters["hillas_intensity"], nan=-1.0))
    s.select_tel(tel)
    qtbot.waitUntil(lambda: w.camera_view.item is not None)
    return w, w.camera_view, tel


def _settle(qtbot, widget):
    qtbot.wait(30)
    return widget.grab().toImage()


def test_axes_in_degrees_are_the_telescope_frame_pixel_positions(qtbot, view):
    from ctaviewer.app.qt import QtCore

    w, cv, tel = view
    desc = w.session.source.subarray.tels[tel]
    geom = desc.camera.geometry
    w.display.update(axes="deg")
    item = cv.item

    def placed():
        pts = [item.mapToParent(QtCore.QPointF(float(x), float(y)))
               for x, y in zip(geom.pix_x, geom.pix_y)]
        return np.array([[p.x(), p.y()] for p in pts])

    lon, lat = camera_to_fov(geom.pix_x, geom.pix_y, desc.optics.focal_length)
    np.testing.assert_allclose(placed(), np.stack([lon, lat], axis=1), rtol=1e-9, atol=1e-12)
    # the processing's own telescope-frame centroid lands on the drawn one
    p = w.session.result.tel[tel].parameters
    c = item.mapToParent(QtCore.QPointF(p["camera_frame_hillas_x"], p["camera_frame_hillas_y"]))
    assert (c.x(), c.y()) == pytest.approx((p["hillas_fov_lon"], p["hillas_fov_lat"]),
                                           abs=1e-6)
    assert "fov_lon (deg)" in cv.bottom_axis.labelText
    assert "fov_lat (deg)" in cv.left_axis.labelText
    assert "fov_lon" in item.tooltip(0)
    r = cv.viewbox.viewRect()  # refitted to the camera in degrees
    assert r.width() < 4 * (lon.max() - lon.min())
    w.display.update(axes="m")
    np.testing.assert_allclose(placed(), np.stack([geom.pix_x, geom.pix_y], axis=1))
    assert "camera x (m)" in cv.bottom_axis.labelText


def test_pixel_ids_are_drawn_only_when_zoomed_in(qtbot, view):
    from ctaviewer.app.qt import QtCore
    from ctaviewer.app.views.camera_item import MAX_IDS

    w, cv, tel = view
    w.display.update(show_pixel_ids=True, quantity="charge")
    _settle(qtbot, cv)
    assert cv.item.drawn_ids == []  # the whole camera: far too many to read
    geom = cv.item.geometry
    p = w.session.result.tel[tel].parameters
    x, y = p["camera_frame_hillas_x"], p["camera_frame_hillas_y"]
    half = 3 * float(np.median(geom.pixel_width))
    cv.viewbox.setRange(QtCore.QRectF(x - half, y - half, 2 * half, 2 * half), padding=0)
    with_ids = _settle(qtbot, cv)
    drawn = np.array(cv.item.drawn_ids)
    assert 0 < drawn.size <= MAX_IDS
    view_rect = cv.viewbox.viewRect()
    assert np.all((geom.pix_x[drawn] >= view_rect.left() - 1e-9)
                  & (geom.pix_x[drawn] <= view_rect.right() + 1e-9))
    nearest = int(np.argmin(np.hypot(geom.pix_x - x, geom.pix_y - y)))
    assert nearest in drawn
    w.display.update(show_pixel_ids=False)
    without = _settle(qtbot, cv)
    assert cv.item.drawn_ids == []
    assert with_ids != without  # the text was really painted


def test_moments_text_holds_the_parameter_values(qtbot, view):
    w, cv, tel = view
    p = w.session.result.tel[tel].parameters
    assert not cv.moments_label.isVisible()
    w.display.update(show_moments=True, axes="deg")
    text = cv.moments_label.toPlainText()
    assert cv.moments_label.isVisible()
    assert f"intensity = {p['hillas_intensity']:.1f} p.e." in text
    assert f"length = {p['hillas_length']:.3f}°" in text
    assert f"width = {p['hillas_width']:.3f}°" in text
    assert f"psi = {p['hillas_psi']:.1f}°" in text
    assert f"r = {p['hillas_r']:.3f}°" in text
    # beside the ellipse: within a few lengths of the centroid, in the view's frame
    pos = cv.moments_label.pos()
    dist = math.hypot(pos.x() - p["hillas_fov_lon"], pos.y() - p["hillas_fov_lat"])
    assert 0 < dist <= 1.3 * max(p["hillas_length"], p["hillas_width"])
    w.display.update(axes="m")
    text = cv.moments_label.toPlainText()
    assert f"length = {p['camera_frame_hillas_length']:.3f} m" in text
    assert f"r = {p['camera_frame_hillas_r']:.3f} m" in text
    w.display.update(show_moments=False)
    assert not cv.moments_label.isVisible()


def test_highlight_outlines_the_chosen_pixels_in_the_chosen_colour(qtbot, view):
    from ctaviewer.app.qt import QtCore, QtGui

    w, cv, tel = view
    # grey pixels, so that pure green can only be the outline
    w.display.update(quantity="cleaning mask", cmap="CET-L1", show_hillas=False,
                     highlight_color="#00ff00")
    geom = cv.item.geometry
    cv.highlight_edit.setText("5, 300-302")
    cv.highlight_edit.editingFinished.emit()
    assert w.display.highlight == (5, 300, 301, 302)
    assert cv.highlight_item.pixels == [5, 300, 301, 302]
    img = _settle(qtbot, cv.graphics)  # (the colour button is green too)
    arr = np.frombuffer(img.constBits(), dtype=np.uint8).reshape(
        img.height(), img.bytesPerLine() // 4, 4)[:, :img.width()]
    green = (arr[..., 1] > 200) & (arr[..., 0] < 60) & (arr[..., 2] < 60)  # BGRA
    assert green.any()
    ratio = img.devicePixelRatio()
    yy, xx = np.nonzero(green)

    def device(p):
        scene = cv.item.mapToScene(QtCore.QPointF(float(geom.pix_x[p]), float(geom.pix_y[p])))
        at = cv.graphics.mapFromScene(scene)
        return at.x() * ratio, at.y() * ratio

    reach = 2 * float(np.median(geom.pixel_width)) * cv.viewbox.viewPixelSize()[0] ** -1 * ratio
    reach = max(reach, 6.0)
    near_any = np.zeros(len(xx), dtype=bool)
    for p in (5, 300, 301, 302):
        cx, cy = device(p)
        d = np.hypot(xx - cx, yy - cy)
        assert (d < reach).any(), f"no outline around pixel {p}"
        near_any |= d < reach
    assert near_any.all()  # green nowhere else
    # a bad entry is said, and the highlight stays
    cv.highlight_edit.setText("9999999")
    cv.highlight_edit.editingFinished.emit()
    assert "outside the camera" in cv.highlight_edit.toolTip()
    assert w.display.highlight == (5, 300, 301, 302)
    w.session.select_pixels([7, 8])
    cv.highlight_from_selection.click()
    assert w.display.highlight == (7, 8)
    assert QtGui.QColor(w.display.highlight_color) == QtGui.QColor(0, 255, 0)


def test_new_quantities_are_shown(qtbot, view):
    w, cv, tel = view
    for quantity in ("triggered pixels", "true p.e. − charge", "peak time (cleaned)"):
        w.display.update(quantity=quantity)
        assert cv.quantity_box.currentText() == quantity
        assert "not available" not in cv.title.toPlainText()
    w.display.update(quantity="peak time (cleaned)")
    mask = w.session.tel_result(tel).mask
    assert np.all(np.isnan(cv.item._values[~mask]))


# ------------------------------------------------------------------ time gradient
def test_time_gradient_points_are_those_the_timing_fit_used(processed):
    """The deviation the processing computed is the RMS of these points about its line:
    the same pixels at the same longitudinal coordinates."""
    from ctaviewer.app.views.camera_values import time_gradient

    src, event, result = processed
    checked = 0
    for tel, tr in result.tel.items():
        desc = src.subarray.tels[tel]
        g = time_gradient(desc.camera.geometry, desc.optics.focal_length, tr)
        if g is None or not math.isfinite(g["slope"]):
            continue
        np.testing.assert_array_equal(g["pixels"], np.flatnonzero(tr.mask))
        residual = g["peak_time"] - (g["intercept"] + g["slope"] * g["longitudinal"])
        assert math.sqrt(np.mean(residual**2)) == pytest.approx(g["deviation"], rel=1e-9)
        # centred on the centroid: the charge-weighted mean position along the axis is 0
        assert np.average(g["longitudinal"], weights=g["charge"]) == pytest.approx(0, abs=1e-9)
        checked += 1
    assert checked >= 2


def test_time_gradient_plot_shows_the_points_and_the_fitted_line(qtbot, view):
    w, cv, tel = view
    assert not cv.gradient_plot.isVisible()
    w.display.update(show_time_gradient=True)
    qtbot.waitUntil(cv.gradient_plot.isVisible)
    p = w.session.result.tel[tel].parameters
    mask = w.session.tel_result(tel).mask
    x, t = cv.gradient_plot.points.getData()
    assert len(x) == int(mask.sum())
    lx, ly = cv.gradient_plot.fit_line.getData()
    assert np.interp(0.0, lx, ly) == pytest.approx(p["timing_intercept"], rel=1e-9)
    assert (ly[1] - ly[0]) / (lx[1] - lx[0]) == pytest.approx(p["timing_slope"], rel=1e-9)
    assert f"slope {p['timing_slope']:.2f} ns/deg" in cv.gradient_plot.caption
    w.display.update(show_time_gradient=False)
    assert not cv.gradient_plot.isVisible()


def test_highlight_by_pixel_filter_follows_the_telescope(qtbot, view):
    """A filter typed in the Highlight box picks, in every telescope shown, the pixels for
    which it holds."""
    from ctaviewer.app.views.camera_values import filtered_pixels

    w, cv, tel = view
    cv.highlight_edit.setText("charge > 5 and in_image == 1")
    cv.highlight_edit.editingFinished.emit()
    assert w.display.highlight_filter == "charge > 5 and in_image == 1"
    tr = w.session.tel_result(tel)
    want = np.flatnonzero((tr.image > 5) & tr.mask)
    assert want.size > 0
    assert cv.highlight_item.pixels == want.tolist()
    other = next(t for t in w.session.result.tel if t != tel)
    w.session.select_tel(other)
    qtbot.waitUntil(lambda: cv.item.geometry is w.session.source.subarray.tels[
        other].camera.geometry)
    tr2 = w.session.tel_result(other)
    assert cv.highlight_item.pixels == np.flatnonzero((tr2.image > 5) & tr2.mask).tolist()
    # columns in both frames, and the triggered pattern
    desc = w.session.source.subarray.tels[other]
    geom = desc.camera.geometry
    got = filtered_pixels("fov_lat < 0 and fov_lon > 0", geom, desc.optics.focal_length,
                          w.session.array_event.tel[other], tr2)
    # fov_lat ∝ camera x, fov_lon ∝ camera y
    assert got.tolist() == np.flatnonzero((geom.pix_x < 0) & (geom.pix_y > 0)).tolist()
    assert got.size > 0
    got = filtered_pixels("triggered == 1", geom, desc.optics.focal_length,
                          w.session.array_event.tel[other], tr2)
    assert got.tolist() == sorted(set(w.session.array_event.tel[other].trigger_pixels))
    # a filter that does not check is said, naming the unknown column
    cv.highlight_edit.setText("charg > 5")
    cv.highlight_edit.editingFinished.emit()
    assert "charg" in cv.highlight_edit.toolTip()
    assert w.display.highlight_filter == "charge > 5 and in_image == 1"
    cv.highlight_edit.setText("")
    cv.highlight_edit.editingFinished.emit()
    assert w.display.highlight_filter == "" and cv.highlight_item.pixels == []
