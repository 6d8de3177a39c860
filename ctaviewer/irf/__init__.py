"""Instrument response functions from simulations (pyirf) and observation sites."""
