"""``ctaviewer performance DL2_FILES --out DIR``: plots (PNG, SVG) and ECSV tables, no display."""

from __future__ import annotations

import os
import subprocess
import sys

import numpy as np
import pytest

from ctaviewer.cli import main

from .conftest import ROOT, simtel
from .test_cli_render import distinct_colours, png_size
from .test_performance import make_dl2

PLOTS = ("angular_resolution", "energy_resolution", "energy_bias", "effective_area",
         "gammaness", "theta2", "migration")
TABLES = ("angular_resolution_true_energy", "angular_resolution_reco_energy",
          "energy_bias_resolution_true_energy", "energy_bias_resolution_reco_energy",
          "effective_area", "gammaness", "theta2", "migration")


@pytest.fixture(scope="module")
def dl2(tmp_path_factory):
    return make_dl2(tmp_path_factory)


def test_writes_every_plot_and_table(dl2, tmp_path, capsys):
    from astropy.table import QTable

    from ctaviewer.performance.benchmarks import Options, compute
    from ctaviewer.performance.cuts import Cuts
    from ctaviewer.performance.sample import Sample

    out = tmp_path / "perf"
    files = dl2["gammas"] + dl2["protons"]
    assert main(["performance", *files, "--out", str(out), "--theta-max", "0.3",
                 "--multiplicity-min", "2", "--bootstrap", "10"]) == 0
    io = capsys.readouterr()
    expected = {f"{n}.{ext}" for n in PLOTS for ext in ("png", "svg")} \
        | {f"{n}.ecsv" for n in TABLES}
    assert set(os.listdir(out)) == expected  # and nothing else (no temporary names)
    assert sorted(io.out.split()) == sorted(str(out / n) for n in expected)
    assert "few events: " in io.err
    for name in PLOTS:
        w, h = png_size(out / f"{name}.png")
        assert (w, h) == (900, 620)
        assert distinct_colours(out / f"{name}.png") > 5  # a drawn plot, not a blank
        svg = (out / f"{name}.svg").read_text()
        assert svg.lstrip().startswith("<?xml") and "</svg>" in svg
    # the tables are those of the library on the same files and cuts
    direct = compute(Sample.load(files), Cuts(theta_max_deg=0.3), Options(n_bootstrap=10))
    for name in TABLES:
        back = QTable.read(out / f"{name}.ecsv")
        for c in direct.tables[name].colnames:
            np.testing.assert_array_equal(
                np.asarray(getattr(back[c], "value", back[c])),
                np.asarray(getattr(direct.tables[name][c], "value", direct.tables[name][c])))
    assert "θ ≤ 0.3°" in (out / "effective_area.svg").read_text()


def test_tables_only_and_no_display_needed(dl2, tmp_path):
    """Run as a user would, without DISPLAY or QT_QPA_PLATFORM: the plots are drawn
    offscreen."""
    out = tmp_path / "perf"
    env = {k: v for k, v in os.environ.items()
           if k not in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM")}
    done = subprocess.run(
        [sys.executable, "-m", "ctaviewer", "performance", dl2["gammas"][0], "--out",
         str(out), "--formats", "png", "--bootstrap", "0"],
        capture_output=True, text=True, timeout=300, cwd=ROOT, env=env)
    assert done.returncode == 0, done.stderr
    assert sorted(p.suffix for p in out.iterdir()) == [".ecsv"] * len(TABLES) \
        + [".png"] * len(PLOTS)
    out2 = tmp_path / "tables"
    assert main(["performance", dl2["gammas"][0], "--out", str(out2), "--formats", "none",
                 "--bootstrap", "0"]) == 0
    assert sorted(p.name for p in out2.iterdir()) == sorted(f"{n}.ecsv" for n in TABLES)


@pytest.mark.parametrize("case", ["simtel", "lookup_tables", "protons_only", "bad_cut",
                                  "no_header"])
def test_bad_inputs_fail_cleanly(dl2, tmp_path, capsys, case):
    import shutil

    import h5py

    out = tmp_path / "perf"
    args = {
        "simtel": ([str(simtel("gamma_4lst.simtel.zst"))], "not a DL2 HDF5 file"),
        "lookup_tables": ([str(dl2["folder"] / "tables.h5")], "not a DL2 file"),
        "protons_only": (dl2["protons"], "no simulated gammas"),
        "bad_cut": ([dl2["gammas"][0], "--gammaness-min", "2"], "gammaness cut 2"),
    }
    if case == "no_header":
        bare = tmp_path / "no_header.h5"
        shutil.copy(dl2["gammas"][1], bare)
        with h5py.File(bare, "r+") as h5:
            del h5["/configuration/simulation/run"]
        args[case] = ([str(bare)], "no gamma file has simulated-event information")
    files, message = args[case]
    assert main(["performance", *files, "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("ctaviewer: error: ") and message in err
    assert "Traceback" not in err and len(err.strip().splitlines()) == 1
    assert not out.exists() or not list(out.iterdir())  # nothing half-written
