"""The application entry: QApplication, app id, excepthook, Ctrl-C, main window."""

from __future__ import annotations

import signal
import sys
import traceback

from ..errors import CtaviewerError, InputFileError
from . import gui_gc
from . import settings as app_settings
from .qt import QtCore, QtGui, QtWidgets


def make_application(argv=None) -> QtWidgets.QApplication:
    app = QtWidgets.QApplication.instance()
    if app is None:
        app = QtWidgets.QApplication(list(argv or sys.argv[:1]))
    sys.setswitchinterval(0.001)  # the GUI thread gets the GIL back quickly from workers
    app.setOrganizationName(app_settings.ORGANIZATION)
    app.setApplicationName(app_settings.APPLICATION)
    app.setApplicationDisplayName("ctaviewer")
    QtGui.QGuiApplication.setDesktopFileName(app_settings.APP_ID)
    gui_gc.install(app)  # cycles holding Qt objects are freed on this thread, never a worker's
    return app


def install_excepthook(window) -> None:
    """Unexpected errors are shown in a dialog (and printed), not lost in a terminal."""

    def hook(exc_type, exc, tb):
        text = "".join(traceback.format_exception(exc_type, exc, tb))
        sys.stderr.write(text)
        if exc_type is KeyboardInterrupt:
            QtWidgets.QApplication.quit()
            return
        window.show_error(f"Unexpected error: {exc_type.__name__}", f"{exc}\n\n{text[-2000:]}")

    sys.excepthook = hook


def handle_ctrl_c(app) -> QtCore.QTimer:
    """Ctrl-C in the terminal closes the window (Python gets a chance to run every 200 ms)."""
    signal.signal(signal.SIGINT, lambda *_: app.closeAllWindows())
    timer = QtCore.QTimer()
    timer.start(200)
    timer.timeout.connect(lambda: None)
    return timer


def build_window(path, event_index: int = 0, config_path=None, synchronous: bool = False,
                 restore: bool = True, raise_errors: bool = False, selection=None):
    """The main window with ``path`` opened (None: the built-in array).

    A file that cannot be opened is reported in a dialog; with ``raise_errors`` (scripts,
    with ``synchronous``) it raises instead — an ``InputFileError`` naming the file and the
    cause — and no window is left behind.
    """
    from ..service import processing
    from .main_window import MainWindow

    window = MainWindow(restore=restore)
    if synchronous:  # scripts and renderers: the grid complete as soon as the event is
        window.camera_grid.build_budget_s = None
    try:
        if config_path is not None:
            window.session.set_config(processing.load_config(config_path))
            window.processing_panel.build()
        if not raise_errors:
            window.open_path(path, event_index=event_index, synchronous=synchronous,
                             selection=selection)
            return window
        try:
            window.session.open(path, event_index=event_index, synchronous=synchronous,
                                selection=selection)
        except CtaviewerError:
            raise
        except Exception as exc:  # what a reader raised untyped: the file and the cause
            raise InputFileError(path, f"{type(exc).__name__}: {exc}") from exc
    except BaseException:
        window.close()
        window.deleteLater()
        raise
    return window


def open_main_window(path, event_index: int = 0, config_path=None,
                     show_tour: bool | None = None, selection=None):
    """The window as a user gets it: built, shown, and the tour on the first run.

    ``show_tour``: True or False to decide, None to follow the first-run setting (and the
    ``CTAVIEWER_TOUR`` environment variable); see :mod:`ctaviewer.app.tour`.
    """
    from .tour import maybe_start_tour

    window = build_window(path, event_index, config_path, selection=selection)
    if window.dl3_browser is not None:
        # started on DL3 data: the DL3 browser alone (the event views show themselves when
        # an event of the browser is opened in them)
        return window
    window.show()
    maybe_start_tour(window, show_tour)
    return window


def run_app(path: str | None, event_index: int = 0, config_path: str | None = None,
            show_tour: bool | None = None, selection=None) -> int:
    app = make_application()
    window = open_main_window(path, event_index, config_path, show_tour, selection)
    install_excepthook(window)
    _timer = handle_ctrl_c(app)  # noqa: F841 (kept alive for the event loop)
    return app.exec()
