"""The source-selection options every command that reads events shares: ``--allowed-tels``
and ``--max-events`` (ctapipe's ``--EventSource.allowed_tels`` and ``max_events``)."""

from __future__ import annotations

TELS_HELP = ("telescopes to read: ids, id ranges and type names, comma- or space-separated "
             "(e.g. '1-4,9' or 'LST_LST_LSTCam' or 'NectarCam'; a type is named as ctapipe "
             "writes it, by its optics or by its camera). The others are left out: the output "
             "holds the selected subarray, and events with none of them are skipped. An id or "
             "name the file does not hold is an error")
MAX_EVENTS_HELP = "read at most N events of each file (at least 1)"


def add_selection_arguments(parser, max_events: bool = True) -> None:
    group = parser.add_argument_group("telescopes and events read")
    group.add_argument("--allowed-tels", metavar="TELS", help=TELS_HELP)
    if max_events:
        group.add_argument("--max-events", type=int, metavar="N", help=MAX_EVENTS_HELP)


def selection_from_args(args):
    """The ``io.selection.SourceSelection`` of the parsed options; ``errors.ConfigError``
    (one line naming the option) when they are not valid."""
    from ..io.selection import SourceSelection

    return SourceSelection.parse(getattr(args, "allowed_tels", None),
                                 getattr(args, "max_events", None),
                                 tels_field="--allowed-tels", max_events_field="--max-events")
