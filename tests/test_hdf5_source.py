"""Our DL1/DL2 files read back as an event source."""

from __future__ import annotations

import numpy as np
import pytest

from ctaviewer.io import open_source
from ctaviewer.pipeline import Pipeline

from .conftest import simtel
from .test_writers_hdf5 import _write


@pytest.fixture(scope="module")
def processed(tmp_path_factory):
    path = tmp_path_factory.mktemp("src") / "g.h5"
    _write(path, simtel("gamma_4lst.simtel.zst"), dl1=True, dl2=True, write_images=True,
           write_true_images=True)
    return path


def test_open_processed_file_as_source(processed):
    original = open_source(simtel("gamma_4lst.simtel.zst"))
    with open_source(processed) as source:
        assert source.name == "hdf5"
        assert len(source) == 4
        assert list(source.subarray.tel_ids) == list(original.subarray.tel_ids)
        geom = source.subarray.tels[1].camera.geometry
        np.testing.assert_allclose(geom.pix_x, original.subarray.tels[1].camera.geometry.pix_x)
        assert source.simulation_config.n_thrown == original.simulation_config.n_thrown
        assert source.subarray.location is not None
        event = source[1]
        assert event.simulation is not None and event.simulation.energy > 0
        stored = source.result(1)
        again = Pipeline(source.subarray).process(event)
        for tel_id, tr in stored.tel.items():
            assert tr.parameters["hillas_intensity"] == pytest.approx(
                again.tel[tel_id].parameters["hillas_intensity"], rel=1e-5
            )
        assert stored.geometry.alt == pytest.approx(again.geometry.alt, nan_ok=True)
        assert len(list(source)) == 4
