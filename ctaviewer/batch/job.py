"""One batch job: process one input file into one DL1/DL2 HDF5 file.

``run_job`` is what a worker process (or a Dask worker) runs. It reports progress through
``emit(done, total)`` and stops early when ``should_stop()`` is true; the output appears
under its final name only when complete (see ``writers.atomic``).
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from ..warning_capture import collect_warnings


@dataclass(frozen=True)
class JobSpec:
    """What to do with one input file (picklable, sent to worker processes)."""

    input: str
    output: str
    dl1: bool = True
    dl2: bool = False
    write_images: bool = False
    write_true_images: bool = False
    config_toml: str = ""
    estimators: str | None = None
    overwrite: bool = False
    max_events: int | None = None


@dataclass
class JobResult:
    input: str
    output: str | None
    n_events: int = 0
    seconds: float = 0.0
    error: str | None = None
    cancelled: bool = False
    extra: dict = field(default_factory=dict)
    obs_id: int | None = None  # the observation id written into the output
    #: what the readers warned about this input (truncated, unknown camera), as text
    warnings: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.error is None and not self.cancelled


class Cancelled(Exception):
    """The job was asked to stop; its partial output was removed."""


def output_name(input_path: str, out_dir: str, pattern: str, levels: str) -> str:
    """Output path from a naming pattern with {stem}, {name} and {levels}."""
    name = os.path.basename(input_path)
    stem = name
    for ext in (".zst", ".gz", ".simtel", ".h5", ".hdf5"):
        if stem.endswith(ext):
            stem = stem[: -len(ext)]
    return os.path.join(out_dir, pattern.format(stem=stem, name=name, levels=levels))


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
    result.warnings = caught.messages
    return result


def _run_job(spec, emit, should_stop) -> JobResult:
    from ..config import ProcessingConfig
    from ..io import open_source
    from ..pipeline import Pipeline
    from ..writers.event_file import EventFileWriter

    t0 = time.perf_counter()
    config = (
        ProcessingConfig.from_toml(spec.config_toml)
        if spec.config_toml.strip() else ProcessingConfig.default()
    )
    model = None
    if spec.dl2 and spec.estimators:
        from ..estimators.model import LookupModel

        model = LookupModel.load(spec.estimators)
    with open_source(spec.input, max_events=spec.max_events) as source:
        pipeline = Pipeline(source.subarray, config)
        total = source.n_events_known
        writer = EventFileWriter(
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
            energy=model is not None,
            gammaness=model is not None,
            input_files=[spec.input],
            config_toml=config.to_toml(),
            extra_provenance={"estimators": spec.estimators or ""},
            overwrite=spec.overwrite,
        )
        with writer:
            for event in source:
                if should_stop is not None and should_stop():
                    raise Cancelled(spec.input)
                result = pipeline.process(event)
                if model is not None:
                    result = model.apply(result, source.subarray)
                writer.write(event, result)
                if emit is not None:
                    emit(writer.n_events, total)
            writer.write_shower_distribution(source.shower_distribution)
    extra = {}
    if model is not None:
        extra = {"no_energy": model.n_no_energy, "no_gammaness": model.n_no_gammaness}
    return JobResult(
        spec.input, spec.output, writer.n_events, time.perf_counter() - t0, extra=extra,
        obs_id=source.obs_id,
    )


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
    config_toml: str = "",
    estimators: str | None = None,
    overwrite: bool = False,
    max_events: int | None = None,
) -> list[JobSpec]:
    """One JobSpec per input; raises ValueError when two inputs map to one output name."""
    levels = [x for x in levels if x in ("dl1", "dl2")]
    if not levels:
        raise ValueError("choose at least one of the levels dl1, dl2")
    tag = "_".join(levels)
    specs, seen = [], set()
    for path in inputs:
        out = output_name(path, out_dir, pattern, tag)
        if out in seen:
            raise ValueError(f"{path}: output name {out} is used twice; change the pattern")
        seen.add(out)
        specs.append(JobSpec(
            input=str(path), output=out, dl1="dl1" in levels, dl2="dl2" in levels,
            write_images=write_images, write_true_images=write_true_images,
            config_toml=config_toml, estimators=estimators, overwrite=overwrite,
            max_events=max_events,
        ))
    return specs
