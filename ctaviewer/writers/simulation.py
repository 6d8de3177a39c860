"""Simulation truth in ctapipe's data model: showers, true images, true impact, run header."""

from __future__ import annotations

import numpy as np

from ..coords import altaz_to_ground_vector
from ..event import ArrayEvent, SimulationConfig
from .dl1 import index_columns, parameter_columns
from .hdf5 import Column, TableWriter, write_table

SHOWER = "/simulation/event/subarray/shower"
TRUE_IMAGES = "/simulation/event/telescope/images/tel_{:03d}"
TRUE_IMPACT = "/simulation/event/telescope/impact/tel_{:03d}"
TRUE_PARAMETERS = "/simulation/event/telescope/parameters/tel_{:03d}"
RUN = "/configuration/simulation/run"

#: (column, SimulationConfig field, dtype, unit) of the run table, ctapipe's names
RUN_COLUMNS = (
    ("run_number", "run_number", "i4", ""),
    ("corsika_version", "corsika_version", "i8", ""),
    ("simtel_version", "simtel_version", "i8", ""),
    ("energy_range_min", "energy_min", "f4", "TeV"),
    ("energy_range_max", "energy_max", "f4", "TeV"),
    ("prod_site_alt", "obs_height", "f8", "m"),
    ("spectral_index", "spectral_index", "f8", ""),
    ("n_showers", "n_showers", "i8", ""),
    ("shower_reuse", "shower_reuse", "i8", ""),
    ("max_alt", "max_alt", "f4", "deg"),
    ("min_alt", "min_alt", "f4", "deg"),
    ("max_az", "max_az", "f4", "deg"),
    ("min_az", "min_az", "f4", "deg"),
    ("diffuse", "diffuse", "i8", ""),
    ("max_viewcone_radius", "viewcone_max", "f4", "deg"),
    ("min_viewcone_radius", "viewcone_min", "f4", "deg"),
    ("max_scatter_range", "max_scatter_range", "f4", "m"),
    ("min_scatter_range", "min_scatter_range", "f4", "m"),
    ("core_pos_mode", "core_pos_mode", "i8", ""),
    ("atmosphere", "atmosphere", "i8", ""),
    ("injection_height", "injection_height", "f8", "m"),
)


def write_run_config(h5, obs_id: int, sim: SimulationConfig) -> None:
    cols = [Column("obs_id", "i4", desc="Observation Block ID")]
    cols += [Column(name, dt, unit=unit) for name, _, dt, unit in RUN_COLUMNS]
    rows = {"obs_id": [obs_id]}
    for name, attr, _, _ in RUN_COLUMNS:
        rows[name] = [getattr(sim, attr)]
    write_table(
        h5,
        RUN,
        cols,
        rows,
        title="Storage of SimulationConfigContainer",
        attrs={"CTAVIEWER_PRIMARY": sim.primary},
    )


def true_impact_distance(shower, positions: np.ndarray) -> np.ndarray:
    """Distance (m) of each telescope position (n, 3) from the true shower axis."""
    direction = altaz_to_ground_vector(shower.alt, shower.az)
    rel = positions - np.array([shower.core_x, shower.core_y, 0.0])
    return np.linalg.norm(np.cross(rel, direction), axis=-1)


def _impact_columns() -> tuple[Column, ...]:
    return (
        *index_columns(True),
        Column("true_impact_distance", "f8", unit="m", desc="true impact distance"),
        Column("true_impact_distance_uncert", "f8", unit="m", desc="uncertainty"),
    )


def _true_parameter_columns() -> tuple[Column, ...]:
    return (*index_columns(True), *parameter_columns("true_"))


def _true_image_columns(n: int) -> tuple[Column, ...]:
    return (
        *index_columns(True),
        Column("true_image_sum", "i4", desc="total true photo-electrons"),
        Column("true_image", "i4", (n,), desc="true photo-electrons per pixel"),
    )


class SimulationTables:
    """Appends the shower truth, true images and true impact distances per event."""

    def __init__(self, h5, subarray, *, write_true_images: bool):
        self.h5 = h5
        self.subarray = subarray
        self.write_true_images = write_true_images
        self.shower = TableWriter(
            h5,
            SHOWER,
            [
                *index_columns(False),
                Column("true_energy", "f8", unit="TeV", desc="Simulated Energy"),
                Column("true_alt", "f8", unit="deg", desc="Simulated altitude"),
                Column("true_az", "f8", unit="deg", desc="Simulated azimuth"),
                Column("true_core_x", "f8", unit="m", desc="Simulated core position (x)"),
                Column("true_core_y", "f8", unit="m", desc="Simulated core position (y)"),
                Column("true_h_first_int", "f8", unit="m", desc="Height of first interaction"),
                Column("true_x_max", "f8", unit="g.cm**-2", desc="Simulated Xmax value"),
                Column("true_shower_primary_id", "i8", desc="0 gamma, 1 e-, 2 mu-, 101 proton"),
            ],
            title="Storage of EventIndexContainer,SimulatedShowerContainer",
        )
        self._images: dict[int, TableWriter] = {}
        self._impact: dict[int, TableWriter] = {}
        self._params: dict[int, TableWriter] = {}
        self._contexts: dict[int, object] = {}

    def _true_parameters(self, tel_id: int, true_image: np.ndarray) -> dict:
        """Image parameters of the true photo-electron image (pixels with >= 1 p.e.)."""
        from ..image import CameraContext, image_parameters

        ctx = self._contexts.get(tel_id)
        if ctx is None:
            d = self.subarray.tels[tel_id]
            ctx = CameraContext(d.camera.geometry, d.camera.readout, d.optics.focal_length)
            self._contexts[tel_id] = ctx
        image = np.asarray(true_image, dtype=np.float32)
        params = image_parameters(ctx, image, None, image > 0)
        return {f"true_{k}": v for k, v in params.items()}

    def _table(self, store, path, tel_id, columns, title) -> TableWriter:
        """The table of ``tel_id`` in ``store``; ``columns()`` builds its columns once."""
        table = store.get(tel_id)
        if table is None:
            table = TableWriter(self.h5, path.format(tel_id), columns(), title=title)
            store[tel_id] = table
        return table

    def write(self, event: ArrayEvent) -> None:
        s = event.simulation
        if s is None:
            return
        self.shower.append(
            obs_id=event.obs_id,
            event_id=event.event_id,
            true_energy=s.energy,
            true_alt=s.alt,
            true_az=s.az,
            true_core_x=s.core_x,
            true_core_y=s.core_y,
            true_h_first_int=s.h_first_int,
            true_x_max=s.x_max,
            true_shower_primary_id=s.primary_id,
        )
        tel_ids = [t for t in event.tel if t in self.subarray.tels]
        if not tel_ids:
            return
        positions = np.array([self.subarray.position(t) for t in tel_ids])
        impact = true_impact_distance(s, positions)
        for tel_id, distance in zip(tel_ids, impact):
            self._table(
                self._impact,
                TRUE_IMPACT,
                tel_id,
                _impact_columns,
                "Storage of TelEventIndexContainer,TelImpactParameterContainer",
            ).append(
                obs_id=event.obs_id,
                event_id=event.event_id,
                tel_id=tel_id,
                true_impact_distance=float(distance),
                true_impact_distance_uncert=0.0,
            )
            true_image = event.tel[tel_id].true_image
            if true_image is not None:
                self._table(
                    self._params,
                    TRUE_PARAMETERS,
                    tel_id,
                    _true_parameter_columns,
                    "Storage of TelEventIndexContainer,ImageParametersContainer",
                ).append(
                    self._true_parameters(tel_id, true_image),
                    obs_id=event.obs_id,
                    event_id=event.event_id,
                    tel_id=tel_id,
                )
            if self.write_true_images and true_image is not None:
                n = len(true_image)
                self._table(
                    self._images,
                    TRUE_IMAGES,
                    tel_id,
                    lambda n=n: _true_image_columns(n),
                    "Storage of TelEventIndexContainer,SimulatedCameraContainer",
                ).append(
                    obs_id=event.obs_id,
                    event_id=event.event_id,
                    tel_id=tel_id,
                    true_image_sum=int(np.sum(true_image)),
                    true_image=true_image,
                )

    def close(self) -> None:
        tables = (self.shower, *self._images.values(), *self._impact.values())
        for t in (*tables, *self._params.values()):
            t.close()


def read_run_config(h5, path: str = RUN) -> SimulationConfig | None:
    """The first run of a run table (ours or ctapipe's, angles in rad converted to deg)."""
    from .hdf5 import decode, read_table

    if path not in h5:
        return None
    table = read_table(h5, path)
    if len(table) == 0:
        return None
    row = table[0]
    attrs = h5[path].attrs
    names = list(table.dtype.names)
    kwargs = {f: 0 for f in SimulationConfig.__dataclass_fields__}
    for name, attr, _, _ in RUN_COLUMNS:
        if name not in names:
            continue
        value = row[name].item()
        unit = decode(attrs.get(f"CTAFIELD_{names.index(name)}_UNIT", ""))
        if unit == "rad":
            value = float(np.degrees(value))
        kwargs[attr] = value
    kwargs["diffuse"] = bool(kwargs["diffuse"])
    kwargs["primary"] = decode(attrs.get("CTAVIEWER_PRIMARY", ""))
    return SimulationConfig(**kwargs)
