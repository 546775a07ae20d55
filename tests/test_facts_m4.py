"""Figures asserted in the prose of module 4 (lessons, assignment, datasheet) are true.

Each test names the sentence it guards and checks that the sentence is still in the
notebook, so that prose and computation cannot drift apart silently. Numbers that come
from publications (Charig 1986, Law 2003, Wong 2021, Kapoor & Narayanan 2023...) are
cited in the text instead.
"""

from __future__ import annotations

from pathlib import Path

import nbformat
import numpy as np
import pandas as pd
import pytest
from sklearn.calibration import CalibratedClassifierCV
from sklearn.ensemble import (
    GradientBoostingClassifier,
    GradientBoostingRegressor,
    RandomForestClassifier,
    RandomForestRegressor,
)
from sklearn.feature_selection import SelectKBest, f_classif
from sklearn.frozen import FrozenEstimator
from sklearn.inspection import partial_dependence
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import StratifiedKFold, cross_val_score, train_test_split
from sklearn.neighbors import KNeighborsClassifier
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from aimed import data, epistemics, evaluate
from aimed.data.epistemics import RECORDED_AFTER_TRIAGE, TRIAGE_FEATURES

ROOT = Path(__file__).resolve().parents[1]
LESSONS = ROOT / "notebooks" / "m4-epistemology"


def prose(path: Path) -> str:
    nb = nbformat.read(path, as_version=4)
    return "\n".join(cell.source for cell in nb.cells if cell.cell_type == "markdown")


@pytest.fixture(scope="module")
def text():
    return {path.stem[:2]: prose(path) for path in sorted(LESSONS.glob("*.ipynb"))}


def says(text: str, sentence: str) -> None:
    assert sentence in text, f"the sentence checked by this test is gone: {sentence!r}"


# --------------------------------------------------------------------------- lesson 1


def test_l1_kidney_stone_percentages(text):
    stones = data.load("kidney-stones")
    rates = epistemics.success_rates(stones, ["stone_size", "treatment"]).set_index(
        ["stone_size", "treatment"]
    )["rate"]
    pooled = epistemics.success_rates(stones).set_index("treatment")["rate"]
    pct = lambda x: f"{100 * x:.0f} %"  # noqa: E731
    says(
        text["01"],
        f"PCNL succeeded in 289 of 350 patients ({pct(pooled['PCNL'])}), open surgery in "
        f"273 of 350 ({pct(pooled['open surgery'])})",
    )
    says(
        text["01"],
        f"large stones ({pct(rates['large', 'open surgery'])} against "
        f"{pct(rates['large', 'PCNL'])}) and for small stones "
        f"({pct(rates['small', 'open surgery'])} against {pct(rates['small', 'PCNL'])})",
    )
    patients = stones.pivot(index="stone_size", columns="treatment", values="patients")
    assert patients.loc["large", "open surgery"] == 263 and patients.loc["small", "PCNL"] == 270
    says(text["01"], "Of the 350 open-surgery patients, 263 had large stones")
    says(text["01"], "of the 350 PCNL patients, 270 had small stones")
    standard = epistemics.standardised_rates(stones).set_index("treatment")["standardised_rate"]
    says(
        text["01"],
        f"open surgery would clear {pct(standard['open surgery'])} of patients and "
        f"PCNL {pct(standard['PCNL'])}",
    )


def test_l1_confounder_numbers(text):
    cohort = epistemics.simulate_confounder(n=5000, effect=-9.0, seed=1)
    naive = epistemics.estimate_effect(cohort, "treated", "followup_sbp")
    adjusted = epistemics.estimate_effect(cohort, "treated", "followup_sbp", ["baseline_sbp"])
    assert round(naive) == 6
    assert abs(adjusted + 9.0) < 0.5
    says(
        text["01"],
        "raises* systolic pressure by about 6 mmHg; adjusting for baseline SBP recovers "
        "the true −9 mmHg",
    )
    strengths = np.linspace(0, 3, 7)
    naive_all = [
        epistemics.estimate_effect(
            epistemics.simulate_confounder(n=5000, effect=-9.0, confounding=s, seed=1),
            "treated",
            "followup_sbp",
        )
        for s in strengths
    ]
    assert abs(naive_all[0] + 9) < 1 and naive_all[-1] > 0
    says(text["01"], "Without confounding (0) both estimates agree with the truth")


def test_l1_collider_and_mediator(text):
    population = epistemics.simulate_collider(n=20000, seed=2)
    band = pd.cut(population["severity"], bins=np.arange(-2.0, 3.01, 0.5))
    share = population.groupby(band, observed=False)["smoker"].mean()
    assert share.between(0.15, 0.25).all()
    says(text["01"], "In everyone, about one person in five smokes at every severity")
    admitted = population[population["admitted"] == 1]
    by_band = admitted.groupby(band[admitted.index], observed=False)["smoker"].mean()
    assert by_band.iloc[1] > 0.5 and by_band.iloc[-1] < 0.3
    trial = epistemics.simulate_mediator(n=40000, ldl_drop=1.2, seed=3)
    total = 100 * epistemics.estimate_effect(trial, "statin", "event")
    direct = 100 * epistemics.estimate_effect(trial, "statin", "event", ["ldl"])
    assert round(total) == -4 and abs(direct) < 0.5
    says(text["01"], "about −4 percentage points, close to the −3.6 we set")


# --------------------------------------------------------------------------- lesson 2


@pytest.fixture(scope="module")
def triage():
    visits = data.load("sepsis-triage")
    train, test = epistemics.split_by_patient(visits, test_size=0.3, seed=0)
    return visits, train, test


def test_l2_leak_and_honest_auroc(text, triage):
    _, train, test = triage
    model = epistemics.make_triage_model()
    leaky = epistemics.holdout_auroc(
        model, train, test, list(TRIAGE_FEATURES) + list(RECORDED_AFTER_TRIAGE)
    )
    honest = epistemics.holdout_auroc(model, train, test, list(TRIAGE_FEATURES))
    assert round(leaky, 2) == 0.99
    assert round(honest, 2) == 0.89
    says(text["02"], "An AUROC of 0.99 in the first hour")
    says(text["02"], "The honest first-hour model reaches an AUROC near 0.89")
    desk = [c for c in TRIAGE_FEATURES if c not in ("lactate", "wbc")]
    assert round(epistemics.holdout_auroc(model, train, test, desk), 2) == 0.82
    assert round(epistemics.holdout_auroc(model, train, test, [*desk, "lactate"]), 2) == 0.86
    says(text["02"], "(about 0.82 at the triage desk, 0.86 with lactate)")
    fitted = model.fit(train[list(TRIAGE_FEATURES) + list(RECORDED_AFTER_TRIAGE)], train["sepsis"])
    table = epistemics.permutation_table(
        fitted,
        test[list(TRIAGE_FEATURES) + list(RECORDED_AFTER_TRIAGE)],
        test["sepsis"],
        n_repeats=10,
    )
    assert set(table["feature"][:2]) == set(RECORDED_AFTER_TRIAGE)


def test_l2_wrong_way_cross_validation(text):
    genes, response = epistemics.make_noise_omics(n_patients=80, n_features=5000, seed=0)
    folds = StratifiedKFold(n_splits=5, shuffle=True, random_state=0)
    wrong = cross_val_score(
        LogisticRegression(max_iter=1000),
        SelectKBest(f_classif, k=20).fit_transform(genes, response),
        response,
        cv=folds,
        scoring="roc_auc",
    ).mean()
    right = cross_val_score(
        make_pipeline(SelectKBest(f_classif, k=20), LogisticRegression(max_iter=1000)),
        genes,
        response,
        cv=folds,
        scoring="roc_auc",
    ).mean()
    assert wrong > 0.9
    assert abs(right - 0.5) < 0.1
    says(text["02"], "the same procedure scores about 0.5, the truth")


def test_l2_patient_overlap(text, triage):
    visits, train, test = triage
    train_v, test_v = epistemics.split_by_visit(visits, test_size=0.3, seed=0)
    knn = make_pipeline(StandardScaler(), KNeighborsClassifier(n_neighbors=15))
    ident = ["age", "female", "bmi"]
    random_knn = epistemics.holdout_auroc(knn, train_v, test_v, ident)
    patient_knn = epistemics.holdout_auroc(knn, train, test, ident)
    assert random_knn > 0.65 and patient_knn < 0.6
    boost = GradientBoostingClassifier(random_state=0)
    assert epistemics.holdout_auroc(
        boost, train_v, test_v, list(TRIAGE_FEATURES)
    ) > epistemics.holdout_auroc(boost, train, test, list(TRIAGE_FEATURES))
    says(text["02"], "scores well above chance when the same patients are on both sides")


# --------------------------------------------------------------------------- lesson 3


def test_l3_record_number_ranks(text):
    rng = np.random.default_rng(seed=3)
    diabetes = data.load("diabetes")
    diabetes["record_number"] = rng.permutation(len(diabetes)) + 1000
    X, y = diabetes.drop(columns="progression"), diabetes["progression"]
    X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.3, random_state=0)
    forest = RandomForestRegressor(n_estimators=100, min_samples_leaf=3, random_state=0).fit(
        X_train, y_train
    )
    mdi = epistemics.mdi_table(forest, X.columns)
    perm = epistemics.permutation_table(forest, X_test, y_test, scoring="r2", n_repeats=10)
    assert mdi.index[mdi["feature"] == "record_number"][0] + 1 == 5
    assert perm.loc[perm["feature"] == "record_number", "importance"].iloc[0] < 0
    assert set(perm["feature"][:3]) == {"ltg", "bmi", "bp"}
    says(text["03"], "impurity-based importance ranks the random `record_number` fifth")


def test_l3_correlated_groups(text):
    cancer = data.load("breast-cancer")
    X, y = cancer.drop(columns="malignant"), cancer["malignant"]
    X_train, X_test, y_train, y_test = train_test_split(
        X, y, test_size=0.3, random_state=0, stratify=y
    )
    forest = RandomForestClassifier(n_estimators=100, random_state=0).fit(X_train, y_train)
    assert round(roc_auc_score(y_test, forest.predict_proba(X_test)[:, 1]), 2) == 0.98
    says(text["03"], "whose test AUROC is about 0.98")
    single = epistemics.permutation_table(forest, X_test, y_test, n_repeats=5)
    assert single["importance"].max() < 0.02
    groups = epistemics.correlated_groups(X_train, threshold=0.3)
    assert len(groups) == 13
    says(text["03"], "leaves thirteen groups")
    rho = X_train.corr(method="spearman").abs()
    for members in groups.values():
        assert rho.loc[members, members].to_numpy().min() >= 0.7
    says(text["03"], "every |ρ| ≥ 0.7 within a group")
    size = ["mean radius", "mean perimeter", "mean area", "worst radius", "worst perimeter",
            "worst area"]
    assert groups["mean radius (+5)"] == size
    says(text["03"], "The size group (6 features: mean and worst radius, perimeter and area)")
    grouped = epistemics.grouped_permutation_importance(forest, X_test, y_test, groups, n_repeats=5)
    assert grouped["feature"].tolist()[:2] == ["mean radius (+5)", "mean compactness (+5)"]
    assert grouped["importance"].iloc[1] > 0.03 and grouped["importance"].iloc[2:].max() < 0.01
    says(
        text["03"],
        "followed by the shape group (6 features); every other group costs almost nothing",
    )


def test_l3_diabetes_correlations(text):
    diabetes = data.load("diabetes")
    rho = diabetes.corr(method="spearman")
    assert round(rho.loc["tc", "ldl"], 1) == 0.9
    says(text["03"], "Total cholesterol and LDL move together (Spearman ρ about 0.9 in this table)")
    assert rho.loc["bmi", "ltg"] > 0.3 and rho.loc["bmi", "glu"] > 0.3
    says(
        text["03"],
        "keeps each lean patient's own triglycerides and glucose (both correlate with BMI here)",
    )
    assert diabetes["bp"].min() == 62 and diabetes["bp"].max() == 133
    assert "values\nrange from 62 to 133" in data.datasheet("diabetes")


def test_l3_partial_dependence_steps(text):
    diabetes = data.load("diabetes")
    X, y = diabetes.drop(columns="progression"), diabetes["progression"]
    X_train, _, y_train, _ = train_test_split(X, y, test_size=0.3, random_state=0)
    booster = GradientBoostingRegressor(
        n_estimators=100, learning_rate=0.05, max_depth=3, random_state=0
    ).fit(X_train, y_train)
    bmi = partial_dependence(booster, X_train, ["bmi"], grid_resolution=25, kind="average")
    grid, values = bmi["grid_values"][0], bmi["average"][0]
    total = values[-1] - values[0]

    def rise(low, high):
        inside = (grid >= low) & (grid <= high)
        return values[inside][-1] - values[inside][0]

    assert total > 0
    assert rise(25.5, 28.6) > 0.5 * total
    assert rise(32.0, 34.0) > 0.15 * total
    says(text["03"], "mostly between about 26 and 28 kg/m² and again near 33 kg/m²")
    bp = partial_dependence(booster, X_train, ["bp"], grid_resolution=25, kind="average")
    grid, values = bp["grid_values"][0], bp["average"][0]
    assert rise(100, 120) > 0.5 * (values[-1] - values[0])


def test_l3_asthma_looks_protective(text):
    pneumonia = epistemics.simulate_pneumonia_care(n=20000, seed=5)
    model = LogisticRegression(max_iter=1000).fit(pneumonia[["age", "asthma"]], pneumonia["death"])
    assert model.coef_[0][1] < 0
    for icu in (0, 1):
        rates = pneumonia[pneumonia["icu"] == icu].groupby("asthma")["death"].mean()
        assert rates[1] > rates[0]
    says(text["03"], "within each level of care, they die more often")


# --------------------------------------------------------------------------- lesson 4


@pytest.fixture(scope="module")
def sites():
    features = list(TRIAGE_FEATURES)
    hospital_a = data.load("sepsis-triage", site="A")
    train, test = epistemics.split_by_patient(hospital_a, test_size=0.3, seed=0)
    model = epistemics.make_triage_model().fit(train[features], train["sepsis"])
    hospital_b = data.load("sepsis-triage", site="B")
    return features, train, test, model, hospital_b


def test_l4_class_weighting_and_recalibration(text, sites):
    features, train, test, model, _ = sites
    balanced = make_pipeline(
        StandardScaler(), LogisticRegression(max_iter=1000, class_weight="balanced")
    )
    balanced.fit(train[features], train["sepsis"])
    standard = epistemics.performance_summary(
        test["sepsis"], model.predict_proba(test[features])[:, 1]
    )
    weighted = epistemics.performance_summary(
        test["sepsis"], balanced.predict_proba(test[features])[:, 1]
    )
    assert abs(standard["auroc"] - weighted["auroc"]) < 0.01
    assert 4.5 < weighted["mean_predicted"] / standard["mean_predicted"] < 6
    assert weighted["brier"] > 3 * standard["brier"]
    says(
        text["04"],
        "inflated about fivefold on average, and its Brier score is more than three times worse",
    )
    calibration = data.load("sepsis-triage", n_patients=1000, site="A", seed=1)
    risk_calibration = balanced.predict_proba(calibration[features])[:, 1]
    risk_test = balanced.predict_proba(test[features])[:, 1]
    logistic = epistemics.recalibrate(calibration["sepsis"], risk_calibration, method="logistic")
    intercept = epistemics.recalibrate(calibration["sepsis"], risk_calibration)
    fixed = epistemics.performance_summary(test["sepsis"], logistic.apply(risk_test))
    fixed_a = epistemics.performance_summary(test["sepsis"], intercept.apply(risk_test))
    assert fixed["brier"] == pytest.approx(standard["brier"], rel=0.05)
    assert fixed_a["brier"] == pytest.approx(standard["brier"], rel=0.05)
    assert fixed["auroc"] == pytest.approx(weighted["auroc"])
    assert 0.75 < logistic.slope < 1.25
    says(
        text["04"],
        "the estimated slope is not far from 1, and the intercept alone does nearly as well",
    )
    assert round(100 * calibration["sepsis"].mean(), 1) == 6.2
    assert round(100 * test["sepsis"].mean(), 1) == 5.2 and fixed["observed_expected"] < 0.9
    says(
        text["04"],
        "the calibration sample happened to have more sepsis (6.2 % of visits) than the "
        "test patients (5.2 %)",
    )
    frozen = CalibratedClassifierCV(FrozenEstimator(balanced), method="sigmoid").fit(
        calibration[features], calibration["sepsis"]
    )
    gap = np.abs(frozen.predict_proba(test[features])[:, 1] - logistic.apply(risk_test)).max()
    assert gap < 0.01
    says(text["04"], "so it gives practically the same risks as logistic recalibration")


def test_l4_shift_and_intercept(text, sites):
    features, _, test, model, hospital_b = sites
    a = epistemics.performance_summary(test["sepsis"], model.predict_proba(test[features])[:, 1])
    b = epistemics.performance_summary(
        hospital_b["sepsis"], model.predict_proba(hospital_b[features])[:, 1]
    )
    assert abs(a["auroc"] - b["auroc"]) < 0.03
    assert 1.4 < b["observed_expected"] < 1.65
    says(text["04"], "about 1.5 times more sepsis occurs than it predicts")
    says(text["04"], "Calibration is a property of a model *in a population*")
    local, later = epistemics.split_by_patient(hospital_b, test_size=0.8, seed=0)
    shift = epistemics.intercept_shift(local["sepsis"], model.predict_proba(local[features])[:, 1])
    before = model.predict_proba(later[features])[:, 1]
    after = epistemics.apply_intercept_shift(before, shift)
    s_before = epistemics.performance_summary(later["sepsis"], before)
    s_after = epistemics.performance_summary(later["sepsis"], after)
    assert abs(s_after["observed_expected"] - 1) < 0.1 and s_after["brier"] < s_before["brier"]
    assert s_after["auroc"] == pytest.approx(s_before["auroc"])


def test_l4_ppv_by_prevalence(text, sites):
    features, _, test, model, hospital_b = sites
    m_a = evaluate.diagnostic_metrics(
        test["sepsis"], model.predict_proba(test[features])[:, 1], 0.10
    )
    m_b = evaluate.diagnostic_metrics(
        hospital_b["sepsis"], model.predict_proba(hospital_b[features])[:, 1], 0.10
    )
    assert 0.25 < m_a["ppv"] < 0.35
    curve_b = evaluate.ppv_at_prevalence(m_a["sensitivity"], m_a["specificity"], m_b["prevalence"])
    assert 0.45 < curve_b < 0.55
    ward = evaluate.ppv_at_prevalence(m_a["sensitivity"], m_a["specificity"], 0.02)
    assert 1 / 9 < ward < 1 / 7
    says(
        text["04"],
        "right about 3 times in 10 at hospital A's prevalence, about half the time at "
        "hospital B, and only about 1 time in 8",
    )
    assert m_b["specificity"] < m_a["specificity"] and round(m_b["ppv"], 2) == 0.45
    says(text["04"], "the real PPV (0.45) is lower than the curve's")


def test_l4_abstention_raises_accuracy(sites):
    features, _, test, model, _ = sites
    curve = epistemics.abstention_curve(
        test["sepsis"], model.predict_proba(test[features])[:, 1], threshold=0.10
    )
    assert curve["accuracy"].is_monotonic_increasing


# --------------------------------------------------------------------------- datasheet, assignment


def test_datasheet_figures():
    sheet = data.datasheet("sepsis-triage")
    visits = data.load("sepsis-triage")
    assert len(visits) == 6987 and "6 987 visits" in sheet
    assert round(100 * visits["sepsis"].mean()) == 5
    assert round(100 * data.load("sepsis-triage", site="B")["sepsis"].mean()) == 13
    assert "about 5 % of visits at site A and 13 % at site B" in sheet
    assert visits.groupby("patient_id").size().mean() == pytest.approx(2.8, abs=0.05)
    assert "AUROC near 0.89" in sheet and "to 0.99" in sheet


def test_assignment_leaky_auroc_is_near_099():
    visits = data.load("sepsis-triage", n_patients=1500, seed=7)
    train, test = epistemics.split_by_patient(visits, test_size=0.3, seed=0)
    columns = list(TRIAGE_FEATURES) + list(RECORDED_AFTER_TRIAGE)
    assert epistemics.holdout_auroc(epistemics.make_triage_model(), train, test, columns) > 0.985
    source = prose(ROOT / "exercises" / "m4-epistemology" / "01-causes-and-leaks.ipynb")
    says(source, "reaches an AUROC near 0.99")
