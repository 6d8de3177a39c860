"""The events of several DL2 files as one sample: plain arrays, one entry per event.

``Sample.select(cuts)`` is the boolean mask of the events that pass ``cuts``
(``performance.cuts``); nothing here knows about pyirf or plots.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..errors import CtaviewerError
from .cuts import Cuts
from .events import GAMMA_ID, PROTON_ID, FileEvents, load_events


@dataclass
class Sample:
    files: list[FileEvents]
    file_index: np.ndarray
    obs_id: np.ndarray
    event_id: np.ndarray
    true_energy: np.ndarray  # TeV
    reco_energy: np.ndarray  # TeV
    theta: np.ndarray  # deg
    true_offset: np.ndarray  # deg
    gammaness: np.ndarray
    multiplicity: np.ndarray
    valid: np.ndarray
    primary_id: np.ndarray
    #: per event: whether its file has classifier output / DL1 image intensities
    file_has_gammaness: np.ndarray
    file_has_intensity: np.ndarray
    image_event: np.ndarray  # row in this sample of each image's event
    image_intensity: np.ndarray

    @classmethod
    def from_files(cls, files: list[FileEvents]) -> Sample:
        if not files:
            raise CtaviewerError("no DL2 files given")
        offsets = np.cumsum([0] + [f.n_events for f in files])

        def cat(name, dtype=np.float64):
            return np.concatenate([np.asarray(getattr(f, name), dtype=dtype) for f in files])

        def per_event(flag):
            return np.concatenate([np.full(f.n_events, bool(getattr(f, flag))) for f in files])

        return cls(
            files=list(files),
            file_index=np.concatenate([np.full(f.n_events, i, dtype=np.int64)
                                       for i, f in enumerate(files)]),
            obs_id=cat("obs_id", np.int64),
            event_id=cat("event_id", np.int64),
            true_energy=cat("true_energy"),
            reco_energy=cat("reco_energy"),
            theta=np.concatenate([f.theta for f in files]),
            true_offset=np.concatenate([f.true_offset for f in files]),
            gammaness=cat("gammaness"),
            multiplicity=cat("multiplicity", np.int64),
            valid=cat("valid", bool),
            primary_id=cat("primary_id", np.int64),
            file_has_gammaness=per_event("has_gammaness"),
            file_has_intensity=per_event("has_intensity"),
            image_event=np.concatenate([f.image_event + o for f, o in zip(files, offsets)]),
            image_intensity=cat("image_intensity"),
        )

    @classmethod
    def load(cls, paths, log=None) -> Sample:
        files = []
        for path in paths:
            f = load_events(path)
            if log is not None:
                log(f"{path}: {f.n_events} events, {f.particle}"
                    + ("" if f.simulation is not None else ", no simulation run header"))
            files.append(f)
        return cls.from_files(files)

    def __len__(self) -> int:
        return len(self.event_id)

    @property
    def is_gamma(self) -> np.ndarray:
        return self.primary_id == GAMMA_ID

    @property
    def is_proton(self) -> np.ndarray:
        return self.primary_id == PROTON_ID

    def n_images_above(self, intensity_min: float) -> np.ndarray:
        """Per event: telescopes used in the reconstruction with an image of intensity ≥
        ``intensity_min`` (its multiplicity where the file has no image parameters)."""
        if intensity_min <= 0:
            return self.multiplicity
        keep = self.image_intensity >= intensity_min
        counts = np.bincount(self.image_event[keep], minlength=len(self))
        return np.where(self.file_has_intensity, counts, self.multiplicity)

    def select(self, cuts: Cuts) -> np.ndarray:
        """Events that pass ``cuts`` (and have a valid reconstructed geometry)."""
        ok = self.valid & np.isfinite(self.theta)
        ok &= self.n_images_above(cuts.intensity_min) >= cuts.multiplicity_min
        if cuts.gammaness_min is not None:
            with np.errstate(invalid="ignore"):
                ok &= (self.gammaness >= cuts.gammaness_min) | ~self.file_has_gammaness
        if cuts.theta_max_deg is not None:
            with np.errstate(invalid="ignore"):
                ok &= self.theta <= cuts.theta_max_deg
        return ok
