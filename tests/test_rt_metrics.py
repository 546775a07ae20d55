"""aimed.rt.metrics: DVH and ICRU 83 indicators, on hand-made and random doses."""

from __future__ import annotations

import numpy as np
import pytest

from aimed import rt


def random_case(seed: int):
    rng = np.random.default_rng(seed)
    shape = tuple(rng.integers(5, 40, 2))
    dose = rng.gamma(2.0, 15.0, shape) * rng.choice([0.0, 1.0], shape, p=[0.1, 0.9])
    mask = rng.random(shape) < rng.uniform(0.05, 0.9)
    mask.flat[rng.integers(mask.size)] = True
    return dose, mask


@pytest.mark.parametrize("seed", range(25))
def test_dvh_starts_at_one_and_never_increases(seed):
    dose, mask = random_case(seed)
    levels, volume = rt.dvh(dose, mask)
    assert volume[0] == 1.0 and levels[0] == 0.0
    assert np.all(np.diff(volume) <= 0)
    assert volume[-1] == 0.0  # the last level lies above the maximum dose
    assert np.all((volume >= 0) & (volume <= 1))


@pytest.mark.parametrize("seed", range(10))
def test_dvh_matches_counting_voxels(seed):
    dose, mask = random_case(seed)
    levels = np.linspace(0, dose.max() + 1, 17)
    _, volume = rt.dvh(dose, mask, levels)
    expected = [(dose[mask] >= level).mean() for level in levels]
    np.testing.assert_allclose(volume, expected)


@pytest.mark.parametrize("seed", range(10))
def test_dose_metrics_are_percentiles_and_consistent_with_the_dvh(seed):
    dose, mask = random_case(seed)
    m = rt.dose_metrics(dose, mask, 60.0)
    values = dose[mask]
    assert m["D98"] == pytest.approx(np.percentile(values, 2))
    assert m["D95"] == pytest.approx(np.percentile(values, 5))
    assert m["D50"] == pytest.approx(np.median(values))
    assert m["D2"] == pytest.approx(np.percentile(values, 98))
    assert m["Dmean"] == pytest.approx(values.mean()) and m["Dmax"] == values.max()
    assert m["V95"] == pytest.approx((values >= 57.0).mean())
    assert m["D98"] <= m["D95"] <= m["D50"] <= m["D2"] <= m["Dmax"]
    assert rt.dose_at_volume(dose, mask, 95) == pytest.approx(m["D95"])
    assert rt.volume_at_dose(dose, mask, 57.0) == pytest.approx(m["V95"])


def test_dose_metrics_keys_and_a_hand_computed_example():
    dose = np.arange(1.0, 101.0).reshape(10, 10)  # 1 to 100 Gy
    m = rt.dose_metrics(dose, np.ones((10, 10), bool), prescription_gy=60.0)
    assert list(m) == ["D98", "D95", "D50", "D2", "Dmean", "Dmax", "V95"]
    assert m["D50"] == 50.5 and m["Dmax"] == 100.0 and m["Dmean"] == 50.5
    assert m["V95"] == 0.44  # 57 Gy to 100 Gy: 44 voxels
    assert m["D95"] == pytest.approx(5.95)
    assert all(type(v) is float for v in m.values())


def test_homogeneity_index():
    uniform = np.full((6, 6), 60.0)
    assert rt.homogeneity_index(uniform, uniform > 0) == 0.0
    dose = np.arange(1.0, 101.0).reshape(10, 10)
    expected = (np.percentile(dose, 98) - np.percentile(dose, 2)) / np.median(dose)
    assert rt.homogeneity_index(dose, dose > 0) == pytest.approx(expected)
    with pytest.raises(ValueError, match="dose"):
        rt.homogeneity_index(np.zeros((3, 3)), np.ones((3, 3), bool))


def test_conformity_index_perfect_partial_and_missed():
    target = np.zeros((20, 20), bool)
    target[5:15, 5:15] = True
    perfect = np.where(target, 60.0, 10.0)
    assert rt.conformity_index(perfect, target, 60.0) == 1.0
    # Isodose twice the target size, covering it: CI = TV^2 / (TV * 2 TV) = 0.5.
    spill = perfect.copy()
    spill[0:5, 5:15] = 60.0
    spill[15:20, 5:15] = 60.0
    assert rt.conformity_index(spill, target, 60.0) == pytest.approx(0.5)
    # Half the target covered, nothing else: CI = (TV/2)^2 / (TV * TV/2) = 0.5.
    half = np.where(target, 60.0, 10.0)
    half[5:10, 5:15] = 10.0
    assert rt.conformity_index(half, target, 60.0) == pytest.approx(0.5)
    assert rt.conformity_index(np.full((20, 20), 10.0), target, 60.0) == 0.0


# --------------------------------------------------------------------------- bad input

def test_masks_whose_shape_differs_from_the_dose_grid():
    dose = np.ones((10, 12))
    for call in (lambda m: rt.dose_metrics(dose, m, 60.0), lambda m: rt.dvh(dose, m),
                 lambda m: rt.homogeneity_index(dose, m),
                 lambda m: rt.conformity_index(dose, m, 60.0)):
        with pytest.raises(ValueError, match=r"mask.*shape \(12, 10\).*\(10, 12\)"):
            call(np.ones((12, 10), bool))


@pytest.mark.parametrize("prescription", [0.0, -60.0, float("nan"), float("inf"), None])
def test_prescription_must_be_positive(prescription):
    with pytest.raises(ValueError, match="prescription_gy"):
        rt.dose_metrics(np.ones((3, 3)), np.ones((3, 3), bool), prescription)


def test_empty_masks_negative_doses_and_bad_bins():
    with pytest.raises(ValueError, match="mask is empty"):
        rt.dose_metrics(np.ones((3, 3)), np.zeros((3, 3), bool), 60.0)
    with pytest.raises(ValueError, match="dose"):
        rt.dvh(-np.ones((3, 3)), np.ones((3, 3), bool))
    with pytest.raises(ValueError, match="dose"):
        rt.dvh(np.full((3, 3), np.nan), np.ones((3, 3), bool))
    with pytest.raises(ValueError, match="bins_gy"):
        rt.dvh(np.ones((3, 3)), np.ones((3, 3), bool), [0, 2, 1])
    with pytest.raises(ValueError, match="mask"):
        rt.dvh(np.ones((3, 3)), np.full((3, 3), 0.5))
    with pytest.raises(ValueError, match="percent"):
        rt.dose_at_volume(np.ones((3, 3)), np.ones((3, 3), bool), 120)
