"""Observation sites for simulated observations: CTAO presets or a custom location."""

from __future__ import annotations

from ..errors import ConfigError
from ..instrument import SiteLocation

#: CTAO array reference points (WGS84), as the CTAO and ctapipe give them
SITES: dict[str, SiteLocation] = {
    "CTAO-North": SiteLocation(latitude_deg=28.761870, longitude_deg=-17.890470, height_m=2147.0),
    "CTAO-South": SiteLocation(latitude_deg=-24.683429, longitude_deg=-70.316345, height_m=2147.0),
}


def site_from_text(text: str) -> SiteLocation:
    """A preset name (CTAO-North, CTAO-South) or 'lat,lon,height' in deg, deg, m."""
    for name, loc in SITES.items():
        if text.strip().lower() == name.lower():
            return loc
    parts = text.split(",")
    if len(parts) != 3:
        raise ConfigError("site", f"{text!r}: use {' or '.join(SITES)} or 'lat,lon,height'")
    try:
        lat, lon, height = (float(p) for p in parts)
    except ValueError:
        raise ConfigError("site", f"{text!r}: lat, lon, height must be numbers") from None
    if not (-90 <= lat <= 90 and -180 <= lon <= 360):
        raise ConfigError("site", f"{text!r}: latitude or longitude out of range")
    return SiteLocation(lat, lon, height)
