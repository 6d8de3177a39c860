"""Instrument description: cameras, optics, telescopes and subarrays (Qt-free)."""

from .camera import CameraDescription, CameraGeometry, CameraReadout
from .names import KNOWN_TELESCOPES, TelescopeName, guess_telescope
from .subarray import OpticsDescription, SiteLocation, SubarrayDescription, TelescopeDescription

__all__ = [
    "CameraDescription",
    "CameraGeometry",
    "CameraReadout",
    "KNOWN_TELESCOPES",
    "OpticsDescription",
    "SiteLocation",
    "SubarrayDescription",
    "TelescopeDescription",
    "TelescopeName",
    "guess_telescope",
]
