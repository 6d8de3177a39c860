"""The instrument description as ctapipe's ``/configuration/instrument`` tables.

Layout (TAB_VER 2.0), optics (4.0), one camera geometry (2.0) and readout (3.0) table per
camera type, as ``ctapipe.instrument.SubarrayDescription.from_hdf`` reads them. Pixel
positions are written in the de-rotated camera frame (CAM_ROT 0, as ctapipe does); the
rotation that was removed is kept in ``CTAVIEWER_CAM_ROT_REMOVED``.
"""

from __future__ import annotations

import numpy as np

from ..instrument import SubarrayDescription
from .hdf5 import Column, write_table

LAYOUT = "/configuration/instrument/subarray/layout"
OPTICS = "/configuration/instrument/telescope/optics"
GEOMETRY = "/configuration/instrument/telescope/camera/geometry_{}"
READOUT = "/configuration/instrument/telescope/camera/readout_{}"

LAYOUT_VERSION = "2.0"
OPTICS_VERSION = "4.0"
GEOMETRY_VERSION = "2.0"
READOUT_VERSION = "3.0"


def _s(values) -> str:
    return f"S{max(1, max((len(v.encode()) for v in values), default=1))}"


WGS84_A = 6378137.0
WGS84_F = 1.0 / 298.257223563


def itrs_xyz(lat_deg: float, lon_deg: float, height_m: float) -> tuple[float, float, float]:
    """Geocentric (ITRS) x, y, z in metres of a WGS84 location (closed form, no astropy)."""
    lat, lon = np.radians(lat_deg), np.radians(lon_deg)
    e2 = WGS84_F * (2.0 - WGS84_F)
    n = WGS84_A / np.sqrt(1.0 - e2 * np.sin(lat) ** 2)
    x = (n + height_m) * np.cos(lat) * np.cos(lon)
    y = (n + height_m) * np.cos(lat) * np.sin(lon)
    z = (n * (1.0 - e2) + height_m) * np.sin(lat)
    return float(x), float(y), float(z)


def write_subarray(h5, subarray: SubarrayDescription) -> None:
    """Write layout, optics, camera geometries and readouts of ``subarray``."""
    types = subarray.telescope_types
    optics_index = {d.type_name: i for i, d in enumerate(types)}
    tel_ids = [int(t) for t in subarray.tel_ids]
    descs = [subarray.tels[t] for t in tel_ids]
    # one geometry/readout pair per distinct camera (as ctapipe): telescopes of one camera
    # type with their own readout (reference pulse, samples) keep it in the file
    cameras = list({id(d.camera): d.camera for d in descs}.values())
    camera_index = {id(c): i for i, c in enumerate(cameras)}

    names = [d.name for d in descs]
    sizes = [d.size_type for d in descs]
    cams = [d.camera.name for d in descs]
    optics_names = [d.optics.name for d in descs]
    full = [d.type_name for d in descs]
    layout_cols = [
        Column("tel_id", "u2"),
        Column("name", _s(names)),
        Column("type", _s(sizes)),
        Column("pos_x", "f4", unit="m"),
        Column("pos_y", "f4", unit="m"),
        Column("pos_z", "f4", unit="m"),
        Column("camera_name", _s(cams)),
        Column("optics_name", _s(optics_names)),
        Column("camera_index", "i8"),
        Column("optics_index", "i8"),
        Column("tel_description", _s(full)),
    ]
    attrs = {
        "TAB_VER": LAYOUT_VERSION,
        "TAB_TYPE": "subarray",
        "SUBARRAY": subarray.name,
        "name": subarray.name,
        "ORIGIN": "ctaviewer",
    }
    loc = subarray.location
    if loc is not None:
        x, y, z = itrs_xyz(loc.latitude_deg, loc.longitude_deg, loc.height_m)
        attrs.update(
            reference_itrs_x=x,
            reference_itrs_y=y,
            reference_itrs_z=z,
            CTAVIEWER_SITE_LAT=float(loc.latitude_deg),
            CTAVIEWER_SITE_LON=float(loc.longitude_deg),
            CTAVIEWER_SITE_HEIGHT=float(loc.height_m),
        )
    pos = subarray.positions
    write_table(
        h5,
        LAYOUT,
        layout_cols,
        {
            "tel_id": tel_ids,
            "name": [n.encode() for n in names],
            "type": [s.encode() for s in sizes],
            "pos_x": pos[:, 0],
            "pos_y": pos[:, 1],
            "pos_z": pos[:, 2],
            "camera_name": [c.encode() for c in cams],
            "optics_name": [o.encode() for o in optics_names],
            "camera_index": [camera_index[id(d.camera)] for d in descs],
            "optics_index": [optics_index[d.type_name] for d in descs],
            "tel_description": [f.encode() for f in full],
        },
        attrs=attrs,
    )

    onames = [d.optics.name for d in types]
    osizes = [d.size_type for d in types]
    optics_cols = [
        Column("optics_name", _s(onames)),
        Column("size_type", _s(osizes + ["UNKNOWN"])),
        Column("reflector_shape", "S7"),
        Column("mirror_area", "f8", unit="m2"),
        Column("n_mirrors", "i8"),
        Column("n_mirror_tiles", "i8"),
        Column("equivalent_focal_length", "f8", unit="m"),
        Column("effective_focal_length", "f8", unit="m"),
    ]
    write_table(
        h5,
        OPTICS,
        optics_cols,
        {
            "optics_name": [n.encode() for n in onames],
            "size_type": [
                (s if s in ("LST", "MST", "SST") else "UNKNOWN").encode() for s in osizes
            ],
            "reflector_shape": [b"UNKNOWN"] * len(types),
            "mirror_area": [d.optics.mirror_area for d in types],
            "n_mirrors": [d.optics.n_mirrors for d in types],
            "n_mirror_tiles": [-1] * len(types),
            "equivalent_focal_length": [d.optics.equivalent_focal_length for d in types],
            "effective_focal_length": [d.optics.effective_focal_length for d in types],
        },
        attrs={"TAB_VER": OPTICS_VERSION, "TAB_TYPE": "optics", "ORIGIN": "ctaviewer"},
    )

    for i, cam in enumerate(cameras):
        g = cam.geometry
        write_table(
            h5,
            GEOMETRY.format(i),
            [
                Column("pix_id", "i8"),
                Column("pix_x", "f8", unit="m"),
                Column("pix_y", "f8", unit="m"),
                Column("pix_area", "f8", unit="m2"),
            ],
            {"pix_id": np.arange(g.n_pixels), "pix_x": g.pix_x, "pix_y": g.pix_y,
             "pix_area": g.pix_area},
            attrs={
                "TAB_VER": GEOMETRY_VERSION,
                "TAB_TYPE": "ctapipe.instrument.CameraGeometry",
                "CAM_ID": cam.name,
                "PIX_TYPE": g.pix_shape,
                "PIX_ROT": float(g.pix_rotation_deg),
                "CAM_ROT": 0.0,
                "CTAVIEWER_CAM_ROT_REMOVED": float(g.cam_rotation_deg),
            },
        )
        r = cam.readout
        shape = np.atleast_2d(np.asarray(r.reference_pulse_shape, dtype=np.float64))
        n_ref = shape.shape[1]
        cols = [Column(f"reference_pulse_shape_channel{c}", "f8") for c in range(len(shape))]
        cols.append(Column("reference_pulse_sample_time", "f8", unit="ns"))
        rows = {f"reference_pulse_shape_channel{c}": shape[c] for c in range(len(shape))}
        rows["reference_pulse_sample_time"] = np.arange(n_ref) * r.reference_pulse_sample_width_ns
        write_table(
            h5,
            READOUT.format(i),
            cols,
            rows,
            attrs={
                "TAB_VER": READOUT_VERSION,
                "TAB_TYPE": "ctapipe.instrument.CameraReadout",
                "CAM_ID": cam.name,
                "NCHAN": int(len(shape)),
                "NPIXELS": int(g.n_pixels),
                "NSAMPLES": int(r.n_samples),
                "REFWIDTH": float(r.reference_pulse_sample_width_ns),
                "SAMPFREQ": float(r.sampling_rate_ghz),
            },
        )
