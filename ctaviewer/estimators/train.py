"""Train the lookup tables from simulation files, streaming (two passes, histograms only).

Pass 1 runs the processing chain over the gamma files and fills the energy, width and
length tables; pass 2 runs over gamma and proton files and fills the gammaness
histograms, which need the width/length tables of pass 1.

Inputs are whatever ``open_source`` reads: sim_telarray files, and DL1 HDF5 files. A DL1
file with images is re-processed like a simulation file; a DL1 file with parameters only
(the default of ``ctaviewer process``) is used as stored: its parameters go through this
configuration's quality cuts and stereo reconstruction (cleaning settings do not apply).

``run_training`` is what ``ctaviewer train`` and the GUI's Train dialog both run: train,
save, and return the summary that ``format_summary`` turns into the report lines. Progress
lines (the passes, each file read) go to ``log`` when given, else to this module's logger
(INFO; each file opened at DEBUG).
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Callable

from ..config import ProcessingConfig
from ..errors import Cancelled
from ..io import DataLevel, open_source
from ..pipeline import Pipeline
from ..results import EventResult
from .model import LookupModel, features

logger = logging.getLogger(__name__)


def _stored_results(source, config: ProcessingConfig):
    """``process(event)`` for a DL1 file without images: stored parameters, this config's
    quality cuts, and the stereo reconstruction redone from them."""
    from ..reco import RECONSTRUCTORS, QualityQuery
    from ..results import IMAGE_PARAMETER_NAMES

    quality = QualityQuery(config.quality.query, IMAGE_PARAMETER_NAMES)
    reconstruct = RECONSTRUCTORS.get(config.stereo.name)
    stereo = config.stereo

    def process(event) -> EventResult:
        stored = source.result(event.index)
        tels = {t: dataclasses.replace(r, passes_quality=bool(r.parameters)
                                       and bool(quality(r.parameters)))
                for t, r in stored.tel.items()}
        good = {t: r.parameters for t, r in tels.items() if r.passes_quality}
        reco = reconstruct(source.subarray, event.pointing, good, stereo.weighting,
                           stereo.min_telescopes)
        return EventResult(stored.index, stored.obs_id, stored.event_id, tels, reco.geometry,
                           impact=reco.impact, core_psi=reco.core_psi)

    return process


def _processor(source, config: ProcessingConfig, log, path):
    if source.data_level is DataLevel.DL1_PARAMETERS:
        log(f"{path}: DL1 parameters without images: using the stored parameters")
        return _stored_results(source, config)
    return Pipeline(source.subarray, config).process


class _Progress:
    """Fraction of the whole training done: pass 1 reads the gammas, pass 2 gammas and
    protons; a file counts by its events when its length is known, else when done."""

    def __init__(self, n_steps: int, report: Callable[[float], None] | None):
        self.n_steps = max(1, n_steps)
        self.report = report
        self.steps_done = 0

    def file(self, done: int, total: int | None) -> None:
        if self.report is not None:
            part = min(1.0, done / total) if total else 0.0
            self.report(min(1.0, (self.steps_done + part) / self.n_steps))

    def file_done(self) -> None:
        self.steps_done += 1
        if self.report is not None:
            self.report(min(1.0, self.steps_done / self.n_steps))


def _events(paths, config, log, should_stop, progress: _Progress):
    for path in paths:
        with open_source(path) as source:
            process = _processor(source, config, log, path)
            total = source.n_events_known
            logger.debug("%s: opened (%s reader, %s)", path, source.name,
                         "length unknown" if total is None else f"{total} events")
            n = seen = 0
            for event in source:
                if should_stop is not None and should_stop():
                    return
                seen += 1
                if event.event_type == "subarray":
                    n += 1
                    yield event, process(event), source.subarray
                progress.file(seen, total)
            log(f"{path}: {n} events")
        progress.file_done()


def train(
    gamma_files,
    proton_files=(),
    config: ProcessingConfig | None = None,
    *,
    log: Callable[[str], None] | None = None,
    should_stop: Callable[[], bool] | None = None,
    progress: Callable[[float], None] | None = None,
) -> LookupModel:
    """Lookup tables from gamma (and proton) simulation files.

    ``progress(fraction)`` is called as events are read; ``should_stop()`` is asked before
    each event and ends the training early (the returned tables are then incomplete).
    """
    config = config or ProcessingConfig.default()
    log = log or logger.info
    gamma_files, proton_files = list(gamma_files), list(proton_files)
    model = LookupModel(config.to_toml())
    steps = _Progress(2 * len(gamma_files) + len(proton_files), progress)
    log("pass 1/2: energy, width and length tables from gammas")
    for event, result, subarray in _events(gamma_files, config, log, should_stop, steps):
        if event.simulation is not None:
            model.fill_tables(features(result, subarray), event.simulation.energy)
    log("pass 2/2: gammaness histograms from gammas and protons")
    for files, particle in ((gamma_files, "gamma"), (proton_files, "proton")):
        for _, result, subarray in _events(files, config, log, should_stop, steps):
            model.fill_classes(features(result, subarray), particle)
    return model


def run_training(
    gamma_files,
    proton_files,
    output,
    config: ProcessingConfig | None = None,
    *,
    log: Callable[[str], None] | None = None,
    should_stop: Callable[[], bool] | None = None,
    progress: Callable[[float], None] | None = None,
) -> dict:
    """Train, write the tables to ``output`` (atomically) and return ``model.summary()``.

    Raises ``errors.Cancelled`` (writing nothing) when ``should_stop()`` turned true.
    """
    log = log or logger.info
    model = train(gamma_files, proton_files, config, log=log, should_stop=should_stop,
                  progress=progress)
    if should_stop is not None and should_stop():
        raise Cancelled("training cancelled: no tables written")
    model.save(output)
    log(f"wrote {output}")
    return model.summary()


#: fewer training events than this per class gives sparse tables (a warning is added)
FEW_EVENTS = 1000


def format_summary(summary: dict, output) -> tuple[list[str], list[str]]:
    """(report lines, warnings) of a training summary, as ``ctaviewer train`` prints them."""
    ev, im = summary["events"], summary["images"]
    lines = [f"trained on {ev['gamma']} gamma events ({im['gamma']} images) and "
             f"{ev['proton']} proton events ({im['proton']} images) -> {output}"]
    for name, t in summary["telescope_types"].items():
        lines.append(f"  {name}: {t['images']} images in {t['filled_bins']}/{t['bins']} bins, "
                     f"at most {t['max_per_bin']} per bin")
    warnings = []
    if not summary["telescope_types"]:
        warnings.append("no telescope image passed the cuts: the tables are empty")
    if ev["gamma"] < FEW_EVENTS or ev["proton"] < FEW_EVENTS:
        warnings.append("very few training events: tables are sparse, many events will "
                        "get NaN energy/gammaness")
    return lines, warnings
