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


def test_binormal_separation_and_the_documented_ai_margin():
    assert teaming.binormal_separation(0.5, 0.5) == pytest.approx(0.0)
    assert teaming.READER_SEPARATION == pytest.approx(2.343, abs=1e-3)  # Lehman 2017
    assert teaming.AI_SEPARATION - teaming.READER_SEPARATION == pytest.approx(0.159, abs=1e-3)
    assert teaming.binormal_auroc(0.0) == pytest.approx(0.5)
    assert teaming.binormal_auroc(teaming.READER_SEPARATION) == pytest.approx(0.951, abs=1e-3)
    assert teaming.binormal_auroc(teaming.AI_SEPARATION) == pytest.approx(0.962, abs=1e-3)
    with pytest.raises(SocietyValueError, match="sensitivity"):
        teaming.binormal_separation(1.0, 0.9)


def test_generated_ai_beats_reader_at_matched_specificity_only():
    reads = data.load("screening-reads", n_cases=200_000, seed=3)
    reader = teaming.team_metrics(reads["cancer"], reads["reader"])
    matched = teaming.sensitivity_at_specificity(reads["cancer"], reads["ai_score"],
                                                 reader["specificity"])
    assert matched["specificity"] == pytest.approx(reader["specificity"], abs=1e-4)
    assert matched["sensitivity"] == pytest.approx(0.900, abs=0.01)  # expected from d'
    assert matched["sensitivity"] > reader["sensitivity"]
    at_half = teaming.team_metrics(reads["cancer"], (reads["ai_score"] >= 0.5).astype(int))
    assert at_half["sensitivity"] < reader["sensitivity"] < matched["sensitivity"]


def test_sensitivity_at_specificity_small_example():
    y = np.array([0, 0, 0, 0, 1, 1])
    s = np.array([0.1, 0.2, 0.3, 0.4, 0.35, 0.9])
    got = teaming.sensitivity_at_specificity(y, s, 0.75)
    assert got["specificity"] == 0.75 and got["sensitivity"] == 1.0
    assert 0.3 < got["threshold"] <= 0.35
    assert teaming.sensitivity_at_specificity(y, s, 1.0)["sensitivity"] == 0.5
    with pytest.raises(SocietyValueError, match="both classes"):
        teaming.sensitivity_at_specificity([1, 1], [0.2, 0.3], 0.9)


def test_triage_decisions_rule_out_and_safety_net():
    score = np.array([0.01, 0.2, 0.6, 0.9, 0.03])
    read = np.array([1, 1, 0, 0, 0])
    decisions, seen = teaming.triage_decisions(score, read, rule_out=0.05, safety_net=0.8)
    assert seen.tolist() == [False, True, True, True, False]
    assert decisions.tolist() == [0, 1, 0, 1, 0]
    plain, _ = teaming.triage_decisions(score, read, rule_out=0.05)
    assert plain.tolist() == [0, 1, 0, 0, 0]
    summary = teaming.policy_summary(np.array([1, 1, 0, 1, 0]), decisions, seen)
    assert summary["workload"] == pytest.approx(0.6) and summary["missed"] == 1.0
    assert summary["workload_saved"] == pytest.approx(0.4)


def test_triage_keeps_the_floor_where_deciding_both_ends_does_not():
    reads = data.load("screening-reads", n_cases=4000, seed=11)
    y, s, r = reads["cancer"], reads["ai_score"], reads["reader"]
    floor = teaming.team_metrics(y, r)["sensitivity"]
    triage = teaming.triage_curve(y, s, r, safety_net=0.5)
    assert triage["deferral_rate"].is_monotonic_increasing
    assert triage.iloc[-1]["deferral_rate"] == 1.0
    assert triage.iloc[-1]["sensitivity"] >= floor  # everyone read plus a safety net
    both_ends = teaming.accuracy_coverage(y, s, r, budgets=[0.0, 0.1, 0.2, 1.0])
    assert (both_ends["sensitivity"].iloc[:3] < floor).all()
    safe = teaming.lowest_workload_at_floor(triage, floor)
    assert safe["sensitivity"] >= floor and safe["deferral_rate"] < 0.6
    with pytest.raises(SocietyValueError, match="floor"):
        teaming.lowest_workload_at_floor(both_ends.iloc[:2], floor)
    with pytest.raises(SocietyValueError, match="cleared"):
        teaming.triage_curve(y, s, r, cleared=[1.0])


def test_teaming_plots_have_titles_labels_and_legends():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from aimed.society import plots

    reads = data.load("screening-reads", n_cases=1000, seed=2)
    y, s, r = reads["cancer"], reads["ai_score"], reads["reader"]
    ax = plots.plot_roc_vs_reader(y, s, r)
    assert ax.get_title() and "%" in ax.get_xlabel() and len(ax.get_legend().get_texts()) == 3
    curves = {"A": teaming.accuracy_coverage(y, s, r, budgets=[0.0, 0.5, 1.0]),
              "B": teaming.triage_curve(y, s, r)}
    ax = plots.plot_sensitivity_workload(curves, floor=0.85)
    assert "%" in ax.get_ylabel() and len(ax.get_legend().get_texts()) == 3
    with pytest.raises(SocietyValueError, match="floor"):
        plots.plot_sensitivity_workload(curves, floor=1.5)
    plt.close("all")
