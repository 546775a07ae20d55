"""aimed.epistemics.leakage and the sepsis-triage generator: leaks, splits, noise."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.feature_selection import SelectKBest, f_classif
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold, cross_val_score
from sklearn.pipeline import make_pipeline

from aimed import data
from aimed.data.epistemics import (
    RECORDED_AFTER_TRIAGE,
    SEPSIS_COLUMNS,
    TRIAGE_FEATURES,
    sepsis_triage,
)
from aimed.epistemics import leakage


@pytest.fixture(scope="module")
def visits():
    return data.load("sepsis-triage", n_patients=1500, seed=3)


def test_generator_columns_ranges_and_reproducibility(visits):
    assert list(visits.columns) == list(SEPSIS_COLUMNS)
    assert set(TRIAGE_FEATURES) | set(RECORDED_AFTER_TRIAGE) < set(visits.columns)
    assert visits["age"].between(18, 99).all()
    assert visits["heart_rate"].between(35, 180).all()
    assert visits["temperature"].between(34.5, 41.0).all()
    assert visits["lactate"].between(0.3, 15).all()
    assert set(visits["sepsis"].unique()) == {0, 1}
    assert visits["patient_id"].nunique() == 1500
    assert visits.groupby("patient_id").size().between(1, 10).all()
    assert not visits.isna().any().any()
    pd.testing.assert_frame_equal(visits, sepsis_triage(1500, seed=3))


def test_septic_visits_look_sicker_and_site_b_is_older_and_sicker(visits):
    means = visits.groupby("sepsis")[["heart_rate", "resp_rate", "lactate", "systolic_bp"]].mean()
    assert (
        means.loc[1, ["heart_rate", "resp_rate", "lactate"]]
        > means.loc[0, ["heart_rate", "resp_rate", "lactate"]]
    ).all()
    assert means.loc[1, "systolic_bp"] < means.loc[0, "systolic_bp"]
    site_b = data.load("sepsis-triage", n_patients=1500, site="B", seed=3)
    assert site_b["age"].mean() > visits["age"].mean() + 10
    assert site_b["sepsis"].mean() > 1.8 * visits["sepsis"].mean()
    assert site_b["patient_id"].min() >= 100_000


def test_generator_validates_arguments():
    with pytest.raises(ValueError, match="n_patients"):
        sepsis_triage(10)
    with pytest.raises(ValueError, match="site"):
        sepsis_triage(100, site="C")
    with pytest.raises(ValueError, match="seed"):
        sepsis_triage(100, seed=-3)
    with pytest.raises(ValueError, match="n_patients"):
        sepsis_triage(True)


def test_patient_split_has_no_overlap_and_visit_split_has_much(visits):
    train, test = leakage.split_by_patient(visits, test_size=0.3, seed=0)
    assert leakage.patient_overlap(train, test) == 0
    assert len(train) + len(test) == len(visits)
    assert test["patient_id"].nunique() == pytest.approx(0.3 * 1500, abs=1)
    train_v, test_v = leakage.split_by_visit(visits, test_size=0.3, seed=0)
    assert leakage.patient_overlap(train_v, test_v) > 300
    with pytest.raises(ValueError, match="test_size"):
        leakage.split_by_patient(visits, test_size=1.5)
    with pytest.raises(ValueError, match="lacks the column"):
        leakage.split_by_patient(visits, patient="mrn")


def test_late_columns_leak_and_triage_columns_are_honest(visits):
    train, test = leakage.split_by_patient(visits, seed=1)
    model = leakage.make_triage_model()
    leaky = leakage.holdout_auroc(
        model, train, test, list(TRIAGE_FEATURES) + list(RECORDED_AFTER_TRIAGE)
    )
    honest = leakage.holdout_auroc(model, train, test, list(TRIAGE_FEATURES))
    assert leaky > 0.97
    assert 0.78 < honest < 0.95
    assert not hasattr(model, "classes_")  # holdout_auroc fits a clone


def test_holdout_auroc_validates(visits):
    train, test = leakage.split_by_patient(visits, seed=1)
    with pytest.raises(ValueError, match="features"):
        leakage.holdout_auroc(leakage.make_triage_model(), train, test, [])
    with pytest.raises(ValueError, match="both 0 and 1"):
        leakage.holdout_auroc(
            leakage.make_triage_model(), train, test[test["sepsis"] == 0], ["age"]
        )


def test_noise_omics_has_no_signal_but_selection_before_cv_finds_some():
    X, y = leakage.make_noise_omics(n_patients=80, n_features=2000, seed=1)
    assert X.shape == (80, 2000) and y.sum() == 40
    folds = StratifiedKFold(5, shuffle=True, random_state=0)
    wrong = cross_val_score(
        LogisticRegression(max_iter=1000),
        SelectKBest(f_classif, k=20).fit_transform(X, y),
        y,
        cv=folds,
        scoring="roc_auc",
    ).mean()
    right = cross_val_score(
        make_pipeline(SelectKBest(f_classif, k=20), LogisticRegression(max_iter=1000)),
        X,
        y,
        cv=folds,
        scoring="roc_auc",
    ).mean()
    assert wrong > 0.85
    assert abs(right - 0.5) < 0.2
    with pytest.raises(ValueError, match="n_features"):
        leakage.make_noise_omics(n_features=5)


def test_make_triage_model_is_deterministic(visits):
    columns = list(TRIAGE_FEATURES)
    a = leakage.make_triage_model().fit(visits[columns], visits["sepsis"])
    b = leakage.make_triage_model().fit(visits[columns], visits["sepsis"])
    np.testing.assert_array_equal(
        a.predict_proba(visits[columns]), b.predict_proba(visits[columns])
    )
