"""The attacks are real (plain nbgrader falls for them); the learner's tools work.

* Plain nbgrader (its default configuration, no sandbox) grades the same attack
  submissions: most of them earn full marks there, which shows what the sandboxed
  pipeline stops.
* ``nbgrader validate`` (the JupyterLab Validate button) fails on every blank student
  version and passes on every reference, for every assignment.
* ``aimed check`` prints a friendly summary in English and in French.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import nbformat
import pytest
import variants
from grading_support import ASSIGNMENTS, SAMPLE, SAMPLE_ROOT, build_submissions, source_root

pytestmark = [pytest.mark.grading,
              pytest.mark.filterwarnings("ignore::sqlalchemy.exc.SAWarning")]

#: Attacks that plain nbgrader rewards with full marks on the sample assignment.
FOOL_PLAIN = ["atk-transformer", "atk-monkeypatch", "atk-run-cell", "atk-read-source",
              "atk-write-gradebook", "atk-thread"]


def test_attacks_fool_plain_nbgrader(graded, tmp_path):
    from nbgrader.api import Gradebook
    from nbgrader.apps import NbGraderAPI
    from nbgrader.coursedir import CourseDirectory
    from traitlets.config import Config

    from aimed.grading.config import ensure_tools_on_path
    from aimed.grading.release import release

    ensure_tools_on_path()
    course = tmp_path / "plain"
    course.mkdir()
    release([SAMPLE], course=course, root=SAMPLE_ROOT)
    build_submissions(course, {SAMPLE: ["screening"]}, assignments=[SAMPLE],
                      only=["blank", *FOOL_PLAIN])
    config = Config()
    config.CourseDirectory.root = str(course)
    config.CourseDirectory.course_id = "aimed"
    config.CourseDirectory.db_url = f"sqlite:///{course / 'gradebook.db'}"
    config.Execute.timeout = 60
    api = NbGraderAPI(CourseDirectory(config=config), config=config)
    def scores() -> dict[str, float]:
        with Gradebook(config.CourseDirectory.db_url, "aimed") as gb:
            return {s.student.id: s.score for s in gb.assignment_submissions(SAMPLE)}

    old = os.getcwd()
    os.chdir(course)
    try:
        assert api.autograde(SAMPLE, "blank", force=True, create=True)["success"]
        assert scores()["blank"] == 0
        for student in FOOL_PLAIN:
            assert api.autograde(SAMPLE, student, force=True, create=True)["success"]
    finally:
        os.chdir(old)
    with Gradebook(config.CourseDirectory.db_url, "aimed") as gb:
        auto_max = sum(c.max_score for nb in gb.find_assignment(SAMPLE).notebooks
                       for c in nb.grade_cells if c.cell_type == "code")
    plain = scores()
    # Plain nbgrader let one student's code rewrite the gradebook: the blank submission,
    # graded earlier, now has full marks. The sandboxed run left it at 0.
    assert plain["blank"] >= auto_max
    assert float(graded.grades[("blank", SAMPLE)]["score"]) == 0.0
    for attack in FOOL_PLAIN:
        assert plain[attack] >= auto_max, f"{attack} did not fool plain nbgrader: {plain}"
        assert float(graded.grades[(attack, SAMPLE)]["auto_score"]) == 0.0


def _validate(path: Path) -> str:
    env = {**os.environ}
    env.pop("AIMED_COURSE_DIR", None)
    nbgrader = Path(sys.executable).with_name("nbgrader")
    done = subprocess.run([str(nbgrader), "validate", path.name], cwd=path.parent, env=env,
                          capture_output=True, text=True, timeout=600, check=False)
    return done.stdout + done.stderr


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_nbgrader_validate_fails_blank_and_passes_reference(graded, tmp_path, assignment):
    release = graded.course / "release" / assignment
    source = source_root(assignment) / "exercises" / assignment
    jobs = []
    for nb_name in graded.notebooks[assignment]:
        released = nbformat.read(release / f"{nb_name}.ipynb", as_version=4)
        original = nbformat.read(source / f"{nb_name}.ipynb", as_version=4)
        for kind, build in (("blank", variants.blank), ("ref", variants.reference)):
            folder = tmp_path / kind / nb_name
            folder.mkdir(parents=True)
            for extra in release.iterdir():
                if extra.suffix != ".ipynb" and extra.is_file():
                    shutil.copy(extra, folder)
            nbformat.write(build(released, original, {}), folder / f"{nb_name}.ipynb")
            jobs.append((kind, nb_name, folder / f"{nb_name}.ipynb"))
    with ThreadPoolExecutor(2) as pool:
        outputs = list(pool.map(lambda job: _validate(job[2]), jobs))
    for (kind, nb_name, _), output in zip(jobs, outputs, strict=True):
        if kind == "blank":
            assert "VALIDATION FAILED" in output, (nb_name, output[-1500:])
        else:
            assert "Success! Your notebook passes all the tests." in output, (
                nb_name, output[-3000:])


def _check(path: Path, lang: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "AIMED_LANG": lang}
    return subprocess.run([sys.executable, "-m", "aimed.cli", "check", str(path)], env=env,
                          capture_output=True, text=True, timeout=600, check=False)


def test_aimed_check_summarises_visible_checks_in_the_learners_language(graded, tmp_path):
    release = graded.course / "release" / SAMPLE / "screening.ipynb"
    source = SAMPLE_ROOT / "exercises" / SAMPLE / "screening.ipynb"
    released = nbformat.read(release, as_version=4)
    blank = tmp_path / "blank" / "screening.ipynb"
    ref = tmp_path / "ref" / "screening.ipynb"
    for path, build in ((blank, variants.blank), (ref, variants.reference)):
        path.parent.mkdir()
        nbformat.write(build(released, nbformat.read(source, as_version=4), {}), path)
    done = _check(blank, "en")
    assert done.returncode == 1
    assert "✗ sensitivity(): not yet." in done.stdout
    assert "has not been written yet" in done.stdout
    assert "0 of 3 questions pass their visible checks." in done.stdout
    assert "a written answer, still empty (3 points)" in done.stdout
    done = _check(ref, "fr")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "✔ ppv() : ces vérifications sont réussies." in done.stdout
    assert "3 question(s) sur 3 réussissent leurs vérifications visibles." in done.stdout
    assert "vérifications cachées" in done.stdout
