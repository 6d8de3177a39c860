"""Read processed DL1/DL2 HDF5 files (ours and ctapipe's) back as an event source.

Each array event carries, per telescope, its stored DL1 image as a one-gain "sums" record
(pedestal 0, one p.e. per count), so the processing chain reproduces the image, and the
stored peak times; ``result(i)`` gives the stored parameters and DL2 geometry as an
``EventResult`` without re-processing. Tables are read whole on first use (DL1 files are
small per event). Every ctapipe 0.2x variant reads: with or without images, true images
(or only their sums), simulation and DL2; times as MJD or CTAO high-resolution; images
stored as scaled integers; blosc-compressed tables (through ``hdf5plugin``). Paths and
columns are ``ctaviewer.datamodel``'s.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from functools import cached_property

import numpy as np

from ..datamodel import columns as cols
from ..datamodel import paths
from ..datamodel.table import FilterMissingError, column_attrs, read_table, undo_fixed_point
from ..datamodel.times import tai_seconds, unix_from_tai
from ..errors import CorruptFileError, InputFileError
from ..event import (
    ArrayEvent,
    Pointing,
    ShowerDistribution,
    SimulatedShower,
    SimulationConfig,
    TelescopeData,
    TriggerInfo,
)
from ..instrument import (
    SubarrayDescription,
)
from ..results import IMAGE_PARAMETER_NAMES, EventResult, StereoResult, TelescopeResult
from .base import DataLevel, EventSource

#: parameters read back into a TelescopeResult (core_psi goes to the EventResult)
_PARAMETER_NAMES = (*IMAGE_PARAMETER_NAMES, "core_psi")
#: column names, from the data model (a name it does not define fails at import)
_IDX = cols.names(cols.TELESCOPE_INDEX)
_TRIG = cols.names(cols.trigger_columns(1))
_IMG = cols.names(cols.image_columns(1))
_TRUE = cols.names(cols.true_image_columns(1))
_POINT = cols.names(cols.POINTING)
_SHOWER = cols.names(cols.SHOWER)
#: frame-independent Hillas values that ctapipe's camera-frame files store only with the
#: camera_frame_ prefix
_FRAME_FREE = {f"camera_frame_hillas_{k}": f"hillas_{k}"
               for k in ("intensity", "skewness", "kurtosis")}

_HDF5_MAGIC = b"\x89HDF\r\n\x1a\n"


def _open(path):
    import h5py

    return h5py.File(path, "r")


def _read(h5, path, file_path):
    try:
        return read_table(h5, path)
    except FilterMissingError as exc:
        raise InputFileError(file_path, f"{exc} (pip install hdf5plugin)") from None
    except OSError as exc:
        raise CorruptFileError(file_path, f"cannot read {path}: {exc}") from None


def _read_columns(h5, path, file_path) -> np.ndarray:
    """A table with ctapipe's fixed-point columns (scaled integer images and peak times)
    turned back into floats."""
    table = _read(h5, path, file_path)
    attrs = column_attrs(h5[path])
    scaled = [n for n in table.dtype.names if "TRANSFORM_SCALE" in attrs.get(n, {})]
    if not scaled:
        return table
    out = {n: (undo_fixed_point(table[n], attrs[n]) if n in scaled else table[n])
           for n in table.dtype.names}
    descr = [(n, out[n].dtype, out[n].shape[1:]) for n in table.dtype.names]
    result = np.empty(len(table), dtype=descr)
    for n in table.dtype.names:
        result[n] = out[n]
    return result


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
                if paths.LAYOUT not in h5:
                    return f"HDF5 file without {paths.LAYOUT}"
        except OSError as exc:
            return f"cannot read ({exc})"
        return None

    # ---------------------------------------------------------------- instrument
    def _read_subarray(self) -> SubarrayDescription:
        from ..datamodel.instrument import read_subarray

        try:
            sub = read_subarray(self._h5)
        except FilterMissingError as exc:
            raise InputFileError(self.path, f"{exc} (pip install hdf5plugin)") from None
        except (OSError, KeyError, ValueError, IndexError) as exc:
            raise CorruptFileError(self.path, f"unusable instrument tables: {exc}") from None
        self._file_tel_ids = [int(t) for t in sub.tel_ids]  # tels_with_trigger's order
        return self.select_tels(sub)

    @property
    def subarray(self) -> SubarrayDescription:
        return self._subarray

    def _read_record(self, reader, what: str):
        """``reader(h5)`` of a simulation record; a missing compression filter or a read
        error becomes the typed error naming the file and ``what``."""
        try:
            return reader(self._h5)
        except FilterMissingError as exc:
            raise InputFileError(self.path, f"{exc} (pip install hdf5plugin)") from None
        except OSError as exc:
            raise CorruptFileError(self.path, f"cannot read the {what}: {exc}") from None

    @cached_property
    def _simulation(self) -> SimulationConfig | None:
        from ..datamodel.records import read_run_config

        return self._read_record(read_run_config, "run table")

    @property
    def simulation_config(self):
        return self._simulation

    @cached_property
    def _shower_distribution(self) -> ShowerDistribution | None:
        from ..datamodel.records import read_shower_distribution

        return self._read_record(read_shower_distribution, "shower distribution")

    @property
    def shower_distribution(self) -> ShowerDistribution | None:
        return self._shower_distribution

    @cached_property
    def atmosphere_profile(self):
        from ..datamodel.records import read_atmosphere_profile

        return self._read_record(read_atmosphere_profile, "atmosphere profile")

    @property
    def obs_id(self) -> int:
        t = self._tables["trigger"]
        return int(t[_IDX.obs_id][0]) if len(t) else 0

    @property
    def data_level(self) -> DataLevel:
        return DataLevel.DL1_IMAGES if self._tables["images"] else DataLevel.DL1_PARAMETERS

    @property
    def data_kind(self) -> str:
        if self.data_level is DataLevel.DL1_IMAGES:
            return "DL1 images"
        return "DL1 parameters (no images)"

    # ---------------------------------------------------------------- tables
    @cached_property
    def _tables(self) -> dict:
        h5 = self._h5
        if paths.DL1_TRIGGER not in h5:
            raise InputFileError(self.path, f"no {paths.DL1_TRIGGER} table")
        trigger = _read(h5, paths.DL1_TRIGGER, self.path)
        time_format = column_attrs(h5[paths.DL1_TRIGGER]).get(_TRIG.time, {}).get("TIME_FORMAT",
                                                                              "mjd")
        out = {"trigger": trigger, "time_tai": tai_seconds(trigger[_TRIG.time], time_format)}
        for key, group in (("images", paths.DL1_IMAGES_GROUP),
                           ("params", paths.DL1_PARAMETERS_GROUP),
                           ("true_images", paths.SIMULATION_IMAGES_GROUP),
                           ("true_params", paths.SIMULATION_PARAMETERS_GROUP)):
            out[key] = {}
            if group in h5:
                for name in h5[group]:
                    tel_id = paths.tel_id_of(name)
                    if tel_id in self._subarray.tels:
                        out[key][tel_id] = _read_columns(h5, f"{group}/{name}", self.path)
        out["shower"] = (_read(h5, paths.SIMULATION_SHOWER, self.path)
                         if paths.SIMULATION_SHOWER in h5 else None)
        out["pointing"] = {}
        if paths.FIXED_POINTING_GROUP in h5:
            for name in h5[paths.FIXED_POINTING_GROUP]:
                p = _read(h5, f"{paths.FIXED_POINTING_GROUP}/{name}", self.path)[0]
                out["pointing"][int(p[_POINT.tel_id])] = (
                    math.degrees(p[_POINT.telescope_pointing_altitude]),
                    math.degrees(p[_POINT.telescope_pointing_azimuth]),
                )
        out["geometry"] = None
        if paths.DL2_GEOMETRY_GROUP in h5 and len(h5[paths.DL2_GEOMETRY_GROUP]):
            names = sorted(h5[paths.DL2_GEOMETRY_GROUP])
            algo = paths.GEOMETRY_ALGORITHM if paths.GEOMETRY_ALGORITHM in names else names[0]
            out["geometry"] = (algo, _read(h5, paths.DL2_GEOMETRY.format(algo), self.path))
        out["impact"] = {}
        if out["geometry"] is not None:
            group = paths.DL2_TEL_IMPACT.format(out["geometry"][0], 0).rpartition("/")[0]
            if group in h5:
                for name in h5[group]:
                    tel_id = paths.tel_id_of(name)
                    if tel_id in self._subarray.tels:
                        out["impact"][tel_id] = _read(h5, f"{group}/{name}", self.path)
        return out

    def _rows(self, table, key) -> dict:
        return {(int(o), int(e)): i for i, (o, e) in enumerate(zip(table[_IDX.obs_id],
                                                                      table[_IDX.event_id]))}

    @cached_property
    def _index(self) -> dict:
        t = self._tables
        return {
            "images": {k: self._rows(v, k) for k, v in t["images"].items()},
            "params": {k: self._rows(v, k) for k, v in t["params"].items()},
            "true": {k: self._rows(v, k) for k, v in t["true_images"].items()},
            "true_params": {k: self._rows(v, k) for k, v in t["true_params"].items()},
            "impact": {k: self._rows(v, k) for k, v in t["impact"].items()},
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
        key = (int(trig[_IDX.obs_id]), int(trig[_IDX.event_id]))
        all_ids = list(t["images"] or t["params"])
        present = [tid for tid in all_ids if key in (idx["images"].get(tid) or
                                                      idx["params"].get(tid) or {})]
        tels = {}
        true_sums: dict[int, int] = {}
        for tel_id in sorted(present):
            n = self._subarray.tels[tel_id].camera.geometry.n_pixels
            row = idx["images"].get(tel_id, {}).get(key)
            if row is not None:
                image = t["images"][tel_id][_IMG.image][row].astype(np.float32)
                peak = t["images"][tel_id][_IMG.peak_time][row].astype(np.float32)
            else:
                image = np.zeros(n, np.float32)
                peak = None
            true_row = idx["true"].get(tel_id, {}).get(key)
            true_image = None
            if true_row is not None:
                table = t["true_images"][tel_id]
                if _TRUE.true_image in table.dtype.names:
                    true_image = table[_TRUE.true_image][true_row]
                    if true_image.size and true_image[0] < 0:  # ctapipe's "missing" (-1)
                        true_image = None
                if _TRUE.true_image_sum in table.dtype.names:
                    true_sums[tel_id] = int(table[_TRUE.true_image_sum][true_row])
            tels[tel_id] = TelescopeData(
                tel_id=tel_id, waveform=None, sums=image[np.newaxis, :], n_sum_samples=1,
                pedestal_per_sample=np.zeros((1, n)), dc_to_pe=np.ones((1, n)),
                true_image=true_image, peak_time_ns=peak,
            )
        mask = np.asarray(trig[_TRIG.tels_with_trigger], dtype=bool)
        file_ids = self._file_tel_ids  # the mask is over the file's whole subarray
        triggered = (np.array([t for t, m in zip(file_ids, mask[: len(file_ids)]) if m
                               and t in self._subarray.tels], dtype=np.int64)
                     if mask.ndim else np.array([]))
        unix = unix_from_tai(float(t["time_tai"][i]))
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
            S = _SHOWER
            grammage = (float(s[S.true_starting_grammage])
                        if S.true_starting_grammage in s.dtype.names else math.nan)
            sim = SimulatedShower(
                float(s[S.true_energy]), float(s[S.true_alt]), float(s[S.true_az]),
                float(s[S.true_core_x]), float(s[S.true_core_y]), float(s[S.true_h_first_int]),
                float(s[S.true_x_max]), int(s[S.true_shower_primary_id]),
                starting_grammage=grammage, true_image_sum=true_sums,
            )
        kind = (cols.event_type_name(trig[_TRIG.event_type])
                if _TRIG.event_type in trig.dtype.names else "subarray")
        return ArrayEvent(i, key[0], key[1], kind, trigger, pointing, tels, sim)

    def result(self, i: int) -> EventResult:
        """The stored DL1 parameters and DL2 geometry of event ``i`` (no re-processing)."""
        event = self[i]
        t, idx = self._tables, self._index
        key = (event.obs_id, event.event_id)
        tels = {}
        core_psi: dict[int, float] = {}
        for tel_id, data in event.tel.items():
            prow = idx["params"].get(tel_id, {}).get(key)
            params = {}
            if prow is not None:
                row = t["params"][tel_id][prow]
                names = row.dtype.names
                params = {n: row[n].item() for n in _PARAMETER_NAMES if n in names}
                for camera_name, name in _FRAME_FREE.items():
                    if name not in params and camera_name in names:
                        params[name] = row[camera_name].item()
            irow = idx["images"].get(tel_id, {}).get(key)
            mask = (t["images"][tel_id][_IMG.image_mask][irow].astype(bool) if irow is not None
                    else np.zeros(data.n_pixels, bool))
            peak = data.peak_time_ns if data.peak_time_ns is not None else np.full(
                data.n_pixels, np.nan, np.float32)
            if "core_psi" in params:
                core_psi[tel_id] = params.pop("core_psi")
            trow = idx["true_params"].get(tel_id, {}).get(key)
            true_params = None
            if trow is not None:
                row = t["true_params"][tel_id][trow]
                prefix = cols.TRUE_PREFIX
                true_params = {n[len(prefix):]: row[n].item() for n in row.dtype.names
                               if n.startswith(prefix)}
            tels[tel_id] = TelescopeResult(tel_id, data.sums[0], peak, mask, params,
                                           passes_quality=bool(params),
                                           true_parameters=true_params)
        geometry = StereoResult()
        grow = idx["geometry"].get(key)
        if grow is not None:
            algo, table = t["geometry"]
            row = table[grow]
            fields = [f for f in StereoResult.__dataclass_fields__ if f != "tel_ids"]
            values = {f: row[f"{algo}_{f}"].item() for f in fields
                      if f"{algo}_{f}" in row.dtype.names}
            telescopes = cols.algorithm_column(algo, "telescopes")
            used = row[telescopes] if telescopes in row.dtype.names else []
            ids = tuple(int(x) for x, m in zip(self._file_tel_ids, used)
                        if m and int(x) in self._subarray.tels)
            geometry = StereoResult(**values, tel_ids=ids)
        impact = {}
        column = (cols.algorithm_column(t["geometry"][0], "tel_impact_distance")
                  if t["geometry"] else "")
        for tel_id in tels:
            irow = idx["impact"].get(tel_id, {}).get(key)
            table = t["impact"].get(tel_id)
            if irow is not None and column in table.dtype.names:
                value = float(table[column][irow])
                if math.isfinite(value):
                    impact[tel_id] = value
        extra = {}
        if "core_psi" in EventResult.__dataclass_fields__:
            extra["core_psi"] = core_psi
        return EventResult(i, event.obs_id, event.event_id, tels, geometry, impact=impact,
                           **extra)

    def close(self) -> None:
        try:
            self._h5.close()
        except Exception:
            pass
