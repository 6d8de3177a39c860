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


def test_batch_panel_writes_dl3_and_lists_the_warnings(qtbot, tmp_path):
    """DL3 ticked: the DL3 folder gammapy reads is written from the DL2 outputs; the
    truncated input's warning, the input that failed (skipped) and DL3's warnings are lines
    of the panel's warnings list, not only of the log."""
    from astropy.io import fits

    from ctaviewer.app.batch_dock import BatchPanel

    panel = BatchPanel()
    qtbot.addWidget(panel)
    cut = simtel("gamma_prod2_126tel_truncated.simtel.gz")
    panel.add_files([str(cut), str(simtel("bad_header_only.simtel.gz")),
                     str(simtel("gamma_4lst.simtel.zst"))])
    panel.output.setText(str(tmp_path))
    panel.workers.setValue(1)
    assert not panel.dl3_box.isVisibleTo(panel)
    panel.dl3.setChecked(True)
    assert panel.dl2.isChecked() and panel.dl3_box.isVisibleTo(panel)
    panel.site.setCurrentText("CTAO-North")
    panel.livetime.setValue(600)
    assert panel.start()
    qtbot.waitUntil(lambda: not panel.running and panel.start_button.isEnabled(),
                    timeout=180000)
    dl3 = tmp_path / "dl3"
    assert (dl3 / "hdu-index.fits.gz").is_file() and (dl3 / "obs-index.fits.gz").is_file()
    with fits.open(dl3 / "obs-index.fits.gz") as f:
        assert len(f[1].data) == 2  # the two inputs written
        assert list(f[1].data["LIVETIME"]) == [600.0, 600.0]
    assert panel.dl3_result["folder"] == str(dl3)
    assert "DL3: 2 observation(s)" in panel.status.text()
    lines = panel.warning_lines
    assert panel.warnings_list.isVisibleTo(panel)
    truncated = [x for x in lines if "file is truncated" in x]  # the reader's
    assert len(truncated) == 1 and str(cut) in truncated[0] and "9 complete events" in truncated[0]
    # and DL3's: the run's thrown showers are cut short, its effective area too small
    assert any("effective area" in x and cut.name.split(".")[0] in x for x in lines)
    assert any(x.startswith("skipped: ") and "bad_header_only" in x for x in lines)
    assert any("BACKGROUND is zero" in x for x in lines)  # DL3's own warning, no proton run
    assert panel.warnings_title.text() == f"{len(lines)} warnings"
    # a new run starts with an empty list; a bad DL3 value does not start
    panel.obs_start.setText("yesterday")
    assert not panel.start()
    assert "obs_start: 'yesterday': not a date and time" in panel.log.toPlainText()
