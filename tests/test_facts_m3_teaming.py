"""Figures asserted in the prose and captions of the human-AI teaming lesson (module 3,
lesson 3) and of Part C of the module 3 assignment are true.

Each fixture repeats the computation of the notebook with the same data, seeds and order
of random draws, so that a change in the generator or in aimed.society.teaming that
silently invalidates a sentence fails here.
"""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.metrics import roc_auc_score

from aimed import data
from aimed.society import teaming


@pytest.fixture(scope="module")
def lesson3():
    rng = np.random.default_rng(seed=5)
    reads = data.load("screening-reads")
    ai_says = (reads["ai_score"] >= 0.5).astype(int)
    assisted = {p: teaming.assisted_reads(reads["reader"], ai_says, p, rng)
                for p in (0.0, 0.3, 0.6)}
    seen = teaming.assisted_reads(reads["reader"], ai_says, 0.6, rng)  # section 5
    return reads, ai_says, assisted, seen


@pytest.fixture(scope="module")
def policies(lesson3):
    reads = lesson3[0]
    y, s, r = reads["cancer"], reads["ai_score"], reads["reader"]
    sent_a = teaming.defer_uncertain(s, budget=0.10, threshold=0.5)
    a = teaming.policy_summary(y, teaming.team_decisions(s, r, sent_a), sent_a)
    team_b, read_b = teaming.triage_decisions(s, r, rule_out=0.02, safety_net=0.5)
    b = teaming.policy_summary(y, team_b, read_b)
    alone = teaming.policy_summary(y, r, np.ones(len(reads), dtype=bool))
    return alone, a, b, read_b


def test_threshold_half_makes_ai_look_accurate_but_insensitive(lesson3):
    reads, ai_says, _, _ = lesson3
    ai = teaming.team_metrics(reads["cancer"], ai_says)
    reader = teaming.team_metrics(reads["cancer"], reads["reader"])
    assert ai["accuracy"] > reader["accuracy"] and ai["sensitivity"] < reader["sensitivity"]
    assert round(reads["cancer"].mean(), 2) == 0.10


def test_matched_specificity_and_auroc_figures(lesson3):
    reads = lesson3[0]
    reader = teaming.team_metrics(reads["cancer"], reads["reader"])
    matched = teaming.sensitivity_at_specificity(reads["cancer"], reads["ai_score"],
                                                 reader["specificity"])
    assert round(100 * matched["sensitivity"], 1) == 88.0
    assert round(100 * reader["sensitivity"], 1) == 85.8
    assert round(100 * reader["specificity"], 1) == 88.3
    assert round(roc_auc_score(reads["cancer"], reads["ai_score"]), 3) == 0.956
    assert round(teaming.binormal_auroc(teaming.AI_SEPARATION), 3) == 0.962
    assert round(teaming.binormal_auroc(teaming.READER_SEPARATION), 3) == 0.951
    # the 0.5 point lies at a low false-positive rate, far down the same curve
    ai = teaming.team_metrics(reads["cancer"], (reads["ai_score"] >= 0.5).astype(int))
    assert 1 - ai["specificity"] < 0.05 and ai["sensitivity"] < matched["sensitivity"] - 0.2


def test_automation_bias_caption(lesson3):
    reads, ai_says, assisted, _ = lesson3
    wrong = (ai_says != reads["cancer"]).to_numpy()
    truth = reads["cancer"].to_numpy()
    right_when_wrong = {p: (f[wrong] == truth[wrong]).mean() for p, f in assisted.items()}
    right_when_right = {p: (f[~wrong] == truth[~wrong]).mean() for p, f in assisted.items()}
    overall = {p: (f == truth).mean() for p, f in assisted.items()}
    assert 0.25 < right_when_wrong[0.6] < 0.4  # "about a third"
    assert 0.6 < right_when_wrong[0.0] < 0.72  # "about two thirds"
    assert right_when_right[0.0] < right_when_right[0.3] < right_when_right[0.6]
    assert overall[0.0] < overall[0.3] < overall[0.6]  # "overall accuracy even rises"


def test_two_policies_side_by_side(lesson3, policies):
    alone, a, b, _ = policies
    reads = lesson3[0]
    y, sc, r = (reads[c].to_numpy() for c in ("cancer", "ai_score", "reader"))
    sent_a = teaming.defer_uncertain(sc, budget=0.10, threshold=0.5)
    missed_a = (y == 1) & (teaming.team_decisions(sc, r, sent_a) == 0)
    assert (missed_a & ~sent_a).sum() > missed_a.sum() / 2  # "most ... cleared by software"
    assert a["accuracy"] > max(alone["accuracy"], b["accuracy"])  # "highest accuracy"
    assert a["workload_saved"] == pytest.approx(0.90)
    assert round(100 * a["sensitivity"], 1) == 76.3 and a["missed"] == 95
    assert alone["missed"] == 57
    assert round(100 * b["sensitivity"], 1) == 87.0 and b["sensitivity"] > alone["sensitivity"]
    assert round(100 * b["specificity"], 1) == 91.7 and b["specificity"] > alone["specificity"]
    assert round(100 * b["workload"]) == 35 and round(100 * b["workload_saved"]) == 65


@pytest.fixture(scope="module")
def curves(lesson3):
    reads = lesson3[0]
    y, s, r = reads["cancer"], reads["ai_score"], reads["reader"]
    floor = teaming.team_metrics(y, r)["sensitivity"]
    curve_a = teaming.accuracy_coverage(y, s, r, budgets=np.round(np.arange(0, 1.0001, 0.05), 2))
    curve_b = teaming.triage_curve(y, s, r, safety_net=0.5)
    return floor, curve_a, curve_b


def test_judged_at_the_floor(curves):
    floor, curve_a, curve_b = curves
    at_a = teaming.lowest_workload_at_floor(curve_a, floor)
    at_b = teaming.lowest_workload_at_floor(curve_b, floor)
    assert at_a["deferral_rate"] == pytest.approx(0.60)  # "saves only 40 %"
    assert at_a["sensitivity"] == pytest.approx(floor)  # "and then only equals it"
    assert round(100 * at_b["deferral_rate"]) == 35 and round(at_b["rule_out"], 4) == 0.0202
    below = curve_b[curve_b["deferral_rate"] < at_b["deferral_rate"]]
    assert (below["sensitivity"] < floor).all()  # "above the floor until ... two thirds"
    assert 0.6 < 1 - at_b["deferral_rate"] < 0.7
    ten = curve_a[np.isclose(curve_a["deferral_rate"], 0.10)].iloc[0]
    assert ten["sensitivity"] < floor - 0.05  # "far below"


def test_stricter_floor_is_reachable(curves):
    _, _, curve_b = curves
    strict = teaming.lowest_workload_at_floor(curve_b, 0.88)
    assert strict["sensitivity"] >= 0.88 and strict["deferral_rate"] < 1


def test_section5_cleared_cancers_and_seen_reader(lesson3, policies):
    reads, _, _, seen = lesson3
    *_, read_b = policies
    cleared = ~read_b
    cancer = (reads["cancer"] == 1).to_numpy()
    assert round(100 * cleared.mean()) == 65  # "about two thirds"
    assert 0 < (cleared & cancer).sum() and 0 < (cleared & cancer & (reads["reader"] == 1)).sum()
    team, read = teaming.triage_decisions(reads["ai_score"], seen, rule_out=0.02, safety_net=0.5)
    sees = teaming.policy_summary(reads["cancer"], team, read)
    floor = teaming.team_metrics(reads["cancer"], reads["reader"])["sensitivity"]
    assert sees["sensitivity"] < floor - 0.1  # "falls far below the floor"
    no_net, _ = teaming.triage_decisions(reads["ai_score"], reads["reader"], rule_out=0.02)
    assert no_net[cancer].mean() < floor  # "above the floor only because the safety net ..."


# ------------------------------------------------ assignment Part C and Part D model answer


def test_assignment_part_c_figures_quoted_in_the_model_answer():
    reads = data.load("screening-reads", n_cases=3000, seed=41)
    y, s, r = (reads[c].to_numpy() for c in ("cancer", "ai_score", "reader"))
    alone = teaming.policy_summary(y, r, np.ones(len(y), dtype=bool))
    read_a = teaming.defer_uncertain(s, budget=0.10, threshold=0.5)
    a = teaming.policy_summary(y, teaming.team_decisions(s, r, read_a), read_a)
    team_b, read_b = teaming.triage_decisions(s, r, rule_out=0.02, safety_net=0.5)
    b = teaming.policy_summary(y, team_b, read_b)
    assert round(100 * alone["sensitivity"], 1) == 89.7 and alone["missed"] == 30
    assert a["accuracy"] > max(alone["accuracy"], b["accuracy"])  # "the highest accuracy"
    assert round(100 * a["sensitivity"], 1) == 82.2 and a["missed"] == 52
    assert a["workload_saved"] == pytest.approx(0.90)
    assert round(100 * b["sensitivity"], 1) == 91.1 and b["missed"] == 26
    assert round(100 * b["workload_saved"]) == 66
    # C3: the largest rule-out threshold of the list that keeps the floor, and its saving
    cuts = [0.005, 0.01, 0.02, 0.03, 0.05, 0.1]
    safe = [c for c in cuts
            if teaming.triage_decisions(s, r, c, 0.5)[0][y == 1].mean() >= alone["sensitivity"]]
    assert max(safe) == 0.03 and round(100 * np.mean(s < 0.03)) == 71
