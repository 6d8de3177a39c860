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
from .rows import DictValues, check_order

#: ctapipe's image checks before parametrisation (its ImageQualityQuery defaults), counted
#: on the cleaned images we write: (name, expression, test on the parameters)
IMAGE_CRITERIA = (
    ("size_greater_0", "image.sum() > 0", lambda p: p.get("hillas_intensity", 0.0) > 0),
    ("at_least_2_pixels", "image.size > 1", lambda p: p.get("morphology_n_pixels", 0) > 1),
)


class CriteriaCounter:
    """Counts of entries passing each criterion and all criteria up to it (TOTAL first),
    written as ctapipe's statistics tables.

    Counted in Python integers (``add`` runs twice per telescope event: numpy calls on
    arrays of three counts cost more than the tests); ``counts`` and ``cumulative`` give
    them as int64 arrays."""

    def __init__(self, criteria):
        self.criteria = tuple(criteria)  # (name, expression, test)
        self._tests = tuple(test for _, _, test in self.criteria)
        self._counts = [0] * (len(self.criteria) + 1)
        self._cumulative = [0] * (len(self.criteria) + 1)

    @property
    def counts(self) -> np.ndarray:
        return np.array(self._counts, dtype=np.int64)

    @property
    def cumulative(self) -> np.ndarray:
        return np.array(self._cumulative, dtype=np.int64)

    def add(self, values) -> None:
        counts, cumulative = self._counts, self._cumulative
        counts[0] += 1
        cumulative[0] += 1
        all_passed = True
        for i, test in enumerate(self._tests, 1):
            if test(values):
                counts[i] += 1
                if all_passed:
                    cumulative[i] += 1
            else:
                all_passed = False

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
        check_order(self.trigger, ("obs_id", "event_id", "time", "tels_with_trigger",
                                   "event_type"))
        check_order(self.tel_trigger, ("obs_id", "event_id", "tel_id", "time", "event_type",
                                       "n_trigger_pixels"))
        self.image_statistics = CriteriaCounter(IMAGE_CRITERIA)
        self._images: dict[int, TableWriter] = {}
        self._params: dict[int, TableWriter] = {}
        self._pointing_done: set[int] = set()
        param_names = tuple(c.name for c in cols.parameter_columns())
        stereo_names = frozenset(row[0] for row in cols.STEREO_PARAMETERS)
        #: the image parameters in column order; the stereo columns follow the first
        #: ``_n_before_stereo`` of them (core_psi is the only one, from the event's result)
        self._image_values = DictValues(n for n in param_names if n not in stereo_names)
        first_stereo = min(i for i, n in enumerate(param_names) if n in stereo_names)
        self._n_before_stereo = first_stereo
        self._stereo_columns = tuple(n for n in param_names if n in stereo_names)
        self._param_row_names = ("obs_id", "event_id", "tel_id", *param_names)

    def _image_table(self, tel_id: int) -> TableWriter:
        table = self._images.get(tel_id)
        if table is None:
            n = self.subarray.tels[tel_id].camera.geometry.n_pixels
            table = self._images[tel_id] = TableWriter(
                self.h5, paths.DL1_IMAGES.format(tel_id), cols.image_columns(n),
                title="Storage of TelEventIndexContainer,DL1CameraContainer",
            )
            check_order(table, ("obs_id", "event_id", "tel_id", "image", "peak_time",
                                "image_mask", "is_valid"))
        return table

    def _param_table(self, tel_id: int) -> TableWriter:
        table = self._params.get(tel_id)
        if table is None:
            table = self._params[tel_id] = TableWriter(
                self.h5, paths.DL1_PARAMETERS.format(tel_id), cols.parameter_table_columns(),
                title="Storage of TelEventIndexContainer,ImageParametersContainer",
            )
            check_order(table, self._param_row_names)
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
        # rows as tuples in column order (``TableWriter.append_row``), see ``rows``
        obs_id, event_id = event.obs_id, event.event_id
        event_type = cols.event_type_code(event.event_type)
        trig = event.trigger
        tels = self.subarray.tels
        triggered = [int(t) for t in trig.tels_with_trigger if int(t) in tels]
        self.trigger.append_row((
            obs_id, event_id, self.times.high_res(trig.time),
            self.subarray.tel_mask(triggered), event_type,
        ))
        # as ctapipe: a row per triggered telescope (with data or not)
        tel_types = trig.tel_event_types
        times = trig.trigger_times_ns
        n_times = len(times)
        n_trigger_pixels = trig.n_trigger_pixels
        for i, tel_id in enumerate(int(t) for t in trig.tels_with_trigger):
            if tel_id not in tels:
                continue
            offset = float(times[i]) if i < n_times else math.nan
            self.tel_trigger.append_row((
                obs_id, event_id, tel_id, self.times.high_res(trig.time, offset),
                (cols.event_type_code(tel_types[i]) if tel_types is not None else event_type),
                n_trigger_pixels.get(tel_id, -1),
            ))
        self._write_pointing(event)
        core_psi = getattr(result, "core_psi", None) or {}
        k = self._n_before_stereo
        for tel_id, tr in result.tel.items():
            if self.write_images:
                self._image_table(tel_id).append_row(
                    (obs_id, event_id, tel_id, tr.image, tr.peak_time, tr.mask, True)
                )
            if self.write_parameters:
                values = self._image_values(tr.parameters)
                stereo = tuple(core_psi.get(tel_id, math.nan) if n == "core_psi" else 0.0
                               for n in self._stereo_columns)
                self._param_table(tel_id).append_row(
                    (obs_id, event_id, tel_id, *values[:k], *stereo, *values[k:])
                )
            if not event.is_calibration:  # shower images only (calibration: not parametrised)
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
