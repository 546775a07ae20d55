"""aimed.diagnostics_plots: the figures show the numbers they claim, and bad input is refused."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import pytest
from sklearn.metrics import roc_auc_score

from aimed import diagnostics_plots as dp
from aimed import evaluate


@pytest.fixture(autouse=True)
def _close():
    yield
    plt.close("all")


@pytest.fixture
def scored():
    rng = np.random.default_rng(7)
    y = rng.integers(0, 2, 200)
    score = np.clip(0.35 * y + rng.normal(0.35, 0.2, 200), 0, 1)
    return y, score


def _texts(ax):
    return [text.get_text() for text in ax.texts]


def test_confusion_shows_each_count_in_its_cell():
    counts = {"tp": 60, "fp": 4, "tn": 103, "fn": 7}
    ax = dp.plot_confusion(counts, classes=("malignant", "benign"))
    texts = _texts(ax)
    assert texts == ["True positive\n60", "False positive\n4", "False negative\n7",
                     "True negative\n103"]
    # rows are test results, columns the truth
    assert [t.get_text() for t in ax.get_xticklabels()] == ["malignant", "benign"]
    assert ax.get_title() and ax.get_xlabel() and ax.get_ylabel()


@pytest.mark.parametrize("bad", [{"tp": 1, "fp": 1, "tn": 1},
                                 {"tp": -1, "fp": 1, "tn": 1, "fn": 1}])
def test_confusion_refuses_incomplete_or_negative_counts(bad):
    with pytest.raises(ValueError, match="tp|fn"):
        dp.plot_confusion(bad)


def test_confusion_in_french(monkeypatch):
    monkeypatch.setenv("AIMED_LANG", "fr")
    ax = dp.plot_confusion({"tp": 1, "fp": 2, "tn": 3, "fn": 4})
    assert _texts(ax)[0] == "Vrai positif\n1"
    assert ax.get_title() == "Matrice de confusion"


def test_roc_legend_reports_sklearn_auroc_and_marks_points(scored):
    y, score = scored
    ax = dp.plot_roc(y, score, points={"screening": 0.3})
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert f"AUROC = {roc_auc_score(y, score):.3f}" in labels[0]
    m = evaluate.diagnostic_metrics(y, score, 0.3)
    marker = ax.lines[-1]
    assert marker.get_xdata()[0] == pytest.approx(1 - m["specificity"])
    assert marker.get_ydata()[0] == pytest.approx(m["sensitivity"])


def test_roc_needs_both_classes():
    with pytest.raises(ValueError, match="both"):
        dp.plot_roc([1, 1, 1], [0.2, 0.5, 0.9])


def test_tradeoff_curves_are_the_metrics(scored):
    y, score = scored
    ax = dp.plot_threshold_tradeoff(y, score, points={"a": 0.5})
    sens, spec = ax.lines[0], ax.lines[1]
    x = sens.get_xdata()
    i = len(x) // 2
    m = evaluate.diagnostic_metrics(y, score, x[i])
    assert sens.get_ydata()[i] == pytest.approx(m["sensitivity"])
    assert spec.get_ydata()[i] == pytest.approx(m["specificity"])


def test_score_distributions_count_every_patient(scored):
    y, score = scored
    ax = dp.plot_score_distributions(y, score, threshold=0.5, classes=("sick", "well"))
    heights = [sum(p.get_height() for p in container) for container in ax.containers]
    assert sorted(heights) == sorted([(y == 0).sum(), (y == 1).sum()])
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert f"well (n = {(y == 0).sum()})" in labels and any("0.50" in lab for lab in labels)
    with pytest.raises(ValueError, match="bins"):
        dp.plot_score_distributions(y, score, bins=1)


def test_predictive_values_follow_bayes():
    ax = dp.plot_predictive_values(0.9, 0.95, settings={"screening": 0.005})
    ppv_line = ax.lines[0]
    x, yv = ppv_line.get_xdata(), ppv_line.get_ydata()
    assert yv[10] == pytest.approx(evaluate.ppv_at_prevalence(0.9, 0.95, x[10]))
    assert np.all(np.diff(yv) > 0)  # PPV rises with prevalence
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    expected = round(100 * evaluate.ppv_at_prevalence(0.9, 0.95, 0.005))
    assert any(f"PPV {expected} %" in lab for lab in labels)


@pytest.mark.parametrize("bad", [(0, 0.5), (0.5, 0.1), (0.01, 1.0)])
def test_predictive_values_validates_range(bad):
    with pytest.raises(ValueError, match="prevalence_range"):
        dp.plot_predictive_values(0.9, 0.9, prevalence_range=bad)
    with pytest.raises(ValueError, match="sensitivity"):
        dp.plot_predictive_values(1.5, 0.9)
