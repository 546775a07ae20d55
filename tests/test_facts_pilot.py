"""Figures asserted in the prose of the pilot lesson (01-health-data) are true."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.signal import find_peaks

from aimed import data, imaging, signals


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


def test_forty_hu_is_about_two_percent_of_the_full_range():
    # "on a scale of 2000 HU from black to white a difference of 40 HU is 2 % of the way"
    hu = data.load("ct-small").hu
    assert round(100 * 40 / (hu.max() - hu.min())) == 2
    assert round(100 * 40 / 2000) == 2


def test_lung_window_limits_contain_air_and_water():
    # practice meaning: "The lung window runs from -1350 to +150 HU"; air -1000 and water 0
    level, width = imaging.WINDOWS["lung"]
    assert (level - width / 2, level + width / 2) == (-1350, 150)
    assert level - width / 2 < -1000 < 0 < level + width / 2


def test_naive_rate_is_a_tachycardia_and_detector_rate_is_61(lead_ii_mv):
    # "the naive rule would have reported a tachycardia" (> 100 bpm); datasheet "about 61"
    x, fs = lead_ii_mv
    naive, _ = find_peaks(x, height=0.4, distance=0.1 * fs)
    r = signals.detect_r_peaks(x, fs)
    assert signals.heart_rate_bpm(naive / fs) > 100
    assert round(signals.heart_rate_bpm(r / fs)) == 61 and len(r) == 10


def test_ecg_recording_is_as_the_lesson_and_datasheet_say():
    import pydicom

    from aimed.data.dicom import pydicom_file

    ecg = data.load("ecg-12-lead")
    assert ecg.fs_hz == 1000 and ecg.duration_s == 10
    assert list(ecg.signals.columns) == ["I", "II", "III", "aVR", "aVL", "aVF",
                                         "V1", "V2", "V3", "V4", "V5", "V6"]
    ds = pydicom.dcmread(pydicom_file("waveform_ecg.dcm"))
    assert ds.PatientAge == "042Y" and ds.PatientSex == "F" and ds.PatientName == "Anonymous"
    assert ds.Manufacturer.startswith("Mortara") and ds.ManufacturerModelName == "el250"
    assert str(ds.AcquisitionDateTime).startswith("20130125")
    rhythm, median_beat = ds.WaveformSequence
    assert median_beat.NumberOfWaveformSamples / float(median_beat.SamplingFrequency) == 1.2
    for channel in rhythm.ChannelDefinitionSequence:
        assert float(channel.ChannelSensitivity) == 1.25
        assert channel.ChannelSensitivityUnitsSequence[0].CodeValue == "uV"
        assert float(channel.FilterLowFrequency) == 0.05
        assert float(channel.FilterHighFrequency) == 300
        assert float(channel.NotchFilterFrequency) == 0


def test_ct_header_is_as_the_datasheet_says():
    ct = data.load("ct-small")
    assert (ct.hu.min(), ct.hu.max()) == (-896, 1167)
    assert ct.pixel_mm[0] == ct.pixel_mm[1] and round(ct.pixel_mm[0], 3) == 0.661
    assert round(ct.extent_mm[1]) == 85
