"""The muon ring in the window: the camera view's overlay at the fitted radius, the muon
values in the parameter inspector, the event list's muon column and filter, and the Muon
summary dock (histograms, CSV, PNG) over muons_lst."""

from __future__ import annotations

import csv
import math

import pytest

from .conftest import simtel

#: ctapipe 0.28's radius (deg) of the ring of muons_lst's event 200 (index 1)
RADIUS_EVENT_200 = 1.21327


@pytest.fixture
def window(make_window):
    return make_window(restore=False)


def _show(qtbot, window, index):
    s = window.session
    s.go_to(index)
    qtbot.waitUntil(lambda: s.event_index == index and s.result is not None
                    and s.result.index == index, timeout=60000)


def test_a_ring_fitted_to_a_shower_is_not_shown_as_a_muon(qtbot, window):
    """The ring fit runs on every bright image; on gamma_4lst_15nectarcam's shower it finds
    circles that fail ctapipe's ring query: no overlay, no muon count, the reason inspected."""
    s = window.session
    assert window.open_path(str(simtel("gamma_4lst_15nectarcam.simtel.zst")))
    qtbot.waitUntil(lambda: s.result is not None and s.result.index == 0, timeout=60000)
    muons = s.result.muon
    fitted = [m for m in muons.values() if m.has_ring]
    assert fitted and not any(m.passes_ring_query for m in muons.values())
    assert all("containment" in m.reason or "pixels on the ring" in m.reason for m in fitted)
    for tel_id in (m.tel_id for m in fitted):
        s.select_tel(tel_id)
        assert window.camera_view.muon_item.ring is None
    assert s.rows[0]["muon"] == 0


def test_muon_ring_overlay_parameters_and_event_column(qtbot, window):
    s = window.session
    assert window.open_path(str(simtel("muons_lst.simtel.zst")))
    qtbot.waitUntil(lambda: s.result is not None, timeout=60000)
    assert s.config.muon.enabled  # the window runs the muon analysis
    _show(qtbot, window, 1)
    item = window.camera_view.muon_item
    qtbot.waitUntil(lambda: item.ring_deg is not None, timeout=10000)
    lon, lat, radius, band = item.ring_deg
    assert radius == pytest.approx(RADIUS_EVENT_200, rel=0.01)
    assert band == pytest.approx(0.028, rel=0.1) and item.band_kind == "width"
    assert item.isVisible()
    focal = s.source.subarray.tels[1].optics.focal_length
    x, y, r_m, _ = item.ring
    assert r_m == pytest.approx(math.radians(radius) * focal, rel=1e-9)
    assert (x, y) == pytest.approx((math.radians(lat) * focal, math.radians(lon) * focal))
    assert "optical efficiency" in item.toolTip()

    table = window.parameter_table
    table.refresh()
    labels = [table.table.verticalHeaderItem(k).text() for k in range(table.table.rowCount())]
    row = labels.index("muonring_radius (deg)")
    assert float(table.table.item(row, 0).text()) == pytest.approx(RADIUS_EVENT_200, rel=0.01)
    assert table.table.item(labels.index("muon"), 0).text() == "efficiency"

    assert s.rows[1]["muon"] == 1  # the event list's column, once processed
    _show(qtbot, window, 0)  # event 100: no ring, the overlay hides
    qtbot.waitUntil(lambda: window.camera_view.muon_item.ring is None, timeout=10000)
    assert not window.camera_view.muon_item.isVisible()
    assert s.rows[0]["muon"] == 0


def test_muon_summary_dock_fills_histograms_event_list_and_exports(qtbot, window, tmp_path):
    s = window.session
    assert window.open_path(str(simtel("muons_lst.simtel.zst")))
    qtbot.waitUntil(lambda: s.result is not None and not s.indexing, timeout=60000)
    view = window.muon_summary
    view.run(synchronous=True)
    summary = view.summary
    assert len(summary.rings) == 25 and summary.n_events == 30
    assert view.histogram_counts("optical_efficiency").sum() == 25
    assert view.histogram_counts("width_deg").sum() == 25
    assert "25 rings in 30 events" in view.label.text()
    assert summary.values("optical_efficiency").mean() == pytest.approx(0.24, abs=0.02)
    # every event of the list has its muon column now: the filter choice keeps the 25
    assert sum(1 for r in s.rows if r.get("muon")) == 25
    table = window.event_table
    table.type_box.setCurrentText("muon rings")
    table.apply_filter()
    assert table.proxy.rowCount() == 25
    out = view.export_csv(tmp_path / "rings.csv")
    with open(out) as f:
        rows = list(csv.DictReader(f))
    assert len(rows) == 25 and float(rows[0]["radius_deg"]) == pytest.approx(1.213, rel=0.01)
    png = view.export_png(tmp_path / "hist.png")
    from ctaviewer.app.qt import QtGui

    image = QtGui.QImage(png)
    assert not image.isNull() and image.width() > 100


def test_batch_panel_writes_muons_only_when_asked(qtbot, tmp_path):
    from ctaviewer.app.batch_dock import BatchPanel
    from ctaviewer.service.processing import default_config

    panel = BatchPanel()
    qtbot.addWidget(panel)
    panel.set_config(default_config())  # the window's: muon analysis on, for the view
    assert panel.add_pattern(str(simtel("muons_lst.simtel.zst"))) == 1
    panel.output.setText(str(tmp_path))
    spec = panel.specs()[0]
    assert not spec.write_muons and not spec.processing_config().muon.enabled
    panel.muons.setChecked(True)
    spec = panel.specs()[0]
    assert spec.write_muons and spec.processing_config().muon.enabled
