"""AI contouring on synthetic CT images, and the metrics that compare contours.

A planning CT does not come with its structures: someone (or something) has to draw
them. This module makes a CT-like image whose ground truth is a phantom, trains a
scikit-learn pixel classifier to draw the structures automatically, and compares
contours with the two metrics used in auto-contouring studies [3]_:

* **Dice similarity coefficient** [1]_: ``2 |A ∩ B| / (|A| + |B|)``, from 0 (no overlap)
  to 1 (identical);
* **HD95**, the 95th-percentile Hausdorff distance (mm) [2]_: the distances from every
  boundary voxel of each contour to the nearest boundary voxel of the other, pooled in
  both directions; HD95 is their 95th percentile, robust to a few stray voxels where the
  maximum (the classical Hausdorff distance) is not.

A review of auto-contouring evaluation found that these geometric scores often
correlate poorly with what matters clinically, the dose [3]_: the lessons show why.

The synthetic CT assigns each structure a Hounsfield-unit value inside the usual ranges
(fat about −100 HU, soft tissues +20 to +80 HU, water and urine about 0 HU [4]_), blurs it
to mimic the partial-volume effect of a finite resolution, and adds Gaussian noise.

References
----------
.. [1] Dice LR. Measures of the amount of ecologic association between species. Ecology
   1945;26(3):297-302. doi:10.2307/1932409
.. [2] Huttenlocher DP, Klanderman GA, Rucklidge WJ. Comparing images using the Hausdorff
   distance. IEEE Trans Pattern Anal Mach Intell 1993;15(9):850-863. doi:10.1109/34.232073
.. [3] Sherer MV, Lin D, Elguindi S, et al. Metrics to evaluate the performance of
   auto-segmentation for radiation treatment planning: a critical review. Radiother
   Oncol 2021;160:185-191. doi:10.1016/j.radonc.2021.05.003
.. [4] Radiopaedia.org. Hounsfield unit. https://radiopaedia.org/articles/hounsfield-unit
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace

import numpy as np
from scipy import ndimage
from sklearn.ensemble import HistGradientBoostingClassifier

from aimed.rt import _checks
from aimed.rt._threads import one_thread
from aimed.rt.phantoms import Phantom

__all__ = [
    "FEATURES",
    "HU_VALUES",
    "ContourModel",
    "add_extension",
    "auto_contour",
    "dice",
    "hd95",
    "pixel_features",
    "synthetic_ct",
    "train_contour_model",
]

#: Hounsfield units given to each structure by :func:`synthetic_ct` (the body is soft
#: tissue under a 12 mm layer of subcutaneous fat; air outside is -1000 HU).
HU_VALUES: dict[str, float] = {
    "air": -1000.0,
    "fat": -100.0,
    "body": 40.0,
    "CTV": 70.0,
    "CTV extension": 52.0,
    "spinal cord": 25.0,
    "parotid": -15.0,
    "core": 25.0,
    "rectum": -60.0,
    "bladder": 5.0,
}
#: Thickness of the subcutaneous fat layer (mm).
FAT_MM = 12.0
#: Names of the pixel features, in column order of :func:`pixel_features`.
FEATURES = (
    "intensity (HU)",
    "local mean, 2.5 mm (HU)",
    "local mean, 5 mm (HU)",
    "local mean, 10 mm (HU)",
    "local standard deviation, 5 mm (HU)",
    "x (mm)",
    "y (mm)",
    "depth below skin (mm)",
)


def synthetic_ct(phantom: Phantom, *, noise_hu: float = 20.0, blur_mm: float = 2.0,
                 seed: int = 0) -> np.ndarray:
    """A CT-like image (HU) whose ground truth is the phantom.

    Parameters
    ----------
    phantom : Phantom
        Structures found in :data:`HU_VALUES` get their value; a structure called
        ``"CTV extension"`` (see :func:`add_extension`) gets a fainter tumour value.
    noise_hu : float, default 20
        Standard deviation of the Gaussian noise (HU), in [0, 200].
    blur_mm : float, default 2.0
        Standard deviation of the Gaussian blur that mimics the partial-volume effect
        (mm), in [0, 20].
    seed : int, default 0
        Seed of the noise, for reproducible images.

    Returns
    -------
    ndarray of float
        The image in HU, shape of the phantom.
    """
    noise = _checks.non_negative(noise_hu, "noise_hu", upper=200.0, unit="HU")
    blur = _checks.non_negative(blur_mm, "blur_mm", upper=20.0, unit="mm")
    _checks.count(seed, "seed", minimum=0)
    body = phantom.body
    image = np.full(phantom.shape, HU_VALUES["air"])
    inner = ndimage.distance_transform_edt(body, sampling=phantom.voxel_mm) > FAT_MM
    image[body] = HU_VALUES["fat"]
    image[inner] = HU_VALUES["body"]
    for name, mask in phantom.masks.items():
        if name in ("body", "CTV extension"):
            continue
        if name in HU_VALUES:
            image[mask] = HU_VALUES[name]
    if "CTV extension" in phantom.masks:
        image[phantom.masks["CTV extension"]] = HU_VALUES["CTV extension"]
    if blur > 0:
        image = ndimage.gaussian_filter(image, blur / phantom.voxel_mm)
    rng = np.random.default_rng(seed)
    return image + rng.normal(0.0, noise, phantom.shape) * body


def pixel_features(image: np.ndarray, phantom: Phantom) -> np.ndarray:
    """Per-pixel features for contouring: intensity, local statistics, position.

    Parameters
    ----------
    image : ndarray
        CT-like image (HU), shape of the phantom.
    phantom : Phantom
        Supplies the grid (voxel size and coordinates) and the body outline (found on any
        CT by thresholding, so it is not a give-away).

    Returns
    -------
    ndarray of float, shape (n_pixels, len(FEATURES))
        One row per pixel in row-major order; columns as in :data:`FEATURES`.
    """
    img = np.asarray(image, dtype=float)
    if img.shape != phantom.shape or not np.isfinite(img).all():
        raise _checks.fail("image", "mask_shape", shape=img.shape, expected=phantom.shape)
    v = phantom.voxel_mm
    means = [ndimage.gaussian_filter(img, s / v) for s in (2.5, 5.0, 10.0)]
    square = ndimage.gaussian_filter(img**2, 5.0 / v)
    local_sd = np.sqrt(np.maximum(square - means[1] ** 2, 0.0))
    xx, yy = phantom.coordinates_mm()
    depth = ndimage.distance_transform_edt(phantom.body, sampling=v)
    columns = [img, *means, local_sd, xx, yy, depth]
    return np.stack([c.ravel() for c in columns], axis=1)


@dataclass(frozen=True)
class ContourModel:
    """A trained pixel classifier and the structures it draws.

    Attributes
    ----------
    classifier : sklearn.ensemble.HistGradientBoostingClassifier
        Predicts 0 for "none of them", ``k`` for ``structures[k - 1]``.
    structures : tuple of str
        The structures the model draws.
    """

    classifier: HistGradientBoostingClassifier
    structures: tuple[str, ...]


def _labels(phantom: Phantom, structures: Sequence[str]) -> np.ndarray:
    label = np.zeros(phantom.shape, dtype=int)
    for k, name in enumerate(structures, start=1):
        label[phantom.mask(name)] = k
    return label.ravel()


def train_contour_model(phantoms: Sequence[Phantom], images: Sequence[np.ndarray],
                        structures: Sequence[str], *, seed: int = 0,
                        max_iter: int = 30) -> ContourModel:
    """Train a gradient-boosting pixel classifier on example patients.

    Parameters
    ----------
    phantoms : sequence of Phantom
        Training patients (their masks are the labels, as a clinician's contours).
    images : sequence of ndarray
        Their CT-like images (HU), one per phantom.
    structures : sequence of str
        Structures to learn, for example ``["CTV", "spinal cord"]``.
    seed : int, default 0
        Random seed of the classifier.
    max_iter : int, default 30
        Boosting iterations (trees per class), 1 to 500.

    Notes
    -----
    Only pixels inside the body are used: the body outline is found on any CT by a
    threshold, so the model spends its effort inside the patient. Training runs on one
    thread, which is fastest for this small problem on a shared machine.

    Returns
    -------
    ContourModel
    """
    if len(phantoms) == 0 or len(phantoms) != len(images):
        raise _checks.fail("images", "training_pairs", n_phantoms=len(phantoms),
                           n_images=len(images))
    names = tuple(structures)
    if not names:
        raise _checks.fail("structures", "no_structures")
    iterations = _checks.count(max_iter, "max_iter", minimum=1)
    pairs = list(zip(phantoms, images, strict=True))
    x = np.vstack([pixel_features(img, ph)[ph.body.ravel()] for ph, img in pairs])
    y = np.concatenate([_labels(ph, names)[ph.body.ravel()] for ph, _ in pairs])
    classifier = HistGradientBoostingClassifier(max_iter=min(iterations, 500),
                                                learning_rate=0.15, max_leaf_nodes=31,
                                                early_stopping=False, random_state=seed)
    with one_thread("openmp"):
        classifier.fit(x, y)
    return ContourModel(classifier, names)


def _clean(mask: np.ndarray) -> np.ndarray:
    """Keep the largest connected piece and fill its holes, as contouring tools do."""
    labelled, n = ndimage.label(mask)
    if n == 0:
        return mask
    sizes = ndimage.sum(mask, labelled, index=np.arange(1, n + 1))
    largest = labelled == (1 + int(np.argmax(sizes)))
    return ndimage.binary_fill_holes(largest)


def auto_contour(model: ContourModel, image: np.ndarray, phantom: Phantom, *,
                 clean: bool = True) -> dict[str, np.ndarray]:
    """Draw the model's structures on a new image.

    Parameters
    ----------
    model : ContourModel
    image : ndarray
        CT-like image (HU) of the new patient.
    phantom : Phantom
        The new patient's grid and body outline (its other masks are not used).
    clean : bool, default True
        Keep only the largest connected piece of each structure and fill its holes.

    Returns
    -------
    dict of str to ndarray of bool
        One mask per structure; a structure the model did not find is empty.
    """
    body = phantom.body
    predicted = np.zeros(phantom.shape, dtype=int)
    with one_thread("openmp"):
        predicted[body] = model.classifier.predict(pixel_features(image, phantom)[body.ravel()])
    out = {}
    for k, name in enumerate(model.structures, start=1):
        mask = (predicted == k) & phantom.body
        out[name] = _clean(mask) if clean else mask
    return out


def add_extension(phantom: Phantom, *, angle_deg: float = 150.0, length_mm: float = 30.0,
                  width_mm: float = 14.0) -> Phantom:
    """Return a patient whose CTV has a finger-like extension of faint tumour.

    The extension starts inside the CTV's edge and points in the direction
    ``angle_deg`` (0° = towards the patient's left, 90° = posterior). It joins the CTV and
    is also stored as the structure ``"CTV extension"``, which :func:`synthetic_ct`
    shows with a fainter contrast, as infiltrating disease often is.

    Parameters
    ----------
    angle_deg : float, default 150
        Direction of the extension in the image (degrees), finite.
    length_mm : float, default 30
        How far the extension reaches beyond the CTV's edge (mm), in (0, 100].
    width_mm : float, default 14
        Its width (mm), in (0, 60].
    """
    length = _checks.positive(length_mm, "length_mm", upper=100.0, unit="mm")
    width = _checks.positive(width_mm, "width_mm", upper=60.0, unit="mm")
    angle = float(_checks.angles([angle_deg], "angle_deg")[0])
    ctv = phantom.mask(phantom.target)
    xx, yy = phantom.coordinates_mm()
    cx, cy = xx[ctv].mean(), yy[ctv].mean()
    ux, uy = np.cos(np.radians(angle)), np.sin(np.radians(angle))
    along = (xx - cx) * ux + (yy - cy) * uy
    across = np.abs(-(xx - cx) * uy + (yy - cy) * ux)
    edge = float(along[ctv].max())
    finger = (along >= 0) & (along <= edge + length) & (across <= width / 2)
    # Round the tip.
    tip = np.hypot(along - (edge + length - width / 2), across) <= width / 2
    finger &= (along <= edge + length - width / 2) | tip
    finger &= phantom.body
    extension = finger & ~ctv
    masks = dict(phantom.masks)
    masks[phantom.target] = ctv | extension
    for organ in phantom.organs:
        masks[organ] = masks[organ] & ~extension
    masks["CTV extension"] = extension
    return replace(phantom, masks=masks, name=f"{phantom.name} with extension")


def _pair(a, b, shape_param: str = "b") -> tuple[np.ndarray, np.ndarray]:
    left = np.asarray(a)
    if left.ndim < 1:
        raise _checks.fail("a", "mask_shape", shape=left.shape, expected="(rows, columns)")
    left = _checks.mask_like(left, left.shape, "a", allow_empty=True)
    right = _checks.mask_like(b, left.shape, shape_param, allow_empty=True)
    return left, right


def dice(a, b) -> float:
    """Dice similarity coefficient of two masks: 2|A∩B| / (|A| + |B|), in [0, 1].

    Parameters
    ----------
    a, b : ndarray of bool
        Two contours of the same structure on the same grid (same shape).

    Raises
    ------
    ValueError
        If the shapes differ or both masks are empty (Dice is then undefined).

    Examples
    --------
    >>> import numpy as np
    >>> a = np.zeros((4, 4), bool); a[1:3, 1:3] = True
    >>> dice(a, a)
    1.0
    """
    left, right = _pair(a, b)
    total = int(left.sum()) + int(right.sum())
    if total == 0:
        raise _checks.fail("a", "both_empty")
    return 2.0 * int(np.count_nonzero(left & right)) / total


def _surface(mask: np.ndarray) -> np.ndarray:
    return mask & ~ndimage.binary_erosion(mask, border_value=0)


def hd95(a, b, voxel_mm: float) -> float:
    """95th-percentile Hausdorff distance between two contours (mm).

    Parameters
    ----------
    a, b : ndarray of bool
        Two non-empty masks on the same grid.
    voxel_mm : float
        Voxel size (mm), > 0.

    Returns
    -------
    float
        The 95th percentile of the boundary-to-boundary distances pooled in both
        directions (mm); 0 for identical contours.

    Notes
    -----
    Published HD95 values are computed in several ways: pooled as here, or as the larger
    of the two one-way 95th percentiles (Taha and Hanbury 2015,
    doi:10.1186/s12880-015-0068-x). Compare values only when computed the same way.
    """
    left, right = _pair(a, b)
    voxel = _checks.positive(voxel_mm, "voxel_mm", unit="mm")
    if not left.any():
        raise _checks.fail("a", "mask_empty")
    if not right.any():
        raise _checks.fail("b", "mask_empty")
    surf_a, surf_b = _surface(left), _surface(right)
    to_b = ndimage.distance_transform_edt(~surf_b, sampling=voxel)
    to_a = ndimage.distance_transform_edt(~surf_a, sampling=voxel)
    distances = np.concatenate([to_b[surf_a], to_a[surf_b]])
    return float(np.percentile(distances, 95))


def contour_report(truth: Mapping[str, np.ndarray], predicted: Mapping[str, np.ndarray],
                   voxel_mm: float):
    """Dice and HD95 for each structure present in both mappings, as a DataFrame."""
    import pandas as pd

    rows = []
    for name, mask in predicted.items():
        if name in truth:
            rows.append({"structure": name, "Dice": dice(truth[name], mask),
                         "HD95 (mm)": hd95(truth[name], mask, voxel_mm)})
    return pd.DataFrame(rows).set_index("structure")
