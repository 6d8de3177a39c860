"""The Performance dock (pytest-qt): View ▸ Performance, cuts recomputed off the GUI thread,
a clicked point's events, opening one in the event display, exports, bad files."""

from __future__ import annotations

import os
import threading

import numpy as np
import pytest

pytest.importorskip("pytestqt")

from ctaviewer.app.qt import QtCore, pg  # noqa: E402

from .conftest import simtel  # noqa: E402
from .test_performance import GAMMAS, PROTONS, make_dl2  # noqa: E402

pytestmark = pytest.mark.usefixtures("isolated_settings")


@pytest.fixture(scope="module")
def dl2(tmp_path_factory):
    return make_dl2(tmp_path_factory)


def add_and_wait(qtbot, panel, paths):
    """Add ``paths`` and wait for both passes (the tables, then their error bars)."""
    panel.add_files(paths)
    qtbot.waitUntil(lambda: panel.result is not None and not panel.computing
                    and panel.result.n_bootstrap > 0, timeout=60000)


def show_dock(window):
    """Open the dock as a user does: View ▸ Performance."""
    view = next(a.menu() for a in window.menuBar().actions() if a.text() == "&View")
    action = next(a for a in view.actions() if a.text() == "Performance")
    assert not window.docks["performance"].isVisible()
    action.trigger()
    assert window.docks["performance"].isVisible()
    return window.performance_panel


def test_cut_change_recomputes_in_the_worker_without_blocking(qtbot, make_window, dl2,
                                                              monkeypatch):
    from ctaviewer.app.performance import dock as dock_module

    window = make_window()
    panel = show_dock(window)
    threads, gate = [], threading.Event()
    real = dock_module.compute

    def gated(*args, **kwargs):
        threads.append(threading.current_thread())
        assert gate.wait(60)
        return real(*args, **kwargs)

    monkeypatch.setattr(dock_module, "compute", gated)
    gate.set()
    add_and_wait(qtbot, panel, dl2["gammas"] + dl2["protons"])
    before = panel.result
    assert len(threads) == 2  # the tables, then the bootstrap error bars
    assert "few events: " in panel.status.text()
    assert before.cuts.theta_max_deg is None
    # a cut change: the GUI goes on while the computation is held in the worker
    gate.clear()
    panel.theta.setValue(0.2)
    qtbot.waitUntil(lambda: len(threads) == 3, timeout=10000)
    assert panel.computing and "computing" in panel.status.text()
    ticks = []
    timer = QtCore.QTimer(interval=10)
    timer.timeout.connect(lambda: ticks.append(1))
    timer.start()
    qtbot.wait(200)  # the event loop runs: the GUI thread is not blocked
    timer.stop()
    assert len(ticks) >= 5 and panel.result is before
    with qtbot.waitSignal(panel.updated, timeout=60000):
        gate.set()
    # first the tables without error bars, at once; then the bootstrap's, in the worker too
    quick = panel.result
    assert quick.cuts.theta_max_deg == 0.2 and quick.n_bootstrap == 0
    assert panel.computing and "bootstrap error bars: computing" in panel.status.text()
    qtbot.waitUntil(lambda: not panel.computing, timeout=60000)
    assert len(threads) == 4
    assert all(t is not threading.main_thread() for t in threads)
    after = panel.result
    assert after.cuts.theta_max_deg == 0.2 and after.n_bootstrap == panel.options.n_bootstrap
    err = after.tables["angular_resolution_true_energy"]["angular_resolution_68_err"].value
    n = np.asarray(after.tables["angular_resolution_true_energy"]["n_events"])
    assert np.all(np.isfinite(err[n >= 2])) and np.all(np.isnan(
        quick.tables["angular_resolution_true_energy"]["angular_resolution_68_err"].value))
    assert after.counts["gammas_selected"] < before.counts["gammas_selected"]
    # the plot shows the new numbers, with their counts, and its legend still
    legend = panel.plots["angular_resolution"].getPlotItem().legend
    assert legend.isVisible() and legend.scene() is not None and len(legend.items) == 2
    ang = panel.plots["angular_resolution"].plot_spec.series[0]
    table = after.tables["angular_resolution_true_energy"]
    np.testing.assert_array_equal(ang.counts, np.asarray(table["n_events"])[ang.bins])
    assert np.nanmax(table["angular_resolution_68"].value) <= 0.2


def test_a_clicked_point_lists_its_events_and_opens_one(qtbot, make_window, dl2):
    window = make_window()
    panel = show_dock(window)
    add_and_wait(qtbot, panel, dl2["gammas"] + dl2["protons"])
    view = panel.plots["angular_resolution"]
    panel.tabs.setCurrentWidget(view)
    qtbot.wait(100)
    # the points versus reconstructed energy, drawn last (on top of those versus true)
    scatter = [i for i in view.getPlotItem().items if isinstance(i, pg.ScatterPlotItem)][-1]
    series = view.plot_spec.series[-1]
    assert series.energy_type == "reco"
    j = int(np.argmax(series.counts))
    # a real click on the point
    point = scatter.points()[j].pos()
    at = view.mapFromScene(scatter.mapToScene(point))
    with qtbot.waitSignal(view.bin_clicked, timeout=5000) as clicked:
        qtbot.mouseClick(view.viewport(), QtCore.Qt.LeftButton, pos=at)
    assert clicked.args[:2] == ["reco", int(series.bins[j])]
    assert panel.events.rowCount() == series.counts[j]
    # double-click an event: the sim_telarray file its DL2 file was made from (at hand
    # here) opens in the window, at that event
    name, event_id = panel.events.item(0, 0).text(), int(panel.events.item(0, 2).text())
    dl2_path = next(p for p in dl2["gammas"] if os.path.basename(p) == name)
    source = str(simtel(GAMMAS[dl2["gammas"].index(dl2_path)]))
    panel._event_double_clicked(0)
    qtbot.waitUntil(lambda: window.session.path == source
                    and window.session.array_event is not None
                    and window.session.array_event.event_id == event_id, timeout=30000)
    # a DL2 file open in the window is offered to the dock
    other = dl2["synthetic"]
    assert window.open_path(other)
    qtbot.waitUntil(lambda: window.session.path == other, timeout=30000)
    assert panel.open_file_button.isEnabled()
    qtbot.mouseClick(panel.open_file_button, QtCore.Qt.LeftButton)
    qtbot.waitUntil(lambda: not panel.computing
                    and len(panel.result.sample.files) == len(GAMMAS) + len(PROTONS) + 1,
                    timeout=60000)
    assert panel.paths[-1] == other and not panel.open_file_button.isEnabled()
    assert len(panel.result.sample.files) == len(GAMMAS) + len(PROTONS) + 1


def test_events_open_from_the_dl2_file_when_its_input_is_gone(dl2, tmp_path):
    import shutil

    import h5py

    from ctaviewer.app.performance.dock import PerformancePanel

    assert PerformancePanel.event_file(dl2["gammas"][0]) == str(simtel(GAMMAS[0]))
    moved = tmp_path / "moved.h5"
    shutil.copy(dl2["gammas"][0], moved)
    with h5py.File(moved, "r+") as h5:
        h5["/configuration/ctaviewer"].attrs["input_files"] = '["/nowhere/gamma.simtel.zst"]'
    assert PerformancePanel.event_file(str(moved)) == str(moved)


def test_exports_and_a_bad_file(qtbot, make_window, dl2, tmp_path):
    window = make_window()
    panel = show_dock(window)
    # the DL2 file open in the window is offered: one click adds it
    assert window.open_path(dl2["gammas"][2])
    qtbot.waitUntil(lambda: panel.open_file_button.isEnabled(), timeout=30000)
    assert "Add the open file" in panel.files_label.text()
    qtbot.mouseClick(panel.open_file_button, QtCore.Qt.LeftButton)
    qtbot.waitUntil(lambda: panel.result is not None and not panel.computing, timeout=60000)
    assert panel.paths == [dl2["gammas"][2]]
    panel.tabs.setCurrentIndex(3)  # effective area
    for ext in ("png", "svg"):
        assert panel.export_plot(str(tmp_path / f"aeff.{ext}")) == str(tmp_path / f"aeff.{ext}")
        assert (tmp_path / f"aeff.{ext}").stat().st_size > 1000
    written = panel.export_tables(str(tmp_path / "tables"))
    assert len(written) == 8 and all(p.endswith(".ecsv") for p in written)
    # a file that is not DL2: said in a dialog, the other files stay and are shown again
    with qtbot.waitSignal(panel.updated, timeout=60000):
        panel.add_files([str(simtel("gamma_4lst.simtel.zst"))])
    title, message = window.last_error
    assert title == "Performance plots" and "gamma_4lst.simtel.zst" in message
    assert "not a DL2 HDF5 file" in message
    assert panel.paths == [dl2["gammas"][2]] and panel.result is not None
    qtbot.waitUntil(lambda: not panel.computing, timeout=60000)
