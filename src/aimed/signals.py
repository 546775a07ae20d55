"""Physiological signals: the ECG, R-peak detection and heart rate.

The detector follows the stages of Pan and Tompkins [1]_: a 5-15 Hz band-pass filter
keeps the QRS complex and suppresses baseline wander and T waves, the signal is
differentiated and squared to emphasise steep slopes, a 150 ms moving window integrates
the energy of each QRS, and peaks closer than a 200 ms refractory period are merged. A
candidate within 360 ms of the previous beat whose steepest slope is less than half of
that beat's is rejected as a T wave, as in the original.
The adaptive dual thresholds of the original are simplified to one threshold relative
to the signal's own strong beats, which is enough for clean resting ECGs.

Heart rate is ``60 / mean RR interval (s)``, in beats per minute (bpm). A resting
adult rate of 60-100 bpm is the conventional normal range [2]_; the 2018 ACC/AHA/HRS
guideline sets its threshold for sinus bradycardia lower, at 50 bpm [3]_.

References
----------
.. [1] Pan J, Tompkins WJ. A real-time QRS detection algorithm. IEEE Trans Biomed Eng
   1985;32(3):230-236. doi:10.1109/TBME.1985.325532
.. [2] American Heart Association. All About Heart Rate (Pulse).
   https://www.heart.org/en/health-topics/high-blood-pressure/the-facts-about-high-blood-pressure/all-about-heart-rate-pulse
.. [3] Kusumoto FM, et al. 2018 ACC/AHA/HRS guideline on the evaluation and management
   of patients with bradycardia and cardiac conduction delay. Circulation
   2019;140:e382-e482. doi:10.1161/CIR.0000000000000628
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

__all__ = ["ECG", "detect_r_peaks", "heart_rate_bpm", "rr_intervals_s"]

#: QRS band of the Pan-Tompkins filter, Hz.
QRS_BAND_HZ = (5.0, 15.0)
#: No two beats closer than this (physiological refractory period), s.
REFRACTORY_S = 0.2
#: Moving-window integration length, s.
INTEGRATION_S = 0.15
#: A candidate this close to the previous beat is checked for being a T wave, s.
T_WAVE_S = 0.36
#: Lowest sampling frequency the band-pass filter supports, Hz.
MIN_FS_HZ = 60.0


@dataclass(frozen=True)
class ECG:
    """A multi-lead ECG recording.

    Attributes
    ----------
    signals : pandas.DataFrame
        One column per lead (``"I"``, ``"II"``, ..., ``"V6"``), in microvolts (µV).
    fs_hz : float
        Sampling frequency in Hz.
    """

    signals: pd.DataFrame
    fs_hz: float

    @property
    def time_s(self) -> np.ndarray:
        """Time of each sample in seconds from the start of the recording."""
        return np.arange(len(self.signals)) / self.fs_hz

    @property
    def duration_s(self) -> float:
        """Length of the recording in seconds."""
        return len(self.signals) / self.fs_hz

    @classmethod
    def from_dicom(cls, path: str | Path, group: int = 0) -> ECG:
        """Read one multiplex group of a DICOM waveform object (values in µV)."""
        import pydicom

        ds = pydicom.dcmread(path)
        if "WaveformSequence" not in ds:
            raise ValueError(f"{path} holds no DICOM waveform")
        item = ds.WaveformSequence[group]
        names = [_lead_name(ch.ChannelSourceSequence[0].CodeMeaning)
                 for ch in item.ChannelDefinitionSequence]
        values = ds.waveform_array(group)
        return cls(signals=pd.DataFrame(values, columns=names),
                   fs_hz=float(item.SamplingFrequency))


def _lead_name(meaning: str) -> str:
    """'Lead I (Einthoven)' -> 'I', 'Lead aVR' -> 'aVR'."""
    return meaning.replace("Lead", "").split("(")[0].strip()


def _validate_signal(signal: np.ndarray, fs_hz: float) -> np.ndarray:
    if not (math.isfinite(fs_hz) and fs_hz >= MIN_FS_HZ):
        raise ValueError(f"fs_hz must be a finite sampling frequency >= {MIN_FS_HZ:g} Hz, "
                         f"got {fs_hz!r}")
    values = np.asarray(signal, dtype=np.float64)
    if values.ndim != 1:
        raise ValueError(f"signal must be one lead (1-D), got shape {values.shape}")
    if values.size < fs_hz * 2:
        raise ValueError(f"signal must last at least 2 s, got {values.size / fs_hz:.2f} s")
    if not np.isfinite(values).all():
        raise ValueError("signal contains NaN or infinite samples; fill or crop them first")
    return values


def detect_r_peaks(signal: np.ndarray, fs_hz: float, threshold: float = 0.3) -> np.ndarray:
    """Find the R peaks of one ECG lead.

    Parameters
    ----------
    signal : array_like
        One ECG lead (any amplitude unit), at least 2 s long.
    fs_hz : float
        Sampling frequency in Hz (>= 60 Hz).
    threshold : float, default 0.3
        Fraction (0-1) of the strong beats' integrated energy (its 98th percentile)
        that a beat must reach.

    Returns
    -------
    numpy.ndarray of int
        Sample indices of the R peaks, increasing.
    """
    from scipy import signal as sps

    values = _validate_signal(signal, fs_hz)
    if not 0 < threshold < 1:
        raise ValueError(f"threshold must be between 0 and 1, got {threshold!r}")
    b, a = sps.butter(3, [f / (fs_hz / 2) for f in QRS_BAND_HZ], btype="band")
    filtered = sps.filtfilt(b, a, values)
    energy = np.gradient(filtered) ** 2
    window = max(1, round(INTEGRATION_S * fs_hz))
    integrated = np.convolve(energy, np.ones(window) / window, mode="same")
    candidates, _ = sps.find_peaks(
        integrated,
        height=threshold * np.percentile(integrated, 98),
        distance=max(1, round(REFRACTORY_S * fs_hz)),
    )
    # The integrated energy peaks near the QRS; the R peak is the largest deflection
    # of the recorded signal from its local baseline within that window.
    half = window // 2 + 1
    # Slopes are compared on a wider band, which keeps the steep QRS edges that the
    # narrow detection band attenuates.
    b_wide, a_wide = sps.butter(3, [QRS_BAND_HZ[0] / (fs_hz / 2), min(40.0, 0.45 * fs_hz)
                                    / (fs_hz / 2)], btype="band")
    slope = np.abs(np.gradient(sps.filtfilt(b_wide, a_wide, values)))
    peaks: list[int] = []
    last_slope = 0.0
    for c in candidates:
        start, stop = max(0, c - half), min(values.size, c + half)
        steepest = float(slope[start:stop].max())
        # Pan-Tompkins T-wave rule: a candidate within 360 ms of the previous beat whose
        # steepest slope is less than half that beat's is a T wave, not a QRS.
        if peaks and c - peaks[-1] < T_WAVE_S * fs_hz and steepest < 0.5 * last_slope:
            continue
        segment = values[start:stop]
        peaks.append(start + int(np.argmax(np.abs(segment - np.median(segment)))))
        last_slope = steepest
    return np.unique(np.asarray(peaks, dtype=np.int64))


def rr_intervals_s(peak_times_s: np.ndarray) -> np.ndarray:
    """Return the RR intervals (s) between consecutive R-peak times (s)."""
    times = np.asarray(peak_times_s, dtype=np.float64)
    if times.ndim != 1 or times.size < 2:
        raise ValueError(f"peak_times_s must hold at least 2 peak times, got {times.size}")
    if not np.isfinite(times).all():
        raise ValueError("peak_times_s contains NaN or infinite values")
    rr = np.diff(times)
    if (rr <= 0).any():
        raise ValueError("peak_times_s must be strictly increasing (in seconds)")
    return rr


def heart_rate_bpm(peak_times_s: np.ndarray) -> float:
    """Mean heart rate in beats per minute from R-peak times in seconds.

    Examples
    --------
    >>> heart_rate_bpm([0.0, 1.0, 2.0])
    60.0
    """
    return float(60.0 / rr_intervals_s(peak_times_s).mean())
