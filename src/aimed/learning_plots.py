"""Figures for how models learn: training versus test curves, cross-validation, regression.

Each helper draws on a matplotlib ``Axes`` (a new figure when ``ax`` is None), labels it
in the learner's language with the course palette, and returns the ``Axes``.

*K-fold cross-validation* splits the patients into K groups (folds); each fold in turn
is held out for testing while the model is trained on the others, and the K test scores
are averaged [1]_. Choosing a model by its cross-validated score and then reporting that
same score is optimistic; a final test on patients untouched by every choice is needed
[2]_.

References
----------
.. [1] Hastie T, Tibshirani R, Friedman J. The Elements of Statistical Learning, 2nd ed.
   Springer, 2009, section 7.10. doi:10.1007/978-0-387-84858-7
.. [2] Varma S, Simon R. Bias in error estimation when using cross-validation for model
   selection. BMC Bioinformatics 2006;7:91. doi:10.1186/1471-2105-7-91
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np

from aimed import plotting
from aimed.i18n import t

__all__ = ["plot_cv_folds", "plot_predicted_vs_observed", "plot_train_test_curve"]


def _scores_2d(values: object, n: int, name: str) -> np.ndarray:
    arr = np.asarray(values, dtype=np.float64)
    if arr.ndim == 1:
        arr = arr[:, None]
    if arr.ndim != 2 or arr.shape[0] != n:
        raise ValueError(f"{name} must have {n} rows (one per x value), optionally with one "
                         f"column per fold; got shape {np.shape(values)}")
    if not np.isfinite(arr).all():
        raise ValueError(f"{name} contains NaN or infinite values")
    return arr


def plot_train_test_curve(x: object, train_scores: object, test_scores: object, *,
                          title: str, xlabel: str, ylabel: str, ax: plt.Axes | None = None,
                          log_x: bool = False) -> plt.Axes:
    """Plot a score on the training data and on unseen data against a model setting.

    Works for a *validation curve* (x = model complexity, such as tree depth) and a
    *learning curve* (x = number of training patients). With one column per fold, the
    line is the mean and the band spans ±1 standard deviation across folds.

    Parameters
    ----------
    x : array_like of float
        The setting on the x axis, one value per row of the scores.
    train_scores, test_scores : array_like
        Shape ``(len(x),)`` or ``(len(x), n_folds)``, in the units of ``ylabel``.
    title, xlabel, ylabel : str
        Figure title and axis labels (with units).
    log_x : bool
        Use a logarithmic x axis.
    """
    xs = np.asarray(x, dtype=np.float64)
    if xs.ndim != 1 or xs.size < 2 or not np.isfinite(xs).all():
        raise ValueError(f"x must be a 1-D sequence of at least 2 finite numbers, got shape "
                         f"{xs.shape}")
    ax = plt.subplots()[1] if ax is None else ax
    for values, name, colour, key in ((train_scores, "train_scores", "blue", "m1.plot.train"),
                                      (test_scores, "test_scores", "vermillion",
                                       "m1.plot.unseen")):
        arr = _scores_2d(values, xs.size, name)
        mean, sd = arr.mean(axis=1), arr.std(axis=1)
        ax.plot(xs, mean, "o-", color=plotting.colour(colour), label=t(key), ms=5)
        if arr.shape[1] > 1:
            ax.fill_between(xs, mean - sd, mean + sd, color=plotting.colour(colour), alpha=0.2)
    if log_x:
        ax.set_xscale("log")
    return plotting.finish(ax, title, xlabel, ylabel)


def plot_cv_folds(n_splits: int = 5, *, ax: plt.Axes | None = None,
                  title: str | None = None) -> plt.Axes:
    """Draw the plan of K-fold cross-validation: one row per round, one block per fold.

    Parameters
    ----------
    n_splits : int
        Number of folds K, from 2 to 20.
    title : str, optional
        Figure title.
    """
    if isinstance(n_splits, bool) or int(n_splits) != n_splits or not 2 <= n_splits <= 20:
        raise ValueError(f"n_splits must be an integer from 2 to 20, got {n_splits!r}")
    k = int(n_splits)
    ax = plt.subplots(figsize=(7.0, 0.5 * k + 1.6))[1] if ax is None else ax
    for round_ in range(k):
        for fold in range(k):
            held_out = fold == round_
            colour = plotting.colour("vermillion" if held_out else "sky")
            ax.add_patch(plt.Rectangle((fold / k, round_ + 0.1), 1 / k, 0.8, facecolor=colour,
                                       edgecolor="white", linewidth=2,
                                       alpha=1.0 if held_out else 0.6))
    ax.add_patch(plt.Rectangle((0, 0), 0, 0, color=plotting.colour("sky"), alpha=0.6,
                               label=t("m1.plot.fold_train")))
    ax.add_patch(plt.Rectangle((0, 0), 0, 0, color=plotting.colour("vermillion"),
                               label=t("m1.plot.fold_test")))
    ax.set_xlim(0, 1)
    ax.set_ylim(k, 0)
    ax.set_yticks(np.arange(k) + 0.5, [str(i + 1) for i in range(k)])
    ax.set_xticks(np.linspace(0, 1, 6), [f"{v:.0f} %" for v in np.linspace(0, 100, 6)])
    ax.grid(False)
    plotting.finish(ax, title or t("m1.plot.cv_title", k=k), t("m1.plot.cv_xaxis"),
                    t("m1.plot.cv_yaxis"), legend=False)
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.28), ncol=2)
    return ax


def plot_predicted_vs_observed(y_true: object, y_pred: object, *, title: str, unit: str,
                               ax: plt.Axes | None = None, label: str | None = None
                               ) -> plt.Axes:
    """Scatter a regression model's predictions against the observed outcomes.

    Points on the dashed diagonal are perfect predictions; the vertical distance to it
    is the error for that patient, in the outcome's units.

    Parameters
    ----------
    y_true, y_pred : array_like of float
        Observed and predicted outcomes, same length.
    title : str
        Figure title.
    unit : str
        The outcome and its unit, for example ``"progression score (points)"``.
    label : str, optional
        Legend entry for the points.
    """
    observed = np.asarray(y_true, dtype=np.float64)
    predicted = np.asarray(y_pred, dtype=np.float64)
    if observed.ndim != 1 or observed.shape != predicted.shape or observed.size == 0:
        raise ValueError(f"y_true and y_pred must be 1-D and the same length, got "
                         f"{observed.shape} and {predicted.shape}")
    if not (np.isfinite(observed).all() and np.isfinite(predicted).all()):
        raise ValueError("y_true and y_pred must not contain NaN or infinite values")
    ax = plt.subplots(figsize=(5.6, 5.0))[1] if ax is None else ax
    ax.scatter(observed, predicted, s=18, alpha=0.6, color=plotting.colour("blue"),
               label=label or t("m1.plot.patient_points"))
    low = min(observed.min(), predicted.min())
    high = max(observed.max(), predicted.max())
    ax.plot([low, high], [low, high], "--", color=plotting.colour("black"),
            label=t("m1.plot.perfect"))
    ax.set_aspect("equal")
    return plotting.finish(ax, title, t("m1.plot.observed", unit=unit),
                           t("m1.plot.predicted", unit=unit))
