"""DL1 tables in ctapipe's data model: triggers, images, parameters, pointing.

``DL1Tables`` owns the per-event tables under ``/dl1`` and the telescope pointing under
``/configuration/telescope/pointing``; rows are appended per event from an ``ArrayEvent``
(ids, trigger, pointing) and its ``EventResult`` (images, parameters).
"""

from __future__ import annotations

import functools
import math

from ..event import ArrayEvent
from ..results import IMAGE_PARAMETERS, EventResult
from .hdf5 import Column, TableWriter

TRIGGER = "/dl1/event/subarray/trigger"
TEL_TRIGGER = "/dl1/event/telescope/trigger"
IMAGES = "/dl1/event/telescope/images/tel_{:03d}"
PARAMETERS = "/dl1/event/telescope/parameters/tel_{:03d}"
POINTING = "/configuration/telescope/pointing/tel_{:03d}"

#: ctapipe's EventType.SUBARRAY (shower data) and its calibration event types
EVENT_TYPE_SUBARRAY = 32
EVENT_TYPES = {"subarray": EVENT_TYPE_SUBARRAY, "calibration": 0}

UNIX_EPOCH_MJD = 40587.0


@functools.cache
def index_columns(tel: bool) -> tuple[Column, ...]:
    cols = [
        Column("obs_id", "i4", desc="Observation Block ID"),
        Column("event_id", "i8", desc="Array Event ID"),
    ]
    if tel:
        cols.append(Column("tel_id", "i2", desc="Telescope ID"))
    return tuple(cols)


@functools.cache
def parameter_columns(prefix: str = "") -> tuple[Column, ...]:
    """Image parameter columns; their descriptions live in ``results.IMAGE_PARAMETERS``
    (not repeated per column and per telescope: 47 × n_tels attributes cost size and time).
    Built once per prefix: the writers ask for them per telescope table."""
    return tuple(
        Column(prefix + name, dtype, unit=unit) for name, unit, dtype, _ in IMAGE_PARAMETERS
    )


#: (unix time from which it holds, TAI - UTC in s): the leap seconds since 1999
_LEAP_SECONDS = (
    (1483228800, 37), (1435708800, 36), (1341100800, 35), (1230768000, 34),
    (1136073600, 33), (915148800, 32),
)


def tai_minus_utc(unix_s: float) -> float:
    """TAI - UTC (s) at a unix time; astropy's table for dates before 1999."""
    for start, offset in _LEAP_SECONDS:
        if unix_s >= start:
            return float(offset)
    from astropy.time import Time

    t = Time(unix_s, format="unix", scale="utc")
    return float(round((t.tai.mjd - t.utc.mjd) * 86400.0))


class TimeConverter:
    """Unix seconds (UTC) → MJD (TAI); the leap-second offset is found once per file."""

    def __init__(self):
        self._offset_s: float | None = None

    def __call__(self, unix_s: float) -> float:
        if not math.isfinite(unix_s):
            return math.nan
        if self._offset_s is None:
            self._offset_s = tai_minus_utc(unix_s)
        return UNIX_EPOCH_MJD + (unix_s + self._offset_s) / 86400.0


class DL1Tables:
    """Appends one event at a time to the DL1 tables of an open HDF5 file."""

    def __init__(self, h5, subarray, *, write_images: bool, write_parameters: bool = True):
        self.h5 = h5
        self.subarray = subarray
        self.write_images = write_images
        self.write_parameters = write_parameters
        self.to_mjd = TimeConverter()
        self.trigger = TableWriter(
            h5,
            TRIGGER,
            [
                *index_columns(False),
                Column("time", "f8", desc="central average time stamp", time_scale="tai"),
                Column(
                    "tels_with_trigger",
                    "?",
                    (subarray.n_tels,),
                    desc="mask over the subarray's telescopes that triggered",
                ),
                Column("event_type", "i8", desc="Event type"),
            ],
            title="Storage of EventIndexContainer,TriggerContainer",
        )
        self.tel_trigger = TableWriter(
            h5,
            TEL_TRIGGER,
            [
                *index_columns(True),
                Column("time", "f8", desc="telescope trigger time", time_scale="tai"),
                Column("event_type", "i8", desc="Event type"),
                Column("n_trigger_pixels", "i8", desc="number of trigger pixels (-1 unknown)"),
            ],
            title="Storage of TelEventIndexContainer,TelescopeTriggerContainer",
        )
        self._images: dict[int, TableWriter] = {}
        self._params: dict[int, TableWriter] = {}
        self._pointing_done: set[int] = set()

    def _image_table(self, tel_id: int) -> TableWriter:
        table = self._images.get(tel_id)
        if table is None:
            n = self.subarray.tels[tel_id].camera.geometry.n_pixels
            table = TableWriter(
                self.h5,
                IMAGES.format(tel_id),
                [
                    *index_columns(True),
                    Column("image", "f4", (n,), desc="calibrated charge per pixel (p.e.)"),
                    Column("peak_time", "f4", (n,), desc="pulse peak time per pixel (ns)"),
                    Column("image_mask", "?", (n,), desc="True where the pixel survived cleaning"),
                    Column("is_valid", "?", desc="True if image extraction succeeded"),
                ],
                title="Storage of TelEventIndexContainer,DL1CameraContainer",
            )
            self._images[tel_id] = table
        return table

    def _param_table(self, tel_id: int) -> TableWriter:
        table = self._params.get(tel_id)
        if table is None:
            table = TableWriter(
                self.h5,
                PARAMETERS.format(tel_id),
                [*index_columns(True), *parameter_columns()],
                title="Storage of TelEventIndexContainer,ImageParametersContainer",
            )
            self._params[tel_id] = table
        return table

    def _write_pointing(self, event: ArrayEvent) -> None:
        for tel_id in event.tel:
            if tel_id in self._pointing_done:
                continue
            alt, az = event.pointing.of(tel_id)
            table = TableWriter(
                self.h5,
                POINTING.format(tel_id),
                [
                    Column("obs_id", "i4", desc="Observation Block ID"),
                    Column("tel_id", "i8", desc="Telescope ID"),
                    Column("telescope_pointing_azimuth", "f4", unit="rad", desc="azimuth"),
                    Column("telescope_pointing_altitude", "f4", unit="rad", desc="altitude"),
                ],
                title="Storage of TelescopeConfigurationIndexContainer,TelescopePointingContainer",
            )
            table.append(
                obs_id=event.obs_id,
                tel_id=tel_id,
                telescope_pointing_azimuth=math.radians(az),
                telescope_pointing_altitude=math.radians(alt),
            )
            table.close()
            self._pointing_done.add(tel_id)

    def write(self, event: ArrayEvent, result: EventResult) -> None:
        obs_id, event_id = event.obs_id, event.event_id
        event_type = EVENT_TYPES.get(event.event_type, EVENT_TYPE_SUBARRAY)
        trig = event.trigger
        mjd = self.to_mjd(trig.time)
        triggered = [int(t) for t in trig.tels_with_trigger if int(t) in self.subarray.tels]
        self.trigger.append(
            obs_id=obs_id,
            event_id=event_id,
            time=mjd,
            tels_with_trigger=self.subarray.tel_mask(triggered),
            event_type=event_type,
        )
        for tel_id in event.tel:
            self.tel_trigger.append(
                obs_id=obs_id,
                event_id=event_id,
                tel_id=tel_id,
                time=mjd,
                event_type=event_type,
                n_trigger_pixels=-1,
            )
        self._write_pointing(event)
        for tel_id, tr in result.tel.items():
            if self.write_images:
                self._image_table(tel_id).append(
                    obs_id=obs_id,
                    event_id=event_id,
                    tel_id=tel_id,
                    image=tr.image,
                    peak_time=tr.peak_time,
                    image_mask=tr.mask,
                    is_valid=True,
                )
            if self.write_parameters:
                self._param_table(tel_id).append(
                    tr.parameters, obs_id=obs_id, event_id=event_id, tel_id=tel_id
                )

    def close(self) -> None:
        for t in (self.trigger, self.tel_trigger, *self._images.values(), *self._params.values()):
            t.close()

    @property
    def levels(self) -> list[str]:
        out = []
        if self.write_images:
            out.append("DL1_IMAGES")
        if self.write_parameters:
            out.append("DL1_PARAMETERS")
        return out
