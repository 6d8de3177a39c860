"""The sim_telarray (EventIO) event source, on eventio."""

from __future__ import annotations

import threading
import warnings
import weakref
from collections import OrderedDict
from collections.abc import Iterator

import numpy as np

from ..errors import (
    CorruptFileError,
    HeaderOnlyFileError,
    InputFileError,
    TruncatedFileWarning,
)
from ..event import ArrayEvent
from .base import EventSource
from .simtel_convert import (
    array_pointing_deg,
    atmosphere_profile,
    build_simulation_config,
    build_subarray,
    convert_event,
    shower_distribution,
)
from .simtel_index import KIND_SHOWER, SimTelIndex, build_index

_SYNC = (b"\xd4\x1f\x8a\x37", b"\x37\x8a\x1f\xd4")
_EVENT_CACHE_SIZE = 8


def _open_simtel(path, **kwargs):
    """Open a SimTelFile, turning eventio's bare exceptions into typed errors."""
    from eventio import SimTelFile

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)
            return SimTelFile(path, **kwargs)
    except StopIteration:
        raise HeaderOnlyFileError(
            path, "the file ends inside its run headers: it holds no complete "
            "telescope descriptions and no events (header-only or cut file)"
        ) from None
    except EOFError as exc:
        raise InputFileError(path, f"the file ends inside its headers ({exc})") from None
    except (ValueError, KeyError, TypeError, IndexError, OSError) as exc:
        raise CorruptFileError(path, f"cannot read the run headers: {exc}") from None


_READER_CLASS = None


def _event_reader(raw_path: str, allowed_tels=None):
    """A SimTelFile that re-reads indexed events of an uncompressed file.

    Its constructor skips the header pass (which on large arrays takes ~0.5 s of parsing):
    ``_read_at`` points it at each event, and monitoring data comes from the index.
    """
    global _READER_CLASS
    if _READER_CLASS is None:
        from eventio import SimTelFile

        class EventReader(SimTelFile):
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

        _READER_CLASS = EventReader
    try:
        return _READER_CLASS(raw_path, allowed_telescopes=allowed_tels)
    except OSError as exc:
        raise InputFileError(raw_path, f"cannot open for reading events: {exc}") from None


class SimTelSource(EventSource):
    """Events of a sim_telarray file (.simtel, .simtel.gz, .simtel.zst).

    Iteration streams the file through eventio (no temporary data). Random access
    (``source[i]``, ``len``) uses an offset index built once (``build_index``): compressed
    files are decompressed to a temporary file that is removed on ``close()``.
    """

    name = "simtel"
    description = "sim_telarray EventIO file"
    extensions = (".simtel", ".simtel.gz", ".simtel.zst", ".gz", ".zst")
    _helper = None  # (helper, token) when opened by simtel_helper.open_indexed

    def __init__(self, path, *, allowed_tels=None, max_events=None, skip_calibration=False):
        super().__init__(path, allowed_tels=allowed_tels, max_events=max_events)
        self.skip_calibration = skip_calibration
        f = _open_simtel(
            self.path, skip_calibration=skip_calibration, allowed_telescopes=self.allowed_tels
        )
        try:
            subarray = build_subarray(f, self.path)
            headers = (
                subarray,
                build_simulation_config(f),
                array_pointing_deg(f),
                int(f.header["run"]),
            )
        except (KeyError, TypeError, ValueError, IndexError) as exc:
            f.close()
            raise CorruptFileError(self.path, f"unusable telescope description: {exc}") from None
        # the header pass leaves the stream at the first event: the first iteration goes on
        self._setup(headers, fresh=f)
        self._atmosphere_profile = atmosphere_profile(f)

    @classmethod
    def _from_headers(cls, path, headers, index: SimTelIndex, **kwargs) -> SimTelSource:
        """A source from headers and an index built elsewhere (``open_indexed``)."""
        self = cls.__new__(cls)
        EventSource.__init__(
            self, path, allowed_tels=kwargs.get("allowed_tels"), max_events=kwargs.get(
                "max_events")
        )
        self.skip_calibration = bool(kwargs.get("skip_calibration", False))
        self._setup(headers, fresh=None)
        self._attach_index(index)
        return self

    def _release_header_stream(self) -> None:
        """Close the header pass's stream now rather than at the first iteration."""
        f = self._resources.pop("fresh", None)
        if f is not None:
            f.close()

    def _headers(self) -> tuple:
        return (self._subarray, self._simulation_config, self._array_pointing, self._obs_id)

    def _setup(self, headers: tuple, fresh) -> None:
        subarray, self._simulation_config, self._array_pointing, self._obs_id = headers
        # files and temporary data to release on close() or garbage collection
        self._resources = {"fresh": fresh, "reader": None, "index": None}
        if fresh is None:
            del self._resources["fresh"]
        if self.allowed_tels is not None:
            keep = [t for t in subarray.tel_ids if int(t) in self.allowed_tels]
            if not keep:
                raise InputFileError(
                    self.path,
                    f"none of the allowed telescopes {sorted(self.allowed_tels)} is in the file",
                )
            subarray = subarray.select(keep, name=subarray.name)
        self._subarray = subarray
        self._index: SimTelIndex | None = None
        self._index_lock = threading.Lock()
        self._reader = None
        self._reader_lock = threading.Lock()
        self._cache: OrderedDict[int, ArrayEvent] = OrderedDict()
        self._cache_lock = threading.Lock()
        self._finalizer = weakref.finalize(self, SimTelSource._release, self._resources)
        self._shower_distribution = None
        self._atmosphere_profile = None

    # ----------------------------------------------------------------- identification
    @classmethod
    def check(cls, path: str) -> str | None:
        from .simtel_index import compression_of

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
        parts = []
        for cam in self._subarray.camera_types:
            r = cam.readout
            parts.append(f"{cam.name}: {r.n_samples} samples × {r.n_gains} gain(s)")
        return "; ".join(parts)

    @property
    def atmosphere_profile(self):
        """The simulation's tabulated atmosphere, from the run headers (None where the
        file has none, or the source was made from headers read elsewhere)."""
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
        try:
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always", UserWarning)
                while True:
                    try:
                        ev = next(f)
                    except StopIteration:
                        break
                    except Exception as exc:
                        raise CorruptFileError(
                            self.path, f"{type(exc).__name__}: {exc}", n_good_events=index
                        ) from None
                    yield self._convert(ev, index)
                    index += 1
                truncated = any("truncated" in str(w.message) for w in caught)
            # sim_telarray writes its histograms after the last event
            self._shower_distribution = shower_distribution(f.histograms, self._obs_id)
        finally:
            f.close()
        if truncated:
            warnings.warn(
                TruncatedFileWarning(
                    f"{self.path}: file is truncated; the {index} complete events were read"
                ),
                stacklevel=2,
            )

    def _convert(self, ev: dict, index: int) -> ArrayEvent:
        idx = self._index
        return convert_event(
            ev,
            index,
            self._obs_id,
            self._subarray,
            self._array_pointing,
            idx.camera_monitoring if idx else None,
            idx.laser_calibration if idx else None,
        )

    # ----------------------------------------------------------------- random access
    def build_index(self, progress=None, should_stop=None) -> SimTelIndex:
        """Build the offset index (once); thread-safe. Returns it."""
        with self._index_lock:
            if self._index is None:
                self._attach_index(self._scan(progress, should_stop))
            return self._index

    def _scan(self, progress=None, should_stop=None, tmpdir=None) -> SimTelIndex:
        """A new index of the events this source delivers (allowed_tels etc. applied)."""
        index = build_index(self.path, progress=progress, should_stop=should_stop, tmpdir=tmpdir)
        keep = np.array(
            [
                (k != KIND_SHOWER or len(t) > 0)
                and (not self.skip_calibration or k == KIND_SHOWER)
                and (self.allowed_tels is None or any(int(x) in self.allowed_tels for x in t))
                for k, t in zip(index.kind, index.tels_with_data, strict=True)
            ],
            dtype=bool,
        )
        return index if keep.all() else index.select(keep)

    def _attach_index(self, index: SimTelIndex) -> None:
        """Use ``index`` (owned from now on) and open the reader that re-reads its events."""
        try:
            reader = _event_reader(index.raw_path, self.allowed_tels)
        except BaseException:
            index.cleanup()
            raise
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
                event = self._convert(self._read_at(index, i), i)
                self._remember(i, event)
        return event

    def _remember(self, i: int, event: ArrayEvent) -> None:
        """Put event ``i`` in the recent-event cache (also one read by a helper process)."""
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
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", UserWarning)
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
                ev = f._read_next_event()
        except StopIteration:
            raise CorruptFileError(
                self.path, f"event {i} could not be re-read", offset=int(index.event_offset[i])
            ) from None
        except Exception as exc:
            raise CorruptFileError(
                self.path, f"{type(exc).__name__}: {exc}", offset=int(index.event_offset[i])
            ) from None
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
        if self._helper is not None:
            from .simtel_helper import forget

            forget(self)
        with self._cache_lock:
            self._cache.clear()
        self._finalizer()
        self._reader = None
        self._index = None


