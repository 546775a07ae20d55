"""pyproject.toml declares what src/aimed imports, with the roles' extras."""

from __future__ import annotations

import ast
import re
import sys
import tomllib
from importlib.metadata import packages_distributions

from packaging.requirements import Requirement

from aimed.course import repo_root

ROOT = repo_root()
PROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]


def _norm(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def _declared(group: list[str]) -> set[str]:
    return {_norm(Requirement(r).name) for r in group}


def _imports() -> dict[str, set[str]]:
    """Third-party top-level module -> files of src/aimed that import it."""
    found: dict[str, set[str]] = {}
    for path in (ROOT / "src" / "aimed").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names = [node.module]
            else:
                continue
            for name in names:
                top = name.split(".")[0]
                if top != "aimed" and top not in sys.stdlib_module_names:
                    found.setdefault(top, set()).add(path.relative_to(ROOT).as_posix())
    return found


def test_every_third_party_import_is_declared():
    extras = PROJECT["optional-dependencies"]
    declared = _declared(PROJECT["dependencies"]) | _declared(extras["lab"]) | _declared(
        extras["grading"])
    owners = packages_distributions()
    missing = {}
    for module, files in _imports().items():
        dists = {_norm(d) for d in owners.get(module, [module])}
        if not dists & declared:
            missing[module] = sorted(files)
    assert not missing, f"imported but not declared in pyproject.toml: {missing}"


#: Instructors' and contributors' tools: their imports may live in the grading extra.
INSTRUCTOR_TOOLS = ("src/aimed/grading/", "src/aimed/translate.py")


def test_what_the_notebooks_import_is_in_the_base_dependencies():
    owners = packages_distributions()
    base = _declared(PROJECT["dependencies"])
    grading = _declared(PROJECT["optional-dependencies"]["grading"]) | base
    for module, files in _imports().items():
        dists = {_norm(d) for d in owners.get(module, [module])}
        if all(f.startswith(INSTRUCTOR_TOOLS) for f in files):
            assert dists & grading, module
        else:
            assert dists & base, (module, sorted(files))


def test_roles_extras_and_versions():
    extras = PROJECT["optional-dependencies"]
    assert {"lab", "grading", "test", "dev"} <= set(extras)
    lab = _declared(extras["lab"])
    assert {"jupyterlab", "ipywidgets", "jupyterlab-language-pack-fr-fr", "nbgrader"} <= lab
    assert not lab & {"pytest", "playwright", "ruff", "nbval", "jupytext"}
    assert "jupytext" not in _declared(extras["test"]) | _declared(PROJECT["dependencies"])
    assert PROJECT["requires-python"] == ">=3.11"
    tool = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]
    assert tool["ruff"]["target-version"] == "py311"
    for requirement in PROJECT["dependencies"]:
        assert Requirement(requirement).specifier, f"{requirement} has no lower bound"
