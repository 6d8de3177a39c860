"""Imported once by the forkserver the batch runner's workers fork from: the process
imports the processing chain and loads its numba kernels (``pipeline.warm_up``) here, so
every worker starts with them in memory instead of spending ~2 s loading them itself, and
shares their pages with its siblings. The library code that loading ran and the workers do
not (LLVM's) is then dropped from the forkserver's memory (``page_release``).

Nothing may fail here: an exception would end the forkserver, and every worker start with
it, with no word of the cause. A worker forked without the kernels loads them in its first
job, where a failure is reported for the file it processes."""

from . import worker  # noqa: F401  (the workers' entry point, imported before forking)

try:
    from ..pipeline import warm_up
    from .page_release import release_clean_library_pages

    warm_up()
    release_clean_library_pages()
except Exception:  # noqa: BLE001 (see the module's docstring)
    pass
