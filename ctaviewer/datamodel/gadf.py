"""The GADF data model of DL3 files: HDU names and classes, header keywords, columns.

GADF is the "Data formats for gamma-ray astronomy" specification, version 0.3
(https://gamma-astro-data-formats.readthedocs.io/en/v0.3/; its source is the repository
open-gamma-ray-astro/gamma-astro-data-formats, tag v0.3). Each definition below cites the page of
the specification it encodes, as ``events/events.rst`` and the section title. The DL3 writer
(``writers/dl3.py``) builds every header and table from these definitions, the IRF code
(``irf/``) names its HDUs with them, and the tests check written files against them; nothing
else in ctaviewer spells a GADF keyword or extension name.

This module has no dependency inside ctaviewer: it sits below both ``writers`` and ``irf``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

#: the version of the specification this module encodes (general/hduclass.rst: HDUVERS)
SPEC_VERSION = "0.3"
HDUDOC = "https://github.com/open-gamma-ray-astro/gamma-astro-data-formats"

#: general/hduclass.rst, "HDU classes": the format declaration every GADF HDU carries
HDUCLASS_HEADER = {"HDUCLASS": "GADF", "HDUDOC": HDUDOC, "HDUVERS": SPEC_VERSION}


@dataclass(frozen=True)
class Keyword:
    """One header keyword: its FITS value type (``str``, ``int`` or ``float``), unit, meaning."""

    name: str
    kind: type
    unit: str = ""
    comment: str = ""

    def accepts(self, value) -> bool:
        """Whether ``value`` (as astropy reads it back) has this keyword's type."""
        if self.kind is float:
            return isinstance(value, int | float) and not isinstance(value, bool)
        if self.kind is int:
            return isinstance(value, int) and not isinstance(value, bool)
        return isinstance(value, self.kind)


def _kw(name, kind, unit="", comment=""):
    return Keyword(name, kind, unit, comment)


#: every keyword named below, with its type and unit as the specification gives them
KEYWORDS: dict[str, Keyword] = {k.name: k for k in (
    # general/hduclass.rst, "HDU classes"
    _kw("HDUCLASS", str, comment="format: gamma-astro-data-formats"),
    _kw("HDUDOC", str, comment="format documentation"),
    _kw("HDUVERS", str, comment="format version"),
    _kw("HDUCLAS1", str, comment="primary HDU class"),
    _kw("HDUCLAS2", str, comment="secondary HDU class"),
    _kw("HDUCLAS3", str, comment="IRF kind: POINT-LIKE or FULL-ENCLOSURE"),
    _kw("HDUCLAS4", str, comment="IRF format"),
    # general/time.rst, "Formats"
    _kw("MJDREFI", int, "d", "integer part of the reference MJD"),
    _kw("MJDREFF", float, "d", "fractional part of the reference MJD"),
    _kw("TIMEUNIT", str, comment="unit of times relative to MJDREF"),
    _kw("TIMESYS", str, comment="time scale of times and dates"),
    _kw("TIMEREF", str, comment="time reference frame"),
    _kw("DATE-OBS", str, comment="observation start (TIMESYS scale)"),
    _kw("DATE-BEG", str, comment="observation start (TIMESYS scale)"),
    _kw("DATE-AVG", str, comment="observation middle (TIMESYS scale)"),
    _kw("DATE-END", str, comment="observation end (TIMESYS scale)"),
    # general/coordinates.rst, "Earth location"
    _kw("GEOLON", float, "deg", "longitude of the array centre"),
    _kw("GEOLAT", float, "deg", "latitude of the array centre"),
    _kw("ALTITUDE", float, "m", "altitude of the array centre a.s.l."),
    # events/events.rst, "Mandatory header keywords"
    _kw("OBS_ID", int, comment="unique observation identifier"),
    _kw("TSTART", float, "s", "start of the observation (since MJDREF)"),
    _kw("TSTOP", float, "s", "end of the observation (since MJDREF)"),
    _kw("ONTIME", float, "s", "sum of the good time intervals"),
    _kw("LIVETIME", float, "s", "ONTIME corrected for dead time"),
    _kw("DEADC", float, comment="dead time correction LIVETIME/ONTIME"),
    _kw("OBS_MODE", str, comment="observation mode"),
    _kw("RA_PNT", float, "deg", "pointing right ascension"),
    _kw("DEC_PNT", float, "deg", "pointing declination"),
    _kw("ALT_PNT", float, "deg", "pointing altitude"),
    _kw("AZ_PNT", float, "deg", "pointing azimuth"),
    _kw("EQUINOX", float, comment="equinox of the celestial frame"),
    _kw("RADECSYS", str, comment="celestial reference frame"),
    _kw("ORIGIN", str, comment="organisation that made the file"),
    _kw("TELESCOP", str, comment="telescope"),
    _kw("INSTRUME", str, comment="instrument"),
    _kw("CREATOR", str, comment="software that made the file"),
    # events/events.rst, "Optional header keywords"
    _kw("OBSERVER", str, comment="observer"),
    _kw("CREATED", str, comment="file creation time (UTC)"),
    _kw("OBJECT", str, comment="observed object"),
    _kw("RA_OBJ", float, "deg", "right ascension of OBJECT"),
    _kw("DEC_OBJ", float, "deg", "declination of OBJECT"),
    _kw("EV_CLASS", str, comment="event class"),
    _kw("TELAPSE", float, "s", "TSTOP - TSTART"),
    _kw("TELLIST", str, comment="telescope ids in the observation"),
    _kw("N_TELS", int, comment="number of observing telescopes"),
    _kw("TASSIGN", str, comment="place of time reference"),
    _kw("DST_VER", str, comment="data production version"),
    _kw("ANA_VER", str, comment="reconstruction software version"),
    _kw("CAL_VER", str, comment="calibration software version"),
    _kw("CONV_DEP", float, comment="convergence depth (0: parallel pointing)"),
    _kw("CONV_RA", float, "deg", "convergence right ascension"),
    _kw("CONV_DEC", float, "deg", "convergence declination"),
    _kw("TRGRATE", float, "Hz", "mean system trigger rate"),
    _kw("ZTRGRATE", float, "Hz", "zenith-equivalent mean trigger rate"),
    _kw("MUONEFF", float, comment="mean muon efficiency"),
    _kw("BROKPIX", float, comment="fraction of broken pixels"),
    _kw("AIRTEMP", float, "deg C", "mean air temperature at ground"),
    _kw("PRESSURE", float, "hPa", "mean air pressure at ground"),
    _kw("RELHUM", float, comment="relative humidity"),
    _kw("NSBLEVEL", float, comment="night sky background level"),
    # irfs/full_enclosure/aeff/index.rst and irfs/point_like/index.rst, "RAD_MAX"
    _kw("LO_THRES", float, "TeV", "low energy threshold"),
    _kw("HI_THRES", float, "TeV", "high energy threshold"),
    _kw("RAD_MAX", float, "deg", "radius of the directional cut"),
    # data_storage/hdu_index/index.rst, "BASE_DIR"
    _kw("BASE_DIR", str, comment="folder the FILE_DIR entries start from"),
)}

#: general/time.rst, "Formats": "New files should always be written with all five header keys"
TIME_KEYWORDS = ("MJDREFI", "MJDREFF", "TIMEUNIT", "TIMESYS", "TIMEREF")
#: general/time.rst, "Formats": the optional ISO date strings, in the TIMESYS scale
DATE_KEYWORDS = ("DATE-OBS", "DATE-BEG", "DATE-AVG", "DATE-END")
#: general/coordinates.rst, "Earth location"
LOCATION_KEYWORDS = ("GEOLON", "GEOLAT", "ALTITUDE")
#: general/hduclass.rst: the declaration every HDU of the specification carries
CLASS_KEYWORDS = ("HDUCLASS", "HDUDOC", "HDUVERS", "HDUCLAS1")


@dataclass(frozen=True)
class ColumnDef:
    """A table column: name, numpy dtype as written, unit, meaning."""

    name: str
    dtype: str
    unit: str = ""
    description: str = ""


@dataclass(frozen=True)
class HDUSpec:
    """One kind of HDU: extension name, classification, keywords and columns of the spec.

    ``hduclas`` are the fixed HDUCLAS1, HDUCLAS2, ... values; ``hdu_type`` and ``hdu_class``
    the lower-case names the HDU index lists (None: not listed there).
    """

    extname: str
    hduclas: tuple[str, ...]
    mandatory: tuple[str, ...]
    optional: tuple[str, ...] = ()
    columns: tuple[ColumnDef, ...] = ()
    optional_columns: tuple[ColumnDef, ...] = ()
    hdu_type: str | None = None
    hdu_class: str | None = None

    def class_header(self) -> dict:
        """HDUCLASS, HDUDOC, HDUVERS and the HDUCLASn values of this HDU."""
        head = dict(HDUCLASS_HEADER)
        for i, value in enumerate(self.hduclas, start=1):
            head[f"HDUCLAS{i}"] = value
        return head

    def column(self, name: str) -> ColumnDef:
        for c in self.columns + self.optional_columns:
            if c.name == name:
                return c
        raise KeyError(f"{self.extname}: no column {name} in the GADF definition")


# ---------------------------------------------------------------------------- events/*.rst
#: events/events.rst, "Mandatory header keywords" (ALT_PNT and AZ_PNT are mandatory only for
#: OBS_MODE = DRIFT; RA_PNT and DEC_PNT for every other mode), plus the time keywords of
#: general/time.rst and the Earth location of general/coordinates.rst the page asks for
EVENTS = HDUSpec(
    extname="EVENTS",
    hduclas=("EVENTS",),
    mandatory=CLASS_KEYWORDS + (
        "OBS_ID", "TSTART", "TSTOP", "ONTIME", "LIVETIME", "DEADC", "OBS_MODE", "RA_PNT",
        "DEC_PNT", "EQUINOX", "RADECSYS", "ORIGIN", "TELESCOP", "INSTRUME", "CREATOR",
    ) + TIME_KEYWORDS + LOCATION_KEYWORDS,
    # events/events.rst, "Optional header keywords" (HDUCLAS2 = 'ACCEPTED'), general/time.rst
    optional=(
        "OBSERVER", "CREATED", "OBJECT", "RA_OBJ", "DEC_OBJ", "EV_CLASS", "TELAPSE", "HDUCLAS2",
        "TELLIST", "N_TELS", "TASSIGN", "DST_VER", "ANA_VER", "CAL_VER", "CONV_DEP", "CONV_RA",
        "CONV_DEC", "TRGRATE", "ZTRGRATE", "MUONEFF", "BROKPIX", "AIRTEMP", "PRESSURE",
        "RELHUM", "NSBLEVEL", "ALT_PNT", "AZ_PNT",
    ) + DATE_KEYWORDS,
    # events/events.rst, "Mandatory columns"
    columns=(
        ColumnDef("EVENT_ID", "i8", "", "event identifier, unique within OBS_ID"),
        ColumnDef("TIME", "f8", "s", "event time since MJDREF"),
        ColumnDef("RA", "f8", "deg", "reconstructed right ascension"),
        ColumnDef("DEC", "f8", "deg", "reconstructed declination"),
        ColumnDef("ENERGY", "f8", "TeV", "reconstructed energy"),
    ),
    # events/events.rst, "Optional columns" (the ones ctaviewer has)
    optional_columns=(
        ColumnDef("MULTIP", "i4", "", "number of telescopes used in the reconstruction"),
        ColumnDef("ALT", "f8", "deg", "reconstructed altitude"),
        ColumnDef("AZ", "f8", "deg", "reconstructed azimuth"),
        ColumnDef("GAMMANESS", "f8", "", "gamma/hadron score, 1 most gamma-like"),
    ),
    hdu_type="events",
    hdu_class="events",
)

#: events/gti.rst: columns START, STOP; "Mandatory header keywords": the time keywords
GTI = HDUSpec(
    extname="GTI",
    hduclas=("GTI",),
    mandatory=CLASS_KEYWORDS + TIME_KEYWORDS,
    columns=(
        ColumnDef("START", "f8", "s", "start of a good time interval since MJDREF"),
        ColumnDef("STOP", "f8", "s", "end of a good time interval since MJDREF"),
    ),
    hdu_type="gti",
    hdu_class="gti",
)

#: events/pointing.rst (a draft in 0.3): time keywords and Earth location are mandatory
POINTING = HDUSpec(
    extname="POINTING",
    hduclas=("POINTING",),
    mandatory=CLASS_KEYWORDS + TIME_KEYWORDS + LOCATION_KEYWORDS,
    columns=(
        ColumnDef("TIME", "f8", "s", "time of the pointing since MJDREF"),
        ColumnDef("RA_PNT", "f8", "deg", "pointing right ascension"),
        ColumnDef("DEC_PNT", "f8", "deg", "pointing declination"),
    ),
    optional_columns=(
        ColumnDef("ALT_PNT", "f8", "deg", "pointing altitude"),
        ColumnDef("AZ_PNT", "f8", "deg", "pointing azimuth"),
    ),
    # not in the hdu_index page's list of 0.3, but gammapy's HDU index accepts it
    hdu_type="pointing",
    hdu_class="pointing",
)


# ---------------------------------------------------------------------------- irfs/*.rst
@dataclass(frozen=True)
class IRFSpec:
    """An IRF format: HDUCLAS2 and HDUCLAS4 of general/hduclass.rst, the recommended EXTNAME,
    the HDU index names, and whether it exists as FULL-ENCLOSURE and/or POINT-LIKE."""

    extname: str
    hduclas2: str
    hduclas4: str
    hdu_type: str
    hdu_class: str
    full_enclosure: bool
    point_like: bool
    optional: tuple[str, ...] = ("OBS_ID",)

    def spec(self, point_like: bool) -> HDUSpec:
        if point_like and not self.point_like or not point_like and not self.full_enclosure:
            kind = "point-like" if point_like else "full-enclosure"
            raise ValueError(f"GADF has no {kind} {self.hduclas4}")
        clas3 = "POINT-LIKE" if point_like else "FULL-ENCLOSURE"
        return HDUSpec(
            extname=self.extname,
            hduclas=("RESPONSE", self.hduclas2, clas3, self.hduclas4),
            mandatory=CLASS_KEYWORDS + ("HDUCLAS2", "HDUCLAS3", "HDUCLAS4"),
            optional=self.optional + (("RAD_MAX",) if point_like else ()),
            hdu_type=self.hdu_type,
            hdu_class=self.hdu_class,
        )


#: the IRF HDUs ctaviewer writes, by extension name. HDUCLAS values from each format's page:
#: irfs/full_enclosure/aeff/index.rst (AEFF_2D, EXTNAME "EFFECTIVE AREA"),
#: irfs/full_enclosure/edisp/index.rst (EDISP_2D), irfs/full_enclosure/psf/psf_table/index.rst
#: (PSF_TABLE: HDUCLAS2 'PSF' there, 'RPSF' in the table of general/hduclass.rst; pyirf and
#: the CTA prod5 IRFs write 'PSF'), irfs/full_enclosure/bkg/index.rst (BKG_2D; the page lists
#: it FULL-ENCLOSURE, general/hduclass.rst also POINT-LIKE) and irfs/point_like/index.rst
#: (RAD_MAX_2D, POINT-LIKE only). The HDU index names are data_storage/hdu_index/index.rst's.
IRFS: dict[str, IRFSpec] = {s.extname: s for s in (
    IRFSpec("EFFECTIVE AREA", "EFF_AREA", "AEFF_2D", "aeff", "aeff_2d", True, True,
            ("OBS_ID", "LO_THRES", "HI_THRES")),
    IRFSpec("ENERGY DISPERSION", "EDISP", "EDISP_2D", "edisp", "edisp_2d", True, True),
    IRFSpec("PSF", "PSF", "PSF_TABLE", "psf", "psf_table", True, False),
    IRFSpec("BACKGROUND", "BKG", "BKG_2D", "bkg", "bkg_2d", True, True),
    IRFSpec("RAD_MAX", "RAD_MAX", "RAD_MAX_2D", "rad_max", "rad_max_2d", False, True),
)}


# ---------------------------------------------------------------------------- data_storage
#: data_storage/hdu_index/index.rst: suggested file and HDU name, columns, header
HDU_INDEX_FILE = "hdu-index.fits.gz"
HDU_INDEX = HDUSpec(
    extname="HDU_INDEX",
    hduclas=("INDEX", "HDU"),
    mandatory=CLASS_KEYWORDS + ("HDUCLAS2",),
    optional=("BASE_DIR",),
    columns=(
        ColumnDef("OBS_ID", "i8", "", "observation identifier"),
        ColumnDef("HDU_TYPE", "U", "", "HDU type (events, gti, aeff, ...)"),
        ColumnDef("HDU_CLASS", "U", "", "HDU format (events, aeff_2d, ...)"),
        ColumnDef("FILE_DIR", "U", "", "folder of the file, relative to the index"),
        ColumnDef("FILE_NAME", "U", "", "file name"),
        ColumnDef("HDU_NAME", "U", "", "extension name in the file"),
    ),
    optional_columns=(
        ColumnDef("SIZE", "i8", "", "file size in bytes"),
    ),
)

#: data_storage/obs_index/index.rst: suggested file and HDU name, columns, header. ALT_PNT and
#: AZ_PNT are required only for OBS_MODE = DRIFT (like RA_PNT/DEC_PNT for every other mode).
OBS_INDEX_FILE = "obs-index.fits.gz"
OBS_INDEX = HDUSpec(
    extname="OBS_INDEX",
    hduclas=("INDEX", "OBS"),
    mandatory=CLASS_KEYWORDS + ("HDUCLAS2",) + TIME_KEYWORDS + LOCATION_KEYWORDS,
    columns=(
        ColumnDef("OBS_ID", "i8", "", "observation identifier"),
        ColumnDef("OBS_MODE", "U", "", "observation mode"),
        ColumnDef("RA_PNT", "f8", "deg", "pointing right ascension"),
        ColumnDef("DEC_PNT", "f8", "deg", "pointing declination"),
        ColumnDef("TSTART", "f8", "s", "start of the observation since MJDREF"),
        ColumnDef("TSTOP", "f8", "s", "end of the observation since MJDREF"),
    ),
    optional_columns=(
        ColumnDef("ALT_PNT", "f8", "deg", "pointing altitude"),
        ColumnDef("AZ_PNT", "f8", "deg", "pointing azimuth"),
        ColumnDef("ZEN_PNT", "f8", "deg", "pointing zenith angle at the middle time"),
        ColumnDef("ONTIME", "f8", "s", "observation time"),
        ColumnDef("LIVETIME", "f8", "s", "observation time minus dead time"),
        ColumnDef("DEADC", "f8", "", "LIVETIME / ONTIME"),
        ColumnDef("DATE-OBS", "U", "", "start date (TIMESYS scale)"),
        ColumnDef("TIME-OBS", "U", "", "start time of day (TIMESYS scale)"),
        ColumnDef("DATE-END", "U", "", "end date (TIMESYS scale)"),
        ColumnDef("TIME-END", "U", "", "end time of day (TIMESYS scale)"),
        ColumnDef("N_TELS", "i8", "", "number of telescopes"),
        ColumnDef("TELLIST", "U", "", "telescope ids, comma separated"),
        ColumnDef("OBJECT", "U", "", "primary target"),
        ColumnDef("GLON_PNT", "f8", "deg", "pointing Galactic longitude"),
        ColumnDef("GLAT_PNT", "f8", "deg", "pointing Galactic latitude"),
        ColumnDef("TMID", "f8", "s", "middle of the observation since MJDREF"),
        ColumnDef("EVENT_COUNT", "i8", "", "number of events"),
        ColumnDef("BKG_SCALE", "f8", "", "background scaling (1: no study made)"),
    ),
)


def missing_keywords(header: Mapping, spec: HDUSpec, optional=()) -> list[str]:
    """Mandatory keywords of ``spec`` (and the named ``optional`` ones) absent from ``header``,
    plus the ones present with a value of the wrong type or a wrong HDUCLASn."""
    problems = []
    for name in tuple(spec.mandatory) + tuple(optional):
        if name not in header:
            problems.append(f"{name} missing")
            continue
        kw = KEYWORDS[name]
        if not kw.accepts(header[name]):
            problems.append(f"{name}={header[name]!r} is not {kw.kind.__name__}")
    for key, value in spec.class_header().items():
        if key in header and header[key] != value:
            problems.append(f"{key}={header[key]!r}, the specification says {value!r}")
    return problems


def cards(values: Mapping) -> list[tuple]:
    """(keyword, value, comment) cards for a header: each GADF keyword's value in the type of
    the specification (2000 becomes 2000.0 for a float keyword) and its meaning and unit as
    the comment. Other keywords pass unchanged (a (value, comment) tuple keeps its comment)."""
    out = []
    for name, value in values.items():
        kw = KEYWORDS.get(name)
        if kw is None:
            value, comment = value if isinstance(value, tuple) else (value, "")
        else:
            value = kw.kind(value)
            comment = kw.comment + (f" [{kw.unit}]" if kw.unit else "")
        # a card is 80 characters: keyword and "= " (10), the value (at least 20), " / "
        width = max(20, len(value) + 2) if isinstance(value, str) else 20
        out.append((name, value, comment[:max(0, 80 - 10 - width - 3)]))
    return out
