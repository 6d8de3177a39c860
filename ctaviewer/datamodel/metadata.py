"""The file's root attributes (CTA product/activity metadata) that ctapipe reads."""

from __future__ import annotations

import uuid

from .paths import DATA_MODEL_VERSION

#: attributes ctapipe's HDF5 readers check first
DATA_MODEL_VERSION_KEY = "CTA PRODUCT DATA MODEL VERSION"
DATA_LEVELS_KEY = "CTA PRODUCT DATA LEVELS"


def root_attributes(*, levels, is_simulation: bool, instrument_id: str, software: str,
                    software_version: str, start: str, stop: str) -> dict:
    """Root attributes of a DL1/DL2 file (times as "YYYY-MM-DD hh:mm:ss.sss" UTC)."""
    return {
        DATA_MODEL_VERSION_KEY: DATA_MODEL_VERSION,
        "CTA PRODUCT DATA MODEL NAME": "ASWG",
        DATA_LEVELS_KEY: ",".join(levels),
        "CTA PRODUCT CREATION TIME": stop,
        "CTA PRODUCT DESCRIPTION": f"{software} Data Product",
        "CTA PRODUCT FORMAT": "hdf5",
        "CTA PRODUCT ID": str(uuid.uuid4()),
        "CTA PRODUCT DATA CATEGORY": "Sim" if is_simulation else "Other",
        "CTA PRODUCT DATA ASSOCIATION": "Subarray",
        "CTA PROCESS TYPE": "Simulation" if is_simulation else "Observation",
        "CTA PROCESS SUBTYPE": "",
        "CTA PROCESS ID": "0",
        "CTA ACTIVITY NAME": f"{software} process",
        "CTA ACTIVITY TYPE": "software",
        "CTA ACTIVITY ID": str(uuid.uuid4()),
        "CTA ACTIVITY SOFTWARE NAME": software,
        "CTA ACTIVITY SOFTWARE VERSION": software_version,
        "CTA ACTIVITY START TIME": start,
        "CTA ACTIVITY STOP TIME": stop,
        "CTA INSTRUMENT ID": instrument_id,
        "CTA REFERENCE VERSION": "1",
    }
