"""The sim_telarray (EventIO) event source, on eventio.

eventio parses the run headers, monitoring and everything rare; the array events and the
true images (the bulk of a file) go through a fast path: compressed streams are read in
large blocks (``simtel_fast_stream``; zstd decompressed ahead in a thread,
``simtel_fast_readahead``) and the hot objects of an event (ADC samples and sums,
pixel timing, pixel lists, tracking positions, telescope event headers, image parameters,
true photo-electrons) are decoded by numba kernels (``simtel_fast_event``, ``simtel_fast_objects``,
``simtel_fast_kernels``) into exactly the dicts eventio returns. Any object version or mode
the fast path does not know is parsed by eventio, per object; a structure it would not
accept (damage) is parsed again by eventio from the stream, so errors are eventio's.

Set the environment variable ``CTAVIEWER_EVENTIO_ONLY=1`` to read with eventio alone (e.g.
to compare results or timings); it is read when a file is opened.
"""

from __future__ import annotations

import logging
import os
import struct
import threading
import warnings
import weakref
from collections import OrderedDict
from collections.abc import Callable, Iterator
from typing import NamedTuple

import numpy as np

from ..errors import (
    CorruptFileError,
    CtaviewerError,
    DamagedFileWarning,
    HeaderOnlyFileError,
    InputFileError,
    reader_error,
)
from ..event import ArrayEvent, AtmosphereProfile, SimulationConfig
from ..instrument import SubarrayDescription
from ..warning_capture import isolated_warnings
from .base import EventSource
from .decompress_child import decompressor_errors
from .simtel_convert import (
    array_pointing_deg,
    atmosphere_profile,
    build_simulation_config,
    build_subarray,
    convert_event,
    shower_distribution,
)
from .simtel_index import (
    KIND_SHOWER,
    EventIds,
    SimTelIndex,
    build_index,
    trailing_warning,
    truncation_warning,
)

_SYNC = (b"\xd4\x1f\x8a\x37", b"\x37\x8a\x1f\xd4")
# set to 1 to read with eventio alone (no fast parsing of the hot objects, no block reader)
EVENTIO_ONLY_VARIABLE = "CTAVIEWER_EVENTIO_ONLY"
_EVENT_CACHE_SIZE = 8


class SimTelHeaders(NamedTuple):
    """What a sim_telarray file's run headers describe (``SimTelSource.headers``): with an
    index, enough to make the source again without parsing anything (``from_headers``)."""

    subarray: SubarrayDescription  # every telescope of the file (allowed_tels not applied)
    simulation_config: SimulationConfig | None
    array_pointing: tuple[float, float]  # alt, az in degrees
    obs_id: int
    atmosphere_profile: AtmosphereProfile | None


def _open_simtel(path, **kwargs):
    """Open a SimTelFile (one that records where each object starts), turning every
    exception of eventio's header pass into a typed error naming the file."""
    reader_cls, _ = _reader_classes()
    try:
        with isolated_warnings(action="ignore", category=UserWarning):
            return reader_cls(path, **kwargs)
    except StopIteration:
        raise HeaderOnlyFileError(
            path, "the file ends inside its run headers: it holds no complete "
            "telescope descriptions and no events (header-only or cut file)"
        ) from None
    except EOFError as exc:
        raise InputFileError(path, f"the file ends inside its headers ({exc})") from None
    except CtaviewerError:
        raise
    except OSError as exc:
        raise InputFileError(path, f"cannot read the file ({exc})") from None
    except Exception as exc:
        cause = reader_error(path, exc).reason
        raise CorruptFileError(path, f"cannot read the run headers: {cause}") from None


_READER_CLASSES = None


def _reader_classes():
    """(reader for iteration, reader that re-reads indexed events), made on first use."""
    global _READER_CLASSES
    if _READER_CLASSES is None:
        from eventio import SimTelFile

        # eventio logs "Falling back to gzip module" and the like; without a handler of the
        # application's, Python would print them raw on stderr
        logging.getLogger("eventio").addHandler(logging.NullHandler())

        class Reader(SimTelFile):
            """A SimTelFile that records where the object it parses starts (``at``), and
            says "truncated" (EOFError, as for a cut header) when an object that fails to
            parse extends beyond the end of the data: eventio's parsers report a cut
            payload as ValueError or IndexError."""

            at = 0
            _fast = None  # the FastEventParser (made on first use), False when off

            def _parse_next_object(self):
                if self._fast is None:
                    self._fast = _fast_parser(self)
                inner = self._file
                if inner.next is None:
                    self.at = int(inner._next_header_pos)
                pending = self.current_event
                try:
                    return self._parse_object()
                except StopIteration:
                    raise
                except Exception as exc:
                    # the object that failed is ignored: an event it started and could not
                    # fill (eventio makes a calibration event before reading it) does not
                    # replace the pending one
                    current = self.current_event
                    if current is not pending and not _complete(current):
                        self.current_event = pending
                    if isinstance(exc, EOFError) or _object_cut(inner, self.at):
                        raise EOFError(f"File seems to be truncated ({exc})") from None
                    raise

            def _parse_object(self):
                """SimTelFile._parse_next_object, with array events and true images parsed
                by the fast parser where it can (it declines: eventio parses them)."""
                if not self._fast:
                    return SimTelFile._parse_next_object(self)
                o = next(self._file)
                if _header_shortcut(self, o):
                    return None
                handled, event = _parse_fast(self, self._fast, o)
                if handled:
                    return event
                self._file.next = o  # eventio takes it from here
                return SimTelFile._parse_next_object(self)

        class EventReader(Reader):
            """Re-reads indexed events of an uncompressed file.

            Its constructor skips the header pass (which on large arrays takes ~0.5 s of
            parsing): ``_read_at`` points it at each event, and monitoring data comes from
            the index.
            """

            _skip_header_pass = False

            def __init__(self, path, allowed_telescopes=None):
                self._skip_header_pass = True
                try:
                    super().__init__(
                        path, skip_non_triggered=False, allowed_telescopes=allowed_telescopes
                    )
                finally:
                    self._skip_header_pass = False
                self.n_telescopes = None

            def _parse_next_object(self):
                if self._skip_header_pass:
                    # ends SimTelFile.__init__'s header loop at once: 0 of 0 telescopes found
                    self.n_telescopes = 0
                    return None
                return super()._parse_next_object()

        _READER_CLASSES = (Reader, EventReader)
    return _READER_CLASSES


def _fast_parser(reader):
    """The fast parser of a reader's array events, or False when ``CTAVIEWER_EVENTIO_ONLY``
    asks for eventio alone. A compressed file not read yet (the reader's first object) is
    opened again through a block reader (``BlockEventIOFile``) in place of eventio's."""
    if os.environ.get(EVENTIO_ONLY_VARIABLE, "").strip() not in ("", "0"):
        return False
    from .simtel_fast_event import FastEventParser
    from .simtel_fast_stream import BlockEventIOFile

    inner = reader._file
    fresh = inner.next is None and int(inner._next_header_pos) == 0
    if fresh and not _plain_file(inner) and not isinstance(inner, BlockEventIOFile):
        reader._file = BlockEventIOFile(inner.path)
        inner.close()
    return FastEventParser()


#: eventio's type numbers of History and CameraOrganization (see ``_header_shortcut``)
HISTORY_TYPE, CAMERA_ORGANIZATION_TYPE = 70, 2003


def _header_shortcut(reader, o) -> bool:
    """Whether the top-level object ``o`` is a run-header object taken here without eventio
    parsing it, for what it costs and what is used of it:

    - History (the configuration of the simulation, one sub-object a line: thousands, ~0.1 s
      for 70 telescopes, nothing of it used here) is skipped;
    - CameraOrganization (drawers, cards, chips and trigger sectors of every pixel, parsed in
      Python loops: ~0.25 s for 126 cameras), versions 1 and 2, keeps only the counts it
      starts with: the camera description needs the number of gains. Other versions go to
      eventio.
    """
    kind = o.header.type
    if kind == HISTORY_TYPE:
        return True
    if kind != CAMERA_ORGANIZATION_TYPE or o.header.version not in (1, 2):
        return False
    head = o.read(16)
    if len(head) < 16:
        raise EOFError("File seems to be truncated")
    n_pixels, n_drawers, n_gains, n_sectors = struct.unpack("<4i", head)
    reader.telescope_descriptions[o.telescope_id]["camera_organization"] = {
        "telescope_id": o.telescope_id, "n_pixels": n_pixels, "n_drawers": n_drawers,
        "n_gains": n_gains, "n_sectors": n_sectors}
    return True


def _parse_fast(reader, fast, o) -> tuple[bool, dict | None]:
    """What eventio's ``SimTelFile._parse_next_object`` does with the top-level object ``o``
    when it is an array event or true-image data the fast parser handles: (True, the event
    completed before it, if any); (False, None) leaves ``o`` to eventio. Nothing of the
    reader changes unless the object was parsed."""
    if isinstance(o, fast.array_event_class):
        if reader.current_mc_shower is not None and reader.current_event is None:
            return False, None  # eventio fails on it
        data = _content(fast, reader._file, o)
        if data is None:
            return False, None
        try:
            parsed = fast.array_event(data, o.address, o.header.id, reader.allowed_telescopes)
        except Exception:  # eventio reads it again and fails as it fails
            parsed = None
        if parsed is None:
            return False, None
        event = None
        if reader.current_mc_shower is None:
            event = reader.current_event
            reader.current_event = {"type": "calibration"}
        reader.current_event["event_id"] = o.header.id
        reader.current_event.update(parsed)
        reader._add_monitoring(reader.current_event)
        return True, event
    if isinstance(o, fast.telescope_data_class) and o.only_subobjects and isinstance(
            reader.current_event, dict):
        data = _content(fast, reader._file, o)
        if data is None:
            return False, None
        try:
            parsed = fast.telescope_data(data, o.address)
        except Exception:
            parsed = None
        if parsed is None:
            return False, None
        reader.current_event.update(parsed)
        return True, None
    return False, None


def _content(fast, eventio_file, o) -> bytes | None:
    """The payload of ``o`` for the fast parser (None: eventio reads it). An object whose
    length runs past the end of the data is cut (the file truncated, or its length field
    damaged): it ends the reading as truncation does, as it ends the index; eventio would
    parse what there is of it into an event that iteration counted as complete. (Said as
    eventio says a cut object: the warning is the same with or without the fast parser.)"""
    data = fast.peek_content(eventio_file, o)
    if data is not None and len(data) < o.size:
        raise EOFError("File seems to be truncated")
    return data


def _event_reader(raw_path: str, allowed_tels=None, path=None):
    """A reader of the indexed events of the uncompressed file ``raw_path`` (the copy of
    ``path``)."""
    _, reader_cls = _reader_classes()
    try:
        return reader_cls(raw_path, allowed_telescopes=allowed_tels)
    except OSError as exc:
        raise InputFileError(path or raw_path,
                             f"cannot open for reading events: {exc}") from None
    except Exception as exc:
        raise reader_error(path or raw_path, exc, offset=0) from None


def _complete(event) -> bool:
    """Whether an event eventio is assembling has its array data (TriggerInformation and
    telescope events: the last part of an event in sim_telarray files)."""
    return isinstance(event, dict) and "trigger_information" in event


def _object_cut(eventio_file, start: int) -> bool:
    """Whether the top-level object read from ``start`` ends beyond the end of the data
    (its header was read: the file's next header position is past it)."""
    end = int(eventio_file._next_header_pos)
    if end <= start:
        return False
    try:
        if eventio_file.tell() > end - 1:
            return False
        eventio_file.seek(end - 1)  # forward only: compressed streams can do it
        return len(eventio_file.read(1)) == 0
    except Exception:
        return False


def _last_object_cut(eventio_file) -> bool:
    """At the end of the data: whether the last object read claimed more bytes than there
    are (eventio ends such a file silently when it did not parse that object)."""
    try:
        if _plain_file(eventio_file):  # tell() may be past its end
            end = os.stat(eventio_file.path).st_size
        else:  # a stream: seeking stops at its end
            end = eventio_file.tell()
        return int(eventio_file._next_header_pos) > end
    except Exception:
        return False


def _plain_file(eventio_file) -> bool:
    """Whether an EventIOFile reads an uncompressed file (not a zstd stream, a ``gzip -cd``
    pipe or the gzip module)."""
    from eventio.file_types import is_gzip

    return (not eventio_file.zstd and eventio_file.read_process is None
            and not is_gzip(eventio_file.path))


def _gzip_error(eventio_file) -> str | None:
    """What the ``gzip -cd`` process eventio reads a .gz through reported, if it failed
    (a damaged stream: eventio reads what it wrote, without looking at its exit status)."""
    process = getattr(eventio_file, "read_process", None)
    if process is None:
        return None
    try:
        code = process.wait(timeout=2.0)
        if code != 1:  # 0: fine; 2: a warning (trailing garbage ignored)
            return None
        text = process.stderr.read(2000).decode("utf-8", "replace").strip()
    except Exception:
        return None
    lines = [line for line in text.splitlines() if line.strip()]
    return lines[-1] if lines else f"gzip exit status {code}"


def _after_run_end(eventio_file) -> tuple[bool, str | None]:
    """What an EventIOFile holds after its current position (the run's end): (True, None)
    more data (unreadable bytes too); (False, None) nothing; (False, cause) the compressed
    stream fails there (a zstd frame whose checksum does not match: its data came out
    before the check)."""
    try:
        next(eventio_file)
    except StopIteration:
        return False, None
    except decompressor_errors() as exc:  # damage of the stream, not of the data in it
        return False, str(exc)
    except Exception:  # unreadable bytes are more data too
        return True, None
    return True, None


class SimTelSource(EventSource):
    """Events of a sim_telarray file (.simtel, .simtel.gz, .simtel.zst).

    Iteration streams the file through eventio (no temporary data). Random access
    (``source[i]``, ``len``) uses an offset index built once (``build_index``): compressed
    files are decompressed to a temporary file that is removed on ``close()``.
    """

    name = "simtel"
    description = "sim_telarray EventIO file"
    extensions = (".simtel", ".simtel.gz", ".simtel.zst", ".gz", ".zst")

    def __init__(self, path, *, allowed_tels=None, max_events=None, skip_calibration=False):
        super().__init__(path, allowed_tels=allowed_tels, max_events=max_events)
        self.skip_calibration = skip_calibration
        f = _open_simtel(
            self.path, skip_calibration=skip_calibration, allowed_telescopes=self.allowed_tels
        )
        try:
            headers = SimTelHeaders(
                build_subarray(f, self.path),
                build_simulation_config(f),
                array_pointing_deg(f),
                int(f.header["run"]),
                atmosphere_profile(f),
            )
        except CtaviewerError:
            f.close()
            raise
        except Exception as exc:
            f.close()
            cause = reader_error(self.path, exc).reason
            raise CorruptFileError(self.path, f"unusable run header or telescope description: "
                                   f"{cause}") from None
        # the header pass leaves the stream at the first event: the first iteration goes on
        self._setup(headers, fresh=f)

    @classmethod
    def from_headers(cls, path, headers: SimTelHeaders, index: SimTelIndex, *,
                     allowed_tels=None, max_events=None,
                     skip_calibration=False) -> SimTelSource:
        """The source of ``path`` from its run headers and its index, both made elsewhere
        (by another ``SimTelSource`` of the same file and options, e.g. in another process):
        nothing is parsed again. The source owns ``index`` from now on (its temporary copy
        is removed on ``close()``)."""
        self = cls.__new__(cls)
        EventSource.__init__(self, path, allowed_tels=allowed_tels, max_events=max_events)
        self.skip_calibration = bool(skip_calibration)
        self._setup(headers, fresh=None)
        self.attach_index(index)
        return self

    @property
    def headers(self) -> SimTelHeaders:
        """The run headers, as ``from_headers`` takes them."""
        return self._headers

    def release_header_stream(self) -> None:
        """Close the stream left open by the header pass now (iteration would otherwise go
        on from it), e.g. before keeping the source open for random access only."""
        f = self._resources.pop("fresh", None)
        if f is not None:
            f.close()

    def _setup(self, headers: SimTelHeaders, fresh) -> None:
        self._headers = headers
        subarray = headers.subarray
        self._simulation_config = headers.simulation_config
        self._array_pointing = headers.array_pointing
        self._obs_id = headers.obs_id
        self._atmosphere_profile = headers.atmosphere_profile
        # position of each telescope in the run header (per-telescope arrays of an event,
        # such as the photo-electron sums, are in that order), before any selection
        self._header_position = {int(t): i for i, t in enumerate(subarray.tel_ids)}
        # files and temporary data to release on close() or garbage collection
        self._resources = {"fresh": fresh, "reader": None, "index": None}
        if fresh is None:
            del self._resources["fresh"]
        try:
            subarray = self.select_tels(subarray)  # type names need the file's subarray
        except BaseException:
            if fresh is not None:
                fresh.close()
            raise
        if fresh is not None:  # the header pass ran before the names were resolved
            fresh.allowed_telescopes = (set(self.allowed_tels)
                                        if self.allowed_tels is not None else None)
        self._subarray = subarray
        self._index: SimTelIndex | None = None
        self._index_lock = threading.Lock()
        self._reader = None
        self._reader_lock = threading.Lock()
        self._cache: OrderedDict[int, ArrayEvent] = OrderedDict()
        self._cache_lock = threading.Lock()
        self._finalizer = weakref.finalize(self, SimTelSource._release, self._resources)
        self._shower_distribution = None
        self._readout_kinds: dict[str, str] | None = None

    # ----------------------------------------------------------------- identification
    @classmethod
    def check(cls, path: str) -> str | None:
        from .decompression import compression_of

        try:
            kind = compression_of(path)
            with open(path, "rb") as f:
                if kind is None:
                    head = f.read(4)
                elif kind == "gzip":
                    import gzip

                    head = gzip.GzipFile(fileobj=f).read(4)
                else:
                    import zstandard

                    head = zstandard.ZstdDecompressor().stream_reader(f).read(4)
        except (OSError, EOFError) as exc:
            return f"cannot read the start of the file ({exc})"
        except Exception as exc:  # a damaged compressed stream
            return f"cannot decompress the start of the file ({type(exc).__name__}: {exc})"
        if head in _SYNC:
            return None
        if kind and len(head) < 4:  # (an empty plain file is said before this is asked)
            return (f"the {kind}-compressed stream ends before any data comes out of it "
                    "(cut short, or empty)")
        what = f"{kind}-compressed " if kind else ""
        return f"{what}content does not start with the EventIO sync marker"

    # ----------------------------------------------------------------- description
    @property
    def subarray(self):
        return self._subarray

    @property
    def simulation_config(self):
        return self._simulation_config

    @property
    def obs_id(self) -> int:
        return self._obs_id

    @property
    def array_pointing(self) -> tuple[float, float]:
        return self._array_pointing

    @property
    def data_kind(self) -> str:
        """Per camera: samples × gains; "sums only" once ``readout_kinds()`` has found it."""
        kinds = self._readout_kinds or {}
        parts = []
        for cam in self._subarray.camera_types:
            r = cam.readout
            what = "sums only" if kinds.get(cam.name) == "sums" else f"{r.n_samples} samples"
            parts.append(f"{cam.name}: {what} × {r.n_gains} gain(s)")
        return "; ".join(parts)

    def readout_kinds(self, attempts: int = 3) -> dict[str, str]:
        """Per camera name, what its telescopes deliver: "samples" (waveforms) or "sums"
        (integrated charges only). The run header does not say: the first events holding
        each camera are read (at most ``attempts`` per camera; builds the index). Cameras
        with no readable event are left out."""
        if self._readout_kinds is not None:
            return dict(self._readout_kinds)
        index = self.build_index()
        camera_of = {int(t): d.camera.name for t, d in self._subarray.tels.items()}
        cameras = set(camera_of.values())
        kinds: dict[str, str] = {}
        tries: dict[str, int] = {}
        for i in range(self.n_events_known or 0):
            if all(c in kinds or tries.get(c, 0) >= attempts for c in cameras):
                break
            wanted = {camera_of[int(t)] for t in index.tels_with_data[i] if int(t) in camera_of}
            wanted = {c for c in wanted if c not in kinds and tries.get(c, 0) < attempts}
            if not wanted:
                continue
            for c in wanted:
                tries[c] = tries.get(c, 0) + 1
            try:
                event = self[i]
            except InputFileError:
                continue
            for t, data in event.tel.items():
                c = camera_of.get(int(t))
                if c in wanted and c not in kinds:
                    kinds[c] = "samples" if data.waveform is not None else "sums"
        self._readout_kinds = kinds
        return dict(kinds)

    @property
    def atmosphere_profile(self):
        """The simulation's tabulated atmosphere, from the run headers (None where the
        file has none)."""
        return self._atmosphere_profile

    @property
    def shower_distribution(self):
        """The histogram of all simulated showers, known once the file was read to its
        end (sim_telarray writes it after the last event); None before that."""
        return self._shower_distribution

    @property
    def index(self) -> SimTelIndex | None:
        """The offset index once built, else None."""
        return self._index

    @property
    def n_events_known(self) -> int | None:
        if self._index is None:
            return None
        n = len(self._index)
        return n if self.max_events is None else min(n, self.max_events)

    # ----------------------------------------------------------------- sequential
    def _iter_events(self) -> Iterator[ArrayEvent]:
        f = self._resources.pop("fresh", None)
        if f is None:
            f = _open_simtel(
                self.path,
                skip_calibration=self.skip_calibration,
                allowed_telescopes=self.allowed_tels,
            )
        index = 0
        truncated = False
        run_end = None
        failure = None
        event_ids = EventIds()
        try:
            while True:
                # eventio says "truncated" with a bare UserWarning (its other warnings are
                # subclasses); warnings are caught around each read only, never a yield
                with isolated_warnings(record=True, action="always") as caught:
                    try:
                        ev = next(f)
                    except StopIteration:
                        ev = None
                    except Exception as exc:
                        failure = reader_error(self.path, exc, offset=getattr(f, "at", None),
                                               n_good_events=index)
                        ev = self._last_complete(f)  # an event read before the damage
                        if ev is None:
                            raise failure from None
                        f.current_event = None
                truncated = truncated or any(w.category is UserWarning for w in caught)
                if ev is None:
                    break
                try:
                    event = self._convert(ev, index, event_ids(ev.get("event_id", 0)))
                except Exception as exc:
                    raise reader_error(self.path, exc, offset=getattr(f, "at", None),
                                       n_good_events=index) from None
                yield event
                index += 1
                if failure is not None:  # said once the event before it is delivered
                    raise CorruptFileError(
                        self.path, getattr(failure, "reason", str(failure)),
                        offset=getattr(failure, "offset", None), n_good_events=index)
            stream_error = None
            if not truncated and f.histograms is not None:  # the run's end was read
                position = int(f._file._next_header_pos)
                more, stream_error = _after_run_end(f._file)
                if more:
                    run_end = position
                elif stream_error is None:
                    stream_error = _gzip_error(f._file)
            elif not truncated:  # the data ended: inside the last object's declared length?
                truncated = _last_object_cut(f._file)
                stream_error = _gzip_error(f._file)
            else:  # cut inside an object: where the file ends, or where gzip met damage
                stream_error = _gzip_error(f._file)
            if stream_error is not None and "unexpected end of file" in stream_error:
                truncated, stream_error = True, None  # gzip's words for a cut file
            # sim_telarray writes its histograms after the last event
            self._shower_distribution = shower_distribution(f.histograms, self._obs_id)
        finally:
            f.close()
        if stream_error:
            truncated = False  # the data stops at the damage, not at the file's end
            warnings.warn(DamagedFileWarning(
                f"{self.path}: the compressed stream is damaged ({stream_error}); {index} "
                "events were read, but the damage may have changed any of them"),
                stacklevel=2)
        if truncated:
            warnings.warn(truncation_warning(self.path, index), stacklevel=2)
        if run_end is not None:
            warnings.warn(trailing_warning(self.path, run_end, index), stacklevel=2)

    @staticmethod
    def _last_complete(f) -> dict | None:
        """The event a reader was assembling when it failed on a later object, if its array
        data was read and eventio would deliver it (the index counts it too)."""
        ev = f.current_event
        if not _complete(ev):
            return None
        try:
            return None if f._check_skip(ev) else ev
        except Exception:
            return None

    def _convert(self, ev: dict, index: int, event_id: int | None = None) -> ArrayEvent:
        idx = self._index
        return convert_event(
            ev,
            index,
            self._obs_id,
            self._subarray,
            self._array_pointing,
            idx.camera_monitoring if idx else None,
            idx.laser_calibration if idx else None,
            header_position=self._header_position,
            event_id=event_id,
        )

    # ----------------------------------------------------------------- random access
    def build_index(self, progress=None, should_stop=None) -> SimTelIndex:
        """Build the offset index (once); thread-safe. Returns it."""
        with self._index_lock:
            if self._index is None:
                self.attach_index(self.scan_index(progress, should_stop))
            return self._index

    def scan_index(self, progress: Callable[[float], None] | None = None,
                   should_stop: Callable[[], bool] | None = None,
                   tmpdir: str | None = None,
                   on_rows: Callable[[SimTelIndex], None] | None = None,
                   copy=None) -> SimTelIndex:
        """A new index of the events this source delivers (allowed_tels etc. applied),
        not attached to the source (``attach_index``; ``build_index`` does both). A
        compressed file is decompressed into ``tmpdir`` (a new temporary folder if None);
        warnings about the file (truncation, damage) are emitted here. ``on_rows(chunk)``
        receives the events in batches while the scan goes on (``simtel_index.build_index``),
        each batch selected as the whole index is. ``copy``: the decompressed copy in
        ``tmpdir``, already started (``decompression.open_copy``)."""

        def selected(chunk: SimTelIndex) -> None:
            chunk = self._select(chunk)
            if len(chunk):
                on_rows(chunk)

        index = build_index(self.path, progress=progress, should_stop=should_stop,
                            tmpdir=tmpdir, on_rows=None if on_rows is None else selected,
                            copy=copy)
        try:
            index = self._select(index)
        except BaseException:
            index.cleanup()
            raise
        for problem in index.problems():  # what iteration says too, with the same count
            warnings.warn(problem, stacklevel=3)
        return index

    def _select(self, index: SimTelIndex) -> SimTelIndex:
        """The events this source delivers (allowed_tels, skip_calibration applied), by
        eventio's rules: a shower event needs data of an allowed telescope, a calibration
        event is delivered unless calibration is skipped."""
        allowed = self.allowed_tels
        keep = np.array(
            [
                (not self.skip_calibration or k == KIND_SHOWER)
                and (k != KIND_SHOWER or any(allowed is None or int(x) in allowed for x in t))
                for k, t in zip(index.kind, index.tels_with_data, strict=True)
            ],
            dtype=bool,
        )
        return index if keep.all() else index.select(keep)

    def attach_index(self, index: SimTelIndex) -> None:
        """Use ``index`` (made by ``scan_index`` of this file and options; owned from now
        on) and open the reader that re-reads its events. While the file is being indexed,
        each longer index of the same copy replaces the one before (``SimTelIndex.extend``;
        ``index.complete`` says when it is whole): its reader stays open."""
        current = self._index
        reader = self._reader
        if reader is None or current is None or current.raw_path != index.raw_path:
            try:
                reader = _event_reader(index.raw_path, self.allowed_tels, self.path)
            except BaseException:
                index.cleanup()
                raise
            if self._reader is not None:
                with self._reader_lock:
                    self._reader.close()
        self._resources["reader"] = reader
        self._resources["index"] = index
        self._reader = reader
        self._index = index

    def _n_events(self) -> int:
        return len(self.build_index())

    def _get_event(self, i: int) -> ArrayEvent:
        index = self.build_index()
        event = self._cached(i)
        if event is not None:
            return event
        with self._reader_lock:  # another thread may have read it meanwhile (read-ahead)
            event = self._cached(i)
            if event is None:
                ev = self._read_at(index, i)
                try:
                    event = self._convert(ev, i, int(index.event_id[i]))
                except Exception as exc:
                    raise reader_error(self.path, exc,
                                       offset=int(index.event_offset[i])) from None
                self.cache_event(i, event)
        return event

    def cache_event(self, i: int, event: ArrayEvent) -> None:
        """Put event ``i`` in the recent-event cache: ``source[i]`` then returns it without
        reading (an event of this file read elsewhere, e.g. by a helper process)."""
        with self._cache_lock:
            self._cache[i] = event
            while len(self._cache) > _EVENT_CACHE_SIZE:
                self._cache.popitem(last=False)

    def _cached(self, i: int) -> ArrayEvent | None:
        with self._cache_lock:
            event = self._cache.get(i)
            if event is not None:
                self._cache.move_to_end(i)
            return event

    def is_cached(self, i: int) -> bool:
        """Whether ``source[i]`` is in the recent-event cache (returns without reading)."""
        n = self.n_events_known
        if n is not None and i < 0:
            i += n
        with self._cache_lock:
            return i in self._cache

    def _read_at(self, index: SimTelIndex, i: int) -> dict:
        """Parse the event starting at the indexed offset.

        Uses eventio's SimTelFile state machine on the uncompressed file: the inner
        EventIOFile is pointed at the shower, then at the event (private attributes of
        eventio 2.1/2.2; pinned in pyproject and covered by tests).
        """
        f = self._reader
        inner = f._file
        try:
            with isolated_warnings(action="ignore", category=UserWarning):
                f.current_event = None
                f._finished = False
                shower_off = int(index.shower_offset[i])
                if shower_off >= 0:
                    inner.next = None
                    inner._next_header_pos = shower_off
                    f._parse_next_object()
                else:
                    f.current_mc_shower = None
                inner.next = None
                inner._next_header_pos = int(index.event_offset[i])
                try:
                    ev = f._read_next_event()
                except (StopIteration, EOFError):
                    raise
                except Exception:  # damage after the event: it is complete all the same
                    ev = self._last_complete(f)
                    if ev is None:
                        raise
        except StopIteration:
            raise CorruptFileError(
                self.path, f"event {i} could not be re-read", offset=int(index.event_offset[i])
            ) from None
        except Exception as exc:
            raise reader_error(self.path, exc, offset=int(index.event_offset[i])) from None
        return ev

    # ----------------------------------------------------------------- lifetime
    @staticmethod
    def _release(resources: dict) -> None:
        for key in ("fresh", "reader"):
            f = resources.pop(key, None)
            if f is not None:
                try:
                    f.close()
                except Exception:
                    pass
        index = resources.pop("index", None)
        if index is not None:
            index.cleanup()

    def close(self) -> None:
        with self._cache_lock:
            self._cache.clear()
        self._finalizer()
        self._reader = None
        self._index = None


