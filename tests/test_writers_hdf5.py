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
            atmosphere_profile=source.atmosphere_profile, pointing=source.array_pointing,
            config_toml=pipeline.config.to_toml(), **kw,
        )
        with writer:
            for event in source:
                writer.write(event, pipeline.process(event))
            writer.write_shower_distribution(source.shower_distribution)
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
    from ctaviewer.datamodel.columns import parameter_columns

    with tables.open_file(dl1_dl2_file) as f:
        t = f.get_node("/dl1/event/telescope/parameters/tel_001")
        names = t.colnames
        assert names[:3] == ["obs_id", "event_id", "tel_id"]
        assert names[3:] == [c.name for c in parameter_columns()]
        # every parameter the chain computes is written
        assert set(p[0] for p in IMAGE_PARAMETERS) <= set(names)
        for i, col in enumerate(parameter_columns(), start=3):
            assert t.coldtypes[col.name] == np.dtype(col.dtype), col.name
            if col.unit:
                assert t.attrs[f"CTAFIELD_{i}_UNIT"] == col.unit, col.name
                assert t.attrs[f"CTAFIELD_{i}_TRANSFORM"] == "quantity"
        img = f.get_node("/dl1/event/telescope/images/tel_001")
        assert img.coldtypes["image_mask"].base == np.bool_
        assert img.coldtypes["image"].shape == (1855,)
        trig = f.get_node("/dl1/event/subarray/trigger")
        assert trig.coldtypes["tels_with_trigger"] == np.dtype(("?", (4,)))
        assert trig.attrs["CTAFIELD_2_TIME_SCALE"] == "tai"
        assert trig.attrs["CTAFIELD_2_TIME_FORMAT"] == "ctao_high_res"
        assert trig.coldtypes["time"] == np.dtype(("u4", (2,)))
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

    from ctaviewer.datamodel.columns import parameter_table_columns
    from ctaviewer.datamodel.table import TableWriter, _create_table, _layout, table_meta

    cols = parameter_table_columns()
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
            assert t.attrs["CTAFIELD_3_NAME"] == "intensity"  # hillas_intensity, as ctapipe
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


@pytest.fixture(scope="module")
def proton_file(tmp_path_factory):
    """proton_4lst_15flashcam: events whose stereo reconstruction fails (2 of 6)."""
    path = tmp_path_factory.mktemp("p") / "p.h5"
    _write(path, simtel("proton_4lst_15flashcam.simtel.zst"), dl1=True, dl2=True,
           write_images=True, write_true_images=True)
    return path


def _keys(table) -> list[tuple[int, int]]:
    return list(zip(table["obs_id"].tolist(), table["event_id"].tolist()))


def test_every_telescope_event_has_one_row_in_every_telescope_table(proton_file):
    """ctapipe's TableLoader joins per-telescope tables row by row: trigger, parameters,
    images, true images, true impact and DL2 impact need the same rows (also for events
    whose reconstruction failed, whose impact is NaN)."""
    import h5py

    from ctaviewer.datamodel import paths
    from ctaviewer.datamodel.table import read_table

    with h5py.File(proton_file) as h5:
        geometry = read_table(h5, paths.DL2_GEOMETRY.format(paths.GEOMETRY_ALGORITHM))
        failed = {k for k, ok in zip(_keys(geometry), geometry[
            f"{paths.GEOMETRY_ALGORITHM}_is_valid"]) if not ok}
        assert failed, "the file should hold failed reconstructions"
        trigger = read_table(h5, paths.DL1_TEL_TRIGGER)
        n_impact_rows = 0
        for tel_id in sorted(set(trigger["tel_id"].tolist())):
            expected = _keys(trigger[trigger["tel_id"] == tel_id])
            for path in (paths.DL1_PARAMETERS, paths.DL1_IMAGES, paths.SIMULATION_IMAGES,
                         paths.SIMULATION_IMPACT, paths.SIMULATION_PARAMETERS):
                assert _keys(read_table(h5, path.format(tel_id))) == expected, (path, tel_id)
            impact = read_table(h5, paths.DL2_TEL_IMPACT.format(paths.GEOMETRY_ALGORITHM,
                                                               tel_id))
            assert _keys(impact) == expected, tel_id
            distance = impact[f"{paths.GEOMETRY_ALGORITHM}_tel_impact_distance"]
            for key, d in zip(_keys(impact), distance):
                if key in failed:
                    assert np.isnan(d)
            n_impact_rows += len(impact)
        assert n_impact_rows == len(trigger)


def test_statistics_tables_count_images_and_quality_criteria(proton_file):
    import h5py

    from ctaviewer.config import ProcessingConfig
    from ctaviewer.config.parameters import CTAPIPE_QUALITY_CRITERIA
    from ctaviewer.datamodel import paths
    from ctaviewer.datamodel.table import read_table
    from ctaviewer.reco.quality import QualityQuery
    from ctaviewer.results import IMAGE_PARAMETER_NAMES

    with h5py.File(proton_file) as h5:
        params = [read_table(h5, paths.DL1_PARAMETERS.format(int(name[4:])))
                  for name in h5[paths.DL1_PARAMETERS_GROUP]]
        true = [read_table(h5, paths.SIMULATION_PARAMETERS.format(int(name[4:])))
                for name in h5[paths.SIMULATION_PARAMETERS_GROUP]]
        images = read_table(h5, paths.DL1_IMAGE_STATISTICS)
        tel_stats = read_table(h5, paths.DL2_TEL_EVENT_STATISTICS.format(
            paths.GEOMETRY_ALGORITHM))
    rows = np.concatenate([p for p in params])
    true_rows = np.concatenate(true)
    assert images["criteria"].tolist() == [b"TOTAL", b"size_greater_0", b"at_least_2_pixels"]
    assert images["func"][0] == b"True"
    assert images["counts"][0] == len(rows) + len(true_rows)
    size_ok = int(np.sum(rows["hillas_intensity"] > 0)
                  + np.sum(true_rows["true_hillas_intensity"] > 0))
    assert images["counts"][1] == size_ok
    two = int(np.sum(rows["morphology_n_pixels"] > 1)
              + np.sum(true_rows["true_morphology_n_pixels"] > 1))
    assert images["counts"][2] == two
    assert np.all(np.diff(images["cumulative_counts"]) <= 0)

    query = ProcessingConfig.default().quality.query
    # ctapipe's default query: its names of the criteria, in its order
    assert [t.decode() for t in tel_stats["criteria"][1:]] == [
        "> 50 phe", "Positive width", "> 3 pixels"]
    assert tel_stats["func"][1].decode() == "parameters.hillas.intensity > 50"
    terms = [term for term, _ in CTAPIPE_QUALITY_CRITERIA.items()]
    assert " and ".join(terms) == query.strip()
    assert tel_stats["counts"][0] == len(rows)
    names = rows.dtype.names
    for i, term in enumerate(terms, start=1):
        q = QualityQuery(term, IMAGE_PARAMETER_NAMES)
        assert tel_stats["counts"][i] == sum(
            bool(q({n: r[n] for n in names})) for r in rows), term
    everything = QualityQuery(query, IMAGE_PARAMETER_NAMES)
    assert tel_stats["cumulative_counts"][-1] == sum(
        bool(everything({n: r[n] for n in names})) for r in rows)


def test_shower_distribution_is_sim_telarrays_histogram(tmp_path):
    import h5py
    from eventio import SimTelFile

    from ctaviewer.datamodel.records import read_shower_distribution

    path = simtel("gamma_4lst.simtel.zst")
    with SimTelFile(str(path)) as f:
        for _ in f:
            pass
        hist = next(h for h in f.histograms if h["id"] == 6)
    _write(tmp_path / "g.h5", path)
    with h5py.File(tmp_path / "g.h5") as h5:
        dist = read_shower_distribution(h5)
    assert dist.hist_id == 6 and dist.n_entries == hist["entries"]
    np.testing.assert_array_equal(dist.histogram, hist["data"])
    assert dist.histogram.shape == (hist["n_bins_y"], hist["n_bins_x"])
    np.testing.assert_allclose(np.log10(dist.bins_energy[[0, -1]]),
                               [hist["lower_y"], hist["upper_y"]])
    np.testing.assert_allclose(dist.bins_core_dist[[0, -1]], [hist["lower_x"], hist["upper_x"]])
    with open_source(tmp_path / "g.h5") as source:
        assert source.shower_distribution.histogram.sum() == hist["data"].sum()
    # a file not read to its end has no histogram: nothing is written, as ctapipe does
    _write(tmp_path / "cut.h5", path, n=2)
    with h5py.File(tmp_path / "cut.h5") as h5:
        assert read_shower_distribution(h5) is None


def test_run_header_and_shower_columns_from_sim_telarray(tmp_path):
    import h5py
    from eventio import SimTelFile

    from ctaviewer.datamodel import paths
    from ctaviewer.datamodel.table import column_attrs, read_table

    path = simtel("gamma_4lst.simtel.zst")
    with SimTelFile(str(path)) as f:
        header = f.mc_run_headers[0]
        depth = [ev["mc_shower"]["depth_start"] for ev in f]
    _write(tmp_path / "g.h5", path)
    with h5py.File(tmp_path / "g.h5") as h5:
        run = read_table(h5, paths.SIMULATION_RUN)[0]
        units = column_attrs(h5[paths.SIMULATION_RUN])
        shower = read_table(h5, paths.SIMULATION_SHOWER)
    for column, key in (("prod_site_B_total", "B_total"),
                        ("prod_site_B_declination", "B_declination"),
                        ("prod_site_B_inclination", "B_inclination"),
                        ("corsika_wlen_min", "corsika_wlen_min"),
                        ("corsika_wlen_max", "corsika_wlen_max"),
                        ("corsika_bunchsize", "corsika_bunchsize")):
        assert run[column] == pytest.approx(header[key], rel=1e-6), column
    for column, key in (("shower_prog_start", "shower_prog_start"),
                        ("shower_prog_id", "shower_prog_id"),
                        ("detector_prog_start", "detector_prog_start"),
                        ("detector_prog_id", "detector_prog_id"),
                        ("corsika_iact_options", "corsika_iact_options"),
                        ("corsika_low_E_model", "corsika_low_E_model"),
                        ("corsika_high_E_model", "corsika_high_E_model"),
                        ("corsika_low_E_detail", "corsika_low_E_detail"),
                        ("corsika_high_E_detail", "corsika_high_E_detail")):
        assert run[column] == header[key], column
    assert run["max_alt"] == pytest.approx(header["alt_range"][1], rel=1e-6)
    assert units["max_alt"]["UNIT"] == "rad" and units["prod_site_B_total"]["UNIT"] == "uT"
    np.testing.assert_allclose(shower["true_starting_grammage"], depth)
    with open_source(tmp_path / "g.h5") as source:  # read back into the event model
        sim = source.simulation_config
        assert sim.max_alt == pytest.approx(np.degrees(header["alt_range"][1]), rel=1e-6)
        assert sim.corsika_wlen_max == header["corsika_wlen_max"]
        assert sim.magnetic_declination == pytest.approx(
            np.degrees(header["B_declination"]), rel=1e-6)


def test_contract_columns_are_written_from_the_results(tmp_path):
    """core_psi (EventResult), core_tilted_* (StereoResult) and the transverse cog
    uncertainty (parameters) are written from the results where they carry them."""
    import dataclasses

    import h5py

    from ctaviewer.datamodel import paths
    from ctaviewer.datamodel.table import read_table
    source_path = simtel("gamma_4lst.simtel.zst")
    with open_source(source_path, max_events=1) as source:
        event = next(iter(source))
        r = Pipeline(source.subarray).process(event)
        tels = {t: dataclasses.replace(tr, parameters={
            **tr.parameters, "hillas_transverse_cog_uncertainty": 0.01 * t})
            for t, tr in r.tel.items()}
        geometry = dataclasses.replace(r.geometry, core_tilted_x=11.0, core_tilted_y=12.0,
                                       core_tilted_uncert_x=1.5, core_tilted_uncert_y=2.5)
        result = dataclasses.replace(r, tel=tels, geometry=geometry,
                                     core_psi={t: 3.0 * t for t in tels})
        with EventFileWriter(tmp_path / "c.h5", source.subarray, obs_id=source.obs_id,
                             dl2=True) as w:
            w.write(event, result)
    a = paths.GEOMETRY_ALGORITHM
    with h5py.File(tmp_path / "c.h5") as h5:
        geo = read_table(h5, paths.DL2_GEOMETRY.format(a))[0]
        assert (geo[f"{a}_core_tilted_x"], geo[f"{a}_core_tilted_y"]) == (11.0, 12.0)
        assert (geo[f"{a}_core_tilted_uncert_x"], geo[f"{a}_core_tilted_uncert_y"]) == (
            1.5, 2.5)
        for t in tels:
            row = read_table(h5, paths.DL1_PARAMETERS.format(t))[0]
            assert row["core_psi"] == 3.0 * t
            assert row["hillas_transverse_cog_uncertainty"] == pytest.approx(0.01 * t)


def test_true_parameters_come_from_the_pipeline(proton_file):
    """The writer stores the pipeline's true-image parameters (it computes nothing)."""
    import h5py

    from ctaviewer.datamodel import paths
    from ctaviewer.datamodel.table import read_table
    from ctaviewer.image import CameraContext, image_parameters

    with open_source(simtel("proton_4lst_15flashcam.simtel.zst")) as source:
        events = list(source)
        pipeline = Pipeline(source.subarray)
        results = [pipeline.process(e) for e in events]
        sub = source.subarray
    event, result = events[2], results[2]
    tel_id = next(iter(result.tel))
    desc = sub.tels[tel_id]
    true_image = np.asarray(event.tel[tel_id].true_image, dtype=np.float32)
    ctx = CameraContext(desc.camera.geometry, desc.camera.readout, desc.optics.focal_length)
    expected = image_parameters(ctx, true_image, None, true_image > 0)
    assert result.tel[tel_id].true_parameters["hillas_intensity"] == pytest.approx(
        expected["hillas_intensity"])
    with h5py.File(proton_file) as h5:
        table = read_table(h5, paths.SIMULATION_PARAMETERS.format(tel_id))
    row = table[_keys(table).index((event.obs_id, event.event_id))]
    assert row["true_hillas_intensity"] == pytest.approx(expected["hillas_intensity"])
    assert row["true_hillas_width"] == pytest.approx(expected["hillas_width"])
    assert row["true_intensity_max"] == int(true_image.max())


def test_hdf5_paths_are_spelled_only_in_the_data_model():
    """Every HDF5 path comes from ctaviewer.datamodel.paths: no module retypes one."""
    import re
    from pathlib import Path

    import ctaviewer

    root = Path(ctaviewer.__file__).parent
    literal = re.compile(r"""["']/(dl1|dl2|simulation|configuration)/""")
    offenders = [
        str(p.relative_to(root)) for p in root.rglob("*.py")
        if p.parent.name != "datamodel" and literal.search(p.read_text(encoding="utf-8"))
    ]
    assert offenders == []


def test_parameter_columns_come_from_the_results_definitions(monkeypatch):
    """results.IMAGE_PARAMETERS is the one definition of the parameters' dtypes and units:
    the DL1 columns follow it (ctapipe's first, in its order, then the stereo ones, then
    the camera-frame extras), with units spelled as ctapipe's files spell them."""
    from ctaviewer import results
    from ctaviewer.datamodel import columns as cols

    def columns():
        for cached in (cols.parameter_columns, cols.parameter_descriptions,
                       cols.true_parameter_columns, cols.parameter_table_columns):
            cached.cache_clear()
        return {c.name: c for c in cols.parameter_columns()}

    before = columns()
    names = list(before)
    assert before["leakage_intensity_width_1"].dtype == "f4"
    assert before["timing_slope"].unit == "deg**-1"
    assert before["camera_frame_hillas_x"].unit == "m"
    assert names.index("core_psi") == names.index("peak_time_kurtosis") + 1
    assert names[-1].startswith("camera_frame_")
    extra = ("hillas_extra_parameter", "m", "f4", "a parameter added to the chain")
    monkeypatch.setattr(results, "IMAGE_PARAMETERS", (*results.IMAGE_PARAMETERS, extra))
    after = columns()
    assert after["hillas_extra_parameter"].dtype == "f4"
    assert after["hillas_extra_parameter"].unit == "m"
    assert cols.parameter_descriptions()["hillas_extra_parameter"].startswith("a parameter")
    assert "true_hillas_extra_parameter" in {c.name for c in cols.true_parameter_columns()}
    monkeypatch.undo()
    columns()


def test_dl2_event_lists_read_times_and_shower_distribution(proton_file):
    """irf.events reads the high-resolution trigger times as MJD (TAI) and the
    distribution of simulated showers."""
    from ctaviewer.irf.events import load_dl2

    events = load_dl2(proton_file)
    with open_source(simtel("proton_4lst_15flashcam.simtel.zst")) as source:
        original = {e.event_id: e.trigger.time for e in source}
        dist = source.shower_distribution
    for event_id, mjd in zip(events.event_id, events.time_mjd):
        unix_tai = (mjd - 40587.0) * 86400.0
        assert unix_tai - original[int(event_id)] == pytest.approx(37.0, abs=1e-3)  # 2021
    np.testing.assert_array_equal(events.shower_distribution.histogram, dist.histogram)


def test_atmosphere_profile_from_sim_telarray(tmp_path):
    import h5py
    from eventio import SimTelFile

    from ctaviewer.datamodel import paths

    path = simtel("gamma_4lst.simtel.zst")
    with SimTelFile(str(path)) as f:
        atmo = f.atmospheric_profiles[0]
    _write(tmp_path / "g.h5", path, n=1)
    with h5py.File(tmp_path / "g.h5") as h5:
        attrs = h5[paths.ATMOSPHERE_PROFILE].attrs
        assert attrs["TAB_VER"] == 1 and attrs["atmosphere_id"] == atmo["id"]
        assert attrs["observation_level"] == atmo["obslevel"]  # cm, as ctapipe keeps it
    with open_source(tmp_path / "g.h5") as source:
        profile = source.atmosphere_profile
    keep = (atmo["altitude_km"] >= 0) & (atmo["rho"] > 0) & (atmo["thickness"] > 0)
    assert keep.sum() > 0
    np.testing.assert_array_equal(profile.height, atmo["altitude_km"][keep])
    np.testing.assert_array_equal(profile.density, atmo["rho"][keep])
    np.testing.assert_array_equal(profile.column_density, atmo["thickness"][keep])
    assert profile.observation_level == pytest.approx(atmo["obslevel"] / 100.0)


# ------------------------------------------------ values as ctapipe writes them (no ctapipe)
def _rows(path, node):
    import h5py

    with h5py.File(path) as h5:
        return h5[node][()], dict(h5[node].attrs)


def test_triggers_carry_ctapipe_event_types_and_trigger_pixels(tmp_path):
    """A row per triggered telescope, what triggered it (sim_telarray's trigger mask) and its
    number of trigger pixels (the pixel list of code 0); enum columns name ctapipe's enum."""
    from eventio import SimTelFile

    path = tmp_path / "d.h5"
    _write(path, simtel("gamma_diffuse_13tel.simtel.zst"))
    rows, attrs = _rows(path, "/dl1/event/telescope/trigger")
    sub, sub_attrs = _rows(path, "/dl1/event/subarray/trigger")
    assert set(sub["event_type"].tolist()) == {32}
    expected = {}
    with SimTelFile(str(simtel("gamma_diffuse_13tel.simtel.zst"))) as f:
        for ev in f:
            trig = ev["trigger_information"]
            for tel_id in trig["triggered_telescopes"]:
                lists = ev["telescope_events"].get(tel_id, {}).get("pixel_lists", {})
                n = int(lists[0]["pixels"]) if 0 in lists else -1
                expected[(int(ev["event_id"]), int(tel_id))] = n
    got = {(int(r["event_id"]), int(r["tel_id"])): int(r["n_trigger_pixels"]) for r in rows}
    assert got == expected and any(n > 0 for n in got.values())
    assert set(rows["event_type"].tolist()) <= {32, 16, 18, 33}
    i = list(rows.dtype.names).index("event_type")
    assert attrs[f"CTAFIELD_{i}_TRANSFORM"] == b"enum"
    assert attrs[f"CTAFIELD_{i}_ENUM"] == b"cctapipe.containers\nEventType\np0\n."
    assert sub_attrs[f"CTAFIELD_{list(sub.dtype.names).index('event_type')}_ENUM"] == \
        attrs[f"CTAFIELD_{i}_ENUM"]


def test_column_metadata_names_fields_without_their_prefix(proton_file):
    """ctapipe's readers map columns to container fields by CTAFIELD_i_NAME: the field name
    without the container prefix (its HDF5EventSource finds DL2 impacts only so)."""
    for node, column, field in (
        ("/dl1/event/telescope/parameters/tel_001", "hillas_intensity", "intensity"),
        ("/dl1/event/telescope/parameters/tel_001", "peak_time_max", "max"),
        ("/dl1/event/telescope/parameters/tel_001", "core_psi", "psi"),
        ("/dl2/event/telescope/impact/HillasReconstructor/tel_001",
         "HillasReconstructor_tel_impact_distance", "distance"),
        ("/dl2/event/subarray/geometry/HillasReconstructor", "HillasReconstructor_alt", "alt"),
        ("/simulation/event/subarray/shower", "true_energy", "energy"),
        ("/simulation/event/telescope/impact/tel_001", "true_impact_distance", "distance"),
        ("/dl1/event/telescope/images/tel_001", "image", "image"),
    ):
        rows, attrs = _rows(proton_file, node)
        i = list(rows.dtype.names).index(column)
        assert attrs[f"CTAFIELD_{i}_NAME"].decode() == field, (node, column)


def test_failed_reconstructions_list_no_telescopes(proton_file):
    rows, _ = _rows(proton_file, "/dl2/event/subarray/geometry/HillasReconstructor")
    valid = rows["HillasReconstructor_is_valid"].astype(bool)
    masks = rows["HillasReconstructor_telescopes"].astype(bool)
    assert (~valid).any() and valid.any()
    assert not masks[~valid].any()
    assert (masks[valid].sum(axis=1) >= 2).all()


def test_observation_blocks_of_a_simulation_are_ctapipes(proton_file):
    """producer "simulation", ctapipe's enum values, the run start of the run header."""
    from eventio import SimTelFile

    from ctaviewer.datamodel.times import TimeConverter

    ob, ob_attrs = _rows(proton_file, "/configuration/observation/observation_block")
    sb, _ = _rows(proton_file, "/configuration/observation/scheduling_block")
    with SimTelFile(str(simtel("proton_4lst_15flashcam.simtel.zst"))) as f:
        start = TimeConverter().mjd(float(f.header["time"]))
    assert ob["producer_id"][0] == b"simulation" and sb["producer_id"][0] == b"simulation"
    assert ob["state"][0] == 1 and ob["subarray_pointing_frame"][0] == 0
    assert (sb["sb_type"][0], sb["observing_mode"][0], sb["pointing_mode"][0]) == (0, -1, 1)
    assert ob["actual_start_time"][0] == pytest.approx(start, abs=1e-9)
    assert ob["scheduled_start_time"][0] == ob["actual_start_time"][0]
    assert abs(ob["subarray_pointing_lat"][0] - 70.0) < 1e-3
    i = list(ob.dtype.names).index("subarray_pointing_frame")
    assert ob_attrs[f"CTAFIELD_{i}_ENUM"] == b"cctapipe.containers\nCoordinateFrameType\np0\n."


def test_calibration_events_get_ctapipes_ids_and_types(tmp_path):
    """The pedestal event of calibration_7cameras has no id: -1, type SKY_PEDESTAL (5)."""
    with open_source(simtel("calibration_7cameras.simtel.gz")) as source:
        events = list(source)
        assert [(e.event_id, e.event_type) for e in events] == [(-1, "sky_pedestal")]
        assert source[0].event_id == -1 and source.index.event_id.tolist() == [-1]
    path = tmp_path / "c.h5"
    _write(path, simtel("calibration_7cameras.simtel.gz"))
    rows, _ = _rows(path, "/dl1/event/subarray/trigger")
    assert rows["event_id"].tolist() == [-1] and rows["event_type"].tolist() == [5]


@pytest.mark.parametrize(("images", "true_images", "want"), [
    (True, False, True),  # images bring the true images, as ctapipe writes them
    (False, True, True),
    (False, False, False),  # the photo-electron sums only
])
def test_true_images_go_with_the_images(tmp_path, images, true_images, want):
    path = tmp_path / "g.h5"
    _write(path, simtel("gamma_4lst.simtel.zst"), n=1, dl1=True, write_images=images,
           write_true_images=true_images)
    with tables.open_file(path) as f:
        group = f.root.simulation.event.telescope.images
        names = {t.name: t.colnames for t in group}
        assert names and all("true_image_sum" in c for c in names.values())
        assert all(("true_image" in c) is want for c in names.values()), names
        if want:
            row = next(iter(group))[0]
            assert row["true_image"].sum() == row["true_image_sum"] > 0
