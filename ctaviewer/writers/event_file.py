"""One processed file: DL1 and/or DL2 in ctapipe's HDF5 data model, with provenance.

``EventFileWriter(path, subarray, ...)`` writes to a temporary name beside ``path``; rows
are appended with ``write(event, result)``; ``close()`` finishes the tables and renames the
file. ``abort()`` (or an exception inside ``with``) removes the temporary file, so a
partial output never appears under the final name.
"""

from __future__ import annotations

import datetime as _dt
import json
import os
import uuid

import h5py

from .._version import __version__
from ..errors import OutputError
from ..event import ArrayEvent, SimulationConfig
from ..results import EventResult
from .atomic import AtomicOutput
from .dl1 import DL1Tables
from .dl2 import DL2Tables
from .hdf5 import ensure_group, init_root, set_attrs
from .instrument import write_subarray
from .observation import write_observation
from .simulation import SimulationTables, write_run_config

#: ctapipe's data model version of our files (read by ctapipe >= 0.19)
DATA_MODEL_VERSION = "v7.1.0"
PROVENANCE = "/configuration/ctaviewer"

LEVELS = ("dl1", "dl2")


def _now() -> str:
    return _dt.datetime.now(_dt.UTC).strftime("%Y-%m-%d %H:%M:%S.%f")[:-3]


class EventFileWriter:
    """Writes DL1 (images optional) and DL2 tables of one input file into one HDF5 file."""

    def __init__(
        self,
        path,
        subarray,
        *,
        obs_id: int,
        simulation_config: SimulationConfig | None = None,
        pointing: tuple[float, float] | None = None,
        dl1: bool = True,
        dl2: bool = False,
        write_images: bool = False,
        write_true_images: bool = False,
        energy: bool = True,
        gammaness: bool = True,
        input_files=(),
        config_toml: str = "",
        extra_provenance: dict | None = None,
        overwrite: bool = False,
    ):
        if not (dl1 or dl2):
            raise ValueError("nothing to write: choose dl1 and/or dl2")
        self.path = os.fspath(path)
        self._atomic = AtomicOutput(self.path, overwrite=overwrite)
        self._atomic.__enter__()
        self._closed = False
        self._start = _now()
        try:  # guarded: a failed write (full disk) must never reach libhdf5 (it crashes)
            self.h5 = h5py.File(self._atomic.open_guarded(), "w", libver="earliest")
        except OSError as exc:
            self._atomic.discard()
            raise OutputError(f"{self.path}: cannot create the file ({exc})") from None
        try:
            self.subarray = subarray
            self.n_events = 0
            levels = []
            init_root(self.h5, {})
            write_subarray(self.h5, subarray)
            if simulation_config is not None:
                write_run_config(self.h5, obs_id, simulation_config)
            write_observation(self.h5, obs_id, pointing)
            self.dl1 = None
            if dl1:
                self.dl1 = DL1Tables(self.h5, subarray, write_images=write_images)
                levels += self.dl1.levels
            self.sim = None
            if simulation_config is not None:
                self.sim = SimulationTables(
                    self.h5, subarray, write_true_images=write_true_images
                )
            self.dl2 = None
            if dl2:
                self.dl2 = DL2Tables(self.h5, subarray, energy=energy, gammaness=gammaness)
                levels += self.dl2.levels
            self.levels = levels
            self._provenance = {
                "input_files": [os.path.abspath(os.fspath(p)) for p in input_files],
                "config_toml": config_toml,
                **(extra_provenance or {}),
            }
            self._is_simulation = simulation_config is not None
        except BaseException:
            self.abort()
            raise

    def write(self, event: ArrayEvent, result: EventResult) -> None:
        if self.dl1 is not None:
            self.dl1.write(event, result)
        if self.sim is not None:
            self.sim.write(event)
        if self.dl2 is not None:
            self.dl2.write(result)
        self.n_events += 1
        self._atomic.raise_if_failed()

    def _finish_metadata(self) -> None:
        now = _now()
        attrs = {
            "CTA PRODUCT DATA MODEL VERSION": DATA_MODEL_VERSION,
            "CTA PRODUCT DATA MODEL NAME": "ASWG",
            "CTA PRODUCT DATA LEVELS": ",".join(self.levels),
            "CTA PRODUCT CREATION TIME": now,
            "CTA PRODUCT DESCRIPTION": "ctaviewer Data Product",
            "CTA PRODUCT FORMAT": "hdf5",
            "CTA PRODUCT ID": str(uuid.uuid4()),
            "CTA PRODUCT DATA CATEGORY": "Sim" if self._is_simulation else "Other",
            "CTA PRODUCT DATA ASSOCIATION": "Subarray",
            "CTA PROCESS TYPE": "Simulation" if self._is_simulation else "Observation",
            "CTA PROCESS SUBTYPE": "",
            "CTA PROCESS ID": "0",
            "CTA ACTIVITY NAME": "ctaviewer process",
            "CTA ACTIVITY TYPE": "software",
            "CTA ACTIVITY ID": str(uuid.uuid4()),
            "CTA ACTIVITY SOFTWARE NAME": "ctaviewer",
            "CTA ACTIVITY SOFTWARE VERSION": __version__,
            "CTA ACTIVITY START TIME": self._start,
            "CTA ACTIVITY STOP TIME": now,
            "CTA INSTRUMENT ID": self.subarray.name,
            "CTA REFERENCE VERSION": "1",
        }
        init_root(self.h5, attrs)
        group = ensure_group(self.h5, PROVENANCE)
        prov = self._provenance
        set_attrs(
            group,
            {
                "software": "ctaviewer",
                "software_version": __version__,
                "input_files": json.dumps(prov["input_files"]),
                "config_toml": prov["config_toml"],
                "n_events": self.n_events,
                "extra": json.dumps({k: v for k, v in prov.items()
                                     if k not in ("input_files", "config_toml")}),
            },
        )

    def close(self) -> None:
        """Finish every table and move the file to its final name."""
        if self._closed:
            return
        try:
            for part in (self.dl1, self.sim, self.dl2):
                if part is not None:
                    part.close()
            self._finish_metadata()
            self.h5.close()
            self._atomic.commit()
        except BaseException:
            self.abort()
            raise
        self._closed = True

    def abort(self) -> None:
        """Drop everything written so far; the final name is never touched."""
        if self._closed:
            return
        self._closed = True
        try:
            if self.h5:
                self.h5.close()
        except Exception:
            pass
        self._atomic.discard()

    def __enter__(self):
        return self

    def __exit__(self, exc_type, exc, tb):
        if exc_type is None:
            self.close()
        else:
            self.abort()
        return False
