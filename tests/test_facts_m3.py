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
from aimed.society import fairness, privacy

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
    # The "workload" price of equal false-negative rates: about three times the calls.
    assert 2.5 < calls_after / calls_before < 3.5


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


def test_access_group_error_rates_look_alike_but_ppv_differs(lesson1):
    _, audit = lesson1
    t = fairness.group_rates_ci(audit["admitted"], audit["flagged"], audit["group"])
    assert round(t.loc["A", "tpr"], 2) == 0.35 and round(t.loc["B", "tpr"], 2) == 0.38
    assert (round(t.loc["A", "tpr_low"], 2), round(t.loc["A", "tpr_high"], 2)) == (0.32, 0.39)
    assert (round(t.loc["B", "tpr_low"], 2), round(t.loc["B", "tpr_high"], 2)) == (0.33, 0.45)
    assert round(t.loc["A", "fpr"], 3) == 0.087 and round(t.loc["B", "fpr"], 3) == 0.089
    for metric in ("tpr", "fpr"):  # "widely overlapping intervals"
        assert t.loc["B", f"{metric}_low"] < t.loc["A", metric] < t.loc["B", f"{metric}_high"]
        assert t.loc["A", f"{metric}_low"] < t.loc["B", metric] < t.loc["A", f"{metric}_high"]
    assert round(t.loc["B", "ppv"], 2) == 0.37 and round(t.loc["A", "ppv"], 2) == 0.26
    assert (round(t.loc["B", "ppv_low"], 2), round(t.loc["B", "ppv_high"], 2)) == (0.31, 0.43)
    assert (round(t.loc["A", "ppv_low"], 2), round(t.loc["A", "ppv_high"], 2)) == (0.23, 0.29)
    assert t.loc["B", "ppv_low"] > t.loc["A", "ppv_high"]  # "the exception"


def test_access_group_is_under_predicted(lesson1):
    _, audit = lesson1
    everyone = fairness.observed_expected(audit["admitted"], audit["risk"], audit["group"])
    assert round(everyone.loc["A", "o_e"], 2) == 0.99
    assert (round(everyone.loc["A", "o_e_low"], 2), round(everyone.loc["A", "o_e_high"], 2)) == (
        0.92, 1.06)
    assert round(everyone.loc["B", "o_e"], 2) == 1.39
    assert (round(everyone.loc["B", "o_e_low"], 2), round(everyone.loc["B", "o_e_high"], 2)) == (
        1.23, 1.56)
    assert round(everyone.loc["A", "observed_rate"], 2) == 0.08  # base rates "8 % and 12 %"
    assert round(everyone.loc["B", "observed_rate"], 2) == 0.12
    flagged = fairness.observed_expected(audit["admitted"], audit["risk"], audit["group"],
                                         where=(audit["flagged"] == 1).to_numpy())
    assert round(flagged.loc["B", "mean_predicted"], 2) == 0.26
    assert round(flagged.loc["B", "observed_rate"], 2) == 0.37
    assert (round(flagged.loc["B", "rate_low"], 2), round(flagged.loc["B", "rate_high"], 2)) == (
        0.31, 0.43)
    assert round(flagged.loc["B", "o_e"], 2) == 1.41
    assert (round(flagged.loc["B", "o_e_low"], 2), round(flagged.loc["B", "o_e_high"], 2)) == (
        1.19, 1.64)
    assert round(flagged.loc["A", "mean_predicted"], 2) == 0.25
    assert round(flagged.loc["A", "observed_rate"], 2) == 0.26
    assert everyone.loc["A", "n"] // 50 * 50 == 7950 and everyone.loc["B", "n"] // 10 * 10 == 2010


def test_access_group_calibration_caption(lesson1):
    _, audit = lesson1
    cal = fairness.calibration_by_group(audit["admitted"], audit["risk"], audit["group"], n_bins=5)
    a, b = cal[cal["group"] == "A"], cal[cal["group"] == "B"]
    assert (abs(a["observed_rate"] - a["mean_predicted"]) < 0.01).all()  # "follows the diagonal"
    assert (b["observed_rate"] > b["mean_predicted"]).sum() == 4  # "four of the five bins"
    top = b.iloc[-1]
    assert 0.3 < top["observed_rate"] < 0.36 and 0.18 < top["mean_predicted"] < 0.23


def test_kleinberg_balance_nearly_holds_calibration_fails(lesson1):
    _, audit = lesson1
    means = audit.groupby(["group", "admitted"])["risk"].mean().unstack()
    assert ((means[1] > 0.145) & (means[1] < 0.165)).all()  # "about 0.15"
    assert ((means[0] > 0.07) & (means[0] < 0.08)).all()  # "0.07-0.08"
    assert abs(means.loc["A", 1] - means.loc["B", 1]) < 0.01


def test_label_effect_is_small_over_30_populations():
    features = ["age", "prior_visits", "coded_conditions", "prior_cost"]

    def enrolment_shares(seed):
        m = data.load("care-management", seed=seed)
        Xm = m[features].assign(female=(m["sex"] == "F").astype(int))
        fit = np.random.default_rng(seed).random(len(m)) < 0.5
        held = m[~fit]
        scores = [LinearRegression().fit(Xm[fit], m.loc[fit, label]).predict(Xm[~fit])
                  for label in ("cost", "chronic_conditions")]
        scores.append(held["chronic_conditions"]
                      + np.random.default_rng(seed).random(len(held)) / 100)
        return [(held["group"][fairness.score_percentile(s) > 97] == "B").mean() for s in scores]

    spread = pd.DataFrame([enrolment_shares(seed) for seed in range(100, 130)],
                          columns=["cost", "need", "true"])
    gain = spread["need"] - spread["cost"]
    assert round(gain.mean(), 2) == 0.01  # "about 1 percentage point"
    assert round(gain.quantile(0.025), 3) == -0.002 and round(gain.quantile(0.975), 3) == 0.025
    assert round((gain > 0).mean(), 1) == 0.8
    assert round((spread["true"] - spread["need"]).mean(), 2) == 0.10  # "about 10 points more"


def test_first_population_label_shift(lesson1):
    _, audit = lesson1
    shares = [round((audit.loc[fairness.score_percentile(audit[c]) > 97, "group"] == "B").mean(), 2)
              for c in ("cost_score", "need_score", "true_need")]
    assert shares == [0.25, 0.28, 0.35]  # "from about 25 % to 28 %", "35 %"
    assert round((fairness.score_percentile(audit["cost_score"]) > 97).sum(), -2) == 300


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
    # "a stay, not a patient": at most 3 stays per patient triples the noise at ε = 0.1
    assert privacy.laplace_scale(1, 0.1) == 10 and privacy.laplace_scale(3, 0.1) == 30


# lesson 3 (human-AI teaming) and assignment Part C: tests/test_facts_m3_teaming.py


# --------------------------------------------------------------------------- lesson 4

_MONTHS = ("January|February|March|April|May|June|July|August|September|October|"
           "November|December")


def _lesson4_prose() -> str:
    from pathlib import Path

    import nbformat

    path = (Path(__file__).parents[1] / "notebooks" / "m3-society"
            / "04-regulation-and-accountability.ipynb")
    nb = nbformat.read(path, as_version=4)
    return "\n".join(c.source for c in nb.cells if c.cell_type == "markdown")


def _sentences(text: str) -> list[str]:
    import re

    return [s for s in re.split(r"(?<=[.;])\s+(?=[A-Z*])|\n", text) if s.strip()]


def test_lesson4_every_date_in_the_prose_is_in_the_data():
    import datetime as dt
    import re

    from aimed.society import regulation

    known = {e["date"] for e in regulation.AI_ACT_TIMELINE}
    known |= {e["date"] for e in regulation.OMNIBUS_PROCEDURE}
    known |= {e["date"] for e in regulation.RELATED_DATES}
    found = {dt.datetime.strptime(m, "%d %B %Y").date()
             for m in re.findall(rf"\b\d{{1,2}} (?:{_MONTHS}) \d{{4}}\b", _lesson4_prose())}
    assert found, "the lesson states no date"
    assert found <= known, f"dates in the prose that regulation.py does not hold: {found - known}"


def test_lesson4_high_risk_dates_are_the_law_in_force():
    from aimed.society import regulation

    prose = _lesson4_prose()
    for route in ("annex I", "annex III"):
        assert f"{regulation.high_risk_date(route):%-d %B %Y}" in prose
    devices = [s for s in _sentences(prose) if "medical device" in s and "August 20" in s]
    assert devices and all("2 August 2028" in s or "2024 text" in s for s in devices)
    # a superseded date only ever appears as the date of the 2024 text
    for entry in regulation.ai_act_timeline("superseded").itertuples():
        for s in _sentences(prose):
            if f"{entry.date:%-d %B %Y}" in s and "high-risk" in s.lower():
                assert "2024 text" in s or "general date" in s or "general application" in s, s
    # the Omnibus is said to be law, with its Official Journal reference and dates
    procedure = regulation.omnibus_procedure().set_index("step")["date"]
    assert "OJ L, 2026/1744, 24.7.2026" in prose
    assert f"{procedure['entry into force']:%-d %B %Y}" in prose
    assert "not law" in prose and "not confirmed" in prose  # agreement vs law; unverified days


def test_lesson4_no_law_firm_is_the_authority():
    prose = _lesson4_prose().lower()
    for word in ("newsletter", "heuking", "law firm", "llp"):
        assert word not in prose


@pytest.fixture(scope="module")
def lesson4(lesson1):
    # Lesson 4's model card describes the lesson-1 model: the same seed, split and fit.
    return lesson1[1]


def test_lesson4_model_card_calibration_by_access_group(lesson4):
    def oe(frame):
        sums = frame.groupby("group")[["admitted", "risk"]].sum()
        return sums["admitted"] / sums["risk"]

    everyone, flagged = oe(lesson4), oe(lesson4[lesson4["flagged"] == 1])
    assert abs(everyone["A"] - 1.0) < 0.05 and abs(flagged["A"] - 1.0) < 0.1  # "about 1.0"
    assert 1.3 < everyone["B"] < 1.5 and 1.3 < flagged["B"] < 1.5  # "about 1.4 ... top band"
    young = fairness.group_metrics(lesson4["admitted"], lesson4["flagged"], lesson4["age_band"])
    assert young.loc["18-44", "tpr"] < 0.5  # "misses most admissions in the 18-44 band"
