"""Knowledge-based planning: predict the dose from the geometry, then mimic the prediction.

A department that has planned hundreds of similar patients *knows*, from experience,
what dose an organ at risk can be held to given where it lies relative to the target.
Knowledge-based planning (KBP) turns that experience into a model [1]_ [2]_:

1. describe every voxel of past patients by its **geometry** (signed distance to the PTV,
   distance to each organ at risk, depth under the skin, position relative to the target)
   and learn its planned dose with a regression model (here scikit-learn's gradient
   boosting, a voxel-wise dose prediction);
2. for a new patient, **predict** the achievable dose from the geometry alone, before any
   planning, and use it to flag plans whose organ doses are much higher than predicted
   (quality control) [1]_;
3. optimise a plan that **mimics** the prediction: keep the PTV at its prescription and
   penalise every voxel whose dose exceeds its predicted dose (dose mimicking) [3]_.

The model can only reproduce the practice it learnt from, good habits and bad, and only
for anatomy like the one it saw.

References
----------
.. [1] Moore KL, Brame RS, Low DA, Mutic S. Experience-based quality control of clinical
   intensity-modulated radiotherapy planning. Int J Radiat Oncol Biol Phys
   2011;81(2):545-551. doi:10.1016/j.ijrobp.2010.11.030
.. [2] Schubert C, Waletzko O, Weiss C, et al. Intercenter validation of a knowledge
   based model for automated planning of volumetric modulated arc therapy for prostate
   cancer. The experience of the German RapidPlan Consortium. PLoS One
   2017;12(5):e0178034. doi:10.1371/journal.pone.0178034
.. [3] Nilsson V, Gruselius H, Zhang T, De Kerf G, Claessens M. Probabilistic dose
   prediction using mixture density networks for automated radiation therapy treatment
   planning. arXiv:2009.00397 (2020). https://arxiv.org/abs/2009.00397
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy import ndimage
from sklearn.ensemble import HistGradientBoostingRegressor

from aimed.rt import _checks
from aimed.rt._threads import one_thread
from aimed.rt.optimise import Objective
from aimed.rt.phantoms import Phantom
from aimed.rt.planning import WEIGHTS, Plan

__all__ = ["DoseModel", "feature_names", "geometry_features", "mimic_objectives",
           "predict_dose", "train_dose_model"]


def feature_names(organs: Sequence[str]) -> list[str]:
    """Names of the columns of :func:`geometry_features` for these organs at risk.

    Examples
    --------
    >>> feature_names(["rectum"])[:2]
    ['signed distance to PTV (mm)', 'distance to rectum (mm)']
    """
    return ["signed distance to PTV (mm)", *[f"distance to {o} (mm)" for o in organs],
            "depth under the skin (mm)", "x from PTV centre (mm)", "y from PTV centre (mm)"]


def geometry_features(phantom: Phantom, ptv: np.ndarray, organs: Sequence[str] | None = None
                      ) -> np.ndarray:
    """Geometric description of every body voxel, for dose prediction.

    Parameters
    ----------
    phantom : Phantom
    ptv : ndarray of bool
        The planning target volume (not empty).
    organs : sequence of str, optional
        Organs at risk to measure distances to; by default the phantom's.

    Returns
    -------
    ndarray of float, shape (n_body_voxels, len(feature_names(organs)))
        One row per body voxel (row-major order), columns as in :func:`feature_names`:
        the signed distance to the PTV's edge (negative inside), the distance to each
        organ (0 inside it), the depth under the skin, and the position relative to the
        PTV's centre, all in mm.
    """
    target = _checks.mask_like(ptv, phantom.shape, "ptv")
    names = list(organs) if organs is not None else list(phantom.organs)
    v = phantom.voxel_mm
    body = phantom.body
    outside = ndimage.distance_transform_edt(~target, sampling=v)
    inside = ndimage.distance_transform_edt(target, sampling=v)
    columns = [np.where(target, -inside, outside)]
    for organ in names:
        columns.append(ndimage.distance_transform_edt(~phantom.mask(organ), sampling=v))
    columns.append(ndimage.distance_transform_edt(body, sampling=v))
    xx, yy = phantom.coordinates_mm()
    columns += [xx - xx[target].mean(), yy - yy[target].mean()]
    return np.stack([c[body] for c in columns], axis=1)


@dataclass(frozen=True)
class DoseModel:
    """A trained voxel-wise dose predictor.

    Attributes
    ----------
    regressor : sklearn.ensemble.HistGradientBoostingRegressor
        Predicts the dose relative to the prescription from :func:`geometry_features`.
    organs : tuple of str
        The organs at risk whose distances are features.
    n_plans : int
        How many plans it learnt from.
    """

    regressor: HistGradientBoostingRegressor
    organs: tuple[str, ...]
    n_plans: int

    @property
    def features(self) -> list[str]:
        """Names of the features."""
        return feature_names(self.organs)


def train_dose_model(plans: Sequence[Plan], *, seed: int = 0, max_iter: int = 150) -> DoseModel:
    """Learn the dose of past plans from their geometry.

    Parameters
    ----------
    plans : sequence of Plan
        Previous plans of the same treatment site (their phantoms must share the same
        organs at risk); at least one.
    seed : int, default 0
        Random seed of the regressor.
    max_iter : int, default 150
        Boosting iterations, 1 to 1000.

    Returns
    -------
    DoseModel
    """
    if len(plans) == 0:
        raise _checks.fail("plans", "no_plans")
    organs = tuple(plans[0].phantom.organs)
    for p in plans:
        if tuple(p.phantom.organs) != organs:
            raise _checks.fail("plans", "mixed_sites", expected=", ".join(organs),
                               got=", ".join(p.phantom.organs))
    iterations = _checks.count(max_iter, "max_iter", minimum=1)
    x = np.vstack([geometry_features(p.phantom, p.ptv, organs) for p in plans])
    y = np.concatenate([p.dose[p.phantom.body] / p.prescription_gy for p in plans])
    regressor = HistGradientBoostingRegressor(max_iter=min(iterations, 1000), learning_rate=0.1,
                                              max_leaf_nodes=31, early_stopping=False,
                                              random_state=seed)
    with one_thread("openmp"):
        regressor.fit(x, y)
    return DoseModel(regressor, organs, len(plans))


def predict_dose(model: DoseModel, phantom: Phantom, ptv: np.ndarray,
                 prescription_gy: float = 60.0) -> np.ndarray:
    """Predict the achievable dose (Gy) of a new patient from the geometry alone.

    Returns
    -------
    ndarray of float
        Predicted dose (Gy) on the phantom grid, 0 outside the body, never negative.
    """
    p = _checks.positive(prescription_gy, "prescription_gy", unit="Gy")
    x = geometry_features(phantom, ptv, model.organs)
    out = np.zeros(phantom.shape)
    with one_thread("openmp"):
        out[phantom.body] = np.maximum(model.regressor.predict(x), 0.0) * p
    return out


def mimic_objectives(predicted_gy: np.ndarray, phantom: Phantom, prescription_gy: float = 60.0,
                     *, organ_weight: float = 10.0, body_weight: float = 5.0) -> list[Objective]:
    """Objectives that reproduce a predicted dose: the PTV at its prescription, no voxel hotter
    than predicted.

    Use them with :func:`aimed.rt.plan` (``objectives=...``).

    Parameters
    ----------
    predicted_gy : ndarray
        Predicted dose (Gy) on the phantom grid (:func:`predict_dose`).
    phantom : Phantom
    prescription_gy : float, default 60
    organ_weight, body_weight : float
        Weights of the mimicking objectives on each organ at risk and on the rest of the
        body outside the PTV (the PTV's own weight is that of the default objectives).
    """
    p = _checks.positive(prescription_gy, "prescription_gy", unit="Gy")
    reference = _checks.dose_grid(predicted_gy, "predicted_gy")
    _checks.mask_like(np.ones(reference.shape, bool), phantom.shape, "predicted_gy")
    w_organ = _checks.non_negative(organ_weight, "organ_weight")
    w_body = _checks.non_negative(body_weight, "body_weight")
    objectives = [Objective("PTV", "target", WEIGHTS["target"], p)]
    objectives += [Objective(organ, "mimic", w_organ, reference_gy=reference)
                   for organ in phantom.organs]
    objectives += [Objective(name, "mimic", w_body, reference_gy=reference)
                   for name in ("ring 0-10 mm", "ring 10-25 mm", "rest of body")]
    return objectives
