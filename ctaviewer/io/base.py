"""The event-source protocol every reader implements.

``EventSource`` declares everything callers (the application, the command line, batch jobs,
training, the renderer) ask of a source, with a default for sources that have nothing to
say: callers use these members, never ``getattr`` probes or a reader's own attributes.
"""

from __future__ import annotations

import enum
import os
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, ClassVar

from ..event import ArrayEvent, SimulationConfig
from ..instrument import SubarrayDescription
from .selection import SourceSelection, parse_tels, select_subarray

if TYPE_CHECKING:
    from ..results import EventResult
    from .simtel_index import SimTelIndex


def _requested(allowed_tels):
    """``allowed_tels`` as a tuple of ids and type names (text is parsed), or None."""
    if allowed_tels is None:
        return None
    if isinstance(allowed_tels, str):
        return parse_tels(allowed_tels)
    if isinstance(allowed_tels, int):
        return (allowed_tels,)
    out = tuple(int(t) if not isinstance(t, str) else t for t in allowed_tels)
    return out or None


class DataLevel(enum.Enum):
    """What a source's telescope data holds, i.e. where processing starts."""

    #: camera readout (waveforms, or integrated sums): the whole chain runs
    RAW = "raw"
    #: calibrated DL1 images: cleaning, parameters and reconstruction run again
    DL1_IMAGES = "dl1 images"
    #: DL1 image parameters without images: the stored results are used (``result(i)``)
    DL1_PARAMETERS = "dl1 parameters"


class EventSource(ABC):
    """An iterable, re-iterable, randomly accessible sequence of array events.

    - ``for event in source`` reads from the start each time it is called;
    - ``len(source)`` and ``source[i]`` index the file on first use (see ``build_index``);
    - ``allowed_tels`` (ids and telescope type names, ``io.selection``) keeps only those
      telescopes: the subarray is the selected one, events with none of them are skipped;
      an id or name the file does not hold raises ``errors.SelectionError``;
    - ``max_events`` (at least 1) caps both iteration and ``len``;
    - use it as a context manager, or call ``close()``.
    """

    #: registry name and a line for the user
    name: ClassVar[str] = ""
    description: ClassVar[str] = ""
    #: file name endings shown in the Open dialog
    extensions: ClassVar[tuple[str, ...]] = ()

    def __init__(self, path=None, *, allowed_tels=None, max_events: int | None = None):
        self.path = os.fspath(path) if path is not None else None
        selection = SourceSelection(_requested(allowed_tels), max_events)
        #: the telescopes asked for: ids and type names (``io.selection``), or None
        self.requested_tels = selection.allowed_tels
        #: the ids of the selected telescopes (type names resolved against the file's
        #: subarray by ``select_tels``), or None: every telescope
        self.allowed_tels = (frozenset(self.requested_tels) if self.requested_tels and all(
            isinstance(t, int) for t in self.requested_tels) else None)
        self.max_events = selection.max_events

    @property
    def selection(self) -> SourceSelection:
        """What this source was asked to deliver (telescopes, events at most)."""
        return SourceSelection(self.requested_tels, self.max_events)

    def select_tels(self, subarray: SubarrayDescription) -> SubarrayDescription:
        """The part of the file's ``subarray`` the requested telescopes select (all of it
        without a selection); sets ``allowed_tels``. Raises ``errors.SelectionError`` for an
        id or type name the file does not hold. Readers call it once they know the file's
        subarray."""
        selected, allowed = select_subarray(subarray, self.requested_tels, self.path)
        self.allowed_tels = allowed
        return selected

    # ----------------------------------------------------------------- identification
    @classmethod
    @abstractmethod
    def check(cls, path: str) -> str | None:
        """None when this reader can read ``path``, else why not (one line)."""

    # ----------------------------------------------------------------- description
    @property
    @abstractmethod
    def subarray(self) -> SubarrayDescription: ...

    @property
    def simulation_config(self) -> SimulationConfig | None:
        return None

    @property
    def is_simulation(self) -> bool:
        return self.simulation_config is not None

    @property
    def obs_id(self) -> int:
        return 0

    @property
    def atmosphere_profile(self):
        """The simulation's atmosphere (``event.AtmosphereProfile``), or None."""
        return None

    @property
    def shower_distribution(self):
        """The histogram of all simulated showers (``event.ShowerDistribution``) where the
        source has one, else None (sources that know it only at the end say so)."""
        return None

    @property
    def array_pointing(self) -> tuple[float, float] | None:
        """The array's pointing (alt, az) in degrees from the run header, or None."""
        return None

    @property
    def data_level(self) -> DataLevel:
        """What the telescope data holds (camera readout unless a reader says otherwise)."""
        return DataLevel.RAW

    @property
    def data_kind(self) -> str:
        """A short description for people of what the telescope data holds (waveforms or
        sums); programs use ``data_level``."""
        return "unknown"

    def readout_kinds(self) -> dict[str, str]:
        """Per camera name, "samples" (waveforms) or "sums" (integrated charges only) where
        the source can tell (may read a few events); {} where it cannot."""
        return {}

    # ----------------------------------------------------------------- events
    @abstractmethod
    def _iter_events(self) -> Iterator[ArrayEvent]:
        """All events from the start (allowed_tels applied, max_events not)."""

    @abstractmethod
    def _n_events(self) -> int:
        """Number of events in the whole source (may build the index)."""

    @abstractmethod
    def _get_event(self, index: int) -> ArrayEvent:
        """Event number ``index`` (0 <= index < _n_events())."""

    @property
    def n_events_known(self) -> int | None:
        """The number of events if already known without reading, else None."""
        return None

    @property
    def index(self) -> SimTelIndex | None:
        """The offset index of a source read by offsets, once built (``build_index``): per
        event its id, true energy and telescopes with data, and what was found wrong with
        the file (``truncated``, ``error``, ``trailing_bytes``). None for sources without
        one (their events are cheap to read)."""
        return None

    def is_cached(self, i: int) -> bool:
        """Whether ``source[i]`` returns without reading (a recent event kept in memory)."""
        return False

    def result(self, i: int) -> EventResult | None:
        """The processing result stored in the source for event ``i`` (DL1 parameters and
        DL2 of a file written by ``ctaviewer process``), or None for sources that carry
        none (those are processed by the pipeline)."""
        return None

    def build_index(  # noqa: B027 - optional hook
        self,
        progress: Callable[[float], None] | None = None,
        should_stop: Callable[[], bool] | None = None,
    ) -> None:
        """Prepare random access (a no-op for sources that have it for free)."""

    def __iter__(self) -> Iterator[ArrayEvent]:
        limit = self.max_events
        if limit == 0:
            return
        for count, event in enumerate(self._iter_events(), start=1):
            yield event
            if limit is not None and count >= limit:
                return

    def __len__(self) -> int:
        n = self._n_events()
        return n if self.max_events is None else min(n, self.max_events)

    def __getitem__(self, index: int) -> ArrayEvent:
        n = len(self)
        if index < 0:
            index += n
        if not 0 <= index < n:
            raise IndexError(f"event index {index} out of range for {n} events")
        return self._get_event(index)

    def close(self) -> None:  # noqa: B027 - optional hook, nothing to release by default
        """Release files and temporary data."""

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.path!r})"
