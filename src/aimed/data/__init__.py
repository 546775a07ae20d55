"""Offline datasets for the course, behind one small registry.

Every dataset has a name (``"breast-cancer"``, ``"ct-small"``...), a loader, a licence,
a citation and a datasheet under ``datasets/<name>/DATASHEET.md``. Nothing here ever
touches the network: data comes from files shipped with aimed, from files bundled in
other installed wheels (scikit-learn, pydicom, lifelines), or from seeded generators.

Examples
--------
>>> from aimed import data
>>> "breast-cancer" in data.available()
True
>>> table = data.load("breast-cancer")
>>> table.shape
(569, 31)

Adding a dataset: write a module ``aimed/data/<topic>.py`` that decorates its loaders
with :func:`register`; it is discovered automatically.
"""

from __future__ import annotations

import importlib
import pkgutil

from aimed.data._registry import (
    DataFileMissingError,
    Dataset,
    UnknownDatasetError,
    available,
    datasets_root,
    datasheet,
    info,
    load,
    register,
    shipped_file,
)

__all__ = [
    "DataFileMissingError",
    "Dataset",
    "UnknownDatasetError",
    "available",
    "datasets_root",
    "datasheet",
    "info",
    "load",
    "register",
    "shipped_file",
]

for _module in pkgutil.iter_modules(__path__):
    if not _module.name.startswith("_"):
        importlib.import_module(f"{__name__}.{_module.name}")
