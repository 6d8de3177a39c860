"""Sky view: the stereo summed image, the reconstructed and true direction on it, and the
error ellipse of the reconstruction's alt/az uncertainties."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from ctaviewer.coords import altaz_to_fov, fov_to_altaz

pytestmark = pytest.mark.gui


@pytest.fixture
def sky(make_window, simtel_file, qtbot):
    window = make_window()
    assert window.open_path(simtel_file("gamma_4lst.simtel.zst"))
    s = window.session
    qtbot.waitUntil(lambda: s.result is not None, timeout=30000)
    s.go_to(2)  # three LST images
    qtbot.waitUntil(lambda: s.result is not None and s.result.index == 2, timeout=30000)
    window.docks["sky"].raise_()
    view = window.sky_view
    qtbot.waitUntil(lambda: not view.visibleRegion().isEmpty())
    qtbot.waitUntil(lambda: not view._dirty and view.summed is not None, timeout=10000)
    return window, view


def _show(qtbot, window, geometry):
    """A result with ``geometry`` arrives for the event shown."""
    s = window.session
    state = s.state
    state.add_result(state.event_index, dataclasses.replace(s.result, geometry=geometry),
                     state.config_generation, state.source, latest=True)
    qtbot.waitUntil(lambda: s.result.geometry is geometry)
    qtbot.waitUntil(lambda: not window.sky_view._dirty)


def test_summed_image_is_drawn_with_the_directions_on_it(sky, qtbot):
    window, view = sky
    s = window.session
    si = view.summed
    want = sum(float(np.asarray(tr.image, float)[tr.mask].sum()) for tr in s.result.tel.values())
    assert len(si.tel_ids) == 3 and si.total == pytest.approx(want, rel=1e-9)
    assert view.summed_item.isVisible() and view.summed_item.image.shape[:2] == si.image.shape
    rect = view.summed_item.mapRectToParent(view.summed_item.boundingRect())
    assert rect.left() == pytest.approx(si.lon_edges[0])
    assert rect.right() == pytest.approx(si.lon_edges[-1])
    assert f"{si.total:.0f} p.e." in view.info.text()
    # the reconstructed-direction marker at the stereo result, the true one at the truth
    g, p = s.result.geometry, s.array_event.pointing
    lon, lat = altaz_to_fov(g.alt, g.az, p.array_alt, p.array_az)
    xy = view.reco.data
    assert len(xy) == 1 and xy["x"][0] == pytest.approx(lon) and xy["y"][0] == pytest.approx(lat)
    sim = s.array_event.simulation
    lon, lat = altaz_to_fov(sim.alt, sim.az, p.array_alt, p.array_az)
    assert view.true.data["x"][0] == pytest.approx(lon)
    assert view.true.data["y"][0] == pytest.approx(lat)
    # the brightest bin is black, empty ones transparent
    rgba = view.summed_item.image
    assert rgba[..., 3][si.image == 0].max() == 0 and rgba[..., :3][si.image > 0].min() == 0
    view.show_summed.setChecked(False)
    qtbot.waitUntil(lambda: view.summed is None)
    assert not view.summed_item.isVisible() and "summed image" not in view.info.text()


def test_error_ellipse_axes_are_the_alt_az_uncertainties(sky, qtbot):
    window, view = sky
    s = window.session
    g = dataclasses.replace(s.result.geometry, alt_uncert=0.2, az_uncert=0.5)
    _show(qtbot, window, g)
    p = s.array_event.pointing
    x, y = view.reco_ellipse.getData()
    alt, az = fov_to_altaz(x, y, p.array_alt, p.array_az)
    daz = (az - g.az + 180.0) % 360.0 - 180.0
    assert alt.max() - g.alt == pytest.approx(0.2, abs=1e-9)
    assert g.alt - alt.min() == pytest.approx(0.2, abs=1e-9)
    assert daz.max() == pytest.approx(0.5, abs=1e-9) and daz.min() == pytest.approx(-0.5, abs=1e-9)
    assert "σ_alt 0.200°, σ_az 0.500°" in view.info.text()


def test_crossing_spread_is_a_circle_not_an_ellipse(sky, qtbot):
    """hillas_intersection (ctapipe's HillasReconstructor) puts one angle on the sky into
    both uncertainties: a circle of that radius around the direction, said to be no 1σ."""
    window, view = sky
    s = window.session
    g = dataclasses.replace(s.result.geometry, alt_uncert=0.3, az_uncert=0.3,
                            ang_distance_uncert=float("nan"))
    _show(qtbot, window, g)
    lon, lat = view.reco.data["x"][0], view.reco.data["y"][0]
    x, y = view.reco_ellipse.getData()
    assert np.hypot(x - lon, y - lat) == pytest.approx(np.full(len(x), 0.3), abs=1e-12)
    assert "mean angle to the direction, 0.300°" in view.info.text()
    assert "σ_az" not in view.info.text()


def test_no_ellipse_without_uncertainties(sky, qtbot):
    window, view = sky
    s = window.session
    g = dataclasses.replace(s.result.geometry, alt_uncert=float("nan"),
                            az_uncert=float("nan"), ang_distance_uncert=float("nan"))
    _show(qtbot, window, g)
    xs = view.reco_ellipse.getData()[0]
    assert xs is None or len(xs) == 0
    assert len(view.reco.data) == 1  # the direction is still marked
    assert "no error ellipse: the reconstruction gives no alt/az uncertainty" in view.info.text()


def test_hillas_weighted_ellipse_follows_the_processing(sky, qtbot):
    """The ellipse of hillas_weighted's propagated uncertainties, recomputed on a change."""
    window, view = sky
    s = window.session
    s.set_config(s.config.replace(stereo__name="hillas_weighted"))
    qtbot.waitUntil(lambda: "±" in view.info.text() and not view._dirty, timeout=30000)
    g = s.result.geometry
    assert np.isfinite(g.alt_uncert) and np.isfinite(g.az_uncert)
    x, _ = view.reco_ellipse.getData()
    assert x is not None and len(x) > 0
    assert f"σ_alt {g.alt_uncert:.3f}°" in view.info.text()
