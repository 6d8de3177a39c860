"""Camera geometry, names and the subarray description."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from ctaviewer import open_source
from ctaviewer.instrument import CameraGeometry, guess_telescope
from ctaviewer.io.toy import hex_grid

from .conftest import simtel


@pytest.fixture(scope="module")
def seven_cameras():
    with open_source(simtel("calibration_7cameras.simtel.gz")) as source:
        return {c.name: c for c in source.subarray.camera_types}


def test_seven_camera_types(seven_cameras):
    shapes = {name: cam.geometry.pix_shape for name, cam in seven_cameras.items()}
    assert shapes == {
        "LSTCam": "hexagon", "NectarCam": "hexagon", "FlashCam": "hexagon",
        "DigiCam": "hexagon", "ASTRICam": "square", "CHEC": "square", "SCTCam": "square",
    }


@pytest.mark.parametrize("name", ["LSTCam", "NectarCam", "FlashCam", "DigiCam", "CHEC", "SCTCam",
                                  "ASTRICam"])
def test_neighbours_are_symmetric_and_interior_pixels_are_full(seven_cameras, name):
    geom = seven_cameras[name].geometry
    indptr, indices = geom.neighbors
    assert indptr.dtype == np.int32 and len(indptr) == geom.n_pixels + 1
    pairs = set()
    for p in range(geom.n_pixels):
        for q in geom.neighbors_of(p):
            pairs.add((p, int(q)))
    assert all((q, p) in pairs for p, q in pairs)
    full = 6 if geom.pix_shape == "hexagon" else 4
    nn = geom.n_neighbors
    assert nn.max() == full
    # the interior dominates (CHEC and ASTRI have gaps between modules: less so)
    assert np.mean(nn == full) > (0.75 if geom.pix_shape == "hexagon" else 0.5)
    border = geom.border_mask(1)
    assert np.all(nn[border] < full) and not np.any(border & (nn == full))
    assert geom.border_mask(2).sum() > border.sum()


def test_polygons_tile_a_hex_camera(seven_cameras):
    geom = seven_cameras["LSTCam"].geometry
    poly = geom.polygons
    assert poly.shape == (1855, 6, 2)
    # polygon area (shoelace) equals the pixel area
    x, y = poly[..., 0], poly[..., 1]
    area = 0.5 * np.abs(np.sum(x * np.roll(y, -1, 1) - np.roll(x, -1, 1) * y, axis=1))
    assert np.allclose(area, geom.pix_area, rtol=1e-3)
    # neighbouring hexagons face each other across an edge: centres one pitch apart
    # (the pitch exceeds the light-sensitive width by the small gap between pixels)
    p = int(np.argmin(np.hypot(geom.pix_x, geom.pix_y)))
    d = np.hypot(geom.pix_x[geom.neighbors_of(p)] - geom.pix_x[p],
                 geom.pix_y[geom.neighbors_of(p)] - geom.pix_y[p])
    assert np.allclose(d, geom.pixel_width[p], rtol=0.05)
    mid = np.deg2rad(geom.pix_rotation_deg + 30.0)  # edge normals lie between vertices
    angles = np.arctan2(geom.pix_y[geom.neighbors_of(p)] - geom.pix_y[p],
                        geom.pix_x[geom.neighbors_of(p)] - geom.pix_x[p])
    offset = np.mod(angles - mid + np.pi / 6, np.pi / 3) - np.pi / 6
    assert np.allclose(offset, 0.0, atol=np.deg2rad(1.0))
    assert geom.pixel_at(geom.pix_x[p], geom.pix_y[p]) == p
    assert geom.pixel_at(10.0, 10.0) == -1


def test_camera_rotation_is_removed():
    x, y = hex_grid(3, 0.05)
    rotated = CameraGeometry.from_positions("test", x, y, cam_rotation_deg=0.0)
    c, s = np.cos(np.deg2rad(-10)), np.sin(np.deg2rad(-10))
    geom = CameraGeometry.from_positions("test", x * c - y * s, x * s + y * c,
                                         cam_rotation_deg=10.0)
    assert np.allclose(geom.pix_x, rotated.pix_x) and np.allclose(geom.pix_y, rotated.pix_y)
    assert geom.cam_rotation_deg == 10.0


def test_square_camera_from_positions():
    gx, gy = np.meshgrid(np.arange(10) * 0.006, np.arange(10) * 0.006)
    geom = CameraGeometry.from_positions("sq", gx.ravel(), gy.ravel())
    assert geom.pix_shape == "square"
    assert np.allclose(geom.pix_area, 0.006**2)
    assert geom.n_neighbors.max() == 4
    assert geom.border_mask(1).sum() == 36


@pytest.mark.parametrize(
    "n_pixels, focal, meta, camera, known",
    [
        (1855, 28.0, None, "LSTCam", True),
        (1855, 16.0, None, "NectarCam", True),
        (1764, 16.0, None, "FlashCam", True),
        (1296, 5.6, None, "DigiCam", True),
        (2048, 2.28, None, "CHEC", True),
        (2048, 2.15, None, "CHEC", True),
        (11328, 5.59, None, "SCTCam", True),
        (1855, 28.0, "LSTN-design", "LSTCam", True),
        (1855, 16.0, "MSTx-NectarCam", "NectarCam", True),
        (40000, 15.0, "", "UNKNOWN-40000PX", False),
    ],
)
def test_guess_telescope(n_pixels, focal, meta, camera, known):
    names, is_known = guess_telescope(n_pixels, focal, meta)
    assert names.camera == camera and is_known == known


def test_subarray_selection_and_types():
    with open_source(simtel("gamma_prod2_126tel_truncated.simtel.gz")) as source:
        sub = source.subarray
    assert sub.counts_by_type() == {
        "LST_LST_LSTCam": 4, "MST_MST_NectarCam": 24, "MST_SCT_SCTCam": 26, "SST_ASTRI_CHEC": 72,
    }
    lsts = sub.tel_ids_for_type("LSTCam")
    small = sub.select(lsts)
    assert small.n_tels == 4 and list(small.tel_ids) == sorted(lsts)
    assert np.allclose(small.position(int(lsts[0])), sub.position(int(lsts[0])))
    mask = sub.tel_mask(lsts)
    assert mask.sum() == 4 and np.all(sub.tel_ids[mask] == np.sort(lsts))
    # all telescopes of a type share one camera object: caches are built once per camera
    cams = {id(sub.tels[int(t)].camera) for t in sub.tel_ids_for_type("SCTCam")}
    assert len(cams) == 1
    with pytest.raises(KeyError):
        sub.select([9999])


def test_meta_names_on_newer_files():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with open_source(simtel("gamma_diffuse_13tel.simtel.zst")) as source:
            names = {c.name for c in source.subarray.camera_types}
    assert names == {"LSTCam", "NectarCam"}


def test_names_reflector_shapes_and_tiles_as_ctapipe_reads_them():
    """With sim_telarray metadata (optics, camera, mirror class) the names are the metadata's;
    without, ctapipe's table; an unknown camera gets ctapipe's generic names. The camera type
    (per-camera settings, labels) stays the application's."""
    import warnings

    from ctaviewer.errors import UnknownCameraWarning

    with open_source(simtel("gamma_diffuse_13tel.simtel.zst")) as source:
        sub = source.subarray
    assert sub.counts_by_type() == {"LST_LSTN-design_LSTN-design": 4,
                                    "MST_MSTx-NectarCam_MSTx-NectarCam": 9}
    assert {c.name for c in sub.camera_types} == {"LSTCam", "NectarCam"}
    lst = sub.tels[int(sub.tel_ids_for_type("LSTCam")[0])]
    assert (lst.optics.reflector_shape, lst.optics.n_mirror_tiles) == ("PARABOLIC", 198)
    assert lst.camera.source_name == "LSTN-design"
    with open_source(simtel("gamma_70sst1m.simtel.zst")) as source:
        d = source.subarray.tels[int(source.subarray.tel_ids[0])]
    assert (d.type_name, d.optics.reflector_shape) == ("SST_1M_DigiCam", "DAVIES_COTTON")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UnknownCameraWarning)
        with open_source(simtel("stress_40k_pixels.simtel.zst")) as source:
            d = source.subarray.tels[int(source.subarray.tel_ids[0])]
    assert d.camera.name == "UNKNOWN-40000PX" and d.name.startswith("UNKNOWN-")
    assert d.name.endswith("M2")


def test_metadata_names_survive_the_hdf5_round_trip(tmp_path):
    """Written with the metadata's names and read back with the same camera type."""
    import h5py

    from ctaviewer.datamodel.instrument import read_subarray, write_subarray

    with open_source(simtel("gamma_diffuse_13tel.simtel.zst")) as source:
        sub = source.subarray
    with h5py.File(tmp_path / "s.h5", "w") as h5:
        write_subarray(h5, sub)
    with h5py.File(tmp_path / "s.h5") as h5:
        back = read_subarray(h5)
        optics_rows = len(h5["/configuration/instrument/telescope/optics"])
    assert back.counts_by_type() == sub.counts_by_type()
    assert {c.name for c in back.camera_types} == {"LSTCam", "NectarCam"}
    for t in sub.tel_ids:
        a, b = sub.tels[int(t)], back.tels[int(t)]
        assert (a.optics.reflector_shape, a.optics.n_mirror_tiles) == \
            (b.optics.reflector_shape, b.optics.n_mirror_tiles)
        assert a.camera.source_name == b.camera.source_name
    assert optics_rows == len({id(sub.tels[int(t)].optics) for t in sub.tel_ids})


def test_pixel_rotation_is_written_as_ctapipe_means_it(tmp_path):
    """``PIX_ROT`` of the geometry tables is ctapipe's ``pix_rotation`` (matplotlib's
    polygon orientation), so ctapipe draws our files' pixels as in its own (before: our
    vertex angle, hexagons turned by 30°); ours is read back exactly, from our files of
    today and of before, and ctapipe's value is converted."""
    import h5py

    from ctaviewer.datamodel.instrument import read_subarray, write_subarray
    from ctaviewer.instrument.camera_library import (
        ctapipe_pix_rotation,
        pix_rotation_from_ctapipe,
    )

    with open_source(simtel("proton_4lst_15flashcam.simtel.zst")) as source:
        sub = source.subarray
    path = tmp_path / "s.h5"
    with h5py.File(path, "w") as h5:
        write_subarray(h5, sub)
    cams = {c.name: c.geometry for c in sub.camera_types}
    with h5py.File(path, "r+") as h5:
        group = h5["/configuration/instrument/telescope/camera"]
        tables = [group[k] for k in group if k.startswith("geometry_")]
        written = {t.attrs["CAM_ID"].decode() if isinstance(t.attrs["CAM_ID"], bytes)
                   else t.attrs["CAM_ID"]: float(t.attrs["PIX_ROT"]) for t in tables}
        # LSTCam: ctapipe's pix_rotation 100.893° (hexagons, ≡ 40.893° modulo 60°)
        lst = [v for k, v in written.items() if k.startswith("LST")][0]
        assert lst == pytest.approx(40.893, abs=1e-3)
        flash = [v for k, v in written.items() if "Flash" in k][0]
        assert flash == pytest.approx(30.0, abs=1e-3)  # ctapipe: 30° (shape code 3)
        back = read_subarray(h5)
        for t in sub.tel_ids:
            assert back.tels[int(t)].camera.geometry.pix_rotation_deg == \
                sub.tels[int(t)].camera.geometry.pix_rotation_deg
        # a file of before (our angle in PIX_ROT, no CTAVIEWER_PIX_ROT): read as ours
        for t in tables:
            t.attrs["PIX_ROT"] = t.attrs["CTAVIEWER_PIX_ROT"]
            del t.attrs["CTAVIEWER_PIX_ROT"]
        old = read_subarray(h5)
        # ctapipe's file (no ctaviewer attributes): its pix_rotation converted to ours
        for t in tables:
            shape = t.attrs["PIX_TYPE"]
            shape = shape.decode() if isinstance(shape, bytes) else shape
            t.attrs["PIX_ROT"] = ctapipe_pix_rotation(float(t.attrs["PIX_ROT"]), shape)
            del t.attrs["CTAVIEWER_CAM_ROT_REMOVED"]
        theirs = read_subarray(h5)
    for t in sub.tel_ids:
        want = sub.tels[int(t)].camera.geometry.pix_rotation_deg
        assert old.tels[int(t)].camera.geometry.pix_rotation_deg == want
        assert theirs.tels[int(t)].camera.geometry.pix_rotation_deg == pytest.approx(want)
    for geom in cams.values():
        assert pix_rotation_from_ctapipe(
            ctapipe_pix_rotation(geom.pix_rotation_deg, geom.pix_shape), geom.pix_shape) == \
            pytest.approx(geom.pix_rotation_deg)
