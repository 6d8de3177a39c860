"""A camera override that names no camera of the input (a typo: names are case-sensitive)
is said, in batch and in the window; it used to be silently ignored."""

from __future__ import annotations

import pytest

from ctaviewer import open_source
from ctaviewer.batch.job import JobSpec, execute_job
from ctaviewer.config import ProcessingConfig
from ctaviewer.pipeline import unused_overrides

from .conftest import simtel

TOML = """
[camera_overrides.LSTcam.cleaning]
picture_threshold = 600.0
[camera_overrides.FlashCam.cleaning]
picture_threshold = 9.0
[camera_overrides.MyCam.cleaning]
picture_threshold = 9.0
"""


@pytest.fixture
def config(tmp_path):
    path = tmp_path / "typo.toml"
    path.write_text(TOML)
    return path, ProcessingConfig.from_toml(str(path))


def test_overrides_of_no_camera_are_said(config):
    _, cfg = config
    with open_source(simtel("gamma_4lst.simtel.zst")) as source:  # LSTs only
        said = unused_overrides(cfg, source.subarray)
        assert unused_overrides(ProcessingConfig.default(), source.subarray) == []
    assert len(said) == 2  # FlashCam: a known camera type this file lacks, not said
    typo, unknown = said
    assert typo.startswith("camera_overrides.LSTcam names no camera of this input")
    assert "which has LSTCam" in typo and "did you mean LSTCam?" in typo
    assert unknown.startswith("camera_overrides.MyCam") and "did you mean" not in unknown


def test_a_batch_job_warns_of_them(config, tmp_path):
    _, cfg = config
    r = execute_job(JobSpec(str(simtel("gamma_4lst.simtel.zst")), str(tmp_path / "o.h5"),
                            config=cfg))
    assert r.ok, r.error
    lines = [w for w in r.warnings if "camera_overrides." in w]
    assert len(lines) == 2 and "LSTcam" in lines[0] and "MyCam" in lines[1]


def test_loading_them_in_the_window_says_so(config, processing_panel, monkeypatch):
    from ctaviewer.app.qt import QtWidgets

    path, cfg = config
    said = []
    monkeypatch.setattr(QtWidgets.QMessageBox, "warning",
                        staticmethod(lambda parent, title, text: said.append((title, text))))
    processing_panel.session.open(simtel("gamma_4lst.simtel.zst"), synchronous=True)
    processing_panel.load(str(path))
    assert processing_panel.session.config == cfg  # loaded all the same
    ((title, text),) = said
    assert title == "Settings loaded" and str(path) in text and "did you mean LSTCam" in text
