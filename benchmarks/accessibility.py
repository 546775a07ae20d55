"""Look at lesson figures through colour-vision-deficiency simulations.

Usage::

    .venv/bin/python benchmarks/accessibility.py [NOTEBOOK ...] [--min-delta-e 10]

Each notebook is executed; every figure it draws is simulated for protanopia,
deuteranopia and tritanopia (Machado et al. 2009, via ``aimed.accessibility``). For each
figure the script finds the colours that cover at least 0.1 % of its pixels and are not
grey, and reports the smallest CIELAB difference ΔE, under each simulation, between two
of them that are clearly different colours in normal vision (ΔE ≥ 20). Side-by-side
sheets (original, protanopia, deuteranopia, tritanopia) are written to
``artifacts/accessibility/`` for a person to look at. Exit status 1 when a
figure has two colours that a simulation makes nearly identical (ΔE below the limit).
"""

from __future__ import annotations

import argparse
import base64
import io
import itertools
import sys
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import nbformat
import numpy as np
from nbclient import NotebookClient

from aimed.accessibility import CVD_KINDS, simulate_cvd, to_lab

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "artifacts" / "accessibility"
DEFAULT = ["notebooks/m1-foundations/01-health-data.ipynb"]
#: Colours closer than this (ΔE, normal vision) are shades of one colour, not a pair.
SAME_COLOUR = 20.0


def figures(path: Path) -> list[np.ndarray]:
    """Execute a notebook and return its PNG figures as RGB float arrays."""
    nb = nbformat.read(path, as_version=4)
    NotebookClient(nb, timeout=300, kernel_name="python3",
                   resources={"metadata": {"path": str(path.parent)}}).execute()
    images = []
    for cell in nb.cells:
        for out in cell.get("outputs", []):
            data = out.get("data", {})
            if "image/png" in data:
                png = plt.imread(io.BytesIO(base64.b64decode(data["image/png"])), format="png")
                images.append(png[..., :3].astype(np.float64))
    return images


def dominant_colours(image: np.ndarray, share: float = 0.001) -> np.ndarray:
    """Chromatic colours covering at least ``share`` of the pixels (quantised to 1/16)."""
    pixels = image.reshape(-1, 3)
    chroma = pixels.max(axis=1) - pixels.min(axis=1)
    pixels = pixels[chroma > 0.15]  # drop white, black and greys (text, axes, CT images)
    if pixels.size == 0:
        return np.empty((0, 3))
    quantised = np.round(pixels * 15) / 15
    colours, counts = np.unique(quantised, axis=0, return_counts=True)
    return colours[counts >= share * image.shape[0] * image.shape[1]]


def worst_pair(colours: np.ndarray, kind: str | None) -> float:
    """Smallest ΔE between two distinct dominant colours, as seen with ``kind``."""
    if len(colours) < 2:
        return float("inf")
    seen = colours if kind is None else simulate_cvd(colours, kind)
    lab = to_lab(seen)
    original = to_lab(colours)
    worst = float("inf")
    for i, j in itertools.combinations(range(len(colours)), 2):
        if np.linalg.norm(original[i] - original[j]) < SAME_COLOUR:
            continue  # shades of one colour (anti-aliasing, transparency) are not a pair
        worst = min(worst, float(np.linalg.norm(lab[i] - lab[j])))
    return worst


def sheet(image: np.ndarray, target: Path) -> None:
    """Save the original and its three simulations side by side."""
    fig, axes = plt.subplots(1, 4, figsize=(16, 4))
    for ax, kind in zip(axes, (None, *CVD_KINDS), strict=True):
        ax.imshow(image if kind is None else simulate_cvd(image, kind))
        ax.set_title(kind or "original")
        ax.axis("off")
    fig.savefig(target, dpi=80, bbox_inches="tight")
    plt.close(fig)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("notebooks", nargs="*", type=Path)
    parser.add_argument("--min-delta-e", type=float, default=10.0)
    args = parser.parse_args(argv)
    paths = args.notebooks or [ROOT / p for p in DEFAULT]
    OUT.mkdir(parents=True, exist_ok=True)
    failed = False
    print(f"{'figure':60s} {'colours':>7s} " + " ".join(f"{k[:6]:>8s}" for k in
                                                        ("normal", *CVD_KINDS)))
    for path in paths:
        for n, image in enumerate(figures(path.resolve()), start=1):
            label = f"{path.stem} #{n}"
            colours = dominant_colours(image)
            worst = [worst_pair(colours, kind) for kind in (None, *CVD_KINDS)]
            flag = any(w < args.min_delta_e for w in worst)
            failed |= flag
            sheet(image, OUT / f"{path.stem}-{n:02d}.png")
            cells = " ".join(f"{w:8.1f}" if np.isfinite(w) else f"{'-':>8s}" for w in worst)
            print(f"{label:60s} {len(colours):7d} {cells}{'  <- check' if flag else ''}")
    print(f"sheets in {OUT}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
