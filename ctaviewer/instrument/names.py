"""Camera and telescope names.

Files written with recent simulation tools name the camera in their metadata, but not in a
standard way ("LSTcam", "LSTN-design", "MSTx-NectarCam"); older files name nothing. As the
field does, the name is then guessed from (number of pixels, focal length).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class TelescopeName:
    size: str  # "LST", "MST", "SST" or "UNKNOWN"
    optics: str  # optics name, e.g. "LST", "MST", "SST-1M", "ASTRI", "GCT", "SCT"
    camera: str  # camera name, e.g. "LSTCam"
    n_mirrors: int


#: (n_pixels, equivalent focal length rounded to 0.01 m) → names
KNOWN_TELESCOPES: dict[tuple[int, float], TelescopeName] = {
    (1855, 28.0): TelescopeName("LST", "LST", "LSTCam", 1),
    (1855, 16.0): TelescopeName("MST", "MST", "NectarCam", 1),
    (1764, 16.0): TelescopeName("MST", "MST", "FlashCam", 1),
    (11328, 5.59): TelescopeName("MST", "SCT", "SCTCam", 2),
    (2368, 2.15): TelescopeName("SST", "ASTRI", "ASTRICam", 2),
    (2048, 2.15): TelescopeName("SST", "ASTRI", "CHEC", 2),
    (2048, 2.28): TelescopeName("SST", "GCT", "CHEC", 2),
    (1296, 5.6): TelescopeName("SST", "SST-1M", "DigiCam", 1),
    # non-CTAO telescopes found in simulation files
    (960, 15.0): TelescopeName("MST", "HESS-I", "HESS-I", 1),
    (2048, 36.0): TelescopeName("LST", "HESS-II", "HESS-II", 1),
    (1440, 4.89): TelescopeName("SST", "FACT", "FACT", 1),
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


def guess_telescope(
    n_pixels: int, focal_length_m: float, metadata_camera: str | None = None
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
    size = "LST" if focal_length_m > 20 else "MST" if focal_length_m > 8 else "SST"
    generic = f"Unknown-{int(n_pixels)}px"
    return TelescopeName(size, f"Unknown-f{focal_length_m:.2f}m", generic, 1), False
