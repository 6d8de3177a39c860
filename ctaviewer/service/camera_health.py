"""Camera health over an event and over a file, for the window's health dock (Qt-free).

- ``array_health(event, result)``: every telescope's pixel states (``calib.health``).
- ``pedestal_from_file(path)``: pedestal and noise per pixel from the file's pedestal
  events, or from the signal-free samples of its shower events when it has none
  (``calib.pedestal_stats``), beside the monitoring values.
- ``PedestalJob``: ``pedestal_from_file`` in a process of its own (spawned: reading a
  sim_telarray file is a Python loop that would hold the window's interpreter lock), with
  its result or error delivered through a ``concurrent.futures.Future``.
"""

from __future__ import annotations

import concurrent.futures
import multiprocessing
import os
from dataclasses import dataclass

from ..calib.health import CameraHealth, camera_health
from ..calib.pedestal_stats import PedestalAccumulator, PedestalStats
from ..errors import InputFileError
from ..io import DataLevel, open_source

#: events read at most by ``pedestal_from_file`` by default
DEFAULT_MAX_EVENTS = 500


def array_health(event, result=None, gain_threshold: float = 4000.0) -> dict[int,
                                                                            CameraHealth]:
    """tel_id -> CameraHealth of every telescope of ``event`` (``result``: its processing,
    for the selected gains; None before it is processed)."""
    tels = result.tel if result is not None else {}
    return {t: camera_health(d, tels.get(t), gain_threshold) for t, d in event.tel.items()}


@dataclass(frozen=True, eq=False)
class FilePedestals:
    """What ``pedestal_from_file`` found: per telescope statistics, the events read and
    used, and which kind of samples (``source``)."""

    path: str
    stats: dict  # tel_id -> PedestalStats
    n_read: int
    n_used: int
    source: str

    def of(self, tel_id: int) -> PedestalStats | None:
        return self.stats.get(tel_id)


def pedestal_from_file(path, max_events: int | None = DEFAULT_MAX_EVENTS) -> FilePedestals:
    """Pedestal and noise per telescope, pixel and gain over (at most ``max_events``)
    events of ``path``: its pedestal events, or the signal-free samples of its shower
    events when it has no pedestal event. Raises InputFileError for a file that cannot be
    read, naming it."""
    pedestals = PedestalAccumulator(use_showers=False)
    showers = PedestalAccumulator(use_showers=True)
    n_read = n_ped = n_shower = 0
    with open_source(os.fspath(path)) as source:
        if source.data_level is not DataLevel.RAW:
            raise InputFileError(path, f"holds {source.data_level.value}, no camera readout: "
                                 "pedestal and noise are measured on raw (sim_telarray) data")
        for event in source:
            n_read += 1
            if pedestals.add(event):
                n_ped += 1
            elif n_ped == 0 and showers.add(event):
                n_shower += 1
            if max_events is not None and n_read >= max_events:
                break
    use = pedestals if n_ped else showers
    stats = use.result()
    source_text = next(iter(stats.values())).source if stats else "no usable events"
    return FilePedestals(os.fspath(path), stats, n_read, n_ped or n_shower, source_text)


def _run(path, max_events):
    """("ok", FilePedestals) or ("error", one line naming the file): exceptions with
    constructor arguments of their own do not always cross a process boundary."""
    try:
        return "ok", pedestal_from_file(path, max_events)
    except InputFileError as exc:
        return "error", f"{exc.path}: {exc.cause}"
    except Exception as exc:  # reported with the file's name, never a traceback
        return "error", f"{os.fspath(path)}: {type(exc).__name__}: {exc}"


class PedestalJob:
    """``pedestal_from_file`` in a spawned process. ``future`` completes with ("ok",
    FilePedestals) or ("error", message naming the file); after ``cancel`` its result is
    not wanted (the process ends once it has read its events)."""

    def __init__(self, path, max_events: int | None = DEFAULT_MAX_EVENTS):
        self.path = os.fspath(path)
        self._pool = concurrent.futures.ProcessPoolExecutor(
            max_workers=1, mp_context=multiprocessing.get_context("spawn"))
        self.cancelled = False
        self.future = self._pool.submit(_run, self.path, max_events)
        self._pool.shutdown(wait=False)

    def cancel(self) -> None:
        self.cancelled = True
        self.future.cancel()


__all__ = ["DEFAULT_MAX_EVENTS", "FilePedestals", "PedestalJob", "PedestalStats",
           "array_health", "pedestal_from_file"]
