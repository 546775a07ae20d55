"""aimed.imaging: Hounsfield units and windowing."""

from __future__ import annotations

import numpy as np
import pytest

from aimed import imaging


def test_to_hu_is_linear():
    np.testing.assert_allclose(imaging.to_hu([0, 1024, 2048], slope=1, intercept=-1024),
                               [-1024, 0, 1024])
    np.testing.assert_allclose(imaging.to_hu([10], slope=2.5, intercept=5), [30])


@pytest.mark.parametrize(("kwargs", "name"), [({"slope": 0}, "slope"),
                                              ({"slope": np.nan}, "slope"),
                                              ({"intercept": np.inf}, "intercept")])
def test_to_hu_rejects_bad_rescale(kwargs, name):
    with pytest.raises(ValueError, match=name):
        imaging.to_hu([1, 2], **kwargs)


def test_window_maps_limits_to_black_and_white():
    level, width = imaging.WINDOWS["soft-tissue"]
    out = imaging.window([level - width / 2, level, level + width / 2, -3000, 3000], level, width)
    np.testing.assert_allclose(out, [0.0, 0.5, 1.0, 0.0, 1.0])


def test_window_is_monotone_and_bounded():
    hu = np.linspace(-1200, 2000, 500)
    for level, width in imaging.WINDOWS.values():
        out = imaging.window(hu, level, width)
        assert out.min() >= 0 and out.max() <= 1
        assert np.all(np.diff(out) >= 0)


@pytest.mark.parametrize(("level", "width", "name"), [(40, 0, "width"), (40, -5, "width"),
                                                      (np.nan, 400, "level")])
def test_window_rejects_bad_parameters(level, width, name):
    with pytest.raises(ValueError, match=name):
        imaging.window([0.0], level, width)


def test_presets_follow_radiology_conventions():
    # the lung window must show air-filled lung (-900 to -500 HU) in grey, not black
    level, width = imaging.WINDOWS["lung"]
    assert level - width / 2 < -900 and level + width / 2 > -500
    # the bone window must reach cortical bone (> 1000 HU) before saturating
    level, width = imaging.WINDOWS["bone"]
    assert level + width / 2 > 1000


def test_ct_slice_extent_in_mm():
    ct = imaging.CTSlice(hu=np.zeros((4, 8)), pixel_mm=(0.5, 2.0), description="test")
    assert ct.extent_mm == (0.0, 16.0, 2.0, 0.0)


def test_from_dicom_refuses_non_ct(tmp_path):
    from aimed.data.dicom import pydicom_file

    with pytest.raises(ValueError, match="not a CT image"):
        imaging.CTSlice.from_dicom(pydicom_file("waveform_ecg.dcm"))


def test_presets_are_the_radiopaedia_values_the_docstring_cites():
    # Radiopaedia, Windowing (CT): lung W1500 L-600, mediastinum W350 L50,
    # bone W1800 L400, brain W80 L40 (the lessons and the exercise quote these).
    assert imaging.WINDOWS == {"lung": (-600.0, 1500.0), "soft-tissue": (50.0, 350.0),
                               "bone": (400.0, 1800.0), "brain": (40.0, 80.0)}


def test_window_is_dicom_linear_exact_and_differs_from_linear_by_one_hu_at_the_top():
    # DICOM PS3.3 C.11.2.1.3.2 (LINEAR_EXACT): y = (x - c) / w + 0.5, clipped.
    # C.11.2.1.2.1 (LINEAR) uses c - 0.5 and w - 1; the docstring says this moves the
    # upper edge of the window by 1 HU.
    c, w = -600.0, 1500.0
    x = np.arange(-2000.0, 2000.0)
    exact = np.clip((x - c) / w + 0.5, 0, 1)
    np.testing.assert_allclose(imaging.window(x, c, w), exact)
    linear = np.where(x <= c - 0.5 - (w - 1) / 2, 0.0,
                      np.where(x > c - 0.5 + (w - 1) / 2, 1.0,
                               (x - (c - 0.5)) / (w - 1) + 0.5))
    assert x[exact == 1].min() - x[linear == 1].min() == 1
    assert x[exact == 0].max() == x[linear == 0].max()
