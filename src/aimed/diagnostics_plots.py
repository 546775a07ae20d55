"""Figures for diagnostic tests: confusion matrix, score distributions, ROC, thresholds, PPV.

Each helper draws on a matplotlib ``Axes`` (a new figure when ``ax`` is None), gives it a
title and labelled axes in the learner's language, uses the course palette, and returns
the ``Axes`` so that a notebook can add to it.

The 2 × 2 table follows the layout of clinical epidemiology [1]_: rows are the test
result, columns the truth, so sensitivity reads down the first column and the positive
predictive value along the first row. The area under the ROC curve is the probability
that a randomly chosen patient with the disease scores higher than a randomly chosen
patient without it [2]_.

References
----------
.. [1] Altman DG, Bland JM. Diagnostic tests 1: sensitivity and specificity.
   BMJ 1994;308:1552. doi:10.1136/bmj.308.6943.1552
.. [2] Hanley JA, McNeil BJ. The meaning and use of the area under a receiver operating
   characteristic (ROC) curve. Radiology 1982;143(1):29-36.
   doi:10.1148/radiology.143.1.7063747
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.ticker import FuncFormatter

from aimed import evaluate, plotting
from aimed.evaluate import _binary_labels, _scores
from aimed.i18n import t

__all__ = [
    "plot_confusion",
    "plot_predictive_values",
    "plot_roc",
    "plot_score_distributions",
    "plot_threshold_tradeoff",
]


def _axes(ax: plt.Axes | None, size: tuple[float, float] = (6.4, 4.4)) -> plt.Axes:
    if ax is None:
        _, ax = plt.subplots(figsize=size)
    return ax


def _labels_and_scores(y_true: object, y_score: object) -> tuple[np.ndarray, np.ndarray]:
    truth = _binary_labels(y_true)
    scores = _scores(y_score, truth.size)
    if truth.min() == truth.max():
        raise ValueError("y_true must contain both patients with (1) and without (0) the "
                         "condition")
    return truth, scores


#: The default ``classes`` of the figures, drawn in the learner's language when untouched.
_CLASSES = ("disease", "no disease")


def _class_names(classes: Sequence[str]) -> Sequence[str]:
    if tuple(classes) == _CLASSES:
        return (t("m1.plot.disease"), t("m1.plot.no_disease"))
    return classes


def _percent(ax_axis) -> None:
    """Show a 0-1 axis as percentages: 0.005 -> '0.5 %', 0.2 -> '20 %'."""
    ax_axis.set_major_formatter(FuncFormatter(lambda v, _: f"{100 * v:.3g} %"))


def plot_confusion(counts: Mapping[str, int], *, ax: plt.Axes | None = None,
                   classes: Sequence[str] = ("disease", "no disease"),
                   title: str | None = None) -> plt.Axes:
    """Draw a 2 × 2 confusion matrix: test result (rows) against the truth (columns).

    Correct results (true positives, true negatives) are shaded green, errors (false
    positives, false negatives) orange; each cell shows its name and patient count.

    Parameters
    ----------
    counts : mapping
        ``{"tp": ..., "fp": ..., "tn": ..., "fn": ...}`` (patients, >= 0), for example
        from :func:`aimed.evaluate.confusion_counts`.
    ax : matplotlib.axes.Axes, optional
        Where to draw.
    classes : pair of str
        How to call the condition being present and absent, for example
        ``("malignant", "benign")``.
    title : str, optional
        Figure title; a default is used when omitted.

    Returns
    -------
    matplotlib.axes.Axes
    """
    missing = {"tp", "fp", "tn", "fn"} - set(counts)
    if missing:
        raise ValueError(f"counts must have the keys tp, fp, tn and fn; missing {sorted(missing)}")
    evaluate.metrics_from_counts(**{k: counts[k] for k in ("tp", "fp", "tn", "fn")})
    if len(classes) != 2 or not all(isinstance(c, str) and c.strip() for c in classes):
        raise ValueError(f"classes must be two non-empty names, got {classes!r}")
    ax = _axes(ax, (5.2, 4.2))
    present, absent = _class_names(classes)
    cells = [  # (row, column, key, correct?)
        (0, 0, "tp", True), (0, 1, "fp", False), (1, 0, "fn", False), (1, 1, "tn", True)]
    for row, col, key, correct in cells:
        shade = plotting.colour("green" if correct else "orange")
        ax.add_patch(plt.Rectangle((col, row), 1, 1, facecolor=shade, alpha=0.35,
                                   edgecolor="white", linewidth=3))
        ax.text(col + 0.5, row + 0.5, f"{t('m1.plot.' + key)}\n{counts[key]}", ha="center",
                va="center", fontsize=13)
    ax.set_xlim(0, 2)
    ax.set_ylim(2, 0)
    ax.set_xticks([0.5, 1.5], [present, absent])
    ax.set_yticks([0.5, 1.5], [t("m1.plot.test_positive"), t("m1.plot.test_negative")])
    ax.xaxis.set_ticks_position("top")
    ax.xaxis.set_label_position("top")
    ax.tick_params(length=0)
    ax.grid(False)
    for side in ax.spines.values():
        side.set_visible(False)
    return plotting.finish(ax, title or t("m1.plot.confusion_title"),
                           t("m1.plot.truth_axis"), t("m1.plot.test_axis"), legend=False)


def plot_score_distributions(y_true: object, y_score: object, *, threshold: float | None = None,
                             ax: plt.Axes | None = None,
                             classes: Sequence[str] = ("disease", "no disease"),
                             bins: int = 25, title: str | None = None,
                             xlabel: str | None = None) -> plt.Axes:
    """Histograms of the model's score for patients with and without the condition.

    Parameters
    ----------
    y_true : array_like of 0/1
        Reference labels (1 = condition present).
    y_score : array_like of float
        The model's scores, for example predicted probabilities.
    threshold : float, optional
        Draws the decision threshold as a vertical line.
    classes : pair of str
        Names of the condition being present and absent.
    bins : int
        Number of histogram bins (>= 2).
    title, xlabel : str, optional
        Override the default title and x-axis label.
    """
    truth, scores = _labels_and_scores(y_true, y_score)
    if int(bins) != bins or bins < 2:
        raise ValueError(f"bins must be an integer >= 2, got {bins!r}")
    ax = _axes(ax)
    edges = np.linspace(scores.min(), scores.max(), int(bins) + 1)
    classes = _class_names(classes)
    for value, name, colour in ((0, classes[1], "blue"), (1, classes[0], "vermillion")):
        group = scores[truth == value]
        ax.hist(group, bins=edges, alpha=0.55, color=plotting.colour(colour),
                label=t("m1.plot.group_n", name=name, n=group.size))
    if threshold is not None:
        if not math.isfinite(threshold):
            raise ValueError(f"threshold must be finite, got {threshold!r}")
        ax.axvline(threshold, color=plotting.colour("black"), linestyle="--",
                   label=t("m1.plot.threshold_at", value=f"{threshold:.2f}"))
    return plotting.finish(ax, title or t("m1.plot.scores_title"),
                           xlabel or t("m1.plot.score_axis"), t("m1.plot.patients_axis"))


def plot_roc(y_true: object, y_score: object, *, ax: plt.Axes | None = None,
             label: str | None = None, points: Mapping[str, float] | None = None,
             title: str | None = None) -> plt.Axes:
    """Draw the ROC curve, its area (AUROC) and, optionally, chosen operating points.

    Parameters
    ----------
    y_true : array_like of 0/1
        Reference labels; needs patients with and without the condition.
    y_score : array_like of float
        Scores; higher means more likely to have the condition.
    label : str, optional
        Name of the curve in the legend (the AUROC is appended).
    points : mapping of str to float, optional
        Named thresholds to mark on the curve, for example ``{"screening": 0.1}``.
    title : str, optional
        Figure title.
    """
    from sklearn.metrics import roc_auc_score, roc_curve

    truth, scores = _labels_and_scores(y_true, y_score)
    ax = _axes(ax, (5.6, 5.0))
    fpr, tpr, _ = roc_curve(truth, scores)
    auroc = roc_auc_score(truth, scores)
    name = label or t("m1.plot.model")
    ax.plot(fpr, tpr, color=plotting.colour("blue"),
            label=t("m1.plot.curve_auroc", name=name, auroc=f"{auroc:.3f}"), drawstyle="steps-post")
    ax.plot([0, 1], [0, 1], color="grey", linestyle=":", label=t("m1.plot.chance"))
    for i, (point, cut) in enumerate((points or {}).items()):
        m = evaluate.diagnostic_metrics(truth, scores, cut)
        ax.plot(1 - m["specificity"], m["sensitivity"], "o", ms=10,
                color=plotting.colour(["vermillion", "green", "purple", "orange"][i % 4]),
                label=t("m1.plot.operating_point", name=point, value=f"{cut:.2f}"))
    ax.set_xlim(-0.02, 1.02)
    ax.set_ylim(-0.02, 1.02)
    ax.set_aspect("equal")
    return plotting.finish(ax, title or t("m1.plot.roc_title"), t("m1.plot.fpr_axis"),
                           t("m1.plot.tpr_axis"))


def plot_threshold_tradeoff(y_true: object, y_score: object, *, ax: plt.Axes | None = None,
                            points: Mapping[str, float] | None = None,
                            title: str | None = None, xlabel: str | None = None) -> plt.Axes:
    """Sensitivity and specificity as the decision threshold moves.

    Parameters
    ----------
    y_true, y_score : array_like
        Labels (0/1) and scores, as in :func:`plot_roc`.
    points : mapping of str to float, optional
        Named thresholds to draw as vertical lines.
    title, xlabel : str, optional
        Override the default title and x-axis label.
    """
    truth, scores = _labels_and_scores(y_true, y_score)
    ax = _axes(ax)
    cuts = np.linspace(scores.min(), scores.max(), 201)
    table = evaluate.metrics_at_thresholds(truth, scores, cuts)
    ax.plot(table["threshold"], table["sensitivity"], color=plotting.colour("vermillion"),
            label=t("m1.plot.sensitivity"))
    ax.plot(table["threshold"], table["specificity"], color=plotting.colour("blue"),
            label=t("m1.plot.specificity"))
    for i, (point, cut) in enumerate((points or {}).items()):
        ax.axvline(cut, linestyle="--", color=plotting.colour(["black", "green", "purple"][i % 3]),
                   label=t("m1.plot.operating_point", name=point, value=f"{cut:.2f}"))
    _percent(ax.yaxis)
    return plotting.finish(ax, title or t("m1.plot.tradeoff_title"),
                           xlabel or t("m1.plot.threshold_axis"), t("m1.plot.percent_axis"))


def plot_predictive_values(sensitivity: float, specificity: float, *,
                           ax: plt.Axes | None = None,
                           settings: Mapping[str, float] | None = None,
                           prevalence_range: tuple[float, float] = (0.001, 0.6),
                           title: str | None = None) -> plt.Axes:
    """PPV and NPV of one test across prevalences, with named clinical settings marked.

    Parameters
    ----------
    sensitivity, specificity : float
        The test's sensitivity and specificity, in [0, 1].
    settings : mapping of str to float, optional
        Named prevalences to mark, for example ``{"screening": 0.005}``.
    prevalence_range : pair of float
        Smallest and largest prevalence drawn, both in (0, 1); the axis is logarithmic.
    title : str, optional
        Figure title.
    """
    low, high = prevalence_range
    if not (0 < low < high < 1):
        raise ValueError(f"prevalence_range must satisfy 0 < low < high < 1, got "
                         f"{prevalence_range!r}")
    ax = _axes(ax, (7.0, 4.4))
    grid = np.geomspace(low, high, 200)
    ppv = [evaluate.ppv_at_prevalence(sensitivity, specificity, p) for p in grid]
    npv = [evaluate.npv_at_prevalence(sensitivity, specificity, p) for p in grid]
    ax.plot(grid, ppv, color=plotting.colour("vermillion"), label=t("m1.plot.ppv"))
    ax.plot(grid, npv, color=plotting.colour("blue"), label=t("m1.plot.npv"))
    for i, (name, prevalence) in enumerate((settings or {}).items()):
        value = evaluate.ppv_at_prevalence(sensitivity, specificity, prevalence)
        colour = plotting.colour(["black", "green", "purple", "orange"][i % 4])
        ax.axvline(prevalence, color=colour, linestyle=":", linewidth=1.5)
        ax.plot(prevalence, value, "o", color=colour, ms=8,
                label=t("m1.plot.setting", name=name, prevalence=f"{100 * prevalence:.2g}",
                        ppv=f"{100 * value:.0f}"))
    ax.set_xscale("log")
    ax.set_ylim(0, 1.02)
    _percent(ax.yaxis)
    _percent(ax.xaxis)
    plotting.finish(ax, title or t("m1.plot.ppv_title"), t("m1.plot.prevalence_axis"),
                    t("m1.plot.predictive_axis"))
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.17), ncol=2, fontsize=9)
    return ax
