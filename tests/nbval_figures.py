"""nbval hooks, shared by the root conftest.py.

A notebook cell that actually rendered a figure must be followed by a Markdown caption
(the static check in ``aimed.lint`` can only guess which cells draw). The number of
figures each cell rendered is recorded in ``artifacts/figures/``, so the browser tests
can check that JupyterLab renders the same.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
FIGURE_RECORDS = ROOT / "artifacts" / "figures"


def figure_record_path(notebook: Path) -> Path:
    """Where the nbval run records the figures of one notebook."""
    relative = notebook.resolve().relative_to(ROOT)
    return FIGURE_RECORDS / (relative.as_posix().replace("/", "__") + ".json")


def _record_figures(item, index: int) -> None:
    path = figure_record_path(Path(str(item.fspath)))
    path.parent.mkdir(parents=True, exist_ok=True)
    record = json.loads(path.read_text()) if path.exists() and item.cell_num > 0 else {}
    record[str(index)] = sum(1 for out in item.test_outputs or [] if _is_figure(out))
    path.write_text(json.dumps(record, sort_keys=True))


def _is_figure(output) -> bool:
    data = output.get("data") or {}
    return "image/png" in data or "image/svg+xml" in data


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    if call.when != "call" or report.failed or not hasattr(item, "test_outputs"):
        return
    cells = item.parent.nb.cells
    index = next(i for i, cell in enumerate(cells) if cell is item.cell)
    _record_figures(item, index)
    if not any(_is_figure(out) for out in item.test_outputs or []):
        return
    following = cells[index + 1] if index + 1 < len(cells) else None
    if following is None or following.cell_type != "markdown" or not following.source.strip():
        report.outcome = "failed"
        report.longrepr = (f"[figure-caption] {item.fspath}: code cell {index} rendered a figure "
                           "but no Markdown caption follows it")
