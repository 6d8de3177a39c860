"""ProcessingConfig: defaults, validation naming the field, TOML round trip, overrides."""

import dataclasses

import pytest

from ctaviewer.config import ProcessingConfig
from ctaviewer.errors import ConfigError

from .conftest import ROOT


def test_defaults_are_ctapipes_and_the_per_camera_example_loads():
    """ctapipe 0.28's settings for every camera by default (NeighborPeakWindowSum 7/3,
    tail cuts 10/5/2); docs/examples/per_camera.toml holds per-camera ones."""
    cfg = ProcessingConfig.default()
    for camera in ("LSTCam", "NectarCam", "Unknown-40000px"):
        ext, cln = cfg.for_camera(camera)
        assert (cln.picture_threshold, cln.boundary_threshold) == (10.0, 5.0)
        assert cln.min_picture_neighbors == 2 and not cln.keep_isolated_pixels
        assert (ext.name, ext.window_width, ext.window_shift) == ("neighbor_peak", 7, 3)
        assert ext.apply_correction and ext.window_edge == "truncate"
    example = ProcessingConfig.from_toml(ROOT / "docs" / "examples" / "per_camera.toml")
    _, cln = example.for_camera("LSTCam")
    assert (cln.picture_threshold, cln.boundary_threshold) == (6.0, 3.0)
    ext, cln = example.for_camera("NectarCam")
    assert (cln.picture_threshold, ext.window_width) == (8.0, 10)
    ext, cln = example.for_camera("Unknown-40000px")
    assert cln == example.cleaning and ext == example.extractor


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


# ------------------------------------------------------------------ malformed files
@pytest.mark.parametrize(
    "text,field,words",
    [
        # each gave a traceback (TypeError, AttributeError, ...) before
        ("extractor = 5\n", "extractor", "must be a table"),
        # was "extractor.a: unknown key" (the string's characters taken for keys)
        ('extractor = "abc"\n', "extractor", "got a string"),
        ("camera_overrides = 5\n", "camera_overrides", "must be a table of camera names"),
        ("[camera_overrides]\nLSTCam = []\n", "camera_overrides.LSTCam", "got an array"),
        ("[camera_overrides.LSTCam]\ncleaning = 3\n", "camera_overrides.LSTCam.cleaning",
         "must be a table"),
        ('[camera_overrides.LSTCam.cleaning]\npicture_threshold = "x"\n',
         "camera_overrides.LSTCam.cleaning.picture_threshold", "must be a number"),
        ('[extractor]\nname = ["neighbor_peak"]\n', "extractor.name",
         "must be a string, got an array"),
        ('[stereo]\nname = {a = 1}\n', "stereo.name", "must be a string, got a table"),
        ("[cleaning]\ntime_limit_ns = true\n", "cleaning.time_limit_ns", "must be a number"),
        ("[stereo]\nmin_telescopes = 2.5\n", "stereo.min_telescopes", "must be an integer"),
        ("[quality]\nquery = 3\n", "quality.query", "must be a string"),
        ("[extractor]\nwindow_width = 1979-05-27\n", "extractor.window_width",
         "must be an integer"),
        ("nonsense = 1\n", "nonsense", "unknown section"),
        ("a = " + "[" * 3000 + "]" * 3000 + "\n", "toml", "nested too deeply"),
    ],
)
def test_malformed_files_name_the_file_the_field_and_what_was_expected(
        tmp_path, text, field, words):
    path = tmp_path / "bad.toml"
    path.write_text(text)
    with pytest.raises(ConfigError) as err:
        ProcessingConfig.from_toml(path)
    assert err.value.field == field
    assert str(err.value).startswith(f"{path}: {field}: ")
    assert words in str(err.value)
    with pytest.raises(ConfigError) as err:  # the same from text (the GUI's processing panel)
        ProcessingConfig.from_toml(text)
    assert err.value.field == field and words in str(err.value)


def test_non_utf8_file(tmp_path):
    path = tmp_path / "latin1.toml"
    path.write_bytes(b"[cleaning]\n# seuil \xe9lev\xe9\npicture_threshold = 12.0\n")
    with pytest.raises(ConfigError) as err:  # was a UnicodeDecodeError traceback
        ProcessingConfig.from_toml(path)
    assert str(err.value).startswith(f"{path}: toml: not UTF-8 text (byte 0xe9 at offset")


def test_every_field_of_every_section_is_type_checked(tmp_path):
    """Generic over the dataclasses: a field added to any section is checked as well."""
    from ctaviewer.config import _field_types, _section_types

    cases = 0
    for section, cls in _section_types().items():
        for name, annotation in _field_types(cls).items():
            accepts_str = "str" in str(annotation)
            wrong = '[1, 2]' if accepts_str else '"text"'
            with pytest.raises(ConfigError) as err:
                ProcessingConfig.from_toml(f"[{section}]\n{name} = {wrong}\n")
            assert err.value.field == f"{section}.{name}", (section, name)
            assert "must be" in str(err.value)
            cases += 1
            with pytest.raises(ConfigError) as err:  # and the section itself as a value
                ProcessingConfig.from_toml(f"{section} = 5\n")
            assert err.value.field == section
    assert cases >= 19  # the fields of today; more as sections grow


def test_wrong_types_given_in_python_are_config_errors():
    from ctaviewer.config import CleaningConfig, ExtractorConfig

    with pytest.raises(ConfigError) as err:
        ProcessingConfig(camera_overrides=5)
    assert err.value.field == "camera_overrides"
    with pytest.raises(ConfigError) as err:
        ProcessingConfig(extractor=ExtractorConfig(name=["neighbor_peak"]))
    assert err.value.field == "extractor.name"
    with pytest.raises(ConfigError) as err:
        ProcessingConfig(cleaning=CleaningConfig(picture_threshold="10"))
    assert err.value.field == "cleaning.picture_threshold"
    with pytest.raises(ConfigError) as err:
        ProcessingConfig(cleaning=5)
    assert err.value.field == "cleaning"


def test_valid_files_still_read(tmp_path):
    path = tmp_path / "ok.toml"
    path.write_text('[cleaning]\npicture_threshold = 12\nboundary_threshold = 6.0\n'
                    '[camera_overrides.LSTCam.cleaning]\npicture_threshold = 7.0\n')
    cfg = ProcessingConfig.from_toml(path)
    assert cfg.cleaning.picture_threshold == 12  # an integer where a number is expected
    assert cfg.for_camera("LSTCam")[1].picture_threshold == 7.0
    assert ProcessingConfig.from_dict({"stereo": {"min_telescopes": 3}}).stereo.min_telescopes == 3
