"""Read processed DL1/DL2 HDF5 files (ours and ctapipe's) back as an event source.

Each array event carries, per telescope, its stored DL1 image as a one-gain "sums" record
(pedestal 0, one p.e. per count), so the processing chain reproduces the image, and the
stored peak times; ``result(i)`` gives the stored parameters and DL2 geometry as an
``EventResult`` without re-processing. Tables are read whole on first use (DL1 files are
small per event); ctapipe's blosc-compressed files need the ``hdf5plugin`` package.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from functools import cached_property

import numpy as np

from ..errors import CorruptFileError, InputFileError
from ..event import (
    ArrayEvent,
    Pointing,
    SimulatedShower,
    SimulationConfig,
    TelescopeData,
    TriggerInfo,
)
from ..instrument import (
    CameraDescription,
    CameraGeometry,
    CameraReadout,
    OpticsDescription,
    SiteLocation,
    SubarrayDescription,
    TelescopeDescription,
)
from ..results import IMAGE_PARAMETER_NAMES, EventResult, StereoResult, TelescopeResult
from .base import EventSource

_HDF5_MAGIC = b"\x89HDF\r\n\x1a\n"
_LAYOUT = "/configuration/instrument/subarray/layout"


def _open(path):
    import h5py

    try:
        import hdf5plugin  # noqa: F401  (registers blosc for ctapipe's files)
    except ImportError:
        pass
    return h5py.File(path, "r")


def _read(h5, path, file_path):
    from ..writers.hdf5 import read_table

    try:
        return read_table(h5, path)
    except OSError as exc:
        if "plugin" in str(exc) or "filter" in str(exc):
            raise InputFileError(
                file_path, f"{path} uses a compression filter h5py lacks (ctapipe writes "
                "blosc): install hdf5plugin"
            ) from None
        raise CorruptFileError(file_path, f"cannot read {path}: {exc}") from None


def _s(value) -> str:
    return value.decode() if isinstance(value, bytes | np.bytes_) else str(value)


class HDF5Source(EventSource):
    """Events of a DL1/DL2 HDF5 file in ctapipe's data model."""

    name = "hdf5"
    description = "DL1/DL2 HDF5 file (ctaviewer, ctapipe)"
    extensions = (".h5", ".hdf5", ".dl1.h5", ".dl2.h5")

    def __init__(self, path, *, allowed_tels=None, max_events=None):
        super().__init__(path, allowed_tels=allowed_tels, max_events=max_events)
        try:
            self._h5 = _open(self.path)
        except OSError as exc:
            raise InputFileError(self.path, f"cannot open as HDF5: {exc}") from None
        self._subarray = self._read_subarray()

    @classmethod
    def check(cls, path: str) -> str | None:
        try:
            with open(path, "rb") as f:
                if f.read(8) != _HDF5_MAGIC:
                    return "not an HDF5 file"
            import h5py

            with h5py.File(path, "r") as h5:
                if _LAYOUT not in h5:
                    return f"HDF5 file without {_LAYOUT}"
        except OSError as exc:
            return f"cannot read ({exc})"
        return None

    # ---------------------------------------------------------------- instrument
    def _read_subarray(self) -> SubarrayDescription:
        h5 = self._h5
        layout = _read(h5, _LAYOUT, self.path)
        optics = _read(h5, "/configuration/instrument/telescope/optics", self.path)
        cameras = {}
        for idx in sorted(set(int(i) for i in layout["camera_index"])):
            gpath = f"/configuration/instrument/telescope/camera/geometry_{idx}"
            rpath = f"/configuration/instrument/telescope/camera/readout_{idx}"
            g, ga = _read(h5, gpath, self.path), h5[gpath].attrs
            r, ra = _read(h5, rpath, self.path), h5[rpath].attrs
            name = _s(ga.get("CAM_ID", f"camera_{idx}"))
            geometry = CameraGeometry(
                name=name, pix_x=g["pix_x"].astype(float), pix_y=g["pix_y"].astype(float),
                pix_area=g["pix_area"].astype(float), pix_shape=_s(ga["PIX_TYPE"]),
                pix_rotation_deg=float(ga["PIX_ROT"]),
                cam_rotation_deg=float(ga.get("CTAVIEWER_CAM_ROT_REMOVED", ga["CAM_ROT"])),
            )
            n_chan = int(ra["NCHAN"])
            readout = CameraReadout(
                name=name, sampling_rate_ghz=float(ra["SAMPFREQ"]),
                n_samples=int(ra["NSAMPLES"]), n_gains=n_chan,
                reference_pulse_shape=np.array(
                    [r[f"reference_pulse_shape_channel{c}"] for c in range(n_chan)]
                ),
                reference_pulse_sample_width_ns=float(ra["REFWIDTH"]),
            )
            cameras[idx] = CameraDescription(name, geometry, readout)
        tels = {}
        for row in layout:
            o = optics[int(row["optics_index"])]
            opt = OpticsDescription(
                name=_s(o["optics_name"]), size_type=_s(o["size_type"]),
                n_mirrors=int(o["n_mirrors"]), mirror_area=float(o["mirror_area"]),
                equivalent_focal_length=float(o["equivalent_focal_length"]),
                effective_focal_length=float(o["effective_focal_length"]),
            )
            tels[int(row["tel_id"])] = TelescopeDescription(
                name=_s(row["name"]), size_type=opt.size_type, optics=opt,
                camera=cameras[int(row["camera_index"])],
            )
        attrs = h5[_LAYOUT].attrs
        location = None
        if "CTAVIEWER_SITE_LAT" in attrs:
            location = SiteLocation(float(attrs["CTAVIEWER_SITE_LAT"]),
                                    float(attrs["CTAVIEWER_SITE_LON"]),
                                    float(attrs["CTAVIEWER_SITE_HEIGHT"]))
        elif "reference_itrs_x" in attrs:
            from astropy import units as u
            from astropy.coordinates import EarthLocation

            loc = EarthLocation.from_geocentric(*(float(attrs[f"reference_itrs_{c}"])
                                                  for c in "xyz"), unit=u.m)
            location = SiteLocation(float(loc.lat.deg), float(loc.lon.deg),
                                    float(loc.height.to_value(u.m)))
        positions = np.column_stack([layout[f"pos_{c}"] for c in "xyz"]).astype(float)
        sub = SubarrayDescription(_s(attrs.get("SUBARRAY", "subarray")), layout["tel_id"],
                                  positions, tels, location)
        if self.allowed_tels is not None:
            keep = [t for t in sub.tel_ids if int(t) in self.allowed_tels]
            if not keep:
                raise InputFileError(self.path, "none of the allowed telescopes is in the file")
            sub = sub.select(keep, name=sub.name)
        return sub

    @property
    def subarray(self) -> SubarrayDescription:
        return self._subarray

    @cached_property
    def _simulation(self) -> SimulationConfig | None:
        from ..writers.simulation import read_run_config

        try:
            return read_run_config(self._h5)
        except OSError as exc:
            raise CorruptFileError(self.path, f"cannot read the run table: {exc}") from None

    @property
    def simulation_config(self):
        return self._simulation

    @property
    def obs_id(self) -> int:
        t = self._tables["trigger"]
        return int(t["obs_id"][0]) if len(t) else 0

    @property
    def data_kind(self) -> str:
        return "DL1 images" if self._tables["images"] else "DL1 parameters (no images)"

    # ---------------------------------------------------------------- tables
    @cached_property
    def _tables(self) -> dict:
        h5 = self._h5
        if "/dl1/event/subarray/trigger" not in h5:
            raise InputFileError(self.path, "no /dl1/event/subarray/trigger table")
        out = {"trigger": _read(h5, "/dl1/event/subarray/trigger", self.path)}
        for key, group in (("images", "/dl1/event/telescope/images"),
                           ("params", "/dl1/event/telescope/parameters"),
                           ("true_images", "/simulation/event/telescope/images")):
            out[key] = {}
            if group in h5:
                for name in h5[group]:
                    tel_id = int(name.split("_")[-1])
                    if tel_id in self._subarray.tels:
                        out[key][tel_id] = _read(h5, f"{group}/{name}", self.path)
        out["shower"] = (_read(h5, "/simulation/event/subarray/shower", self.path)
                         if "/simulation/event/subarray/shower" in h5 else None)
        out["pointing"] = {}
        if "/configuration/telescope/pointing" in h5:
            for name in h5["/configuration/telescope/pointing"]:
                p = _read(h5, f"/configuration/telescope/pointing/{name}", self.path)[0]
                out["pointing"][int(p["tel_id"])] = (
                    math.degrees(p["telescope_pointing_altitude"]),
                    math.degrees(p["telescope_pointing_azimuth"]),
                )
        out["geometry"] = None
        geo_group = "/dl2/event/subarray/geometry"
        if geo_group in h5 and len(h5[geo_group]):
            algo = sorted(h5[geo_group])[0]
            out["geometry"] = (algo, _read(h5, f"{geo_group}/{algo}", self.path))
        return out

    def _rows(self, table, key) -> dict:
        return {(int(o), int(e)): i for i, (o, e) in enumerate(zip(table["obs_id"],
                                                                      table["event_id"]))}

    @cached_property
    def _index(self) -> dict:
        t = self._tables
        return {
            "images": {k: self._rows(v, k) for k, v in t["images"].items()},
            "params": {k: self._rows(v, k) for k, v in t["params"].items()},
            "true": {k: self._rows(v, k) for k, v in t["true_images"].items()},
            "shower": self._rows(t["shower"], 0) if t["shower"] is not None else {},
            "geometry": self._rows(t["geometry"][1], 0) if t["geometry"] else {},
        }

    def _n_events(self) -> int:
        return len(self._tables["trigger"])

    @property
    def n_events_known(self) -> int | None:
        return len(self)

    def _iter_events(self) -> Iterator[ArrayEvent]:
        for i in range(self._n_events()):
            yield self._get_event(i)

    def _get_event(self, i: int) -> ArrayEvent:
        t, idx = self._tables, self._index
        trig = t["trigger"][i]
        key = (int(trig["obs_id"]), int(trig["event_id"]))
        tel_ids = [int(x) for x in self._subarray.tel_ids]
        all_ids = list(t["images"] or t["params"])
        present = [tid for tid in all_ids if key in (idx["images"].get(tid) or
                                                      idx["params"].get(tid) or {})]
        tels = {}
        for tel_id in sorted(present):
            n = self._subarray.tels[tel_id].camera.geometry.n_pixels
            row = idx["images"].get(tel_id, {}).get(key)
            if row is not None:
                image = t["images"][tel_id]["image"][row].astype(np.float32)
                peak = t["images"][tel_id]["peak_time"][row].astype(np.float32)
            else:
                image = np.zeros(n, np.float32)
                peak = None
            true_row = idx["true"].get(tel_id, {}).get(key)
            true_image = (t["true_images"][tel_id]["true_image"][true_row]
                          if true_row is not None else None)
            tels[tel_id] = TelescopeData(
                tel_id=tel_id, waveform=None, sums=image[np.newaxis, :], n_sum_samples=1,
                pedestal_per_sample=np.zeros((1, n)), dc_to_pe=np.ones((1, n)),
                true_image=true_image, peak_time_ns=peak,
            )
        mask = np.asarray(trig["tels_with_trigger"], dtype=bool)
        triggered = np.array(tel_ids)[mask[: len(tel_ids)]] if mask.ndim else np.array([])
        time_mjd = float(trig["time"]) if np.ndim(trig["time"]) == 0 else math.nan
        unix = (time_mjd - 40587.0) * 86400.0 - 37.0 if math.isfinite(time_mjd) else math.nan
        trigger = TriggerInfo(unix, triggered, np.zeros(len(triggered)),
                              np.array(sorted(tels), dtype=np.int64))
        point = t["pointing"]
        first = next(iter(point.values()), (math.nan, math.nan))
        pointing = Pointing(first[0], first[1], {k: v[0] for k, v in point.items()},
                            {k: v[1] for k, v in point.items()})
        sim = None
        srow = idx["shower"].get(key)
        if srow is not None:
            s = t["shower"][srow]
            sim = SimulatedShower(
                float(s["true_energy"]), float(s["true_alt"]), float(s["true_az"]),
                float(s["true_core_x"]), float(s["true_core_y"]), float(s["true_h_first_int"]),
                float(s["true_x_max"]), int(s["true_shower_primary_id"]),
            )
        return ArrayEvent(i, key[0], key[1], "subarray", trigger, pointing, tels, sim)

    def result(self, i: int) -> EventResult:
        """The stored DL1 parameters and DL2 geometry of event ``i`` (no re-processing)."""
        event = self[i]
        t, idx = self._tables, self._index
        key = (event.obs_id, event.event_id)
        tels = {}
        for tel_id, data in event.tel.items():
            prow = idx["params"].get(tel_id, {}).get(key)
            params = {}
            if prow is not None:
                row = t["params"][tel_id][prow]
                params = {n: row[n].item() for n in IMAGE_PARAMETER_NAMES if n in row.dtype.names}
            irow = idx["images"].get(tel_id, {}).get(key)
            mask = (t["images"][tel_id]["image_mask"][irow].astype(bool) if irow is not None
                    else np.zeros(data.n_pixels, bool))
            peak = data.peak_time_ns if data.peak_time_ns is not None else np.full(
                data.n_pixels, np.nan, np.float32)
            tels[tel_id] = TelescopeResult(tel_id, data.sums[0], peak, mask, params,
                                           passes_quality=bool(params))
        geometry = StereoResult()
        grow = idx["geometry"].get(key)
        if grow is not None:
            algo, table = t["geometry"]
            row = table[grow]
            values = {f: row[f"{algo}_{f}"].item() for f in StereoResult.__dataclass_fields__
                      if f"{algo}_{f}" in row.dtype.names and f != "tel_ids"}
            used = row[f"{algo}_telescopes"] if f"{algo}_telescopes" in row.dtype.names else []
            ids = tuple(int(x) for x, m in zip(self._subarray.tel_ids, used) if m)
            geometry = StereoResult(**values, tel_ids=ids)
        return EventResult(i, event.obs_id, event.event_id, tels, geometry)

    def close(self) -> None:
        try:
            self._h5.close()
        except Exception:
            pass
