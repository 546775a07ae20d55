"""The learner's JupyterLab as a learner meets it: Start page, French interface, Validate.

Screenshots go to ``artifacts/browser/``.
"""

from __future__ import annotations

import json

import nbformat
import pytest

from aimed.course import exercise_notebooks, repo_root
from aimed.grading.release import release
from aimed.lint import nbgrader_role
from aimed.workspace import START_PAGE, prepare
from tests.browser.lab import CHROMIUM_FLAGS, JS_WAIT_NOTEBOOK, LabServer, chromium_path

pytestmark = pytest.mark.browser

ROOT = repo_root()
ARTIFACTS = ROOT / "artifacts" / "browser"
EXERCISES = exercise_notebooks()


@pytest.fixture(scope="module")
def browser():
    executable = chromium_path()
    if executable is None:
        pytest.fail("Chromium is missing: run scripts/ensure-chromium (make test does)")
    from playwright.sync_api import sync_playwright

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_FLAGS)
        yield browser
        browser.close()


def new_page(browser):
    page = browser.new_context(viewport={"width": 1400, "height": 900}).new_page()
    page.set_default_timeout(60_000)
    return page


@pytest.fixture(scope="module")
def workspace(tmp_path_factory):
    """A learner workspace with the student version of the first exercise."""
    ws = tmp_path_factory.mktemp("workspace")
    course = tmp_path_factory.mktemp("course")
    assert EXERCISES, "the course has exercises in exercises/"
    release([EXERCISES[0].parent.name], course=course, root=ROOT)
    prepare(ws, release_dir=course / "release", root=ROOT)
    return ws


def test_start_page_opens_by_default_and_shows_progress(browser, workspace, tmp_path):
    with LabServer(workspace, tmp_path, lang="en") as lab:
        page = new_page(browser)
        page.goto(f"{lab.url}/?token={lab.token}")  # as opened from the printed URL
        page.wait_for_function(JS_WAIT_NOTEBOOK, arg=START_PAGE, polling=250)
        assert page.locator(".jp-Notebook h1").first.inner_text().startswith("Start here")
        # run the progress cell through JupyterLab
        page.evaluate("""async () => {
            const app = window.jupyterapp;
            await app.commands.execute('notebook:run-all-cells');
        }""")
        table = page.locator(".jp-OutputArea-output table").first
        table.wait_for()
        headers = table.locator("th").all_inner_texts()
        page.screenshot(path=str(ARTIFACTS / "start-here.png"))
        assert "Visible checks passed" in headers
        assert page.locator("text=Nbgrader").count() == 0, "instructor menu shown to learners"
        assert page.locator(".jp-Dialog").count() == 0, "an error dialog appeared"


def test_french_interface(browser, workspace, tmp_path, monkeypatch):
    monkeypatch.setenv("AIMED_LANG", "fr")  # as in `AIMED_LANG=fr make lab`
    report = prepare(workspace, root=ROOT)
    assert START_PAGE in report.updated  # the untouched English page follows the language
    with LabServer(workspace, tmp_path, lang="fr") as lab:
        page = new_page(browser)
        page.goto(f"{lab.url}/?token={lab.token}")  # as opened from the printed URL
        page.wait_for_function(JS_WAIT_NOTEBOOK, arg=START_PAGE, polling=250)
        menu = page.locator("#jp-menu-panel, .lm-MenuBar-content").first.inner_text()
        page.screenshot(path=str(ARTIFACTS / "start-here-fr.png"))
        assert "Fichier" in menu and "Noyau" in menu, menu
        assert page.locator(".jp-Notebook h1").first.inner_text().startswith("Commencez ici")


#: The first cell's source and every output's text of the current notebook (its model: the
#: windowed notebook does not render every cell).
JS_OPENING_AND_OUTPUTS = """() => {
  const model = window.jupyterapp.shell.currentWidget.content.model;
  const texts = [];
  for (let i = 0; i < model.cells.length; i++) {
    const cell = model.cells.get(i);
    if (cell.type === 'code') { texts.push(JSON.stringify(cell.outputs.toJSON())); }
  }
  return [model.cells.get(0).sharedModel.getSource(), texts.join('\\n')];
}"""

#: French lessons run in the browser: the pilot and the course's last lesson.
FRENCH_LESSONS = ["notebooks/m1-foundations/01-health-data.ipynb",
                  "notebooks/m4-epistemology/04-knowing-what-the-model-does-not-know.ipynb"]


def test_french_edition_runs_in_jupyterlab_with_french_feedback(browser, tmp_path_factory,
                                                                 tmp_path, monkeypatch):
    """`AIMED_LANG=fr make lab`: the French learner edition, run through JupyterLab."""
    from aimed import translate
    from aimed.edition import build_learner
    from tests.browser.lab import JS_RUN_ALL, JS_SUMMARY

    monkeypatch.setenv("AIMED_LANG", "fr")
    edition = build_learner(tmp_path_factory.mktemp("edition") / "le", root=ROOT)
    ws = tmp_path_factory.mktemp("workspace-fr")
    prepare(ws, edition=edition)
    with LabServer(ws, tmp_path, lang="fr") as lab:
        page = new_page(browser)
        for relative in FRENCH_LESSONS:
            assert translate.is_french(nbformat.read(ws / relative, as_version=4)), relative
            page.goto(lab.lab_url(relative))
            page.wait_for_function(JS_WAIT_NOTEBOOK, arg=relative, polling=250)
            assert page.evaluate(JS_RUN_ALL) == "idle", relative
            summary = page.evaluate(JS_SUMMARY)
            name = relative.rsplit("/", 1)[-1].removesuffix(".ipynb")
            page.screenshot(path=str(ARTIFACTS / f"{name}-fr.png"))
            errors = {c["index"]: c["errors"] for c in summary["cells"] if c["errors"]}
            assert not errors, f"{relative}: error outputs in JupyterLab: {errors}"
            assert [c for c in summary["cells"] if c["executionCount"] is None] == []
            opening, outputs = page.evaluate(JS_OPENING_AND_OUTPUTS)
            assert "Objectifs d'apprentissage" in opening and "Learning objectives" not in opening
            # a practice cell left as it is: the feedback says so, in French
            assert "Pas encore" in outputs and "Not yet" not in outputs, relative


def _validate(page) -> str:
    page.get_by_role("button", name="Validate").click()
    dialog = page.locator(".jp-Dialog")
    dialog.wait_for(timeout=180_000)
    page.wait_for_function(
        "() => !document.querySelector('.jp-Dialog').innerText.includes('Validating')",
        timeout=180_000)
    text = dialog.inner_text()
    return text


def _close_dialog(page) -> None:
    page.locator(".jp-Dialog button").last.click()
    page.locator(".jp-Dialog").wait_for(state="detached")


def test_validate_fails_on_blank_and_passes_with_reference_answers(browser, workspace, tmp_path):
    source = EXERCISES[0]
    relative = f"exercises/{source.parent.name}/{source.name}"
    reference = {cell.metadata["nbgrader"]["grade_id"]: cell.source
                 for cell in nbformat.read(source, as_version=4).cells
                 if nbgrader_role(cell) in ("autograded-answer", "manual-answer")}
    with LabServer(workspace, tmp_path, lang="en") as lab:
        page = new_page(browser)
        page.goto(lab.lab_url(relative))
        page.wait_for_function(JS_WAIT_NOTEBOOK, arg=relative, polling=250)

        blank = _validate(page)
        page.screenshot(path=str(ARTIFACTS / "validate-blank.png"))
        assert "The following cell failed" in blank, blank[:500]
        assert "Success!" not in blank
        _close_dialog(page)

        typed = page.evaluate("""async (answers) => {
            const app = window.jupyterapp;
            const model = app.shell.currentWidget.content.model;
            let n = 0;
            for (let i = 0; i < model.cells.length; i++) {
              const cell = model.cells.get(i);
              const meta = cell.getMetadata('nbgrader');
              if (meta && answers[meta.grade_id] !== undefined) {
                cell.sharedModel.setSource(answers[meta.grade_id]);
                n += 1;
              }
            }
            await app.commands.execute('docmanager:save');
            return n;
        }""", reference)
        assert typed == len(reference)

        passed = _validate(page)
        page.screenshot(path=str(ARTIFACTS / "validate-reference.png"))
        assert "Success! Your notebook passes all the tests." in passed, passed[:1000]
        (ARTIFACTS / "validate.json").write_text(json.dumps(
            {"notebook": relative, "blank": blank[:2000], "reference": passed[:500]}, indent=1))
