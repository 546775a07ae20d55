"""JupyterHub for the aimed course on one server (The Littlest JupyterHub's layout).

One Linux user per learner, single-user servers started with JupyterHub's
``LocalProcessSpawner`` (each learner's JupyterLab runs as that learner), PAM login
(``PAMAuthenticator``, accounts created on first sign-in by the administrator), and
nbgrader's exchange in ``/srv/nbgrader/exchange`` shared by everyone.

* At first login :func:`prepare_learner` builds the learner's course workspace
  (``aimed build-learner ~/aimed``: lessons and student exercises, no solutions); at
  later logins it refreshes it without overwriting the learner's edits
  (``aimed workspace``).
* The spawn form offers English or French; French sets JupyterLab's locale (the
  ``jupyterlab-language-pack-fr-FR`` package) and ``AIMED_LANG=fr`` for aimed's messages.
* Learners see nbgrader's *Assignments* list; members of the ``aimed-instructors``
  Unix group also get the formgrader and ``AIMED_COURSE_DIR`` / ``AIMED_DB_URL``
  (read from ``/etc/aimed/db_url``, mode 0640 root:aimed-instructors).

Settings come from the environment so the same file serves a test on 127.0.0.1:
``AIMED_HUB_BIND`` (default ``http://127.0.0.1:8000``; put TLS in front of it),
``AIMED_EXCHANGE``, ``AIMED_COURSE_DIR``, ``AIMED_DB_URL_FILE``, ``AIMED_HUB_DB_URL``
(the hub's own database, default SQLite), ``AIMED_INSTRUCTOR_GROUP``,
``AIMED_HUB_BIN`` (where learners run ``aimed``; default the hub's venv).
Run: ``jupyterhub -f deploy/jupyterhub_config.py`` as root.
"""

import asyncio
import grp
import json
import os
import pwd
import shutil
import subprocess
import sys
from pathlib import Path

c = get_config()  # noqa: F821 - provided by JupyterHub when it loads this file

BIND = os.environ.get("AIMED_HUB_BIND", "http://127.0.0.1:8000")
EXCHANGE = os.environ.get("AIMED_EXCHANGE", "/srv/nbgrader/exchange")
COURSE_DIR = os.environ.get("AIMED_COURSE_DIR", "/srv/aimed/course")
DB_URL_FILE = os.environ.get("AIMED_DB_URL_FILE", "/etc/aimed/db_url")
INSTRUCTORS = os.environ.get("AIMED_INSTRUCTOR_GROUP", "aimed-instructors")
COURSE_ID = "aimed"
# the hub's venv, where aimed is too (not realpath: that is the base interpreter's bin,
# without aimed); AIMED_HUB_BIN when learners cannot run the hub's own interpreter
BIN = os.environ.get("AIMED_HUB_BIN") or os.path.dirname(os.path.abspath(sys.executable))

c.JupyterHub.bind_url = BIND
c.JupyterHub.hub_ip = "127.0.0.1"
c.JupyterHub.db_url = os.environ.get("AIMED_HUB_DB_URL", "sqlite:////srv/aimed/jupyterhub.sqlite")
c.JupyterHub.cookie_secret_file = os.environ.get("AIMED_HUB_COOKIE",
                                                 "/srv/aimed/jupyterhub_cookie_secret")
c.ConfigurableHTTPProxy.command = [os.environ.get(
    "AIMED_CHP", shutil.which("configurable-http-proxy") or "configurable-http-proxy")]

c.JupyterHub.authenticator_class = "pam"
c.Authenticator.allowed_users = set(filter(None, os.environ.get("AIMED_LEARNERS", "").split()))
c.Authenticator.admin_users = set(filter(None, os.environ.get("AIMED_ADMINS", "").split()))
c.JupyterHub.spawner_class = "jupyterhub.spawner.LocalProcessSpawner"
c.Spawner.default_url = "/lab"
c.Spawner.notebook_dir = "~"
c.Spawner.mem_limit = os.environ.get("AIMED_MEM_LIMIT", "2G")  # advertised to JupyterLab
c.Spawner.http_timeout = 120
c.Spawner.start_timeout = 120

c.Spawner.options_form = """
<label for="lang">Language of the course / Langue du cours</label>
<select name="lang" id="lang"><option value="en">English</option>
<option value="fr">Français</option></select>
"""


def options_from_form(formdata):
    lang = (formdata.get("lang") or ["en"])[0]
    return {"lang": lang if lang in ("en", "fr") else "en"}


c.Spawner.options_from_form = options_from_form


def is_instructor(name: str) -> bool:
    try:
        return name in grp.getgrnam(INSTRUCTORS).gr_mem
    except KeyError:
        return False


def _as_user(name: str, *argv: str, env: dict) -> None:
    subprocess.run(["runuser", "-u", name, "--", "env", *[f"{k}={v}" for k, v in env.items()],
                    *argv], check=True, timeout=600, cwd=env["HOME"])
    # cwd: the hub's own folder is root's (0700); nbgrader fails in a cwd it cannot enter


def _write_json(path: Path, data: dict, owner: pwd.struct_passwd) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data, indent=1), encoding="utf-8")
    home = Path(owner.pw_dir)
    for target in [path, *path.parents]:
        if target == home or home not in target.parents:
            break
        os.chown(target, owner.pw_uid, owner.pw_gid)


def prepare_learner(spawner) -> None:
    """pre_spawn_hook: workspace, language, nbgrader settings, instructor extras."""
    name = spawner.user.name
    user = pwd.getpwnam(name)
    home = Path(user.pw_dir)
    lang = (spawner.user_options or {}).get("lang", "en")
    instructor = is_instructor(name)
    env = {"HOME": str(home), "USER": name, "PATH": f"{BIN}:/usr/bin:/bin",
           "AIMED_LANG": lang, "AIMED_COURSE_DIR": COURSE_DIR}
    workspace = home / "aimed"
    aimed = os.path.join(BIN, "aimed")
    if not workspace.exists():
        _as_user(name, aimed, "build-learner", str(workspace), env=env)
    else:
        _as_user(name, aimed, "workspace", "--dest", str(workspace), env=env)
    # nbgrader: the exchange for everyone; the course directory for instructors
    config = [f"c.Exchange.root = {EXCHANGE!r}", f"c.CourseDirectory.course_id = {COURSE_ID!r}"]
    if instructor:
        config.append(f"c.CourseDirectory.root = {COURSE_DIR!r}")
    nbgrader_config = home / ".jupyter" / "nbgrader_config.py"
    nbgrader_config.parent.mkdir(parents=True, exist_ok=True)
    nbgrader_config.write_text("c = get_config()  # noqa: F821\n" + "\n".join(config) + "\n")
    os.chown(nbgrader_config.parent, user.pw_uid, user.pw_gid)
    os.chown(nbgrader_config, user.pw_uid, user.pw_gid)
    # JupyterLab: the language chosen, and formgrader/create-assignment for instructors only
    locale = "fr_FR" if lang == "fr" else "en"
    _write_json(home / ".jupyter" / "lab" / "user-settings" / "@jupyterlab"
                / "translation-extension" / "plugin.jupyterlab-settings",
                {"locale": locale}, user)
    hidden = {} if instructor else {"@jupyter/nbgrader:formgrader": True,
                                    "@jupyter/nbgrader:create-assignment": True,
                                    "@jupyter/nbgrader:course-list": True}
    _write_json(home / ".jupyter" / "labconfig" / "page_config.json",
                {"disabledExtensions": hidden}, user)
    spawner.environment.update({"AIMED_LANG": lang, "AIMED_EXCHANGE": EXCHANGE,
                                "AIMED_WORKSPACE": str(workspace)})
    if instructor:
        spawner.environment["AIMED_COURSE_DIR"] = COURSE_DIR
        try:
            spawner.environment["AIMED_DB_URL"] = Path(DB_URL_FILE).read_text().strip()
        except OSError:
            pass  # SQLite gradebook in the course directory
    else:
        # learners' servers do not load the formgrader's server side either
        # (traitlets' command line takes a Dict as key=value, not JSON)
        spawner.args = [*spawner.args, "--ServerApp.jpserver_extensions="
                        "nbgrader.server_extensions.formgrader=False"]


async def prepare_learner_async(spawner) -> None:
    """:func:`prepare_learner` in a thread: building a workspace takes 15-30 s, and a
    synchronous hook would freeze the hub (every login and spawn) meanwhile."""
    await asyncio.to_thread(prepare_learner, spawner)


c.Spawner.pre_spawn_hook = prepare_learner_async
