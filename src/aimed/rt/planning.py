"""Treatment planning from start to finish: ``plan(phantom, angles)``.

:func:`plan` chains the steps of a planning system, each in its own module as in matRad
[1]_: grow the CTV into a PTV (:mod:`~aimed.rt.phantoms`), place beams and beamlets
(:mod:`~aimed.rt.beams`), compute the dose-influence matrix (:mod:`~aimed.rt.dose`),
find the beamlet weights (:mod:`~aimed.rt.optimise`), then *normalise* the plan so that
95 % of the PTV receives the prescription (PTV D95 = prescription, an ICRU Report 83
style volume-based prescription [2]_).

Two techniques are available on the same beams:

``"conformal"``
    Open fields shaped to the PTV, every beamlet with the same weight, as in 3-D
    conformal radiotherapy (3D-CRT).
``"imrt"``
    Intensity-modulated radiotherapy: the optimiser chooses each beamlet's weight.

The prescription and the fractionation are explicit everywhere: by default 60 Gy in
30 fractions of 2 Gy.

References
----------
.. [1] Wieser HP, Cisternas E, Wahl N, et al. Development of the open-source dose
   calculation and optimization toolkit matRad. Med Phys 2017;44(6):2556-2568.
   doi:10.1002/mp.12251
.. [2] ICRU Report 83. Prescribing, Recording, and Reporting Photon-Beam
   Intensity-Modulated Radiation Therapy (IMRT). J ICRU 2010;10(1).
   https://www.icru.org/report/prescribing-recording-and-reporting-intensity-modulated-photon-beam-therapy-imrticru-report-83/
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from aimed.rt import _checks
from aimed.rt.beams import Beam, make_beams
from aimed.rt.dose import DoseInfluence, dose_influence
from aimed.rt.metrics import conformity_index, dose_at_volume, dose_metrics, homogeneity_index
from aimed.rt.optimise import Objective, optimise_weights
from aimed.rt.phantoms import Phantom, expand

__all__ = ["METHODS", "Plan", "default_objectives", "plan", "planning_structures"]

#: Planning techniques understood by :func:`plan`.
METHODS = ("imrt", "conformal")

#: Rings around the PTV used by the default objectives: (name, inner mm, outer mm,
#: dose threshold as a fraction of the prescription).
RINGS = (("ring 0-10 mm", 0.0, 10.0, 0.90), ("ring 10-25 mm", 10.0, 25.0, 0.65))
#: Threshold of the "rest of the body" objective, as a fraction of the prescription.
BODY_THRESHOLD = 0.45
#: Default weights of the objectives, before ``oar_weight`` multiplies the organ ones.
WEIGHTS = {"target": 300.0, "ring": 10.0, "body": 5.0, "serial": 1.0, "parallel": 1.0}


@dataclass(frozen=True)
class Plan:
    """A treatment plan and its dose.

    Attributes
    ----------
    dose : ndarray of float
        Total dose (Gy) on the phantom grid, summed over all fractions.
    weights : ndarray of float
        Beamlet weights after normalisation (Gy at the depth of maximum dose of a broad
        beam, per unit of the dose-influence matrix).
    prescription_gy : float
        Prescribed total dose (Gy).
    fractions : int
        Number of fractions.
    method : str
        ``"imrt"`` or ``"conformal"``.
    angles_deg : ndarray of float
        Gantry angles (degrees).
    margin_mm : float
        CTV-to-PTV margin (mm).
    phantom : Phantom
        The anatomy planned on (structures included).
    ptv : ndarray of bool
        The planning target volume.
    beams : list of Beam
    objective : float or None
        Final optimiser objective, before normalisation (``None`` for a conformal plan).
    objectives : list of Objective
        The objectives used (empty for a conformal plan).
    """

    dose: np.ndarray
    weights: np.ndarray
    prescription_gy: float
    fractions: int
    method: str
    angles_deg: np.ndarray
    margin_mm: float
    phantom: Phantom
    ptv: np.ndarray
    beams: list[Beam] = field(repr=False)
    objective: float | None = None
    objectives: list[Objective] = field(default_factory=list, repr=False)
    influence: DoseInfluence | None = field(default=None, repr=False)

    @property
    def dose_per_fraction_gy(self) -> float:
        """Prescribed dose per fraction (Gy)."""
        return self.prescription_gy / self.fractions

    def structures(self) -> dict[str, np.ndarray]:
        """The phantom's structures plus ``"PTV"``."""
        return {**self.phantom.masks, "PTV": self.ptv}

    def metrics(self, structure: str = "PTV", *, on: Phantom | None = None) -> dict[str, float]:
        """:func:`~aimed.rt.dose_metrics` of one structure.

        Parameters
        ----------
        structure : str
            ``"PTV"`` or a structure of the phantom.
        on : Phantom, optional
            Evaluate on another phantom's masks (for example the true anatomy when the
            plan was made on an AI contour).
        """
        masks = {**(on or self.phantom).masks, "PTV": self.ptv}
        if structure not in masks:
            raise _checks.fail("structure", "unknown_structure", got=repr(structure),
                               known=", ".join(masks))
        return dose_metrics(self.dose, masks[structure], self.prescription_gy)

    def table(self, *, on: Phantom | None = None) -> pd.DataFrame:
        """Dose statistics of the targets and organs at risk, one row per structure (Gy).

        ``V95`` is given in percent of the structure. The PTV row adds the conformity
        index (CI) and the homogeneity index (HI).
        """
        anatomy = on or self.phantom
        names = ["PTV", anatomy.target, *anatomy.organs]
        rows = []
        for name in names:
            row = {"structure": name, **self.metrics(name, on=anatomy)}
            row["V95"] = 100.0 * row["V95"]
            rows.append(row)
        table = pd.DataFrame(rows).set_index("structure")
        table["CI"] = np.nan
        table["HI"] = np.nan
        table.loc["PTV", "CI"] = conformity_index(self.dose, self.ptv, self.prescription_gy,
                                                  body_mask=anatomy.body)
        table.loc["PTV", "HI"] = homogeneity_index(self.dose, self.ptv)
        return table.rename(columns={"V95": "V95 (%)"})


def planning_structures(phantom: Phantom, ptv: np.ndarray) -> dict[str, np.ndarray]:
    """Structures used by the default objectives: the phantom's, the PTV, rings and body.

    The rings surround the PTV (:data:`RINGS`); ``"rest of body"`` is the body beyond
    the outer ring. None of them overlaps the PTV.
    """
    body = phantom.body
    out = {**phantom.masks, "PTV": ptv}
    inside = ptv
    for name, _, outer, _ in RINGS:
        grown = expand(ptv, outer, phantom.voxel_mm) & body
        out[name] = grown & ~inside
        inside = grown
    out["rest of body"] = body & ~inside
    return out


def default_objectives(phantom: Phantom, prescription_gy: float = 60.0, *,
                       oar_weight: float = 1.0) -> list[Objective]:
    """The default IMRT objectives (see :mod:`aimed.rt.optimise` for the kinds).

    * PTV: squared deviation from the prescription (weight 300);
    * two rings around the PTV: overdose above 90 % and 65 % of the prescription
      (weight 10); rest of the body: overdose above 45 % (weight 5);
    * serial organs: squared overdose above 0 Gy, which weighs the hottest voxels most
      (max-type); parallel organs: mean dose (mean-type); both with weight
      ``oar_weight``.

    Parameters
    ----------
    phantom : Phantom
    prescription_gy : float, default 60.0
        Prescription (Gy), > 0.
    oar_weight : float, default 1.0
        Multiplies the weights of every organ at risk, >= 0. Larger values trade target
        homogeneity for organ sparing.
    """
    p = _checks.positive(prescription_gy, "prescription_gy", unit="Gy")
    factor = _checks.non_negative(oar_weight, "oar_weight", upper=1e6)
    objectives = [Objective("PTV", "target", WEIGHTS["target"], p)]
    objectives += [Objective(name, "overdose", WEIGHTS["ring"], level * p)
                   for name, _, _, level in RINGS]
    objectives.append(Objective("rest of body", "overdose", WEIGHTS["body"], BODY_THRESHOLD * p))
    for organ, kind in phantom.organs.items():
        if kind == "serial":
            objectives.append(Objective(organ, "overdose", WEIGHTS["serial"] * factor, 0.0))
        else:
            objectives.append(Objective(organ, "mean", WEIGHTS["parallel"] * factor, 0.0))
    return objectives


def _target_of(phantom: Phantom) -> np.ndarray:
    if not isinstance(phantom, Phantom):
        raise _checks.fail("phantom", "not_phantom", got=type(phantom).__name__)
    if phantom.target not in phantom.masks:
        raise _checks.fail("phantom.target", "target_missing", got=repr(phantom.target))
    target = np.asarray(phantom.masks[phantom.target])
    if target.shape != phantom.shape:
        raise _checks.fail("phantom.target", "mask_shape", shape=target.shape,
                           expected=phantom.shape)
    if not target.any():
        raise _checks.fail("phantom.target", "target_empty", got=repr(phantom.target))
    return target.astype(bool)


def plan(phantom: Phantom, angles_deg: Sequence[float], method: str = "imrt",
         prescription_gy: float = 60.0, fractions: int = 30, margin_mm: float = 5.0, *,
         oar_weight: float = 1.0, objectives: Sequence[Objective] | None = None,
         beamlet_mm: float = 5.0) -> Plan:
    """Make a treatment plan and compute its dose.

    Parameters
    ----------
    phantom : Phantom
        The anatomy, with a non-empty target (its CTV).
    angles_deg : sequence of float
        Gantry angles (degrees): at least one, all finite and different. Use
        :func:`aimed.rt.equally_spaced` for evenly spread beams.
    method : {"imrt", "conformal"}, default "imrt"
    prescription_gy : float, default 60.0
        Total prescribed dose (Gy), > 0. The plan is normalised so that PTV D95 equals it.
    fractions : int, default 30
        Number of fractions, 1 to 100 (60 Gy in 30 fractions is 2 Gy per fraction).
    margin_mm : float, default 5.0
        CTV-to-PTV margin (mm), 0 to 30.
    oar_weight : float, default 1.0
        Multiplier of the organ-at-risk weights in the default objectives, >= 0.
    objectives : sequence of Objective, optional
        Replace the default objectives; they may name the phantom's structures,
        ``"PTV"``, the rings and ``"rest of body"`` (:func:`planning_structures`).
    beamlet_mm : float, default 5.0
        Beamlet width (mm).

    Returns
    -------
    Plan

    Raises
    ------
    ValueError
        For an empty or missing target, no beams or a non-finite angle, a prescription
        <= 0, an unknown method, or parameters out of range; the message names the
        parameter.

    Examples
    --------
    >>> from aimed.rt import make_phantom, equally_spaced
    >>> p = plan(make_phantom("simple"), equally_spaced(5))
    >>> round(p.metrics("PTV")["D95"], 6), p.dose_per_fraction_gy
    (60.0, 2.0)
    """
    target = _target_of(phantom)
    angles = _checks.angles(angles_deg)
    if method not in METHODS:
        raise _checks.fail("method", "unknown_method", got=repr(method), known=", ".join(METHODS))
    prescription = _checks.positive(prescription_gy, "prescription_gy", unit="Gy")
    n_fractions = _checks.count(fractions, "fractions", minimum=1)
    if n_fractions > 100:
        raise _checks.fail("fractions", "at_most", got=repr(fractions), upper=100, unit="")
    margin = _checks.non_negative(margin_mm, "margin_mm", upper=30.0, unit="mm")
    ptv = expand(target, margin, phantom.voxel_mm) & phantom.body
    beams = make_beams(phantom, ptv, angles, beamlet_mm)
    influence = dose_influence(phantom, beams)
    structures = planning_structures(phantom, ptv)
    used: list[Objective] = []
    value = None
    if method == "conformal":
        weights = np.ones(influence.matrix.shape[1])
    else:
        used = list(objectives) if objectives is not None else default_objectives(
            phantom, prescription, oar_weight=oar_weight)
        result = optimise_weights(influence.matrix, used, structures, phantom.body, prescription)
        weights, value = result.weights, result.objective
    dose = influence.dose(weights)
    d95 = dose_at_volume(dose, ptv, 95.0)
    if d95 <= 0:
        raise _checks.fail("objectives", "no_target_dose")
    scale = prescription / d95
    return Plan(dose=dose * scale, weights=weights * scale, prescription_gy=prescription,
                fractions=n_fractions, method=method, angles_deg=angles, margin_mm=margin,
                phantom=phantom, ptv=ptv, beams=beams, objective=value, objectives=used,
                influence=influence)
