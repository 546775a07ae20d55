"""aimed.society.teaming: simulated reader, deferral, team metrics."""

from __future__ import annotations

import numpy as np
import pytest

from aimed import data
from aimed.society import SocietyValueError, teaming


def test_assisted_reads_extremes_and_rate():
    rng = np.random.default_rng(0)
    own = rng.integers(0, 2, 20000)
    advice = rng.integers(0, 2, 20000)
    assert (teaming.assisted_reads(own, advice, 0.0, rng) == own).all()
    assert (teaming.assisted_reads(own, advice, 1.0, rng) == advice).all()
    final = teaming.assisted_reads(own, advice, 0.3, rng)
    disagree = own != advice
    assert (final[~disagree] == own[~disagree]).all()
    assert abs((final[disagree] == advice[disagree]).mean() - 0.3) < 0.02


def test_defer_uncertain_picks_the_closest_scores():
    score = np.array([0.1, 0.5, 0.6, 0.45, 0.9, 0.52])
    deferred = teaming.defer_uncertain(score, 0.5)
    assert deferred.dtype == bool and deferred.sum() == 3
    assert deferred.tolist() == [False, True, False, True, False, True]
    assert not teaming.defer_uncertain(score, 0.0).any()
    assert teaming.defer_uncertain(score, 1.0).all()
    # floor(0.34 * 6) = 2 cases; closest to 0.1 are 0.1 itself and 0.45
    assert teaming.defer_uncertain(score, 0.34, threshold=0.1).tolist() == \
        [True, False, False, True, False, False]


def test_team_decisions_and_metrics():
    score = np.array([0.9, 0.2, 0.55, 0.1])
    read = np.array([0, 1, 0, 1])
    deferred = np.array([False, False, True, True])
    assert teaming.team_decisions(score, read, deferred).tolist() == [1, 0, 0, 1]
    metrics = teaming.team_metrics(np.array([1, 0, 0, 1]), np.array([1, 0, 0, 1]))
    assert metrics == {"accuracy": 1.0, "sensitivity": 1.0, "specificity": 1.0, "recall_rate": 0.5}


def test_accuracy_coverage_ends_are_ai_alone_and_reader_alone():
    reads = data.load("screening-reads", n_cases=2000, seed=1)
    curve = teaming.accuracy_coverage(reads["cancer"], reads["ai_score"], reads["reader"])
    ai = teaming.team_metrics(reads["cancer"], (reads["ai_score"] >= 0.5).astype(int))
    reader = teaming.team_metrics(reads["cancer"], reads["reader"])
    assert curve.iloc[0]["accuracy"] == pytest.approx(ai["accuracy"])
    assert curve.iloc[-1]["accuracy"] == pytest.approx(reader["accuracy"])
    assert curve["deferral_rate"].is_monotonic_increasing
    np.testing.assert_allclose(curve["coverage"] + curve["deferral_rate"], 1.0)
    best = teaming.best_deferral_rate(curve, 0.1)
    assert 0 <= best <= 0.1
    within = curve[curve["deferral_rate"] <= 0.1]
    assert curve.loc[curve["deferral_rate"] == best, "accuracy"].iloc[0] == within["accuracy"].max()


@pytest.mark.parametrize(("call", "message"), [
    (lambda: teaming.assisted_reads([0, 1], [1, 0], 1.5, np.random.default_rng()), "p_follow"),
    (lambda: teaming.assisted_reads([0, 1], [1], 0.5, np.random.default_rng()), "ai_advice"),
    (lambda: teaming.defer_uncertain([0.1, np.nan], 0.5), "finite"),
    (lambda: teaming.defer_uncertain([0.1, 0.2], -0.1), "budget"),
    (lambda: teaming.team_decisions([0.1], [1], [1]), "True/False"),
])
def test_teaming_validation(call, message):
    with pytest.raises(SocietyValueError, match=message):
        call()
