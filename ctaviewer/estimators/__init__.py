"""Energy and gammaness estimators: lookup tables trained on simulations."""
