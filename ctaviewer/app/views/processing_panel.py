"""Processing panel: extractor, cleaning and quality settings edited with widgets; the
current event is re-processed (in the background) while the user changes a value.

Sections, editors, ranges, choices and tooltips all come from the options of
:mod:`ctaviewer.config` (``ProcessingConfig.sections()`` and ``options()``): a setting added
there appears here without code. Choosing another algorithm (``name``) rebuilds its section
with that algorithm's options.
"""

from __future__ import annotations

import dataclasses
import html
import math
import os

from ...errors import ConfigError, OutputError
from ...pipeline import unused_overrides
from ...service import processing
from ...writers.atomic import AtomicOutput, write_error_text
from ..qt import QtCore, QtWidgets

ALL_CAMERAS = "all cameras"
#: the text of an optional number's editor at its minimum, which stands for "unset"
UNSET = "off"


class ProcessingPanel(QtWidgets.QWidget):
    def __init__(self, session, parent=None):
        super().__init__(parent)
        self.session = session
        self.editors: dict[tuple[str, str], QtWidgets.QWidget] = {}
        self._shape: tuple | None = None  # the sections' options classes the editors show
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
        self.compare_group = self._compare_group()
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
        if self.compare_group is not None:
            layout.addWidget(self.compare_group)
        session.config_changed.connect(self._sync_from_config)
        session.source_changed.connect(self._fill_targets)
        session.tel_selected.connect(self._follow_tel)
        session.event_changed.connect(lambda: self._follow_tel(session.selected_tel))
        session.result_changed.connect(self._show_result)
        self.build()

    # ---------------------------------------------------------------- comparison
    def _compare_group(self):
        """The buttons that choose configuration B (None: the session compares nothing)."""
        self.comparison = getattr(self.session, "comparison", None)
        if self.comparison is None:
            return None
        box = QtWidgets.QGroupBox("Compare two configurations")
        self.compare_text = QtWidgets.QLabel()
        self.compare_text.setWordWrap(True)
        self.compare_button = QtWidgets.QPushButton("Compare with…")
        self.compare_button.setToolTip(
            "B = the settings of a saved TOML file; A stays the settings above. The camera "
            "view shows A, B or B − A, the parameters both, the sky view both directions")
        self.compare_button.clicked.connect(self.compare_dialog)
        self.keep_button = QtWidgets.QPushButton("Keep current as B")
        self.keep_button.setToolTip(
            "B = a snapshot of these settings now: edit them (A) and see what changes "
            "(B − A)")
        self.keep_button.clicked.connect(self.keep_as_b)
        self.stop_compare_button = QtWidgets.QPushButton("Stop comparing")
        self.stop_compare_button.setToolTip("Drop B: the views show the current settings only")
        self.stop_compare_button.clicked.connect(self.comparison.stop)
        row = QtWidgets.QHBoxLayout()
        for w in (self.compare_button, self.keep_button, self.stop_compare_button):
            row.addWidget(w)
        layout = QtWidgets.QVBoxLayout(box)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self.compare_text)
        layout.addLayout(row)
        self.comparison.changed.connect(self._show_comparison)
        self.comparison.result_changed.connect(self._show_comparison)
        self._show_comparison()
        return box

    def _show_comparison(self) -> None:
        cmp = self.comparison
        ref = cmp.reference
        self.stop_compare_button.setEnabled(ref is not None)
        self.keep_button.setEnabled(self.session.config is not None)
        self.compare_button.setEnabled(self.session.config is not None)
        if ref is None:
            self.compare_text.setText("Not comparing: A only (the settings above).")
            return
        state = ("processing this event with B…" if cmp.pending
                 else "" if cmp.result_b is not None or self.session.array_event is None
                 else "B has no result for this event yet")
        self.compare_text.setText(f"A: the settings above.<br>{html.escape(ref.description)}"
                                  + (f"<br><i>{state}</i>" if state else ""))
        self.compare_text.setToolTip(ref.config.to_toml())

    def keep_as_b(self) -> None:
        """B = a snapshot of the current settings (then edit them and compare)."""
        self.comparison.snapshot()

    def compare_dialog(self):
        """Tools ▸ Compare with settings…: B = a TOML file chosen in a file dialog (opened
        without blocking: the window keeps running behind it)."""
        dialog = QtWidgets.QFileDialog(self, "Compare with processing settings", "",
                                       "TOML (*.toml)")
        dialog.setObjectName("compare_file_dialog")
        dialog.setFileMode(QtWidgets.QFileDialog.ExistingFile)
        dialog.setAttribute(QtCore.Qt.WA_DeleteOnClose)
        dialog.fileSelected.connect(self.compare_with)
        dialog.open()
        return dialog

    def compare_with(self, path) -> bool:
        """B = the settings of the TOML file ``path``; a file that is not one says why in a
        dialog and the B before stays. True when B changed."""
        try:
            self.comparison.load_toml(path)
        except (ConfigError, OSError, ValueError) as exc:
            QtWidgets.QMessageBox.warning(self, "Cannot compare with these settings",
                                          f"{path}\n\n{exc}" if str(path) not in str(exc)
                                          else str(exc))
            return False
        return True

    # ---------------------------------------------------------------- widgets
    def build(self):
        while self.form.rowCount():
            self.form.removeRow(0)
        self.editors = {}
        cfg = self.session.config
        enabled = cfg is not None
        self.save_button.setEnabled(enabled)
        self._shape = None
        if cfg is None:
            self.message.setText("The processing chain (ctaviewer.pipeline) is not installed: "
                                 "cameras show raw data only.")
            return
        shown = self._sections(cfg)
        self._shape = self._shape_of(shown)
        for section, part in shown.items():
            title = QtWidgets.QLabel(f"<b>{section.capitalize()}</b>")
            self.form.addRow(title)
            for opt in cfg.options(section, self._camera(section)):
                value = part.name if opt.name == "name" else getattr(part, opt.name)
                editor = self._editor(opt, value)
                self.editors[(section, opt.name)] = editor
                self.form.addRow(opt.name.replace("_", " "), editor)
                tip = opt.text()
                editor.setToolTip(tip)
                self.form.labelForField(editor).setToolTip(tip)

    @staticmethod
    def _shape_of(shown: dict) -> tuple:
        """What the editors were built for: each section's options class."""
        return tuple((section, type(part)) for section, part in shown.items())

    def _editor(self, opt, value):
        """The editor of one option: a list of its choices, a check box, a spin box within
        its range (an optional number's minimum reads "off": unset), or a line of text."""
        if opt.choices:
            w = QtWidgets.QComboBox()
            for i, (choice, words) in enumerate(opt.choices.items()):
                w.addItem(choice)
                if words:
                    w.setItemData(i, words, QtCore.Qt.ToolTipRole)
            w.setCurrentText(str(value))
            w.currentTextChanged.connect(self._changed)
        elif opt.kind is bool:
            w = QtWidgets.QCheckBox(checked=bool(value))
            w.toggled.connect(self._changed)
        elif opt.kind is int:
            lo, hi = opt.bounds or (-1000, 100000)
            w = QtWidgets.QSpinBox(minimum=lo, maximum=hi, value=value)
            w.valueChanged.connect(self._changed)
        elif opt.kind is float:
            lo, hi = opt.bounds or (-1e6, 1e6)
            w = QtWidgets.QDoubleSpinBox(minimum=lo, maximum=hi, decimals=2, singleStep=0.5)
            if opt.optional:  # the minimum (0) stands for "unset"
                w.setMinimum(0.0)
                w.setSpecialValueText(UNSET)
            self._set_number(w, value)
            w.valueChanged.connect(self._changed)
        else:
            w = QtWidgets.QLineEdit(str(value))
            w.editingFinished.connect(self._changed)
        return w

    @staticmethod
    def _set_number(w, value) -> None:
        if value is None or (isinstance(value, float) and not math.isfinite(value)):
            w.setValue(w.minimum())
        else:
            w.setValue(value)

    @staticmethod
    def _value(w):
        if isinstance(w, QtWidgets.QComboBox):
            return w.currentText()
        if isinstance(w, QtWidgets.QCheckBox):
            return w.isChecked()
        if isinstance(w, (QtWidgets.QSpinBox, QtWidgets.QDoubleSpinBox)):
            if w.specialValueText() and w.value() == w.minimum():
                return None
            return w.value()
        return w.text()

    def _show(self, w, value) -> None:
        """Put ``value`` in editor ``w`` (signals as the caller leaves them)."""
        if isinstance(w, QtWidgets.QComboBox):
            w.setCurrentText(str(value))
        elif isinstance(w, QtWidgets.QCheckBox):
            w.setChecked(bool(value))
        elif isinstance(w, (QtWidgets.QSpinBox, QtWidgets.QDoubleSpinBox)):
            self._set_number(w, value)
        else:
            w.setText(str(value))

    def set_value(self, section: str, name: str, value) -> None:
        """Set an editor's value programmatically (the change is applied like a user edit)."""
        w = self.editors[(section, name)]
        self._show(w, value)
        if isinstance(w, QtWidgets.QLineEdit):
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

    def _camera(self, section: str) -> str | None:
        """The camera type whose settings a section shows (None: the global ones)."""
        cfg = self.session.config
        if self.target == ALL_CAMERAS or section not in cfg.per_camera_sections():
            return None
        return self.target

    def _sections(self, cfg) -> dict:
        """The section records the editors show: per-camera ones for a camera target."""
        parts = {s: getattr(cfg, s) for s in cfg.sections()}
        if self.target != ALL_CAMERAS:
            parts.update(zip(cfg.per_camera_sections(), cfg.for_camera(self.target)))
        return parts

    # ---------------------------------------------------------------- config
    def config_from_widgets(self):
        """The configuration the editors describe. A section whose algorithm (``name``) was
        changed becomes that algorithm's options, keeping those it shares."""
        cfg = self.session.config
        new = {}
        for section, part in self._sections(cfg).items():
            changes = {n: self._value(w) for (s, n), w in self.editors.items() if s == section}
            name = changes.pop("name", None)
            part = dataclasses.replace(part, **changes)
            new[section] = part.converted(name) if name is not None else part
        if self.target == ALL_CAMERAS:
            return cfg.replace(**new)
        per_camera = cfg.per_camera_sections()
        glob = {s: p for s, p in new.items() if s not in per_camera}
        return cfg.replace(**glob).with_camera(self.target, **{s: new[s] for s in per_camera})

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
        if self._shape_of(shown) != self._shape:  # another algorithm: its own options
            self.build()
            return
        for (section, name), w in self.editors.items():
            part = shown[section]
            w.blockSignals(True)
            self._show(w, part.name if name == "name" else getattr(part, name))
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
            self.save(path)

    def save(self, path) -> bool:
        """Write the settings to ``path`` (TOML), under a temporary name then renamed, so a
        failed write leaves no half-written file; a dialog says why it could not."""
        path = os.fspath(path)
        try:
            if os.path.isdir(path):
                raise OutputError(f"{path}: is a folder, not a file")
            with AtomicOutput(path, overwrite=True) as tmp, \
                    open(tmp, "w", encoding="utf-8") as f:
                f.write(self.session.config.to_toml())
        except OutputError as exc:
            QtWidgets.QMessageBox.warning(self, "Cannot save settings", str(exc))
            return False
        except OSError as exc:
            QtWidgets.QMessageBox.warning(self, "Cannot save settings",
                                          f"{path}: cannot write ({write_error_text(exc)})")
            return False
        return True

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
        source = self.session.source
        unused = unused_overrides(cfg, source.subarray) if source is not None else []
        if unused:  # loaded, but part of it does nothing here: said, not silently kept
            QtWidgets.QMessageBox.warning(self, "Settings loaded", f"{path}:\n\n"
                                          + "\n\n".join(unused))
