"""Linux accounts for the cohort tests: an instructor and learners, as on a real hub.

Run as root (as CI does), :class:`Accounts` creates real users with ``useradd`` (names
``am<random>-<role>``, homes 0700 under a private folder) and runs commands as them
with ``runuser``; :meth:`Accounts.remove` deletes them with ``userdel``. Not as root,
every "user" is the current one with its own ``HOME``/``USER`` (nbgrader names users
after ``$USER``), and the isolation checks that need separate uids are not possible.

:func:`shared_python` gives a Python that every account can run: the project's
``.venv`` when other users can reach its interpreter, otherwise a small bridge venv
made of a copy of this interpreter that loads ``.venv``'s packages (pyenv installs
under ``/root``, which other users cannot enter).
"""

from __future__ import annotations

import os
import secrets
import shutil
import subprocess
import sys
import sysconfig
import tempfile
from dataclasses import dataclass
from pathlib import Path

__all__ = ["Account", "Accounts", "shared_python"]

AS_ROOT = os.geteuid() == 0


def _reachable_by_others(path: str) -> bool:
    if not AS_ROOT:
        return True
    done = subprocess.run(["runuser", "-u", "nobody", "--", path, "-c", "pass"],
                          capture_output=True, timeout=60, check=False)
    return done.returncode == 0


def shared_python(base: Path) -> tuple[str, dict[str, str]]:
    """``(python, extra environment)`` usable by every account.

    When other users cannot run this interpreter (pyenv under ``/root``), a copy of its
    standard library and binary is made once in ``<venv>/.aimed-shared-python/`` (about
    130 MB, reused by later runs); a ``.pth`` file there loads the venv's packages, and
    the venv's console scripts get wrappers that use the copy.
    """
    venv_site = sysconfig.get_paths()["purelib"]
    share = str(Path(sys.prefix) / "share" / "jupyter")
    env = {"JUPYTER_PATH": share, "JUPYTERLAB_DIR": str(Path(share) / "lab")}
    if _reachable_by_others(sys.executable):
        return sys.executable, env
    version = f"python{sys.version_info.major}.{sys.version_info.minor}"
    dest = Path(sys.prefix) / ".aimed-shared-python"
    env["LD_LIBRARY_PATH"] = str(dest / "lib")
    python = dest / "bin" / version
    if (dest / ".complete").exists():
        return str(python), env
    work = Path(tempfile.mkdtemp(prefix=".aimed-shared-python-", dir=sys.prefix))
    origin = Path(sys.base_prefix)
    (work / "bin").mkdir()
    shutil.copy2(os.path.realpath(sys.executable), work / "bin" / version)
    (work / "lib").mkdir()
    for lib in (origin / "lib").glob("libpython*.so*"):
        shutil.copy2(lib, work / "lib" / lib.name, follow_symlinks=True)
    shutil.copytree(origin / "lib" / version, work / "lib" / version, symlinks=True,
                    ignore=lambda d, names: [n for n in names if n in ("site-packages", "test")
                                             and Path(d) == origin / "lib" / version])
    site = work / "lib" / version / "site-packages"
    site.mkdir()
    (site / "aimed_bridge.pth").write_text(
        f"import site; site.addsitedir({venv_site!r})\n", encoding="utf-8")
    # the venv's console scripts (alembic, nbgrader, jupyter...) with the copy's shebang
    for script in (Path(sys.prefix) / "bin").iterdir():
        if not script.is_file() or script.is_symlink():
            continue
        try:
            first, rest = script.read_text(encoding="utf-8").split("\n", 1)
        except (UnicodeDecodeError, ValueError):
            continue
        if first.startswith("#!") and "python" in first:
            wrapper = work / "bin" / script.name
            wrapper.write_text(f"#!{python}\n{rest}", encoding="utf-8")
            wrapper.chmod(0o755)
    (work / ".complete").write_text(sys.version, encoding="utf-8")
    subprocess.run(["chmod", "-R", "a+rX", str(work)], check=True)
    try:
        os.replace(work, dest)
    except OSError:  # another run made it first
        shutil.rmtree(work, ignore_errors=True)
    return str(python), env


@dataclass
class Account:
    """One user of the course."""

    name: str
    home: Path
    uid: int
    gid: int


class Accounts:
    """Real Linux users when root, else simulated ones (see the module docstring)."""

    def __init__(self, prefix: str = ""):
        self.tag = prefix or f"am{secrets.token_hex(3)}"
        self.base = Path(tempfile.mkdtemp(prefix="aimed-cohort-"))
        os.chmod(self.base, 0o755)
        self.accounts: dict[str, Account] = {}
        self.python, self.env = shared_python(self.base)

    def add(self, role: str, groups: list[str] | None = None) -> Account:
        name = f"{self.tag}-{role}"
        home = self.base / name
        if AS_ROOT:
            argv = ["useradd", "--create-home", "--home-dir", str(home), "--shell", "/bin/sh",
                    "--user-group", "--key", "UMASK=077"]
            if groups:
                argv += ["--groups", ",".join(groups)]
            subprocess.run([*argv, name], check=True, capture_output=True, timeout=60)
            os.chmod(home, 0o700)
            st = home.stat()
            account = Account(name, home, st.st_uid, st.st_gid)
        else:
            home.mkdir(mode=0o700)
            account = Account(name, home, os.getuid(), os.getgid())
        self.accounts[name] = account
        return account

    def environ(self, account: Account, **extra: str) -> dict[str, str]:
        env = {"HOME": str(account.home), "USER": account.name, "LOGNAME": account.name,
               "PATH": f"{Path(self.python).parent}:/usr/bin:/bin", "LANG": "C.UTF-8",
               "MPLCONFIGDIR": str(account.home / ".config" / "matplotlib"), **self.env}
        env.update(extra)
        return env

    def run(self, account: Account, *argv: str, env: dict[str, str] | None = None,
            cwd: Path | None = None, timeout: float = 600, check: bool = True,
            ) -> subprocess.CompletedProcess:
        """Run ``argv`` as ``account`` (a clean environment, in its home by default)."""
        full_env = self.environ(account, **(env or {}))
        prefix = ["runuser", "-u", account.name, "--"] if AS_ROOT else []
        done = subprocess.run([*prefix, "env", "-i", *[f"{k}={v}" for k, v in full_env.items()],
                               *argv], cwd=cwd or account.home, capture_output=True, text=True,
                              timeout=timeout, check=False)
        if check and done.returncode != 0:
            raise AssertionError(f"{argv} as {account.name} failed ({done.returncode}):\n"
                                 f"{done.stdout[-3000:]}\n{done.stderr[-3000:]}")
        return done

    def python_as(self, account: Account, code: str, **kw) -> subprocess.CompletedProcess:
        return self.run(account, self.python, "-c", code, **kw)

    def give(self, account: Account, path: Path) -> None:
        """Hand a file or folder the test wrote over to ``account``."""
        if AS_ROOT:
            subprocess.run(["chown", "-R", f"{account.uid}:{account.gid}", str(path)],
                           check=True)

    def remove(self) -> None:
        """Delete every account and all their files."""
        if AS_ROOT:
            for name in self.accounts:
                subprocess.run(["userdel", "--remove", name], capture_output=True,
                               check=False, timeout=60)
        shutil.rmtree(self.base, ignore_errors=True)
