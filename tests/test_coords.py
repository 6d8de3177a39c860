"""The fast coordinate transforms agree with astropy's frames."""

import warnings

import numpy as np
import pytest
from astropy import units as u
from astropy.coordinates import AltAz, SkyCoord, SkyOffsetFrame

from ctaviewer import coords

RNG = np.random.default_rng(3)
POINTINGS = [(70.0, 0.0), (50.0, 180.0), (20.0, 359.5), (85.0, 123.4)]


def _astropy_fov(alt, az, p_alt, p_az):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        frame = AltAz()
        origin = SkyCoord(alt=p_alt * u.deg, az=p_az * u.deg, frame=frame)
        c = SkyCoord(alt=alt * u.deg, az=az * u.deg, frame=frame)
        off = c.transform_to(SkyOffsetFrame(origin=origin))
        return off.lon.wrap_at(180 * u.deg).deg, off.lat.deg


def _astropy_altaz(lon, lat, p_alt, p_az):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        frame = AltAz()
        origin = SkyCoord(alt=p_alt * u.deg, az=p_az * u.deg, frame=frame)
        off = SkyCoord(lon=lon * u.deg, lat=lat * u.deg, frame=SkyOffsetFrame(origin=origin))
        c = off.transform_to(frame)
        return c.alt.deg, c.az.deg


@pytest.mark.parametrize("p_alt,p_az", POINTINGS)
def test_altaz_to_fov_matches_astropy(p_alt, p_az):
    lon = RNG.uniform(-5, 5, 200)
    lat = RNG.uniform(-5, 5, 200)
    alt, az = _astropy_altaz(lon, lat, p_alt, p_az)
    my_lon, my_lat = coords.altaz_to_fov(alt, az, p_alt, p_az)
    ref_lon, ref_lat = _astropy_fov(alt, az, p_alt, p_az)
    np.testing.assert_allclose(my_lon, ref_lon, atol=1e-9)
    np.testing.assert_allclose(my_lat, ref_lat, atol=1e-9)
    np.testing.assert_allclose(my_lon, lon, atol=1e-9)


@pytest.mark.parametrize("p_alt,p_az", POINTINGS)
def test_fov_to_altaz_matches_astropy(p_alt, p_az):
    lon = RNG.uniform(-8, 8, 200)
    lat = RNG.uniform(-8, 8, 200)
    alt, az = coords.fov_to_altaz(lon, lat, p_alt, p_az)
    ref_alt, ref_az = _astropy_altaz(lon, lat, p_alt, p_az)
    np.testing.assert_allclose(alt, ref_alt, atol=1e-9)
    # compare azimuths on the circle
    daz = (az - ref_az + 180.0) % 360.0 - 180.0
    np.testing.assert_allclose(daz * np.cos(np.deg2rad(alt)), 0.0, atol=1e-9)


def test_camera_round_trip_and_direction():
    f = 28.0
    x = RNG.uniform(-1, 1, 50)
    y = RNG.uniform(-1, 1, 50)
    alt, az = coords.camera_to_altaz(x, y, f, 70.0, 10.0)
    x2, y2 = coords.altaz_to_camera(alt, az, f, 70.0, 10.0)
    np.testing.assert_allclose(x2, x, atol=1e-12)
    np.testing.assert_allclose(y2, y, atol=1e-12)
    # camera +x is up (altitude grows), +y is towards larger azimuth
    a, _ = coords.camera_to_altaz(0.1, 0.0, f, 70.0, 10.0)
    _, z = coords.camera_to_altaz(0.0, 0.1, f, 70.0, 10.0)
    assert a > 70.0 and z > 10.0


def test_nominal_frame_matches_astropy():
    tel = (70.5, 1.0)
    array = (70.0, 0.0)
    lon = RNG.uniform(-3, 3, 50)
    lat = RNG.uniform(-3, 3, 50)
    n_lon, n_lat = coords.telescope_to_nominal(lon, lat, *tel, *array)
    alt, az = _astropy_altaz(lon, lat, *tel)
    ref_lon, ref_lat = _astropy_fov(alt, az, *array)
    np.testing.assert_allclose(n_lon, ref_lon, atol=1e-9)
    np.testing.assert_allclose(n_lat, ref_lat, atol=1e-9)


def test_angular_separation_matches_astropy():
    alt1, az1 = RNG.uniform(10, 89, 100), RNG.uniform(0, 360, 100)
    alt2, az2 = RNG.uniform(10, 89, 100), RNG.uniform(0, 360, 100)
    a = SkyCoord(az1 * u.deg, alt1 * u.deg, frame="altaz")
    b = SkyCoord(az2 * u.deg, alt2 * u.deg, frame="altaz")
    np.testing.assert_allclose(
        coords.angular_separation(alt1, az1, alt2, az2), a.separation(b).deg, atol=1e-9
    )


def test_ground_vector_convention():
    # az = 90 deg is east, which is -y in the ground frame (y points west)
    v = coords.altaz_to_ground_vector(0.0, 90.0)
    np.testing.assert_allclose(v, [0.0, -1.0, 0.0], atol=1e-12)


def test_cross_is_numpys_bit_for_bit():
    from ctaviewer.coords import cross

    rng = np.random.default_rng(7)
    a, b = rng.normal(size=(200, 3)) * 1e3, rng.normal(size=(200, 3))
    assert np.array_equal(cross(a, b), np.cross(a, b))
    assert np.array_equal(cross(a[3], b[5]), np.cross(a[3], b[5]))
    assert np.array_equal(cross(a, b[0]), np.cross(a, b[0]))  # broadcast
