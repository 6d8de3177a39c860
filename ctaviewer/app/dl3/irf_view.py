"""The IRF plots of a DL3 run: effective area vs energy (several offsets) and vs offset
(several energies), PSF containment radius vs energy, the energy-dispersion matrix, the
background rate vs energy, and for point-like IRFs the RAD_MAX cut (else the energy bias
and resolution from the dispersion)."""

from __future__ import annotations

import numpy as np

from ...dl3.irfs import PSF_CONTAINMENT
from ..colors import series_color
from ..qt import QtCore, QtWidgets, pg

#: offsets (deg) and energies (TeV) the curves are drawn at
OFFSETS = (0.5, 1.0, 1.5, 2.0, 2.5)
ENERGIES = (0.3, 1.0, 3.0, 10.0)


def _offsets_within(offset_hi) -> list[float]:
    top = float(offset_hi[-1])
    return [o for o in OFFSETS if o < top] or [float(0.5 * top)]


def _log_energy_grid(lo, hi, n=200):
    return np.geomspace(float(lo[0]), float(hi[-1]), n)


class IRFView(QtWidgets.QWidget):
    def __init__(self, parent=None):
        super().__init__(parent)
        self.caption = QtWidgets.QLabel(wordWrap=True)
        self.caption.setObjectName("dl3_irf_caption")
        self.layout_widget = pg.GraphicsLayoutWidget()
        self.layout_widget.setObjectName("dl3_irf_plots")
        layout = QtWidgets.QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.caption)
        layout.addWidget(self.layout_widget, 1)
        self.plots = {}
        titles = (("aeff_e", "Effective area vs true energy"),
                  ("aeff_off", "Effective area vs offset"),
                  ("psf", f"PSF {PSF_CONTAINMENT:.0%} containment radius"),
                  ("edisp", "Energy dispersion (offset {:.2g}°)"),
                  ("bkg", "Background rate (FoV, DETY = 0)"),
                  ("extra", "θ cut (RAD_MAX)"))
        for i, (key, title) in enumerate(titles):
            p = self.layout_widget.addPlot(row=i // 3, col=i % 3, title=title)
            p.showGrid(x=True, y=True, alpha=0.2)
            for axis in ("left", "bottom"):
                p.getAxis(axis).enableAutoSIPrefix(False)
            p.addLegend(offset=(-5, -5) if key == "aeff_e" else (-5, 5), labelTextSize="8pt")
            self.plots[key] = p
        self.titles = dict(titles)
        self.shown: dict[str, int] = {}

    def _reset(self, key: str, title: str | None = None):
        p = self.plots[key]
        p.clear()
        if p.legend is not None:
            p.legend.clear()
        p.setTitle(title or self.titles[key])
        return p

    def show_irfs(self, irfs: dict, errors: dict, obs_id: int) -> None:
        """Plot what ``irfs`` (kind -> object of ``dl3.irfs``) holds; ``errors`` (kind ->
        message) are written in the caption and in the plots they empty."""
        self.shown = {}
        for key in self.plots:
            self._reset(key)
        missing = [k for k in ("aeff", "psf", "edisp", "bkg") if k not in irfs]
        aeff = irfs.get("aeff")
        kind = ("point-like" if aeff is not None and aeff.point_like else "full-enclosure")
        parts = [f"IRFs of observation {obs_id} ({kind})"]
        if missing:
            parts.append("none of: " + ", ".join(missing))
        parts += [f"{k}: {m}" for k, m in errors.items()]
        self.caption.setText("; ".join(parts))
        if aeff is not None:
            self._aeff(aeff)
        if "psf" in irfs:
            self._psf(irfs["psf"])
        if "edisp" in irfs:
            self._edisp(irfs["edisp"])
        if "bkg" in irfs:
            self._bkg(irfs["bkg"])
        if "rad_max" in irfs:
            self._rad_max(irfs["rad_max"])
        elif "edisp" in irfs:
            self._bias(irfs["edisp"])
        # an empty plot says why: the run has no such IRF, or its values are all zero
        needs = {"aeff_e": "aeff", "aeff_off": "aeff", "psf": "psf", "edisp": "edisp",
                 "bkg": "bkg", "extra": "edisp"}
        for key, plot in self.plots.items():
            drawn = [i for i in plot.listDataItems() if len(i.xData if i.xData is not None
                                                             else ()) > 0]
            if self.shown.get(key, 0) and (drawn or key == "edisp"):
                continue
            why = "not in this run" if needs[key] not in irfs else "no value above zero"
            plot.setTitle(f"{plot.titleLabel.text} — {why}")
            if plot.legend is not None:
                plot.legend.clear()
            self.shown[key] = 0

    def _aeff(self, a):
        p = self._reset("aeff_e")
        p.setLogMode(x=True, y=True)
        e = _log_energy_grid(a.energy_lo, a.energy_hi)
        for i, off in enumerate(_offsets_within(a.offset_hi)):
            v = a.evaluate(e, off)
            ok = v > 0
            p.plot(e[ok], v[ok], pen=pg.mkPen(series_color(i), width=2), name=f"{off:g}°")
        p.setLabel("bottom", "true energy (TeV)")
        p.setLabel("left", "A_eff (m²)")
        self.shown["aeff_e"] = len(p.listDataItems())
        p = self._reset("aeff_off")
        p.setLogMode(x=False, y=False)
        off = np.linspace(float(a.offset_centres[0]), float(a.offset_centres[-1]), 100)
        for i, en in enumerate(ENERGIES):
            if not a.energy_lo[0] <= en <= a.energy_hi[-1]:
                continue
            if len(a.offset_centres) == 1:  # one offset bin: its value, as a point
                p.plot(a.offset_centres, a.evaluate(en, a.offset_centres) / 1e4, pen=None,
                       symbol="o", symbolBrush=series_color(i), name=f"{en:g} TeV")
                continue
            p.plot(off, a.evaluate(en, off) / 1e4, pen=pg.mkPen(series_color(i), width=2),
                   name=f"{en:g} TeV")
        p.setLabel("bottom", "offset (°)")
        p.setLabel("left", "A_eff (10⁴ m²)")
        self.shown["aeff_off"] = len(p.listDataItems())

    def _psf(self, psf):
        p = self._reset("psf", f"PSF {PSF_CONTAINMENT:.0%} containment radius ({psf.hdu_class})")
        p.setLogMode(x=True, y=False)
        r = psf.containment_radius(PSF_CONTAINMENT)
        e = psf.energy_centres
        bins = dict.fromkeys(int(np.argmin(np.abs(psf.offset_centres - off)))
                             for off in _offsets_within(psf.offset_hi))
        for i, j in enumerate(bins):
            ok = np.isfinite(r[j])
            p.plot(e[ok], r[j][ok], pen=pg.mkPen(series_color(i), width=2), symbol="o",
                   symbolSize=4, symbolBrush=series_color(i),
                   name=f"{psf.offset_centres[j]:.2g}°")
        p.setLabel("bottom", "true energy (TeV)")
        p.setLabel("left", f"R{PSF_CONTAINMENT * 100:.0f} (°)")
        self.shown["psf"] = len(p.listDataItems())

    def _edisp(self, ed):
        off = float(ed.offset_lo[0] + ed.offset_hi[0]) / 2 if len(ed.offset_lo) == 1 else 0.5
        i = int(np.clip(np.searchsorted(ed.offset_hi, off), 0, len(ed.offset_hi) - 1))
        centre = 0.5 * (ed.offset_lo[i] + ed.offset_hi[i])
        p = self._reset("edisp", self.titles["edisp"].format(centre))
        p.setLogMode(x=True, y=False)
        m = ed.matrix[i]  # (migra, energy)
        # the image lives in log10(E) for x (the axis is in log mode) and migra for y; the
        # bins are resampled onto a regular grid of each (nearest bin)
        loge = np.linspace(np.log10(ed.energy_lo[0]), np.log10(ed.energy_hi[-1]), 300)
        mu_hi = min(3.0, float(ed.migra_hi[-1]))
        mu = np.linspace(float(ed.migra_lo[0]), mu_hi, 300)
        ie = np.clip(np.searchsorted(ed.energy_hi, 10 ** loge), 0, len(ed.energy_hi) - 1)
        im = np.clip(np.searchsorted(ed.migra_hi, mu), 0, len(ed.migra_hi) - 1)
        img = m[np.ix_(im, ie)]
        item = pg.ImageItem(img.astype(np.float32), axisOrder="row-major")
        item.setColorMap(pg.colormap.get("viridis"))
        item.setRect(QtCore.QRectF(loge[0], mu[0], loge[-1] - loge[0], mu[-1] - mu[0]))
        p.addItem(item)
        p.setLabel("bottom", "true energy (TeV)")
        p.setLabel("left", "μ = E_reco / E_true")
        self.shown["edisp"] = int(np.count_nonzero(img))

    def _bkg(self, b):
        p = self._reset("bkg", f"Background rate ({b.hdu_class})")
        p.setLogMode(x=True, y=True)
        e = _log_energy_grid(b.energy_lo, b.energy_hi)
        offs = [o for o in (0.0, *OFFSETS) if o < b.max_offset_deg]
        for i, off in enumerate(offs[:5]):
            v = b.evaluate(e, off)
            ok = v > 0
            p.plot(e[ok], v[ok], pen=pg.mkPen(series_color(i), width=2), name=f"{off:g}°")
        p.setLabel("bottom", "reco energy (TeV)")
        p.setLabel("left", "rate (s⁻¹ MeV⁻¹ sr⁻¹)")
        self.shown["bkg"] = len(p.listDataItems())

    def _rad_max(self, rm):
        p = self._reset("extra", "θ cut (RAD_MAX_2D)")
        p.setLogMode(x=True, y=False)
        e = rm.energy_centres
        for i, off in enumerate(_offsets_within(rm.offset_hi)[:3]):
            p.plot(e, rm.evaluate(e, off), pen=pg.mkPen(series_color(i), width=2),
                   stepMode=None, symbol="o", symbolSize=4, name=f"{off:g}°")
        p.setLabel("bottom", "reco energy (TeV)")
        p.setLabel("left", "RAD_MAX (°)")
        self.shown["extra"] = len(p.listDataItems())

    def _bias(self, ed):
        p = self._reset("extra", "Energy bias and resolution (offset 0.5°)")
        p.setLogMode(x=True, y=False)
        bias, res = ed.bias_resolution(0.5)
        e = np.sqrt(ed.energy_lo * ed.energy_hi)
        ok = np.isfinite(bias)
        p.plot(e[ok], bias[ok], pen=pg.mkPen(series_color(0), width=2), name="bias ⟨μ⟩ − 1")
        p.plot(e[ok], res[ok], pen=pg.mkPen(series_color(1), width=2), name="resolution σ(μ)")
        p.setYRange(-0.5, 1.0)
        p.setLabel("bottom", "true energy (TeV)")
        self.shown["extra"] = len(p.listDataItems())
