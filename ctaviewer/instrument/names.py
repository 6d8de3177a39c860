"""Camera and telescope names.

Files written with recent simulation tools name the camera in their metadata, but not in a
standard way ("LSTcam", "LSTN-design", "MSTx-NectarCam"); older files name nothing. As the
field does, the name is then guessed from (number of pixels, focal length).
"""

from __future__ import annotations

import math
from dataclasses import dataclass


@dataclass(frozen=True)
class TelescopeName:
    size: str  # "LST", "MST", "SST" or "UNKNOWN"
    optics: str  # optics name, e.g. "LST", "MST", "1M", "ASTRI", "GCT", "SCT"
    camera: str  # camera name, e.g. "LSTCam"
    n_mirrors: int
    #: reflector shape (ctapipe's ReflectorShape names), as the field's lookup table has it
    reflector: str = "UNKNOWN"


SC, DC, PARABOLIC, HYBRID = "SCHWARZSCHILD_COUDER", "DAVIES_COTTON", "PARABOLIC", "HYBRID"

#: (n_pixels, equivalent focal length rounded to 0.01 m) → names
KNOWN_TELESCOPES: dict[tuple[int, float], TelescopeName] = {
    (1855, 28.0): TelescopeName("LST", "LST", "LSTCam", 1, PARABOLIC),
    (1855, 16.0): TelescopeName("MST", "MST", "NectarCam", 1, HYBRID),
    (1764, 16.0): TelescopeName("MST", "MST", "FlashCam", 1, HYBRID),
    (11328, 5.59): TelescopeName("MST", "SCT", "SCTCam", 2, SC),
    (2368, 2.15): TelescopeName("SST", "ASTRI", "ASTRICam", 2, SC),
    (2048, 2.15): TelescopeName("SST", "ASTRI", "CHEC", 2, SC),
    (2048, 2.28): TelescopeName("SST", "GCT", "CHEC", 2, SC),
    (1296, 5.6): TelescopeName("SST", "1M", "DigiCam", 1, DC),
    # non-CTAO telescopes found in simulation files
    (960, 15.0): TelescopeName("MST", "HESS-I", "HESS-I", 1, DC),
    (2048, 36.0): TelescopeName("LST", "HESS-II", "HESS-II", 1, PARABOLIC),
    (1440, 4.89): TelescopeName("SST", "FACT", "FACT", 1, HYBRID),
}

#: lower-case fragments of metadata camera names → canonical camera names
_METADATA_FRAGMENTS = (
    ("nectar", "NectarCam"),
    ("flash", "FlashCam"),
    ("digicam", "DigiCam"),
    ("sst-1m", "DigiCam"),
    ("chec", "CHEC"),
    ("astri", "ASTRICam"),
    ("sct", "SCTCam"),
    ("lst", "LSTCam"),
)


def camera_from_metadata(name: str | None) -> str | None:
    """Canonical camera name for a metadata name such as 'MSTx-NectarCam', else None."""
    if not name:
        return None
    low = name.lower()
    for fragment, canonical in _METADATA_FRAGMENTS:
        if fragment in low:
            return canonical
    return None


def size_from_mirror_area(mirror_area_m2: float) -> str:
    """Telescope size from the mirror area (as ctapipe: dish diameter below 8 m SST, below
    16 m MST, else LST)."""
    diameter = 2.0 * math.sqrt(max(float(mirror_area_m2), 0.0) / math.pi)
    return "SST" if diameter < 8 else "MST" if diameter < 16 else "LST"


def unknown_telescope(n_pixels: int, mirror_area_m2: float) -> TelescopeName:
    """The generic names of a telescope not in the table (ctapipe's spelling)."""
    return TelescopeName(size_from_mirror_area(mirror_area_m2),
                         f"UNKNOWN-{float(mirror_area_m2):.0f}M2", f"UNKNOWN-{int(n_pixels)}PX", -1)


def guess_telescope(
    n_pixels: int, focal_length_m: float, metadata_camera: str | None = None,
    mirror_area_m2: float = math.nan,
) -> tuple[TelescopeName, bool]:
    """Names for a telescope; the flag is False when the camera is unknown (generic name)."""
    known = KNOWN_TELESCOPES.get((int(n_pixels), round(float(focal_length_m), 2)))
    from_meta = camera_from_metadata(metadata_camera)
    if known is not None:
        if from_meta and from_meta != known.camera:
            # metadata wins where it names another known camera of the same pixel count
            for key, value in KNOWN_TELESCOPES.items():
                if key[0] == n_pixels and value.camera == from_meta:
                    return value, True
        return known, True
    if from_meta:
        for key, value in KNOWN_TELESCOPES.items():
            if key[0] == n_pixels and value.camera == from_meta:
                return value, True
    if not math.isfinite(mirror_area_m2):  # no area: a dish of the size the focal length implies
        mirror_area_m2 = math.pi * (focal_length_m / 2.0) ** 2
    return unknown_telescope(n_pixels, mirror_area_m2), False
