"""Every lesson runs in a real JupyterLab, in headless Chromium, as a learner would run it.

For each lesson the test opens the notebook in JupyterLab, runs all cells through
JupyterLab itself, waits for the kernel to go idle, and checks that no cell produced an
error, that each cell rendered the figures it renders under nbval, and that widgets
rendered where the lesson uses them. Screenshots go to ``artifacts/browser/``.

All lessons share one server and one browser, to keep the suite's wall time reasonable.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

import nbformat
import pytest

from aimed.course import lesson_notebooks, repo_root
from aimed.workspace import prepare
from tests.browser.lab import (
    CHROMIUM_FLAGS,
    JS_RUN_ALL,
    JS_SCROLL_TO_MIDDLE,
    JS_SUMMARY,
    JS_WAIT_NOTEBOOK,
    LabServer,
    chromium_path,
)
from tests.nbval_figures import figure_record_path

pytestmark = pytest.mark.browser

ROOT = repo_root()
ARTIFACTS = ROOT / "artifacts" / "browser"
LESSONS = lesson_notebooks()
TIMINGS: dict[str, float] = {}


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    workspace = tmp_path_factory.mktemp("workspace")
    prepare(workspace, root=ROOT)
    state = tmp_path_factory.mktemp("lab-state")
    with LabServer(workspace, state) as server:
        yield server


@pytest.fixture(scope="module")
def page(lab):
    executable = chromium_path()
    if executable is None:
        pytest.fail("Chromium is missing: run scripts/ensure-chromium (make test does)")
    from playwright.sync_api import sync_playwright

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_FLAGS)
        context = browser.new_context(viewport={"width": 1400, "height": 900})
        page = context.new_page()
        page.set_default_timeout(60_000)
        yield page
        context.close()
        browser.close()
    if TIMINGS:
        (ARTIFACTS / "timings.json").write_text(json.dumps(TIMINGS, indent=1))


def expected_figures(path: Path) -> dict[int, int]:
    """Figures per code cell as rendered under nbval (recorded by tests/conftest.py).

    Falls back to executing the notebook with nbclient when no fresh record exists.
    """
    record = figure_record_path(path)
    nb = nbformat.read(path, as_version=4)
    code_cells = [i for i, cell in enumerate(nb.cells) if cell.cell_type == "code"]
    if record.exists() and record.stat().st_mtime >= path.stat().st_mtime:
        counts = {int(k): v for k, v in json.loads(record.read_text()).items()}
        if set(counts) == set(code_cells):
            return counts
    from nbclient import NotebookClient

    NotebookClient(nb, timeout=120, kernel_name="python3",
                   resources={"metadata": {"path": str(path.parent)}}).execute()
    return {i: sum(1 for out in nb.cells[i].outputs
                   if {"image/png", "image/svg+xml"} & set(out.get("data", {})))
            for i in code_cells}


def uses_widgets(path: Path) -> bool:
    nb = nbformat.read(path, as_version=4)
    return any("widgets." in cell.source or "interact(" in cell.source
               for cell in nb.cells if cell.cell_type == "code")


@pytest.mark.parametrize("path", LESSONS, ids=[p.stem for p in LESSONS])
def test_lesson_runs_in_jupyterlab(lab, page, path):
    relative = path.relative_to(ROOT).as_posix()
    expected = expected_figures(path)
    start = time.monotonic()
    page.goto(lab.lab_url(relative))
    page.wait_for_function(JS_WAIT_NOTEBOOK, arg=relative, polling=250)
    status = page.evaluate(JS_RUN_ALL)
    TIMINGS[relative] = round(time.monotonic() - start, 1)
    summary = page.evaluate(JS_SUMMARY)
    name = path.stem
    page.screenshot(path=str(ARTIFACTS / f"{name}-end.png"))
    page.evaluate(JS_SCROLL_TO_MIDDLE)
    page.wait_for_timeout(500)  # let the windowed notebook render the cells it scrolled to
    page.screenshot(path=str(ARTIFACTS / f"{name}-middle.png"))
    assert status == "idle", f"{relative}: kernel still {status} after 120 s"

    unrun = [c["index"] for c in summary["cells"] if c["executionCount"] is None]
    assert not unrun, f"{relative}: cells {unrun} were not executed"
    errors = {c["index"]: c["errors"] for c in summary["cells"] if c["errors"]}
    assert not errors, f"{relative}: error outputs in JupyterLab: {errors}"
    # A figure drawn inside a widget (ipywidgets.interact) is a cell output under nbval,
    # which has no widget front end, but lives inside the widget in JupyterLab.
    widget_cells = {c["index"] for c in summary["cells"] if c["widgets"]}
    rendered = {c["index"]: c["images"] for c in summary["cells"]}
    different = {i: (rendered.get(i), n) for i, n in expected.items()
                 if i not in widget_cells and rendered.get(i) != n}
    assert not different, f"{relative}: figures per cell (JupyterLab, nbval) differ: {different}"
    if uses_widgets(path):
        assert widget_cells and summary["renderedWidgets"] > 0, f"{relative}: no widget rendered"
        in_widgets = sum(expected[i] for i in widget_cells)
        assert summary["widgetImages"] >= in_widgets, (
            f"{relative}: {summary['widgetImages']} figures rendered inside widgets, "
            f"expected {in_widgets}")
