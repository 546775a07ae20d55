"""Fluence optimisation: weighted quadratic objectives, solved with L-BFGS-B.

Inverse planning turns clinical wishes into a number to minimise. Following matRad [1]_,
each wish is an *objective* on one structure, normalised by the structure's voxel count
so that large and small structures weigh what their weights say. Doses enter relative
to the prescription ``p`` (dimensionless ``d/p``), so weights are comparable between
plans:

``"target"`` (squared deviation)
    mean over the structure of ``(d/p - r)²``, with ``r`` the reference dose over ``p``:
    keeps the PTV at its prescription.
``"overdose"`` (squared overdosing)
    mean of ``max(d/p - r, 0)²``: penalises only dose above ``r``. Used for rings around
    the PTV, the rest of the body, and serial organs at risk (judged on their maximum).
``"mean"``
    ``max(mean(d)/p - r, 0)²``: penalises the mean dose, for parallel organs at risk.
``"mimic"``
    mean of ``max(d/p - r_i, 0)²`` with a reference ``r_i`` *per voxel* (an array of
    doses): penalises dose above a predicted dose distribution, as in the dose mimicking
    of knowledge-based planning (:mod:`aimed.rt.kbp`).

The total objective ``f(w) = Σ weight_k · objective_k`` is convex in the beamlet weights
``w``, its gradient is ``Aᵀ g`` with ``g`` the derivative with respect to the voxel doses,
and ``w ≥ 0`` is a simple bound: exactly the setting of
``scipy.optimize.minimize(method="L-BFGS-B")`` [2]_.

References
----------
.. [1] Wieser HP, Cisternas E, Wahl N, et al. Development of the open-source dose
   calculation and optimization toolkit matRad. Med Phys 2017;44(6):2556-2568.
   doi:10.1002/mp.12251
.. [2] Byrd RH, Lu P, Nocedal J, Zhu C. A limited memory algorithm for bound constrained
   optimization. SIAM J Sci Comput 1995;16(5):1190-1208. doi:10.1137/0916069
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
from scipy import optimize

from aimed.rt import _checks
from aimed.rt._threads import one_thread

__all__ = ["KINDS", "Objective", "OptimisationResult", "evaluate_objective", "optimise_weights"]

#: Objective kinds understood by the optimiser.
KINDS = ("target", "overdose", "mean", "mimic")


@dataclass(frozen=True)
class Objective:
    """One planning objective on one structure.

    Attributes
    ----------
    structure : str
        Name of the structure (a key of the masks given to the optimiser).
    kind : {"target", "overdose", "mean", "mimic"}
        See the module description.
    weight : float
        Importance, >= 0.
    dose_gy : float
        Reference dose (Gy), >= 0: the prescription for ``"target"``, the threshold above
        which dose is penalised for ``"overdose"`` and ``"mean"``; unused by ``"mimic"``.
    reference_gy : ndarray of float, optional
        For ``"mimic"`` only: the reference dose (Gy) of every voxel, on the phantom grid.
    """

    structure: str
    kind: str
    weight: float
    dose_gy: float = 0.0
    reference_gy: np.ndarray | None = field(default=None, compare=False, repr=False)

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise _checks.fail("kind", "unknown_kind", got=repr(self.kind), known=", ".join(KINDS))
        _checks.non_negative(self.weight, "weight")
        _checks.non_negative(self.dose_gy, "dose_gy", unit="Gy")
        if (self.kind == "mimic") != (self.reference_gy is not None):
            raise _checks.fail("reference_gy", "reference_for_mimic")
        if self.reference_gy is not None:
            _checks.dose_grid(self.reference_gy, "reference_gy")


@dataclass(frozen=True)
class OptimisationResult:
    """What the optimiser returns.

    Attributes
    ----------
    weights : ndarray of float
        Optimal beamlet weights (>= 0).
    objective : float
        Final value of the total objective (dimensionless).
    iterations : int
        L-BFGS-B iterations used.
    converged : bool
        Whether L-BFGS-B reported convergence.
    """

    weights: np.ndarray
    objective: float
    iterations: int
    converged: bool


class _Terms:
    """The objectives, pre-indexed on the rows of the dose-influence matrix."""

    def __init__(self, objectives: Sequence[Objective], masks: Mapping[str, np.ndarray],
                 body: np.ndarray, prescription_gy: float):
        self.items: list[tuple[str, np.ndarray, float, float | np.ndarray]] = []
        for objective in objectives:
            if objective.structure not in masks:
                raise _checks.fail("objectives", "unknown_structure",
                                   got=repr(objective.structure), known=", ".join(masks))
            rows = np.flatnonzero(masks[objective.structure][body])
            if rows.size == 0 or objective.weight == 0:
                continue
            if objective.kind == "mimic":
                reference = np.asarray(objective.reference_gy, dtype=float)
                if reference.shape != body.shape:
                    raise _checks.fail("reference_gy", "mask_shape", shape=reference.shape,
                                       expected=body.shape)
                ref: float | np.ndarray = reference[body][rows] / prescription_gy
            else:
                ref = objective.dose_gy / prescription_gy
            self.items.append((objective.kind, rows, float(objective.weight), ref))

    def value_and_gradient(self, dose: np.ndarray) -> tuple[float, np.ndarray]:
        """Objective and its derivative with respect to the (relative) voxel doses."""
        total = 0.0
        grad = np.zeros_like(dose)
        for kind, rows, weight, ref in self.items:
            d = dose[rows]
            n = rows.size
            if kind == "target":
                diff = d - ref
                total += weight * float(diff @ diff) / n
                grad[rows] += 2.0 * weight * diff / n
            elif kind in ("overdose", "mimic"):
                over = np.maximum(d - ref, 0.0)
                total += weight * float(over @ over) / n
                grad[rows] += 2.0 * weight * over / n
            else:  # mean
                excess = max(float(d.mean()) - ref, 0.0)
                total += weight * excess * excess
                grad[rows] += 2.0 * weight * excess / n
        return total, grad


def evaluate_objective(matrix: np.ndarray, weights: np.ndarray, objectives: Sequence[Objective],
                       masks: Mapping[str, np.ndarray], body: np.ndarray,
                       prescription_gy: float) -> float:
    """Value of the total objective for given beamlet weights (as minimised)."""
    prescription = _checks.positive(prescription_gy, "prescription_gy", unit="Gy")
    terms = _Terms(objectives, masks, body, prescription)
    value, _ = terms.value_and_gradient(matrix @ np.asarray(weights, dtype=float) / prescription)
    return value


def optimise_weights(matrix: np.ndarray, objectives: Sequence[Objective],
                     masks: Mapping[str, np.ndarray], body: np.ndarray, prescription_gy: float,
                     *, initial=None, max_iterations: int = 1000,
                     tolerance: float = 1e-10) -> OptimisationResult:
    """Find non-negative beamlet weights that minimise the weighted objectives.

    Parameters
    ----------
    matrix : ndarray, shape (n_body_voxels, n_beamlets)
        Dose-influence matrix (dose per unit weight) on the body voxels.
    objectives : sequence of Objective
        At least one objective.
    masks : mapping of str to ndarray of bool
        Structures named in the objectives, on the full grid.
    body : ndarray of bool
        The body mask the matrix rows refer to.
    prescription_gy : float
        Prescription (Gy), > 0.
    initial : array_like, optional
        Starting weights; by default uniform weights giving a mean target dose equal to
        the prescription.
    max_iterations : int, default 1000
    tolerance : float, default 1e-10
        Relative reduction of the objective at which L-BFGS-B stops (``ftol``).

    Returns
    -------
    OptimisationResult
        Weights in Gy per unit of the matrix (the dose is ``matrix @ weights`` in Gy).

    Notes
    -----
    The iterations use the matrix in single precision (about 7 significant digits, far
    finer than any dose model's accuracy), which makes them several times faster; the
    returned objective is recomputed in double precision.
    """
    prescription = _checks.positive(prescription_gy, "prescription_gy", unit="Gy")
    if not objectives:
        raise _checks.fail("objectives", "no_objectives")
    terms = _Terms(objectives, masks, body, prescription)
    a = np.asarray(matrix, dtype=float)
    n = a.shape[1]
    if initial is None:
        targets = [rows for kind, rows, _, _ in terms.items if kind == "target"]
        rows = np.concatenate(targets) if targets else np.arange(a.shape[0])
        mean = float(a[rows].sum(axis=1).mean())
        x0 = np.full(n, 1.0 / mean if mean > 0 else 1.0)
    else:
        x0 = np.asarray(initial, dtype=float) / prescription
        if x0.shape != (n,) or not np.isfinite(x0).all() or (x0 < 0).any():
            raise _checks.fail("initial", "weights_shape", shape=x0.shape, expected=(n,))
    # Single precision halves the memory the matrix products stream through, which makes
    # them several times faster; the objective is re-evaluated in double precision below.
    a32 = np.ascontiguousarray(a, dtype=np.float32)
    a32_t = np.ascontiguousarray(a32.T)

    def fun(w: np.ndarray) -> tuple[float, np.ndarray]:
        dose = (a32 @ w.astype(np.float32)).astype(np.float64)
        value, g = terms.value_and_gradient(dose)
        return value, (a32_t @ g.astype(np.float32)).astype(np.float64)

    # The matrix-vector products are small: one BLAS thread is fastest, and avoids
    # threads spinning against each other on a shared machine.
    with one_thread("blas"):
        result = optimize.minimize(fun, x0, jac=True, method="L-BFGS-B",
                                   bounds=[(0.0, None)] * n,
                                   options={"maxiter": int(max_iterations),
                                            "ftol": float(tolerance), "gtol": 1e-12,
                                            "maxcor": 20})
    x = np.maximum(result.x, 0.0)
    value, _ = terms.value_and_gradient(a @ x)
    weights = x * prescription
    if not math.isfinite(value):  # pragma: no cover - defensive
        raise RuntimeError("the optimiser returned a non-finite objective")
    return OptimisationResult(weights, value, int(result.nit), bool(result.success))
