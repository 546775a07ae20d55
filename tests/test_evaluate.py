"""aimed.evaluate: clinical metrics agree with scikit-learn and with Bayes' theorem."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.metrics import confusion_matrix, roc_auc_score

from aimed import evaluate


@pytest.fixture
def scored():
    rng = np.random.default_rng(0)
    y = rng.integers(0, 2, 400)
    score = np.clip(0.35 * y + rng.normal(0.35, 0.2, 400), 0, 1)
    return y, score


def test_confusion_counts_match_sklearn(scored):
    y, score = scored
    pred = (score >= 0.5).astype(int)
    tn, fp, fn, tp = confusion_matrix(y, pred).ravel()
    assert evaluate.confusion_counts(y, pred) == {"tp": tp, "fp": fp, "tn": tn, "fn": fn}


def test_diagnostic_metrics_definitions(scored):
    y, score = scored
    m = evaluate.diagnostic_metrics(y, score, threshold=0.5)
    c = evaluate.confusion_counts(y, (score >= 0.5).astype(int))
    assert m["sensitivity"] == c["tp"] / (c["tp"] + c["fn"])
    assert m["specificity"] == c["tn"] / (c["tn"] + c["fp"])
    assert m["ppv"] == c["tp"] / (c["tp"] + c["fp"])
    assert m["npv"] == c["tn"] / (c["tn"] + c["fn"])
    assert m["prevalence"] == y.mean()


def test_undefined_metric_is_nan_not_an_error():
    m = evaluate.diagnostic_metrics([0, 1, 0], [0.1, 0.2, 0.3], threshold=0.9)
    assert np.isnan(m["ppv"]) and m["sensitivity"] == 0.0


def test_ppv_npv_bayes():
    # Altman & Bland 1994: PPV collapses at low prevalence
    assert evaluate.ppv_at_prevalence(0.99, 0.99, 0.01) == pytest.approx(0.5)
    assert evaluate.ppv_at_prevalence(0.9, 0.9, 0.5) == pytest.approx(0.9)
    assert evaluate.npv_at_prevalence(0.9, 0.8, 0.5) == pytest.approx(0.8 / (0.8 + 0.1))
    prevalences = np.linspace(0.01, 0.99, 50)
    ppvs = [evaluate.ppv_at_prevalence(0.9, 0.95, p) for p in prevalences]
    assert np.all(np.diff(ppvs) > 0)


@pytest.mark.parametrize("bad", [-0.1, 1.1, np.nan])
def test_probabilities_are_validated(bad):
    with pytest.raises(ValueError, match="prevalence"):
        evaluate.ppv_at_prevalence(0.9, 0.9, bad)


@pytest.mark.parametrize("target", [0.5, 0.8, 0.9, 0.95, 1.0])
def test_threshold_for_sensitivity_is_the_highest_that_meets_the_target(scored, target):
    y, score = scored
    thr = evaluate.threshold_for_sensitivity(y, score, target)
    assert evaluate.diagnostic_metrics(y, score, thr)["sensitivity"] >= target
    higher = np.unique(score[score > thr])
    if higher.size:  # the next observed score up would miss the target
        assert evaluate.diagnostic_metrics(y, score, higher[0])["sensitivity"] < target


def test_threshold_for_sensitivity_input_errors():
    with pytest.raises(ValueError, match="at least one positive"):
        evaluate.threshold_for_sensitivity([0, 0], [0.1, 0.2], 0.9)
    with pytest.raises(ValueError, match="min_sensitivity"):
        evaluate.threshold_for_sensitivity([0, 1], [0.1, 0.2], 0)
    with pytest.raises(ValueError, match="only 0 and 1"):
        evaluate.threshold_for_sensitivity([0, 2], [0.1, 0.2], 0.9)
    with pytest.raises(ValueError, match="shape"):
        evaluate.threshold_for_sensitivity([0, 1], [0.1], 0.9)


def test_bootstrap_ci_brackets_the_estimate_and_is_reproducible(scored):
    y, score = scored
    est, lo, hi = evaluate.bootstrap_ci(roc_auc_score, y, score, n_boot=200, seed=1)
    assert est == roc_auc_score(y, score)
    assert lo < est < hi and hi - lo < 0.2
    assert evaluate.bootstrap_ci(roc_auc_score, y, score, n_boot=200, seed=1) == (est, lo, hi)


def test_bootstrap_ci_validation(scored):
    y, score = scored
    with pytest.raises(ValueError, match="n_boot"):
        evaluate.bootstrap_ci(roc_auc_score, y, score, n_boot=10)
    with pytest.raises(ValueError, match="level"):
        evaluate.bootstrap_ci(roc_auc_score, y, score, level=1.0)
    with pytest.raises(ValueError, match="cases"):
        evaluate.bootstrap_ci(roc_auc_score, np.zeros(10), np.zeros(10))


def test_calibration_table_of_a_calibrated_model():
    rng = np.random.default_rng(3)
    p = rng.uniform(0, 1, 20000)
    y = rng.uniform(0, 1, p.size) < p
    table = evaluate.calibration_table(y, p, n_bins=10)
    assert len(table) == 10 and table["n"].sum() == p.size
    np.testing.assert_allclose(table["observed_rate"], table["mean_predicted"], atol=0.03)


def test_calibration_table_validation():
    with pytest.raises(ValueError, match="probabilities"):
        evaluate.calibration_table([0, 1], [0.5, 1.5])
    with pytest.raises(ValueError, match="strategy"):
        evaluate.calibration_table([0, 1], [0.5, 0.5], strategy="kmeans")
