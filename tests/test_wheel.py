"""The wheel: build it, install it in a fresh virtual environment, use it as a learner would.

The wheel carries the shipped datasets and the learner edition (lessons + student
exercises, no solutions). The fresh environment is honest and fast: ``python -m venv
--without-pip``, then only the distributions that ``aimed[lab]`` declares, found
recursively from the wheel's own metadata and linked from this test environment's
site-packages (no download), then the wheel itself with ``pip --python``. No editable
``aimed``, no repository and no undeclared distribution is importable there, so a
missing dependency or a missing course file fails the test.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import sysconfig
import zipfile
from email.parser import Parser
from importlib import metadata
from pathlib import Path

import pytest
from packaging.requirements import Requirement

from aimed.course import repo_root
from aimed.edition import build_learner, find_leaks

ROOT = repo_root()


@pytest.fixture(scope="module")
def edition(tmp_path_factory) -> Path:
    return build_learner(tmp_path_factory.mktemp("edition") / "learner-edition", root=ROOT)


@pytest.fixture(scope="module")
def wheel(tmp_path_factory, edition) -> Path:
    out = tmp_path_factory.mktemp("wheel")
    env = {**os.environ, "AIMED_LEARNER_EDITION": str(edition)}
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation",
                    "--quiet", "--wheel-dir", str(out), str(ROOT)], check=True, env=env)
    (path,) = out.glob("aimed-*.whl")
    return path


def test_wheel_contains_package_locales_datasets_and_learner_edition(wheel, edition, tmp_path):
    archive = zipfile.ZipFile(wheel)
    names = set(archive.namelist())
    assert "aimed/feedback.py" in names and "aimed/locales/fr/feedback.json" in names
    for sheet in (ROOT / "datasets").glob("*/DATASHEET.md"):
        assert f"aimed/datasets/{sheet.parent.name}/DATASHEET.md" in names
    assert "aimed/datasets/kidney-stones/kidney_stones.csv" in names
    assert not any(name.startswith(("tests/", "notebooks/", "exercises/")) for name in names)
    packaged = sorted(n.removeprefix("aimed/learner-edition/") for n in names
                      if n.startswith("aimed/learner-edition/"))
    built = sorted(p.relative_to(edition).as_posix() for p in edition.rglob("*") if p.is_file())
    assert packaged == built and "EDITION.json" in packaged
    assert any(n.startswith("exercises/m1-foundations/") for n in packaged)
    archive.extractall(tmp_path, [n for n in names if n.startswith("aimed/learner-edition/")])
    assert find_leaks(tmp_path / "aimed" / "learner-edition", ROOT) == []


def test_wheel_build_refuses_a_stale_or_missing_learner_edition(tmp_path, edition):
    stale = tmp_path / "stale"
    stale.mkdir()
    manifest = (edition / "EDITION.json").read_text().replace('"sources": "', '"sources": "0')
    (stale / "EDITION.json").write_text(manifest)
    for folder, message in ((stale, "older than the course sources"),
                            (tmp_path / "none", "has none")):
        env = {**os.environ, "AIMED_LEARNER_EDITION": str(folder)}
        result = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps",
                                 "--no-build-isolation", "--wheel-dir", str(tmp_path / "out"),
                                 str(ROOT)], capture_output=True, text=True, env=env, check=False)
        assert result.returncode != 0 and message in result.stdout + result.stderr


def _closure(wheel: Path, extras: set[str]) -> set[str]:
    """Distributions (normalised names) that the wheel's requirements pull in, recursively."""
    text = zipfile.ZipFile(wheel).read("aimed-0.1.0.dist-info/METADATA").decode()
    todo = [(Requirement(r), extras) for r in Parser().parsestr(text).get_all("Requires-Dist")]
    seen: set[str] = set()
    while todo:
        req, wanted = todo.pop()
        if req.marker and not any(req.marker.evaluate({"extra": e}) for e in wanted | {""}):
            continue
        name = re.sub(r"[-_.]+", "-", req.name).lower()
        if name == "aimed":
            todo += [(Requirement(r), set(req.extras)) for r in
                     Parser().parsestr(text).get_all("Requires-Dist")]
            continue
        key = (name, tuple(sorted(req.extras)))
        if key in seen:
            continue
        seen.add(key)
        dist = metadata.distribution(name)
        todo += [(Requirement(r), set(req.extras)) for r in dist.requires or []]
    return {name for name, _ in seen}


@pytest.fixture(scope="module")
def venv(tmp_path_factory, wheel) -> Path:
    """A fresh virtual environment with the wheel and exactly what aimed[lab] declares."""
    home = tmp_path_factory.mktemp("venv") / "v"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(home)], check=True)
    where = "import sysconfig; print(sysconfig.get_path('purelib'))"
    site = Path(subprocess.run([str(home / "bin" / "python"), "-c", where],
                               capture_output=True, text=True, check=True).stdout.strip())
    here = Path(sysconfig.get_path("purelib"))
    for name in _closure(wheel, {"lab"}):
        dist = metadata.distribution(name)
        tops = {Path(str(f)).parts[0] for f in dist.files or [] if not str(f).startswith("..")}
        for top in tops:
            if (here / top).exists() and not (site / top).exists():
                (site / top).symlink_to(here / top)
    subprocess.run([sys.executable, "-m", "pip", "--python", str(home / "bin" / "python"),
                    "install", "--no-deps", "--no-index", "--quiet", str(wheel)], check=True)
    return home


def _run(venv: Path, *args: str, cwd: Path, env_extra: dict | None = None):
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "AIMED_EDITION",
                                                            "AIMED_WORKSPACE", "VIRTUAL_ENV")}
    env["PATH"] = f"{venv / 'bin'}{os.pathsep}/usr/bin:/bin"
    env["HOME"] = str(cwd)
    env.update(env_extra or {})
    return subprocess.run([str(venv / "bin" / args[0]), *args[1:]], capture_output=True,
                          text=True, cwd=cwd, env=env, check=False)


def test_fresh_venv_has_every_declared_dependency_and_no_repository(venv, tmp_path):
    check = subprocess.run([sys.executable, "-m", "pip", "--python", str(venv / "bin" / "python"),
                            "check"], capture_output=True, text=True, check=False)
    assert "aimed" not in check.stdout, check.stdout  # aimed's requirements are all satisfied
    probe = ("import aimed, aimed.data as d, jupyterlab, nbgrader, ipywidgets; "
             "print(aimed.__file__); print(int(d.load('kidney-stones').patients.sum()))")
    result = _run(venv, "python", "-c", probe, cwd=tmp_path)
    module_file, patients = result.stdout.split()
    assert Path(module_file).is_relative_to(venv), module_file
    assert patients == "700"


def test_workspace_lab_and_check_work_from_the_installed_wheel(venv, tmp_path):
    ws = tmp_path / "ws"
    result = _run(venv, "aimed", "workspace", "--dest", str(ws), cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert (ws / "START-HERE.ipynb").is_file()
    exercises = sorted((ws / "exercises").glob("m1-foundations/*.ipynb"))
    assert exercises and sorted((ws / "notebooks").glob("m*/*.ipynb"))
    assert find_leaks(ws, ROOT) == []
    default = _run(venv, "aimed", "workspace", cwd=tmp_path)  # HOME is tmp_path here
    assert default.returncode == 0 and (tmp_path / "aimed-workspace" / "notebooks").is_dir()
    lab = _run(venv, "aimed", "lab", "--help", cwd=tmp_path)
    assert lab.returncode == 0 and "--edition" in lab.stdout
    checked = _run(venv, "aimed", "check", str(exercises[0]), cwd=tmp_path,
                   env_extra={"AIMED_LANG": "en"})
    # a blank exercise: the checks run and say "not yet", so the exit status is 1
    assert checked.returncode == 1, checked.stdout + checked.stderr
    assert "not yet" in checked.stdout.lower() or "not been written" in checked.stdout.lower()


def test_instructor_commands_say_they_need_the_sources(venv, tmp_path):
    for args in (("release",), ("lint",), ("build-learner", str(tmp_path / "out"))):
        result = _run(venv, "aimed", *args, cwd=tmp_path)
        assert result.returncode != 0, args
        assert "exercises" in result.stderr, (args, result.stderr)
