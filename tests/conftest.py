"""Shared test set-up: offscreen Qt and the one helper that locates the real data files."""

from __future__ import annotations

import atexit
import os
import shutil
import tempfile
from pathlib import Path

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("PYQTGRAPH_QT_LIB", "PySide6")
# whatever a test leaves in QSettings lands in a throw-away folder, never in ~/.config; it
# goes when the run ends (registered first, so it runs after the exit handlers of Qt and of
# the workers, which may still write settings)
_CONFIG_HOME = tempfile.mkdtemp(prefix="ctaviewer-test-config-")
os.environ["XDG_CONFIG_HOME"] = _CONFIG_HOME
atexit.register(shutil.rmtree, _CONFIG_HOME, ignore_errors=True)

ROOT = Path(__file__).resolve().parents[1]


def data_dir() -> Path:
    """The shared data folder: $CTAVIEWER_TEST_DATA, by default ../shared/data."""
    return Path(os.environ.get("CTAVIEWER_TEST_DATA", ROOT.parent / "shared" / "data"))


def data_file(relative: str) -> Path:
    """Path of a shared data file; skips the calling test with a reason when absent."""
    path = data_dir() / relative
    if not path.exists():
        pytest.skip(f"test data {path} not available (set CTAVIEWER_TEST_DATA)")
    return path


def simtel(name: str) -> Path:
    return data_file(f"simtel/{name}")


def decompressed(name: str) -> bytes:
    """The raw bytes of a shared zstd-compressed sim_telarray file (skips without zstandard)."""
    zstandard = pytest.importorskip("zstandard")
    with open(simtel(name), "rb") as f:
        return zstandard.ZstdDecompressor().stream_reader(f).read()


def truncated_copy(folder: Path, name: str = "gamma_4lst.simtel.zst",
                   keep: float = 0.7) -> Path:
    """``folder``/<stem>_cut.simtel: the first ``keep`` of a shared file's decompressed bytes
    (gamma_4lst at 0.7: 3 of its 4 events complete)."""
    data = decompressed(name)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / (name.split(".")[0] + "_cut.simtel")
    path.write_bytes(data[: int(keep * len(data))])
    return path


def load_script(path: Path, name: str | None = None):
    """A script of the repository (benchmark, docs or packaging helper) as a module."""
    import importlib.util

    spec = importlib.util.spec_from_file_location(name or path.stem, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture
def simtel_file():
    return simtel


@pytest.fixture
def isolated_settings(tmp_path, monkeypatch):
    """Fresh QSettings for one test (first run: no layout, no recent files, tour not seen)."""
    from ctaviewer.app.qt import QtCore

    QtCore.QSettings.setDefaultFormat(QtCore.QSettings.IniFormat)
    QtCore.QSettings.setPath(QtCore.QSettings.IniFormat, QtCore.QSettings.UserScope,
                             str(tmp_path / "settings"))
    monkeypatch.delenv("CTAVIEWER_TOUR", raising=False)
    yield


@pytest.fixture
def make_window(qtbot, isolated_settings):
    """Factory of shown main windows (closed after the test)."""
    from ctaviewer.app.main import make_application
    from ctaviewer.app.main_window import MainWindow

    windows = []

    def make(restore: bool = True):
        make_application()
        w = MainWindow(restore=restore)
        qtbot.addWidget(w)
        w.resize(1600, 1000)  # the window's own first size
        w.show()
        windows.append(w)
        return w

    yield make
    for w in windows:
        w.close()


@pytest.fixture
def camera_item(qtbot):
    """Factory of a shown camera item for a geometry: ``(widget, view box, item)``, the
    view box aspect-locked and fitted to the camera."""
    from ctaviewer.app.qt import pg
    from ctaviewer.app.views.camera_item import CameraItem

    def make(geom, width: int = 600, height: int = 520):
        widget = pg.GraphicsLayoutWidget()
        qtbot.addWidget(widget)
        widget.resize(width, height)
        vb = widget.addViewBox()
        vb.setAspectLocked(True)
        item = CameraItem(geom)
        vb.addItem(item)
        widget.show()
        vb.autoRange(padding=0.02)
        return widget, vb, item

    return make


@pytest.fixture
def processing_panel(qtbot):
    """A processing panel on a fresh session (skips where the chain is not installed)."""
    from ctaviewer.app.models.session import SessionModel
    from ctaviewer.app.views.processing_panel import ProcessingPanel

    session = SessionModel()
    widget = ProcessingPanel(session)
    qtbot.addWidget(widget)
    if session.config is None:
        pytest.skip("processing chain not installed")
    return widget


@pytest.fixture(autouse=True)
def _collect_on_main_thread():
    """Once a test has made the application, Python's automatic GC is off (the app collects
    on its GUI thread with a timer, see ctaviewer.app.gui_gc); between tests, collect here,
    on the main thread, so garbage never piles up or reaches a worker thread."""
    yield
    from ctaviewer.gc_policy import collect_if_disabled

    collect_if_disabled()


def partly_indexed(window, n_rows: int = 2):
    """The window on the built-in array, listed only to its first ``n_rows`` events as if
    the progressive index were still running (deterministic: nothing comes by itself).
    Returns (session model, session state, all the rows)."""
    from ctaviewer.service.session import initial_rows

    window.open_path(None, synchronous=True)
    s, state = window.session, window.session.state
    rows = initial_rows(state.source)
    state.rows = rows[:n_rows]
    state.rows_changed.emit()
    state.begin_indexing()
    return s, state, rows
