"""Figures for the ICU lessons; each function returns the matplotlib Axes."""

from __future__ import annotations

from collections.abc import Mapping

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from aimed import plotting
from aimed.evaluate import calibration_table
from aimed.icu.dictionary import concept

__all__ = ["plot_calibration", "plot_distribution", "plot_stay"]


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
    c = concept(concept_name)
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
    xlabel = (f"{c.label} ({units[0]})" if len(units) == 1
              else f"{c.label}, as exported (units differ)")
    if log:
        xlabel += ", log scale"
    ylabel = "Number of measurements"
    if log_counts:
        ax.set_yscale("log")
        ylabel += " (log scale)"
    plotting.finish(ax, title or c.label, xlabel, ylabel, legend=True)
    return ax


def plot_stay(table: pd.DataFrame, grid: pd.DataFrame, stay_id: int, concept_name: str, *,
              start: pd.Timestamp, ax: plt.Axes | None = None) -> plt.Axes:
    """One stay: the raw measurements of a concept and their hourly grid.

    Dots are the measurements (hours since ``start``); the step line is the grid value
    after forward fill; grey bands mark hours in which nothing was measured.
    """
    c = concept(concept_name)
    if ax is None:
        _, ax = plt.subplots(figsize=(8.0, 3.4))
    raw = table[(table["stay_id"] == stay_id) & (table["concept"] == concept_name)]
    hours = (raw["time"] - start) / pd.Timedelta(hours=1)
    rows = grid.loc[stay_id]
    for h in rows.index[rows[f"{concept_name}_measured"] == 0]:
        ax.axvspan(h, h + 1, color="0.9", lw=0)
    ax.step(np.append(rows.index, rows.index[-1] + 1),
            np.append(rows[concept_name].to_numpy(), rows[concept_name].iloc[-1]),
            where="post", color=plotting.colour("blue"), label="hourly grid (forward-filled)")
    ax.plot(hours, raw["value"], "o", color=plotting.colour("vermillion"),
            label="measurements")
    ax.set_xlim(0, len(rows))
    plotting.finish(ax, f"{c.label}, stay {stay_id}", "Hours since ICU admission (h)",
                    f"{c.label} ({c.unit})", legend=True)
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
    ax.plot([0, 1], [0, 1], ls="--", color="0.5", lw=1, label="perfect calibration")
    for i, (label, (y, p)) in enumerate(curves.items()):
        cal = calibration_table(y, np.clip(p, 0, 1), n_bins=n_bins)
        ax.plot(cal["mean_predicted"], cal["observed_rate"], "o-", color=plotting.colour(i),
                label=label)
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1)
    plotting.finish(ax, title, "Mean predicted risk of ICU death",
                    "Observed ICU mortality", legend=True)
    return ax
