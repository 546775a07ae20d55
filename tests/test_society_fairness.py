"""aimed.society.fairness: per-group metrics, calibration, equal-FNR thresholds."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from aimed.society import SocietyValueError, fairness

Y = np.array([1, 0, 1, 1, 0, 0, 1, 0])
P = np.array([1, 1, 0, 1, 0, 0, 0, 0])
G = np.array(["b", "b", "b", "a", "a", "a", "c", "c"])


def test_group_metrics_by_hand():
    table = fairness.group_metrics(Y, P, G)
    assert list(table.index) == ["a", "b", "c", "overall"]
    assert list(table.columns) == list(fairness.GROUP_METRICS)
    assert table.loc["a", "tpr"] == 1.0 and table.loc["a", "fpr"] == 0.0
    assert table.loc["b", "tpr"] == 0.5 and table.loc["b", "fpr"] == 1.0
    assert table.loc["b", "ppv"] == 0.5
    assert np.isnan(table.loc["c", "ppv"])  # nobody flagged in c
    assert table.loc["c", "fnr"] == 1.0
    assert table.loc["overall", "n"] == 8 and table["n"].dtype == np.int64
    assert table.loc["overall", "prevalence"] == 0.5
    np.testing.assert_allclose(table["tpr"] + table["fnr"], 1.0)


def test_group_metrics_without_overall_and_validation():
    assert "overall" not in fairness.group_metrics(Y, P, G, overall=False).index
    with pytest.raises(SocietyValueError, match="only 0 and 1"):
        fairness.group_metrics(Y * 2, P, G)
    with pytest.raises(ValueError, match="y_pred must have 8 values"):
        fairness.group_metrics(Y, P[:5], G)
    with pytest.raises(ValueError, match="missing values"):
        fairness.group_metrics(Y, P, np.array(["a", None, "b", "a", "a", "b", "c", "c"]))


def test_thresholds_for_equal_fnr_meet_the_target_and_are_the_highest():
    rng = np.random.default_rng(0)
    y = rng.random(3000) < 0.2
    groups = np.where(rng.random(3000) < 0.4, "young", "old")
    score = rng.normal(y * 1.0 + (groups == "old") * 0.5, 1.0)
    cuts = fairness.thresholds_for_equal_fnr(y, score, groups, max_fnr=0.3)
    assert set(cuts) == {"old", "young"}
    flagged = fairness.apply_group_thresholds(score, groups, cuts)
    table = fairness.group_metrics(y.astype(int), flagged, groups, overall=False)
    assert (table["fnr"] <= 0.3 + 1e-12).all()
    for group, cut in cuts.items():
        cases = np.sort(score[(groups == group) & y])
        higher = cases[cases > cut]
        if higher.size:  # the next higher threshold would miss too many
            cases_in_group = (groups == group) & y
            missed = ((score < higher[0]) & cases_in_group).sum() / cases_in_group.sum()
            assert missed > 0.3


def test_thresholds_validation():
    with pytest.raises(ValueError, match=r"max_fnr must be a number in \[0.0, 1.0\)"):
        fairness.thresholds_for_equal_fnr(Y, P.astype(float), G, max_fnr=1.0)
    with pytest.raises(ValueError, match="no patient with the condition"):
        fairness.thresholds_for_equal_fnr(np.array([1, 0, 0]), np.array([0.2, 0.3, 0.4]),
                                          np.array(["a", "b", "b"]), 0.2)
    with pytest.raises(ValueError, match="no value for the group"):
        fairness.apply_group_thresholds([0.1, 0.2], ["a", "b"], {"a": 0.1})


def test_calibration_by_group_and_percentiles():
    rng = np.random.default_rng(1)
    prob = rng.uniform(0, 0.6, 4000)
    y = (rng.random(4000) < prob).astype(int)
    groups = np.where(rng.random(4000) < 0.5, "F", "M")
    table = fairness.calibration_by_group(y, prob, groups, n_bins=4)
    assert list(table.columns) == ["group", "mean_predicted", "observed_rate", "n"]
    assert set(table["group"]) == {"F", "M"} and table["n"].sum() == 4000
    assert (abs(table["observed_rate"] - table["mean_predicted"]) < 0.06).all()
    pct = fairness.score_percentile([3.0, 1.0, 2.0, 2.0])
    np.testing.assert_allclose(pct, [100.0, 25.0, 62.5, 62.5])
    with pytest.raises(ValueError, match="n_bins"):
        fairness.calibration_by_group(y, prob, groups, n_bins=1)
    assert isinstance(pd.Series(pct), pd.Series)


def test_group_rates_ci_by_hand_and_wilson_bounds():
    table = fairness.group_rates_ci(Y, P, G)
    assert list(table.index) == ["a", "b", "c", "overall"]
    point = fairness.group_metrics(Y, P, G)
    for metric in ("tpr", "fpr", "ppv"):
        np.testing.assert_allclose(table[metric], point[metric], equal_nan=True)
        inside = table[metric].isna() | ((table[f"{metric}_low"] <= table[metric])
                                         & (table[metric] <= table[f"{metric}_high"]))
        assert inside.all()
    assert np.isnan(table.loc["c", "ppv_low"])  # nobody flagged in c
    # Wilson interval of 1 success in 2 at 95 %: 0.5 ± 0.5 * ... = (0.0945, 0.9055)
    assert table.loc["b", "tpr_low"] == pytest.approx(0.0945, abs=1e-4)
    assert table.loc["b", "tpr_high"] == pytest.approx(0.9055, abs=1e-4)
    assert table.loc["overall", "n"] == 8 and table["n"].dtype == np.int64
    wider = fairness.group_rates_ci(Y, P, G, level=0.99)
    assert (wider["tpr_high"] - wider["tpr_low"] >= table["tpr_high"] - table["tpr_low"]).all()
    assert "overall" not in fairness.group_rates_ci(Y, P, G, overall=False).index
    with pytest.raises(ValueError, match="level"):
        fairness.group_rates_ci(Y, P, G, level=1.0)
    with pytest.raises(ValueError, match="y_pred must have 8 values"):
        fairness.group_rates_ci(Y, P[:3], G)


def test_observed_expected_detects_under_prediction():
    rng = np.random.default_rng(2)
    n = 6000
    groups = np.where(rng.random(n) < 0.3, "B", "A")
    true_risk = rng.uniform(0.02, 0.4, n)
    y = (rng.random(n) < true_risk).astype(int)
    predicted = np.where(groups == "B", true_risk / 1.5, true_risk)  # B under-predicted
    table = fairness.observed_expected(y, predicted, groups)
    assert list(table.index) == ["A", "B"]
    assert table.loc["A", "o_e_low"] < 1 < table.loc["A", "o_e_high"]
    assert table.loc["B", "o_e_low"] > 1.3 and table.loc["B", "o_e"] == pytest.approx(1.5, abs=0.1)
    assert table.loc["B", "observed"] == y[groups == "B"].sum()
    assert table.loc["B", "expected"] == pytest.approx(predicted[groups == "B"].sum())
    band = fairness.observed_expected(y, predicted, groups, where=predicted >= 0.2)
    assert band["n"].sum() == (predicted >= 0.2).sum()
    assert (band["rate_low"] <= band["observed_rate"]).all()
    with pytest.raises(ValueError, match="True/False"):
        fairness.observed_expected(y, predicted, groups, where=[1, 0])
    with pytest.raises(ValueError, match="selects no patient"):
        fairness.observed_expected(y, predicted, groups, where=np.zeros(n, bool))
    with pytest.raises(ValueError, match="y_prob"):
        fairness.observed_expected(y, predicted * 10, groups)
