"""A throwaway PostgreSQL server for the cohort tests (Debian's ``postgresql`` binaries).

:class:`PgServer` runs ``initdb`` and ``pg_ctl`` from ``/usr/lib/postgresql/<version>/bin``
(as the ``postgres`` system user when the tests run as root, since PostgreSQL refuses
to run as root), with its data and unix socket in a private temporary folder and TCP
on 127.0.0.1 at a free port. The course's role and database get a password; the
superuser is reachable only over the private socket. :meth:`PgServer.stop` stops it
and removes every file.

``scripts/ensure-hub-deps`` installs the package when it is missing.
"""

from __future__ import annotations

import glob
import os
import pwd
import secrets
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path

__all__ = ["PgServer", "free_port", "pg_bindir"]


def pg_bindir() -> Path | None:
    """The newest ``/usr/lib/postgresql/*/bin`` holding ``initdb`` and ``pg_ctl``."""
    found = [Path(p).parent for p in glob.glob("/usr/lib/postgresql/*/bin/initdb")
             if Path(p).with_name("pg_ctl").exists()]
    found.sort(key=lambda p: int(p.parent.name) if p.parent.name.isdigit() else 0)
    return found[-1] if found else None


def free_port() -> int:
    """A TCP port free on 127.0.0.1 right now (other helpers run servers too)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class PgServer:
    """One private PostgreSQL cluster.

    Attributes
    ----------
    url : str
        ``postgresql://aimed:<password>@127.0.0.1:<port>/aimed`` once started.
    """

    def __init__(self, database: str = "aimed", role: str = "aimed"):
        bindir = pg_bindir()
        if bindir is None:
            raise RuntimeError("PostgreSQL is not installed: run scripts/ensure-hub-deps "
                               "(apt-get install postgresql)")
        self.bin = bindir
        self.database, self.role = database, role
        self.password = secrets.token_hex(12)
        self.root = Path(tempfile.mkdtemp(prefix="aimed-pg-"))
        self.data, self.sock = self.root / "data", self.root / "sock"
        self.log = self.root / "server.log"
        self.port = 0
        self.url = ""
        self.as_user: list[str] = []
        if os.geteuid() == 0:
            try:
                pwd.getpwnam("postgres")
            except KeyError as exc:
                raise RuntimeError("no 'postgres' system user: install Debian's postgresql "
                                   "package (scripts/ensure-hub-deps)") from exc
            self.as_user = ["runuser", "-u", "postgres", "--"]

    def _run(self, *argv: str, check: bool = True, **kw) -> subprocess.CompletedProcess:
        return subprocess.run([*self.as_user, *argv], capture_output=True, text=True,
                              check=check, timeout=120, **kw)

    def start(self) -> PgServer:
        """initdb, start on 127.0.0.1:<free port>, create the course role and database."""
        self.sock.mkdir(mode=0o700)
        if self.as_user:
            shutil.chown(self.root, "postgres")
            shutil.chown(self.sock, "postgres")
        os.chmod(self.root, 0o700)
        pwfile = self.root / "pw"
        pwfile.write_text(secrets.token_hex(12) + "\n")
        if self.as_user:
            shutil.chown(pwfile, "postgres")
        self._run(str(self.bin / "initdb"), "-D", str(self.data), "-U", "postgres",
                  "-A", "peer", "--auth-host=scram-sha-256", f"--pwfile={pwfile}",
                  "-E", "UTF8", "--locale=C.UTF-8", "--no-sync")
        pwfile.unlink()
        for _attempt in range(3):
            self.port = free_port()
            opts = (f"-k {self.sock} -p {self.port} -c listen_addresses=127.0.0.1 "
                    "-c fsync=off -c max_connections=200 -c shared_buffers=32MB")
            done = self._run(str(self.bin / "pg_ctl"), "-D", str(self.data), "-o", opts,
                             "-l", str(self.log), "-w", "-t", "60", "start", check=False)
            if done.returncode == 0:
                break
        else:
            raise RuntimeError(f"PostgreSQL did not start:\n{self.log_text()}")
        psql = [str(self.bin / "psql"), "-h", str(self.sock), "-p", str(self.port),
                "-U", "postgres", "-v", "ON_ERROR_STOP=1", "-q"]
        self._run(*psql, "-c", f"CREATE ROLE {self.role} LOGIN PASSWORD '{self.password}'")
        self._run(*psql, "-c", f"CREATE DATABASE {self.database} OWNER {self.role}")
        self.url = (f"postgresql://{self.role}:{self.password}@127.0.0.1:{self.port}/"
                    f"{self.database}")
        return self

    def create_database(self, name: str) -> str:
        """A further empty database owned by the course role; returns its URL."""
        psql = [str(self.bin / "psql"), "-h", str(self.sock), "-p", str(self.port),
                "-U", "postgres", "-v", "ON_ERROR_STOP=1", "-q"]
        self._run(*psql, "-c", f"CREATE DATABASE {name} OWNER {self.role}")
        return self.url.rsplit("/", 1)[0] + f"/{name}"

    def query(self, sql: str, params: tuple = (), url: str | None = None) -> list[tuple]:
        """Rows of ``sql`` run over TCP as the course role (psycopg)."""
        import psycopg

        connection = psycopg.connect(url or self.url, connect_timeout=5)
        try:
            with connection.cursor() as cursor:
                cursor.execute(sql, params)
                return cursor.fetchall() if cursor.description else []
        finally:
            connection.close()

    def log_text(self) -> str:
        try:
            return self.log.read_text(errors="replace")[-4000:]
        except OSError:
            return ""

    def stop(self) -> None:
        """Stop the server (fast shutdown) and remove its files."""
        if (self.data / "postmaster.pid").exists():
            self._run(str(self.bin / "pg_ctl"), "-D", str(self.data), "-m", "fast",
                      "-w", "-t", "60", "stop", check=False)
        deadline = time.monotonic() + 10
        while (self.data / "postmaster.pid").exists() and time.monotonic() < deadline:
            time.sleep(0.2)
        shutil.rmtree(self.root, ignore_errors=True)
