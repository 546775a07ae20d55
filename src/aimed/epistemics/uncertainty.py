"""Knowing what the model does not know: calibration, shift, prevalence and abstention.

* **Calibration** asks whether "20 % risk" means that 20 in 100 such patients have the
  event [1]_. :func:`plot_reliability` draws the reliability diagram from
  :func:`aimed.evaluate.calibration_table`; the Brier score [2]_ (mean squared error of
  the predicted probabilities) mixes calibration and discrimination.
* **Recalibration of a frozen model** [3]_ [6]_ [7]_: the fitted model is left untouched;
  a small logistic model is fitted, on a held-out calibration sample with known
  outcomes, from the logit of the model's predicted risk to the outcome.
  :func:`recalibrate` does it, with ``method="intercept"`` (recalibration-in-the-large:
  only the intercept is re-estimated, the slope stays 1, so every prediction moves by
  the same amount on the log-odds scale and the mean predicted risk equals the observed
  event rate) or ``method="logistic"`` (logistic recalibration: intercept and slope; a
  slope below 1 means the predictions were too extreme). :func:`intercept_shift` and
  :func:`apply_intercept_shift` are the intercept-only case as two plain functions.
* **Dataset shift** between hospitals often damages calibration more than
  discrimination [4]_: :func:`performance_summary` reports both.
* **Abstention**: a model may refer the cases it is least sure about to a clinician and
  decide only the others [5]_: :func:`abstention_curve`.

References
----------
.. [1] Van Calster B, McLernon DJ, van Smeden M, Wynants L, Steyerberg EW. Calibration:
   the Achilles heel of predictive analytics. BMC Med 2019;17:230.
   doi:10.1186/s12916-019-1466-7
.. [2] Brier GW. Verification of forecasts expressed in terms of probability. Mon
   Weather Rev 1950;78(1):1-3. doi:10.1175/1520-0493(1950)078<0001:VOFEIT>2.0.CO;2
.. [3] Steyerberg EW. Clinical Prediction Models, 2nd ed. Springer, 2019, chapter 20.
   doi:10.1007/978-3-030-16399-0
.. [4] Finlayson SG, Subbaswamy A, Singh K, et al. The clinician and dataset shift in
   artificial intelligence. N Engl J Med 2021;385:283-286. doi:10.1056/NEJMc2104626
.. [5] Chow CK. On optimum recognition error and reject tradeoff. IEEE Trans Inf Theory
   1970;16(1):41-46. doi:10.1109/TIT.1970.1054406
.. [6] Janssen KJM, Moons KGM, Kalkman CJ, Grobbee DE, Vergouwe Y. Updating methods
   improved the performance of a clinical prediction model in new patients. J Clin
   Epidemiol 2008;61(1):76-86. doi:10.1016/j.jclinepi.2007.04.018
.. [7] Cox DR. Two further applications of a model for binary regression. Biometrika
   1958;45(3-4):562-565. doi:10.1093/biomet/45.3-4.562
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from scipy.optimize import brentq
from scipy.special import expit, logit
from sklearn.metrics import brier_score_loss, roc_auc_score

from aimed.epistemics._checks import check_binary, check_probabilities, check_real
from aimed.evaluate import calibration_table, ppv_at_prevalence
from aimed.i18n import t
from aimed.plotting import colour

__all__ = [
    "Recalibration",
    "abstention_curve",
    "apply_intercept_shift",
    "intercept_shift",
    "performance_summary",
    "plot_abstention",
    "plot_ppv_by_prevalence",
    "plot_reliability",
    "recalibrate",
]


def _pair(y_true: object, y_prob: object, *, open_interval: bool = False
          ) -> tuple[np.ndarray, np.ndarray]:
    truth = check_binary("y_true", y_true)
    probs = check_probabilities("y_prob", y_prob, truth.size, open_interval=open_interval)
    return truth, probs


def performance_summary(y_true: object, y_prob: object) -> dict[str, float]:
    """Discrimination and calibration of predicted risks in one dictionary.

    Parameters
    ----------
    y_true : array_like of 0/1
        Outcomes; both values must occur.
    y_prob : array_like of float in [0, 1]
        Predicted probabilities of the outcome.

    Returns
    -------
    dict
        ``auroc`` (discrimination, 0.5 = chance), ``brier`` (mean squared error of the
        probabilities, lower is better), ``mean_predicted`` and ``observed_rate`` (both
        fractions), and ``observed_expected`` (their ratio: above 1 means the model
        under-estimates risk).
    """
    truth, probs = _pair(y_true, y_prob)
    if truth.min() == truth.max():
        raise ValueError(t("epistemics.error.one_class", name="y_true"))
    mean_p = float(probs.mean())
    return {
        "auroc": float(roc_auc_score(truth, probs)),
        "brier": float(brier_score_loss(truth, probs)),
        "mean_predicted": mean_p,
        "observed_rate": float(truth.mean()),
        "observed_expected": float(truth.mean() / mean_p) if mean_p > 0 else float("nan"),
    }


def plot_reliability(y_true: object, y_prob: object, *, label: str, ax: plt.Axes | None = None,
                     n_bins: int = 10, strategy: str = "quantile", colour_index: int = 0,
                     max_risk: float | None = None, title: str | None = None) -> plt.Axes:
    """Reliability diagram: observed event rate against mean predicted risk, per bin.

    Points on the diagonal are well calibrated; below it the model over-estimates risk,
    above it under-estimates. The marker area grows with the number of patients in the
    bin. Call it several times on the same ``ax`` to compare models.

    Parameters
    ----------
    y_true, y_prob : array_like
        Outcomes (0/1) and predicted probabilities.
    label : str
        Legend entry for this model.
    n_bins : int, default 10
        Number of bins (>= 2), see :func:`aimed.evaluate.calibration_table`.
    strategy : {"quantile", "uniform"}
        Equal-count (default) or equal-width bins.
    colour_index : int
        Palette position of this curve.
    max_risk : float, optional
        Upper limit of both axes in % (default: just above the largest point).
    title : str, optional
        Figure title (default "Reliability diagram").
    """
    truth, probs = _pair(y_true, y_prob)
    table = calibration_table(truth, probs, n_bins=n_bins, strategy=strategy)
    if ax is None:
        _, ax = plt.subplots(figsize=(5.6, 5.0))
    x, y = 100 * table["mean_predicted"], 100 * table["observed_rate"]
    top = max_risk if max_risk is not None else float(max(x.max(), y.max()) * 1.08 + 1)
    limit = max(top, *ax.get_xlim()[1:]) if ax.has_data() else top
    if not any(line.get_gid() == "diagonal" for line in ax.get_lines()):
        ax.plot([0, 100], [0, 100], ls="--", color="0.5", lw=1.2, gid="diagonal",
                label=t("epistemics.plot.perfect"))
    ax.plot(x, y, "-", color=colour(colour_index), lw=1.5, alpha=0.8)
    sizes = 20 + 200 * table["n"] / table["n"].max()
    ax.scatter(x, y, s=sizes, color=colour(colour_index), label=label, zorder=3,
               edgecolor="white")
    ax.set_xlim(0, limit)
    ax.set_ylim(0, limit)
    ax.set_aspect("equal")
    ax.set_title(title or t("epistemics.plot.reliability_title"))
    ax.set_xlabel(t("epistemics.plot.predicted_risk"))
    ax.set_ylabel(t("epistemics.plot.observed_rate"))
    ax.legend(loc="upper left")
    return ax


def intercept_shift(y_true: object, y_prob: object) -> float:
    """The log-odds shift that makes the mean predicted risk equal the observed rate.

    Solves ``mean(expit(logit(p) + a)) = mean(y)`` for ``a``. This is the maximum-
    likelihood intercept of a logistic recalibration model with the original log-odds as
    an offset (slope fixed at 1), known as recalibration-in-the-large.

    Parameters
    ----------
    y_true : array_like of 0/1
        Outcomes in the new population; both values must occur.
    y_prob : array_like of float
        The model's predicted probabilities there, strictly between 0 and 1.

    Returns
    -------
    float
        The shift ``a`` in log-odds: positive when the model under-estimates risk.

    Raises
    ------
    ValueError
        If the outcomes are all 0 or all 1 (no finite shift exists), or a probability is
        0, 1 or not finite.
    """
    truth, probs = _pair(y_true, y_prob, open_interval=True)
    target = truth.mean()
    if target in (0.0, 1.0):
        raise ValueError(t("epistemics.error.one_class", name="y_true"))
    log_odds = logit(probs)

    def gap(a: float) -> float:
        return float(expit(log_odds + a).mean() - target)

    low, high = -1.0, 1.0
    while gap(low) > 0:
        low *= 2
    while gap(high) < 0:
        high *= 2
    return float(brentq(gap, low, high, xtol=1e-12))


def apply_intercept_shift(y_prob: object, shift: float) -> np.ndarray:
    """Move every probability by ``shift`` on the log-odds scale.

    Parameters
    ----------
    y_prob : array_like of float
        Probabilities strictly between 0 and 1.
    shift : float
        Log-odds shift, from -20 to 20 (see :func:`intercept_shift`).

    Returns
    -------
    numpy.ndarray
        ``expit(logit(p) + shift)``: the ranking of patients, and so the AUROC, is
        unchanged.
    """
    probs = check_probabilities("y_prob", y_prob, open_interval=True)
    return expit(logit(probs) + check_real("shift", shift, -20.0, 20.0))


@dataclass(frozen=True)
class Recalibration:
    """A fitted recalibration: ``logit(p_new) = intercept + slope * logit(p)``.

    Attributes
    ----------
    method : {"intercept", "logistic"}
        How it was fitted (see :func:`recalibrate`).
    intercept : float
        In log-odds. With ``method="intercept"`` it is the shift of
        :func:`intercept_shift`: positive when the model under-estimated risk.
    slope : float
        Multiplies the model's log-odds (exactly 1 with ``method="intercept"``). Below 1,
        the original predictions were too extreme; above 1, too timid.
    n : int
        Size of the calibration sample it was fitted on.
    """

    method: str
    intercept: float
    slope: float
    n: int

    def apply(self, y_prob: object) -> np.ndarray:
        """Recalibrated probabilities for the frozen model's predictions ``y_prob``.

        Parameters
        ----------
        y_prob : array_like of float
            Probabilities from the *same* frozen model, strictly between 0 and 1.

        Returns
        -------
        numpy.ndarray
            ``expit(intercept + slope * logit(p))``. A positive slope keeps the ranking of
            patients, and so the AUROC, unchanged.
        """
        probs = check_probabilities("y_prob", y_prob, open_interval=True)
        return expit(self.intercept + self.slope * logit(probs))

    __call__ = apply


def _logistic_on_logit(log_odds: np.ndarray, truth: np.ndarray) -> tuple[float, float]:
    """Maximum-likelihood intercept and slope of ``y ~ logit(p)`` (Newton-Raphson)."""
    cases, controls = log_odds[truth == 1], log_odds[truth == 0]
    if cases.min() >= controls.max() or cases.max() <= controls.min():
        # The predictions separate the outcomes: the likelihood has no maximum.
        raise ValueError(t("epistemics.error.recalibration_failed"))
    design = np.column_stack([np.ones_like(log_odds), log_odds])
    beta = np.array([0.0, 1.0])
    converged = False

    def loglik(b: np.ndarray) -> float:
        eta = design @ b
        return float(np.sum(truth * eta - np.logaddexp(0.0, eta)))

    current = loglik(beta)
    for _ in range(100):
        mu = expit(design @ beta)
        gradient = design.T @ (truth - mu)
        hessian = (design * (mu * (1 - mu))[:, None]).T @ design
        try:
            step = np.linalg.solve(hessian, gradient)
        except np.linalg.LinAlgError:
            raise ValueError(t("epistemics.error.recalibration_failed")) from None
        scale = 1.0
        while scale > 1e-6 and loglik(beta + scale * step) < current - 1e-12:
            scale /= 2
        beta = beta + scale * step
        new = loglik(beta)
        if abs(new - current) < 1e-12 and np.abs(scale * step).max() < 1e-10:
            converged = True
            break
        current = new
    if not converged or not np.isfinite(beta).all() or np.abs(beta).max() > 50:
        raise ValueError(t("epistemics.error.recalibration_failed"))
    return float(beta[0]), float(beta[1])


def recalibrate(y_true: object, y_prob: object, *, method: str = "intercept"
                ) -> Recalibration:
    """Fit a recalibration of a frozen model on a held-out calibration sample.

    The model itself is not refitted and need not even be available: only its predicted
    risks ``y_prob`` on a calibration sample and the observed outcomes ``y_true`` of
    those patients are used. A logistic model is fitted by maximum likelihood with the
    logit of the predicted risk as its only input [3]_ [6]_ [7]_:

    * ``method="intercept"``: recalibration-in-the-large. ``logit(p_new) = a +
      logit(p)``; only ``a`` is estimated (the slope is fixed at 1), so afterwards the
      mean predicted risk on the calibration sample equals its event rate. Needs few
      events.
    * ``method="logistic"``: logistic recalibration. ``logit(p_new) = a + b logit(p)``;
      ``b`` (the calibration slope) also corrects predictions that are too extreme
      (``b < 1``) or too timid (``b > 1``). Needs more events.

    Parameters
    ----------
    y_true : array_like of 0/1
        Outcomes of the calibration sample; both values must occur. The sample must not
        have been used to fit the model.
    y_prob : array_like of float
        The frozen model's predicted probabilities for the same patients, strictly
        between 0 and 1.
    method : {"intercept", "logistic"}, default "intercept"

    Returns
    -------
    Recalibration
        With ``intercept``, ``slope`` and ``apply(p)`` for new predictions.

    Raises
    ------
    ValueError
        For outcomes that are not 0/1 or all equal, probabilities outside (0, 1), lengths
        that differ, an unknown method, or a logistic fit that does not converge (for
        example when the predictions separate the outcomes perfectly).

    Examples
    --------
    >>> fit = recalibrate([0, 0, 1, 0, 1, 0], [0.1, 0.2, 0.3, 0.1, 0.2, 0.1])
    >>> round(fit.slope, 1), fit.method
    (1.0, 'intercept')
    >>> bool(fit.apply([0.1, 0.2, 0.3, 0.1, 0.2, 0.1]).mean().round(6) == round(2 / 6, 6))
    True
    """
    if method not in ("intercept", "logistic"):
        raise ValueError(t("epistemics.error.choice", name="method",
                           choices=["intercept", "logistic"], got=repr(method)))
    truth, probs = _pair(y_true, y_prob, open_interval=True)
    if truth.min() == truth.max():
        raise ValueError(t("epistemics.error.one_class", name="y_true"))
    if method == "intercept":
        return Recalibration("intercept", intercept_shift(truth, probs), 1.0, int(truth.size))
    intercept, slope = _logistic_on_logit(logit(probs), truth.astype(float))
    return Recalibration("logistic", intercept, slope, int(truth.size))


def abstention_curve(y_true: object, y_prob: object, *, threshold: float,
                     coverages: Sequence[float] | None = None) -> pd.DataFrame:
    """What happens when the model decides only the cases it is surest about.

    For each coverage ``c``, the model decides the share ``c`` of patients whose
    predicted risk lies farthest from the decision threshold (measured on the log-odds
    scale) and refers the others to a clinician.

    Parameters
    ----------
    y_true, y_prob : array_like
        Outcomes (0/1) and predicted probabilities (strictly between 0 and 1).
    threshold : float
        Decision threshold in (0, 1): decided patients with ``p >= threshold`` are
        called positive.
    coverages : sequence of float, optional
        Shares of patients decided by the model, each in (0, 1]; default 1.0, 0.95, ...,
        0.5.

    Returns
    -------
    pandas.DataFrame
        One row per coverage with ``coverage``, ``referred`` (number of patients sent
        to the clinician), and among the decided patients ``accuracy``, ``sensitivity``
        and ``specificity`` (NaN when a denominator is zero).
    """
    truth, probs = _pair(y_true, y_prob, open_interval=True)
    cut = check_real("threshold", threshold, 1e-6, 1 - 1e-6)
    wanted = np.linspace(1.0, 0.5, 11) if coverages is None else np.asarray(coverages, float)
    if wanted.ndim != 1 or wanted.size == 0 or not ((wanted > 0) & (wanted <= 1)).all():
        raise ValueError(t("epistemics.error.coverages"))
    certainty = np.abs(logit(probs) - logit(cut))
    order = np.argsort(-certainty, kind="stable")
    rows = []
    for coverage in wanted:
        k = max(1, round(float(coverage) * truth.size))
        kept = order[:k]
        y, yhat = truth[kept], (probs[kept] >= cut).astype(np.int64)
        positives, negatives = (y == 1).sum(), (y == 0).sum()
        rows.append({
            "coverage": float(coverage),
            "referred": int(truth.size - k),
            "accuracy": float((y == yhat).mean()),
            "sensitivity": float(((y == 1) & (yhat == 1)).sum() / positives)
            if positives else float("nan"),
            "specificity": float(((y == 0) & (yhat == 0)).sum() / negatives)
            if negatives else float("nan"),
        })
    return pd.DataFrame(rows)


def plot_abstention(curve: pd.DataFrame, *, ax: plt.Axes | None = None,
                    metrics: Sequence[str] = ("accuracy", "sensitivity")) -> plt.Axes:
    """Plot metrics of the decided cases against the share of cases the model decides."""
    if ax is None:
        _, ax = plt.subplots(figsize=(6.6, 4.2))
    for i, metric in enumerate(metrics):
        if metric not in curve:
            raise ValueError(t("epistemics.error.missing_columns", name="curve",
                               columns=[metric], available=list(curve.columns)))
        ax.plot(100 * curve["coverage"], 100 * curve[metric], "o-", color=colour(i),
                label=t(f"epistemics.plot.{metric}"))
    ax.invert_xaxis()
    ax.set_title(t("epistemics.plot.abstention_title"))
    ax.set_xlabel(t("epistemics.plot.coverage"))
    ax.set_ylabel(t("epistemics.plot.decided_metric"))
    ax.legend(loc="lower right")
    return ax


def plot_ppv_by_prevalence(sensitivity: float, specificity: float, *,
                           marks: Mapping[str, float] | None = None,
                           ax: plt.Axes | None = None) -> plt.Axes:
    """PPV of a test with fixed sensitivity and specificity, across prevalences 0.5-50 %.

    Parameters
    ----------
    sensitivity, specificity : float
        Of the test or model at its threshold, fractions in [0, 1].
    marks : mapping, optional
        Label → prevalence (fraction) to mark on the curve, for example the two
        hospitals.
    """
    se = check_real("sensitivity", sensitivity, 0.0, 1.0)
    sp = check_real("specificity", specificity, 0.0, 1.0)
    prevalence = np.linspace(0.005, 0.5, 200)
    ppv = np.array([ppv_at_prevalence(se, sp, p) for p in prevalence])
    if ax is None:
        _, ax = plt.subplots(figsize=(6.6, 4.2))
    ax.plot(100 * prevalence, 100 * ppv, color=colour("blue"),
            label=t("epistemics.plot.ppv_curve", se=100 * se, sp=100 * sp))
    for i, (name, value) in enumerate((marks or {}).items()):
        p = check_real(f"marks[{name!r}]", value, 0.0, 1.0)
        y = 100 * ppv_at_prevalence(se, sp, p)
        ax.plot([100 * p], [y], "o", ms=9, color=colour(i + 1),
                label=t("epistemics.plot.ppv_mark", name=name, prevalence=100 * p, ppv=y))
    ax.set_ylim(0, 100)
    ax.set_title(t("epistemics.plot.ppv_title"))
    ax.set_xlabel(t("epistemics.plot.prevalence"))
    ax.set_ylabel(t("epistemics.plot.ppv"))
    ax.legend(loc="lower right")
    return ax
