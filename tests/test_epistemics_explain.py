"""aimed.epistemics.explain: MDI bias, permutation importance, correlated groups."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
from sklearn.ensemble import RandomForestClassifier
from sklearn.linear_model import LogisticRegression

from aimed.epistemics import explain


@pytest.fixture(scope="module")
def twins():
    """Outcome driven by one signal measured twice (two near-identical columns) plus noise."""
    rng = np.random.default_rng(0)
    n = 1200
    signal = rng.normal(size=n)
    X = pd.DataFrame(
        {
            "size_a": signal + rng.normal(0, 0.05, n),
            "size_b": signal + rng.normal(0, 0.05, n),
            "noise": rng.normal(size=n),
            "record_number": rng.permutation(n).astype(float),
        }
    )
    y = (signal + rng.normal(0, 0.7, n) > 0).astype(int)
    return X, y


def test_mdi_rewards_a_meaningless_high_cardinality_column(twins):
    X, y = twins
    forest = RandomForestClassifier(100, random_state=0).fit(X, y)
    mdi = explain.mdi_table(forest, X.columns).set_index("feature")["importance"]
    assert mdi.sum() == pytest.approx(1.0)
    assert mdi["record_number"] > 0.05
    held_out = explain.permutation_table(forest, X.iloc[:400], y[:400], n_repeats=5)
    assert list(held_out.columns) == ["feature", "importance", "std"]
    assert held_out["importance"].is_monotonic_decreasing


def test_grouping_correlated_features_reveals_their_importance(twins):
    X, y = twins
    train, test = slice(0, 800), slice(800, None)
    model = LogisticRegression(max_iter=1000).fit(X.iloc[train], y[train])
    groups = explain.correlated_groups(X.iloc[train], threshold=0.3)
    assert ["size_a", "size_b"] in groups.values()
    assert sum(len(v) for v in groups.values()) == X.shape[1]
    grouped = explain.grouped_permutation_importance(
        model, X.iloc[test], y[test], groups, n_repeats=5
    )
    single = explain.permutation_table(model, X.iloc[test], y[test], n_repeats=5).set_index(
        "feature"
    )
    size = grouped.set_index("feature").loc["size_a (+1)", "importance"]
    assert size > single.loc["size_a", "importance"] + single.loc["size_b", "importance"]
    assert grouped.iloc[0]["feature"] == "size_a (+1)"


def test_explain_validates_inputs(twins):
    X, y = twins
    with pytest.raises(ValueError, match="feature_importances_"):
        explain.mdi_table(LogisticRegression(), X.columns)
    with pytest.raises(ValueError, match="2 columns"):
        explain.correlated_groups(X[["noise"]])
    with pytest.raises(ValueError, match="numeric"):
        explain.correlated_groups(X.assign(ward="A"))
    with pytest.raises(ValueError, match="threshold"):
        explain.correlated_groups(X, threshold=0)
    with pytest.raises(ValueError, match="y must have"):
        explain.permutation_table(LogisticRegression(max_iter=1000).fit(X, y), X, y[:10])
    with pytest.raises(ValueError, match="lacks the column"):
        explain.grouped_permutation_importance(
            LogisticRegression(max_iter=1000).fit(X, y), X, y, {"g": ["nope"]}
        )


def test_importance_plots(twins):
    X, y = twins
    table = explain.permutation_table(
        LogisticRegression(max_iter=1000).fit(X, y), X, y, n_repeats=2
    )
    ax = explain.plot_importances(table, title="t", xlabel="Drop in AUROC", top=3)
    assert len(ax.patches) == 3 and ax.get_xlabel() == "Drop in AUROC"
    ax = explain.plot_correlation_dendrogram(X, threshold=0.3)
    assert ax.get_ylabel().startswith("Largest 1 − |Spearman ρ|")
    assert "0.7" in ax.get_legend().get_texts()[-1].get_text()
    plt.close("all")


def test_cut_height_is_a_correlation_floor_within_groups():
    """Complete linkage: a cut at d keeps in one group only features with |rho| >= 1 - d."""
    rng = np.random.default_rng(4)
    n = 500
    base = rng.normal(size=n)
    X = pd.DataFrame({f"f{k}": base * w + rng.normal(size=n) for k, w in
                      enumerate([3.0, 3.0, 1.5, 1.0, 0.6, 0.0, 0.3])})
    rho = X.corr(method="spearman").abs()
    for threshold in (0.2, 0.3, 0.5, 0.8):
        groups = explain.correlated_groups(X, threshold=threshold)
        assert sorted(c for members in groups.values() for c in members) == sorted(X.columns)
        for members in groups.values():
            assert rho.loc[members, members].to_numpy().min() >= 1 - threshold - 1e-12
    # Some pair correlated above 0.7 but whose group would include a weak member is split.
    assert len(explain.correlated_groups(X, threshold=0.3)) > len(
        explain.correlated_groups(X, threshold=0.8))
    assert len(explain.correlated_groups(X, threshold=1.0)) == 1
    with pytest.raises(ValueError, match="threshold"):
        explain.correlated_groups(X, threshold=1.5)
