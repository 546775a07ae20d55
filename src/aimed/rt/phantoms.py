"""Digital phantoms: a 2-D axial slice of a patient with its contoured structures.

A phantom holds what a planning CT and its structure set give a treatment-planning
system: a grid of voxels (here square pixels of ``voxel_mm``), a density map, and one
boolean mask per structure. Three anatomies are available:

``"simple"``
    A round clinical target volume (CTV) in an elliptical body, a spinal cord behind it
    (a *serial* organ at risk, judged on its maximum dose) and a parotid gland beside it
    (a *parallel* organ, judged on its mean dose) [3]_.
``"c-shape"``
    A C-shaped target wrapped around a round core organ, inspired by the C-shape test of
    AAPM Task Group 119 for IMRT commissioning [1]_ (dimensions are our own, not TG-119's).
``"prostate"``
    A prostate CTV with the rectum directly behind it and the bladder in front.

The body is an ellipse of 28 cm × 20 cm (left-right × front-back), a typical adult
pelvis or chest. Densities are mass densities in g/cm³ relative to water; soft tissue is
taken as water (1.0), air outside the body as 0. :func:`with_tissue` adds lung or bone
(:data:`DENSITY_G_CM3`).

Geometry convention: ``x`` runs from the patient's right (image left) to the patient's
left (image right) and ``y`` from anterior (image top) to posterior (image bottom), both
in mm with the origin at the centre of the body, as an axial CT slice is displayed in
radiological view.

The volumes follow ICRU Reports 50 and 62 [2]_: the CTV is the tumour plus its
suspected microscopic spread; the planning target volume (PTV) adds a geometric margin
for set-up errors and motion (:func:`expand`).

References
----------
.. [1] Ezzell GA, Burmeister JW, Dogan N, et al. IMRT commissioning: multiple
   institution planning and dosimetry comparisons, a report from AAPM Task Group 119.
   Med Phys 2009;36(11):5359-5373. doi:10.1118/1.3238104
.. [2] ICRU Report 62. Prescribing, Recording and Reporting Photon Beam Therapy
   (Supplement to ICRU Report 50). Bethesda: ICRU; 1999.
   https://www.icru.org/report/prescribing-recording-and-reporting-photon-beam-therapy-report-62/
.. [3] Wieser HP, Cisternas E, Wahl N, et al. Development of the open-source dose
   calculation and optimization toolkit matRad. Med Phys 2017;44(6):2556-2568.
   doi:10.1002/mp.12251 (the serial/parallel organ objectives used here follow matRad)
.. [4] ICRU Report 46. Photon, Electron, Proton and Neutron Interaction Data for Body
   Tissues. Bethesda: ICRU; 1992 (cortical bone 1.92 g/cm³).
.. [5] ICRP Publication 23. Report of the Task Group on Reference Man. 1975 (lung mass
   density from 0.26 g/cm³ inflated to 1.05 g/cm³ deflated).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field, replace

import numpy as np
from scipy import ndimage

from aimed.i18n import t
from aimed.rt import _checks

__all__ = ["DENSITY_G_CM3", "PHANTOMS", "Phantom", "expand", "make_phantom", "with_tissue"]

#: Names accepted by :func:`make_phantom`.
PHANTOMS = ("simple", "c-shape", "prostate")

#: Mass densities (g/cm³) used for tissue inserts: water-equivalent soft tissue, inflated
#: lung (ICRP 23 [5]_) and cortical bone (ICRU 46 [4]_).
DENSITY_G_CM3: dict[str, float] = {"soft tissue": 1.0, "lung": 0.26, "bone": 1.92}

#: Body size (mm): full width left-right and full depth front-back of the elliptical body.
BODY_MM = (280.0, 200.0)
#: Field of view (mm) of the phantom grid, a little larger than the body.
FOV_MM = (290.0, 210.0)


@dataclass(frozen=True)
class Phantom:
    """One axial slice with its structures, on a grid of square voxels.

    Attributes
    ----------
    name : str
        ``"simple"``, ``"c-shape"`` or ``"prostate"`` (or a name given by a modification).
    voxel_mm : float
        Side of one square voxel (mm).
    masks : dict of str to ndarray of bool
        One mask per structure, all of shape ``shape``; always includes ``"body"`` and
        the target.
    target : str
        The name of the target structure (the CTV) in ``masks``.
    organs : dict of str to str
        Organs at risk and their type: ``"serial"`` (judged on maximum dose) or
        ``"parallel"`` (judged on mean dose).
    density : ndarray of float
        Mass density relative to water (g/cm³), 0 outside the body.
    """

    name: str
    voxel_mm: float
    masks: dict[str, np.ndarray]
    target: str
    organs: dict[str, str]
    density: np.ndarray
    description: str = field(default="", compare=False)

    @property
    def shape(self) -> tuple[int, int]:
        """Grid shape as ``(rows, columns)``, that is ``(y, x)``."""
        return tuple(self.density.shape)  # type: ignore[return-value]

    @property
    def x_mm(self) -> np.ndarray:
        """Centres of the voxel columns (mm), patient right to left."""
        n = self.shape[1]
        return (np.arange(n) - (n - 1) / 2) * self.voxel_mm

    @property
    def y_mm(self) -> np.ndarray:
        """Centres of the voxel rows (mm), anterior to posterior."""
        n = self.shape[0]
        return (np.arange(n) - (n - 1) / 2) * self.voxel_mm

    @property
    def extent_mm(self) -> tuple[float, float, float, float]:
        """``(left, right, bottom, top)`` in mm for ``matplotlib.pyplot.imshow``."""
        h = self.voxel_mm / 2
        x, y = self.x_mm, self.y_mm
        return (x[0] - h, x[-1] + h, y[-1] + h, y[0] - h)

    @property
    def body(self) -> np.ndarray:
        """The body mask."""
        return self.masks["body"]

    @property
    def voxel_area_cm2(self) -> float:
        """Area of one voxel (cm²)."""
        return (self.voxel_mm / 10.0) ** 2

    def area_cm2(self, structure: str) -> float:
        """Area of one structure in this slice (cm²)."""
        return float(self.mask(structure).sum()) * self.voxel_area_cm2

    def mask(self, structure: str) -> np.ndarray:
        """Return the mask of ``structure``; the error lists the known names."""
        try:
            return self.masks[structure]
        except KeyError:
            raise _checks.fail("structure", "unknown_structure", got=repr(structure),
                               known=", ".join(self.masks)) from None

    def with_masks(self, masks: Mapping[str, np.ndarray], *, name: str | None = None
                   ) -> Phantom:
        """Return a copy with some structures replaced or added (the density is kept).

        Use it to plan on a contour drawn by a person or an AI model while keeping the
        true anatomy for evaluation.

        Parameters
        ----------
        masks : mapping of str to ndarray of bool
            New masks, each of shape :attr:`shape`. The target may not be empty.
        name : str, optional
            A name for the new phantom.
        """
        merged = dict(self.masks)
        for key, value in masks.items():
            merged[key] = _checks.mask_like(value, self.shape, f"masks[{key!r}]",
                                            allow_empty=key != self.target)
        return replace(self, masks=merged, name=name or self.name)

    def coordinates_mm(self) -> tuple[np.ndarray, np.ndarray]:
        """Return ``(x, y)`` grids (mm) of every voxel centre, each of :attr:`shape`."""
        return np.meshgrid(self.x_mm, self.y_mm)


def expand(mask: np.ndarray, margin_mm: float, voxel_mm: float) -> np.ndarray:
    """Grow a structure by an isotropic margin, as a CTV is grown into a PTV.

    A voxel belongs to the result when the distance from its centre to the nearest
    voxel centre of ``mask`` is at most ``margin_mm`` (Euclidean distance transform).
    On a grid, margins are therefore quantised: with 2.5 mm voxels, margins of 0-2.4 mm
    add nothing and 2.5 mm adds one voxel.

    Parameters
    ----------
    mask : ndarray of bool
        The structure to grow (2-D, not empty).
    margin_mm : float
        Margin (mm), >= 0.
    voxel_mm : float
        Voxel size (mm), > 0.

    Returns
    -------
    ndarray of bool
        The grown structure, same shape; it contains ``mask``.
    """
    voxel = _checks.positive(voxel_mm, "voxel_mm", unit="mm")
    margin = _checks.non_negative(margin_mm, "margin_mm", upper=100.0, unit="mm")
    arr = np.asarray(mask)
    if arr.ndim != 2:
        raise _checks.fail("mask", "mask_shape", shape=arr.shape, expected="(rows, columns)")
    arr = _checks.mask_like(arr, arr.shape, "mask")
    if margin == 0:
        return arr.copy()
    distance = ndimage.distance_transform_edt(~arr, sampling=voxel)
    return distance <= margin + 1e-9


def _ellipse(x: np.ndarray, y: np.ndarray, cx: float, cy: float, ax: float, ay: float
             ) -> np.ndarray:
    return ((x - cx) / ax) ** 2 + ((y - cy) / ay) ** 2 <= 1.0


def _jitter(rng: np.random.Generator | None, scale: float) -> float:
    return 0.0 if rng is None else float(rng.uniform(-scale, scale))


def _factor(rng: np.random.Generator | None, spread: float) -> float:
    return 1.0 if rng is None else float(rng.uniform(1 - spread, 1 + spread))


def _simple(x, y, rng):
    cx, cy = _jitter(rng, 6.0), -5.0 + _jitter(rng, 5.0)
    radius = 30.0 * _factor(rng, 0.15)
    ctv = _ellipse(x, y, cx, cy, radius, radius)
    cord = _ellipse(x, y, _jitter(rng, 2.0), 52.0 + _jitter(rng, 3.0), 6.0, 6.0)
    parotid = _ellipse(x, y, 55.0 + _jitter(rng, 4.0), -22.0 + _jitter(rng, 4.0), 16.0, 12.0)
    masks = {"CTV": ctv, "spinal cord": cord, "parotid": parotid}
    organs = {"spinal cord": "serial", "parotid": "parallel"}
    text = t("rt.phantom.simple", radius=f"{radius:.0f}")
    return masks, organs, text


def _c_shape(x, y, rng):
    cx, cy = _jitter(rng, 4.0), 10.0 + _jitter(rng, 4.0)
    scale = _factor(rng, 0.1)
    r_core, r_in, r_out = 10.0 * scale, 20.0 * scale, 40.0 * scale
    rr = np.hypot(x - cx, y - cy)
    angle = np.degrees(np.arctan2(y - cy, x - cx))  # 90 deg points posterior (+y)
    # The opening of the C faces anterior: remove a 90-degree sector centred on -90 deg.
    opening = np.abs(angle + 90.0) < 45.0
    ctv = (rr >= r_in) & (rr <= r_out) & ~opening
    core = rr <= r_core
    masks = {"CTV": ctv, "core": core}
    organs = {"core": "serial"}
    text = t("rt.phantom.c-shape", r_in=f"{r_in:.0f}", r_out=f"{r_out:.0f}",
             r_core=f"{r_core:.0f}")
    return masks, organs, text


def _prostate(x, y, rng):
    cx, cy = _jitter(rng, 4.0), 10.0 + _jitter(rng, 4.0)
    ax, ay = 25.0 * _factor(rng, 0.12), 20.0 * _factor(rng, 0.12)
    ctv = _ellipse(x, y, cx, cy, ax, ay)
    rectum_r = 12.0 * _factor(rng, 0.1)
    rectum = _ellipse(x, y, cx + _jitter(rng, 2.0), cy + ay + rectum_r - 1.0, rectum_r, rectum_r)
    bladder = _ellipse(x, y, cx + _jitter(rng, 3.0), cy - ay - 23.0 + _jitter(rng, 3.0),
                       32.0 * _factor(rng, 0.1), 20.0 * _factor(rng, 0.1))
    bladder &= ~ctv
    masks = {"CTV": ctv, "rectum": rectum & ~ctv, "bladder": bladder}
    organs = {"rectum": "serial", "bladder": "parallel"}
    text = t("rt.phantom.prostate", width=f"{2 * ax:.0f}", height=f"{2 * ay:.0f}")
    return masks, organs, text


_BUILDERS = {"simple": _simple, "c-shape": _c_shape, "prostate": _prostate}


def make_phantom(name: str, voxel_mm: float = 2.5, *, seed: int | None = None) -> Phantom:
    """Build a 2-D phantom with its structures.

    Parameters
    ----------
    name : {"simple", "c-shape", "prostate"}
        The anatomy (see the module description).
    voxel_mm : float, default 2.5
        Side of one square voxel (mm), in (0, 10]. The 28 × 20 cm body has about
        112 × 80 voxels at 2.5 mm.
    seed : int, optional
        Without a seed the anatomy is the reference one. With a seed, the target and the
        organs are moved by a few millimetres and resized by up to ±15 %, to make a
        different but similar "patient" (for training contouring or dose models).

    Returns
    -------
    Phantom
        Its target is ``"CTV"``; its masks also include ``"body"`` and the organs at risk.

    Raises
    ------
    ValueError
        If ``name`` is unknown or ``voxel_mm`` is not in (0, 10] mm.

    Examples
    --------
    >>> p = make_phantom("simple")
    >>> p.target, p.shape, sorted(p.organs)
    ('CTV', (84, 116), ['parotid', 'spinal cord'])
    """
    if name not in _BUILDERS:
        raise _checks.fail("name", "unknown_phantom", got=repr(name), known=", ".join(PHANTOMS))
    voxel = _checks.positive(voxel_mm, "voxel_mm", upper=10.0, unit="mm")
    if seed is not None:
        _checks.count(seed, "seed", minimum=0)
    nx = math.ceil(FOV_MM[0] / voxel)
    ny = math.ceil(FOV_MM[1] / voxel)
    x = (np.arange(nx) - (nx - 1) / 2) * voxel
    y = (np.arange(ny) - (ny - 1) / 2) * voxel
    xx, yy = np.meshgrid(x, y)
    body = _ellipse(xx, yy, 0.0, 0.0, BODY_MM[0] / 2, BODY_MM[1] / 2)
    rng = None if seed is None else np.random.default_rng(seed)
    structures, organs, text = _BUILDERS[name](xx, yy, rng)
    masks = {"body": body}
    masks.update({key: value & body for key, value in structures.items()})
    if not masks["CTV"].any():
        raise _checks.fail("voxel_mm", "target_vanished", got=repr(voxel_mm))
    density = np.where(body, DENSITY_G_CM3["soft tissue"], 0.0)
    return Phantom(name=name, voxel_mm=voxel, masks=masks, target="CTV", organs=organs,
                   density=density, description=text)


def with_tissue(phantom: Phantom, mask: np.ndarray, tissue: str | float,
                *, structure: str | None = None) -> Phantom:
    """Return a copy of ``phantom`` in which the voxels of ``mask`` have another density.

    Parameters
    ----------
    phantom : Phantom
    mask : ndarray of bool
        Where the tissue is (inside the body).
    tissue : str or float
        A key of :data:`DENSITY_G_CM3` (``"lung"``, ``"bone"``...) or a density in
        g/cm³, in (0, 3].
    structure : str, optional
        Also add ``mask`` as a structure with this name.
    """
    region = _checks.mask_like(mask, phantom.shape, "mask") & phantom.body
    if isinstance(tissue, str):
        if tissue not in DENSITY_G_CM3:
            raise _checks.fail("tissue", "unknown_tissue", got=repr(tissue),
                               known=", ".join(DENSITY_G_CM3))
        value = DENSITY_G_CM3[tissue]
    else:
        value = _checks.positive(tissue, "tissue", upper=3.0, unit="g/cm³")
    density = phantom.density.copy()
    density[region] = value
    masks = dict(phantom.masks)
    if structure:
        masks[structure] = region
    return replace(phantom, density=density, masks=masks)
