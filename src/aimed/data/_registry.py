"""The dataset registry: names, loaders, licences and shipped files."""

from __future__ import annotations

import difflib
from collections.abc import Callable
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

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

SOURCES = ("shipped", "generated", "scikit-learn", "pydicom", "lifelines")


class UnknownDatasetError(KeyError, ValueError):
    """Raised for a dataset name that is not registered; the message lists the names."""

    def __str__(self) -> str:  # KeyError would otherwise quote the whole message
        return str(self.args[0])


class DataFileMissingError(FileNotFoundError):
    """Raised when a data file that should ship with aimed (or a wheel) is missing."""


@dataclass(frozen=True)
class Dataset:
    """One registered dataset.

    Attributes
    ----------
    name : str
        Registry name, lower-case with hyphens (``"ct-small"``).
    title : str
        A human title for course maps and error messages.
    source : str
        Where the data comes from: one of ``"shipped"``, ``"generated"``,
        ``"scikit-learn"``, ``"pydicom"`` or ``"lifelines"``.
    licence : str
        The data licence (SPDX identifier or a short statement).
    citation : str
        The reference to cite, with DOI or URL.
    loader : callable
        Returns the data; keyword arguments are passed through.
    """

    name: str
    title: str
    source: str
    licence: str
    citation: str
    loader: Callable[..., Any]


_REGISTRY: dict[str, Dataset] = {}


def register(name: str, *, title: str, source: str, licence: str, citation: str
             ) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Register a loader function under ``name`` (used as a decorator).

    Raises
    ------
    ValueError
        If the name is taken, not lower-case-with-hyphens, or the source is unknown.
    """
    if name in _REGISTRY:
        raise ValueError(f"dataset name {name!r} is already registered")
    if not name or name != name.lower() or " " in name or "_" in name:
        raise ValueError(f"name must be lower-case words joined by hyphens, got {name!r}")
    if source not in SOURCES:
        raise ValueError(f"source must be one of {SOURCES}, got {source!r}")

    def decorate(loader: Callable[..., Any]) -> Callable[..., Any]:
        _REGISTRY[name] = Dataset(name, title, source, licence, citation, loader)
        return loader

    return decorate


def available() -> list[str]:
    """Return the names of all registered datasets, sorted."""
    return sorted(_REGISTRY)


def info(name: str) -> Dataset:
    """Return the registry entry of one dataset.

    Raises
    ------
    UnknownDatasetError
        If ``name`` is not registered; the message lists the available names and the
        closest match.
    """
    try:
        return _REGISTRY[name]
    except (KeyError, TypeError):
        close = difflib.get_close_matches(str(name), _REGISTRY, n=1)
        suggestion = f" Did you mean {close[0]!r}?" if close else ""
        raise UnknownDatasetError(
            f"No dataset called {name!r}.{suggestion} Available datasets: "
            + ", ".join(available())
        ) from None


def load(name: str, **kwargs: Any) -> Any:
    """Load a dataset by name, offline.

    Parameters
    ----------
    name : str
        A name from :func:`available`.
    **kwargs
        Passed to the dataset's loader (see its datasheet).

    Raises
    ------
    UnknownDatasetError
        If the name is not registered.
    DataFileMissingError
        If a file the dataset needs is missing; the message names the file.
    """
    return info(name).loader(**kwargs)


def datasets_root() -> Path:
    """Return the folder that holds the shipped data files.

    In an installed wheel this is ``aimed/datasets`` inside the package; in a source
    checkout (an editable install) it is the repository's top-level ``datasets/``.
    """
    packaged = Path(str(resources.files("aimed"))) / "datasets"
    if packaged.is_dir():
        return packaged
    return Path(__file__).resolve().parents[3] / "datasets"


def shipped_file(*parts: str) -> Path:
    """Return the path of a file shipped in ``datasets/``, checking that it exists.

    Raises
    ------
    DataFileMissingError
        If the file is not there, naming the full path that was looked for.
    """
    path = datasets_root().joinpath(*parts)
    if not path.is_file():
        raise DataFileMissingError(
            f"The data file {path} is missing. It ships with aimed; reinstall the package "
            "(pip install --force-reinstall aimed) or restore it from the repository."
        )
    return path


def datasheet(name: str) -> str:
    """Return the Markdown datasheet of a dataset (source, licence, columns, units)."""
    return shipped_file(info(name).name, "DATASHEET.md").read_text(encoding="utf-8")
