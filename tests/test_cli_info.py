"""``ctaviewer info``: the subarray, event count, simulation header and data kind."""

from __future__ import annotations

import json
import subprocess
import sys

from .conftest import simtel


def _info(*args):
    out = subprocess.run(
        [sys.executable, "-m", "ctaviewer", "info", *map(str, args)], capture_output=True, text=True
    )
    assert out.returncode == 0, out.stderr
    return out.stdout


def test_info_json_on_the_benchmark_file():
    info = json.loads(_info(simtel("gamma_70sst1m.simtel.zst"), "--json"))
    assert info["n_telescopes"] == 70
    assert info["n_events"] == 31
    (tel_type,) = info["telescope_types"]
    assert tel_type["camera"] == "DigiCam" and tel_type["n_pixels"] == 1296
    assert info["simulation"]["energy_max"] == 330.0
    assert "50 samples" in info["data_kind"]


def test_info_text_on_a_mixed_array_with_sums_only_data():
    text = _info(simtel("gamma_prod2_126tel_truncated.simtel.gz"))
    assert "telescopes: 126" in text
    assert "events: 9 (file truncated" in text
    for camera in ("LSTCam", "NectarCam", "SCTCam", "CHEC"):
        assert camera in text
    sums = json.loads(_info(simtel("gamma_70astri_sums_only.simtel.gz"), "--json"))
    assert sums["telescope_types"][0]["camera"] == "ASTRICam" and sums["n_events"] == 3


def test_help_lists_options_and_subcommands():
    out = subprocess.run([sys.executable, "-m", "ctaviewer", "--help"], capture_output=True,
                         text=True)
    assert out.returncode == 0
    assert "info" in out.stdout and "--event" in out.stdout and "examples:" in out.stdout


def test_info_names_the_primary_from_the_showers():
    """No primary name in the header: the showers' primary id (101) names it."""
    path = simtel("proton_4lst_15flashcam.simtel.zst")
    info = json.loads(_info(path, "--json"))
    assert info["simulation"]["primary"] == "proton"
    assert "simulation: proton " in _info(path)


def test_info_reports_sums_only_cameras_as_such():
    info = json.loads(_info(simtel("gamma_70astri_sums_only.simtel.gz"), "--json"))
    (astri,) = info["telescope_types"]
    assert astri["readout"] == "sums" and astri["n_samples"] is None
    assert "sums only" in info["data_kind"]
    text = _info(simtel("gamma_70astri_sums_only.simtel.gz"))
    assert "sums only × 2 gain(s)" in text and "1 samples" not in text
    info = json.loads(_info(simtel("gamma_4lst.simtel.zst"), "--json"))
    (lst,) = info["telescope_types"]
    assert lst["readout"] == "samples" and lst["n_samples"] == 40


def test_info_json_says_where_a_file_is_damaged(tmp_path):
    from .test_bad_files import _with_zeroed_header

    path, offset = _with_zeroed_header(tmp_path, 2)
    info = json.loads(_info(path, "--json"))
    assert info["n_events"] == 2 and not info["truncated"]
    assert info["damaged"]["offset"] == offset and info["damaged"]["cause"]
    assert info["data_after_run"] == 0


def test_a_site_known_only_by_its_height_is_not_shown_as_latitude_0():
    """Files without site metadata give only the simulation's observation level: info says
    so instead of printing ctapipe's placeholder position (0°, 0°); the flag survives DL1."""
    text = _info(simtel("muons_lst.simtel.zst"))
    assert "site: position not in the file; height 2180 m" in text and "lat 0.000" not in text
    site = json.loads(_info(simtel("muons_lst.simtel.zst"), "--json"))["site"]
    assert site["position_known"] is False and site["height_m"] == 2180.0
    known = json.loads(_info(simtel("gamma_4lst.simtel.zst"), "--json"))["site"]
    assert known["position_known"] is True and known["latitude_deg"] < -24


def test_site_position_flag_round_trips_through_dl1(tmp_path):
    import h5py

    from ctaviewer.datamodel.instrument import read_subarray, write_subarray
    from ctaviewer.io import open_source

    for name, known in (("muons_lst.simtel.zst", False), ("gamma_4lst.simtel.zst", True)):
        with open_source(simtel(name)) as source:
            with h5py.File(tmp_path / f"{name}.h5", "w") as h5:
                write_subarray(h5, source.subarray)
            with h5py.File(tmp_path / f"{name}.h5") as h5:
                location = read_subarray(h5).location
            assert location.position_known is known
            assert location.height_m == source.subarray.location.height_m
