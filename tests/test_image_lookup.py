import numpy as np
import pytest

from ctaviewer.image.lookup import gather, index_dtype


@pytest.mark.parametrize("n_entries", [1297, 11329, 70000])
def test_gather_equals_fancy_indexing(n_entries):
    rng = np.random.default_rng(3)
    table = rng.integers(0, 2**32, n_entries, dtype=np.uint64).astype(np.uint32)
    index = rng.integers(0, n_entries, (37, 53)).astype(index_dtype(n_entries))
    out = np.zeros(index.shape, dtype=np.uint32)
    assert gather(table, index, out) is out
    np.testing.assert_array_equal(out, table[index])


def test_index_dtype_is_narrow_but_sufficient():
    assert index_dtype(1297) == np.uint16
    assert index_dtype(65536) == np.uint16
    assert index_dtype(65537) == np.uint32


def test_gather_rejects_mismatched_or_strided_arrays():
    table = np.arange(10, dtype=np.uint32)
    index = np.zeros((4, 6), dtype=np.uint16)
    with pytest.raises(ValueError):
        gather(table, index, np.zeros((4, 5), dtype=np.uint32))
    with pytest.raises(ValueError):
        gather(table, index[:, ::2], np.zeros((4, 3), dtype=np.uint32))
