"""MEDS Parquet and FHIR R4 Observation exports, with round trips."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from aimed import data, icu


@pytest.fixture(scope="module")
def table():
    b = data.load("icu-hospital-b")
    full, _ = icu.harmonise(b.raw, "B")
    return full[full["stay_id"].isin(full["stay_id"].unique()[:5])].reset_index(drop=True)


def test_meds_schema_and_round_trip(table, tmp_path):
    import pyarrow as pa
    import pyarrow.parquet as pq

    path = tmp_path / "events.parquet"
    events = icu.to_meds(table, path)
    assert events.schema.field("subject_id").type == pa.int64()
    assert events.schema.field("time").type == pa.timestamp("us")
    assert events.schema.field("code").type == pa.string()
    assert events.schema.field("numeric_value").type == pa.float32()
    assert events.column_names[:4] == ["subject_id", "time", "code", "numeric_value"]
    assert pq.read_table(path).num_rows == len(table)
    back = icu.read_meds(path)
    assert list(back.columns) == list(icu.COLUMNS)
    pd.testing.assert_frame_equal(back.drop(columns="value"),
                                  table.drop(columns="value"), check_dtype=False)
    np.testing.assert_allclose(back["value"], table["value"], rtol=1e-6)
    assert back["concept"].notna().all()


def test_meds_codes_are_loinc(table):
    events = icu.to_meds(table).to_pandas()
    assert events["code"].str.startswith("LOINC/").all()
    assert "LOINC/2345-7" in set(events["code"])  # glucose, in mg/dL after harmonising


def test_fhir_observations_validate_and_round_trip(table):
    from fhir.resources.R4B.observation import Observation

    resources = icu.to_fhir(table)
    assert len(resources) == len(table)
    first = resources[0]
    assert first["resourceType"] == "Observation" and first["status"] == "final"
    assert first["code"]["coding"][0]["system"] == "http://loinc.org"
    assert first["valueQuantity"]["system"] == "http://unitsofmeasure.org"
    glucose = next(r for r in resources if r["code"]["coding"][0]["code"] == "2345-7")
    assert glucose["valueQuantity"]["code"] == "mg/dL"
    Observation.model_validate(json.loads(json.dumps(resources[-1])))
    back = icu.from_fhir(resources)
    pd.testing.assert_frame_equal(back, table, check_dtype=False)


def test_invalid_fhir_is_reported(table):
    broken = table.head(1).copy()
    broken["value"] = np.inf
    with pytest.raises(ValueError, match="not a valid FHIR R4 Observation"):
        icu.to_fhir(broken)


def test_exports_refuse_tables_without_the_contract_columns(table):
    with pytest.raises(ValueError, match="missing"):
        icu.to_meds(table.drop(columns="loinc"))
    with pytest.raises(ValueError, match="missing"):
        icu.to_fhir(table.drop(columns="unit"))
