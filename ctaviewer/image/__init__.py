"""DL1 image steps: charge extraction, cleaning and image parameters (numba kernels)."""

from .cleaning import CLEANERS, clean
from .context import CameraContext
from .extractors import EXTRACTORS, Extraction, extract
from .integration import integration_correction
from .parameters import image_parameters

__all__ = [
    "CLEANERS",
    "EXTRACTORS",
    "CameraContext",
    "Extraction",
    "clean",
    "extract",
    "image_parameters",
    "integration_correction",
]
