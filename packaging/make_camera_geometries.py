"""Regenerate the camera geometries ``CameraGeometry.from_name`` loads, from sim_telarray files.

    python packaging/make_camera_geometries.py [FILE ...]

Default: every sim_telarray file of the shared data folder (``$CTAVIEWER_TEST_DATA``, by
default ``../shared/data``). Each distinct pixel layout of a known camera type is kept once,
as the file stores it (pixel positions and areas as written, the pixel-shape code, the camera
rotation), in ``ctaviewer/resources/cameras/<camera>.npz``; ``from_name`` rebuilds it with the
reader's own conversion, so the geometry equals the one read from the file bit for bit.

A layout is labelled by the simulation production of the files it was found in ("prod2" ...
"prod7": sim_telarray's ``CTA-PRODn`` configuration names in the file history, or simtools'
model production version); the newest production is the camera's default. Cameras the field
does not know (generic ``UNKNOWN-...`` names, as the 40000-pixel stress file's) are left out.
"""

from __future__ import annotations

import glob
import json
import os
import re
import sys
import warnings
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "ctaviewer" / "resources" / "cameras"
#: metadata of every variant, in each file's "meta" entry
FORMAT_VERSION = 1


def _data_dir() -> Path:
    return Path(os.environ.get("CTAVIEWER_TEST_DATA", ROOT.parent / "shared" / "data"))


def production(simtel_file) -> str:
    """The production a file was simulated for: "prodN", or "unknown"."""
    meta = getattr(simtel_file, "global_meta", None) or {}
    version = meta.get(b"*SIMTOOLS_MODEL_PRODUCTION_VERSION")
    if version:
        return "prod" + version.decode().split(".")[0]
    texts = []
    for entry in getattr(simtel_file, "history", []) or []:
        for part in entry:
            if isinstance(part, bytes):
                texts.append(part.decode("utf-8", "replace"))
    found = [int(n) for n in re.findall(r"prod[-_]?(\d)", " ".join(texts), flags=re.I)]
    return f"prod{max(found)}" if found else "unknown"


def layouts(path: str):
    """(camera name, source name, raw camera settings) of every telescope of a file."""
    import eventio

    from ctaviewer.io import open_source

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        source = open_source(path)
        tels = {tel_id: tel.camera for tel_id, tel in source.subarray.tels.items()}
        close = getattr(source, "close", None)
        if close is not None:
            close()
        with eventio.SimTelFile(path) as f:
            prod = production(f)
            for tel_id, camera in tels.items():
                cs = f.telescope_descriptions[tel_id]["camera_settings"]
                codes = np.asarray(cs.get("pixel_shape", []))
                yield camera.name, camera.source_name, prod, {
                    "pixel_x": np.asarray(cs["pixel_x"]),
                    "pixel_y": np.asarray(cs["pixel_y"]),
                    "pixel_area": np.asarray(cs.get("pixel_area", [])),
                    "shape_code": int(codes[0]) if codes.size else None,
                    "cam_rot": float(cs.get("cam_rot", 0.0)),
                }


def _key(raw: dict) -> tuple:
    return (raw["pixel_x"].tobytes(), raw["pixel_y"].tobytes(), raw["pixel_area"].tobytes(),
            str(raw["pixel_x"].dtype), str(raw["pixel_area"].dtype), raw["shape_code"],
            raw["cam_rot"])


def collect(paths) -> dict:
    """camera -> {label: {"raw": ..., "files": [...], "source_names": [...]}}."""
    cameras: dict[str, dict] = {}
    for path in sorted(paths):
        try:
            found = list(layouts(path))
        except Exception as exc:  # a header-only or foreign file: nothing to take
            print(f"skipped {os.path.basename(path)}: {type(exc).__name__}: {exc}",
                  file=sys.stderr)
            continue
        for name, source_name, prod, raw in found:
            if name.startswith("UNKNOWN"):
                continue
            variants = cameras.setdefault(name, {})
            same = [v for v in variants.values() if _key(v["raw"]) == _key(raw)]
            if same:
                entry = same[0]
            else:
                label = prod
                n = 2
                while label in variants:  # two layouts of one production: prodN, prodN-2
                    label = f"{prod}-{n}"
                    n += 1
                entry = variants[label] = {"raw": raw, "files": [], "source_names": []}
            base = os.path.basename(path)
            if base not in entry["files"]:
                entry["files"].append(base)
            if source_name not in entry["source_names"]:
                entry["source_names"].append(source_name)
    return cameras


def _order(label: str) -> tuple:
    m = re.match(r"prod(\d+)(?:-(\d+))?$", label)
    return (int(m.group(1)), -int(m.group(2) or 1)) if m else (-1, 0)


def write(cameras: dict, out: Path = OUT) -> list[Path]:
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for name, variants in sorted(cameras.items()):
        labels = sorted(variants, key=_order, reverse=True)
        arrays = {}
        meta = {"format": FORMAT_VERSION, "camera": name, "default": labels[0], "variants": {}}
        for label in labels:
            v = variants[label]
            raw = v["raw"]
            arrays[f"{label}/pixel_x"] = raw["pixel_x"]
            arrays[f"{label}/pixel_y"] = raw["pixel_y"]
            arrays[f"{label}/pixel_area"] = raw["pixel_area"]
            meta["variants"][label] = {
                "n_pixels": int(len(raw["pixel_x"])),
                "shape_code": raw["shape_code"],
                "cam_rot_rad": raw["cam_rot"],
                "files": v["files"],
                "source_names": v["source_names"],
            }
        arrays["meta"] = np.array(json.dumps(meta, sort_keys=True))
        path = out / f"{name}.npz"
        np.savez_compressed(path, **arrays)
        written.append(path)
    for old in out.glob("*.npz"):
        if old not in written:
            old.unlink()
    return written


def main(argv=None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    paths = args or sorted(glob.glob(str(_data_dir() / "simtel" / "*.simtel*")))
    if not paths:
        print(f"no sim_telarray files in {_data_dir() / 'simtel'}", file=sys.stderr)
        return 1
    cameras = collect(paths)
    for path in write(cameras):
        meta = json.loads(str(np.load(path)["meta"]))
        print(f"{path.relative_to(ROOT)}  {path.stat().st_size / 1024:.0f} kB  "
              f"default {meta['default']}, variants {', '.join(meta['variants'])}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
