"""Real DICOM objects bundled in pydicom's wheel: a CT slice and a 12-lead ECG."""

from __future__ import annotations

from pathlib import Path

from aimed.data._registry import DataFileMissingError, register
from aimed.imaging import CTSlice
from aimed.signals import ECG

__all__ = ["ct_small", "ecg_12_lead", "pydicom_file"]


def pydicom_file(filename: str) -> Path:
    """Return the path of a test file bundled inside the pydicom wheel, offline.

    Raises
    ------
    DataFileMissingError
        If the installed pydicom does not bundle the file (it would otherwise try to
        download it, which the course never does).
    """
    from pydicom.data import get_testdata_file

    path = get_testdata_file(filename, download=False)
    if path is None:
        raise DataFileMissingError(
            f"pydicom's bundled file {filename!r} is missing; reinstall pydicom>=3.0 "
            "(the course never downloads data)."
        )
    return Path(path)


@register(
    "ct-small",
    title="A 128 × 128 CT slice (pydicom test file CT_small.dcm)",
    source="pydicom",
    licence="MIT (distributed with pydicom)",
    citation="pydicom contributors. pydicom test data: CT_small.dcm. https://github.com/pydicom/pydicom",
)
def ct_small() -> CTSlice:
    """Load a small real CT slice, converted to Hounsfield units.

    Returns
    -------
    aimed.imaging.CTSlice
        ``.hu`` (128 × 128 array, HU), ``.pixel_mm`` (row and column spacing in mm)
        and ``.description``.
    """
    return CTSlice.from_dicom(pydicom_file("CT_small.dcm"))


@register(
    "ecg-12-lead",
    title="A 10 s, 12-lead resting ECG sampled at 1000 Hz (pydicom waveform_ecg.dcm)",
    source="pydicom",
    licence="MIT (distributed with pydicom)",
    citation=(
        "pydicom contributors. pydicom test data: waveform_ecg.dcm. "
        "https://github.com/pydicom/pydicom"
    ),
)
def ecg_12_lead() -> ECG:
    """Load a real 12-lead ECG from a DICOM waveform object.

    Returns
    -------
    aimed.signals.ECG
        ``.signals`` (DataFrame, one column per lead, in µV), ``.fs_hz`` (1000 Hz)
        and ``.time_s``.
    """
    return ECG.from_dicom(pydicom_file("waveform_ecg.dcm"))
