"""Batch processing: many input files in parallel worker processes or on a Dask cluster."""
