"""Every HDF5 group and table path of a DL1/DL2 file, ctapipe's data model (v7).

Per-telescope tables end in ``tel_{:03d}``; per-algorithm groups take the algorithm name.
Writers, ``io.hdf5_source`` and ``irf.events`` format these; nothing else spells a path.
"""

from __future__ import annotations

#: ctapipe's data model version of our files (ctapipe >= 0.19 reads it)
DATA_MODEL_VERSION = "v7.1.0"

# ------------------------------------------------------------------ configuration
LAYOUT = "/configuration/instrument/subarray/layout"
OPTICS = "/configuration/instrument/telescope/optics"
CAMERA_GEOMETRY = "/configuration/instrument/telescope/camera/geometry_{}"
CAMERA_READOUT = "/configuration/instrument/telescope/camera/readout_{}"
SIMULATION_RUN = "/configuration/simulation/run"
FIXED_POINTING_GROUP = "/configuration/telescope/pointing"
FIXED_POINTING = FIXED_POINTING_GROUP + "/tel_{:03d}"
OBSERVATION_BLOCK = "/configuration/observation/observation_block"
SCHEDULING_BLOCK = "/configuration/observation/scheduling_block"
#: our provenance (input files, configuration) as attributes of one group
PROVENANCE = "/configuration/ctaviewer"

# ------------------------------------------------------------------ DL1
DL1_TRIGGER = "/dl1/event/subarray/trigger"
DL1_TEL_TRIGGER = "/dl1/event/telescope/trigger"
DL1_IMAGES_GROUP = "/dl1/event/telescope/images"
DL1_IMAGES = DL1_IMAGES_GROUP + "/tel_{:03d}"
DL1_PARAMETERS_GROUP = "/dl1/event/telescope/parameters"
DL1_PARAMETERS = DL1_PARAMETERS_GROUP + "/tel_{:03d}"
DL1_IMAGE_STATISTICS = "/dl1/service/image_statistics"
DL1_MUON_GROUP = "/dl1/event/telescope/muon"
DL1_MUON = DL1_MUON_GROUP + "/tel_{:03d}"

# ------------------------------------------------------------------ DL2
DL2_GEOMETRY_GROUP = "/dl2/event/subarray/geometry"
DL2_GEOMETRY = DL2_GEOMETRY_GROUP + "/{}"
DL2_ENERGY = "/dl2/event/subarray/energy/{}"
DL2_PARTICLE_TYPE = "/dl2/event/subarray/particle_type/{}"
DL2_TEL_IMPACT = "/dl2/event/telescope/impact/{}/tel_{:03d}"
DL2_TEL_EVENT_STATISTICS = "/dl2/service/tel_event_statistics/{}"

# ------------------------------------------------------------------ simulation
SIMULATION_SHOWER = "/simulation/event/subarray/shower"
SIMULATION_IMAGES_GROUP = "/simulation/event/telescope/images"
SIMULATION_IMAGES = SIMULATION_IMAGES_GROUP + "/tel_{:03d}"
SIMULATION_IMPACT = "/simulation/event/telescope/impact/tel_{:03d}"
SIMULATION_PARAMETERS_GROUP = "/simulation/event/telescope/parameters"
SIMULATION_PARAMETERS = SIMULATION_PARAMETERS_GROUP + "/tel_{:03d}"
SHOWER_DISTRIBUTION = "/simulation/service/shower_distribution"
ATMOSPHERE_PROFILE = "/simulation/service/atmosphere_density_profile"

# ------------------------------------------------------------------ algorithm names
#: the names our DL2 columns and groups carry (ctapipe prefixes columns with them)
GEOMETRY_ALGORITHM = "HillasReconstructor"
ENERGY_ALGORITHM = "LookupTableEnergyRegressor"
CLASSIFIER_ALGORITHM = "LookupTableClassifier"


def tel_id_of(table_name: str) -> int:
    """The telescope id of a per-telescope table name (``tel_007`` -> 7)."""
    return int(table_name.rsplit("_", 1)[-1])
