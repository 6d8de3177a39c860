"""From a DL3 event back to the file it came from, for the event display.

ctaviewer's DL3 writer records the DL2 file of each observation in the EVENTS header
(``DL2_FILE``, its name) and keeps the DL2 EVENT_ID. ``ctaviewer process --levels
dl1,dl2,dl3`` writes the DL2 files into the output folder and the DL3 folder inside it, so
the DL2 file is looked for beside the run file, in its parent folder and the one above. The
DL2 file in turn records its input (the sim_telarray file, in its provenance group): when
that file is still where it was, the event is shown from it (camera images and waveforms),
otherwise from the DL2 file (its parameters, and images if they were written).
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass

from ..datamodel import paths
from .events import EventList


@dataclass(frozen=True)
class EventSourceLink:
    """Where the file of an event list is (``path``; None with ``reason`` why not);
    ``kind``: "DL2" or "sim_telarray"."""

    path: str | None
    reason: str = ""
    kind: str = "DL2"


def find_dl2(events: EventList, extra_folders=()) -> EventSourceLink:
    """The DL2 file of ``events`` if it is at hand (see the module text)."""
    name = events.dl2_file
    if not name:
        return EventSourceLink(None, f"observation {events.obs_id} does not record the DL2 "
                                     "file of its events (no DL2_FILE keyword: not written "
                                     "by ctaviewer)")
    here = os.path.dirname(os.path.abspath(events.path))
    folders = [*map(os.fspath, extra_folders), here, os.path.dirname(here),
               os.path.dirname(os.path.dirname(here))]
    for folder in folders:
        candidate = os.path.join(folder, name)
        if os.path.isfile(candidate):
            return EventSourceLink(candidate)
    return EventSourceLink(None, f"the DL2 file {name} of observation {events.obs_id} is not "
                                 f"at hand (looked in {', '.join(dict.fromkeys(folders))})")


def recorded_inputs(dl2_path) -> list[str]:
    """The input files a ctaviewer DL1/DL2 file records (its provenance); [] if none."""
    import h5py

    try:
        with h5py.File(dl2_path, "r") as f:
            group = f.get(paths.PROVENANCE)
            value = group.attrs.get("input_files") if group is not None else None
    except OSError:
        return []
    if value is None:
        return []
    if isinstance(value, bytes):
        value = value.decode("utf-8", "replace")
    try:
        names = json.loads(str(value))
    except ValueError:
        return []
    return [str(n) for n in names] if isinstance(names, list) else []


def find_event_file(events: EventList, extra_folders=()) -> EventSourceLink:
    """The file to show ``events``' events from: the DL2 file's sim_telarray input if it is
    at hand, else the DL2 file (see the module text)."""
    link = find_dl2(events, extra_folders)
    return link if link.path is None else event_file_of(link.path)


def event_file_of(dl2_path: str) -> EventSourceLink:
    """The file to show a DL2 file's events from: the sim_telarray file its provenance
    records when that is at hand (camera images and waveforms), else the DL2 file itself."""
    inputs = recorded_inputs(dl2_path)
    if len(inputs) == 1 and os.path.isfile(inputs[0]):
        return EventSourceLink(inputs[0], kind="sim_telarray")
    return EventSourceLink(dl2_path)
