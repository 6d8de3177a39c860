"""The event model: what a source delivers for one array event (R0/R1 + simulation truth).

Records are frozen dataclasses holding plain numpy arrays in fixed units (m, deg, ns, TeV,
ADC counts). They are never mutated: processing steps take them and return new results.
Waveform arrays are the reader's own buffers (no copy) and are marked read-only.
"""

from __future__ import annotations

import enum
import math
from dataclasses import dataclass, field

import numpy as np


@dataclass(frozen=True)
class SimulationConfig:
    """The simulation run header, needed for IRF normalisation (energies in TeV, deg, m)."""

    run_number: int
    energy_min: float
    energy_max: float
    spectral_index: float
    n_showers: int
    shower_reuse: int
    max_scatter_range: float
    min_scatter_range: float
    viewcone_min: float
    viewcone_max: float
    max_alt: float
    min_alt: float
    max_az: float
    min_az: float
    diffuse: bool
    core_pos_mode: int
    obs_height: float
    atmosphere: int
    corsika_version: int
    simtel_version: int
    injection_height: float = 0.0
    primary: str = ""
    # the rest of sim_telarray's MC run header (NaN / -1 where a file has none)
    magnetic_field_total: float = math.nan  # µT
    magnetic_declination: float = math.nan  # deg
    magnetic_inclination: float = math.nan  # deg
    shower_prog_id: int = -1  # 1 CORSIKA
    shower_prog_start: int = -1  # unix time of the shower program's start
    detector_prog_id: int = -1  # 1 sim_telarray
    detector_prog_start: int = -1
    corsika_iact_options: int = -1
    corsika_low_e_model: int = -1
    corsika_high_e_model: int = -1
    corsika_bunchsize: float = math.nan  # Cherenkov photons per bunch
    corsika_wlen_min: float = math.nan  # nm
    corsika_wlen_max: float = math.nan  # nm
    corsika_low_e_detail: int = -1
    corsika_high_e_detail: int = -1
    run_start: float = math.nan  # unix time (s) of the run's start (sim_telarray's run header)

    @property
    def n_thrown(self) -> int:
        """Showers thrown including reuse (the IRF normalisation)."""
        return int(self.n_showers) * int(self.shower_reuse)


#: sim_telarray's shower primary ids (CORSIKA's: 0 gamma, 100 × A + Z for nuclei) -> names
PRIMARY_NAMES = {0: "gamma", 1: "electron", -1: "positron", 2: "muon", -2: "antimuon",
                 100: "neutron", 101: "proton", -101: "antiproton", 402: "helium",
                 1206: "carbon", 1407: "nitrogen", 1608: "oxygen", 2412: "magnesium",
                 2814: "silicon", 5626: "iron"}


@dataclass(frozen=True)
class SimulatedShower:
    """True shower parameters (TeV, deg, m; x_max in g/cm²) of one simulated event."""

    energy: float
    alt: float
    az: float
    core_x: float
    core_y: float
    h_first_int: float
    x_max: float
    primary_id: int
    shower_num: int = -1
    starting_grammage: float = math.nan  # g/cm², where the shower simulation started
    #: tel_id -> total true photo-electrons in the camera (sim_telarray's photo-electron
    #: sums; present also where per-pixel true images are not stored)
    true_image_sum: dict = field(default_factory=dict, hash=False)


@dataclass(frozen=True, eq=False)
class ShowerDistribution:
    """The histogram of every simulated shower of a run, triggered or not (sim_telarray's
    histogram 6): counts per bin of true energy (rows) and core distance in the shower
    plane (columns), as ctapipe stores it for IRF normalisation."""

    obs_id: int
    hist_id: int
    n_entries: int
    bins_energy: np.ndarray  # TeV, n_energy + 1 edges (log-spaced)
    bins_core_dist: np.ndarray  # m, n_core + 1 edges
    histogram: np.ndarray  # float32 (n_energy, n_core)


@dataclass(frozen=True, eq=False)
class AtmosphereProfile:
    """The tabulated atmosphere of a simulation (sim_telarray's profile), rows with a
    positive density and column density only, as ctapipe keeps them."""

    atmosphere_id: int
    name: str
    observation_level: float  # m above sea level
    top_height: float  # m, top of the atmosphere
    height: np.ndarray  # km above sea level
    density: np.ndarray  # g/cm³
    column_density: np.ndarray  # g/cm²


@dataclass(frozen=True)
class Pointing:
    """Array pointing and per-telescope pointing (deg)."""

    array_alt: float
    array_az: float
    tel_alt: dict = field(default_factory=dict)
    tel_az: dict = field(default_factory=dict)

    def of(self, tel_id: int) -> tuple[float, float]:
        return self.tel_alt.get(tel_id, self.array_alt), self.tel_az.get(tel_id, self.array_az)


@dataclass(frozen=True)
class TriggerInfo:
    """Array trigger: time (unix seconds, float64), triggered telescopes and their times (ns).

    ``tel_event_types`` (aligned with ``tels_with_trigger``) names what triggered each
    telescope, as ctapipe's event types ("subarray", "muon", "random_mono", "long_event");
    None: the array event's type. ``n_trigger_pixels``: tel_id -> pixels in its trigger
    (telescopes the input gives it for).
    """

    time: float
    tels_with_trigger: np.ndarray
    trigger_times_ns: np.ndarray
    tels_with_data: np.ndarray
    tel_event_types: tuple[str, ...] | None = None
    n_trigger_pixels: dict = field(default_factory=dict)


class PixelStatus(enum.IntFlag):
    """Why a pixel's data cannot be used, as bits of ``TelescopeData.pixel_status`` (0: good).

    HV-disabled pixels are "broken" in ctapipe's sense (its outlier mask): the extractors
    leave them out of neighbour sums and their charge and peak time are replaced by their
    neighbours' average. Pixels without readout hold no signal: they are calibrated to 0
    p.e. in every sample (as ctapipe's data-volume reduction zeroes the pixels it drops).
    Pixels without calibration constants come out as 0 p.e. too, and the views say why.
    """

    #: high voltage switched off in the run's settings (sim_telarray's ``HV_disabled`` list)
    HV_DISABLED = 1
    #: no ADC data in any gain (not read out, e.g. dropped by zero suppression)
    NO_READOUT = 2
    #: no pedestal or p.e. conversion in the file for a gain of its data: calibrated to 0
    #: p.e. in every sample (its charge is unknown, not zero)
    NO_CALIBRATION = 4


_STATUS_TEXT = {
    PixelStatus.HV_DISABLED: "high voltage disabled (run settings)",
    PixelStatus.NO_READOUT: "not read out (no ADC data)",
    PixelStatus.NO_CALIBRATION: "no calibration constants in the file",
}


def pixel_status_text(status: int) -> str:
    """Words for a pixel status value, e.g. for a tooltip; "" for a good pixel."""
    return "; ".join(text for bit, text in _STATUS_TEXT.items() if int(status) & bit)


@dataclass(frozen=True, eq=False)
class TelescopeData:
    """R0 data and calibration constants of one telescope in one event.

    Exactly one of ``waveform`` (n_gains × n_pixels × n_samples, ADC) and ``sums``
    (n_gains × n_pixels, ADC summed over ``n_sum_samples``) is set.
    ``pedestal_per_sample`` and ``dc_to_pe`` are (n_gains × n_pixels) from the file's monitoring
    and laser-calibration blocks (NaN where the file had none).
    ``true_image`` is the simulated photo-electron count per pixel, or None.
    ``peak_time_ns`` is the file's own pixel timing (peak position), or None.
    ``pixel_status`` (uint8 per pixel, :class:`PixelStatus` bits) marks pixels whose data
    cannot be used; None when every pixel is good.
    ``time_shift_ns`` (n_gains × n_pixels) is the laser calibration's per-pixel time offset
    (sim_telarray's ``tm_calib``), subtracted from peak times; None when the file has none.
    ``pedestal_noise`` (n_gains × n_pixels, ADC) is the monitoring block's ``noise`` as the
    file stores it (in the shared simulations one value per camera and gain, e.g. 6.7 ADC
    for the LSTCam high gain of gamma_4lst: the electronic noise, without night-sky light);
    ``n_ped_slices`` the samples of the monitoring's pedestal sum;
    ``flat_field`` (n_gains × n_pixels) the laser calibration's flat-fielding coefficients;
    each None when the file has none.
    ``trigger_pixels`` (int32 pixel ids) are the pixels in the camera's trigger
    (sim_telarray's pixel list of code 0), None when the file does not give them.
    """

    tel_id: int
    waveform: np.ndarray | None
    sums: np.ndarray | None
    n_sum_samples: int
    pedestal_per_sample: np.ndarray
    dc_to_pe: np.ndarray
    true_image: np.ndarray | None = None
    peak_time_ns: np.ndarray | None = None
    pixel_status: np.ndarray | None = None
    time_shift_ns: np.ndarray | None = None
    pedestal_noise: np.ndarray | None = None
    n_ped_slices: int = 0
    flat_field: np.ndarray | None = None
    trigger_pixels: np.ndarray | None = None

    def _status_mask(self, bits: int) -> np.ndarray | None:
        if self.pixel_status is None:
            return None
        mask = (self.pixel_status & np.uint8(bits)) != 0
        return mask if mask.any() else None

    @property
    def broken_pixels(self) -> np.ndarray | None:
        """Mask of the HV-disabled pixels (ctapipe's outlier mask), or None when none is."""
        return self._status_mask(PixelStatus.HV_DISABLED)

    @property
    def unread_pixels(self) -> np.ndarray | None:
        """Mask of the pixels without readout, or None when every pixel was read out."""
        return self._status_mask(PixelStatus.NO_READOUT)

    @property
    def zeroed_pixels(self) -> np.ndarray | None:
        """Mask of the pixels calibrated to 0 p.e. (not read out, or without calibration
        constants), or None when there is none."""
        return self._status_mask(PixelStatus.NO_READOUT | PixelStatus.NO_CALIBRATION)

    @property
    def n_gains(self) -> int:
        data = self.waveform if self.waveform is not None else self.sums
        return int(data.shape[0])

    @property
    def n_pixels(self) -> int:
        data = self.waveform if self.waveform is not None else self.sums
        return int(data.shape[1])

    @property
    def n_samples(self) -> int:
        return int(self.waveform.shape[2]) if self.waveform is not None else 0

    @property
    def has_waveforms(self) -> bool:
        return self.waveform is not None

    @property
    def raw_sum(self) -> np.ndarray:
        """Pedestal-subtracted ADC sum over the readout window of the first gain."""
        if self.waveform is not None:
            n = self.waveform.shape[2]
            return self.waveform[0].sum(axis=1, dtype=np.float64) - n * self.pedestal_per_sample[0]
        return self.sums[0].astype(np.float64) - self.n_sum_samples * self.pedestal_per_sample[0]


#: array event types of calibration data (ctapipe's names in lower case): never cleaned,
#: parametrised or reconstructed as showers
CALIBRATION_EVENT_TYPES = frozenset((
    "flatfield", "single_pe", "pedestal", "dark_pedestal", "electronic_pedestal",
    "sky_pedestal", "other_calibration",
))
#: the pedestal kinds among them (no light but the night sky: pedestal and noise from data)
PEDESTAL_EVENT_TYPES = frozenset(("pedestal", "dark_pedestal", "electronic_pedestal",
                                  "sky_pedestal"))


def is_calibration_type(event_type: str) -> bool:
    """Whether an array event of this type is calibration data (not a shower)."""
    return event_type in CALIBRATION_EVENT_TYPES


@dataclass(frozen=True, eq=False)
class ArrayEvent:
    """One array event: ids, trigger, pointing, telescope data and simulation truth."""

    index: int  # position in its source (0-based)
    obs_id: int
    event_id: int
    #: ctapipe's event type in lower case: "subarray" (shower data) or a calibration kind
    #: ("sky_pedestal", "dark_pedestal", "flatfield", "single_pe", "other_calibration")
    event_type: str
    trigger: TriggerInfo
    pointing: Pointing
    tel: dict  # tel_id -> TelescopeData, sorted by tel_id
    simulation: SimulatedShower | None = None

    @property
    def tel_ids(self) -> list[int]:
        return list(self.tel)

    @property
    def is_calibration(self) -> bool:
        """Calibration data (pedestal, flat field, single p.e., other): not a shower."""
        return is_calibration_type(self.event_type)

    @property
    def n_tels(self) -> int:
        return len(self.tel)

    def __repr__(self) -> str:
        e = f", E={self.simulation.energy:.3g} TeV" if self.simulation else ""
        return f"ArrayEvent(index={self.index}, event_id={self.event_id}, n_tels={self.n_tels}{e})"


def readonly(a: np.ndarray | None) -> np.ndarray | None:
    """Mark an array read-only (no copy) so records stay immutable."""
    if a is not None and a.flags.writeable:
        a.flags.writeable = False
    return a
