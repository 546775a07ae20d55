"""The learner's JupyterLab: configuration, language and the command that starts it.

``make lab`` (``aimed lab``) starts JupyterLab on the learner's workspace with a
configuration of its own, kept in ``<workspace>/.aimed-lab/``:

* nbgrader's **Validate** button stays; the instructor-only panels (formgrader, course
  list, Create Assignment) and the exchange-dependent assignment list are disabled, in
  the browser and on the server, so a learner never meets an error dialog;
* the interface language follows ``AIMED_LANG`` (``fr`` selects the French language
  pack), and the kernel inherits ``AIMED_LANG``, so feedback speaks the same language;
* JupyterLab never fetches news or checks for updates (the course works offline);
* the *Start here* notebook opens first.

The browser tests start JupyterLab through :func:`lab_command` too, so they test exactly
what learners get.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

from aimed.i18n import language

__all__ = ["CONFIG_FOLDER", "DISABLED_LAB_PLUGINS", "LAB_PACKAGES", "START_PAGE", "lab_command",
           "missing_lab_packages", "write_lab_config"]

CONFIG_FOLDER = ".aimed-lab"
START_PAGE = "START-HERE.ipynb"

#: nbgrader's JupyterLab plugins that only make sense for instructors or with an exchange.
DISABLED_LAB_PLUGINS = (
    "@jupyter/nbgrader:formgrader",
    "@jupyter/nbgrader:course-list",
    "@jupyter/nbgrader:assignment-list",
    "@jupyter/nbgrader:create-assignment",
    "@jupyter/nbgrader:menu",
    # jupytext is no course dependency; a contributor's .venv may still have it installed
    "jupyterlab-jupytext",
)
#: nbgrader's server extensions that learners do not need (Validate stays enabled).
DISABLED_SERVER_EXTENSIONS = (
    "nbgrader.server_extensions.formgrader",
    "nbgrader.server_extensions.course_list",
    "nbgrader.server_extensions.assignment_list",
    "jupytext",
)
#: What the learner's JupyterLab needs: import name -> distribution (the ``lab`` extra).
LAB_PACKAGES = {"jupyterlab": "jupyterlab", "nbgrader": "nbgrader", "ipywidgets": "ipywidgets"}
_LOCALES = {"en": "en", "fr": "fr_FR"}


def missing_lab_packages() -> list[str]:
    """Distributions of the ``aimed[lab]`` extra that are not installed (empty when ready)."""
    import importlib.util

    return [dist for name, dist in LAB_PACKAGES.items() if importlib.util.find_spec(name) is None]


def _write_json(path: Path, content: dict) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(content, indent=2, sort_keys=True) + "\n", encoding="utf-8")


def write_lab_config(workspace: Path, lang: str | None = None) -> Path:
    """Write the learner configuration under ``<workspace>/.aimed-lab/`` and return it.

    Parameters
    ----------
    workspace : Path
        The learner's workspace folder.
    lang : {"en", "fr"}, optional
        Interface language to select. By default the language is set only when
        ``AIMED_LANG`` is given, so a language the learner picked in *Settings ›
        Language* is otherwise kept.
    """
    folder = workspace / CONFIG_FOLDER
    config = folder / "config"
    _write_json(config / "labconfig" / "page_config.json",
                {"disabledExtensions": dict.fromkeys(DISABLED_LAB_PLUGINS, True)})
    _write_json(config / "jupyter_server_config.json",
                {"ServerApp": {"jpserver_extensions":
                               dict.fromkeys(DISABLED_SERVER_EXTENSIONS, False)}})
    settings = folder / "user-settings"
    lab_settings = settings / "@jupyterlab"
    _write_json(lab_settings / "apputils-extension" / "notification.jupyterlab-settings",
                {"fetchNews": "false", "checkForUpdates": False})
    chosen = lang or (language() if os.environ.get("AIMED_LANG") else None)
    if chosen is not None:
        if chosen not in _LOCALES:
            raise ValueError(f"lang must be one of {sorted(_LOCALES)}, got {chosen!r}")
        _write_json(lab_settings / "translation-extension" / "plugin.jupyterlab-settings",
                    {"locale": _LOCALES[chosen]})
    return folder


def lab_command(workspace: Path, *, port: int = 8888, token: str | None = None,
                open_browser: bool = False, lang: str | None = None
                ) -> tuple[list[str], dict[str, str]]:
    """The command line and environment that start the learner's JupyterLab.

    Parameters
    ----------
    workspace : Path
        Folder JupyterLab serves (lessons, exercises, the Start page).
    port : int
        Port on 127.0.0.1.
    token : str, optional
        Access token; by default JupyterLab makes one and prints it in its URL.
    open_browser : bool
        Open a browser tab (only useful with a display).
    lang : {"en", "fr"}, optional
        Interface language, see :func:`write_lab_config`.

    Returns
    -------
    (list of str, dict)
        ``argv`` for :func:`subprocess.Popen` or :func:`os.execvpe`, and the environment.
    """
    if not 0 < port < 65536:
        raise ValueError(f"port must be between 1 and 65535, got {port}")
    workspace = workspace.resolve()
    folder = write_lab_config(workspace, lang)
    argv = [
        sys.executable, "-m", "jupyterlab",
        f"--ServerApp.root_dir={workspace}",
        "--ServerApp.ip=127.0.0.1",
        f"--ServerApp.port={port}",
        f"--ServerApp.open_browser={open_browser}",
        f"--LabApp.user_settings_dir={folder / 'user-settings'}",
        f"--LabApp.workspaces_dir={folder / 'workspaces'}",
    ]
    if (workspace / START_PAGE).exists():
        argv.append(f"--LabApp.default_url=/lab/tree/{START_PAGE}")
    if token is not None:
        argv.append(f"--IdentityProvider.token={token}")
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        argv.append("--ServerApp.allow_root=True")  # containers and CI often run as root
    env = {
        **os.environ,
        # Our config folder must outrank the virtual environment's own configuration.
        "JUPYTER_CONFIG_DIR": str(folder / "config"),
        "JUPYTER_PREFER_ENV_PATH": "0",
    }
    if lang is not None:
        env["AIMED_LANG"] = lang
    return argv, env
