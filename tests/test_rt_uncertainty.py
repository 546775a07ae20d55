"""aimed.rt.uncertainty: set-up errors, coverage probability and the van Herk recipe."""

from __future__ import annotations

import numpy as np
import pytest

from aimed import rt


def test_van_herk_recipe():
    assert rt.van_herk_margin(2.0, 3.0) == pytest.approx(7.1)
    assert rt.van_herk_margin(0.0, 0.0) == 0.0
    assert rt.van_herk_margin(4.0, 0.0) == pytest.approx(10.0)
    with pytest.raises(ValueError, match="systematic_sd_mm"):
        rt.van_herk_margin(-1.0, 2.0)
    with pytest.raises(ValueError, match="random_sd_mm"):
        rt.van_herk_margin(1.0, float("nan"))


@pytest.fixture(scope="module")
def uniform_field():
    """A flat 60 Gy square field around a small CTV: covered unless shifted far."""
    dose = np.zeros((80, 80))
    dose[20:60, 20:60] = 60.0
    ctv = np.zeros((80, 80), bool)
    ctv[36:44, 36:44] = True
    return dose, ctv


def test_without_errors_every_patient_gets_the_planned_minimum(uniform_field):
    dose, ctv = uniform_field
    minimum = rt.simulate_setup_errors(dose, ctv, 2.5, systematic_sd_mm=0.0, random_sd_mm=0.0,
                                       n_patients=20)
    np.testing.assert_allclose(minimum, 60.0)
    assert rt.coverage_probability(dose, ctv, 2.5, 60.0, systematic_sd_mm=0.0,
                                   random_sd_mm=0.0, n_patients=20) == 1.0


def test_larger_errors_lower_coverage(uniform_field):
    dose, ctv = uniform_field
    values = [rt.coverage_probability(dose, ctv, 2.5, 60.0, systematic_sd_mm=s, random_sd_mm=s,
                                      n_patients=300) for s in (2.0, 10.0, 20.0)]
    assert values[0] > values[1] > values[2]


def test_random_errors_alone_blur_the_dose():
    dose = np.zeros((60, 60))
    dose[20:40, 20:40] = 60.0
    ctv = dose > 0  # CTV exactly the high-dose region: no margin
    minimum = rt.simulate_setup_errors(dose, ctv, 2.5, systematic_sd_mm=0.0, random_sd_mm=3.0,
                                       n_patients=50, seed=1)
    assert np.all(minimum < 60.0) and np.all(minimum > 0.0)


def test_same_seed_same_patients(uniform_field):
    dose, ctv = uniform_field
    kwargs = {"systematic_sd_mm": 5.0, "random_sd_mm": 3.0, "n_patients": 30}
    a = rt.simulate_setup_errors(dose, ctv, 2.5, seed=7, **kwargs)
    b = rt.simulate_setup_errors(dose, ctv, 2.5, seed=7, **kwargs)
    np.testing.assert_array_equal(a, b)


def test_growing_the_margin_raises_the_coverage_probability():
    phantom = rt.make_phantom("simple")
    study = rt.margin_study(phantom, [0.0, 2.5, 5.0, 10.0], rt.equally_spaced(7),
                            systematic_sd_mm=2.0, random_sd_mm=3.0, n_patients=200)
    coverage = study["coverage"].to_numpy()
    assert np.all(np.diff(coverage) >= 0) and coverage[-1] > coverage[0]
    assert coverage[-1] >= 0.9 and coverage[0] < 0.5
    assert np.all(np.diff(study["ptv_cm2"]) > 0)
    assert list(study.columns) == ["margin_mm", "coverage", "ptv_cm2",
                                   "spinal cord mean (Gy)", "parotid mean (Gy)"]


def test_margin_study_prints_progress(capsys):
    phantom = rt.make_phantom("prostate")
    rt.margin_study(phantom, [5.0], [0.0, 120.0, 240.0], systematic_sd_mm=1.0,
                    random_sd_mm=1.0, n_patients=10, verbose=True)
    assert "margin 1/1: 5 mm planned" in capsys.readouterr().out


def test_uncertainty_bad_input(uniform_field):
    dose, ctv = uniform_field
    with pytest.raises(ValueError, match="ctv_mask"):
        rt.simulate_setup_errors(dose, ctv[:-1], 2.5, systematic_sd_mm=1, random_sd_mm=1)
    with pytest.raises(ValueError, match="n_patients"):
        rt.simulate_setup_errors(dose, ctv, 2.5, systematic_sd_mm=1, random_sd_mm=1,
                                 n_patients=0)
    with pytest.raises(ValueError, match="prescription_gy"):
        rt.coverage_probability(dose, ctv, 2.5, 0.0, systematic_sd_mm=1, random_sd_mm=1)
    with pytest.raises(ValueError, match="margins_mm"):
        rt.margin_study(rt.make_phantom("simple"), [], [0.0], systematic_sd_mm=1,
                        random_sd_mm=1)
