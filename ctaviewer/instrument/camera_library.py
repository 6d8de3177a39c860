"""Camera geometries by name: the layouts met in sim_telarray files, stored in the package.

``CameraGeometry.from_name("NectarCam")`` (ctapipe's call) reads
``ctaviewer/resources/cameras/NectarCam.npz``: each pixel layout of that camera found in the
simulation files, as the file stores it, labelled by the production it came from ("prod5");
the newest is the default. The geometry is rebuilt with the conversion the sim_telarray
reader applies (``io.simtel_convert``), so it equals the geometry read from such a file, pixel
positions bit for bit. ``packaging/make_camera_geometries.py`` regenerates the files.
"""

from __future__ import annotations

import json
from functools import lru_cache
from importlib import resources

import numpy as np

from ..errors import UnknownCameraError
from .camera import SIMTEL_SHAPE_CODES, CameraGeometry


def _folder():
    return resources.files("ctaviewer").joinpath("resources", "cameras")


def camera_names() -> list[str]:
    """The camera names ``from_name`` knows, sorted."""
    folder = _folder()
    if not folder.is_dir():
        return []
    return sorted(p.name[:-4] for p in folder.iterdir() if p.name.endswith(".npz"))


@lru_cache(maxsize=None)
def _load(name: str) -> tuple[dict, dict]:
    path = _folder().joinpath(f"{name}.npz")
    with resources.as_file(path) as real, np.load(real) as data:
        meta = json.loads(str(data["meta"]))
        arrays = {key: data[key] for key in data.files if key != "meta"}
    return meta, arrays


def _resolve(name: str) -> str:
    names = camera_names()
    if name in names:
        return name
    lower = {n.lower(): n for n in names}
    if str(name).lower() in lower:
        return lower[str(name).lower()]
    raise UnknownCameraError(
        f"unknown camera {name!r}; known cameras: {', '.join(names) or '(none installed)'}")


def camera_versions(name: str) -> dict[str, dict]:
    """The stored layouts of camera ``name``: version label -> what is known of it
    (``n_pixels``, ``files`` it was found in, ``source_names`` the files gave it,
    ``default``: whether ``from_name`` returns it when no version is asked for)."""
    meta, _ = _load(_resolve(name))
    return {label: {**info, "default": label == meta["default"]}
            for label, info in meta["variants"].items()}


@lru_cache(maxsize=None)
def geometry_from_name(name: str, version: str | None = None) -> CameraGeometry:
    """The geometry of camera ``name`` (case-insensitive: "NectarCam", "lstcam") in
    ``version`` (a production label of ``camera_versions``; None: the newest). The same
    object is returned for the same arguments. Raises ``UnknownCameraError`` (a ValueError)
    naming the known cameras or versions."""
    canonical = _resolve(name)
    meta, arrays = _load(canonical)
    label = meta["default"] if version is None else str(version)
    info = meta["variants"].get(label)
    if info is None:
        raise UnknownCameraError(
            f"camera {canonical!r} has no version {version!r}; stored versions: "
            f"{', '.join(meta['variants'])} (default {meta['default']})")
    return simtel_geometry(canonical, arrays[f"{label}/pixel_x"], arrays[f"{label}/pixel_y"],
                           arrays[f"{label}/pixel_area"], info["shape_code"],
                           info["cam_rot_rad"])


def simtel_geometry(name: str, pixel_x, pixel_y, pixel_area, shape_code: int | None,
                    cam_rot_rad: float) -> CameraGeometry:
    """A geometry from a sim_telarray camera-settings block as the file stores it, converted
    as the sim_telarray reader converts it (``io.simtel_convert``; a test keeps them equal)."""
    x = np.ascontiguousarray(pixel_x, dtype=np.float64)
    y = np.ascontiguousarray(pixel_y, dtype=np.float64)
    area = np.ascontiguousarray(pixel_area, dtype=np.float64)
    n = len(x)
    return CameraGeometry.from_positions(
        name, x, y,
        pix_area=area if area.size == n and np.all(area > 0) else None,
        shape=SIMTEL_SHAPE_CODES.get(shape_code) if shape_code is not None else None,
        cam_rotation_deg=float(np.rad2deg(cam_rot_rad)),
    )
