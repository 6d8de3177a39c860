"""GUI speed: camera repaint, next event, start-up, GUI responsiveness.

    python benchmarks/gui.py [DATA_DIR]

- ``repaint_ms_2000``: recolour + synchronous repaint of one camera view (945×800) showing
  the SST-1M DigiCam of gamma_70sst1m (1296 pixels), median of 200;
- ``repaint_ms_11328``: the same for the SCT camera of gamma_prod2_126tel_truncated;
- ``next_event_ms``: main window on gamma_70sst1m, from "next event" to every view repainted,
  going to the 10-telescope event (median over repeats, processing results cached);
- ``next_event_processed_ms``: the same including processing the event (first visit);
- ``next_event_live_ms``: the window as a user runs it (file opened in the background),
  stepping to events not shown before, each once the look-ahead has read and processed it
  (median; from "next event" to every view repainted with the event and its result);
- ``startup_s``: a fresh process, from interpreter start to the first event shown (warm:
  second run);
- ``max_gui_block_ms``: the longest gap of a 10 ms QTimer heartbeat while a file is opened,
  indexed and its first event processed (gamma_4lst_15nectarcam);
- ``table_fill_s``: the whole-file table (Events ▸ Process whole file) of the production-size
  file of ``make_production.py`` (gamma_70sst1m ×40, 1240 events; made if missing), from
  the click to the table shown, with an empty cache folder (the default number of worker
  processes: the cores but one); ``table_cache_s``: the same file opened again, from the
  opening to the table read back from the cache; ``table_max_gui_block_ms``: the longest
  gap of a 10 ms heartbeat while the table is made;
- ``filter_ms_100k``: an event list of 100,000 rows with a whole-file table, from applying
  ``ang_error < 0.2 and intensity > 100`` to the rows shown (median of 5);
  ``sort_ms_100k``: sorting it by the angular error (median of 5).

    python benchmarks/gui.py --table [DATA_DIR]     # only the table's figures

The last line is one JSON object.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import time
import warnings

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
warnings.simplefilter("ignore")

TABLE_ONLY = "--table" in sys.argv
ARGS = [a for a in sys.argv[1:] if a != "--table"]
DATA = ARGS[0] if ARGS else os.environ.get(
    "CTAVIEWER_TEST_DATA", os.path.join(os.path.dirname(__file__), "..", "..", "shared", "data"))


def simtel(name):
    return os.path.join(DATA, "simtel", name)


def dispose(widget):
    """Close and delete a widget now: widgets left for the interpreter's teardown may
    crash it after the results are printed (Qt and Python destroying in any order)."""
    from ctaviewer.app.qt import QtCore, QtWidgets

    widget.close()
    widget.deleteLater()
    QtWidgets.QApplication.sendPostedEvents(None, QtCore.QEvent.DeferredDelete)
    QtWidgets.QApplication.processEvents()


def repaint_ms(path, camera_name, n=200):
    import numpy as np

    from ctaviewer.app import colors
    from ctaviewer.app.qt import QtWidgets, pg
    from ctaviewer.app.table_lookup import warm_up
    from ctaviewer.app.views.camera_item import CameraItem
    from ctaviewer.io import open_source

    src = open_source(path)
    cam = next(c for c in src.subarray.camera_types if c.name == camera_name)
    geom = cam.geometry
    widget = pg.GraphicsLayoutWidget()
    widget.resize(945, 800)
    vb = widget.addViewBox()
    vb.setAspectLocked(True)
    item = CameraItem(geom)
    vb.addItem(item)
    widget.show()
    vb.autoRange(padding=0.02)
    QtWidgets.QApplication.processEvents()
    # steady state: the app loads the lookup kernel in the background within ~1 s of start
    warm_up(wait=True)
    rng = np.random.default_rng(1)
    images = [rng.gamma(2.0, 5.0, geom.n_pixels) for _ in range(8)]
    viewport = widget.viewport()
    viewport.repaint()
    times = []
    for i in range(n):
        t0 = time.perf_counter()
        values = images[i % len(images)]
        lo, hi = colors.limits(values, "auto")
        item.set_colors(values, colors.to_index(values, lo, hi, "linear"), "viridis")
        viewport.repaint()
        times.append(time.perf_counter() - t0)
    dispose(widget)
    src.close()
    return 1e3 * statistics.median(times), geom.n_pixels


def repaint_all(window):
    from ctaviewer.app.qt import QtWidgets

    QtWidgets.QApplication.processEvents()
    window.repaint()
    for dock in window.docks.values():
        if dock.isVisible():
            dock.widget().repaint()


def next_event_ms(path, repeats=5):
    from ctaviewer.app.main import build_window
    from ctaviewer.app.qt import QtWidgets

    window = build_window(path, 0, synchronous=True, restore=False)
    window.resize(1600, 1000)
    window.show()
    QtWidgets.QApplication.processEvents()
    s = window.session
    target = max(range(s.n_events), key=lambda i: (s.rows[i]["n_tel"] == 10, s.rows[i]["n_tel"]))
    prev = target - 1
    # first visit, processing included (synchronously, as the worker would)
    s.go_to(prev)
    s.process(synchronous=True)
    repaint_all(window)
    t0 = time.perf_counter()
    s.go_to(target)
    s.process(synchronous=True)
    repaint_all(window)
    processed = time.perf_counter() - t0
    times = []
    for _ in range(repeats):
        s.go_to(prev)
        repaint_all(window)
        t0 = time.perf_counter()
        s.go_to(target)  # the "next event" action, result cached
        repaint_all(window)
        times.append(time.perf_counter() - t0)
    n_tel = s.array_event.n_tels
    dispose(window)
    return 1e3 * statistics.median(times), 1e3 * processed, n_tel


def next_event_live_ms(path, steps=6):
    from ctaviewer.app.main import build_window
    from ctaviewer.app.qt import QtCore, QtWidgets

    app = QtWidgets.QApplication.instance()
    window = build_window(path, 0, restore=False)
    window.resize(1600, 1000)
    window.show()
    s = window.session

    def wait(cond, timeout=60.0):
        t0 = time.perf_counter()
        while not cond() and time.perf_counter() - t0 < timeout:
            app.processEvents(QtCore.QEventLoop.AllEvents, 5)
        return cond()

    wait(lambda: s.result is not None)
    times = []
    for _ in range(min(steps, s.n_events - 1)):
        def ready(nxt=s.event_index + 1):
            return s.source.is_cached(nxt) and (nxt in s.results or not s.can_process)

        if not wait(ready):
            break
        repaint_all(window)
        t0 = time.perf_counter()
        window.step(+1)  # the "next event" action
        repaint_all(window)
        times.append(time.perf_counter() - t0)
        assert s.result is not None or not s.can_process
    dispose(window)
    return 1e3 * statistics.median(times) if times else float("nan")


STARTUP = r"""
import time, sys, os
t0 = float(sys.argv[1])
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
from ctaviewer.cli.gui import start_reading_early  # as `ctaviewer FILE` does
start_reading_early(sys.argv[2])
from ctaviewer.app.main import build_window, make_application
from ctaviewer.app.qt import QtCore
app = make_application()
w = build_window(sys.argv[2], 0, restore=False)
w.show()
while w.session.array_event is None:
    app.processEvents(QtCore.QEventLoop.AllEvents, 5)
app.processEvents()
w.repaint()
print(time.time() - t0, flush=True)
w.close()  # an interpreter that exits under open windows may crash in Qt's teardown
app.processEvents()
"""


def startup_s(path):
    out = []
    for _ in range(2):
        r = subprocess.run([sys.executable, "-c", STARTUP, repr(time.time()), path],
                           capture_output=True, text=True, check=True)
        out.append(float(r.stdout.strip().splitlines()[-1]))
    return out[-1]


def heartbeat():
    """(a 10 ms timer to start at once, the list of seconds between its ticks): the longest
    gap is the longest the GUI thread was blocked while the timer ran."""
    from ctaviewer.app.qt import QtCore

    gaps, last = [], [time.perf_counter()]

    def beat():
        now = time.perf_counter()
        gaps.append(now - last[0])
        last[0] = now

    timer = QtCore.QTimer(interval=10)
    timer.timeout.connect(beat)
    return timer, gaps


def max_gui_block_ms(path):
    from ctaviewer.app.main_window import MainWindow
    from ctaviewer.app.qt import QtCore, QtWidgets

    app = QtWidgets.QApplication.instance()
    window = MainWindow(restore=False)
    window.resize(1600, 1000)
    window.show()
    app.processEvents()
    timer, gaps = heartbeat()
    timer.start()
    window.open_path(path)
    s = window.session
    t0 = time.perf_counter()
    while (s.result is None if s.can_process or s.source is None else s.array_event is None):
        app.processEvents(QtCore.QEventLoop.AllEvents, 5)
        if time.perf_counter() - t0 > 60:
            break
    timer.stop()
    dispose(window)
    return 1e3 * max(gaps)


def table_fill_s(path):
    """(seconds to make the whole-file table, seconds to read it back from the cache on
    reopening, longest GUI gap while it was made in ms, events)."""
    import tempfile

    from ctaviewer.app.main_window import MainWindow
    from ctaviewer.app.qt import QtCore, QtWidgets

    app = QtWidgets.QApplication.instance()

    def wait(cond, timeout=1800):
        t0 = time.perf_counter()
        while not cond() and time.perf_counter() - t0 < timeout:
            app.processEvents(QtCore.QEventLoop.AllEvents, 5)
        return cond()

    with tempfile.TemporaryDirectory(prefix="ctaviewer-bench-tables-") as tmp:
        os.environ["CTAVIEWER_CACHE_DIR"] = tmp
        window = MainWindow(restore=False)
        window.resize(1600, 1000)
        window.show()
        s, ft = window.session, window.file_table
        window.open_path(path)
        wait(lambda: s.array_event is not None and not s.indexing)
        wait(lambda: s.result is not None)
        timer, gaps = heartbeat()
        t0 = time.perf_counter()
        timer.start()
        assert ft.start()
        wait(lambda: not ft.running)
        fill = time.perf_counter() - t0
        timer.stop()
        assert ft.table is not None, ft.status
        n = len(ft.table)
        window.open_path(None)
        wait(lambda: s.path is None)
        t0 = time.perf_counter()
        window.open_path(path)
        wait(lambda: ft.table is not None)
        cached = time.perf_counter() - t0
        dispose(window)
        del os.environ["CTAVIEWER_CACHE_DIR"]
    return fill, cached, 1e3 * max(gaps), n


def filter_ms_100k(n=100_000):
    """(ms to apply a filter on the table's columns, ms to sort by one) on ``n`` rows."""
    import numpy as np

    from ctaviewer.app.qt import QtCore, QtWidgets
    from ctaviewer.app.views.event_table import HEADERS, EventTable
    from ctaviewer.service.file_table import TABLE_KEYS, FileTable
    from ctaviewer.service.session import index_rows

    class Index:
        rng = np.random.default_rng(1)
        event_id = np.arange(n, dtype=np.int64) * 100 + 1
        true_energy = rng.lognormal(0.0, 1.0, n)
        tels_with_data = [np.arange(1 + k % 7) for k in range(n)]

    class Session(QtCore.QObject):
        rows_changed = QtCore.Signal()
        rows_added = QtCore.Signal(int)
        row_changed = QtCore.Signal(int)
        event_changed = QtCore.Signal()
        indexing_changed = QtCore.Signal(bool)
        indexing, event_index, path = False, -1, None

        def __init__(self):
            super().__init__()
            self.rows = index_rows(Index, 0, n)

    rng = np.random.default_rng(2)
    cols = {k: np.full(n, np.nan) for k in TABLE_KEYS}
    cols.update(true_alt=np.full(n, 70.0), true_az=np.zeros(n),
                reco_alt=70 + rng.normal(0, 0.2, n), reco_az=rng.normal(0, 0.4, n),
                reco_valid=np.ones(n), intensity=rng.lognormal(5, 1.5, n),
                n_tel_reco=rng.integers(2, 8, n).astype(float))
    session = Session()
    table = EventTable(session)
    table.resize(700, 800)
    table.show()
    table.model.set_table(FileTable(Index.event_id.copy(), cols))
    QtWidgets.QApplication.processEvents()
    filters, sorts = [], []
    column = [k for k, _, _ in HEADERS].index("ang_error")
    for k in range(5):
        table.apply_filter("")
        table.view.sortByColumn(0, QtCore.Qt.AscendingOrder)
        QtWidgets.QApplication.processEvents()
        t0 = time.perf_counter()
        table.apply_filter("ang_error < 0.2 and intensity > 100")
        table.view.viewport().repaint()
        filters.append(time.perf_counter() - t0)
        shown = table.proxy.rowCount()
        t0 = time.perf_counter()
        table.view.sortByColumn(column, QtCore.Qt.DescendingOrder if k % 2
                                else QtCore.Qt.AscendingOrder)
        table.view.viewport().repaint()
        sorts.append(time.perf_counter() - t0)
    dispose(table)
    return 1e3 * statistics.median(filters), 1e3 * statistics.median(sorts), shown


def table_figures() -> dict:
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    from make_production import production_file

    path = production_file()
    fill, cached, block, n = table_fill_s(path)
    flt, srt, shown = filter_ms_100k()
    print(f"whole-file table of {os.path.basename(path)} ({n} events): {fill:.1f} s "
          f"(cache hit on reopening: {cached:.2f} s; longest GUI gap meanwhile {block:.0f} ms)")
    print(f"100,000 rows: filter {flt:.1f} ms ({shown} shown), sort {srt:.1f} ms")
    return {"table_fill_s": round(fill, 2), "table_events": n, "table_cache_s": round(cached, 3),
            "table_max_gui_block_ms": round(block, 1), "filter_ms_100k": round(flt, 2),
            "sort_ms_100k": round(srt, 2)}


def main():
    from ctaviewer.app.main import make_application

    make_application()
    if TABLE_ONLY:
        print(json.dumps(table_figures()))
        return
    r2000, n2000 = repaint_ms(simtel("gamma_70sst1m.simtel.zst"), "DigiCam")
    r11328, n11328 = repaint_ms(simtel("gamma_prod2_126tel_truncated.simtel.gz"), "SCTCam")
    nxt, nxt_proc, n_tel = next_event_ms(simtel("gamma_70sst1m.simtel.zst"))
    live = next_event_live_ms(simtel("gamma_70sst1m.simtel.zst"))
    block = max_gui_block_ms(simtel("gamma_4lst_15nectarcam.simtel.zst"))
    block_gz = max_gui_block_ms(simtel("gamma_prod2_126tel_truncated.simtel.gz"))
    start = startup_s(simtel("gamma_70sst1m.simtel.zst"))
    print(f"repaint {n2000} px: {r2000:.2f} ms; {n11328} px: {r11328:.2f} ms")
    print(f"next event ({n_tel} tels): {nxt:.1f} ms cached, {nxt_proc:.1f} ms with processing;"
          f" {live:.1f} ms in the live window (read and processed ahead)")
    print(f"max GUI block while opening+processing: {block:.0f} ms (zst), {block_gz:.0f} ms (gz)")
    print(f"start-up to first event (warm): {start:.2f} s")
    print(json.dumps({
        "repaint_ms_2000": round(r2000, 3), "repaint_pixels_2000": n2000,
        "repaint_ms_11328": round(r11328, 3),
        "next_event_ms": round(nxt, 2), "next_event_processed_ms": round(nxt_proc, 2),
        "next_event_n_tel": n_tel, "next_event_live_ms": round(live, 2),
        "startup_s": round(start, 3),
        "max_gui_block_ms": round(block, 1), "max_gui_block_ms_gz_126tel": round(block_gz, 1),
        **table_figures(),
    }))


if __name__ == "__main__":
    main()
