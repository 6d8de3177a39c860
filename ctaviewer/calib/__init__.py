"""R1 → DL0 calibration: pedestal subtraction, gain selection, ADC → p.e."""

from .r1 import CalibratedData, calibrate, shifted_peak_time

__all__ = ["CalibratedData", "calibrate", "shifted_peak_time"]
