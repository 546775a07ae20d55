"""The French edition: catalogues keyed by the English text, generated notebooks, drift check."""

from __future__ import annotations

import copy
import csv
import re
import shutil
from pathlib import Path

import nbformat
import polib
import pytest

from aimed import lint, translate
from aimed.cli import main
from tests.code_skeleton import skeleton

ROOT = Path(__file__).resolve().parents[1]
PILOT = ROOT / "notebooks" / "m1-foundations" / "01-health-data.ipynb"
PILOT_PO = ROOT / "translations" / "fr" / "notebooks" / "m1-foundations" / "01-health-data.po"
GLOSSARY = ROOT / "translations" / "fr" / "glossary.csv"
#: Every English notebook that has a French catalogue: each is checked below.
CATALOGUED = sorted((ROOT / "notebooks").glob("m*/*.ipynb")) + sorted(
    (ROOT / "exercises").glob("m*/*.ipynb"))
CATALOGUED = [p for p in CATALOGUED if translate.catalogue_path(p, ROOT).is_file()]
IDS = [p.relative_to(ROOT).as_posix() for p in CATALOGUED]


def _notebook() -> nbformat.NotebookNode:
    v4 = nbformat.v4
    cells = [v4.new_markdown_cell("# Title\n\nSome prose."),
             v4.new_code_cell("x = 1"),
             v4.new_markdown_cell("Same text"),
             v4.new_markdown_cell("Same text"),
             v4.new_markdown_cell("   "),
             v4.new_code_cell("assert x == 1")]
    cells[5].metadata["nbgrader"] = {"grade": True, "grade_id": "t_x", "locked": True,
                                     "points": 1, "solution": False, "schema_version": 3}
    kernel = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nb = v4.new_notebook(cells=cells, metadata={"kernelspec": kernel})
    for i, cell in enumerate(nb.cells):
        cell.id = f"c{i}"
    return nb


def _write(nb: nbformat.NotebookNode, path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, path)
    return path


def _translate_all(po_path: Path, prefix: str = "FR ") -> None:
    po = polib.pofile(str(po_path))
    for entry in po:
        entry.msgstr = prefix + entry.msgid
    po.save(str(po_path))


# -- extract ---------------------------------------------------------------------------------

def test_extract_keeps_markdown_with_text_and_keys_it_by_cell_id():
    entries = translate.extract(_notebook())
    assert [(e.context, e.index, e.msgid) for e in entries] == [
        ("c0", 0, "# Title\n\nSome prose."), ("c2", 2, "Same text"), ("c3", 3, "Same text")]


def test_extract_rejects_duplicate_ids_and_non_notebooks(tmp_path):
    nb = _notebook()
    nb.cells[3].id = "c2"
    with pytest.raises(ValueError, match="used twice"):
        translate.extract(nb)
    with pytest.raises(ValueError, match="NotebookNode"):
        translate.extract({"cells": []})
    with pytest.raises(ValueError, match=r"\.ipynb"):
        translate.coverage(tmp_path / "notes.txt", tmp_path / "x.po")


def test_catalogue_path_mirrors_the_notebook_and_refuses_outside_paths(tmp_path):
    assert translate.catalogue_path(PILOT, ROOT) == PILOT_PO
    with pytest.raises(ValueError, match="not inside"):
        translate.catalogue_path(tmp_path / "a.ipynb", ROOT)


# -- update_catalogue --------------------------------------------------------------------------

def test_update_adds_marks_changed_fuzzy_with_previous_and_removes_obsolete(tmp_path):
    nb = _notebook()
    nb_path = _write(nb, tmp_path / "nb.ipynb")
    po_path = tmp_path / "po" / "nb.po"
    report = translate.update_catalogue(nb_path, po_path)
    assert report.added == ["c0", "c2", "c3"] and not report.changed
    assert translate.coverage(nb_path, po_path)[:3] == (0, 3, [0, 2, 3])
    _translate_all(po_path)
    assert translate.coverage(nb_path, po_path)[:3] == (3, 3, [])

    nb.cells[0].source = "# Title\n\nOther prose."
    del nb.cells[3]
    _write(nb, nb_path)
    report = translate.update_catalogue(nb_path, po_path)
    assert report.changed == ["c0"] and report.removed == ["c3"]
    assert report.unchanged == ["c2"]
    entry = {e.msgctxt: e for e in polib.pofile(str(po_path))}["c0"]
    assert "fuzzy" in entry.flags
    assert entry.previous_msgid == "# Title\n\nSome prose."
    assert entry.msgstr == "FR # Title\n\nSome prose."
    assert translate.coverage(nb_path, po_path)[:3] == (1, 2, [0])

    # a second change keeps the English that the French actually translates
    nb.cells[0].source = "# Title\n\nThird prose."
    _write(nb, nb_path)
    translate.update_catalogue(nb_path, po_path)
    entry = {e.msgctxt: e for e in polib.pofile(str(po_path))}["c0"]
    assert entry.previous_msgid == "# Title\n\nSome prose."


def test_a_copied_cell_with_a_new_id_keeps_its_translation(tmp_path):
    nb = _notebook()
    nb_path = _write(nb, tmp_path / "nb.ipynb")
    po_path = tmp_path / "nb.po"
    translate.update_catalogue(nb_path, po_path)
    _translate_all(po_path)
    nb.cells[0].id = "pasted"
    _write(nb, nb_path)
    assert translate.coverage(nb_path, po_path).translated == 3
    report = translate.update_catalogue(nb_path, po_path)
    assert report.unchanged[0] == "pasted" and report.removed == ["c0"]
    assert translate.build_french(nb_path, po_path).cells[0].source.startswith("FR ")


# -- build_french ------------------------------------------------------------------------------

def test_build_french_replaces_only_current_markdown(tmp_path):
    nb = _notebook()
    nb_path = _write(nb, tmp_path / "nb.ipynb")
    po_path = tmp_path / "nb.po"
    with pytest.raises(FileNotFoundError, match="translations --update"):
        translate.build_french(nb_path, po_path)
    translate.update_catalogue(nb_path, po_path)
    _translate_all(po_path)
    fr = translate.build_french(nb_path, po_path)
    assert fr.metadata == {**nb.metadata, "aimed": {"language": "fr"}} and translate.is_french(fr)
    assert not translate.is_french(nb)
    for en_cell, fr_cell in zip(nb.cells, fr.cells, strict=True):
        assert fr_cell.metadata == en_cell.metadata and fr_cell.get("id") == en_cell.get("id")
        if en_cell.cell_type == "markdown" and en_cell.source.strip():
            assert fr_cell.source == "FR " + en_cell.source
        else:
            assert fr_cell == en_cell
    # a changed English cell falls back to English until its French is revised
    nb.cells[2].source = "New text"
    _write(nb, nb_path)
    translate.update_catalogue(nb_path, po_path)
    fr = translate.build_french(nb_path, po_path)
    assert fr.cells[2].source == "New text" and fr.cells[3].source == "FR Same text"


# -- strings shown by code cells -----------------------------------------------------------------

def test_code_strings_are_the_shown_literals_and_never_come_from_nbgrader_cells(tmp_path):
    code = ('fig, ax = plt.subplots()\nax.set_title("Risk by age")\n'
            'ax.plot(x, y, label=f"AUROC {auc:.2f}")\ndf["age"]\nprint(df.shape, "rows")\n'
            'print("%")')
    assert translate.code_strings(code) == ['"Risk by age"', 'f"AUROC {auc:.2f}"', '"rows"']
    nb = _notebook()
    nb.cells[1].source = code
    nb.cells[5].source = 'print("a test cell")'  # nbgrader's: never translated
    nb_path = _write(nb, tmp_path / "nb.ipynb")
    po_path = tmp_path / "nb.po"
    translate.update_catalogue(nb_path, po_path)
    po = polib.pofile(str(po_path))
    codes = {e.msgctxt: e for e in po if "/" in e.msgctxt}
    assert sorted(codes) == ["c1/0", "c1/1", "c1/2"]
    codes["c1/0"].msgstr = '"Risque selon l\'âge"'
    codes["c1/1"].msgstr = 'f"ASC ROC {auc:.2f}"'
    codes["c1/2"].msgstr = 'f"lignes {x}"'  # a placeholder the English does not have
    po.save(str(po_path))
    cov = translate.coverage(nb_path, po_path)
    assert cov.strings_total == 3 and cov.strings_missing == ("c1/2",) and not cov.complete
    fr = translate.build_french(nb_path, po_path)
    assert fr.cells[1].source == code.replace('"Risk by age"', '"Risque selon l\'âge"').replace(
        'f"AUROC {auc:.2f}"', 'f"ASC ROC {auc:.2f}"')
    assert fr.cells[5] == nb.cells[5]
    assert translate.check_literal('f"{n} rows"', 'f"{m} lignes"') == \
        "uses other {placeholders} than the English"
    assert translate.check_literal('"rows"', 'lignes') == "is not a Python string literal"
    assert translate.check_literal('f"{n:.1f} rows"', 'f"{n:.0f} lignes"') is not None


def test_lint_fails_when_a_shown_string_changes_in_english_alone(tmp_path):
    nb_path, _ = _copy_pilot(tmp_path)
    nb = nbformat.read(nb_path, as_version=4)
    index = next(i for i, c in enumerate(nb.cells) if '"lead II"' in c.source)
    nb.cells[index].source = nb.cells[index].source.replace('"lead II"', '"lead II (mV)"', 1)
    nbformat.write(nb, nb_path)
    found = translate.drift_violations(nb_path, root=tmp_path)
    assert [v.cell for v in found] == [index] and "lead II (mV)" in found[0].message


def test_to_english_restores_the_english_cells_and_keeps_a_learners_answer(tmp_path):
    fr = translate.build_french(PILOT, PILOT_PO)
    english = nbformat.read(PILOT, as_version=4)
    back = translate.to_english(fr, PILOT_PO)
    assert back.metadata == english.metadata
    assert [c.source for c in back.cells if c.cell_type == "markdown"] == [
        c.source for c in english.cells if c.cell_type == "markdown"]
    fr.cells[5].source = "Ma réponse : 37 %."  # a cell the learner rewrote stays hers
    back = translate.to_english(fr, PILOT_PO)
    assert back.cells[5].source == "Ma réponse : 37 %."
    assert back.cells[3].source == nbformat.read(PILOT, as_version=4).cells[3].source
    assert fr.cells[3].source.startswith("## 1. Tableaux")  # the input is not modified
    with pytest.raises(FileNotFoundError):
        translate.to_english(fr, tmp_path / "none.po")


# -- drift check in aimed lint -----------------------------------------------------------------

def _copy_pilot(tmp_path: Path) -> tuple[Path, Path]:
    nb_path = tmp_path / PILOT.relative_to(ROOT)
    po_path = tmp_path / PILOT_PO.relative_to(ROOT)
    nb_path.parent.mkdir(parents=True)
    po_path.parent.mkdir(parents=True)
    shutil.copy(PILOT, nb_path)
    shutil.copy(PILOT_PO, po_path)
    return nb_path, po_path


def test_lint_fails_naming_the_cell_when_an_english_cell_changes_alone(tmp_path):
    nb_path, po_path = _copy_pilot(tmp_path)
    assert not [v for v in lint.check_course([nb_path], root=tmp_path)
                if v.rule == "translation-current"]
    nb = nbformat.read(nb_path, as_version=4)
    nb.cells[7].source += " A sentence added in English only."
    nbformat.write(nb, nb_path)
    found = [v for v in lint.check_course([nb_path], root=tmp_path)
             if v.rule == "translation-current"]
    assert len(found) == 1
    assert found[0].cell == 7 and "changed in English" in found[0].message
    assert str(found[0]).startswith("notebooks/m1-foundations/01-health-data.ipynb (cell 7)")
    # after --update the cell is fuzzy, and lint still fails until a translator revises it
    translate.update_catalogue(nb_path, po_path)
    found = translate.drift_violations(nb_path, root=tmp_path)
    assert [v.cell for v in found] == [7] and "fuzzy" in found[0].message
    po = polib.pofile(str(po_path))
    for entry in po:
        if "fuzzy" in entry.flags:
            entry.flags.remove("fuzzy")
            entry.previous_msgid = None
    po.save(str(po_path))
    assert translate.drift_violations(nb_path, root=tmp_path) == []


def test_lint_fails_when_a_french_cell_is_missing_but_not_without_a_catalogue(tmp_path):
    nb_path, po_path = _copy_pilot(tmp_path)
    nb = nbformat.read(nb_path, as_version=4)
    nb.cells.insert(3, nbformat.v4.new_markdown_cell("A new English paragraph."))
    nbformat.write(nb, nb_path)
    found = translate.drift_violations(nb_path, root=tmp_path, label="pilot")
    assert [(v.cell, v.rule) for v in found] == [(3, "translation-current")]
    assert "no entry in the French catalogue" in found[0].message
    translate.update_catalogue(nb_path, po_path)
    assert "empty msgstr" in translate.drift_violations(nb_path, root=tmp_path)[0].message
    po_path.unlink()
    assert translate.drift_violations(nb_path, root=tmp_path) == []


def test_every_catalogue_in_the_repository_is_in_step_and_normalised(tmp_path):
    catalogues = sorted((ROOT / "translations" / "fr").rglob("*.po"))
    assert PILOT_PO in catalogues
    for po_path in catalogues:
        rel = po_path.relative_to(ROOT / "translations" / "fr").with_suffix(".ipynb")
        nb_path = ROOT / rel
        assert nb_path.is_file(), f"{po_path} has no English notebook {rel}"
        assert translate.drift_violations(nb_path, root=ROOT) == []
        copy_po = tmp_path / po_path.name
        shutil.copy(po_path, copy_po)
        report = translate.update_catalogue(nb_path, copy_po)
        assert not (report.added or report.changed or report.removed), po_path
        assert copy_po.read_text(encoding="utf-8") == po_path.read_text(encoding="utf-8")


# -- coverage command --------------------------------------------------------------------------

def test_translations_command_reports_coverage_and_check_fails_when_incomplete(
        capsys, tmp_path, monkeypatch):
    assert main(["translations", "--check", str(PILOT)]) == 0
    assert "100.0 %" in capsys.readouterr().out
    nb_path, po_path = _copy_pilot(tmp_path)  # a course whose pilot gained English text
    nb = nbformat.read(nb_path, as_version=4)
    nb.cells.insert(1, nbformat.v4.new_markdown_cell("A new English paragraph."))
    nb.cells.insert(2, nbformat.v4.new_code_cell('print("A new English line")'))
    nbformat.write(nb, nb_path)
    monkeypatch.setattr("aimed.course.repo_root", lambda: tmp_path)
    assert main(["translations", "--check", "--missing", str(nb_path)]) == 1
    out = capsys.readouterr().out
    assert "missing cells: [1]" in out and "missing strings: ('" in out
    po_path.unlink()
    assert main(["translations", "--check", str(nb_path)]) == 1
    assert "  0.0 %" in capsys.readouterr().out


# -- the pilot ---------------------------------------------------------------------------------

def test_pilot_is_fully_translated_with_the_same_code_and_metadata():
    cov = translate.coverage(PILOT, PILOT_PO)
    assert cov.missing == [] and cov.total == cov.translated > 20
    assert cov.strings_missing == () and cov.strings_total > 10
    en = nbformat.read(PILOT, as_version=4)
    fr = translate.build_french(PILOT, PILOT_PO)
    assert fr.metadata == {**en.metadata, "aimed": {"language": "fr"}}
    assert len(fr.cells) == len(en.cells)
    for en_cell, fr_cell in zip(en.cells, fr.cells, strict=True):
        assert fr_cell.metadata == en_cell.metadata
        if en_cell.cell_type == "markdown":
            assert fr_cell.source != en_cell.source, "a Markdown cell is still in English"
        else:  # the same code: only the strings it shows differ
            assert skeleton(fr_cell.source) == skeleton(en_cell.source)
            assert translate.code_strings(fr_cell.source) == [] or \
                translate.code_strings(fr_cell.source) != translate.code_strings(en_cell.source)


@pytest.mark.parametrize("nb_path", CATALOGUED, ids=IDS)
def test_french_notebooks_are_complete_and_follow_the_house_rules(nb_path):
    po_path = translate.catalogue_path(nb_path, ROOT)
    assert translate.coverage(nb_path, po_path).missing == []
    fr = translate.build_french(nb_path, po_path)
    assert translate.french_house_rules(fr, label=f"fr/{nb_path.name}") == []


def test_french_house_rules_can_fail():
    fr = translate.build_french(PILOT, PILOT_PO)
    broken = copy.deepcopy(fr)
    broken.cells[0].source = re.sub(r"\*\*Durée estimée.*\n", "", broken.cells[0].source)
    broken.cells[-1].source = broken.cells[-1].source.replace("## Réflexion", "## Questions")
    rules = {v.rule for v in translate.french_house_rules(broken)}
    assert {"opening-time", "closing"} <= rules


def _term(text: str) -> re.Pattern:
    """A glossary term as a pattern: whole words, each word optionally plural (s or x)."""
    words = [re.escape(w) + r"(?:s|x)?" for w in text.split()]
    return re.compile(r"(?<!\w)" + r"\s+".join(words) + r"(?!\w)", re.IGNORECASE)


def _glossary() -> list[dict[str, str]]:
    with GLOSSARY.open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def test_glossary_is_well_formed():
    rows = _glossary()
    assert len(rows) >= 40
    english = [r["english"].lower() for r in rows]
    assert len(set(english)) == len(english), "a term appears twice"
    assert all(r["english"].strip() and r["french"].strip() for r in rows)
    wanted = {"sensitivity": "sensibilité", "specificity": "spécificité",
              "intensive care": "soins intensifs", "radiotherapy": "radiothérapie",
              "organ at risk": "organe à risque", "confounder": "facteur de confusion",
              "dose-volume histogram": "histogramme dose-volume"}
    found = {r["english"]: r["french"] for r in rows}
    assert {k: found.get(k) for k in wanted} == wanted


_ITALIC = re.compile(r"(?<!\*)\*(?!\*)[^*\n]+?(?<!\*)\*(?!\*)")


def _glossary_misses(pairs) -> list[str]:
    misses = []
    for english, french, where in pairs:
        # cited titles and references keep their English form in both texts: they are not
        # prose to translate. Drop italic spans and reference fragments found in both.
        english = "\n".join(part for part in re.split(r"\n|; ", english) if part not in french)
        for title in set(_ITALIC.findall(english)) & set(_ITALIC.findall(french)):
            english = english.replace(title, "")
        english = re.sub(r"\[[^\]]*\]\([^)]*\)", "", english)  # links: URLs, doi labels
        english = re.sub(r"`[^`]*`|\{[^{}]*\}", "", english)  # code: `names`, {placeholders}
        for row in _glossary():
            if _term(row["english"]).search(english) and not _term(row["french"]).search(french):
                misses.append(f"{where}: {row['english']!r} is not rendered {row['french']!r}")
    return misses


@pytest.mark.parametrize("nb_path", CATALOGUED, ids=IDS)
def test_french_notebooks_use_the_glossary_terms(nb_path):
    po = polib.pofile(str(translate.catalogue_path(nb_path, ROOT)))
    # prose only: a figure label ("AUROC sur le test (%)") is too short for the full forms
    prose = [(e.msgid, e.msgstr, e.msgctxt) for e in po if "/" not in e.msgctxt]
    assert _glossary_misses(prose) == []


def test_the_glossary_check_can_fail():
    po = polib.pofile(str(PILOT_PO))
    pairs = [(e.msgid, e.msgstr, e.msgctxt) for e in po]
    used = {row["english"] for row in _glossary()
            if any(_term(row["english"]).search(en) for en, _, _ in pairs)}
    assert {"prevalence", "heart rate", "R peak", "feature"} <= used
    # the check can fail: a synonym instead of the glossary term is caught
    swapped = [(en, fr.replace("fréquence cardiaque", "pouls"), ctx) for en, fr, ctx in pairs]
    assert any("'heart rate'" in m for m in _glossary_misses(swapped))


def test_a_string_inserted_before_another_is_new_and_the_other_keeps_its_french(tmp_path):
    nb = _notebook()
    nb.cells[1].source = 'print("second")'
    nb_path = _write(nb, tmp_path / "nb.ipynb")
    po_path = tmp_path / "nb.po"
    translate.update_catalogue(nb_path, po_path)
    _translate_all(po_path, prefix="")
    po = polib.pofile(str(po_path))
    {e.msgctxt: e for e in po}["c1/0"].msgstr = '"deuxième"'
    po.save(str(po_path))
    nb.cells[1].source = 'print("first")\nprint("second")'
    _write(nb, nb_path)
    translate.update_catalogue(nb_path, po_path)
    codes = {e.msgctxt: e for e in polib.pofile(str(po_path)) if "/" in e.msgctxt}
    assert codes["c1/0"].msgid == '"first"' and codes["c1/0"].msgstr == ""
    assert "fuzzy" not in codes["c1/0"].flags
    assert codes["c1/1"].msgstr == '"deuxième"' and "fuzzy" not in codes["c1/1"].flags


# -- comments and docstrings of code cells -----------------------------------------------------

_ANSWER = '''def share(values, limit):
    """The share of values above limit."""
    values = np.asarray(values)   # as an array
    # Your part: one line, the share of
    # the values above limit.
    ### BEGIN SOLUTION
    # a comment of the solution, never shown to a learner
    return float(np.mean(values > limit))
    ### END SOLUTION
'''
_TEST = '''# visible: the example of the lesson
assert share([1, 2], 1) == 0.5
### BEGIN HIDDEN TESTS
# hidden: never in a student version
assert share([3], 1) == 1.0
### END HIDDEN TESTS
'''


def _graded_notebook() -> nbformat.NotebookNode:
    nb = _notebook()
    nb.cells[1].source = ("import numpy as np  # noqa: F401\n# the data, in mmol/L\n"
                          "x = 1   # one patient\nprint(x)")
    nb.cells[5].source = _TEST
    nb.cells.insert(5, nbformat.v4.new_code_cell(_ANSWER, id="answer"))
    nb.cells[5].metadata["nbgrader"] = {"solution": True, "grade": False, "locked": False,
                                        "grade_id": "a_share", "schema_version": 3}
    return nb


def _student_version(nb: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """What nbgrader releases: the solution replaced by the stub, hidden tests removed."""
    from aimed.grading.config import STUDENT_STUB

    out = copy.deepcopy(nb)
    stub = "\n".join("    " + line for line in STUDENT_STUB.splitlines())
    out.cells[5].source = re.sub(r" *### BEGIN SOLUTION.*### END SOLUTION", stub,
                                 out.cells[5].source, flags=re.S)
    out.cells[6].source = re.sub(r"### BEGIN HIDDEN TESTS.*### END HIDDEN TESTS\n", "",
                                 out.cells[6].source, flags=re.S)
    return out


def test_comments_and_docstrings_are_entries_outside_nbgrader_regions():
    entries = {e.context: e.msgid for e in translate.extract(_graded_notebook())
               if e.kind != "markdown"}
    assert entries == {
        "c1/#0": "# the data, in mmol/L", "c1/#1": "# one patient",  # not the noqa directive
        "answer/0": '"""The share of values above limit."""',
        "answer/#0": "# as an array",
        "answer/#1": "# Your part: one line, the share of\n# the values above limit.",
        "c5/#0": "# visible: the example of the lesson"}
    # the student version that nbgrader releases has the same entries, in the same ranks
    student = {e.context: e.msgid for e in translate.extract(_student_version(_graded_notebook()))
               if e.kind != "markdown"}
    assert student == entries


def test_french_comments_keep_the_code_and_come_back_in_english_for_grading(tmp_path):
    nb_path = _write(_graded_notebook(), tmp_path / "nb.ipynb")
    po_path = tmp_path / "nb.po"
    translate.update_catalogue(nb_path, po_path)
    po = polib.pofile(str(po_path))
    french = {"c1/#0": "# les données, en mmol/L", "c1/#1": "# un patient",
              "answer/0": '"""La part des valeurs au-dessus de limit."""',
              "answer/#0": "# en tableau",
              "answer/#1": "# À vous : une ligne, la part des valeurs\n# au-dessus de limit, "
                           "entre 0 et 1.\n# (une phrase plus longue en français)",
              "c5/#0": "# visible : l'exemple de la leçon"}
    for entry in po:
        entry.msgstr = french.get(entry.msgctxt, "FR " + entry.msgid)
    po.save(str(po_path))
    assert translate.coverage(nb_path, po_path).complete
    fr = translate.build_french(_student_version(_graded_notebook()), po_path)
    answer = fr.cells[5].source
    assert '    """La part des valeurs au-dessus de limit."""' in answer
    assert "    # À vous : une ligne, la part des valeurs\n    # au-dessus de limit, entre 0 et " \
           "1.\n    # (une phrase plus longue en français)\n    # YOUR CODE HERE" in answer
    assert "values = np.asarray(values)   # en tableau\n" in answer
    assert fr.cells[1].source == ("import numpy as np  # noqa: F401\n# les données, en mmol/L\n"
                                  "x = 1   # un patient\nprint(x)")
    assert fr.cells[6].source.startswith("# visible : l'exemple de la leçon\nassert")
    assert skeleton(answer) == skeleton(_student_version(
        _graded_notebook()).cells[5].source)
    # graded: the test cell is the English release again, the learner's answer stays hers
    back = translate.to_english(fr, po_path)
    assert back.cells[6].source == _student_version(_graded_notebook()).cells[6].source
    assert back.cells[5].source == answer


def test_a_french_comment_must_stay_a_comment():
    assert translate.check_comment("# one", "# un") is None
    assert translate.check_comment("# two\n# lines", "# deux\n# lignes\n# ou trois") is None
    assert translate.check_comment("# one", "un") == "has a line that does not start with #"
    assert translate.check_comment("# one", "# un\nx = 2") is not None
    assert translate.check_comment("# after code", "# après\n# du code") == \
        "has several lines where the English comment has one"


def test_lint_fails_when_a_comment_changes_in_english_alone(tmp_path):
    nb = _graded_notebook()
    nb_path = _write(nb, tmp_path / "notebooks" / "nb.ipynb")
    po_path = translate.catalogue_path(nb_path, tmp_path)
    po_path.parent.mkdir(parents=True)
    translate.update_catalogue(nb_path, po_path)
    _translate_all(po_path, prefix="")
    assert translate.drift_violations(nb_path, root=tmp_path) == []
    nb.cells[5].source = nb.cells[5].source.replace("# as an array", "# as a NumPy array")
    _write(nb, nb_path)
    found = translate.drift_violations(nb_path, root=tmp_path)
    assert [v.cell for v in found] == [5]
    assert found[0].message.startswith("Comment '# as a NumPy array' of code cell 'answer'")


def test_french_typography_puts_no_break_spaces_outside_code():
    nbsp = translate.NBSP
    assert translate.french_typography("Pourquoi ? Parce que : « voilà » ; fin !") == (
        f"Pourquoi{nbsp}? Parce que{nbsp}: «{nbsp}voilà{nbsp}»{nbsp}; fin{nbsp}!")
    kept = ["| a | b |\n| :--- | ---: |", "`x : y`", "```python\nd = {'a' : 1}\n```",
            "[lien](https://example.org/?q=a : b)", "{a : b}",
            "$a : b$", "<span title='a : b'>"]
    for text in kept:
        assert translate.french_typography(text) == text, text
    assert translate.french_typography('f"AUROC : {auc:.2f}"') == f'f"AUROC{nbsp}: {{auc:.2f}}"'
    # idempotent, and the catalogues are written with it
    once = translate.french_typography("Note : « a »")
    assert translate.french_typography(once) == once


def test_update_gives_the_french_its_no_break_spaces(tmp_path):
    nb_path = _write(_notebook(), tmp_path / "nb.ipynb")
    po_path = tmp_path / "nb.po"
    translate.update_catalogue(nb_path, po_path)
    po = polib.pofile(str(po_path))
    po[0].msgstr = "# Titre : « tout »"
    po.save(str(po_path))
    translate.update_catalogue(nb_path, po_path)
    assert polib.pofile(str(po_path))[0].msgstr == "# Titre\u00a0: «\u00a0tout\u00a0»"


def _prose_names(source: str) -> list[str]:
    """``name=`` strings of a test cell (and ``checks(...)`` questions) that are prose, not
    code: they must be ``{"en": ..., "fr": ...}`` for a French learner's feedback."""
    import ast

    out = []
    for node in ast.walk(ast.parse(source)):
        if not isinstance(node, ast.Call):
            continue
        values = [k.value for k in node.keywords if k.arg == "name"]
        func = node.func
        if (func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")) in (
                "checks", "self_check") and node.args:
            values.append(node.args[0])
        for value in values:
            if isinstance(value, ast.JoinedStr):  # placeholders read as a name
                text = "".join(v.value if isinstance(v, ast.Constant) else "x"
                               for v in value.values)
            elif isinstance(value, ast.Constant) and isinstance(value.value, str):
                text = value.value
            else:
                continue
            try:
                ast.parse(text.strip(), mode="eval")
            except SyntaxError:
                # not a label like "FiO2 (%)", nor a call written loosely, "f(... sex)"
                if len(re.findall(r"[^\W\d_]{2,}", text)) >= 2 \
                        and not re.match(r"[A-Za-z_]\w*\s*\(", text.strip()):
                    out.append(text)
    return out


EXERCISES = [p for p in CATALOGUED if p.parts[-3] == "exercises"]


@pytest.mark.parametrize("nb_path", EXERCISES, ids=[p.name for p in EXERCISES])
def test_the_checks_of_graded_cells_name_things_in_both_languages(nb_path):
    nb = nbformat.read(nb_path, as_version=4)
    prose = {c.get("id"): _prose_names(c.source) for c in nb.cells if c.cell_type == "code"
             and (c.metadata.get("nbgrader", {}) or {}).get("grade")}
    assert {cell: names for cell, names in prose.items() if names} == {}


def test_a_check_named_in_english_prose_only_is_found():
    assert _prose_names('fb.assert_true(ok, name="the site column")') == ["the site column"]
    assert _prose_names('fb.assert_true(ok, name=f"the keys of {name}")') == ["the keys of x"]
    assert _prose_names('fb.assert_true(ok, name="ct.hu")\nwith fb.checks("window_ct()"): 0') \
        == []
    assert _prose_names('fb.assert_true(ok, name={"en": "a b", "fr": "c d"})') == []
    assert _prose_names('fb.assert_number(x, 1, name="FiO2 (%)")') == []
    assert _prose_names('fb.assert_true(ok, name="group_rates(... sex)")') == []
