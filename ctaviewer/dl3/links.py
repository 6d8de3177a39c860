"""From a DL3 event back to the DL2 file it came from, for the event display.

ctaviewer's DL3 writer records the DL2 file of each observation in the EVENTS header
(``DL2_FILE``, its name) and keeps the DL2 EVENT_ID. ``ctaviewer process --levels
dl1,dl2,dl3`` writes the DL2 files into the output folder and the DL3 folder inside it, so
the DL2 file is looked for beside the run file, in its parent folder and the one above.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

from .events import EventList


@dataclass(frozen=True)
class EventSourceLink:
    """Where the DL2 file of an event list is (``path``; None with ``reason`` why not)."""

    path: str | None
    reason: str = ""


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
