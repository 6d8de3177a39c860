"""The main window: the large camera view in the centre, the other views in docks, menus,
status bar, drag and drop, settings restored from QSettings.
"""

from __future__ import annotations

import html
import os

from ..dl3.index import opens_in_dl3_browser
from ..errors import InputFileError
from ..io import supported_formats
from ..service.session import describe_path
from . import colors, table_lookup
from . import settings as app_settings
from .about import about_text
from .export import EXPORT_FILTER, export_widget
from .models.bookmarks import BookmarkModel
from .models.display import DisplaySettings
from .models.file_table import FileTableModel
from .models.session import SessionModel
from .qt import QtCore, QtGui, QtWidgets
from .views import array_view
from .views.array_view import ArrayView
from .views.bookmark_list import BookmarkList
from .views.camera_grid import CameraGrid
from .views.camera_view import CameraView
from .views.event_table import EventTable
from .views.health_view import HealthView
from .views.lazy import first_draws
from .views.muon_summary_view import MuonSummaryView
from .views.parameter_table import ParameterTable
from .views.processing_panel import ProcessingPanel
from .views.quiet_progress import QuietProgressBar
from .views.sky_view import SkyView
from .views.table_progress import TableProgress
from .views.waveform_view import WaveformView

LAYOUT_VERSION = 1


def prepare_cameras(source) -> None:
    """Build the pixel outlines of every camera type (runs in the indexing thread)."""
    from .views.camera_item import pixel_paths
    from .views.pixel_map import geometry_lookup

    for cam in source.subarray.camera_types:
        paths, rect = pixel_paths(cam.geometry)
        geometry_lookup(cam.geometry, paths, rect)


class MainWindow(QtWidgets.QMainWindow):
    def __init__(self, session: SessionModel | None = None, restore: bool = True):
        super().__init__()
        self.setWindowTitle("ctaviewer")
        self.setAcceptDrops(True)
        self.setDockNestingEnabled(True)
        self.session = session or SessionModel()
        self.display = DisplaySettings()
        self.session.prepare_hooks.append(prepare_cameras)
        s, d = self.session, self.display

        if s.config is not None:
            d.update(quantity="charge")
        self.camera_view = CameraView(s, d)
        self.setCentralWidget(self.camera_view)
        self.camera_grid = CameraGrid(s, d)
        self.waveform_view = WaveformView(s)
        self.array_view = ArrayView(s)
        self.sky_view = SkyView(s)
        self.event_table = EventTable(s)
        self.file_table = FileTableModel(s, self)  # the whole-file table (Process whole file)
        self.event_table.attach(self.file_table)
        self.parameter_table = ParameterTable(s)
        self.processing_panel = ProcessingPanel(s)
        self.health_view = HealthView(s)
        self.muon_summary = MuonSummaryView(s)
        self.bookmarks = BookmarkModel(s, self)
        self.bookmark_list = BookmarkList(s, self.bookmarks)
        self.dl3_browser = None  # the DL3 browser window, made when DL3 data is opened
        self.docks: dict[str, QtWidgets.QDockWidget] = {}
        L, R, B = (QtCore.Qt.LeftDockWidgetArea, QtCore.Qt.RightDockWidgetArea,
                   QtCore.Qt.BottomDockWidgetArea)
        self._add_dock("events", "Events", self.event_table, L)
        self._add_dock("processing", "Processing", self.processing_panel, L)
        self._add_dock("grid", "Telescopes", self.camera_grid, R)
        self._add_dock("array", "Array", self.array_view, R)
        self._add_dock("sky", "Sky", self.sky_view, R)
        self._add_dock("waveforms", "Waveforms", self.waveform_view, B)
        self._add_dock("parameters", "Parameters", self.parameter_table, B)
        self._add_dock("health", "Camera health", self.health_view, B)
        self._add_dock("muons", "Muon summary", self.muon_summary, B)
        self._add_batch_dock()
        self._add_performance_dock()
        self._add_dock("bookmarks", "Bookmarks", self.bookmark_list, L)
        for table in self.findChildren(QtWidgets.QTableView):
            corner = table.findChild(QtWidgets.QAbstractButton, "qt_tableview_cornerbutton")
            if corner is not None:
                corner.setToolTip("Select the whole table")
        self.tabifyDockWidget(self.docks["events"], self.docks["processing"])
        self.tabifyDockWidget(self.docks["processing"], self.docks["bookmarks"])
        self.docks["bookmarks"].hide()  # Event ▸ Bookmarks shows it
        self.docks["events"].raise_()
        self.tabifyDockWidget(self.docks["array"], self.docks["sky"])
        self.docks["array"].raise_()
        self.tabifyDockWidget(self.docks["waveforms"], self.docks["parameters"])
        self.tabifyDockWidget(self.docks["parameters"], self.docks["health"])
        self.tabifyDockWidget(self.docks["health"], self.docks["muons"])
        self.tabifyDockWidget(self.docks["muons"], self.docks["performance"])
        self.docks["waveforms"].raise_()
        # the minimum size the layout last set is that of the docks side by side, before
        # they were tabified (~1960 px wide): wider than many screens, and resize() would
        # keep to it. The layout computes it anew here, from the docks as they now are.
        self.layout().activate()
        self.resize(1600, 1000)
        self.resizeDocks([self.docks["events"], self.docks["grid"]],
                         [self.event_table.sizeHint().width(), 330],
                         QtCore.Qt.Horizontal)
        self.resizeDocks([self.docks["grid"], self.docks["array"]], [520, 380],
                         QtCore.Qt.Vertical)
        self.resizeDocks([self.docks["waveforms"]], [280], QtCore.Qt.Vertical)
        self._default_state = self.saveState(LAYOUT_VERSION)

        self.file_label = QtWidgets.QLabel()
        self.event_label = QtWidgets.QLabel()
        self.timing_label = QtWidgets.QLabel()
        # the open file's warnings (truncated, damaged, unknown camera): the first and how
        # many more, the whole text in its tooltip; a click shows them all
        self.warning_button = QtWidgets.QToolButton(autoRaise=True)
        self.warning_button.setObjectName("warning_button")
        self.warning_button.setToolTip("Warnings about the open file (click to show them all)")
        self.warning_button.clicked.connect(self.show_warnings)
        self.warning_button.hide()
        self.progress = QuietProgressBar(maximumWidth=260, maximum=1000)
        self.progress.fit_text("1000000 events · 100%")  # its text while a file indexes
        self.progress.hide()
        sb = self.statusBar()
        sb.addWidget(self.file_label, 1)
        sb.addWidget(self.event_label, 1)
        sb.addPermanentWidget(self.warning_button)
        sb.addPermanentWidget(self.timing_label)
        sb.addPermanentWidget(self.progress)
        self.table_progress = TableProgress(self.file_table)
        sb.addPermanentWidget(self.table_progress)
        self.file_table.failed.connect(self.show_error)

        self._play_timer = QtCore.QTimer(self, interval=700)
        self._play_timer.timeout.connect(self._play_step)
        self._warned_files: set[str] = set()  # files whose warnings had their dialog
        self._build_menus()

        s.source_changed.connect(self._update_title)
        s.source_changed.connect(self._file_opened)
        s.source_changed.connect(self._update_status)
        s.warned.connect(self._warned)
        s.event_changed.connect(self._update_status)
        s.result_changed.connect(self._update_status)
        s.index_progress.connect(self._progress)
        s.indexing_changed.connect(self._indexing)
        s.rows_added.connect(self._indexing)
        s.indexing_changed.connect(self._update_status)
        s.rows_added.connect(self._update_status)
        s.busy.connect(self._busy)
        s.busy.connect(self._update_status)  # "processing…" is not said while waiting
        s.error.connect(self.show_error)
        self.bookmarks.changed.connect(self._update_status)
        if restore:
            self.restore_settings()
        # the colour-lookup kernel (numba) loads while the window waits for a file: loaded
        # in a thread when the first camera is drawn, it would hold the GIL against the GUI
        # thread for the ~1 s of that first drawing
        QtCore.QTimer.singleShot(0, table_lookup.warm_up)
        # the array view's colour map is read from pyqtgraph's files (~10 ms) before a file
        # comes, not in the turn that first draws an event
        QtCore.QTimer.singleShot(0, lambda: colors.brushes(array_view.CMAP))

    # ---------------------------------------------------------------- construction
    def _add_dock(self, key, title, widget, area):
        dock = QtWidgets.QDockWidget(title, self)
        dock.setObjectName(f"dock_{key}")
        dock.setWidget(widget)
        for name, tip in (
                ("qt_dockwidget_closebutton", f"Close the {title} panel (View ▸ {title} "
                                              "shows it again)"),
                ("qt_dockwidget_floatbutton", f"Detach the {title} panel into its own window "
                                              "(double-click its title to dock it again)")):
            button = dock.findChild(QtWidgets.QAbstractButton, name)
            if button is not None:
                button.setToolTip(tip)
        dock.dockLocationChanged.connect(self._schedule_tab_cleanup)
        dock.topLevelChanged.connect(self._schedule_tab_cleanup)
        self.addDockWidget(area, dock)
        self.docks[key] = dock
        return dock

    def _add_batch_dock(self):
        try:
            from .batch_dock import BatchPanel
        except ImportError:
            return
        self._add_dock("batch", "Batch", BatchPanel(), QtCore.Qt.BottomDockWidgetArea)
        self.docks["batch"].hide()

    def _add_performance_dock(self):
        """View ▸ Performance: pyirf performance plots of DL2 files (hidden at first)."""
        from .performance.dock import PerformancePanel

        self.performance_panel = PerformancePanel(self)
        dock = self._add_dock("performance", "Performance", self.performance_panel,
                              QtCore.Qt.BottomDockWidgetArea)
        dock.toggleViewAction().triggered.connect(lambda on: on and dock.raise_())
        dock.hide()

    def _build_menus(self):
        from .actions import build_menus

        self.actions_by_id = build_menus(self)

    @property
    def drawing(self) -> bool:
        """Whether views are still drawing the event over event-loop turns (a new file's
        first drawings, the telescope grid's new cells): what a screenshot waits for."""
        grid = self.camera_grid
        return bool(len(first_draws()) or grid.building or grid.colouring)

    # ---------------------------------------------------------------- files
    def open_path(self, path=None, event_index: int = 0, synchronous: bool = False,
                  selection=None) -> bool:
        """Open ``path`` (None: the built-in array); False when it failed at once (the
        error shown). A file that fails later (the background open) is reported by the
        session's ``error``; either way the file open before stays open, whole.
        ``selection``: the telescopes and events to read (``io.selection``). A folder or
        a FITS file (GADF DL3) opens in the DL3 browser instead."""
        if path is not None and opens_in_dl3_browser(path):
            return self.open_dl3(path, synchronous=synchronous)
        try:
            self.session.open(path, event_index=event_index, synchronous=synchronous,
                              selection=selection)
        except InputFileError as exc:
            self.show_error("Cannot open file", f"{exc.path}\n\n{exc.cause}")
            return False
        except Exception as exc:  # with synchronous=True, anything the reader raised
            self.show_error("Cannot open file", f"{describe_path(path)}\n\n"
                                                f"{type(exc).__name__}: {exc}")
            return False
        return True

    def _file_opened(self):
        """A file is open (not merely asked for): it joins the recent files."""
        path = self.session.path
        if path is not None:
            self.set_recent(app_settings.add_recent_file(path))
        self._update_warnings()

    @staticmethod
    def open_filter() -> str:
        """The Open dialog's filter: every supported format together, then one per reader."""
        formats = supported_formats()
        every = sorted({"*" + e for _, exts in formats for e in exts})
        patterns = [f"All supported files ({' '.join(every)})"]
        for desc, exts in formats:
            patterns.append(f"{desc} ({' '.join('*' + e for e in exts)})")
        patterns.append("DL3 GADF FITS, in the DL3 browser (*.fits *.fits.gz)")
        patterns.append("All files (*)")
        return ";;".join(patterns)

    def open_dialog(self):
        start = os.path.dirname(self.session.path) if self.session.path else ""
        path, _ = QtWidgets.QFileDialog.getOpenFileName(self, "Open", start, self.open_filter())
        if path:
            self.open_path(path)

    def open_dl3(self, path, synchronous: bool = False) -> bool:
        """Show ``path`` (a GADF folder, index or run file) in the DL3 browser window (one,
        reused); its errors are dialogs of that window."""
        from .dl3.window import DL3Browser

        if self.dl3_browser is None:
            self.dl3_browser = DL3Browser(self)
            # a DL3 folder or file read joins the recent files, as an event file does
            self.dl3_browser.loaded.connect(
                lambda index: self.set_recent(app_settings.add_recent_file(index.path)))
        self.dl3_browser.show()
        self.dl3_browser.raise_()
        self.dl3_browser.open(path, synchronous=synchronous)
        return True

    def open_dl3_dialog(self):
        """File ▸ Open DL3: choose a DL3 folder (a run file opens through File ▸ Open)."""
        path = QtWidgets.QFileDialog.getExistingDirectory(self, "Open DL3 folder")
        if path:
            self.open_dl3(path)

    def set_recent(self, files):
        menu = self.recent_menu
        menu.clear()
        for p in files:
            action = menu.addAction(os.path.basename(p), lambda p=p: self.open_path(p))
            action.setToolTip(p)
            action.setStatusTip(f"Open {p}")
        menu.setEnabled(bool(files))

    def export_view(self, key: str, path: str | None = None) -> str | None:
        widget = self if key == "window" else (
            self.camera_view if key == "camera" else self.docks[key].widget())
        if path is None:
            path, _ = QtWidgets.QFileDialog.getSaveFileName(
                self, "Export view", f"ctaviewer-{key}.png", EXPORT_FILTER)
            if not path:
                return None
        try:
            return export_widget(widget, path)
        except (OSError, ValueError) as exc:
            self.show_error("Export failed", str(exc))
            return None

    def export_event(self, path: str | None = None) -> str | None:
        from .export_event import export_event_dl1

        if path is None:
            ev = self.session.array_event
            name = f"event_{ev.event_id}.dl1.h5" if ev is not None else "event.dl1.h5"
            path, _ = QtWidgets.QFileDialog.getSaveFileName(self, "Export event as DL1", name,
                                                            "HDF5 (*.h5 *.hdf5)")
            if not path:
                return None
        try:
            return export_event_dl1(self.session, path)
        except Exception as exc:  # writer errors are shown with their cause
            self.show_error("Export failed", f"{path}\n\n{type(exc).__name__}: {exc}")
            return None

    def dragEnterEvent(self, ev):
        if ev.mimeData().hasUrls():
            ev.acceptProposedAction()

    def dropEvent(self, ev):
        urls = [u.toLocalFile() for u in ev.mimeData().urls() if u.isLocalFile()]
        if urls:
            self.open_path(urls[0])

    # ---------------------------------------------------------------- events
    def go_to_dialog(self):
        """Event ▸ Go to event: an event id or #position (``goto_dialog``)."""
        from .goto_dialog import show_go_to_dialog

        return show_go_to_dialog(self)

    def toggle_bookmark(self):
        """Bookmark the current event or remove its bookmark (said in the status bar)."""
        now = self.bookmarks.toggle_current()
        if now is None:
            self.statusBar().showMessage("Bookmarks are kept for files: open one", 4000)
            return
        ev = self.session.array_event
        self.statusBar().showMessage(
            f"Event id {ev.event_id} (#{self.session.event_index}) "
            + ("bookmarked" if now else "no longer bookmarked"), 4000)

    def show_bookmarks(self):
        dock = self.docks["bookmarks"]
        dock.show()
        dock.raise_()
        self.bookmark_list.list.setFocus()

    def toggle_play(self, on: bool):
        if on:
            self._play_timer.start()
        else:
            self._play_timer.stop()

    def _play_step(self):
        s = self.session
        later = self.event_table.next_visible(s.going_to, +1)
        if later is not None:
            s.go_to(later)
        elif not s.indexing:
            self.actions_by_id["event.play"].setChecked(False)

    def step(self, direction: int):
        """Next/previous among the events the event list shows (its filter applies)."""
        target = self.event_table.next_visible(self.session.going_to, direction)
        if target is not None:
            self.session.go_to(target)

    # ---------------------------------------------------------------- status
    def _update_title(self):
        path = self.session.path
        name = os.path.basename(path) if path else "simulated array (built-in)"
        self.setWindowTitle(f"{name} — ctaviewer")
        sub = self.session.source.subarray
        self.file_label.setText(f"{name} · {sub.n_tels} telescopes")

    def _update_status(self, *_):
        s = self.session
        ev = s.array_event
        if ev is None:  # (nothing of a file before stays said)
            if s.source is None:
                text = ""  # no file open
            elif s.n_events:
                text = "no event shown"
            else:
                text = "no events yet (indexing)" if s.indexing else "no events in this file"
            self.event_label.setText(text)
            self.timing_label.setText("")
            return
        e = f", E = {ev.simulation.energy:.3g} TeV" if ev.simulation else ""
        more = "+" if s.indexing else ""
        mark = " · ★ bookmarked" if self.bookmarks.is_bookmarked() else ""
        self.event_label.setText(
            f"event #{s.event_index} of {s.n_events}{more} · id {ev.event_id} · "
            f"{ev.n_tels} telescopes{e}{mark}")
        parts = [f"read {s.timing.get('read_ms', 0):.1f} ms"]
        if s.result is not None and s.result.timing_ms:
            parts.append(f"processed {sum(s.result.timing_ms.values()):.1f} ms")
        elif s.can_process and s.waiting_for is None:  # (not while leaving it)
            parts.append("processing…")
        self.timing_label.setText(" · ".join(parts))

    def _warned(self, path: str, messages: list):
        """New warnings about the open file: in the status bar, and the first time for
        this file in a dialog."""
        self._update_warnings()
        key = path or "built-in"
        if key not in self._warned_files:
            self._warned_files.add(key)
            self.show_warnings()

    def _short_warnings(self) -> list[str]:
        """The open file's warnings without the file name they start with (it is shown)."""
        path = self.session.path
        prefix = f"{path}: " if path else ""
        return [w[len(prefix):] if prefix and w.startswith(prefix) else w
                for w in self.session.warnings]

    def _update_warnings(self):
        """The status bar's warning: the first of the open file's, and how many more; the
        whole text in its tooltip, all of them in a dialog on a click."""
        warnings = self._short_warnings()
        self.warning_button.setVisible(bool(warnings))
        if not warnings:
            return
        more = f" (+{len(warnings) - 1} more)" if len(warnings) > 1 else ""
        metrics = self.warning_button.fontMetrics()
        first = metrics.elidedText(warnings[0], QtCore.Qt.ElideRight, 520)
        self.warning_button.setText(f"⚠ {first}{more}")
        self.warning_button.setToolTip("\n".join(self.session.warnings)
                                       + "\n(click to show them all)")

    def show_warnings(self):
        """The open file's warnings in a dialog (non-blocking); None when there are none."""
        warnings = self._short_warnings()
        if not warnings:
            return None
        path = self.session.path
        name = os.path.basename(path) if path else "the built-in simulated array"
        n = len(warnings)
        box = QtWidgets.QMessageBox(
            QtWidgets.QMessageBox.Warning, "Warnings about the file",
            f"<b>{html.escape(name)}</b>: {n} warning{'s' if n != 1 else ''}"
            + (f"<br><small>{html.escape(path)}</small>" if path else ""),
            QtWidgets.QMessageBox.Ok, self)
        box.setObjectName("warning_dialog")
        box.setInformativeText("\n\n".join(f"• {w}" for w in warnings))
        box.setStyleSheet("QLabel#qt_msgbox_label, QLabel#qt_msgbox_informativelabel "
                          "{ min-width: 420px; }")
        box.setAttribute(QtCore.Qt.WA_DeleteOnClose)
        box.open()
        self.warning_dialog = box
        return box

    def _progress(self, fraction):
        self.progress.show()
        self.progress.setValue(int(1000 * fraction))

    def _busy(self, text):
        if text:
            self.statusBar().showMessage(text)
            if not self.session.indexing:
                self.progress.setValue(0)
            self.progress.show()
        else:
            self.statusBar().clearMessage()
            self._indexing()

    def _indexing(self, *_):
        """While the open file is being indexed: the progress bar says how many events are
        listed so far (the status bar keeps showing the event)."""
        s = self.session
        self.progress.setVisible(s.indexing or bool(s.state.busy_text))
        if s.indexing:
            self.progress.setFormat(f"{s.n_events} events · %p%")
            self.progress.setToolTip("The file is being indexed: its events are listed as "
                                     "they are found")
        else:
            self.progress.setFormat("%p%")
            self.progress.setToolTip("")

    def show_error(self, title: str, message: str):
        box = QtWidgets.QMessageBox(QtWidgets.QMessageBox.Warning, title, message,
                                    QtWidgets.QMessageBox.Ok, self)
        box.setObjectName("error_dialog")
        if QtGui.QGuiApplication.platformName() == "offscreen":
            self.last_error = (title, message)  # no one can click: log instead of blocking
            box.deleteLater()
            return
        box.exec()

    def about(self):
        """The About box (non-blocking): versions, with a button that copies them."""
        from .about import versions_plain

        box = QtWidgets.QMessageBox(QtWidgets.QMessageBox.Information, "About ctaviewer",
                                    about_text(), QtWidgets.QMessageBox.Close, self)
        box.setObjectName("about_dialog")
        box.setAttribute(QtCore.Qt.WA_DeleteOnClose)
        box.setTextInteractionFlags(QtCore.Qt.TextSelectableByMouse)
        copy = box.addButton("Copy versions", QtWidgets.QMessageBox.ActionRole)
        copy.setToolTip("Copy the versions to the clipboard (for a bug report)")
        box.button(QtWidgets.QMessageBox.Close).setToolTip("Close this window")
        copy.clicked.connect(
            lambda: QtWidgets.QApplication.clipboard().setText(versions_plain()))
        box.open()
        return box

    # ---------------------------------------------------------------- settings
    def reset_layout(self):
        for dock in self.docks.values():
            dock.setFloating(False)
            dock.show()
        self.restoreState(self._default_state, LAYOUT_VERSION)
        self._schedule_tab_cleanup()

    def _schedule_tab_cleanup(self, *_):
        QtCore.QTimer.singleShot(0, self.hide_stale_tab_bars)

    def showEvent(self, ev):  # noqa: N802 (Qt API)
        super().showEvent(ev)
        self._schedule_tab_cleanup()

    def hide_stale_tab_bars(self) -> int:
        """Hide dock tab bars that QMainWindow leaves behind; returns how many.

        Qt 6.11 keeps a second tab bar from ``tabifyDockWidget`` visible at the position the
        group had when it was made (e.g. a "Waveforms | Parameters" bar over the event list).
        A bar in use sits against the dock of its current tab; any other one is stale.
        """
        self.layout().activate()  # geometries as laid out now (a raised tab moves its bar)
        by_title = {d.windowTitle(): d for d in self.docks.values()}
        hidden = 0
        for bar in self.findChildren(QtWidgets.QTabBar):
            if bar.parent() is not self or not bar.isVisible():
                continue
            dock = by_title.get(bar.tabText(bar.currentIndex()))
            if dock is None:
                continue
            g, b = dock.geometry(), bar.geometry()
            attached = (not dock.isFloating() and abs(g.left() - b.left()) <= 2
                        and (abs(g.bottom() + 1 - b.top()) <= 2
                             or abs(b.bottom() + 1 - g.top()) <= 2))
            if not attached:
                bar.hide()
                hidden += 1
        return hidden

    def restore_settings(self):
        st = app_settings.settings()
        geometry = st.value("window/geometry")
        state = st.value("window/state")
        if geometry is not None:
            self.restoreGeometry(geometry)
        if state is not None:
            self.restoreState(state, LAYOUT_VERSION)
            self._schedule_tab_cleanup()
        self.set_recent(app_settings.recent_files())
        self.display.state.restore(app_settings.display_settings())

    def save_settings(self):
        st = app_settings.settings()
        app_settings.set_display_settings(self.display.state.saved())
        st.setValue("window/geometry", self.saveGeometry())
        st.setValue("window/state", self.saveState(LAYOUT_VERSION))

    def closeEvent(self, ev):
        self.save_settings()
        self._play_timer.stop()
        self.file_table.cancel()
        self.session.close()
        super().closeEvent(ev)
