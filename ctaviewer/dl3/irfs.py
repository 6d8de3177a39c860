"""The instrument response functions of a DL3 run, read into numpy arrays and evaluated.

Formats (irfs/*.rst of GADF 0.3): AEFF_2D (effective area vs true energy and offset),
EDISP_2D (migration E_reco/E_true vs true energy and offset), PSF_TABLE (dP/dΩ in radius
bins) and PSF_3GAUSS (three Gaussians), BKG_2D (rate vs energy and offset) and BKG_3D (vs
energy and the field-of-view coordinates DETX/DETY), RAD_MAX_2D (the point-like θ cut).
Each is one table row whose arrays astropy reads with the axes in reversed TDIM order; the
axes are matched by their lengths, and BKG_3D is read in both orders found in the field
(CTA prod5 and H.E.S.S. DR1 write it with the energy axis at opposite ends), as gammapy
reads them.

Values are evaluated by linear interpolation between bin centres, in log10 of the energy and
linearly in offset (gammapy's default axes), clipped to the outermost centres. Units are
converted at reading: TeV, deg, m², s⁻¹ MeV⁻¹ sr⁻¹, sr⁻¹.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..errors import InputFileError
from .index import HDULocation, Run

#: the containment fraction the browser plots
PSF_CONTAINMENT = 0.68


def _table(loc: HDULocation) -> tuple[dict, dict]:
    """(arrays of the first row, keyed by column; header) of the HDU at ``loc``, units
    converted as the module text says."""
    from astropy import units as u

    from .events import read_events_header  # the same opening, with the same errors
    from .index import open_fits

    header = read_events_header(loc)
    with open_fits(loc.path) as hdul:
        data = hdul[loc.name].data
        cols = hdul[loc.name].columns
        if data is None or len(data) < 1:
            raise InputFileError(loc.path, f"{loc.name}: the IRF table has no row")
        target = {"TeV": ("ENERG_LO", "ENERG_HI"),
                  "deg": ("THETA_LO", "THETA_HI", "DETX_LO", "DETX_HI", "DETY_LO", "DETY_HI",
                          "RAD_LO", "RAD_HI", "SIGMA_1", "SIGMA_2", "SIGMA_3", "RAD_MAX"),
                  "m2": ("EFFAREA", "EFFAREA_RECO"), "sr-1": ("RPSF", "SCALE"),
                  "MeV-1 s-1 sr-1": ("BKG",)}
        unit_of = {c: t for t, names in target.items() for c in names}
        out = {}
        for c in cols:
            values = np.array(data[c.name][0], dtype=np.float64)
            want = unit_of.get(c.name)
            if want and c.unit:
                try:
                    values = (values * u.Unit(c.unit)).to_value(u.Unit(want))
                except (u.UnitConversionError, ValueError, TypeError) as exc:
                    raise InputFileError(loc.path, f"{loc.name}: column {c.name} has unit "
                                                   f"{c.unit!r}, not {want}") from exc
            out[c.name] = values
    return out, header


def _require(cols: dict, names, loc: HDULocation) -> None:
    missing = [n for n in names if n not in cols]
    if missing:
        raise InputFileError(loc.path, f"{loc.name} ({loc.hdu_class}) lacks the column(s) "
                                       f"{', '.join(missing)}")


def _arrange(values: np.ndarray, lengths: list[int], loc: HDULocation, what: str):
    """``values`` with its axes in the order of ``lengths`` (matched by length; among equal
    lengths the file's order is kept)."""
    if values.ndim != len(lengths):
        raise InputFileError(loc.path, f"{loc.name}: {what} has {values.ndim} dimensions, "
                                       f"{len(lengths)} expected")
    order, free = [], list(range(values.ndim))
    for n in lengths:
        match = [i for i in free if values.shape[i] == n]
        if not match:
            raise InputFileError(loc.path, f"{loc.name}: {what} of shape {values.shape} does "
                                           f"not fit its axes of lengths {lengths}")
        order.append(match[0])
        free.remove(match[0])
    return np.transpose(values, order)


def _centres(lo, hi, log=False):
    return np.sqrt(lo * hi) if log else 0.5 * (lo + hi)


def _interp(axes: list[np.ndarray], values: np.ndarray, points: list[np.ndarray]):
    """Multilinear interpolation of ``values`` on the grid ``axes`` (increasing centres),
    at ``points`` (clipped to the grid), broadcast together."""
    from scipy.interpolate import RegularGridInterpolator

    pts = np.broadcast_arrays(*[np.asarray(p, dtype=np.float64) for p in points])
    shape = pts[0].shape
    flat = [np.clip(p.ravel(), a[0], a[-1]) for p, a in zip(pts, axes)]
    keep = [len(a) > 1 for a in axes]
    grid = [a for a, k in zip(axes, keep) if k]
    v = values.reshape([len(a) for a, k in zip(axes, keep) if k]) if not all(keep) else values
    if not grid:
        return np.full(shape, float(values.ravel()[0]))
    f = RegularGridInterpolator(grid, v, method="linear")
    return f(np.stack([p for p, k in zip(flat, keep) if k], axis=-1)).reshape(shape)


class _BinCentres:
    """Bin centres of the ``energy_*`` (log) and ``offset_*`` edges of an IRF."""

    @property
    def energy_centres(self) -> np.ndarray:
        return _centres(self.energy_lo, self.energy_hi, log=True)

    @property
    def offset_centres(self) -> np.ndarray:
        return _centres(self.offset_lo, self.offset_hi)


@dataclass
class EnergyOffsetTable(_BinCentres):
    """A quantity binned in true energy (TeV) and offset (deg): ``values[offset, energy]``.
    Used for AEFF_2D (m²), RAD_MAX_2D (deg) and BKG_2D (s⁻¹ MeV⁻¹ sr⁻¹)."""

    energy_lo: np.ndarray
    energy_hi: np.ndarray
    offset_lo: np.ndarray
    offset_hi: np.ndarray
    values: np.ndarray
    unit: str
    hdu_class: str
    point_like: bool
    source: str

    def evaluate(self, energy_tev, offset_deg):
        return _interp([self.offset_centres, np.log10(self.energy_centres)], self.values,
                       [offset_deg, np.log10(energy_tev)])


def _energy_offset(run: Run, kind: str, column: str, unit: str) -> EnergyOffsetTable:
    loc = run.hdu(kind)
    cols, head = _table(loc)
    _require(cols, ("ENERG_LO", "ENERG_HI", "THETA_LO", "THETA_HI", column), loc)
    values = _arrange(cols[column], [len(cols["THETA_LO"]), len(cols["ENERG_LO"])], loc, column)
    return EnergyOffsetTable(cols["ENERG_LO"], cols["ENERG_HI"], cols["THETA_LO"],
                             cols["THETA_HI"], values, unit, loc.hdu_class,
                             str(head.get("HDUCLAS3", "")).upper() == "POINT-LIKE",
                             f"{loc.path} [{loc.name}]")


def effective_area(run: Run) -> EnergyOffsetTable:
    """AEFF_2D: effective area (m²) vs true energy and offset."""
    return _energy_offset(run, "aeff", "EFFAREA", "m²")


def rad_max(run: Run) -> EnergyOffsetTable:
    """RAD_MAX_2D: the θ cut (deg) of point-like IRFs vs energy and offset."""
    return _energy_offset(run, "rad_max", "RAD_MAX", "deg")


@dataclass
class EnergyDispersion(_BinCentres):
    """EDISP_2D: ``matrix[offset, migra, energy]``, dP/dμ with μ = E_reco / E_true."""

    energy_lo: np.ndarray
    energy_hi: np.ndarray
    migra_lo: np.ndarray
    migra_hi: np.ndarray
    offset_lo: np.ndarray
    offset_hi: np.ndarray
    matrix: np.ndarray
    source: str

    def at_offset(self, offset_deg: float) -> np.ndarray:
        """The (migra, energy) matrix of the offset bin holding ``offset_deg``."""
        i = int(np.clip(np.searchsorted(self.offset_hi, offset_deg), 0, len(self.offset_hi) - 1))
        return self.matrix[i]

    def bias_resolution(self, offset_deg: float):
        """(mean μ − 1, standard deviation of μ) per true-energy bin (NaN where empty)."""
        m = self.at_offset(offset_deg)
        width = self.migra_hi - self.migra_lo
        mu = _centres(self.migra_lo, self.migra_hi)
        p = m * width[:, None]
        norm = p.sum(axis=0)
        with np.errstate(invalid="ignore", divide="ignore"):
            mean = (p * mu[:, None]).sum(axis=0) / norm
            var = (p * (mu[:, None] - mean) ** 2).sum(axis=0) / norm
        return mean - 1.0, np.sqrt(var)


def energy_dispersion(run: Run) -> EnergyDispersion:
    loc = run.hdu("edisp")
    cols, _ = _table(loc)
    need = ("ENERG_LO", "ENERG_HI", "MIGRA_LO", "MIGRA_HI", "THETA_LO", "THETA_HI", "MATRIX")
    _require(cols, need, loc)
    lengths = [len(cols["THETA_LO"]), len(cols["MIGRA_LO"]), len(cols["ENERG_LO"])]
    return EnergyDispersion(cols["ENERG_LO"], cols["ENERG_HI"], cols["MIGRA_LO"],
                            cols["MIGRA_HI"], cols["THETA_LO"], cols["THETA_HI"],
                            _arrange(cols["MATRIX"], lengths, loc, "MATRIX"),
                            f"{loc.path} [{loc.name}]")


@dataclass
class PSF(_BinCentres):
    """PSF_TABLE (``rpsf[offset, energy, rad]`` in sr⁻¹ with ``rad`` edges in deg) or
    PSF_3GAUSS (``gauss``: SCALE, SIGMA_1..3 (deg), AMPL_2, AMPL_3 as ``[offset, energy]``)."""

    hdu_class: str
    energy_lo: np.ndarray
    energy_hi: np.ndarray
    offset_lo: np.ndarray
    offset_hi: np.ndarray
    source: str
    rad_lo: np.ndarray | None = None
    rad_hi: np.ndarray | None = None
    rpsf: np.ndarray | None = None
    gauss: dict | None = None

    def containment_table(self, radius_deg: np.ndarray) -> np.ndarray:
        """Fraction of the PSF within each radius: ``[offset, energy, radius]``."""
        r = np.asarray(radius_deg, dtype=np.float64)
        if self.gauss is not None:
            # ∫ 2π r exp(-r²/2σ²) dr = 2πσ² (1 - exp(-r²/2σ²)); the shape is normalised,
            # so SCALE (the peak value) drops out
            g = self.gauss
            comps = [(np.ones_like(g["SIGMA_1"]), g["SIGMA_1"]), (g["AMPL_2"], g["SIGMA_2"]),
                     (g["AMPL_3"], g["SIGMA_3"])]
            total = np.zeros(g["SIGMA_1"].shape + r.shape)
            norm = np.zeros(g["SIGMA_1"].shape)
            for a, s in comps:
                s2 = np.where(s > 0, s, np.nan)[..., None] ** 2
                w = np.where(s > 0, a * np.nan_to_num(s) ** 2, 0.0)
                total += np.nan_to_num(w[..., None] * (1 - np.exp(-r ** 2 / (2 * s2))))
                norm += w
            with np.errstate(invalid="ignore", divide="ignore"):
                return total / norm[..., None]
        # PSF_TABLE: P(<r) = Σ dP/dΩ · 2π r dr over the bins (radians), normalised to the
        # whole table; linear within a bin
        lo, hi = np.deg2rad(self.rad_lo), np.deg2rad(self.rad_hi)
        per_bin = self.rpsf * (np.pi * (hi ** 2 - lo ** 2))
        cum = np.concatenate([np.zeros(per_bin.shape[:-1] + (1,)), np.cumsum(per_bin, -1)], -1)
        with np.errstate(invalid="ignore", divide="ignore"):
            cum = cum / cum[..., -1:]
        edges = np.concatenate([self.rad_lo[:1], self.rad_hi])
        out = np.empty(cum.shape[:-1] + r.shape)
        for idx in np.ndindex(cum.shape[:-1]):
            out[idx] = np.interp(r, edges, cum[idx])
        return out

    def containment_radius(self, fraction: float = PSF_CONTAINMENT,
                           radius_max_deg: float | None = None) -> np.ndarray:
        """The radius (deg) holding ``fraction`` of the PSF, ``[offset, energy]`` at the bin
        centres (NaN where the PSF is empty)."""
        if radius_max_deg is None:
            radius_max_deg = (float(self.rad_hi[-1]) if self.rad_hi is not None
                              else 5.0 * float(np.nanmax(self._sigmas())))
        grid = np.linspace(0.0, radius_max_deg, 4001)
        table = self.containment_table(grid)
        out = np.full(table.shape[:-1], np.nan)
        for idx in np.ndindex(table.shape[:-1]):
            c = table[idx]
            if np.all(np.isfinite(c)) and c[-1] >= fraction:
                k = int(np.searchsorted(c, fraction))
                k = max(k, 1)
                c0, c1 = c[k - 1], c[k]
                t = 0.0 if c1 == c0 else (fraction - c0) / (c1 - c0)
                out[idx] = grid[k - 1] + t * (grid[k] - grid[k - 1])
        return out

    def _sigmas(self) -> np.ndarray:
        g = self.gauss
        return np.concatenate([g["SIGMA_1"].ravel(), g["SIGMA_2"].ravel(), g["SIGMA_3"].ravel()])

    def evaluate_containment_radius(self, energy_tev, offset_deg,
                                    fraction: float = PSF_CONTAINMENT):
        """The containment radius interpolated (log energy, linear offset) between centres."""
        table = self.containment_radius(fraction)
        return _interp([self.offset_centres, np.log10(self.energy_centres)], table,
                       [offset_deg, np.log10(energy_tev)])


def psf(run: Run) -> PSF:
    loc = run.hdu("psf")
    cols, _ = _table(loc)
    _require(cols, ("ENERG_LO", "ENERG_HI", "THETA_LO", "THETA_HI"), loc)
    n_off, n_e = len(cols["THETA_LO"]), len(cols["ENERG_LO"])
    common = dict(hdu_class=loc.hdu_class, energy_lo=cols["ENERG_LO"],
                  energy_hi=cols["ENERG_HI"], offset_lo=cols["THETA_LO"],
                  offset_hi=cols["THETA_HI"], source=f"{loc.path} [{loc.name}]")
    if loc.hdu_class == "PSF_TABLE":
        _require(cols, ("RAD_LO", "RAD_HI", "RPSF"), loc)
        rpsf = _arrange(cols["RPSF"], [n_off, n_e, len(cols["RAD_LO"])], loc, "RPSF")
        return PSF(rad_lo=cols["RAD_LO"], rad_hi=cols["RAD_HI"], rpsf=rpsf, **common)
    if loc.hdu_class == "PSF_3GAUSS":
        names = ("SCALE", "SIGMA_1", "SIGMA_2", "SIGMA_3", "AMPL_2", "AMPL_3")
        _require(cols, names, loc)
        gauss = {n: _arrange(cols[n], [n_off, n_e], loc, n) for n in names}
        return PSF(gauss=gauss, **common)
    raise InputFileError(loc.path, f"{loc.name}: PSF format {loc.hdu_class} is not read "
                                   "(PSF_TABLE and PSF_3GAUSS are)")


@dataclass
class Background(_BinCentres):
    """BKG_2D (``rate[energy, offset]``, ``offset_*`` edges) or BKG_3D (``rate[energy,
    dety, detx]``, ``detx_*``/``dety_*`` edges), in s⁻¹ MeV⁻¹ sr⁻¹."""

    hdu_class: str
    energy_lo: np.ndarray
    energy_hi: np.ndarray
    rate: np.ndarray
    source: str
    offset_lo: np.ndarray | None = None
    offset_hi: np.ndarray | None = None
    detx_lo: np.ndarray | None = None
    detx_hi: np.ndarray | None = None
    dety_lo: np.ndarray | None = None
    dety_hi: np.ndarray | None = None

    @property
    def max_offset_deg(self) -> float:
        if self.offset_hi is not None:
            return float(self.offset_hi[-1])
        return float(min(np.abs(self.detx_lo[0]), self.detx_hi[-1]))

    def evaluate(self, energy_tev, offset_deg):
        """The rate at ``energy_tev`` and ``offset_deg`` (for BKG_3D along +DETX, DETY=0),
        interpolated in the logarithm of the rate (as gammapy does: a steep spectrum)."""
        loge = np.log10(self.energy_centres)
        tiny = np.finfo(np.float64).tiny
        log_rate = np.log(np.maximum(self.rate, tiny))
        if self.offset_lo is not None:
            out = _interp([loge, _centres(self.offset_lo, self.offset_hi)], log_rate,
                          [np.log10(energy_tev), offset_deg])
        else:
            out = _interp([loge, _centres(self.dety_lo, self.dety_hi),
                           _centres(self.detx_lo, self.detx_hi)], log_rate,
                          [np.log10(energy_tev), 0.0, offset_deg])
        rate = np.exp(out)
        positive = self.rate[self.rate > 0]
        floor = float(positive.min()) if positive.size else np.inf
        # between a filled bin and an empty one the logarithm falls to ~-700: no rate
        return np.where(rate >= floor * (1 - 1e-9), rate, 0.0)


def background(run: Run) -> Background:
    loc = run.hdu("bkg")
    cols, _ = _table(loc)
    _require(cols, ("ENERG_LO", "ENERG_HI", "BKG"), loc)
    n_e = len(cols["ENERG_LO"])
    src = f"{loc.path} [{loc.name}]"
    if loc.hdu_class == "BKG_2D":
        _require(cols, ("THETA_LO", "THETA_HI"), loc)
        rate = _arrange(cols["BKG"], [n_e, len(cols["THETA_LO"])], loc, "BKG")
        return Background("BKG_2D", cols["ENERG_LO"], cols["ENERG_HI"], rate, src,
                          offset_lo=cols["THETA_LO"], offset_hi=cols["THETA_HI"])
    if loc.hdu_class == "BKG_3D":
        _require(cols, ("DETX_LO", "DETX_HI", "DETY_LO", "DETY_HI"), loc)
        values = cols["BKG"]
        # the axes are the reverse of the file's order: (DETY, DETX, ENERG) as GADF and CTA
        # prod5 have them, or (ENERG, DETX, DETY) as H.E.S.S. DR1 (gammapy reads both so)
        if values.ndim != 3 or n_e not in (values.shape[0], values.shape[-1]):
            raise InputFileError(loc.path, f"{loc.name}: BKG of shape {values.shape} does not "
                                           f"fit {n_e} energy bins")
        if values.shape[-1] == n_e:
            rate = np.moveaxis(values, -1, 0)
        else:
            rate = np.swapaxes(values, 1, 2)
        if rate.shape[1:] != (len(cols["DETY_LO"]), len(cols["DETX_LO"])):
            raise InputFileError(loc.path, f"{loc.name}: BKG of shape {values.shape} does not "
                                           "fit its DETX/DETY axes")
        return Background("BKG_3D", cols["ENERG_LO"], cols["ENERG_HI"], rate, src,
                          detx_lo=cols["DETX_LO"], detx_hi=cols["DETX_HI"],
                          dety_lo=cols["DETY_LO"], dety_hi=cols["DETY_HI"])
    raise InputFileError(loc.path, f"{loc.name}: background format {loc.hdu_class} is not "
                                   "read (BKG_2D and BKG_3D are)")


def load_irfs(run: Run) -> tuple[dict, dict]:
    """Every IRF of ``run`` that can be read: (kind -> object, kind -> error message)."""
    readers = {"aeff": effective_area, "psf": psf, "edisp": energy_dispersion,
               "bkg": background, "rad_max": rad_max}
    out, errors = {}, {}
    for kind in run.irf_types:
        try:
            out[kind] = readers[kind](run)
        except InputFileError as exc:
            errors[kind] = str(exc)
    return out, errors
