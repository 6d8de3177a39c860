"""Writers: DL1/DL2 HDF5 files in ctapipe's data model and GADF DL3 (FITS).

Modules are imported where used (``from ctaviewer.writers.event_file import
EventFileWriter``); this package imports nothing heavy on its own.
"""
