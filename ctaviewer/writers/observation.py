"""ctapipe's observation and scheduling block tables (one row each per file)."""

from __future__ import annotations

import math
import time

from ..datamodel import columns as cols
from ..datamodel import paths
from ..datamodel.table import write_table
from ..datamodel.times import TimeConverter


def write_observation(h5, obs_id: int, pointing: tuple[float, float] | None) -> None:
    """Observation block with the array pointing (alt, az in deg; NaN when unknown)."""
    alt, az = pointing if pointing is not None else (math.nan, math.nan)
    now = TimeConverter().mjd(time.time())  # as ctapipe does for simulations: the processing time
    write_table(
        h5,
        paths.SCHEDULING_BLOCK,
        cols.SCHEDULING_BLOCK,
        {"sb_id": [obs_id], "sb_type": [0], "producer_id": [b"ctaviewer"],
         "observing_mode": [0], "pointing_mode": [0]},
        title="Storage of SchedulingBlockContainer",
    )
    write_table(
        h5,
        paths.OBSERVATION_BLOCK,
        cols.OBSERVATION_BLOCK,
        {"obs_id": [obs_id], "sb_id": [obs_id], "producer_id": [b"ctaviewer"], "state": [0],
         "subarray_pointing_lat": [alt], "subarray_pointing_lon": [az],
         "subarray_pointing_frame": [0], "scheduled_duration": [math.nan],
         "scheduled_start_time": [now], "actual_start_time": [now],
         "actual_duration": [math.nan]},
        title="Storage of ObservationBlockContainer",
    )
