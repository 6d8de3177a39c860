"""Camera geometries by name: the layouts met in sim_telarray files, stored in the package.

``CameraGeometry.from_name("NectarCam")`` (ctapipe's call) reads
``ctaviewer/resources/cameras/NectarCam.npz``: each pixel layout of that camera found in the
simulation files, as the file stores it, labelled by the production it came from ("prod5");
the newest is the default. The geometry is rebuilt by ``simtel_geometry``, the conversion the
sim_telarray reader (``io.simtel_convert``) applies too, so it equals the geometry read from
such a file, pixel positions bit for bit. ``packaging/make_camera_geometries.py`` regenerates
the files.
"""

from __future__ import annotations

import json
from functools import cache
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


@cache
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


def geometry_from_name(name: str, version: str | None = None) -> CameraGeometry:
    """The geometry of camera ``name`` (case-insensitive: "NectarCam", "lstcam") in
    ``version`` (a production label of ``camera_versions``; None: the newest). The same
    object is returned for the same arguments. Raises ``UnknownCameraError`` (a ValueError)
    naming the known cameras or versions."""
    canonical = _resolve(name)
    meta, _ = _load(canonical)
    label = meta["default"] if version is None else str(version)
    info = meta["variants"].get(label)
    if info is None:
        raise UnknownCameraError(
            f"camera {canonical!r} has no version {version!r}; stored versions: "
            f"{', '.join(meta['variants'])} (default {meta['default']})")
    return _stored_geometry(canonical, label)


@cache
def _stored_geometry(canonical: str, label: str) -> CameraGeometry:
    meta, arrays = _load(canonical)
    info = meta["variants"][label]
    return simtel_geometry(canonical, arrays[f"{label}/pixel_x"], arrays[f"{label}/pixel_y"],
                           arrays[f"{label}/pixel_area"], info["shape_code"],
                           info["cam_rot_rad"])


def simtel_geometry(name: str, pixel_x, pixel_y, pixel_area, shape_code: int | None,
                    cam_rot_rad: float) -> CameraGeometry:
    """A geometry from a sim_telarray camera-settings block as the file stores it: the one
    conversion of the stored layouts and of the sim_telarray reader (``io.simtel_convert``)."""
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


#: our polygon orientation (angle of the first vertex) minus ctapipe's ``pix_rotation``
#: (matplotlib's RegularPolygon puts the first vertex at 90° + orientation; squares are drawn
#: with orientation pix_rotation + 45°)
_CTAPIPE_VERTEX_OFFSET = {"hexagon": 90.0, "square": 135.0, "circle": 0.0}
_PERIOD = {"hexagon": 60.0, "square": 90.0, "circle": 360.0}


def ctapipe_pix_rotation(rotation_deg: float, shape: str) -> float:
    """ctapipe's ``pix_rotation`` (the ``PIX_ROT`` of its geometry tables, in degrees) of
    pixels of ``shape`` whose first vertex is at ``rotation_deg`` (ours)."""
    if shape not in _PERIOD:
        return float(rotation_deg)
    return float(np.mod(rotation_deg - _CTAPIPE_VERTEX_OFFSET[shape], _PERIOD[shape]))


def pix_rotation_from_ctapipe(pix_rotation_deg: float, shape: str) -> float:
    """Our vertex angle (degrees) of ctapipe's ``pix_rotation`` for pixels of ``shape``."""
    if shape not in _PERIOD:
        return float(pix_rotation_deg)
    return float(np.mod(pix_rotation_deg + _CTAPIPE_VERTEX_OFFSET[shape], _PERIOD[shape]))


def _value(q, unit: str | None = None) -> np.ndarray:
    """A plain float array of an astropy Quantity (in ``unit``) or of plain numbers."""
    if hasattr(q, "to_value"):
        return np.asarray(q.to_value(unit) if unit else q.value, dtype=np.float64)
    return np.asarray(q, dtype=np.float64)


def _degrees(angle) -> float:
    """An angle in degrees: an astropy Angle or Quantity, or a plain number (degrees)."""
    if angle is None:
        return 0.0
    return float(_value(angle, "deg")) if hasattr(angle, "to_value") else float(angle)


def _unit_name(q) -> str:
    unit = getattr(q, "unit", None)
    if unit is None:
        return "m"
    return unit.to_string() if hasattr(unit, "to_string") else str(unit)


def coerce_geometry(geometry) -> tuple[CameraGeometry, str]:
    """(our geometry, unit of its coordinates) for one of ours ("m") or an object shaped as
    ctapipe's ``CameraGeometry`` (duck-typed, ctapipe is not imported): ``pix_x``/``pix_y``
    (astropy quantities of length or angle), ``pix_area``, ``pix_type`` (a ``PixelShape`` or
    its name), ``pix_rotation`` and ``cam_rotation`` (angles). As ctapipe's own display does,
    the camera rotation is taken out: the pixels are turned by it, so that the result lies
    in the de-rotated frame our geometries use. Raises ``DisplayError`` naming what is
    missing or unusable."""
    from ..errors import DisplayError

    if isinstance(geometry, CameraGeometry):
        return geometry, "m"
    missing = [a for a in ("pix_x", "pix_y") if not hasattr(geometry, a)]
    if missing:
        raise DisplayError(f"not a camera geometry: {type(geometry).__name__} has no "
                           f"{' or '.join(missing)} (give a ctaviewer or ctapipe CameraGeometry)")
    unit = _unit_name(geometry.pix_x)
    x = _value(geometry.pix_x)
    y = _value(geometry.pix_y, unit if hasattr(geometry.pix_y, "to_value") else None)
    if x.ndim != 1 or x.shape != y.shape or x.size == 0:
        raise DisplayError(f"camera geometry: pix_x {x.shape} and pix_y {y.shape} must be "
                           "two equal, non-empty 1-d arrays")
    kind = getattr(geometry, "pix_type", "hexagon")
    shape = str(getattr(kind, "value", kind)).lower()
    if shape not in _PERIOD:
        raise DisplayError(f"camera geometry: pixel type {shape!r} is not one of "
                           f"{', '.join(_PERIOD)}")
    cam_rot = _degrees(getattr(geometry, "cam_rotation", 0.0))
    pix_rot = _degrees(getattr(geometry, "pix_rotation", 0.0))
    if cam_rot:  # ctapipe's CameraGeometry.rotate(cam_rotation): turn by -cam_rotation
        c, s = np.cos(np.deg2rad(cam_rot)), np.sin(np.deg2rad(cam_rot))
        x, y = c * x + s * y, -s * x + c * y
        pix_rot -= cam_rot
    area = getattr(geometry, "pix_area", None)
    if area is None:
        gaps = np.diff(np.sort(x))
        pitch = np.median(gaps[gaps > 0]) if x.size > 1 else 1.0
        area = np.full(x.size, pitch**2)
    else:
        area = _value(area, f"{unit}2" if hasattr(area, "to_value") and unit else None)
        area = np.broadcast_to(area, x.shape).astype(np.float64)
    rotation = pix_rotation_from_ctapipe(pix_rot, shape)
    ours = CameraGeometry(name=str(getattr(geometry, "name", getattr(geometry, "camera_name",
                                                                     "camera"))),
                          pix_x=x, pix_y=y, pix_area=area, pix_shape=shape,
                          pix_rotation_deg=rotation, cam_rotation_deg=-cam_rot)
    return ours, unit
