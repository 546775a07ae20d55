"""Fairness audits of clinical risk models: per-group metrics and group thresholds.

A model can be accurate overall and still serve some patients worse than others. An
audit computes the usual diagnostic metrics *per group* (sex, age band, access to
care...) with fairlearn's :class:`~fairlearn.metrics.MetricFrame` [1]_, and checks
calibration per group with :func:`aimed.evaluate.calibration_table`.

When the base rate (prevalence) differs between groups, fairness criteria collide.
For thresholded decisions, Chouldechova's identity ties FPR, FNR, PPV and prevalence,
so equal PPV ("predictive parity") and equal FPR and FNR cannot all hold [3]_. For the
scores themselves, Kleinberg et al. proved that calibration within groups, balance for
the positive class and balance for the negative class (equal *mean scores* among those
with, and among those without, the outcome) cannot all hold, except with a perfect
predictor or equal base rates [2]_. Calibration and equal PPV are different properties:
a score calibrated in every group can still give different PPVs at one threshold,
because the groups' scores above the threshold are distributed differently. Choosing
which criterion to meet is therefore a clinical and ethical decision, not a technical
one. :func:`thresholds_for_equal_fnr` implements one such choice: a threshold per
group so that no group misses more than a given share of its patients with the
condition (the "equal opportunity" criterion [4]_).

References
----------
.. [1] Weerts H, Dudík M, Edgar R, Jalali A, Lutz R, Madaio M. Fairlearn: assessing and
   improving fairness of AI systems. 2023. https://arxiv.org/abs/2303.16626
.. [2] Kleinberg J, Mullainathan S, Raghavan M. Inherent trade-offs in the fair
   determination of risk scores. ITCS 2017. https://arxiv.org/abs/1609.05807
.. [3] Chouldechova A. Fair prediction with disparate impact: a study of bias in
   recidivism prediction instruments. Big Data 2017;5(2):153-163.
   doi:10.1089/big.2016.0047
.. [4] Hardt M, Price E, Srebro N. Equality of opportunity in supervised learning.
   NeurIPS 2016. https://arxiv.org/abs/1610.02413
.. [5] Wilson EB. Probable inference, the law of succession, and statistical inference.
   J Am Stat Assoc 1927;22(158):209-212. doi:10.1080/01621459.1927.10502953
.. [6] Van Calster B, McLernon DJ, van Smeden M, Wynants L, Steyerberg EW. Calibration:
   the Achilles heel of predictive analytics. BMC Med 2019;17:230.
   doi:10.1186/s12916-019-1466-7
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd
from scipy.stats import binomtest

from aimed.evaluate import calibration_table, threshold_for_sensitivity
from aimed.i18n import t
from aimed.society import _checks

__all__ = [
    "GROUP_METRICS",
    "apply_group_thresholds",
    "calibration_by_group",
    "group_metrics",
    "group_rates_ci",
    "observed_expected",
    "score_percentile",
    "thresholds_for_equal_fnr",
]

#: The columns of :func:`group_metrics`, with their meaning.
GROUP_METRICS: dict[str, str] = {
    "n": "patients in the group",
    "prevalence": "share of the group with the condition (base rate)",
    "selection_rate": "share of the group flagged by the model",
    "tpr": "true-positive rate (sensitivity): flagged among those with the condition",
    "fnr": "false-negative rate (1 - sensitivity): missed among those with the condition",
    "fpr": "false-positive rate (1 - specificity): flagged among those without it",
    "ppv": "positive predictive value: with the condition among those flagged",
}


def _ppv(y_true: np.ndarray, y_pred: np.ndarray) -> float:
    flagged = y_pred == 1
    return float(y_true[flagged].mean()) if flagged.any() else float("nan")


def _rate(mask_num: np.ndarray, mask_den: np.ndarray) -> float:
    den = int(mask_den.sum())
    return float(mask_num.sum() / den) if den else float("nan")


def _tpr(y_true: np.ndarray, y_pred: np.ndarray) -> float:
    return _rate((y_true == 1) & (y_pred == 1), y_true == 1)


def _fnr(y_true: np.ndarray, y_pred: np.ndarray) -> float:
    return _rate((y_true == 1) & (y_pred == 0), y_true == 1)


def _fpr(y_true: np.ndarray, y_pred: np.ndarray) -> float:
    return _rate((y_true == 0) & (y_pred == 1), y_true == 0)


def _prevalence(y_true: np.ndarray, y_pred: np.ndarray) -> float:
    return float(np.mean(y_true))


def _selection(y_true: np.ndarray, y_pred: np.ndarray) -> float:
    return float(np.mean(y_pred))


def _count(y_true: np.ndarray, y_pred: np.ndarray) -> float:
    return float(len(y_true))


_METRIC_FUNCTIONS = {
    "n": _count,
    "prevalence": _prevalence,
    "selection_rate": _selection,
    "tpr": _tpr,
    "fnr": _fnr,
    "fpr": _fpr,
    "ppv": _ppv,
}


def group_metrics(y_true: object, y_pred: object, groups: object, *,
                  overall: bool = True) -> pd.DataFrame:
    """Diagnostic metrics of binary predictions, per group, with fairlearn's MetricFrame.

    Parameters
    ----------
    y_true : array_like of 0/1
        Outcomes (1 = has the condition).
    y_pred : array_like of 0/1
        The model's decisions (1 = flagged).
    groups : array_like
        One group label per patient (for example ``"F"``/``"M"`` or an age band).
    overall : bool, default True
        Add a last row ``"overall"`` computed on all patients.

    Returns
    -------
    pandas.DataFrame
        One row per group (index named ``group``, groups in sorted order) and the
        columns of :data:`GROUP_METRICS`: ``n`` (int) and rates between 0 and 1
        (floats). A rate whose denominator is zero is NaN.

    Raises
    ------
    ValueError
        If the labels are not 0/1, the lengths differ, or a group label is missing.
    """
    from fairlearn.metrics import MetricFrame

    truth = _checks.binary("y_true", y_true)
    pred = _checks.binary("y_pred", y_pred)
    if pred.shape != truth.shape:
        raise _checks.SocietyValueError(t("society.error.length", name="y_pred",
                                          n=truth.size, shape=pred.shape))
    labels = _checks.groups("groups", groups, truth.size)
    frame = MetricFrame(metrics=_METRIC_FUNCTIONS, y_true=truth, y_pred=pred,
                        sensitive_features=pd.Series(labels, name="group"))
    table = frame.by_group.copy()
    table.index = table.index.astype(str)
    table.index.name = "group"
    if overall:
        table.loc["overall"] = frame.overall
    table["n"] = table["n"].astype(np.int64)
    return table[list(GROUP_METRICS)]


def calibration_by_group(y_true: object, y_prob: object, groups: object, *,
                         n_bins: int = 5) -> pd.DataFrame:
    """Observed event rate against mean predicted risk, per group and bin of risk.

    Parameters
    ----------
    y_true : array_like of 0/1
        Outcomes.
    y_prob : array_like of float in [0, 1]
        Predicted probabilities.
    groups : array_like
        Group label of each patient.
    n_bins : int, default 5
        Equal-count bins of predicted risk within each group (2 to 20).

    Returns
    -------
    pandas.DataFrame
        Columns ``group, mean_predicted, observed_rate, n``; a well-calibrated model has
        ``observed_rate`` close to ``mean_predicted`` in every group.
    """
    truth = _checks.binary("y_true", y_true)
    probs = _checks.scores("y_prob", y_prob, truth.size)
    labels = _checks.groups("groups", groups, truth.size)
    n_bins = _checks.check_int("n_bins", n_bins, 2, 20)
    parts = []
    for group in sorted(pd.unique(labels), key=str):
        mask = labels == group
        part = calibration_table(truth[mask], probs[mask], n_bins=n_bins)
        part.insert(0, "group", str(group))
        parts.append(part)
    return pd.concat(parts, ignore_index=True)


def thresholds_for_equal_fnr(y_true: object, y_score: object, groups: object,
                             max_fnr: float) -> dict[str, float]:
    """One threshold per group so that each group's false-negative rate is at most ``max_fnr``.

    In each group the threshold is the *highest* one that still flags at least
    ``1 - max_fnr`` of that group's patients with the condition (the most specific
    threshold that meets the target), as in
    :func:`aimed.evaluate.threshold_for_sensitivity`.

    Parameters
    ----------
    y_true : array_like of 0/1
        Outcomes; every group needs at least one patient with the condition.
    y_score : array_like of float
        Risk scores; a patient is flagged when ``score >= threshold``.
    groups : array_like
        Group label of each patient.
    max_fnr : float
        Largest acceptable share of missed cases in every group, in [0, 1).

    Returns
    -------
    dict
        Group label (as str) → threshold (float, one of the observed scores).
    """
    truth = _checks.binary("y_true", y_true)
    score = _checks.scores("y_score", y_score, truth.size)
    labels = _checks.groups("groups", groups, truth.size)
    max_fnr = _checks.check_float("max_fnr", max_fnr, 0.0, 1.0, high_open=True)
    out: dict[str, float] = {}
    for group in sorted(pd.unique(labels), key=str):
        mask = labels == group
        if truth[mask].sum() == 0:
            raise _checks.SocietyValueError(t("society.error.no_cases", group=str(group)))
        out[str(group)] = threshold_for_sensitivity(truth[mask], score[mask], 1.0 - max_fnr)
    return out


def apply_group_thresholds(y_score: object, groups: object,
                           thresholds: Mapping[str, float]) -> np.ndarray:
    """Flag each patient whose score reaches the threshold of their own group.

    Parameters
    ----------
    y_score : array_like of float
        Risk scores.
    groups : array_like
        Group label of each patient; every label must have a threshold.
    thresholds : mapping
        Group label (str) → threshold, for example from :func:`thresholds_for_equal_fnr`.

    Returns
    -------
    numpy.ndarray of int
        1 where flagged, 0 otherwise.
    """
    score = np.asarray(y_score, dtype=np.float64)
    labels = _checks.groups("groups", groups, score.size)
    score = _checks.scores("y_score", score, labels.size)
    as_text = np.array([str(g) for g in labels], dtype=object)
    missing = sorted(set(as_text) - set(map(str, thresholds)))
    if missing:
        raise _checks.SocietyValueError(t("society.error.missing_threshold", missing=missing))
    cut = np.array([float(thresholds[g]) for g in as_text])
    return (score >= cut).astype(np.int64)


def score_percentile(y_score: object) -> np.ndarray:
    """Percentile (0-100) of each score within all scores, as a risk-score ranking.

    Ties get the same percentile. Care-management programmes such as the one studied
    by Obermeyer et al. enrol patients above a percentile of the algorithm's score.
    """
    score = np.asarray(y_score, dtype=np.float64)
    score = _checks.scores("y_score", score, score.size)
    ranks = pd.Series(score).rank(method="average", pct=True).to_numpy()
    return 100.0 * ranks


def _wilson(successes: int, n: int, level: float) -> tuple[float, float]:
    """Wilson score interval of a proportion [5]_; (nan, nan) when ``n`` is 0."""
    if n == 0:
        return float("nan"), float("nan")
    ci = binomtest(int(successes), int(n)).proportion_ci(confidence_level=level,
                                                         method="wilson")
    return float(ci.low), float(ci.high)


def group_rates_ci(y_true: object, y_pred: object, groups: object, *,
                   level: float = 0.95, overall: bool = True) -> pd.DataFrame:
    """Sensitivity, false-positive rate and PPV per group, each with a Wilson interval.

    A difference between two groups means little when their intervals overlap
    widely: a group of a few hundred patients gives intervals several percentage
    points wide. The intervals describe the sampling uncertainty of the audit sample,
    with the model held fixed; they use the Wilson score method [5]_.

    Parameters
    ----------
    y_true : array_like of 0/1
        Outcomes (1 = has the condition).
    y_pred : array_like of 0/1
        The model's decisions (1 = flagged).
    groups : array_like
        One group label per patient.
    level : float, default 0.95
        Confidence level, in (0.5, 1).
    overall : bool, default True
        Add a last row ``"overall"``.

    Returns
    -------
    pandas.DataFrame
        One row per group (index ``group``, sorted) with ``n`` and, for each of
        ``tpr``, ``fpr`` and ``ppv``, the estimate and its ``_low`` and ``_high``
        bounds (floats in [0, 1]; NaN when the denominator is zero).
    """
    truth = _checks.binary("y_true", y_true)
    pred = _checks.binary("y_pred", y_pred)
    if pred.shape != truth.shape:
        raise _checks.SocietyValueError(t("society.error.length", name="y_pred",
                                          n=truth.size, shape=pred.shape))
    labels = _checks.groups("groups", groups, truth.size)
    level = _checks.check_float("level", level, 0.5, 1.0, low_open=True, high_open=True)
    as_text = np.array([str(g) for g in labels], dtype=object)
    names = sorted(set(as_text)) + (["overall"] if overall else [])
    rows = []
    for name in names:
        mask = np.ones(truth.size, bool) if name == "overall" and overall else as_text == name
        y, p = truth[mask], pred[mask]
        tp, fp = int(((y == 1) & (p == 1)).sum()), int(((y == 0) & (p == 1)).sum())
        row: dict[str, float] = {"n": int(mask.sum())}
        for metric, num, den in (("tpr", tp, int((y == 1).sum())),
                                 ("fpr", fp, int((y == 0).sum())), ("ppv", tp, tp + fp)):
            row[metric] = num / den if den else float("nan")
            row[f"{metric}_low"], row[f"{metric}_high"] = _wilson(num, den, level)
        rows.append(row)
    table = pd.DataFrame(rows, index=pd.Index(names, name="group"))
    table["n"] = table["n"].astype(np.int64)
    return table


def observed_expected(y_true: object, y_prob: object, groups: object, *,
                      where: object = None, level: float = 0.95) -> pd.DataFrame:
    """Observed against expected events per group: calibration-in-the-large, with a CI.

    The *expected* number of events is the sum of the predicted risks; a calibrated
    model has an observed/expected (O/E) ratio close to 1 in every group [6]_. An
    O/E of 1.4 means 40 % more events than the model predicted: the model
    under-estimates that group's risk. Restricting the comparison to a risk band
    (``where``, for example the flagged patients or the top decile) checks the
    calibration where the decisions are made.

    The interval of the observed rate is the Wilson score interval [5]_; the interval
    of O/E divides its bounds by the mean predicted risk, treating the predictions as
    fixed (the uncertainty of the audit sample, not of the model's training).

    Parameters
    ----------
    y_true : array_like of 0/1
        Outcomes.
    y_prob : array_like of float in [0, 1]
        Predicted probabilities.
    groups : array_like
        Group label of each patient.
    where : array_like of bool, optional
        Keep only these patients (the band to audit); all patients by default.
    level : float, default 0.95
        Confidence level, in (0.5, 1).

    Returns
    -------
    pandas.DataFrame
        One row per group (index ``group``, sorted) with ``n``, ``observed`` (events),
        ``expected`` (sum of predicted risks), ``mean_predicted``, ``observed_rate``,
        ``rate_low``, ``rate_high``, ``o_e``, ``o_e_low`` and ``o_e_high``.
    """
    truth = _checks.binary("y_true", y_true)
    probs = _checks.scores("y_prob", y_prob, truth.size)
    if ((probs < 0) | (probs > 1)).any():
        raise _checks.SocietyValueError(t("society.error.float_range", name="y_prob",
                                          interval="[0, 1]", got="a value outside"))
    labels = _checks.groups("groups", groups, truth.size)
    level = _checks.check_float("level", level, 0.5, 1.0, low_open=True, high_open=True)
    keep = np.ones(truth.size, bool)
    if where is not None:
        keep = np.asarray(where)
        if keep.shape != truth.shape or keep.dtype.kind != "b":
            raise _checks.SocietyValueError(t("society.error.mask"))
        if not keep.any():
            raise _checks.SocietyValueError(t("society.error.empty_band"))
    as_text = np.array([str(g) for g in labels], dtype=object)
    rows = []
    names = sorted(set(as_text[keep]))
    for name in names:
        mask = keep & (as_text == name)
        n, events, expected = int(mask.sum()), int(truth[mask].sum()), float(probs[mask].sum())
        low, high = _wilson(events, n, level)
        mean_predicted = expected / n
        rows.append({"n": n, "observed": events, "expected": expected,
                     "mean_predicted": mean_predicted, "observed_rate": events / n,
                     "rate_low": low, "rate_high": high,
                     "o_e": events / expected if expected else float("nan"),
                     "o_e_low": low / mean_predicted if expected else float("nan"),
                     "o_e_high": high / mean_predicted if expected else float("nan")})
    return pd.DataFrame(rows, index=pd.Index(names, name="group"))
