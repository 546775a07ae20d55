"""aimed.rt.plan: the properties a planning system must have, and its bad inputs."""

from __future__ import annotations

import numpy as np
import pytest

from aimed import rt
from aimed.rt import optimise, planning

PRESCRIPTION = 60.0


@pytest.fixture(scope="module")
def plans():
    """A conformal and an IMRT plan, on 9 beams, for each phantom."""
    out = {}
    for name in rt.PHANTOMS:
        phantom = rt.make_phantom(name)
        out[name] = {m: rt.plan(phantom, rt.equally_spaced(9), m) for m in rt.METHODS}
    return out


@pytest.mark.parametrize("name", rt.PHANTOMS)
@pytest.mark.parametrize("method", rt.METHODS)
def test_dose_is_non_negative_and_zero_outside_the_body(plans, name, method):
    p = plans[name][method]
    assert np.all(np.isfinite(p.dose)) and np.all(p.dose >= 0)
    assert np.all(p.dose[~p.phantom.body] == 0)
    assert np.all(p.weights >= 0)


@pytest.mark.parametrize("name", rt.PHANTOMS)
@pytest.mark.parametrize("method", rt.METHODS)
def test_plan_is_normalised_to_ptv_d95_and_keeps_prescription_and_fractions(plans, name, method):
    p = plans[name][method]
    m = rt.dose_metrics(p.dose, p.ptv, PRESCRIPTION)
    assert m["D95"] >= 0.95 * PRESCRIPTION
    assert m["D95"] == pytest.approx(PRESCRIPTION)
    assert p.prescription_gy == 60.0 and p.fractions == 30 and p.dose_per_fraction_gy == 2.0
    np.testing.assert_allclose(p.dose, p.influence.dose(p.weights))


@pytest.mark.parametrize("name", rt.PHANTOMS)
def test_imrt_spares_every_organ_better_than_conformal_at_equal_d95(plans, name):
    imrt, conformal = plans[name]["imrt"], plans[name]["conformal"]
    assert imrt.metrics("PTV")["D95"] == pytest.approx(conformal.metrics("PTV")["D95"])
    for organ in imrt.phantom.organs:
        assert imrt.metrics(organ)["Dmean"] < conformal.metrics(organ)["Dmean"], organ


@pytest.mark.parametrize("name", rt.PHANTOMS)
def test_imrt_is_more_conformal_and_still_reasonably_homogeneous(plans, name):
    imrt, conformal = plans[name]["imrt"], plans[name]["conformal"]
    ci = [rt.conformity_index(p.dose, p.ptv, PRESCRIPTION, body_mask=p.phantom.body)
          for p in (imrt, conformal)]
    assert ci[0] > ci[1]
    assert rt.homogeneity_index(imrt.dose, imrt.ptv) < 0.12
    assert imrt.metrics("PTV")["D2"] < 1.07 * PRESCRIPTION


@pytest.mark.parametrize("name", rt.PHANTOMS)
def test_objective_never_worsens_when_beams_are_added(name):
    phantom = rt.make_phantom(name)
    nested = [[0.0, 180.0], [0.0, 90.0, 180.0, 270.0], list(rt.equally_spaced(8))]
    values = [rt.plan(phantom, angles).objective for angles in nested]
    assert values[0] >= values[1] * (1 - 1e-6) and values[1] >= values[2] * (1 - 1e-6), values


def test_the_optimiser_finds_a_better_objective_than_the_conformal_weights():
    phantom = rt.make_phantom("simple")
    imrt = rt.plan(phantom, rt.equally_spaced(5))
    conformal = rt.plan(phantom, rt.equally_spaced(5), "conformal")
    structures = planning.planning_structures(phantom, imrt.ptv)
    value = optimise.evaluate_objective(
        conformal.influence.matrix, conformal.weights, imrt.objectives, structures,
        phantom.body, PRESCRIPTION)
    # Compare before normalisation: rescale the conformal weights to the best scale.
    scales = np.linspace(0.8, 1.2, 41)
    best = min(optimise.evaluate_objective(conformal.influence.matrix, s * conformal.weights,
                                           imrt.objectives, structures, phantom.body,
                                           PRESCRIPTION) for s in scales)
    assert imrt.objective < best <= value


@pytest.mark.parametrize(("name", "organ", "judged_on"), [
    ("simple", "spinal cord", "Dmax"), ("simple", "parotid", "Dmean"),
    ("c-shape", "core", "Dmax"), ("prostate", "rectum", "Dmean"),
    ("prostate", "bladder", "Dmean"),
])
def test_a_larger_organ_weight_lowers_that_organs_dose(name, organ, judged_on):
    phantom = rt.make_phantom(name)
    doses = [rt.plan(phantom, rt.equally_spaced(7), oar_weight=w).metrics(organ)[judged_on]
             for w in (0.3, 3.0, 30.0)]
    assert doses[0] > doses[1] > doses[2], doses


def test_organ_weight_trades_target_homogeneity():
    phantom = rt.make_phantom("simple")
    low, high = (rt.plan(phantom, rt.equally_spaced(7), oar_weight=w) for w in (0.3, 30.0))
    assert rt.homogeneity_index(high.dose, high.ptv) > rt.homogeneity_index(low.dose, low.ptv)


def test_prescription_and_fractions_scale_the_plan():
    phantom = rt.make_phantom("prostate")
    a = rt.plan(phantom, rt.equally_spaced(5), prescription_gy=60.0, fractions=30)
    b = rt.plan(phantom, rt.equally_spaced(5), prescription_gy=78.0, fractions=39)
    assert b.dose_per_fraction_gy == 2.0
    np.testing.assert_allclose(b.dose, a.dose * 78.0 / 60.0, rtol=1e-4, atol=1e-3)


def test_margin_grows_the_ptv():
    phantom = rt.make_phantom("simple")
    sizes = [rt.plan(phantom, [0.0, 120.0, 240.0], "conformal", margin_mm=m).ptv.sum()
             for m in (0.0, 5.0, 10.0)]
    assert sizes[0] == phantom.masks["CTV"].sum() and sizes[0] < sizes[1] < sizes[2]


def test_custom_objectives_and_plan_table():
    phantom = rt.make_phantom("simple")
    objectives = [rt.Objective("PTV", "target", 1.0, 60.0)]
    p = rt.plan(phantom, rt.equally_spaced(5), objectives=objectives)
    assert p.objectives == objectives
    table = p.table()
    assert list(table.index) == ["PTV", "CTV", "spinal cord", "parotid"]
    assert {"D98", "D95", "D50", "D2", "Dmean", "Dmax", "V95 (%)", "CI", "HI"} <= set(table)
    assert 0 < table.loc["PTV", "CI"] <= 1


def test_evaluation_on_other_anatomy():
    phantom = rt.make_phantom("simple")
    shifted = phantom.with_masks({"CTV": np.roll(phantom.masks["CTV"], 8, axis=1)})
    p = rt.plan(phantom, rt.equally_spaced(7))
    assert p.metrics("CTV", on=shifted)["D98"] < p.metrics("CTV")["D98"] - 5


# --------------------------------------------------------------------------- bad input

def test_empty_or_missing_target():
    phantom = rt.make_phantom("simple")
    masks = dict(phantom.masks)
    masks["CTV"] = np.zeros(phantom.shape, bool)
    empty = rt.Phantom("x", 2.5, masks, "CTV", phantom.organs, phantom.density)
    with pytest.raises(ValueError, match=r"phantom\.target.*empty"):
        rt.plan(empty, [0.0])
    missing = rt.Phantom("x", 2.5, phantom.masks, "GTV", phantom.organs, phantom.density)
    with pytest.raises(ValueError, match=r"phantom\.target.*missing"):
        rt.plan(missing, [0.0])
    with pytest.raises(ValueError, match="phantom"):
        rt.plan("simple", [0.0])


@pytest.mark.parametrize("angles", [[], None, [float("nan")], [0.0, float("inf")], "0"])
def test_no_beams_or_non_finite_angles(angles):
    with pytest.raises(ValueError, match="angles_deg"):
        rt.plan(rt.make_phantom("simple"), angles)


@pytest.mark.parametrize("prescription", [0.0, -2.0, float("nan"), "60 Gy"])
def test_prescription_must_be_positive(prescription):
    with pytest.raises(ValueError, match="prescription_gy"):
        rt.plan(rt.make_phantom("simple"), [0.0], prescription_gy=prescription)


@pytest.mark.parametrize(("kwargs", "param"), [
    ({"method": "vmat"}, "method"), ({"fractions": 0}, "fractions"),
    ({"fractions": 2.5}, "fractions"), ({"fractions": 101}, "fractions"),
    ({"margin_mm": -1.0}, "margin_mm"), ({"margin_mm": 31.0}, "margin_mm"),
    ({"oar_weight": -1.0}, "oar_weight"), ({"beamlet_mm": 0.0}, "beamlet_mm"),
])
def test_other_parameters_out_of_range(kwargs, param):
    with pytest.raises(ValueError, match=param):
        rt.plan(rt.make_phantom("simple"), [0.0, 180.0], **kwargs)


def test_objectives_naming_unknown_structures_or_kinds():
    phantom = rt.make_phantom("simple")
    with pytest.raises(ValueError, match="objectives.*liver"):
        rt.plan(phantom, [0.0], objectives=[rt.Objective("liver", "mean", 1.0, 0.0)])
    with pytest.raises(ValueError, match="kind"):
        rt.Objective("PTV", "maximum", 1.0, 60.0)
    with pytest.raises(ValueError, match="weight"):
        rt.Objective("PTV", "target", -1.0, 60.0)
