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
    for camera in ("LSTCam", "NectarCam", "UNKNOWN-40000PX"):
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
    ext, cln = example.for_camera("UNKNOWN-40000PX")
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
        '[camera_overrides."UNKNOWN-40000PX".cleaning]\npicture_threshold = 4.0\n'
        "boundary_threshold = 2.0\n"
    )
    _, cln = cfg.for_camera("UNKNOWN-40000PX")
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
    folder = tmp_path / "settings.toml"
    folder.mkdir()
    for given in (str(folder), folder):
        with pytest.raises(ConfigError) as err:
            ProcessingConfig.from_toml(given)
        assert str(folder) in str(err.value)
        assert "folder" in str(err.value) or "directory" in str(err.value)


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


def _every_section_class():
    """(section, name or None, options class) for every section and every algorithm."""
    for section, spec in ProcessingConfig.sections().items():
        if spec.family is None:
            yield section, None, spec.type
        else:
            for name, algorithm in spec.family.items():
                yield section, name, algorithm.config


def test_every_field_of_every_section_is_type_checked(tmp_path):
    """Generic over the dataclasses: a field added to any section or algorithm is checked as
    well, in the section's table and in a camera override."""
    from ctaviewer.config import options_of

    cases = 0
    for section, name, cls in _every_section_class():
        head = f'name = "{name}"\n' if name else ""
        for opt in options_of(cls):
            wrong = '[1, 2]' if opt.kind is str else '"text"'
            with pytest.raises(ConfigError) as err:
                ProcessingConfig.from_toml(f"[{section}]\n{head}{opt.name} = {wrong}\n")
            assert err.value.field == f"{section}.{opt.name}", (section, name, opt.name)
            assert "must be" in str(err.value)
            cases += 1
            if section in ProcessingConfig.per_camera_sections():
                where = f"camera_overrides.LSTCam.{section}"
                with pytest.raises(ConfigError) as err:
                    ProcessingConfig.from_toml(f"[{where}]\n{head}{opt.name} = {wrong}\n")
                assert err.value.field == f"{where}.{opt.name}"
        with pytest.raises(ConfigError) as err:  # and the section itself as a value
            ProcessingConfig.from_toml(f"{section} = 5\n")
        assert err.value.field == section
    assert cases >= 30  # the options of today; more as algorithms grow


def test_wrong_types_given_in_python_are_config_errors():
    from ctaviewer.config import NeighborPeakConfig, StereoConfig, TailcutsConfig

    with pytest.raises(ConfigError) as err:
        ProcessingConfig(camera_overrides=5)
    assert err.value.field == "camera_overrides"
    with pytest.raises(ConfigError) as err:
        ProcessingConfig(extractor=NeighborPeakConfig(window_width="7"))
    assert err.value.field == "extractor.window_width"
    with pytest.raises(ConfigError) as err:
        ProcessingConfig(cleaning=TailcutsConfig(picture_threshold="10"))
    assert err.value.field == "cleaning.picture_threshold"
    with pytest.raises(ConfigError) as err:
        ProcessingConfig(cleaning=5)
    assert err.value.field == "cleaning"
    with pytest.raises(ConfigError) as err:  # an extractor's options as the cleaning
        ProcessingConfig(cleaning=NeighborPeakConfig())
    assert err.value.field == "cleaning"
    with pytest.raises(ConfigError) as err:  # the base of the reconstructors: no algorithm
        ProcessingConfig(stereo=StereoConfig())
    assert err.value.field == "stereo" and "hillas_intersection" in str(err.value)


def test_valid_files_still_read(tmp_path):
    path = tmp_path / "ok.toml"
    path.write_text('[cleaning]\npicture_threshold = 12\nboundary_threshold = 6.0\n'
                    '[camera_overrides.LSTCam.cleaning]\npicture_threshold = 7.0\n')
    cfg = ProcessingConfig.from_toml(path)
    assert cfg.cleaning.picture_threshold == 12  # an integer where a number is expected
    assert cfg.for_camera("LSTCam")[1].picture_threshold == 7.0
    assert ProcessingConfig.from_dict({"stereo": {"min_telescopes": 3}}).stereo.min_telescopes == 3


# ------------------------------------------------------------------ options per algorithm
def test_building_validating_and_pickling_import_no_numba():
    """The configuration layer stands apart from the kernels: building, validating, reading,
    writing and pickling a configuration load neither numba nor the processing packages."""
    import subprocess
    import sys

    code = (
        "import pickle, sys\n"
        "from ctaviewer.config import ProcessingConfig\n"
        "c = ProcessingConfig.default()\n"
        "c = c.replace(**{'extractor.name': 'two_pass', 'stereo.name': 'hillas_weighted'})\n"
        "c = c.with_camera('LSTCam', cleaning=c.cleaning.__class__(picture_threshold=6.0,\n"
        "                                                          boundary_threshold=3.0))\n"
        "c.validate()\n"
        "assert ProcessingConfig.from_toml(c.to_toml()) == c\n"
        "b = pickle.loads(pickle.dumps(c))\n"
        "assert b == c and hash(b) == hash(c)\n"
        "assert b.for_camera('LSTCam') == c.for_camera('LSTCam')\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] == 'numba'\n"
        "             or m.startswith(('ctaviewer.image', 'ctaviewer.reco', 'ctaviewer.calib',\n"
        "                              'ctaviewer.pipeline', 'ctaviewer._numba'))))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "[]"


def test_configs_pickle_equal_with_overrides_and_every_algorithm():
    import pickle

    from ctaviewer.config import EXTRACTORS

    base = ProcessingConfig.from_toml(ROOT / "docs" / "examples" / "per_camera.toml")
    for name in EXTRACTORS.names():
        cfg = base.replace(**{"extractor.name": name})
        back = pickle.loads(pickle.dumps(cfg))
        assert back == cfg and back.to_toml() == cfg.to_toml()
        assert type(back.extractor) is EXTRACTORS.get(name).config


def test_each_algorithm_table_holds_its_own_options():
    cfg = ProcessingConfig.from_toml('[extractor]\nname = "two_pass"\ncore_threshold = 4.0\n')
    assert cfg.extractor.name == "two_pass" and cfg.extractor.core_threshold == 4.0
    text = cfg.to_toml()
    assert "core_threshold = 4.0" in text and "local_weight" not in text
    assert "fixed_peak_index" not in text
    # an option of another extractor than the one named: the key and its owners are named
    with pytest.raises(ConfigError) as err:
        ProcessingConfig.from_toml('[extractor]\nname = "neighbor_peak"\ncore_threshold = 4.0\n')
    assert err.value.field == "extractor.core_threshold"
    assert "an option of two_pass, not of neighbor_peak" in str(err.value)
    with pytest.raises(ConfigError) as err:
        ProcessingConfig.from_toml('[extractor]\nname = "full_waveform"\nwindow_width = 5\n')
    assert err.value.field == "extractor.window_width"
    assert "not of full_waveform" in str(err.value) and "local_peak" in str(err.value)
    with pytest.raises(ConfigError) as err:  # and in Python
        ProcessingConfig.default().replace(**{"extractor.core_threshold": 4.0})
    assert err.value.field == "extractor.core_threshold"


#: ``to_toml()`` of the defaults before the options were split per algorithm (every
#: extractor's options under [extractor])
SAVED_BEFORE_THE_SPLIT = """\
[calibration]
gain_threshold = 4000.0
apply_peak_time_shift = true
invalid_pixel_handler = "neighbor_average"
sums_peak_time = "file"

[extractor]
name = "{name}"
window_width = 7
window_shift = 3
apply_correction = true
local_weight = 0.0
fixed_peak_index = -1
core_threshold = {core}
window_edge = "truncate"

[cleaning]
name = "tailcuts"
picture_threshold = 10.0
boundary_threshold = 5.0
min_picture_neighbors = 2
keep_isolated_pixels = false
n_dilation_rings = 0

[parameters]
timing_fit = "lts"

[quality]
query = "hillas_intensity > 50 and hillas_width > 0 and morphology_n_pixels > 3"

[stereo]
name = "hillas_intersection"
min_telescopes = 2
weighting = "intensity_length_width"
"""


def test_files_saved_before_the_split_still_load():
    old = SAVED_BEFORE_THE_SPLIT.format(name="neighbor_peak", core=5.0)
    assert ProcessingConfig.from_toml(old) == ProcessingConfig.default()
    cfg = ProcessingConfig.from_toml(SAVED_BEFORE_THE_SPLIT.format(name="two_pass", core=4.0))
    assert cfg.extractor == ProcessingConfig.default().replace(
        **{"extractor.name": "two_pass", "extractor.core_threshold": 4.0}).extractor
    cfg = ProcessingConfig.from_toml(SAVED_BEFORE_THE_SPLIT.format(name="full_waveform", core=5.0))
    assert cfg.extractor.name == "full_waveform"
    # a changed option of an extractor not in use cannot be dropped silently
    with pytest.raises(ConfigError) as err:
        ProcessingConfig.from_toml(SAVED_BEFORE_THE_SPLIT.format(name="local_peak", core=4.0))
    assert err.value.field == "extractor.core_threshold" and "two_pass" in str(err.value)


def test_a_camera_override_may_choose_another_algorithm():
    cfg = ProcessingConfig.from_toml(
        "[extractor]\nwindow_width = 5\nwindow_shift = 2\n"
        '[camera_overrides."LSTCam".extractor]\nname = "two_pass"\ncore_threshold = 3.0\n'
        '[camera_overrides."FlashCam".extractor]\nlocal_weight = 1.0\n')
    lst, _ = cfg.for_camera("LSTCam")
    assert lst.name == "two_pass" and lst.core_threshold == 3.0
    assert (lst.window_width, lst.window_shift) == (5, 2)  # the global window carries over
    flash, _ = cfg.for_camera("FlashCam")
    assert flash.name == "neighbor_peak" and flash.local_weight == 1.0
    assert cfg.for_camera("NectarCam")[0] == cfg.extractor
    assert ProcessingConfig.from_toml(cfg.to_toml()) == cfg
    with pytest.raises(ConfigError) as err:  # not an option of the camera's extractor
        ProcessingConfig.from_toml(
            '[camera_overrides."LSTCam".extractor]\nname = "two_pass"\nlocal_weight = 1.0\n')
    assert err.value.field == "camera_overrides.LSTCam.extractor.local_weight"
    assert "not of two_pass" in str(err.value)
    with pytest.raises(ConfigError) as err:
        ProcessingConfig.from_toml('[camera_overrides."LSTCam".cleaning]\nname = "wavelets"\n')
    assert err.value.field == "camera_overrides.LSTCam.cleaning.name"
    assert "tailcuts" in str(err.value)
    with pytest.raises(ConfigError) as err:  # parameters are not per camera
        ProcessingConfig.from_toml('[camera_overrides."LSTCam".parameters]\ntiming_fit = "lts"\n')
    assert err.value.field == "camera_overrides.LSTCam.parameters"


def test_with_camera_stores_what_differs():
    from ctaviewer.config import LocalPeakConfig, TailcutsConfig

    cfg = ProcessingConfig.default()
    same = cfg.with_camera("LSTCam", extractor=cfg.extractor, cleaning=cfg.cleaning)
    assert same == cfg and not same.camera_overrides
    new = cfg.with_camera("LSTCam", extractor=LocalPeakConfig(window_width=9, window_shift=3),
                          cleaning=TailcutsConfig(picture_threshold=6.0, boundary_threshold=3.0))
    assert dict(new.camera_overrides["LSTCam"]["extractor"]) == {
        "name": "local_peak", "window_width": 9}
    assert dict(new.camera_overrides["LSTCam"]["cleaning"]) == {
        "picture_threshold": 6.0, "boundary_threshold": 3.0}
    assert new.for_camera("LSTCam") == (LocalPeakConfig(window_width=9, window_shift=3),
                                        TailcutsConfig(picture_threshold=6.0,
                                                       boundary_threshold=3.0))
    back = new.with_camera("LSTCam", extractor=cfg.extractor)  # cleaning kept
    assert set(back.camera_overrides["LSTCam"]) == {"cleaning"}


def test_replace_name_keeps_the_shared_options():
    cfg = ProcessingConfig.default().replace(**{"extractor.window_width": 5,
                                                "extractor.local_weight": 2.0})
    two = cfg.replace(**{"extractor.name": "two_pass"})
    assert (two.extractor.name, two.extractor.window_width) == ("two_pass", 5)
    assert two.extractor.core_threshold == 5.0  # its own default
    full = cfg.replace(**{"extractor.name": "full_waveform"})
    assert dataclasses.fields(full.extractor) == ()
    assert full.replace(**{"extractor.name": "neighbor_peak"}).extractor.window_width == 7


def test_every_declared_algorithm_is_implemented_once():
    import ctaviewer.pipeline  # noqa: F401  (binds every algorithm's function)
    from ctaviewer.config import (
        CLEANERS,
        EXTRACTORS,
        INVALID_PIXEL_HANDLERS,
        RECONSTRUCTORS,
        TailcutsConfig,
    )
    from ctaviewer.registry import Algorithms

    for family in (EXTRACTORS, CLEANERS, RECONSTRUCTORS, INVALID_PIXEL_HANDLERS):
        assert len(family) >= 2 or family is CLEANERS
        for name, algorithm in family.items():
            assert callable(algorithm.function), (family.kind, name)
            assert algorithm.summary
            if algorithm.config is not None:
                assert algorithm.config.name == name
        with pytest.raises(KeyError):
            family.implement(family.names()[0])(lambda: None)
    demo = Algorithms("demo step", "What the demo does", implemented_in="nowhere.module")
    demo.declare("plain", "a demo", options=None)
    with pytest.raises(LookupError, match="nowhere.module"):
        demo.get("plain")()
    with pytest.raises(KeyError):  # one options class, one algorithm
        demo.declare("other", "again")(TailcutsConfig)


def test_every_option_is_defined_completely():
    """Type, default, range or choices and help: the default fits its own definition."""
    from ctaviewer.config import options_of

    n = 0
    for section, _name, cls in _every_section_class():
        for opt in options_of(cls):
            assert opt.help and opt.help[0].isupper() and not opt.help.endswith("."), opt
            assert opt.kind is not None, opt
            opt.validate(opt.default, f"{section}.{opt.name}")
            if opt.bounds is not None:
                assert opt.kind in (int, float)
            n += 1
    assert n >= 30


def test_changing_the_global_algorithm_adapts_the_camera_overrides():
    """Overrides that name no algorithm of their own keep the keys the new one has."""
    cfg = ProcessingConfig.from_toml(ROOT / "docs" / "examples" / "per_camera.toml")
    cfg = cfg.with_camera("SCTCam", extractor=cfg.extractor.converted("two_pass"))
    local = cfg.replace(**{"extractor.name": "local_peak"})
    assert local.for_camera("NectarCam")[0].window_width == 10  # a window option: kept
    assert local.for_camera("SCTCam")[0].name == "two_pass"  # names its own: untouched
    full = cfg.replace(**{"extractor.name": "full_waveform"})
    assert "extractor" not in full.camera_overrides["NectarCam"]
    assert full.camera_overrides["NectarCam"]["cleaning"] == cfg.camera_overrides[
        "NectarCam"]["cleaning"]
    assert full.for_camera("SCTCam")[0].name == "two_pass"
    with pytest.raises(ConfigError) as err:  # explicit overrides are taken as given
        dataclasses.replace(cfg, extractor=full.extractor)
    assert err.value.field.startswith("camera_overrides.") and "not of full_waveform" in str(
        err.value)
