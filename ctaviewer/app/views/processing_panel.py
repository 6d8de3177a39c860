"""Processing panel: extractor, cleaning and quality settings edited with widgets; the
current event is re-processed (in the background) while the user changes a value.
"""

from __future__ import annotations

import dataclasses
import math

from ...errors import ConfigError
from ..models import processing
from ..qt import QtCore, QtWidgets

SECTIONS = ("extractor", "cleaning", "quality")


def _choices(section: str, field: str) -> list[str] | None:
    if field != "name":
        return None
    try:
        from ctaviewer import image
    except ImportError:
        return None
    registry = {"extractor": "EXTRACTORS", "cleaning": "CLEANERS"}.get(section)
    reg = getattr(image, registry, None) if registry else None
    return list(reg.names()) if reg is not None else None


class ProcessingPanel(QtWidgets.QWidget):
    def __init__(self, session, parent=None):
        super().__init__(parent)
        self.session = session
        self.editors: dict[tuple[str, str], QtWidgets.QWidget] = {}
        self._debounce = QtCore.QTimer(self, singleShot=True, interval=40)
        self._debounce.timeout.connect(self.apply)
        self.form_host = QtWidgets.QWidget()
        self.form = QtWidgets.QFormLayout(self.form_host)
        self.message = QtWidgets.QLabel()
        self.message.setWordWrap(True)
        self.save_button = QtWidgets.QPushButton("Save TOML…")
        self.load_button = QtWidgets.QPushButton("Load TOML…")
        self.save_button.clicked.connect(self._save)
        self.load_button.clicked.connect(self._load)
        buttons = QtWidgets.QHBoxLayout()
        buttons.addWidget(self.load_button)
        buttons.addWidget(self.save_button)
        scroll = QtWidgets.QScrollArea(widgetResizable=True)
        scroll.setWidget(self.form_host)
        layout = QtWidgets.QVBoxLayout(self)
        layout.setContentsMargins(2, 2, 2, 2)
        layout.addWidget(scroll, 1)
        layout.addWidget(self.message)
        layout.addLayout(buttons)
        session.config_changed.connect(self._sync_from_config)
        session.result_changed.connect(self._show_result)
        self.build()

    # ---------------------------------------------------------------- widgets
    def build(self):
        while self.form.rowCount():
            self.form.removeRow(0)
        self.editors = {}
        cfg = self.session.config
        enabled = cfg is not None
        self.save_button.setEnabled(enabled)
        self.load_button.setEnabled(processing.chain_available())
        if cfg is None:
            self.message.setText("The processing chain (ctaviewer.pipeline) is not installed: "
                                 "cameras show raw data only.")
            return
        for section in SECTIONS:
            part = getattr(cfg, section, None)
            if part is None or not dataclasses.is_dataclass(part):
                continue
            title = QtWidgets.QLabel(f"<b>{section.capitalize()}</b>")
            self.form.addRow(title)
            for f in dataclasses.fields(part):
                editor = self._editor(section, f.name, getattr(part, f.name))
                if editor is not None:
                    self.editors[(section, f.name)] = editor
                    self.form.addRow(f.name.replace("_", " "), editor)

    def _editor(self, section, name, value):
        choices = _choices(section, name)
        if choices:
            w = QtWidgets.QComboBox()
            w.addItems(choices)
            w.setCurrentText(str(value))
            w.currentTextChanged.connect(self._changed)
        elif isinstance(value, bool):
            w = QtWidgets.QCheckBox(checked=value)
            w.toggled.connect(self._changed)
        elif isinstance(value, int):
            w = QtWidgets.QSpinBox(minimum=-1000, maximum=100000, value=value)
            w.valueChanged.connect(self._changed)
        elif isinstance(value, float):
            w = QtWidgets.QDoubleSpinBox(minimum=-1e6, maximum=1e6, decimals=2, singleStep=0.5)
            w.setValue(value if math.isfinite(value) else 0.0)
            w.valueChanged.connect(self._changed)
        elif isinstance(value, str):
            w = QtWidgets.QLineEdit(value)
            w.editingFinished.connect(self._changed)
        elif isinstance(value, tuple) and all(isinstance(v, str) for v in value):
            w = QtWidgets.QLineEdit(" and ".join(value))
            w.setProperty("tuple", True)
            w.editingFinished.connect(self._changed)
        else:
            return None
        return w

    @staticmethod
    def _value(w):
        if isinstance(w, QtWidgets.QComboBox):
            return w.currentText()
        if isinstance(w, QtWidgets.QCheckBox):
            return w.isChecked()
        if isinstance(w, (QtWidgets.QSpinBox, QtWidgets.QDoubleSpinBox)):
            return w.value()
        if w.property("tuple"):
            return tuple(p.strip() for p in w.text().split(" and ") if p.strip())
        return w.text()

    def set_value(self, section: str, name: str, value) -> None:
        """Set an editor's value programmatically (the change is applied like a user edit)."""
        w = self.editors[(section, name)]
        if isinstance(w, QtWidgets.QComboBox):
            w.setCurrentText(str(value))
        elif isinstance(w, QtWidgets.QCheckBox):
            w.setChecked(bool(value))
        elif isinstance(w, (QtWidgets.QSpinBox, QtWidgets.QDoubleSpinBox)):
            w.setValue(value)
        else:
            w.setText(" and ".join(value) if isinstance(value, tuple) else str(value))
            self._changed()

    # ---------------------------------------------------------------- config
    def config_from_widgets(self):
        cfg = self.session.config
        for section in SECTIONS:
            part = getattr(cfg, section, None)
            if part is None or not dataclasses.is_dataclass(part):
                continue
            changes = {n: self._value(w) for (s, n), w in self.editors.items() if s == section}
            cfg = dataclasses.replace(cfg, **{section: dataclasses.replace(part, **changes)})
        return cfg

    def _changed(self, *_):
        self._debounce.start()

    def apply(self):
        """Build the config from the widgets and hand it to the session (re-processes)."""
        self._debounce.stop()
        try:
            cfg = self.config_from_widgets()
            if hasattr(cfg, "validate"):
                cfg.validate()
        except (ConfigError, ValueError, TypeError) as exc:
            self.message.setText(f"<span style='color:#c00'>{exc}</span>")
            return
        self.message.setText("Re-processing…")
        self.session.set_config(cfg)

    def _sync_from_config(self):
        cfg = self.session.config
        for (section, name), w in self.editors.items():
            value = getattr(getattr(cfg, section), name)
            w.blockSignals(True)
            if isinstance(w, QtWidgets.QComboBox):
                w.setCurrentText(str(value))
            elif isinstance(w, QtWidgets.QCheckBox):
                w.setChecked(bool(value))
            elif isinstance(w, (QtWidgets.QSpinBox, QtWidgets.QDoubleSpinBox)):
                w.setValue(value if not isinstance(value, float) or math.isfinite(value) else 0)
            else:
                w.setText(" and ".join(value) if isinstance(value, tuple) else str(value))
            w.blockSignals(False)

    def _show_result(self):
        r = self.session.result
        tel = self.session.selected_tel
        if r is None:
            return
        n = sum(t.n_pixels_cleaned for t in r.tel.values())
        sel = r.tel.get(tel)
        text = f"{n} cleaned pixels in {len(r.tel)} telescopes"
        if sel is not None:
            text += f"; tel {tel}: {sel.n_pixels_cleaned}"
        total = sum(r.timing_ms.values()) if r.timing_ms else math.nan
        self.message.setText(text + (f" · {total:.1f} ms" if math.isfinite(total) else ""))

    def _save(self):
        path, _ = QtWidgets.QFileDialog.getSaveFileName(self, "Save processing settings",
                                                        "ctaviewer.toml", "TOML (*.toml)")
        if path:
            with open(path, "w") as f:
                f.write(self.session.config.to_toml())

    def _load(self):
        path, _ = QtWidgets.QFileDialog.getOpenFileName(self, "Load processing settings", "",
                                                        "TOML (*.toml)")
        if path:
            self.load(path)

    def load(self, path):
        try:
            cfg = processing.load_config(path)
        except (ConfigError, OSError, ValueError) as exc:
            QtWidgets.QMessageBox.warning(self, "Cannot load settings", str(exc))
            return
        self.session.set_config(cfg)
