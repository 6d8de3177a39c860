"""The instrument description as ctapipe's ``/configuration/instrument`` tables, written
and read back (ours and ctapipe's).

Layout (TAB_VER 2.0), optics (4.0), one camera geometry (2.0) and readout (3.0) table per
camera type, as ``ctapipe.instrument.SubarrayDescription.from_hdf`` reads them. Pixel
positions are written in the de-rotated camera frame (CAM_ROT 0, as ctapipe does); the
rotation that was removed is kept in ``CTAVIEWER_CAM_ROT_REMOVED``.
"""

from __future__ import annotations

import numpy as np

from ..instrument import (
    CameraDescription,
    CameraGeometry,
    CameraReadout,
    OpticsDescription,
    SiteLocation,
    SubarrayDescription,
    TelescopeDescription,
)
from ..instrument.camera_library import ctapipe_pix_rotation, pix_rotation_from_ctapipe
from ..instrument.names import guess_telescope
from . import columns as cols
from . import paths
from .table import decode, read_table, write_table


def _width(values) -> int:
    return max((len(v.encode()) for v in values), default=1)


def itrs_xyz(lat_deg: float, lon_deg: float, height_m: float) -> tuple[float, float, float]:
    """Geocentric (ITRS) x, y, z in metres of a WGS84 location (ERFA's gd2gc, which
    astropy's EarthLocation uses; imported here, once per file written)."""
    import erfa

    xyz = erfa.gd2gc(1, np.radians(lon_deg), np.radians(lat_deg), height_m)  # 1 = WGS84
    return float(xyz[0]), float(xyz[1]), float(xyz[2])


def write_subarray(h5, subarray: SubarrayDescription) -> None:
    """Write layout, optics, camera geometries and readouts of ``subarray``."""
    tel_ids = [int(t) for t in subarray.tel_ids]
    descs = [subarray.tels[t] for t in tel_ids]
    # one geometry/readout pair per distinct camera and one optics row per distinct optics,
    # ordered by name as ctapipe orders them (ties in order of first telescope): telescopes
    # of one camera type with their own readout (reference pulse, samples) keep it
    cameras = sorted({id(d.camera): d.camera for d in descs}.values(),
                     key=lambda c: c.source_name)
    camera_index = {id(c): i for i, c in enumerate(cameras)}
    types = sorted({id(d.optics): d for d in descs}.values(), key=lambda d: d.optics.name)
    optics_index = {id(d.optics): i for i, d in enumerate(types)}

    names = [d.name for d in descs]
    sizes = [d.size_type for d in descs]
    cams = [d.camera.source_name for d in descs]
    optics_names = [d.optics.name for d in descs]
    full = [d.type_name for d in descs]
    layout_cols = cols.layout_columns({
        "name": _width(names), "type": _width(sizes), "camera_name": _width(cams),
        "optics_name": _width(optics_names), "tel_description": _width(full),
    })
    attrs = {
        "TAB_VER": cols.LAYOUT_VERSION,
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
            CTAVIEWER_SITE_POSITION_KNOWN=int(loc.position_known),  # PyTables: no bools
        )
    pos = subarray.positions
    write_table(
        h5,
        paths.LAYOUT,
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
            "optics_index": [optics_index[id(d.optics)] for d in descs],
            "tel_description": [f.encode() for f in full],
        },
        attrs=attrs,
    )

    onames = [d.optics.name for d in types]
    osizes = [d.size_type for d in types]
    size_types = [s if s in ("LST", "MST", "SST") else "UNKNOWN" for s in osizes]
    optics_cols = cols.optics_columns({
        "optics_name": _width(onames), "size_type": _width(size_types),
        "reflector_shape": _width([d.optics.reflector_shape for d in types]),
    })
    write_table(
        h5,
        paths.OPTICS,
        optics_cols,
        {
            "optics_name": [n.encode() for n in onames],
            "size_type": [s.encode() for s in size_types],
            "reflector_shape": [d.optics.reflector_shape.encode() for d in types],
            "mirror_area": [d.optics.mirror_area for d in types],
            "n_mirrors": [d.optics.n_mirrors for d in types],
            "n_mirror_tiles": [d.optics.n_mirror_tiles for d in types],
            "equivalent_focal_length": [d.optics.equivalent_focal_length for d in types],
            "effective_focal_length": [d.optics.effective_focal_length for d in types],
        },
        attrs={"TAB_VER": cols.OPTICS_VERSION, "TAB_TYPE": "optics", "ORIGIN": "ctaviewer"},
    )

    for i, cam in enumerate(cameras):
        g = cam.geometry
        write_table(
            h5,
            paths.CAMERA_GEOMETRY.format(i),
            cols.CAMERA_GEOMETRY,
            {"pix_id": np.arange(g.n_pixels), "pix_x": g.pix_x, "pix_y": g.pix_y,
             "pix_area": g.pix_area},
            attrs={
                "TAB_VER": cols.GEOMETRY_VERSION,
                "TAB_TYPE": "ctapipe.instrument.CameraGeometry",
                "CAM_ID": cam.source_name,
                "PIX_TYPE": g.pix_shape,
                # ctapipe's convention (what its readers and displays take); ours beside it
                "PIX_ROT": ctapipe_pix_rotation(g.pix_rotation_deg, g.pix_shape),
                "CTAVIEWER_PIX_ROT": float(g.pix_rotation_deg),
                "CAM_ROT": 0.0,
                "CTAVIEWER_CAM_ROT_REMOVED": float(g.cam_rotation_deg),
            },
        )
        r = cam.readout
        shape = np.atleast_2d(np.asarray(r.reference_pulse_shape, dtype=np.float64))
        n_ref = shape.shape[1]
        rows = {f"reference_pulse_shape_channel{c}": shape[c] for c in range(len(shape))}
        rows["reference_pulse_sample_time"] = np.arange(n_ref) * r.reference_pulse_sample_width_ns
        write_table(
            h5,
            paths.CAMERA_READOUT.format(i),
            cols.readout_columns(len(shape)),
            rows,
            attrs={
                "TAB_VER": cols.READOUT_VERSION,
                "TAB_TYPE": "ctapipe.instrument.CameraReadout",
                "CAM_ID": cam.source_name,
                "NCHAN": int(len(shape)),
                "NPIXELS": int(g.n_pixels),
                "NSAMPLES": int(r.n_samples),
                "REFWIDTH": float(r.reference_pulse_sample_width_ns),
                "SAMPFREQ": float(r.sampling_rate_ghz),
            },
        )


def _pix_rotation(attrs) -> float:
    """Our vertex angle of a geometry table's pixels: ``CTAVIEWER_PIX_ROT`` where written,
    else ``PIX_ROT`` as ctapipe means it, or as ctaviewer wrote it before 2026-12-07 (files
    with ``CTAVIEWER_CAM_ROT_REMOVED`` but no ``CTAVIEWER_PIX_ROT``)."""
    if "CTAVIEWER_PIX_ROT" in attrs:
        return float(attrs["CTAVIEWER_PIX_ROT"])
    if "CTAVIEWER_CAM_ROT_REMOVED" in attrs:
        return float(attrs["PIX_ROT"])
    return pix_rotation_from_ctapipe(float(attrs["PIX_ROT"]), decode(attrs["PIX_TYPE"]))


def read_subarray(h5) -> SubarrayDescription:
    """The subarray of a file's instrument tables (ours or ctapipe's)."""
    layout = read_table(h5, paths.LAYOUT)
    optics = read_table(h5, paths.OPTICS)
    cameras = {}
    for idx in sorted(set(int(i) for i in layout["camera_index"])):
        gpath, rpath = paths.CAMERA_GEOMETRY.format(idx), paths.CAMERA_READOUT.format(idx)
        g, ga = read_table(h5, gpath), h5[gpath].attrs
        r, ra = read_table(h5, rpath), h5[rpath].attrs
        name = decode(ga.get("CAM_ID", f"camera_{idx}"))
        geometry = CameraGeometry(
            name=name, pix_x=g["pix_x"].astype(float), pix_y=g["pix_y"].astype(float),
            pix_area=g["pix_area"].astype(float), pix_shape=decode(ga["PIX_TYPE"]),
            pix_rotation_deg=_pix_rotation(ga),
            cam_rotation_deg=float(ga.get("CTAVIEWER_CAM_ROT_REMOVED", ga["CAM_ROT"])),
        )
        n_chan = int(ra["NCHAN"])
        pulse_names = [c.name for c in cols.readout_columns(n_chan)[:n_chan]]
        readout = CameraReadout(
            name=name, sampling_rate_ghz=float(ra["SAMPFREQ"]),
            n_samples=int(ra["NSAMPLES"]), n_gains=n_chan,
            reference_pulse_shape=np.array([r[n] for n in pulse_names]),
            reference_pulse_sample_width_ns=float(ra["REFWIDTH"]),
        )
        # the camera type by this application's name (the file's name where unknown)
        first = layout[layout["camera_index"] == idx][0]
        focal = float(optics[int(first["optics_index"])]["equivalent_focal_length"])
        names, known = guess_telescope(geometry.n_pixels, focal, name)
        cameras[idx] = CameraDescription(names.camera if known else name, geometry, readout,
                                         source_name=name)
    optics_of = {}
    for idx in sorted(set(int(i) for i in layout["optics_index"])):
        o = optics[idx]
        fields = o.dtype.names
        optics_of[idx] = OpticsDescription(
            name=decode(o["optics_name"]), size_type=decode(o["size_type"]),
            n_mirrors=int(o["n_mirrors"]), mirror_area=float(o["mirror_area"]),
            equivalent_focal_length=float(o["equivalent_focal_length"]),
            effective_focal_length=float(o["effective_focal_length"]),
            reflector_shape=(decode(o["reflector_shape"]) if "reflector_shape" in fields
                             else "UNKNOWN"),
            n_mirror_tiles=int(o["n_mirror_tiles"]) if "n_mirror_tiles" in fields else -1,
        )
    tels = {}
    for row in layout:
        opt = optics_of[int(row["optics_index"])]
        tels[int(row["tel_id"])] = TelescopeDescription(
            name=decode(row["name"]), size_type=opt.size_type, optics=opt,
            camera=cameras[int(row["camera_index"])],
        )
    attrs = h5[paths.LAYOUT].attrs
    location = None
    if "CTAVIEWER_SITE_LAT" in attrs:
        location = SiteLocation(float(attrs["CTAVIEWER_SITE_LAT"]),
                                float(attrs["CTAVIEWER_SITE_LON"]),
                                float(attrs["CTAVIEWER_SITE_HEIGHT"]),
                                bool(attrs.get("CTAVIEWER_SITE_POSITION_KNOWN", True)))
    elif "reference_itrs_x" in attrs:
        from astropy import units as u
        from astropy.coordinates import EarthLocation

        loc = EarthLocation.from_geocentric(*(float(attrs[f"reference_itrs_{c}"])
                                              for c in "xyz"), unit=u.m)
        # ctapipe writes latitude = longitude = 0 where the simulation gave only a height
        known = not (abs(float(loc.lat.deg)) < 1e-9 and abs(float(loc.lon.deg)) < 1e-9)
        location = SiteLocation(float(loc.lat.deg), float(loc.lon.deg),
                                float(loc.height.to_value(u.m)), known)
    positions = np.column_stack([layout[f"pos_{c}"] for c in "xyz"]).astype(float)
    return SubarrayDescription(decode(attrs.get("SUBARRAY", "subarray")), layout["tel_id"],
                               positions, tels, location)
