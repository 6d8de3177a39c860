"""Script displays: 1000 image updates of ctaviewer's CameraDisplay against ctapipe's.

    python benchmarks/display.py [--camera LSTCam] [--n 1000] [--ctapipe-python PATH]

Both draw the same images (random shower-like charges, one per update) on the same camera
(``CameraGeometry.from_name``; ctapipe's built from the same pixel positions, areas and
rotation), autoscaled, in a 640×540-pixel figure, once without and once with a colour bar
(whose axis is laid out again at every update, the range changing), and every update is a
complete frame: ours sets ``display.image`` with ``autoupdate`` in a shown window
(offscreen without a screen) whose viewport repaints once per update (the paint events are
counted); ctapipe's matplotlib display (Agg backend) redraws its canvas in the ``image``
setter (``autoupdate=True``). ``--ctapipe-python`` (or ``CTAVIEWER_CTAPIPE_PYTHON``) is the
Python of an environment with ctapipe; without it only ours runs. The last line is JSON:
milliseconds per update of each, updates per second, and the speed-up.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

CTAPIPE_SIDE = r"""
import json, sys, time
import numpy as np
import matplotlib
matplotlib.use("Agg")
import matplotlib.pyplot as plt
from astropy import units as u
from ctapipe.instrument import CameraGeometry
from ctapipe.visualization import CameraDisplay

data = np.load(sys.argv[1])
geom = CameraGeometry(
    name=str(data["name"]), pix_id=np.arange(len(data["x"])), pix_x=data["x"] * u.m,
    pix_y=data["y"] * u.m, pix_area=data["area"] * u.m**2, pix_type=str(data["shape"]),
    pix_rotation=float(data["pix_rotation"]) * u.deg, cam_rotation=0 * u.deg)
images = data["images"]
fig, ax = plt.subplots(figsize=(6.4, 5.4), dpi=100)
disp = CameraDisplay(geom, ax=ax, image=images[0], autoupdate=True)
if sys.argv[2] == "1":
    disp.add_colorbar()
fig.canvas.draw()
t0 = time.perf_counter()
for image in images:
    disp.image = image
elapsed = time.perf_counter() - t0
import ctapipe
print(json.dumps({"seconds": elapsed, "n": len(images), "version": ctapipe.__version__}))
"""


def shower_images(n_pixels: int, n: int, seed: int = 0) -> np.ndarray:
    """Noise everywhere plus a bright blob on some pixels, different in every image."""
    rng = np.random.default_rng(seed)
    images = rng.normal(0.0, 1.5, (n, n_pixels))
    for k in range(n):
        start = rng.integers(0, max(1, n_pixels - 60))
        images[k, start:start + 60] += rng.gamma(2.0, 40.0, size=min(60, n_pixels - start))
    return images


def run_ours(geometry, images, colorbar: bool) -> dict:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from ctaviewer.app.qt import QtCore
    from ctaviewer.display import CameraDisplay

    disp = CameraDisplay(geometry, image=images[0], size=(640, 540))
    if colorbar:
        disp.add_colorbar()
    disp.show()
    paints = []

    class Counter(QtCore.QObject):
        def eventFilter(self, obj, event):
            if event.type() == QtCore.QEvent.Paint:
                paints.append(1)
            return False

    counter = Counter()
    disp.widget.viewport().installEventFilter(counter)
    for image in images[:20]:  # warm-up: the pixel map of this size, the colour tables
        disp.image = image
    paints.clear()
    t0 = time.perf_counter()
    for image in images:
        disp.image = image
    elapsed = time.perf_counter() - t0
    n_paints = len(paints)
    disp.widget.viewport().removeEventFilter(counter)
    disp.close()
    return {"seconds": elapsed, "n": len(images), "paints": n_paints,
            "platform": disp.app.platformName()}


def run_ctapipe(python: str, geometry, images, colorbar: bool) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "images.npz"
        np.savez(path, name=geometry.name, x=geometry.pix_x, y=geometry.pix_y,
                 area=geometry.pix_area, shape=geometry.pix_shape,
                 # ctapipe's orientation: ours (first vertex) minus 90° (hexagons), 135°
                 pix_rotation=geometry.pix_rotation_deg
                 - {"hexagon": 90.0, "square": 135.0}.get(geometry.pix_shape, 0.0),
                 images=images)
        env = {**os.environ, "MPLBACKEND": "Agg"}
        done = subprocess.run([python, "-c", CTAPIPE_SIDE, str(path), str(int(colorbar))],
                              capture_output=True, text=True, env=env)
    if done.returncode != 0:
        raise SystemExit(f"ctapipe side failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--camera", default="LSTCam", help="a name of CameraGeometry.from_name")
    ap.add_argument("--n", type=int, default=1000, help="image updates (default 1000)")
    ap.add_argument("--ctapipe-python", default=os.environ.get("CTAVIEWER_CTAPIPE_PYTHON"))
    args = ap.parse_args(argv)

    from ctaviewer.instrument import CameraGeometry

    geometry = CameraGeometry.from_name(args.camera)
    images = shower_images(geometry.n_pixels, args.n)
    out = {"camera": geometry.name, "n_pixels": geometry.n_pixels, "n_updates": args.n}
    for colorbar in (False, True):
        tag = "colorbar" if colorbar else "plain"
        ours = run_ours(geometry, images, colorbar)
        ms = 1e3 * ours["seconds"] / ours["n"]
        out.update({f"ours_{tag}_ms_per_update": round(ms, 3),
                    f"ours_{tag}_updates_per_s": round(1e3 / ms, 1),
                    f"ours_{tag}_viewport_paints": ours["paints"]})
        out["ours_platform"] = ours["platform"]
        print(f"ctaviewer, {tag}: {ours['n']} updates in {ours['seconds']:.2f} s ({ms:.2f} ms "
              f"each, {ours['paints']} repaints, {ours['platform']})", flush=True)
        if args.ctapipe_python:
            theirs = run_ctapipe(args.ctapipe_python, geometry, images, colorbar)
            cms = 1e3 * theirs["seconds"] / theirs["n"]
            print(f"ctapipe {theirs['version']}, {tag}: {theirs['n']} updates in "
                  f"{theirs['seconds']:.2f} s ({cms:.2f} ms each)", flush=True)
            out.update({"ctapipe_version": theirs["version"],
                        f"ctapipe_{tag}_ms_per_update": round(cms, 3),
                        f"ctapipe_{tag}_updates_per_s": round(1e3 / cms, 1),
                        f"speedup_{tag}": round(cms / ms, 1)})
    print(json.dumps(out))
    return 0


if __name__ == "__main__":
    sys.exit(main())
