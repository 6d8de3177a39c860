"""Optional: ctapipe's own readers load our DL1/DL2 files.

Runs where ctapipe is importable, or with CTAVIEWER_CTAPIPE_PYTHON pointing at the Python
of a separate environment that has it (ctapipe pins its own numpy/astropy).
"""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from .conftest import simtel
from .test_writers_hdf5 import _write

SCRIPT = """
import sys
from ctapipe.instrument import SubarrayDescription
from ctapipe.io import TableLoader, read_table
path = sys.argv[1]
sub = SubarrayDescription.from_hdf(path)
assert sub.n_tels == 4, sub
t = read_table(path, "/dl1/event/telescope/parameters/tel_001")
assert str(t["hillas_width"].unit) == "deg"
t = read_table(path, "/simulation/event/subarray/shower")
assert str(t["true_energy"].unit) == "TeV"
with TableLoader(path) as loader:
    tel = loader.read_telescope_events(dl1_parameters=True, dl1_images=True, dl2=True,
                                       simulated=True, true_parameters=True)
    sub_ev = loader.read_subarray_events(dl2=True, simulated=True)
assert len(tel) == 13 and "HillasReconstructor_tel_impact_distance" in tel.colnames
assert len(sub_ev) == 4 and "HillasReconstructor_alt" in sub_ev.colnames
from ctapipe.io import EventSource
with EventSource(path) as source:
    assert type(source).__name__ == "HDF5EventSource", type(source)
    events = list(source)
assert len(events) == 4
assert all(e.simulation.shower.energy.value > 0 for e in events)
assert all(len(e.dl1.tel) >= 2 for e in events)
assert "HillasReconstructor" in events[0].dl2.stereo.geometry
print("ok")
"""


def _python():
    try:
        import ctapipe  # noqa: F401

        return sys.executable
    except ImportError:
        exe = os.environ.get("CTAVIEWER_CTAPIPE_PYTHON")
        if exe and os.path.exists(exe):
            return exe
    pytest.skip("ctapipe not installed (set CTAVIEWER_CTAPIPE_PYTHON to a ctapipe venv)")


def test_ctapipe_reads_our_files(tmp_path):
    python = _python()
    path = tmp_path / "g.h5"
    _write(path, simtel("gamma_4lst.simtel.zst"), dl1=True, dl2=True, write_images=True,
           write_true_images=True)
    done = subprocess.run([python, "-c", SCRIPT, str(path)], capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip().endswith("ok")
