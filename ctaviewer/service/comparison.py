"""Comparing two processing configurations: the session's (A) and a second one (B).

``ComparisonState`` holds configuration B, where it came from (a saved TOML file, or a
snapshot of the session's settings taken before an edit) and B's results of the events
processed with it, announcing each change through a ``Signal``. Like ``SessionState`` it
does no work of its own: the application processes the current event with B (off the GUI
thread) and hands the result in, with the generation it was asked for:

    cmp = ComparisonState()
    cmp.load_toml("loose.toml")              # or cmp.snapshot(session.config)
    generation = cmp.generation              # (a worker processes event i with cmp.config)
    cmp.add_result(i, result, generation, source)
    cmp.result_for(i, source)                # B of event i, or None (not yet, or stale)
    cmp.stop()

A result is kept only for the B and the source it was made with: a new B, a stop or
another file (``forget_source``) drops every result, so B is never shown for another
event, another file or other settings. The difference helpers below compute what the
views show as B − A: plain differences of the two results' arrays and values.
"""

from __future__ import annotations

import math
import os
import time
from dataclasses import dataclass

import numpy as np

from .evented import Signal
from .processing import load_config
from .session import RecentResults

#: the camera quantities shown as A, B or B − A (the others show A whatever is chosen)
COMPARED_QUANTITIES = ("charge", "peak time", "cleaning mask")
#: what the camera view can show of a compared quantity
MODES = ("A", "B", "B − A")
#: the states of the cleaning mask's B − A, with the words of its legend
MASK_DIFFERENCE_STATES = ((-1, "in A's image only"), (0, "the same in A and B"),
                          (1, "in B's image only"))


@dataclass(frozen=True)
class Reference:
    """Configuration B and where it came from."""

    config: object  # a ProcessingConfig
    #: "toml" (a saved file) or "snapshot" (the session's settings at ``taken``)
    origin: str
    #: the TOML file's path (origin "toml"), else ""
    path: str = ""
    #: when the snapshot was taken (origin "snapshot"), as HH:MM
    taken: str = ""

    @property
    def label(self) -> str:
        """How the window names B: the file's name, or the snapshot's time."""
        if self.origin == "toml":
            return os.path.basename(self.path) or self.path
        return f"settings before edit at {self.taken}"

    @property
    def description(self) -> str:
        """A sentence saying what B is (the processing panel's and the captions' text)."""
        if self.origin == "toml":
            return f"B: saved settings {self.path}"
        return f"B: snapshot of the settings before edit at {self.taken}"


class ComparisonState:
    """Configuration B (None: not comparing) and B's results of the current file.

    ``changed`` is emitted when B is set or dropped, ``result_changed(index)`` when the
    result of event ``index`` under B has come.
    """

    def __init__(self, cache_size: int = 8):
        self.changed = Signal(name="changed")
        self.result_changed = Signal(int, name="result_changed")
        self.reference: Reference | None = None
        #: counts changes of B (and of the file): a result of an older one is dropped
        self.generation = 0
        self._cache_size = cache_size
        self.results = RecentResults(cache_size)  # event index -> EventResult under B
        self._source = None  # the source the results belong to

    # ---------------------------------------------------------------- B
    @property
    def active(self) -> bool:
        return self.reference is not None

    @property
    def config(self):
        return None if self.reference is None else self.reference.config

    def set_reference(self, reference: Reference) -> None:
        """Compare with ``reference`` from now on (results of another B dropped)."""
        self.reference = reference
        self._drop_results()
        self.changed.emit()

    def load_toml(self, path) -> Reference:
        """Compare with the settings of the TOML file ``path``. A file that cannot be read
        or is not a valid configuration raises ConfigError naming it and the fault; B and
        its results stay as they were."""
        config = load_config(path)
        config.validate()
        reference = Reference(config, "toml", path=os.fspath(path))
        self.set_reference(reference)
        return reference

    def snapshot(self, config, now: float | None = None) -> Reference:
        """Compare with ``config`` (the session's settings now, before they are edited)."""
        taken = time.strftime("%H:%M", time.localtime(now))
        reference = Reference(config, "snapshot", taken=taken)
        self.set_reference(reference)
        return reference

    def stop(self) -> None:
        """Stop comparing: B and its results go."""
        if self.reference is None:
            return
        self.reference = None
        self._drop_results()
        self.changed.emit()

    # ---------------------------------------------------------------- results
    def _drop_results(self) -> None:
        self.generation += 1
        self.results = RecentResults(self._cache_size)

    def forget_source(self) -> None:
        """Another file is open (or none): the results of the one before go."""
        self._drop_results()
        self._source = None

    def add_result(self, index: int, result, generation: int, source) -> bool:
        """Keep B's ``result`` of event ``index`` of ``source`` if it was asked for under
        the current B (``generation``); announced with ``result_changed``. False (dropped)
        when B or the file changed meanwhile."""
        if generation != self.generation or self.reference is None:
            return False
        if self._source is not None and source is not self._source:
            return False
        self._source = source
        self.results[index] = result
        self.result_changed.emit(index)
        return True

    def result_for(self, index: int, source):
        """B's result of event ``index`` of ``source``, or None (not processed yet, another
        file, not comparing)."""
        if self.reference is None or source is None or source is not self._source:
            return None
        result = self.results.get(index)
        return result if result is not None and result.index == index else None


# -------------------------------------------------------------------- differences
def pixel_values(quantity: str, tel_result) -> np.ndarray | None:
    """The per-pixel values of a compared quantity in one telescope's result (float64;
    the cleaning mask as 0 and 1), None without a result."""
    if tel_result is None:
        return None
    if quantity == "charge":
        return np.asarray(tel_result.image, dtype=np.float64)
    if quantity == "peak time":
        return np.asarray(tel_result.peak_time, dtype=np.float64)
    if quantity == "cleaning mask":
        return np.asarray(tel_result.mask, dtype=bool).astype(np.float64)
    raise ValueError(f"{quantity!r} is not compared; compared: {COMPARED_QUANTITIES}")


def pixel_difference(quantity: str, tel_a, tel_b) -> np.ndarray | None:
    """B − A of a compared quantity per pixel: charge (p.e.) and peak time (ns) of B minus
    those of A (NaN where either is NaN); the cleaning mask as +1 (in B's image only), −1
    (in A's only) and 0 (the same in both). None when either result is missing."""
    a, b = pixel_values(quantity, tel_a), pixel_values(quantity, tel_b)
    if a is None or b is None or a.shape != b.shape:
        return None
    return b - a


def mask_counts(tel_a, tel_b) -> dict:
    """How many pixels B's cleaning adds to A's image, removes from it, and keeps."""
    d = pixel_difference("cleaning mask", tel_a, tel_b)
    if d is None:
        return {"added": 0, "removed": 0, "kept": 0}
    both = np.asarray(tel_a.mask, dtype=bool) & np.asarray(tel_b.mask, dtype=bool)
    return {"added": int(np.sum(d > 0)), "removed": int(np.sum(d < 0)),
            "kept": int(np.sum(both))}


def _number(v) -> float | None:
    if isinstance(v, bool | np.bool_):
        return None
    if isinstance(v, int | float | np.integer | np.floating):
        return float(v)
    return None


def value_delta(a, b) -> float | None:
    """B − A of two numbers (None when either is not a number or is NaN: one of them has
    no value)."""
    x, y = _number(a), _number(b)
    if x is None or y is None or math.isnan(x) or math.isnan(y):
        return None
    return y - x


def values_differ(a, b) -> bool:
    """Whether A's and B's value of a parameter differ (NaN equals NaN; a value against a
    missing one differs)."""
    x, y = _number(a), _number(b)
    if x is not None and y is not None:
        if math.isnan(x) and math.isnan(y):
            return False
        return x != y
    return a != b


__all__ = ["COMPARED_QUANTITIES", "MASK_DIFFERENCE_STATES", "MODES", "ComparisonState",
           "Reference", "mask_counts", "pixel_difference", "pixel_values", "value_delta",
           "values_differ"]
