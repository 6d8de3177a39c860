"""An offset index of a sim_telarray file, for random access that scales.

Compressed streams (.gz, .zst) cannot seek backwards, so the file is decompressed once,
streaming, into a temporary file; a header-only scan of its top-level EventIO objects then
records where each triggered event starts (its MCEvent) and where its shower (MCShower)
starts. Small objects are parsed on the way so the event list knows each event's id,
telescopes with data and true energy without reading any waveform. Memory is a few numbers
per event; nothing of an event's data is kept.
"""

from __future__ import annotations

import gzip
import os
import shutil
import tempfile
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field, replace

import numpy as np

from ..errors import CorruptFileError, TruncatedFileWarning

KIND_SHOWER = 0  # MCEvent + ArrayEvent
KIND_CALIB_ARRAY = 1  # ArrayEvent without a simulated shower
KIND_CALIB_OBJECT = 2  # CalibrationEvent object

_T_MC_SHOWER = 2020
_T_MC_EVENT = 2021
_T_ARRAY_EVENT = 2010
_T_CALIBRATION_EVENT = 2028
_T_CAMERA_MONITORING = 2022
_T_LASER_CALIBRATION = 2023
_T_TRIGGER_INFORMATION = 2009

_CHUNK = 4 * 1024 * 1024

#: what the event conversion uses of the monitoring objects (the rest, ~40 arrays per
#: telescope, is not kept: it would make the index of a large array weigh megabytes)
MONITORING_KEYS = ("pedestal", "n_ped_slices")
LASER_KEYS = ("calib", "tm_calib")

Progress = Callable[[float], None]


@dataclass
class SimTelIndex:
    """Where each event of a file starts, and what is cheap to know about it."""

    path: str
    raw_path: str
    event_offset: np.ndarray
    shower_offset: np.ndarray
    kind: np.ndarray
    event_id: np.ndarray
    true_energy: np.ndarray
    tels_with_data: list
    camera_monitoring: dict = field(default_factory=dict)
    laser_calibration: dict = field(default_factory=dict)
    truncated: bool = False
    error: CorruptFileError | None = None
    temporary_dir: str | None = None

    def __len__(self) -> int:
        return len(self.event_offset)

    def select(self, keep: np.ndarray) -> SimTelIndex:
        """The same index restricted to the events where ``keep`` is True."""
        rows = np.flatnonzero(keep)
        return replace(
            self,
            event_offset=self.event_offset[rows],
            shower_offset=self.shower_offset[rows],
            kind=self.kind[rows],
            event_id=self.event_id[rows],
            true_energy=self.true_energy[rows],
            tels_with_data=[self.tels_with_data[i] for i in rows],
        )

    def cleanup(self) -> None:
        if self.temporary_dir and os.path.isdir(self.temporary_dir):
            shutil.rmtree(self.temporary_dir, ignore_errors=True)
        self.temporary_dir = None


def compression_of(path: str) -> str | None:
    with open(path, "rb") as f:
        magic = f.read(4)
    if magic[:2] == b"\x1f\x8b":
        return "gzip"
    if magic == b"\x28\xb5\x2f\xfd":
        return "zstd"
    return None


def decompress_to_temp(
    path: str, progress: Progress | None = None, tmpdir: str | None = None
) -> tuple[str, str, bool]:
    """Stream-decompress ``path`` into ``tmpdir`` (default: a new temporary folder).

    Returns (raw file path, temporary folder, stream_was_truncated). The folder is removed
    if decompression fails.
    """
    kind = compression_of(path)
    if tmpdir is None:
        tmpdir = tempfile.mkdtemp(prefix="ctaviewer-")
    raw = os.path.join(tmpdir, os.path.basename(path) + ".raw")
    total = max(os.path.getsize(path), 1)
    truncated = False
    try:
        with open(path, "rb") as src, open(raw, "wb") as dst:
            if kind == "gzip":
                stream = gzip.GzipFile(fileobj=src)
                stream_errors: tuple[type[Exception], ...] = (EOFError, OSError)
            else:
                import zstandard

                stream = zstandard.ZstdDecompressor().stream_reader(src, read_size=_CHUNK)
                stream_errors = (EOFError, OSError, zstandard.ZstdError)
            while True:
                try:
                    chunk = stream.read(_CHUNK)
                except stream_errors:  # the compressed stream ends early: keep what came
                    truncated = True
                    break
                if not chunk:
                    break
                dst.write(chunk)
                if progress is not None:
                    progress(0.5 * min(src.tell() / total, 1.0))
    except BaseException:
        shutil.rmtree(tmpdir, ignore_errors=True)
        raise
    return raw, tmpdir, truncated


def build_index(
    path: str,
    progress: Progress | None = None,
    should_stop: Callable[[], bool] | None = None,
    tmpdir: str | None = None,
) -> SimTelIndex:
    """Index every event of ``path`` (see module docstring).

    A compressed file is decompressed into ``tmpdir`` (default: a new temporary folder),
    which the index owns (``cleanup()``).
    """
    from eventio import EventIOFile

    path = os.fspath(path)
    stream_truncated = False
    if compression_of(path) is None:
        raw = path
        tmpdir = None
    else:
        raw, tmpdir, stream_truncated = decompress_to_temp(path, progress, tmpdir)

    size = os.path.getsize(raw)
    offsets, showers, kinds, ids, energies, tels = [], [], [], [], [], []
    cam_mon: dict = {}
    laser: dict = {}
    truncated = stream_truncated
    error = None

    shower_off = -1
    shower_energy = np.nan
    pending_event = -1  # offset of the MCEvent waiting for its ArrayEvent
    last_report = 0
    try:
        f = EventIOFile(raw)
    except Exception:
        if tmpdir:
            shutil.rmtree(tmpdir, ignore_errors=True)
        raise
    try:
        while True:
            if should_stop is not None and should_stop():
                break
            try:
                obj = next(f)
            except StopIteration:
                break
            except EOFError:
                truncated = True
                break
            except (ValueError, NotImplementedError, OSError) as exc:
                pos = int(getattr(f, "_next_header_pos", -1))
                error = CorruptFileError(path, str(exc), offset=pos, n_good_events=len(offsets))
                break
            h = obj.header
            start = h.content_address - h.header_size
            if start + h.total_size > size:
                truncated = True
                break
            t = h.type
            try:
                if t == _T_MC_SHOWER:
                    shower_off = start
                    shower_energy = float(obj.parse()["energy"])
                elif t == _T_MC_EVENT:
                    pending_event = start
                elif t == _T_ARRAY_EVENT:
                    with_data = _tels_with_data(obj)
                    if pending_event >= 0 and shower_off >= 0:
                        offsets.append(pending_event)
                        showers.append(shower_off)
                        kinds.append(KIND_SHOWER)
                        energies.append(shower_energy)
                    else:
                        offsets.append(start)
                        showers.append(-1)
                        kinds.append(KIND_CALIB_ARRAY)
                        energies.append(np.nan)
                    ids.append(h.id)
                    tels.append(with_data)
                    pending_event = -1
                elif t == _T_CALIBRATION_EVENT:
                    inner = next(iter(obj))
                    offsets.append(start)
                    showers.append(-1)
                    kinds.append(KIND_CALIB_OBJECT)
                    energies.append(np.nan)
                    ids.append(-inner.header.id)
                    tels.append(_tels_with_data(inner))
                elif t == _T_CAMERA_MONITORING:
                    cam_mon.setdefault(obj.telescope_id, {}).update(
                        _pick(obj.parse(), MONITORING_KEYS))
                elif t == _T_LASER_CALIBRATION:
                    laser.setdefault(obj.telescope_id, {}).update(_pick(obj.parse(), LASER_KEYS))
            except EOFError:
                truncated = True
                break
            except Exception as exc:  # damaged payload of a small object
                error = CorruptFileError(
                    path, f"{type(exc).__name__}: {exc}", offset=start, n_good_events=len(offsets)
                )
                break
            if progress is not None and start - last_report > _CHUNK:
                last_report = start
                progress(0.5 + 0.5 * start / size if tmpdir else start / size)
    finally:
        f.close()

    if truncated:
        warnings.warn(
            TruncatedFileWarning(
                f"{path}: file is truncated; the {len(offsets)} complete events are available"
            ),
            stacklevel=3,
        )
    if progress is not None:
        progress(1.0)
    return SimTelIndex(
        path=path,
        raw_path=raw,
        event_offset=np.asarray(offsets, dtype=np.int64),
        shower_offset=np.asarray(showers, dtype=np.int64),
        kind=np.asarray(kinds, dtype=np.int8),
        event_id=np.asarray(ids, dtype=np.int64),
        true_energy=np.asarray(energies, dtype=np.float64),
        tels_with_data=tels,
        camera_monitoring=cam_mon,
        laser_calibration=laser,
        truncated=truncated,
        error=error,
        temporary_dir=tmpdir,
    )


def _pick(parsed: dict, keys) -> dict:
    return {k: parsed[k] for k in keys if k in parsed}


def _tels_with_data(array_event) -> np.ndarray:
    """Telescopes with data, from an ArrayEvent's first sub-object (TriggerInformation)."""
    for sub in array_event:
        if sub.header.type == _T_TRIGGER_INFORMATION:
            info = sub.parse()
            return np.asarray(info.get("telescopes_with_data", []), dtype=np.int16)
        break
    return np.zeros(0, dtype=np.int16)
