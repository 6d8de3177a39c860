"""DL3 from a batch's DL2 outputs: the options ``ctaviewer process --levels ...,dl3`` and the
batch panel share, and the one function both call (``write_dl3``).

The DL3 folder (GADF EVENTS/GTI/POINTING and pyirf IRFs per observation, ``hdu-index`` and
``obs-index``) goes to ``OUTPUT/dl3``; lines for the user (IRF counts, files left out, obs_ids
renumbered, the folder written) go to ``log``, warnings as ``warning: ...`` lines.
"""

from __future__ import annotations

import math
import os
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from ..errors import ConfigError, OutputError


@dataclass(frozen=True)
class DL3Options:
    """Simulations have no sky time or place: the site, the start of the observations
    (UTC, ISO) and their livetime give them one; the gammaness cut selects the events;
    ``point_like`` writes point-like IRFs with a ``theta_cut_deg`` (RAD_MAX) instead of a
    PSF. Values are checked when made (``errors.ConfigError`` naming the field)."""

    site: str = "CTAO-South"  # CTAO-North, CTAO-South or "lat,lon,height"
    obs_start: str = "2026-01-01T00:00:00"
    livetime_s: float = 1800.0
    gammaness_cut: float = 0.5
    point_like: bool = False
    theta_cut_deg: float = 0.2
    observer: str = "ctaviewer simulation"

    def __post_init__(self):
        from ..irf.sites import site_from_text

        site_from_text(self.site)  # ConfigError("site", ...) when it is not one
        try:
            datetime.fromisoformat(self.obs_start.strip())
        except ValueError:
            raise ConfigError("obs_start", f"{self.obs_start!r}: not a date and time "
                              "(ISO, e.g. 2026-01-01T22:00:00)") from None
        if not (math.isfinite(self.livetime_s) and self.livetime_s > 0):
            raise ConfigError("livetime", f"{self.livetime_s}: must be above 0 s")
        if not 0.0 <= self.gammaness_cut <= 1.0:
            raise ConfigError("gammaness_cut", f"{self.gammaness_cut}: must be in [0, 1]")
        if self.point_like and not (0.0 < self.theta_cut_deg <= 10.0):
            raise ConfigError("theta_cut", f"{self.theta_cut_deg}: must be in (0, 10] deg")


def dl3_folder(output: str) -> str:
    return os.path.join(output, "dl3")


def write_dl3(options: DL3Options, dl2_paths, output: str, *, overwrite: bool = False,
              log: Callable[[str], None] = print, folder: str | None = None) -> dict | None:
    """The DL3 folder of ``dl2_paths`` in ``output``/dl3 (or ``folder``); what
    ``irf.make.make_dl3`` says it did, with the folder. None (and a line) when there is no
    DL2 file."""
    from ..irf.compute import IRFOptions
    from ..irf.make import make_dl3
    from ..irf.sites import site_from_text
    from ..writers.dl3 import ObservationOptions

    if not dl2_paths:
        log("warning: no DL2 output: DL3 not written")
        return None
    obs = ObservationOptions(site_from_text(options.site), options.obs_start,
                             options.livetime_s, options.gammaness_cut,
                             observer=options.observer)
    irf = IRFOptions(options.gammaness_cut, options.point_like, options.theta_cut_deg)
    out = folder or dl3_folder(output)
    try:
        info = make_dl3(list(dl2_paths), out, obs, irf, overwrite=overwrite, log=log)
    except OSError as exc:  # a full disk while writing FITS: the folder was not committed
        from ..writers.atomic import write_error_text

        where = exc.filename or out
        raise OutputError(f"{where}: cannot write DL3: {write_error_text(exc)}") from None
    log(f"wrote DL3 folder {out}: observations {info['observations']}")
    return {"folder": out, **info}
