"""Data models of the files ctaviewer writes and reads, in one place.

- ``paths``: every HDF5 group and table path, the data-model version, algorithm names;
- ``columns``: the columns (name, dtype, unit, description) of every table;
- ``table``: the low-level table writer and reader (h5py, PyTables-compatible);
- ``times``: event times to and from the file's TAI formats;
- ``records``: one-row records (simulation run header, shower distribution) both ways;
- ``instrument``: the subarray tables, written and read;
- ``gadf``: GADF 0.3 for DL3: HDU names, classes, columns, header keywords.

Writers (``ctaviewer.writers``) and readers (``io.hdf5_source``, ``irf``) use it; it uses
only the event model and ``results`` (parameter names). Modules are imported where used;
this package imports nothing on its own.
"""
