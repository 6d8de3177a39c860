"""Stereo geometry on exactly projected shower axes, the plausibility check, and the quality
query."""

import math
import warnings

import numpy as np
import pytest

from ctaviewer import coords
from ctaviewer.config import CTAPIPE_QUALITY_QUERY, ProcessingConfig
from ctaviewer.errors import ConfigError
from ctaviewer.event import Pointing
from ctaviewer.instrument import SubarrayDescription
from ctaviewer.io.toy import toy_subarray
from ctaviewer.reco import RECONSTRUCTORS, QualityQuery, Reconstruction
from ctaviewer.reco import geometry as geo
from ctaviewer.results import IMAGE_PARAMETER_NAMES, StereoResult, empty_parameters

METHODS = ["hillas_intersection", "hillas_weighted", "nominal_intersection"]
SHOWER_POINT = 6000.0  # m above the ground: where the projected image centroid lies


def _subarray(heights: bool):
    """The toy array; with ``heights``, telescopes stand at different heights (as real
    arrays on uneven ground)."""
    sub = toy_subarray()
    if not heights:
        return sub
    pos = sub.positions.copy()
    pos[:, 2] = 3.0 * np.arange(len(pos)) - 10.0
    return SubarrayDescription(sub.name, sub.tel_ids, pos, sub.tels, sub.location)


def _project(subarray, tel_id, pointing, d_alt, d_az, core, heights=(SHOWER_POINT, 12000.0),
             psi_uncertainty=1.0):
    """Hillas-like parameters of the shower axis as seen from one telescope: the centroid
    at the axis point ``heights[0]`` above the ground, psi towards ``heights[1]``."""
    d = geo.sky_vector(d_alt, d_az)
    core3 = np.array([core[0], core[1], 0.0])
    pos = subarray.position(tel_id)
    lonlat = []
    for h in heights:
        v = core3 + d * (h / d[2]) - pos
        alt, az = geo.vector_altaz(v)
        lonlat.append(coords.altaz_to_fov(alt, az, *pointing.of(tel_id)))
    (lon1, lat1), (lon2, lat2) = lonlat
    p = empty_parameters()
    p.update(
        hillas_fov_lon=float(lon1),
        hillas_fov_lat=float(lat1),
        hillas_psi=float(np.degrees(np.arctan(np.tan(np.arctan2(lat2 - lat1, lon2 - lon1))))),
        hillas_intensity=500.0,
        hillas_length=0.3,
        hillas_width=0.1,
        hillas_psi_uncertainty=psi_uncertainty,
        morphology_n_pixels=40,
    )
    return p


def _pointing(tel_ids, divergent: bool):
    if not divergent:
        return Pointing(70.0, 0.0)
    return Pointing(
        70.0,
        0.0,
        {t: 70.0 + 0.1 * (t % 3) for t in tel_ids},
        {t: (0.2 * (t % 4)) % 360 for t in tel_ids},
    )


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize(
    "true_alt,true_az,core,divergent,heights",
    [
        (70.5, 0.8, (40.0, -25.0), False, False),
        (68.0, 358.5, (-120.0, 60.0), True, True),
        (71.0, 1.5, (10.0, 150.0), True, False),
    ],
)
def test_direction_core_and_h_max_recovered(true_alt, true_az, core, divergent, heights,
                                            method):
    sub = _subarray(heights)
    tel_ids = [int(t) for t in sub.tel_ids]
    pointing = _pointing(tel_ids, divergent)
    params = {t: _project(sub, t, pointing, true_alt, true_az, core) for t in tel_ids}
    reco = RECONSTRUCTORS.get(method)
    for weighting in ("intensity_length_width", "intensity", "equal"):
        out = reco(sub, pointing, params, weighting, 2)
        assert isinstance(out, Reconstruction)
        result, impact, core_psi = out
        assert result.is_valid and result.invalid_reason == ""
        sep = coords.angular_separation(result.alt, result.az, true_alt, true_az)
        assert sep < 0.01
        assert math.hypot(result.core_x - core[0], result.core_y - core[1]) < 2.0
        assert result.tel_ids == tuple(tel_ids)
        # h_max above sea level: the site height plus the height of the centroids' point
        assert result.h_max == pytest.approx(sub.location.height_m + SHOWER_POINT, abs=20.0)
        # the tilted-frame core is the ground core seen along the pointing
        gx, gy = geo.tilted_to_ground(result.core_tilted_x, result.core_tilted_y,
                                      pointing.array_alt, pointing.array_az)
        assert (gx, gy) == pytest.approx((result.core_x, result.core_y), abs=1e-6)
        assert set(core_psi) == set(tel_ids)
        assert all(-90.0 <= v <= 90.0 for v in core_psi.values())
        if method == "hillas_intersection":  # what ctapipe's HillasReconstructor fills
            assert result.alt_uncert == result.az_uncert and 0 <= result.alt_uncert < 0.01
            for name in ("ang_distance_uncert", "core_uncert_x", "core_uncert_y",
                         "core_tilted_uncert_x", "h_max_uncert", "goodness_of_fit"):
                assert math.isnan(getattr(result, name)), name
        else:
            assert 0 < result.ang_distance_uncert < 1.0
            assert result.core_uncert_x > 0 and result.core_uncert_y > 0
            assert result.core_tilted_uncert_x > 0 and result.core_tilted_uncert_y > 0
            assert result.goodness_of_fit < 0.01
    # impact: distance of each telescope to the true axis, for every telescope
    d = geo.sky_vector(true_alt, true_az)
    assert set(impact) == set(tel_ids)
    for t in tel_ids:
        rel = sub.position(t) - np.array([core[0], core[1], 0.0])
        expected = np.linalg.norm(rel - (rel @ d) * d)
        assert impact[t] == pytest.approx(expected, abs=2.0)


def test_core_lies_on_every_core_psi_line():
    """ctapipe's core: the lines through the telescopes (tilted frame) along core_psi meet
    at core_tilted; projected on the ground they meet at the core."""
    sub = _subarray(heights=True)
    tel_ids = [int(t) for t in sub.tel_ids]
    pointing = _pointing(tel_ids, divergent=True)
    params = {t: _project(sub, t, pointing, 69.0, 1.0, (60.0, -40.0)) for t in tel_ids}
    result, _, core_psi = RECONSTRUCTORS.get("hillas_intersection")(
        sub, pointing, params, "intensity_length_width", 2)
    m = geo.tilted_matrix(pointing.array_alt, pointing.array_az)
    for t in tel_ids:
        p = m @ sub.position(t)
        a = math.radians(core_psi[t])
        off = (result.core_tilted_x - p[0]) * math.sin(a) - (result.core_tilted_y - p[1]) * (
            math.cos(a))
        assert abs(off) < 2.0, t  # the nominal-frame psi is the tilted direction to ~1e-3
        point, direction = geo.tilted_line_on_ground(core_psi[t], sub.position(t),
                                                     pointing.array_alt, pointing.array_az)
        rel = np.array([result.core_x, result.core_y]) - point
        assert abs(rel[0] * direction[1] - rel[1] * direction[0]) < 2.0, t


def test_second_axis_point_is_a_tenth_of_the_camera_radius():
    """ctapipe's HillasReconstructor: the second point of an image axis lies 0.1 × the
    camera radius (mean distance of the border pixels from the camera centre) along psi."""
    sub = toy_subarray()
    for t in (1, 5):
        desc = sub.tels[t]
        g = desc.camera.geometry
        border = g.border_mask(1)
        radius_m = np.mean(np.hypot(g.pix_x[border] - g.pix_x.mean(),
                                    g.pix_y[border] - g.pix_y.mean()))
        expected = np.rad2deg(radius_m / desc.optics.focal_length)
        assert geo.camera_radius_deg(sub, t) == pytest.approx(expected, rel=1e-12)
    pointing = Pointing(70.0, 0.0)
    params = {t: _project(sub, t, pointing, 70.2, 0.3, (20.0, 10.0)) for t in (1, 5)}
    axes = geo.ImageAxes(sub, pointing, params, "intensity_length_width")
    step = coords.angular_separation(axes.alt1, axes.az1, axes.alt2, axes.az2)
    assert step == pytest.approx(0.1 * axes.radius, rel=1e-4)  # offsets on the sphere
    assert not np.allclose(axes.radius[0], axes.radius[1])


@pytest.mark.parametrize("method", METHODS)
def test_too_few_telescopes_and_zero_width_are_invalid_with_a_reason(method):
    sub = toy_subarray()
    pointing = Pointing(70.0, 0.0)
    params = {t: _project(sub, t, pointing, 70.3, 0.5, (30.0, 20.0)) for t in (1, 6)}
    reco = RECONSTRUCTORS.get(method)
    result = reco(sub, pointing, params, "intensity_length_width", 2).geometry
    assert result.is_valid and result.tel_ids == (1, 6)
    assert coords.angular_separation(result.alt, result.az, 70.3, 0.5) < 0.01
    one, impact, core_psi = reco(sub, pointing, {1: params[1]}, "intensity_length_width", 2)
    assert not one.is_valid and math.isnan(one.alt) and impact == {} and core_psi == {}
    assert one.invalid_reason == "1 telescope passed the quality query (2 needed)"
    three = reco(sub, pointing, params, "intensity_length_width", 3).geometry
    assert not three.is_valid and "3 needed" in three.invalid_reason
    # a line of pixels (width 0) has no weight intensity × length / width: ctapipe refuses
    line = dict(params)
    line[6] = dict(params[6], hillas_width=0.0)
    bad = reco(sub, pointing, line, "intensity_length_width", 2).geometry
    assert not bad.is_valid and "width 0" in bad.invalid_reason
    assert reco(sub, pointing, line, "equal", 2).geometry.is_valid


def _check_invalid(result: StereoResult, impact, words: str):
    assert not result.is_valid
    assert words in result.invalid_reason, result.invalid_reason
    assert impact == {}
    for name in ("alt", "az", "core_x", "core_y", "core_tilted_x", "h_max", "alt_uncert"):
        assert math.isnan(getattr(result, name)), name


@pytest.mark.parametrize("method", METHODS)
def test_direction_far_outside_the_field_of_view_is_invalid(method):
    """A shower 30° from the pointing cannot have given these images: invalid, and why."""
    sub = toy_subarray()
    pointing = Pointing(70.0, 0.0)
    params = {t: _project(sub, t, pointing, 40.0, 10.0, (30.0, 20.0)) for t in (1, 2, 6)}
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        result, impact, core_psi = RECONSTRUCTORS.get(method)(
            sub, pointing, params, "intensity_length_width", 2)
    _check_invalid(result, impact, "from the pointing of telescope")
    assert set(core_psi) == {1, 2, 6}  # the image directions are still known
    # just outside the camera is still a shower the telescopes can see
    near = {t: _project(sub, t, pointing, 73.5, 0.0, (30.0, 20.0)) for t in (1, 2, 6)}
    assert RECONSTRUCTORS.get(method)(sub, pointing, near, "intensity_length_width",
                                      2).geometry.is_valid


@pytest.mark.parametrize("method", METHODS)
def test_core_far_beyond_the_array_is_invalid(method):
    """A core 20 km away, with the direction inside the field of view (image axes that
    would need light from 300 km up): no telescope can see that shower."""
    sub = toy_subarray()
    pointing = Pointing(70.0, 0.0)
    params = {t: _project(sub, t, pointing, 70.5, 0.5, (-20000.0, 3000.0),
                          heights=(300e3, 400e3)) for t in (1, 2, 6)}
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        result, impact, _ = RECONSTRUCTORS.get(method)(
            sub, pointing, params, "intensity_length_width", 2)
    _check_invalid(result, impact, "km from the axis of telescope")


def test_huge_or_non_finite_uncertainties_are_invalid():
    sub = toy_subarray()
    pointing = Pointing(70.0, 0.0)
    params = {t: _project(sub, t, pointing, 70.5, 0.5, (30.0, 20.0), psi_uncertainty=1e7)
              for t in (1, 2, 6)}
    result, impact, _ = RECONSTRUCTORS.get("hillas_weighted")(
        sub, pointing, params, "intensity_length_width", 2)
    _check_invalid(result, impact, "wider than the field of view")
    # the check itself, on results with broken uncertainties
    good = {t: _project(sub, t, pointing, 70.5, 0.5, (30.0, 20.0)) for t in (1, 2, 6)}
    axes = geo.ImageAxes(sub, pointing, good, "intensity_length_width")
    ok = RECONSTRUCTORS.get("hillas_intersection")(sub, pointing, good,
                                                   "intensity_length_width", 2)
    assert geo.implausible(ok.geometry, axes, ok.impact, ("alt_uncert",)) == ""
    for field, value, words in (("alt_uncert", math.inf, "alt_uncert inf"),
                                ("alt_uncert", math.nan, "alt_uncert nan"),
                                ("core_uncert_x", 5e5, "beyond the reach")):
        broken = ok.geometry.__class__(**{**ok.geometry.__dict__, field: value})
        reason = geo.implausible(broken, axes, ok.impact, (field,))
        assert words in reason, reason
    # an uncertainty the method does not compute (NaN) is not a failure
    assert geo.implausible(ok.geometry, axes, ok.impact, ()) == ""


def test_reference_height_is_the_site_height():
    sub = toy_subarray()
    assert geo.reference_height(sub) == 2200.0
    bare = SubarrayDescription(sub.name, sub.tel_ids, sub.positions, sub.tels, None)
    assert math.isnan(geo.reference_height(bare))


def test_default_quality_query_is_ctapipes():
    assert ProcessingConfig.default().quality.query == CTAPIPE_QUALITY_QUERY
    q = QualityQuery(CTAPIPE_QUALITY_QUERY, IMAGE_PARAMETER_NAMES)
    p = empty_parameters()
    p.update(hillas_intensity=80.0, hillas_width=0.05, morphology_n_pixels=4,
             leakage_intensity_width_2=0.9)
    assert q(p)  # no leakage cut
    for change in ({"morphology_n_pixels": 3}, {"hillas_width": 0.0},
                   {"hillas_intensity": 50.0}, {"morphology_n_pixels": -1}):
        assert not q({**p, **change}), change


def test_quality_query():
    q = QualityQuery(
        "hillas_intensity > 50 and leakage_intensity_width_2 < 0.2 and hillas_width > 0",
        IMAGE_PARAMETER_NAMES,
    )
    p = empty_parameters()
    assert not q(p)  # NaN comparisons are False
    p.update(hillas_intensity=80.0, leakage_intensity_width_2=0.1, hillas_width=0.05)
    assert q(p)
    p["hillas_intensity"] = 20.0
    assert not q(p)
    q2 = QualityQuery("not (abs(hillas_psi) > 80) or hillas_r * 2 >= 1", IMAGE_PARAMETER_NAMES)
    p.update(hillas_psi=-85.0, hillas_r=0.6)
    assert q2(p)
    assert QualityQuery("", IMAGE_PARAMETER_NAMES)(p)
    assert QualityQuery("hillas_r ** 2 > 0.3", IMAGE_PARAMETER_NAMES)(p)  # a whole exponent
    for bad in ("open('x')", "hillas_r.__class__", "[1, 2]", "'a' * 9 > 1", "lambda: 1"):
        with pytest.raises(ConfigError):
            QualityQuery(bad, IMAGE_PARAMETER_NAMES)


def test_site_height_falls_back_to_the_mc_observation_level(simtel_file):
    """Files without the site's latitude/longitude/altitude: as ctapipe, the reference
    location is the MC run header's observation level (at latitude = longitude = 0), so
    h_max above sea level is known for every simulation."""
    from ctaviewer import open_source

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        bare = open_source(simtel_file("gamma_70sst1m.simtel.zst"))
        site = open_source(simtel_file("gamma_4lst.simtel.zst"))
    assert bare.subarray.location is not None
    assert bare.subarray.location.height_m == bare.simulation_config.obs_height == 2150.0
    assert (bare.subarray.location.latitude_deg, bare.subarray.location.longitude_deg) == (0, 0)
    assert geo.reference_height(bare.subarray) == 2150.0
    loc = site.subarray.location  # the file's own site
    assert loc.height_m == 2147.0 and loc.latitude_deg == pytest.approx(-24.683429)
