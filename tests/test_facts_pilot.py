"""Figures asserted in the prose of the pilot lesson (01-health-data) are true."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.signal import find_peaks

from aimed import data, signals


@pytest.fixture(scope="module")
def table():
    return data.load("breast-cancer")


@pytest.fixture(scope="module")
def lead_ii_mv():
    ecg = data.load("ecg-12-lead")
    return ecg.signals["II"].to_numpy() / 1000, ecg.fs_hz


def test_more_than_a_third_malignant(table):
    assert 1 / 3 < table["malignant"].mean() < 0.4


def test_malignant_nuclei_larger_rougher_more_concave(table):
    medians = table.groupby("malignant")[["mean radius", "mean texture",
                                          "mean concave points"]].median()
    assert (medians.loc[1] > medians.loc[0]).all()


def test_radius_overlap_between_about_11_and_18_units(table):
    assert 10.5 < table.loc[table.malignant == 1, "mean radius"].min() < 11.5
    assert 17.5 < table.loc[table.malignant == 0, "mean radius"].max() < 18.5


def test_ct_full_range_is_about_2000_hu():
    hu = data.load("ct-small").hu
    assert 1900 < hu.max() - hu.min() < 2200


def test_t_wave_almost_half_the_r_height(lead_ii_mv):
    x, fs = lead_ii_mv
    r = signals.detect_r_peaks(x, fs)
    ratios = []
    for a in r[:-1]:
        t_wave = x[a + int(0.1 * fs): a + int(0.45 * fs)].max()
        ratios.append(t_wave / x[a])
    assert 0.35 < np.median(ratios) < 0.55


def test_naive_rule_counts_about_twice_the_beats_and_detector_rate_is_normal(lead_ii_mv):
    x, fs = lead_ii_mv
    naive, _ = find_peaks(x, height=0.4, distance=0.1 * fs)
    r = signals.detect_r_peaks(x, fs)
    assert 1.7 < len(naive) / len(r) < 2.3
    assert 60 <= signals.heart_rate_bpm(r / fs) <= 100
    assert signals.REFRACTORY_S == 0.2
