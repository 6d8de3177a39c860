"""Views: the array view's ground projection of Hillas axes against an independent
computation and the reconstruction, and the mechanics that keep event changes cheap
(items updated in place, hidden tabs not refreshed, grid cells reused, cached axes)."""

from __future__ import annotations

import math

import numpy as np
import pytest

pytest.importorskip("pytestqt")



pytestmark = pytest.mark.usefixtures("isolated_settings")


# ------------------------------------------------------------------ independent geometry
def _horizontal(alt, az):
    """Unit vector (north, west, up) of (alt, az) in degrees, az from north towards east."""
    a, z = math.radians(alt), math.radians(az)
    return np.array([math.cos(a) * math.cos(z), -math.cos(a) * math.sin(z), math.sin(a)])


def _axis_plane_normal(lon, lat, psi, alt, az, eps=0.01):
    """Normal of the plane through the telescope holding the image axis, from first
    principles: directions near the pointing P are P + lon e_az + lat e_alt (small angles,
    field-of-view longitude along increasing azimuth, latitude along increasing altitude);
    the axis is the line through the centroid (lon, lat) at angle psi."""
    a, z = math.radians(alt), math.radians(az)
    p = _horizontal(alt, az)
    e_az = np.array([-math.sin(z), -math.cos(z), 0.0])
    e_alt = np.array([-math.sin(a) * math.cos(z), math.sin(a) * math.sin(z), math.cos(a)])

    def sky(x, y):
        v = p + math.radians(x) * e_az + math.radians(y) * e_alt
        return v / np.linalg.norm(v)

    c, s = math.cos(math.radians(psi)), math.sin(math.radians(psi))
    n = np.cross(sky(lon - eps * c, lat - eps * s), sky(lon + eps * c, lat + eps * s))
    return n / np.linalg.norm(n)


def _angle_to_plane_deg(normal, telescope, point):
    """Angle (deg) between the plane (through ``telescope``) and the direction to ``point``."""
    v = np.append(point, 0.0) - telescope
    return math.degrees(math.asin(abs(normal @ v) / np.linalg.norm(v)))


def _params(lon, lat, psi):
    return {"hillas_fov_lon": lon, "hillas_fov_lat": lat, "hillas_psi": psi}


def test_ground_trace_at_zenith_is_the_psi_direction():
    """Pointing at the zenith (azimuth 0) the field-of-view frame lies flat over the ground
    (longitude towards the east, latitude towards the south), so the trace through a
    telescope on the ground runs along the image axis itself: (sin psi, cos psi) in
    (north, west) — the psi-rotated line ctapipe's HillasIntersection uses."""
    from ctaviewer.app.views.array_view import ground_trace

    for psi in (-80.0, -30.0, 0.0, 25.0, 60.0, 89.0):
        point, direction = ground_trace(_params(0.4, -0.3, psi), 90.0, 0.0, (120.0, -40.0, 0.0))
        np.testing.assert_allclose(point, [120.0, -40.0], atol=1e-6)
        expected = np.array([math.sin(math.radians(psi)), math.cos(math.radians(psi))])
        assert abs(direction @ expected) == pytest.approx(1.0, abs=1e-6), psi


def test_ground_trace_lies_in_the_plane_through_the_telescope():
    from ctaviewer.app.views.array_view import ground_trace

    rng = np.random.default_rng(4)
    for _ in range(200):
        alt, az = rng.uniform(45, 89), rng.uniform(0, 360)
        lon, lat, psi = rng.uniform(-1.5, 1.5), rng.uniform(-1.5, 1.5), rng.uniform(-90, 90)
        tel = np.array([rng.uniform(-300, 300), rng.uniform(-300, 300), rng.uniform(0, 60)])
        trace = ground_trace(_params(lon, lat, psi), alt, az, tel)
        if trace is None:
            continue
        point, direction = trace
        normal = _axis_plane_normal(lon, lat, psi, alt, az)
        for far in (point - 400 * direction, point, point + 400 * direction):
            assert _angle_to_plane_deg(normal, tel, far) < 0.05
        # the point is the trace's closest to the telescope's ground position
        assert abs((tel[:2] - point) @ direction) < 1e-6


def test_array_view_axes_meet_where_the_reconstruction_and_the_truth_put_the_core(
        simtel_file, qtbot):
    """A real 15-telescope gamma event: each drawn axis lies in its telescope's image-axis
    plane (computed here independently), the weighted intersection of the drawn axes is
    the core of ``hillas_weighted`` (which intersects these traces) and within a few metres
    of the default (ctapipe's, which intersects the image directions in the tilted frame),
    and the true core lies near the axes."""
    from ctaviewer.app.models.session import SessionModel
    from ctaviewer.app.views.array_view import ArrayView

    session = SessionModel()
    view = ArrayView(session)
    qtbot.addWidget(view)
    session.open(simtel_file("gamma_4lst_15nectarcam.simtel.zst"), synchronous=True)
    if not session.can_process:
        pytest.skip("processing chain not installed")
    session.process(synchronous=True)
    default_core = np.array([session.result.geometry.core_x, session.result.geometry.core_y])
    session.set_config(session.config.replace(stereo__name="hillas_weighted"))
    session.process(synchronous=True)
    result, event = session.result, session.array_event
    sub = session.source.subarray
    lines = view.axis_lines()
    good = sorted(t for t, tr in result.tel.items() if tr.passes_quality)
    assert len(good) >= 10 and set(good) <= set(lines)
    assert all(lines[t][2] for t in good)

    for t in good:
        p = result.tel[t].parameters
        normal = _axis_plane_normal(p["hillas_fov_lon"], p["hillas_fov_lat"],
                                    p["hillas_psi"], *event.pointing.of(t))
        start, end, _ = lines[t]
        for point in (start, (start + end) / 2, end):
            assert _angle_to_plane_deg(normal, sub.position(t), point) < 0.05

    # least-squares intersection of the drawn axes, weighted as the reconstruction weighs
    assert session.config.stereo.weighting == "intensity_length_width"
    a = np.array([lines[t][0] for t in good])
    b = np.array([lines[t][1] for t in good])
    d = (b - a) / np.linalg.norm(b - a, axis=1)[:, None]
    normal_2d = np.column_stack([-d[:, 1], d[:, 0]])
    offset = np.einsum("ij,ij->i", normal_2d, a)
    w = np.array([result.tel[t].parameters["hillas_intensity"]
                  * result.tel[t].parameters["hillas_length"]
                  / result.tel[t].parameters["hillas_width"] for t in good])
    core = np.linalg.solve((normal_2d.T * w) @ normal_2d, (normal_2d.T * w) @ offset)
    g = result.geometry
    assert g.is_valid
    np.testing.assert_allclose(core, [g.core_x, g.core_y], atol=0.5)
    assert np.hypot(*(default_core - core)) < 10.0

    true_core = np.array([event.simulation.core_x, event.simulation.core_y])
    distances = np.abs(np.einsum("ij,ij->i", normal_2d, true_core - a))
    assert np.median(distances) < 25.0
    assert np.hypot(*(true_core - core)) < 40.0
    session.close()


# ------------------------------------------------------------------ cheap event changes
@pytest.fixture
def window(make_window):
    return make_window(restore=False)


def _open(qtbot, window, path):
    assert window.open_path(path)
    qtbot.waitUntil(lambda: window.session.result is not None
                    or hasattr(window, "last_error"), timeout=30000)
    assert not hasattr(window, "last_error"), getattr(window, "last_error", None)


def test_event_changes_update_items_in_place(simtel_file, qtbot, window):
    _open(qtbot, window, simtel_file("gamma_70sst1m.simtel.zst"))
    s = window.session
    for key, view in (("array", window.array_view), ("sky", window.sky_view)):
        window.docks[key].raise_()
        qtbot.waitUntil(lambda view=view: not view.visibleRegion().isEmpty())
        before = list(view.plot.getPlotItem().items)
        for i in (5, 19, 20):
            s.go_to(i)
            qtbot.waitUntil(lambda: s.result is not None, timeout=30000)
            assert list(view.plot.getPlotItem().items) == before  # the same objects
    # one axis per telescope with a Hillas axis, two points each, in one item
    window.docks["array"].raise_()
    qtbot.waitUntil(lambda: not window.array_view.visibleRegion().isEmpty())
    xs, _ = window.array_view.axes[True].getData()
    n_ok = sum(1 for a, b, ok in window.array_view.axis_lines().values() if ok)
    assert n_ok > 0 and len(xs) == 2 * n_ok


def test_hidden_tab_refreshes_when_raised(simtel_file, qtbot, window):
    _open(qtbot, window, simtel_file("gamma_70sst1m.simtel.zst"))
    s, sky = window.session, window.sky_view
    window.docks["array"].raise_()
    qtbot.waitUntil(lambda: sky.visibleRegion().isEmpty())
    assert sky.isVisible()  # Qt keeps a tabbed-away dock "visible": only covered
    calls = []
    sky.refresh = lambda *a, orig=sky.refresh: (calls.append(s.event_index), orig(*a))
    s.go_to(3)
    qtbot.waitUntil(lambda: s.result is not None, timeout=30000)
    assert calls == [] and sky._dirty
    window.docks["sky"].raise_()
    qtbot.waitUntil(lambda: calls == [3])
    assert not sky._dirty


def test_camera_grid_shows_the_event_cells_without_overlap(simtel_file, qtbot, window):
    _open(qtbot, window, simtel_file("gamma_70sst1m.simtel.zst"))
    s, grid = window.session, window.camera_grid
    for i in (19, 3, 20):
        s.go_to(i)
        qtbot.waitUntil(lambda: grid._shown == sorted(s.array_event.tel)
                        and not grid.colouring)  # (cells show once coloured)
        shown = [t for t, (vb, _, _) in grid.cells.items() if vb.isVisible()]
        assert sorted(shown) == grid._shown
        rects = [grid.cells[t][0].geometry() for t in grid._shown]
        assert all(r.width() > 10 and r.height() > 10 for r in rects)
        assert not any(r.intersects(q) for k, r in enumerate(rects) for q in rects[k + 1:])
        assert all(grid._root.rect().contains(r) for r in rects)


def test_cached_axes_stay_vectors_in_svg(simtel_file, qtbot, window, tmp_path):
    from ctaviewer.app.views.plotting import CachedAxisItem

    _open(qtbot, window, simtel_file("gamma_4lst.simtel.zst"))
    axis = window.array_view.plot.getPlotItem().getAxis("bottom")
    assert isinstance(axis, CachedAxisItem)
    window.array_view.repaint()
    assert axis._raster is not None  # the screen was painted from the image
    svg = open(window.export_view("array", str(tmp_path / "array.svg"))).read()
    # tick labels are text elements, not pictures of text
    assert svg.count("<text") >= 4
    assert "x (m, north)" in svg


def test_next_event_is_read_and_processed_ahead(simtel_file, qtbot, window):
    """After an event is shown and processed, the next one is read and processed in the
    helper process: going there shows it with its result at once, and the event list is
    updated row by row (no model reset)."""
    _open(qtbot, window, simtel_file("gamma_70sst1m.simtel.zst"))
    s = window.session
    if not s.can_process:
        pytest.skip("processing chain not installed")
    model = window.event_table.model
    resets, changed = [], []
    model.modelReset.connect(lambda: resets.append(1))
    model.dataChanged.connect(lambda a, b, *_: changed.append(a.row()))
    s.go_to(10)
    qtbot.waitUntil(lambda: s.source.is_cached(11) and 11 in s.results, timeout=30000)
    assert {10, 11} <= set(changed) and not resets
    assert s.rows[11]["n_tel_reco"] == len(s.results[11].geometry.tel_ids)
    s.go_to(11)
    assert s.result is s.results[11]  # no waiting for the worker
    assert s.timing["read_ms"] < 5.0  # a cache hit
    qtbot.waitUntil(lambda: s.source.is_cached(12) and 12 in s.results, timeout=30000)
    s.go_to(12)
    assert s.result is not None
    # going back: the look-ahead follows the direction of the last move
    s.go_to(8)
    qtbot.waitUntil(lambda: s.source.is_cached(7) and 7 in s.results, timeout=30000)


def test_sky_caption_azimuth_stays_in_0_360():
    from ctaviewer.app.views.sky_view import _azimuth

    assert _azimuth(360.0, 3) == "0.000"
    assert _azimuth(359.99996, 3) == "0.000"
    assert _azimuth(-0.5, 2) == "359.50"
    assert _azimuth(180.1234, 3) == "180.123"


@pytest.mark.parametrize("zoom", [1.0, 12.0])
def test_camera_item_draws_each_pixel_in_its_lut_colour(simtel_file, qtbot, camera_item, zoom):
    """The colour on screen at a pixel centre is that pixel's LUT colour, for the resampled
    map (whole camera in view) and the exact map (zoomed in beyond the lookup)."""
    from ctaviewer.app import colors
    from ctaviewer.app.qt import QtCore, QtGui
    from ctaviewer.io import open_source

    with open_source(simtel_file("gamma_70sst1m.simtel.zst")) as src:
        geom = src.subarray.camera_types[0].geometry
    widget, vb, item = camera_item(geom, 600, 520)
    if zoom > 1:
        vb.scaleBy((1 / zoom, 1 / zoom), center=QtCore.QPointF(0.0, 0.0))
    values = np.arange(geom.n_pixels, dtype=float) % 97.0
    index = colors.to_index(values, 0.0, 96.0, "linear")
    item.set_colors(values, index, "viridis")
    image = widget.viewport().grab().toImage().convertToFormat(QtGui.QImage.Format_ARGB32)
    table = colors.argb("viridis")
    checked = 0
    for pix in range(geom.n_pixels):
        pos = item.mapToDevice(QtCore.QPointF(geom.pix_x[pix], geom.pix_y[pix]))
        x, y = round(pos.x()), round(pos.y())
        if not (2 <= x < image.width() - 2 and 2 <= y < image.height() - 2):
            continue
        assert image.pixel(x, y) & 0xFFFFFF == int(table[index[pix]]) & 0xFFFFFF, pix
        checked += 1
    assert checked >= (geom.n_pixels if zoom == 1 else 10)


def test_camera_grid_makes_many_new_cells_over_several_event_loop_turns(
        simtel_file, qtbot, window):
    """A new file's cells are made a few per turn (the window keeps answering), and the grid
    appears complete; renderers (budget None) get every cell at once."""
    grid, s = window.camera_grid, window.session
    grid.build_budget_s = 0.0  # one new cell per turn
    _open(qtbot, window, simtel_file("gamma_70sst1m.simtel.zst"))
    s.go_to(max(range(s.n_events), key=lambda i: s.rows[i]["n_tel"]))
    want = sorted(s.array_event.tel)
    assert len(want) >= 5
    grid._new_source()  # forget the cells, as a new file does
    grid.rebuild()
    assert grid.building and len(grid.cells) == 1 and grid._shown == []
    qtbot.waitUntil(lambda: grid._shown == want and not grid.building)
    assert sorted(grid.cells) == want
    grid.build_budget_s = None
    grid._new_source()
    grid.rebuild()
    assert not grid.building and grid._shown == want


def test_sky_caption_shows_an_uncertainty_only_where_the_method_estimates_one(
        simtel_file, qtbot, window):
    """ctapipe's HillasReconstructor (the default) estimates no angular uncertainty: the
    caption gives none (never "± nan"); hillas_weighted's is shown."""
    _open(qtbot, window, simtel_file("gamma_4lst.simtel.zst"))
    s, sky = window.session, window.sky_view
    window.docks["sky"].raise_()
    qtbot.waitUntil(lambda: not sky.visibleRegion().isEmpty())
    qtbot.waitUntil(lambda: "reconstructed" in sky.info.text(), timeout=30000)
    assert "nan" not in sky.info.text() and "±" not in sky.info.text()
    s.set_config(s.config.replace(stereo__name="hillas_weighted"))
    qtbot.waitUntil(lambda: "±" in sky.info.text(), timeout=30000)
    assert "nan" not in sky.info.text()
