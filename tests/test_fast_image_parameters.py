"""The fast decoder of ImageParameters (2014) gives what eventio's parse gives, for every
combination of its optional blocks, and declines (eventio parses) what it does not handle:
version 6 with hot pixels, other versions, data cut short."""

from __future__ import annotations

import itertools
import struct

import numpy as np
import pytest

from ctaviewer.io import simtel_fast_objects as fo

from .test_fast_reader import _assert_same, _eventio_parse, _fast_parse, _svarint


def _payload(version: int, flags: int, n_sat: int, n_hot: int) -> bytes:
    rng = np.random.default_rng(flags + 7 * n_sat + 13 * n_hot + version)
    floats = lambda n: struct.pack(f"<{n}f", *rng.normal(size=n))  # noqa: E731
    if version >= 6:
        out = _svarint(1234) + _svarint(n_sat)
    else:
        out = struct.pack("<hh", 1234, n_sat)
    if n_sat > 0:
        out += floats(1)
    out += floats(6) + struct.pack("<h", 17) + floats(1)
    if flags & 0x100:
        out += floats(5)
    if flags & 0x200:
        out += floats(4)
    if flags & 0x400:
        out += struct.pack("<h", n_hot) + floats(n_hot)
        out += struct.pack(f"<{n_hot}h", *range(3, 3 + n_hot))
    if flags & 0x800:
        out += floats(5)
    return out


@pytest.mark.parametrize("blocks", list(itertools.product([0, 0x100], [0, 0x200], [0, 0x400],
                                                          [0, 0x800])))
@pytest.mark.parametrize("n_sat,n_hot", [(0, 0), (3, 4)])
def test_image_parameters_as_eventio(blocks, n_sat, n_hot):
    flags = sum(blocks) | 0x05003007  # telescope id and cut id bits too
    payload = _payload(5, flags, n_sat, n_hot)
    ref = _eventio_parse(fo.TYPE_IMAGE_PARAMETERS, 5, flags, payload)
    fast = _fast_parse(fo.TYPE_IMAGE_PARAMETERS, 5, flags, payload)
    assert fast is not fo.DECLINE
    assert list(fast) == list(ref)
    _assert_same(ref, fast, f"flags {flags:#x}")
    for key, value in ref.items():
        assert type(fast[key]) is type(value), key


@pytest.mark.parametrize("flags", [0x0, 0x100 | 0x800])
def test_image_parameters_version_6(flags):
    payload = _payload(6, flags, 2, 0)
    ref = _eventio_parse(fo.TYPE_IMAGE_PARAMETERS, 6, flags, payload)
    fast = _fast_parse(fo.TYPE_IMAGE_PARAMETERS, 6, flags, payload)
    assert list(fast) == list(ref)
    _assert_same(ref, fast, "version 6")


def test_image_parameters_declines():
    assert _fast_parse(fo.TYPE_IMAGE_PARAMETERS, 6, 0x400, _payload(6, 0x400, 0, 2)) \
        is fo.DECLINE
    assert 4 not in fo.KNOWN_VERSIONS[fo.TYPE_IMAGE_PARAMETERS]
    payload = _payload(5, 0x100 | 0x400 | 0x800, 1, 3)
    for cut in range(len(payload)):
        assert _fast_parse(fo.TYPE_IMAGE_PARAMETERS, 5, 0x100 | 0x400 | 0x800,
                           payload[:cut]) is fo.DECLINE, cut
