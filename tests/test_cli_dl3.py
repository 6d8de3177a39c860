"""``ctaviewer dl3 DL2_FILE... -o DIR``: a DL3 folder from DL2 files already written, the
same as ``process --levels ...,dl3`` makes from the same files; bad inputs say why in one
line, exit 2 and leave nothing behind."""

from __future__ import annotations

import os

import numpy as np
import pytest

from ctaviewer.cli import main

from .test_performance import make_dl2


@pytest.fixture(scope="module")
def dl2(tmp_path_factory):
    return make_dl2(tmp_path_factory)


def _events(folder):
    from astropy.io import fits
    from astropy.table import Table

    out = {}
    for name in sorted(os.listdir(folder)):
        if name.startswith("obs_"):
            with fits.open(folder / name) as hdus:
                t = Table.read(hdus["EVENTS"])
                out[int(hdus["EVENTS"].header["OBS_ID"])] = (
                    np.asarray(t["EVENT_ID"]), np.asarray(t["ENERGY"]))
    return out


def test_dl3_from_dl2_files_as_process_writes_it(dl2, tmp_path, capsys):
    from ctaviewer.batch.dl3 import DL3Options, write_dl3

    files = dl2["gammas"] + dl2["protons"]
    out = tmp_path / "dl3"
    assert main(["dl3", *files, "-o", str(out), "--site", "CTAO-North",
                 "--gammaness-cut", "0.3", "--json"]) == 0
    assert {"hdu-index.fits.gz", "obs-index.fits.gz"} <= set(os.listdir(out))
    assert not [n for n in os.listdir(tmp_path) if n != "dl3"]  # no temporary left
    err = capsys.readouterr().err
    assert "wrote DL3 folder" in err
    # the events and their selection equal the library's on the same files and options
    ref = tmp_path / "ref"
    write_dl3(DL3Options(site="CTAO-North", gammaness_cut=0.3), files, str(ref),
              log=lambda _: None, folder=str(ref))
    got, expected = _events(out), _events(ref)
    assert got.keys() == expected.keys() and got
    for obs in got:
        np.testing.assert_array_equal(got[obs][0], expected[obs][0])
        np.testing.assert_array_equal(got[obs][1], expected[obs][1])
    gammapy = pytest.importorskip("gammapy.data", reason="gammapy is a test dependency")
    store = gammapy.DataStore.from_dir(out)
    assert sorted(store.obs_table["OBS_ID"]) == sorted(got)
    for obs in got:
        assert len(store.obs(obs).events.table) == len(got[obs][0])


@pytest.mark.parametrize("case", ["not_dl2", "missing", "protons_only", "bad_site",
                                  "no_parent"])
def test_bad_inputs_exit_2_with_one_line_and_nothing_written(dl2, tmp_path, capsys, case):
    out = tmp_path / "dl3"
    files = dl2["gammas"][:1]
    extra = []
    if case == "not_dl2":
        bad = tmp_path / "notes.h5"
        bad.write_text("not HDF5")
        files, expect = [str(bad)], "notes.h5"
    elif case == "missing":
        files, expect = [str(tmp_path / "gone.h5")], "gone.h5: no such file"
    elif case == "protons_only":
        files, expect = dl2["protons"], "at least one DL2 file of simulated gammas"
    elif case == "bad_site":
        extra, expect = ["--site", "Atlantis"], "Atlantis"
    else:
        out, expect = tmp_path / "no" / "such" / "dl3", "does not exist"
    assert main(["dl3", *files, "-o", str(out), *extra]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err[-1].startswith("ctaviewer: error:") and expect in err[-1], err
    assert "Traceback" not in "\n".join(err)
    assert not out.exists()
