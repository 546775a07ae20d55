"""read_mimic_demo on a tiny hand-written folder in the MIMIC-IV layout."""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pytest

from aimed import icu

FIXTURE = Path(__file__).parent / "fixtures" / "mimic-demo"


@pytest.fixture(scope="module")
def demo():
    return icu.read_mimic_demo(FIXTURE)


def test_reader_keeps_mapped_items_and_attaches_labs_to_stays(demo):
    raw = demo.raw
    assert list(raw.columns) == ["stay_id", "charttime", "itemid", "valuenum", "valueuom"]
    assert 220048 not in set(raw["itemid"])  # heart rhythm: not in the mapping
    assert 50902 not in set(raw["itemid"])  # chloride: not in the mapping
    creat = raw[raw["itemid"] == 50912]
    assert creat["valuenum"].tolist() == [1.4]  # the pre-ICU value is outside the stay
    assert set(raw["stay_id"]) == {30000001, 30000002}
    assert len(demo.stays) == 2 and "Creatinine" in set(demo.items["label"])


def test_harmonise_mimic_through_the_same_dictionary(demo):
    table, report = icu.harmonise(demo.raw, "MIMIC-IV")
    values = table.groupby(["stay_id", "concept"])["value"].first()
    temps = table[(table["stay_id"] == 30000001) & (table["concept"] == "temperature")]
    assert sorted(temps["value"].round(1)) == [37.0, 38.2]  # 98.6 °F converted
    assert values[(30000001, "sodium")] == 138.0  # mEq/L -> mmol/L
    assert values[(30000001, "fio2")] == 40.0
    assert values[(30000001, "gcs_motor")] == 6.0
    assert values[(30000002, "bun")] == 31.0
    assert set(table["unit"][table["concept"] == "platelets"]) == {"10*3/uL"}
    assert report.by_reason()["implausible"] == 1  # the heart rate of 999
    assert (table["site"] == "MIMIC-IV").all()


def test_missing_file_is_named(tmp_path):
    shutil.copytree(FIXTURE, tmp_path / "demo")
    (tmp_path / "demo" / "hosp" / "labevents.csv.gz").unlink()
    with pytest.raises(FileNotFoundError, match="labevents.csv.gz"):
        icu.read_mimic_demo(tmp_path / "demo")


def test_fixture_follows_the_physionet_schema():
    chart = pd.read_csv(FIXTURE / "icu" / "chartevents.csv.gz", nrows=1)
    assert {"subject_id", "hadm_id", "stay_id", "charttime", "itemid", "value", "valuenum",
            "valueuom"} <= set(chart.columns)
    labs = pd.read_csv(FIXTURE / "hosp" / "labevents.csv.gz", nrows=1)
    assert {"labevent_id", "hadm_id", "itemid", "charttime", "valuenum", "valueuom"} <= set(
        labs.columns)
