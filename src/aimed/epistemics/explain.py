"""Global explanations of a fitted model, and the traps they hide.

* :func:`mdi_table`: impurity-based importance (mean decrease in impurity, MDI) of a
  tree ensemble. It is computed on the *training* data and favours features with many
  distinct values, even pure noise [1]_.
* :func:`permutation_table`: how much a score drops when one column is shuffled, on
  held-out data [2]_; a thin wrapper of :func:`sklearn.inspection.permutation_importance`.
  This is *marginal* permutation: the shuffled column also loses its link with the other
  columns, so the model is asked about combinations of values that may never occur. It
  does not measure what a feature adds given all the others; that needs conditional
  permutation [4]_ or dropping the column and refitting the model [5]_.
* :func:`correlated_groups` and :func:`grouped_permutation_importance`: with correlated
  features, shuffling one column leaves its twins in place, so each looks unimportant;
  shuffling a whole cluster of correlated features together fixes that. Features are
  clustered with complete linkage on the distance ``1 - |Spearman rho|``, so a cut at
  height ``d`` groups features only when *every* pair in the group has
  ``|rho| >= 1 - d`` (a cut at 0.3 means ``|rho| >= 0.7``).

Every explanation here describes the *model*, which describes the *data*; none of them
says what causes disease [3]_.

References
----------
.. [1] Strobl C, Boulesteix AL, Zeileis A, Hothorn T. Bias in random forest variable
   importance measures: illustrations, sources and a solution. BMC Bioinformatics
   2007;8:25. doi:10.1186/1471-2105-8-25
.. [2] Breiman L. Random forests. Mach Learn 2001;45:5-32. doi:10.1023/A:1010933404324
.. [3] Ghassemi M, Oakden-Rayner L, Beam AL. The false hope of current approaches to
   explainable artificial intelligence in health care. Lancet Digit Health
   2021;3(11):e745-e750. doi:10.1016/S2589-7500(21)00208-9
.. [4] Strobl C, Boulesteix AL, Kneib T, Augustin T, Zeileis A. Conditional variable
   importance for random forests. BMC Bioinformatics 2008;9:307.
   doi:10.1186/1471-2105-9-307
.. [5] Hooker G, Mentch L, Zhou S. Unrestricted permutation forces extrapolation:
   variable importance requires at least one more model, or there is no free variable
   importance. Stat Comput 2021;31:82. doi:10.1007/s11222-021-10057-z
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from scipy.cluster import hierarchy
from scipy.spatial.distance import squareform
from scipy.stats import spearmanr
from sklearn.inspection import permutation_importance
from sklearn.metrics import check_scoring

from aimed.epistemics._checks import check_columns, check_int, check_real
from aimed.i18n import t
from aimed.plotting import colour

__all__ = [
    "correlated_groups",
    "grouped_permutation_importance",
    "mdi_table",
    "permutation_table",
    "plot_correlation_dendrogram",
    "plot_importances",
]


def _frame(X: object, name: str = "X") -> pd.DataFrame:
    frame = check_columns(X, [], name)
    if any(frame[c].dtype.kind not in "iufb" for c in frame.columns):
        bad = next(str(c) for c in frame.columns if frame[c].dtype.kind not in "iufb")
        raise ValueError(t("epistemics.error.not_numeric", column=bad))
    return frame


def _check_y(X: pd.DataFrame, y: object) -> np.ndarray:
    target = np.asarray(y)
    if target.ndim != 1 or target.shape[0] != X.shape[0]:
        raise ValueError(t("epistemics.error.length", name="y", n=X.shape[0],
                           got=target.shape))
    return target


def mdi_table(model: object, feature_names: Sequence[str]) -> pd.DataFrame:
    """Impurity-based importances of a fitted tree ensemble, largest first.

    Parameters
    ----------
    model : fitted estimator with ``feature_importances_``
        For example a fitted ``RandomForestClassifier``.
    feature_names : sequence of str
        The training columns, in order.

    Returns
    -------
    pandas.DataFrame
        Columns ``feature`` and ``importance`` (they sum to 1), sorted descending.

    Raises
    ------
    ValueError
        If the model has no ``feature_importances_`` (not fitted, or not a tree model),
        or the number of names does not match.
    """
    importances = getattr(model, "feature_importances_", None)
    if importances is None:
        raise ValueError(t("epistemics.error.no_mdi"))
    names = [str(n) for n in feature_names]
    if len(names) != len(importances):
        raise ValueError(t("epistemics.error.length", name="feature_names",
                           n=len(importances), got=len(names)))
    table = pd.DataFrame({"feature": names, "importance": np.asarray(importances, float)})
    return table.sort_values("importance", ascending=False, kind="stable").reset_index(drop=True)


def permutation_table(model: object, X: pd.DataFrame, y: object, *, scoring: str = "roc_auc",
                      n_repeats: int = 10, seed: int = 0) -> pd.DataFrame:
    """Permutation importance of each column of ``X`` on held-out data, largest first.

    Parameters
    ----------
    model : fitted estimator
        Any fitted scikit-learn model or pipeline.
    X : pandas.DataFrame
        Held-out features (the test set), numeric columns.
    y : array_like
        Held-out outcomes, one per row of ``X``.
    scoring : str, default "roc_auc"
        A scikit-learn scorer name; importance is the drop in this score.
    n_repeats : int, default 10
        Shuffles per column, 1 to 200.
    seed : int, default 0
        Random seed of the shuffles.

    Returns
    -------
    pandas.DataFrame
        Columns ``feature``, ``importance`` (mean drop in score) and ``std`` (its
        standard deviation over the repeats), sorted by importance, descending.
    """
    frame = _frame(X)
    target = _check_y(frame, y)
    result = permutation_importance(model, frame, target, scoring=scoring,
                                    n_repeats=check_int("n_repeats", n_repeats, 1, 200),
                                    random_state=check_int("seed", seed, 0, 2**32 - 1))
    table = pd.DataFrame({"feature": [str(c) for c in frame.columns],
                          "importance": result.importances_mean,
                          "std": result.importances_std})
    return table.sort_values("importance", ascending=False, kind="stable").reset_index(drop=True)


def correlated_groups(X: pd.DataFrame, *, threshold: float = 0.3) -> dict[str, list[str]]:
    """Cluster features whose values move together (Spearman rank correlation).

    The distance between two features is ``1 - |rho|``, where ``rho`` is their Spearman
    rank correlation. Features are merged by complete-linkage hierarchical clustering
    (the distance between two clusters is the largest distance between their members)
    and the tree is cut at ``threshold``. So two features end up in the same group only
    if every pair of features of that group has ``|rho| >= 1 - threshold``.

    Parameters
    ----------
    X : pandas.DataFrame
        Numeric features (at least 2 columns, no missing values).
    threshold : float, default 0.3
        Cut height, in (0, 1]: 0.3 groups features whose pairwise ``|rho|`` are all at
        least 0.7; lower makes more, tighter groups; 1 groups everything.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> rng = np.random.default_rng(0)
    >>> signal = rng.normal(size=200)
    >>> X = pd.DataFrame({"a": signal, "b": signal + rng.normal(0, 0.1, 200),
    ...                   "c": rng.normal(size=200)})
    >>> correlated_groups(X, threshold=0.3)
    {'a (+1)': ['a', 'b'], 'c': ['c']}

    Returns
    -------
    dict
        Group name → list of features, in the order of ``X``'s columns. Each group is
        named after its first feature, followed by ``" (+k)"`` when it holds k others.
    """
    frame = _frame(X)
    if frame.shape[1] < 2:
        raise ValueError(t("epistemics.error.two_columns"))
    if frame.isna().any().any():
        raise ValueError(t("epistemics.error.missing_values", name="X"))
    threshold = check_real("threshold", threshold, 1e-9, 1.0)
    labels = _cluster_labels(frame, threshold)
    groups: dict[str, list[str]] = {}
    for label in dict.fromkeys(labels):
        members = [str(c) for c, lab in zip(frame.columns, labels, strict=True) if lab == label]
        name = members[0] if len(members) == 1 else f"{members[0]} (+{len(members) - 1})"
        groups[name] = members
    return groups


def _linkage(frame: pd.DataFrame) -> np.ndarray:
    rho = spearmanr(frame.to_numpy(dtype=float)).statistic
    rho = np.atleast_2d(rho)
    rho = (rho + rho.T) / 2
    np.fill_diagonal(rho, 1.0)
    distance = np.clip(1 - np.abs(np.nan_to_num(rho)), 0.0, 1.0)
    np.fill_diagonal(distance, 0.0)
    return hierarchy.complete(squareform(distance, checks=False))


def _cluster_labels(frame: pd.DataFrame, threshold: float) -> np.ndarray:
    return hierarchy.fcluster(_linkage(frame), threshold, criterion="distance")


def grouped_permutation_importance(model: object, X: pd.DataFrame, y: object,
                                   groups: Mapping[str, Sequence[str]], *,
                                   scoring: str = "roc_auc", n_repeats: int = 10,
                                   seed: int = 0) -> pd.DataFrame:
    """Permutation importance of *groups* of columns, each group shuffled as one block.

    All columns of a group get the same row permutation, so their values stay
    consistent with each other but lose their link with the outcome.

    Parameters
    ----------
    model : fitted estimator
    X : pandas.DataFrame
        Held-out features.
    y : array_like
        Held-out outcomes.
    groups : mapping
        Group name → columns of ``X`` (for example from :func:`correlated_groups`).
    scoring, n_repeats, seed
        As in :func:`permutation_table`.

    Returns
    -------
    pandas.DataFrame
        Columns ``feature`` (the group name), ``importance``, ``std`` and ``size``
        (number of columns), sorted by importance, descending.
    """
    frame = _frame(X)
    target = _check_y(frame, y)
    n_repeats = check_int("n_repeats", n_repeats, 1, 200)
    for name, columns in groups.items():
        check_columns(frame, list(columns), f"X (group {name!r})")
    scorer = check_scoring(model, scoring=scoring)
    rng = np.random.default_rng(check_int("seed", seed, 0, 2**32 - 1))
    base = scorer(model, frame, target)
    rows = []
    for name, columns in groups.items():
        drops = []
        for _ in range(n_repeats):
            shuffled = frame.copy()
            order = rng.permutation(len(frame))
            shuffled[list(columns)] = frame[list(columns)].to_numpy()[order]
            drops.append(base - scorer(model, shuffled, target))
        rows.append({"feature": name, "importance": float(np.mean(drops)),
                     "std": float(np.std(drops)), "size": len(columns)})
    table = pd.DataFrame(rows)
    return table.sort_values("importance", ascending=False, kind="stable").reset_index(drop=True)


def plot_importances(table: pd.DataFrame, *, title: str, xlabel: str, top: int = 10,
                     ax: plt.Axes | None = None, colour_index: int = 0) -> plt.Axes:
    """Horizontal bars of an importance table (from the functions above), largest on top.

    Parameters
    ----------
    table : pandas.DataFrame
        Columns ``feature`` and ``importance``; an optional ``std`` adds error bars.
    title, xlabel : str
        Title and x-axis label (give the unit, for example "Drop in AUROC").
    top : int, default 10
        How many features to show, 1 to 100.
    """
    check_columns(table, ["feature", "importance"], "table")
    top = check_int("top", top, 1, 100)
    shown = table.sort_values("importance", ascending=False, kind="stable").head(top)[::-1]
    if ax is None:
        _, ax = plt.subplots(figsize=(7.0, 0.35 * len(shown) + 1.4))
    errors = shown["std"] if "std" in shown else None
    ax.barh(shown["feature"].astype(str), shown["importance"], xerr=errors,
            color=colour(colour_index), capsize=3)
    ax.axvline(0, color="0.3", lw=1)
    ax.set_title(title)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(t("epistemics.plot.feature"))
    ax.grid(axis="y", visible=False)
    return ax


def plot_correlation_dendrogram(X: pd.DataFrame, *, threshold: float = 0.3,
                                ax: plt.Axes | None = None, title: str | None = None
                                ) -> plt.Axes:
    """Draw the clustering tree of :func:`correlated_groups`, with the cut as a line.

    The height at which two branches join is the largest ``1 - |Spearman rho|``
    between their features (complete linkage): branches joined below 0.3 hold features
    that are all pairwise correlated with ``|rho| >= 0.7``.
    """
    frame = _frame(X)
    threshold = check_real("threshold", threshold, 1e-9, 1.0)
    if ax is None:
        _, ax = plt.subplots(figsize=(10.0, 4.4))
    hierarchy.dendrogram(_linkage(frame), labels=[str(c) for c in frame.columns], ax=ax,
                         leaf_rotation=90, color_threshold=threshold,
                         above_threshold_color="0.6")
    ax.axhline(threshold, color=colour("vermillion"), ls="--", lw=1.5,
               label=t("epistemics.plot.cut", threshold=threshold,
                     rho=round(1 - threshold, 3)))
    ax.set_title(title or t("epistemics.plot.dendrogram_title"))
    ax.set_xlabel(t("epistemics.plot.feature"))
    ax.set_ylabel(t("epistemics.plot.dendrogram_ylabel"))
    ax.grid(False)
    ax.legend(loc="upper right")
    return ax
