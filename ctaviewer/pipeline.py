"""The processing chain: R1 → DL0 → DL1 (image, parameters) → DL2 geometry, for one event
on demand (the GUI) or a stream of events (batch).

    pipeline = Pipeline(source.subarray, ProcessingConfig.default())
    result = pipeline.process(event)           # EventResult, immutable
    for result in pipeline.stream(source): ...

A pipeline holds no per-event state: ``process`` can run in a worker thread while other
threads read earlier results. ``with_config`` makes a new pipeline that shares the
geometry-derived caches (neighbours, border rings, integration corrections) with this one.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator

import numpy as np

from .calib import calibrate, shifted_peak_time
from .calib.monitoring import summarize
from .config import ProcessingConfig
from .event import ArrayEvent
from .image import CameraContext, clean, extract, handle_invalid, image_parameters
from .reco import RECONSTRUCTORS, QualityQuery
from .results import (
    IMAGE_PARAMETER_NAMES,
    EventResult,
    StereoResult,
    TelescopeResult,
    empty_parameters,
)

#: why a calibration event has no shower geometry
CALIBRATION_NOT_RECONSTRUCTED = "calibration event: not a shower, not reconstructed"


def _frozen(a: np.ndarray | None) -> np.ndarray | None:
    if a is not None:
        a.setflags(write=False)
    return a


class _Contexts:
    """Camera contexts keyed by (camera, focal length), shared between pipelines."""

    def __init__(self, subarray):
        self.subarray = subarray
        self._by_key: dict[tuple, CameraContext] = {}
        self._by_tel: dict[int, CameraContext] = {}
        self._lock = threading.Lock()

    def of(self, tel_id: int) -> CameraContext:
        ctx = self._by_tel.get(tel_id)
        if ctx is not None:
            return ctx
        with self._lock:
            desc = self.subarray.tels[tel_id]
            key = (id(desc.camera), round(float(desc.optics.focal_length), 6))
            ctx = self._by_key.get(key)
            if ctx is None:
                ctx = CameraContext(
                    desc.camera.geometry, desc.camera.readout, desc.optics.focal_length
                ).warm()
                self._by_key[key] = ctx
            self._by_tel[tel_id] = ctx
        return ctx


def unused_overrides(config: ProcessingConfig, subarray) -> list[str]:
    """What to say of ``camera_overrides`` that name no camera of ``subarray`` and no camera
    type known here (names are matched exactly, so "LSTcam" applies to nothing): one
    sentence each, with the camera names the input has. An override of a known camera type
    the input lacks (a FlashCam setting on an LST-only file) is not said: a configuration
    serves many files."""
    from .instrument.names import KNOWN_TELESCOPES

    here = sorted({c.name for c in subarray.camera_types})
    known = {t.camera for t in KNOWN_TELESCOPES.values()} | set(here)
    out = []
    for name in config.camera_overrides:
        if name in known:
            continue
        close = [c for c in sorted(known) if c.lower() == str(name).lower()]
        hint = f" (did you mean {close[0]}? camera names are case-sensitive)" if close else ""
        out.append(f"camera_overrides.{name} names no camera of this input, which has "
                   f"{', '.join(here) or 'none'}: it changes nothing{hint}")
    return out


class Pipeline:
    """Calibrate, extract, clean, parametrise and reconstruct, driven by a ProcessingConfig."""

    def __init__(self, subarray, config: ProcessingConfig | None = None, *, _contexts=None):
        self.subarray = subarray
        self._config = config if config is not None else ProcessingConfig.default()
        self._contexts = _contexts if _contexts is not None else _Contexts(subarray)
        self._camera_configs: dict[str, tuple] = {}
        #: tel_id -> (context, extractor config, cleaning config): looked up once per
        #: telescope instead of at each of its events
        self._per_tel: dict[int, tuple] = {}
        self._quality = QualityQuery(self._config.quality.query, IMAGE_PARAMETER_NAMES)
        self._reconstruct = RECONSTRUCTORS.get(self._config.stereo.name)
        self._muons = None
        if self._config.muon.enabled:
            from .muon import MuonAnalysis

            self._muons = MuonAnalysis(subarray, self._config.muon)

    @property
    def config(self) -> ProcessingConfig:
        return self._config

    def with_config(self, config: ProcessingConfig) -> Pipeline:
        """A pipeline with another configuration, sharing this one's geometry caches."""
        return Pipeline(self.subarray, config, _contexts=self._contexts)

    def _camera_config(self, camera_name: str):
        cfgs = self._camera_configs.get(camera_name)
        if cfgs is None:
            cfgs = self._config.for_camera(camera_name)
            self._camera_configs[camera_name] = cfgs
        return cfgs

    # ------------------------------------------------------------------ one telescope
    def process_telescope(self, event: ArrayEvent, tel_id: int, timing: dict | None = None):
        """DL1 of one telescope of ``event`` as a TelescopeResult. The image of a calibration
        event (``event.is_calibration``) is calibrated and extracted, never cleaned or
        parametrised: its mask is empty, its parameters those of an image that was not
        parametrised, and ``calibration_stats`` summarises its charges instead."""
        data = event.tel[tel_id]
        per_tel = self._per_tel.get(tel_id)
        if per_tel is None:
            per_tel = (self._contexts.of(tel_id),
                       *self._camera_config(self.subarray.tels[tel_id].camera.name))
            self._per_tel[tel_id] = per_tel
        ctx, ext_cfg, cln_cfg = per_tel
        cal_cfg = self._config.calibration
        broken = data.broken_pixels
        t0 = time.perf_counter()
        cal = calibrate(data, cal_cfg.gain_threshold)
        t1 = time.perf_counter()
        if cal.waveform is not None:
            ex = extract(ext_cfg.name, cal.waveform, cal.selected_gain, ctx, ext_cfg, broken)
            image, peak_time = ex.charge, ex.peak_time
            window_start, window_width = ex.window_start, ex.window_width
            if cal_cfg.apply_peak_time_shift:
                peak_time = shifted_peak_time(peak_time, data.time_shift_ns, cal.selected_gain)
        else:
            image = cal.charge
            window_start, window_width = None, 0
            if cal_cfg.sums_peak_time == "zero":
                peak_time = np.zeros(len(image), dtype=np.float32)
            elif data.peak_time_ns is not None:
                peak_time = np.asarray(data.peak_time_ns, dtype=np.float32)
                if cal_cfg.apply_peak_time_shift:
                    peak_time = shifted_peak_time(
                        peak_time, data.time_shift_ns, cal.selected_gain
                    )
                else:
                    peak_time = peak_time.copy()
            else:
                peak_time = np.full(len(image), np.nan, dtype=np.float32)
        image, peak_time = handle_invalid(
            cal_cfg.invalid_pixel_handler, image, peak_time, broken, ctx
        )
        t2 = time.perf_counter()
        calibration_stats = None
        if event.is_calibration:
            mask = np.zeros(len(image), dtype=bool)
            t3 = time.perf_counter()
            params, passes = empty_parameters(), False
            calibration_stats = summarize(image, data.pixel_status)
        else:
            mask = clean(cln_cfg.name, image, peak_time, ctx, cln_cfg)
            t3 = time.perf_counter()
            params = image_parameters(ctx, image, peak_time, mask,
                                      self._config.parameters.timing_fit)
            passes = self._quality(params)
        t4 = time.perf_counter()
        true_params = None
        if data.true_image is not None:  # as ctapipe: the true image, pixels with >= 1 p.e.
            true_image = np.asarray(data.true_image, dtype=np.float32)
            true_params = image_parameters(ctx, true_image, None, true_image > 0)
        t5 = time.perf_counter()
        if timing is not None:
            for key, dt in (
                ("calibrate", t1 - t0),
                ("extract", t2 - t1),
                ("clean", t3 - t2),
                ("parameters", t4 - t3),
                ("true_parameters", t5 - t4),
            ):
                timing[key] = timing.get(key, 0.0) + 1e3 * dt
        return TelescopeResult(
            tel_id=int(tel_id),
            image=_frozen(image),
            peak_time=_frozen(peak_time),
            mask=_frozen(mask),
            parameters=params,
            passes_quality=bool(passes),
            selected_gain=_frozen(cal.selected_gain),
            waveform=_frozen(cal.waveform),
            window_start=_frozen(window_start),
            window_width=int(window_width),
            true_parameters=true_params,
            calibration_stats=calibration_stats,
        )

    # ------------------------------------------------------------------ one event
    def process(self, event: ArrayEvent) -> EventResult:
        """Everything for one array event; an invalid geometry is NaN with is_valid False and
        its reason (``geometry.invalid_reason``). A calibration event is not reconstructed
        (``CALIBRATION_NOT_RECONSTRUCTED``)."""
        timing: dict[str, float] = {}
        tels = {t: self.process_telescope(event, t, timing) for t in event.tel}
        if event.is_calibration:
            timing["total"] = sum(timing.values())
            return EventResult(
                index=event.index, obs_id=event.obs_id, event_id=event.event_id, tel=tels,
                geometry=StereoResult(invalid_reason=CALIBRATION_NOT_RECONSTRUCTED),
                timing_ms=timing,
            )
        muons = {}
        if self._muons is not None:
            t0 = time.perf_counter()
            muons = {t: self.process_muon(r) for t, r in tels.items()}
            timing["muon"] = 1e3 * (time.perf_counter() - t0)
        t0 = time.perf_counter()
        good = {t: r.parameters for t, r in tels.items() if r.passes_quality}
        stereo = self._config.stereo
        reco = self._reconstruct(
            self.subarray, event.pointing, good, stereo.weighting, stereo.min_telescopes
        )
        timing["stereo"] = 1e3 * (time.perf_counter() - t0)
        timing["total"] = sum(timing.values())
        return EventResult(
            index=event.index,
            obs_id=event.obs_id,
            event_id=event.event_id,
            tel=tels,
            geometry=reco.geometry,
            impact=reco.impact,
            core_psi=reco.core_psi,
            muon=muons,
            timing_ms=timing,
        )

    def process_muon(self, tel_result: TelescopeResult):
        """The muon analysis (``config.muon``) of one telescope's DL1 (a MuonResult); None
        when the muon analysis is not enabled."""
        if self._muons is None:
            return None
        tel_id = tel_result.tel_id
        return self._muons.analyse(tel_id, tel_result.image, tel_result.peak_time,
                                   tel_result.mask, tel_result.parameters,
                                   self._contexts.of(tel_id))

    # ------------------------------------------------------------------ many events
    def stream(
        self,
        source,
        progress: Callable[[int, int | None], None] | None = None,
        should_stop: Callable[[], bool] | None = None,
    ) -> Iterator[EventResult]:
        """Process every event of ``source`` in order.

        ``progress(n_done, n_total)`` is called after each event (``n_total`` is None when
        the source does not know its length without reading); ``should_stop()`` is asked
        before each event and ends the stream cleanly when it returns True.
        """
        total = source.n_events_known
        done = 0
        for event in source:
            if should_stop is not None and should_stop():
                return
            result = self.process(event)
            done += 1
            if progress is not None:
                progress(done, total)
            yield result


def warm_up() -> float:
    """Load (or compile) every numba kernel of the chain on a tiny synthetic camera.

    The first kernel call of a process initialises numba's code generator (~0.2 s, holding
    the GIL for up to ~50 ms at a time); an application calls this once at start-up, in a
    background thread, so that the first event a user opens is processed at full speed.
    Returns the seconds it took.
    """
    from .config import EXTRACTORS, TailcutsConfig
    from .event import TelescopeData
    from .instrument import CameraGeometry, CameraReadout

    t0 = time.perf_counter()
    x = np.array([0.0, 1.0, 0.5, -0.5, -1.0, -0.5, 0.5])
    y = np.array([0.0, 0.0, 0.866, 0.866, 0.0, -0.866, -0.866])
    geom = CameraGeometry.from_positions("warm-up", 0.05 * x, 0.05 * y)
    pulse = np.exp(-0.5 * ((np.arange(40) - 10.0) / 3.0) ** 2)[None, :]
    ctx = CameraContext(geom, CameraReadout("warm-up", 1.0, 16, 2, pulse, 0.25), 16.0)
    wf = np.full((2, 7, 16), 100, dtype=np.uint16)
    wf[0, :, 6] = 400
    ped = np.full((2, 7), 100.0, dtype=np.float32)
    dc = np.ones((2, 7), dtype=np.float32)
    status = np.zeros(7, dtype=np.uint8)
    status[3] = 1  # one broken pixel: the invalid-pixel kernel is loaded too
    for data in (
        TelescopeData(0, wf, None, 0, ped, dc, pixel_status=status,
                      time_shift_ns=np.zeros((2, 7), dtype=np.float32)),
        TelescopeData(0, None, wf.sum(axis=2).astype(np.int32), 16, ped, dc),
    ):
        cal = calibrate(data)
        if cal.waveform is None:
            continue
        cln = TailcutsConfig(
            picture_threshold=1.0, boundary_threshold=0.5, time_limit_ns=5.0, n_dilation_rings=1
        )
        for name in ("neighbor_peak", "two_pass"):
            ext_cfg = EXTRACTORS.get(name).config(window_width=5, window_shift=2)
            ex = extract(name, cal.waveform, cal.selected_gain, ctx, ext_cfg, data.broken_pixels)
            peak_time = shifted_peak_time(ex.peak_time, data.time_shift_ns, cal.selected_gain)
            image, peak_time = handle_invalid(
                "neighbor_average", ex.charge, peak_time, data.broken_pixels, ctx
            )
            mask = clean("tailcuts", image, peak_time, ctx, cln)
            image_parameters(ctx, image, peak_time, mask)
    return time.perf_counter() - t0


__all__ = ["Pipeline", "warm_up"]
