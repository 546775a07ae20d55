"""Time ``aimed grade --workers 2`` against plain sequential ``nbgrader autograde``.

Usage::

    .venv/bin/python benchmarks/grading.py [--students 40] [--workers 2]
        [--assignment m0-sample] [--no-feedback-too] [--keep DIR]

It releases one assignment (default: the grading tests' sample assignment) into a
throwaway course, writes N synthetic submissions (a quarter each: reference answers,
blank, half the answers right, and an attack), copies the course, then grades the
same submissions twice in the same run:

* **plain**: ``nbgrader autograde ASSIGNMENT`` with nbgrader's default configuration
  (one kernel after the other, no sandbox, no feedback);
* **aimed**: ``aimed grade ASSIGNMENT --workers N --force`` (sandbox on: jailed
  kernels, trusted helpers, canaries, static scan, feedback HTML and reports).

It prints both wall times, their ratio (the target is >= 1.8 on 2 cores), and the
per-notebook overhead of the aimed pipeline beyond kernel start and execution, from
the timings each worker records. Other processes on the machine inflate every figure;
the load average is printed before and after.
"""

from __future__ import annotations

import argparse
import copy
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parents[1]
SAMPLE_ROOT = ROOT / "tests" / "fixtures" / "sample-repo"
sys.path.insert(0, str(ROOT / "tests" / "grading"))

import variants  # noqa: E402


def half_right(release, source, ctx):
    """Every other answer filled in with the reference solution."""
    ref = variants.reference(release, source, ctx)
    nb = copy.deepcopy(release)
    answers = [i for i, c in enumerate(nb.cells)
               if c.get("metadata", {}).get("nbgrader", {}).get("solution")]
    for i in answers[::2]:
        nb.cells[i].source = ref.cells[i].source
    return nb


KINDS = [("ref", variants.reference), ("blank", variants.blank), ("half", half_right),
         ("attack", variants.monkeypatch)]


def build(course: Path, assignment: str, root: Path, students: int) -> int:
    """Release ``assignment`` and write the synthetic submissions; return notebooks each."""
    from aimed.grading.release import release

    release([assignment], course=course, root=root)
    release_dir = course / "release" / assignment
    names = sorted(p.stem for p in release_dir.glob("*.ipynb"))
    for i in range(students):
        kind, make = KINDS[i % len(KINDS)]
        folder = course / "submitted" / f"s{i + 1:03d}-{kind}" / assignment
        files = {}
        for name in names:
            rel = nbformat.read(release_dir / f"{name}.ipynb", as_version=4)
            src = nbformat.read(root / "exercises" / assignment / f"{name}.ipynb", as_version=4)
            files[f"{name}.ipynb"] = make(rel, src, {})
        variants.write_submission(folder, files)
    return len(names)


def timed(cmd: list[str], env: dict, cwd: Path) -> tuple[float, str, float]:
    """Run a command; return its wall time, its output and the CPU time it used.

    The CPU time counts the command and every process it waited for (workers, kernel
    jails, kernels), so it does not depend on what else runs on the machine.
    """
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    done = subprocess.run(cmd, env=env, cwd=cwd, capture_output=True, text=True, check=False)
    seconds = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    if done.returncode != 0:
        print(done.stdout[-3000:], done.stderr[-3000:], sep="\n", file=sys.stderr)
        raise SystemExit(f"command failed ({done.returncode}): {' '.join(cmd)}")
    return seconds, done.stdout, cpu


def aimed_timings(course: Path, assignment: str) -> list[dict]:
    folder = course / "reports" / ".journal" / assignment
    return [json.loads(p.read_text())["result"] for p in sorted(folder.glob("*.json"))]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--students", type=int, default=40)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--assignment", default="m0-sample",
                        help="an assignment in exercises/, or m0-sample (default)")
    parser.add_argument("--no-feedback-too", action="store_true",
                        help="also time aimed grade --no-feedback (like-for-like with plain)")
    parser.add_argument("--keep", type=Path, help="keep the courses in this folder")
    args = parser.parse_args(argv)
    root = SAMPLE_ROOT if args.assignment == "m0-sample" else ROOT
    base = Path(tempfile.mkdtemp(prefix="aimed-bench-")) if not args.keep else args.keep
    base.mkdir(parents=True, exist_ok=True)
    aimed_course, plain_course = base / "aimed", base / "plain"
    print(f"building {args.students} submissions of {args.assignment} in {base}", flush=True)
    per_student = build(aimed_course, args.assignment, root, args.students)
    shutil.copytree(aimed_course, plain_course)
    notebooks = args.students * per_student
    bin_dir = Path(sys.executable).parent
    env = {**os.environ, "PATH": f"{bin_dir}{os.pathsep}{os.environ.get('PATH', '')}"}
    env.pop("AIMED_DB_URL", None)
    print(f"load average before: {os.getloadavg()[0]:.2f} (2 cores = 2.0 when saturated)")

    plain_cmd = [str(bin_dir / "nbgrader"), "autograde", args.assignment,
                 f"--CourseDirectory.root={plain_course}", "--CourseDirectory.course_id=aimed",
                 f"--CourseDirectory.db_url=sqlite:///{plain_course / 'gradebook.db'}",
                 "--ExecutePreprocessor.timeout=60"]
    plain_s, _, plain_cpu = timed(plain_cmd, env, plain_course)
    print(f"plain nbgrader autograde, sequential: {plain_s:7.1f} s wall, {plain_cpu:7.1f} s CPU "
          f"({plain_s / notebooks:.2f} s wall per notebook)", flush=True)

    aimed_env = {**env, "AIMED_COURSE_DIR": str(aimed_course)}
    aimed_cmd = [sys.executable, "-m", "aimed.cli", "grade", args.assignment, "--workers",
                 str(args.workers), "--force"]
    aimed_s, out, aimed_cpu = timed(aimed_cmd, aimed_env, aimed_course)
    mode = next((line for line in out.splitlines() if line.startswith("sandbox:")), "")
    print(f"aimed grade --workers {args.workers} (sandbox on):  {aimed_s:7.1f} s wall, "
          f"{aimed_cpu:7.1f} s CPU ({aimed_s / notebooks:.2f} s wall per notebook)", flush=True)
    print(f"speed-up (wall): {plain_s / aimed_s:.2f}x  (target >= 1.8x on 2 cores)")
    print(f"CPU per notebook: plain {plain_cpu / notebooks:.2f} s, aimed "
          f"{aimed_cpu / notebooks:.2f} s; on {args.workers} otherwise idle cores the "
          f"speed-up would be about {min(args.workers, plain_cpu / aimed_cpu * args.workers):.2f}x")

    results = aimed_timings(aimed_course, args.assignment)
    total = [r["timings"].get("total", 0) for r in results]
    execute = [r["timings"].get("execute", 0) for r in results]
    feedback = [r["timings"].get("feedback", 0) for r in results]
    setup = [r["timings"].get("setup", 0) for r in results]
    overhead = [t - e for t, e in zip(total, execute, strict=True)]
    print(f"per submission ({per_student} notebook(s) each), aimed worker timings, median:")
    print(f"  kernel start + execution {statistics.median(execute):6.2f} s")
    print(f"  overhead beyond that     {statistics.median(overhead):6.2f} s "
          f"(setup and checks {statistics.median(setup):.2f} s, feedback HTML "
          f"{statistics.median(feedback):.2f} s, nbgrader sanitising and saving the rest)")
    if args.no_feedback_too:
        no_fb_s, _, _ = timed([*aimed_cmd, "--no-feedback"], aimed_env, aimed_course)
        print(f"aimed grade --no-feedback:          {no_fb_s:7.1f} s; speed-up "
              f"{plain_s / no_fb_s:.2f}x")
    print(f"load average after: {os.getloadavg()[0]:.2f}; {mode}")
    if not args.keep:
        shutil.rmtree(base, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
