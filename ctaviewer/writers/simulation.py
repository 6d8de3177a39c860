"""Simulation truth in ctapipe's data model: showers, true images, true image parameters,
true impact, the run header and the distribution of simulated showers.

Nothing is computed from images here: the true-image parameters come with the event's
results (``TelescopeResult.true_parameters``, computed by the pipeline).
"""

from __future__ import annotations

import math

import numpy as np

from ..datamodel import columns as cols
from ..datamodel import paths
from ..datamodel.records import write_run_config, write_shower_distribution
from ..datamodel.table import TableWriter
from ..event import ArrayEvent
from ..results import EventResult
from .rows import DictValues, check_order

__all__ = ["SimulationTables", "true_impact_distance", "write_run_config",
           "write_shower_distribution"]


def true_impact_distance(shower, positions: np.ndarray) -> np.ndarray:
    """Distance (m) of each telescope position (n, 3) from the true shower axis.

    The operations of ``coords.altaz_to_ground_vector``, ``coords.cross`` and
    ``np.linalg.norm`` in their order (so their bits), without their ~15 calls on 3-vectors
    per event: the direction's components stay scalars, the cross product is written
    into one array."""
    alt = np.deg2rad(shower.alt)
    az = np.deg2rad(shower.az)
    cos_alt = np.cos(alt)
    d0, d1, d2 = cos_alt * np.cos(az), (cos_alt * np.sin(az)) * -1.0, np.sin(alt)
    rel = np.asarray(positions, dtype=np.float64) - np.array([shower.core_x, shower.core_y, 0.0])
    r0, r1, r2 = rel[..., 0], rel[..., 1], rel[..., 2]
    c = np.empty(rel.shape, dtype=np.float64)
    c[..., 0] = r1 * d2 - r2 * d1
    c[..., 1] = r2 * d0 - r0 * d2
    c[..., 2] = r0 * d1 - r1 * d0
    return np.sqrt(np.add.reduce(c * c, axis=-1))


def _integer(value) -> int:
    return int(value) if value is not None and math.isfinite(value) else -1


class SimulationTables:
    """Appends the shower truth, true images, their parameters and true impact distances.

    As ctapipe does, every telescope event of a simulated event gets a true-image row
    (the photo-electron sum always; the per-pixel image when ``write_true_images`` and
    the telescope's true images are stored in the input, -1 where one event lacks it).
    """

    def __init__(self, h5, subarray, *, write_true_images: bool):
        self.h5 = h5
        self.subarray = subarray
        self.write_true_images = write_true_images
        self.shower = TableWriter(
            h5, paths.SIMULATION_SHOWER, cols.SHOWER,
            title="Storage of EventIndexContainer,SimulatedShowerContainer",
        )
        self._images: dict[int, TableWriter] = {}
        self._impact: dict[int, TableWriter] = {}
        self._params: dict[int, TableWriter] = {}
        #: (column, parameter name, integer column): an integer without value is -1, as
        #: ctapipe writes the extreme pixel values of an empty true image
        true_columns = cols.true_parameter_columns()[3:]
        self._true_values = DictValues(c.name[len("true_"):] for c in true_columns)
        self._true_int = tuple(
            i for i, c in enumerate(true_columns) if np.dtype(c.dtype).kind == "i"
        )
        self._true_row_names = ("obs_id", "event_id", "tel_id",
                                *(c.name for c in true_columns))

    def _image_table(self, tel_id: int, true_image) -> TableWriter:
        table = self._images.get(tel_id)
        if table is None:
            n = len(true_image) if (self.write_true_images and true_image is not None) else None
            table = self._images[tel_id] = TableWriter(
                self.h5, paths.SIMULATION_IMAGES.format(tel_id), cols.true_image_columns(n),
                title="Storage of TelEventIndexContainer,SimulatedCameraContainer",
            )
        return table

    def _table(self, store, path, tel_id, columns, title) -> TableWriter:
        table = store.get(tel_id)
        if table is None:
            table = store[tel_id] = TableWriter(self.h5, path.format(tel_id), columns,
                                                title=title)
        return table

    def _params_table(self, tel_id: int) -> TableWriter:
        table = self._params.get(tel_id)
        if table is None:
            table = self._table(
                self._params, paths.SIMULATION_PARAMETERS, tel_id,
                cols.true_parameter_columns(),
                "Storage of TelEventIndexContainer,ImageParametersContainer",
            )
            check_order(table, self._true_row_names)
        return table

    def write(self, event: ArrayEvent, result: EventResult | None = None) -> None:
        s = event.simulation
        if s is None:
            return
        ids = {"obs_id": event.obs_id, "event_id": event.event_id}
        self.shower.append(
            **ids,
            true_energy=s.energy,
            true_alt=s.alt,
            true_az=s.az,
            true_core_x=s.core_x,
            true_core_y=s.core_y,
            true_h_first_int=s.h_first_int,
            true_x_max=s.x_max,
            true_starting_grammage=getattr(s, "starting_grammage", math.nan),
            true_shower_primary_id=s.primary_id,
        )
        tel_ids = [t for t in event.tel if t in self.subarray.tels]
        if not tel_ids:
            return
        positions = np.array([self.subarray.position(t) for t in tel_ids])
        impact = true_impact_distance(s, positions)
        sums = getattr(s, "true_image_sum", None) or {}
        for tel_id, distance in zip(tel_ids, impact):
            self._table(
                self._impact, paths.SIMULATION_IMPACT, tel_id, cols.TRUE_IMPACT,
                "Storage of TelEventIndexContainer,TelImpactParameterContainer",
            ).append(**ids, tel_id=tel_id, true_impact_distance=float(distance),
                     true_impact_distance_uncert=0.0)
            true_image = event.tel[tel_id].true_image
            table = self._image_table(tel_id, true_image)
            total = sums.get(tel_id)
            if total is None:
                total = int(np.sum(true_image)) if true_image is not None else -1
            row = {"true_image_sum": total}
            if "true_image" in table.dtype.names:
                row["true_image"] = true_image if true_image is not None else -1
            table.append(**ids, tel_id=tel_id, **row)
            tr = result.tel.get(tel_id) if result is not None else None
            params = getattr(tr, "true_parameters", None) if tr is not None else None
            if params is not None:
                row = [event.obs_id, event.event_id, tel_id, *self._true_values(params)]
                for i in self._true_int:
                    row[3 + i] = _integer(row[3 + i])
                self._params_table(tel_id).append_row(tuple(row))

    def close(self) -> None:
        for t in (self.shower, *self._images.values(), *self._impact.values(),
                  *self._params.values()):
            t.close()
