"""aimed.society.regulation: Rule 11, AI Act status and dates, model card; and the datasets."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from aimed import data
from aimed.society import SocietyValueError, regulation


@pytest.mark.parametrize(("args", "kwargs", "expected"), [
    (("decision", "death or irreversible"), {}, "III"),
    (("decision", "serious or surgery"), {}, "IIb"),
    (("decision", "other"), {}, "IIa"),
    (("monitoring",), {"vital_immediate_danger": True}, "IIb"),
    (("monitoring",), {}, "IIa"),
    (("other medical",), {}, "I"),
    (("no medical purpose",), {}, "not a medical device"),
])
def test_rule11(args, kwargs, expected):
    assert regulation.mdr_rule11_class(*args, **kwargs) == expected


def test_scenarios_are_consistent_with_the_rules():
    for scenario in regulation.SCENARIOS.values():
        cls = regulation.mdr_rule11_class(scenario["purpose"], scenario["impact"],
                                          vital_immediate_danger=scenario["vital_immediate_danger"])
        assert cls == scenario["mdr_class"]
        assert regulation.ai_act_high_risk(cls) == scenario["high_risk"]


def test_ai_act_high_risk_routes():
    assert not regulation.ai_act_high_risk("I")
    assert regulation.ai_act_high_risk("I", annex_iii_use=True)
    assert regulation.ai_act_high_risk("IIa")
    with pytest.raises(SocietyValueError, match="mdr_class must be one of"):
        regulation.ai_act_high_risk("IV")
    with pytest.raises(SocietyValueError, match="purpose must be one of"):
        regulation.mdr_rule11_class("diagnosis")


def test_timeline_dates_match_article_113_and_the_omnibus():
    table = regulation.ai_act_timeline()
    by_short = table.set_index("short")
    assert by_short.loc["entry into force", "original"] == pd.Timestamp("2024-08-01")
    assert by_short.loc["prohibitions, AI literacy", "original"] == pd.Timestamp("2025-02-02")
    devices = by_short.loc["high-risk: AI medical devices, Art. 6(1)"]
    assert devices["original"] == pd.Timestamp("2027-08-02")
    assert devices["amended"] == pd.Timestamp("2028-08-02")
    annex3 = by_short.loc["high-risk: Annex III uses (e.g. triage)"]
    assert (annex3["original"], annex3["amended"]) == (pd.Timestamp("2026-08-02"),
                                                      pd.Timestamp("2027-12-02"))
    # every row says where it comes from and as of when
    assert table["source"].str.len().gt(20).all() and table["as_of"].notna().all()
    assert all(isinstance(row["as_of"], dt.date) for row in regulation.AI_ACT_TIMELINE)
    assert len(regulation.ART14_OVERSIGHT) == 5


def test_model_card_refuses_to_render_when_incomplete():
    card = regulation.ModelCard(model_details="m", intended_use="u")
    assert "human_oversight" in card.missing_sections()
    with pytest.raises(SocietyValueError, match="not finished"):
        card.to_markdown()
    texts = {name: "text" for name in regulation.ModelCard.__dataclass_fields__
             if name not in ("quantitative_analyses", "extra")}
    full = regulation.ModelCard(**texts,
                                quantitative_analyses=pd.DataFrame({"tpr": [0.5]}, index=["F"]))
    text = full.to_markdown()
    assert "## Human oversight" in text and "| F | 0.5 |" in text


def test_care_management_reproduces_label_choice_bias():
    from sklearn.linear_model import LinearRegression

    from aimed.society import fairness

    table = data.load("care-management", n_patients=20000, seed=7)
    means = table.groupby("group")["chronic_conditions"].mean()
    assert abs(means["A"] - 1.20) < 0.1 and abs(means["B"] - 1.90) < 0.1  # Obermeyer Table 1
    X = table[["age", "prior_visits", "coded_conditions", "prior_cost"]]
    score = LinearRegression().fit(X, table["cost"]).predict(X)
    pct = fairness.score_percentile(score)
    bins = pd.cut(pct, [0, 25, 50, 75, 97, 100])
    need = table.groupby([bins, "group"], observed=True)["chronic_conditions"].mean().unstack()
    assert (need["B"] > need["A"]).all()  # sicker at the same score, in every band


def test_generators_are_seeded_and_validated():
    for name in ("care-management", "patient-registry", "screening-reads"):
        pd.testing.assert_frame_equal(data.load(name), data.load(name))
    assert not data.load("screening-reads", seed=1).equals(data.load("screening-reads", seed=2))
    with pytest.raises(ValueError, match="n_patients"):
        data.load("care-management", n_patients=10)
    with pytest.raises(ValueError, match="prevalence"):
        data.load("screening-reads", prevalence=0.9)


def test_screening_reader_matches_lehman_2017():
    reads = data.load("screening-reads", n_cases=200_000, seed=3)
    cancer = reads["cancer"] == 1
    assert abs(reads.loc[cancer, "reader"].mean() - 0.869) < 0.01
    assert abs(1 - reads.loc[~cancer, "reader"].mean() - 0.889) < 0.005
    # the AI score is calibrated: mean predicted equals observed prevalence per decile
    deciles = pd.qcut(reads["ai_score"], 10, duplicates="drop")
    grouped = reads.groupby(deciles, observed=True)
    assert np.allclose(grouped["ai_score"].mean(), grouped["cancer"].mean(), atol=0.02)


def test_registry_columns_and_childbirth_women_only():
    reg = data.load("patient-registry")
    assert list(reg.columns) == ["record_id", "age", "sex", "postcode", "admission_date",
                                 "length_of_stay", "diagnosis"]
    assert (reg.loc[reg["diagnosis"] == "childbirth", "sex"] == "F").all()
    assert reg["postcode"].str.len().eq(5).all() and reg["age"].between(18, 100).all()
    assert reg["admission_date"].dt.year.eq(2025).all()
