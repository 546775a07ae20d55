"""The synthetic hospitals: shipped files reproduce exactly, and the model shows real effects."""

from __future__ import annotations

import pandas as pd
import pytest

from aimed import data, icu
from aimed.icu import synth


@pytest.fixture(scope="module")
def regenerated(tmp_path_factory):
    root = tmp_path_factory.mktemp("icu")
    synth.write_datasets(root)
    return root


@pytest.mark.parametrize("site", ["A", "B", "C"])
def test_shipped_files_are_exactly_reproducible_from_the_seed(regenerated, site):
    name = synth.FILES[site]
    shipped = data.load(name)
    raw = pd.read_parquet(regenerated / name / "raw.parquet")
    stays = pd.read_csv(regenerated / name / "stays.csv", parse_dates=["intime"])
    pd.testing.assert_frame_equal(raw, shipped.raw)
    pd.testing.assert_frame_equal(stays, shipped.stays)


def test_shipped_files_are_small():
    total = sum(f.stat().st_size for name in synth.FILES.values()
                for f in data.shipped_file(name, "raw.parquet").parent.iterdir())
    assert total < 2_000_000


def test_another_seed_gives_other_data():
    a = synth.simulate(seed=1)["B"].raw
    b = synth.simulate(seed=2)["B"].raw
    assert not a.equals(b)


def test_case_mix_and_mortality_are_plausible():
    rates = {s: data.load(synth.FILES[s]).stays["died_icu"].mean() for s in "ABC"}
    assert all(0.08 < r < 0.30 for r in rates.values())  # ICON: ICU mortality 16.2 %
    assert rates["B"] < rates["A"] < rates["C"]  # case mix: B least, C most severe
    ages = {s: data.load(synth.FILES[s]).stays["age"] for s in "ABC"}
    assert all(a.between(18, 95).all() for a in ages.values())


def test_stay_ids_do_not_collide_across_sites():
    ids = [set(data.load(synth.FILES[s]).stays["stay_id"]) for s in "ABC"]
    assert not (ids[0] & ids[1]) and not (ids[0] & ids[2]) and not (ids[1] & ids[2])


def test_every_site_covers_its_concepts_after_harmonising():
    for site in "ABC":
        table, _ = icu.harmonise(data.load(synth.FILES[site]).raw, site)
        assert table["concept"].nunique() >= 18
