"""The course palette and feedback boxes stay readable: contrast and colour-vision deficiency."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from matplotlib import colormaps

from aimed import accessibility as a11y
from aimed import feedback, plotting

# JupyterLab 4 theme variables (--jp-layout-color0 and --jp-content-font-color1).
THEMES = {"light": ("#FFFFFF", (0, 0, 0, 0.87)), "dark": ("#111111", (1, 1, 1, 1.0))}


def _over(fg: tuple, bg: str) -> np.ndarray:
    """Composite a colour with alpha over an opaque background."""
    rgb, alpha = np.array(fg[:3], dtype=float), fg[3]
    return alpha * rgb + (1 - alpha) * a11y._rgb(bg)


def test_wcag_reference_values():
    assert a11y.contrast_ratio("black", "white") == pytest.approx(21.0)
    assert a11y.contrast_ratio("#777777", "#777777") == pytest.approx(1.0)
    assert a11y.contrast_ratio("#767676", "white") == pytest.approx(4.54, abs=0.01)


def test_simulation_keeps_greys_and_validates_kind():
    grey = np.array([0.5, 0.5, 0.5])
    for kind in a11y.CVD_KINDS:
        np.testing.assert_allclose(a11y.simulate_cvd(grey, kind), grey, atol=0.01)
    with pytest.raises(ValueError, match="kind must be one of"):
        a11y.simulate_cvd("red", "achromatopsia")
    # red and green collapse for a protanope: the very thing the palette avoids
    red, green = (a11y.simulate_cvd(c, "protanopia") for c in ("#FF0000", "#00A000"))
    assert a11y.delta_e(red, green) < a11y.delta_e("#FF0000", "#00A000") / 3


@pytest.mark.parametrize("kind", [None, *a11y.CVD_KINDS])
def test_every_palette_pair_stays_distinguishable(kind):
    colours = {name: hex_ if kind is None else a11y.simulate_cvd(hex_, kind)
               for name, hex_ in plotting.PALETTE.items()}
    worst = min(a11y.delta_e(colours[x], colours[y])
                for x, y in itertools.combinations(colours, 2))
    assert worst > 15, f"two palette colours look alike under {kind}: ΔE = {worst:.1f}"


def test_line_colours_reach_graphics_contrast_on_white():
    for name in list(plotting.PALETTE)[:5]:
        assert a11y.contrast_ratio(plotting.PALETTE[name], "white") >= 3.0, name


def test_default_colour_map_lightness_is_monotone_for_everyone():
    cmap = colormaps[plotting.CMAP]
    samples = cmap(np.linspace(0, 1, 64))[:, :3]
    for kind in (None, *a11y.CVD_KINDS):
        seen = samples if kind is None else a11y.simulate_cvd(samples, kind)
        lightness = a11y.to_lab(seen)[:, 0]
        assert np.all(np.diff(lightness) > 0), kind


@pytest.mark.parametrize("theme", THEMES)
@pytest.mark.parametrize("kind", ["pass", "todo"])
def test_feedback_boxes_are_readable_in_light_and_dark_themes(theme, kind):
    background, text = THEMES[theme]
    tint = tuple(int(v) / 255 for v in feedback._Message._COLOURS[kind].split(", "))
    box = _over((*tint, 0.12), background)
    assert a11y.contrast_ratio(_over(text, background), box) >= 4.5


def test_figures_have_an_opaque_white_background():
    plotting.use_style()
    import matplotlib.pyplot as plt

    assert plt.rcParams["figure.facecolor"] == "white"
    assert plt.rcParams["savefig.facecolor"] == "white"
