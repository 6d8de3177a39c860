"""Displays for scripts and notebooks, with ctapipe's interface (``ctaviewer.display``
re-exports them): ``CameraDisplay`` and ``ArrayDisplay``, drawn by the window's own items."""

from .array import ArrayDisplay
from .camera import CameraDisplay, Ellipse
from .figure import application

__all__ = ["ArrayDisplay", "CameraDisplay", "Ellipse", "application"]
