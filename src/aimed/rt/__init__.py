"""Radiotherapy planning in 2-D: phantoms, pencil beams, optimisation and plan evaluation.

A small but physically faithful teaching toolkit modelled on matRad, tested by its own
unit tests::

    >>> from aimed.rt import make_phantom, plan, equally_spaced, dose_metrics
    >>> phantom = make_phantom("simple")                  # 2.5 mm voxels
    >>> imrt = plan(phantom, equally_spaced(9))            # 60 Gy in 30 x 2 Gy
    >>> round(dose_metrics(imrt.dose, imrt.ptv, 60.0)["D95"], 1)
    60.0
"""

from aimed.rt._checks import RTInputError
from aimed.rt.beams import Beam, equally_spaced, make_beams
from aimed.rt.contouring import (
    ContourModel,
    add_extension,
    auto_contour,
    contour_report,
    dice,
    hd95,
    synthetic_ct,
    train_contour_model,
)
from aimed.rt.dose import (
    DoseInfluence,
    beamlet_dose,
    depth_dose,
    depth_of_maximum_cm,
    dose_influence,
    lateral_profile,
    radiological_depth,
)
from aimed.rt.kbp import (
    DoseModel,
    geometry_features,
    mimic_objectives,
    predict_dose,
    train_dose_model,
)
from aimed.rt.metrics import (
    conformity_index,
    dose_at_volume,
    dose_metrics,
    dvh,
    homogeneity_index,
    volume_at_dose,
)
from aimed.rt.optimise import Objective, optimise_weights
from aimed.rt.phantoms import DENSITY_G_CM3, PHANTOMS, Phantom, expand, make_phantom, with_tissue
from aimed.rt.planning import METHODS, Plan, default_objectives, plan, planning_structures
from aimed.rt.uncertainty import (
    coverage_probability,
    margin_study,
    simulate_setup_errors,
    van_herk_margin,
)

__all__ = [
    "DENSITY_G_CM3",
    "METHODS",
    "PHANTOMS",
    "Beam",
    "ContourModel",
    "DoseInfluence",
    "DoseModel",
    "Objective",
    "Phantom",
    "Plan",
    "RTInputError",
    "add_extension",
    "auto_contour",
    "beamlet_dose",
    "conformity_index",
    "contour_report",
    "coverage_probability",
    "default_objectives",
    "depth_dose",
    "depth_of_maximum_cm",
    "dice",
    "dose_at_volume",
    "dose_influence",
    "dose_metrics",
    "dvh",
    "equally_spaced",
    "expand",
    "geometry_features",
    "hd95",
    "homogeneity_index",
    "lateral_profile",
    "make_beams",
    "make_phantom",
    "margin_study",
    "mimic_objectives",
    "optimise_weights",
    "plan",
    "planning_structures",
    "predict_dose",
    "radiological_depth",
    "simulate_setup_errors",
    "synthetic_ct",
    "train_contour_model",
    "train_dose_model",
    "van_herk_margin",
    "volume_at_dose",
    "with_tissue",
]
