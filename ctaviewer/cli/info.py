"""``ctaviewer info FILE``: what a file holds."""

from __future__ import annotations

import json
from dataclasses import asdict

from .source_options import add_selection_arguments, selection_from_args

EPILOG = """examples:
  ctaviewer info gamma_70sst1m.simtel.zst
  ctaviewer info gamma_70sst1m.simtel.zst --json | jq .n_events
  ctaviewer info gamma_4lst_15nectarcam.simtel.zst --allowed-tels LST_LST_LSTCam
                                     the LSTs only: their events and telescope types
"""


def add_arguments(parser) -> None:
    parser.add_argument("file", help="input file")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    add_selection_arguments(parser)


def describe(path: str, selection=None) -> dict:
    """A JSON-serialisable description of the file at ``path`` (of the telescopes and
    events ``selection``, an ``io.selection.SourceSelection``, keeps).

    Problems found on the way (truncation, damage, data after the run) are warned about
    and described under "truncated", "damaged" and "data_after_run".
    """
    from ..io import open_source

    options = selection.source_options() if selection is not None else {}
    with open_source(path, **options) as source:
        sub = source.subarray
        n_events = len(source)
        readout = source.readout_kinds()  # what the events hold
        telescope_types = []
        for desc in sub.telescope_types:
            cam = desc.camera
            kind = readout.get(cam.name)
            telescope_types.append(
                {
                    "type": desc.type_name,
                    "camera": cam.name,
                    "n_telescopes": int(len(sub.tel_ids_for_type(desc.type_name))),
                    "n_pixels": cam.geometry.n_pixels,
                    "pixel_shape": cam.geometry.pix_shape,
                    # sums-only cameras have no samples: the header's count is the
                    # integration window of their sums
                    "readout": kind or "unknown",
                    "n_samples": None if kind == "sums" else cam.readout.n_samples,
                    "n_gains": cam.readout.n_gains,
                    "focal_length_m": round(desc.optics.equivalent_focal_length, 3),
                }
            )
        index = source.index
        sim = source.simulation_config
        simulation = asdict(sim) if sim is not None else None
        if simulation is not None and not simulation.get("primary") and index is not None:
            simulation["primary"] = _primary_from_showers(index.shower_primaries)
        error = index.error if index is not None else None
        return {
            "path": path,
            "reader": source.name,
            "obs_id": source.obs_id,
            "n_telescopes": int(sub.n_tels),
            "selection": source.selection.describe() or None,
            "telescope_types": telescope_types,
            "n_events": int(n_events),
            "truncated": bool(index.truncated) if index is not None else False,
            "damaged": None if error is None else {
                "offset": error.offset, "cause": error.reason},
            "data_after_run": int(index.trailing_bytes) if index is not None else 0,
            "data_kind": source.data_kind,
            "simulation": simulation,
            "site": asdict(sub.location) if sub.location else None,
        }


def _primary_from_showers(primary_ids) -> str:
    """The primary named from the showers' CORSIKA ids, when the header names none."""
    from ..event import PRIMARY_NAMES

    names = [PRIMARY_NAMES.get(int(i), f"particle id {int(i)}") for i in primary_ids
             if int(i) >= 0]
    return ", ".join(names)


def run(args) -> int:
    info = describe(args.file, selection_from_args(args))
    if args.json:
        print(json.dumps(info))
        return 0
    print(f"{info['path']}  (reader: {info['reader']}, run {info['obs_id']})")
    chosen = f" (selected: {info['selection']})" if info["selection"] else ""
    print(f"  telescopes: {info['n_telescopes']}{chosen}")
    for t in info["telescope_types"]:
        samples = "sums only" if t["readout"] == "sums" else f"{t['n_samples']} samples"
        print(
            f"    {t['n_telescopes']:4d} × {t['type']:<28s} {t['n_pixels']:6d} {t['pixel_shape']} "
            f"pixels, {samples} × {t['n_gains']} gain(s)"
        )
    notes = []
    if info["damaged"]:
        d = info["damaged"]
        at = f" at byte {d['offset']}" if d["offset"] is not None else ""
        notes.append(f"file damaged{at}: {d['cause']}; nothing after it is read")
    if info["truncated"]:
        notes.append("file truncated: complete events only")
    if info["data_after_run"]:
        notes.append(f"{info['data_after_run']} bytes after the end of the run are not read")
    trunc = f" ({'; '.join(notes)})" if notes else ""
    print(f"  events: {info['n_events']}{trunc}")
    print(f"  data: {info['data_kind']}")
    sim = info["simulation"]
    if sim:
        print(
            f"  simulation: {sim['primary'] or 'primary ?'} {sim['energy_min']:g}–"
            f"{sim['energy_max']:g} TeV, index {sim['spectral_index']:g}, "
            f"{sim['n_showers']} showers × {sim['shower_reuse']} reuse, "
            f"scatter {sim['max_scatter_range']:g} m, viewcone {sim['viewcone_min']:g}–"
            f"{sim['viewcone_max']:g}°, alt {sim['max_alt']:.1f}° az {sim['max_az']:.1f}°"
        )
    if info["site"]:
        s = info["site"]
        if s.get("position_known", True):
            print(f"  site: lat {s['latitude_deg']:.3f}°, lon {s['longitude_deg']:.3f}°, "
                  f"{s['height_m']:.0f} m")
        else:
            print(f"  site: position not in the file; height {s['height_m']:.0f} m (the "
                  "simulation's observation level)")
    return 0
