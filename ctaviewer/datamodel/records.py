"""Simulation records of a file, both directions (event-model records <-> tables): the
run header, the distribution of simulated showers, the atmosphere profile."""

from __future__ import annotations

import math
from dataclasses import MISSING, fields

import numpy as np

from ..event import AtmosphereProfile, ShowerDistribution, SimulationConfig
from . import columns, paths
from .table import column_attrs, read_table, write_table

_RAD = "rad"


def run_config_row(obs_id: int, sim: SimulationConfig) -> dict:
    """The run-table row of ``sim`` (angles converted to the file's rad where it says)."""
    row = {"obs_id": [obs_id]}
    for name, field, _, unit, _ in columns.RUN_COLUMNS:
        value = getattr(sim, field)
        row[name] = [math.radians(value) if unit == _RAD else value]
    return row


def write_run_config(h5, obs_id: int, sim: SimulationConfig) -> None:
    write_table(
        h5, paths.SIMULATION_RUN, columns.run_columns(), run_config_row(obs_id, sim),
        title="Storage of SimulationConfigContainer",
        attrs={"CTAVIEWER_PRIMARY": sim.primary},
    )


def read_run_config(h5, path: str = paths.SIMULATION_RUN) -> SimulationConfig | None:
    """The first run of a run table, ours or ctapipe's (any data model version: angles
    in rad or deg, columns that older files lack keep the record's defaults)."""
    from .table import decode

    if path not in h5:
        return None
    table = read_table(h5, path)
    if len(table) == 0:
        return None
    row = table[0]
    attrs = column_attrs(h5[path])
    names = table.dtype.names
    kwargs = {f.name: (0 if f.default is MISSING else f.default)
              for f in fields(SimulationConfig)}
    for name, field, _, _, _ in columns.RUN_COLUMNS:
        if name not in names:
            continue
        value = row[name].item()
        if attrs.get(name, {}).get("UNIT") == _RAD:
            value = math.degrees(value)
        kwargs[field] = value
    kwargs["diffuse"] = bool(kwargs["diffuse"])
    kwargs["primary"] = decode(h5[path].attrs.get("CTAVIEWER_PRIMARY", ""))
    return SimulationConfig(**kwargs)


def write_shower_distribution(h5, dist: ShowerDistribution) -> None:
    n_energy, n_core = dist.histogram.shape
    write_table(
        h5, paths.SHOWER_DISTRIBUTION, columns.shower_distribution_columns(n_energy, n_core),
        {"obs_id": [dist.obs_id], "hist_id": [dist.hist_id], "n_entries": [dist.n_entries],
         "bins_energy": [dist.bins_energy], "bins_core_dist": [dist.bins_core_dist],
         "histogram": [dist.histogram]},
        title="Storage of SimulatedShowerDistribution",
    )


def read_shower_distribution(h5) -> ShowerDistribution | None:
    """The first distribution of simulated showers in a file, or None."""
    if paths.SHOWER_DISTRIBUTION not in h5:
        return None
    table = read_table(h5, paths.SHOWER_DISTRIBUTION)
    if len(table) == 0:
        return None
    row = table[0]
    return ShowerDistribution(
        obs_id=int(row["obs_id"]), hist_id=int(row["hist_id"]),
        n_entries=int(row["n_entries"]),
        bins_energy=np.asarray(row["bins_energy"], dtype=np.float64),
        bins_core_dist=np.asarray(row["bins_core_dist"], dtype=np.float64),
        histogram=np.asarray(row["histogram"], dtype=np.float32),
    )


_CM = 100.0  # ctapipe keeps the profile's heights in cm in the table attributes


def write_atmosphere_profile(h5, profile: AtmosphereProfile) -> None:
    write_table(
        h5, paths.ATMOSPHERE_PROFILE, columns.ATMOSPHERE_PROFILE,
        {"height": profile.height, "density": profile.density,
         "column_density": profile.column_density},
        attrs={
            "TAB_TYPE": columns.ATMOSPHERE_TABLE_TYPE,
            "TAB_VER": columns.ATMOSPHERE_TABLE_VERSION,
            "atmosphere_id": int(profile.atmosphere_id),
            "atmosphere_name": profile.name,
            "observation_level": float(profile.observation_level * _CM),
            "atmosphere_height": float(profile.top_height * _CM),
        },
    )


def read_atmosphere_profile(h5) -> AtmosphereProfile | None:
    """The atmosphere profile table of a file (ours or ctapipe's), or None."""
    from .table import decode

    if paths.ATMOSPHERE_PROFILE not in h5:
        return None
    table = read_table(h5, paths.ATMOSPHERE_PROFILE)
    attrs = h5[paths.ATMOSPHERE_PROFILE].attrs
    return AtmosphereProfile(
        atmosphere_id=int(attrs.get("atmosphere_id", -1)),
        name=decode(attrs.get("atmosphere_name", "")),
        observation_level=float(attrs.get("observation_level", math.nan)) / _CM,
        top_height=float(attrs.get("atmosphere_height", math.nan)) / _CM,
        height=np.asarray(table["height"], dtype=np.float64),
        density=np.asarray(table["density"], dtype=np.float64),
        column_density=np.asarray(table["column_density"], dtype=np.float64),
    )

