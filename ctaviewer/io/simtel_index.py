"""An offset index of a sim_telarray file, for random access that scales.

Compressed streams (.gz, .zst) cannot seek backwards, so the file is decompressed once,
streaming, into a temporary file; a header-only scan of its top-level EventIO objects then
records where each event starts and where its shower (MCShower) starts. Small objects are
parsed on the way so the event list knows each event's id, telescopes with data, true energy
and primary without reading any waveform. Memory is a few numbers per event; nothing of an
event's data is kept.

The scan follows the rules by which eventio's ``SimTelFile`` (what plain iteration uses) turns
objects into events, so that the index and iteration agree on what a file holds, also on
damaged, truncated, reordered or concatenated files:

- an event is delivered when the object that starts the next one (MCEvent, CalibrationEvent,
  an ArrayEvent before any shower, the run's Histograms) or the end of the file is reached;
  a showered event without telescope data (not triggered) is not delivered;
- an ArrayEvent completes the pending event (a second one replaces the first's data);
- its id is the TriggerInformation's id, or the ArrayEvent's when that is 0;
- events completed before the last telescope description of the run header are dropped;
- the run's Histograms object ends the file: what follows is reported, not read;
- a truncated object ends the file (the pending event is delivered, as eventio does); damage
  (an unreadable object header, a small object that does not parse, an array event eventio
  would reject) ends it too, and the pending event is lost, as in iteration.

Temporary copies live in folders named after the process that made them (pid and host);
a later process removes those of processes that no longer run (``sweep_stale_temp_dirs``).
"""

from __future__ import annotations

import functools
import io
import math
import os
import shutil
import struct
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace

import numpy as np

from ..errors import (
    Cancelled,
    CorruptFileError,
    DamagedFileWarning,
    TemporaryStorageError,
    TrailingDataWarning,
    TruncatedFileWarning,
    reader_error,
)
from ..stale_files import TEMP_PREFIX, host_tag, sweep_stale_temp_dirs
from .decompress_child import STREAM_DAMAGE
from .decompression import PlainFile, compression_of, open_copy

KIND_SHOWER = 0  # MCEvent + ArrayEvent
KIND_CALIB_ARRAY = 1  # ArrayEvent without a simulated shower
KIND_CALIB_OBJECT = 2  # CalibrationEvent object

_T_HISTOGRAMS = 100
_T_RUN_HEADER = 2000
_T_MC_SHOWER = 2020
_T_MC_EVENT = 2021
_T_ARRAY_EVENT = 2010
_T_CALIBRATION_EVENT = 2028
_T_CAMERA_MONITORING = 2022
_T_LASER_CALIBRATION = 2023
_T_TRIGGER_INFORMATION = 2009
#: objects eventio adds to the pending event (true p.e. images, their sums)
_T_NEED_EVENT = frozenset((1204, 2026))
#: the telescope descriptions eventio waits for before it delivers events
_T_DESCRIPTIONS = frozenset((2002, 2003, 2004, 2005, 2006, 2007, 2008))

_CHUNK = 4 * 1024 * 1024  # progress granularity of the scan (bytes)

#: what the event conversion uses of the monitoring objects (the rest, ~40 arrays per
#: telescope, is not kept: it would make the index of a large array weigh megabytes)
MONITORING_KEYS = ("pedestal", "n_ped_slices", "noise")
LASER_KEYS = ("calib", "tm_calib", "flat_fielding")


#: the most bytes of a top-level object header (sync marker, header, length extension)
_HEADER_MAX = 20
#: how often the scan hands new events to its ``on_rows`` callback (seconds): what someone
#: waiting for an event the scan has not reached yet waits beyond it, at most
ROWS_EVERY_S = 0.05

Progress = Callable[[float], None]
Rows = Callable[["SimTelIndex"], None]


class EventIds:
    """Event ids as ctapipe gives them: the file's id, and for events without one (id 0,
    e.g. calibration events) -1, -2, ... in the order they come."""

    def __init__(self):
        self._pseudo = 0

    def __call__(self, event_id: int) -> int:
        if int(event_id) != 0:
            return int(event_id)
        self._pseudo -= 1
        return self._pseudo


@dataclass
class SimTelIndex:
    """Where each event of a file starts, and what is cheap to know about it.

    ``truncated``: the file (or its compressed stream) ends inside an object;
    ``error``: the file is damaged at ``error.offset``; nothing after it is indexed;
    ``run_end``/``trailing_bytes``: the run ends (Histograms) before the file does.
    """

    path: str
    raw_path: str
    event_offset: np.ndarray
    shower_offset: np.ndarray
    kind: np.ndarray
    event_id: np.ndarray
    true_energy: np.ndarray
    tels_with_data: list
    primary_id: np.ndarray | None = None
    #: sim_telarray's calibration type of each calibration event (0 dark pedestal, 1 sky
    #: pedestal, 2 single p.e., 3 flat field; -1 other or not a calibration event)
    calibration_type: np.ndarray | None = None
    camera_monitoring: dict = field(default_factory=dict)
    laser_calibration: dict = field(default_factory=dict)
    #: how many monitoring objects (camera monitoring, laser calibration) the dictionaries
    #: hold so far: batches of a scan with the same count hold the same monitoring data
    monitoring_count: int = 0
    truncated: bool = False
    error: CorruptFileError | None = None
    run_end: int | None = None
    trailing_bytes: int = 0
    #: primary particle ids (CORSIKA) of all the file's showers, triggered or not, sorted
    shower_primaries: tuple = ()
    temporary_dir: str | None = None
    #: False while the scan goes on (the events found so far; ``extend`` adds the next)
    complete: bool = True

    def __post_init__(self):
        if self.primary_id is None:
            self.primary_id = np.full(len(self.event_offset), -1, dtype=np.int32)
        if self.calibration_type is None:
            self.calibration_type = np.full(len(self.event_offset), -1, dtype=np.int8)

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
            primary_id=self.primary_id[rows],
            calibration_type=self.calibration_type[rows],
            tels_with_data=[self.tels_with_data[i] for i in rows],
        )

    def extend(self, chunk: SimTelIndex) -> SimTelIndex:
        """This index with the events of ``chunk`` (the scan's next ones) appended, and the
        monitoring data found meanwhile (``chunk``'s, when it carries any)."""
        return replace(
            self,
            event_offset=np.concatenate([self.event_offset, chunk.event_offset]),
            shower_offset=np.concatenate([self.shower_offset, chunk.shower_offset]),
            kind=np.concatenate([self.kind, chunk.kind]),
            event_id=np.concatenate([self.event_id, chunk.event_id]),
            true_energy=np.concatenate([self.true_energy, chunk.true_energy]),
            primary_id=np.concatenate([self.primary_id, chunk.primary_id]),
            calibration_type=np.concatenate([self.calibration_type, chunk.calibration_type]),
            tels_with_data=self.tels_with_data + list(chunk.tels_with_data),
            camera_monitoring=chunk.camera_monitoring or self.camera_monitoring,
            laser_calibration=chunk.laser_calibration or self.laser_calibration,
            monitoring_count=max(chunk.monitoring_count, self.monitoring_count),
        )

    def problems(self) -> list[Warning]:
        """The warnings this index calls for (truncation, damage, data after the run), each
        naming the file and saying how many events are available."""
        return index_warnings(self.path, len(self), self.truncated, self.error,
                              self.run_end, self.trailing_bytes)

    def cleanup(self) -> None:
        if self.temporary_dir and os.path.isdir(self.temporary_dir):
            shutil.rmtree(self.temporary_dir, ignore_errors=True)
        self.temporary_dir = None


# ---------------------------------------------------------------------- warnings
def truncation_warning(path: str, n_events: int) -> TruncatedFileWarning:
    """The warning for a file that ends inside an object (the same on every path)."""
    return TruncatedFileWarning(
        f"{path}: file is truncated; {n_events} complete events, the incomplete last "
        "object is ignored"
    )


def trailing_warning(path: str, run_end: int, n_events: int) -> TrailingDataWarning:
    return TrailingDataWarning(
        f"{path}: the run ends at byte {run_end} of the file's data but the file goes on "
        f"(another run or file appended?); only the {n_events} events of the first run "
        "are read"
    )


def damage_warning(path: str, error: CorruptFileError, n_events: int) -> DamagedFileWarning:
    where = f" at byte {error.offset}" if error.offset is not None else ""
    reason = getattr(error, "reason", error.cause)
    if str(reason).startswith(STREAM_DAMAGE):
        # found by the decompressor, maybe well after the damage (a checksum is checked at
        # the end of its frame or member; deflate may decode garbage for a while first)
        return DamagedFileWarning(
            f"{path}: {reason}; found at byte {error.offset} of the data: the {n_events} "
            "complete events before it are available, but the damage may have changed any "
            "of them; nothing after it can be read"
        )
    return DamagedFileWarning(
        f"{path}: damaged{where} ({reason}); the {n_events} "
        "complete events before it are available, nothing after it can be read"
    )


def index_warnings(path, n_events, truncated, error, run_end, trailing_bytes) -> list[Warning]:
    out: list[Warning] = []
    if error is not None:
        out.append(damage_warning(path, error, n_events))
    if truncated:
        out.append(truncation_warning(path, n_events))
    if run_end is not None and trailing_bytes > 0:
        out.append(trailing_warning(path, run_end, n_events))
    return out


# ---------------------------------------------------------------------- temporary copies
_SWEPT = False


def make_temp_dir(path) -> str:
    """A new folder for the decompressed copy of ``path`` (the first call of a process also
    sweeps the copies of dead processes). A folder that cannot be made is a typed error."""
    global _SWEPT
    if not _SWEPT:
        _SWEPT = True
        sweep_stale_temp_dirs()
    try:
        return tempfile.mkdtemp(prefix=f"{TEMP_PREFIX}{os.getpid()}-{host_tag()}-")
    except OSError as exc:
        raise TemporaryStorageError(
            path,
            f"cannot create a folder for its decompressed copy in {tempfile.gettempdir()} "
            f"({exc.strerror or exc}); set TMPDIR to a writable folder with room",
        ) from None


# ---------------------------------------------------------------------- the scan
class _Pending:
    """The event eventio is assembling (delivered when the next one starts)."""

    __slots__ = ("kind", "offset", "shower", "event_id", "energy", "primary", "tels",
                 "calib_type")

    def __init__(self, kind, offset, shower=-1, energy=np.nan, primary=-1):
        self.kind, self.offset, self.shower = kind, offset, shower
        self.energy, self.primary = energy, primary
        self.event_id = 0
        self.calib_type = -1
        self.tels = None  # telescopes with data, once its ArrayEvent is read


class _Damage(Exception):
    """The scan found an object that iteration cannot read."""


def build_index(
    path: str,
    progress: Progress | None = None,
    should_stop: Callable[[], bool] | None = None,
    tmpdir: str | None = None,
    on_rows: Rows | None = None,
    copy=None,
) -> SimTelIndex:
    """Index every event of ``path`` (see module docstring).

    ``copy``: the decompressed copy of compressed ``path`` in ``tmpdir``, already started
    (``decompression.open_copy``): decompression can begin before the run headers are
    parsed. It is closed here.

    A compressed file is decompressed into ``tmpdir`` (default: a new temporary folder),
    which the index owns (``cleanup()``); the folder is removed when indexing fails or is
    cancelled (``should_stop()`` turning True raises ``errors.Cancelled``). Problems found are in
    the index (``truncated``, ``error``, ``trailing_bytes``; ``problems()`` words them).

    Decompression and the scan go together, so the first events are known at once:
    ``on_rows(chunk)`` (if given) receives the events as the scan finds them, in batches
    (the first as soon as there is one, then every ``ROWS_EVERY_S``): each ``chunk`` is an
    index of the new events only (``complete`` False, its monitoring dicts those found so
    far), in order; every event is in exactly one chunk before this returns.
    """
    from eventio import EventIOFile

    path = os.fspath(path)
    if copy is not None:  # started by the caller, in tmpdir
        copy.should_stop = should_stop
        data = copy
    elif compression_of(path) is None:
        data, tmpdir = PlainFile(path), None
    else:
        if tmpdir is None:
            tmpdir = make_temp_dir(path)
        try:
            data = open_copy(path, tmpdir, should_stop)
        except BaseException:
            shutil.rmtree(tmpdir, ignore_errors=True)
            raise
    raw = data.raw
    try:
        try:
            if data.ensure(_HEADER_MAX) == 0:
                cause = data.damage or "the compressed stream holds no data"
                raise CorruptFileError(path, cause)
            try:
                f = EventIOFile(raw)
            except Exception as exc:
                raise reader_error(path, exc, offset=0) from None
            try:
                index = _scan(f, path, data, progress, should_stop, on_rows)
            finally:
                f.close()
            data.ensure(math.inf)  # what the stream says of its end (truncated, damaged)
        finally:
            data.close()
    except BaseException:
        if tmpdir:
            shutil.rmtree(tmpdir, ignore_errors=True)
        raise
    index.temporary_dir = tmpdir
    if data.damage is not None and index.error is None:
        index.error = CorruptFileError(path, data.damage, offset=data.written,
                                       n_good_events=len(index))
        index.truncated = False
    elif data.truncated:
        index.truncated = True
    if progress is not None:
        progress(1.0)
    return index


class _Found:
    """The events the scan has delivered, column by column."""

    def __init__(self):
        self.offsets, self.showers, self.kinds, self.ids = [], [], [], []
        self.energies, self.primaries, self.tels = [], [], []
        self.calib_types = []

    def __len__(self) -> int:
        return len(self.offsets)

    def index(self, path, raw, start: int = 0, **kwargs) -> SimTelIndex:
        """The events from ``start`` on, as an index."""
        return SimTelIndex(
            path=path,
            raw_path=raw,
            event_offset=np.asarray(self.offsets[start:], dtype=np.int64),
            shower_offset=np.asarray(self.showers[start:], dtype=np.int64),
            kind=np.asarray(self.kinds[start:], dtype=np.int8),
            event_id=np.asarray(self.ids[start:], dtype=np.int64),
            true_energy=np.asarray(self.energies[start:], dtype=np.float64),
            primary_id=np.asarray(self.primaries[start:], dtype=np.int32),
            calibration_type=np.asarray(self.calib_types[start:], dtype=np.int8),
            tels_with_data=self.tels[start:],
            **kwargs,
        )


def _scan(f, path, data, progress, should_stop, on_rows) -> SimTelIndex:
    from eventio.simtel.objects import TelescopeEvent, TrackingPosition

    raw = data.raw
    found = _Found()
    emitted = 0  # events handed to on_rows
    last_emit = 0.0
    cam_mon: dict = {}
    laser: dict = {}
    n_monitoring = 0  # objects read into cam_mon and laser
    truncated = False
    error = None
    run_end = None
    trailing = 0

    # eventio's state
    n_telescopes = None
    descriptions: dict[int, set] = {}
    described = 0  # telescopes with all their descriptions
    headers_done = False
    have_shower = False
    shower_off, shower_energy, shower_primary = -1, np.nan, -1
    pending: _Pending | None = None
    primaries_seen: set[int] = set()
    event_ids = EventIds()

    def deliver() -> None:
        nonlocal pending
        p, pending = pending, None
        if p is None or not headers_done:
            return
        if p.kind == KIND_SHOWER and not (p.tels is not None and len(p.tels)):
            return  # not triggered: eventio skips it
        found.offsets.append(p.offset)
        found.showers.append(p.shower)
        found.kinds.append(p.kind)
        # the ids iteration gives (eventio: calibration objects negative; ctapipe: -1, -2, ...
        # for events without an id)
        found.ids.append(event_ids(-p.event_id if p.kind == KIND_CALIB_OBJECT else p.event_id))
        found.energies.append(p.energy)
        found.primaries.append(p.primary)
        found.calib_types.append(p.calib_type)
        found.tels.append(p.tels if p.tels is not None else np.zeros(0, dtype=np.int16))

    def emit() -> None:
        """Hand the events delivered since the last call to ``on_rows``."""
        nonlocal emitted, last_emit
        if on_rows is not None and len(found) > emitted:
            chunk = found.index(path, raw, emitted, camera_monitoring=cam_mon,
                                laser_calibration=laser, monitoring_count=n_monitoring,
                                complete=False)
            emitted, last_emit = len(found), time.monotonic()
            on_rows(chunk)

    def deliver_if_complete() -> None:
        """At damage: the pending event is delivered if its array data was read (iteration
        and random access deliver it too), else lost."""
        if pending is not None and pending.tels is not None:
            deliver()

    def read_array_event(obj, event: _Pending) -> None:
        """What eventio's parse_array_event checks and returns, from headers and the small
        TriggerInformation object."""
        trigger = None
        with_data, tracked = [], set()
        for i, sub in enumerate(obj):
            if i == 0:
                if sub.header.type != _T_TRIGGER_INFORMATION:
                    raise _Damage(f"an array event starts with object type {sub.header.type}, "
                                  "not its trigger information")
                trigger = sub
                sub.parse()
                walked = _walk_telescopes(obj)
                if walked is not None:  # else on with eventio (unusual objects: its checks)
                    with_data, tracked = walked
                    break
            elif isinstance(sub, TelescopeEvent):
                with_data.append(sub.telescope_id)
            elif isinstance(sub, TrackingPosition):
                tracked.add(sub.telescope_id)
        if trigger is None:
            raise _Damage("an array event without trigger information")
        missing = set(with_data) - tracked
        if missing:
            raise _Damage(f"telescope events without tracking position: {sorted(missing)}")
        event.event_id = trigger.header.id or obj.header.id
        event.tels = np.unique(np.asarray(with_data, dtype=np.int16))

    last_report = 0
    start = 0
    while True:
        if should_stop is not None and should_stop():
            raise Cancelled(f"opening {path} was cancelled")
        start = int(f._next_header_pos)
        size = data.ensure(start + _HEADER_MAX)  # all of the file once data.done
        try:
            obj = next(f)
        except StopIteration:
            deliver()
            break
        except EOFError:
            truncated = True
            deliver()
            break
        except Exception as exc:
            if start + 16 > size:  # a partial header at the end
                truncated = True
                deliver()
            else:
                deliver_if_complete()
                error = reader_error(path, exc, offset=start, n_good_events=len(found))
            break
        h = obj.header
        size = data.ensure(start + h.total_size)
        if start + h.total_size > size:
            truncated = True
            deliver()
            break
        t = h.type
        try:
            if t == _T_MC_EVENT:
                deliver()
                obj.parse()
                pending = _Pending(KIND_SHOWER, start)
                pending.event_id = h.id
                if have_shower:
                    pending.shower = shower_off
                    pending.energy, pending.primary = shower_energy, shower_primary
            elif t == _T_MC_SHOWER:
                parsed = obj.parse()
                have_shower = True
                shower_off = start
                shower_energy = float(parsed["energy"])
                shower_primary = int(parsed.get("primary_id", -1))
                primaries_seen.add(shower_primary)
            elif t == _T_ARRAY_EVENT:
                if not have_shower:  # eventio: a calibration event
                    deliver()
                    pending = _Pending(KIND_CALIB_ARRAY, start)
                elif pending is None:
                    raise _Damage("an array event without its MC event")
                read_array_event(obj, pending)
            elif t == _T_CALIBRATION_EVENT:
                deliver()
                inner = next(iter(obj))
                if inner.header.type != _T_ARRAY_EVENT:
                    raise _Damage(f"a calibration event holds object type {inner.header.type}")
                pending = _Pending(KIND_CALIB_OBJECT, start)
                pending.calib_type = int(h.id)
                read_array_event(inner, pending)
            elif t in _T_NEED_EVENT and pending is None:
                raise _Damage(f"an object of type {t} before any event (it belongs to one)")
            elif t == _T_CAMERA_MONITORING:
                cam_mon.setdefault(obj.telescope_id, {}).update(
                    _pick(obj.parse(), MONITORING_KEYS))
                n_monitoring += 1
            elif t == _T_LASER_CALIBRATION:
                laser.setdefault(obj.telescope_id, {}).update(_pick(obj.parse(), LASER_KEYS))
                n_monitoring += 1
            elif t == _T_HISTOGRAMS:
                deliver()
                run_end = start + h.total_size
                trailing = data.ensure(math.inf) - run_end
                break
            elif not headers_done:
                if t == _T_RUN_HEADER:
                    n_telescopes = int(obj.parse()["n_telescopes"])
                elif t in _T_DESCRIPTIONS:
                    seen = descriptions.setdefault(h.id, set())
                    if t not in seen:
                        seen.add(t)
                        described += len(seen) == len(_T_DESCRIPTIONS)
            if not headers_done and n_telescopes is not None:
                headers_done = described == n_telescopes
        except EOFError:
            truncated = True
            deliver()
            break
        except _Damage as exc:
            deliver_if_complete()
            error = CorruptFileError(path, str(exc), offset=start, n_good_events=len(found))
            break
        except Exception as exc:  # a damaged small object: iteration fails on it too
            deliver_if_complete()
            error = reader_error(path, exc, offset=start, n_good_events=len(found))
            break
        if progress is not None and start - last_report > _CHUNK:
            last_report = start
            progress(start / size if data.done else data.fraction)
        if len(found) > emitted and (emitted == 0
                                     or time.monotonic() - last_emit >= ROWS_EVERY_S):
            emit()

    emit()
    return found.index(
        path,
        raw,
        camera_monitoring=cam_mon,
        laser_calibration=laser,
        monitoring_count=n_monitoring,
        truncated=truncated,
        error=error,
        run_end=run_end,
        trailing_bytes=trailing,
        shower_primaries=tuple(sorted(primaries_seen)),
    )



def _walk_telescopes(obj) -> tuple[list, set] | None:
    """The telescopes with data and those with a tracking position among the objects of an
    array event after its first, from their headers alone: what iterating them with eventio
    gives, read in windows (``_WINDOW``) that skip the telescope events' data and walked by
    ``_walk_headers``. None (iterate with eventio then) where eventio
    could object to something: a header cut or extended, a tracking position whose id
    disagrees with its type, an object type whose eventio class checks its header."""
    pos = int(obj._next_header_pos)
    remaining = int(obj.size) - pos
    if remaining <= 0:
        return [], set()
    handle = obj._filehandle
    start = obj.address + pos
    if isinstance(handle, io.BufferedReader):
        fd = handle.fileno()
        if os.fstat(fd).st_size < start + remaining:  # what eventio reads is not all there
            return None
        window_size, whole = _WINDOW, None
    else:  # all of it in one read
        handle.seek(start)
        whole = handle.read(remaining)
        if len(whole) != remaining:
            return None
        window_size = remaining
    with_data: list = []
    tracked: set = set()
    p = 0
    while p < remaining:
        want = min(window_size, remaining - p)
        window = whole if whole is not None else os.pread(fd, want, start + p)
        if len(window) != want:
            return None
        walked = _walk_headers(window, remaining - p)
        if walked is None:
            return None
        step, tels = walked
        for tel in tels:
            if tel >= 0:
                with_data.append(tel)
            else:
                tracked.add(-1 - tel)
        p += step
    return with_data, tracked


def _walk_headers(window: bytes, remaining: int) -> tuple[int, list] | None:
    """(bytes walked, telescope ids: id for data, -1 - id for a tracking position) of the
    object headers that lie whole in ``window`` (all when the bytes walked reach
    ``remaining``, the bytes the objects span from the window's start); None where eventio
    could object: a header cut or extended, a tracking position whose id disagrees with
    its type, a type whose eventio class checks its header.

    Plain Python: ~75 headers per event of a 70-telescope array cost ~60 µs, so the scan
    needs no numba (a split file's runner never starts its code generator)."""
    from eventio.simtel.objects import TelescopeEvent, TrackingPosition

    kinds = _header_kinds()
    unpack = _HEADER.unpack_from
    size = len(window)
    found: list[int] = []
    p = 0
    while p < remaining:
        if p + 12 > remaining:
            return None
        if p + 12 > size:
            break
        word, ident, length = unpack(window, p)
        if word & _EXTENDED:
            return None
        t = word & 0xFFFF
        kind = kinds[t]
        if kind == _HEADER_TELESCOPE_EVENT:
            found.append(TelescopeEvent.type_to_telid(t))
        elif kind == _HEADER_TRACKING:
            tel = TrackingPosition.type_to_telid(t)
            if (ident & 0xFF) | ((ident & 0x3F000000) >> 16) != tel:
                return None
            found.append(-1 - tel)
        elif kind == _HEADER_CHECKED:
            return None
        p += 12 + (length & 0x3FFFFFFF)
    return p, found


_WINDOW = 16 * 1024  # header window of ``_walk_telescopes`` (tracking positions are small)
_HEADER = struct.Struct("<IiI")  # type word, id, length word of a sub-object's header
_EXTENDED = 1 << 17  # the type word's flag of an extended (64-bit) length
#: what ``_walk_headers`` makes of an object type
_HEADER_OTHER, _HEADER_TELESCOPE_EVENT, _HEADER_TRACKING, _HEADER_CHECKED = 0, 1, 2, 3


@functools.cache
def _header_kinds() -> bytes:
    """Per object type (16 bits), what ``_walk_headers`` makes of it (``_HEADER_*``), from
    eventio's classes of the types."""
    from eventio.base import KNOWN_OBJECTS, EventIOObject
    from eventio.simtel.objects import TelescopeEvent, TrackingPosition

    table = bytearray(1 << 16)  # _HEADER_OTHER
    for t, cls in KNOWN_OBJECTS.items():
        if not isinstance(t, int) or not 0 <= t < (1 << 16) or cls is None:
            continue
        if cls is TelescopeEvent:
            table[t] = _HEADER_TELESCOPE_EVENT
        elif cls is TrackingPosition:
            table[t] = _HEADER_TRACKING
        elif cls.__init__ is not EventIOObject.__init__:
            table[t] = _HEADER_CHECKED
    return bytes(table)


def _pick(parsed: dict, keys) -> dict:
    return {k: parsed[k] for k in keys if k in parsed}

