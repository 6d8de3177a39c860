"""The DL3 browser window (GADF observations, events, counts map, θ², IRFs) over ``dl3``."""
