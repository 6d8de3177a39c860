"""θ² distributions around a chosen position, with OFF regions, excess and significance.

For each run the ON region is a circle of radius √θ²_cut around the target; the OFF regions
are circles of the same radius at the same offset from the pointing, rotated about it:
``wobble`` takes the one opposite the target, ``reflected`` as many as fit around the ring
without touching the ON region or each other (at most ``max_off``). α = 1 / n_off per run;
runs are stacked with α = Σ α_i N_off,i / Σ N_off,i. The significance is Li & Ma (1983)
equation 17.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ..coords import angular_separation
from ..errors import CtaviewerError

MODES = ("reflected", "wobble")


def offset_by(ra_deg, dec_deg, position_angle_deg, separation_deg):
    """The point at ``separation_deg`` from (ra, dec) towards ``position_angle_deg`` (east of
    north), on the sphere."""
    ra, dec = np.deg2rad(ra_deg), np.deg2rad(dec_deg)
    pa, sep = np.deg2rad(position_angle_deg), np.deg2rad(separation_deg)
    dec2 = np.arcsin(np.sin(dec) * np.cos(sep) + np.cos(dec) * np.sin(sep) * np.cos(pa))
    ra2 = ra + np.arctan2(np.sin(pa) * np.sin(sep) * np.cos(dec),
                          np.cos(sep) - np.sin(dec) * np.sin(dec2))
    return np.rad2deg(ra2) % 360.0, np.rad2deg(dec2)


def position_angle(ra1, dec1, ra2, dec2):
    """Position angle (deg, east of north) of point 2 seen from point 1."""
    ra1, dec1, ra2, dec2 = (np.deg2rad(v) for v in (ra1, dec1, ra2, dec2))
    dra = ra2 - ra1
    return np.rad2deg(np.arctan2(np.sin(dra) * np.cos(dec2),
                                 np.cos(dec1) * np.sin(dec2)
                                 - np.sin(dec1) * np.cos(dec2) * np.cos(dra)))


def off_positions(pointing: tuple[float, float], on: tuple[float, float], radius_deg: float,
                  mode: str = "reflected", max_off: int = 11) -> list[tuple[float, float]]:
    """OFF-region centres (RA, Dec) for an ON region at ``on`` (see the module text)."""
    if mode not in MODES:
        raise CtaviewerError(f"unknown OFF-region mode {mode!r}: use one of {', '.join(MODES)}")
    offset = float(angular_separation(on[1], on[0], pointing[1], pointing[0]))
    if offset <= radius_deg:
        raise CtaviewerError(
            f"the ON region (radius {radius_deg:.3g}°) covers the pointing (target "
            f"{offset:.3g}° from it): no OFF region at the same offset fits")
    pa = float(position_angle(pointing[0], pointing[1], on[0], on[1]))
    if mode == "wobble":
        angles = [180.0]
    else:
        # neighbours on the ring must be 2 r apart: a step of 2 asin(r / offset) at least
        step = 2.0 * np.degrees(np.arcsin(min(1.0, radius_deg / offset)))
        n = int(np.floor(360.0 / step + 1e-9))
        if n < 2:
            raise CtaviewerError(f"no reflected OFF region fits at offset {offset:.3g}° for an "
                                 f"ON radius of {radius_deg:.3g}°")
        n = min(n, max_off + 1)
        angles = [360.0 * k / n for k in range(1, n)]
    return [tuple(float(v) for v in offset_by(pointing[0], pointing[1], pa + a, offset))
            for a in angles]


def li_ma_significance(n_on: float, n_off: float, alpha: float) -> float:
    """Li & Ma (1983) equation 17, signed by the excess."""
    if n_on <= 0 and n_off <= 0:
        return 0.0
    total = n_on + n_off
    with np.errstate(divide="ignore", invalid="ignore"):
        t_on = n_on * np.log((1 + alpha) / alpha * n_on / total) if n_on > 0 else 0.0
        t_off = n_off * np.log((1 + alpha) * n_off / total) if n_off > 0 else 0.0
    s = np.sqrt(max(0.0, 2.0 * (t_on + t_off)))
    return float(np.sign(n_on - alpha * n_off) * s)


@dataclass
class RunRegions:
    obs_id: int
    pointing: tuple[float, float]
    off: list[tuple[float, float]]
    n_on: int
    n_off: int


@dataclass
class Theta2Result:
    """θ² histograms (deg²) of ON and of the OFF regions (scaled by α), and the counts
    within ``theta2_cut``."""

    edges: np.ndarray
    on_counts: np.ndarray
    off_counts: np.ndarray  # already × α
    theta2_cut: float
    n_on: int
    n_off: int
    alpha: float
    runs: list[RunRegions] = field(default_factory=list)

    @property
    def excess(self) -> float:
        return self.n_on - self.alpha * self.n_off

    @property
    def significance(self) -> float:
        return li_ma_significance(self.n_on, self.n_off, self.alpha)


def theta2(event_lists, target: tuple[float, float], theta2_cut: float = 0.0125,
           theta2_max: float = 0.3, n_bins: int = 30, mode: str = "reflected",
           max_off: int = 11) -> Theta2Result:
    """θ² around ``target`` (RA, Dec deg) of ``event_lists`` (``events.EventList``), with
    OFF regions per run (see the module text)."""
    if theta2_cut <= 0:
        raise CtaviewerError(f"the θ² cut must be positive, not {theta2_cut}")
    edges = np.linspace(0.0, theta2_max, n_bins + 1)
    on_h = np.zeros(n_bins)
    off_h = np.zeros(n_bins)
    radius = float(np.sqrt(theta2_cut))
    total_on = total_off = 0
    weighted_alpha = 0.0
    runs = []
    for ev in event_lists:
        pointing = (ev.ra_pnt, ev.dec_pnt)
        offs = off_positions(pointing, target, radius, mode, max_off)
        alpha = 1.0 / len(offs)
        t2_on = angular_separation(ev.dec, ev.ra, target[1], target[0]) ** 2
        on_h += np.histogram(t2_on, edges)[0]
        n_on = int((t2_on < theta2_cut).sum())
        n_off = 0
        for ra, dec in offs:
            t2 = angular_separation(ev.dec, ev.ra, dec, ra) ** 2
            off_h += alpha * np.histogram(t2, edges)[0]
            n_off += int((t2 < theta2_cut).sum())
        total_on += n_on
        total_off += n_off
        weighted_alpha += alpha * n_off
        runs.append(RunRegions(ev.obs_id, pointing, offs, n_on, n_off))
    if not runs:
        raise CtaviewerError("no observation with events: nothing to count")
    if total_off > 0:
        alpha = weighted_alpha / total_off
    else:
        alpha = float(np.mean([1.0 / len(r.off) for r in runs]))
    return Theta2Result(edges, on_h, off_h, float(theta2_cut), total_on, total_off, alpha,
                        runs)
