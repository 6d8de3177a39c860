"""ctapipe's observation and scheduling block tables (one row each per file)."""

from __future__ import annotations

import math
import time

from .dl1 import TimeConverter
from .hdf5 import Column, write_table

OBSERVATION_BLOCK = "/configuration/observation/observation_block"
SCHEDULING_BLOCK = "/configuration/observation/scheduling_block"


def write_observation(h5, obs_id: int, pointing: tuple[float, float] | None) -> None:
    """Observation block with the array pointing (alt, az in deg; NaN when unknown)."""
    alt, az = pointing if pointing is not None else (math.nan, math.nan)
    now = TimeConverter()(time.time())  # as ctapipe does for simulations: the processing time
    write_table(
        h5,
        SCHEDULING_BLOCK,
        [
            Column("sb_id", "u8", desc="Scheduling block ID"),
            Column("sb_type", "i8", desc="Scheduling block type (0 unknown)"),
            Column("producer_id", "S9", desc="Origin of the sb_id"),
            Column("observing_mode", "i8", desc="Observing mode (0 unknown)"),
            Column("pointing_mode", "i8", desc="Pointing mode (0 unknown)"),
        ],
        {"sb_id": [obs_id], "sb_type": [0], "producer_id": [b"ctaviewer"],
         "observing_mode": [0], "pointing_mode": [0]},
        title="Storage of SchedulingBlockContainer",
    )
    write_table(
        h5,
        OBSERVATION_BLOCK,
        [
            Column("obs_id", "u8", desc="Observation Block ID"),
            Column("sb_id", "u8", desc="Scheduling block ID"),
            Column("producer_id", "S9", desc="Origin of the obs_id"),
            Column("state", "i8", desc="Observation block state (0 unknown)"),
            Column("subarray_pointing_lat", "f4", unit="deg", desc="pointing altitude"),
            Column("subarray_pointing_lon", "f4", unit="deg", desc="pointing azimuth"),
            Column("subarray_pointing_frame", "i8", desc="0 = horizontal (alt/az)"),
            Column("scheduled_duration", "f8", unit="min", desc="scheduled duration"),
            Column("scheduled_start_time", "f8", desc="scheduled start", time_scale="tai"),
            Column("actual_start_time", "f8", desc="actual start", time_scale="tai"),
            Column("actual_duration", "f8", unit="min", desc="actual duration"),
        ],
        {"obs_id": [obs_id], "sb_id": [obs_id], "producer_id": [b"ctaviewer"], "state": [0],
         "subarray_pointing_lat": [alt], "subarray_pointing_lon": [az],
         "subarray_pointing_frame": [0], "scheduled_duration": [math.nan],
         "scheduled_start_time": [now], "actual_start_time": [now],
         "actual_duration": [math.nan]},
        title="Storage of ObservationBlockContainer",
    )
