"""Bring your own data: read a local copy of the MIMIC-IV Clinical Database Demo.

The demo (100 patients, open access on PhysioNet [1]_) uses the layout of the full
MIMIC-IV database [2]_: ``icu/chartevents.csv.gz`` (bedside charting, with ``stay_id``),
``icu/icustays.csv.gz``, ``icu/d_items.csv.gz``, ``hosp/labevents.csv.gz`` (laboratory
results, per hospital admission ``hadm_id``) and ``hosp/d_labitems.csv.gz``. Nothing is
downloaded here: download and unzip the demo yourself, then point
:func:`read_mimic_demo` at the folder. The item ids of the built-in ``"MIMIC-IV"`` mapping
come from ricu's concept dictionary (its ``miiv`` source) [3]_.

References
----------
.. [1] Johnson A, Bulgarelli L, Pollard T, Horng S, Celi LA, Mark R. MIMIC-IV Clinical
   Database Demo. PhysioNet. https://physionet.org/content/mimic-iv-demo/
.. [2] Johnson AEW, Bulgarelli L, Shen L, et al. MIMIC-IV, a freely accessible electronic
   health record dataset. Sci Data 2023;10:1. doi:10.1038/s41597-022-01899-x
.. [3] Bennett N, et al. ricu: R's interface to intensive care data. GigaScience
   2023;12:giad041. doi:10.1093/gigascience/giad041
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from aimed.i18n import t
from aimed.icu.harmonise import site_mapping

__all__ = ["MimicDemo", "read_mimic_demo"]


@dataclass
class MimicDemo:
    """A MIMIC-IV (demo) folder read for harmonisation.

    Attributes
    ----------
    raw : pandas.DataFrame
        Long table ``stay_id, charttime, itemid, valuenum, valueuom`` with the chart and
        laboratory events of the mapped items; laboratory results are attached to the ICU
        stay during which they were drawn. Use ``harmonise(raw, "MIMIC-IV")``.
    stays : pandas.DataFrame
        ``icu/icustays``: ``subject_id, hadm_id, stay_id, intime, outtime``.
    items : pandas.DataFrame
        Labels of the mapped items from ``d_items`` and ``d_labitems``.
    """

    raw: pd.DataFrame
    stays: pd.DataFrame
    items: pd.DataFrame


def _file(folder: Path, name: str) -> Path:
    path = folder / name
    if not path.is_file():
        raise FileNotFoundError(t("icu.mimic_missing_file", folder=folder, file=name))
    return path


def read_mimic_demo(folder: str | Path) -> MimicDemo:
    """Read the chart and lab events of the mapped concepts from a MIMIC-IV folder.

    Parameters
    ----------
    folder : str or Path
        The unzipped PhysioNet folder (it contains ``icu/`` and ``hosp/``).

    Returns
    -------
    MimicDemo
        ``raw`` for :func:`aimed.icu.harmonise` with ``site="MIMIC-IV"``, the stays and
        the item labels. Events of items that the mapping does not know are not read
        (the full chartevents table holds thousands of items).

    Raises
    ------
    FileNotFoundError
        If one of the five files is missing; the message names it.
    """
    folder = Path(folder).expanduser()
    mapped = {int(k) for k in site_mapping("MIMIC-IV")["items"]}
    stays = pd.read_csv(_file(folder, "icu/icustays.csv.gz"),
                        usecols=["subject_id", "hadm_id", "stay_id", "intime", "outtime"],
                        parse_dates=["intime", "outtime"])
    columns = ["stay_id", "charttime", "itemid", "valuenum", "valueuom"]
    chart = pd.read_csv(_file(folder, "icu/chartevents.csv.gz"), usecols=columns,
                        dtype={"valueuom": "string"})
    chart = chart[chart["itemid"].isin(mapped) & chart["stay_id"].notna()]
    labs = pd.read_csv(_file(folder, "hosp/labevents.csv.gz"),
                       usecols=["hadm_id", "charttime", "itemid", "valuenum", "valueuom"],
                       dtype={"valueuom": "string"})
    labs = labs[labs["itemid"].isin(mapped) & labs["hadm_id"].notna()]
    labs = labs.merge(stays[["hadm_id", "stay_id", "intime", "outtime"]], on="hadm_id")
    when = pd.to_datetime(labs["charttime"])
    labs = labs[(when >= labs["intime"]) & (when <= labs["outtime"])]
    raw = pd.concat([chart[columns], labs[columns]], ignore_index=True)
    raw["stay_id"] = raw["stay_id"].astype("int64")
    raw = raw.sort_values(["stay_id", "charttime", "itemid"], kind="stable").reset_index(
        drop=True)
    d_items = pd.read_csv(_file(folder, "icu/d_items.csv.gz"), usecols=["itemid", "label"])
    d_lab = pd.read_csv(_file(folder, "hosp/d_labitems.csv.gz"), usecols=["itemid", "label"])
    items = pd.concat([d_items, d_lab], ignore_index=True)
    items = items[items["itemid"].isin(mapped)].reset_index(drop=True)
    return MimicDemo(raw, stays, items)
