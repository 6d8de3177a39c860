"""The batch panel drives the runner: files, patterns, progress, log, cancel."""

from __future__ import annotations

import os

import pytest

from .conftest import simtel

pytestmark = pytest.mark.gui


def test_batch_panel_processes_and_reports(qtbot, tmp_path):
    from ctaviewer.app.batch_dock import BatchPanel

    panel = BatchPanel()
    qtbot.addWidget(panel)
    good = simtel("gamma_4lst.simtel.zst")
    assert panel.add_pattern(str(good.parent / "gamma_4ls?.simtel.zst")) == 1
    panel.add_files([str(simtel("bad_header_only.simtel.gz")), str(good)])
    assert len(panel.input_files()) == 2  # duplicates ignored
    panel.output.setText(str(tmp_path))
    assert panel.start()
    qtbot.waitUntil(lambda: not panel.running and panel.start_button.isEnabled(), timeout=60000)
    log = panel.log.toPlainText()
    assert "wrote" in log and "FAILED" in log and "1/2 files written" in log
    assert os.listdir(tmp_path) == ["gamma_4lst.dl1.h5"]


def test_batch_panel_refuses_without_output(qtbot):
    from ctaviewer.app.batch_dock import BatchPanel

    panel = BatchPanel()
    qtbot.addWidget(panel)
    panel.add_files([str(simtel("gamma_4lst.simtel.zst"))])
    assert not panel.start()
    assert "output folder" in panel.log.toPlainText()
