"""aimed.rt.beams and aimed.rt.dose: geometry, depth dose, profiles and the matrix A."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import integrate

from aimed import rt
from aimed.rt import dose as dose_module

# --------------------------------------------------------------------------- depth dose

def test_depth_dose_maximum_is_one_at_about_1_3_cm():
    d_max = rt.depth_of_maximum_cm()
    assert d_max == pytest.approx(math.log(3.25 / 0.05) / 3.2)
    assert 1.25 < d_max < 1.35
    assert rt.depth_dose(d_max) == pytest.approx(1.0)
    depths = np.linspace(0, 30, 3001)
    assert rt.depth_dose(depths).max() <= 1.0 + 1e-12


def test_depth_dose_is_about_65_percent_at_10_cm():
    assert 0.63 < rt.depth_dose(10.0) < 0.68


def test_depth_dose_builds_up_then_falls():
    depths = np.linspace(0, 30, 601)
    dd = rt.depth_dose(depths)
    peak = np.argmax(dd)
    assert dd[0] == 0.0  # primary-only model: no surface dose
    assert np.all(np.diff(dd[: peak + 1]) > 0) and np.all(np.diff(dd[peak:]) < 0)


def test_depth_dose_follows_the_bortfeld_formula():
    mu, beta, d = 0.05, 3.25, np.array([0.5, 2.0, 7.0, 15.0])
    raw = beta / (beta - mu) * (np.exp(-mu * d) - np.exp(-beta * d))
    d_max = math.log(beta / mu) / (beta - mu)
    peak = beta / (beta - mu) * (math.exp(-mu * d_max) - math.exp(-beta * d_max))
    np.testing.assert_allclose(rt.depth_dose(d), raw / peak)


@pytest.mark.parametrize("depth", [-1.0, float("nan"), [1.0, -0.1]])
def test_depth_dose_refuses_negative_or_nan_depth(depth):
    with pytest.raises(ValueError, match="depth_cm"):
        rt.depth_dose(depth)


def test_depth_dose_needs_beta_above_mu():
    with pytest.raises(ValueError, match="beta_per_cm"):
        rt.depth_dose(1.0, mu_per_cm=0.5, beta_per_cm=0.4)


# --------------------------------------------------------------------------- lateral profile

def test_lateral_profile_integrates_to_the_beamlet_width():
    area, _ = integrate.quad(lambda x: rt.lateral_profile(x, 5.0), -400, 400, limit=200)
    assert area == pytest.approx(5.0, rel=1e-6)


def test_a_broad_field_gives_one_on_axis_and_profiles_are_symmetric():
    assert rt.lateral_profile(0.0, 1000.0) == pytest.approx(1.0, abs=1e-9)
    x = np.linspace(-40, 40, 81)
    np.testing.assert_allclose(rt.lateral_profile(x), rt.lateral_profile(-x))


def test_scatter_weight_sets_the_tail():
    far = 20.0  # mm: beyond the primary penumbra, inside the scatter
    assert rt.lateral_profile(far, scatter_weight=0.0) < 1e-6
    assert rt.lateral_profile(far) > 0.01


# --------------------------------------------------------------------------- beams

def test_equally_spaced_angles():
    np.testing.assert_allclose(rt.equally_spaced(4), [0, 90, 180, 270])
    np.testing.assert_allclose(rt.equally_spaced(3, 30), [30, 150, 270])
    with pytest.raises(ValueError, match="n_beams"):
        rt.equally_spaced(0)


@pytest.mark.parametrize("angle", [0.0, 37.0, 90.0, 200.0])
def test_beamlets_cover_the_ptv_plus_one_beamlet_each_side(angle):
    p = rt.make_phantom("c-shape")
    ptv = rt.expand(p.masks["CTV"], 5.0, p.voxel_mm)
    (beam,) = rt.make_beams(p, ptv, [angle])
    xx, yy = p.coordinates_mm()
    ux, uy = beam.lateral
    s = (xx[ptv] - beam.isocentre_mm[0]) * ux + (yy[ptv] - beam.isocentre_mm[1]) * uy
    width, half = beam.beamlet_mm, p.voxel_mm / 2
    low, high = s.min() - half, s.max() + half  # the PTV's projection, voxel edges included
    offsets = beam.offsets_mm
    assert np.allclose(np.diff(offsets), width)
    # The second beamlet holds the PTV's first edge and the last-but-one its other edge...
    assert offsets[1] - width / 2 <= low + 1e-9 < offsets[1] + width / 2
    assert offsets[-2] - width / 2 < high - 1e-9 <= offsets[-2] + width / 2
    # ...so the first and last beamlets are the extra ones, just outside the PTV.
    assert offsets[0] + width / 2 <= low + 1e-9 and offsets[-1] - width / 2 >= high - 1e-9


def test_beam_directions_follow_the_gantry_convention():
    p = rt.make_phantom("simple")
    beams = rt.make_beams(p, p.masks["CTV"], [0, 90, 180, 270])
    np.testing.assert_allclose([b.direction for b in beams],
                               [(0, 1), (-1, 0), (0, -1), (1, 0)], atol=1e-12)


@pytest.mark.parametrize("angles", [[], None, [float("nan")], [0.0, float("inf")], [10.0, 370.0]])
def test_bad_angles_name_the_parameter(angles):
    p = rt.make_phantom("simple")
    with pytest.raises(ValueError, match="angles_deg"):
        rt.make_beams(p, p.masks["CTV"], angles)


# --------------------------------------------------------------------------- radiological depth

def test_radiological_depth_in_water_is_geometric_depth():
    p = rt.make_phantom("simple")
    depth = rt.radiological_depth(p, 0.0)  # beam from the front, travelling to +y
    yy = p.coordinates_mm()[1]
    column = np.argmin(np.abs(p.x_mm))
    inside = p.body[:, column]
    skin = yy[inside, column].min() - p.voxel_mm / 2
    geometric_cm = (yy[inside, column] - skin) / 10
    np.testing.assert_allclose(depth[inside, column], geometric_cm, atol=0.13)
    assert np.all(depth[~p.body] == 0)


def test_lung_makes_the_radiological_path_shorter():
    p = rt.make_phantom("simple")
    lung = np.zeros(p.shape, bool)
    lung[10:25, :] = True  # an anterior slab of lung
    q = rt.with_tissue(p, lung, "lung")
    behind = p.masks["CTV"]
    water = rt.radiological_depth(p, 0.0)[behind]
    with_lung = rt.radiological_depth(q, 0.0)[behind]
    slab_cm = 15 * p.voxel_mm / 10
    assert np.all(with_lung < water)
    np.testing.assert_allclose(water - with_lung, slab_cm * (1 - 0.26), atol=0.15)


def test_radiological_depth_is_symmetric_for_opposed_beams():
    p = rt.make_phantom("simple")
    front, back = rt.radiological_depth(p, 0.0), rt.radiological_depth(p, 180.0)
    column = np.argmin(np.abs(p.x_mm))
    thickness = front[:, column] + back[:, column]
    inside = p.body[:, column]
    assert np.ptp(thickness[inside]) < 0.3  # cm: the body is 20 cm deep everywhere here


# --------------------------------------------------------------------------- matrix

def test_dose_influence_matrix_shape_and_values():
    p = rt.make_phantom("simple")
    ptv = rt.expand(p.masks["CTV"], 5.0, 2.5)
    beams = rt.make_beams(p, ptv, rt.equally_spaced(9))
    inf = rt.dose_influence(p, beams)
    assert inf.matrix.shape == (p.body.sum(), sum(b.n_beamlets for b in beams))
    assert np.all(inf.matrix >= 0) and inf.matrix.max() <= 1.0
    assert np.array_equal(np.bincount(inf.beam_index), [b.n_beamlets for b in beams])
    dose = inf.dose(np.ones(inf.matrix.shape[1]))
    assert np.all(dose[~p.body] == 0) and dose[ptv].min() > 0


def test_a_column_is_depth_dose_times_profile():
    p = rt.make_phantom("simple")
    (beam,) = rt.make_beams(p, p.masks["CTV"], [0.0])
    k = beam.n_beamlets // 2
    column = rt.beamlet_dose(p, beam, k)
    depth = rt.radiological_depth(p, 0.0)
    xx = p.coordinates_mm()[0]
    s = xx - beam.isocentre_mm[0] - beam.offsets_mm[k]
    expected = np.where(p.body, rt.depth_dose(depth) * rt.lateral_profile(s), 0.0)
    np.testing.assert_allclose(column, expected, atol=1e-12)


def test_matrix_columns_are_cached_and_reused():
    dose_module.clear_cache()
    p = rt.make_phantom("prostate")
    ptv = rt.expand(p.masks["CTV"], 5.0, 2.5)
    first = rt.dose_influence(p, rt.make_beams(p, ptv, [0, 90]))
    assert len(dose_module._COLUMN_CACHE) == 2
    second = rt.dose_influence(p, rt.make_beams(p, ptv, [0, 90, 180]))
    assert len(dose_module._COLUMN_CACHE) == 3
    np.testing.assert_array_equal(second.matrix[:, : first.matrix.shape[1]], first.matrix)


def test_weights_of_the_wrong_length_are_refused():
    p = rt.make_phantom("simple")
    inf = rt.dose_influence(p, rt.make_beams(p, p.masks["CTV"], [0]))
    with pytest.raises(ValueError, match="weights"):
        inf.dose(np.ones(3))
    with pytest.raises(ValueError, match="beams"):
        rt.dose_influence(p, [])
    with pytest.raises(ValueError, match="index"):
        rt.beamlet_dose(p, rt.make_beams(p, p.masks["CTV"], [0])[0], 999)
