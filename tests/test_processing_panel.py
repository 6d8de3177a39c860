"""The processing panel builds its editors from the config's options: another algorithm
brings its own options, an optional number can be unset, a camera's choice is an override."""

import pytest

pytest.importorskip("PySide6")


@pytest.fixture
def panel(processing_panel):
    return processing_panel


def test_another_extractor_brings_its_own_options(panel):
    from ctaviewer.app.qt import QtCore

    session = panel.session
    assert ("extractor", "local_weight") in panel.editors
    assert ("extractor", "core_threshold") not in panel.editors
    box = panel.editors[("extractor", "name")]
    names = [box.itemText(i) for i in range(box.count())]
    assert names[:1] == ["full_waveform"] and "two_pass" in names
    assert "neighbours" in box.itemData(names.index("neighbor_peak"), QtCore.Qt.ToolTipRole)
    panel.set_value("extractor", "window_width", 9)
    panel.set_value("extractor", "name", "two_pass")
    panel.apply()
    ext = session.config.extractor
    assert (ext.name, ext.window_width, ext.core_threshold) == ("two_pass", 9, 5.0)
    assert ("extractor", "core_threshold") in panel.editors  # rebuilt for two_pass
    assert ("extractor", "local_weight") not in panel.editors
    assert panel.editors[("extractor", "core_threshold")].toolTip().startswith(
        "Charge of the core pixels of the first pass")
    panel.set_value("extractor", "name", "full_waveform")
    panel.apply()
    assert session.config.extractor.name == "full_waveform"
    assert [k for k in panel.editors if k[0] == "extractor"] == [("extractor", "name")]


def test_an_optional_number_can_be_set_and_unset(panel):
    session = panel.session
    editor = panel.editors[("cleaning", "time_limit_ns")]
    assert editor.text() == "off" and session.config.cleaning.time_limit_ns is None
    panel.set_value("cleaning", "time_limit_ns", 2.5)
    panel.apply()
    assert session.config.cleaning.time_limit_ns == 2.5
    panel.set_value("cleaning", "time_limit_ns", None)
    panel.apply()
    assert session.config.cleaning.time_limit_ns is None


def test_spin_boxes_hold_the_options_range(panel):
    width = panel.editors[("extractor", "window_width")]
    assert (width.minimum(), width.maximum()) == (1, 4096)
    tels = panel.editors[("stereo", "min_telescopes")]
    assert tels.minimum() == 2


def test_a_camera_may_get_another_algorithm(panel):
    session = panel.session
    panel.target_box.addItems(["all cameras", "LSTCam"])
    panel.target_box.setCurrentText("LSTCam")
    panel.set_value("extractor", "name", "local_peak")
    panel.set_value("cleaning", "picture_threshold", 7.0)
    panel.apply()
    cfg = session.config
    assert dict(cfg.camera_overrides["LSTCam"]["extractor"]) == {"name": "local_peak"}
    assert cfg.for_camera("LSTCam")[1].picture_threshold == 7.0
    assert cfg.extractor.name == "neighbor_peak"  # the global one is unchanged
    assert ("extractor", "local_weight") not in panel.editors
    panel.target_box.setCurrentText("all cameras")
    assert ("extractor", "local_weight") in panel.editors
    assert panel.editors[("cleaning", "picture_threshold")].value() == 10.0


def test_a_bad_combination_is_reported_not_applied(panel):
    session = panel.session
    before = session.config
    panel.set_value("cleaning", "boundary_threshold", 20.0)
    panel.apply()
    assert session.config is before
    assert "cleaning.boundary_threshold" in panel.message.text()
    assert "[0.0, 10.0]" in panel.message.text()


def test_saving_settings_writes_toml_or_says_why_not(panel, tmp_path, monkeypatch):
    """Processing ▸ Save settings: a TOML file that loads back to the same settings; a
    folder, a missing folder or an unwritable place give a dialog naming the path and
    leave no file (before: an unexpected-error dialog with a traceback)."""
    from ctaviewer.app.qt import QtWidgets
    from ctaviewer.config import ProcessingConfig

    said = []
    monkeypatch.setattr(QtWidgets.QMessageBox, "warning",
                        staticmethod(lambda parent, title, text: said.append((title, text))))
    target = tmp_path / "mine.toml"
    assert panel.save(target)
    assert ProcessingConfig.from_toml(target.read_text()) == panel.session.config
    assert said == []
    folder = tmp_path / "a_folder"
    folder.mkdir()
    missing = tmp_path / "no" / "such" / "place.toml"
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0o500)
    cases = [(folder, "is a folder"), (missing, "does not exist")]
    import os
    if os.geteuid() != 0:  # root writes anywhere
        cases.append((locked / "x.toml", "ermission denied"))
    for path, cause in cases:
        assert not panel.save(path)
        title, text = said.pop()
        assert title == "Cannot save settings"
        assert str(path) in text and cause in text
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a_folder", "locked", "mine.toml"]
    assert list(folder.iterdir()) == [] and list(locked.iterdir()) == []
