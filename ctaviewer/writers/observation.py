"""ctapipe's observation and scheduling block tables (one row each per file)."""

from __future__ import annotations

import math
import time

from ..datamodel import columns as cols
from ..datamodel import paths
from ..datamodel.table import write_table
from ..datamodel.times import TimeConverter
from ..event import SimulationConfig

#: ctapipe's enum values written for simulations: scheduling block type OBSERVATION,
#: observing mode UNKNOWN, pointing mode DRIFT, observation block COMPLETED_SUCCEDED
SIMULATION_BLOCKS = {"sb_type": 0, "observing_mode": -1, "pointing_mode": 1, "state": 1}
#: and for other inputs: every mode and state unknown
UNKNOWN_BLOCKS = {"sb_type": 0, "observing_mode": -1, "pointing_mode": -1, "state": -1}


def write_observation(
    h5, obs_id: int, pointing: tuple[float, float] | None,
    simulation_config: SimulationConfig | None = None,
) -> None:
    """Scheduling and observation block with the array pointing (alt, az in deg; NaN when
    unknown). For a simulation, as ctapipe writes them: producer "simulation", the run's
    start as start time. Otherwise the start is the processing time, the modes unknown."""
    alt, az = pointing if pointing is not None else (math.nan, math.nan)
    simulated = simulation_config is not None
    values = SIMULATION_BLOCKS if simulated else UNKNOWN_BLOCKS
    producer = b"simulation" if simulated else b"ctaviewer"
    start_unix = simulation_config.run_start if simulated else math.nan
    if not math.isfinite(start_unix):
        start_unix = time.time()
    start = TimeConverter().mjd(start_unix)
    write_table(
        h5,
        paths.SCHEDULING_BLOCK,
        cols.SCHEDULING_BLOCK,
        {"sb_id": [obs_id], "sb_type": [values["sb_type"]], "producer_id": [producer],
         "observing_mode": [values["observing_mode"]],
         "pointing_mode": [values["pointing_mode"]]},
        title="Storage of SchedulingBlockContainer",
    )
    write_table(
        h5,
        paths.OBSERVATION_BLOCK,
        cols.OBSERVATION_BLOCK,
        {"obs_id": [obs_id], "sb_id": [obs_id], "producer_id": [producer],
         "state": [values["state"]],
         "subarray_pointing_lat": [alt], "subarray_pointing_lon": [az],
         "subarray_pointing_frame": [0], "scheduled_duration": [math.nan],
         "scheduled_start_time": [start], "actual_start_time": [start],
         "actual_duration": [math.nan]},
        title="Storage of ObservationBlockContainer",
    )
