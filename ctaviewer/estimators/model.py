"""Energy and gammaness from lookup tables, as the classic IACT analyses do.

Energy: per telescope type, the mean and spread of log10(true energy) in (log10 intensity,
impact distance) bins; an event's energy is the inverse-variance weighted mean over its
telescopes. Gammaness: per telescope type, mean and spread of width and length of gamma
images in the same bins give the mean reduced scaled width and length (MRSW, MRSL) of an
event; the distributions of (MRSW + MRSL) / 2 for gammas and protons give
gammaness = p_gamma / (p_gamma + p_proton) in that bin.

Training streams: ``fill_tables`` (pass 1, gammas) and ``fill_classes`` (pass 2, gammas and
protons, needs the width/length tables) add histograms only. Applying to an event whose
bins are empty gives NaN and counts it (``n_no_energy``, ``n_no_gammaness``).
"""

from __future__ import annotations

import dataclasses
import datetime as _dt
import math
import os

import numpy as np

from .._version import __version__
from ..errors import InputFileError
from ..results import EventResult
from .lookup import LookupTable

FORMAT = "ctaviewer-lookup-tables"
#: 2: telescope types by ctapipe's names (the simulation's metadata names)
FORMAT_VERSION = 2
CLASS_EDGES = np.linspace(-4.0, 16.0, 41)
_ENERGY_SIGMA_FLOOR = 0.05  # log10 units, keeps single-entry bins from dominating


@dataclasses.dataclass
class TelescopeFeatures:
    """What the tables need from one telescope image of one event."""

    type_name: str
    log_intensity: float
    impact: float
    width: float
    length: float
    tel_id: int = -1


def features(result: EventResult, subarray) -> list[TelescopeFeatures]:
    """Features of the telescopes that passed quality cuts and have an impact distance."""
    out = []
    if not result.geometry.is_valid:
        return out
    for tel_id, tr in result.tel.items():
        if not tr.passes_quality or tel_id not in result.impact:
            continue
        p = tr.parameters
        intensity = p.get("hillas_intensity", math.nan)
        if not intensity > 0:
            continue
        out.append(
            TelescopeFeatures(
                subarray.tels[tel_id].type_name,
                math.log10(intensity),
                float(result.impact[tel_id]),
                float(p.get("hillas_width", math.nan)),
                float(p.get("hillas_length", math.nan)),
                int(tel_id),
            )
        )
    return out


class LookupModel:
    """The trained tables, their training counts, and the config that made them."""

    def __init__(self, config_toml: str = ""):
        self.config_toml = config_toml
        self.energy: dict[str, LookupTable] = {}
        self.width: dict[str, LookupTable] = {}
        self.length: dict[str, LookupTable] = {}
        self.class_edges = CLASS_EDGES.copy()
        self.class_hist = {
            "gamma": np.zeros(len(CLASS_EDGES) - 1, np.int64),
            "proton": np.zeros(len(CLASS_EDGES) - 1, np.int64),
        }
        self.n_events = {"gamma": 0, "proton": 0}
        self.n_images = {"gamma": 0, "proton": 0}
        self.n_no_energy = 0
        self.n_no_gammaness = 0

    # ---------------------------------------------------------------- training
    def fill_tables(self, feats: list[TelescopeFeatures], true_energy: float) -> int:
        """Pass 1 (gamma events): energy, width and length tables. Returns images used."""
        if not feats or not true_energy > 0:
            return 0
        log_e = math.log10(true_energy)
        for f in feats:
            for store, value in ((self.energy, log_e), (self.width, f.width),
                                 (self.length, f.length)):
                table = store.get(f.type_name)
                if table is None:
                    table = store[f.type_name] = LookupTable()
                table.fill([f.log_intensity], [f.impact], [value])
        self.n_events["gamma"] += 1
        self.n_images["gamma"] += len(feats)
        return len(feats)

    def fill_classes(self, feats: list[TelescopeFeatures], particle: str) -> bool:
        """Pass 2 (gammas and protons): the (MRSW + MRSL) / 2 distribution of the class."""
        if particle not in self.class_hist:
            raise ValueError(f"particle must be 'gamma' or 'proton', got {particle!r}")
        x = self.mean_scaled(feats)
        if not math.isfinite(x):
            return False
        i = int(np.clip(np.searchsorted(self.class_edges, x, side="right") - 1, 0,
                        len(self.class_edges) - 2))
        self.class_hist[particle][i] += 1
        if particle == "proton":
            self.n_events["proton"] += 1
            self.n_images["proton"] += len(feats)
        return True

    # ---------------------------------------------------------------- applying
    def estimate_energy(self, feats) -> tuple[float, float]:
        logs, weights = [], []
        for f in feats:
            table = self.energy.get(f.type_name)
            if table is None:
                continue
            mean, std = table.lookup(f.log_intensity, f.impact)
            if not np.isfinite(mean[0]):
                continue
            sigma = std[0] if np.isfinite(std[0]) else 0.3
            logs.append(mean[0])
            weights.append(1.0 / max(sigma, _ENERGY_SIGMA_FLOOR) ** 2)
        if not logs:
            return math.nan, math.nan
        w = np.asarray(weights)
        log_e = float(np.sum(w * np.asarray(logs)) / w.sum())
        sigma = float(1.0 / math.sqrt(w.sum()))
        energy = 10.0**log_e
        return energy, energy * math.log(10.0) * sigma

    def mean_scaled(self, feats) -> float:
        """(MRSW + MRSL) / 2 of an event, NaN if no telescope has a filled bin."""
        scaled = {"w": [], "l": []}
        for f in feats:
            for key, store, value in (("w", self.width, f.width), ("l", self.length, f.length)):
                table = store.get(f.type_name)
                if table is None:
                    continue
                mean, std = table.lookup(f.log_intensity, f.impact)
                if np.isfinite(mean[0]) and np.isfinite(std[0]) and std[0] > 0:
                    scaled[key].append((value - mean[0]) / std[0])
        if not scaled["w"] or not scaled["l"]:
            return math.nan
        return 0.5 * (float(np.mean(scaled["w"])) + float(np.mean(scaled["l"])))

    def estimate_gammaness(self, feats) -> float:
        x = self.mean_scaled(feats)
        if not math.isfinite(x):
            return math.nan
        i = int(np.clip(np.searchsorted(self.class_edges, x, side="right") - 1, 0,
                        len(self.class_edges) - 2))
        n_g = max(1, int(self.class_hist["gamma"].sum()))
        n_p = max(1, int(self.class_hist["proton"].sum()))
        p_g = self.class_hist["gamma"][i] / n_g
        p_p = self.class_hist["proton"][i] / n_p
        if p_g + p_p <= 0:
            return math.nan
        return float(p_g / (p_g + p_p))

    def apply(self, result: EventResult, subarray) -> EventResult:
        """``result`` with energy and gammaness; NaN (and counted) where tables are empty."""
        feats = features(result, subarray)
        energy, energy_uncert = self.estimate_energy(feats)
        gammaness = self.estimate_gammaness(feats)
        if not math.isfinite(energy):
            self.n_no_energy += 1
        if not math.isfinite(gammaness):
            self.n_no_gammaness += 1
        return dataclasses.replace(
            result, energy=energy, energy_uncert=energy_uncert, gammaness=gammaness,
            estimate_tel_ids=tuple(sorted(f.tel_id for f in feats)),
        )

    # ---------------------------------------------------------------- reporting
    def summary(self) -> dict:
        """Training counts: events and images per class, filled bins per telescope type."""
        per_type = {}
        for name, table in self.energy.items():
            per_type[name] = {
                "images": int(table.count.sum()),
                "filled_bins": int((table.count > 0).sum()),
                "bins": int(table.count.size),
                "max_per_bin": int(table.count.max()),
                "median_per_filled_bin": float(np.median(table.count[table.count > 0]))
                if (table.count > 0).any() else 0.0,
            }
        return {
            "events": dict(self.n_events),
            "images": dict(self.n_images),
            "class_events": {k: int(v.sum()) for k, v in self.class_hist.items()},
            "telescope_types": per_type,
        }

    # ---------------------------------------------------------------- persistence
    def save(self, path) -> None:
        import h5py

        from ..writers.atomic import AtomicOutput

        # guarded: libhdf5 crashes the process once a write has failed (a full disk)
        out = AtomicOutput(path, overwrite=True)
        with out, h5py.File(out.open_guarded(), "w") as h5:
            h5.attrs["format"] = FORMAT
            h5.attrs["format_version"] = FORMAT_VERSION
            h5.attrs["software_version"] = __version__
            h5.attrs["created"] = _dt.datetime.now(_dt.UTC).isoformat()
            h5.attrs["config_toml"] = self.config_toml
            for key in ("gamma", "proton"):
                h5.attrs[f"n_events_{key}"] = self.n_events[key]
                h5.attrs[f"n_images_{key}"] = self.n_images[key]
            for store_name in ("energy", "width", "length"):
                for type_name, table in getattr(self, store_name).items():
                    table.save(h5.create_group(f"{store_name}/{type_name}"))
            g = h5.create_group("gammaness")
            g.create_dataset("edges", data=self.class_edges)
            for key, hist in self.class_hist.items():
                g.create_dataset(key, data=hist)

    @classmethod
    def load(cls, path) -> LookupModel:
        import h5py

        path = os.fspath(path)
        try:
            h5 = h5py.File(path, "r")
        except OSError as exc:
            raise InputFileError(path, f"not a lookup-table file ({exc})") from None
        with h5:
            if h5.attrs.get("format") != FORMAT:
                raise InputFileError(path, "not a ctaviewer lookup-table file")
            version = int(h5.attrs.get("format_version", 0))
            if version > FORMAT_VERSION:
                raise InputFileError(
                    path, f"lookup-table format {version} is newer than this ctaviewer "
                    f"reads ({FORMAT_VERSION})"
                )
            if version < FORMAT_VERSION:
                raise InputFileError(
                    path, f"lookup-table format {version} names telescope types as older "
                    "ctaviewer versions did, not as the files are read now: train the tables "
                    "again (ctaviewer train)"
                )
            model = cls(str(h5.attrs.get("config_toml", "")))
            for key in ("gamma", "proton"):
                model.n_events[key] = int(h5.attrs.get(f"n_events_{key}", 0))
                model.n_images[key] = int(h5.attrs.get(f"n_images_{key}", 0))
            for store_name in ("energy", "width", "length"):
                if store_name in h5:
                    for type_name, group in h5[store_name].items():
                        getattr(model, store_name)[type_name] = LookupTable.load(group)
            model.class_edges = h5["gammaness/edges"][()]
            for key in ("gamma", "proton"):
                model.class_hist[key] = h5[f"gammaness/{key}"][()]
        return model
