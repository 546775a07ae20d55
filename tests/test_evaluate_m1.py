"""aimed.evaluate additions for module 1: counts, threshold tables, specificity targets."""

from __future__ import annotations

import math

import numpy as np
import pytest
from sklearn.metrics import confusion_matrix

from aimed import evaluate


@pytest.fixture
def scored():
    rng = np.random.default_rng(3)
    y = rng.integers(0, 2, 300)
    score = np.round(np.clip(0.3 * y + rng.normal(0.4, 0.2, 300), 0, 1), 2)  # ties on purpose
    return y, score


def test_metrics_from_counts_definitions():
    m = evaluate.metrics_from_counts(tp=45, fp=10, tn=40, fn=5)
    assert m["sensitivity"] == 45 / 50
    assert m["specificity"] == 40 / 50
    assert m["ppv"] == 45 / 55
    assert m["npv"] == 40 / 45
    assert m["accuracy"] == 85 / 100
    assert m["prevalence"] == 50 / 100


def test_metrics_from_counts_agree_with_diagnostic_metrics(scored):
    y, score = scored
    tn, fp, fn, tp = confusion_matrix(y, (score >= 0.5).astype(int)).ravel()
    from_counts = evaluate.metrics_from_counts(tp=tp, fp=fp, tn=tn, fn=fn)
    assert from_counts == evaluate.diagnostic_metrics(y, score, 0.5)


def test_metrics_from_counts_empty_denominator_is_nan():
    m = evaluate.metrics_from_counts(tp=0, fp=0, tn=9, fn=1)
    assert math.isnan(m["ppv"]) and m["sensitivity"] == 0.0 and m["npv"] == 0.9


@pytest.mark.parametrize("bad", [{"tp": -1}, {"fp": 2.5}, {"tn": True}, {"fn": "3"}])
def test_metrics_from_counts_rejects_bad_counts_naming_the_parameter(bad):
    counts = {"tp": 1, "fp": 1, "tn": 1, "fn": 1} | bad
    name = next(iter(bad))
    with pytest.raises(ValueError, match=f"^{name} must be a whole number"):
        evaluate.metrics_from_counts(**counts)


def test_metrics_from_counts_rejects_an_empty_matrix():
    with pytest.raises(ValueError, match="no patients"):
        evaluate.metrics_from_counts(tp=0, fp=0, tn=0, fn=0)


def test_metrics_at_thresholds_one_row_per_threshold(scored):
    y, score = scored
    table = evaluate.metrics_at_thresholds(y, score, [0.2, 0.5, 0.8])
    assert list(table.columns) == ["threshold", "positive_tests", "sensitivity", "specificity",
                                   "ppv", "npv"]
    assert table["threshold"].tolist() == [0.2, 0.5, 0.8]
    for _, row in table.iterrows():
        direct = evaluate.diagnostic_metrics(y, score, row["threshold"])
        assert row["sensitivity"] == direct["sensitivity"]
        assert row["positive_tests"] == int((score >= row["threshold"]).sum())
    # raising the threshold never gains sensitivity and never loses specificity
    assert table["sensitivity"].is_monotonic_decreasing
    assert table["specificity"].is_monotonic_increasing


@pytest.mark.parametrize("bad", [[], [0.5, np.nan], [[0.1, 0.2]]])
def test_metrics_at_thresholds_validates_thresholds(scored, bad):
    y, score = scored
    with pytest.raises(ValueError, match="thresholds"):
        evaluate.metrics_at_thresholds(y, score, bad)


@pytest.mark.parametrize("target", [0.5, 0.8, 0.9, 0.95, 0.99, 1.0])
def test_threshold_for_specificity_is_the_lowest_that_meets_the_target(scored, target):
    y, score = scored
    thr = evaluate.threshold_for_specificity(y, score, target)
    assert evaluate.diagnostic_metrics(y, score, thr)["specificity"] >= target
    lower = np.unique(score[score < thr])
    if lower.size:  # the next observed score down would miss the target
        assert evaluate.diagnostic_metrics(y, score, lower[-1])["specificity"] < target


def test_threshold_for_specificity_above_every_score_flags_nobody():
    y = np.array([0, 0, 1])
    score = np.array([0.2, 0.9, 0.5])
    thr = evaluate.threshold_for_specificity(y, score, 1.0)
    assert thr > 0.9 and (score >= thr).sum() == 0


def test_threshold_for_specificity_input_errors():
    with pytest.raises(ValueError, match="at least one negative"):
        evaluate.threshold_for_specificity([1, 1], [0.1, 0.2], 0.9)
    with pytest.raises(ValueError, match="min_specificity"):
        evaluate.threshold_for_specificity([0, 1], [0.1, 0.2], 1.5)
