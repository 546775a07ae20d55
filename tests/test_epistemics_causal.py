"""aimed.epistemics.causal: Simpson's paradox on counts, and the three simulated DAGs."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest

from aimed import data
from aimed.epistemics import causal


@pytest.fixture(scope="module")
def stones():
    return data.load("kidney-stones")


def _counts(rows):
    return pd.DataFrame(rows, columns=["treatment", "stone_size", "successes", "patients"])


def test_pooled_and_stratified_rates_reproduce_charig_1986(stones):
    pooled = causal.success_rates(stones).set_index("treatment")
    assert pooled.loc["open surgery", ["successes", "patients"]].tolist() == [273, 350]
    assert pooled.loc["PCNL", ["successes", "patients"]].tolist() == [289, 350]
    strata = causal.success_rates(stones, ["stone_size", "treatment"]).set_index(
        ["stone_size", "treatment"]
    )["rate"]
    assert strata["small", "open surgery"] == pytest.approx(81 / 87)
    assert strata["large", "PCNL"] == pytest.approx(55 / 80)
    assert causal.is_simpsons_paradox(stones) is True


def test_rates_sum_several_rows_per_group():
    table = _counts([("a", "small", 3, 4), ("a", "small", 1, 4), ("b", "small", 2, 8)])
    rates = causal.success_rates(table).set_index("treatment")["rate"]
    assert rates["a"] == pytest.approx(0.5)
    assert rates["b"] == pytest.approx(0.25)


def test_standardised_rates_use_the_pooled_stratum_mix(stones):
    rates = causal.standardised_rates(stones).set_index("treatment")["standardised_rate"]
    weights = {"small": 357 / 700, "large": 343 / 700}
    expected_open = 81 / 87 * weights["small"] + 192 / 263 * weights["large"]
    assert rates["open surgery"] == pytest.approx(expected_open)
    assert rates["open surgery"] > rates["PCNL"]


@pytest.mark.parametrize(
    ("rows", "expected"),
    [
        (
            [("A", "s", 90, 100), ("A", "l", 60, 100), ("B", "s", 80, 100), ("B", "l", 50, 100)],
            False,
        ),
        (
            [("A", "s", 81, 87), ("A", "l", 50, 263), ("B", "s", 234, 270), ("B", "l", 55, 80)],
            False,
        ),
        ([("A", "s", 5, 10), ("A", "l", 5, 10), ("B", "s", 5, 10), ("B", "l", 5, 10)], False),
    ],
)
def test_no_paradox_without_a_reversal_in_every_stratum(rows, expected):
    assert causal.is_simpsons_paradox(_counts(rows)) is expected


def test_counts_are_validated(stones):
    with pytest.raises(ValueError, match="successes"):
        causal.success_rates(stones.drop(columns="successes"))
    bad = stones.copy()
    bad.loc[0, "successes"] = 1000
    with pytest.raises(ValueError, match="more successes than patients"):
        causal.success_rates(bad)
    with pytest.raises(ValueError, match="exactly 2"):
        causal.is_simpsons_paradox(pd.concat([stones, stones.assign(treatment="ESWL")]))
    with pytest.raises(ValueError, match="positivity"):
        causal.standardised_rates(stones.iloc[:3])
    with pytest.raises(ValueError, match="DataFrame"):
        causal.success_rates([[1, 2]])


def test_confounder_bias_appears_and_adjustment_removes_it():
    cohort = causal.simulate_confounder(n=20000, effect=-9.0, seed=3)
    naive = causal.estimate_effect(cohort, "treated", "followup_sbp")
    adjusted = causal.estimate_effect(cohort, "treated", "followup_sbp", ["baseline_sbp"])
    assert naive > 0  # the drug looks harmful
    assert adjusted == pytest.approx(-9.0, abs=0.5)


def test_randomised_treatment_needs_no_adjustment():
    trial = causal.simulate_confounder(n=20000, effect=-9.0, confounding=0.0, seed=4)
    assert causal.estimate_effect(trial, "treated", "followup_sbp") == pytest.approx(-9.0, abs=0.6)


def test_collider_creates_an_association_that_does_not_exist():
    population = causal.simulate_collider(n=40000, seed=5)
    assert abs(causal.estimate_effect(population, "smoker", "severity")) < 0.05
    admitted = population[population["admitted"] == 1]
    assert causal.estimate_effect(admitted, "smoker", "severity") < -0.3


def test_adjusting_for_the_mediator_hides_the_total_effect():
    trial = causal.simulate_mediator(n=200000, ldl_drop=1.2, seed=6)
    total = causal.estimate_effect(trial, "statin", "event")
    direct = causal.estimate_effect(trial, "statin", "event", ["ldl"])
    assert total == pytest.approx(-1.2 * 0.03, abs=0.004)
    assert abs(direct) < 0.004


def test_care_makes_a_harmful_condition_look_protective():
    patients = causal.simulate_pneumonia_care(n=100000, seed=7)
    assert causal.estimate_effect(patients, "asthma", "death") < 0
    assert causal.estimate_effect(patients, "asthma", "death", ["icu"]) > 0


def test_simulations_are_reproducible_and_validated():
    pd.testing.assert_frame_equal(
        causal.simulate_collider(seed=1), causal.simulate_collider(seed=1)
    )
    assert not causal.simulate_collider(seed=1).equals(causal.simulate_collider(seed=2))
    with pytest.raises(ValueError, match="n must be a whole number from 100"):
        causal.simulate_confounder(n=10)
    with pytest.raises(ValueError, match="confounding"):
        causal.simulate_confounder(confounding=-1.0)
    with pytest.raises(ValueError, match="seed"):
        causal.simulate_mediator(seed=-1)
    with pytest.raises(ValueError, match="ldl_drop"):
        causal.simulate_mediator(ldl_drop=float("nan"))


def test_estimate_effect_validates_its_inputs():
    cohort = causal.simulate_confounder(n=200, seed=0)
    with pytest.raises(ValueError, match="adjust_for"):
        causal.estimate_effect(cohort, "treated", "followup_sbp", ["treated"])
    with pytest.raises(ValueError, match="lacks the column"):
        causal.estimate_effect(cohort, "treated", "outcome")
    with pytest.raises(ValueError, match="single value"):
        causal.estimate_effect(cohort.assign(treated=1), "treated", "followup_sbp")
    gappy = cohort.astype({"baseline_sbp": float})
    gappy.loc[0, "baseline_sbp"] = np.nan
    with pytest.raises(ValueError, match="missing values"):
        causal.estimate_effect(gappy, "treated", "followup_sbp", ["baseline_sbp"])
    with pytest.raises(ValueError, match="numeric"):
        causal.estimate_effect(cohort.assign(label="x"), "treated", "followup_sbp", ["label"])


def test_plots_return_axes_with_titles(stones):
    ax = causal.plot_success_rates(stones)
    assert ax.get_title() and ax.get_ylabel() == "Success rate (%)"
    assert len(ax.patches) == 6
    ax = causal.plot_dag("collider", adjusted=["admitted"])
    assert ax.get_title() == "Collider: hospital admission"
    with pytest.raises(ValueError, match="dag"):
        causal.plot_dag("no-such-graph")
    with pytest.raises(ValueError, match="adjusted"):
        causal.plot_dag("mediator", adjusted=["age"])
    plt.close("all")


def test_dag_columns_match_their_simulations():
    simulations = {
        "confounder": causal.simulate_confounder(n=100),
        "collider": causal.simulate_collider(n=100),
        "mediator": causal.simulate_mediator(n=100),
        "care": causal.simulate_pneumonia_care(n=100),
    }
    for name, dag in causal.DAGS.items():
        columns = set(simulations[name].columns)
        assert {dag.treatment, dag.outcome, dag.third} <= columns
        assert {node for edge in dag.edges for node in edge} <= set(dag.positions)
