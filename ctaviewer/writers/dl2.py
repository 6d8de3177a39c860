"""DL2 tables in ctapipe's data model: stereo geometry, energy, particle type, impact, and
the telescope-event statistics of the stereo quality criteria.

Column names carry the algorithm name as prefix (``<A>_alt``, ``<A>_energy``,
``<A>_prediction``), as ctapipe writes them; names, paths and columns are
``ctaviewer.datamodel``'s. Every telescope event gets an impact row, NaN where the event
has no valid geometry, as ctapipe writes it (its TableLoader joins the tables row by row).
"""

from __future__ import annotations

import ast
import math

from ..datamodel import columns as cols
from ..datamodel import paths
from ..datamodel.table import TableWriter
from ..results import EventResult
from .dl1 import CriteriaCounter

GEOMETRY_ALGORITHM = paths.GEOMETRY_ALGORITHM
ENERGY_ALGORITHM = paths.ENERGY_ALGORITHM
CLASSIFIER_ALGORITHM = paths.CLASSIFIER_ALGORITHM

_GEOMETRY_FIELDS = tuple(f for f, _, _ in cols.GEOMETRY_FIELDS) + (
    "is_valid", "average_intensity", "goodness_of_fit",
)


def quality_criteria(query: str) -> list[tuple[str, str, object]]:
    """The stereo quality query split at its top-level ``and``: one criterion per term
    (name and expression are the term's text, or ctapipe's for the terms of its default
    query), each a compiled safe query."""
    from ..config.parameters import CTAPIPE_QUALITY_CRITERIA
    from ..reco.quality import QualityQuery
    from ..results import IMAGE_PARAMETER_NAMES

    text = query.strip()
    if not text:
        return []
    tree = ast.parse(text, mode="eval").body
    terms = tree.values if isinstance(tree, ast.BoolOp) and isinstance(tree.op, ast.And) \
        else [tree]
    out = []
    for term in terms:
        expr = ast.unparse(term)
        compiled = QualityQuery(expr, IMAGE_PARAMETER_NAMES)
        name, func = CTAPIPE_QUALITY_CRITERIA.get(expr, (expr, expr))
        out.append((name, func, compiled))
    return out


class DL2Tables:
    """Appends the DL2 rows of one event (geometry always; energy/gammaness when asked).

    ``quality_query`` is the stereo quality query the telescope events went through; its
    terms are counted per telescope event into ``/dl2/service/tel_event_statistics``.
    """

    def __init__(self, h5, subarray, *, energy: bool = True, gammaness: bool = True,
                 quality_query: str = ""):
        self.h5 = h5
        self.subarray = subarray
        g, e, c = GEOMETRY_ALGORITHM, ENERGY_ALGORITHM, CLASSIFIER_ALGORITHM
        self.geometry = TableWriter(
            h5, paths.DL2_GEOMETRY.format(g), cols.geometry_columns(g, subarray.n_tels),
            title="Storage of EventIndexContainer,ReconstructedGeometryContainer",
        )
        self.energy = None
        if energy:
            self.energy = TableWriter(
                h5, paths.DL2_ENERGY.format(e), cols.energy_columns(e, subarray.n_tels),
                title="Storage of EventIndexContainer,ReconstructedEnergyContainer",
            )
        self.particle = None
        if gammaness:
            self.particle = TableWriter(
                h5, paths.DL2_PARTICLE_TYPE.format(c),
                cols.particle_type_columns(c, subarray.n_tels),
                title="Storage of EventIndexContainer,ParticleClassificationContainer",
            )
        self.tel_event_statistics = CriteriaCounter(quality_criteria(quality_query))
        self._impact: dict[int, TableWriter] = {}
        self._prefixed = tuple((f"{g}_{k}", k) for k in _GEOMETRY_FIELDS)

    def write(self, result: EventResult) -> None:
        g, e, c = GEOMETRY_ALGORITHM, ENERGY_ALGORITHM, CLASSIFIER_ALGORITHM
        geo = result.geometry
        ids = {"obs_id": result.obs_id, "event_id": result.event_id}
        # as ctapipe: a failed reconstruction used no telescope (its list is empty)
        used = [t for t in geo.tel_ids if int(t) in self.subarray.tels] if geo.is_valid else []
        self.geometry.append(
            {name: getattr(geo, k, math.nan) for name, k in self._prefixed},
            **ids,
            **{f"{g}_telescopes": self.subarray.tel_mask(used)},
        )
        estimated = [t for t in result.estimate_tel_ids if int(t) in self.subarray.tels]
        if self.energy is not None:
            valid = bool(result.energy == result.energy)
            self.energy.append(
                **ids,
                **{
                    f"{e}_energy": result.energy,
                    f"{e}_energy_uncert": result.energy_uncert,
                    f"{e}_is_valid": valid,
                    f"{e}_goodness_of_fit": math.nan,
                    f"{e}_telescopes": self.subarray.tel_mask(estimated if valid else []),
                },
            )
        if self.particle is not None:
            valid = bool(result.gammaness == result.gammaness)
            self.particle.append(
                **ids, **{f"{c}_prediction": result.gammaness, f"{c}_is_valid": valid,
                          f"{c}_goodness_of_fit": math.nan,
                          f"{c}_telescopes": self.subarray.tel_mask(estimated if valid else [])}
            )
        for tel_id, tr in result.tel.items():
            self.tel_event_statistics.add(tr.parameters)
            table = self._impact.get(tel_id)
            if table is None:
                table = self._impact[tel_id] = TableWriter(
                    self.h5, paths.DL2_TEL_IMPACT.format(g, tel_id), cols.impact_columns(g),
                    title="Storage of TelEventIndexContainer,TelImpactParameterContainer",
                )
            table.append(
                **ids,
                tel_id=tel_id,
                **{f"{g}_tel_impact_distance": result.impact.get(tel_id, math.nan),
                   f"{g}_tel_impact_distance_uncert": math.nan},
            )

    def close(self) -> None:
        for t in (self.geometry, self.energy, self.particle, *self._impact.values()):
            if t is not None:
                t.close()
        self.tel_event_statistics.write(
            self.h5, paths.DL2_TEL_EVENT_STATISTICS.format(GEOMETRY_ALGORITHM)
        )

    @property
    def levels(self) -> list[str]:
        return ["DL2"]
