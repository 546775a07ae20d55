"""aimed.epistemics.uncertainty: calibration summaries, intercept shift, abstention, PPV."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import pytest
from scipy.special import expit, logit
from sklearn.metrics import roc_auc_score

from aimed.epistemics import uncertainty as unc


@pytest.fixture(scope="module")
def calibrated():
    rng = np.random.default_rng(1)
    p = rng.beta(1, 6, 20000)
    y = (rng.random(p.size) < p).astype(int)
    return y, p


def test_performance_summary_of_a_calibrated_and_a_shifted_model(calibrated):
    y, p = calibrated
    good = unc.performance_summary(y, p)
    assert good["observed_expected"] == pytest.approx(1.0, abs=0.03)
    assert good["brier"] == pytest.approx(np.mean((p - y) ** 2))
    too_low = unc.performance_summary(y, expit(logit(p) - 1.0))
    assert too_low["observed_expected"] > 1.5
    assert too_low["auroc"] == pytest.approx(good["auroc"])
    assert too_low["brier"] > good["brier"]


def test_intercept_shift_recovers_a_known_shift(calibrated):
    y, p = calibrated
    shifted = expit(logit(p) - 0.8)
    a = unc.intercept_shift(y, shifted)
    fixed = unc.apply_intercept_shift(shifted, a)
    assert fixed.mean() == pytest.approx(y.mean(), abs=1e-9)
    assert a == pytest.approx(0.8, abs=0.06)
    assert roc_auc_score(y, fixed) == pytest.approx(roc_auc_score(y, shifted))
    assert unc.intercept_shift([0, 1, 0, 1], [0.5] * 4) == pytest.approx(0.0, abs=1e-9)
    assert unc.intercept_shift([1, 0, 0, 0], [0.999, 0.999, 0.999, 0.999]) < -5  # brackets widen


def test_intercept_shift_validates():
    with pytest.raises(ValueError, match="both 0 and 1"):
        unc.intercept_shift([0, 0, 0], [0.2, 0.3, 0.4])
    with pytest.raises(ValueError, match="strictly between 0 and 1"):
        unc.intercept_shift([0, 1], [0.0, 0.5])
    with pytest.raises(ValueError, match="0/1"):
        unc.intercept_shift([0, 2], [0.1, 0.5])
    with pytest.raises(ValueError, match="y_prob must have 2"):
        unc.intercept_shift([0, 1], [0.1, 0.5, 0.2])
    with pytest.raises(ValueError, match="shift"):
        unc.apply_intercept_shift([0.5], float("inf"))


def test_abstention_raises_accuracy_on_decided_cases(calibrated):
    y, p = calibrated
    curve = unc.abstention_curve(y, p, threshold=0.2, coverages=[1.0, 0.8, 0.5])
    assert curve["coverage"].tolist() == [1.0, 0.8, 0.5]
    assert curve["referred"].tolist() == [0, 4000, 10000]
    assert curve["accuracy"].is_monotonic_increasing
    decided = p >= 0.2
    assert curve.loc[0, "accuracy"] == pytest.approx(np.mean(decided == y))
    with pytest.raises(ValueError, match="coverages"):
        unc.abstention_curve(y, p, threshold=0.2, coverages=[0.0])
    with pytest.raises(ValueError, match="threshold"):
        unc.abstention_curve(y, p, threshold=1.0)


def test_plots(calibrated):
    y, p = calibrated
    ax = unc.plot_reliability(y, p, label="model")
    unc.plot_reliability(y, expit(logit(p) + 1), label="shifted", ax=ax, colour_index=1)
    assert sum(line.get_gid() == "diagonal" for line in ax.get_lines()) == 1
    assert "(%)" in ax.get_xlabel() and "(%)" in ax.get_ylabel()
    ax = unc.plot_ppv_by_prevalence(0.7, 0.9, marks={"ward": 0.02})
    marker = next(line for line in ax.get_lines() if len(line.get_xdata()) == 1)
    assert marker.get_ydata()[0] == pytest.approx(100 * 0.7 * 0.02 / (0.7 * 0.02 + 0.1 * 0.98))
    with pytest.raises(ValueError, match="sensitivity"):
        unc.plot_ppv_by_prevalence(1.2, 0.9)
    ax = unc.plot_abstention(unc.abstention_curve(y, p, threshold=0.2))
    assert ax.xaxis_inverted()
    plt.close("all")


def test_recalibrate_recovers_a_known_intercept_and_slope(calibrated):
    """Distort true risks by a known (a, b) on the logit scale; recalibration undoes it."""
    y, p = calibrated
    distorted = expit((logit(p) - 0.5) / 0.6)  # too extreme (slope 0.6 undoes it) and shifted
    fit = unc.recalibrate(y, distorted, method="logistic")
    assert isinstance(fit, unc.Recalibration) and fit.method == "logistic" and fit.n == y.size
    assert fit.slope == pytest.approx(0.6, abs=0.03)
    assert fit.intercept == pytest.approx(0.5, abs=0.06)
    fixed = fit.apply(distorted)
    assert np.abs(logit(fixed) - logit(p)).mean() < 0.1
    assert roc_auc_score(y, fixed) == pytest.approx(roc_auc_score(y, distorted))
    # The maximum-likelihood score equations hold: mean and logit-weighted mean match.
    x = logit(distorted)
    assert np.mean(y - fixed) == pytest.approx(0.0, abs=1e-9)
    assert np.mean((y - fixed) * x) == pytest.approx(0.0, abs=1e-8)


def test_recalibrate_intercept_matches_intercept_shift_and_keeps_slope_one(calibrated):
    y, p = calibrated
    shifted = expit(logit(p) + 1.2)
    fit = unc.recalibrate(y, shifted)
    assert fit.method == "intercept" and fit.slope == 1.0
    assert fit.intercept == pytest.approx(unc.intercept_shift(y, shifted))
    assert fit(shifted).mean() == pytest.approx(y.mean(), abs=1e-9)
    expected = unc.apply_intercept_shift(shifted, fit.intercept)
    np.testing.assert_allclose(fit.apply(shifted), expected)


def test_recalibrate_logistic_matches_an_unpenalised_logistic_regression(calibrated):
    from sklearn.linear_model import LogisticRegression

    y, p = calibrated
    x = logit(np.clip(p * 1.3, 1e-6, 1 - 1e-6))
    fit = unc.recalibrate(y, expit(x), method="logistic")
    reference = LogisticRegression(C=np.inf, tol=1e-10, max_iter=10_000).fit(x[:, None], y)
    assert fit.slope == pytest.approx(reference.coef_[0][0], abs=1e-4)
    assert fit.intercept == pytest.approx(reference.intercept_[0], abs=1e-4)


def test_recalibrate_validates_inputs(calibrated):
    y, p = calibrated
    with pytest.raises(ValueError, match="method"):
        unc.recalibrate(y, p, method="isotonic")
    with pytest.raises(ValueError, match="both 0 and 1"):
        unc.recalibrate(np.zeros(10, int), np.full(10, 0.2), method="logistic")
    with pytest.raises(ValueError, match="strictly between 0 and 1"):
        unc.recalibrate([0, 1], [0.0, 0.5])
    with pytest.raises(ValueError):
        unc.recalibrate(y[:10], p[:11])
    with pytest.raises(ValueError, match="did not converge"):
        unc.recalibrate([0, 0, 1, 1], [0.1, 0.2, 0.8, 0.9], method="logistic")  # separated
    fit = unc.recalibrate(y, p, method="logistic")
    with pytest.raises(ValueError, match="strictly between 0 and 1"):
        fit.apply([1.0])
