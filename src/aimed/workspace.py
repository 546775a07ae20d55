"""The learner's workspace: lessons plus the student versions of the exercises.

``make lab`` calls :func:`prepare` and then starts JupyterLab in the workspace. The
material comes from the learner edition (:mod:`aimed.edition`), never from the
instructor's ``exercises/``, which holds the solutions. The
workspace is the learner's own: running it again adds new material and updates files
the learner has not touched, but never overwrites a file the learner has edited. A
manifest (``.aimed-manifest.json``) remembers the hash of every file as it was copied.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

from aimed.course import (
    MODULES,
    checkout_root,
    exercise_notebooks,
    lesson_notebooks,
    module_title,
    opening_of,
    repo_root,
)
from aimed.i18n import language, t

__all__ = ["SyncReport", "default_workspace", "prepare", "start_page", "sync_tree"]

MANIFEST = ".aimed-manifest.json"
START_PAGE = "START-HERE.ipynb"
_IGNORE = {".ipynb_checkpoints", "__pycache__", ".DS_Store"}


@dataclass
class SyncReport:
    """What :func:`sync_tree` did, file by file (paths relative to the workspace)."""

    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    kept: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)

    def summary(self) -> str:
        """One line for the terminal."""
        return (f"{len(self.added)} added, {len(self.updated)} updated, "
                f"{len(self.kept)} kept (edited by you), {len(self.unchanged)} unchanged")


def default_workspace() -> Path:
    """``$AIMED_WORKSPACE``, else ``workspace/`` in a source checkout, else ``~/aimed-workspace``.

    An installed wheel has no repository around it, so its learners get a workspace in
    their home folder, the same wherever they start ``aimed lab``.
    """
    configured = os.environ.get("AIMED_WORKSPACE")
    if configured:
        return Path(configured).expanduser()
    checkout = checkout_root()
    return checkout / "workspace" if checkout else Path.home() / "aimed-workspace"


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _sync_file(src: Path, target: Path, workspace: Path, manifest: dict[str, str],
               report: SyncReport) -> None:
    """Copy one file unless the learner has edited the workspace copy."""
    key = target.relative_to(workspace).as_posix()
    new = _digest(src)
    if not target.exists():
        report.added.append(key)
    else:
        current = _digest(target)
        if current == new:
            report.unchanged.append(key)
            manifest[key] = new
            return
        if manifest.get(key) != current:
            report.kept.append(key)
            return
        report.updated.append(key)
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copy2(src, target)
    manifest[key] = new


def sync_tree(source: Path, dest: Path, workspace: Path, manifest: dict[str, str],
              report: SyncReport) -> None:
    """Copy ``source`` into ``dest`` without ever overwriting the learner's edits.

    A file is updated only when the workspace copy still has the hash recorded in the
    manifest, that is, when the learner has not changed it.
    """
    if not source.is_dir():
        raise FileNotFoundError(f"source folder {source} does not exist")
    for src in sorted(source.rglob("*")):
        if src.is_dir() or _IGNORE & set(src.relative_to(source).parts):
            continue
        _sync_file(src, dest / src.relative_to(source), workspace, manifest, report)


def prepare(workspace: Path | None = None, *, edition: Path | None = None,
            release_dir: Path | None = None, root: Path | None = None) -> SyncReport:
    """Fill the workspace with the lessons, the student exercises and the README.

    Parameters
    ----------
    workspace : Path, optional
        Destination; default :func:`default_workspace`.
    edition : Path, optional
        A learner edition (``aimed build-learner``): its lessons, student exercises and
        README are copied. This is the default, found by
        :func:`aimed.edition.learner_edition`, when ``root`` is not given.
    release_dir : Path, optional
        With ``root``: a folder of generated student versions (``<course>/release``);
        the exercises are skipped when it does not exist.
    root : Path, optional
        Take the lessons and README from this folder instead of an edition. Its
        ``exercises/`` folder is never copied (in a repository it holds the solutions).

    Raises
    ------
    aimed.edition.EditionMissingError
        If neither ``root`` nor ``edition`` is given and no learner edition is found,
        or if ``edition`` is not a learner edition.
    ValueError
        If ``release_dir`` is the repository's ``exercises/`` (the sources).
    """
    from aimed.edition import edition_for_language, learner_edition

    if edition is not None or root is None:
        edition = learner_edition(edition)  # checks that it is one
        root = edition_for_language(edition, language())  # AIMED_LANG=fr: the French course
        release_dir = root / "exercises"
    checkout = checkout_root()
    if release_dir is not None and checkout is not None and \
            Path(release_dir).resolve() == (checkout / "exercises").resolve():
        raise ValueError("release_dir is the instructor's exercises/ (with the solutions); "
                         "pass the student versions (<course>/release) or a learner edition")
    workspace = (workspace or default_workspace()).resolve()
    workspace.mkdir(parents=True, exist_ok=True)
    manifest_path = workspace / MANIFEST
    manifest = json.loads(manifest_path.read_text()) if manifest_path.exists() else {}
    report = SyncReport()
    sync_tree(root / "notebooks", workspace / "notebooks", workspace, manifest, report)
    if release_dir is not None and release_dir.is_dir():
        sync_tree(release_dir, workspace / "exercises", workspace, manifest, report)
    readme = root / "README.md"
    if readme.exists():
        _sync_file(readme, workspace / "README.md", workspace, manifest, report)
    with tempfile.TemporaryDirectory() as staging:
        page = Path(staging) / START_PAGE
        nbformat.write(start_page(root), page)
        _sync_file(page, workspace / START_PAGE, workspace, manifest, report)
    manifest_path.write_text(json.dumps(manifest, indent=1, sort_keys=True))
    return report


def _course_map(root: Path) -> str:
    lines = [t("start.map_header"), "|---|---|---|"]
    lessons = lesson_notebooks(root)
    exercises = exercise_notebooks(root)
    for folder in MODULES:
        title = module_title(folder, language())
        mine = [p for p in lessons if p.parent.name == folder]
        if not mine:
            continue
        items = []
        for path in mine:
            opening = opening_of(path)
            minutes = f" ({opening.minutes} min)" if opening.minutes else ""
            items.append(f"[{opening.title or path.stem}](notebooks/{folder}/{path.name}){minutes}")
        tasks = [f"[{p.stem}](exercises/{folder}/{p.name})" for p in exercises
                 if p.parent.name == folder]
        lines.append(f"| {title} | {'<br>'.join(items)} | {'<br>'.join(tasks) or '-'} |")
    return "\n".join(lines)


def start_page(root: Path | None = None) -> nbformat.NotebookNode:
    """Build the *Start here* notebook: how to work, the course map, progress, help.

    Text comes from the message catalogue, in the learner's language (``AIMED_LANG``).
    """
    root = root or repo_root()
    cells = [
        new_markdown_cell(f"# {t('start.title')}\n\n{t('start.welcome')}"),
        new_markdown_cell(f"## {t('start.how_title')}\n\n{t('start.how')}"),
        new_markdown_cell(f"## {t('start.map_title')}\n\n{_course_map(root)}"),
        new_markdown_cell(f"## {t('start.progress_title')}\n\n{t('start.progress_intro')}"),
        new_code_cell("from aimed import progress\n\nprogress.show()"),
        new_markdown_cell(f"## {t('start.help_title')}\n\n{t('start.help')}"),
        new_markdown_cell(f"## {t('start.language_title')}\n\n{t('start.language')}"),
    ]
    for i, cell in enumerate(cells):
        cell.id = f"start-{i}"  # stable ids: an unchanged page keeps the same bytes
    return new_notebook(cells=cells, metadata={
        "kernelspec": {"display_name": "Python 3 (ipykernel)", "language": "python",
                       "name": "python3"},
        "language_info": {"name": "python"},
    })
