"""The learner's progress, read from the learner's own exercise notebooks.

Nothing is executed or uploaded: the status comes from what the learner last ran and
saved. An exercise is *started* when at least one answer cell no longer holds the stub
the student version came with; a visible check has *passed* when its test cell was run
and produced no error, *failed* when it shows an error, and is *not run* otherwise.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import nbformat
import pandas as pd

from aimed.i18n import t
from aimed.lint import nbgrader_role
from aimed.stubs import STUBS

__all__ = ["ExerciseStatus", "notebook_status", "show", "workspace_progress"]


@dataclass(frozen=True)
class ExerciseStatus:
    """Progress in one exercise notebook.

    Attributes
    ----------
    module : str
        Module folder, for example ``"m1-foundations"``.
    notebook : str
        Notebook file name.
    started : bool
        At least one answer differs from the stub.
    passed, failed, not_run : int
        Visible test cells by state, as last saved.
    """

    module: str
    notebook: str
    started: bool
    passed: int
    failed: int
    not_run: int

    @property
    def total(self) -> int:
        """Number of visible test cells."""
        return self.passed + self.failed + self.not_run


def _is_stub(cell: nbformat.NotebookNode) -> bool:
    source = cell.source.strip()
    if cell.cell_type == "markdown":
        return source == "" or source in [stub.strip() for stub in STUBS["markdown"]]
    return any(stub.splitlines()[-1].strip() in source for stub in STUBS["code"])


def notebook_status(nb: nbformat.NotebookNode, module: str = "", name: str = "") -> ExerciseStatus:
    """Summarise one exercise notebook (see the module docstring for the rules)."""
    started = False
    passed = failed = not_run = 0
    for cell in nb.cells:
        role = nbgrader_role(cell)
        if role in ("autograded-answer", "manual-answer") and not _is_stub(cell):
            started = True
        elif role == "tests":
            outputs = cell.get("outputs", [])
            if any(out.get("output_type") == "error" for out in outputs):
                failed += 1
            elif cell.get("execution_count") is None:
                not_run += 1
            else:
                passed += 1
    return ExerciseStatus(module, name, started, passed, failed, not_run)


def workspace_progress(workspace: Path | None = None) -> list[ExerciseStatus]:
    """Status of every exercise notebook in ``<workspace>/exercises/``.

    Parameters
    ----------
    workspace : Path, optional
        The learner workspace; by default the current folder if it holds
        ``exercises/``, else :func:`aimed.workspace.default_workspace`.
    """
    if workspace is None:
        from aimed.workspace import default_workspace

        workspace = Path.cwd() if (Path.cwd() / "exercises").is_dir() else default_workspace()
    out = []
    for path in sorted((workspace / "exercises").glob("*/*.ipynb")):
        try:
            nb = nbformat.read(path, as_version=4)
        except Exception:  # noqa: BLE001 - a damaged notebook counts as not started
            out.append(ExerciseStatus(path.parent.name, path.name, False, 0, 0, 0))
            continue
        out.append(notebook_status(nb, path.parent.name, path.name))
    return out


def show(workspace: Path | None = None) -> pd.DataFrame:
    """Return the progress as a table with headers in the learner's language.

    In a notebook, the table renders as the cell's output.
    """
    rows = workspace_progress(workspace)
    if not rows:
        folder = (workspace or Path.cwd()) / "exercises"
        print(t("progress.none", folder=folder))
    table = pd.DataFrame(
        [{t("progress.module"): r.module,
          t("progress.exercise"): r.notebook,
          t("progress.started"): t("progress.yes") if r.started else t("progress.no"),
          t("progress.checks"): f"{r.passed} / {r.total}"
          + (f" ({t('progress.not_run', n=r.not_run)})" if r.not_run else "")}
         for r in rows],
        columns=[t("progress.module"), t("progress.exercise"), t("progress.started"),
                 t("progress.checks")],
    )
    return table
