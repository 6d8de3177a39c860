"""CameraGeometry.from_name: the stored layouts equal the geometries read from the shared
sim_telarray files (bit for bit), are current with their script, and unknown names or
versions say what is known; ctapipe-shaped geometries are converted at the boundary."""

from __future__ import annotations

import json
import warnings

import numpy as np
import pytest

from ctaviewer.errors import CtaviewerError, UnknownCameraError
from ctaviewer.instrument import CameraGeometry
from ctaviewer.instrument.camera_library import (
    camera_names,
    camera_versions,
    coerce_geometry,
    geometry_from_name,
)

from .conftest import ROOT, data_dir, load_script, simtel

SCRIPT = ROOT / "packaging" / "make_camera_geometries.py"
STORED = ROOT / "ctaviewer" / "resources" / "cameras"


def _simtel_files():
    files = sorted((data_dir() / "simtel").glob("*.simtel*"))
    files = [f for f in files if "bad_header" not in f.name]
    if not files:
        pytest.skip(f"no sim_telarray files in {data_dir() / 'simtel'}")
    return files


def _same(a: CameraGeometry, b: CameraGeometry) -> bool:
    return (a.pix_x.tobytes() == b.pix_x.tobytes() and a.pix_y.tobytes() == b.pix_y.tobytes()
            and a.pix_area.tobytes() == b.pix_area.tobytes() and a.pix_shape == b.pix_shape
            and a.pix_rotation_deg == b.pix_rotation_deg
            and a.cam_rotation_deg == b.cam_rotation_deg)


def test_every_camera_of_the_shared_files_comes_back_by_name_bit_for_bit():
    from ctaviewer.io import open_source

    checked = set()
    for path in _simtel_files():
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            source = open_source(path)
        geometries = {}
        for tel in source.subarray.tels.values():
            geometries[id(tel.camera.geometry)] = (tel.camera.name, tel.camera.geometry)
        for name, geom in geometries.values():
            if name.startswith("UNKNOWN"):  # the stress file's invented camera
                continue
            versions = camera_versions(name)
            stored = [v for v in versions if path.name in versions[v]["files"]]
            assert stored, f"{path.name}: {name} is not stored"
            matches = [v for v in stored if _same(CameraGeometry.from_name(name, v), geom)]
            assert matches, f"{path.name}: {name} differs from its stored versions {stored}"
            checked.add((name, matches[0]))
    # every stored layout was met in a file
    assert checked == {(n, v) for n in camera_names() for v in camera_versions(n)}
    assert {n for n, _ in checked} >= {"LSTCam", "NectarCam", "FlashCam", "CHEC", "ASTRICam",
                                       "DigiCam", "SCTCam"}


def test_the_stored_files_are_what_the_script_makes_now(tmp_path):
    script = load_script(SCRIPT, "make_camera_geometries")
    written = script.write(script.collect([str(p) for p in _simtel_files()]), tmp_path)
    assert sorted(p.name for p in written) == sorted(p.name for p in STORED.glob("*.npz"))
    for path in written:
        with np.load(path) as new, np.load(STORED / path.name) as old:
            assert sorted(new.files) == sorted(old.files)
            assert json.loads(str(new["meta"])) == json.loads(str(old["meta"]))
            for key in new.files:
                np.testing.assert_array_equal(new[key], old[key])
                assert new[key].dtype == old[key].dtype
    assert sum(p.stat().st_size for p in STORED.glob("*.npz")) < 200 * 1024  # small


def test_from_name_default_names_and_errors():
    geom = CameraGeometry.from_name("NectarCam")
    assert geom.n_pixels == 1855 and geom.pix_shape == "hexagon"
    assert CameraGeometry.from_name("nectarcam") is geom  # case-insensitive, one object
    default = [v for v, info in camera_versions("LSTCam").items() if info["default"]]
    assert len(default) == 1
    assert CameraGeometry.from_name("LSTCam") is geometry_from_name("LSTCam", default[0])
    assert CameraGeometry.from_name("SCTCam").n_pixels == 11328
    with pytest.raises(UnknownCameraError, match="'NoSuchCam'.*known cameras: .*NectarCam"):
        CameraGeometry.from_name("NoSuchCam")
    with pytest.raises(ValueError, match="no version 'prod99'.*stored versions"):
        CameraGeometry.from_name("LSTCam", version="prod99")
    assert issubclass(UnknownCameraError, CtaviewerError)


class CtapipeLikeGeometry:
    """The attributes of ctapipe's CameraGeometry for a sim_telarray camera, as its
    SimTelEventSource fills them: positions as in the file, ``cam_rotation`` the negative of
    sim_telarray's ``cam_rot``, ``pix_rotation`` from the shape code (30° for code 3)."""

    def __init__(self, name, x, y, area, shape, pix_rotation_deg, cam_rotation_deg):
        from astropy import units as u
        from astropy.coordinates import Angle

        self.name = name
        self.pix_x = np.asarray(x, dtype=float) * u.m
        self.pix_y = np.asarray(y, dtype=float) * u.m
        self.pix_area = np.asarray(area, dtype=float) * u.m**2
        self.pix_type = type("PixelShape", (), {"value": shape})()
        self.pix_rotation = Angle(pix_rotation_deg, u.deg)
        self.cam_rotation = Angle(cam_rotation_deg, u.deg)


def _polygons_match(a: CameraGeometry, b: CameraGeometry, atol: float) -> bool:
    """Both draw the same outlines: each vertex of ``a``'s first pixels has a vertex of
    ``b``'s within ``atol``."""
    pa, pb = a.polygons[:50], b.polygons[:50]
    d = np.linalg.norm(pa[:, :, None, :] - pb[:, None, :, :], axis=-1)
    return bool(np.all(d.min(axis=2) < atol))


@pytest.mark.parametrize("name, version", [("LSTCam", "prod7"), ("LSTCam", "prod3"),
                                           ("CHEC", "prod4"), ("FlashCam", "prod5")])
def test_a_ctapipe_shaped_geometry_is_derotated_as_ctapipe_does(name, version):
    from ctaviewer.instrument.camera_library import _load  # the raw values as stored

    ours = CameraGeometry.from_name(name, version)
    meta, arrays = _load(name)
    info = meta["variants"][version]
    code = info["shape_code"]
    shape, rotation = {1: ("hexagon", 0.0), 3: ("hexagon", 30.0), 2: ("square", 0.0),
                       0: ("circle", 0.0)}.get(code, (ours.pix_shape, 0.0))
    theirs = CtapipeLikeGeometry(name, arrays[f"{version}/pixel_x"],
                                 arrays[f"{version}/pixel_y"], arrays[f"{version}/pixel_area"],
                                 shape, rotation, -np.rad2deg(info["cam_rot_rad"]))
    converted, unit = coerce_geometry(theirs)
    assert unit == "m" and converted.pix_shape == ours.pix_shape
    np.testing.assert_allclose(converted.pix_x, ours.pix_x, atol=1e-12)
    np.testing.assert_allclose(converted.pix_y, ours.pix_y, atol=1e-12)
    assert converted.cam_rotation_deg == pytest.approx(ours.cam_rotation_deg)
    assert _polygons_match(converted, ours, atol=1e-3 * float(np.median(ours.pixel_width)))


def test_coerce_geometry_passes_ours_and_names_what_is_missing():
    geom = CameraGeometry.from_name("DigiCam")
    assert coerce_geometry(geom) == (geom, "m")
    with pytest.raises(ValueError, match="has no pix_x or pix_y"):
        coerce_geometry(object())
    bad = CtapipeLikeGeometry("x", [0, 1], [0, 1], [1, 1], "octagon", 0, 0)
    with pytest.raises(ValueError, match="pixel type 'octagon'"):
        coerce_geometry(bad)


def test_a_real_ctapipe_geometry_converts_to_the_one_read_from_the_file():
    """ctapipe's own SimTelEventSource geometry (in its environment), converted: the pixels
    and outlines of the geometry ctaviewer reads from the same file."""
    from ctaviewer.io import open_source

    from .ctapipe_env import run_python

    # square pixels without rotation; hexagons (shape code 3) in a camera rotated by 10.9°
    paths = [simtel("muons_chec.simtel.zst"), simtel("gamma_4lst.simtel.zst")]
    script = (
        "import json, sys\n"
        "from ctapipe.io import SimTelEventSource\n"
        "for path in sys.argv[1:]:\n"
        "    g = SimTelEventSource(path, max_events=1).subarray.tel[1].camera.geometry\n"
        "    print(json.dumps({'name': g.name, 'x': g.pix_x.to_value('m').tolist(),\n"
        "      'y': g.pix_y.to_value('m').tolist(), 'area': g.pix_area.to_value('m2').tolist(),\n"
        "      'type': g.pix_type.value, 'pix_rot': float(g.pix_rotation.deg),\n"
        "      'cam_rot': float(g.cam_rotation.deg)}))\n"
    )
    lines = run_python(script, *paths).strip().splitlines()[-len(paths):]
    for path, line in zip(paths, lines):
        g = json.loads(line)
        theirs = CtapipeLikeGeometry(g["name"], g["x"], g["y"], g["area"], g["type"],
                                     g["pix_rot"], g["cam_rot"])
        converted, _ = coerce_geometry(theirs)
        ours = open_source(path).subarray.tels[1].camera.geometry
        np.testing.assert_allclose(converted.pix_x, ours.pix_x, atol=1e-9)
        np.testing.assert_allclose(converted.pix_y, ours.pix_y, atol=1e-9)
        assert _polygons_match(converted, ours, atol=1e-3 * float(np.median(ours.pixel_width)))
