"""Parameter inspector: every image parameter of every telescope, and the DL2 result."""

from __future__ import annotations

import dataclasses
import math

from ...calib.monitoring import GAINS, MONITORING_QUANTITIES, camera_quantity, summarize
from ...results import IMAGE_PARAMETERS, MUON_PARAMETERS
from ...service.comparison import value_delta, values_differ
from ..models.quantities import has_readout
from ..qt import QtCore, QtGui, QtWidgets
from .lazy import LazyRefreshMixin

#: the background of a value that differs between A and B
DIFFERS = QtGui.QColor(255, 214, 120)


def _tel_value(result, tel_id, name):
    """One row's value of a telescope in ``result`` (None where it has none)."""
    tr = result.tel.get(tel_id)
    if tr is None:
        return None
    muon = (getattr(result, "muon", None) or {}).get(tel_id)
    if name == "passes_quality":
        return tr.passes_quality
    if name == "muon":
        return "" if muon is None else muon.stage
    if name.startswith("muon"):
        return None if muon is None else muon.values.get(name)
    return tr.parameters.get(name)


def dl2_fields(r) -> list[tuple[str, object]]:
    """The DL2 table's rows of a result: (name, value), its status first."""
    fields = [(f.name, getattr(r.geometry, f.name)) for f in dataclasses.fields(r.geometry)]
    fields += [("energy (TeV)", r.energy), ("gammaness", r.gammaness)]
    fields += [(f"impact tel {t} (m)", d) for t, d in sorted(r.impact.items())]
    fields += [(f"time {k} (ms)", v) for k, v in r.timing_ms.items()]
    g = r.geometry
    status = ("valid" if g.is_valid
              else f"invalid: {g.invalid_reason}" if g.invalid_reason else "invalid")
    return [("reconstruction", status)] + [
        (n, v) for n, v in fields if n not in ("is_valid", "invalid_reason")]


def _fmt(v) -> str:
    if isinstance(v, float):
        return "" if math.isnan(v) else f"{v:.4g}"
    if isinstance(v, tuple):
        return ", ".join(map(str, v))
    return str(v)


class ParameterTable(LazyRefreshMixin, QtWidgets.QWidget):
    def __init__(self, session, parent=None):
        super().__init__(parent)
        self.session = session
        self.table = QtWidgets.QTableWidget()
        self.table.setEditTriggers(QtWidgets.QAbstractItemView.NoEditTriggers)
        self.table.horizontalHeader().sectionClicked.connect(self._header_clicked)
        self.dl2 = QtWidgets.QTableWidget()
        self.dl2.setEditTriggers(QtWidgets.QAbstractItemView.NoEditTriggers)
        self.dl2.setColumnCount(2)
        self.dl2.setHorizontalHeaderLabels(["DL2 geometry", "value"])
        self.dl2.verticalHeader().hide()
        self.camera = QtWidgets.QTableWidget()
        self.camera.setEditTriggers(QtWidgets.QAbstractItemView.NoEditTriggers)
        self.camera.setColumnCount(4)
        self.camera.setHorizontalHeaderLabels(
            ["camera quantity", "mean", "spread (σ)", "outliers > 5σ (pixel ids)"])
        self.camera.verticalHeader().hide()
        self.camera.horizontalHeader().setStretchLastSection(True)
        self.camera.setToolTip(
            "The selected telescope's camera quantities over its good pixels (HV-disabled, "
            "unread and uncalibrated pixels left out): mean, standard deviation and the "
            "pixels further than 5σ from the camera median. For a calibration event, its "
            "charge too.")
        self.empty = QtWidgets.QLabel("No processing result for this event yet.")
        split = QtWidgets.QSplitter(QtCore.Qt.Vertical)
        split.addWidget(self.table)
        split.addWidget(self.dl2)
        split.addWidget(self.camera)
        split.setSizes([300, 150, 150])
        self.splitter = split
        self._calibration_layout: bool | None = None
        layout = QtWidgets.QVBoxLayout(self)
        layout.setContentsMargins(2, 2, 2, 2)
        layout.addWidget(self.empty)
        layout.addWidget(split, 1)
        self._tels: list[int] = []  # the telescope of each column
        self.follow_source(session)
        for sig in (session.event_changed, session.result_changed, session.tel_selected):
            sig.connect(self.request_refresh)
        self.comparison = getattr(session, "comparison", None)
        if self.comparison is not None:
            self.comparison.changed.connect(self.request_refresh)
            self.comparison.result_changed.connect(self.request_refresh)

    def show_nothing(self) -> None:
        self.empty.setVisible(True)
        self.table.clear()
        self.table.setRowCount(0)
        self.dl2.setRowCount(0)
        self.camera.setRowCount(0)

    def camera_rows(self) -> list[tuple[str, str, str, str]]:
        """(quantity, mean, spread, outliers) of the selected telescope's camera quantities
        (both gains of the per-gain ones) and, for a calibration event, of its charge."""
        s = self.session
        ev, tel = s.array_event, s.selected_tel
        if ev is None or tel not in ev.tel:
            return []
        data = ev.tel[tel]
        tr = s.tel_result(tel)
        rows = []
        stats = getattr(tr, "calibration_stats", None)
        if stats is not None:
            rows.append((f"charge of this {ev.event_type} event (p.e.)", stats))
        quantities = MONITORING_QUANTITIES if has_readout(s.source) else {}
        for name, (unit, per_gain, _) in quantities.items():
            for g in range(data.n_gains if per_gain else 1):
                values = camera_quantity(name, data, g, tr)
                if values is None:
                    continue
                label = name + (f", {GAINS[g]} gain" if per_gain else "")
                label += f" ({unit})" if unit else ""
                rows.append((label, summarize(values, data.pixel_status)))
        out = []
        for label, sm in rows:
            if sm is None:
                out.append((label, "", "", "no good pixel"))
                continue
            ids = ", ".join(map(str, sm.outliers[:20])) + (
                f" … (+{len(sm.outliers) - 20})" if len(sm.outliers) > 20 else "")
            out.append((label, f"{sm.mean:.4g}", f"{sm.std:.3g}",
                        f"{len(sm.outliers)}: {ids}" if sm.outliers else "none"))
        return out

    def _fill_camera(self) -> None:
        rows = self.camera_rows()
        self.camera.setRowCount(len(rows))
        for k, row in enumerate(rows):
            for c, text in enumerate(row):
                item = QtWidgets.QTableWidgetItem(text)
                if c == 3 and text not in ("none", ""):
                    item.setToolTip(text)
                self.camera.setItem(k, c, item)
        if rows:
            self.camera.resizeColumnsToContents()

    def refresh(self, *_):
        r = self.session.result
        self._fill_camera()
        ev = self.session.array_event
        calibration = bool(getattr(ev, "is_calibration", False))
        if calibration != self._calibration_layout:  # only when the kind of event changes
            self._calibration_layout = calibration
            total = max(sum(self.splitter.sizes()), 300)
            # a calibration event has no image parameters: its charge and the camera
            # quantities get the room
            parts = (0.2, 0.15, 0.65) if calibration else (0.5, 0.25, 0.25)
            self.splitter.setSizes([int(total * f) for f in parts])
        self.empty.setVisible(r is None)
        if r is None:
            self.table.clear()
            self.table.setRowCount(0)
            self.dl2.setRowCount(0)
            return
        cmp = self.comparison
        if cmp is not None and cmp.active:
            self._fill_compared(r, cmp.result_b)
            return
        self.dl2.setColumnCount(2)
        self.dl2.setHorizontalHeaderLabels(["DL2 geometry", "value"])
        self._tels = sorted(r.tel)
        rows = [("passes_quality", "")] + [(n, u) for n, u, _, _ in IMAGE_PARAMETERS]
        muons = getattr(r, "muon", None) or {}
        if muons:  # the muon analysis ran: how far it went, then ctapipe's muon columns
            rows += [("muon", "")] + [(n, u) for n, u, _, _ in MUON_PARAMETERS]
        self.table.setColumnCount(len(self._tels))
        self.table.setRowCount(len(rows))
        self.table.setHorizontalHeaderLabels([f"tel {t}" for t in self._tels])
        self.table.setVerticalHeaderLabels([f"{n} ({u})" if u else n for n, u in rows])
        bold = QtGui.QFont()
        bold.setBold(True)
        for c, t in enumerate(self._tels):
            for k, (name, _) in enumerate(rows):
                muon = muons.get(t)
                item = QtWidgets.QTableWidgetItem(_fmt(_tel_value(r, t, name)))
                if name == "muon" and muon is not None and muon.reason:
                    item.setToolTip(muon.reason)
                item.setTextAlignment(QtCore.Qt.AlignRight | QtCore.Qt.AlignVCenter)
                if t == self.session.selected_tel:
                    item.setFont(bold)
                self.table.setItem(k, c, item)
        fields = dl2_fields(r)
        g, status = r.geometry, fields[0][1]
        self.dl2.setRowCount(len(fields))
        for k, (name, v) in enumerate(fields):
            self.dl2.setItem(k, 0, QtWidgets.QTableWidgetItem(name))
            item = QtWidgets.QTableWidgetItem(_fmt(v))
            self.dl2.setItem(k, 1, item)
            if k == 0:
                item.setToolTip(status)
                if not g.is_valid:  # an invalid result is never read as a reconstruction
                    for c in (0, 1):
                        self.dl2.item(k, c).setForeground(QtGui.QColor(200, 0, 0))

    # ---------------------------------------------------------------- comparison
    def _fill_compared(self, a, b) -> None:
        """Columns A, B and Δ (B − A) per telescope, and in the DL2 table; a value that
        differs between A and B is highlighted (B and Δ). Without B's result yet, B's
        columns are empty."""
        tels = sorted(set(a.tel) | set(b.tel if b is not None else ()))
        rows = [("passes_quality", "")] + [(n, u) for n, u, _, _ in IMAGE_PARAMETERS]
        if getattr(a, "muon", None) or getattr(b, "muon", None):
            rows += [("muon", "")] + [(n, u) for n, u, _, _ in MUON_PARAMETERS]
        self._tels = [t for t in tels for _ in range(3)]
        self.table.setColumnCount(3 * len(tels))
        self.table.setRowCount(len(rows))
        self.table.setHorizontalHeaderLabels(
            [f"tel {t} {part}" for t in tels for part in ("A", "B", "Δ")])
        self.table.setVerticalHeaderLabels([f"{n} ({u})" if u else n for n, u in rows])
        bold = QtGui.QFont()
        bold.setBold(True)
        for c, t in enumerate(tels):
            for k, (name, _) in enumerate(rows):
                va = _tel_value(a, t, name)
                vb = _tel_value(b, t, name) if b is not None else None
                cells = self._compared_cells(va, vb, b is not None)
                for j, item in enumerate(cells):
                    if t == self.session.selected_tel:
                        item.setFont(bold)
                    self.table.setItem(k, 3 * c + j, item)
        # (the processing times differ from run to run whatever the settings: left out)
        fa = [(n, v) for n, v in dl2_fields(a) if not n.startswith("time ")]
        fb = dict(dl2_fields(b)) if b is not None else {}
        self.dl2.setColumnCount(4)
        self.dl2.setHorizontalHeaderLabels(["DL2 geometry", "A", "B", "Δ (B − A)"])
        self.dl2.setRowCount(len(fa))
        for k, (name, va) in enumerate(fa):
            self.dl2.setItem(k, 0, QtWidgets.QTableWidgetItem(name))
            for j, item in enumerate(self._compared_cells(va, fb.get(name), b is not None)):
                self.dl2.setItem(k, 1 + j, item)

    @staticmethod
    def _compared_cells(va, vb, have_b: bool) -> list:
        """The A, B and Δ cells of one value (B and Δ highlighted when A and B differ)."""
        delta = value_delta(va, vb) if have_b else None
        texts = [_fmt(va), _fmt(vb) if have_b else "",
                 "" if delta is None else f"{delta:+.4g}"]
        cells = [QtWidgets.QTableWidgetItem(text) for text in texts]
        for item in cells:
            item.setTextAlignment(QtCore.Qt.AlignRight | QtCore.Qt.AlignVCenter)
        if have_b and values_differ(va, vb):
            for item in cells[1:]:
                item.setBackground(DIFFERS)
                item.setToolTip(f"differs: A {_fmt(va)}, B {_fmt(vb)}")
        return cells

    def differing(self) -> list[tuple[str, int]]:
        """The (row name, telescope) of the parameters that differ between A and B, as
        highlighted (for tests and scripts)."""
        out = []
        for c in range(1, self.table.columnCount(), 3):
            for k in range(self.table.rowCount()):
                item = self.table.item(k, c)
                if item is not None and item.background().color() == DIFFERS:
                    name = self.table.verticalHeaderItem(k).text().split(" (")[0]
                    out.append((name, self._tels[c]))
        return out

    def _header_clicked(self, section):
        if 0 <= section < len(self._tels):
            self.session.select_tel(self._tels[section])
