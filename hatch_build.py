"""Wheel and sdist build hook: package the learner edition of the course.

``pip install aimed`` must bring the course (lessons and student versions of the
exercises), never the instructor's sources. The learner edition is built by
``make learner-edition`` (``aimed build-learner build/learner-edition``), with nbgrader,
which a build back-end cannot rely on; this hook only checks it and packages it:

* wheel: ``build/learner-edition`` (or ``$AIMED_LEARNER_EDITION``) -> ``aimed/learner-edition``;
* sdist: the same folder as ``build/learner-edition``, so a wheel built from the sdist
  carries it too;
* editable installs get nothing: a checkout serves ``build/learner-edition`` directly.

The build fails with a clear message when the edition is missing, or when it is older
than the sources next to it (``notebooks/``, ``exercises/``, ``README.md``).
"""

from __future__ import annotations

import importlib.util
import os
from pathlib import Path

from hatchling.builders.hooks.plugin.interface import BuildHookInterface


def _edition_module(root: Path):
    spec = importlib.util.spec_from_file_location("_aimed_edition", root / "src/aimed/edition.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)  # standard library imports only
    return module


class LearnerEditionHook(BuildHookInterface):
    """Add the learner edition to the wheel and the sdist."""

    PLUGIN_NAME = "custom"

    def initialize(self, version: str, build_data: dict) -> None:
        if self.target_name == "wheel" and version == "editable":
            return
        root = Path(self.root)
        edition_module = _edition_module(root)
        configured = os.environ.get("AIMED_LEARNER_EDITION")
        edition = Path(configured).resolve() if configured else root / "build" / "learner-edition"
        how = ("build it first: make learner-edition (or: aimed build-learner "
               "build/learner-edition), then build the wheel again")
        if not (edition / edition_module.MANIFEST).is_file():
            raise RuntimeError(f"aimed: the wheel carries the learner edition of the course, "
                               f"and {edition} has none; {how}")
        if (root / "exercises").is_dir() and edition_module.is_stale(edition, root):
            raise RuntimeError(f"aimed: the learner edition in {edition} is older than the "
                               f"course sources; {how}")
        target = "aimed/learner-edition" if self.target_name == "wheel" else "build/learner-edition"
        build_data["force_include"][str(edition)] = target
