"""aimed.rt.contouring: Dice, HD95, the synthetic CT and the pixel classifier."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import ndimage

from aimed import rt


def blob(seed: int, shape=(60, 70)) -> np.ndarray:
    rng = np.random.default_rng(seed)
    noise = ndimage.gaussian_filter(rng.normal(size=shape), rng.uniform(2, 6))
    mask = noise > np.quantile(noise, rng.uniform(0.5, 0.95))
    mask[rng.integers(shape[0]), rng.integers(shape[1])] = True
    return mask


@pytest.mark.parametrize("seed", range(20))
def test_a_contour_compared_with_itself(seed):
    a = blob(seed)
    assert rt.dice(a, a) == 1.0
    assert rt.hd95(a, a, 2.5) == 0.0


@pytest.mark.parametrize("seed", range(10))
def test_dice_and_hd95_are_symmetric_and_bounded(seed):
    a, b = blob(seed), blob(seed + 100)
    d = rt.dice(a, b)
    assert 0.0 <= d <= 1.0 and d == rt.dice(b, a)
    assert rt.hd95(a, b, 2.5) == pytest.approx(rt.hd95(b, a, 2.5))
    assert type(d) is float


def test_dice_hand_examples():
    a = np.zeros((10, 10), bool)
    a[0:4, 0:5] = True  # 20 voxels
    b = np.zeros((10, 10), bool)
    b[2:6, 0:5] = True  # 20 voxels, 10 shared
    assert rt.dice(a, b) == 0.5
    c = np.zeros((10, 10), bool)
    c[8:10, 8:10] = True
    assert rt.dice(a, c) == 0.0
    assert rt.dice(a, np.zeros((10, 10), bool)) == 0.0


def test_hd95_of_a_shifted_square_is_the_shift():
    a = np.zeros((60, 60), bool)
    a[20:40, 20:40] = True
    b = np.roll(a, 4, axis=1)
    assert rt.hd95(a, b, 2.5) == pytest.approx(4 * 2.5)
    assert rt.hd95(a, b, 1.0) == pytest.approx(4.0)


def test_hd95_ignores_a_few_stray_voxels_but_sees_a_missed_extension():
    a = np.zeros((80, 80), bool)
    a[20:60, 20:60] = True
    stray = a.copy()
    stray[75, 75] = True
    extension = a.copy()
    extension[38:42, 60:75] = True
    assert rt.hd95(a, stray, 1.0) < 1.0
    assert rt.hd95(a, extension, 1.0) > 5.0


def test_contour_comparison_bad_input():
    a = blob(1)
    with pytest.raises(ValueError, match=r"b has shape"):
        rt.dice(a, a[:-1])
    with pytest.raises(ValueError, match="both empty"):
        rt.dice(np.zeros((3, 3), bool), np.zeros((3, 3), bool))
    with pytest.raises(ValueError, match="a is empty"):
        rt.hd95(np.zeros((3, 3), bool), np.ones((3, 3), bool), 2.5)
    with pytest.raises(ValueError, match="voxel_mm"):
        rt.hd95(a, a, 0.0)
    with pytest.raises(ValueError, match="mask"):
        rt.dice(np.full((3, 3), 0.3), np.ones((3, 3), bool))


# --------------------------------------------------------------------------- synthetic CT

def test_synthetic_ct_values_and_reproducibility():
    p = rt.make_phantom("simple")
    clean = rt.synthetic_ct(p, noise_hu=0.0, blur_mm=0.0)
    assert np.all(clean[~p.body] == -1000.0)
    assert np.all(clean[p.masks["CTV"]] == 70.0)
    assert np.all(clean[p.masks["parotid"]] == -15.0)
    noisy = rt.synthetic_ct(p, seed=3)
    assert np.array_equal(noisy, rt.synthetic_ct(p, seed=3))
    assert not np.array_equal(noisy, rt.synthetic_ct(p, seed=4))
    inside = rt.expand(p.masks["CTV"], 0, 2.5) & ~rt.expand(~p.masks["CTV"], 5.0, 2.5)
    assert abs(np.std(noisy[inside]) - 20.0) < 4.0


def test_synthetic_ct_bad_input():
    p = rt.make_phantom("simple")
    with pytest.raises(ValueError, match="noise_hu"):
        rt.synthetic_ct(p, noise_hu=-1)
    with pytest.raises(ValueError, match="blur_mm"):
        rt.synthetic_ct(p, blur_mm=float("nan"))


# --------------------------------------------------------------------------- classifier

@pytest.fixture(scope="module")
def model():
    train = [rt.make_phantom("simple", seed=s) for s in (1, 2, 3)]
    images = [rt.synthetic_ct(p, seed=s) for s, p in enumerate(train, start=1)]
    return rt.train_contour_model(train, images, ["CTV", "parotid"])


def test_auto_contours_a_new_patient_well(model):
    patient = rt.make_phantom("simple", seed=11)
    predicted = rt.auto_contour(model, rt.synthetic_ct(patient, seed=50), patient)
    assert set(predicted) == {"CTV", "parotid"}
    report = rt.contour_report(patient.masks, predicted, patient.voxel_mm)
    assert report.loc["CTV", "Dice"] > 0.9 and report.loc["CTV", "HD95 (mm)"] < 6.0
    assert report.loc["parotid", "Dice"] > 0.75


def test_a_faint_extension_is_missed_with_a_good_dice_but_a_large_hd95(model):
    patient = rt.add_extension(rt.make_phantom("simple"))
    assert patient.masks["CTV extension"].any()
    assert np.array_equal(patient.masks["CTV"] & patient.masks["CTV extension"],
                          patient.masks["CTV extension"])
    predicted = rt.auto_contour(model, rt.synthetic_ct(patient, seed=99), patient)["CTV"]
    found = (predicted & patient.masks["CTV extension"]).sum()
    assert found < 0.3 * patient.masks["CTV extension"].sum()
    assert 0.85 < rt.dice(patient.masks["CTV"], predicted) < 0.95
    assert rt.hd95(patient.masks["CTV"], predicted, 2.5) > 10.0


def test_training_bad_input():
    p = rt.make_phantom("simple")
    with pytest.raises(ValueError, match="images"):
        rt.train_contour_model([p], [], ["CTV"])
    with pytest.raises(ValueError, match="structures"):
        rt.train_contour_model([p], [rt.synthetic_ct(p)], [])
    with pytest.raises(ValueError, match="length_mm"):
        rt.add_extension(p, length_mm=0)
