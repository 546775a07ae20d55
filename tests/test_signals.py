"""aimed.signals: R-peak detection and heart rate."""

from __future__ import annotations

import numpy as np
import pytest

from aimed import data, signals


def synthetic_ecg(rate_bpm: float, fs: float = 500.0, seconds: float = 20.0, t_wave: float = 0.6,
                  noise: float = 0.02, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Gaussian P-QRS-T beats at a known rate, plus baseline wander and noise."""
    rng = np.random.default_rng(seed)
    t = np.arange(0, seconds, 1 / fs)
    beats = np.arange(0.4, seconds - 0.5, 60 / rate_bpm)
    x = 0.15 * np.sin(2 * np.pi * 0.3 * t) + noise * rng.standard_normal(t.size)
    for b in beats:
        x += 0.15 * np.exp(-((t - b + 0.16) / 0.02) ** 2)   # P
        x += 1.0 * np.exp(-((t - b) / 0.008) ** 2)          # R
        x -= 0.2 * np.exp(-((t - b - 0.03) / 0.01) ** 2)    # S
        x += t_wave * np.exp(-((t - b - 0.25) / 0.05) ** 2)  # T
    return x, beats


@pytest.mark.parametrize("rate", [45, 60, 75, 110, 160])
def test_detector_finds_every_beat_at_the_right_time(rate):
    x, beats = synthetic_ecg(rate)
    peaks = signals.detect_r_peaks(x, 500.0)
    assert len(peaks) == len(beats)
    np.testing.assert_allclose(peaks / 500.0, beats, atol=0.01)
    assert signals.heart_rate_bpm(peaks / 500.0) == pytest.approx(rate, rel=0.01)


def test_tall_t_waves_are_not_counted():
    x, beats = synthetic_ecg(60, t_wave=0.8)
    assert len(signals.detect_r_peaks(x, 500.0)) == len(beats)


def test_real_ecg_every_lead_gives_the_same_rate():
    ecg = data.load("ecg-12-lead")
    rates = [signals.heart_rate_bpm(signals.detect_r_peaks(ecg.signals[lead], ecg.fs_hz)
                                    / ecg.fs_hz) for lead in ecg.signals]
    assert max(rates) - min(rates) < 0.5
    assert 55 < np.mean(rates) < 65


def test_heart_rate_and_rr():
    assert signals.heart_rate_bpm([0.0, 1.0, 2.0]) == 60.0
    assert signals.heart_rate_bpm(np.array([0.0, 0.5, 1.0, 1.5])) == 120.0
    np.testing.assert_allclose(signals.rr_intervals_s([0.2, 1.0, 1.9]), [0.8, 0.9])


@pytest.mark.parametrize(("times", "pattern"), [
    ([1.0], "at least 2"),
    ([0.0, 1.0, 0.5], "increasing"),
    ([0.0, np.nan], "NaN"),
    ([[0.0, 1.0]], "at least 2"),
])
def test_rr_rejects_bad_peak_times(times, pattern):
    with pytest.raises(ValueError, match=pattern):
        signals.rr_intervals_s(times)


@pytest.mark.parametrize(("signal", "fs", "pattern"), [
    (np.zeros(100), 500.0, "at least 2 s"),
    (np.zeros(2000), 10.0, "fs_hz"),
    (np.zeros((2, 2000)), 500.0, "1-D"),
    (np.r_[np.zeros(1999), np.nan], 500.0, "NaN"),
])
def test_detector_rejects_bad_input(signal, fs, pattern):
    with pytest.raises(ValueError, match=pattern):
        signals.detect_r_peaks(signal, fs)


def test_detector_threshold_range():
    x, _ = synthetic_ecg(60)
    with pytest.raises(ValueError, match="threshold"):
        signals.detect_r_peaks(x, 500.0, threshold=1.5)
