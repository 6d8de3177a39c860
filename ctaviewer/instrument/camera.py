"""Camera geometry and readout: pixel positions, shapes, neighbours, pulse shapes."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property

import numpy as np

from .neighbors import nearest_neighbour_stats, neighbors_csr

PIXEL_SHAPES = ("hexagon", "square", "circle")
#: sim_telarray's pixel shape codes (ctapipe maps them the same way)
SIMTEL_SHAPE_CODES = {0: "circle", 1: "hexagon", 2: "square", 3: "hexagon"}


@dataclass(frozen=True, eq=False)
class CameraGeometry:
    """Pixel layout of one camera type, in the de-rotated camera frame (metres).

    ``pix_x``/``pix_y`` are already rotated by the camera rotation stored in the file (as
    ctapipe does), so ``x = f * fov_lat`` and ``y = f * fov_lon`` hold directly;
    ``cam_rotation_deg`` keeps the rotation that was removed. ``pix_rotation_deg`` is the
    angle of the first polygon vertex. Derived data (neighbours, border rings, polygons) is
    computed once on first use and cached on the instance, shared by every telescope that
    carries this camera.
    """

    name: str
    pix_x: np.ndarray
    pix_y: np.ndarray
    pix_area: np.ndarray
    pix_shape: str
    pix_rotation_deg: float
    cam_rotation_deg: float = 0.0
    _cache: dict = field(default_factory=dict, repr=False, compare=False)

    def __post_init__(self):
        if self.pix_shape not in PIXEL_SHAPES:
            raise ValueError(f"pixel shape must be one of {PIXEL_SHAPES}, got {self.pix_shape!r}")
        n = len(self.pix_x)
        for name in ("pix_y", "pix_area"):
            if len(getattr(self, name)) != n:
                raise ValueError(f"{name} has {len(getattr(self, name))} entries, pix_x has {n}")

    @property
    def n_pixels(self) -> int:
        return len(self.pix_x)

    def __len__(self) -> int:
        return self.n_pixels

    def __repr__(self) -> str:
        return f"CameraGeometry({self.name!r}, n_pixels={self.n_pixels}, shape={self.pix_shape})"

    # ---------------------------------------------------------------- construction
    @classmethod
    def from_positions(
        cls,
        name: str,
        pix_x,
        pix_y,
        pix_area=None,
        shape: str | None = None,
        cam_rotation_deg: float = 0.0,
    ) -> CameraGeometry:
        """Build a geometry from raw pixel centres as stored in a file.

        The positions are rotated by ``cam_rotation_deg``; the pixel shape is guessed from the
        neighbour count when not given; the polygon orientation is taken from the direction
        to the nearest neighbour (edges face neighbours on tiled cameras).
        """
        x = np.asarray(pix_x, dtype=np.float64)
        y = np.asarray(pix_y, dtype=np.float64)
        if cam_rotation_deg:
            c, s = np.cos(np.deg2rad(cam_rotation_deg)), np.sin(np.deg2rad(cam_rotation_deg))
            x, y = x * c - y * s, x * s + y * c
        nn_dist, nn_angle, n_close = nearest_neighbour_stats(x, y)
        if shape is None:
            shape = "hexagon" if n_close >= 5 else "square"
        if pix_area is None:
            if shape == "hexagon":
                pix_area = np.full(len(x), np.sqrt(3) / 2 * nn_dist**2)
            elif shape == "square":
                pix_area = np.full(len(x), nn_dist**2)
            else:
                pix_area = np.full(len(x), np.pi * (nn_dist / 2) ** 2)
        vertex_offset = {"hexagon": 30.0, "square": 45.0, "circle": 0.0}[shape]
        period = {"hexagon": 60.0, "square": 90.0, "circle": 360.0}[shape]
        rotation = float(np.mod(nn_angle + vertex_offset, period))
        return cls(
            name=name,
            pix_x=x,
            pix_y=y,
            pix_area=np.asarray(pix_area, dtype=np.float64),
            pix_shape=shape,
            pix_rotation_deg=rotation,
            cam_rotation_deg=float(cam_rotation_deg),
        )

    @classmethod
    def from_name(cls, name: str = "NectarCam", version: str | None = None) -> CameraGeometry:
        """A camera met in sim_telarray files, by name (ctapipe's ``from_name``): its
        layout in ``version`` (a production label such as "prod5"; None: the newest stored).
        ``camera_library.camera_names()`` lists the names, ``camera_versions(name)`` the
        versions; an unknown one raises ``UnknownCameraError`` (a ValueError)."""
        from .camera_library import geometry_from_name

        return geometry_from_name(name, version)

    # ---------------------------------------------------------------- derived, cached
    @cached_property
    def pixel_width(self) -> np.ndarray:
        """Flat-to-flat width for hexagons, side for squares, diameter for circles (m)."""
        a = self.pix_area
        if self.pix_shape == "hexagon":
            return 2 * np.sqrt(a / (2 * np.sqrt(3)))
        if self.pix_shape == "square":
            return np.sqrt(a)
        return 2 * np.sqrt(a / np.pi)

    @cached_property
    def radius(self) -> float:
        """Distance of the outermost pixel edge from the camera centre (m)."""
        r = np.hypot(self.pix_x, self.pix_y) + self.pixel_width / 2
        return float(r.max()) if self.n_pixels else 0.0

    @cached_property
    def neighbors(self) -> tuple[np.ndarray, np.ndarray]:
        """Neighbour lists as CSR arrays ``(indptr, indices)`` (int32), symmetric."""
        return neighbors_csr(self.pix_x, self.pix_y, self.pix_shape)

    def neighbors_of(self, pixel: int) -> np.ndarray:
        indptr, indices = self.neighbors
        return indices[indptr[pixel] : indptr[pixel + 1]]

    @cached_property
    def n_neighbors(self) -> np.ndarray:
        return np.diff(self.neighbors[0])

    def border_mask(self, width: int = 1) -> np.ndarray:
        """Pixels within ``width`` rings of the camera edge."""
        key = ("border", width)
        if key not in self._cache:
            if width < 1:
                raise ValueError("border width must be >= 1")
            if width == 1:
                nn = self.n_neighbors
                mask = nn < (nn.max() if len(nn) else 0)
            else:
                inner = self.border_mask(width - 1)
                indptr, indices = self.neighbors
                hit = np.zeros(self.n_pixels, dtype=bool)
                rows = np.repeat(np.arange(self.n_pixels), np.diff(indptr))
                hit[rows[inner[indices]]] = True
                mask = inner | hit
            mask.setflags(write=False)
            self._cache[key] = mask
        return self._cache[key]

    @cached_property
    def polygons(self) -> np.ndarray:
        """Pixel outlines, shape (n_pixels, n_vertices, 2), in metres; built once."""
        n_vert = {"hexagon": 6, "square": 4, "circle": 16}[self.pix_shape]
        angles = np.deg2rad(self.pix_rotation_deg + np.arange(n_vert) * 360.0 / n_vert)
        if self.pix_shape == "hexagon":
            circum = self.pixel_width / np.sqrt(3)
        elif self.pix_shape == "square":
            circum = self.pixel_width / np.sqrt(2)
        else:
            circum = self.pixel_width / 2
        out = np.empty((self.n_pixels, n_vert, 2))
        out[:, :, 0] = self.pix_x[:, None] + circum[:, None] * np.cos(angles)[None, :]
        out[:, :, 1] = self.pix_y[:, None] + circum[:, None] * np.sin(angles)[None, :]
        out.setflags(write=False)
        return out

    def pixel_at(self, x: float, y: float) -> int:
        """Index of the pixel containing (x, y), or -1 outside the camera."""
        if self.n_pixels == 0:
            return -1
        d2 = (self.pix_x - x) ** 2 + (self.pix_y - y) ** 2
        i = int(np.argmin(d2))
        limit = {"hexagon": 1 / np.sqrt(3), "square": 1 / np.sqrt(2), "circle": 0.5}
        return i if np.sqrt(d2[i]) <= self.pixel_width[i] * limit[self.pix_shape] else -1


@dataclass(frozen=True, eq=False)
class CameraReadout:
    """Sampling and pulse-shape description of one camera type."""

    name: str
    sampling_rate_ghz: float
    n_samples: int
    n_gains: int
    reference_pulse_shape: np.ndarray  # (n_gains, n_reference_samples)
    reference_pulse_sample_width_ns: float

    @property
    def sample_width_ns(self) -> float:
        return 1.0 / self.sampling_rate_ghz


@dataclass(frozen=True, eq=False)
class CameraDescription:
    """A camera: its name, geometry and readout.

    ``name`` is the camera type as this application knows it ("LSTCam", "FlashCam", ...: the
    key of per-camera settings); ``source_name`` the name the input gives it (sim_telarray's
    metadata, e.g. "LSTN-design", or the HDF5 file's), which is what ctapipe writes to files.
    """

    name: str
    geometry: CameraGeometry
    readout: CameraReadout
    source_name: str = ""

    def __post_init__(self):
        if not self.source_name:
            object.__setattr__(self, "source_name", self.name)

    def __repr__(self) -> str:
        return f"CameraDescription({self.name!r}, n_pixels={self.geometry.n_pixels})"
