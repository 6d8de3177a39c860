"""DL1 image steps: charge extraction, cleaning and image parameters (numba kernels)."""

from .cleaning import CLEANERS, clean
from .context import CameraContext
from .extractors import EXTRACTORS, Extraction, extract
from .integration import integration_correction
from .invalid_pixels import INVALID_PIXEL_HANDLERS, handle_invalid
from .parameters import image_parameters

__all__ = [
    "CLEANERS",
    "EXTRACTORS",
    "INVALID_PIXEL_HANDLERS",
    "CameraContext",
    "Extraction",
    "clean",
    "extract",
    "handle_invalid",
    "image_parameters",
    "integration_correction",
]
