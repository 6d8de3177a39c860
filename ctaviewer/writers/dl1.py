"""DL1 tables in ctapipe's data model: triggers, images, parameters, pointing, and the
image statistics of the file.

``DL1Tables`` owns the per-event tables under ``/dl1`` and the telescope pointing under
``/configuration/telescope/pointing``; rows are appended per event from an ``ArrayEvent``
(ids, trigger, pointing) and its ``EventResult`` (images, parameters). Paths and columns
are ``ctaviewer.datamodel``'s.
"""

from __future__ import annotations

import math

import numpy as np

from ..datamodel import columns as cols
from ..datamodel import paths
from ..datamodel.table import TableWriter, write_table
from ..datamodel.times import TimeConverter
from ..event import ArrayEvent
from ..results import EventResult

#: ctapipe's image checks before parametrisation (its ImageQualityQuery defaults), counted
#: on the cleaned images we write: (name, expression, test on the parameters)
IMAGE_CRITERIA = (
    ("size_greater_0", "image.sum() > 0", lambda p: p.get("hillas_intensity", 0.0) > 0),
    ("at_least_2_pixels", "image.size > 1", lambda p: p.get("morphology_n_pixels", 0) > 1),
)


class CriteriaCounter:
    """Counts of entries passing each criterion and all criteria up to it (TOTAL first),
    written as ctapipe's statistics tables."""

    def __init__(self, criteria):
        self.criteria = tuple(criteria)  # (name, expression, test)
        self.counts = np.zeros(len(self.criteria) + 1, dtype=np.int64)
        self.cumulative = np.zeros(len(self.criteria) + 1, dtype=np.int64)

    def add(self, values) -> None:
        passed = [True, *(bool(test(values)) for _, _, test in self.criteria)]
        self.counts += passed
        self.cumulative += np.cumprod(passed)

    def write(self, h5, path: str) -> None:
        names = ["TOTAL", *(n for n, _, _ in self.criteria)]
        funcs = ["True", *(f for _, f, _ in self.criteria)]
        enc = [n.encode() for n in names], [f.encode() for f in funcs]
        write_table(
            h5, path, cols.statistics_columns(max(map(len, enc[0])), max(map(len, enc[1]))),
            {"criteria": enc[0], "counts": self.counts,
             "cumulative_counts": self.cumulative, "func": enc[1]},
        )


class DL1Tables:
    """Appends one event at a time to the DL1 tables of an open HDF5 file."""

    def __init__(self, h5, subarray, *, write_images: bool, write_parameters: bool = True):
        self.h5 = h5
        self.subarray = subarray
        self.write_images = write_images
        self.write_parameters = write_parameters
        self.times = TimeConverter()
        self.trigger = TableWriter(
            h5, paths.DL1_TRIGGER, cols.trigger_columns(subarray.n_tels),
            title="Storage of EventIndexContainer,TriggerContainer",
        )
        self.tel_trigger = TableWriter(
            h5, paths.DL1_TEL_TRIGGER, cols.TEL_TRIGGER,
            title="Storage of TelEventIndexContainer,TelescopeTriggerContainer",
        )
        self.image_statistics = CriteriaCounter(IMAGE_CRITERIA)
        self._images: dict[int, TableWriter] = {}
        self._params: dict[int, TableWriter] = {}
        self._pointing_done: set[int] = set()
        self._param_names = tuple(c.name for c in cols.parameter_columns())
        self._stereo_names = frozenset(row[0] for row in cols.STEREO_PARAMETERS)

    def _image_table(self, tel_id: int) -> TableWriter:
        table = self._images.get(tel_id)
        if table is None:
            n = self.subarray.tels[tel_id].camera.geometry.n_pixels
            table = self._images[tel_id] = TableWriter(
                self.h5, paths.DL1_IMAGES.format(tel_id), cols.image_columns(n),
                title="Storage of TelEventIndexContainer,DL1CameraContainer",
            )
        return table

    def _param_table(self, tel_id: int) -> TableWriter:
        table = self._params.get(tel_id)
        if table is None:
            table = self._params[tel_id] = TableWriter(
                self.h5, paths.DL1_PARAMETERS.format(tel_id), cols.parameter_table_columns(),
                title="Storage of TelEventIndexContainer,ImageParametersContainer",
            )
        return table

    def _write_pointing(self, event: ArrayEvent) -> None:
        for tel_id in event.tel:
            if tel_id in self._pointing_done:
                continue
            alt, az = event.pointing.of(tel_id)
            write_table(
                self.h5, paths.FIXED_POINTING.format(tel_id), cols.POINTING,
                {"obs_id": [event.obs_id], "tel_id": [tel_id],
                 "telescope_pointing_azimuth": [math.radians(az)],
                 "telescope_pointing_altitude": [math.radians(alt)]},
                title="Storage of TelescopeConfigurationIndexContainer,TelescopePointingContainer",
            )
            self._pointing_done.add(tel_id)

    def write(self, event: ArrayEvent, result: EventResult) -> None:
        obs_id, event_id = event.obs_id, event.event_id
        event_type = cols.event_type_code(event.event_type)
        trig = event.trigger
        triggered = [int(t) for t in trig.tels_with_trigger if int(t) in self.subarray.tels]
        self.trigger.append(
            obs_id=obs_id,
            event_id=event_id,
            time=self.times.high_res(trig.time),
            tels_with_trigger=self.subarray.tel_mask(triggered),
            event_type=event_type,
        )
        # as ctapipe: a row per triggered telescope (with data or not)
        tel_types = trig.tel_event_types
        for i, tel_id in enumerate(int(t) for t in trig.tels_with_trigger):
            if tel_id not in self.subarray.tels:
                continue
            offset = float(trig.trigger_times_ns[i]) if i < len(trig.trigger_times_ns) \
                else math.nan
            self.tel_trigger.append(
                obs_id=obs_id,
                event_id=event_id,
                tel_id=tel_id,
                time=self.times.high_res(trig.time, offset),
                event_type=(cols.event_type_code(tel_types[i]) if tel_types is not None
                            else event_type),
                n_trigger_pixels=trig.n_trigger_pixels.get(tel_id, -1),
            )
        self._write_pointing(event)
        core_psi = getattr(result, "core_psi", None) or {}
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
                p = tr.parameters
                self._param_table(tel_id).append(
                    obs_id=obs_id, event_id=event_id, tel_id=tel_id,
                    **{n: p.get(n, math.nan) for n in self._param_names
                       if n not in self._stereo_names},
                    core_psi=core_psi.get(tel_id, math.nan),
                )
            self.image_statistics.add(tr.parameters)
            true_params = getattr(tr, "true_parameters", None)
            if true_params is not None:
                self.image_statistics.add(true_params)

    def close(self) -> None:
        for t in (self.trigger, self.tel_trigger, *self._images.values(), *self._params.values()):
            t.close()
        self.image_statistics.write(self.h5, paths.DL1_IMAGE_STATISTICS)

    @property
    def levels(self) -> list[str]:
        out = []
        if self.write_images:
            out.append("DL1_IMAGES")
        if self.write_parameters:
            out.append("DL1_PARAMETERS")
        return out
