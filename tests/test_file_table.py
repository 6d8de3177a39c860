"""The whole-file event table without Qt: the table a batch job writes, read back into
columns that agree with processing each event directly; the cache key; the columns the
event list sorts and filters; CSV and ECSV export with units."""

from __future__ import annotations

import math
import os

import numpy as np
import pytest

from ctaviewer.app.models.event_filter import EventFilter
from ctaviewer.app.models.table_columns import EventColumns
from ctaviewer.app.models.table_runner import job_spec
from ctaviewer.batch.job import execute_job
from ctaviewer.coords import angular_separation
from ctaviewer.errors import InputFileError
from ctaviewer.service import file_table as ft
from ctaviewer.service.session import index_rows

from .conftest import simtel

FILE = "gamma_70sst1m.simtel.zst"


def _config():
    from ctaviewer.service.processing import default_config

    config = default_config()
    if config is None:
        pytest.skip("processing chain not installed")
    return config


def direct_values(path, config) -> dict:
    """Each event of ``path`` processed with ctaviewer.pipeline: event id -> values."""
    from ctaviewer.io import open_source
    from ctaviewer.pipeline import Pipeline

    out = {}
    with open_source(path) as source:
        pipeline = Pipeline(source.subarray, config)
        for event in source:
            r = pipeline.process(event)
            g = r.geometry
            sim = event.simulation
            intensity = [tr.parameters.get("hillas_intensity", math.nan)
                         for tr in r.tel.values()]
            intensity = [v for v in intensity if v == v]
            alt, az = (g.alt, g.az) if g.is_valid else (math.nan, math.nan)
            out[int(event.event_id)] = {
                "reco_alt": alt, "reco_az": az,
                "n_tel_reco": len(g.tel_ids) if g.is_valid else 0,
                "h_max": g.h_max if g.is_valid else math.nan,
                "intensity": sum(intensity) if intensity else math.nan,
                "ang_error": float(angular_separation(alt, az, sim.alt, sim.az)),
                "energy": sim.energy,
            }
    return out


@pytest.fixture(scope="module")
def made_table(tmp_path_factory):
    """The table job of the shared file, run here (as the table process runs it)."""
    config = _config()
    path = str(simtel(FILE))
    request = ft.TableRequest.for_file(path, config)
    out = str(tmp_path_factory.mktemp("tables") / "t.table.h5")
    result = execute_job(job_spec(request, config, out))
    assert result.ok, result.error
    return ft.read_table_file(out), direct_values(path, config)


def test_table_agrees_with_processing_each_event(made_table):
    table, direct = made_table
    assert len(table) == len(direct) == 31
    for k, event_id in enumerate(table.event_id.tolist()):
        want = direct[event_id]
        for key in ("reco_alt", "reco_az", "h_max", "intensity", "ang_error", "energy"):
            assert table.columns[key][k] == pytest.approx(want[key], rel=1e-6, nan_ok=True), key
        if want["n_tel_reco"]:
            assert table.columns["n_tel_reco"][k] == want["n_tel_reco"]
    c = table.columns
    assert np.all(c["primary_id"] == 0)  # a gamma file
    assert np.allclose(c["true_impact"], np.hypot(c["true_core_x"], c["true_core_y"]))
    assert np.isfinite(c["true_x_max"]).all()
    assert np.isnan(c["reco_energy"]).all() and not table.has_estimators  # no estimators
    assert np.isfinite(c["reco_alt"]).sum() >= 10  # (16 of 31 with the defaults)


def test_cache_key_follows_what_the_values_depend_on(tmp_path):
    config = _config()
    path = tmp_path / "a.simtel.zst"
    path.write_bytes(simtel(FILE).read_bytes())
    a = ft.TableRequest.for_file(path, config)
    assert ft.TableRequest.for_file(path, config).key == a.key
    other = config.replace(cleaning__picture_threshold=8.0)
    assert ft.TableRequest.for_file(path, other).key != a.key
    from ctaviewer.io.selection import SourceSelection

    assert ft.TableRequest.for_file(path, config, SourceSelection(None, 5)).key != a.key
    os.utime(path, ns=(1, 1))  # the file changed
    assert ft.TableRequest.for_file(path, config).key != a.key
    assert a.cache_path(str(tmp_path)).startswith(str(tmp_path))
    assert a.cached(str(tmp_path)) is None
    with pytest.raises(InputFileError):
        ft.TableRequest.for_file(tmp_path / "missing.simtel", config)


def test_cache_folder_follows_the_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("CTAVIEWER_CACHE_DIR", str(tmp_path))
    assert ft.cache_folder() == str(tmp_path / "tables")
    monkeypatch.delenv("CTAVIEWER_CACHE_DIR")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "x"))
    assert ft.cache_folder() == str(tmp_path / "x" / "ctaviewer" / "tables")


def test_not_an_event_file_is_named(tmp_path):
    bad = tmp_path / "bad.h5"
    bad.write_bytes(b"not hdf5")
    with pytest.raises(InputFileError, match="bad.h5"):
        ft.read_table_file(bad)


class _Index:
    def __init__(self, n):
        rng = np.random.default_rng(3)
        self.event_id = np.arange(n, dtype=np.int64) * 10 + 7
        self.true_energy = rng.lognormal(0.0, 1.0, n)
        self.tels_with_data = [np.arange(1 + k % 5) for k in range(n)]


def _synthetic_table(ids):
    n = len(ids)
    rng = np.random.default_rng(4)
    cols = {k: np.full(n, np.nan) for k in ft.TABLE_KEYS}
    cols.update(true_alt=np.full(n, 70.0), true_az=np.zeros(n),
                reco_alt=70.0 + rng.normal(0, 0.2, n), reco_az=rng.normal(0, 0.5, n),
                reco_valid=np.ones(n), n_tel_reco=np.full(n, 2.0),
                intensity=rng.uniform(10, 1e4, n), primary_id=np.where(ids % 20 == 7, 0, 101))
    cols["reco_alt"][::10] = np.nan  # failed reconstructions
    cols["reco_valid"][::10] = 0
    return ft.FileTable(ids.copy(), cols)


def test_columns_take_the_table_and_keep_events_processed_one_by_one():
    rows = index_rows(_Index(100), 0, 100)
    rows[5].update(n_tel_reco=3, reco_alt=71.0, reco_az=1.0, reco_energy=None,
                   reco_invalid="")  # processed one by one, with the settings in use
    columns = EventColumns()
    columns.reset(rows)
    table = _synthetic_table(np.array([r["event_id"] for r in rows], dtype=np.int64))
    columns.set_table(table, rows)
    assert columns.value("reco_alt", 5) == 71.0 and not columns.from_table(5)
    assert columns.value("reco_alt", 6) == table.columns["reco_alt"][6] and columns.from_table(6)
    assert columns.invalid_reason(10) and not columns.invalid_reason(11)
    expected = angular_separation(table.columns["reco_alt"], table.columns["reco_az"], 70.0, 0.0)
    got = columns["ang_error"]
    assert np.allclose(np.delete(got, 5), np.delete(expected, 5), equal_nan=True)
    # a filter on a new column, over every row at once
    mask = EventFilter("ang_error < 0.3 and primary_id == 101").mask(columns)
    want = (got < 0.3) & (columns["primary_id"] == 101)
    assert np.array_equal(mask, want) and 0 < mask.sum() < 100


def test_table_in_another_order_is_placed_by_event_id():
    rows = index_rows(_Index(50), 0, 50)
    ids = np.array([r["event_id"] for r in rows], dtype=np.int64)
    shuffled = np.random.default_rng(5).permutation(50)
    table = _synthetic_table(ids[shuffled])
    assert np.array_equal(ids[table.positions(ids)], table.event_id)
    columns = EventColumns()
    columns.set_table(table, rows)
    k = int(np.flatnonzero(shuffled == 17)[0])
    assert columns.value("intensity", 17) == table.columns["intensity"][k]
    # rows that arrive later (indexing) take their values too
    columns = EventColumns()
    columns.set_table(table, rows[:20])
    columns.extend(rows, 20)
    assert columns.value("intensity", 17) == table.columns["intensity"][k]
    k40 = int(np.flatnonzero(shuffled == 40)[0])
    assert columns.value("intensity", 40) == table.columns["intensity"][k40]


def test_export_round_trips_with_units(tmp_path):
    from astropy.table import Table

    columns = {"index": np.arange(3.0), "event_id": np.array([7.0, 17.0, 27.0]),
               "type": np.array(["shower", "shower", "pedestal"]),
               "energy": np.array([0.5, 1.5, np.nan]),
               "reco_alt": np.array([70.1, np.nan, 69.9]),
               "true_x_max": np.array([300.0, 310.0, np.nan]),
               "intensity": np.array([120.0, np.nan, 5.0])}
    ecsv = ft.export_table(tmp_path / "t.ecsv", columns)
    back = Table.read(ecsv, format="ascii.ecsv")
    assert str(back["energy"].unit) == "TeV" and str(back["reco_alt"].unit) == "deg"
    assert back["true_x_max"].unit.is_equivalent("g / cm2")
    assert back["event_id"].dtype.kind == "i" and list(back["event_id"]) == [7, 17, 27]
    assert np.allclose(back["reco_alt"], columns["reco_alt"], equal_nan=True)
    assert list(back["type"]) == ["shower", "shower", "pedestal"]
    csv_path = ft.export_table(tmp_path / "t.csv", columns)
    lines = open(csv_path).read().splitlines()
    assert lines[0].split(",")[:5] == ["index", "event_id", "type", "energy [TeV]",
                                       "reco_alt [deg]"]
    assert lines[2].split(",")[3:5] == ["1.5", ""]  # NaN: empty
    back = Table.read(csv_path, format="ascii.csv")
    assert np.allclose(back["energy [TeV]"][:2], [0.5, 1.5])
    assert not [p for p in os.listdir(tmp_path) if p.startswith(".")]  # no temporaries


def test_export_to_a_folder_that_cannot_be_written_is_an_error(tmp_path):
    from ctaviewer.errors import CtaviewerError

    with pytest.raises(CtaviewerError, match="missing"):
        ft.export_table(tmp_path / "missing" / "t.csv", {"index": np.arange(2.0)})


class _Out:
    """What the table process sends, kept."""

    def __init__(self):
        self.sent = []

    def send(self, tag, *args):
        self.sent.append((tag, *args))

    try_send = send


def test_a_truncated_file_gives_the_events_before_its_end(tmp_path):
    from ctaviewer.app.models.table_runner import run_table

    from .conftest import truncated_copy

    config = _config()
    path = truncated_copy(tmp_path, FILE, 0.6)
    request = ft.TableRequest.for_file(path, config)
    out = _Out()
    run_table(request, config, request.cache_path(str(tmp_path / "c")), 1, out, lambda: False)
    tag, table = out.sent[-1]
    assert tag == "done" and len(table) == 14  # the complete events before the end
    assert any("truncated" in w for w in table.warnings)
    assert table.input == str(path)
    again = ft.read_table_file(request.cached(str(tmp_path / "c")))  # a cache hit
    assert again.warnings == table.warnings and len(again) == 14


def test_estimators_fill_energy_and_gammaness(tmp_path):
    from ctaviewer.estimators.model import LookupModel
    from ctaviewer.estimators.train import run_training
    from ctaviewer.io import open_source
    from ctaviewer.pipeline import Pipeline

    config = _config()
    estimators = tmp_path / "tables.h5"
    run_training([str(simtel(FILE))], [str(simtel("proton_13tel.simtel.zst"))], estimators,
                 config)
    request = ft.TableRequest.for_file(simtel(FILE), config, estimators=estimators)
    assert request.key != ft.TableRequest.for_file(simtel(FILE), config).key
    out = str(tmp_path / "t.table.h5")
    assert execute_job(job_spec(request, config, out)).ok
    table = ft.read_table_file(out)
    assert table.has_estimators
    model = LookupModel.load(estimators)
    with open_source(simtel(FILE)) as source:
        pipeline = Pipeline(source.subarray, config)
        want = {int(ev.event_id): model.apply(pipeline.process(ev), source.subarray)
                for ev in source}
    energy = np.array([want[i].energy for i in table.event_id.tolist()], dtype=float)
    gammaness = np.array([want[i].gammaness for i in table.event_id.tolist()], dtype=float)
    assert np.isfinite(energy).sum() >= 10
    assert np.allclose(table.columns["reco_energy"], energy, equal_nan=True)
    assert np.allclose(table.columns["gammaness"], gammaness, equal_nan=True)


def test_the_cache_keeps_the_tables_used_last(tmp_path):
    config = _config()
    folder = str(tmp_path)
    paths = []
    for k in range(5):
        path = tmp_path / f"f{k}.simtel"
        path.write_bytes(b"x" * (k + 1))
        request = ft.TableRequest.for_file(path, config)
        out = request.cache_path(folder)
        open(out, "wb").close()
        os.utime(out, (1000 + k, 1000 + k))
        paths.append((request, out))
    assert paths[0][0].cached(folder) == paths[0][1]  # used now: the most recent
    removed = ft.prune_cache(folder, keep=2)
    assert sorted(removed) == sorted(p for _, p in paths[1:4])
    tables = sorted(n for n in os.listdir(folder) if n.endswith(".table.h5"))
    assert tables == sorted(os.path.basename(p) for _, p in (paths[0], paths[4]))
