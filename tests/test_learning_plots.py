"""aimed.learning_plots: curves, fold diagrams and regression scatter."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import pytest

from aimed import learning_plots as lp


@pytest.fixture(autouse=True)
def _close():
    yield
    plt.close("all")


def test_train_test_curve_plots_fold_means():
    x = np.array([1, 2, 3])
    train = np.array([[0.9, 1.0], [0.95, 0.97], [1.0, 1.0]])
    test = np.array([[0.8, 0.9], [0.85, 0.87], [0.8, 0.82]])
    ax = lp.plot_train_test_curve(x, train, test, title="t", xlabel="Depth (levels)",
                                  ylabel="Accuracy (%)")
    np.testing.assert_allclose(ax.lines[0].get_ydata(), train.mean(axis=1))
    np.testing.assert_allclose(ax.lines[1].get_ydata(), test.mean(axis=1))
    assert len(ax.collections) == 2  # one ±SD band per curve
    assert ax.get_xlabel() == "Depth (levels)"


def test_train_test_curve_accepts_one_score_per_x_without_bands():
    ax = lp.plot_train_test_curve([1, 2], [0.1, 0.2], [0.3, 0.4], title="t", xlabel="x",
                                  ylabel="y")
    assert len(ax.collections) == 0


@pytest.mark.parametrize(("x", "train"), [([1], [0.1]), ([1, 2], [0.1, 0.2, 0.3]),
                                          ([1, 2], [0.1, np.nan])])
def test_train_test_curve_validates_shapes(x, train):
    with pytest.raises(ValueError, match="x must|train_scores"):
        lp.plot_train_test_curve(x, train, train, title="t", xlabel="x", ylabel="y")


def test_cv_folds_hold_out_each_block_once():
    ax = lp.plot_cv_folds(4)
    held = [p for p in ax.patches if p.get_width() > 0 and p.get_alpha() == 1.0]
    assert len(held) == 4
    assert sorted(round(p.get_x(), 6) for p in held) == [0.0, 0.25, 0.5, 0.75]
    with pytest.raises(ValueError, match="n_splits"):
        lp.plot_cv_folds(1)
    with pytest.raises(ValueError, match="n_splits"):
        lp.plot_cv_folds(True)


def test_predicted_vs_observed_labels_units_and_identity_line():
    ax = lp.plot_predicted_vs_observed([1.0, 2.0, 3.0], [1.5, 2.0, 2.5], title="t",
                                       unit="score (points)")
    assert ax.get_xlabel() == "Observed score (points)"
    diagonal = ax.lines[0]
    assert list(diagonal.get_xdata()) == list(diagonal.get_ydata())
    with pytest.raises(ValueError, match="same length"):
        lp.plot_predicted_vs_observed([1.0, 2.0], [1.0], title="t", unit="u")
