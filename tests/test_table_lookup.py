import numpy as np
import pytest

from ctaviewer.app.table_lookup import gather, index_dtype, warm_up


@pytest.mark.parametrize("kernel", [False, True])
@pytest.mark.parametrize("n_entries", [1297, 11329, 70000])
def test_gather_equals_fancy_indexing(n_entries, kernel):
    """The same result from numpy (before the kernel is loaded) and from the numba kernel."""
    if kernel:
        warm_up(wait=True)
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


def test_importing_the_lookup_does_not_import_numba():
    """The GUI imports it at start-up: numba (~0.3 s) must load later, off the GUI thread."""
    import os
    import subprocess
    import sys

    code = ("import sys, ctaviewer.app.table_lookup, ctaviewer.app.views.pixel_map; "
            "print('numba' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True, env={**os.environ, "QT_QPA_PLATFORM": "offscreen"})
    assert out.stdout.strip() == "False"
