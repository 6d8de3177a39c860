"""One processed file: DL1 and/or DL2 in ctapipe's HDF5 data model, with provenance.

``EventFileWriter(path, subarray, ...)`` writes to a temporary name beside ``path``; rows
are appended with ``write(event, result)``; ``write_shower_distribution(dist)`` adds the
histogram of simulated showers (known once the input was read to its end); ``close()``
finishes the tables and renames the file. ``abort()`` (or an exception inside ``with``)
removes the temporary file, so a partial output never appears under the final name.
"""

from __future__ import annotations

import datetime as _dt
import json
import os

import h5py

from .._version import __version__
from ..datamodel import paths
from ..datamodel.instrument import write_subarray
from ..datamodel.metadata import root_attributes
from ..datamodel.paths import DATA_MODEL_VERSION  # noqa: F401  (re-exported)
from ..datamodel.records import (
    write_atmosphere_profile,
    write_run_config,
    write_shower_distribution,
)
from ..datamodel.table import ensure_group, init_root, set_attrs
from ..errors import OutputError
from ..event import ArrayEvent, AtmosphereProfile, ShowerDistribution, SimulationConfig
from ..results import EventResult
from .atomic import AtomicOutput
from .dl1 import DL1Tables
from .dl2 import DL2Tables
from .muon import MuonTables
from .observation import write_observation
from .simulation import SimulationTables

LEVELS = ("dl1", "dl2")


def _quality_query(config_toml: str) -> str:
    """The stereo quality query of a processing configuration (the default one where
    none is given)."""
    from ..config import ProcessingConfig

    config = (ProcessingConfig.from_toml(config_toml) if config_toml.strip()
              else ProcessingConfig.default())
    return config.quality.query


def _now() -> str:
    return _dt.datetime.now(_dt.UTC).strftime("%Y-%m-%d %H:%M:%S.%f")[:-3]


class EventFileWriter:
    """Writes DL1 (images optional) and DL2 tables of one input file into one HDF5 file.

    ``write_muons`` adds the muon table of every telescope (``EventResult.muon``, from a
    chain with ``muon.enabled``). ``quality_query`` is the stereo quality query the results
    went through, counted per criterion into the DL2 telescope-event statistics; by default
    the one of ``config_toml`` (or of the default configuration). ``atmosphere_profile``
    (a source's) is written with the simulation run header. Calibration events (pedestal,
    flat field, ...) get DL1 rows (their event type, their images) but no DL2 rows, unless
    ``dl2_all_event_types``.
    """

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
        write_muons: bool = False,
        energy: bool = True,
        gammaness: bool = True,
        quality_query: str | None = None,
        atmosphere_profile: AtmosphereProfile | None = None,
        input_files=(),
        config_toml: str = "",
        extra_provenance: dict | None = None,
        overwrite: bool = False,
        dl2_all_event_types: bool = False,
    ):
        self.dl2_all_event_types = bool(dl2_all_event_types)
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
                if atmosphere_profile is not None:
                    write_atmosphere_profile(self.h5, atmosphere_profile)
            write_observation(self.h5, obs_id, pointing, simulation_config)
            self.dl1 = None
            if dl1:
                self.dl1 = DL1Tables(self.h5, subarray, write_images=write_images)
                levels += self.dl1.levels
            self.muon = None
            if write_muons:
                self.muon = MuonTables(self.h5, subarray)
                levels += self.muon.levels
            self.sim = None
            if simulation_config is not None:
                # with the images go the true images, as ctapipe writes them: its
                # HDF5EventSource reads both when a file has DL1 images (KeyError otherwise)
                self.sim = SimulationTables(
                    self.h5, subarray,
                    write_true_images=write_true_images or (dl1 and write_images),
                )
            self.dl2 = None
            if dl2:
                if quality_query is None:
                    quality_query = _quality_query(config_toml)
                self.dl2 = DL2Tables(self.h5, subarray, energy=energy, gammaness=gammaness,
                                     quality_query=quality_query)
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
        if self.muon is not None:
            self.muon.write(event, result)
        if self.sim is not None:
            self.sim.write(event, result)
        if self.dl2 is not None and (self.dl2_all_event_types or not event.is_calibration):
            self.dl2.write(result)
        self.n_events += 1
        self._atomic.raise_if_failed()

    def write_shower_distribution(self, dist: ShowerDistribution | None) -> None:
        """Add the histogram of all simulated showers (None: the input has none, or was
        not read to its end: nothing is written, as ctapipe does)."""
        if dist is not None and self._is_simulation:
            write_shower_distribution(self.h5, dist)

    def _finish_metadata(self) -> None:
        now = _now()
        attrs = root_attributes(
            levels=self.levels, is_simulation=self._is_simulation,
            instrument_id=self.subarray.name, software="ctaviewer",
            software_version=__version__, start=self._start, stop=now,
        )
        init_root(self.h5, attrs)
        group = ensure_group(self.h5, paths.PROVENANCE)
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
            for part in (self.dl1, self.muon, self.sim, self.dl2):
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
