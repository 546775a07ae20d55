"""aimed.survival and the ncctg-lung dataset: censoring, Kaplan-Meier, Cox read aloud."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import pytest
from lifelines import CoxPHFitter

from aimed import data, survival


@pytest.fixture(autouse=True)
def _close():
    yield
    plt.close("all")


@pytest.fixture(scope="module")
def lung():
    return data.load("ncctg-lung")


def test_lung_cohort_matches_the_published_table(lung):
    # R survival::lung: 228 patients, 165 deaths, 138 men and 90 women
    assert lung.shape == (228, 10)
    assert int(lung["died"].sum()) == 165
    assert lung["sex"].value_counts().to_dict() == {"male": 138, "female": 90}
    assert lung["time_days"].between(1, 1100).all()
    assert set(lung["ecog"].dropna().unique()) <= {0, 1, 2, 3}
    assert lung.isna().sum().sum() > 0  # missing answers are kept, not dropped


def test_survival_summary_medians_match_the_r_survival_package(lung):
    summary = survival.survival_summary(lung.time_days, lung.died, lung.sex).set_index("group")
    # survfit(Surv(time, status) ~ sex, data = lung): medians 270 (men) and 426 (women) days
    assert summary.loc["male", "median_time"] == 270
    assert summary.loc["female", "median_time"] == 426
    assert summary["patients"].sum() == 228
    assert (summary["events"] + summary["censored"] == summary["patients"]).all()


def test_median_is_infinite_when_the_curve_never_reaches_half():
    summary = survival.survival_summary([5, 6, 7, 8], [1, 0, 0, 0])
    assert summary.loc[0, "median_time"] == np.inf


@pytest.mark.parametrize(("time", "event", "match"), [
    ([1, -2], [1, 0], "time"), ([1, np.nan], [1, 0], "time"), ([1, 2], [1, 2], "event"),
    ([1, 2], [1], "shape"), ([], [], "non-empty")])
def test_survival_inputs_are_validated(time, event, match):
    with pytest.raises(ValueError, match=match):
        survival.survival_summary(time, event)


def test_group_labels_must_be_complete():
    with pytest.raises(ValueError, match="missing labels"):
        survival.survival_summary([1, 2, 3], [1, 0, 1], ["a", None, "b"])


def test_km_plot_counts_patients_at_risk(lung):
    ax = survival.plot_km(lung.time_days, lung.died, lung.sex, at_risk_at=[0, 200, 400])
    table = ax.figure.axes[-1]
    counts = [int(t.get_text()) for t in table.texts]
    men, women = lung[lung.sex == "male"], lung[lung.sex == "female"]
    expected = [int((men.time_days >= d).sum()) for d in (0, 200, 400)] + \
        [int((women.time_days >= d).sum()) for d in (0, 200, 400)]
    assert counts == expected
    assert ax.get_title() and "(days)" in ax.get_xlabel()


def test_follow_up_marks_events_and_censoring():
    ax = survival.plot_follow_up([3, 5, 2], [1, 0, 1], entry=[0, 1, 4], study_end=6)
    events, censored = ax.lines[0], ax.lines[1]
    assert list(events.get_xdata()) == [3, 6]
    assert list(censored.get_xdata()) == [6]
    with pytest.raises(ValueError, match="entry"):
        survival.plot_follow_up([3, 5], [1, 0], entry=[0])


def test_hazard_ratio_table_is_exp_coef(lung):
    complete = lung[["time_days", "died", "age", "ecog"]].dropna()
    cph = CoxPHFitter().fit(complete, "time_days", "died")
    table = survival.hazard_ratio_table(cph)
    np.testing.assert_allclose(table["hazard_ratio"], np.exp(cph.params_))
    assert (table["lower_95"] < table["hazard_ratio"]).all()
    assert (table["hazard_ratio"] < table["upper_95"]).all()
    with pytest.raises(ValueError, match="fitted"):
        survival.hazard_ratio_table(CoxPHFitter())


def test_say_hazard_ratio_reads_direction_size_and_uncertainty():
    higher = survival.say_hazard_ratio(1.59, 1.27, 1.99, per="each extra ECOG point",
                                       event="death")
    assert "59 % higher" in higher and "includes 1" not in higher
    lower = survival.say_hazard_ratio(0.58, 0.41, 0.80, per="being a woman", event="death")
    assert "42 % lower" in lower
    unsure = survival.say_hazard_ratio(1.01, 0.99, 1.03, per="each year of age", event="death")
    assert "1 % higher" in unsure and "includes 1" in unsure
    same = survival.say_hazard_ratio(1.0, 0.9, 1.1, per="x", event="death")
    assert "about the same" in same


def test_say_hazard_ratio_in_french(monkeypatch):
    monkeypatch.setenv("AIMED_LANG", "fr")
    text = survival.say_hazard_ratio(0.5, 0.3, 0.8, per="le traitement", event="rechute")
    assert "plus faible de 50 %" in text


@pytest.mark.parametrize(("args", "match"), [((0.0, 0.1, 1.0), "hazard_ratio"),
                                             ((1.5, 1.6, 2.0), "lower <="),
                                             ((1.0, float("nan"), 2.0), "lower")])
def test_say_hazard_ratio_validates(args, match):
    with pytest.raises(ValueError, match=match):
        survival.say_hazard_ratio(*args, per="x", event="death")
    with pytest.raises(ValueError, match="per"):
        survival.say_hazard_ratio(1.0, 0.5, 2.0, per=" ", event="death")
