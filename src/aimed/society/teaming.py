"""Human-AI teaming: a simulated reader who sometimes follows wrong AI advice, and
deferral policies judged at a sensitivity floor.

Evidence that frames this module:

* **Automation bias.** In a reader study, 27 radiologists rated 50 mammograms with
  purported AI BI-RADS suggestions, some deliberately wrong. Inexperienced readers
  rated 79.7 % of cases correctly when the suggestion was correct and 19.8 % when it was
  incorrect; very experienced readers 82.3 % and 45.5 % [1]_. The study compared correct
  with incorrect suggestions; it had no unaided arm.
* **Judge deferral at a fixed false-negative rate.** CoDoC decides, case by case,
  whether to keep the AI's opinion or defer to the clinical workflow. In UK breast
  screening it reduced false positives by 25 % *at the same false-negative rate* as
  double reading with arbitration, with a 66 % reduction in clinician workload [2]_.
  A policy is therefore compared at a sensitivity floor, never on accuracy alone.
* **Rule-out triage with a safety net.** Raya-Povedano et al. simulated a workflow in
  which the AI's least suspicious examinations are not read by people, the rest are
  read as usual, and examinations that the AI grades very suspicious are recalled even
  if the readers did not recall them [5]_. :func:`triage_decisions` implements it.

The simulated reader matches the mean sensitivity (86.9 %) and specificity (88.9 %) of
US community radiologists reading screening mammograms [3]_. Under the equal-variance
binormal model this operating point has a separation d' = z(0.869) + z(0.889) = 2.34
(AUROC 0.951). The simulated AI is better than the reader by the margin that the best
of three commercial algorithms showed over first readers in Salim et al. [4]_: at the
first readers' specificity (96.6 %) its sensitivity was 81.9 % against 77.4 %, a gain in
separation of z(0.819) - z(0.774) = 0.16. The AI's separation is therefore 2.50
(AUROC 0.962); at the reader's specificity its expected sensitivity is 90.0 %.
Transferring that margin from a Swedish double-reading cohort to US single readers is a
teaching assumption.

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
.. [4] Salim M, Wåhlin E, Dembrower K, et al. External evaluation of 3 commercial
   artificial intelligence algorithms for independent assessment of screening
   mammograms. JAMA Oncol 2020;6(10):1581-1588. doi:10.1001/jamaoncol.2020.3321
.. [5] Raya-Povedano JL, Romero-Martín S, Elías-Cabot E, et al. AI-based strategies to
   reduce workload in breast cancer screening with mammography and tomosynthesis: a
   retrospective evaluation. Radiology 2021;300(1):57-65. doi:10.1148/radiol.2021203555
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import pandas as pd
from scipy.stats import norm

from aimed.i18n import t
from aimed.society import _checks

__all__ = [
    "AI_SEPARATION",
    "READER_SENSITIVITY",
    "READER_SEPARATION",
    "READER_SPECIFICITY",
    "SALIM_AI_SENSITIVITY",
    "SALIM_READER_SENSITIVITY",
    "SALIM_SPECIFICITY",
    "accuracy_coverage",
    "assisted_reads",
    "best_deferral_rate",
    "binormal_auroc",
    "binormal_separation",
    "defer_uncertain",
    "lowest_workload_at_floor",
    "policy_summary",
    "sensitivity_at_specificity",
    "team_decisions",
    "team_metrics",
    "triage_curve",
    "triage_decisions",
]

#: Mean sensitivity of screening-mammography readers (Lehman et al. 2017 [3]_).
READER_SENSITIVITY = 0.869
#: Mean specificity of screening-mammography readers (Lehman et al. 2017 [3]_).
READER_SPECIFICITY = 0.889
#: First-reader specificity at which Salim et al. 2020 [4]_ compared AI and readers.
SALIM_SPECIFICITY = 0.966
#: Sensitivity of first-reader radiologists at that specificity (Salim et al. 2020 [4]_).
SALIM_READER_SENSITIVITY = 0.774
#: Sensitivity of the best AI system (AI-1) at that specificity (Salim et al. 2020 [4]_).
SALIM_AI_SENSITIVITY = 0.819


def binormal_separation(sensitivity: float, specificity: float) -> float:
    """Separation d' of the equal-variance binormal model through one operating point.

    With scores normal(0, 1) without disease and normal(d', 1) with it, a threshold has
    specificity Φ(c) and sensitivity Φ(d' - c), so d' = Φ⁻¹(sensitivity) + Φ⁻¹(specificity).

    Parameters
    ----------
    sensitivity, specificity : float
        An operating point, each strictly between 0 and 1.

    Returns
    -------
    float
        d', in standard deviations of the scores of either class.
    """
    sens = _checks.check_float("sensitivity", sensitivity, 0.0, 1.0, low_open=True,
                               high_open=True)
    spec = _checks.check_float("specificity", specificity, 0.0, 1.0, low_open=True,
                               high_open=True)
    return float(norm.ppf(sens) + norm.ppf(spec))


def binormal_auroc(separation: float) -> float:
    """AUROC of the equal-variance binormal model: Φ(d' / √2)."""
    d = _checks.check_float("separation", separation, -np.inf, np.inf, low_open=True,
                            high_open=True)
    return float(norm.cdf(d / math.sqrt(2.0)))


#: Separation d' of the simulated reader (Lehman et al. 2017 operating point [3]_).
READER_SEPARATION = binormal_separation(READER_SENSITIVITY, READER_SPECIFICITY)
#: Separation d' of the simulated AI: the reader's plus the AI-1 versus first-reader
#: margin of Salim et al. 2020 [4]_ at matched specificity.
AI_SEPARATION = READER_SEPARATION + (
    binormal_separation(SALIM_AI_SENSITIVITY, SALIM_SPECIFICITY)
    - binormal_separation(SALIM_READER_SENSITIVITY, SALIM_SPECIFICITY))


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


def sensitivity_at_specificity(y_true: object, score: object,
                               specificity: float) -> dict[str, float]:
    """Sensitivity of a score at the lowest threshold that reaches a given specificity.

    This is how to compare an AI with a reader fairly: at the reader's specificity
    (matched specificity), not at an arbitrary threshold such as 0.5.

    Parameters
    ----------
    y_true : array_like of 0/1
        Reference standard; needs at least one case of each class.
    score : array_like of float
        The AI's scores; "positive" means ``score >= threshold``.
    specificity : float
        Target specificity, in (0, 1].

    Returns
    -------
    dict
        ``threshold``, ``sensitivity`` and the ``specificity`` reached (at least the
        target; more when scores are tied).
    """
    truth = _checks.binary("y_true", y_true)
    s = _checks.scores("score", score, truth.size)
    target = _checks.check_float("specificity", specificity, 0.0, 1.0, low_open=True)
    if truth.min() == truth.max():
        raise _checks.SocietyValueError(t("society.error.both_classes", name="y_true"))
    negatives = np.sort(s[truth == 0])
    k = math.ceil(target * negatives.size - 1e-9)  # negatives that must fall below
    threshold = float(np.nextafter(negatives[k - 1], np.inf)) if k > 0 else float(
        negatives[0])
    return {"threshold": threshold,
            "sensitivity": float((s[truth == 1] >= threshold).mean()),
            "specificity": float((negatives < threshold).mean())}


def triage_decisions(ai_score: object, clinician_read: object, rule_out: float,
                     safety_net: float | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Rule-out triage: the AI clears its least suspicious cases, people read the rest.

    Cases with ``ai_score < rule_out`` are cleared without a human read. Every other case
    is read by the clinician, whose read stands; with a ``safety_net``, a read case whose
    score is at least ``safety_net`` is recalled even if the clinician did not recall it
    (Raya-Povedano et al. 2021 [5]_). The AI never turns a recall into a non-recall on a
    case that a person read.

    Parameters
    ----------
    ai_score : array_like of float
        AI scores.
    clinician_read : array_like of 0/1
        The clinician's unaided decisions (used where the case is read).
    rule_out : float
        Scores below this are cleared by the AI alone.
    safety_net : float, optional
        Scores at or above this are recalled whatever the read; None for no safety net.

    Returns
    -------
    decisions : numpy.ndarray of int
        Final 0/1 decisions.
    read : numpy.ndarray of bool
        True for the cases read by the clinician (the workload).
    """
    read_values = _checks.binary("clinician_read", clinician_read)
    score = _checks.scores("ai_score", ai_score, read_values.size)
    rule_out = _checks.check_float("rule_out", rule_out, -np.inf, np.inf, low_open=True,
                                   high_open=True)
    read = score >= rule_out
    flagged = read_values.astype(bool)
    if safety_net is not None:
        safety_net = _checks.check_float("safety_net", safety_net, -np.inf, np.inf,
                                         low_open=True, high_open=True)
        flagged = flagged | (score >= safety_net)
    return (read & flagged).astype(np.int64), read


def policy_summary(y_true: object, decisions: object, read: object) -> dict[str, float]:
    """Team metrics of a policy with its workload and its missed cancers.

    Returns :func:`team_metrics` plus ``workload`` (share of cases read by a person),
    ``workload_saved`` (1 - workload) and ``missed`` (number of cases with the disease
    that are not recalled).
    """
    truth = _checks.binary("y_true", y_true)
    metrics = team_metrics(truth, decisions)
    sent = np.asarray(read)
    if sent.shape != truth.shape or sent.dtype.kind != "b":
        raise _checks.SocietyValueError(t("society.error.mask"))
    pred = _checks.binary("decisions", decisions)
    workload = float(sent.mean())
    return {**metrics, "workload": workload, "workload_saved": 1.0 - workload,
            "missed": float(((truth == 1) & (pred == 0)).sum())}


def triage_curve(y_true: object, ai_score: object, clinician_read: object, *,
                 safety_net: float | None = 0.5,
                 cleared: Sequence[float] | None = None) -> pd.DataFrame:
    """Team performance of rule-out triage as the AI clears more cases.

    Parameters
    ----------
    y_true, ai_score, clinician_read : array_like
        As in :func:`accuracy_coverage`.
    safety_net : float or None, default 0.5
        See :func:`triage_decisions`.
    cleared : sequence of float, optional
        Shares of cases, in [0, 1), that the AI clears (the lowest scores); default
        0, 0.05, ..., 0.95. The rule-out threshold of a share q is the q-quantile of the
        scores (lower method), so tied scores can make the share cleared a little lower.

    Returns
    -------
    pandas.DataFrame
        ``rule_out``, ``deferral_rate`` (share read by the clinician), ``coverage`` and
        the :func:`team_metrics`, one row per share, by increasing workload.
    """
    truth = _checks.binary("y_true", y_true)
    score = _checks.scores("ai_score", ai_score, truth.size)
    reads = _checks.binary("clinician_read", clinician_read)
    shares = (np.round(np.arange(0.0, 0.951, 0.05), 2) if cleared is None
              else np.asarray(cleared, dtype=float))
    if shares.ndim != 1 or shares.size == 0 or (shares < 0).any() or (shares >= 1).any():
        raise _checks.SocietyValueError(t("society.error.float_range", name="cleared",
                                          interval="[0, 1)", got=repr(cleared)))
    rows = []
    for share in shares:
        cut = float(np.quantile(score, share, method="lower")) if share > 0 else 0.0
        decisions, read = triage_decisions(score, reads, cut, safety_net)
        rate = float(read.mean())
        rows.append({"rule_out": cut, "deferral_rate": rate, "coverage": 1 - rate,
                     **team_metrics(truth, decisions)})
    return pd.DataFrame(rows).sort_values("deferral_rate", kind="stable").reset_index(
        drop=True)


def lowest_workload_at_floor(curve: pd.DataFrame, floor: float,
                             metric: str = "sensitivity") -> pd.Series:
    """The row of a policy curve with the least workload whose ``metric`` meets a floor.

    This is how to judge a deferral policy: fix what the patients cannot lose (here the
    sensitivity of the reader alone), then see how much work the AI saves.

    Parameters
    ----------
    curve : pandas.DataFrame
        Output of :func:`accuracy_coverage` or :func:`triage_curve`.
    floor : float
        Smallest acceptable value of ``metric``, in [0, 1].
    metric : str, default "sensitivity"

    Returns
    -------
    pandas.Series
        The chosen row. Raises a ``SocietyValueError`` if no row meets the floor.
    """
    floor = _checks.check_float("floor", floor, 0.0, 1.0)
    _checks.columns(curve, ["deferral_rate", metric], param="curve")
    ok = curve[curve[metric] >= floor - 1e-12]
    if ok.empty:
        raise _checks.SocietyValueError(t("society.error.floor_unreached", metric=metric,
                                          floor=f"{floor:.3f}"))
    return ok.sort_values("deferral_rate", kind="stable").iloc[0]
