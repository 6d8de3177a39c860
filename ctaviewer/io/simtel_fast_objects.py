"""Fast decoders of the hot sim_telarray objects, each returning exactly what eventio 2.1's
``parse()`` of that object returns (same keys, values, dtypes).

Each decoder takes the object's bytes (``buf``, a uint8 array, with its content between
``pos`` and ``end``) and the fields of its header, and returns the parsed value, or
``DECLINE`` when it does not handle the object's version or mode or when the data does not
fit: the caller then has eventio parse that object.
"""

from __future__ import annotations

import struct

import numpy as np

from . import simtel_fast_kernels as k

DECLINE = object()

TYPE_TELESCOPE_EVENT_HEADER = 2011
TYPE_ADC_SUMS = 2012
TYPE_ADC_SAMPLES = 2013
TYPE_PIXEL_TIMING = 2016
TYPE_PIXEL_LIST = 2027
TYPE_IMAGE_PARAMETERS = 2014
TYPE_TRACKING = "tracking"  # 2100 + tel % 100 + 1000 * (tel // 100)
TYPE_PHOTOELECTRONS = 1208

# the object versions the fast decoders know; any other version goes to eventio
KNOWN_VERSIONS = {
    TYPE_TELESCOPE_EVENT_HEADER: frozenset({0, 1, 2, 3, 4}),
    TYPE_ADC_SUMS: frozenset({3}),
    TYPE_ADC_SAMPLES: frozenset({3}),
    TYPE_PIXEL_TIMING: frozenset({1, 2}),
    TYPE_PIXEL_LIST: frozenset({0, 1}),
    TYPE_IMAGE_PARAMETERS: frozenset({5, 6}),
    TYPE_TRACKING: frozenset({0}),
    TYPE_PHOTOELECTRONS: frozenset({1, 2, 3}),
}

_I16 = struct.Struct("<h")
_I32 = struct.Struct("<i")
_F32 = struct.Struct("<f")
_FF = struct.Struct("ff")
_HEAD = struct.Struct("<iiiiiih")  # loc_count, glob_count, cpu (s, ns), gps (s, ns), flags


def _squeezed(array):
    try:
        return np.squeeze(array, axis=-1)
    except ValueError:
        return array


def _varint(buf, pos, end):
    value, n = k.read_varint(buf, pos, end)
    if n < 0:
        raise ValueError("varint beyond the object")
    return int(value), pos + n


def _varints(buf, pos, end, count):
    if count < 0:
        raise ValueError("negative count")
    out = np.empty(count, np.int64)
    pos = k.varint_array(buf, pos, end, out)
    if pos < 0:
        raise ValueError("varints beyond the object")
    return out, pos


def telescope_event_header(data, buf, pos, end, version, ident):
    """TelescopeEventHeader[2011]."""
    loc, glob, cpu_s, cpu_ns, gps_s, gps_ns, t = _HEAD.unpack_from(data, pos)
    pos += _HEAD.size
    head = {"loc_count": loc, "glob_count": glob, "cpu_time": (cpu_s, cpu_ns),
            "gps_time": (gps_s, gps_ns), "trg_source": t & 0xFF}
    if t & 0x100:
        if version <= 1:
            (n,) = _I16.unpack_from(data, pos)
            pos += 2
            if n < 0 or pos + 2 * n > end:
                return DECLINE
            head["list_trgsect"] = np.frombuffer(data, dtype="<i2", count=n, offset=pos)
            pos += 2 * n
        else:
            n, pos = _varint(buf, pos, end)
            head["list_trgsect"], pos = _varints(buf, pos, end, n)
        if version >= 1 and (t & 0x400):
            if n < 0 or pos + 4 * n > end:
                return DECLINE
            head["time_trgsect"] = np.frombuffer(data, dtype="<f4", count=n, offset=pos)
            pos += 4 * n
    if t & 0x200:
        if version <= 1:  # eventio keeps a tuple here: left to it
            return DECLINE
        n, pos = _varint(buf, pos, end)
        head["n_phys_addr"] = n
        head["phys_addr"], pos = _varints(buf, pos, end, n)
    if version >= 3:
        if pos + 8 > end:
            return DECLINE
        head["readout_time"], head["relative_trigger_time"] = _FF.unpack_from(data, pos)
        pos += 8
    if version >= 4:
        if pos + 4 > end:
            return DECLINE
        head["start_readout"] = _I32.unpack_from(data, pos)[0]
    head["telescope_id"] = ident
    return head


def adc_samples(data, buf, pos, end, version, ident):
    """ADCSamples[2013]: all pixels, or the zero-suppressed pixel ranges."""
    zero_sup = ident & 0x1F
    if (ident >> 5) & 0x1F or (ident >> 10) & 0x01 or pos + 8 > end:
        return DECLINE
    (n_pixels,) = _I32.unpack_from(data, pos)
    (n_gains,) = _I16.unpack_from(data, pos + 4)
    (n_samples,) = _I16.unpack_from(data, pos + 6)
    if n_pixels < 0 or n_gains < 0 or n_samples < 0:
        return DECLINE
    out = np.empty((n_gains, n_pixels, n_samples), np.uint16)
    kernel = k.adc_samples_zero_suppressed if zero_sup else k.adc_samples_plain
    if kernel(buf, pos + 8, end, out) < 0:
        return DECLINE
    return _squeezed(out)


def adc_sums(data, buf, pos, end, version, ident):
    """ADCSums[2012] without zero suppression or data reduction (others: eventio)."""
    if ident & 0x1F or (ident >> 5) & 0x1F or pos + 6 > end:
        return DECLINE
    (n_pixels,) = _I32.unpack_from(data, pos)
    (n_gains,) = _I16.unpack_from(data, pos + 4)
    if n_pixels < 0 or n_gains < 0:
        return DECLINE
    out = np.empty((n_gains, n_pixels), np.uint32)
    if k.uvarint_diff_arrays(buf, pos + 6, end, out) < 0:
        return DECLINE
    return _squeezed(out)


def pixel_timing(data, buf, pos, end, version, ident):
    """PixelTiming[2016], pixel lists of type 1 (single pixels) and 2 (ranges)."""
    timing = {}
    if version <= 1:
        (n_pixels,) = _I16.unpack_from(data, pos)
        pos += 2
    else:
        n_pixels, pos = _varint(buf, pos, end)
    n_gains, before, after, list_type = struct.unpack_from("<hhhh", data, pos)
    pos += 8
    with_sum = (before >= 0) and (after >= 0)
    timing.update(n_pixels=n_pixels, n_gains=n_gains, before_peak=before, after_peak=after,
                  with_sum=with_sum)
    if list_type not in (1, 2):
        return DECLINE
    timing["list_type"] = list_type
    if version <= 1:
        (list_size,) = _I16.unpack_from(data, pos)
        pos += 2
        count = list_size * list_type
        if count < 0 or pos + 2 * count > end:
            return DECLINE
        pixel_list = np.frombuffer(data, dtype="i2", count=count, offset=pos)
        pos += 2 * count
    else:
        list_size, pos = _varint(buf, pos, end)
        pixel_list, pos = _varints(buf, pos, end, list_size * list_type)
    if list_type == 2:
        pixel_list = pixel_list.reshape(-1, 2)
    pixel_list = pixel_list.astype(np.int32)
    timing["pixel_list"] = pixel_list
    threshold, n_types = struct.unpack_from("<hh", data, pos)
    pos += 4
    if n_types < 0 or n_pixels < 0 or n_gains < 0 or pos + 6 * n_types + 8 > end:
        return DECLINE
    timing["threshold"] = threshold
    timing["glob_only_selected"] = glob_only = threshold < 0
    timing["n_types"] = n_types
    timing["time_type"] = np.frombuffer(data, dtype="i2", count=n_types, offset=pos)
    pos += 2 * n_types
    timing["time_level"] = np.frombuffer(data, dtype="f4", count=n_types, offset=pos)
    pos += 4 * n_types
    granularity, peak_global = struct.unpack_from("<ff", data, pos)
    pos += 8
    timing["granularity"] = granularity
    timing["peak_global"] = peak_global
    if list_type == 1:
        starts = stops = pixel_list
    else:
        starts, stops = pixel_list[:, 0], pixel_list[:, 1]
    time = np.full((n_pixels, n_types), np.nan, np.float32)
    sum_loc = np.zeros((n_gains, n_pixels), np.int32)
    sum_glob = np.zeros((n_gains, n_pixels), np.int32)
    if k.pixel_timing(buf, pos, end, np.ascontiguousarray(starts, np.int64),
                      np.ascontiguousarray(stops, np.int64), n_gains, with_sum, glob_only,
                      np.float32(granularity), time, sum_loc, sum_glob) < 0:
        return DECLINE
    timing.update(time=time, pulse_sum_glob=sum_glob, pulse_sum_loc=sum_loc)
    return timing


def pixel_list(data, buf, pos, end, version, ident):
    """PixelList[2027] (triggered, selected, ... pixels)."""
    if version < 1:
        (pixels,) = _I16.unpack_from(data, pos)
        if pixels < 0 or pos + 2 + 2 * pixels > end:
            return DECLINE
        if pixels == 0:
            values = np.array((), dtype="i2")
        else:
            values = np.frombuffer(data, dtype="i2", count=pixels, offset=pos + 2)
    else:
        pixels, pos = _varint(buf, pos, end)
        values, _ = _varints(buf, pos, end, pixels)
    return {"code": ident // 1000000, "telescope_id": ident % 1000000, "pixels": pixels,
            "pixel_list": values}


def photoelectrons(data, buf, pos, end, version, ident):
    """PhotoElectrons[1208]: the true image of one telescope."""
    (n_pe,) = _I32.unpack_from(data, pos)
    (n_pixels,) = _I32.unpack_from(data, pos + 4)
    pos += 8
    flags = 0
    if version > 1:
        (flags,) = _I16.unpack_from(data, pos)
        pos += 2
    (non_empty,) = _I32.unpack_from(data, pos)
    pos += 4
    if n_pe < 0 or n_pixels < 0 or non_empty < 0 or flags < 0:
        return DECLINE
    has_amplitudes, has_photons = bool(flags & 1), bool(flags & 4)
    pe = np.zeros(n_pixels, np.int32)
    pixel_id = np.zeros(n_pe, np.uint32)
    time = np.zeros(n_pe, np.uint32)
    amplitude = np.zeros(n_pe if has_amplitudes else 0, np.uint32)
    photons = np.zeros(n_pixels if has_photons else 0, np.int32)
    end_pos, _ = k.photoelectrons(buf, pos, end, non_empty, version, has_amplitudes,
                                  has_photons, pe, pixel_id, time, amplitude, photons)
    if end_pos < 0:
        return DECLINE
    result = {"n_pe": n_pe, "n_pixels": n_pixels, "non_empty": non_empty,
              "photoelectrons": pe, "pixel_id": pixel_id, "time": time.view(np.float32)}
    if has_amplitudes:
        result["amplitude"] = amplitude.view(np.float32)
    if has_photons:
        result["photons"] = photons
    return result


_HH = struct.Struct("<hh")
_IMAGE_SHAPE = struct.Struct("<ffffffhf")  # amplitude, x, y, phi, l, w, n_conc, concentration
_F4, _F5 = struct.Struct("<ffff"), struct.Struct("<fffff")
_IMAGE_ERRORS = ("x_err", "y_err", "phi_err", "l_err", "w_err")  # flag 0x100
_IMAGE_MOMENTS = ("skewness", "skewness_err", "kurtosis", "kurtosis_err")  # flag 0x200
_IMAGE_TIMING = ("tm_slope", "tm_residual", "tm_width1", "tm_width2", "tm_rise")  # 0x800


def _array(data, dtype, count, pos):
    """eventio's ``read_array``: an empty array of its own, else a view of the bytes."""
    if count == 0:
        return np.array((), dtype=dtype)
    return np.frombuffer(data, dtype=dtype, count=count, offset=pos)


def image_parameters(data, buf, pos, end, version, ident):
    """ImageParameters[2014], version 5, and version 6 without hot pixels (flag 0x400)."""
    flags = ident
    if flags & 0x400 and version >= 6:  # hot pixels as varints: eventio
        return DECLINE
    image = {"flags": flags, "flags_hex": hex(flags),
             "telescope_id": (flags & 0xFF) | (flags & 0x3F000000) >> 16,
             "cut_id": (flags & 0xFF000) >> 12}
    if version >= 6:
        image["pixels"], pos = _varint(buf, pos, end)
        image["n_sat"], pos = _varint(buf, pos, end)
    else:
        if pos + 4 > end:
            return DECLINE
        image["pixels"], image["n_sat"] = _HH.unpack_from(data, pos)
        pos += 4
    need = (4 if image["n_sat"] > 0 else 0) + _IMAGE_SHAPE.size
    need += 20 * bool(flags & 0x100) + 16 * bool(flags & 0x200)
    if pos + need > end:
        return DECLINE
    if image["n_sat"] > 0:
        (image["clip_amp"],) = _F32.unpack_from(data, pos)
        pos += 4
    (image["amplitude"], image["x"], image["y"], image["phi"], image["l"], image["w"],
     image["n_conc"], image["concentration"]) = _IMAGE_SHAPE.unpack_from(data, pos)
    pos += _IMAGE_SHAPE.size
    if flags & 0x100:
        image.update(zip(_IMAGE_ERRORS, _F5.unpack_from(data, pos), strict=True))
        pos += 20
    if flags & 0x200:
        image.update(zip(_IMAGE_MOMENTS, _F4.unpack_from(data, pos), strict=True))
        pos += 16
    if flags & 0x400:  # version 5: int16 count, float32 amplitudes, int16 pixel ids
        if pos + 2 > end:
            return DECLINE
        (n_hot,) = _I16.unpack_from(data, pos)
        pos += 2
        if n_hot < 0 or pos + 6 * n_hot > end:
            return DECLINE
        image["n_hot"] = n_hot
        image["hot_amp"] = _array(data, "f4", n_hot, pos)
        pos += 4 * n_hot
        image["hot_pixel"] = _array(data, "i2", n_hot, pos)
        pos += 2 * n_hot
    if flags & 0x800:
        if pos + 20 > end:
            return DECLINE
        image.update(zip(_IMAGE_TIMING, _F5.unpack_from(data, pos), strict=True))
    return image


DECODERS = {
    TYPE_TELESCOPE_EVENT_HEADER: telescope_event_header,
    TYPE_ADC_SUMS: adc_sums,
    TYPE_ADC_SAMPLES: adc_samples,
    TYPE_PIXEL_TIMING: pixel_timing,
    TYPE_PIXEL_LIST: pixel_list,
    TYPE_IMAGE_PARAMETERS: image_parameters,
    TYPE_PHOTOELECTRONS: photoelectrons,
}
