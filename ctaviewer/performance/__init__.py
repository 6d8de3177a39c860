"""Performance of a processed production: angular and energy resolution, effective area,
gammaness and theta-squared distributions, from DL2 events through pyirf's functions."""
