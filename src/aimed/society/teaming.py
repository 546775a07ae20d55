"""Human-AI teaming: a simulated reader who sometimes follows wrong AI advice, and
deferral policies that send the AI's uncertain cases to the clinician.

Two pieces of evidence frame this module:

* **Automation bias.** In a reader study, 27 radiologists read 50 mammograms with
  purported AI BI-RADS suggestions, 12 of which were deliberately wrong. When the AI
  was wrong, the share of correct ratings fell from 79.7 % to 19.8 % for inexperienced
  readers and from 82.3 % to 45.5 % for very experienced readers [1]_.
* **Learning when to defer.** CoDoC decides, case by case, whether to keep the AI's
  opinion or defer to the clinical workflow. In UK breast screening it reduced false
  positives by 25 % at the same false-negative rate compared with double reading,
  with a 66 % reduction in clinician workload [2]_.

The simulated reader here is a teaching model, not a fitted one: a reader of fixed
sensitivity and specificity reads every case; when shown AI advice that disagrees
with their own read, they switch to the AI's answer with probability ``p_follow``.
The default reader matches the mean sensitivity (86.9 %) and specificity (88.9 %) of
US community radiologists reading screening mammograms [3]_.

References
----------
.. [1] Dratsch T, Chen X, Rezazade Mehrizi M, et al. Automation bias in mammography:
   the impact of artificial intelligence BI-RADS suggestions on reader performance.
   Radiology 2023;307(4):e222176. doi:10.1148/radiol.222176
.. [2] Dvijotham K, Winkens J, Barsbey M, et al. Enhancing the reliability and accuracy
   of AI-enabled diagnosis via complementarity-driven deferral to clinicians. Nat Med
   2023;29(7):1814-1820. doi:10.1038/s41591-023-02437-x
.. [3] Lehman CD, Arao RF, Sprague BL, et al. National performance benchmarks for
   modern screening digital mammography: update from the Breast Cancer Surveillance
   Consortium. Radiology 2017;283(1):49-58. doi:10.1148/radiol.2016161174
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import pandas as pd

from aimed.i18n import t
from aimed.society import _checks

__all__ = [
    "READER_SENSITIVITY",
    "READER_SPECIFICITY",
    "accuracy_coverage",
    "assisted_reads",
    "best_deferral_rate",
    "defer_uncertain",
    "team_decisions",
    "team_metrics",
]

#: Mean sensitivity of screening-mammography readers (Lehman et al. 2017 [3]_).
READER_SENSITIVITY = 0.869
#: Mean specificity of screening-mammography readers (Lehman et al. 2017 [3]_).
READER_SPECIFICITY = 0.889


def assisted_reads(own_read: object, ai_advice: object, p_follow: float,
                   rng: np.random.Generator) -> np.ndarray:
    """Final reads of a clinician who sees AI advice and sometimes gives in to it.

    Where the clinician's own read and the AI agree, nothing changes. Where they
    disagree, the clinician switches to the AI's answer with probability ``p_follow``:
    0 is a reader who ignores the AI, 1 a reader who always obeys it.

    Parameters
    ----------
    own_read : array_like of 0/1
        The clinician's unaided decisions (1 = recall / positive).
    ai_advice : array_like of 0/1
        The AI's decisions shown to the clinician.
    p_follow : float
        Probability, in [0, 1], of switching to the AI's answer on disagreement.
    rng : numpy.random.Generator
        Source of randomness.

    Returns
    -------
    numpy.ndarray of int
        The final 0/1 decisions.
    """
    own = _checks.binary("own_read", own_read)
    advice = _checks.binary("ai_advice", ai_advice)
    if advice.shape != own.shape:
        raise _checks.SocietyValueError(t("society.error.length", name="ai_advice",
                                          n=own.size, shape=advice.shape))
    p_follow = _checks.check_float("p_follow", p_follow, 0.0, 1.0)
    if not isinstance(rng, np.random.Generator):
        raise _checks.SocietyValueError(t("society.error.rng", got=type(rng).__name__))
    switch = (own != advice) & (rng.random(own.size) < p_follow)
    return np.where(switch, advice, own).astype(np.int64)


def defer_uncertain(ai_score: object, budget: float, threshold: float = 0.5) -> np.ndarray:
    """Mark for deferral the cases whose AI score is closest to the decision threshold.

    Parameters
    ----------
    ai_score : array_like of float
        The AI's scores (here: probabilities of cancer).
    budget : float
        Largest share of cases, in [0, 1], that the clinicians can read: exactly
        ``floor(budget * n)`` cases are deferred.
    threshold : float, default 0.5
        The AI's decision threshold; distance to it measures the AI's uncertainty.

    Returns
    -------
    numpy.ndarray of bool
        True for the cases sent to the clinician. Ties in distance are broken by
        position (a stable sort), so the result is deterministic.
    """
    score = np.asarray(ai_score, dtype=np.float64)
    score = _checks.scores("ai_score", score, score.size)
    budget = _checks.check_float("budget", budget, 0.0, 1.0)
    threshold = _checks.check_float("threshold", threshold, -np.inf, np.inf,
                                    low_open=True, high_open=True)
    n_defer = math.floor(budget * score.size + 1e-9)
    order = np.argsort(np.abs(score - threshold), kind="stable")
    deferred = np.zeros(score.size, dtype=bool)
    deferred[order[:n_defer]] = True
    return deferred


def team_decisions(ai_score: object, clinician_read: object, deferred: object,
                   threshold: float = 0.5) -> np.ndarray:
    """Final decisions of the team: the clinician's read where deferred, else the AI's.

    Parameters
    ----------
    ai_score : array_like of float
        AI scores; the AI says "positive" when ``score >= threshold``.
    clinician_read : array_like of 0/1
        The clinician's decisions (used only where deferred).
    deferred : array_like of bool
        Which cases go to the clinician.
    threshold : float, default 0.5
        The AI's decision threshold.

    Returns
    -------
    numpy.ndarray of int
    """
    read = _checks.binary("clinician_read", clinician_read)
    score = _checks.scores("ai_score", ai_score, read.size)
    sent = np.asarray(deferred)
    if sent.shape != read.shape or sent.dtype.kind != "b":
        raise _checks.SocietyValueError(t("society.error.mask"))
    ai = (score >= threshold).astype(np.int64)
    return np.where(sent, read, ai).astype(np.int64)


def team_metrics(y_true: object, decisions: object) -> dict[str, float]:
    """Accuracy, sensitivity, specificity and recall rate of 0/1 decisions."""
    truth = _checks.binary("y_true", y_true)
    pred = _checks.binary("decisions", decisions)
    if pred.shape != truth.shape:
        raise _checks.SocietyValueError(t("society.error.length", name="decisions",
                                          n=truth.size, shape=pred.shape))
    pos, neg = truth == 1, truth == 0
    return {
        "accuracy": float((pred == truth).mean()),
        "sensitivity": float(pred[pos].mean()) if pos.any() else float("nan"),
        "specificity": float(1 - pred[neg].mean()) if neg.any() else float("nan"),
        "recall_rate": float(pred.mean()),
    }


def accuracy_coverage(y_true: object, ai_score: object, clinician_read: object, *,
                      threshold: float = 0.5,
                      budgets: Sequence[float] | None = None) -> pd.DataFrame:
    """Team performance as the share of cases deferred to the clinician grows.

    Parameters
    ----------
    y_true : array_like of 0/1
        Reference standard.
    ai_score : array_like of float
        AI scores.
    clinician_read : array_like of 0/1
        The clinician's decisions on every case (only deferred ones are used).
    threshold : float, default 0.5
        AI decision threshold.
    budgets : sequence of float, optional
        Deferral shares to evaluate; default 0, 0.02, ..., 1.

    Returns
    -------
    pandas.DataFrame
        Columns ``deferral_rate`` (share read by the clinician, their workload),
        ``coverage`` (share decided by the AI), and the :func:`team_metrics`.
        Deferral rate 0 is the AI alone; 1 is the clinician alone.
    """
    truth = _checks.binary("y_true", y_true)
    score = _checks.scores("ai_score", ai_score, truth.size)
    read = _checks.binary("clinician_read", clinician_read)
    grid = np.linspace(0, 1, 51) if budgets is None else np.asarray(budgets, dtype=float)
    rows = []
    for budget in grid:
        deferred = defer_uncertain(score, float(budget), threshold)
        metrics = team_metrics(truth, team_decisions(score, read, deferred, threshold))
        rate = float(deferred.mean())
        rows.append({"deferral_rate": rate, "coverage": 1 - rate, **metrics})
    return pd.DataFrame(rows)


def best_deferral_rate(curve: pd.DataFrame, max_workload: float,
                       metric: str = "accuracy") -> float:
    """The deferral rate with the best ``metric`` among those within the workload budget.

    Parameters
    ----------
    curve : pandas.DataFrame
        Output of :func:`accuracy_coverage`.
    max_workload : float
        Largest share of cases the clinicians can read, in [0, 1].
    metric : str, default "accuracy"
        A column of ``curve`` to maximise. On ties the lowest workload wins.

    Returns
    -------
    float
        A value of ``curve["deferral_rate"]``.
    """
    max_workload = _checks.check_float("max_workload", max_workload, 0.0, 1.0)
    _checks.columns(curve, ["deferral_rate", metric], param="curve")
    allowed = curve[curve["deferral_rate"] <= max_workload + 1e-12]
    if allowed.empty:
        raise _checks.SocietyValueError(t("society.error.float_range", name="max_workload",
                                          interval="[smallest deferral_rate, 1]",
                                          got=repr(max_workload)))
    best = allowed.sort_values([metric, "deferral_rate"], ascending=[False, True],
                               kind="stable").iloc[0]
    return float(best["deferral_rate"])
