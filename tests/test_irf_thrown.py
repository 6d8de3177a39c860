"""IRF normalisation: thrown showers per bin, which runs add up, A_eff of a known detector.

A synthetic Monte Carlo throws showers exactly as CORSIKA/sim_telarray do (power-law energies,
directions uniform per solid angle in the viewcone, cores uniform over the scatter disc) and a
detector with a known collection area selects them: the IRF code must give back that area,
never more than the thrown area, and refuse runs it cannot add up, naming them.
"""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pytest

from ctaviewer.errors import CtaviewerError
from ctaviewer.event import SimulationConfig
from ctaviewer.irf.compute import IRFOptions, compute_irfs
from ctaviewer.irf.events import DL2Events
from ctaviewer.irf.make import unique_obs_ids
from ctaviewer.irf.runs import SimRun
from ctaviewer.irf.thrown import ThrownShowers, combine_runs

POINTING = (70.0, 0.0)


def sim_config(run=1, **kw) -> SimulationConfig:
    values = dict(
        run_number=run, energy_min=0.1, energy_max=100.0, spectral_index=-2.0,
        n_showers=100_000, shower_reuse=1, max_scatter_range=1000.0, min_scatter_range=0.0,
        viewcone_min=0.0, viewcone_max=5.0, max_alt=POINTING[0], min_alt=POINTING[0],
        max_az=POINTING[1], min_az=POINTING[1], diffuse=True, core_pos_mode=1,
        obs_height=2150.0, atmosphere=26, corsika_version=7710, simtel_version=1593,
        primary="gamma",
    )
    values.update(kw)
    return SimulationConfig(**values)


def throw(sim: SimulationConfig, rng) -> dict:
    """The showers of one run: true energy (TeV), offset from the pointing (deg), core (m)."""
    n = sim.n_showers * sim.shower_reuse
    g = sim.spectral_index + 1
    u = rng.random(n)
    lo, hi = sim.energy_min ** g, sim.energy_max ** g
    energy = (lo + u * (hi - lo)) ** (1 / g)
    c_lo, c_hi = math.cos(math.radians(sim.viewcone_min)), math.cos(math.radians(sim.viewcone_max))
    offset = np.degrees(np.arccos(c_lo + rng.random(n) * (c_hi - c_lo)))
    r2 = sim.min_scatter_range**2 + rng.random(n) * (sim.max_scatter_range**2
                                                      - sim.min_scatter_range**2)
    return {"energy": energy, "offset": offset, "core": np.sqrt(r2)}


#: the detector: every shower with its core within 300 m and its direction within 3 deg
R_DETECT, OFFSET_DETECT = 300.0, 3.0
AREA_DETECT = math.pi * R_DETECT**2


def dl2_run(sim: SimulationConfig, rng, name: str) -> SimRun:
    """The DL2 events the detector keeps from one thrown run (perfect reconstruction)."""
    s = throw(sim, rng)
    keep = (s["core"] < R_DETECT) & (s["offset"] < OFFSET_DETECT)
    n = int(keep.sum())
    alt = POINTING[0] - s["offset"][keep]  # on the meridian: the offset is exact
    az = np.full(n, POINTING[1])
    events = DL2Events(
        path=name, obs_id=np.full(n, sim.run_number),
        event_id=np.arange(n, dtype=np.int64) * 100 + 100,
        time_mjd=np.full(n, np.nan), true_energy=s["energy"][keep], true_alt=alt, true_az=az,
        primary_id=np.zeros(n, dtype=np.int64), reco_energy=s["energy"][keep], reco_alt=alt,
        reco_az=az, gammaness=np.ones(n), multiplicity=np.full(n, 2), valid=np.ones(n, bool),
        pointing_alt=POINTING[0], pointing_az=POINTING[1], simulation=sim,
    )
    return SimRun(events, "gamma", ())


def test_thrown_fractions_are_the_simulated_distributions():
    t = ThrownShowers(1000, 0.1, 100.0, -2.0, 0.0, 5.0, 0.0, 1000.0)
    edges = np.geomspace(0.1, 100.0, 16)
    frac = t.energy_fraction(edges)
    assert frac.sum() == pytest.approx(1.0)
    # E^-2 between 0.1 and 100 TeV: the share below 1 TeV is (1/0.1 - 1/1) / (1/0.1 - 1/100)
    assert t.energy_fraction([0.1, 1.0])[0] == pytest.approx(9 / 9.99)
    # E^-1 is logarithmic: equal shares per decade
    flat = ThrownShowers(1000, 0.1, 100.0, -1.0, 0.0, 5.0, 0.0, 1000.0)
    assert flat.energy_fraction([0.1, 1, 10, 100]) == pytest.approx([1 / 3] * 3)
    # one energy: everything in the bin that holds it
    mono = ThrownShowers(20, 0.1, 0.1, -2.0, 0.0, 0.0, 0.0, 840.0)
    assert list(mono.energy_fraction([0.05, 0.08, 0.12, 0.2])) == [0, 1, 0]
    # directions uniform per solid angle in the cone; a ring cone has nothing inside
    assert t.offset_fraction([0, 1, 2, 3, 4, 5]).sum() == pytest.approx(1.0)
    assert t.offset_fraction([0, 2.5])[0] == pytest.approx(
        (1 - math.cos(math.radians(2.5))) / (1 - math.cos(math.radians(5))))
    ring = ThrownShowers(1000, 0.1, 100.0, -2.0, 2.0, 5.0, 0.0, 1000.0)
    assert ring.offset_fraction([0, 2, 5]) == pytest.approx([0, 1])
    # a point source: all at its offset
    point = ThrownShowers(1000, 0.1, 100.0, -2.0, 0.0, 0.0, 0.0, 1000.0, offset_deg=0.4)
    assert list(point.offset_fraction([0, 0.3, 0.5, 1])) == [0, 1, 0]
    # cores over the annulus between the scatter radii
    assert ThrownShowers(1, 1, 2, -2, 0, 0, 100.0, 300.0).area_m2 == pytest.approx(
        math.pi * (300**2 - 100**2))


def test_effective_area_of_a_known_detector_from_two_runs():
    """Two identical runs add up; the area comes back within statistics, never above the
    thrown area, and equals what one run of all the showers gives."""
    rng = np.random.default_rng(7)
    runs = [dl2_run(sim_config(run=i), rng, f"run{i}.h5") for i in (1, 2)]
    irf = compute_irfs(runs, [], IRFOptions(gammaness_cut=0.5, bins_per_decade=5))
    assert irf.thrown.n_showers == 200_000
    thrown_area = math.pi * 1000.0**2
    with_units = irf.hdus[0].data["EFFAREA"][0]  # written (offset, energy) in m²
    assert with_units.max() <= thrown_area
    np.testing.assert_allclose(with_units.T, irf.aeff_m2)
    centres = 0.5 * (irf.offset_edges_deg[:-1] + irf.offset_edges_deg[1:])
    expected_sel = irf.n_thrown_expected * AREA_DETECT / thrown_area
    checked = 0
    for (i, j), n_exp in np.ndenumerate(expected_sel):
        inside = irf.offset_edges_deg[j + 1] <= OFFSET_DETECT
        if n_exp > 100 and inside:  # well-measured bins: within 5 sigma of the true area
            assert abs(irf.aeff_m2[i, j] - AREA_DETECT) < 5 * AREA_DETECT / math.sqrt(n_exp)
            checked += 1
        elif centres[j] > OFFSET_DETECT + 0.5:
            assert irf.aeff_m2[i, j] == 0
    assert checked >= 10


def test_runs_simulated_differently_are_refused_by_name():
    rng = np.random.default_rng(3)
    diffuse = dl2_run(sim_config(run=1, n_showers=2000), rng, "gamma_diffuse.h5")
    point = dl2_run(sim_config(run=2, n_showers=2000, viewcone_max=0.0, diffuse=False), rng,
                    "gamma_point.h5")
    with pytest.raises(CtaviewerError) as err:
        compute_irfs([diffuse, point], [], IRFOptions())
    message = str(err.value)
    assert "run 1 (gamma_diffuse.h5)" in message and "run 2 (gamma_point.h5)" in message
    assert "viewcone 0-5 deg" in message and "viewcone 0-0 deg" in message
    other_energy = (("r3", sim_config(run=3, energy_min=0.003), POINTING),
                    ("r4", sim_config(run=4), POINTING))
    with pytest.raises(CtaviewerError, match=r"r3: E 0\.003-100 TeV"):
        combine_runs("gamma", other_energy)
    bigger = (("r5", sim_config(run=5, max_scatter_range=2500.0), POINTING),
              ("r6", sim_config(run=6), POINTING))
    with pytest.raises(CtaviewerError, match="r5.*scatter 0-2500 m"):
        combine_runs("gamma", bigger)


def test_merging_unlike_runs_would_exceed_the_thrown_area():
    """What the refusal prevents: describing a point-like and a diffuse run by the union of
    their ranges (as the effective area was once normalised) puts the point-like run's
    showers into bins where the union expects few, and the area exceeds the thrown area."""
    rng = np.random.default_rng(5)
    point = dl2_run(sim_config(run=2, viewcone_max=0.0, diffuse=False, n_showers=20_000), rng,
                    "p.h5")
    union = ThrownShowers(40_000, 0.1, 100.0, -2.0, 0.0, 10.0, 0.0, 1000.0)
    e = point.events
    edges_e, edges_o = np.geomspace(0.1, 100, 16), np.linspace(0, 10, 11)
    n_sel, _, _ = np.histogram2d(e.true_energy, e.true_offset, bins=[edges_e, edges_o])
    raw = n_sel / np.maximum(union.expected(edges_e, edges_o), 1e-300) * union.area_m2
    assert raw.max() > 10 * union.area_m2


def test_area_never_above_the_thrown_area_where_showers_are_few():
    t = ThrownShowers(1, 1.0, 5.0, -2.0, 0.0, 1.0, 0.0, 100.0)
    edges_e, edges_o = np.array([1.0, 2.0, 5.0]), np.array([0.0, 1.0])
    assert t.expected(edges_e, edges_o)[1, 0] == pytest.approx(0.375)
    # one selected shower where 0.375 were expected to be thrown: capped at the thrown area
    aeff = t.effective_area([[0.0], [1.0]], edges_e, edges_o)
    assert aeff[1, 0] == pytest.approx(t.area_m2) and aeff[0, 0] == 0


def test_diffuse_cone_must_be_centred_on_the_pointing():
    off = sim_config(run=9, max_alt=68.0, min_alt=68.0)
    with pytest.raises(CtaviewerError, match=r"run9 \(2 deg off\)"):
        combine_runs("gamma", [("run9", off, POINTING)])
    spread = sim_config(run=8, min_az=-10.0)
    with pytest.raises(CtaviewerError, match="range of directions"):
        combine_runs("gamma", [("run8", spread, POINTING)])


def test_point_source_offset_from_the_header():
    wobble = sim_config(run=5, viewcone_max=0.0, diffuse=False, max_alt=69.6, min_alt=69.6)
    t = combine_runs("gamma", [("a", wobble, POINTING), ("b", wobble, POINTING)])
    assert t.offset_deg == pytest.approx(0.4, abs=1e-6) and t.n_showers == 200_000


def test_proton_background_weights_follow_the_simulated_flux():
    """Weights make the simulated protons a flux: showers / (area × solid angle × time ×
    spectrum integral) per energy; a weight is target flux / simulated flux."""
    t = ThrownShowers(1_000_000, 0.01, 100.0, -2.0, 0.0, 10.0, 0.0, 2000.0)
    flux = t.flux_per_tev_m2_s_sr(np.array([1.0]), 3600.0)[0]
    integral = 1 / 0.01 - 1 / 100.0
    expected = 1e6 * 1.0 / integral / (t.area_m2 * t.solid_angle_sr * 3600.0)
    assert flux == pytest.approx(expected)
    assert t.flux_per_tev_m2_s_sr(np.array([200.0]), 3600.0)[0] == 0


def test_unique_obs_ids_keep_the_first_and_say_so():
    ids, messages = unique_obs_ids([("a", 1), ("b", 7), ("c", 1), ("d", 7), ("e", 8)])
    assert ids == [1, 7, 9, 10, 8]
    assert len(messages) == 2
    assert "c has obs_id 1, already used by a: written as OBS_ID 9" in messages[0]


def _run_with_events(event_ids, n_showers, reuse=10):
    sim = sim_config(n_showers=n_showers, shower_reuse=reuse)
    n = len(event_ids)
    z = np.zeros(n)
    ev = DL2Events("cut.h5", np.ones(n, int), np.asarray(event_ids), z, z + 1, z + 70, z,
                   z.astype(int), z + 1, z + 70, z, z + 1, z.astype(int) + 2, np.ones(n, bool),
                   70.0, 0.0, sim)
    return SimRun(ev, "gamma", ())


def test_a_run_cut_short_is_reported():
    # 7 showers all among the first 122 of 100000 (a truncated file): reported
    short = _run_with_events([408, 409, 803, 4907, 9508, 10001, 11203, 12202], 100_000)
    assert "first 122 of the 100000 showers" in short.cut_short()
    # the same showers spread over a run of 130: a complete run
    assert _run_with_events([408, 803, 4907, 9508, 12202], 130).cut_short() is None


def test_closed_form_counts_and_flux_are_pyirfs_where_pyirf_applies():
    """For what pyirf's SimulatedEventsInfo describes (a power law over a range, a viewcone,
    cores from the centre out), the thrown counts and the simulated flux are pyirf's."""
    from astropy import units as u
    from pyirf.simulations import SimulatedEventsInfo
    from pyirf.spectral import PowerLaw

    info = SimulatedEventsInfo(n_showers=2_000_000, energy_min=0.003 * u.TeV,
                               energy_max=330 * u.TeV, max_impact=2500 * u.m,
                               spectral_index=-2.0, viewcone_min=0 * u.deg,
                               viewcone_max=10 * u.deg)
    t = ThrownShowers(2_000_000, 0.003, 330.0, -2.0, 0.0, 10.0, 0.0, 2500.0)
    edges_e, edges_o = np.geomspace(0.003, 330.0, 26), np.linspace(0.0, 10.0, 11)
    np.testing.assert_allclose(
        t.expected(edges_e, edges_o),
        info.calculate_n_showers_per_energy_and_fov(edges_e * u.TeV, edges_o * u.deg),
        rtol=1e-9)
    energy = np.geomspace(0.01, 100.0, 7)
    simulated = PowerLaw.from_simulation(info, obstime=1800 * u.s)
    np.testing.assert_allclose(
        t.flux_per_tev_m2_s_sr(energy, 1800.0),
        simulated(energy * u.TeV).to_value(1 / (u.TeV * u.m**2 * u.s * u.sr)), rtol=1e-9)


def test_a_gamma_run_without_events_still_counts_its_thrown_showers():
    """A gamma run none of whose showers triggered threw showers all the same: it is a gamma
    run by its header and halves the area of a twin run with events (leaving it out, as when
    the particle was taken from the events only, doubled the area)."""
    from ctaviewer.irf.runs import particle_of

    rng = np.random.default_rng(11)
    full = dl2_run(sim_config(run=1, n_showers=20_000), rng, "a.h5")
    e = full.events
    empty_events = DL2Events(
        "b.h5", e.obs_id[:0], e.event_id[:0], e.time_mjd[:0], e.true_energy[:0], e.true_alt[:0],
        e.true_az[:0], e.primary_id[:0], e.reco_energy[:0], e.reco_alt[:0], e.reco_az[:0],
        e.gammaness[:0], e.multiplicity[:0], e.valid[:0], 70.0, 0.0,
        sim_config(run=2, n_showers=20_000))
    assert particle_of(empty_events) == "gamma"
    empty = SimRun(empty_events, particle_of(empty_events), ())
    assert empty.obs_id == 2  # the run number when there is no event to take it from
    one = compute_irfs([full], [], IRFOptions())
    two = compute_irfs([full, empty], [], IRFOptions())
    np.testing.assert_allclose(two.aeff_m2, one.aeff_m2 / 2)
    unnamed = dataclasses.replace(empty_events, simulation=sim_config(run=3, primary=""))
    assert particle_of(unnamed) == "unknown"
