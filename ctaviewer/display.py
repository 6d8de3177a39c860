"""Camera and array displays for scripts and notebooks, with ctapipe's interface::

    from ctaviewer.display import CameraDisplay, ArrayDisplay
    from ctaviewer.instrument import CameraGeometry

    disp = CameraDisplay(CameraGeometry.from_name("NectarCam"), image=charges)
    disp.add_colorbar()
    disp.savefig("camera.png")   # or disp.show(); inline PNG in Jupyter

They are drawn by the application's own pyqtgraph items, so they live in ``ctaviewer.app``;
this module stands above the layers (as the command line does) and imports them only when
a display is asked for: ``import ctaviewer.display`` loads no Qt.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:  # for type checkers and editors; at run time, __getattr__ below
    from .app.display import ArrayDisplay, CameraDisplay

__all__ = ["ArrayDisplay", "CameraDisplay"]


def __getattr__(name: str):
    if name in __all__:
        from .app import display

        return getattr(display, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__():
    return sorted(__all__)
