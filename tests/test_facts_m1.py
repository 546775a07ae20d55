"""Figures asserted in the prose of module 1, lessons 2-5, are true.

Each test repeats the computation of a lesson (same data, same seeds) and checks the
sentence it names, so a change in a library or a dataset that silently falsifies the
text fails here. Numbers that the lessons print are not repeated: only claims in prose.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from lifelines import CoxPHFitter, KaplanMeierFitter
from lifelines.statistics import logrank_test
from sklearn.cluster import KMeans
from sklearn.dummy import DummyRegressor
from sklearn.linear_model import LinearRegression, LogisticRegression
from sklearn.metrics import adjusted_rand_score, roc_auc_score, silhouette_score
from sklearn.model_selection import (
    GroupKFold,
    KFold,
    StratifiedKFold,
    cross_val_predict,
    cross_val_score,
    learning_curve,
    train_test_split,
    validation_curve,
)
from sklearn.neighbors import KNeighborsClassifier
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.tree import DecisionTreeClassifier

from aimed import data, evaluate

# --------------------------------------------------------------------------- lesson 2


@pytest.fixture(scope="module")
def lesson2():
    table = data.load("breast-cancer")
    features = ["mean radius", "mean texture", "mean concave points"]
    X, y = table[features], table["malignant"]
    X_dev, X_test, y_dev, y_test = train_test_split(X, y, test_size=0.25, stratify=y,
                                                    random_state=0)
    X_train, X_val, y_train, y_val = train_test_split(X_dev, y_dev, test_size=1 / 3,
                                                      stratify=y_dev, random_state=0)
    model = make_pipeline(StandardScaler(), LogisticRegression()).fit(X_train, y_train)
    p_val = model.predict_proba(X_val)[:, 1]
    p_test = model.predict_proba(X_test)[:, 1]
    screening = evaluate.threshold_for_sensitivity(y_val, p_val, 0.95)
    confirmation = evaluate.threshold_for_specificity(y_val, p_val, 0.99)
    return {"y": y, "model": model, "X_train": X_train, "y_train": y_train,
            "y_val": y_val, "p_val": p_val, "y_test": y_test,
            "p_test": p_test, "screening": screening, "confirmation": confirmation}


def test_l2_more_than_a_third_of_the_referral_sample_is_malignant(lesson2):
    assert 1 / 3 < lesson2["y"].mean() < 0.4


def test_l2_all_three_odds_ratios_exceed_one(lesson2):
    assert (np.exp(lesson2["model"][-1].coef_[0]) > 1).all()


def test_l2_scores_cluster_near_0_and_1_with_a_few_errors_each_side(lesson2):
    y, p = lesson2["y_test"].to_numpy(), lesson2["p_test"]
    assert np.median(p[y == 0]) < 0.1 and np.median(p[y == 1]) > 0.9
    counts = evaluate.confusion_counts(y, (p >= 0.5).astype(int))
    assert 1 <= counts["fp"] <= 8 and 1 <= counts["fn"] <= 8


def test_l2_auroc_equals_the_share_of_pairs_ranked_correctly(lesson2):
    y, p = lesson2["y_test"].to_numpy(), lesson2["p_test"]
    pairs = (p[y == 1][:, None] > p[y == 0][None, :]).mean()
    assert pairs == pytest.approx(roc_auc_score(y, p), abs=1e-12)


def test_l2_screening_threshold_left_of_half_and_confirmation_right(lesson2):
    assert lesson2["screening"] < 0.5 < lesson2["confirmation"]


def test_l2_reading_the_threshold_table(lesson2):
    table = evaluate.metrics_at_thresholds(lesson2["y_test"], lesson2["p_test"],
                                           [lesson2["screening"], 0.5, lesson2["confirmation"]])
    screening, default, confirmation = (table.iloc[i] for i in range(3))
    # screening flags more women and misses fewer cancers, with the lowest PPV
    assert screening["positive_tests"] > default["positive_tests"] > \
        confirmation["positive_tests"]
    assert screening["sensitivity"] > confirmation["sensitivity"]
    assert screening["ppv"] == table["ppv"].min()
    # confirmation: almost every positive is a cancer, but more cancers are missed
    assert confirmation["ppv"] > 0.95
    assert confirmation["sensitivity"] == table["sensitivity"].min()


def test_l2_about_fifty_validation_cancers_each_worth_two_points(lesson2):
    cancers = int(lesson2["y_val"].sum())
    assert 45 <= cancers <= 55
    assert 0.015 < 1 / cancers < 0.025


def test_l2_bootstrap_interval_spans_about_90_to_100_percent(lesson2):
    def sensitivity(truth, scores):
        return evaluate.diagnostic_metrics(truth, scores, lesson2["screening"])["sensitivity"]

    _, low, high = evaluate.bootstrap_ci(sensitivity, lesson2["y_test"], lesson2["p_test"],
                                         seed=0)
    assert 0.87 < low < 0.93 and high > 0.99


def test_l2_default_penalty_pulls_odds_ratios_towards_one(lesson2):
    # "these odds ratios are slightly closer to 1 than an unpenalised model would give"
    penalised = lesson2["model"][-1].coef_[0]
    X_train, y_train = lesson2["X_train"], lesson2["y_train"]
    plain = make_pipeline(StandardScaler(), LogisticRegression(C=np.inf)).fit(X_train, y_train)
    assert (np.abs(penalised) < np.abs(plain[-1].coef_[0])).all()
    assert LogisticRegression().C == 1.0 and LogisticRegression().l1_ratio == 0.0   # L2


def test_l2_likelihood_ratio_route_gives_the_ppv(lesson2):
    # "The two routes give the same answer"
    m = evaluate.diagnostic_metrics(lesson2["y_test"], lesson2["p_test"], lesson2["screening"])
    se, sp = m["sensitivity"], m["specificity"]
    odds = 0.077 / (1 - 0.077) * se / (1 - sp)
    assert odds / (1 + odds) == pytest.approx(evaluate.ppv_at_prevalence(se, sp, 0.077))


def test_l2_cited_prevalences_follow_from_their_sources():
    # Lehman 2017: 5.1 detected + 0.8 missed cancers per 1000 screens -> 0.59 %
    assert (5.1 + 0.8) / 1000 == pytest.approx(0.0059)
    # Potter 2007: 191 of 2490 two-week-wait referrals in 2005 had cancer -> 7.7 %
    assert round(100 * 191 / 2490, 1) == 7.7


def test_l2_ppv_false_alarms_in_screening_cancers_in_referral_npv_above_90(lesson2):
    m = evaluate.diagnostic_metrics(lesson2["y_test"], lesson2["p_test"], lesson2["screening"])
    se, sp = m["sensitivity"], m["specificity"]
    assert evaluate.ppv_at_prevalence(se, sp, 0.0059) < 0.1   # "a small minority"
    assert evaluate.ppv_at_prevalence(se, sp, 0.01) < 0.5     # "mostly false alarms"
    assert evaluate.ppv_at_prevalence(se, sp, float(lesson2["y"].mean())) > 0.5
    grid = np.geomspace(0.001, 0.6, 200)                      # the plotted range
    assert min(evaluate.npv_at_prevalence(se, sp, p) for p in grid) > 0.9


# --------------------------------------------------------------------------- lesson 3


@pytest.fixture(scope="module")
def cancer_split():
    table = data.load("breast-cancer")
    X, y = table.drop(columns="malignant"), table["malignant"]
    return (X, y, *train_test_split(X, y, test_size=0.3, stratify=y, random_state=0))


def test_l3_root_question_and_two_questions_sort_most_patients(cancer_split):
    X, _, X_train, _, y_train, _ = cancer_split
    tree = DecisionTreeClassifier(max_depth=2, random_state=0).fit(X_train, y_train)
    assert X.columns[tree.tree_.feature[0]] == "mean concave points"
    assert 0.045 < tree.tree_.threshold[0] < 0.055    # "at most 0.05"
    assert tree.score(X_train, y_train) > 0.9


def test_l3_training_error_reaches_zero_test_error_stalls(cancer_split):
    _, _, X_train, X_test, y_train, y_test = cancer_split
    train_err, test_err = [], []
    for depth in range(1, 11):
        tree = DecisionTreeClassifier(max_depth=depth, random_state=0).fit(X_train, y_train)
        train_err.append(1 - tree.score(X_train, y_train))
        test_err.append(1 - tree.score(X_test, y_test))
    assert train_err[-1] == 0
    assert int(np.argmin(test_err)) + 1 <= 4          # "stops improving after a few levels"
    assert test_err[-1] > 0.05                        # "well above zero"
    assert len(y_test) in range(165, 176)             # "some 170 patients"


def test_l3_a_full_tree_memorises_shuffled_labels(cancer_split):
    _, _, X_train, X_test, y_train, y_test = cancer_split
    shuffled = np.random.default_rng(0).permutation(y_train.to_numpy())
    tree = DecisionTreeClassifier(random_state=0).fit(X_train, shuffled)
    assert tree.score(X_train, shuffled) == 1.0
    assert tree.score(X_test, y_test) < 1 - y_test.mean()   # worse than "always benign"


def test_l3_cross_validation_best_depth_is_moderate_and_not_clear_cut(cancer_split):
    X, y = cancer_split[:2]
    depths = [1, 2, 3, 4, 5, 6, 8, 10]
    cv = StratifiedKFold(n_splits=5, shuffle=True, random_state=0)
    _, test_acc = validation_curve(DecisionTreeClassifier(random_state=0), X, y,
                                   param_name="max_depth", param_range=depths, cv=cv)
    error = 1 - test_acc
    best = int(np.argmin(error.mean(axis=1)))
    assert 3 <= depths[best] <= 6
    for neighbour in (best - 1, best + 1):            # bands overlap with the neighbours
        assert abs(error[neighbour].mean() - error[best].mean()) < error[best].std() + \
            error[neighbour].std()


def test_l3_learning_curves(cancer_split):
    X, y = cancer_split[:2]
    cv = StratifiedKFold(n_splits=5, shuffle=True, random_state=0)
    sizes = np.linspace(0.1, 1.0, 6)
    _, lr_train, lr_test = learning_curve(make_pipeline(StandardScaler(), LogisticRegression()),
                                          X, y, cv=cv, train_sizes=sizes)
    _, tree_train, tree_test = learning_curve(DecisionTreeClassifier(random_state=0), X, y,
                                              cv=cv, train_sizes=sizes)
    lr_gap = lr_train[-1].mean() - lr_test[-1].mean()
    assert lr_gap < 0.02 and 1 - lr_test[-1].mean() < 0.05   # close together, low error
    assert (tree_train == 1).all()                             # tree: training error 0
    assert tree_test[-1].mean() < lr_test[-1].mean()           # held-out error stays higher


def test_l3_rows_split_at_random_leak(cancer_split):
    X, y, _, _, y_train, _ = cancer_split
    rng = np.random.default_rng(0)
    rng.permutation(y_train.to_numpy())                        # the lesson's shuffle comes first
    X_rep = np.repeat(X.to_numpy(), 3, axis=0)
    X_rep = X_rep * (1 + rng.normal(0, 0.03, X_rep.shape))
    y_rep = np.repeat(y.to_numpy(), 3)
    patient = np.repeat(np.arange(len(y)), 3)
    lookup = make_pipeline(StandardScaler(), KNeighborsClassifier(n_neighbors=1))
    by_row = cross_val_score(lookup, X_rep, y_rep, cv=KFold(5, shuffle=True, random_state=0))
    by_patient = cross_val_score(lookup, X_rep, y_rep, cv=GroupKFold(5), groups=patient)
    assert by_row.mean() > 0.99                                # "nearly perfect"
    assert by_patient.mean() < by_row.mean() - 0.02


def test_l3_regression_beats_the_average_but_errs_widely():
    diabetes = data.load("diabetes")
    assert len(diabetes) == 442
    X, y = diabetes.drop(columns="progression"), diabetes["progression"]
    folds = KFold(n_splits=5, shuffle=True, random_state=0)
    mae = np.abs(y - cross_val_predict(LinearRegression(), X, y, cv=folds)).mean()
    baseline = np.abs(y - cross_val_predict(DummyRegressor(), X, y, cv=folds)).mean()
    assert mae < 0.8 * baseline                                # "clearly beats the average"
    assert mae > 0.5 * y.std()                                 # "still large"


# --------------------------------------------------------------------------- lesson 4


@pytest.fixture(scope="module")
def lung():
    return data.load("ncctg-lung")


def test_l4_about_a_quarter_censored(lung):
    assert len(lung) == 228
    assert 0.2 < (lung["died"] == 0).mean() < 0.3


def test_l4_number_at_risk_shrinks_quickly(lung):
    assert (lung["time_days"] >= 800).sum() < 0.1 * len(lung)


def test_l4_shortcuts_give_medians_weeks_shorter(lung):
    km = KaplanMeierFitter().fit(lung["time_days"], lung["died"])
    deaths_only = lung.loc[lung["died"] == 1, "time_days"].median()
    censored_as_deaths = lung["time_days"].median()
    # "about two to three months shorter"
    assert 45 <= km.median_survival_time_ - deaths_only <= 95
    assert 45 <= km.median_survival_time_ - censored_as_deaths <= 95


def test_l4_dropping_censored_patients_shortens_the_median(lung):
    # "dropping the censored patients ... so survival looks worse than it is": their
    # follow-up alone is already longer than the time to death of those who died
    censored = lung.loc[lung["died"] == 0, "time_days"]
    deaths = lung.loc[lung["died"] == 1, "time_days"]
    assert censored.median() > deaths.median()


def test_l4_ecog_coding_matches_the_lesson_and_datasheet(lung):
    # "the scale continues to 4, bedbound, which no patient here has"; datasheet: observed
    # 0-3, only one patient with 3, one missing
    ecog = lung["ecog"]
    assert set(ecog.dropna().unique()) == {0, 1, 2, 3}
    assert (ecog == 3).sum() == 1 and ecog.isna().sum() == 1


def test_l4_women_live_longer_months_and_the_logrank_p_is_small(lung):
    men, women = lung[lung["sex"] == "male"], lung[lung["sex"] == "female"]
    km_men = KaplanMeierFitter().fit(men["time_days"], men["died"])
    km_women = KaplanMeierFitter().fit(women["time_days"], women["died"])
    assert km_women.median_survival_time_ - km_men.median_survival_time_ >= 90
    grid = np.arange(0, 701, 25)
    above = km_women.predict(grid).to_numpy() >= km_men.predict(grid).to_numpy()
    assert above.mean() >= 0.8                                # "for most of the follow-up"
    test = logrank_test(men["time_days"], women["time_days"], men["died"], women["died"])
    assert test.p_value < 0.01


@pytest.fixture(scope="module")
def cox(lung):
    cox_data = lung[["time_days", "died", "age", "sex", "ecog"]].dropna()
    cox_data = cox_data.assign(female=(cox_data["sex"] == "female").astype(int)).drop(
        columns="sex")
    return len(lung) - len(cox_data), CoxPHFitter().fit(cox_data, "time_days", "died")


def test_l4_cox_drops_one_patient_and_reads_as_described(cox):
    dropped, model = cox
    assert dropped == 1
    ci = np.exp(model.confidence_intervals_)
    lower, upper = ci.iloc[:, 0], ci.iloc[:, 1]
    assert lower["ecog"] > 1                                    # clearly to the right
    assert upper["female"] < 1                                  # remains after adjustment
    assert lower["age"] < 1 < upper["age"]                      # straddles 1
    assert 2.2 < np.exp(model.params_["ecog"]) ** 2 < 2.8      # "about two and a half"
    assert 0.6 < model.concordance_index_ < 0.7                 # better than chance, far from 1


def test_l4_proportional_hazards_not_rejected_and_hr_reads_as_described(lung, cox):
    from lifelines.statistics import proportional_hazard_test

    _, model = cox
    cox_data = lung[["time_days", "died", "age", "sex", "ecog"]].dropna()
    cox_data = cox_data.assign(female=(cox_data["sex"] == "female").astype(int)).drop(
        columns="sex")
    p = proportional_hazard_test(model, cox_data, time_transform="rank").summary["p"]
    assert len(p) == 3 and (p > 0.1).all()                      # "all are above 0.1"
    hr_female = float(np.exp(model.params_["female"]))
    assert round(hr_female, 2) == 0.58                          # "about 0.58 times"
    assert round(100 * (1 - hr_female)) == 42                   # "a 42 % lower hazard"
    km = KaplanMeierFitter().fit(lung["time_days"], lung["died"])
    assert float(km.survival_function_.iloc[-1, 0]) < 0.1      # "almost every patient dies"


def test_l4_ecog_2_curve_falls_much_faster(cox):
    _, model = cox
    two_men = pd.DataFrame({"age": [65, 65], "ecog": [0, 2], "female": [0, 0]})
    medians = model.predict_median(two_men).to_numpy()
    assert medians[1] < 0.7 * medians[0]


# --------------------------------------------------------------------------- lesson 5


@pytest.fixture(scope="module")
def clusters():
    table = data.load("breast-cancer")
    scaled = StandardScaler().fit_transform(table.drop(columns="malignant"))
    labels = KMeans(n_clusters=2, n_init=10, random_state=0).fit_predict(scaled)
    rng = np.random.default_rng(0)
    noise = rng.uniform(0, 1, size=(300, 2))
    return table["malignant"].to_numpy(), scaled, labels, noise


def test_l5_two_clusters_follow_the_diagnosis_for_most_masses(clusters):
    truth, _, labels, _ = clusters
    agreement = max((labels == truth).mean(), (labels != truth).mean())
    assert agreement > 0.85 and len(truth) == 569
    assert 0.5 < adjusted_rand_score(truth, labels) < 0.8


def test_l5_noise_scores_as_well_and_restarts_disagree(clusters):
    _, scaled, labels, noise = clusters
    noise_labels = KMeans(n_clusters=3, n_init=10, random_state=0).fit_predict(noise)
    assert silhouette_score(noise, noise_labels) >= 0.9 * silhouette_score(scaled, labels)
    restarts = [KMeans(n_clusters=3, n_init=1, random_state=s).fit_predict(noise)
                for s in range(5)]
    assert max(adjusted_rand_score(restarts[0], r) for r in restarts[1:]) < 0.95


def test_l5_silhouette_peaks_at_two_for_masses_and_noise_scores_as_high(clusters):
    _, scaled, _, noise = clusters
    ks = [2, 3, 4, 5, 6]
    real = [silhouette_score(scaled, KMeans(n_clusters=k, n_init=10, random_state=0)
                             .fit_predict(scaled)) for k in ks]
    fake = [silhouette_score(noise, KMeans(n_clusters=k, n_init=10, random_state=0)
                             .fit_predict(noise)) for k in ks]
    assert ks[int(np.argmax(real))] == 2
    assert all(f >= r for f, r in zip(fake, real, strict=True))


def test_l5_raw_units_give_cholesterol_strata_that_disagree_with_scaled_clusters():
    diabetes = data.load("diabetes").drop(columns="progression")
    raw = KMeans(n_clusters=3, n_init=10, random_state=0).fit_predict(diabetes)
    scaled = KMeans(n_clusters=3, n_init=10, random_state=0).fit_predict(
        StandardScaler().fit_transform(diabetes))
    assert adjusted_rand_score(raw, scaled) < 0.3             # "largely disagree"
    means = diabetes.groupby(raw).mean()
    spread = (means.max() - means.min()) / diabetes.std()     # in standard deviations
    assert spread.idxmax() in ("tc", "ldl") and spread[["tc", "ldl"]].min() > 1.5


def test_l5_units_differ_tc_in_the_hundreds_tch_around_4_and_tc_ldl_spread_most():
    diabetes = data.load("diabetes").drop(columns="progression")
    assert 100 <= diabetes["tc"].mean() < 1000                  # "in the hundreds"
    assert round(diabetes["tch"].mean()) == 4                   # "around 4"
    assert set(diabetes.std().nlargest(2).index) == {"tc", "ldl"}   # "spread over the most units"


# --------------------------------------------------------------------------- datasheet


def test_diabetes_datasheet_ranges():
    table = data.load("diabetes")
    ranges = {"age": (19, 79), "sex": (1, 2), "bmi": (18.0, 42.2), "bp": (62, 133),
              "tc": (97, 301), "ldl": (41.6, 242.4), "hdl": (22, 99), "tch": (2.0, 9.09),
              "ltg": (3.26, 6.11), "glu": (58, 124), "progression": (25, 346)}
    for column, (low, high) in ranges.items():
        assert table[column].min() == pytest.approx(low, abs=0.005), column
        assert table[column].max() == pytest.approx(high, abs=0.005), column


def test_diabetes_names_follow_scikit_learn_description():
    # the loader docstring, the datasheet and lesson 3 quote these phrases
    from sklearn.datasets import load_diabetes

    descr = " ".join(load_diabetes().DESCR.split())
    for phrase in ("bp average blood pressure", "s1 tc, total serum cholesterol",
                   "s4 tch, total cholesterol / HDL",
                   "s5 ltg, possibly log of serum triglycerides level",
                   "s6 glu, blood sugar level", "six blood serum measurements",
                   "a quantitative measure of disease progression one year after baseline"):
        assert phrase in descr, phrase
    columns = data.tables.DIABETES_COLUMNS
    assert columns["s5"] == "ltg" and columns["bp"] == "bp" and columns["s4"] == "tch"


def test_ncctg_lung_datasheet_counts():
    lung = data.load("ncctg-lung")
    assert (lung["died"] == 1).sum() == 165 and (lung["died"] == 0).sum() == 63
    assert (lung["sex"] == "male").sum() == 138 and (lung["sex"] == "female").sum() == 90
