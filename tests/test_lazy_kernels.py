"""Kernels are made at first use (``_numba.LazyKernel``): importing the chain loads no
numba; calling a kernel, reading its numba attributes or compiling a kernel that calls
another make them, once, and give numba's results."""

from __future__ import annotations

import pickle
import subprocess
import sys
import threading

import numpy as np

from ctaviewer import _numba


def _fresh_python(code: str) -> str:
    """What ``code`` prints, run by a new interpreter (nothing imported before)."""
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    return out.stdout


def test_importing_the_chain_imports_no_numba():
    """A split file's runner imports the reader, the writers and the pipeline module and
    never calls a kernel: it must not pay numba's import (~0.3 s of CPU, ~20 MB)."""
    code = ("import sys\n"
            "import ctaviewer.pipeline, ctaviewer.io.simtel, ctaviewer.io.simtel_index\n"
            "import ctaviewer.writers.event_file, ctaviewer.batch.split, ctaviewer.batch.runner\n"
            "print('numba' in sys.modules)\n"
            "from ctaviewer.image import extract_kernels as k\n"
            "import numpy as np\n"
            "wf = np.zeros((3, 5), np.float32); wf[:, 2] = 1.0\n"
            "print(k.local_peaks(wf).tolist(), 'numba' in sys.modules)\n")
    assert _fresh_python(code).split("\n")[:2] == ["False", "[2, 2, 2] True"]


def _kernels():
    """A kernel that calls another, made fresh (never used before in this process)."""

    def inner(x):
        return 2 * x

    inner_kernel = _numba.njit(cache=False)(inner)

    def outer(values):
        total = 0.0
        for v in values:
            total += inner_kernel(v)
        return total

    return inner_kernel, _numba.njit(outer)


def test_a_kernel_calling_a_lazy_kernel_compiles_and_agrees_with_python():
    inner, outer = _kernels()
    assert repr(outer).endswith("(not made yet)>")
    values = np.arange(5.0)
    assert outer(values) == 20.0
    assert repr(outer).endswith("(made)>") and len(outer.signatures) == 1
    assert inner.signatures  # typed through the caller
    assert outer.__name__ == "outer" and outer.__wrapped__(values) == 20.0


def test_a_kernel_is_made_once_whichever_threads_ask():
    inner, _ = _kernels()
    made = []

    def ask():
        made.append(inner.dispatcher)

    threads = [threading.Thread(target=ask) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len({id(d) for d in made}) == 1 and inner(3.0) == 6.0


def test_kernels_pickle_by_reference():
    from ctaviewer.image import extract_kernels

    assert pickle.loads(pickle.dumps(extract_kernels.local_peaks)) is extract_kernels.local_peaks


def test_numba_starts_without_importing_scipy_linalg():
    """numba's BLAS check imported all of scipy.linalg (~0.25 s, ~15 MB per process that
    starts numba); the capsules are loaded alone, and numba's linear algebra works."""
    code = ("import sys\n"
            "import numpy as np\n"
            "from ctaviewer._numba import njit\n"
            "dot = njit(lambda a, b: np.dot(a, b))\n"
            "print(float(dot(np.ones((2, 3)), np.arange(3.0)).sum()),\n"
            "      'scipy.linalg' in sys.modules)\n")
    assert _fresh_python(code).split() == ["6.0", "False"]
