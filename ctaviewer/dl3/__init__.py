"""DL3 in the GADF format as read back: observation and HDU indexes, event lists, IRFs,
counts maps and theta-squared with ON/OFF regions."""
