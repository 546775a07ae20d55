"""Figures for the ICU lessons; each function returns the matplotlib Axes."""

from __future__ import annotations

from collections.abc import Mapping

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from aimed import plotting
from aimed.evaluate import calibration_table
from aimed.i18n import t
from aimed.icu.dictionary import concept

__all__ = ["plot_calibration", "plot_distribution", "plot_stay"]


def concept_label(name: str) -> str:
    """The label of a concept as drawn in figures, in the learner's language.

    The dictionary keeps its English ``label``; figures show the catalogue's
    ``icu.concept.<name>`` when there is one.
    """
    return plotting.known_text(f"icu.concept.{name}", concept(name).label)


def plot_distribution(table: pd.DataFrame, concept_name: str, *, ax: plt.Axes | None = None,
                      log: bool = False, log_counts: bool = False, bins: int = 40,
                      title: str | None = None) -> plt.Axes:
    """Histogram of one concept, one colour per site, on shared bins.

    Parameters
    ----------
    table : pandas.DataFrame
        A long table (``concept, value, unit, site``), harmonised or not.
    concept_name : str
        The concept to show.
    log : bool
        Logarithmic x axis (use it when values span several orders of magnitude).
    log_counts : bool
        Logarithmic y axis, so that a handful of outliers stays visible.
    bins : int
        Number of bins.
    title : str, optional
        Figure title; by default the concept's label.
    """
    label = concept_label(concept_name)
    part = table[table["concept"] == concept_name]
    if ax is None:
        _, ax = plt.subplots()
    values = part["value"].to_numpy(dtype=float)
    positive = values[values > 0] if log else values
    if positive.size == 0:
        edges = np.linspace(0, 1, bins + 1)
    elif log:
        edges = np.logspace(np.log10(positive.min()), np.log10(positive.max()), bins + 1)
    else:
        edges = np.linspace(values.min(), values.max(), bins + 1)
    for i, (site, group) in enumerate(part.groupby("site", sort=True)):
        units = ", ".join(sorted(group["unit"].astype(str).unique()))
        ax.hist(group["value"], bins=edges, alpha=0.45, color=plotting.colour(i),
                label=f"{site} ({units})")
        ax.hist(group["value"], bins=edges, histtype="step", lw=1.6, color=plotting.colour(i))
    if log:
        ax.set_xscale("log")
    units = sorted(part["unit"].astype(str).unique())
    xlabel = (t("icu.plot.with_unit", label=label, unit=units[0]) if len(units) == 1
              else t("icu.plot_distribution.units_differ", label=label))
    if log:
        xlabel = t("icu.plot.log_scale", label=xlabel)
    ylabel = t("icu.plot_distribution.y_axis")
    if log_counts:
        ax.set_yscale("log")
        ylabel = t("icu.plot_distribution.log_counts", label=ylabel)
    plotting.finish(ax, title or label, xlabel, ylabel, legend=True)
    return ax


def plot_stay(table: pd.DataFrame, grid: pd.DataFrame, stay_id: int, concept_name: str, *,
              start: pd.Timestamp, ax: plt.Axes | None = None) -> plt.Axes:
    """One stay: the raw measurements of a concept and their hourly grid.

    Dots are the measurements (hours since ``start``); the step line is the grid value
    after forward fill; grey bands mark hours in which nothing was measured.
    """
    c = concept(concept_name)
    label = concept_label(concept_name)
    if ax is None:
        _, ax = plt.subplots(figsize=(8.0, 3.4))
    raw = table[(table["stay_id"] == stay_id) & (table["concept"] == concept_name)]
    hours = (raw["time"] - start) / pd.Timedelta(hours=1)
    rows = grid.loc[stay_id]
    for h in rows.index[rows[f"{concept_name}_measured"] == 0]:
        ax.axvspan(h, h + 1, color="0.9", lw=0)
    ax.step(np.append(rows.index, rows.index[-1] + 1),
            np.append(rows[concept_name].to_numpy(), rows[concept_name].iloc[-1]),
            where="post", color=plotting.colour("blue"), label=t("icu.plot_stay.grid"))
    ax.plot(hours, raw["value"], "o", color=plotting.colour("vermillion"),
            label=t("icu.plot_stay.measurements"))
    ax.set_xlim(0, len(rows))
    plotting.finish(ax, t("icu.plot_stay.title", label=label, stay=stay_id),
                    t("icu.plot_stay.x_axis"), t("icu.plot.with_unit", label=label, unit=c.unit),
                    legend=True)
    return ax


def plot_calibration(curves: Mapping[str, tuple[np.ndarray, np.ndarray]], *,
                     ax: plt.Axes | None = None, n_bins: int = 8,
                     title: str = "Calibration") -> plt.Axes:
    """Observed mortality against mean predicted risk, per bin, for several test sets.

    Parameters
    ----------
    curves : dict
        Label → ``(y_true, y_prob)``.
    n_bins : int
        Equal-count bins of predicted risk.
    """
    if ax is None:
        _, ax = plt.subplots(figsize=(5.6, 5.0))
    ax.plot([0, 1], [0, 1], ls="--", color="0.5", lw=1,
            label=t("icu.plot_calibration.perfect"))
    for i, (label, (y, p)) in enumerate(curves.items()):
        cal = calibration_table(y, np.clip(p, 0, 1), n_bins=n_bins)
        ax.plot(cal["mean_predicted"], cal["observed_rate"], "o-", color=plotting.colour(i),
                label=label)
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1)
    plotting.finish(ax, plotting.default_text(title, "Calibration", "icu.plot_calibration.title"),
                    t("icu.plot_calibration.x_axis"), t("icu.plot_calibration.y_axis"),
                    legend=True)
    return ax
