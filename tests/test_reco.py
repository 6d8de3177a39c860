"""Stereo geometry on exactly projected shower axes, and the quality query."""

import math

import numpy as np
import pytest

from ctaviewer import coords
from ctaviewer.errors import ConfigError
from ctaviewer.event import Pointing
from ctaviewer.io.toy import toy_subarray
from ctaviewer.reco import RECONSTRUCTORS, QualityQuery
from ctaviewer.results import IMAGE_PARAMETER_NAMES, empty_parameters

NEU = np.array([1.0, -1.0, 1.0])  # ground (north, west, up) <-> (north, east, up)


def _project(subarray, tel_id, pointing, d_alt, d_az, core, heights=(6000.0, 12000.0)):
    """Hillas-like parameters of the shower axis as seen from one telescope."""
    d = coords.altaz_to_cartesian(d_alt, d_az)
    core_neu = np.array([core[0], -core[1], 0.0])
    pos = subarray.position(tel_id) * NEU
    lonlat = []
    for h in heights:
        point = core_neu + d * (h / d[2])
        v = point - pos
        v /= np.linalg.norm(v)
        alt = np.degrees(np.arcsin(v[2]))
        az = np.degrees(np.arctan2(v[1], v[0])) % 360
        lonlat.append(coords.altaz_to_fov(alt, az, *pointing.of(tel_id)))
    (lon1, lat1), (lon2, lat2) = lonlat
    p = empty_parameters()
    p.update(
        hillas_fov_lon=float(lon1),
        hillas_fov_lat=float(lat1),
        hillas_psi=float(np.degrees(np.arctan2(lat2 - lat1, lon2 - lon1))),
        hillas_intensity=500.0,
        hillas_length=0.3,
        hillas_width=0.1,
        hillas_psi_uncertainty=1.0,
    )
    return p


@pytest.mark.parametrize("method", ["hillas_intersection", "nominal_intersection"])
@pytest.mark.parametrize(
    "true_alt,true_az,core,tel_pointing",
    [
        (70.5, 0.8, (40.0, -25.0), False),
        (68.0, 358.5, (-120.0, 60.0), True),
        (71.0, 1.5, (10.0, 150.0), True),
    ],
)
def test_direction_and_core_recovered(true_alt, true_az, core, tel_pointing, method):
    sub = toy_subarray()
    tel_ids = [int(t) for t in sub.tel_ids]
    if tel_pointing:  # each telescope points slightly differently
        pointing = Pointing(
            70.0,
            0.0,
            {t: 70.0 + 0.1 * (t % 3) for t in tel_ids},
            {t: (0.2 * (t % 4)) % 360 for t in tel_ids},
        )
    else:
        pointing = Pointing(70.0, 0.0)
    params = {t: _project(sub, t, pointing, true_alt, true_az, core) for t in tel_ids}
    reco = RECONSTRUCTORS.get(method)
    for weighting in ("intensity_length_width", "intensity", "equal"):
        result, impact = reco(sub, pointing, params, weighting, 2)
        assert result.is_valid
        sep = coords.angular_separation(result.alt, result.az, true_alt, true_az)
        assert sep < 0.01
        assert math.hypot(result.core_x - core[0], result.core_y - core[1]) < 2.0
        assert result.tel_ids == tuple(tel_ids)
        assert 0 < result.ang_distance_uncert < 1.0
        assert result.core_uncert_x > 0 and result.core_uncert_y > 0
        assert result.goodness_of_fit < 0.01
        assert 5000 < result.h_max < 13000
    # impact: distance of each telescope to the true axis
    d = coords.altaz_to_cartesian(true_alt, true_az)
    for t in tel_ids:
        rel = sub.position(t) * NEU - np.array([core[0], -core[1], 0.0])
        expected = np.linalg.norm(rel - (rel @ d) * d)
        assert impact[t] == pytest.approx(expected, abs=2.0)


@pytest.mark.parametrize("method", ["hillas_intersection", "nominal_intersection"])
def test_two_telescopes_suffice_and_one_is_invalid(method):
    sub = toy_subarray()
    pointing = Pointing(70.0, 0.0)
    params = {t: _project(sub, t, pointing, 70.3, 0.5, (30.0, 20.0)) for t in (1, 6)}
    reco = RECONSTRUCTORS.get(method)
    result, _ = reco(sub, pointing, params, "intensity_length_width", 2)
    assert result.is_valid and result.tel_ids == (1, 6)
    assert coords.angular_separation(result.alt, result.az, 70.3, 0.5) < 0.01
    one, impact = reco(sub, pointing, {1: params[1]}, "intensity_length_width", 2)
    assert not one.is_valid and math.isnan(one.alt) and impact == {}
    three_needed, _ = reco(sub, pointing, params, "intensity_length_width", 3)
    assert not three_needed.is_valid


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
