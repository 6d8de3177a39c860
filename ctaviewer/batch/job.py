"""One batch job: process one input file into one DL1/DL2 HDF5 file.

``run_job`` is what a worker process (or a Dask worker) runs. It reports progress through
``emit(done, total)`` and stops early when ``should_stop()`` is true; the output appears
under its final name only when complete (see ``writers.atomic``). ``execute_job`` runs it
and turns every failure into a ``JobResult`` (``result_from_exception``: the one place that
says what went wrong), with the warnings the job raised about its input.
"""

from __future__ import annotations

import errno
import os
import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field

from ..config import ProcessingConfig
from ..errors import (
    Cancelled,
    CtaviewerError,
    DamagedFileWarning,
    InputFileError,
    TruncatedFileWarning,
    UnusedSettingWarning,
)
from ..warning_capture import collect_warnings
from .page_release import file_resident_kb, release_if_grown


@dataclass(frozen=True)
class JobSpec:
    """What to do with one input file (picklable, sent to worker processes)."""

    input: str
    output: str
    dl1: bool = True
    dl2: bool = False
    write_images: bool = False
    write_true_images: bool = False
    config: ProcessingConfig | None = None  # None: the defaults
    estimators: str | None = None
    overwrite: bool = False
    max_events: int | None = None
    #: telescopes to process: ids and type names (``io.selection``); None: all
    allowed_tels: tuple[int | str, ...] | None = None
    #: DL2 rows for calibration events too (by default only shower events get them)
    dl2_all_event_types: bool = False
    #: write the muon table of every telescope (the chain runs the muon analysis)
    write_muons: bool = False

    def source_options(self) -> dict:
        """``open_source``'s keyword arguments of the selection (telescopes, events)."""
        from ..io.selection import SourceSelection

        return SourceSelection(self.allowed_tels, self.max_events).source_options()

    def processing_config(self) -> ProcessingConfig:
        """The chain's configuration: the job's, or the defaults; with ``write_muons`` the
        muon analysis is turned on."""
        config = self.config if self.config is not None else ProcessingConfig.default()
        if self.write_muons and not config.muon.enabled:
            config = config.replace(muon__enabled=True)
        return config


@dataclass
class JobResult:
    """What became of one job. ``error`` is one line starting with the input's path."""

    input: str
    output: str | None
    n_events: int = 0
    seconds: float = 0.0
    error: str | None = None
    cancelled: bool = False
    extra: dict = field(default_factory=dict)
    obs_id: int | None = None  # the observation id written into the output
    #: what the job warned about its input (truncated, unknown camera, ...), one line each
    warnings: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.error is None and not self.cancelled


def output_name(input_path: str, out_dir: str, pattern: str, levels: str) -> str:
    """Output path from a naming pattern with {stem}, {name} and {levels}."""
    name = os.path.basename(input_path)
    stem = name
    for ext in (".zst", ".gz", ".simtel", ".h5", ".hdf5"):
        if stem.endswith(ext):
            stem = stem[: -len(ext)]
    return os.path.join(out_dir, pattern.format(stem=stem, name=name, levels=levels))


#: errno of a failed write -> what the user is told (the output is named with it)
_WRITE_ERRNOS = (errno.ENOSPC, errno.EDQUOT, errno.EFBIG)


def result_from_exception(spec: JobSpec, exc: BaseException) -> JobResult:
    """The ``JobResult`` of a job that raised ``exc``: cancelled, or failed with one line
    naming the input (and the output where writing it failed) and the cause."""
    if isinstance(exc, Cancelled):
        return JobResult(spec.input, None, cancelled=True)
    if isinstance(exc, CtaviewerError):
        text = str(exc)
    elif isinstance(exc, OSError) and exc.errno in _WRITE_ERRNOS:
        from ..writers.atomic import write_error_text

        where = exc.filename or _written_by(exc)
        text = f"{where}: cannot write: {write_error_text(exc)}"
    elif isinstance(exc, OSError) and exc.strerror:
        where = f"{exc.filename}: " if exc.filename else ""
        text = f"{where}{exc.strerror}"
    elif isinstance(exc, MemoryError):
        text = "out of memory"
    else:
        text = f"{type(exc).__name__}: {exc}"
    text = " ".join(text.split())  # one line
    if spec.input not in text:
        text = f"{spec.input}: {text}"
    return JobResult(spec.input, None, error=text)


def _written_by(exc: BaseException) -> str:
    """Who failed to write, for an OSError that names no file: numba's cache (a full
    NUMBA_CACHE_DIR or TMPDIR), or the module where it was raised."""
    tb, module = exc.__traceback__, None
    while tb is not None:
        module = tb.tb_frame.f_globals.get("__name__", module)
        tb = tb.tb_next
    if module and module.split(".")[0] == "numba":
        import sys

        config = sys.modules.get("numba.core.config")
        folder = getattr(config, "CACHE_DIR", "") or os.environ.get("NUMBA_CACHE_DIR", "")
        return f"numba's cache folder {folder}".rstrip() + " (compiled code)"
    return f"a file written by {module}" if module else "a file"


def execute_job(
    spec: JobSpec,
    emit: Callable[[int, int | None], None] | None = None,
    should_stop: Callable[[], bool] | None = None,
) -> JobResult:
    """``run_job`` that returns failures and cancels as a ``JobResult`` instead of raising
    (``KeyboardInterrupt`` and ``SystemExit`` still propagate); the warnings about the input
    are in ``JobResult.warnings`` whatever the outcome."""
    with collect_warnings() as caught:
        try:
            result = _run_job(spec, emit, should_stop)
        except Exception as exc:
            result = result_from_exception(spec, exc)
    result.warnings = name_input(spec.input, caught.messages)
    return result


def name_input(path: str, messages) -> list[str]:
    return [" ".join((m if path in m else f"{path}: {m}").split()) for m in messages]


def run_job(
    spec: JobSpec,
    emit: Callable[[int, int | None], None] | None = None,
    should_stop: Callable[[], bool] | None = None,
) -> JobResult:
    """Process ``spec.input``; raises typed errors for bad input, ``Cancelled`` on stop.

    ctaviewer's warnings about the input are returned in ``JobResult.warnings`` (not
    printed: a worker's stderr would show them in Python's format, source lines and all).
    """
    with collect_warnings() as caught:
        result = _run_job(spec, emit, should_stop)
    result.warnings = name_input(spec.input, caught.messages)
    return result


def load_model(spec: JobSpec):
    """The estimators a DL2 job applies (None: no estimates)."""
    if spec.dl2 and spec.estimators:
        from ..estimators.model import LookupModel

        return LookupModel.load(spec.estimators)
    return None


def open_writer(spec: JobSpec, source, config: ProcessingConfig, model):
    """The output file of ``spec`` for the events of ``source`` (written under a temporary
    name until closed)."""
    from ..writers.event_file import EventFileWriter

    return EventFileWriter(
        spec.output,
        source.subarray,
        obs_id=source.obs_id,
        simulation_config=source.simulation_config,
        atmosphere_profile=source.atmosphere_profile,
        pointing=source.array_pointing,
        dl1=spec.dl1,
        dl2=spec.dl2,
        write_images=spec.write_images,
        write_true_images=spec.write_true_images,
        # the muon table, with --muons or a configuration that runs the muon analysis
        write_muons=spec.write_muons or config.muon.enabled,
        energy=model is not None,
        gammaness=model is not None,
        input_files=[spec.input],
        config_toml=config.to_toml(),
        extra_provenance={"estimators": spec.estimators or ""},
        overwrite=spec.overwrite,
        dl2_all_event_types=spec.dl2_all_event_types,
    )


def job_result(spec: JobSpec, writer, model, source, t0: float) -> JobResult:
    extra = {}
    if model is not None:
        extra = {"no_energy": model.n_no_energy, "no_gammaness": model.n_no_gammaness}
    return JobResult(
        spec.input, spec.output, writer.n_events, time.perf_counter() - t0, extra=extra,
        obs_id=source.obs_id,
    )


def _run_job(spec, emit, should_stop) -> JobResult:
    from ..io import open_source
    from ..pipeline import Pipeline

    t0 = time.perf_counter()
    config = spec.processing_config()
    model = load_model(spec)
    with open_source(spec.input, **spec.source_options()) as source:
        pipeline = Pipeline(source.subarray, config)
        warn_unused_overrides(config, source.subarray)
        total = source.n_events_known
        writer = open_writer(spec, source, config, model)
        with writer:
            with collect_warnings() as about_input:
                pages = file_resident_kb()
                for n, event in enumerate(source):
                    if should_stop is not None and should_stop():
                        raise Cancelled(spec.input)
                    result = pipeline.process(event)
                    if n == 0:  # the kernels are loaded: the LLVM pages that did it go
                        release_if_grown(pages)
                    if model is not None:
                        result = model.apply(result, source.subarray)
                    writer.write(event, result)
                    if emit is not None:
                        emit(writer.n_events, total)
            for category, text in about_input.items:  # on to the job's own warnings
                warnings.warn(category(text), stacklevel=1)
            if writer.n_events == 0:
                raise_if_cut(spec.input, about_input.items)
            writer.write_shower_distribution(source.shower_distribution)
    return job_result(spec, writer, model, source, t0)


def warn_unused_overrides(config: ProcessingConfig, subarray) -> None:
    """``UnusedSettingWarning`` for each camera override that names no camera here
    (``pipeline.unused_overrides``): a warning of the job, whole or split."""
    from ..pipeline import unused_overrides

    for text in unused_overrides(config, subarray):
        warnings.warn(UnusedSettingWarning(text), stacklevel=2)


def raise_if_cut(path: str, items) -> None:
    """A file that yielded no event because it is cut or damaged is an input error (no
    output is written); one whose data holds no event is not (an empty run: its output
    holds the run's simulation headers, with a warning)."""
    for category, text in items:
        if issubclass(category, TruncatedFileWarning | DamagedFileWarning):
            cause = text[len(path) + 2:] if text.startswith(f"{path}: ") else text
            raise InputFileError(path, f"no complete event to process ({cause}); nothing "
                                       "written")


class Throttle:
    """Calls ``callback(*args)`` at most once per ``interval`` seconds (the first call always
    passes; ``force=True`` passes too): the one rate limit of batch progress reports."""

    def __init__(self, callback: Callable, interval: float):
        self.callback = callback
        self.interval = interval
        self._last = None

    def __call__(self, *args, force: bool = False) -> bool:
        now = time.monotonic()
        if not force and self._last is not None and now - self._last < self.interval:
            return False
        self._last = now
        self.callback(*args)
        return True


def empty_output_warnings(results) -> list[str]:
    """One warning per output written without events (its simulation header counts, so it
    is written, but never silently)."""
    return [f"warning: {r.input}: no events to process; {r.output} holds no events"
            for r in results if r.ok and r.n_events == 0]


def duplicate_obs_id_warnings(results) -> list[str]:
    """One warning per obs_id that several written outputs share.

    Each input's run number becomes its obs_id. Outputs that share one cannot be merged
    (ctapipe's HDF5 merger refuses obs_ids it has already seen), and a DL3 folder needs unique
    OBS_IDs (gammapy's DataStore finds observations by them): DL3 gives the later files new ids.
    """
    holders: dict[int, list[str]] = {}
    for r in results:
        if r.ok and r.obs_id is not None:
            holders.setdefault(int(r.obs_id), []).append(os.path.basename(r.input))
    return [
        f"warning: obs_id {obs_id} is shared by {', '.join(names)}: these outputs cannot be "
        f"merged into one file (ctapipe-merge refuses repeated obs_ids), and DL3 gives all but "
        f"the first a new OBS_ID"
        for obs_id, names in sorted(holders.items()) if len(names) > 1
    ]


def make_specs(
    inputs,
    out_dir: str,
    *,
    pattern: str = "{stem}.{levels}.h5",
    levels=("dl1",),
    write_images: bool = False,
    write_true_images: bool = False,
    config: ProcessingConfig | None = None,
    estimators: str | None = None,
    overwrite: bool = False,
    max_events: int | None = None,
    dl2_all_event_types: bool = False,
    write_muons: bool = False,
    allowed_tels=None,
) -> list[JobSpec]:
    """One JobSpec per input; raises ValueError when two inputs map to one output name."""
    levels = [x for x in levels if x in ("dl1", "dl2")]
    if not levels:
        raise ValueError("choose at least one of the levels dl1, dl2")
    tag = "_".join(levels)
    from ..io.selection import SourceSelection

    selection = SourceSelection(allowed_tels, max_events)  # ConfigError (a ValueError)
    specs, seen = [], set()
    for path in inputs:
        out = output_name(path, out_dir, pattern, tag)
        if out in seen:
            raise ValueError(f"{path}: output name {out} is used twice; change the pattern")
        seen.add(out)
        specs.append(JobSpec(
            input=str(path), output=out, dl1="dl1" in levels, dl2="dl2" in levels,
            write_images=write_images, write_true_images=write_true_images,
            config=config, estimators=estimators, overwrite=overwrite,
            max_events=selection.max_events, allowed_tels=selection.allowed_tels,
            dl2_all_event_types=dl2_all_event_types, write_muons=write_muons,
        ))
    return specs
