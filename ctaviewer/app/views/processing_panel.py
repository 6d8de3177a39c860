"""Processing panel: extractor, cleaning and quality settings edited with widgets; the
current event is re-processed (in the background) while the user changes a value.
"""

from __future__ import annotations

import dataclasses
import html
import math

from ...config import FIELD_CHOICES, FIELD_HELP
from ...errors import ConfigError
from ...service import processing
from ..qt import QtCore, QtWidgets

SECTIONS = ("extractor", "cleaning", "parameters", "quality", "stereo", "calibration")
#: sections that can differ per camera (``camera_overrides``)
PER_CAMERA = ("extractor", "cleaning")
ALL_CAMERAS = "all cameras"


#: settings whose allowed values are the names of a registry: (module, registry)
_REGISTRIES = {
    ("extractor", "name"): ("ctaviewer.image", "EXTRACTORS"),
    ("cleaning", "name"): ("ctaviewer.image", "CLEANERS"),
    ("stereo", "name"): ("ctaviewer.reco", "RECONSTRUCTORS"),
    ("calibration", "invalid_pixel_handler"): ("ctaviewer.image.invalid_pixels",
                                               "INVALID_PIXEL_HANDLERS"),
}


def _choices(section: str, field: str) -> list[str] | None:
    fixed = FIELD_CHOICES.get(f"{section}.{field}")
    if fixed is not None:
        return list(fixed)
    import importlib

    where = _REGISTRIES.get((section, field))
    if where is None:
        return None
    try:
        reg = getattr(importlib.import_module(where[0]), where[1])
    except (ImportError, AttributeError):
        return None
    return list(reg.names())


class ProcessingPanel(QtWidgets.QWidget):
    def __init__(self, session, parent=None):
        super().__init__(parent)
        self.session = session
        self.editors: dict[tuple[str, str], QtWidgets.QWidget] = {}
        self._debounce = QtCore.QTimer(self, singleShot=True, interval=40)
        self._debounce.timeout.connect(self.apply)
        self.target_box = QtWidgets.QComboBox()
        self.target_box.setToolTip("Extractor and cleaning settings are edited for one camera "
                                   "type (its overrides) or for all cameras")
        self.target_box.currentTextChanged.connect(lambda _: self._sync_from_config())
        self.target_box.textActivated.connect(self._target_chosen)
        self._follow_selection = True  # until the user picks "all cameras"
        self.form_host = QtWidgets.QWidget()
        self.form = QtWidgets.QFormLayout(self.form_host)
        self.message = QtWidgets.QLabel()
        self.message.setWordWrap(True)
        self.save_button = QtWidgets.QPushButton("Save TOML…")
        self.load_button = QtWidgets.QPushButton("Load TOML…")
        self.save_button.clicked.connect(self._save)
        self.save_button.setToolTip("Save these processing settings to a TOML file (for "
                                    "ctaviewer process --config or the batch panel)")
        self.load_button.setToolTip("Load processing settings from a TOML file")
        self.load_button.clicked.connect(self._load)
        buttons = QtWidgets.QHBoxLayout()
        buttons.addWidget(self.load_button)
        buttons.addWidget(self.save_button)
        scroll = QtWidgets.QScrollArea(widgetResizable=True)
        scroll.setWidget(self.form_host)
        layout = QtWidgets.QVBoxLayout(self)
        layout.setContentsMargins(2, 2, 2, 2)
        target = QtWidgets.QHBoxLayout()
        target.addWidget(QtWidgets.QLabel("Settings for"))
        target.addWidget(self.target_box, 1)
        layout.addLayout(target)
        layout.addWidget(scroll, 1)
        layout.addWidget(self.message)
        layout.addLayout(buttons)
        session.config_changed.connect(self._sync_from_config)
        session.source_changed.connect(self._fill_targets)
        session.tel_selected.connect(self._follow_tel)
        session.event_changed.connect(lambda: self._follow_tel(session.selected_tel))
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
        if cfg is None:
            self.message.setText("The processing chain (ctaviewer.pipeline) is not installed: "
                                 "cameras show raw data only.")
            return
        for section, part in self._sections(cfg).items():
            title = QtWidgets.QLabel(f"<b>{section.capitalize()}</b>")
            self.form.addRow(title)
            for f in dataclasses.fields(part):
                editor = self._editor(section, f.name, getattr(part, f.name))
                if editor is not None:
                    self.editors[(section, f.name)] = editor
                    self.form.addRow(f.name.replace("_", " "), editor)
                    tip = FIELD_HELP.get(f"{section}.{f.name}", "")
                    editor.setToolTip(tip)
                    self.form.labelForField(editor).setToolTip(tip)

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

    # ---------------------------------------------------------------- target camera
    @property
    def target(self) -> str:
        return self.target_box.currentText() or ALL_CAMERAS

    def _fill_targets(self):
        self.target_box.blockSignals(True)
        self.target_box.clear()
        self.target_box.addItem(ALL_CAMERAS)
        for cam in self.session.source.subarray.camera_types:
            self.target_box.addItem(cam.name)
        self.target_box.blockSignals(False)
        self._sync_from_config()

    def _target_chosen(self, text):
        self._follow_selection = text != ALL_CAMERAS

    def _follow_tel(self, tel_id):
        if tel_id is None or self.session.source is None or not self._follow_selection:
            return
        cam = self.session.source.subarray.tels[tel_id].camera.name
        if cam != self.target:
            self.target_box.setCurrentText(cam)

    def _sections(self, cfg) -> dict:
        """The section records the editors show: per-camera ones for a camera target."""
        parts = {s: getattr(cfg, s, None) for s in SECTIONS}
        if cfg is not None and self.target != ALL_CAMERAS and hasattr(cfg, "for_camera"):
            parts["extractor"], parts["cleaning"] = cfg.for_camera(self.target)
        return {s: p for s, p in parts.items() if p is not None and dataclasses.is_dataclass(p)}

    # ---------------------------------------------------------------- config
    def config_from_widgets(self):
        cfg = self.session.config
        shown = self._sections(cfg)
        new = {}
        for section, part in shown.items():
            changes = {n: self._value(w) for (s, n), w in self.editors.items() if s == section}
            new[section] = dataclasses.replace(part, **changes)
        if self.target == ALL_CAMERAS:
            return dataclasses.replace(cfg, **new)
        overrides = {cam: {sec: dict(v) for sec, v in parts.items()}
                     for cam, parts in cfg.camera_overrides.items()}
        mine = {}
        for section in PER_CAMERA:
            base = getattr(cfg, section)
            diff = {f.name: getattr(new[section], f.name) for f in dataclasses.fields(base)
                    if getattr(new[section], f.name) != getattr(base, f.name)}
            if diff:
                mine[section] = diff
        overrides[self.target] = mine
        glob = {s: p for s, p in new.items() if s not in PER_CAMERA}
        return dataclasses.replace(cfg, camera_overrides=overrides, **glob)

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
            # escaped: a message may quote "<" (the quality query's comparisons)
            self.message.setText(f"<span style='color:#c00'>{html.escape(str(exc))}</span>")
            return
        self.message.setText("Re-processing…")
        self.session.set_config(cfg)

    def _sync_from_config(self):
        cfg = self.session.config
        if cfg is None:
            return
        shown = self._sections(cfg)
        for (section, name), w in self.editors.items():
            value = getattr(shown[section], name)
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
            text += "" if sel.passes_quality else " (fails the quality query)"
        total = sum(r.timing_ms.values()) if r.timing_ms else math.nan
        ms = f"; processed in {total:.0f} ms" if math.isfinite(total) else ""
        self.message.setText(text + ms)

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
