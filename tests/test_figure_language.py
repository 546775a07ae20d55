"""Figures and displayed tables speak the learner's language (AIMED_LANG=en or fr).

Each test draws one representative figure of a module twice, in English and in French,
and checks that the French texts differ from the English ones and hold none of the
English words the English figure is known to contain.
"""

from __future__ import annotations

import json
import re
from importlib import resources

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest

from aimed import data, diagnostics_plots, icu, plotting, rt
from aimed.epistemics import causal
from aimed.rt import plots as rt_plots
from aimed.society import plots as society_plots
from aimed.society import regulation


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


def _texts(ax: plt.Axes) -> dict[str, object]:
    """Title, axis labels, legend entries, tick labels and free texts of an Axes' figure."""
    fig = ax.figure
    legend = ax.get_legend()
    free, ticks = [], []
    for each in fig.axes:
        free += [t.get_text() for t in each.texts]
        ticks += [t.get_text() for t in each.get_xticklabels() + each.get_yticklabels()]
    return {
        "title": ax.get_title(),
        "xlabel": ax.get_xlabel(),
        "ylabel": ax.get_ylabel(),
        "legend": [t.get_text() for t in legend.get_texts()] if legend else [],
        "colorbar": [each.get_ylabel() for each in fig.axes if each is not ax],
        "ticks": ticks,
        "free": free,
        "suptitle": fig._suptitle.get_text() if fig._suptitle else "",
    }


def _both(monkeypatch, draw) -> tuple[dict, dict]:
    out = []
    for lang in ("en", "fr"):
        monkeypatch.setenv("AIMED_LANG", lang)
        result = draw()
        ax = result[0] if isinstance(result, np.ndarray) else result
        out.append(_texts(ax))
        plt.close("all")
    return out[0], out[1]


def _flat(texts: dict) -> str:
    parts = []
    for value in texts.values():
        parts += value if isinstance(value, list) else [value]
    return "\n".join(parts)


def _check(en: dict, fr: dict, english_words: list[str], differ=("title", "xlabel", "ylabel")):
    for part in differ:
        assert en[part] and fr[part] and en[part] != fr[part], (part, en[part], fr[part])
    english, french = _flat(en), _flat(fr)
    for words in english_words:
        pattern = rf"\b{re.escape(words)}\b"
        assert re.search(pattern, english, re.IGNORECASE), f"{words!r} not in the English figure"
        assert not re.search(pattern, french, re.IGNORECASE), f"{words!r} left in French"


# --------------------------------------------------------------------------- figures


def test_plotting_show_image(monkeypatch):
    en, fr = _both(monkeypatch, lambda: plotting.show_image(np.eye(4), title="x"))
    assert en["xlabel"] == "x (pixels)" and fr["xlabel"] == "x (pixels)"


def test_diagnostics_confusion_and_roc(monkeypatch):
    counts = {"tp": 5, "fp": 2, "tn": 9, "fn": 1}
    en, fr = _both(monkeypatch, lambda: diagnostics_plots.plot_confusion(counts))
    _check(en, fr, ["True positive", "no disease", "test negative"])
    assert "malade" in fr["ticks"] and "non malade" in fr["ticks"]
    # Classes the caller named are drawn as given, in both languages.
    monkeypatch.setenv("AIMED_LANG", "fr")
    ax = diagnostics_plots.plot_confusion(counts, classes=("malignant", "benign"))
    assert [t.get_text() for t in ax.get_xticklabels()] == ["malignant", "benign"]

    rng = np.random.default_rng(0)
    y = rng.integers(0, 2, 200)
    score = np.clip(0.3 * y + 0.7 * rng.random(200), 0, 1)
    en, fr = _both(monkeypatch, lambda: diagnostics_plots.plot_roc(y, score))
    _check(en, fr, ["model", "chance", "specificity"])
    assert any("aire sous la courbe ROC" in text for text in fr["legend"])


@pytest.fixture(scope="module")
def phantom():
    return rt.make_phantom("simple")


def test_rt_dose_picture_and_dvh(monkeypatch, phantom):
    dose = np.where(phantom.masks["CTV"], 60.0, 20.0)
    ptv = phantom.masks["CTV"]
    en, fr = _both(monkeypatch, lambda: rt_plots.show_dose(dose, phantom, 60.0, ptv=ptv))
    _check(en, fr, ["patient right", "anterior", "isodose lines", "spinal cord", "parotid",
                    "Dose distribution"])
    assert en["colorbar"] == fr["colorbar"] == ["Dose (Gy)"]

    masks = {"PTV": ptv, "spinal cord": phantom.masks["spinal cord"]}
    en, fr = _both(monkeypatch, lambda: rt_plots.plot_dvh(dose, masks, prescription_gy=60.0))
    _check(en, fr, ["Dose-volume histogram", "of structure", "spinal cord"],
           differ=("title", "ylabel"))
    assert "Histogramme dose-volume" in fr["title"] and "moelle épinière" in fr["legend"]

    en, fr = _both(monkeypatch, lambda: rt_plots.plot_coverage([0, 5], [0.2, 0.95],
                                                                  recipe_mm=7.1))
    _check(en, fr, ["Probability", "margin", "simulated patients", "goal", "recipe"])


def test_rt_titles_given_by_the_caller_are_kept(monkeypatch, phantom):
    monkeypatch.setenv("AIMED_LANG", "fr")
    dose = np.full(phantom.shape, 30.0)
    ax = rt_plots.plot_dvh(dose, {"CTV": phantom.masks["CTV"]}, title="Mon plan")
    assert ax.get_title() == "Mon plan"
    ax = rt_plots.show_dose(dose, phantom, 60.0, colorbar_label="Dose relative (%)")
    assert ax.figure.axes[-1].get_ylabel() == "Dose relative (%)"


@pytest.fixture(scope="module")
def reads():
    frame = data.load("screening-reads", n_cases=600, seed=2)
    return frame["cancer"], frame["ai_score"], frame["reader"]


def test_society_roc_vs_reader_and_group_metrics(monkeypatch, reads):
    y, score, reader = reads
    en, fr = _both(monkeypatch, lambda: society_plots.plot_roc_vs_reader(y, score, reader))
    _check(en, fr, ["reader alone", "all thresholds", "operating point", "Sensitivity"])

    table = pd.DataFrame({"tpr": [0.8, 0.7, 0.75], "fpr": [0.1, 0.2, 0.15],
                          "ppv": [0.5, 0.4, 0.45]}, index=["F", "M", "overall"])
    en, fr = _both(monkeypatch, lambda: society_plots.plot_group_metrics(table))
    _check(en, fr, ["Model performance", "Metric", "Rate", "False alarms", "overall"])
    assert "VPP" in fr["ticks"] and "ensemble" in fr["legend"]


def test_society_dp_releases_and_ai_act_timeline(monkeypatch):
    rng = np.random.default_rng(1)
    releases = {0.1: rng.normal(50, 10, 50), 1.0: rng.normal(50, 1, 50)}
    en, fr = _both(monkeypatch, lambda: society_plots.plot_dp_releases(releases, 50.0))
    _check(en, fr, ["mean error", "releases", "true value", "Noisy"])
    assert en["suptitle"] != fr["suptitle"]

    en, fr = _both(monkeypatch, regulation.plot_ai_act_timeline)
    _check(en, fr, ["entry into force", "law in force", "superseded", "Provisions",
                    "Date of application"])


def test_society_model_card_headings(monkeypatch):
    texts = {name: "text" for name in regulation.ModelCard.__dataclass_fields__
             if name not in ("quantitative_analyses", "extra")}
    card = regulation.ModelCard(**texts, quantitative_analyses=pd.DataFrame({"tpr": [0.5]}))
    monkeypatch.setenv("AIMED_LANG", "en")
    english = card.to_markdown()
    monkeypatch.setenv("AIMED_LANG", "fr")
    french = card.to_markdown()
    assert "# Model card" in english and "## Human oversight" in english
    assert "# Fiche de modèle" in french and "## Contrôle humain" in french
    assert "Intended use" not in french and "Training data" not in french


def test_epistemics_success_rates_and_dag(monkeypatch):
    stones = data.load("kidney-stones")
    en, fr = _both(monkeypatch, lambda: causal.plot_success_rates(stones))
    _check(en, fr, ["Success rate", "Stone size", "open surgery", "small", "all stones"])
    en, fr = _both(monkeypatch, lambda: causal.plot_dag("mediator"))
    _check(en, fr, ["statin", "vascular", "cholesterol"], differ=("title",))


@pytest.fixture(scope="module")
def site_c():
    site = data.load("icu-hospital-c")
    table, report = icu.harmonise(site.raw, "C")
    start = site.stays.set_index("stay_id")["intime"]
    return table, report, start


def test_icu_distribution_stay_and_calibration(monkeypatch, site_c):
    table, _, start = site_c
    en, fr = _both(monkeypatch, lambda: icu.plot_distribution(table, "map", log=True,
                                                               log_counts=True))
    _check(en, fr, ["Mean arterial pressure", "log scale", "Number of measurements"])
    assert "mm[Hg]" in fr["xlabel"]  # units stay UCUM

    grid = icu.hourly_grid(table, start=start, hours=12, include=["map"])
    stay = int(grid.index.get_level_values(0)[0])
    en, fr = _both(monkeypatch, lambda: icu.plot_stay(table, grid, stay, "map",
                                                       start=start[stay]))
    _check(en, fr, ["hourly grid", "measurements", "stay", "Hours since ICU admission"])

    rng = np.random.default_rng(2)
    y, p = rng.integers(0, 2, 200), rng.random(200)
    en, fr = _both(monkeypatch, lambda: icu.plot_calibration({"A": (y, p)}))
    _check(en, fr, ["perfect calibration", "ICU death", "mortality"],
           differ=("xlabel", "ylabel"))


def test_icu_removal_report_headers_are_translated_for_display_only(monkeypatch, site_c):
    _, report, _ = site_c
    monkeypatch.setenv("AIMED_LANG", "fr")
    assert "motif" in report._repr_html_() and "explication" in repr(report)
    assert list(report.counts.columns) == ["site", "concept", "reason", "n", "meaning"]


# --------------------------------------------------------------------------- catalogue


def test_every_english_file_has_a_french_file_with_the_same_keys():
    """Per module file; tests/test_i18n.py checks the merged catalogues and placeholders."""
    folder = resources.files("aimed") / "locales"
    english = sorted(p.name for p in (folder / "en").iterdir() if p.name.endswith(".json"))
    for name in english:
        en = json.loads((folder / "en" / name).read_text(encoding="utf-8"))
        fr_file = folder / "fr" / name
        assert fr_file.is_file(), f"locales/fr/{name} is missing"
        fr = json.loads(fr_file.read_text(encoding="utf-8"))
        assert sorted(set(en) - set(fr)) == [], name


@pytest.mark.parametrize("module", [rt_plots, society_plots, icu.plots])
def test_english_text_defaults_of_figures_are_in_the_catalogue(module):
    """A text default left in a signature is swapped for the catalogue's text when drawn;
    if the signature and the catalogue drift apart, the figure would stay in English."""
    import inspect

    from aimed.i18n import catalogue

    english = set(catalogue("en").values())
    texts = ("title", "label", "ylabel", "what", "colorbar_label", "floor_label")
    for name in module.__all__:
        function = getattr(module, name)
        if not callable(function) or isinstance(function, type):
            continue
        for parameter in inspect.signature(function).parameters.values():
            default = parameter.default
            if parameter.name in texts and isinstance(default, str) and default:
                assert default in english, f"{name}({parameter.name}={default!r})"
