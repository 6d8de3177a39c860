"""Outputs that share an obs_id are reported: by the batch runner (command line) and the panel.

proton_13tel and stress_40k_pixels are both run 1: their DL1 files cannot be merged (ctapipe's
merger refuses repeated obs_ids) and a DL3 folder must renumber one of them.
"""

from __future__ import annotations

import json

import pytest

from ctaviewer.batch.job import JobResult, duplicate_obs_id_warnings
from ctaviewer.cli import main

from .conftest import simtel

CLASH = ("proton_13tel.simtel.zst", "stress_40k_pixels.simtel.zst")


def test_warnings_name_the_inputs_that_share_an_obs_id():
    results = [JobResult("/d/a.simtel.zst", "a.h5", obs_id=1),
               JobResult("/d/b.simtel.zst", "b.h5", obs_id=2),
               JobResult("/d/c.simtel.zst", "c.h5", obs_id=1),
               JobResult("/d/d.simtel.zst", None, error="bad", obs_id=None),
               JobResult("/d/e.simtel.zst", None, cancelled=True)]
    warnings = duplicate_obs_id_warnings(results)
    assert len(warnings) == 1
    assert "obs_id 1 is shared by a.simtel.zst, c.simtel.zst" in warnings[0]
    assert duplicate_obs_id_warnings(results[:2]) == []


def test_process_command_warns_about_a_shared_obs_id(tmp_path, capsys):
    inputs = [str(simtel(name)) for name in CLASH]
    assert main(["process", *inputs, "--output", str(tmp_path), "--json"]) == 0
    captured = capsys.readouterr()
    assert "warning: obs_id 1 is shared by proton_13tel.simtel.zst, stress_40k_pixels" \
        in captured.err
    summary = json.loads(captured.out.strip().splitlines()[-1])
    assert len(summary["obs_id_warnings"]) == 1 and summary["failed"] == 0


@pytest.mark.gui
def test_batch_panel_shows_a_shared_obs_id(qtbot, tmp_path):
    from ctaviewer.app.batch_dock import BatchPanel

    panel = BatchPanel()
    qtbot.addWidget(panel)
    panel.add_files([str(simtel(name)) for name in CLASH])
    panel.output.setText(str(tmp_path))
    panel.workers.setValue(1)
    assert panel.start()
    qtbot.waitUntil(lambda: not panel.running and panel.start_button.isEnabled(), timeout=90000)
    assert "2/2 files written" in panel.status.text()
    assert panel.warning.isVisibleTo(panel)
    assert "1 obs_id(s) used by more than one output" in panel.warning.text()
    assert "proton_13tel.simtel.zst, stress_40k_pixels.simtel.zst" in panel.warning.toolTip()
    assert "warning: obs_id 1 is shared by" in panel.log.toPlainText()
    # a batch without a clash hides it again
    panel.files.clear()
    panel.add_files([str(simtel("gamma_4lst.simtel.zst"))])
    panel.overwrite.setChecked(True)
    assert panel.start()
    qtbot.waitUntil(lambda: not panel.running and panel.start_button.isEnabled(), timeout=90000)
    assert not panel.warning.isVisibleTo(panel)
