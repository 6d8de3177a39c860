"""The HDF5 data model of DL1/DL2 files (ctapipe's, v7), in one place.

- ``paths``: every group and table path, the data-model version, algorithm names;
- ``columns``: the columns (name, dtype, unit, description) of every table;
- ``table``: the low-level table writer and reader (h5py, PyTables-compatible);
- ``times``: event times to and from the file's TAI formats;
- ``records``: one-row records (simulation run header, shower distribution) both ways.

Writers (``ctaviewer.writers``) and readers (``io.hdf5_source``, ``irf.events``) use it;
it uses only the event model and ``results`` (parameter names). Modules are imported
where used; this package imports nothing on its own.
"""
