"""aimed.rt.phantoms: anatomy, margins and tissue inserts."""

from __future__ import annotations

import numpy as np
import pytest

from aimed import rt
from aimed.rt import phantoms


@pytest.mark.parametrize("name", rt.PHANTOMS)
def test_phantom_has_the_contracted_attributes(name):
    p = rt.make_phantom(name)
    assert p.target == "CTV" and p.voxel_mm == 2.5
    assert set(p.masks) >= {"body", "CTV", *p.organs}
    for mask in p.masks.values():
        assert mask.dtype == bool and mask.shape == p.density.shape
    assert set(p.organs.values()) <= {"serial", "parallel"}
    assert p.masks["CTV"].any()


@pytest.mark.parametrize("name", rt.PHANTOMS)
def test_body_is_a_28_by_20_cm_ellipse_of_water_in_air(name):
    p = rt.make_phantom(name)
    xx, yy = p.coordinates_mm()
    width = np.ptp(xx[p.body]) + p.voxel_mm
    depth = np.ptp(yy[p.body]) + p.voxel_mm
    assert 275 <= width <= 285 and 195 <= depth <= 205
    assert np.all(p.density[p.body] == 1.0) and np.all(p.density[~p.body] == 0.0)
    # About 112 x 80 voxels of body at 2.5 mm.
    assert abs(p.body.sum() * p.voxel_mm**2 - np.pi * 140 * 100) < 0.02 * np.pi * 140 * 100


@pytest.mark.parametrize("name", rt.PHANTOMS)
def test_structures_lie_in_the_body_and_do_not_overlap(name):
    p = rt.make_phantom(name)
    inner = [m for k, m in p.masks.items() if k != "body"]
    for mask in inner:
        assert not (mask & ~p.body).any()
    stacked = np.sum(inner, axis=0)
    assert stacked.max() == 1


def test_simple_organs_sit_behind_and_beside_the_target():
    p = rt.make_phantom("simple")
    xx, yy = p.coordinates_mm()
    ctv_y = yy[p.masks["CTV"]].mean()
    assert yy[p.masks["spinal cord"]].mean() > ctv_y + 40  # posterior
    assert xx[p.masks["parotid"]].mean() > 40  # to the patient's left
    assert p.organs == {"spinal cord": "serial", "parotid": "parallel"}


def test_prostate_has_rectum_behind_and_bladder_in_front():
    p = rt.make_phantom("prostate")
    yy = p.coordinates_mm()[1]
    ctv_y = yy[p.masks["CTV"]].mean()
    assert yy[p.masks["rectum"]].mean() > ctv_y > yy[p.masks["bladder"]].mean()
    # The rectum touches the CTV: a 5 mm PTV overlaps it, as in the clinic.
    ptv = rt.expand(p.masks["CTV"], 5.0, p.voxel_mm)
    assert (ptv & p.masks["rectum"]).any()


def test_c_shape_wraps_the_core_with_an_anterior_opening():
    p = rt.make_phantom("c-shape")
    xx, yy = p.coordinates_mm()
    core_x, core_y = xx[p.masks["core"]].mean(), yy[p.masks["core"]].mean()
    ctv = p.masks["CTV"]
    assert abs(xx[ctv].mean() - core_x) < 1.0  # symmetric left-right
    assert yy[ctv].mean() > core_y  # more target behind the core: the C opens anteriorly
    gap = rt.expand(p.masks["core"], 9.9, p.voxel_mm) & ctv
    assert not gap.any()  # at least 10 mm between the core and the CTV


def test_seeded_variants_are_reproducible_and_different():
    a, b = rt.make_phantom("simple", seed=3), rt.make_phantom("simple", seed=3)
    c = rt.make_phantom("simple", seed=4)
    assert all(np.array_equal(a.masks[k], b.masks[k]) for k in a.masks)
    assert not np.array_equal(a.masks["CTV"], c.masks["CTV"])
    ref = rt.make_phantom("simple")
    assert 0.6 < rt.dice(ref.masks["CTV"], c.masks["CTV"]) < 1.0


@pytest.mark.parametrize("voxel_mm", [1.25, 2.5, 5.0])
def test_voxel_size_changes_resolution_not_anatomy(voxel_mm):
    p = rt.make_phantom("simple", voxel_mm)
    area_cm2 = p.area_cm2("CTV")
    assert abs(area_cm2 - np.pi * 3.0**2) < 0.1 * np.pi * 3.0**2


@pytest.mark.parametrize("margin_mm", [0.0, 2.5, 5.0, 7.5, 10.0])
def test_expand_grows_by_the_margin(margin_mm):
    p = rt.make_phantom("simple")
    ctv = p.masks["CTV"]
    ptv = rt.expand(ctv, margin_mm, p.voxel_mm)
    assert (ptv | ctv).sum() == ptv.sum()  # contains the CTV
    expected_radius = 30.0 + margin_mm
    area = ptv.sum() * p.voxel_mm**2
    assert abs(np.sqrt(area / np.pi) - expected_radius) < p.voxel_mm


def test_expand_is_monotone_in_the_margin():
    ctv = rt.make_phantom("c-shape").masks["CTV"]
    sizes = [rt.expand(ctv, m, 2.5).sum() for m in np.arange(0, 12, 1.0)]
    assert all(np.diff(sizes) >= 0)


def test_with_tissue_changes_density_only_where_asked():
    p = rt.make_phantom("simple")
    lung = np.zeros(p.shape, bool)
    lung[10:30, 20:50] = True
    q = rt.with_tissue(p, lung, "lung", structure="lung")
    assert rt.DENSITY_G_CM3["lung"] == 0.26
    assert np.all(q.density[lung & p.body] == 0.26)
    assert np.array_equal(q.density[~lung], p.density[~lung])
    assert "lung" in q.masks and "lung" not in p.masks
    r = rt.with_tissue(p, lung, 1.5)
    assert np.all(r.density[lung & p.body] == 1.5)


def test_with_masks_replaces_a_contour_and_keeps_the_rest():
    p = rt.make_phantom("simple")
    q = p.with_masks({"CTV": p.masks["CTV"][::-1, :].copy()})
    assert not np.array_equal(q.masks["CTV"], p.masks["CTV"])
    assert np.array_equal(q.masks["parotid"], p.masks["parotid"])
    assert q.density is p.density
    with pytest.raises(ValueError, match=r"masks\['CTV'\]"):
        p.with_masks({"CTV": np.zeros(p.shape, bool)})


# --------------------------------------------------------------------------- bad input

@pytest.mark.parametrize("voxel_mm", [0, -2.5, float("nan"), float("inf"), 11.0, "2.5mm", True])
def test_bad_voxel_size_names_the_parameter(voxel_mm):
    with pytest.raises(ValueError, match="voxel_mm"):
        rt.make_phantom("simple", voxel_mm)


def test_unknown_phantom_lists_the_names():
    with pytest.raises(ValueError, match=r"name must be one of simple, c-shape, prostate"):
        rt.make_phantom("lung")


@pytest.mark.parametrize("margin", [-1.0, float("nan"), 101.0])
def test_bad_margin_names_the_parameter(margin):
    ctv = rt.make_phantom("simple").masks["CTV"]
    with pytest.raises(ValueError, match="margin_mm"):
        rt.expand(ctv, margin, 2.5)


def test_expand_refuses_empty_masks_and_bad_voxels():
    with pytest.raises(ValueError, match="mask"):
        rt.expand(np.zeros((5, 5), bool), 3.0, 2.5)
    with pytest.raises(ValueError, match="voxel_mm"):
        rt.expand(np.ones((5, 5), bool), 3.0, 0.0)


def test_unknown_tissue_and_structure():
    p = rt.make_phantom("simple")
    with pytest.raises(ValueError, match="tissue"):
        rt.with_tissue(p, p.masks["CTV"], "titanium")
    with pytest.raises(ValueError, match="structure"):
        p.mask("liver")


def test_rt_errors_are_value_errors_in_french_too(monkeypatch):
    monkeypatch.setenv("AIMED_LANG", "fr")
    with pytest.raises(rt.RTInputError, match="voxel_mm doit être"):
        rt.make_phantom("simple", -1)
    assert issubclass(rt.RTInputError, ValueError)


def test_datasheet_dimensions_match_the_code():
    assert phantoms.BODY_MM == (280.0, 200.0)
    from aimed import data

    sheet = data.datasheet("rt-phantoms")
    assert "84 × 116 voxels" in sheet
    assert rt.make_phantom("simple").shape == (84, 116)
