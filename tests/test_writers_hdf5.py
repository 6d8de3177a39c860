"""DL1/DL2 files: every node is a PyTables table or group, with ctapipe's columns and units."""

from __future__ import annotations

import os

import numpy as np
import pytest

from ctaviewer.errors import OutputError
from ctaviewer.io import open_source
from ctaviewer.pipeline import Pipeline
from ctaviewer.results import IMAGE_PARAMETERS
from ctaviewer.writers.event_file import EventFileWriter

from .conftest import simtel

tables = pytest.importorskip("tables", reason="PyTables is a test dependency")


def _write(path, source_path, n=None, **kw):
    with open_source(source_path, max_events=n) as source:
        pipeline = Pipeline(source.subarray)
        writer = EventFileWriter(
            path, source.subarray, obs_id=source.obs_id,
            simulation_config=source.simulation_config, input_files=[source_path],
            config_toml=pipeline.config.to_toml(), **kw,
        )
        with writer:
            for event in source:
                writer.write(event, pipeline.process(event))
    return writer


@pytest.fixture(scope="module")
def dl1_dl2_file(tmp_path_factory):
    path = tmp_path_factory.mktemp("w") / "g.h5"
    _write(path, simtel("gamma_4lst.simtel.zst"), dl1=True, dl2=True, write_images=True,
           write_true_images=True)
    return path


def test_every_leaf_is_a_pytables_table(dl1_dl2_file):
    with tables.open_file(dl1_dl2_file) as f:
        leaves = list(f.walk_nodes("/", classname="Leaf"))
        assert leaves
        for leaf in leaves:
            assert isinstance(leaf, tables.Table), leaf._v_pathname
            assert leaf.attrs.CLASS == "TABLE"
            assert leaf.nrows == leaf.attrs.NROWS
        paths = {leaf._v_pathname for leaf in leaves}
        for expected in (
            "/dl1/event/subarray/trigger", "/dl1/event/telescope/trigger",
            "/dl1/event/telescope/images/tel_001", "/dl1/event/telescope/parameters/tel_001",
            "/simulation/event/subarray/shower", "/simulation/event/telescope/images/tel_001",
            "/simulation/event/telescope/parameters/tel_001",
            "/simulation/event/telescope/impact/tel_001", "/configuration/simulation/run",
            "/configuration/instrument/subarray/layout",
            "/configuration/instrument/telescope/optics",
            "/configuration/instrument/telescope/camera/geometry_0",
            "/configuration/instrument/telescope/camera/readout_0",
            "/configuration/telescope/pointing/tel_001",
            "/dl2/event/subarray/geometry/HillasReconstructor",
            "/dl2/event/telescope/impact/HillasReconstructor/tel_001",
        ):
            assert expected in paths, expected
        root = f.root._v_attrs
        assert root["CTA PRODUCT DATA MODEL VERSION"] == "v7.1.0"
        assert "DL1_IMAGES" in root["CTA PRODUCT DATA LEVELS"]
        assert root["CTA ACTIVITY SOFTWARE NAME"] == "ctaviewer"
        prov = f.get_node("/configuration/ctaviewer")._v_attrs
        assert "gamma_4lst" in prov["input_files"]
        assert "[cleaning]" in prov["config_toml"]


def test_parameter_columns_units_and_booleans(dl1_dl2_file):
    with tables.open_file(dl1_dl2_file) as f:
        t = f.get_node("/dl1/event/telescope/parameters/tel_001")
        names = t.colnames
        assert names[:3] == ["obs_id", "event_id", "tel_id"]
        assert names[3:] == [p[0] for p in IMAGE_PARAMETERS]
        for i, (name, unit, dtype, _) in enumerate(IMAGE_PARAMETERS, start=3):
            assert t.coldtypes[name] == np.dtype(dtype), name
            if unit:
                assert t.attrs[f"CTAFIELD_{i}_UNIT"] == unit, name
                assert t.attrs[f"CTAFIELD_{i}_TRANSFORM"] == "quantity"
        img = f.get_node("/dl1/event/telescope/images/tel_001")
        assert img.coldtypes["image_mask"].base == np.bool_
        assert img.coldtypes["image"].shape == (1855,)
        trig = f.get_node("/dl1/event/subarray/trigger")
        assert trig.coldtypes["tels_with_trigger"] == np.dtype(("?", (4,)))
        assert trig.attrs["CTAFIELD_2_TIME_SCALE"] == "tai"
        shower = f.get_node("/simulation/event/subarray/shower")
        assert shower.attrs["CTAFIELD_2_UNIT"] == "TeV"
        assert np.all(shower.col("true_energy") > 0)
        geo = f.get_node("/configuration/instrument/telescope/camera/geometry_0")
        assert geo.attrs["TAB_VER"] == "2.0" and geo.attrs["PIX_TYPE"] == "hexagon"
        assert f.get_node("/configuration/instrument/subarray/layout").attrs["TAB_VER"] == "2.0"
        chunks = f.get_node("/dl1/event/telescope/parameters/tel_001").chunkshape
        assert chunks is not None
        assert t.filters.complib == "zlib"


def test_abort_leaves_nothing_and_existing_file_is_kept(tmp_path):
    path = tmp_path / "out.h5"
    source = simtel("gamma_4lst.simtel.zst")
    with pytest.raises(RuntimeError), open_source(source) as src:
        pipeline = Pipeline(src.subarray)
        with EventFileWriter(path, src.subarray, obs_id=1) as w:
            for event in src:
                w.write(event, pipeline.process(event))
                raise RuntimeError("crash mid-file")
    assert os.listdir(tmp_path) == []
    path.write_bytes(b"precious")
    with pytest.raises(OutputError, match="exists"):
        _write(path, source, n=1)
    assert path.read_bytes() == b"precious"
    _write(path, source, n=1, overwrite=True)
    assert path.stat().st_size > 1000
    assert sorted(os.listdir(tmp_path)) == ["out.h5"]


def test_templated_tables_equal_tables_written_attribute_by_attribute(tmp_path):
    """Tables are copies of per-layout templates: same type, chunks, filters, attributes
    and rows as a table whose attributes are written one by one."""
    import h5py

    from ctaviewer.writers.dl1 import index_columns, parameter_columns
    from ctaviewer.writers.hdf5 import TableWriter, _create_table, _layout, table_meta

    cols = (*index_columns(True), *parameter_columns())
    dtype, chunk_rows, _ = _layout(("direct",), cols)
    rows = np.zeros(3, dtype=dtype)
    rows["tel_id"] = [1, 2, 3]
    rows["hillas_width"] = [0.1, 0.2, 0.3]
    with h5py.File(tmp_path / "a.h5", "w", libver="earliest") as h5:
        for name in ("tel_001", "tel_002"):  # the second one is copied from the template
            w = TableWriter(h5, f"/p/{name}", cols, title="t", attrs={"EXTRA": "x"})
            w.append_rows(rows)
            w.close()
        ref = _create_table(h5.require_group("/q").id, b"ref", dtype, chunk_rows,
                            {**table_meta(cols, "t", {"EXTRA": "x"}), "NROWS": 3})
        h5py.Dataset(ref).resize((3,))
        h5py.Dataset(ref)[:] = rows
    with tables.open_file(tmp_path / "a.h5") as f:
        ref = f.get_node("/q/ref")
        for name in ("tel_001", "tel_002"):
            t = f.get_node(f"/p/{name}")
            assert t.attrs._f_list("user") == ref.attrs._f_list("user")
            for key in ref.attrs._f_list("user"):
                assert t.attrs[key] == ref.attrs[key], key
            assert t.description._v_dtype == ref.description._v_dtype
            assert t.chunkshape == ref.chunkshape and t.filters == ref.filters
            assert t.nrows == 3 and np.array_equal(t.read(), ref.read())
            assert t.attrs["CTAFIELD_3_NAME"] == "hillas_intensity"
    with h5py.File(tmp_path / "a.h5", "a") as h5, pytest.raises(KeyError, match="exists"):
        TableWriter(h5, "/p/tel_001", cols).close()


def test_per_telescope_tables_only_for_telescopes_with_data(tmp_path):
    path = tmp_path / "g.h5"
    source_path = simtel("gamma_70sst1m.simtel.zst")
    with open_source(source_path, max_events=3) as source:
        with_data = sorted({t for event in source for t in event.tel})
        n_tels = source.subarray.n_tels
    _write(path, source_path, n=3)
    assert 0 < len(with_data) < n_tels
    with tables.open_file(path) as f:
        for group in ("/dl1/event/telescope/parameters", "/configuration/telescope/pointing",
                      "/simulation/event/telescope/impact"):
            names = sorted(f.get_node(group)._v_children)
            assert names == [f"tel_{t:03d}" for t in with_data], group
