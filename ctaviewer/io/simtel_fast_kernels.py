"""numba kernels decoding the hot sim_telarray objects from their bytes.

Every kernel works on a ``uint8`` buffer between ``pos`` and ``end`` and returns the position
after what it decoded, or -1 when the data does not fit (a length, an index or a pixel out of
range): the caller then lets eventio parse the object, so that damaged data fails exactly as
eventio fails. The decoded values are those of eventio 2.1's cython decoders
(``eventio/var_int.pyx``), bit for bit: the same differential varint arithmetic in 32 bits,
the same zig-zag signed varints, the same float32 products.
"""

from __future__ import annotations

import numpy as np

from .._numba import njit

# columns of the table ``walk_objects`` fills
COL_TYPE, COL_VERSION, COL_ID, COL_HEADER, COL_CONTENT, COL_SIZE, COL_ONLY_SUB, COL_PARENT = (
    range(8))
N_COLS = 8


@njit(cache=True)
def _u16(buf, p):
    return np.int64(buf[p]) | (np.int64(buf[p + 1]) << 8)


@njit(cache=True)
def _i16(buf, p):
    v = _u16(buf, p)
    return v - 65536 if v >= 32768 else v


@njit(cache=True)
def _u32(buf, p):
    return (np.int64(buf[p]) | (np.int64(buf[p + 1]) << 8) | (np.int64(buf[p + 2]) << 16)
            | (np.int64(buf[p + 3]) << 24))


@njit(cache=True)
def _i32(buf, p):
    v = _u32(buf, p)
    return v - 4294967296 if v >= 2147483648 else v


@njit(cache=True)
def _varint_length(b0):
    if (b0 & 0x80) == 0:
        return 1
    if (b0 & 0xC0) == 0x80:
        return 2
    if (b0 & 0xE0) == 0xC0:
        return 3
    if (b0 & 0xF0) == 0xE0:
        return 4
    if (b0 & 0xF8) == 0xF0:
        return 5
    if (b0 & 0xFC) == 0xF8:
        return 6
    if (b0 & 0xFE) == 0xFC:
        return 7
    if b0 == 0xFE:
        return 8
    return 9


@njit(cache=True)
def read_uvarint(buf, pos, end):
    """(value as uint64, length) of the unsigned varint at ``pos``; length -1 if it does not
    fit before ``end``."""
    if pos >= end:
        return np.uint64(0), -1
    n = _varint_length(np.int64(buf[pos]))
    if pos + n > end:
        return np.uint64(0), -1
    if n == 1:
        return np.uint64(buf[pos]), 1
    # the first byte keeps (8 - n) value bits; from 8 bytes on, none
    first = np.uint64(buf[pos]) & np.uint64((1 << (8 - n)) - 1) if n < 8 else np.uint64(0)
    v = first
    for k in range(1, n):
        v = (v << np.uint64(8)) | np.uint64(buf[pos + k])
    return v, n


@njit(cache=True)
def read_varint(buf, pos, end):
    """(signed value, length) of the zig-zag varint at ``pos``; length -1 if it does not fit."""
    u, n = read_uvarint(buf, pos, end)
    if u & np.uint64(1):
        return -np.int64(u >> np.uint64(1)) - 1, n
    return np.int64(u >> np.uint64(1)), n


@njit(cache=True)
def walk_objects(buf, start, end, table):
    """Headers of the sub-objects in ``buf[start:end]`` and, one level down, of the
    sub-objects of those that hold only sub-objects and are telescope events (type
    2200 + tel % 100 + 1000 * (tel // 100)). Fills ``table`` (rows of COL_*); returns the
    number of rows, -1 if a header or an object does not fit in its parent, -2 if the
    table is too small."""
    n = 0
    stack_end = np.empty(2, np.int64)
    stack_parent = np.empty(2, np.int64)
    stack_pos = np.empty(2, np.int64)
    depth = 0
    stack_pos[0] = start
    stack_end[0] = end
    stack_parent[0] = -1
    while depth >= 0:
        pos = stack_pos[depth]
        stop = stack_end[depth]
        if pos >= stop:
            depth -= 1
            continue
        if pos + 12 > stop:
            return -1
        word = _u32(buf, pos)
        ident = _i32(buf, pos + 4)
        length_word = _u32(buf, pos + 8)
        header = 12
        size = length_word & 0x3FFFFFFF
        if word & (1 << 17):  # extended length
            if pos + 16 > stop:
                return -1
            size += (_u32(buf, pos + 12) & 0xFFF) << 30
            header = 16
        if pos + header + size > stop:
            return -1
        if n >= table.shape[0]:
            return -2
        t = word & 0xFFFF
        only_sub = 1 if length_word & (1 << 30) else 0
        table[n, COL_TYPE] = t
        table[n, COL_VERSION] = (word >> 20) & 0xFFF
        table[n, COL_ID] = ident
        table[n, COL_HEADER] = pos
        table[n, COL_CONTENT] = pos + header
        table[n, COL_SIZE] = size
        table[n, COL_ONLY_SUB] = only_sub
        table[n, COL_PARENT] = stack_parent[depth]
        stack_pos[depth] = pos + header + size
        if depth == 0 and only_sub and t >= 2200 and 200 <= t % 1000 < 300:
            depth = 1
            stack_pos[1] = pos + header
            stack_end[1] = pos + header + size
            stack_parent[1] = n
        n += 1
    return n


@njit(cache=True)
def uvarint_diff_arrays(buf, pos, end, out):
    """eventio's ``unsigned_varint_arrays_differential`` into ``out`` (n_arrays ×
    n_elements, uint32): each row a running int32 sum of zig-zag differences."""
    n_arrays, n_elements = out.shape
    for i in range(n_arrays):
        val = np.int64(0)
        for j in range(n_elements):
            if pos >= end:
                return -1
            v0 = np.int64(buf[pos])
            pos += 1
            d = np.int64(0)
            neg = False
            if (v0 & 0x80) == 0:
                d = v0 >> 1
                neg = (v0 & 1) == 1
            elif (v0 & 0xC0) == 0x80:
                if pos + 1 > end:
                    return -1
                v1 = np.int64(buf[pos])
                pos += 1
                d = ((v0 & 0x3F) << 7) | (v1 >> 1)
                neg = (v1 & 1) == 1
            elif (v0 & 0xE0) == 0xC0:
                if pos + 2 > end:
                    return -1
                v1 = np.int64(buf[pos])
                v2 = np.int64(buf[pos + 1])
                pos += 2
                d = ((v0 & 0x1F) << 15) | (v1 << 7) | (v2 >> 1)
                neg = (v2 & 1) == 1
            elif (v0 & 0xF0) == 0xE0:
                if pos + 3 > end:
                    return -1
                v1 = np.int64(buf[pos])
                v2 = np.int64(buf[pos + 1])
                v3 = np.int64(buf[pos + 2])
                pos += 3
                d = ((v0 & 0x0F) << 23) | (v1 << 15) | (v2 << 7) | (v3 >> 1)
                neg = (v3 & 1) == 1
            elif (v0 & 0xF8) == 0xF0:
                # eventio computes this one in C int arithmetic: leave it to eventio
                return -1
            else:  # longer: eventio keeps the value and skips one byte
                out[i, j] = np.uint32(val & 0xFFFFFFFF)
                continue
            if neg:
                val -= d + 1
            else:
                val += d
            # int32 wrap-around, as the C accumulator
            val = ((val + 2147483648) & 0xFFFFFFFF) - 2147483648
            out[i, j] = np.uint32(val & 0xFFFFFFFF)
    return pos


@njit(cache=True)
def diff_arrays_u16(buf, pos, end, out):
    """``uvarint_diff_arrays`` cast to uint16 (eventio's ``.astype('u2')``) into ``out``
    (rows × n, uint16) directly: the low 16 bits of the int32 running sum are those of the
    unbounded sum, so no wrap-around is needed. The zig-zag step is branch-free
    (``u >> 1 ^ -(u & 1)`` is +u/2 or -(u/2)-1)."""
    n_rows, n = out.shape
    for i in range(n_rows):
        val = np.int64(0)
        j = 0
        while j < n:
            # eight one-byte varints at once when no byte has its high bit set
            if j + 8 <= n and pos + 8 <= end:
                w = np.uint64(0)
                for m in range(8):
                    w |= np.uint64(buf[pos + m]) << np.uint64(8 * m)
                if (w & np.uint64(0x8080808080808080)) == 0:
                    for m in range(8):
                        u = np.int64((w >> np.uint64(8 * m)) & np.uint64(0xFF))
                        val += (u >> 1) ^ -(u & 1)
                        out[i, j + m] = np.uint16(val & 0xFFFF)
                    pos += 8
                    j += 8
                    continue
            if pos >= end:
                return -1
            u = np.int64(buf[pos])
            if u < 0x80:
                pos += 1
            elif u < 0xC0:
                if pos + 2 > end:
                    return -1
                u = ((u & 0x3F) << 8) | np.int64(buf[pos + 1])
                pos += 2
            elif u < 0xE0:
                if pos + 3 > end:
                    return -1
                u = ((u & 0x1F) << 16) | (np.int64(buf[pos + 1]) << 8) | np.int64(buf[pos + 2])
                pos += 3
            elif u < 0xF0:
                if pos + 4 > end:
                    return -1
                u = (((u & 0x0F) << 24) | (np.int64(buf[pos + 1]) << 16)
                     | (np.int64(buf[pos + 2]) << 8) | np.int64(buf[pos + 3]))
                pos += 4
            elif u < 0xF8:
                return -1  # computed in C int arithmetic by eventio: left to it
            else:  # longer: eventio keeps the value and skips one byte
                pos += 1
                out[i, j] = np.uint16(val & 0xFFFF)
                j += 1
                continue
            val += (u >> 1) ^ -(u & 1)
            out[i, j] = np.uint16(val & 0xFFFF)
            j += 1
    return pos


@njit(cache=True)
def adc_samples_plain(buf, pos, end, out):
    """ADC samples without zero suppression: (n_gains, n_pixels, n_samples) uint16."""
    n_gains, n_pixels, n_samples = out.shape
    return diff_arrays_u16(buf, pos, end, out.reshape((n_gains * n_pixels, n_samples)))


@njit(cache=True)
def adc_samples_zero_suppressed(buf, pos, end, out):
    """ADC samples of the listed pixel ranges (eventio's zero-suppressed mode): a varint
    count of ranges, each a varint start (negative: the single pixel -start-1) and a varint
    last pixel, then the samples of the listed pixels gain by gain; others stay 0."""
    n_gains, n_pixels, n_samples = out.shape
    list_size, k = read_varint(buf, pos, end)
    if k < 0 or list_size < 0:
        return -1
    pos += k
    starts = np.empty(list_size, np.int64)
    stops = np.empty(list_size, np.int64)
    n_signal = 0
    for r in range(list_size):
        first, k = read_varint(buf, pos, end)
        if k < 0:
            return -1
        pos += k
        if first < 0:
            starts[r] = -first - 1
            stops[r] = -first
        else:
            last, k = read_varint(buf, pos, end)
            if k < 0:
                return -1
            pos += k
            starts[r] = first
            stops[r] = last + 1
        if starts[r] > stops[r] or starts[r] < 0 or stops[r] > n_pixels:
            return -1
        n_signal += stops[r] - starts[r]
    tmp = np.empty((n_gains * n_signal, n_samples), np.uint16)
    pos = diff_arrays_u16(buf, pos, end, tmp)
    if pos < 0:
        return -1
    out[:] = 0
    for g in range(n_gains):
        i = 0
        for r in range(list_size):
            for p in range(starts[r], stops[r]):
                out[g, p, :] = tmp[g * n_signal + i]
                i += 1
    return pos


@njit(cache=True)
def varint_array(buf, pos, end, out):
    """``out`` (int64) from consecutive zig-zag varints; the position after them."""
    for i in range(out.shape[0]):
        v, k = read_varint(buf, pos, end)
        if k < 0:
            return -1
        out[i] = v
        pos += k
    return pos


@njit(cache=True)
def pixel_timing(buf, pos, end, starts, stops, n_gains, with_sum, glob_only_selected,
                 granularity, time, sum_loc, sum_glob):
    """Pixel timing values of the pixels ``starts[i]..stops[i]`` (inclusive): n_types
    int16 times granularity (float32) each, then the local (and, when only selected, global)
    pulse sums per gain as varints; other global sums follow for all pixels. ``time`` must
    hold NaN, ``sum_loc``/``sum_glob`` zeros."""
    n_pixels, n_types = time.shape
    for r in range(starts.shape[0]):
        if starts[r] < 0 or stops[r] >= n_pixels:
            return -1
        for p in range(starts[r], stops[r] + 1):
            if pos + 2 * n_types > end:
                return -1
            for t in range(n_types):
                time[p, t] = granularity * np.float32(_i16(buf, pos))
                pos += 2
            if with_sum:
                for g in range(n_gains):
                    v, k = read_varint(buf, pos, end)
                    if k < 0:
                        return -1
                    sum_loc[g, p] = v
                    pos += k
                if glob_only_selected:
                    for g in range(n_gains):
                        v, k = read_varint(buf, pos, end)
                        if k < 0:
                            return -1
                        sum_glob[g, p] = v
                        pos += k
    if with_sum and starts.shape[0] > 0 and not glob_only_selected:
        for g in range(n_gains):
            for p in range(n_pixels):
                v, k = read_varint(buf, pos, end)
                if k < 0:
                    return -1
                sum_glob[g, p] = v
                pos += k
    return pos


@njit(cache=True)
def photoelectrons(buf, pos, end, nonempty, version, has_amplitudes, has_photons,
                   pe, pixel_id, time_bits, amplitude_bits, photons):
    """True photo-electrons of one telescope (eventio's ``parse_1208``): per non-empty
    pixel its id (int16, varint from version 3), its count (int32) and its arrival times
    (float32, kept as bits), amplitudes when flagged; then the photon counts when flagged.
    Returns (position after the data or -1, number of photo-electrons stored)."""
    n_pixels = pe.shape[0]
    total = pixel_id.shape[0]
    i_pe = 0
    for _ in range(nonempty):
        if version > 2:
            pix, k = read_varint(buf, pos, end)
            if k < 0:
                return -1, i_pe
            pos += k
        else:
            if pos + 2 > end:
                return -1, i_pe
            pix = _i16(buf, pos)
            pos += 2
        if pos + 4 > end:
            return -1, i_pe
        n = _i32(buf, pos)
        pos += 4
        if pix < 0 or pix >= n_pixels or n < 0 or i_pe + n > total:
            return -1, i_pe
        pe[pix] = n
        if pos + 4 * n * (2 if has_amplitudes else 1) > end:
            return -1, i_pe
        for j in range(n):
            pixel_id[i_pe + j] = pix
            time_bits[i_pe + j] = np.uint32(_u32(buf, pos))
            pos += 4
        if has_amplitudes:
            for j in range(n):
                amplitude_bits[i_pe + j] = np.uint32(_u32(buf, pos))
                pos += 4
        i_pe += n
    if has_photons:
        if pos + 4 > end:
            return -1, i_pe
        n_photon_pixels = _i32(buf, pos)
        pos += 4
        for _ in range(n_photon_pixels):
            if pos + 6 > end:
                return -1, i_pe
            pix = _i16(buf, pos)
            if pix < 0 or pix >= n_pixels:
                return -1, i_pe
            photons[pix] = _i32(buf, pos + 2)
            pos += 6
    return pos, i_pe


@njit(cache=True)
def gather_words(buf, starts, counts, out):
    """``counts[i]`` 32-bit little-endian words from each ``starts[i]``, one after the other
    in ``out`` (for float32 fields: view it as float32)."""
    j = 0
    for i in range(starts.shape[0]):
        for w in range(counts[i]):
            out[j] = np.uint32(_u32(buf, starts[i] + 4 * w))
            j += 1
