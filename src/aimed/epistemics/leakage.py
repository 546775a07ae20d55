"""Leakage: when the evaluation lets the model know something it will not know in use.

Three classic leaks [1]_ [2]_:

* a **feature recorded after the outcome** (or a proxy of it), such as antibiotics given
  because sepsis was suspected: :data:`aimed.data.epistemics.RECORDED_AFTER_TRIAGE`;
* **preprocessing fitted on all the data before the split**, the "wrong way to
  cross-validate" of Hastie et al. [3]_: :func:`make_noise_omics` builds data with no
  signal at all, on which the wrong way still reports a good AUROC;
* **the same patient in the training and the test set**: :func:`split_by_patient`
  keeps each patient's visits together; :func:`patient_overlap` counts the damage.

References
----------
.. [1] Kaufman S, Rosset S, Perlich C, Stitelman O. Leakage in data mining: formulation,
   detection, and avoidance. ACM Trans Knowl Discov Data 2012;6(4):15.
   doi:10.1145/2382577.2382579
.. [2] Kapoor S, Narayanan A. Leakage and the reproducibility crisis in machine-learning-
   based science. Patterns 2023;4(9):100804. doi:10.1016/j.patter.2023.100804
.. [3] Hastie T, Tibshirani R, Friedman J. The Elements of Statistical Learning, 2nd ed.
   Springer, 2009, section 7.10.2. doi:10.1007/978-0-387-84858-7
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from sklearn.base import clone
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import GroupShuffleSplit, train_test_split
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import StandardScaler

from aimed.epistemics._checks import check_binary, check_columns, check_int, check_real
from aimed.i18n import t

__all__ = [
    "holdout_auroc",
    "make_noise_omics",
    "make_triage_model",
    "patient_overlap",
    "split_by_patient",
    "split_by_visit",
]


def make_triage_model() -> Pipeline:
    """The course's standard risk model: standardise, then logistic regression.

    Returns
    -------
    sklearn.pipeline.Pipeline
        ``StandardScaler`` followed by ``LogisticRegression(max_iter=1000)``, unfitted.
        It is deterministic: the same data always give the same model.
    """
    return make_pipeline(StandardScaler(), LogisticRegression(max_iter=1000))


def _split_args(data: object, test_size: float, seed: int, column: str | None
                ) -> tuple[pd.DataFrame, float, int]:
    frame = check_columns(data, [column] if column else [], "data")
    size = check_real("test_size", test_size, 0.05, 0.95)
    return frame, size, check_int("seed", seed, 0, 2**32 - 1)


def split_by_visit(data: pd.DataFrame, *, test_size: float = 0.3, seed: int = 0
                   ) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Split rows at random, ignoring who the patient is (the leaky way with revisits).

    Parameters
    ----------
    data : pandas.DataFrame
        One row per visit.
    test_size : float, default 0.3
        Share of rows in the test set, 0.05 to 0.95.
    seed : int, default 0
        Random seed.

    Returns
    -------
    (train, test) : tuple of pandas.DataFrame
    """
    frame, size, seed = _split_args(data, test_size, seed, None)
    train, test = train_test_split(frame, test_size=size, random_state=seed)
    return train, test


def split_by_patient(data: pd.DataFrame, *, patient: str = "patient_id",
                     test_size: float = 0.3, seed: int = 0
                     ) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Split so that all visits of a patient fall on the same side.

    Parameters
    ----------
    data : pandas.DataFrame
        One row per visit, with a patient identifier column.
    patient : str, default "patient_id"
        The identifier column.
    test_size : float, default 0.3
        Share of *patients* in the test set, 0.05 to 0.95.
    seed : int, default 0
        Random seed.

    Returns
    -------
    (train, test) : tuple of pandas.DataFrame
        No patient appears in both (see :func:`patient_overlap`).
    """
    frame, size, seed = _split_args(data, test_size, seed, patient)
    splitter = GroupShuffleSplit(n_splits=1, test_size=size, random_state=seed)
    train_idx, test_idx = next(splitter.split(frame, groups=frame[patient]))
    return frame.iloc[train_idx], frame.iloc[test_idx]


def patient_overlap(train: pd.DataFrame, test: pd.DataFrame, *,
                    patient: str = "patient_id") -> int:
    """Count the patients who have visits in both the training and the test set.

    Returns
    -------
    int
        Number of distinct patient identifiers present in both tables.
    """
    left = check_columns(train, [patient], "train")
    right = check_columns(test, [patient], "test")
    return len(set(left[patient]) & set(right[patient]))


def holdout_auroc(model: object, train: pd.DataFrame, test: pd.DataFrame,
                  features: Sequence[str], *, outcome: str = "sepsis") -> float:
    """Fit a fresh copy of ``model`` on ``train`` and return its AUROC on ``test``.

    Parameters
    ----------
    model : estimator
        Unfitted or fitted; it is cloned, so the original is never changed.
    train, test : pandas.DataFrame
        Tables holding ``features`` and ``outcome``.
    features : sequence of str
        Predictor columns (at least one).
    outcome : str, default "sepsis"
        The 0/1 outcome column; the test set must contain both values.

    Returns
    -------
    float
        Area under the ROC curve on the test set, in [0, 1].
    """
    columns = list(features)
    if not columns:
        raise ValueError(t("epistemics.error.no_features"))
    train = check_columns(train, [*columns, outcome], "train")
    test = check_columns(test, [*columns, outcome], "test")
    y_test = check_binary("test[outcome]", test[outcome].to_numpy())
    if y_test.min() == y_test.max():
        raise ValueError(t("epistemics.error.one_class", name="test"))
    fitted = clone(model).fit(train[columns], check_binary("train[outcome]",
                                                           train[outcome].to_numpy()))
    return float(roc_auc_score(y_test, fitted.predict_proba(test[columns])[:, 1]))


def make_noise_omics(n_patients: int = 80, n_features: int = 5000, *, seed: int = 0
                     ) -> tuple[pd.DataFrame, np.ndarray]:
    """Random "gene expression" data with a random outcome: nothing to learn.

    Parameters
    ----------
    n_patients : int, default 80
        Rows, 20 to 10 000.
    n_features : int, default 5000
        Columns of standard-normal noise (``gene_0000`` ...), 10 to 50 000.
    seed : int, default 0
        Random seed.

    Returns
    -------
    (X, y) : (pandas.DataFrame, numpy.ndarray)
        ``y`` holds 0/1 labels, half of each, independent of ``X``: any honest AUROC is
        0.5 up to chance.
    """
    n_patients = check_int("n_patients", n_patients, 20, 10_000)
    n_features = check_int("n_features", n_features, 10, 50_000)
    rng = np.random.default_rng(check_int("seed", seed, 0, 2**32 - 1))
    width = len(str(n_features - 1))
    X = pd.DataFrame(rng.standard_normal((n_patients, n_features)),
                     columns=[f"gene_{i:0{width}d}" for i in range(n_features)])
    y = rng.permutation(np.arange(n_patients) % 2).astype(np.int64)
    return X, y
