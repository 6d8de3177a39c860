"""Regenerate the user guide's screenshots (docs/images/*.png) from the real application.

    python docs/make_screenshots.py [--data DIR] [--out docs/images]      (or: make docs)

Opens the real main window on the shared sim_telarray files (``$CTAVIEWER_TEST_DATA/simtel``,
by default ../shared/data/simtel), drives it as a user would (mouse clicks on the camera,
the threshold's spin box, the filter field, the batch panel's Start button), waits for the
background work, and saves each view as a small PNG: at most ``--max-width`` pixels wide and
quantised to 256 colours. Runs offscreen unless QT_QPA_PLATFORM says otherwise, with
settings in a temporary folder (the user's layout and first-run flag are not touched).
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
WINDOW = (1400, 880)
N_COLORS = 256


def median_cut(colors, counts, n: int = N_COLORS):
    """A palette of at most ``n`` colours for the (unique) ``colors`` weighted by ``counts``:
    the box with the largest extent × weight is split at its weighted median until ``n``."""
    import numpy as np

    boxes = [(colors, counts)]

    def score(box):
        c, w = box
        return 0.0 if len(c) < 2 else float((c.max(0) - c.min(0)).max()) * float(w.sum()) ** 0.5

    while len(boxes) < n:
        k = max(range(len(boxes)), key=lambda i: score(boxes[i]))
        if score(boxes[k]) == 0.0:
            break
        c, w = boxes.pop(k)
        channel = int(np.argmax(c.max(0) - c.min(0)))
        order = np.argsort(c[:, channel], kind="stable")
        c, w = c[order], w[order]
        cum = np.cumsum(w)
        cut = int(np.clip(np.searchsorted(cum, cum[-1] / 2) + 1, 1, len(c) - 1))
        boxes += [(c[:cut], w[:cut]), (c[cut:], w[cut:])]
    return np.array([np.average(c, axis=0, weights=w) for c, w in boxes]).round()


def quantize(image):
    """``image`` as an 8-bit indexed QImage with an adaptive (median-cut) palette."""
    import numpy as np

    from ctaviewer.app.qt import QtGui

    rgb32 = image.convertToFormat(QtGui.QImage.Format_RGB32)
    h, w = rgb32.height(), rgb32.width()
    bpl = rgb32.bytesPerLine()
    packed = np.frombuffer(rgb32.constBits(), dtype=np.uint32, count=h * bpl // 4)
    packed = packed.reshape(h, bpl // 4)[:, :w] & 0xFFFFFF
    unique, inverse, counts = np.unique(packed.ravel(), return_inverse=True,
                                        return_counts=True)
    colors = np.stack([(unique >> 16) & 255, (unique >> 8) & 255, unique & 255], axis=1)
    table = colors if len(colors) <= N_COLORS else median_cut(colors.astype(float), counts)
    nearest = np.empty(len(colors), dtype=np.uint8)
    for start in range(0, len(colors), 4096):  # nearest palette entry of each colour
        d = ((colors[start:start + 4096, None, :].astype(float) - table[None]) ** 2).sum(-1)
        nearest[start:start + 4096] = d.argmin(1)
    index = np.ascontiguousarray(nearest[inverse].reshape(h, w))
    out = QtGui.QImage(index.data, w, h, w, QtGui.QImage.Format_Indexed8)
    out.setColorTable([QtGui.qRgb(*map(int, c)) for c in table])
    return out.copy()  # own the pixels (``index`` goes away)


def _parse(argv):
    default_data = Path(os.environ.get("CTAVIEWER_TEST_DATA", ROOT.parent / "shared" / "data"))
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--data", type=Path, default=default_data / "simtel",
                   help="folder with the sim_telarray files (default: %(default)s)")
    p.add_argument("--out", type=Path, default=ROOT / "docs" / "images",
                   help="where the PNGs go (default: %(default)s)")
    p.add_argument("--max-width", type=int, default=1400, help="scale wider images down")
    return p.parse_args(argv)


class Shots:
    """The application, its window and the helpers that wait for it and save images."""

    def __init__(self, out: Path, max_width: int, settings_dir: str):
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
        os.environ["CTAVIEWER_TOUR"] = "0"
        from ctaviewer.app.qt import QtCore, QtGui, QtWidgets

        self.QtCore, self.QtGui, self.QtWidgets = QtCore, QtGui, QtWidgets
        QtCore.QSettings.setDefaultFormat(QtCore.QSettings.IniFormat)
        QtCore.QSettings.setPath(QtCore.QSettings.IniFormat, QtCore.QSettings.UserScope,
                                 settings_dir)
        from ctaviewer.app.main import make_application

        self.app = make_application()
        self.out = out
        self.max_width = max_width
        self.written: list[tuple[str, int, tuple[int, int]]] = []
        out.mkdir(parents=True, exist_ok=True)

    # ------------------------------------------------------------ waiting
    def wait(self, ms: int = 100) -> None:
        end = time.perf_counter() + ms / 1e3
        while time.perf_counter() < end:
            self.app.processEvents(self.QtCore.QEventLoop.AllEvents, 20)
            time.sleep(0.005)

    def wait_for(self, condition, timeout_s: float = 120.0, what: str = "") -> None:
        end = time.perf_counter() + timeout_s
        while not condition():
            if time.perf_counter() > end:
                raise TimeoutError(f"gave up waiting for {what}")
            self.wait(50)
        self.wait(150)  # let the views repaint

    def window(self, path=None):
        from ctaviewer.app.main_window import MainWindow

        w = MainWindow(restore=False)
        w.resize(*WINDOW)
        w.show()
        assert w.open_path(path), getattr(w, "last_error", None)
        s = w.session
        self.wait_for(lambda: s.array_event is not None, what="the first event")
        self.wait_for(lambda: s.result is not None or not s.can_process
                      or hasattr(w, "last_error"), what="processing")
        self.wait_for(lambda: not w.camera_grid.building, what="the telescope grid")
        if hasattr(w, "last_error"):
            raise RuntimeError(w.last_error)
        return w

    # ------------------------------------------------------------ actions a user does
    def click_pixel(self, w, pixel: int, shift: bool = False) -> None:
        from PySide6.QtTest import QTest

        QtCore = self.QtCore
        item = w.camera_view.item
        g = item.geometry
        view = w.camera_view.graphics
        pos = view.mapFromScene(item.mapToScene(QtCore.QPointF(g.pix_x[pixel], g.pix_y[pixel])))
        mods = QtCore.Qt.ShiftModifier if shift else QtCore.Qt.NoModifier
        QTest.mouseClick(view.viewport(), QtCore.Qt.LeftButton, mods, pos)
        self.wait(150)

    def brightest_pixel(self, w) -> int:
        s = w.session
        return int(s.result.tel[s.selected_tel].image.argmax())

    # ------------------------------------------------------------ saving
    def save(self, widget, name: str, what: str) -> None:
        QtCore = self.QtCore
        self.wait(100)
        image = widget.grab().toImage()
        if image.width() > self.max_width:
            image = image.scaledToWidth(self.max_width, QtCore.Qt.SmoothTransformation)
        small = quantize(image)
        path = self.out / name
        if not small.save(str(path), "PNG", 9):
            raise OSError(f"{path}: could not write")
        self.written.append((name, path.stat().st_size, (small.width(), small.height())))
        print(f"{path.relative_to(ROOT) if path.is_relative_to(ROOT) else path}: "
              f"{small.width()}×{small.height()}, {path.stat().st_size // 1024} kB — {what}")


def make_muons(shots: Shots, path: str) -> None:
    """A muon ring of muons_lst with its width band, and the Muon summary of the file."""
    QtCore = shots.QtCore
    mw = shots.window(path)
    ms = mw.session
    mw.camera_view.hillas_box.setChecked(False)  # the ring alone over the image
    ms.go_to(5)
    shots.wait_for(lambda: ms.result is not None and ms.result.index == 5
                   and mw.camera_view.muon_item.ring is not None, what="the muon ring")
    shots.save(mw.camera_view, "muon-ring.png",
               "camera view: a muon ring of muons_lst, fitted ring and its width band")
    dock = mw.docks["muons"]
    dock.raise_()
    mw.resizeDocks([dock], [330], QtCore.Qt.Vertical)
    mw.muon_summary.run()
    shots.wait_for(lambda: mw.muon_summary.summary is not None, what="the muon summary")
    shots.save(dock, "muon-summary.png",
               "Muon summary dock: optical efficiency and ring width of muons_lst's 25 rings")
    mw.close()


def make_stereo_image(shots: Shots, path: str) -> None:
    """The sky view of a gamma_4lst_15nectarcam event with the stereo summed image, zoomed on
    the images, the reconstructed direction (hillas_weighted) with its error ellipse and the
    true one."""
    import numpy as np

    w = shots.window(path)
    s = w.session
    old = s.result
    s.set_config(s.config.replace(stereo__name="hillas_weighted"))  # propagated uncertainties
    shots.wait_for(lambda: s.result is not old and s.result is not None, what="re-processing")
    sky = w.sky_view
    dock = w.docks["sky"]
    dock.setFloating(True)
    dock.resize(720, 700)
    dock.raise_()
    shots.wait_for(lambda: not sky._dirty and sky.summed is not None, what="the summed image")
    si = sky.summed
    hit = np.argwhere(si.image > 0)
    lon = si.lon_edges[[hit[:, 0].min(), hit[:, 0].max() + 1]]
    lat = si.lat_edges[[hit[:, 1].min(), hit[:, 1].max() + 1]]
    g, p = s.result.geometry, s.array_event.pointing
    from ctaviewer.coords import altaz_to_fov

    for alt, az in ((g.alt, g.az), (s.array_event.simulation.alt, s.array_event.simulation.az)):
        x, y = altaz_to_fov(alt, az, p.array_alt, p.array_az)
        lon = (min(lon[0], float(x)), max(lon[1], float(x)))
        lat = (min(lat[0], float(y)), max(lat[1], float(y)))
    sky.plot.setRange(xRange=lon, yRange=lat, padding=0.15)
    shots.save(dock, "sky-summed-image.png",
               "sky view: the stereo summed image of gamma_4lst_15nectarcam's first event, "
               "hillas_weighted direction with its error ellipse, true direction")
    w.close()


def make_script_display(shots: Shots, path: str) -> None:
    """A CameraDisplay of a script (ctaviewer.display): the brightest image of the first
    events of ``path``, its cleaned pixels outlined and its Hillas ellipse."""
    import numpy as np

    from ctaviewer import open_source
    from ctaviewer.display import CameraDisplay
    from ctaviewer.pipeline import Pipeline

    source = open_source(path, max_events=5)
    pipeline = Pipeline(source.subarray)
    best = max(((tr, source.subarray.tels[t].camera.geometry)
                for event in source for t, tr in pipeline.process(event).tel.items()),
               key=lambda c: np.nan_to_num(c[0].parameters["hillas_intensity"]))
    tel, geometry = best
    disp = CameraDisplay(geometry, image=tel.image, title=f"telescope {tel.tel_id}",
                         size=(560, 470))
    disp.add_colorbar(label="charge (p.e.)")
    disp.highlight_pixels(tel.mask, color="white")
    disp.overlay_moments(tel.parameters, color="cyan", linewidth=2)
    disp.show()
    shots.save(disp.widget, "camera-display.png",
               "a script's CameraDisplay: image, cleaned pixels, Hillas ellipse")
    disp.close()


def make_comparison(shots: Shots, path: str) -> None:
    """Comparing settings on gamma_4lst: B = the settings kept before an edit, A = a looser
    cleaning; the camera's cleaning-mask B − A, the parameter inspector's A, B and Δ, the
    sky view's two directions."""
    w = shots.window(path)
    s, cmp, panel = w.session, w.session.comparison, w.processing_panel
    w.docks["processing"].raise_()
    panel.keep_as_b()  # "Keep current as B", then edit the thresholds (A)
    old = s.result
    panel.target_box.setCurrentText("all cameras")
    panel.set_value("cleaning", "picture_threshold", 6.0)
    panel.set_value("cleaning", "boundary_threshold", 3.0)
    panel.apply()
    shots.wait_for(lambda: s.result is not None and s.result is not old
                   and cmp.result_b is not None, what="results A and B")
    cv = w.camera_view
    w.display.update(quantity="cleaning mask")
    cv.set_compare_mode("B − A")
    tr = s.result.tel[s.selected_tel]
    xs, ys = cv.item.geometry.pix_x[tr.mask], cv.item.geometry.pix_y[tr.mask]
    cv.viewbox.setRange(xRange=(xs.min() - 0.35, xs.max() + 0.35),
                        yRange=(ys.min() - 0.3, ys.max() + 0.3))
    shots.wait(200)
    shots.save(cv, "compare-difference.png",
               "camera view: the cleaning mask's B − A (B: settings before the edit, A: "
               "picture/boundary thresholds lowered to 6/3)")
    shots.save(panel, "compare-panel.png",
               "processing panel: B kept before the edit, the edited thresholds (A)")
    dock = w.docks["parameters"]
    dock.setFloating(True)
    dock.resize(1180, 560)
    dock.raise_()
    w.parameter_table.splitter.setSizes([330, 200, 0])
    shots.wait_for(lambda: w.parameter_table.table.columnCount() == 3 * len(s.result.tel),
                   what="the inspector's A, B and Δ")
    shots.save(dock, "compare-parameters.png",
               "parameter inspector: A, B and Δ per telescope, differences highlighted")
    sky, dock = w.sky_view, w.docks["sky"]
    dock.setFloating(True)
    dock.resize(640, 700)
    dock.raise_()
    shots.wait_for(lambda: not sky._dirty and "◆ B" in sky.info.text(), what="the sky view")
    shots.save(dock, "compare-sky.png", "sky view: the directions of A and B, the true one")
    cmp.stop()
    w.close()


def make_file_table(shots: Shots, path: str) -> None:
    """The event list of gamma_70sst1m after Process whole file (a fresh cache folder),
    filtered and sorted by the angular error, with the simulation's columns shown."""
    QtCore = shots.QtCore
    cache = tempfile.mkdtemp(prefix="ctaviewer-docshots-cache-")
    before = os.environ.get("CTAVIEWER_CACHE_DIR")
    os.environ["CTAVIEWER_CACHE_DIR"] = cache
    try:
        w = shots.window(path)
        table = w.event_table
        assert w.file_table.start()
        shots.wait_for(lambda: not w.file_table.running, what="the whole-file table")
        for key in ("primary", "true_impact", "true_x_max", "intensity"):
            table.show_column(key)
        table.apply_filter("n_tel_reco >= 2")
        from ctaviewer.app.views.event_table import HEADERS

        column = [key for key, _, _ in HEADERS].index("ang_error")
        table.view.sortByColumn(column, QtCore.Qt.AscendingOrder)
        dock = w.docks["events"]
        w.resizeDocks([dock], [table.columns_width()], QtCore.Qt.Horizontal)
        shots.wait(300)
        shots.save(dock, "event-table.png",
                   "event list of gamma_70sst1m after Process whole file: filtered on "
                   "n_tel_reco, sorted by the angular error, simulation columns shown")
        w.close()
    finally:
        if before is None:
            os.environ.pop("CTAVIEWER_CACHE_DIR", None)
        else:
            os.environ["CTAVIEWER_CACHE_DIR"] = before
        shutil.rmtree(cache, ignore_errors=True)


def make_performance(shots: Shots, data: Path) -> None:
    """The Performance dock on DL2 of the shared gamma and proton files (lookup tables
    trained on them, processed as ``ctaviewer process --levels dl1,dl2`` does), with a θ
    cut, the events of a clicked energy bin listed; the window shows one DL2 file."""
    from ctaviewer.batch.job import JobSpec, run_job
    from ctaviewer.estimators.train import train

    gammas = sorted(data.glob("gamma_*.simtel*"))
    protons = sorted(data.glob("proton_*.simtel*"))
    folder = Path(tempfile.mkdtemp(prefix="ctaviewer-docshots-dl2-"))
    try:
        tables = folder / "tables.h5"
        train(gammas, protons).save(tables)
        dl2 = []
        for path in gammas + protons:
            out = folder / (path.name.split(".")[0] + ".h5")
            run_job(JobSpec(str(path), str(out), dl1=True, dl2=True, estimators=str(tables)))
            dl2.append(str(out))
        w = shots.window(str(folder / "gamma_70sst1m.h5"))
        panel = w.performance_panel
        dock = w.docks["performance"]
        dock.show()
        dock.setFloating(True)
        dock.resize(1200, 900)
        dock.raise_()
        panel.add_files(dl2)
        shots.wait_for(lambda: panel.result is not None and not panel.computing,
                       what="the performance tables")
        old = panel.result
        panel.theta.setValue(0.5)
        shots.wait_for(lambda: panel.result is not old and not panel.computing,
                       what="the tables after the cut")
        table = panel.result.tables["angular_resolution_true_energy"]
        panel.show_bin("true", int(table["n_events"].argmax()))
        shots.wait(300)
        shots.save(dock, "performance.png",
                   "Performance dock: angular resolution of the shared gamma files after a "
                   "θ cut, counts per point, the few-events note, the clicked bin's events")
        panel.tabs.setCurrentIndex(3)  # effective area
        shots.wait(300)
        shots.save(panel.tabs, "performance-aeff.png",
                   "Performance dock: effective area after cuts, one curve per simulation "
                   "set-up, Poisson error bars")
        dock.setFloating(False)
        dock.hide()
        w.close()
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def make_dl3_browser(shots: Shots, folder: Path) -> None:
    """The DL3 browser on the H.E.S.S. DR1 Crab runs: the counts map with the sky grid and
    the θ² regions, the θ² plot, the IRF plots."""
    from ctaviewer.app.dl3.window import DL3Browser

    if not any(folder.glob("*.fits*")):
        raise FileNotFoundError(f"{folder}: no DL3 runs (set --data or CTAVIEWER_TEST_DATA)")
    b = DL3Browser()
    b.resize(1200, 900)
    b.show()
    b.open(folder)
    shots.wait_for(lambda: b.current is not None and not b.busy, what="the DL3 runs")
    b.update_theta2()
    shots.wait_for(lambda: b.theta2_view.result is not None and not b.busy, what="θ²")
    b.tabs.setCurrentIndex(1)
    shots.save(b, "dl3-browser.png", "DL3 browser: the H.E.S.S. DR1 Crab runs, counts map "
               "with the RA/Dec grid, the θ² ON (green) and reflected OFF (blue) regions")
    b.tabs.setCurrentIndex(2)
    shots.save(b.tabs, "dl3-theta2.png", "DL3 browser: θ² of the four Crab runs, ON and "
               "OFF × α, excess and Li & Ma significance")
    b.tabs.setCurrentIndex(3)
    shots.save(b.tabs, "dl3-irfs.png", "DL3 browser: IRFs of a H.E.S.S. run (effective area, "
               "PSF 68 % radius, energy dispersion, background, energy bias)")
    b.close()


def make_all(shots: Shots, data: Path) -> None:
    QtCore = shots.QtCore
    from ctaviewer.app.shortcuts import show_shortcuts
    from ctaviewer.app.tour import start_tour

    def file(name):
        path = data / name
        if not path.exists():
            raise FileNotFoundError(f"{path}: not found (set --data or CTAVIEWER_TEST_DATA)")
        return str(path)

    # ---- the built-in simulated array with the tour's first step (what a first run shows)
    w = shots.window(None)
    tour = start_tour(w)
    shots.wait(300)
    shots.save(w, "tour.png", "first run: the built-in array and the tour's first step")
    tour.close()
    w.close()

    # ---- the 15-telescope event: main window, camera with Hillas, waveforms, array, sky
    w = shots.window(file("gamma_4lst_15nectarcam.simtel.zst"))
    s = w.session
    pixel = shots.brightest_pixel(w)
    shots.click_pixel(w, pixel)
    shots.wait_for(lambda: list(w.waveform_view.curves) == [pixel], what="the waveform")
    shots.save(w, "main-window.png", "main window on gamma_4lst_15nectarcam, pixel clicked")
    shots.save(w.camera_view, "camera-hillas.png", "camera view: charge and Hillas ellipse")
    # shift-click adds a fainter pixel of the cleaned image (the brightest one saturates)
    tr = s.result.tel[s.selected_tel]
    cleaned = [int(p) for p in tr.mask.nonzero()[0] if int(p) != pixel]
    faint = min(cleaned, key=lambda p: abs(float(tr.image[p]) - 80.0))
    shots.click_pixel(w, faint, shift=True)
    shots.wait_for(lambda: list(w.waveform_view.curves) == [pixel, faint], what="2 waveforms")
    w.waveform_view.gain_box.setCurrentText("both gains")  # the bright one saturates
    w.waveform_view.unit_box.setCurrentText("p.e.")
    w.resizeDocks([w.docks["waveforms"]], [380], QtCore.Qt.Vertical)
    shots.save(w.docks["waveforms"], "waveforms.png",
               "waveforms of the clicked pixel and a shift-clicked fainter one, both gains, "
               "the reference pulse scaled to each charge")
    w.waveform_view.gain_box.setCurrentText("high gain")
    w.waveform_view.unit_box.setCurrentText("ADC")

    # the processing panel after raising the picture threshold of this camera
    w.resizeDocks([w.docks["events"]], [400], QtCore.Qt.Horizontal)
    w.docks["processing"].raise_()
    panel = w.processing_panel
    editor = panel.editors[("cleaning", "picture_threshold")]
    old = s.result
    editor.setValue(editor.value() + 4.0)
    shots.wait_for(lambda: s.result is not old, what="re-processing")
    scroll = panel.findChild(shots.QtWidgets.QScrollArea)
    scroll.ensureWidgetVisible(panel.editors[("cleaning", "boundary_threshold")], 0, 120)
    shots.save(w.docks["processing"], "processing.png",
               "processing panel: picture threshold raised, cleaned pixels below")

    # array and sky, given more room in the right column
    w.resizeDocks([w.docks["grid"], w.docks["array"]], [230, 560], QtCore.Qt.Vertical)
    w.resizeDocks([w.docks["array"]], [560], QtCore.Qt.Horizontal)
    w.docks["array"].raise_()
    shots.wait(300)
    shots.save(w.docks["array"], "array.png", "array view of the 15-telescope event")
    w.docks["sky"].raise_()
    shots.wait(300)
    shots.save(w.docks["sky"], "sky.png", "sky view of the 15-telescope event")
    show_shortcuts(w)
    shots.wait(200)
    shots.save(w.shortcut_sheet, "shortcuts.png", "Help ▸ Keyboard shortcuts")
    w.shortcut_sheet.close()
    box = w.about()
    shots.wait(200)
    shots.save(box, "about.png", "Help ▸ About: versions")
    box.close()
    w.close()

    # ---- 31 events: the events table filtered
    w = shots.window(file("gamma_70sst1m.simtel.zst"))
    w.resizeDocks([w.docks["events"]], [520], QtCore.Qt.Horizontal)
    w.event_table.apply_filter("n_tel >= 4 and energy > 1")
    for _ in range(6):  # step through the listed events: their reconstructed columns fill in
        w.actions_by_id["event.next"].trigger()
        shots.wait_for(lambda: w.session.result is not None, what="processing")
    w.event_table.view.scrollToTop()
    shots.wait(200)
    shots.save(w.docks["events"], "events-filtered.png",
               "events table filtered with n_tel >= 4 and energy > 1")

    # ---- camera health: a FlashCam with HV-disabled pixels, pedestal measured from data
    hw = shots.window(file("proton_4lst_15flashcam.simtel.zst"))
    hs = hw.session
    flash = [t for t in hs.array_event.tel
             if hs.source.subarray.tels[t].camera.name == "FlashCam"]
    hs.select_tel(flash[0])
    dock = hw.docks["health"]
    dock.raise_()
    hw.resizeDocks([dock], [430], QtCore.Qt.Vertical)
    health = hw.health_view
    health.compute_pedestals()
    shots.wait_for(lambda: health.pedestals is not None
                   or "failed" in health.pedestal_label.text(), what="pedestal from data")
    shots.save(dock, "camera-health.png",
               "camera health dock: pixel states of a FlashCam (6 HV off), the array's share "
               "of bad pixels, pedestal from data against the monitoring")
    hw.close()
    # ---- a calibration quantity of the pedestal event of calibration_7cameras
    cw = shots.window(file("calibration_7cameras.simtel.gz"))
    cw.display.update(quantity="dc→p.e.", gain="high")
    cw.docks["parameters"].raise_()
    cw.resizeDocks([cw.docks["parameters"]], [330], QtCore.Qt.Vertical)
    shots.wait(300)
    shots.save(cw, "camera-calibration.png",
               "the pedestal event of calibration_7cameras: dc→p.e. of the LSTCam, its "
               "summary in the parameter inspector, the event list's type column")
    cw.close()
    make_muons(shots, file("muons_lst.simtel.zst"))
    make_script_display(shots, file("gamma_4lst_15nectarcam.simtel.zst"))
    make_stereo_image(shots, file("gamma_4lst_15nectarcam.simtel.zst"))
    make_comparison(shots, file("gamma_4lst.simtel.zst"))
    make_file_table(shots, file("gamma_70sst1m.simtel.zst"))
    make_dl3_browser(shots, data.parent / "dl3-reference" / "hess-dl3-dr1")
    make_performance(shots, data)

    # ---- the batch panel after a run over three files to DL3, one of them truncated
    out_dir = Path(tempfile.gettempdir()) / "ctaviewer-guide" / "dl1"
    shutil.rmtree(out_dir.parent, ignore_errors=True)
    dock = w.docks["batch"]
    dock.show()
    w.resizeDocks([dock], [560], QtCore.Qt.Horizontal)
    w.resizeDocks([dock], [800], QtCore.Qt.Vertical)
    batch = dock.widget()
    batch.add_pattern(str(data / "gamma_4lst*.simtel.zst"))
    batch.add_files([file("gamma_prod2_126tel_truncated.simtel.gz")])
    batch.output.setText(str(out_dir))
    batch.dl3.setChecked(True)  # and DL2, from which DL3 is made
    batch.workers.setValue(1)
    batch.start_button.click()
    shots.wait_for(lambda: not batch.running and batch.start_button.isEnabled(),
                   what="the batch run")
    shots.save(dock, "batch.png", "batch panel after processing three files to DL1+DL2+DL3, "
               "with the warnings of the truncated one")
    shutil.rmtree(out_dir.parent, ignore_errors=True)
    w.close()


def main(argv=None) -> int:
    args = _parse(argv)
    with tempfile.TemporaryDirectory(prefix="ctaviewer-docshots-") as settings_dir:
        shots = Shots(args.out, args.max_width, settings_dir)
        make_all(shots, args.data)
    big = [n for n, size, _ in shots.written if size > 250 * 1024]
    if big:
        print(f"warning: larger than 250 kB: {', '.join(big)}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
