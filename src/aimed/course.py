"""The course as data: its notebooks, their opening cells, and the course map.

Every notebook opens with a Markdown cell in one template (see the README's
contributing section)::

    # Title

    **Learning objectives.** By the end of this notebook you can:
    - Verb ...
    - Verb ...
    - Verb ...

    **Estimated time:** 35 min
    **Prerequisites:** ...
    **Data:** ...
    **In the course:** [Module 1](../../README.md#course-map) › lesson 1 of 5

This module parses that cell, so the house-rules test, the README's course map and
the learner's *Start here* page all read the same facts from the notebooks themselves.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import nbformat

__all__ = [
    "MODULES",
    "MODULES_FR",
    "Opening",
    "SourcesMissingError",
    "checkout_root",
    "course_map_markdown",
    "datasets_markdown",
    "exercise_notebooks",
    "lesson_notebooks",
    "module_title",
    "opening_of",
    "parse_opening",
    "repo_root",
    "require_sources",
]

#: Module folder → human title, in course order.
MODULES: dict[str, str] = {
    "m1-foundations": "Module 1 · AI methods and digital health",
    "m2-potentials-limits": "Module 2 · Potentials and limits",
    "m3-society": "Module 3 · Impact on society",
    "m4-epistemology": "Module 4 · Epistemological questions",
}
#: The module titles of the French edition (the course glossary's terms).
MODULES_FR: dict[str, str] = {
    "m1-foundations": "Module 1 · Méthodes d'IA et santé numérique",
    "m2-potentials-limits": "Module 2 · Potentiels et limites",
    "m3-society": "Module 3 · Impact sur la société",
    "m4-epistemology": "Module 4 · Questions épistémologiques",
}


def module_title(folder: str, lang: str = "en") -> str:
    """The title of a module folder in ``lang`` (``"en"`` or ``"fr"``); the folder if unknown."""
    return (MODULES_FR if lang == "fr" else MODULES).get(folder, folder)

_TITLE = re.compile(r"^#\s+(?P<title>\S.*?)\s*$")
_TIME = re.compile(r"Estimated time:?\**:?\s*(?P<minutes>\d+)\s*min", re.IGNORECASE)
_FIELD = r"\*\*{name}:?\*\*:?\s*(?P<value>.+)"
_BULLET = re.compile(r"^\s*[-*]\s+(?P<text>\S.*)$")
_LINK = re.compile(r"\[[^\]]+\]\([^)]+\)")


@dataclass
class Opening:
    """The facts stated in a notebook's opening cell.

    Attributes
    ----------
    title : str or None
        The single H1 title.
    h1_count : int
        How many H1 headings the cell has (the template wants exactly one).
    objectives : list of str
        The learning-objective bullets.
    minutes : int or None
        The estimated time in minutes.
    prerequisites, data, position : str or None
        The text of the corresponding fields; ``position`` is the "In the course" line.
    has_link : bool
        Whether the position line links somewhere.
    """

    title: str | None = None
    h1_count: int = 0
    objectives: list[str] = field(default_factory=list)
    minutes: int | None = None
    prerequisites: str | None = None
    data: str | None = None
    position: str | None = None
    has_link: bool = False


def _field(source: str, name: str) -> str | None:
    match = re.search(_FIELD.format(name=name), source, re.IGNORECASE)
    return match.group("value").strip() if match else None


def parse_opening(source: str) -> Opening:
    """Parse the Markdown of a notebook's opening cell.

    Parameters
    ----------
    source : str
        Markdown text of the first cell.

    Returns
    -------
    Opening
        Missing facts are ``None`` or empty; the house rules report them.
    """
    opening = Opening()
    lines = source.splitlines()
    titles = [m.group("title") for m in map(_TITLE.match, lines) if m]
    opening.h1_count = len(titles)
    if titles and _TITLE.match(lines[0] if lines else ""):
        opening.title = titles[0]
    in_objectives = False
    for line in lines:
        if re.search(r"learning objectives", line, re.IGNORECASE):
            in_objectives = True
            continue
        if in_objectives:
            bullet = _BULLET.match(line)
            if bullet:
                opening.objectives.append(bullet.group("text").strip())
            elif line.strip() and opening.objectives:
                in_objectives = False
    time = _TIME.search(source)
    opening.minutes = int(time.group("minutes")) if time else None
    opening.prerequisites = _field(source, "Prerequisites")
    opening.data = _field(source, "Data")
    opening.position = _field(source, "In the course")
    opening.has_link = bool(opening.position and _LINK.search(opening.position))
    return opening


class SourcesMissingError(FileNotFoundError):
    """A command needs the instructor's sources (``exercises/``), and they are not here."""


def checkout_root() -> Path | None:
    """The repository root when aimed runs from a source checkout, else ``None``.

    An editable install (``make lab``, ``pip install -e .``) imports aimed from
    ``<repository>/src/aimed``; an installed wheel imports it from ``site-packages``,
    where no repository surrounds it.
    """
    root = Path(__file__).resolve().parents[2]
    if (root / "pyproject.toml").is_file() and (root / "src" / "aimed").is_dir():
        return root
    return None


def repo_root() -> Path:
    """The folder that holds the course sources (``notebooks/``, ``exercises/``).

    In a source checkout this is the repository. From an installed wheel it is the
    current folder: an instructor runs ``aimed release`` from a clone of the course
    repository (or of a private fork). Commands that need the sources check for them
    with :func:`require_sources`.
    """
    return checkout_root() or Path.cwd()


def require_sources(root: Path | None = None, command: str = "this command") -> Path:
    """Return ``root`` if it holds the instructor's sources, else explain what to do.

    Parameters
    ----------
    root : Path, optional
        Folder expected to hold ``exercises/<module>/*.ipynb`` (default :func:`repo_root`).
    command : str
        The command that needs them, named in the message.

    Raises
    ------
    SourcesMissingError
        If ``root/exercises`` holds no notebooks.
    """
    root = Path(root) if root is not None else repo_root()
    if not exercise_notebooks(root):
        raise SourcesMissingError(
            f"{command} needs the instructor's sources (exercises/<module>/*.ipynb, with "
            f"the solutions), and {root} has none. An installed aimed carries only the "
            "learner edition. Run the command from a clone of the course repository (or "
            "of your private fork), for example: git clone <repository> && cd <folder> "
            "&& make release")
    return root


def lesson_notebooks(root: Path | None = None) -> list[Path]:
    """All lesson notebooks under ``notebooks/``, in course order."""
    root = root or repo_root()
    return sorted((root / "notebooks").glob("m*/*.ipynb"))


def exercise_notebooks(root: Path | None = None) -> list[Path]:
    """All nbgrader source notebooks under ``exercises/``, in course order."""
    root = root or repo_root()
    return sorted((root / "exercises").glob("m*/*.ipynb"))


def opening_of(path: Path) -> Opening:
    """Parse the opening cell of a notebook file (an empty Opening if it has none)."""
    nb = nbformat.read(path, as_version=4)
    first = nb.cells[0] if nb.cells else None
    if first is None or first.cell_type != "markdown":
        return Opening()
    return parse_opening(first.source)


def _strip_links(text: str) -> str:
    return re.sub(r"\[([^\]]+)\]\([^)]+\)", r"\1", text)


def _french_opening(path: Path, root: Path) -> Opening:
    """The opening of a notebook's French edition (the English one without a catalogue)."""
    from aimed import translate

    po_path = translate.catalogue_path(path, root)
    if not po_path.is_file():
        return opening_of(path)
    first = translate.build_french(path, po_path).cells[0]
    if first.cell_type != "markdown":
        return Opening()
    return parse_opening(translate.english_markers(first.source))


_MAP_TEXT = {
    "en": ("| Module | Notebook | You will be able to | Time | Data |", "Assignment: "),
    "fr": ("| Module | Notebook | Vous saurez | Durée | Données |", "Travail noté : "),
}


def course_map_markdown(root: Path | None = None, lang: str = "en") -> str:
    """Render the course map as a Markdown table (module, notebook, objectives, time, data).

    Links are relative to the repository root, so the table works in the README.

    Parameters
    ----------
    root : Path, optional
        The repository (default :func:`repo_root`).
    lang : {"en", "fr"}
        ``"fr"`` reads titles, objectives and data from the French edition (the
        catalogues of ``translations/fr``), with French headers and module names.
    """
    if lang not in _MAP_TEXT:
        raise ValueError(f"lang must be one of {sorted(_MAP_TEXT)}, got {lang!r}")
    root = root or repo_root()
    entries = [(path.parent.name, 0, path) for path in lesson_notebooks(root)]
    entries += [(path.parent.name, 1, path) for path in exercise_notebooks(root)]
    header, assignment = _MAP_TEXT[lang]
    rows = [header, "|---|---|---|---|---|"]
    for module_dir, kind, path in sorted(entries):
        opening = _french_opening(path, root) if lang == "fr" else opening_of(path)
        module = module_title(module_dir, lang).split(" · ")[0]
        label = opening.title or path.stem
        if kind == 1:
            label = f"{assignment}{label}"
        objectives = "; ".join(o.rstrip(".") for o in opening.objectives)
        minutes = f"{opening.minutes} min" if opening.minutes else "?"
        data = _strip_links(opening.data or "").replace("|", "/")
        link = path.relative_to(root).as_posix()
        rows.append(f"| {module} | [{label}]({link}) | {objectives} | {minutes} | {data} |")
    return "\n".join(rows) + "\n"


def datasets_markdown() -> str:
    """Render the dataset registry as a Markdown table (name, what, where from, licence)."""
    from aimed import data

    rows = ["| Dataset | What it is | Comes from | Licence | Cite |", "|---|---|---|---|---|"]
    for name in data.available():
        entry = data.info(name)
        sheet = f"datasets/{name}/DATASHEET.md"
        cells = [f"[`{name}`]({sheet})", entry.title, entry.source, entry.licence, entry.citation]
        rows.append("| " + " | ".join(c.replace("|", "/") for c in cells) + " |")
    return "\n".join(rows) + "\n"
