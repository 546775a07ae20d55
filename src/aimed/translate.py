"""The French edition: one gettext catalogue per notebook, keyed by the English text.

The English notebooks are the only source. For each translated notebook a PO file,
``translations/fr/<path of the notebook without .ipynb>.po``, holds one entry per
Markdown cell::

    #. cell 3
    msgctxt "915518a3"                    <- the cell's nbformat id: identical cells stay distinct
    msgid "## 1. Tables: one row per patient\\n..."   <- the English cell, verbatim
    msgstr "## 1. Tableaux : une ligne par patient\\n..."

The French notebook is *generated* from the English notebook and the catalogue
(:func:`build_french`): the same cells in the same order, the same code, the same cell
and notebook metadata (nbgrader metadata and grade_ids included); only Markdown sources
are replaced. Code is therefore never duplicated by hand, and one gradebook grades
either language.

When the English changes, :func:`update_catalogue` (``aimed translations --update``)
adds new cells, keeps the translation of a changed cell but marks it *fuzzy* with the
previous English kept (``#| msgid``) so the translator sees the difference, and drops
cells that no longer exist. :func:`drift_violations`, which ``aimed lint`` runs, fails
for every catalogued notebook whose French is missing, fuzzy or older than its English
cell, naming the notebook and the cell. Notebooks without a catalogue are not lint
failures: :func:`coverage` (``aimed translations``) reports them.

Examples
--------
>>> import nbformat
>>> nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell("# Title"),
...                                      nbformat.v4.new_code_cell("x = 1")])
>>> [(e.index, e.msgid) for e in extract(nb)]
[(0, '# Title')]
"""

from __future__ import annotations

import copy
import re
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple

import nbformat

if TYPE_CHECKING:  # polib is imported when a catalogue is read: lint needs it only then
    import polib

__all__ = ["LANG", "Coverage", "Entry", "UpdateReport", "build_edition", "build_french",
           "catalogue_path", "coverage", "drift_violations", "extract", "french_house_rules",
           "to_english", "update_catalogue"]

#: The language of the edition this module builds.
LANG = "fr"
#: Folder of the catalogues, relative to the repository root.
TRANSLATIONS = "translations"
#: The lint rule that :func:`drift_violations` reports.
RULE = "translation-current"

#: French markers of the notebook template, and the English ones the house rules parse.
#: :func:`french_house_rules` maps the first to the second, then runs :mod:`aimed.lint`.
FRENCH_MARKERS: tuple[tuple[str, str], ...] = (
    (r"\*\*Objectifs d'apprentissage\.\*\*", "**Learning objectives.**"),
    (r"\*\*Durée estimée\s*:\s*\*\*", "**Estimated time:**"),
    (r"\*\*Prérequis\s*:\s*\*\*", "**Prerequisites:**"),
    (r"\*\*Données\s*:\s*\*\*", "**Data:**"),
    (r"\*\*Dans le cours\s*:\s*\*\*", "**In the course:**"),
    (r"^(#+)\s+Synthèse\b", r"\1 Summary"),
    (r"^(#+)\s+Pour aller plus loin\b", r"\1 Going further"),
    (r"^(#+)\s+Réflexion\b", r"\1 Reflection"),
)


@dataclass(frozen=True)
class Entry:
    """One translatable cell of a notebook.

    Attributes
    ----------
    context : str
        The msgctxt: the cell's nbformat id, or ``cell-<index>`` for a notebook without ids.
    msgid : str
        The English Markdown source, verbatim.
    index : int
        0-based position of the cell in the notebook.
    """

    context: str
    msgid: str
    index: int


@dataclass
class UpdateReport:
    """What :func:`update_catalogue` did, as lists of cell contexts."""

    added: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)


class Coverage(NamedTuple):
    """Translated prose cells of one notebook.

    Attributes
    ----------
    translated : int
        Markdown cells whose French is present, not fuzzy and made from the current English.
    total : int
        Markdown cells with text.
    missing : list of int
        0-based indexes of the other cells.
    """

    translated: int
    total: int
    missing: list[int]

    @property
    def percent(self) -> float:
        """Share translated, 0-100 (100 for a notebook without prose)."""
        return 100.0 * self.translated / self.total if self.total else 100.0


def _read(nb_or_path) -> nbformat.NotebookNode:
    if isinstance(nb_or_path, nbformat.NotebookNode):
        return nb_or_path
    path = Path(nb_or_path)
    if path.suffix != ".ipynb":
        raise ValueError(f"nb_path must be a .ipynb notebook, got {str(path)!r}")
    return nbformat.read(path, as_version=4)


def extract(nb: nbformat.NotebookNode) -> list[Entry]:
    """The translatable cells of a notebook: every Markdown cell that has text.

    Parameters
    ----------
    nb : NotebookNode
        An English notebook (nbformat 4).

    Returns
    -------
    list of Entry
        In notebook order. Code and raw cells are never translated: the French edition
        copies them from the English.

    Raises
    ------
    ValueError
        If two cells share an id (the catalogue could not tell them apart).
    """
    if not isinstance(nb, nbformat.NotebookNode) or "cells" not in nb:
        raise ValueError("nb must be an nbformat NotebookNode with cells")
    entries: list[Entry] = []
    seen: set[str] = set()
    for i, cell in enumerate(nb.cells):
        if cell.cell_type != "markdown" or not cell.source.strip():
            continue
        context = cell.get("id") or f"cell-{i}"
        if context in seen:
            raise ValueError(f"cell {i}: the cell id {context!r} is used twice in the notebook")
        seen.add(context)
        entries.append(Entry(context, cell.source, i))
    return entries


def catalogue_path(nb_path: Path | str, root: Path | str | None = None,
                   lang: str = LANG) -> Path:
    """Where the catalogue of a notebook lives: ``<root>/translations/<lang>/<rel>.po``.

    Parameters
    ----------
    nb_path : path-like
        A notebook inside ``root``, e.g. ``notebooks/m1-foundations/01-health-data.ipynb``.
    root : path-like, optional
        The repository root (default: :func:`aimed.course.repo_root`).
    lang : str
        Language code (default ``"fr"``).

    Raises
    ------
    ValueError
        If the notebook is not inside ``root``.
    """
    from aimed.course import repo_root

    root = Path(root) if root is not None else repo_root()
    path = Path(nb_path)
    path = path if path.is_absolute() else Path.cwd() / path
    try:
        rel = path.resolve().relative_to(root.resolve())
    except ValueError:
        raise ValueError(f"nb_path {str(nb_path)!r} is not inside the course folder "
                         f"{str(root)!r}") from None
    return root / TRANSLATIONS / lang / rel.with_suffix(".po")


def _polib():
    try:
        import polib
    except ImportError as exc:  # pragma: no cover - declared in the grading and test extras
        raise ImportError("the French catalogues need polib: pip install 'aimed[grading]'"
                          ) from exc
    return polib


def _load(po_path: Path | str) -> polib.POFile:
    polib = _polib()
    path = Path(po_path)
    if path.is_file():
        return polib.pofile(str(path), wrapwidth=78)
    po = polib.POFile(wrapwidth=78)
    po.metadata = {"Project-Id-Version": "aimed", "Language": LANG,
                   "MIME-Version": "1.0", "Content-Type": "text/plain; charset=UTF-8",
                   "Content-Transfer-Encoding": "8bit"}
    return po


def _current(po: polib.POFile) -> dict[str, polib.POEntry]:
    return {e.msgctxt or "": e for e in po if not e.obsolete}


def _is_done(entry: polib.POEntry | None, msgid: str) -> bool:
    return (entry is not None and entry.msgid == msgid and bool(entry.msgstr.strip())
            and "fuzzy" not in entry.flags)


def _lookup(po: polib.POFile, entry: Entry) -> polib.POEntry | None:
    """The catalogue entry of a cell: by its id, else any finished entry of the same text
    (a cell recreated by copy and paste gets a new id but keeps its translation)."""
    found = _current(po).get(entry.context)
    if found is not None and _is_done(found, entry.msgid):
        return found
    for other in po:
        if not other.obsolete and _is_done(other, entry.msgid):
            return other
    return found


def update_catalogue(nb_path: Path | str, po_path: Path | str) -> UpdateReport:
    """Bring a notebook's catalogue in step with its English cells, and write it.

    New cells get an empty translation; a cell whose English changed keeps its French,
    marked ``fuzzy``, with the English it translated kept as ``#| msgid``; entries of
    cells that no longer exist are dropped. Translators' comments are kept.

    Parameters
    ----------
    nb_path : path-like
        The English notebook.
    po_path : path-like
        Its catalogue; created (with its folders) when it does not exist.

    Returns
    -------
    UpdateReport
    """
    polib = _polib()
    nb = _read(nb_path)
    po_path = Path(po_path)
    old = _load(po_path)
    before = _current(old)
    new = polib.POFile(wrapwidth=78)
    new.metadata = old.metadata
    new.header = old.header or (f"French catalogue of {Path(nb_path).name} (aimed). Written by "
                                "`aimed translations --update`: edit the msgstr only.")
    report = UpdateReport()
    for entry in extract(nb):
        prev = before.get(entry.context)
        if prev is None or prev.msgid != entry.msgid:
            reuse = _lookup(old, entry)
            if reuse is not None and reuse.msgid == entry.msgid:
                prev = reuse
        if prev is None:
            item = polib.POEntry(msgctxt=entry.context, msgid=entry.msgid, msgstr="")
            report.added.append(entry.context)
        elif prev.msgid == entry.msgid:
            item = polib.POEntry(msgctxt=entry.context, msgid=entry.msgid, msgstr=prev.msgstr,
                                 tcomment=prev.tcomment, flags=list(prev.flags),
                                 previous_msgid=prev.previous_msgid)
            report.unchanged.append(entry.context)
        else:
            # keep the English that the French translates, even after several changes
            previous = prev.previous_msgid if "fuzzy" in prev.flags and prev.previous_msgid \
                else prev.msgid
            item = polib.POEntry(msgctxt=entry.context, msgid=entry.msgid, msgstr=prev.msgstr,
                                 tcomment=prev.tcomment,
                                 flags=["fuzzy"] if prev.msgstr.strip() else [],
                                 previous_msgid=previous if prev.msgstr.strip() else None)
            report.changed.append(entry.context)
        item.comment = f"cell {entry.index}"
        new.append(item)
    seen = {e.context for e in extract(nb)}
    report.removed = [c for c in before if c not in seen]
    po_path.parent.mkdir(parents=True, exist_ok=True)
    new.save(str(po_path))
    return report


def build_french(nb_path: Path | str, po_path: Path | str) -> nbformat.NotebookNode:
    """The French notebook: the English one with each Markdown cell replaced by its msgstr.

    Code and raw cells, cell ids, cell metadata (nbgrader's included) and notebook
    metadata are copied unchanged. A cell whose translation is missing, fuzzy or made
    from older English stays in English (:func:`coverage` and ``aimed lint`` report it).

    Parameters
    ----------
    nb_path : path-like
        The English notebook.
    po_path : path-like
        Its catalogue.

    Raises
    ------
    FileNotFoundError
        If the catalogue does not exist.
    """
    if not Path(po_path).is_file():
        raise FileNotFoundError(f"no catalogue at {po_path}; run `aimed translations "
                                f"--update {nb_path}` first")
    nb = copy.deepcopy(_read(nb_path))
    po = _load(po_path)
    for entry in extract(nb):
        found = _lookup(po, entry)
        if _is_done(found, entry.msgid):
            nb.cells[entry.index].source = found.msgstr
    return nb


def to_english(nb: nbformat.NotebookNode, po_path: Path | str) -> nbformat.NotebookNode:
    """Map a French notebook (a learner's submission, say) back to the English cells.

    Every Markdown cell whose text is, unchanged, the French of a catalogue entry with the
    same cell id gets the entry's English back; every other cell (code, a learner's written
    answer) is kept as it is. nbgrader and :mod:`aimed.grading.integrity` compare locked
    cells with the English release, so a French submission is graded through this mapping
    and its locked French cells (mark schemes) are not mistaken for tampering.

    Parameters
    ----------
    nb : NotebookNode
        A notebook built by :func:`build_french`, possibly edited by a learner.
    po_path : path-like
        The catalogue it was built from.

    Returns
    -------
    NotebookNode
        A copy; ``nb`` is not modified.
    """
    if not isinstance(nb, nbformat.NotebookNode) or "cells" not in nb:
        raise ValueError("nb must be an nbformat NotebookNode with cells")
    if not Path(po_path).is_file():
        raise FileNotFoundError(f"no catalogue at {po_path}")
    by_context = _current(_load(po_path))
    out = copy.deepcopy(nb)
    for cell in out.cells:
        entry = by_context.get(cell.get("id") or "")
        if (cell.cell_type == "markdown" and entry is not None and entry.msgstr
                and cell.source == entry.msgstr):
            cell.source = entry.msgid
    return out


def coverage(nb_path: Path | str, po_path: Path | str) -> Coverage:
    """How many prose (Markdown) cells of a notebook have a current French translation.

    Parameters
    ----------
    nb_path : path-like
        The English notebook.
    po_path : path-like
        Its catalogue (a missing file counts every cell as missing).

    Returns
    -------
    Coverage
        ``(translated, total, missing cell indexes)``.
    """
    entries = extract(_read(nb_path))
    po = _load(po_path)
    missing = [e.index for e in entries if not _is_done(_lookup(po, e), e.msgid)]
    return Coverage(len(entries) - len(missing), len(entries), missing)


def drift_violations(nb_path: Path | str, *, label: str | None = None,
                     root: Path | str | None = None) -> list:
    """Lint findings of a notebook that has a French catalogue (none if it has no catalogue).

    One finding per Markdown cell whose French translation is missing, marked fuzzy, or
    made from English that has changed since (``aimed translations --update`` then marks
    it fuzzy for the translator).

    Parameters
    ----------
    nb_path : path-like
        The English notebook.
    label : str, optional
        How to name the notebook in messages.
    root : path-like, optional
        The repository root (default :func:`aimed.course.repo_root`).

    Returns
    -------
    list of aimed.lint.Violation
    """
    from aimed.lint import Violation

    try:
        po_path = catalogue_path(nb_path, root)
    except ValueError:
        return []
    if not po_path.is_file():
        return []
    name = label or str(nb_path)
    try:
        entries = extract(_read(nb_path))
        po = _load(po_path)
    except (OSError, ValueError) as exc:
        return [Violation(name, RULE, f"cannot read the notebook or {po_path.name}: {exc}")]
    out = []
    for entry in entries:
        found = _lookup(po, entry)
        if _is_done(found, entry.msgid):
            continue
        if found is None:
            why = "has no entry in the French catalogue (run `aimed translations --update`)"
        elif found.msgid != entry.msgid:
            why = ("changed in English since it was translated (run `aimed translations "
                   "--update`, then revise the French and remove the fuzzy flag)")
        elif "fuzzy" in found.flags:
            why = "has a French translation marked fuzzy: review it and remove the flag"
        else:
            why = "has no French translation (empty msgstr)"
        out.append(Violation(name, RULE, f"Markdown cell {entry.context!r} {why}",
                             entry.index))
    return out


def french_house_rules(nb: nbformat.NotebookNode, *, label: str = "french notebook") -> list:
    """Run the house rules of :mod:`aimed.lint` on a generated French notebook.

    The template's French markers (``**Durée estimée :**``, ``## Synthèse`` ...) are
    mapped to the English ones that the rules parse (:data:`FRENCH_MARKERS`); every other
    rule runs on the notebook as it is.

    Returns
    -------
    list of aimed.lint.Violation
    """
    from aimed.lint import check_notebook, release_violations

    probe = copy.deepcopy(nb)
    for cell in probe.cells:
        if cell.cell_type == "markdown":
            for pattern, english in FRENCH_MARKERS:
                cell.source = re.sub(pattern, english, cell.source, flags=re.MULTILINE)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "notebook.ipynb"
        nbformat.write(probe, path)
        return check_notebook(path, label=label) + release_violations(probe.cells, label)


def build_edition(dest: Path | str, root: Path | str | None = None,
                  notebooks: list[Path] | None = None) -> list[Path]:
    """Write the French notebooks of every catalogued notebook under ``dest``.

    The French edition keeps the English layout (``dest/notebooks/m1-foundations/...``),
    so that relative links (``../../README.md``, the previous lesson) and nbgrader's
    assignment and notebook names are the same in both languages.

    Parameters
    ----------
    dest : path-like
        The folder to write (created when needed).
    root : path-like, optional
        The repository root (default :func:`aimed.course.repo_root`).
    notebooks : list of Path, optional
        English notebooks (default: every lesson and exercise).

    Returns
    -------
    list of Path
        The French notebooks written.
    """
    from aimed.course import exercise_notebooks, lesson_notebooks, repo_root

    root = Path(root) if root is not None else repo_root()
    dest = Path(dest)
    if notebooks is None:
        notebooks = lesson_notebooks(root) + exercise_notebooks(root)
    written = []
    for path in notebooks:
        po_path = catalogue_path(path, root)
        if not po_path.is_file():
            continue
        out = dest / Path(path).resolve().relative_to(root.resolve())
        out.parent.mkdir(parents=True, exist_ok=True)
        nbformat.write(build_french(path, po_path), out)
        written.append(out)
    return written
