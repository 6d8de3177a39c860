"""The About dialog text: versions of ctaviewer, Qt and the libraries it runs on, and the
data-model versions of the files it writes.
"""

from __future__ import annotations

import html
import platform
from importlib import metadata

from .._version import __version__
from .qt import QtCore, pg

#: (label, distribution name) of the libraries listed in the About dialog
LIBRARIES = (
    ("numpy", "numpy"),
    ("numba", "numba"),
    ("eventio", "eventio"),
    ("h5py", "h5py"),
    ("astropy", "astropy"),
    ("pyirf", "pyirf"),
)


#: what the DL3 browser opens (ctaviewer.dl3.index.open_dl3)
DL3_READ = ("DL3 GADF FITS in the DL3 browser (a folder with or without hdu-index, an index "
            "file, or one run or IRF file: ctaviewer's, H.E.S.S. DR1, CTA prod5)")


def _dist_version(name: str) -> str:
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:  # reported, not fatal, in an About box
        return "not installed"


def versions() -> list[tuple[str, str]]:
    """(component, version) of ctaviewer, Qt, the libraries and the written data models."""
    import PySide6

    from ..writers.dl3 import GADF
    from ..writers.event_file import DATA_MODEL_VERSION

    rows = [
        ("ctaviewer", __version__),
        ("Python", platform.python_version()),
        ("PySide6", PySide6.__version__),
        ("Qt runtime", QtCore.qVersion()),
        ("Qt (PySide6 built with)", QtCore.QLibraryInfo.version().toString()),
        ("pyqtgraph", pg.__version__),
    ]
    rows += [(label, _dist_version(dist)) for label, dist in LIBRARIES]
    rows += [
        ("DL1/DL2 files: ctapipe data model", DATA_MODEL_VERSION),
        ("DL3 files: GADF", GADF["HDUVERS"]),
    ]
    return rows


def reads_and_writes() -> tuple[str, str]:
    """What ctaviewer opens (from its readers, so the sentence cannot claim a format no
    reader reads) and what it writes."""
    from ..io import supported_formats

    reads = "; ".join(desc for desc, _ in supported_formats())
    # DL3 has no event source: the DL3 browser reads it (ctaviewer.dl3), so it is said apart
    reads += f"; {DL3_READ}"
    writes = ("DL1/DL2 HDF5 in the ctapipe data model (File ▸ Export event as DL1, the Batch "
              "panel, ctaviewer process); DL3 GADF FITS (ctaviewer process --levels "
              "dl1,dl2,dl3)")
    return reads, writes


def about_text() -> str:
    rows = "".join(
        f"<tr><td>{html.escape(k)}</td><td>&nbsp;&nbsp;{html.escape(v)}</td></tr>"
        for k, v in versions()
    )
    reads, writes = reads_and_writes()
    return (
        f"<h3>ctaviewer {__version__}</h3>"
        "<p>Viewer and processor for Cherenkov-telescope (CTAO) data.</p>"
        f"<p><b>Opens:</b> {html.escape(reads)}.<br><b>Writes:</b> {html.escape(writes)}.</p>"
        f"<table>{rows}</table>"
        "<p>Help ▸ Tour shows what to click; Help ▸ Keyboard shortcuts lists the keys; the "
        "user guide is docs/guide/index.md in the source.</p>"
    )


def versions_plain() -> str:
    """The versions as plain text (one per line), for bug reports."""
    return "\n".join(f"{k}: {v}" for k, v in versions())
