"""aimed.data: every dataset loads offline, has a datasheet, and bad names are explained."""

from __future__ import annotations

import re
import socket

import pandas as pd
import pytest

from aimed import data
from aimed.data import _registry


@pytest.fixture
def no_network(monkeypatch):
    """Any attempt to open a socket fails the test."""

    def refuse(*args, **kwargs):
        raise AssertionError("a data loader tried to use the network")

    monkeypatch.setattr(socket, "socket", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)


@pytest.mark.parametrize("name", data.available())
def test_every_dataset_loads_offline(name, no_network):
    assert data.load(name) is not None


@pytest.mark.parametrize("name", data.available())
def test_every_dataset_has_a_datasheet_with_source_and_licence(name):
    sheet = data.datasheet(name)
    assert sheet.startswith(f"# Datasheet: {name}")
    assert "Licence" in sheet and ("Source" in sheet or "Generator" in sheet)
    entry = data.info(name)
    assert entry.licence and entry.citation and entry.title


def test_unknown_name_lists_available_names_and_suggests():
    with pytest.raises(data.UnknownDatasetError) as info:
        data.load("breast-cancr")
    message = str(info.value)
    assert "Did you mean 'breast-cancer'?" in message
    for name in data.available():
        assert name in message
    assert isinstance(info.value, KeyError) and isinstance(info.value, ValueError)


def test_missing_shipped_file_names_the_file():
    with pytest.raises(data.DataFileMissingError, match="no-such-file.csv"):
        data.shipped_file("kidney-stones", "no-such-file.csv")


def test_register_validates_names(monkeypatch):
    monkeypatch.setattr(_registry, "_REGISTRY", dict(_registry._REGISTRY))
    with pytest.raises(ValueError, match="already registered"):
        data.register("ct-small", title="t", source="shipped", licence="l", citation="c")
    with pytest.raises(ValueError, match="lower-case"):
        data.register("Bad_Name", title="t", source="shipped", licence="l", citation="c")
    with pytest.raises(ValueError, match="source must be one of"):
        data.register("fine-name", title="t", source="internet", licence="l", citation="c")


def test_breast_cancer_recodes_target_so_one_means_malignant():
    table = data.load("breast-cancer")
    assert table.shape == (569, 31)
    assert table["malignant"].sum() == 212  # Street et al. 1993: 212 malignant, 357 benign
    # malignant masses have larger nuclei: the recoding is the right way round
    medians = table.groupby("malignant")["mean radius"].median()
    assert medians[1] > medians[0]


def test_diabetes_is_in_original_units():
    table = data.load("diabetes")
    assert table.shape == (442, 11)
    assert table["age"].between(18, 90).all()
    assert table["bmi"].between(15, 50).all()
    assert table["progression"].between(25, 346).all()


def test_kidney_stones_reproduce_the_published_totals():
    table = data.load("kidney-stones")
    totals = table.groupby("treatment")[["successes", "patients"]].sum()
    assert totals.loc["open surgery"].tolist() == [273, 350]
    assert totals.loc["PCNL"].tolist() == [289, 350]
    rates = table.assign(rate=table.successes / table.patients).pivot(
        index="stone_size", columns="treatment", values="rate")
    assert (rates["open surgery"] > rates["PCNL"]).all()  # Simpson's paradox


def test_ct_and_ecg_loaders_return_physical_units():
    ct = data.load("ct-small")
    assert ct.hu.shape == (128, 128) and -1100 < ct.hu.min() < -800 and ct.hu.max() > 1000
    ecg = data.load("ecg-12-lead")
    assert ecg.fs_hz == 1000 and ecg.signals.shape == (10000, 12)
    assert isinstance(ecg.signals, pd.DataFrame)
    assert list(ecg.signals.columns[:3]) == ["I", "II", "III"]


def test_descriptions_the_lessons_print_follow_the_learners_language(monkeypatch):
    """m1/01 prints the CT slice's description, m2/01 the phantom's (AIMED_LANG at load)."""
    from aimed import rt

    monkeypatch.setenv("AIMED_LANG", "en")
    assert data.load("ct-small").description == "CT slice, 5 mm thick, 120 kV, Ge Medical Systems"
    assert rt.make_phantom("simple").description == (
        "Round CTV (radius 30 mm); spinal cord (serial) behind it; parotid (parallel) to its "
        "left and front.")
    english = {name: rt.make_phantom(name).description for name in rt.PHANTOMS}
    monkeypatch.setenv("AIMED_LANG", "fr")
    assert data.load("ct-small").description == (
        "Coupe de scanner, épaisseur 5 mm, 120 kV, Ge Medical Systems")
    assert rt.make_phantom("simple").description.startswith(
        "CTV rond (rayon 30 mm) ; moelle épinière (organe en série)")
    for name in rt.PHANTOMS:
        french = rt.make_phantom(name).description
        assert french != english[name]
        assert not {"behind", "front", "around", "Round", "radius"} & set(french.split())
        # the numbers are the same in both languages
        assert re.findall(r"\d+", french)[:3] == re.findall(r"\d+", english[name])[:3]


def test_every_datasheet_has_a_french_summary_line():
    from pathlib import Path

    sheets = sorted((Path(__file__).resolve().parents[1] / "datasets").glob("*/DATASHEET.md"))
    assert len(sheets) == len(data.available())
    for sheet in sheets:
        lines = sheet.read_text(encoding="utf-8").splitlines()
        summary = [line for line in lines if line.startswith("**En français.** ")]
        assert len(summary) == 1, sheet
        assert len(summary[0]) > 80 and lines.index(summary[0]) < 4, sheet
