"""The muon rings of a whole file, for the window's Muon summary dock (Qt-free).

``analyse_file(path, config, progress, should_stop)`` runs the chain with the muon analysis
on every event of a file in a process of its own (started with "spawn": a Python loop over a
file in a thread would hold the window's interpreter lock), reports ``progress(done, total)``
and returns a ``MuonSummary``: one ``MuonRing`` per telescope image with a fitted ring.
``histogram`` bins a value per telescope; ``to_csv`` writes the rings.
"""

from __future__ import annotations

import csv
import math
import multiprocessing
import os
import queue as queue_module
from dataclasses import dataclass, field

import numpy as np

from ..errors import Cancelled, CtaviewerError
from ..writers.atomic import AtomicOutput

#: the ring values the summary keeps, in CSV column order
RING_FIELDS = ("index", "event_id", "tel_id", "radius_deg", "center_fov_lon_deg",
               "center_fov_lat_deg", "width_deg", "optical_efficiency", "impact_m",
               "completeness", "containment", "intensity_ratio", "radial_std_dev_deg")


@dataclass(frozen=True)
class MuonRing:
    index: int
    event_id: int
    tel_id: int
    radius_deg: float
    center_fov_lon_deg: float
    center_fov_lat_deg: float
    width_deg: float
    optical_efficiency: float
    impact_m: float
    completeness: float
    containment: float
    intensity_ratio: float
    radial_std_dev_deg: float


@dataclass
class MuonSummary:
    """The rings of one file; ``rings_per_event`` (event index -> rings) feeds the event
    list's muon column."""

    path: str
    rings: list[MuonRing] = field(default_factory=list)
    rings_per_event: dict[int, int] = field(default_factory=dict)

    @property
    def n_events(self) -> int:
        return len(self.rings_per_event)

    def tel_ids(self) -> list[int]:
        return sorted({r.tel_id for r in self.rings})

    def values(self, name: str, tel_id: int | None = None) -> np.ndarray:
        """The finite values of ring field ``name`` (of one telescope, or all)."""
        out = [getattr(r, name) for r in self.rings if tel_id is None or r.tel_id == tel_id]
        arr = np.asarray(out, dtype=np.float64)
        return arr[np.isfinite(arr)]

    def histogram(self, name: str, tel_id: int | None = None, bins: int = 20):
        """(counts, edges) of ring field ``name``; empty arrays without values."""
        v = self.values(name, tel_id)
        if len(v) == 0:
            return np.zeros(0), np.zeros(0)
        lo, hi = float(v.min()), float(v.max())
        if hi <= lo:
            lo, hi = lo - 0.5 * abs(lo or 1) * 0.05, hi + 0.5 * abs(hi or 1) * 0.05
        return np.histogram(v, bins=bins, range=(lo, hi))

    def to_csv(self, path) -> None:
        """One line per ring, the ``RING_FIELDS`` as columns (``writers.atomic``: written
        under a temporary name, then renamed)."""
        path = os.fspath(path)
        try:
            with AtomicOutput(path, overwrite=True) as tmp, open(tmp, "w", newline="") as f:
                writer = csv.writer(f)
                writer.writerow(RING_FIELDS)
                for r in self.rings:
                    writer.writerow([getattr(r, k) for k in RING_FIELDS])
        except OSError as exc:
            raise CtaviewerError(f"{path}: cannot write ({exc.strerror or exc})") from None


def ring_of(index: int, event_id: int, muon) -> MuonRing | None:
    """The summary entry of one ``MuonResult`` (None without a ring that passes the ring
    query)."""
    if muon is None or not muon.passes_ring_query:
        return None
    v = muon.values
    return MuonRing(
        index=int(index), event_id=int(event_id), tel_id=int(muon.tel_id),
        radius_deg=float(v["muonring_radius"]),
        center_fov_lon_deg=float(v["muonring_center_fov_lon"]),
        center_fov_lat_deg=float(v["muonring_center_fov_lat"]),
        width_deg=float(v["muonefficiency_width"]),
        optical_efficiency=float(v["muonefficiency_optical_efficiency"]),
        impact_m=float(v["muonefficiency_impact"]),
        completeness=float(v["muonparameters_completeness"]),
        containment=float(v["muonparameters_containment"]),
        intensity_ratio=float(v["muonparameters_intensity_ratio"]),
        radial_std_dev_deg=float(v["muonparameters_radial_std_dev"]),
    )


def summarise(path, config, progress=None, should_stop=None) -> MuonSummary:
    """Process every event of ``path`` with ``config`` (muon analysis on) in this process."""
    from ..io import open_source
    from ..pipeline import Pipeline

    if not config.muon.enabled:
        config = config.replace(muon__enabled=True)
    summary = MuonSummary(os.fspath(path))
    with open_source(path) as source:
        pipeline = Pipeline(source.subarray, config)
        total = source.n_events_known
        for event in source:
            if should_stop is not None and should_stop():
                raise Cancelled(os.fspath(path))
            result = pipeline.process(event)
            n = 0
            for muon in result.muon.values():
                ring = ring_of(event.index, event.event_id, muon)
                if ring is not None:
                    summary.rings.append(ring)
                    n += 1
            summary.rings_per_event[int(event.index)] = n
            if progress is not None:
                progress(summary.n_events, total)
    return summary


def _child(path, config, queue) -> None:
    try:
        summary = summarise(path, config,
                            lambda done, total: queue.put(("progress", done, total)))
        queue.put(("done", summary))
    except BaseException as exc:  # sent back whole; the parent raises it
        queue.put(("error", exc if isinstance(exc, Exception) else RuntimeError(str(exc))))


def analyse_file(path, config, progress=None, should_stop=None, *,
                 in_process: bool = False) -> MuonSummary:
    """``summarise`` in a spawned process (``in_process``: here), with progress and stop;
    raises the child's error, ``Cancelled`` when stopped."""
    if in_process:
        return summarise(path, config, progress, should_stop)
    ctx = multiprocessing.get_context("spawn")
    queue = ctx.Queue()
    child = ctx.Process(target=_child, args=(os.fspath(path), config, queue), daemon=True,
                        name="ctaviewer-muon-summary")
    child.start()
    try:
        while True:
            if should_stop is not None and should_stop():
                raise Cancelled(os.fspath(path))
            try:
                message = queue.get(timeout=0.2)
            except queue_module.Empty:
                if not child.is_alive():
                    code = child.exitcode
                    raise CtaviewerError(f"{path}: the muon analysis stopped (exit status "
                                         f"{code})") from None
                continue
            kind = message[0]
            if kind == "progress":
                if progress is not None:
                    progress(message[1], message[2])
            elif kind == "done":
                return message[1]
            else:
                raise message[1]
    finally:
        if child.is_alive():
            child.terminate()
        child.join(timeout=5)
        queue.close()


def describe(summary: MuonSummary, tel_id: int | None = None) -> str:
    """One line: rings, events, medians of radius, width and efficiency; a note where the
    file has rings but none of them (of ``tel_id``) an optical efficiency."""
    rings = [r for r in summary.rings if tel_id is None or r.tel_id == tel_id]

    def median(name):
        v = summary.values(name, tel_id)
        return f"{float(np.median(v)):.4g}" if len(v) else "–"

    n_eff = sum(1 for r in rings if math.isfinite(r.optical_efficiency))
    text = (f"{len(rings)} rings in {summary.n_events} events ({n_eff} with an optical "
            f"efficiency); median radius {median('radius_deg')}°, width {median('width_deg')}°,"
            f" efficiency {median('optical_efficiency')}")
    if summary.rings and not n_eff:
        text += " (dual-mirror telescopes: no optical efficiency, no ring width)"
    return text
