"""The GADF data model (datamodel/gadf.py) and where DL3 writing sits among the packages."""

from __future__ import annotations

import pytest

from ctaviewer.datamodel import gadf
from ctaviewer.writers import dl3

# events/events.rst, "Mandatory header keywords" of GADF 0.3, retyped from the specification
# (with the time keywords of general/time.rst and the location of general/coordinates.rst)
SPEC_EVENTS_MANDATORY = {
    "HDUCLASS", "HDUDOC", "HDUVERS", "HDUCLAS1", "OBS_ID", "TSTART", "TSTOP", "ONTIME",
    "LIVETIME", "DEADC", "OBS_MODE", "RA_PNT", "DEC_PNT", "EQUINOX", "RADECSYS", "ORIGIN",
    "TELESCOP", "INSTRUME", "CREATOR", "MJDREFI", "MJDREFF", "TIMEUNIT", "TIMESYS", "TIMEREF",
    "GEOLON", "GEOLAT", "ALTITUDE",
}


def test_the_module_encodes_the_specification():
    assert set(gadf.EVENTS.mandatory) == SPEC_EVENTS_MANDATORY
    assert {"OBJECT", "TELAPSE", "OBSERVER", "HDUCLAS2", "DATE-OBS", "DATE-END"} <= set(
        gadf.EVENTS.optional)
    assert [c.name for c in gadf.EVENTS.columns] == ["EVENT_ID", "TIME", "RA", "DEC", "ENERGY"]
    assert {"MJDREFI", "TIMESYS"} <= set(gadf.GTI.mandatory)
    assert {"GEOLAT", "TIMEREF"} <= set(gadf.POINTING.mandatory)
    # every keyword any HDU names is defined once, with a type
    for spec in (gadf.EVENTS, gadf.GTI, gadf.POINTING, gadf.HDU_INDEX, gadf.OBS_INDEX):
        assert set(spec.mandatory) | set(spec.optional) <= set(gadf.KEYWORDS), spec.extname
    aeff = gadf.IRFS["EFFECTIVE AREA"].spec(point_like=False)
    assert aeff.class_header() == {**gadf.HDUCLASS_HEADER, "HDUCLAS1": "RESPONSE",
                                   "HDUCLAS2": "EFF_AREA", "HDUCLAS3": "FULL-ENCLOSURE",
                                   "HDUCLAS4": "AEFF_2D"}
    assert gadf.IRFS["RAD_MAX"].spec(point_like=True).hduclas[2] == "POINT-LIKE"
    with pytest.raises(ValueError):
        gadf.IRFS["PSF"].spec(point_like=True)  # a PSF table is full-enclosure only
    assert (aeff.hdu_type, aeff.hdu_class) == ("aeff", "aeff_2d")
    # every optional keyword the writer promises is a GADF keyword of the EVENTS page
    assert set(dl3.EVENTS_OPTIONAL) <= set(gadf.EVENTS.optional)
    assert set(dl3.OBS_INDEX_OPTIONAL) <= {c.name for c in gadf.OBS_INDEX.optional_columns}


def test_missing_and_mistyped_keywords_are_found():
    header = {**gadf.EVENTS.class_header(), "OBS_ID": "7", "TSTART": 1.0}
    problems = gadf.missing_keywords(header, gadf.EVENTS, ("OBJECT",))
    assert "OBJECT missing" in problems and "TSTOP missing" in problems
    assert "OBS_ID='7' is not int" in problems
    bad_class = {**gadf.GTI.class_header(), "HDUCLAS1": "EVENTS"}
    assert any("HDUCLAS1='EVENTS'" in p for p in gadf.missing_keywords(bad_class, gadf.GTI))


def test_cards_have_the_spec_types_and_fit_a_card():
    from astropy.io import fits

    cards = dict((k, (v, c)) for k, v, c in gadf.cards(
        {"EQUINOX": 2000, "N_TELS": 4.0, "HDUDOC": gadf.HDUDOC, "GH_CUT": (0.5, "cut")}))
    assert cards["EQUINOX"][0] == 2000.0 and isinstance(cards["EQUINOX"][0], float)
    assert isinstance(cards["N_TELS"][0], int)
    assert cards["GH_CUT"] == (0.5, "cut")
    header = fits.Header([(k, v, c) for k, (v, c) in cards.items()])
    for card in header.cards:
        assert len(card.image) <= 80  # no "comment will be truncated" from astropy


def test_time_reference_is_2001_utc_in_tt():
    """MJDREF of CTA/H.E.S.S. DL3: 2001-01-01 00:00:00 UTC expressed in TT, as astropy says."""
    from astropy.time import Time

    ref = Time("2001-01-01T00:00:00", scale="utc")
    ours = Time(dl3.MJDREFI, dl3.MJDREFF, format="mjd", scale="tt")
    assert abs((ours - ref).sec) < 1e-6
    assert (ref.tt - Time(dl3.MJDREFI, format="mjd", scale="tt")).sec == pytest.approx(64.184)


def test_dl3_writing_depends_on_the_data_model_not_on_irf():
    """writers/dl3 and irf share the GADF module below both; irf uses writers, never the other
    way round; the data model imports nothing of ctaviewer."""
    grimp = pytest.importorskip("grimp", reason="import-linter's graph library")
    graph = grimp.build_graph("ctaviewer")
    assert not graph.chain_exists("ctaviewer.writers", "ctaviewer.irf", as_packages=True)
    assert graph.chain_exists("ctaviewer.irf.make", "ctaviewer.writers.dl3")
    for module in ("ctaviewer.writers.dl3", "ctaviewer.irf.compute"):
        assert "ctaviewer.datamodel.gadf" in graph.find_modules_directly_imported_by(module)
    inside = {m for m in graph.find_modules_directly_imported_by("ctaviewer.datamodel.gadf")
              if m.startswith("ctaviewer")}
    assert inside == set()
