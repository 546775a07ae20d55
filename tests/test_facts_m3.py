"""Figures asserted in the prose and captions of the module 3 lessons are true.

Each fixture repeats the computation of a lesson with the same data, seeds and order of
random draws, so that a change in a generator or a library function that silently
invalidates a sentence of a lesson fails here.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.linear_model import LinearRegression, LogisticRegression

from aimed import data
from aimed.society import fairness, privacy, teaming

# --------------------------------------------------------------------------- lesson 1


@pytest.fixture(scope="module")
def lesson1():
    rng = np.random.default_rng(seed=3)
    members = data.load("care-management")
    X = members[["age", "prior_visits", "coded_conditions", "prior_cost"]].assign(
        female=(members["sex"] == "F").astype(int))
    train = rng.random(len(members)) < 0.5
    model = LogisticRegression(max_iter=1000).fit(X[train], members.loc[train, "admitted"])
    audit = members[~train].copy()
    audit["risk"] = model.predict_proba(X[~train])[:, 1]
    audit["flagged"] = (audit["risk"] >= 0.15).astype(int)
    cost_model = LinearRegression().fit(X[train], members.loc[train, "cost"])
    audit["cost_score"] = cost_model.predict(X[~train])
    need_model = LinearRegression().fit(X[train], members.loc[train, "chronic_conditions"])
    audit["need_score"] = need_model.predict(X[~train])
    audit["true_need"] = audit["chronic_conditions"] + rng.random(len(audit)) / 100
    return members, audit


def test_one_threshold_serves_age_bands_differently(lesson1):
    _, audit = lesson1
    t = fairness.group_metrics(audit["admitted"], audit["flagged"], audit["age_band"])
    assert t.loc["65+", "prevalence"] > 3 * t.loc["18-44", "prevalence"]  # "far more often"
    assert t.loc["65+", "tpr"] > 0.5 > t.loc["18-44", "tpr"]  # flags most / misses most
    assert t.loc["65+", "fpr"] > 3 * max(t.loc["18-44", "fpr"], t.loc["45-64", "fpr"])


def test_calibration_caption(lesson1):
    _, audit = lesson1
    cal = fairness.calibration_by_group(audit["admitted"], audit["risk"], audit["age_band"],
                                        n_bins=5)
    assert (abs(cal["observed_rate"] - cal["mean_predicted"]) < 0.07).all()  # no band far off
    for band in ("45-64", "65+"):
        top = cal[cal["group"] == band].iloc[-1]
        assert top["observed_rate"] > top["mean_predicted"]  # under-estimates the highest risks


def test_equal_fnr_thresholds_and_their_cost(lesson1):
    _, audit = lesson1
    cuts = fairness.thresholds_for_equal_fnr(audit["admitted"], audit["risk"], audit["age_band"],
                                             0.4)
    assert 0.03 < cuts["18-44"] < 0.05 and 0.06 < cuts["45-64"] < 0.09  # "about 4 %", "8 %"
    assert 0.15 < cuts["65+"] < 0.2  # "a little above 15 %"
    flagged = fairness.apply_group_thresholds(audit["risk"], audit["age_band"], cuts)
    t = fairness.group_metrics(audit["admitted"], flagged, audit["age_band"])
    assert t.loc["18-44", "fpr"] > t.loc["45-64", "fpr"] > t.loc["65+", "fpr"]  # the other way
    assert 0.05 < t.loc["18-44", "ppv"] < 0.07  # "about 6 %"
    calls_before, calls_after = audit["flagged"].sum(), flagged.sum()
    assert 2.5 < calls_after / calls_before < 3.5  # "roughly triples" (lesson 4 model card)


def test_chouldechova_identity(lesson1):
    _, audit = lesson1
    t = fairness.group_metrics(audit["admitted"], audit["flagged"], audit["age_band"])
    implied = t["prevalence"] / (1 - t["prevalence"]) * (1 - t["ppv"]) / t["ppv"] * (1 - t["fnr"])
    np.testing.assert_allclose(implied, t["fpr"], rtol=1e-9)


def test_label_choice_bias(lesson1):
    members, audit = lesson1
    means = members.groupby("group")[["chronic_conditions", "cost"]].mean()
    assert round(means.loc["A", "chronic_conditions"], 1) == 1.2
    assert round(means.loc["B", "chronic_conditions"], 1) == 1.9
    assert abs(means.loc["B", "cost"] / means.loc["A", "cost"] - 1) < 0.1  # "similar costs"
    pct = fairness.score_percentile(audit["cost_score"])
    bins = np.clip(np.digitize(pct, np.linspace(0, 100, 21)[1:-1]), 0, 19)
    need = audit.assign(bin=bins).groupby(["bin", "group"])["chronic_conditions"].mean().unstack()
    assert (need["B"] > need["A"]).all()  # "at every level of the score"
    shares = [(audit.loc[fairness.score_percentile(audit[c]) > 97, "group"] == "B").mean()
              for c in ("cost_score", "need_score", "true_need")]
    assert shares[0] < shares[1] < shares[2]
    assert (audit["group"] == "B").mean() < shares[0]


# --------------------------------------------------------------------------- lesson 2


@pytest.fixture(scope="module")
def registry():
    return data.load("patient-registry")


def test_uniqueness_grows_with_quasi_identifiers(registry):
    assert privacy.share_unique(registry, ["sex", "age"]) < 0.01  # "almost nobody"
    assert privacy.share_unique(registry, ["sex", "age", "postcode"]) > 0.5  # "most"
    assert privacy.share_unique(registry, ["sex", "age", "postcode", "admission_date"]) > 0.99


def test_generalisation_plans_leave_k_at_1_or_2_then_suppression(registry):
    quasi = ["age", "sex", "postcode", "admission_date"]
    plans = [(1, 5, "day"), (10, 3, "month"), (10, 3, "quarter"), (10, 2, "quarter"),
             (20, 2, "year")]
    ks, unique = [], []
    for width, digits, unit in plans:
        table = registry.assign(
            age=privacy.generalise_age(registry["age"], width),
            postcode=privacy.generalise_postcode(registry["postcode"], digits),
            admission_date=privacy.generalise_date(registry["admission_date"], unit))
        ks.append(privacy.k_anonymity(table, quasi))
        unique.append(privacy.share_unique(table, quasi))
    assert set(ks) <= {1, 2}
    assert unique == sorted(unique, reverse=True) and unique[-1] < 0.01
    released = registry.assign(
        age=privacy.generalise_age(registry["age"], 10, bottom=30, top=90),
        postcode=privacy.generalise_postcode(registry["postcode"], 2),
        admission_date=privacy.generalise_date(registry["admission_date"], "quarter"))
    kept, suppressed = privacy.suppress_small_classes(released, quasi, 5)
    assert len(suppressed) / len(released) < 0.05
    assert privacy.l_diversity(kept, quasi, "diagnosis") == 2  # "down to two possibilities"


def test_dp_errors_quoted_in_lesson_2(registry):
    rng = np.random.default_rng(0)
    stay = registry["length_of_stay"].to_numpy()
    clipped_mean = np.clip(stay, 1, 30).mean()
    errors = [np.mean([abs(privacy.noisy_mean(stay, 1, 30, 0.01, rng) - clipped_mean)
                       for _ in range(2000)])]
    assert 0.8 < errors[0] < 1.2  # "accurate to about a day" at ε = 0.01
    assert privacy.laplace_scale(1, 0.01) == 100 and privacy.laplace_scale(1, 1) == 1


# --------------------------------------------------------------------------- lesson 3


@pytest.fixture(scope="module")
def lesson3():
    rng = np.random.default_rng(seed=5)
    reads = data.load("screening-reads")
    ai_says = (reads["ai_score"] >= 0.5).astype(int)
    assisted = {p: teaming.assisted_reads(reads["reader"], ai_says, p, rng)
                for p in (0.0, 0.3, 0.6)}
    seen = teaming.assisted_reads(reads["reader"], ai_says, 0.6, rng)
    return reads, ai_says, assisted, seen


def test_ai_more_accurate_reader_more_sensitive(lesson3):
    reads, ai_says, _, _ = lesson3
    ai = teaming.team_metrics(reads["cancer"], ai_says)
    reader = teaming.team_metrics(reads["cancer"], reads["reader"])
    assert ai["accuracy"] > reader["accuracy"] and ai["sensitivity"] < reader["sensitivity"]


def test_automation_bias_caption(lesson3):
    reads, ai_says, assisted, _ = lesson3
    wrong = (ai_says != reads["cancer"]).to_numpy()
    truth = reads["cancer"].to_numpy()
    right_when_wrong = {p: (f[wrong] == truth[wrong]).mean() for p, f in assisted.items()}
    overall = {p: (f == truth).mean() for p, f in assisted.items()}
    assert 0.25 < right_when_wrong[0.6] < 0.4  # "about a third"
    assert 0.6 < right_when_wrong[0.0] < 0.72  # "about two thirds"
    assert overall[0.0] < overall[0.3] < overall[0.6]  # "overall accuracy even rises"


def test_deferral_claims(lesson3):
    reads, _, _, seen = lesson3
    curve = teaming.accuracy_coverage(reads["cancer"], reads["ai_score"], reads["reader"])
    ten = curve[np.isclose(curve["deferral_rate"], 0.10)].iloc[0]
    assert ten["accuracy"] > curve.iloc[0]["accuracy"] > curve.iloc[-1]["accuracy"]
    assert ten["sensitivity"] > curve.iloc[0]["sensitivity"]
    peak = curve["accuracy"].idxmax()
    assert 0 < curve.loc[peak, "deferral_rate"] <= 0.1  # "after a small share"
    assert curve["accuracy"].iloc[-1] < curve["accuracy"].iloc[peak]
    best = teaming.best_deferral_rate(curve, 0.15)
    assert best < 0.15  # "the budget does not bind for accuracy"
    deferred = teaming.defer_uncertain(reads["ai_score"], best)
    blind = teaming.team_metrics(
        reads["cancer"], teaming.team_decisions(reads["ai_score"], reads["reader"], deferred))
    sees = teaming.team_metrics(reads["cancer"],
                                teaming.team_decisions(reads["ai_score"], seen, deferred))
    assert sees["accuracy"] < blind["accuracy"] and sees["sensitivity"] < blind["sensitivity"]


def test_assignment_claim_team_beats_both():
    reads = data.load("screening-reads", n_cases=3000, seed=41)
    curve = teaming.accuracy_coverage(reads["cancer"], reads["ai_score"], reads["reader"],
                                      budgets=[0.0, 0.1, 1.0])
    assert curve["accuracy"].iloc[1] > max(curve["accuracy"].iloc[0], curve["accuracy"].iloc[2])


@pytest.mark.parametrize("value", [pd.Timestamp("2028-08-02")])
def test_lesson4_device_date(value):
    from aimed.society import regulation

    table = regulation.ai_act_timeline().set_index("short")
    assert table.loc["high-risk: AI medical devices, Art. 6(1)", "amended"] == value
