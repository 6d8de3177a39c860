"""Imported once by the forkserver the batch runner's workers fork from: the process
imports the processing chain and loads its numba kernels (``pipeline.warm_up``) here, so
every worker starts with them in memory instead of spending ~2 s loading them itself, and
shares their pages with its siblings."""

from ..pipeline import warm_up
from . import worker  # noqa: F401  (the workers' entry point, imported before forking)

warm_up()
