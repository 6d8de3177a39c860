"""Optional: ctapipe's own readers load our DL1/DL2 files, and our tables have the
columns, dtypes and units of ctapipe-process's.

Runs where ctapipe is importable, or with CTAVIEWER_CTAPIPE_PYTHON pointing at the Python
of a separate environment that has it (ctapipe pins its own numpy/astropy).
"""

from __future__ import annotations

import re
import subprocess

import pytest

from .conftest import ROOT, load_script, simtel
from .ctapipe_env import ctapipe_file, ctapipe_python, run_python
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
# enum columns come back as ctapipe's enums: the pointing of the observation block is read
from ctapipe.containers import EventType
assert events[0].trigger.event_type is EventType.SUBARRAY, events[0].trigger.event_type
assert abs(events[0].monitoring.pointing.array_altitude.to_value("deg") - 50.0) < 1e-3
# the telescope-wise DL2 (impact) is found by its field names, without prefixes
import math
impacts = [t.impact["HillasReconstructor"].distance.to_value("m")
           for e in events for t in e.dl2.tel.values()]
assert sum(math.isfinite(d) for d in impacts) >= len(impacts) // 2, impacts
print("ok")
"""


def test_ctapipe_reads_our_files(tmp_path):
    python = ctapipe_python()
    path = tmp_path / "g.h5"
    # images without asking for the true images: ctapipe's reader wants those beside them
    _write(path, simtel("gamma_4lst.simtel.zst"), dl1=True, dl2=True, write_images=True)
    done = subprocess.run([python, "-c", SCRIPT, str(path)], capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip().endswith("ok")


LOAD_COMPLETELY = """
import sys
import numpy as np
import tables
from ctapipe.io import TableLoader
path = sys.argv[1]
with tables.open_file(path) as f:
    n_tel_events = f.root.dl1.event.telescope.trigger.nrows
    n_events = f.root.dl1.event.subarray.trigger.nrows
everything = dict(dl1_parameters=True, dl1_images=True, dl2=True, simulated=True,
                  true_images=True, true_parameters=True, instrument=True, pointing=True,
                  observation_info=True)
with TableLoader(path) as loader:
    by_type = loader.read_telescope_events_by_type(**everything)
    by_id = loader.read_telescope_events_by_id(**everything)
    one_type = loader.subarray.telescope_types[0]
    tel_ids = sorted(loader.subarray.get_tel_ids_for_type(one_type))
    of_type = loader.read_telescope_events(tel_ids, **everything)
    # all telescopes at once: without the per-pixel columns (camera sizes differ)
    all_tels = loader.read_telescope_events(
        **{**everything, "dl1_images": False, "true_images": False})
    sub = loader.read_subarray_events(dl2=True, simulated=True, observation_info=True)
    dist = loader.read_shower_distribution()
    run = loader.read_simulation_configuration()
assert sum(len(t) for t in by_type.values()) == n_tel_events, by_type
assert sum(len(t) for t in by_id.values()) == n_tel_events
assert len(all_tels) == n_tel_events and len(sub) == n_events
assert len(of_type) == sum(len(by_id[t]) for t in tel_ids if t in by_id)
for table in (*by_type.values(), *by_id.values(), of_type):
    for col in ("image", "image_mask", "hillas_intensity", "core_psi",
                "hillas_transverse_cog_uncertainty", "HillasReconstructor_tel_impact_distance",
                "HillasReconstructor_alt", "HillasReconstructor_core_tilted_x",
                "true_image", "true_image_sum", "true_hillas_intensity",
                "true_impact_distance", "true_energy", "true_starting_grammage",
                "tel_description", "telescope_pointing_altitude", "subarray_pointing_lat"):
        assert col in table.colnames, col
for col in ("HillasReconstructor_is_valid", "true_energy", "true_starting_grammage", "time"):
    assert col in sub.colnames, col
failed = ~np.asarray(sub["HillasReconstructor_is_valid"])
assert failed.any(), "the file should hold failed reconstructions"
assert np.isnan(np.asarray(all_tels["HillasReconstructor_tel_impact_distance"])[
    ~np.asarray(all_tels["HillasReconstructor_is_valid"])]).all()
assert len(dist) == 1 and dist["histogram"][0].sum() == dist["n_entries"][0] > 0
assert str(dist["bins_energy"].unit) == "TeV"
assert len(run) == 1 and "corsika_wlen_min" in run.colnames
import astropy.units as u
from ctapipe.io import HDF5EventSource
with HDF5EventSource(path) as source:
    profile = source.atmosphere_density_profile
    assert profile is not None and profile(10 * u.km).to_value("g/cm3") > 0, profile
    assert len(source.simulated_shower_distributions) == 1
print("ok", n_events, n_tel_events)
"""


def test_table_loader_loads_our_file_completely(tmp_path):
    """ctapipe's TableLoader loads everything of our proton_4lst_15flashcam file (two of
    its six events have no valid reconstruction) by type, by id, per telescope type and
    per subarray event, plus the shower distribution and the run table."""
    path = tmp_path / "p.h5"
    _write(path, simtel("proton_4lst_15flashcam.simtel.zst"), dl1=True, dl2=True,
           write_images=True, write_true_images=True, energy=False, gammaness=False)
    assert run_python(LOAD_COMPLETELY, path).strip().startswith("ok")


#: what differs from a ctapipe-process file of the same input, on purpose:
#: - string columns are as wide as their content (e.g. producer "ctaviewer", 9 bytes);
#: - extra columns: the camera-frame Hillas parameters, the run's injection height.
EXTRA_COLUMNS = re.compile(r"^(true_)?camera_frame_hillas_\w+$|^injection_height$")


def _tables_by_kind(path) -> dict:
    """{normalised table path: {column: (dtype, shape, unit, transform)}}; per-telescope
    tables as tel_NNN, camera tables keyed by camera name."""
    tables = pytest.importorskip("tables")
    out = {}
    with tables.open_file(path) as f:
        for node in f.walk_nodes("/", classname="Table"):
            attrs = node.attrs
            key = re.sub(r"tel_\d{3}$", "tel_NNN", node._v_pathname)
            if re.search(r"/camera/(geometry|readout)_\d+$", key):
                key = re.sub(r"_\d+$", "_" + str(attrs.CAM_ID), key)
            user = set(attrs._f_list("user"))
            columns = {}
            for i, name in enumerate(node.colnames):
                dt = node.coldtypes[name]
                meta = {k: str(attrs[f"CTAFIELD_{i}_{k}"]) for k in ("UNIT", "TRANSFORM")
                        if f"CTAFIELD_{i}_{k}" in user}
                columns[name] = (dt.base.kind if dt.base.kind == "S" else dt.base.str,
                                 dt.shape, meta.get("UNIT", ""), meta.get("TRANSFORM", ""))
            out.setdefault(key, columns)
    return out


def test_columns_equal_ctapipe_process(tmp_path, tmp_path_factory):
    """Every table and column of ctapipe-process's file of proton_4lst_15flashcam exists
    in ours with the same dtype, per-row shape, unit and transform (differences on purpose
    are listed above)."""
    reference = _tables_by_kind(ctapipe_file(tmp_path_factory, "dl2_images"))
    path = tmp_path / "p.h5"
    _write(path, simtel("proton_4lst_15flashcam.simtel.zst"), dl1=True, dl2=True,
           write_images=True, write_true_images=True, energy=False, gammaness=False)
    ours = _tables_by_kind(path)
    problems = []
    for table, columns in reference.items():
        if table not in ours:
            problems.append(f"missing table {table}")
            continue
        for name, (dtype, shape, unit, transform) in columns.items():
            if name not in ours[table]:
                problems.append(f"missing column {table}:{name}")
                continue
            o_dtype, o_shape, o_unit, o_transform = ours[table][name]
            if (dtype, shape, unit, transform) != (o_dtype, o_shape, o_unit, o_transform):
                problems.append(f"{table}:{name} ctapipe {(dtype, shape, unit, transform)} "
                                f"ours {(o_dtype, o_shape, o_unit, o_transform)}")
    for table, columns in ours.items():
        if table not in reference:
            problems.append(f"extra table {table}")
            continue
        extra = [n for n in columns if n not in reference[table] and not EXTRA_COLUMNS.match(n)]
        problems += [f"extra column {table}:{n}" for n in extra]
    assert not problems, "\n".join(problems)


def test_values_equal_ctapipe_process(tmp_path, tmp_path_factory):
    """Every value of every table of ctapipe-process's file of proton_4lst_15flashcam
    (instrument, observation blocks, triggers with event types and trigger pixel counts,
    images, parameters, DL2 geometry and impacts, simulation, statistics) equals ours; only
    the documented timing-fit difference is allowed (benchmarks/hdf5_parity.py)."""
    parity = load_script(ROOT / "benchmarks" / "hdf5_parity.py")
    reference = ctapipe_file(tmp_path_factory, "dl2_images")
    path = tmp_path / "p.h5"
    _write(path, simtel("proton_4lst_15flashcam.simtel.zst"), dl1=True, dl2=True,
           write_images=True, write_true_images=True, energy=False, gammaness=False)
    result = parity.compare_files(reference, path)
    assert result["columns"] > 1500
    assert not result["differing"], "\n".join(f"{c}: {t}" for c, t in result["differing"])
    assert {c.rsplit(":", 1)[1] for c, _ in result["deliberate"]} <= {
        "timing_slope", "timing_intercept", "timing_deviation"}
