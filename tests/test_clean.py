"""Tail-cuts cleaning, time constraint and dilation on a hexagonal and a square camera."""

import numpy as np
import pytest

from ctaviewer.config import TailcutsConfig as CleaningConfig
from ctaviewer.image import CLEANERS, CameraContext, clean
from ctaviewer.instrument import CameraGeometry, CameraReadout
from ctaviewer.io.toy import hex_grid


def _ctx(square=False):
    if square:
        g = np.arange(-5, 6) * 0.01
        x, y = np.meshgrid(g, g)
        geom = CameraGeometry.from_positions("sq", x.ravel(), y.ravel(), shape="square")
    else:
        x, y = hex_grid(5, 0.05)
        geom = CameraGeometry.from_positions("hex", x, y)
    ro = CameraReadout("r", 1.0, 10, 1, np.zeros((1, 0)), 1.0)
    return CameraContext(geom, ro, 10.0).warm()


def _centre(ctx):
    return int(np.argmin(np.hypot(ctx.geometry.pix_x, ctx.geometry.pix_y)))


def test_registry():
    assert "tailcuts" in CLEANERS


def test_picture_with_boundary_ring_survives():
    ctx = _ctx()
    c = _centre(ctx)
    nb = ctx.geometry.neighbors_of(c)
    image = np.zeros(ctx.geometry.n_pixels, dtype=np.float32)
    image[c] = 20.0
    image[nb[0]] = 12.0  # a second picture pixel
    image[nb[1:]] = 6.0  # boundary pixels
    cfg = CleaningConfig(picture_threshold=10, boundary_threshold=5, min_picture_neighbors=1)
    mask = clean("tailcuts", image, None, ctx, cfg)
    expected = np.zeros_like(mask)
    expected[c] = True
    expected[nb] = True
    np.testing.assert_array_equal(mask, expected)
    # a boundary pixel that touches no picture pixel is dropped
    far = int(np.argmax(np.hypot(ctx.geometry.pix_x, ctx.geometry.pix_y)))
    image[far] = 6.0
    assert not clean("tailcuts", image, None, ctx, cfg)[far]


def test_isolated_picture_pixels():
    ctx = _ctx()
    c = _centre(ctx)
    image = np.zeros(ctx.geometry.n_pixels, dtype=np.float32)
    image[c] = 50.0
    drop = CleaningConfig(picture_threshold=10, boundary_threshold=5, min_picture_neighbors=0)
    assert not clean("tailcuts", image, None, ctx, drop).any()
    keep = CleaningConfig(
        picture_threshold=10,
        boundary_threshold=5,
        min_picture_neighbors=0,
        keep_isolated_pixels=True,
    )
    assert clean("tailcuts", image, None, ctx, keep).sum() == 1


def test_min_picture_neighbours():
    ctx = _ctx()
    c = _centre(ctx)
    nb = ctx.geometry.neighbors_of(c)
    image = np.zeros(ctx.geometry.n_pixels, dtype=np.float32)
    image[c] = 20.0
    image[nb[0]] = 20.0
    cfg = CleaningConfig(picture_threshold=10, boundary_threshold=5, min_picture_neighbors=2)
    assert not clean("tailcuts", image, None, ctx, cfg).any()
    image[nb[1]] = 20.0  # now the centre has two picture neighbours, each side one or two
    mask = clean("tailcuts", image, None, ctx, cfg)
    assert mask[c]


@pytest.mark.parametrize("square", [False, True])
def test_time_constraint_and_dilation(square):
    ctx = _ctx(square)
    c = _centre(ctx)
    nb = ctx.geometry.neighbors_of(c)
    image = np.zeros(ctx.geometry.n_pixels, dtype=np.float32)
    image[c] = 30.0
    image[nb] = 15.0
    t = np.full(len(image), 10.0, dtype=np.float32)
    t[nb[0]] = 40.0  # out of time with all its image neighbours
    base = CleaningConfig(picture_threshold=10, boundary_threshold=5, min_picture_neighbors=1)
    no_time = clean("tailcuts", image, t, ctx, base)
    assert no_time[nb[0]]
    timed = clean(
        "tailcuts",
        image,
        t,
        ctx,
        CleaningConfig(
            picture_threshold=10, boundary_threshold=5, min_picture_neighbors=1, time_limit_ns=5.0
        ),
    )
    assert not timed[nb[0]] and timed[c]
    assert timed.sum() == no_time.sum() - 1
    dilated = clean(
        "tailcuts",
        image,
        t,
        ctx,
        CleaningConfig(
            picture_threshold=10, boundary_threshold=5, min_picture_neighbors=1, n_dilation_rings=1
        ),
    )
    ring = np.zeros_like(no_time)
    for p in np.flatnonzero(no_time):
        ring[ctx.geometry.neighbors_of(p)] = True
    np.testing.assert_array_equal(dilated, no_time | ring)


@pytest.mark.parametrize("keep_isolated, min_nb", [(False, 2), (False, 0), (True, 2), (False, 1)])
def test_tailcuts_equals_ctapipes_sparse_matrix_formula(keep_isolated, min_nb):
    """ctapipe's tailcuts_clean written with the neighbour matrix: picture pixels (with at
    least min_nb picture neighbours unless isolated ones are kept), plus boundary pixels next
    to a picture pixel; without keep_isolated a picture pixel needs a boundary neighbour."""
    from scipy.sparse import csr_matrix

    ctx = _ctx()
    indptr, indices = ctx.csr
    n = ctx.geometry.n_pixels
    nb = csr_matrix((np.ones(len(indices), dtype=np.int64), indices, indptr), shape=(n, n))
    rng = np.random.default_rng(7)
    cfg = CleaningConfig(picture_threshold=10.0, boundary_threshold=5.0,
                         min_picture_neighbors=min_nb, keep_isolated_pixels=keep_isolated)
    for _ in range(50):
        image = rng.exponential(4.0, n).astype(np.float32)
        above_pic = image >= 10.0
        if keep_isolated or min_nb == 0:
            in_pic = above_pic
        else:
            in_pic = above_pic & (nb.dot(above_pic.astype(np.int64)) >= min_nb)
        above_b = image >= 5.0
        with_pic = nb.dot(in_pic.astype(np.int64)) > 0
        if keep_isolated:
            expected = (above_b & with_pic) | in_pic
        else:
            expected = (above_b & with_pic) | (in_pic & (nb.dot(above_b.astype(np.int64)) > 0))
        np.testing.assert_array_equal(clean("tailcuts", image, None, ctx, cfg), expected)
