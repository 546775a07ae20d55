"""CT images in Hounsfield units, and display windowing.

A CT scanner stores raw pixel values; the DICOM attributes *Rescale Slope* and
*Rescale Intercept* turn them into Hounsfield units (HU) (DICOM PS3.3, section
C.11.1.1.2) [1]_. The Hounsfield scale is defined from the linear attenuation coefficient
mu as ``HU = 1000 * (mu - mu_water) / (mu_water - mu_air)``, so that water is 0 HU and
air is -1000 HU by definition [3]_.

Soft tissues differ by only a few tens of HU: shown over a 2000 HU range from black to
white, 40 HU is 2 % of the grey scale, too small a contrast to read. Radiologists
therefore *window* the image: HU values between ``level - width/2`` and
``level + width/2`` are spread over black-to-white and everything outside is clipped.
:func:`window` is the ``LINEAR_EXACT`` VOI LUT function of DICOM PS3.3, C.11.2.1.3.2;
the default ``LINEAR`` function of C.11.2.1.2.1 differs from it by using
``level - 0.5`` and ``width - 1``, which moves the window's upper edge by 1 HU [1]_.

References
----------
.. [1] DICOM PS3.3 Information Object Definitions, sections C.11.1.1.2, C.11.2.1.2 and
   C.11.2.1.3. https://dicom.nema.org/medical/dicom/current/output/html/part03.html
.. [2] Radiopaedia.org. Windowing (CT), reference article.
   https://radiopaedia.org/articles/windowing-ct (typical window presets)
.. [3] Radiopaedia.org. Hounsfield unit, reference article.
   https://radiopaedia.org/articles/hounsfield-unit
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np

__all__ = ["WINDOWS", "CTSlice", "to_hu", "window"]

#: Typical display windows as ``(level, width)`` in HU, from [2]_: lung W 1500 L -600;
#: "soft-tissue" is Radiopaedia's mediastinal window, W 350 L 50; bone W 1800 L 400;
#: brain W 80 L 40.
WINDOWS: dict[str, tuple[float, float]] = {
    "lung": (-600.0, 1500.0),
    "soft-tissue": (50.0, 350.0),
    "bone": (400.0, 1800.0),
    "brain": (40.0, 80.0),
}


def to_hu(pixels: np.ndarray, slope: float = 1.0, intercept: float = 0.0) -> np.ndarray:
    """Convert stored CT pixel values to Hounsfield units: ``HU = slope * pixel + intercept``.

    Parameters
    ----------
    pixels : array_like
        Stored pixel values (DICOM *Pixel Data*).
    slope : float
        DICOM *Rescale Slope* (HU per stored unit), finite and non-zero.
    intercept : float
        DICOM *Rescale Intercept* (HU).

    Returns
    -------
    numpy.ndarray of float
        The image in HU.
    """
    if not (math.isfinite(slope) and slope != 0):
        raise ValueError(f"slope must be a finite, non-zero number, got {slope!r}")
    if not math.isfinite(intercept):
        raise ValueError(f"intercept must be finite, got {intercept!r}")
    return np.asarray(pixels, dtype=np.float64) * slope + intercept


def window(hu: np.ndarray, level: float, width: float) -> np.ndarray:
    """Map HU values to display intensities in [0, 1] with a linear window.

    Parameters
    ----------
    hu : array_like
        Image in Hounsfield units.
    level : float
        Window centre (HU): the value shown as mid-grey.
    width : float
        Window width (HU), > 0: the range shown from black to white.

    Returns
    -------
    numpy.ndarray of float
        0 (black) at or below ``level - width/2``, 1 (white) at or above
        ``level + width/2``, linear in between.

    Examples
    --------
    >>> window([-1000, 40, 1000], level=40, width=400)
    array([0. , 0.5, 1. ])
    """
    if not (math.isfinite(width) and width > 0):
        raise ValueError(f"width must be a finite number > 0 (HU), got {width!r}")
    if not math.isfinite(level):
        raise ValueError(f"level must be a finite number (HU), got {level!r}")
    values = np.asarray(hu, dtype=np.float64)
    return np.clip((values - (level - width / 2)) / width, 0.0, 1.0)


@dataclass(frozen=True)
class CTSlice:
    """One CT slice in Hounsfield units.

    Attributes
    ----------
    hu : numpy.ndarray
        2-D image in HU.
    pixel_mm : tuple of float
        Pixel spacing (row, column) in mm.
    description : str
        What the slice shows, from the DICOM header, in the learner's language when the
        slice was read (``AIMED_LANG``).
    """

    hu: np.ndarray
    pixel_mm: tuple[float, float]
    description: str

    @classmethod
    def from_dicom(cls, path: str | Path) -> CTSlice:
        """Read a CT DICOM file and convert its pixels to HU."""
        import pydicom

        ds = pydicom.dcmread(path)
        if ds.get("Modality") != "CT":
            raise ValueError(f"{path} is not a CT image (Modality={ds.get('Modality')!r})")
        hu = to_hu(ds.pixel_array, float(ds.get("RescaleSlope", 1)),
                   float(ds.get("RescaleIntercept", 0)))
        spacing = tuple(float(v) for v in ds.get("PixelSpacing", (1.0, 1.0)))
        description = _describe(ds)
        return cls(hu=hu, pixel_mm=(spacing[0], spacing[1]), description=description)

    @property
    def extent_mm(self) -> tuple[float, float, float, float]:
        """``(left, right, bottom, top)`` in mm, for ``imshow(..., extent=...)``."""
        rows, cols = self.hu.shape
        return (0.0, cols * self.pixel_mm[1], rows * self.pixel_mm[0], 0.0)


def _describe(ds: object) -> str:
    """A one-line description from standard DICOM attributes (never from free text)."""
    from aimed.i18n import t

    parts = [t("m1.ct_description.slice")]
    if ds.get("SliceThickness"):
        parts.append(t("m1.ct_description.thickness", mm=f"{float(ds.SliceThickness):g}"))
    if ds.get("KVP"):
        parts.append(t("m1.ct_description.kv", kv=f"{float(ds.KVP):g}"))
    if ds.get("Manufacturer"):
        parts.append(str(ds.Manufacturer).title())
    return ", ".join(parts)
