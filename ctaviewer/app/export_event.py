"""Export the current event's processing result as a DL1 (+DL2) HDF5 file."""

from __future__ import annotations


def export_event_dl1(session, path: str) -> str:
    """Write the current event and its result with the writers' EventFileWriter."""
    from ctaviewer.writers.event_file import EventFileWriter

    if session.array_event is None or session.result is None:
        raise ValueError("no processed event to export (wait for processing to finish)")
    src = session.source
    toml = session.config.to_toml() if session.config is not None else ""
    with EventFileWriter(path, src.subarray, obs_id=src.obs_id,
                         simulation_config=src.simulation_config, dl1=True, dl2=True,
                         write_images=True, write_true_images=True, energy=False,
                         gammaness=False, input_files=[src.path] if src.path else [],
                         config_toml=toml, overwrite=True) as writer:
        writer.write(session.array_event, session.result)
    return path
