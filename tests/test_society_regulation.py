"""aimed.society.regulation: Rule 11, AI Act status and dates, model card; and the datasets."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from aimed import data
from aimed.society import SocietyValueError, regulation


@pytest.mark.parametrize(("args", "kwargs", "expected"), [
    (("decision", "death or irreversible"), {}, ("III", "decision: death or irreversible")),
    (("decision", "serious or surgery"), {}, ("IIb", "decision: serious or surgery")),
    (("decision", "other"), {}, ("IIa", "decision: other")),
    (("monitoring",), {"vital_immediate_danger": True},
     ("IIb", "monitoring: vital, immediate danger")),
    (("monitoring",), {}, ("IIa", "monitoring: other")),
    (("other",), {}, ("I", "other MDSW")),
])
def test_rule11_follows_annex_viii(args, kwargs, expected):
    assert regulation.mdr_rule11_class(*args, **kwargs) == expected


def test_qualification_comes_before_rule11_in_mdcg_order():
    q = regulation.qualify_software
    # step 3 decides first: software that only stores or shows readings is not MDSW
    assert q(acts_on_data=False, individual_patients=True, medical_purpose=True) == (
        False, "not MDSW: only stores, communicates or displays")
    assert q(acts_on_data=True, individual_patients=False, medical_purpose=True) == (
        False, "not MDSW: not for individual patients")
    assert q(acts_on_data=True, individual_patients=True, medical_purpose=False) == (
        False, "not MDSW: no medical purpose")
    assert q(acts_on_data=True, individual_patients=True, medical_purpose=True) == (True, "MDSW")
    with pytest.raises(SocietyValueError, match="acts_on_data must be one of"):
        q(acts_on_data=1, individual_patients=True, medical_purpose=True)
    assert len(regulation.MDCG_STEPS) == 5
    assert set(regulation.BRANCHES) >= {b for _, b in map(regulation.classify_software,
                                                          regulation.SCENARIOS)}


def test_the_four_practice_products():
    got = {name: regulation.classify_software(name) for name in regulation.SCENARIOS}
    assert got == {
        "stroke-ct": ("III", "decision: death or irreversible"),
        "icu-monitor": ("IIb", "monitoring: vital, immediate danger"),
        "home-bp": ("not a medical device", "not MDSW: only stores, communicates or displays"),
        "bed-planning": ("not a medical device", "not MDSW: not for individual patients"),
    }
    high = {name: regulation.ai_act_high_risk(got[name][0], ai_system=s["ai_system"],
                                              annex_iii_use=s["annex_iii_use"])
            for name, s in regulation.SCENARIOS.items()}
    assert high == {"stroke-ct": True, "icu-monitor": True, "home-bp": False,
                    "bed-planning": False}
    with pytest.raises(SocietyValueError, match="name must be one of"):
        regulation.classify_software("pacemaker")


def test_ai_act_high_risk_needs_an_ai_system_first():
    assert not regulation.ai_act_high_risk("III", ai_system=False)
    assert not regulation.ai_act_high_risk("I", ai_system=False, annex_iii_use=True)
    assert not regulation.ai_act_high_risk("I", ai_system=True)
    assert regulation.ai_act_high_risk("I", ai_system=True, annex_iii_use=True)
    assert regulation.ai_act_high_risk("IIa", ai_system=True)
    assert not regulation.ai_act_high_risk("not a medical device", ai_system=True)
    with pytest.raises(SocietyValueError, match="mdr_class must be one of"):
        regulation.ai_act_high_risk("IV", ai_system=True)
    with pytest.raises(SocietyValueError, match="ai_system must be one of"):
        regulation.ai_act_high_risk("IIa", ai_system="yes")
    with pytest.raises(SocietyValueError, match="purpose must be one of"):
        regulation.mdr_rule11_class("diagnosis")


def test_timeline_matches_article_113_as_amended():
    law = regulation.ai_act_timeline("law").set_index("short")["date"].dt.date
    assert law["entry into force"] == dt.date(2024, 8, 1)
    assert law["prohibitions, AI literacy"] == dt.date(2025, 2, 2)
    assert law["GPAI, governance, penalties"] == dt.date(2025, 8, 2)
    assert law["general application"] == dt.date(2026, 8, 2)
    assert law["new prohibitions"] == dt.date(2026, 12, 2)
    assert regulation.high_risk_date("annex III") == dt.date(2027, 12, 2)
    assert regulation.high_risk_date("annex I") == dt.date(2028, 8, 2)
    old = regulation.ai_act_timeline("superseded")["date"].dt.date.tolist()
    assert old == [dt.date(2026, 8, 2), dt.date(2027, 8, 2)]  # the 2024 text, replaced
    with pytest.raises(SocietyValueError, match="route must be one of"):
        regulation.high_risk_date("annex II")
    with pytest.raises(SocietyValueError, match="status must be one of"):
        regulation.ai_act_timeline("in force")


def test_every_entry_has_a_status_a_primary_source_and_its_date():
    table = regulation.ai_act_timeline()
    assert set(table["status"]) == set(regulation.STATUSES)
    assert table["source"].str.contains(r"Regulation \(EU\)|COM\(2025\) 836").all()
    assert not table["source"].str.contains("newsletter|Heuking|LLP", case=False).any()
    assert (table["source_date"] <= pd.Timestamp(regulation.CHECKED_ON)).all()
    # an entry from the amending act cannot be older than its publication
    omnibus = table["source"].str.contains("2026/1744")
    assert (table.loc[omnibus, "source_date"] >= pd.Timestamp("2026-07-24")).all()
    # nothing proposed is presented as law
    proposed = table[table["status"] == "proposed"]
    assert proposed["source"].str.contains("COM\\(2025\\) 836").all()
    assert all(isinstance(e["date"], dt.date) for e in regulation.AI_ACT_TIMELINE)


def test_in_application_on_the_day_of_checking():
    now = set(regulation.in_application(regulation.CHECKED_ON)["short"])
    assert {"general application", "new prohibitions"} <= now
    assert not any(short.startswith("high-risk") for short in now)
    later = set(regulation.in_application(dt.date(2028, 8, 2))["short"])
    assert "high-risk, Annex I (e.g. MDR devices)" in later
    with pytest.raises(SocietyValueError, match="day must be"):
        regulation.in_application("2026-12-02")


def test_omnibus_procedure_keeps_each_step_distinct_and_in_order():
    steps = regulation.omnibus_procedure()
    assert list(steps["step"]) == ["proposal", "Council mandate", "Parliament position",
                                   "provisional agreement", "Parliament adoption",
                                   "Council adoption", "signature", "publication",
                                   "entry into force"]
    assert steps["date"].is_monotonic_increasing
    by_step = steps.set_index("step")
    assert (by_step.loc["entry into force", "date"] - by_step.loc["publication", "date"]
            == pd.Timedelta(days=3))
    assert by_step.loc["publication", "date"] == pd.Timestamp("2026-07-24")
    # no source predates the event it reports (the OJ fixes the later entry into force)
    past = steps[steps["step"] != "entry into force"]
    assert (past["source_date"] >= past["date"]).all()
    assert steps["confirmed"].dtype == bool and steps["source"].str.len().gt(20).all()


def test_responsibilities_name_the_law_for_each_role():
    roles = {r["who"] for r in regulation.RESPONSIBILITIES}
    assert {"provider (AI Act)", "deployer (AI Act), e.g. the hospital", "clinician"} <= roles
    sources = " ".join(r["source"] for r in regulation.RESPONSIBILITIES)
    for article in ("Art. 14", "Art. 16 and 17", "Art. 26(1), (2)", "Art. 10", "2024/2853"):
        assert article in sources
    clinician = [r for r in regulation.RESPONSIBILITIES if r["who"] == "clinician"]
    assert clinician[0]["source"] == "national law of the member state"
    assert len(regulation.ART14_OVERSIGHT) == 5


def test_model_card_refuses_to_render_when_incomplete(monkeypatch):
    monkeypatch.setenv("AIMED_LANG", "en")  # the section headings come from the catalogue
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


# ------------------------------------------------------------------ the French learner


def test_a_french_learner_reads_the_qualification_and_classes_in_french(monkeypatch):
    monkeypatch.setenv("AIMED_LANG", "en")
    english = {name: regulation.classify_software(name) for name in regulation.SCENARIOS}
    english_steps = tuple(regulation.MDCG_STEPS)
    monkeypatch.setenv("AIMED_LANG", "fr")
    steps = tuple(regulation.MDCG_STEPS)
    assert len(steps) == 5 and steps != english_steps
    assert all(step.startswith(f"{i}. ") for i, step in enumerate(steps, start=1))
    assert all(step.endswith("Sinon : pas un MDSW.") for step in steps[2:])
    got = {name: regulation.classify_software(name) for name in regulation.SCENARIOS}
    assert got == {
        "stroke-ct": ("III", "décision : mort ou détérioration irréversible"),
        "icu-monitor": ("IIb", "contrôle : paramètres vitaux, danger immédiat"),
        "home-bp": ("pas un dispositif médical",
                    "pas un MDSW : ne fait que stocker, communiquer ou afficher"),
        "bed-planning": ("pas un dispositif médical",
                         "pas un MDSW : pas au bénéfice de patients individuels"),
    }
    assert {b for _, b in got.values()} <= set(regulation.BRANCHES)
    assert len(set(regulation.BRANCHES)) == len(regulation.BRANCHES) == 9
    assert "pas un dispositif médical" in regulation.MDR_RULE11_CLASSES
    assert regulation.qualify_software(acts_on_data=True, individual_patients=True,
                                       medical_purpose=False) == (
        False, "pas un MDSW : pas de fin médicale")
    assert regulation.mdr_rule11_class("decision", "serious or surgery") == (
        "IIb", "décision : détérioration grave ou chirurgie")
    # the class in either language gives the same answer under the AI Act
    for name, s in regulation.SCENARIOS.items():
        for mdr_class in (got[name][0], english[name][0]):
            assert regulation.ai_act_high_risk(mdr_class, ai_system=s["ai_system"],
                                               annex_iii_use=s["annex_iii_use"]) is (
                name in ("stroke-ct", "icu-monitor"))
    with pytest.raises(SocietyValueError, match="mdr_class doit être"):
        regulation.ai_act_high_risk("IV", ai_system=True)
    for s in regulation.SCENARIOS.values():
        assert isinstance(s["ai_system"], bool)
        words = set(s["description"].split()) | set(s["why"].split())
        assert not words & {"the", "that", "and", "of", "for", "it"}, words
    assert regulation.SCENARIOS["stroke-ct"]["description"].startswith(
        "Un modèle d'apprentissage profond")


def test_a_french_learner_reads_the_timeline_and_procedure_in_french(monkeypatch):
    monkeypatch.setenv("AIMED_LANG", "en")
    english = regulation.ai_act_timeline()
    english_steps = regulation.omnibus_procedure()
    monkeypatch.setenv("AIMED_LANG", "fr")
    table = regulation.ai_act_timeline()
    # the same entries, dates and order; only the texts change
    pd.testing.assert_series_equal(table["date"], english["date"])
    pd.testing.assert_series_equal(table["source_date"], english["source_date"])
    assert list(table.columns) == list(english.columns)
    assert set(table["status"]) == {"en vigueur", "remplacé", "proposé"}
    assert (table["status"] == "en vigueur").sum() == (english["status"] == "law").sum()
    assert table.loc[0, "short"] == "entrée en vigueur"
    assert not table["provision"].str.contains(r"Chapter|Art\.|Annex|high-risk").any()
    assert table["source"].str.contains(r"Règlement \(UE\)|COM\(2025\) 836").all()
    assert not table["source"].str.contains(r"Regulation \(EU\)|OJ L|replaced").any()
    assert (table["short"] == english["short"]).sum() == 0
    law = regulation.ai_act_timeline("law")
    assert "nouvelles interdictions" in set(regulation.in_application(regulation.CHECKED_ON)
                                            ["short"])
    assert regulation.high_risk_date("annex I") == dt.date(2028, 8, 2)  # codes stay English
    # the plot's tick labels and the table's short names are the same texts
    assert set(law["short"]) == {regulation._short_label(s) for s in english.loc[
        english["status"] == "law", "short"]}
    steps = regulation.omnibus_procedure()
    pd.testing.assert_series_equal(steps["date"], english_steps["date"])
    assert steps["step"].iloc[0] == "proposition" and steps["step"].iloc[-1] == "entrée en vigueur"
    assert steps["source"].str.contains("Conseil de l'UE|Règlement|Commission européenne|"
                                        "Parlement européen").all()
    # titles of the Council's press releases are cited as published
    assert steps["source"].str.contains("'Artificial intelligence: Council agrees").any()
    assert set(regulation.STATUSES) == {"law", "superseded", "proposed"}
    assert "non adopté" in regulation.STATUSES["proposed"]
    related = list(regulation.RELATED_DATES)
    assert related[0]["what"] == "le MDR s'applique" and related[-1]["source"] == "aimed"


def test_a_french_learner_reads_duties_and_oversight_in_french(monkeypatch):
    monkeypatch.setenv("AIMED_LANG", "fr")
    table = pd.DataFrame(list(regulation.RESPONSIBILITIES)).set_index("who")
    assert list(table.index) == [
        "fournisseur (règlement sur l'IA)", "fournisseur (règlement sur l'IA)",
        "déployeur (règlement sur l'IA), p. ex. l'hôpital", "fabricant (MDR)",
        "fabricant (responsabilité du fait des produits)", "clinicien"]
    assert table.loc["clinicien", "source"] == "droit national de l'État membre"
    assert "contrôle humain" in table.iloc[2]["duty"]
    abilities = list(regulation.ART14_OVERSIGHT)
    assert len(abilities) == 5 and "biais d'automatisation" in abilities[1]
    assert regulation.ART14_OVERSIGHT[0] == abilities[0]
    assert regulation.ART14_OVERSIGHT[:2] == tuple(abilities[:2])


def test_switching_language_leaves_the_english_unchanged(monkeypatch):
    monkeypatch.setenv("AIMED_LANG", "en")
    before = (regulation.ai_act_timeline(), regulation.omnibus_procedure(),
              repr(regulation.SCENARIOS), repr(regulation.RESPONSIBILITIES),
              repr(regulation.BRANCHES), repr(regulation.MDCG_STEPS))
    monkeypatch.setenv("AIMED_LANG", "fr")
    regulation.ai_act_timeline(), repr(regulation.SCENARIOS)
    monkeypatch.setenv("AIMED_LANG", "en")
    pd.testing.assert_frame_equal(regulation.ai_act_timeline(), before[0])
    pd.testing.assert_frame_equal(regulation.omnibus_procedure(), before[1])
    assert (repr(regulation.SCENARIOS), repr(regulation.RESPONSIBILITIES),
            repr(regulation.BRANCHES), repr(regulation.MDCG_STEPS)) == before[2:]
    assert regulation.MDCG_STEPS[0].startswith("1. Is the product software")
    assert regulation.BRANCHES == tuple(regulation.BRANCHES)
    assert regulation.STATUSES["law"].startswith("in the text in force")


def test_model_card_table_headers_in_french_and_unchanged_in_english(monkeypatch):
    texts = {name: "text" for name in regulation.ModelCard.__dataclass_fields__
             if name not in ("quantitative_analyses", "extra")}
    table = pd.DataFrame({"n": [10, 20], "tpr": [0.5, 0.25], "ppv": [0.75, 0.5]},
                         index=pd.Index(["F", "overall"], name="group"))
    card = regulation.ModelCard(**texts, quantitative_analyses=table)
    monkeypatch.setenv("AIMED_LANG", "en")
    assert "| group | n | tpr | ppv |\n|---|---|---|---|\n| F | 10 | 0.5 | 0.75 |\n" \
           "| overall | 20 | 0.25 | 0.5 |" in card.to_markdown()
    monkeypatch.setenv("AIMED_LANG", "fr")
    assert "| groupe | n | Sensibilité (TPR) | VPP |" in card.to_markdown()
    assert "| ensemble | 20 | 0.25 | 0.5 |" in card.to_markdown()
