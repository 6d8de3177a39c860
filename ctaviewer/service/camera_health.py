"""Camera health over an event and over a file, for the window's health dock (Qt-free).

- ``array_health(event, result)``: every telescope's pixel states (``calib.health``).
- ``pedestal_from_file(path)``: pedestal and noise per pixel from the file's pedestal
  events, or from the signal-free samples of its shower events when it has none
  (``calib.pedestal_stats``), beside the monitoring values.
- ``PedestalJob``: ``pedestal_from_file`` in a process of its own (spawned: reading a
  sim_telarray file is a Python loop that would hold the window's interpreter lock), its
  result or error sent back through a pipe; cancelling ends the process.
"""

from __future__ import annotations

import multiprocessing
import os
from dataclasses import dataclass

from ..calib.health import CameraHealth, camera_health
from ..calib.pedestal_stats import ChargeAccumulator, PedestalAccumulator, PedestalStats
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
    #: tel_id -> ChargeStats: calibrated charge of the pedestal events (none without)
    charge: dict

    def of(self, tel_id: int) -> PedestalStats | None:
        return self.stats.get(tel_id)


def pedestal_from_file(path, max_events: int | None = DEFAULT_MAX_EVENTS,
                       config=None) -> FilePedestals:
    """Pedestal and noise per telescope, pixel and gain over (at most ``max_events``)
    events of ``path``: its pedestal events, or the signal-free samples of its shower
    events when it has no pedestal event; and the calibrated charge of its pedestal events
    (processed with ``config``, a ProcessingConfig; None: the defaults). Raises
    InputFileError for a file that cannot be read, naming it."""
    from ..pipeline import Pipeline

    pedestals = PedestalAccumulator(use_showers=False)
    charge = ChargeAccumulator()
    pipeline = None
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
                if pipeline is None:
                    pipeline = Pipeline(source.subarray, config)
                for tel_id, tr in pipeline.process(event).tel.items():
                    charge.add(tel_id, tr.image, event.tel[tel_id].pixel_status)
            elif n_ped == 0 and showers.add(event):
                n_shower += 1
            if max_events is not None and n_read >= max_events:
                break
    use = pedestals if n_ped else showers
    stats = use.result()
    source_text = next(iter(stats.values())).source if stats else "no usable events"
    return FilePedestals(os.fspath(path), stats, n_read, n_ped or n_shower, source_text,
                         charge.result())


def _run(path, max_events, config=None):
    """("ok", FilePedestals) or ("error", one line naming the file): exceptions with
    constructor arguments of their own do not always cross a process boundary."""
    try:
        return "ok", pedestal_from_file(path, max_events, config)
    except InputFileError as exc:
        return "error", f"{exc.path}: {exc.cause}"
    except Exception as exc:  # reported with the file's name, never a traceback
        return "error", f"{os.fspath(path)}: {type(exc).__name__}: {exc}"


def _child(path, max_events, config, conn) -> None:
    try:
        conn.send(_run(path, max_events, config))
    finally:
        conn.close()


class PedestalJob:
    """``pedestal_from_file`` in a spawned daemon process (it ends with the window).
    ``done()`` says whether it has ended; ``result(timeout)`` gives ("ok", FilePedestals)
    or ("error", message naming the file); ``cancel()`` ends the process at once."""

    def __init__(self, path, max_events: int | None = DEFAULT_MAX_EVENTS, config=None):
        self.path = os.fspath(path)
        ctx = multiprocessing.get_context("spawn")
        self._conn, child = ctx.Pipe(duplex=False)
        self._process = ctx.Process(target=_child, args=(self.path, max_events, config, child),
                                    daemon=True, name="ctaviewer-pedestals")
        self._process.start()
        child.close()
        self.cancelled = False
        self._result = None

    def done(self) -> bool:
        if self._result is None:
            self._receive(0)
        return self._result is not None

    def result(self, timeout: float | None = None):
        if self._result is None:
            self._receive(timeout)
        if self._result is None:
            raise TimeoutError(f"{self.path}: pedestal measurement still running")
        return self._result

    def _receive(self, timeout) -> None:
        try:
            if self._conn.poll(timeout):
                self._result = self._conn.recv()
        except (EOFError, OSError):  # the process ended without an answer
            self._result = ("error", f"{self.path}: the pedestal measurement stopped "
                            f"(exit code {self._process.exitcode})")
        if self._result is not None:
            self._process.join(5)

    @property
    def running(self) -> bool:
        return self._process.is_alive()

    def cancel(self) -> None:
        self.cancelled = True
        if self._process.is_alive():
            self._process.terminate()
            self._process.join(5)


__all__ = ["DEFAULT_MAX_EVENTS", "FilePedestals", "PedestalJob", "PedestalStats",
           "array_health", "pedestal_from_file"]
