"""The performance tables written as ECSV files (one per table, each complete or absent)."""

from __future__ import annotations

import os

from ..errors import OutputError
from ..writers.atomic import AtomicOutput
from .benchmarks import PerformanceResult


def write_table(table, path: str) -> str:
    """``table`` as ECSV at ``path`` (replaced if there), written under a temporary name."""
    try:
        with AtomicOutput(path, overwrite=True) as tmp:
            table.write(tmp, format="ascii.ecsv", overwrite=True)
    except OSError as exc:
        raise OutputError(f"{path}: cannot write ({exc.strerror or exc})") from None
    return path


def write_tables(result: PerformanceResult, folder: str, names=None) -> list[str]:
    """Every table of ``result`` (or those ``names``) as ``folder/<name>.ecsv`` (the
    folder made if missing)."""
    try:
        os.makedirs(folder, exist_ok=True)
    except OSError as exc:
        raise OutputError(f"{folder}: cannot make the folder ({exc.strerror or exc})") \
            from None
    written = []
    for name, table in result.tables.items():
        if names is not None and name not in names:
            continue
        table = table.copy()
        table.meta["notes"] = list(result.notes)
        table.meta["statistics"] = result.statistics_note()
        written.append(write_table(table, os.path.join(folder, f"{name}.ecsv")))
    return written
