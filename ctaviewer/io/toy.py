"""The built-in simulated array: what opens when no file is given.

A small array of two telescope types watches gamma-ray showers. Each shower is a cloud of
light-emitting points around its axis; every point is projected into every camera with the
same coordinate conventions as real data (``ctaviewer.coords``), so images are elongated
ellipses whose axes meet at the source and whose timing, charge and truth are consistent:
the whole processing chain, including stereo reconstruction, works on it. Events are made
from a seed and their index, so random access costs one event's simulation.
"""

from __future__ import annotations

from collections.abc import Iterator
from functools import cached_property

import numpy as np

from ..coords import altaz_to_fov, altaz_to_ground_vector, fov_to_camera
from ..event import (
    ArrayEvent,
    Pointing,
    SimulatedShower,
    SimulationConfig,
    TelescopeData,
    TriggerInfo,
)
from ..instrument import (
    CameraDescription,
    CameraGeometry,
    CameraReadout,
    OpticsDescription,
    SiteLocation,
    SubarrayDescription,
    TelescopeDescription,
)
from ..instrument.neighbors import nearest_pixel_sorted, x_order
from .base import EventSource

POINTING_ALT = 70.0
POINTING_AZ = 0.0
PEDESTAL = 100.0  # ADC per sample
HIGH_GAIN_ADC_PER_PE = 10.0  # integral of one p.e. pulse, ADC × samples
LOW_GAIN_RATIO = 16.0
NSB_PE_PER_NS = 0.05
N_SAMPLES = 40
SAMPLE_NS = 1.0
PULSE_SIGMA_NS = 1.5


def hex_grid(n_rings: int, pitch: float) -> tuple[np.ndarray, np.ndarray]:
    """Centres of a hexagonal pixel grid with ``n_rings`` rings around a central pixel."""
    q, r = [], []
    for a in range(-n_rings, n_rings + 1):
        for b in range(max(-n_rings, -a - n_rings), min(n_rings, -a + n_rings) + 1):
            q.append(a)
            r.append(b)
    q = np.array(q, dtype=float)
    r = np.array(r, dtype=float)
    x = pitch * (q + r / 2)
    y = pitch * (np.sqrt(3) / 2) * r
    order = np.lexsort((x, y))
    return x[order], y[order]


def _pulse_template(n: int = 200, step: float = 0.1) -> tuple[np.ndarray, float]:
    t = np.arange(n) * step
    shape = np.exp(-0.5 * ((t - 5.0) / PULSE_SIGMA_NS) ** 2)
    return shape / shape.max(), step


def _toy_telescope(name, size, focal, mirror_area, n_rings, pitch, n_gains) -> TelescopeDescription:
    x, y = hex_grid(n_rings, pitch)
    geometry = CameraGeometry.from_positions(f"{name}Cam", x, y, shape="hexagon")
    ref, step = _pulse_template()
    readout = CameraReadout(
        name=geometry.name,
        sampling_rate_ghz=1.0 / SAMPLE_NS,
        n_samples=N_SAMPLES,
        n_gains=n_gains,
        reference_pulse_shape=np.repeat(ref[None, :], n_gains, axis=0),
        reference_pulse_sample_width_ns=step,
    )
    optics = OpticsDescription(name, size, 1, mirror_area, focal, focal)
    camera = CameraDescription(geometry.name, geometry, readout)
    return TelescopeDescription(name, size, optics, camera)


def toy_subarray() -> SubarrayDescription:
    large = _toy_telescope("ToyLST", "LST", 28.0, 380.0, 22, 0.05, 2)
    medium = _toy_telescope("ToyMST", "MST", 16.0, 100.0, 17, 0.05, 1)
    ids, pos, tels = [], [], {}
    for i, (px, py) in enumerate([(-70, -70), (70, -70), (70, 70), (-70, 70)]):
        ids.append(i + 1)
        pos.append((px, py, 0.0))
        tels[i + 1] = large
    ring = [(0.0, 0.0)] + [
        (200 * np.cos(a), 200 * np.sin(a)) for a in np.deg2rad(np.arange(0, 360, 45))
    ]
    for j, (px, py) in enumerate(ring):
        ids.append(5 + j)
        pos.append((px, py, 0.0))
        tels[5 + j] = medium
    return SubarrayDescription(
        "Toy array", np.array(ids), np.array(pos), tels, SiteLocation(28.76, -17.89, 2200.0)
    )


class ToySource(EventSource):
    """Simulated gamma-ray showers on a toy array (deterministic per seed and index)."""

    name = "toy"
    description = "built-in simulated array"
    extensions = ()

    def __init__(self, path=None, *, n_events: int = 50, seed: int = 1, allowed_tels=None,
                 max_events=None):
        super().__init__(None, allowed_tels=allowed_tels, max_events=max_events)
        if n_events < 1:
            raise ValueError(f"n_events must be >= 1, got {n_events}")
        self.n_total = int(n_events)
        self.seed = int(seed)
        self._subarray = self.select_tels(toy_subarray())
        self._pulse, self._pulse_step = _pulse_template()
        self._x_orders: dict[int, np.ndarray] = {}  # id(geometry) -> its pixels in x order

    @classmethod
    def check(cls, path: str) -> str | None:
        return "the built-in simulated array reads no files"

    @property
    def subarray(self):
        return self._subarray

    @cached_property
    def _simulation_config(self) -> SimulationConfig:
        return SimulationConfig(
            run_number=1, energy_min=0.05, energy_max=50.0, spectral_index=-2.0,
            n_showers=self.n_total, shower_reuse=1, max_scatter_range=400.0,
            min_scatter_range=0.0, viewcone_min=0.0, viewcone_max=0.0,
            max_alt=POINTING_ALT, min_alt=POINTING_ALT, max_az=POINTING_AZ, min_az=POINTING_AZ,
            diffuse=False, core_pos_mode=1, obs_height=2200.0, atmosphere=0,
            corsika_version=0, simtel_version=0, primary="gamma",
        )

    @property
    def simulation_config(self):
        return self._simulation_config

    @property
    def obs_id(self) -> int:
        return 1

    @property
    def data_kind(self) -> str:
        return "simulated waveforms: 40 samples (ToyLST 2 gains, ToyMST 1 gain)"

    @property
    def n_events_known(self) -> int:
        return len(self)

    def _n_events(self) -> int:
        return self.n_total

    def _iter_events(self) -> Iterator[ArrayEvent]:
        for i in range(self.n_total):
            yield self._get_event(i)

    def _get_event(self, index: int) -> ArrayEvent:
        rng = np.random.default_rng([self.seed, index])
        for _attempt in range(100):
            event = self._simulate(index, rng)
            if event is not None:
                return event
        raise RuntimeError("toy simulation failed to trigger")  # pragma: no cover

    # ------------------------------------------------------------------ simulation
    def _simulate(self, index: int, rng: np.random.Generator) -> ArrayEvent | None:
        sub = self._subarray
        # energy from E^-2 between 0.1 and 30 TeV
        u = rng.uniform()
        e_lo, e_hi = 0.1, 30.0
        energy = e_lo * e_hi / (e_hi - u * (e_hi - e_lo))
        offset_r = rng.uniform(0, 0.4)
        offset_phi = rng.uniform(0, 2 * np.pi)
        alt = POINTING_ALT + offset_r * np.sin(offset_phi)
        az = (POINTING_AZ + offset_r * np.cos(offset_phi) / np.cos(np.deg2rad(alt))) % 360
        radius = 250.0 * np.sqrt(rng.uniform())
        phi = rng.uniform(0, 2 * np.pi)
        core = np.array([radius * np.cos(phi), radius * np.sin(phi), 0.0])
        x_max = 300.0 + 80.0 * np.log10(energy / 0.1) + rng.normal(0, 20)
        h_max = 7.8e3 * np.log(1030.0 / x_max)  # isothermal atmosphere
        h_first = h_max + rng.uniform(5e3, 10e3)
        axis = altaz_to_ground_vector(alt, az)

        # emitters: longitudinal Gaussian around h_max, lateral spread ~ Moliere radius
        n_points = int(np.clip(4000 * energy, 200, 40000))
        heights = np.clip(rng.normal(h_max, 2200.0, n_points), 1500.0, h_first)
        along = heights / axis[2]
        perp1 = np.cross(axis, [0.0, 0.0, 1.0])
        perp1 /= np.linalg.norm(perp1)
        perp2 = np.cross(axis, perp1)
        lateral = rng.normal(0, 35.0, (n_points, 2))
        points = core + along[:, None] * axis + lateral[:, :1] * perp1 + lateral[:, 1:] * perp2

        tel_data: dict[int, TelescopeData] = {}
        trig_times = {}
        for tel_id, tel_pos in zip(sub.tel_ids, sub.positions, strict=True):
            desc = sub.tels[int(tel_id)]
            geom = desc.camera.geometry
            d = points - tel_pos
            dist = np.linalg.norm(d, axis=1)
            p_alt = np.rad2deg(np.arcsin(d[:, 2] / dist))
            p_az = np.rad2deg(np.arctan2(-d[:, 1], d[:, 0])) % 360
            lon, lat = altaz_to_fov(p_alt, p_az, POINTING_ALT, POINTING_AZ)
            cx, cy = fov_to_camera(lon, lat, desc.optics.focal_length)
            # light yield: mirror area, falling off with distance from the shower axis
            rel = tel_pos - core
            impact = np.linalg.norm(rel - np.dot(rel, axis) * axis)
            yield_ = desc.optics.mirror_area / 100.0 * 0.6 * np.exp(-impact / 180.0)
            if impact < 120:
                yield_ *= 0.7 + 0.3 * impact / 120.0  # inside the light pool
            n_pe = rng.poisson(yield_, n_points)
            pix = self._pixel_of(geom, cx, cy)
            ok = pix >= 0
            true_image = np.bincount(pix[ok], weights=n_pe[ok], minlength=geom.n_pixels)
            true_image = true_image.astype(np.int32)
            if true_image.sum() < 60:
                continue
            # arrival times: light from lower heights arrives later (ns), relative
            t_path = (dist - along) / 0.2998
            t_pix = np.full(geom.n_pixels, np.nan)
            w = np.bincount(pix[ok], weights=n_pe[ok] * t_path[ok], minlength=geom.n_pixels)
            has = true_image > 0
            t_pix[has] = w[has] / true_image[has]
            t_ref = np.nanmedian(t_pix[has])
            t_pix = 15.0 + np.clip(np.nan_to_num(t_pix - t_ref, nan=0.0), -10, 15)
            tel_data[int(tel_id)] = self._digitise(int(tel_id), desc, true_image, t_pix, rng)
            trig_times[int(tel_id)] = float(rng.uniform(0, 5))
        if len(tel_data) < 2:
            return None
        tel_ids = np.array(sorted(tel_data), dtype=np.int16)
        return ArrayEvent(
            index=index,
            obs_id=1,
            event_id=1000 + index,
            event_type="subarray",
            trigger=TriggerInfo(
                time=1.7e9 + 0.5 * index,
                tels_with_trigger=tel_ids,
                trigger_times_ns=np.array([trig_times[int(t)] for t in tel_ids], np.float32),
                tels_with_data=tel_ids,
            ),
            pointing=Pointing(POINTING_ALT, POINTING_AZ),
            tel=tel_data,
            simulation=SimulatedShower(
                energy=float(energy), alt=float(alt), az=float(az),
                core_x=float(core[0]), core_y=float(core[1]),
                h_first_int=float(h_first), x_max=float(x_max), primary_id=0, shower_num=index,
            ),
        )

    def _pixel_of(self, geom: CameraGeometry, x: np.ndarray, y: np.ndarray) -> np.ndarray:
        order = self._x_orders.get(id(geom))  # the geometries live as long as this source
        if order is None:
            order = self._x_orders[id(geom)] = x_order(geom.pix_x)
        return nearest_pixel_sorted(geom.pix_x, geom.pix_y, order,
                                    np.asarray(x, dtype=np.float64),
                                    np.asarray(y, dtype=np.float64),
                                    float(geom.pixel_width[0] / 2))

    def _digitise(self, tel_id, desc, true_image, t_pix, rng) -> TelescopeData:
        n_pix = len(true_image)
        n_gains = desc.camera.readout.n_gains
        t = np.arange(N_SAMPLES) * SAMPLE_NS
        pulses = np.exp(-0.5 * ((t[None, :] - t_pix[:, None]) / PULSE_SIGMA_NS) ** 2)
        pulses /= np.sqrt(2 * np.pi) * PULSE_SIGMA_NS / SAMPLE_NS  # integral 1 over samples
        nsb = rng.poisson(NSB_PE_PER_NS * N_SAMPLES * SAMPLE_NS, n_pix)
        signal_pe = true_image[:, None] * pulses + (nsb / N_SAMPLES)[:, None]
        gains = [HIGH_GAIN_ADC_PER_PE, HIGH_GAIN_ADC_PER_PE / LOW_GAIN_RATIO][:n_gains]
        wf = np.empty((n_gains, n_pix, N_SAMPLES), dtype=np.uint16)
        noise = rng.normal(0, 1.5, (n_pix, N_SAMPLES))
        for g, adc_per_pe in enumerate(gains):
            adc = PEDESTAL + signal_pe * adc_per_pe + noise * (1.0 if g == 0 else 0.3)
            wf[g] = np.clip(np.rint(adc), 0, 4095 if g == 0 else 65535).astype(np.uint16)
        wf.flags.writeable = False
        ped = np.full((n_gains, n_pix), PEDESTAL, dtype=np.float32)
        dc_to_pe = np.array([[1.0 / g] * n_pix for g in gains], dtype=np.float32)
        ped.flags.writeable = False
        dc_to_pe.flags.writeable = False
        true_image.flags.writeable = False
        return TelescopeData(
            tel_id=tel_id,
            waveform=wf,
            sums=None,
            n_sum_samples=0,
            pedestal_per_sample=ped,
            dc_to_pe=dc_to_pe,
            true_image=true_image,
        )
