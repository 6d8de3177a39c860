"""Every reader answers the whole ``EventSource`` interface callers use (no getattr probes),
and ``SimTelSource`` can be made again from its headers and index (the reading helper's
public way of handing a file to the GUI)."""

from __future__ import annotations

import ast
import os
from pathlib import Path

import numpy as np
import pytest

from ctaviewer import open_source
from ctaviewer.io import SOURCES, DataLevel, EventSource
from ctaviewer.io.simtel import SimTelSource
from ctaviewer.results import EventResult

from .conftest import simtel
from .test_writers_hdf5 import _write

PACKAGE = Path(__file__).resolve().parents[1] / "ctaviewer"
#: what callers ask of any source
INTERFACE = ("index", "is_cached", "result", "array_pointing", "shower_distribution",
             "atmosphere_profile", "n_events_known", "data_level", "data_kind",
             "readout_kinds", "simulation_config", "obs_id", "subarray", "build_index")


@pytest.fixture(scope="module")
def dl1_files(tmp_path_factory):
    folder = tmp_path_factory.mktemp("interface")
    images, params = folder / "images.h5", folder / "params.h5"
    _write(images, simtel("gamma_4lst.simtel.zst"), dl1=True, dl2=True, write_images=True)
    _write(params, simtel("gamma_4lst.simtel.zst"), dl1=True, dl2=True, write_images=False)
    return images, params


def test_the_interface_is_declared_on_the_base_class():
    for name in INTERFACE:
        assert hasattr(EventSource, name), name
    for _, cls in SOURCES.items():
        assert issubclass(cls, EventSource)


def test_what_each_reader_answers(dl1_files):
    images, params = dl1_files
    with open_source(None, n_events=3) as toy:
        assert toy.data_level is DataLevel.RAW and toy.index is None
        assert toy.result(0) is None and not toy.is_cached(0)
        assert toy.array_pointing is None and toy.readout_kinds() == {}
    with open_source(simtel("gamma_4lst.simtel.zst")) as source:
        assert source.index is None and source.data_level is DataLevel.RAW
        source.build_index()
        assert len(source.index) == 4 and source.result(0) is None
        assert not source.is_cached(1)
        source[1]
        assert source.is_cached(1)
        alt, az = source.array_pointing
        assert 0 < alt <= 90
        assert set(source.readout_kinds().values()) == {"samples"}
    with open_source(images) as source:
        assert source.data_level is DataLevel.DL1_IMAGES and source.data_kind == "DL1 images"
        assert isinstance(source.result(0), EventResult)
    with open_source(params) as source:
        assert source.data_level is DataLevel.DL1_PARAMETERS
        assert source.data_kind == "DL1 parameters (no images)"
        assert isinstance(source.result(0), EventResult) and source.index is None


def test_a_source_made_again_from_headers_and_index_reads_the_same():
    path = simtel("gamma_4lst.simtel.zst")
    with open_source(path, allowed_tels=[1, 2, 3]) as here:
        here.build_index()
        expected = [here[i] for i in range(len(here))]
        atmosphere = here.atmosphere_profile
    first = SimTelSource(path, allowed_tels=[1, 2, 3])
    index = first.scan_index()
    first.release_header_stream()
    again = SimTelSource.from_headers(path, first.headers, index, allowed_tels=[1, 2, 3])
    try:
        assert again.index is index and len(again) == len(expected)
        assert again.subarray.tel_ids.tolist() == [1, 2, 3]
        assert (again.obs_id, again.array_pointing) == (first.obs_id, first.array_pointing)
        assert atmosphere is not None  # carried by the headers too
        np.testing.assert_array_equal(again.atmosphere_profile.density, atmosphere.density)
        for i, event in enumerate(expected):
            got = again[i]
            assert got.event_id == event.event_id and set(got.tel) == set(event.tel)
        # an event read elsewhere goes into the cache and comes back without reading
        again.cache_event(0, expected[0])
        assert again.is_cached(0) and again[0] is expected[0]
    finally:
        again.close()
        first.close()
    # the source made from the index owns it: its decompressed copy is removed on close
    assert not os.path.exists(index.raw_path)


def _private_uses(path: Path) -> set[tuple[str, str]]:
    """(file, name) of every ``obj._name`` where obj is not ``self``/``cls``/``super()``."""
    tree = ast.parse(path.read_text())
    found = set()
    for node in ast.walk(tree):
        if (isinstance(node, ast.Attribute) and node.attr.startswith("_")
                and not node.attr.startswith("__")):
            base = node.value
            if isinstance(base, ast.Name) and base.id in ("self", "cls"):
                continue
            if isinstance(base, ast.Call) and getattr(base.func, "id", "") == "super":
                continue
            found.add((path.name, node.attr))
    return found


def test_the_service_and_the_session_use_no_private_members_of_others():
    """The reading helper, the session state and its Qt controller talk to readers (and to
    each other) through public members only."""
    files = [*sorted((PACKAGE / "service").glob("*.py")), PACKAGE / "app/models/session.py"]
    found = set().union(*(_private_uses(path) for path in files))
    # (no exception left: the HelperSource open_indexed makes marks itself as held by the
    # helper, in ``HelperSource.follow``)
    assert found == set()
