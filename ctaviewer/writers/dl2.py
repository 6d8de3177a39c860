"""DL2 tables in ctapipe's data model: stereo geometry, energy, particle type, impact.

Column names carry the algorithm name as prefix (``<A>_alt``, ``<A>_energy``,
``<A>_prediction``), as ctapipe writes them; the algorithm names are fixed below.
"""

from __future__ import annotations

from ..results import EventResult
from .dl1 import index_columns
from .hdf5 import Column, TableWriter

GEOMETRY_ALGORITHM = "HillasReconstructor"
ENERGY_ALGORITHM = "LookupTableEnergyRegressor"
CLASSIFIER_ALGORITHM = "LookupTableClassifier"

GEOMETRY = "/dl2/event/subarray/geometry/{}"
ENERGY = "/dl2/event/subarray/energy/{}"
PARTICLE_TYPE = "/dl2/event/subarray/particle_type/{}"
IMPACT = "/dl2/event/telescope/impact/{}/tel_{:03d}"


def geometry_columns(a: str, n_tels: int) -> list[Column]:
    return [
        *index_columns(False),
        Column(f"{a}_alt", "f8", unit="deg", desc="reconstructed altitude"),
        Column(f"{a}_alt_uncert", "f8", unit="deg", desc="altitude uncertainty"),
        Column(f"{a}_az", "f8", unit="deg", desc="reconstructed azimuth"),
        Column(f"{a}_az_uncert", "f8", unit="deg", desc="azimuth uncertainty"),
        Column(f"{a}_ang_distance_uncert", "f8", unit="deg", desc="angular uncertainty"),
        Column(f"{a}_core_x", "f8", unit="m", desc="reconstructed core x"),
        Column(f"{a}_core_y", "f8", unit="m", desc="reconstructed core y"),
        Column(f"{a}_core_uncert_x", "f8", unit="m", desc="core x uncertainty"),
        Column(f"{a}_core_uncert_y", "f8", unit="m", desc="core y uncertainty"),
        Column(f"{a}_h_max", "f8", unit="m", desc="height of shower maximum"),
        Column(f"{a}_h_max_uncert", "f8", unit="m", desc="h_max uncertainty"),
        Column(f"{a}_is_valid", "?", desc="True if the reconstruction succeeded"),
        Column(f"{a}_average_intensity", "f8", desc="mean intensity of the images used"),
        Column(f"{a}_goodness_of_fit", "f8", desc="goodness of fit"),
        Column(f"{a}_telescopes", "?", (n_tels,), desc="mask of telescopes used"),
    ]


class DL2Tables:
    """Appends the DL2 rows of one event (geometry always; energy/gammaness when asked)."""

    def __init__(self, h5, subarray, *, energy: bool = True, gammaness: bool = True):
        self.h5 = h5
        self.subarray = subarray
        g, e, c = GEOMETRY_ALGORITHM, ENERGY_ALGORITHM, CLASSIFIER_ALGORITHM
        self.geometry = TableWriter(
            h5,
            GEOMETRY.format(g),
            geometry_columns(g, subarray.n_tels),
            title="Storage of EventIndexContainer,ReconstructedGeometryContainer",
        )
        self.energy = None
        if energy:
            self.energy = TableWriter(
                h5,
                ENERGY.format(e),
                [
                    *index_columns(False),
                    Column(f"{e}_energy", "f8", unit="TeV", desc="reconstructed energy"),
                    Column(f"{e}_energy_uncert", "f8", unit="TeV", desc="energy uncertainty"),
                    Column(f"{e}_is_valid", "?", desc="True if an estimate exists"),
                ],
                title="Storage of EventIndexContainer,ReconstructedEnergyContainer",
            )
        self.particle = None
        if gammaness:
            self.particle = TableWriter(
                h5,
                PARTICLE_TYPE.format(c),
                [
                    *index_columns(False),
                    Column(f"{c}_prediction", "f8", desc="gammaness: 1 gamma-like, 0 hadron-like"),
                    Column(f"{c}_is_valid", "?", desc="True if an estimate exists"),
                ],
                title="Storage of EventIndexContainer,ParticleClassificationContainer",
            )
        self._impact: dict[int, TableWriter] = {}

    def write(self, result: EventResult) -> None:
        g, e, c = GEOMETRY_ALGORITHM, ENERGY_ALGORITHM, CLASSIFIER_ALGORITHM
        geo = result.geometry
        ids = {"obs_id": result.obs_id, "event_id": result.event_id}
        used = [t for t in geo.tel_ids if int(t) in self.subarray.tels]
        self.geometry.append(
            {f"{g}_{k}": getattr(geo, k) for k in (
                "alt", "alt_uncert", "az", "az_uncert", "ang_distance_uncert", "core_x",
                "core_y", "core_uncert_x", "core_uncert_y", "h_max", "h_max_uncert",
                "is_valid", "average_intensity", "goodness_of_fit",
            )},
            **ids,
            **{f"{g}_telescopes": self.subarray.tel_mask(used)},
        )
        if self.energy is not None:
            valid = bool(result.energy == result.energy)
            self.energy.append(
                **ids,
                **{
                    f"{e}_energy": result.energy,
                    f"{e}_energy_uncert": result.energy_uncert,
                    f"{e}_is_valid": valid,
                },
            )
        if self.particle is not None:
            valid = bool(result.gammaness == result.gammaness)
            self.particle.append(
                **ids, **{f"{c}_prediction": result.gammaness, f"{c}_is_valid": valid}
            )
        for tel_id, distance in result.impact.items():
            if tel_id not in result.tel:  # ctapipe writes impact rows for telescopes with data
                continue
            table = self._impact.get(tel_id)
            if table is None:
                table = TableWriter(
                    self.h5,
                    IMPACT.format(g, tel_id),
                    [
                        *index_columns(True),
                        Column(f"{g}_tel_impact_distance", "f8", unit="m", desc="impact distance"),
                        Column(f"{g}_tel_impact_distance_uncert", "f8", unit="m",
                               desc="impact distance uncertainty"),
                    ],
                    title="Storage of TelEventIndexContainer,TelImpactParameterContainer",
                )
                self._impact[tel_id] = table
            table.append(
                **ids,
                tel_id=tel_id,
                **{f"{g}_tel_impact_distance": distance, f"{g}_tel_impact_distance_uncert": 0.0},
            )

    def close(self) -> None:
        for t in (self.geometry, self.energy, self.particle, *self._impact.values()):
            if t is not None:
                t.close()

    @property
    def levels(self) -> list[str]:
        return ["DL2"]
