"""Clinical evaluation of diagnostic and prognostic models.

A thin, validated layer over scikit-learn that speaks the language of the clinic:
sensitivity and specificity describe the *test*; positive and negative predictive values
(PPV, NPV) describe what a result means for *the patient in front of you*, and they
depend on prevalence through Bayes' theorem [1]_. Confidence intervals come from the
percentile bootstrap [2]_; calibration from binned reliability curves [3]_.

References
----------
.. [1] Altman DG, Bland JM. Diagnostic tests 2: predictive values. BMJ 1994;309:102.
   doi:10.1136/bmj.309.6947.102
.. [2] Efron B, Tibshirani RJ. An Introduction to the Bootstrap. Chapman & Hall, 1993.
   doi:10.1201/9780429246593
.. [3] Van Calster B, et al. Calibration: the Achilles heel of predictive analytics.
   BMC Med 2019;17:230. doi:10.1186/s12916-019-1466-7
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np
import pandas as pd

__all__ = [
    "bootstrap_ci",
    "calibration_table",
    "confusion_counts",
    "diagnostic_metrics",
    "metrics_at_thresholds",
    "metrics_from_counts",
    "npv_at_prevalence",
    "ppv_at_prevalence",
    "threshold_for_sensitivity",
    "threshold_for_specificity",
]


def _binary_labels(y_true: object, name: str = "y_true") -> np.ndarray:
    labels = np.asarray(y_true)
    if labels.ndim != 1 or labels.size == 0:
        raise ValueError(f"{name} must be a non-empty 1-D array of 0/1 labels, got shape "
                         f"{labels.shape}")
    if labels.dtype.kind == "b":
        return labels.astype(np.int64)
    if labels.dtype.kind not in "iuf" or not np.isin(labels, (0, 1)).all():
        raise ValueError(f"{name} must contain only 0 and 1 (1 = has the condition)")
    return labels.astype(np.int64)


def _scores(y_score: object, n: int, name: str = "y_score") -> np.ndarray:
    scores = np.asarray(y_score, dtype=np.float64)
    if scores.shape != (n,):
        raise ValueError(f"{name} must have shape ({n},) like y_true, got {scores.shape}")
    if not np.isfinite(scores).all():
        raise ValueError(f"{name} contains NaN or infinite values")
    return scores


def _fraction(name: str, value: float, *, open_interval: bool = False) -> float:
    value = float(value)
    ok = 0 < value < 1 if open_interval else 0 <= value <= 1
    if not (math.isfinite(value) and ok):
        bounds = "strictly between 0 and 1" if open_interval else "between 0 and 1"
        raise ValueError(f"{name} must be {bounds}, got {value!r}")
    return value


def confusion_counts(y_true: object, y_pred: object) -> dict[str, int]:
    """Count true/false positives and negatives.

    Parameters
    ----------
    y_true, y_pred : array_like of 0/1
        Reference labels and test results (1 = condition present / test positive).

    Returns
    -------
    dict
        ``{"tp": ..., "fp": ..., "tn": ..., "fn": ...}`` as Python ints.
    """
    truth = _binary_labels(y_true)
    pred = _binary_labels(y_pred, "y_pred")
    if pred.shape != truth.shape:
        raise ValueError(f"y_pred must have the shape of y_true {truth.shape}, got {pred.shape}")
    return {
        "tp": int(np.sum((truth == 1) & (pred == 1))),
        "fp": int(np.sum((truth == 0) & (pred == 1))),
        "tn": int(np.sum((truth == 0) & (pred == 0))),
        "fn": int(np.sum((truth == 1) & (pred == 0))),
    }


def _ratio(num: int, den: int) -> float:
    return num / den if den else float("nan")


def diagnostic_metrics(y_true: object, y_score: object, threshold: float = 0.5
                       ) -> dict[str, float]:
    """Sensitivity, specificity, PPV, NPV, accuracy and prevalence at one threshold.

    Parameters
    ----------
    y_true : array_like of 0/1
        Reference labels.
    y_score : array_like of float
        Scores or probabilities; a case is test-positive when ``score >= threshold``.
    threshold : float
        Decision threshold, in the units of ``y_score``.

    Returns
    -------
    dict
        Keys ``sensitivity, specificity, ppv, npv, accuracy, prevalence``. A metric
        whose denominator is zero (for example PPV with no positive test) is NaN.
    """
    truth = _binary_labels(y_true)
    scores = _scores(y_score, truth.size)
    if not math.isfinite(threshold):
        raise ValueError(f"threshold must be finite, got {threshold!r}")
    return metrics_from_counts(**confusion_counts(truth, (scores >= threshold).astype(np.int64)))


def metrics_from_counts(tp: int, fp: int, tn: int, fn: int) -> dict[str, float]:
    """Sensitivity, specificity, PPV, NPV, accuracy and prevalence from a confusion matrix.

    For the patient in front of you [4]_:

    * **sensitivity** ``tp / (tp + fn)``: of the patients who *have* the disease, the
      share whose test is positive;
    * **specificity** ``tn / (tn + fp)``: of the patients *without* it, the share whose
      test is negative;
    * **PPV** ``tp / (tp + fp)``: of the patients with a *positive* test, the share who
      have the disease;
    * **NPV** ``tn / (tn + fn)``: of the patients with a *negative* test, the share who
      do not.

    Parameters
    ----------
    tp, fp, tn, fn : int
        Counts of true positives, false positives, true negatives and false negatives
        (patients, >= 0, at least one patient in total).

    Returns
    -------
    dict
        Keys ``sensitivity, specificity, ppv, npv, accuracy, prevalence`` (floats in
        [0, 1]). A metric whose denominator is zero is NaN, never a silent 0.

    Raises
    ------
    ValueError
        If a count is negative, not a whole number, or all four are zero.

    Examples
    --------
    >>> m = metrics_from_counts(tp=45, fp=10, tn=40, fn=5)
    >>> round(m["sensitivity"], 2), round(m["ppv"], 3)
    (0.9, 0.818)

    References
    ----------
    .. [4] Altman DG, Bland JM. Diagnostic tests 1: sensitivity and specificity.
       BMJ 1994;308:1552. doi:10.1136/bmj.308.6943.1552
    """
    counts = {"tp": tp, "fp": fp, "tn": tn, "fn": fn}
    for name, value in counts.items():
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 0:
            raise ValueError(f"{name} must be a whole number of patients >= 0, got {value!r}")
    total = tp + fp + tn + fn
    if total == 0:
        raise ValueError("tp, fp, tn and fn are all 0: the confusion matrix has no patients")
    return {
        "sensitivity": _ratio(tp, tp + fn),
        "specificity": _ratio(tn, tn + fp),
        "ppv": _ratio(tp, tp + fp),
        "npv": _ratio(tn, tn + fn),
        "accuracy": (tp + tn) / total,
        "prevalence": (tp + fn) / total,
    }


def metrics_at_thresholds(y_true: object, y_score: object, thresholds: object) -> pd.DataFrame:
    """A table of test performance at several decision thresholds.

    Parameters
    ----------
    y_true : array_like of 0/1
        Reference labels.
    y_score : array_like of float
        Scores or probabilities; a case is test-positive when ``score >= threshold``.
    thresholds : array_like of float
        Finite thresholds, in the units of ``y_score``.

    Returns
    -------
    pandas.DataFrame
        One row per threshold with ``threshold``, ``positive_tests`` (patients flagged),
        ``sensitivity``, ``specificity``, ``ppv`` and ``npv``.
    """
    truth = _binary_labels(y_true)
    scores = _scores(y_score, truth.size)
    cuts = np.atleast_1d(np.asarray(thresholds, dtype=np.float64))
    if cuts.ndim != 1 or cuts.size == 0 or not np.isfinite(cuts).all():
        raise ValueError("thresholds must be a non-empty 1-D sequence of finite numbers")
    rows = []
    for cut in cuts:
        flagged = (scores >= cut).astype(np.int64)
        m = metrics_from_counts(**confusion_counts(truth, flagged))
        rows.append({"threshold": float(cut), "positive_tests": int(flagged.sum()),
                     **{k: m[k] for k in ("sensitivity", "specificity", "ppv", "npv")}})
    return pd.DataFrame(rows)


def ppv_at_prevalence(sensitivity: float, specificity: float, prevalence: float) -> float:
    """Positive predictive value from Bayes' theorem.

    ``PPV = se·p / (se·p + (1 − sp)·(1 − p))`` [1]_.

    Examples
    --------
    A very good test (sensitivity and specificity 0.99) in a 1 %-prevalence screening
    population is wrong half of the time it says "positive":

    >>> round(ppv_at_prevalence(0.99, 0.99, 0.01), 2)
    0.5
    """
    se = _fraction("sensitivity", sensitivity)
    sp = _fraction("specificity", specificity)
    p = _fraction("prevalence", prevalence)
    return _ratio_f(se * p, se * p + (1 - sp) * (1 - p))


def npv_at_prevalence(sensitivity: float, specificity: float, prevalence: float) -> float:
    """Negative predictive value from Bayes' theorem: ``sp·(1−p) / (sp·(1−p) + (1−se)·p)``."""
    se = _fraction("sensitivity", sensitivity)
    sp = _fraction("specificity", specificity)
    p = _fraction("prevalence", prevalence)
    return _ratio_f(sp * (1 - p), sp * (1 - p) + (1 - se) * p)


def _ratio_f(num: float, den: float) -> float:
    return num / den if den > 0 else float("nan")


def threshold_for_sensitivity(y_true: object, y_score: object, min_sensitivity: float) -> float:
    """The highest threshold whose sensitivity is at least ``min_sensitivity``.

    Raising the threshold trades sensitivity for specificity, so the highest threshold
    that still meets the sensitivity target is the most specific acceptable one: the
    usual way to set a screening test's cut-off on a validation set.

    Parameters
    ----------
    y_true : array_like of 0/1
        Validation labels; must contain at least one positive.
    y_score : array_like of float
        Validation scores; a case is positive when ``score >= threshold``.
    min_sensitivity : float
        Target in (0, 1], for example 0.95.

    Returns
    -------
    float
        One of the observed scores.
    """
    truth = _binary_labels(y_true)
    scores = _scores(y_score, truth.size)
    target = float(min_sensitivity)
    if not (math.isfinite(target) and 0 < target <= 1):
        raise ValueError(f"min_sensitivity must be in (0, 1], got {min_sensitivity!r}")
    positives = np.sort(scores[truth == 1])[::-1]
    if positives.size == 0:
        raise ValueError("y_true must contain at least one positive case (1)")
    # Keeping the k highest-scoring positives gives sensitivity k / n_pos.
    needed = math.ceil(target * positives.size - 1e-12)
    return float(positives[needed - 1])


def threshold_for_specificity(y_true: object, y_score: object, min_specificity: float) -> float:
    """The lowest threshold whose specificity is at least ``min_specificity``.

    The mirror image of :func:`threshold_for_sensitivity`, for a *confirmatory* test:
    lowering the threshold gains sensitivity, so the lowest threshold that still keeps
    false positives rare enough is the most sensitive acceptable one.

    Parameters
    ----------
    y_true : array_like of 0/1
        Validation labels; must contain at least one negative (0).
    y_score : array_like of float
        Validation scores; a case is positive when ``score >= threshold``.
    min_specificity : float
        Target in (0, 1], for example 0.99.

    Returns
    -------
    float
        The lowest observed score above the scores of the negatives that must test
        negative. When every observed score would have to test negative, the next
        floating-point number above the highest score (no patient tests positive).
    """
    truth = _binary_labels(y_true)
    scores = _scores(y_score, truth.size)
    target = float(min_specificity)
    if not (math.isfinite(target) and 0 < target <= 1):
        raise ValueError(f"min_specificity must be in (0, 1], got {min_specificity!r}")
    negatives = np.sort(scores[truth == 0])
    if negatives.size == 0:
        raise ValueError("y_true must contain at least one negative case (0)")
    # The k lowest-scoring negatives test negative when the threshold is above them.
    needed = math.ceil(target * negatives.size - 1e-12)
    highest_negative = negatives[needed - 1]
    above = scores[scores > highest_negative]
    if above.size == 0:
        return float(np.nextafter(highest_negative, np.inf))
    return float(above.min())


def bootstrap_ci(metric: Callable[[np.ndarray, np.ndarray], float], y_true: object,
                 y_score: object, *, n_boot: int = 1000, level: float = 0.95, seed: int = 0
                 ) -> tuple[float, float, float]:
    """Percentile bootstrap confidence interval of a metric, resampling patients.

    Resampling is stratified by outcome, so every replicate keeps the observed number
    of cases and controls (and metrics such as AUROC stay defined).

    Parameters
    ----------
    metric : callable
        ``metric(y_true, y_score) -> float``, for example
        ``sklearn.metrics.roc_auc_score``.
    y_true : array_like of 0/1
        Labels; needs at least one case and one control.
    y_score : array_like of float
        Scores or predictions.
    n_boot : int
        Number of bootstrap replicates (>= 100).
    level : float
        Confidence level in (0, 1), for example 0.95.
    seed : int
        Seed of the random generator, for reproducible intervals.

    Returns
    -------
    tuple of float
        ``(estimate, lower, upper)``.
    """
    truth = _binary_labels(y_true)
    scores = _scores(y_score, truth.size)
    _fraction("level", level, open_interval=True)
    if int(n_boot) != n_boot or n_boot < 100:
        raise ValueError(f"n_boot must be an integer >= 100, got {n_boot!r}")
    cases, controls = np.flatnonzero(truth == 1), np.flatnonzero(truth == 0)
    if cases.size == 0 or controls.size == 0:
        raise ValueError("y_true must contain both cases (1) and controls (0)")
    rng = np.random.default_rng(seed)
    values = np.empty(int(n_boot))
    for i in range(int(n_boot)):
        idx = np.concatenate([rng.choice(cases, cases.size), rng.choice(controls, controls.size)])
        values[i] = metric(truth[idx], scores[idx])
    alpha = (1 - level) / 2
    lower, upper = np.quantile(values, [alpha, 1 - alpha])
    return float(metric(truth, scores)), float(lower), float(upper)


def calibration_table(y_true: object, y_prob: object, *, n_bins: int = 10,
                      strategy: str = "quantile") -> pd.DataFrame:
    """Observed event rate versus mean predicted risk, per bin of predicted risk.

    Parameters
    ----------
    y_true : array_like of 0/1
        Outcomes.
    y_prob : array_like of float in [0, 1]
        Predicted probabilities.
    n_bins : int
        Number of bins (>= 2).
    strategy : {"quantile", "uniform"}
        Equal-count bins (default) or equal-width bins on [0, 1].

    Returns
    -------
    pandas.DataFrame
        One row per non-empty bin with ``mean_predicted``, ``observed_rate`` and
        ``n`` (patients in the bin). A perfectly calibrated model lies on the diagonal.
    """
    truth = _binary_labels(y_true)
    probs = _scores(y_prob, truth.size, "y_prob")
    if ((probs < 0) | (probs > 1)).any():
        raise ValueError("y_prob must contain probabilities between 0 and 1")
    if int(n_bins) != n_bins or n_bins < 2:
        raise ValueError(f"n_bins must be an integer >= 2, got {n_bins!r}")
    if strategy == "quantile":
        edges = np.unique(np.quantile(probs, np.linspace(0, 1, int(n_bins) + 1)))
    elif strategy == "uniform":
        edges = np.linspace(0, 1, int(n_bins) + 1)
    else:
        raise ValueError(f"strategy must be 'quantile' or 'uniform', got {strategy!r}")
    bins = np.clip(np.searchsorted(edges, probs, side="right") - 1, 0, max(len(edges) - 2, 0))
    table = (
        pd.DataFrame({"bin": bins, "p": probs, "y": truth})
        .groupby("bin")
        .agg(mean_predicted=("p", "mean"), observed_rate=("y", "mean"), n=("y", "size"))
        .reset_index(drop=True)
    )
    return table
