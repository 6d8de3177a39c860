"""Train the lookup tables from simulation files, streaming (two passes, histograms only).

Pass 1 runs the processing chain over the gamma files and fills the energy, width and
length tables; pass 2 runs over gamma and proton files and fills the gammaness
histograms, which need the width/length tables of pass 1.
"""

from __future__ import annotations

from collections.abc import Callable

from ..config import ProcessingConfig
from ..io import open_source
from ..pipeline import Pipeline
from .model import LookupModel, features


def _events(paths, config, log, should_stop):
    for path in paths:
        with open_source(path) as source:
            pipeline = Pipeline(source.subarray, config)
            n = 0
            for event in source:
                if should_stop is not None and should_stop():
                    return
                if event.event_type != "subarray":
                    continue
                n += 1
                yield event, pipeline.process(event), source.subarray
            log(f"{path}: {n} events")


def train(
    gamma_files,
    proton_files=(),
    config: ProcessingConfig | None = None,
    *,
    log: Callable[[str], None] = print,
    should_stop: Callable[[], bool] | None = None,
) -> LookupModel:
    """Lookup tables from gamma (and proton) simulation files."""
    config = config or ProcessingConfig.default()
    model = LookupModel(config.to_toml())
    log("pass 1/2: energy, width and length tables from gammas")
    for event, result, subarray in _events(gamma_files, config, log, should_stop):
        if event.simulation is not None:
            model.fill_tables(features(result, subarray), event.simulation.energy)
    log("pass 2/2: gammaness histograms from gammas and protons")
    for files, particle in ((gamma_files, "gamma"), (proton_files, "proton")):
        for _, result, subarray in _events(files, config, log, should_stop):
            model.fill_classes(features(result, subarray), particle)
    return model
