"""Array events and true images of a sim_telarray file, assembled from their bytes.

``FastEventParser`` stands in for eventio's ``parse_array_event`` and
``parse_telescope_data`` (eventio/simtel/simtelfile.py): it walks the sub-object headers of
one top-level object with a numba kernel, decodes the hot objects with the decoders of
``simtel_fast_objects`` (image parameters among them) and has eventio parse every other
object (trigger information, stereo reconstruction, ...) from the same bytes, per object.
It returns the dict eventio returns, or None when eventio must parse the whole object (a
structure it would reject, a header that does not fit): eventio then reads it from the
stream and fails, or not, exactly as before.
"""

from __future__ import annotations

import numpy as np

from . import simtel_fast_kernels as k
from . import simtel_fast_objects as fo
from .simtel_fast_stream import MemoryObject, peek_content

_TABLE_ROWS = 4096
# telescope-event objects decoded fast: their key in eventio's dict -> object type
_FAST_CHILDREN = {
    "adc_samples": fo.TYPE_ADC_SAMPLES,
    "adc_sums": fo.TYPE_ADC_SUMS,
    "pixel_timing": fo.TYPE_PIXEL_TIMING,
}
# the fields of a TrackingPosition by its flags (raw and/or corrected directions)
_TRACKING_FIELDS = {
    0x100: ("azimuth_raw", "altitude_raw"),
    0x200: ("azimuth_cor", "altitude_cor"),
    0x300: ("azimuth_raw", "altitude_raw", "azimuth_cor", "altitude_cor"),
}


class _Decline(Exception):
    """eventio must parse the whole object."""


class FastEventParser:
    """Parses array events (2010) and telescope data (1204) of one reader; its tables of
    known object versions are copied from ``simtel_fast_objects.KNOWN_VERSIONS`` when it is
    made."""

    def __init__(self):
        from eventio.base import KNOWN_OBJECTS, EventIOObject, read_header
        from eventio.iact import objects as iact
        from eventio.simtel import objects as so

        self._known_objects = KNOWN_OBJECTS
        self._default_class = EventIOObject
        self._read_header = read_header
        self.known_versions = {t: frozenset(v) for t, v in fo.KNOWN_VERSIONS.items()}
        # what eventio's isinstance chains see in each object class
        self._kind_table = (
            (so.TriggerInformation, "trigger"), (so.TelescopeEvent, "telescope_event"),
            (so.TrackingPosition, "tracking"), (so.StereoReconstruction, "stereo"),
            (so.TelescopeEventHeader, "header"), (so.ADCSamples, "adc_samples"),
            (so.ADCSums, "adc_sums"), (so.PixelTiming, "pixel_timing"),
            (so.ImageParameters, "image_parameters"), (so.PixelList, "pixel_list"),
            (so.PixelTriggerTimes, "pixel_trigger_times"),
            (so.AuxiliaryAnalogTraces, "aux_traces"), (so.AuxiliaryDigitalTraces, "aux_traces"),
            (iact.PhotoElectrons, "photoelectrons"), (iact.Photons, "photons"),
        )
        self._kinds: dict[int, str] = {}
        self._table = np.empty((_TABLE_ROWS, k.N_COLS), np.int64)
        # what the reader hands over (``simtel._parse_fast``)
        self.array_event_class = so.ArrayEvent
        self.telescope_data_class = iact.TelescopeData
        # (their type_to_telid: the telescope an object type stands for)
        self._telescope_event_class, self._tracking_class = so.TelescopeEvent, so.TrackingPosition
        self.peek_content = peek_content

    # ------------------------------------------------------------------ helpers
    def _class_of(self, object_type: int):
        return self._known_objects.get(object_type, self._default_class)

    def _kind(self, object_type: int) -> str:
        """What an object type is to eventio's parsing ("other": made, not parsed)."""
        kind = self._kinds.get(object_type)
        if kind is None:
            cls = self._class_of(object_type)
            kind = next((name for base, name in self._kind_table if issubclass(cls, base)),
                        "other")
            self._kinds[object_type] = kind
        return kind

    def _walk(self, buf) -> list[list[int]]:
        n = k.walk_objects(buf, 0, buf.shape[0], self._table)
        if n == -2:  # more objects than rows: once larger
            self._table = np.empty((self._table.shape[0] * 4, k.N_COLS), np.int64)
            return self._walk(buf)
        if n < 0:
            raise _Decline
        return self._table[:n].tolist()

    def _eventio_object(self, memory: MemoryObject, row):
        """The eventio object of a table row, built over the in-memory bytes."""
        position = memory.base + row[k.COL_HEADER]
        memory.seek(position)
        header = self._read_header(memory, offset=position, toplevel=False)
        return self._class_of(header.type)(header, filehandle=memory)

    def _decode(self, kind, data, buf, memory, row):
        """A hot object decoded fast when its version and mode are known, else by eventio."""
        version = row[k.COL_VERSION]
        if version in self.known_versions.get(kind, ()):
            content = row[k.COL_CONTENT]
            try:
                value = fo.DECODERS[kind](data, buf, content, content + row[k.COL_SIZE],
                                          version, row[k.COL_ID])
            except Exception:
                value = fo.DECLINE
            if value is not fo.DECLINE:
                return value
        return self._eventio_object(memory, row).parse()

    # ------------------------------------------------------------------ array events
    def array_event(self, data: bytes, base: int, header_id: int, allowed) -> dict | None:
        """eventio's ``parse_array_event`` of the ArrayEvent whose payload ``data`` starts at
        stream address ``base``; None: eventio must parse it."""
        try:
            return self._array_event(data, base, header_id, allowed)
        except _Decline:
            return None

    def _array_event(self, data, base, header_id, allowed):
        buf = np.frombuffer(data, np.uint8)
        rows = self._walk(buf)
        memory = MemoryObject(data, base)
        telescope_events, tracking_positions = {}, {}
        event = {"event_id": header_id, "trigger_information": None,
                 "telescope_events": telescope_events, "tracking_positions": tracking_positions}
        children: dict[int, list] = {}
        top = []
        for i, row in enumerate(rows):
            parent = row[k.COL_PARENT]
            if parent < 0:
                top.append((i, row))
            else:
                children.setdefault(parent, []).append(row)
        tracking = []
        for n, (i, row) in enumerate(top):
            kind = self._kind(row[k.COL_TYPE])
            if n == 0:
                if kind != "trigger":
                    raise _Decline
                if row[k.COL_ID] != 0:
                    event["event_id"] = row[k.COL_ID]
                trigger = self._eventio_object(memory, row).parse()
                event["trigger_information"] = trigger
                telescopes = set(trigger["telescopes_with_data"])
                if allowed and len(telescopes & allowed) == 0:
                    break
            elif kind == "telescope_event":
                if not row[k.COL_ONLY_SUB]:
                    raise _Decline
                tel_id = self._telescope_event_class.type_to_telid(int(row[k.COL_TYPE]))
                if allowed is None or tel_id in allowed:
                    telescope_events[tel_id] = self._telescope_event(
                        data, buf, memory, children.get(i, []))
            elif kind == "tracking":
                tracking.append(row)
            elif kind == "stereo":
                event["stereo_reconstruction"] = self._eventio_object(memory, row).parse()
            else:  # made as eventio makes it (its constructor may read or fail)
                self._eventio_object(memory, row)
        self._tracking(data, buf, memory, tracking, allowed, tracking_positions)
        if set(telescope_events) - set(tracking_positions):
            raise _Decline  # eventio raises NoTrackingPositions
        return event

    def _tracking(self, data, buf, memory, rows, allowed, out) -> None:
        """TrackingPosition objects: their float fields gathered in one kernel call."""
        fast, starts, counts = [], [], []
        known = 0 in self.known_versions[fo.TYPE_TRACKING]
        for row in rows:
            ident = row[k.COL_ID]
            tel_id = self._tracking_class.type_to_telid(int(row[k.COL_TYPE]))
            if (ident & 0xFF) | ((ident & 0x3F000000) >> 16) != tel_id:
                raise _Decline  # eventio's constructor raises
            if allowed is not None and tel_id not in allowed:
                continue
            names = _TRACKING_FIELDS.get(ident & 0x300)
            if (names is None or not known or row[k.COL_VERSION] != 0
                    or 4 * len(names) > row[k.COL_SIZE]):
                out[tel_id] = self._eventio_object(memory, row).parse()
                continue
            fast.append((tel_id, names))
            starts.append(row[k.COL_CONTENT])
            counts.append(len(names))
        if not fast:
            return
        words = np.empty(sum(counts), np.uint32)
        k.gather_words(buf, np.array(starts, np.int64), np.array(counts, np.int64), words)
        values = words.view(np.float32)
        j = 0
        for tel_id, names in fast:
            if len(names) == 2:
                out[tel_id] = {names[0]: values[j], names[1]: values[j + 1],
                               "telescope_id": tel_id}
            else:
                position = {name: values[j + m] for m, name in enumerate(names)}
                position["telescope_id"] = tel_id
                out[tel_id] = position
            j += len(names)

    def _telescope_event(self, data, buf, memory, rows) -> dict:
        """eventio's ``parse_telescope_event`` of one telescope event's sub-objects."""
        event: dict = {"pixel_lists": {}}
        for i, row in enumerate(rows):
            kind = self._kind(row[k.COL_TYPE])
            if i == 0:
                if kind != "header":
                    raise _Decline
                event["header"] = self._decode(fo.TYPE_TELESCOPE_EVENT_HEADER, data, buf,
                                               memory, row)
            elif kind in _FAST_CHILDREN:
                event[kind] = self._decode(_FAST_CHILDREN[kind], data, buf, memory, row)
            elif kind == "pixel_list":
                code = row[k.COL_ID] // 1000000
                event["pixel_lists"][code] = self._decode(fo.TYPE_PIXEL_LIST, data, buf,
                                                          memory, row)
            elif kind == "image_parameters":
                event[kind] = self._decode(fo.TYPE_IMAGE_PARAMETERS, data, buf, memory, row)
            elif kind == "pixel_trigger_times":
                event[kind] = self._eventio_object(memory, row).parse()
            elif kind == "aux_traces":
                event.setdefault("aux_traces", {})[row[k.COL_ID]] = (
                    self._eventio_object(memory, row).parse())
            else:  # made as eventio makes it, not parsed
                self._eventio_object(memory, row)
        return event

    # ------------------------------------------------------------------ true images
    def telescope_data(self, data: bytes, base: int) -> dict | None:
        """eventio's ``parse_telescope_data`` (true photo-electrons of each telescope) of
        the TelescopeData payload ``data``; None: eventio must parse it (photon bunches,
        or a structure it would reject)."""
        try:
            buf = np.frombuffer(data, np.uint8)
            rows = self._walk(buf)
        except _Decline:
            return None
        memory = MemoryObject(data, base)
        result: dict = {}
        for row in rows:
            kind = self._kind(row[k.COL_TYPE])
            if kind == "photoelectrons":
                tel_id = row[k.COL_ID] % 1000
                result.setdefault("photoelectrons", {})[tel_id] = self._decode(
                    fo.TYPE_PHOTOELECTRONS, data, buf, memory, row)
            elif kind == "photons":
                return None
        return result
