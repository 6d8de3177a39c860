"""ctaviewer: view and process Cherenkov-telescope array data.

The package root stays light: importing ``ctaviewer`` loads neither Qt nor numba.
The scripting API starts at :func:`open_source`::

    from ctaviewer import open_source
    with open_source("gamma.simtel.zst") as source:
        for event in source:
            ...
"""

from ._version import __version__

__all__ = ["__version__", "open_source"]


def open_source(path=None, **kwargs):
    """Open an event source for ``path`` (the built-in simulated array when None).

    The reader is chosen from the file content; see :mod:`ctaviewer.io`.
    """
    from .io import open_source as _open_source

    return _open_source(path, **kwargs)
