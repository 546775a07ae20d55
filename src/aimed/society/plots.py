"""Figures for module 3, in the course style; every function returns the Axes it drew on."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from aimed import plotting
from aimed.i18n import t
from aimed.society import _checks
from aimed.society.fairness import GROUP_METRICS

__all__ = [
    "plot_accuracy_coverage",
    "plot_calibration_by_group",
    "plot_dp_releases",
    "plot_group_metrics",
    "plot_need_by_score",
    "plot_roc_vs_reader",
    "plot_sensitivity_workload",
]

def _metric_label(metric: str) -> str:
    """Short name of a metric column in the learner's language (the column name if unknown)."""
    return plotting.known_text(f"society.plot.metric.{metric}", metric)


def _group_label(group: object) -> str:
    """A group's name in legends; the summary row ``overall`` is translated."""
    return t("society.plot.overall") if group == "overall" else str(group)


def plot_group_metrics(table: pd.DataFrame, metrics: Sequence[str] = ("tpr", "fpr", "ppv"),
                       *, title: str = "Model performance by group",
                       ax: plt.Axes | None = None) -> plt.Axes:
    """Grouped bars: one cluster per metric, one bar per group.

    Parameters
    ----------
    table : pandas.DataFrame
        Output of :func:`aimed.society.fairness.group_metrics` (the ``overall`` row is
        drawn last, hatched).
    metrics : sequence of str
        Columns to draw, among the rates of :data:`GROUP_METRICS`.
    """
    _checks.columns(table, list(metrics), param="metrics")
    unknown = [m for m in metrics if m not in GROUP_METRICS or m == "n"]
    if unknown:
        raise _checks.SocietyValueError(t("society.error.metric_names", got=unknown,
                                          allowed=[m for m in GROUP_METRICS if m != "n"]))
    if ax is None:
        _, ax = plt.subplots(figsize=(7.5, 4.0))
    groups = list(table.index)
    width = 0.8 / len(groups)
    x = np.arange(len(metrics))
    for i, group in enumerate(groups):
        values = table.loc[group, list(metrics)].to_numpy(dtype=float)
        bars = ax.bar(x + (i - (len(groups) - 1) / 2) * width, values, width,
                      label=_group_label(group), color=plotting.colour(i),
                      hatch="//" if group == "overall" else None,
                      edgecolor="white" if group == "overall" else None)
        ax.bar_label(bars, fmt="%.2f", fontsize=8, padding=1)
    ax.set_xticks(x, [_metric_label(m) for m in metrics])
    ax.set_ylim(0, 1.08)
    ax.grid(axis="x", visible=False)
    title = plotting.default_text(title, "Model performance by group",
                                  "society.plot_group_metrics.title")
    plotting.finish(ax, title, t("society.plot_group_metrics.x_axis"),
                    t("society.plot_group_metrics.y_axis"), legend=False)
    ax.legend(title=t("society.plot.group"), ncols=min(len(groups), 4), loc="upper center",
              bbox_to_anchor=(0.5, -0.16))
    return ax


def plot_calibration_by_group(table: pd.DataFrame, *, title: str = "Calibration by group",
                              ax: plt.Axes | None = None) -> plt.Axes:
    """Reliability curves per group from :func:`~aimed.society.fairness.calibration_by_group`."""
    _checks.columns(table, ["group", "mean_predicted", "observed_rate"], param="table")
    if ax is None:
        _, ax = plt.subplots(figsize=(5.2, 4.6))
    top = float(max(table["mean_predicted"].max(), table["observed_rate"].max())) * 1.08
    ax.plot([0, top], [0, top], ls="--", color=plotting.colour("black"), lw=1,
            label=t("society.plot.perfect_calibration"))
    for i, (group, part) in enumerate(table.groupby("group", sort=True)):
        ax.plot(part["mean_predicted"], part["observed_rate"], marker="o",
                color=plotting.colour(i), label=_group_label(group))
    ax.set_xlim(0, top)
    ax.set_ylim(0, top)
    title = plotting.default_text(title, "Calibration by group",
                                  "society.plot_calibration_by_group.title")
    plotting.finish(ax, title, t("society.plot_calibration_by_group.x_axis"),
                    t("society.plot_calibration_by_group.y_axis"))
    return ax


def plot_need_by_score(percentile: object, need: object, groups: object, *,
                       n_bins: int = 20, enrol_percentile: float | None = 97.0,
                       title: str = "Health need at the same algorithm score",
                       ylabel: str = "Active chronic conditions (mean)",
                       ax: plt.Axes | None = None) -> plt.Axes:
    """Mean health need per bin of risk-score percentile, one line per group.

    This is the figure of Obermeyer et al. (Science 2019, doi:10.1126/science.aax2342):
    if one group's line lies above the other's, that group is sicker than the other
    at the same score, so the score under-serves it.

    Parameters
    ----------
    percentile : array_like of float
        Score percentile of each patient (0-100), e.g. from
        :func:`~aimed.society.fairness.score_percentile`.
    need : array_like of float
        A measure of health need (for example the number of chronic conditions).
    groups : array_like
        Group label of each patient.
    n_bins : int
        Equal-width bins of percentile.
    enrol_percentile : float or None
        Draw a vertical line at this percentile (the enrolment cut-off).
    """
    pct = np.asarray(percentile, dtype=float)
    pct = _checks.scores("percentile", pct, pct.size)
    value = _checks.scores("need", need, pct.size)
    labels = _checks.groups("groups", groups, pct.size)
    n_bins = _checks.check_int("n_bins", n_bins, 2, 100)
    if ax is None:
        _, ax = plt.subplots(figsize=(7.5, 4.2))
    edges = np.linspace(0, 100, n_bins + 1)
    centre = (edges[:-1] + edges[1:]) / 2
    which = np.clip(np.digitize(pct, edges[1:-1]), 0, n_bins - 1)
    frame = pd.DataFrame({"bin": which, "need": value, "group": labels.astype(str)})
    means = frame.groupby(["group", "bin"])["need"].mean().unstack("bin")
    for i, group in enumerate(means.index):
        row = means.loc[group].reindex(range(n_bins))
        ax.plot(centre, row.to_numpy(), marker="o", ms=4, color=plotting.colour(i),
                label=t("society.plot_need_by_score.group", group=group))
    if enrol_percentile is not None:
        ax.axvline(enrol_percentile, color=plotting.colour("black"), ls=":", lw=1.2,
                   label=t("society.plot_need_by_score.cutoff",
                           percentile=f"{enrol_percentile:g}"))
    title = plotting.default_text(title, "Health need at the same algorithm score",
                                  "society.plot_need_by_score.title")
    ylabel = plotting.default_text(ylabel, "Active chronic conditions (mean)",
                                   "society.plot_need_by_score.y_axis")
    plotting.finish(ax, title, t("society.plot_need_by_score.x_axis"), ylabel)
    return ax


def plot_dp_releases(releases: Mapping[float, object], true_value: float, *,
                     what: str = "Count (patients)",
                     title: str = "Noisy releases of the same count") -> np.ndarray:
    """One panel per ε: histogram of repeated noisy releases around the true value.

    Each panel has its own x-axis range, because the noise at ε = 0.01 is a hundred
    times wider than at ε = 1.

    Parameters
    ----------
    releases : mapping
        ε → array of noisy releases.
    true_value : float
        The exact statistic, drawn as a vertical line.

    Returns
    -------
    numpy.ndarray of Axes
    """
    if not releases:
        raise _checks.SocietyValueError(t("society.error.no_releases"))
    what = plotting.default_text(what, "Count (patients)", "society.plot_dp_releases.what")
    title = plotting.default_text(title, "Noisy releases of the same count",
                                  "society.plot_dp_releases.title")
    fig, axes = plt.subplots(1, len(releases), figsize=(3.6 * len(releases), 3.6),
                             squeeze=False)
    for i, (ax, (epsilon, values)) in enumerate(zip(axes[0], releases.items(), strict=True)):
        data = np.asarray(values, dtype=float)
        ax.hist(data, bins=30, color=plotting.colour(i), alpha=0.8,
                label=t("society.plot_dp_releases.releases"))
        ax.axvline(true_value, color=plotting.colour("black"), lw=1.5,
                   label=t("society.plot_dp_releases.true_value"))
        mae = float(np.mean(np.abs(data - true_value)))
        plotting.finish(ax, t("society.plot_dp_releases.panel", epsilon=f"{epsilon:g}",
                              error=f"{mae:.3g}"),
                        what, t("society.plot_dp_releases.y_axis"), legend=i == 0)
    fig.suptitle(title, fontweight="bold")
    return axes[0]


def plot_accuracy_coverage(curve: pd.DataFrame, *, metric: str = "accuracy",
                           max_workload: float | None = None,
                           title: str = "Deferring uncertain cases to the clinician",
                           ax: plt.Axes | None = None) -> plt.Axes:
    """Team ``metric`` against the share of cases read by the clinician.

    Parameters
    ----------
    curve : pandas.DataFrame
        Output of :func:`aimed.society.teaming.accuracy_coverage`.
    metric : str
        Column to draw on the y-axis.
    max_workload : float, optional
        Shade the workloads above this budget.
    """
    _checks.columns(curve, ["deferral_rate", metric], param="curve")
    if ax is None:
        _, ax = plt.subplots(figsize=(7.0, 4.2))
    x = 100 * curve["deferral_rate"].to_numpy()
    y = 100 * curve[metric].to_numpy()
    ax.plot(x, y, color=plotting.colour("blue"), label=t("society.plot_accuracy_coverage.defers"))
    ax.plot(x[0], y[0], "s", ms=9, color=plotting.colour("orange"),
            label=t("society.plot_accuracy_coverage.ai_alone"))
    ax.plot(x[-1], y[-1], "D", ms=9, color=plotting.colour("green"),
            label=t("society.plot_accuracy_coverage.clinician_alone"))
    best = int(np.argmax(y))
    ax.plot(x[best], y[best], "*", ms=15, color=plotting.colour("vermillion"),
            label=t("society.plot_accuracy_coverage.best", value=f"{y[best]:.1f}",
                    read=f"{x[best]:.0f}"))
    if max_workload is not None:
        ax.axvspan(100 * max_workload, 100, color=plotting.colour("black"), alpha=0.08,
                   label=t("society.plot_accuracy_coverage.over_budget",
                           budget=f"{100 * max_workload:.0f}"))
    title = plotting.default_text(title, "Deferring uncertain cases to the clinician",
                                  "society.plot_accuracy_coverage.title")
    ylabel = plotting.known_text(f"society.plot_accuracy_coverage.y_axis.{metric}",
                                 t("society.plot_accuracy_coverage.y_axis", metric=metric))
    plotting.finish(ax, title, t("society.plot_accuracy_coverage.x_axis"), ylabel)
    return ax


def plot_roc_vs_reader(y_true: object, ai_score: object, reader: object, *,
                       ai_threshold: float = 0.5,
                       title: str = "The AI's ROC curve and the reader's operating point",
                       ax: plt.Axes | None = None) -> plt.Axes:
    """ROC curve of an AI score, with the reader's point and the AI's point at a threshold.

    Parameters
    ----------
    y_true : array_like of 0/1
        Reference standard.
    ai_score : array_like of float
        AI scores.
    reader : array_like of 0/1
        The reader's decisions (one operating point).
    ai_threshold : float, default 0.5
        The AI threshold whose operating point is marked.
    """
    from sklearn.metrics import roc_auc_score, roc_curve

    truth = _checks.binary("y_true", y_true)
    score = _checks.scores("ai_score", ai_score, truth.size)
    read = _checks.binary("reader", reader)
    if ax is None:
        _, ax = plt.subplots(figsize=(6.0, 5.0))
    fpr, tpr, _ = roc_curve(truth, score)
    ax.plot(100 * fpr, 100 * tpr, color=plotting.colour("blue"),
            label=t("society.plot_roc_vs_reader.ai_curve",
                    auroc=f"{roc_auc_score(truth, score):.3f}"))
    pos, neg = truth == 1, truth == 0
    ax.plot(100 * read[neg].mean(), 100 * read[pos].mean(), "D", ms=9,
            color=plotting.colour("green"),
            label=t("society.plot_roc_vs_reader.reader"))
    ai = score >= ai_threshold
    ax.plot(100 * ai[neg].mean(), 100 * ai[pos].mean(), "s", ms=9,
            color=plotting.colour("vermillion"),
            label=t("society.plot_roc_vs_reader.ai_point", threshold=f"{ai_threshold:g}"))
    ax.set_xlim(0, 50)
    ax.set_ylim(40, 101)
    title = plotting.default_text(title, "The AI's ROC curve and the reader's operating point",
                                  "society.plot_roc_vs_reader.title")
    plotting.finish(ax, title, t("society.plot_roc_vs_reader.x_axis"),
                    t("society.plot_roc_vs_reader.y_axis"))
    ax.legend(loc="lower right")
    return ax


def plot_sensitivity_workload(curves: Mapping[str, pd.DataFrame], floor: float, *,
                              title: str = "Team sensitivity against radiologist workload",
                              floor_label: str = "reader alone (the floor)",
                              ax: plt.Axes | None = None) -> plt.Axes:
    """Team sensitivity of several deferral policies against the share read by people.

    Parameters
    ----------
    curves : mapping
        Policy name -> output of :func:`aimed.society.teaming.accuracy_coverage` or
        :func:`aimed.society.teaming.triage_curve`.
    floor : float
        Sensitivity floor (0-1), drawn as a dashed horizontal line.
    """
    if not curves:
        raise _checks.SocietyValueError(t("society.error.no_columns", name="curves"))
    floor = _checks.check_float("floor", floor, 0.0, 1.0)
    if ax is None:
        _, ax = plt.subplots(figsize=(7.5, 4.4))
    for i, (name, curve) in enumerate(curves.items()):
        _checks.columns(curve, ["deferral_rate", "sensitivity"], param="curve")
        ax.plot(100 * curve["deferral_rate"], 100 * curve["sensitivity"], marker="o", ms=4,
                color=plotting.colour(i), label=name)
    ax.axhline(100 * floor, color=plotting.colour("black"), ls="--", lw=1.2,
               label=plotting.default_text(floor_label, "reader alone (the floor)",
                                           "society.plot_sensitivity_workload.floor"))
    title = plotting.default_text(title, "Team sensitivity against radiologist workload",
                                  "society.plot_sensitivity_workload.title")
    plotting.finish(ax, title, t("society.plot_sensitivity_workload.x_axis"),
                    t("society.plot_sensitivity_workload.y_axis"))
    ax.legend(loc="lower right")
    return ax
