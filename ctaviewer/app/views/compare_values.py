"""What a camera view draws when it compares two configurations: B's values, or B − A.

A is the session's result, B the comparison's (``app.models.comparison``). B is drawn as A
is (``camera_values.camera_colors``, through ``SessionUnderB``); B − A is the plain
difference of the two results (``service.comparison.pixel_difference``) on a diverging
colour map centred on zero, the cleaning mask's as three states with a legend.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ...service.comparison import COMPARED_QUANTITIES, MASK_DIFFERENCE_STATES, pixel_difference
from .. import colors
from ..models.quantities import TWO_STATES
from .camera_values import camera_colors

#: the colour map of every B − A: blue below zero, white at zero, red above
DIFFERENCE_CMAP = "CET-D1"


class SessionUnderB:
    """The session as it would be with configuration B: its event and file, B's settings
    and B's result (what ``camera_colors`` reads)."""

    def __init__(self, session, comparison):
        self.array_event = session.array_event
        self.source = session.source
        self.config = comparison.config
        self.result = comparison.result_b

    def tel_result(self, tel_id):
        return None if self.result is None else self.result.tel.get(tel_id)


@dataclass
class Compared:
    """What the camera draws for A, B or B − A of one telescope."""

    values: np.ndarray  # per pixel, in the quantity's unit (B − A: the difference)
    index: np.ndarray  # LUT index per pixel (N_COLORS: no value)
    lo: float
    hi: float
    cmap: str
    #: the legend of a state quantity: (text, LUT index) per state; None: a scale
    states: tuple | None
    #: the colour bar's label (names the quantity and what is shown)
    label: str


#: the colour map of the cleaning mask's B − A: four blocks of the LUT, for pixels in A's
#: image only (blue), in neither (light grey), in both (grey) and in B's only (red)
MASK_CMAP = "ctaviewer mask difference"
_MASK_BLOCKS = ((0, (40, 90, 220)), (1, (236, 236, 236)), (2, (150, 150, 150)),
                (3, (200, 20, 20)))
#: LUT index of each state: in A only (−1), in neither (0), in both (0), in B only (+1)
MASK_INDEX = {"removed": 0, "neither": 96, "both": 160, "added": colors.N_COLORS - 1}


def _mask_lut() -> str:
    table = np.zeros((colors.N_COLORS, 4), dtype=np.uint8)
    width = colors.N_COLORS // len(_MASK_BLOCKS)
    for k, rgb in _MASK_BLOCKS:
        table[k * width:(k + 1) * width, :3] = rgb
        table[k * width:(k + 1) * width, 3] = 255
    return colors.register(MASK_CMAP, table)


def mask_difference_index(d: np.ndarray, mask_a: np.ndarray) -> np.ndarray:
    """LUT index of the cleaning mask's B − A (−1, 0, +1); a 0 is told apart by whether
    the pixel is in both images (``mask_a``) or in neither."""
    d = np.asarray(d)
    index = np.where(np.asarray(mask_a, dtype=bool), MASK_INDEX["both"], MASK_INDEX["neither"])
    index[d < 0] = MASK_INDEX["removed"]
    index[d > 0] = MASK_INDEX["added"]
    return index.astype(np.int32)


#: the legend of the mask's B − A: (text, LUT index), −1 at the bottom
MASK_DIFFERENCE_LEGEND = (
    (f"−1: {MASK_DIFFERENCE_STATES[0][1]}", MASK_INDEX["removed"]),
    ("0: in neither image", MASK_INDEX["neither"]),
    ("0: in both images", MASK_INDEX["both"]),
    (f"+1: {MASK_DIFFERENCE_STATES[2][1]}", MASK_INDEX["added"]),
)


def compared_colors(session, comparison, display, tel_id: int, mode: str,
                    name: str) -> Compared | None:
    """B's colours (``mode`` "B") or B − A's ("B − A") of a compared quantity of one
    telescope, labelled from ``name`` (the quantity and its unit); None when B (or A, for
    the difference) has no result for this telescope yet."""
    quantity = display.quantity
    if quantity not in COMPARED_QUANTITIES:
        return None
    if mode == "B":
        out = camera_colors(SessionUnderB(session, comparison), display, tel_id)
        if out is None:
            return None
        values, index, lo, hi = out
        states = None
        if quantity in TWO_STATES:
            off, on = TWO_STATES[quantity]
            states = ((off, 0), (on, colors.N_COLORS - 1))
        return Compared(values, index, lo, hi, display.cmap, states, f"B: {name}")
    d = pixel_difference(quantity, session.tel_result(tel_id),
                         comparison.tel_result_b(tel_id))
    if d is None:
        return None
    if quantity == "cleaning mask":
        index = mask_difference_index(d, session.tel_result(tel_id).mask)
        return Compared(d, index, -1.0, 1.0, _mask_lut(), MASK_DIFFERENCE_LEGEND,
                        "B − A: cleaning mask")
    finite = np.abs(d[np.isfinite(d)])
    _, hi = colors.limits(finite, display.limit_mode, display.percentile,
                          (0.0, max(abs(display.fixed[0]), abs(display.fixed[1]))))
    hi = hi if hi > 0 else 1.0
    return Compared(d, colors.to_index(d, -hi, hi, "linear"), -hi, hi, DIFFERENCE_CMAP,
                    None, f"B − A: {name}")


def caption(comparison, mode: str, quantity: str, detail: str = "") -> str:
    """The sentence above the camera saying what is shown (A, B or B − A) and what B is;
    ``detail`` (``difference_summary``) follows it."""
    ref = comparison.reference
    if ref is None:
        return ""
    b = f"B = {ref.label}"
    if quantity not in COMPARED_QUANTITIES:
        return (f"Showing A (the current settings): {quantity} is not compared "
                f"(A/B applies to {', '.join(COMPARED_QUANTITIES)}). {b}.")
    if mode == "A":
        text = f"Showing A: the current settings. {b}."
    elif mode == "B":
        text = f"Showing B: {ref.label}. A = the current settings."
    else:
        text = f"Showing B − A: ({ref.label}) minus (the current settings)."
    return f"{text} {detail}" if detail else text


def difference_summary(quantity: str, d: np.ndarray, counts: dict | None = None) -> str:
    """How B − A of one camera reads in words: the pixels the cleaning adds, removes and
    keeps; for charge and peak time, how many pixels differ and by how much at most."""
    if quantity == "cleaning mask" and counts is not None:
        return (f"Cleaning: B adds {counts['added']} pixels, removes {counts['removed']}, "
                f"keeps {counts['kept']}.")
    unit = {"charge": "p.e.", "peak time": "ns"}.get(quantity, "")
    finite = np.isfinite(d)
    unknown = int(np.count_nonzero(~finite))
    note = (f" ({unknown} pixel{'s' if unknown != 1 else ''} without a value in A or B)"
            if unknown else "")
    differ = int(np.count_nonzero(d[finite]))
    if differ == 0:
        return f"A and B have the same {quantity} in every pixel{note}."
    top = float(np.max(np.abs(d[finite])))
    return (f"{differ} of {d.size} pixels differ, by at most {top:.3g} {unit}{note}.")


__all__ = ["DIFFERENCE_CMAP", "MASK_CMAP", "MASK_DIFFERENCE_LEGEND", "MASK_INDEX", "Compared",
           "SessionUnderB", "caption", "compared_colors", "difference_summary",
           "mask_difference_index"]
