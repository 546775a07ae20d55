"""The learner edition holds no solution, hidden test, model answer or source notebook."""

from __future__ import annotations

import json
import re
import shutil

import nbformat
import pytest

from aimed import cli, translate
from aimed.course import exercise_notebooks, lesson_notebooks, repo_root
from aimed.edition import (
    FRENCH,
    MANIFEST,
    EditionMissingError,
    build_learner,
    find_leaks,
    learner_edition,
)
from aimed.lint import nbgrader_role
from aimed.workspace import prepare
from tests.code_skeleton import skeleton

ROOT = repo_root()
MARKERS = re.compile(r"(BEGIN|END) (SOLUTION|HIDDEN TESTS|MARK SCHEME)")


@pytest.fixture(scope="module")
def edition(tmp_path_factory):
    return build_learner(tmp_path_factory.mktemp("le") / "edition", root=ROOT)


def _model_answers() -> list[str]:
    """Every reference solution and model answer of the sources, cell by cell."""
    out = []
    for path in exercise_notebooks(ROOT):
        for cell in nbformat.read(path, as_version=4).cells:
            if nbgrader_role(cell) in ("autograded-answer", "manual-answer"):
                out.append(cell.source.strip())
    return out


def test_edition_has_every_lesson_and_every_exercise(edition):
    lessons = {p.relative_to(ROOT).as_posix() for p in lesson_notebooks(ROOT)}
    exercises = {p.relative_to(ROOT).as_posix() for p in exercise_notebooks(ROOT)}
    files = {p.relative_to(edition).as_posix() for p in edition.rglob("*") if p.is_file()}
    english = lessons | exercises | {"README.md"}
    assert files == english | {f"{FRENCH}/{f}" for f in english} | {MANIFEST}
    manifest = json.loads((edition / MANIFEST).read_text())
    assert set(manifest["files"]) == files - {MANIFEST}


def test_no_file_of_the_edition_leaks_the_answer_key(edition):
    answers = _model_answers()
    assert len(answers) >= 30  # the sources do have solutions to hide
    for path in edition.rglob("*"):
        if not path.is_file():
            continue
        text = path.read_text(encoding="utf-8")
        assert not MARKERS.search(text), path
        for source in exercise_notebooks(ROOT):
            assert path.read_bytes() != source.read_bytes(), f"{path} is a source notebook"
        if path.suffix != ".ipynb":
            continue
        nb = nbformat.read(path, as_version=4)
        for cell in nb.cells:
            assert not cell.get("outputs") and cell.get("execution_count") is None, path
            assert cell.source.strip() not in answers or not cell.source.strip(), path
            if nbgrader_role(cell) in ("autograded-answer", "manual-answer"):
                assert any(token in cell.source for token in (
                    "YOUR CODE HERE", "YOUR ANSWER HERE", "VOTRE CODE ICI", "VOTRE RÉPONSE ICI"))
                if path.is_relative_to(edition / FRENCH):
                    assert "YOUR" not in cell.source, path  # the French stub
        assert set(nb.metadata) <= {"kernelspec", "language_info", "widgets", "nbgrader",
                                    "aimed"}, path
    assert find_leaks(edition, ROOT) == []


def test_find_leaks_catches_the_sources_and_a_planted_solution(edition, tmp_path):
    shutil.copytree(ROOT / "exercises", tmp_path / "sources" / "exercises")
    leaks = find_leaks(tmp_path / "sources", ROOT)
    assert any("marker 'BEGIN SOLUTION'" in x for x in leaks)
    assert any("copy of the source notebook" in x for x in leaks)
    assert any("instructor-only line" in x for x in leaks)
    # a student version with one model answer put back, in a cell's metadata
    planted = tmp_path / "planted"
    shutil.copytree(edition, planted)
    path = sorted((planted / "exercises").rglob("*.ipynb"))[0]
    nb = nbformat.read(path, as_version=4)
    secret = next(a for a in _model_answers() if len(a) > 40)
    nb.cells[0].metadata["note"] = secret
    nbformat.write(nb, path)
    assert any("instructor-only line" in x for x in find_leaks(planted, ROOT))


def test_french_edition_mirrors_the_english_with_every_catalogue_applied(edition):
    catalogued = [p for p in lesson_notebooks(ROOT) + exercise_notebooks(ROOT)
                  if translate.catalogue_path(p, ROOT).is_file()]
    assert catalogued, "the pilot lesson at least has a catalogue"
    for source in catalogued:
        rel = source.relative_to(ROOT)
        english = nbformat.read(edition / rel, as_version=4)
        french = nbformat.read(edition / FRENCH / rel, as_version=4)
        assert translate.is_french(french) and not translate.is_french(english)
        assert [c.get("id") for c in french.cells] == [c.get("id") for c in english.cells]
        assert [c.metadata for c in french.cells] == [c.metadata for c in english.cells]
        back = translate.to_english(french, translate.catalogue_path(source, ROOT))
        for en_cell, fr_cell, back_cell in zip(english.cells, french.cells, back.cells,
                                               strict=True):
            if en_cell.metadata.get("nbgrader") and en_cell.cell_type == "code":
                # answers and tests: the same code; only what the learner reads (comments,
                # docstrings, the stub's two lines) is French
                assert skeleton(_english_stubs(fr_cell.source)) == skeleton(en_cell.source), (
                    rel, en_cell.get("id"))
                if not en_cell.metadata["nbgrader"].get("solution"):  # a test cell, locked
                    assert back_cell.source == en_cell.source, (rel, en_cell.get("id"))
    # a lesson with a complete catalogue has no English prose left
    pilot = "notebooks/m1-foundations/01-health-data.ipynb"
    en = nbformat.read(edition / pilot, as_version=4)
    fr = nbformat.read(edition / FRENCH / pilot, as_version=4)
    assert all(a.source != b.source for a, b in zip(en.cells, fr.cells, strict=True)
               if a.cell_type == "markdown")


def _english_stubs(source: str) -> str:
    from aimed.grading.config import STUDENT_STUB, STUDENT_STUB_FR

    for english, french in zip(STUDENT_STUB.splitlines(), STUDENT_STUB_FR.splitlines(),
                               strict=True):
        source = source.replace(french, english)
    return source


def test_find_leaks_catches_a_french_model_answer(tmp_path):
    root = tmp_path / "root"
    for part in ("notebooks", "exercises"):
        shutil.copytree(ROOT / part, root / part)
    shutil.copy(ROOT / "README.md", root / "README.md")
    source = next(p for p in exercise_notebooks(root)
                  if any(nbgrader_role(c) == "manual-answer"
                         for c in nbformat.read(p, as_version=4).cells))
    answer = next(c for c in nbformat.read(source, as_version=4).cells
                  if nbgrader_role(c) == "manual-answer")
    po_path = translate.catalogue_path(source, root)
    translate.update_catalogue(source, po_path)
    import polib

    po = polib.pofile(str(po_path))
    secret = "Je recommanderais un pilote supervisé, avec une relecture par un médecin."
    for entry in po:
        if entry.msgctxt == answer.get("id"):
            entry.msgstr = secret
    po.save(str(po_path))
    folder = tmp_path / "handout"
    folder.mkdir()
    (folder / "notes.md").write_text(f"Corrigé : {secret}\n", encoding="utf-8")
    assert any("instructor-only line" in x for x in find_leaks(folder, root))


def test_workspace_in_french_takes_the_french_edition(edition, tmp_path, monkeypatch):
    monkeypatch.setenv("AIMED_LANG", "fr")
    prepare(tmp_path / "ws", edition=edition)
    pilot = tmp_path / "ws" / "notebooks" / "m1-foundations" / "01-health-data.ipynb"
    assert translate.is_french(nbformat.read(pilot, as_version=4))
    start = nbformat.read(tmp_path / "ws" / "START-HERE.ipynb", as_version=4)
    assert "Commencez ici" in start.cells[0].source
    assert find_leaks(tmp_path / "ws", ROOT) == []
    monkeypatch.setenv("AIMED_LANG", "en")  # switching back replaces the files not edited
    report = prepare(tmp_path / "ws", edition=edition)
    assert "notebooks/m1-foundations/01-health-data.ipynb" in report.updated
    assert not translate.is_french(nbformat.read(pilot, as_version=4))


def test_build_refuses_a_folder_that_is_not_an_edition(tmp_path):
    (tmp_path / "mine.txt").write_text("my notes")
    with pytest.raises(ValueError, match="not a learner edition"):
        build_learner(tmp_path, root=ROOT)
    with pytest.raises(ValueError, match="outside the sources"):
        build_learner(ROOT / "exercises" / "x", root=ROOT)
    assert (tmp_path / "mine.txt").read_text() == "my notes"


def test_workspace_from_the_edition(edition, tmp_path):
    report = prepare(tmp_path / "ws", edition=edition)
    assert "exercises/m1-foundations/01-evaluating-a-diagnostic-model.ipynb" in report.added
    assert find_leaks(tmp_path / "ws", ROOT) == []
    with pytest.raises(EditionMissingError, match="EDITION.json"):
        learner_edition(tmp_path / "ws")
    with pytest.raises(ValueError, match="solutions"):
        prepare(tmp_path / "ws2", root=ROOT, release_dir=ROOT / "exercises")


def test_cli_build_learner_and_workspace(edition, tmp_path, capsys, monkeypatch):
    monkeypatch.delenv("AIMED_EDITION", raising=False)
    assert cli.main(["workspace", "--edition", str(edition), "--dest", str(tmp_path / "w")]) == 0
    assert "added" in capsys.readouterr().out
    assert cli.main(["workspace", "--edition", str(tmp_path), "--dest", str(tmp_path / "w")]) == 2
    assert "EDITION.json" in capsys.readouterr().err
    (tmp_path / "busy").mkdir()
    (tmp_path / "busy" / "x").write_text("x")
    assert cli.main(["build-learner", str(tmp_path / "busy")]) == 1
    assert "not a learner edition" in capsys.readouterr().err
