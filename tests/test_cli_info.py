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
