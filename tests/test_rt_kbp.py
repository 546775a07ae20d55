"""aimed.rt.kbp: geometry features, dose prediction, plan quality control and mimicking."""

from __future__ import annotations

import numpy as np
import pytest

from aimed import rt

ANGLES = rt.equally_spaced(7)


@pytest.fixture(scope="module")
def library():
    return [rt.plan(rt.make_phantom("prostate", seed=s), ANGLES) for s in range(1, 7)]


@pytest.fixture(scope="module")
def model(library):
    return rt.train_dose_model(library, max_iter=100)


@pytest.fixture(scope="module")
def new_patient():
    phantom = rt.make_phantom("prostate", seed=42)
    return phantom, rt.plan(phantom, ANGLES)


def test_geometry_features_have_the_documented_meaning():
    p = rt.make_phantom("prostate")
    ptv = rt.expand(p.masks["CTV"], 5.0, 2.5)
    x = rt.geometry_features(p, ptv)
    names = rt.kbp.feature_names(list(p.organs))
    assert x.shape == (p.body.sum(), len(names))
    signed = x[:, 0]
    inside = ptv[p.body]
    assert np.all(signed[inside] <= 0) and np.all(signed[~inside] > 0)
    rectum = p.masks["rectum"][p.body]
    assert np.all(x[rectum, names.index("distance to rectum (mm)")] == 0)
    assert np.all(x[:, names.index("depth under the skin (mm)")] > 0)
    assert abs(x[inside, -2].mean()) < 1e-9 and abs(x[inside, -1].mean()) < 1e-9


def test_prediction_is_close_to_the_plan_of_a_new_patient(model, new_patient):
    phantom, standard = new_patient
    predicted = rt.predict_dose(model, phantom, standard.ptv)
    assert predicted.shape == phantom.shape and np.all(predicted >= 0)
    assert np.all(predicted[~phantom.body] == 0)
    error = np.abs(predicted - standard.dose)[phantom.body].mean()
    assert error < 3.0  # Gy, mean over the body
    for organ in phantom.organs:
        gap = predicted[phantom.masks[organ]].mean() - standard.dose[phantom.masks[organ]].mean()
        assert abs(gap) < 4.0, organ


def test_prediction_flags_a_poor_plan(model, new_patient):
    phantom, standard = new_patient
    predicted = rt.predict_dose(model, phantom, standard.ptv)
    poor = rt.plan(phantom, ANGLES, oar_weight=0.1)
    rectum = phantom.masks["rectum"]
    assert poor.dose[rectum].mean() - predicted[rectum].mean() > 4.0


def test_mimicking_reproduces_the_prediction(model, new_patient):
    phantom, standard = new_patient
    predicted = rt.predict_dose(model, phantom, standard.ptv)
    mimic = rt.plan(phantom, ANGLES, objectives=rt.mimic_objectives(predicted, phantom))
    assert mimic.metrics("PTV")["D95"] == pytest.approx(60.0)
    assert rt.homogeneity_index(mimic.dose, mimic.ptv) < 0.1
    for organ in phantom.organs:
        achieved = mimic.dose[phantom.masks[organ]].mean()
        assert achieved < predicted[phantom.masks[organ]].mean() + 3.0, organ
        assert achieved < rt.plan(phantom, ANGLES, oar_weight=0.1).metrics(organ)["Dmean"]


def test_mimic_objective_penalises_only_dose_above_the_reference():
    phantom = rt.make_phantom("simple")
    reference = np.full(phantom.shape, 30.0)
    objective = rt.Objective("parotid", "mimic", 1.0, reference_gy=reference)
    body = phantom.body
    matrix = np.eye(body.sum())
    masks = {"parotid": phantom.masks["parotid"]}
    below = np.full(body.sum(), 20.0)
    above = np.full(body.sum(), 45.0)
    assert rt.optimise.evaluate_objective(matrix, below, [objective], masks, body, 60.0) == 0.0
    value = rt.optimise.evaluate_objective(matrix, above, [objective], masks, body, 60.0)
    assert value == pytest.approx((15.0 / 60.0) ** 2)


def test_kbp_bad_input(library):
    with pytest.raises(ValueError, match="plans"):
        rt.train_dose_model([])
    other = rt.plan(rt.make_phantom("simple"), ANGLES, "conformal")
    with pytest.raises(ValueError, match="plans mixes treatment sites"):
        rt.train_dose_model([library[0], other])
    with pytest.raises(ValueError, match="reference_gy"):
        rt.Objective("rectum", "mimic", 1.0)
    with pytest.raises(ValueError, match="reference_gy"):
        rt.Objective("rectum", "overdose", 1.0, 30.0, reference_gy=np.zeros((3, 3)))
    phantom = library[0].phantom
    with pytest.raises(ValueError, match="predicted_gy"):
        rt.mimic_objectives(np.zeros((3, 3)), phantom)
