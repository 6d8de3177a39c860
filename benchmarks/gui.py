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
  indexed and its first event processed (gamma_4lst_15nectarcam).
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

DATA = sys.argv[1] if len(sys.argv) > 1 else os.environ.get(
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


def max_gui_block_ms(path):
    from ctaviewer.app.main_window import MainWindow
    from ctaviewer.app.qt import QtCore, QtWidgets

    app = QtWidgets.QApplication.instance()
    window = MainWindow(restore=False)
    window.resize(1600, 1000)
    window.show()
    app.processEvents()
    gaps, last = [], [time.perf_counter()]

    def beat():
        now = time.perf_counter()
        gaps.append(now - last[0])
        last[0] = now

    timer = QtCore.QTimer(interval=10)
    timer.timeout.connect(beat)
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


def main():
    from ctaviewer.app.main import make_application

    make_application()
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
    }))


if __name__ == "__main__":
    main()
