"""The batch panel drives the runner: files, patterns, progress, log, cancel."""

from __future__ import annotations

import os

import pytest

from .conftest import simtel, truncated_copy

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


def test_batch_panel_shows_each_files_warnings(qtbot, tmp_path):
    """A truncated input: the worker's warning appears in the log as one line naming the
    file, not in Python's warning format on the worker's stderr; the status counts it."""
    from ctaviewer.app.batch_dock import BatchPanel

    cut = truncated_copy(tmp_path / "in")
    panel = BatchPanel()
    qtbot.addWidget(panel)
    panel.add_files([str(cut), str(simtel("gamma_4lst.simtel.zst"))])
    panel.output.setText(str(tmp_path / "out"))
    panel.workers.setValue(2)  # worker processes: their warnings travel with the results
    assert panel.start()
    qtbot.waitUntil(lambda: not panel.running and panel.start_button.isEnabled(), timeout=120000)
    lines = panel.log.toPlainText().splitlines()
    # the reader's warnings; both inputs also share an obs_id, which the runner warns about too
    warned = [line for line in lines if line.startswith("warning:") and "obs_id" not in line]
    assert len(warned) == 1, lines
    assert str(cut) in warned[0] and "truncated" in warned[0]
    assert any(line.startswith("warning:") and "obs_id" in line for line in lines)
    assert not any(".py:" in line or "warnings.warn" in line for line in lines)
    assert "2/2 files written, 1 with warnings" in panel.status.text()
