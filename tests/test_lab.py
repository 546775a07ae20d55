"""The learner's JupyterLab configuration (aimed.lab) and progress page (aimed.progress)."""

from __future__ import annotations

import json

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output

from aimed import lab, progress
from aimed.grading.config import STUDENT_STUB, TEXT_STUB
from aimed.workspace import start_page


def test_config_disables_instructor_panels_but_keeps_validate(tmp_path):
    folder = lab.write_lab_config(tmp_path, lang="en")
    page = json.loads((folder / "config" / "labconfig" / "page_config.json").read_text())
    disabled = set(page["disabledExtensions"])
    assert "@jupyter/nbgrader:formgrader" in disabled
    assert "@jupyter/nbgrader:assignment-list" in disabled
    assert "@jupyter/nbgrader:validate-assignment" not in disabled
    server = json.loads((folder / "config" / "jupyter_server_config.json").read_text())
    extensions = server["ServerApp"]["jpserver_extensions"]
    assert extensions["nbgrader.server_extensions.formgrader"] is False
    assert "nbgrader.server_extensions.validate_assignment" not in extensions


@pytest.mark.parametrize(("lang", "locale"), [("fr", "fr_FR"), ("en", "en")])
def test_language_setting(tmp_path, lang, locale):
    folder = lab.write_lab_config(tmp_path, lang=lang)
    setting = folder / "user-settings" / "@jupyterlab" / "translation-extension"
    assert json.loads((setting / "plugin.jupyterlab-settings").read_text()) == {"locale": locale}


def test_language_left_alone_without_aimed_lang(tmp_path, monkeypatch):
    monkeypatch.delenv("AIMED_LANG", raising=False)
    folder = lab.write_lab_config(tmp_path)
    assert not (folder / "user-settings" / "@jupyterlab" / "translation-extension").exists()
    with pytest.raises(ValueError, match="lang must be one of"):
        lab.write_lab_config(tmp_path, lang="de")


def test_lab_command(tmp_path):
    (tmp_path / lab.START_PAGE).write_text("{}")
    argv, env = lab.lab_command(tmp_path, port=9999, token="t0k", lang="fr")
    assert "--ServerApp.ip=127.0.0.1" in argv and "--ServerApp.port=9999" in argv
    assert "--IdentityProvider.token=t0k" in argv
    assert f"--LabApp.default_url=/lab/tree/{lab.START_PAGE}" in argv
    assert env["AIMED_LANG"] == "fr" and env["JUPYTER_PREFER_ENV_PATH"] == "0"
    assert env["JUPYTER_CONFIG_DIR"].startswith(str(tmp_path.resolve()))
    with pytest.raises(ValueError, match="port"):
        lab.lab_command(tmp_path, port=0)


def test_start_page_in_both_languages(monkeypatch):
    monkeypatch.setenv("AIMED_LANG", "en")
    english = start_page()
    assert english.cells[0].source.startswith("# Start here")
    assert "notebooks/m1-foundations/01-health-data.ipynb" in english.cells[2].source
    assert "progress.show()" in english.cells[4].source
    monkeypatch.setenv("AIMED_LANG", "fr")
    assert start_page().cells[0].source.startswith("# Commencez ici")


# --------------------------------------------------------------------------- progress


def _cell(kind, source, role, **extra):
    cell = new_code_cell(source) if kind == "code" else new_markdown_cell(source)
    flags = {"autograded": (True, False), "manual": (True, True), "tests": (False, True)}[role]
    cell.metadata["nbgrader"] = {"solution": flags[0], "grade": flags[1], "grade_id": role,
                                 "locked": role == "tests", "schema_version": 3}
    for key, value in extra.items():
        setattr(cell, key, value)
    return cell


def _exercise(answer: str, test_state: str) -> nbformat.NotebookNode:
    tests = _cell("code", "fb.assert_number(f(), 1.0)", "tests")
    if test_state in ("passed", "failed"):
        tests.execution_count = 3
    if test_state == "failed":
        tests.outputs = [new_output("error", ename="CheckFailed", evalue="no", traceback=[])]
    return new_notebook(cells=[_cell("code", answer, "autograded"),
                               _cell("markdown", TEXT_STUB, "manual"), tests])


@pytest.mark.parametrize(("answer", "state", "started", "counts"), [
    (f"def f():\n    {STUDENT_STUB}", "not run", False, (0, 0, 1)),
    ("def f():\n    return 1.0", "passed", True, (1, 0, 0)),
    ("def f():\n    return 2.0", "failed", True, (0, 1, 0)),
])
def test_notebook_status(answer, state, started, counts):
    status = progress.notebook_status(_exercise(answer, state), "m1", "ex.ipynb")
    assert status.started is started
    assert (status.passed, status.failed, status.not_run) == counts and status.total == 1


def test_workspace_progress_table(tmp_path, monkeypatch):
    monkeypatch.setenv("AIMED_LANG", "en")
    folder = tmp_path / "exercises" / "m1-foundations"
    folder.mkdir(parents=True)
    nbformat.write(_exercise("def f():\n    return 1.0", "passed"), folder / "a.ipynb")
    (folder / "broken.ipynb").write_text("{not json")
    table = progress.show(tmp_path)
    assert list(table.columns) == ["Module", "Exercise", "Started", "Visible checks passed"]
    rows = table.set_index("Exercise")
    assert rows.loc["a.ipynb", "Started"] == "yes"
    assert rows.loc["a.ipynb", "Visible checks passed"] == "1 / 1"
    assert rows.loc["broken.ipynb", "Started"] == "not yet"


def test_empty_workspace_says_how_to_get_exercises(tmp_path, capsys):
    assert progress.show(tmp_path).empty
    assert "make lab" in capsys.readouterr().out
