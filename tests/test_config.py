"""ProcessingConfig: defaults, validation naming the field, TOML round trip, overrides."""

import dataclasses

import pytest

from ctaviewer.config import ProcessingConfig
from ctaviewer.errors import ConfigError


def test_default_and_per_camera_thresholds():
    cfg = ProcessingConfig.default()
    ext, cln = cfg.for_camera("LSTCam")
    assert (cln.picture_threshold, cln.boundary_threshold) == (6.0, 3.0)
    _, cln = cfg.for_camera("NectarCam")
    assert (cln.picture_threshold, cln.boundary_threshold) == (8.0, 4.0)
    ext, cln = cfg.for_camera("Unknown-40000px")
    assert cln == cfg.cleaning and ext == cfg.extractor


def test_toml_round_trip(tmp_path):
    cfg = ProcessingConfig.default().replace(
        **{
            "cleaning.time_limit_ns": 4.5,
            "extractor.name": "two_pass",
            "stereo__weighting": "intensity",
            "stereo.name": "hillas_weighted",
            "parameters.timing_fit": "weighted",
        }
    )
    text = cfg.to_toml()
    assert '[parameters]\ntiming_fit = "weighted"' in text
    back = ProcessingConfig.from_toml(text)
    assert back == cfg
    assert back.cleaning.time_limit_ns == 4.5
    assert back.parameters.timing_fit == "weighted" and back.stereo.name == "hillas_weighted"
    assert ProcessingConfig.default().parameters.timing_fit == "lts"  # ctapipe's fit
    path = tmp_path / "c.toml"
    path.write_text(text)
    assert ProcessingConfig.from_toml(path) == cfg
    assert ProcessingConfig.from_toml(str(path)) == cfg
    # None is written as an absent key and read back as None
    assert "time_limit_ns" not in ProcessingConfig.default().to_toml()
    assert (
        ProcessingConfig.from_toml(ProcessingConfig.default().to_toml()).cleaning.time_limit_ns
        is None
    )


def test_partial_toml_keeps_defaults():
    cfg = ProcessingConfig.from_toml(
        "[cleaning]\npicture_threshold = 12.0\nboundary_threshold = 6.0\n"
    )
    assert cfg.cleaning.picture_threshold == 12.0
    assert cfg.extractor == ProcessingConfig.default().extractor


@pytest.mark.parametrize(
    "change,field,words",
    [
        ({"cleaning.boundary_threshold": 20.0}, "cleaning.boundary_threshold", "[0.0, 10.0]"),
        ({"extractor.window_width": 0}, "extractor.window_width", "[1, 4096]"),
        ({"extractor.window_shift": 9}, "extractor.window_shift", "[0, 6]"),
        ({"extractor.name": "magic"}, "extractor.name", "neighbor_peak"),
        ({"cleaning.min_picture_neighbors": 1.5}, "cleaning.min_picture_neighbors", "integer"),
        ({"stereo.min_telescopes": 1}, "stereo.min_telescopes", "[2, 1000]"),
        ({"stereo.weighting": "x"}, "stereo.weighting", "intensity"),
        ({"calibration.gain_threshold": -1.0}, "calibration.gain_threshold", "[1.0"),
        ({"quality.query": "hillas_nonsense > 3"}, "quality.query", "hillas_nonsense"),
        ({"quality.query": "__import__('os')"}, "quality.query", "not allowed"),
        ({"cleaning.keep_isolated_pixels": 1}, "cleaning.keep_isolated_pixels", "true or false"),
        ({"parameters.timing_fit": "robust"}, "parameters.timing_fit", "'lts', 'weighted'"),
        ({"stereo.name": "x"}, "stereo.name", "hillas_weighted"),
        ({"calibration.apply_peak_time_shift": "yes"}, "calibration.apply_peak_time_shift",
         "true or false"),
        ({"calibration.invalid_pixel_handler": "zero"}, "calibration.invalid_pixel_handler",
         "neighbor_average"),
        ({"calibration.sums_peak_time": "nan"}, "calibration.sums_peak_time", "'file', 'zero'"),
        ({"extractor.window_edge": "wrap"}, "extractor.window_edge", "'truncate', 'shift'"),
    ],
)
def test_validation_names_field_and_range(change, field, words):
    with pytest.raises(ConfigError) as err:
        ProcessingConfig.default().replace(**change)
    assert err.value.field == field
    assert words in str(err.value)


def test_unknown_keys_rejected():
    with pytest.raises(ConfigError) as err:
        ProcessingConfig.from_toml("[cleaning]\npicture = 3.0\n")
    assert err.value.field == "cleaning.picture"
    with pytest.raises(ConfigError) as err:
        ProcessingConfig.from_toml("[camera_overrides.LSTCam.cleaning]\nfoo = 1\n")
    assert err.value.field == "camera_overrides.LSTCam.cleaning.foo"
    with pytest.raises(ConfigError) as err:
        ProcessingConfig.from_toml(
            '[camera_overrides."LSTCam".cleaning]\npicture_threshold = 1.0\n'
            "boundary_threshold = 3.0\n"
        )
    assert err.value.field == "camera_overrides.LSTCam.cleaning.boundary_threshold"


def test_camera_overrides_from_toml():
    cfg = ProcessingConfig.from_toml(
        '[camera_overrides."Unknown-40000px".cleaning]\npicture_threshold = 4.0\n'
        "boundary_threshold = 2.0\n"
    )
    _, cln = cfg.for_camera("Unknown-40000px")
    assert cln.picture_threshold == 4.0
    # a file naming camera_overrides replaces the default table
    assert cfg.for_camera("LSTCam")[1] == cfg.cleaning


def test_frozen_and_dataclasses_replace():
    cfg = ProcessingConfig.default()
    with pytest.raises(dataclasses.FrozenInstanceError):
        cfg.cleaning.picture_threshold = 1.0
    new = dataclasses.replace(
        cfg, cleaning=dataclasses.replace(cfg.cleaning, picture_threshold=11.0)
    )
    assert new.cleaning.picture_threshold == 11.0 and cfg.cleaning.picture_threshold == 10.0
    with pytest.raises(ConfigError):
        dataclasses.replace(cfg, cleaning=dataclasses.replace(cfg.cleaning, picture_threshold=-1.0))
    assert hash(cfg) == hash(ProcessingConfig.default())


def test_bad_toml_and_missing_file(tmp_path):
    with pytest.raises(ConfigError) as err:
        ProcessingConfig.from_toml("[cleaning\npicture_threshold = 1")
    assert err.value.field == "toml"
    with pytest.raises(ConfigError) as err:
        ProcessingConfig.from_toml(str(tmp_path / "missing.toml"))
    assert "missing.toml" in str(err.value)
    with pytest.raises(ConfigError):
        ProcessingConfig.from_toml(tmp_path / "missing.toml")


def test_calibration_options_default_to_ctapipe_and_round_trip():
    cfg = ProcessingConfig.default()
    assert cfg.calibration.apply_peak_time_shift is True
    assert cfg.calibration.invalid_pixel_handler == "neighbor_average"
    assert cfg.extractor.window_edge == "truncate"
    assert cfg.calibration.sums_peak_time == "file"
    other = cfg.replace(**{
        "calibration.apply_peak_time_shift": False,
        "calibration.invalid_pixel_handler": "none",
        "calibration.sums_peak_time": "zero",
        "extractor.window_edge": "shift",
    })
    assert ProcessingConfig.from_toml(other.to_toml()) == other
    from ctaviewer.config import FIELD_CHOICES, FIELD_HELP

    for section in ("calibration", "extractor"):
        for f in dataclasses.fields(getattr(cfg, section)):
            assert f"{section}.{f.name}" in FIELD_HELP
    assert set(FIELD_CHOICES) <= set(FIELD_HELP)
