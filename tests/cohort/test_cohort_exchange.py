"""nbgrader's exchange with real accounts: release, fetch, submit, collect, grade, feedback.

One instructor and three learners (real Linux users when the tests run as root) share a
private exchange folder; the gradebook is PostgreSQL. Learners use nbgrader's own
commands (what JupyterLab's Assignments tab runs for them); the instructor uses
``aimed``. The faults: collecting while a learner is still submitting, and collecting
and grading again, give the same grades and no duplicates.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time

import nbformat
import pytest
import variants
from accounts import AS_ROOT, Accounts
from grading_support import SAMPLE, SAMPLE_ROOT
from test_cohort_gradebook import SAMPLE_POINTS, partial

pytestmark = pytest.mark.hub

ANSWERS = {"l1": variants.reference, "l2": partial, "l3": variants.blank}
WANT = {"l1": float(sum(SAMPLE_POINTS.values())), "l2": 2.0, "l3": 0.0}


class Flow:
    def __init__(self, accounts: Accounts, postgres, url: str):
        self.accounts, self.postgres, self.url = accounts, postgres, url
        self.exchange = accounts.base / "exchange"
        self.exchange.mkdir()
        os.chmod(self.exchange, 0o1777)
        self.teacher = accounts.add("teach")
        self.learners = {role: accounts.add(role) for role in ANSWERS}
        self.course = self.teacher.home / "course"

    def teacher_env(self) -> dict[str, str]:
        return {"AIMED_COURSE_DIR": str(self.course), "AIMED_DB_URL": self.url,
                "AIMED_EXCHANGE": str(self.exchange)}

    def aimed(self, *args: str, check: bool = True):
        return self.accounts.run(self.teacher, self.accounts.python, "-m", "aimed.cli", *args,
                                 env=self.teacher_env(), check=check)

    def grade(self):
        """``aimed grade`` as the instructor runs it with sudo on a shared server.

        Grading runs as root, as ``sudo -E aimed grade`` would, so that the grading
        sandbox can drop graded kernels to unprivileged uids in their own namespaces;
        the course folder is then handed back to the instructor.
        """
        if not AS_ROOT:
            return self.aimed("grade", SAMPLE, "--workers", "2")
        done = subprocess.run([sys.executable, "-m", "aimed.cli", "grade", SAMPLE, "--workers",
                               "2"], env={**os.environ, **self.teacher_env()},
                              capture_output=True, text=True, timeout=600, check=False)
        self.accounts.give(self.teacher, self.course)
        assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
        return done

    def nbgrader(self, role: str, *args: str, check: bool = True):
        return self.accounts.run(self.learners[role], self.accounts.python, "-m", "nbgrader",
                                 *args, "--course", "aimed",
                                 f"--Exchange.root={self.exchange}", check=check)

    def answer(self, role: str) -> None:
        """The learner's answers in the fetched notebook (reference, partial or blank)."""
        path = self.learners[role].home / SAMPLE / "screening.ipynb"
        fetched = nbformat.read(path, as_version=4)
        source = nbformat.read(SAMPLE_ROOT / "exercises" / SAMPLE / "screening.ipynb",
                               as_version=4)
        nbformat.write(ANSWERS[role](fetched, source, {}), path)
        self.accounts.give(self.learners[role], path)

    def scores(self) -> dict[str, float]:
        rows = self.postgres.query(
            "SELECT sa.student_id, SUM(COALESCE(g.auto_score, 0)) FROM grade g "
            "JOIN submitted_notebook sn ON g.notebook_id = sn.id "
            "JOIN submitted_assignment sa ON sn.assignment_id = sa.id "
            "JOIN grade_cells gc ON g.cell_id = gc.id WHERE gc.cell_type = 'code' "
            "GROUP BY sa.student_id", url=self.url)
        return {s: float(v) for s, v in rows}

    def named(self, scores: dict[str, float]) -> dict[str, float]:
        back = {a.name: role for role, a in self.learners.items()}
        return {back.get(s, s): v for s, v in scores.items()}


@pytest.fixture(scope="module")
def flow(postgres):
    accounts = Accounts()
    try:
        url = postgres.create_database("exchange_course")
        flow = Flow(accounts, postgres, url)
        # the instructor releases the sample assignment into the exchange
        flow.accounts.python_as(flow.teacher, (
            "from pathlib import Path\n"
            "from aimed.grading.release import release\n"
            "from aimed.grading.exchange import release_to_exchange\n"
            f"release([{SAMPLE!r}], root=Path({str(SAMPLE_ROOT)!r}))\n"
            f"print(release_to_exchange([{SAMPLE!r}]))\n"), env=flow.teacher_env())
        os.chmod(flow.teacher.home, 0o700)
        # each learner fetches, answers and submits with nbgrader's own commands
        for role in ANSWERS:
            flow.nbgrader(role, "fetch_assignment", SAMPLE)
            flow.answer(role)
            flow.nbgrader(role, "submit", SAMPLE)
        flow.first_collect = flow.aimed("collect", SAMPLE)
        flow.first_grade = flow.grade()
        flow.first_scores = flow.scores()
        flow.feedback = flow.aimed("feedback", "--release", SAMPLE)
        for role in ANSWERS:
            flow.nbgrader(role, "fetch_feedback", SAMPLE)
        yield flow
    finally:
        accounts.remove()


def test_learners_get_the_grades_they_earned(flow):
    assert "collected: " in flow.first_collect.stdout
    assert flow.named(flow.first_scores) == WANT, flow.first_grade.stdout[-2000:]


def test_each_learner_fetches_their_own_feedback(flow):
    assert "feedback released to 3 learner(s)" in flow.feedback.stdout
    for role, account in flow.learners.items():
        html = list((account.home / SAMPLE / "feedback").glob("*/screening.html"))
        assert len(html) == 1, role
        text = html[0].read_text(encoding="utf-8")
        assert "BEGIN HIDDEN TESTS" not in text
        assert f"Score: {WANT[role]:g}" in text or f"{WANT[role]:g} / " in text, role


@pytest.mark.skipif(not AS_ROOT, reason="separate accounts need root (useradd)")
def test_learners_cannot_see_each_other_or_the_instructor(flow):
    l1 = flow.learners["l1"]
    inbound = flow.exchange / "aimed" / "inbound"
    probes = {
        "list the inbound submissions": f"import os; os.listdir({str(inbound)!r})",
        "read another learner's work": (
            f"open({str(flow.learners['l2'].home / SAMPLE / 'screening.ipynb')!r}).read()"),
        "read the instructor's source": (
            f"open({str(flow.course / 'source' / SAMPLE / 'screening.ipynb')!r}).read()"),
        "read a collected submission": f"import os; os.listdir({str(flow.course)!r})",
        "list the released feedback": (
            f"import os; os.listdir({str(flow.exchange / 'aimed' / 'feedback')!r})"),
    }
    for what, code in probes.items():
        done = flow.accounts.python_as(l1, code, check=False)
        assert done.returncode != 0 and "PermissionError" in done.stderr, what
    # the gradebook: the learner knows no password, so PostgreSQL refuses
    url = flow.url.replace(flow.postgres.password, "guess")
    done = flow.accounts.python_as(l1, (
        f"import psycopg; psycopg.connect({url!r}, connect_timeout=5)"), check=False)
    assert done.returncode != 0 and "password authentication failed" in done.stderr


def test_collect_while_submitting_then_rerun_changes_nothing(flow):
    # l2 starts submitting again: the folder exists but nbgrader has not finished
    # (no submission_secret.txt yet), as when collect runs mid-copy
    stamp = time.strftime("%Y-%m-%d %H:%M:%S.000000 UTC", time.gmtime(time.time() + 5))
    l2 = flow.learners["l2"]
    inflight = flow.exchange / "aimed" / "inbound" / f"{l2.name}+{SAMPLE}+{stamp}+zz"
    inflight.mkdir()
    (inflight / "screening.ipynb").write_text("{\"cells\": [", encoding="utf-8")
    flow.accounts.give(l2, inflight)

    during = flow.aimed("collect", SAMPLE)
    assert "still being submitted" in during.stdout and l2.name in during.stdout
    assert "updated" not in during.stdout, "a half-copied submission must not be collected"
    regrade = flow.grade()
    assert "3 reused" in regrade.stdout
    assert flow.scores() == flow.first_scores

    # nbgrader's submit finishes; the next collect takes it, grading gives 0 for the
    # broken copy only, and nothing is counted twice
    (inflight / "timestamp.txt").write_text(stamp, encoding="utf-8")
    (inflight / "submission_secret.txt").write_text("ab" * 64, encoding="utf-8")
    after = flow.aimed("collect", SAMPLE)
    assert f"updated: {l2.name}" in after.stdout
    flow.grade()
    assert flow.named(flow.scores()) == {**WANT, "l2": 0.0}
    (count,) = flow.postgres.query("SELECT COUNT(*) FROM submitted_assignment",
                                   url=flow.url)[0]
    assert count == 3
    again = flow.aimed("collect", SAMPLE)
    assert "updated" not in again.stdout and "collected:" not in again.stdout


def test_thirty_learners_submit_at_once(flow):
    """30 learners press Submit together while the instructor collects: none lost or doubled."""
    from concurrent.futures import ThreadPoolExecutor

    crowd = [flow.accounts.add(f"c{i:02d}") for i in range(30)]
    release = flow.exchange / "aimed" / "outbound" / SAMPLE / "screening.ipynb"
    for i, account in enumerate(crowd):
        nb = nbformat.read(release, as_version=4)
        nb.cells.append(nbformat.v4.new_markdown_cell(f"submitted by learner {i:02d}"))
        (account.home / SAMPLE).mkdir()
        nbformat.write(nb, account.home / SAMPLE / "screening.ipynb")
        flow.accounts.give(account, account.home / SAMPLE)

    def submit(account):
        return flow.accounts.run(account, flow.accounts.python, "-m", "nbgrader", "submit",
                                 SAMPLE, "--course", "aimed",
                                 f"--Exchange.root={flow.exchange}", check=False)

    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=30) as pool:
        futures = [pool.submit(submit, a) for a in crowd]
        mid = flow.aimed("collect", SAMPLE)  # the instructor collects meanwhile
        results = [f.result() for f in futures]
    seconds = time.perf_counter() - started
    print(f"30 simultaneous submissions: {seconds:.1f} s")
    assert all(r.returncode == 0 for r in results), [r.stderr[-500:] for r in results
                                                     if r.returncode][:2]
    assert mid.returncode == 0
    flow.aimed("collect", SAMPLE)
    submitted = flow.course / "submitted"
    for i, account in enumerate(crowd):
        inbound = list((flow.exchange / "aimed" / "inbound").glob(f"{account.name}+*"))
        assert len(inbound) == 1, account.name
        text = (submitted / account.name / SAMPLE / "screening.ipynb").read_text()
        assert f"submitted by learner {i:02d}" in text, account.name
    names = [p.name for p in submitted.iterdir() if not p.name.startswith(".")]
    assert len(names) == len(set(names)) == 33
    assert not list(submitted.glob("*/.*")), "no half-copied folder left behind"
