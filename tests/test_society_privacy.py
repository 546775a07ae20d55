"""aimed.society.privacy: k-anonymity, l-diversity, generalisation, Laplace mechanism."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from aimed.society import SocietyValueError, privacy

TABLE = pd.DataFrame({"age": [34, 36, 34, 71, 75, 77],
                      "sex": ["F", "F", "F", "M", "M", "M"],
                      "postcode": ["31001", "31002", "31001", "32005", "32007", "32005"],
                      "diagnosis": ["asthma", "asthma", "asthma", "stroke", "COPD", "stroke"]})


def test_class_sizes_k_and_share_unique():
    qi = ["age", "sex", "postcode"]
    assert privacy.class_sizes(TABLE, qi).tolist() == [2, 1, 2, 1, 1, 1]
    assert privacy.k_anonymity(TABLE, qi) == 1
    assert privacy.share_unique(TABLE, qi) == pytest.approx(4 / 6)
    general = TABLE.assign(age=privacy.generalise_age(TABLE["age"], 10),
                           postcode=privacy.generalise_postcode(TABLE["postcode"], 2))
    assert privacy.k_anonymity(general, qi) == 3
    assert privacy.l_diversity(general, qi, "diagnosis") == 1  # the women all have asthma


def test_missing_values_form_their_own_class():
    table = pd.DataFrame({"a": [1, None, None], "b": ["x", "y", "y"]})
    assert privacy.class_sizes(table, ["a"]).tolist() == [1, 2, 2]


def test_generalisers():
    assert privacy.generalise_age([0, 9, 10, 45, 99], 10).tolist() == \
        ["0-9", "0-9", "10-19", "40-49", "90-99"]
    assert privacy.generalise_age([18, 45, 92], 10, bottom=30, top=90).tolist() == \
        ["<30", "40-49", "90+"]
    assert privacy.generalise_age([41], 1).tolist() == ["41"]
    assert privacy.generalise_postcode(["31042", "40001"], 3).tolist() == ["310**", "400**"]
    assert privacy.generalise_postcode(["31042"], 0).tolist() == ["*****"]
    dates = pd.to_datetime(["2025-02-14", "2025-11-30"])
    assert privacy.generalise_date(dates, "month").tolist() == ["2025-02", "2025-11"]
    assert privacy.generalise_date(dates, "quarter").tolist() == ["2025-Q1", "2025-Q4"]
    assert privacy.generalise_date(dates, "year").tolist() == ["2025", "2025"]
    assert privacy.generalise_date(dates, "week").tolist() == ["2025-W07", "2025-W48"]


@pytest.mark.parametrize(("call", "message"), [
    (lambda: privacy.generalise_age([150], 10), "age_years"),
    (lambda: privacy.generalise_age([40], 0), "width must be a whole number"),
    (lambda: privacy.generalise_postcode(["310", "3100"], 2), "same number of characters"),
    (lambda: privacy.generalise_postcode(["31000"], 6), "digits must be a whole number from 0 to"),
    (lambda: privacy.generalise_date(["2025-01-01"], "decade"), "unit must be one of"),
    (lambda: privacy.k_anonymity(TABLE, ["age", "ward"]), r"\['ward'\]"),
    (lambda: privacy.k_anonymity(TABLE, []), "non-empty list"),
    (lambda: privacy.k_anonymity([1, 2], ["a"]), "pandas DataFrame"),
    (lambda: privacy.l_diversity(TABLE, ["age", "diagnosis"], "diagnosis"), "cannot also be"),
    (lambda: privacy.suppress_small_classes(TABLE, ["age"], 0), "k must be"),
])
def test_bad_inputs_name_the_parameter(call, message):
    with pytest.raises(SocietyValueError, match=message):
        call()


def test_suppression_returns_the_suppressed_rows():
    kept, suppressed = privacy.suppress_small_classes(TABLE, ["sex", "postcode"], 2)
    assert len(kept) + len(suppressed) == len(TABLE)
    assert privacy.k_anonymity(kept, ["sex", "postcode"]) >= 2
    assert sorted(suppressed.index) == [1, 4]


def test_laplace_mechanism_is_reproducible_and_has_the_right_scale():
    a = privacy.laplace_mechanism(10.0, 1.0, 0.5, np.random.default_rng(3))
    b = 10.0 + np.random.default_rng(3).laplace(0.0, 2.0)
    assert a == b and isinstance(a, float)
    rng = np.random.default_rng(4)
    draws = np.array([privacy.noisy_count(np.ones(50, dtype=bool), 0.1, rng) for _ in range(20000)])
    assert abs(draws.mean() - 50) < 0.3
    assert abs(np.mean(np.abs(draws - 50)) - 10) < 0.3  # mean |error| = scale = 1/ε
    assert privacy.laplace_scale(1.0, 0.01) == pytest.approx(100.0)


def test_noisy_mean_clips_and_scales_with_n():
    rng = np.random.default_rng(5)
    values = np.array([2.0, 4.0, 100.0, 6.0])
    draws = np.array([privacy.noisy_mean(values, 1, 30, 1.0, rng) for _ in range(20000)])
    assert abs(draws.mean() - np.mean([2, 4, 30, 6])) < 0.15  # 100 clipped to 30
    assert abs(np.mean(np.abs(draws - 10.5)) - 29 / 4) < 0.3


@pytest.mark.parametrize(("call", "message"), [
    (lambda: privacy.laplace_mechanism(1.0, 1.0, 0.0, np.random.default_rng()), "epsilon"),
    (lambda: privacy.laplace_mechanism(1.0, -1.0, 1.0, np.random.default_rng()), "sensitivity"),
    (lambda: privacy.laplace_mechanism(1.0, 1.0, 1.0, 42), "numpy.random.Generator"),
    (lambda: privacy.noisy_count([1, 0], 1.0, np.random.default_rng()), "True/False"),
    (lambda: privacy.noisy_mean([1.0, np.nan], 0, 1, 1.0, np.random.default_rng()), "finite"),
    (lambda: privacy.noisy_mean([1.0], 5, 5, 1.0, np.random.default_rng()), "upper"),
])
def test_dp_validation(call, message):
    with pytest.raises(ValueError, match=message):
        call()


def test_person_level_bound_multiplies_the_noise():
    a = privacy.noisy_count(np.ones(40, dtype=bool), 0.5, np.random.default_rng(8),
                            max_records_per_person=3)
    assert a == 40.0 + np.random.default_rng(8).laplace(0.0, 3 / 0.5)
    b = privacy.noisy_mean(np.array([2.0, 4.0, 6.0, 8.0]), 1, 30, 1.0, np.random.default_rng(9),
                           max_records_per_person=2)
    assert b == pytest.approx(5.0 + np.random.default_rng(9).laplace(0.0, 2 * 29 / 4))
    for call in (lambda: privacy.noisy_count(np.ones(3, dtype=bool), 1.0,
                                             np.random.default_rng(), max_records_per_person=0),
                 lambda: privacy.noisy_mean([1.0], 0, 1, 1.0, np.random.default_rng(),
                                            max_records_per_person=1.5)):
        with pytest.raises(SocietyValueError, match="max_records_per_person"):
            call()
