"""Telescopes, optics and the subarray (positions and descriptions of all telescopes)."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from functools import cached_property

import numpy as np

from .camera import CameraDescription


@dataclass(frozen=True, eq=False)
class OpticsDescription:
    """Optics of one telescope type (lengths in m, areas in m²)."""

    name: str
    size_type: str
    n_mirrors: int
    mirror_area: float
    equivalent_focal_length: float
    effective_focal_length: float  # NaN when the file does not give one
    #: "PARABOLIC", "DAVIES_COTTON", "HYBRID", "SCHWARZSCHILD_COUDER" or "UNKNOWN"
    reflector_shape: str = "UNKNOWN"
    n_mirror_tiles: int = -1  # -1: unknown

    @property
    def focal_length(self) -> float:
        """Effective focal length where known (as ctapipe uses), else the equivalent one."""
        f = self.effective_focal_length
        return f if np.isfinite(f) and f > 0 else self.equivalent_focal_length


@dataclass(frozen=True, eq=False)
class TelescopeDescription:
    """A telescope: its type's optics and camera, and the pixels disabled in its run settings.

    ``disabled_pixels`` (int32 pixel indices) are the pixels whose high voltage is off for the
    whole run (sim_telarray's ``HV_disabled`` list); events mark them in ``pixel_status``.
    """

    name: str  # optics name, e.g. "LST"
    size_type: str
    optics: OpticsDescription
    camera: CameraDescription
    disabled_pixels: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int32))

    @property
    def type_name(self) -> str:
        """Unique name of this telescope type, e.g. 'LST_LST_LSTCam', in the names the input
        gives (as ctapipe writes it, e.g. 'LST_LSTN-design_LSTN-design')."""
        return f"{self.size_type}_{self.name}_{self.camera.source_name}"

    def __str__(self) -> str:
        return self.type_name


@dataclass(frozen=True)
class SiteLocation:
    """Observatory location: geodetic latitude/longitude (deg), height above sea level (m).

    ``position_known`` is False where a file gives only the height (simulations without
    site metadata): latitude and longitude are then 0, as ctapipe writes them, and mean
    nothing; sky coordinates need a site given by the user."""

    latitude_deg: float
    longitude_deg: float
    height_m: float
    position_known: bool = True


@dataclass(frozen=True, eq=False)
class SubarrayDescription:
    """Telescope ids, ground positions (m, x north / y west / z up) and descriptions."""

    name: str
    tel_ids: np.ndarray
    positions: np.ndarray  # (n_tels, 3), rows aligned with tel_ids
    tels: dict  # tel_id -> TelescopeDescription
    location: SiteLocation | None = None

    def __post_init__(self):
        ids = np.asarray(self.tel_ids, dtype=np.int64)
        order = np.argsort(ids)
        object.__setattr__(self, "tel_ids", ids[order])
        object.__setattr__(self, "positions", np.asarray(self.positions, dtype=np.float64)[order])
        missing = set(ids.tolist()) - set(self.tels)
        if missing:
            raise ValueError(f"no description for telescopes {sorted(missing)}")

    @property
    def n_tels(self) -> int:
        return len(self.tel_ids)

    def __len__(self) -> int:
        return self.n_tels

    def __repr__(self) -> str:
        return f"SubarrayDescription({self.name!r}, n_tels={self.n_tels})"

    @cached_property
    def _index(self) -> dict[int, int]:
        return {int(t): i for i, t in enumerate(self.tel_ids)}

    def tel_index(self, tel_id: int) -> int:
        """Row of ``tel_id`` in ``tel_ids`` and ``positions``."""
        return self._index[int(tel_id)]

    def position(self, tel_id: int) -> np.ndarray:
        return self.positions[self.tel_index(tel_id)]

    def tel_mask(self, tel_ids) -> np.ndarray:
        """Boolean mask over ``tel_ids`` (as ctapipe stores tels_with_trigger)."""
        mask = np.zeros(self.n_tels, dtype=bool)
        for t in tel_ids:
            mask[self._index[int(t)]] = True
        return mask

    @cached_property
    def telescope_types(self) -> list[TelescopeDescription]:
        """Distinct telescope types, largest first then by name."""
        seen: dict[str, TelescopeDescription] = {}
        for t in self.tel_ids:
            d = self.tels[int(t)]
            seen.setdefault(d.type_name, d)
        order = {"LST": 0, "MST": 1, "SST": 2}
        return sorted(seen.values(), key=lambda d: (order.get(d.size_type, 3), d.type_name))

    @cached_property
    def camera_types(self) -> list[CameraDescription]:
        seen: dict[str, CameraDescription] = {}
        for d in self.telescope_types:
            seen.setdefault(d.camera.name, d.camera)
        return list(seen.values())

    def tel_ids_for_type(self, type_name: str) -> np.ndarray:
        """Telescope ids of a type given by type name, optics name or camera name."""
        def matches(desc: TelescopeDescription) -> bool:
            return type_name in (desc.type_name, desc.name, desc.camera.name)

        return np.array([t for t in self.tel_ids if matches(self.tels[int(t)])], dtype=np.int64)

    def counts_by_type(self) -> dict[str, int]:
        c = Counter(self.tels[int(t)].type_name for t in self.tel_ids)
        return {d.type_name: c[d.type_name] for d in self.telescope_types}

    def select(self, tel_ids, name: str | None = None) -> SubarrayDescription:
        """A subarray holding only ``tel_ids``."""
        ids = [int(t) for t in tel_ids]
        unknown = [t for t in ids if t not in self._index]
        if unknown:
            raise KeyError(f"telescopes {unknown} are not in {self.name}")
        rows = [self._index[t] for t in ids]
        return SubarrayDescription(
            name=name or f"{self.name} ({len(ids)} tels)",
            tel_ids=np.array(ids),
            positions=self.positions[rows],
            tels={t: self.tels[t] for t in ids},
            location=self.location,
        )
