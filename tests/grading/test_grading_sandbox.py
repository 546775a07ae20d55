"""What the grading sandbox guarantees, measured with a real kernel.

Each test starts one kernel exactly as grading does and lets it try to read and write
the places a student must not reach. Grading as root and grading as a normal user are
both measured; the normal user is simulated with ``setpriv`` when the suite runs as
root (in a private mount namespace that makes this root-installed Python readable).
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
from pathlib import Path

import pytest

pytestmark = pytest.mark.grading

ROOT = Path(__file__).resolve().parents[2]
PROBE = Path(__file__).with_name("sandbox_probe.py")
NOBODY = 65534


@pytest.fixture
def tmp_path():
    path = Path(tempfile.mkdtemp(prefix="aimed-sandbox-test-", dir="/tmp"))
    path.chmod(0o755)
    yield path
    shutil.rmtree(path, ignore_errors=True)


@pytest.fixture
def course(tmp_path):
    """A course directory with a gradebook and a source folder, readable by anyone."""
    course = tmp_path / "course"
    (course / "source" / "m0").mkdir(parents=True)
    (course / "source" / "m0" / "solutions.ipynb").write_text("{}")
    (course / "gradebook.db").write_text("grades")
    (course / "submitted" / "someone-else" / "m0").mkdir(parents=True)
    (course / "submitted" / "someone-else" / "m0" / "work.ipynb").write_text("{}")
    for path in [tmp_path, *course.rglob("*"), course]:
        path.chmod(0o755 if path.is_dir() else 0o644)
    return course


class Listener:
    """A TCP server on the host's 127.0.0.1 that records every byte it receives."""

    def __init__(self) -> None:
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.port = self.sock.getsockname()[1]
        self.received = b""
        self.connections = 0
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self) -> None:
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            self.connections += 1
            with conn:
                conn.settimeout(5)
                try:
                    while chunk := conn.recv(4096):
                        self.received += chunk
                except OSError:
                    pass

    def close(self) -> None:
        self.sock.close()


@pytest.fixture
def listener():
    server = Listener()
    yield server
    server.close()


def _private(course: Path) -> list[str]:
    return [str(ROOT / "exercises"), str(ROOT / ".git"), str(ROOT / "tests"),
            str(course / "gradebook.db"), str(course / "source" / "m0" / "solutions.ipynb"),
            str(course / "submitted" / "someone-else" / "m0" / "work.ipynb")]


def _run_probe(argv: list[str], env: dict | None = None, prefix: list[str] | None = None):
    cmd = [*(prefix or []), sys.executable, str(PROBE), *argv]
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=300, check=False,
                          env=env)
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


def _assert_isolated(facts: dict, private: list[str]) -> None:
    assert facts["mode"] == "namespaces"
    for path in private:
        assert facts["read"][path] is False, f"the kernel can read {path}"
        assert facts["write"][path] is False, f"the kernel can write {path}"
    assert facts["cwd_writable"] is True
    assert facts["pids"] in ([1], None) or len(facts["pids"]) <= 3
    limits = facts["limits"]
    assert limits["RLIMIT_AS"][0] == 2 * 1024**3
    assert limits["RLIMIT_CPU"][0] == 120
    assert limits["RLIMIT_FSIZE"][0] == 50_000_000
    assert not [name for name in facts["env"] if (name.startswith("AIMED_") and
                name != "AIMED_LANG") or "SECRET" in name]


def _namespaces_available() -> bool:
    from aimed.grading.sandbox import probe

    return probe().mode == "namespaces"


@pytest.mark.skipif(os.geteuid() != 0, reason="measures grading as root")
def test_as_root_kernel_is_unprivileged_and_sees_nothing_private(tmp_path, course, listener):
    if not _namespaces_available():
        pytest.skip("no namespace support on this machine; see test_uid_mode")
    work = tmp_path / "work"
    work.mkdir()
    env = {**os.environ, "AIMED_DB_URL": "sqlite:////nowhere.db", "SECRET_TOKEN": "s3cr3t",
           "AIMED_PROBE_PORT": str(listener.port)}
    facts = _run_probe([str(work), "auto", *_private(course)], env=env)
    _assert_isolated(facts, _private(course))
    assert facts["uid"] >= 64000
    # No network: the kernel cannot reach a listener on the host's loopback.
    assert facts["network_isolated"] is True
    assert facts["connect"] is False
    assert (listener.connections, listener.received) == (0, b"")
    assert "Kernels have no network" in " ".join(facts["describe"])
    if facts["memory_group"]:
        assert "aimed-kernel-" in facts["cgroup"]


def test_without_the_jail_graded_code_reaches_the_host(tmp_path, listener):
    """The control for the test above: the same probe, mode 'none', does connect."""
    work = tmp_path / "work"
    work.mkdir()
    env = {**os.environ, "AIMED_PROBE_PORT": str(listener.port)}
    facts = _run_probe([str(work), "none"], env=env)
    assert facts["connect"] is True
    assert b"hidden-test-inputs" in listener.received
    assert "NO NETWORK ISOLATION" in " ".join(facts["describe"])


@pytest.mark.skipif(os.geteuid() != 0, reason="memory control groups need root here")
def test_memory_cap_holds_for_all_processes_of_a_kernel(tmp_path):
    """Three processes of 200 MB each stay under a 400 MB RLIMIT_AS one by one, but not
    together: the kernel's memory group stops them."""
    from aimed.grading import sandbox
    from aimed.grading.sandbox import Limits

    if sandbox.probe().mode != "namespaces" or not sandbox.probe().memory_group:
        pytest.skip("no memory control group can be created here")
    for folder in ("work", "state"):
        (tmp_path / folder).mkdir()
    limits = Limits(memory_bytes=400 * 1024**2)
    spec = sandbox.build_spec("namespaces", workdir=str(tmp_path / "work"), limits=limits,
                              state_dir=str(tmp_path / "state"), network=True,
                              memory_group=True)
    assert spec["memory_cgroup"]
    (tmp_path / "spec.json").write_text(json.dumps(spec))
    (tmp_path / "connection.json").write_text("{}")
    hog = ("import subprocess, sys, time\n"
           "code = 'b = bytearray(200 * 1024**2); b[::4096] = b\"x\" * len(b[::4096]); "
           "print(\"held\", flush=True); import time; time.sleep(8)'\n"
           "procs = [subprocess.Popen([sys.executable, '-c', code]) for _ in range(3)]\n"
           "print('codes', sorted(p.wait() for p in procs), flush=True)\n")
    done = subprocess.run([sys.executable, "-m", "aimed.grading.jail", str(tmp_path / "spec.json"),
                           str(tmp_path / "connection.json"), "--", sys.executable, "-c", hog],
                          capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr[-2000:]
    codes = done.stdout.split("codes", 1)[1]
    assert "-9" in codes, done.stdout  # at least one hog was killed by the memory cap
    assert done.stdout.count("held") < 3
    # The group is removed when the kernel ends.
    _version, parent, name = spec["memory_cgroup"]
    assert os.path.isdir(parent) and not os.path.exists(os.path.join(parent, name))


def _as_nobody_prefix(tmp_path: Path) -> tuple[list[str], dict]:
    """Run as uid 65534 in a mount namespace where this Python is readable."""
    if os.geteuid() != 0 or not shutil.which("setpriv") or not shutil.which("unshare"):
        pytest.skip("needs root, setpriv and unshare to simulate a normal user")
    home = tmp_path / "nobody"
    (home / "sandbox").mkdir(parents=True)
    shutil.chown(home, NOBODY, NOBODY)
    shutil.chown(home / "sandbox", NOBODY, NOBODY)
    blocked = next((p for p in reversed(Path(sys.base_prefix).parents)
                    if p != Path("/") and not os.stat(p).st_mode & 0o001), None)
    script = ["set -e", "mount --make-rprivate /"]
    if blocked is not None:
        keep = Path(sys.base_prefix)
        stage = tmp_path / "stage"
        stage.mkdir()
        script += [f"mount --bind '{keep}' '{stage}'",
                   f"mount -t tmpfs -o mode=0755 tmpfs '{blocked}'",
                   f"mkdir -p '{keep}'", f"mount --bind '{stage}' '{keep}'"]
    script.append('exec setpriv --reuid=65534 --regid=65534 --clear-groups -- "$@"')
    prefix = ["unshare", "-m", "sh", "-c", "\n".join(script), "sh"]
    env = {"PATH": "/usr/bin:/bin", "HOME": str(home), "AIMED_SANDBOX_DIR": str(home / "sandbox"),
           "SECRET_TOKEN": "s3cr3t"}
    return prefix, env


def test_as_normal_user_kernel_sees_nothing_private(tmp_path, course):
    prefix, env = _as_nobody_prefix(tmp_path)
    work = tmp_path / "nobody" / "work"
    work.mkdir()
    shutil.chown(work, NOBODY, NOBODY)
    facts = _run_probe([str(work), "auto", *_private(course)], env=env, prefix=prefix)
    if facts["mode"] != "namespaces":
        pytest.skip("unprivileged user namespaces are disabled here: " + " ".join(
            facts["describe"]))
    _assert_isolated(facts, _private(course))
    assert facts["uid"] == NOBODY


def test_as_normal_user_without_namespaces_nothing_is_hidden(tmp_path, course):
    """The honest gap: with mode 'none', graded code reads what the grader can read."""
    prefix, env = _as_nobody_prefix(tmp_path)
    work = tmp_path / "nobody" / "work"
    work.mkdir()
    shutil.chown(work, NOBODY, NOBODY)
    facts = _run_probe([str(work), "none", *_private(course)], env=env, prefix=prefix)
    assert facts["mode"] == "none"
    assert facts["read"][str(course / "gradebook.db")] is True
    assert facts["read"][str(ROOT / "exercises")] is True
    assert "NO ISOLATION" in " ".join(facts["describe"])
    assert facts["limits"]["RLIMIT_AS"][0] == 2 * 1024**3  # limits still hold


@pytest.mark.skipif(os.geteuid() != 0, reason="the uid mode exists only when grading as root")
def test_uid_mode_where_python_is_readable(tmp_path, course):
    from aimed.grading.sandbox import harden_course, probe

    isolation = probe(force_mode="uid")
    if isolation.mode != "uid":
        pytest.skip("uid mode unavailable here: " + " ".join(isolation.notes))
    harden_course([course])
    work = tmp_path / "work"
    work.mkdir()
    facts = _run_probe([str(work), "uid", *_private(course)[3:]])
    assert facts["uid"] >= 64000
    assert not any(facts["read"].values())


def test_read_only_paths_below_tmp_stay_visible_in_the_jail(tmp_path):
    """A checkout or a venv under /tmp is bound on top of the jail's private /tmp.

    (The private /tmp used to be mounted last and hid it, so a fresh clone in /tmp
    silently fell back to no isolation.)
    """
    from aimed.grading import sandbox
    from aimed.grading.sandbox import Limits

    if os.geteuid() != 0 or sandbox.probe().mode != "namespaces":
        pytest.skip("the namespaces jail is not available here")
    shelf = tmp_path / "checkout"
    shelf.mkdir()
    (shelf / "book.txt").write_text("visible from the jail")
    for folder in ("work", "state"):
        (tmp_path / folder).mkdir()
    spec = sandbox.build_spec("namespaces", workdir=str(tmp_path / "work"), limits=Limits(),
                              state_dir=str(tmp_path / "state"))
    spec["readonly"] = [*spec["readonly"], str(shelf)]
    (tmp_path / "spec.json").write_text(json.dumps(spec))
    (tmp_path / "connection.json").write_text("{}")
    script = (f"cat '{shelf}/book.txt'; echo; "
              f"touch '{tmp_path}/beside-the-checkout' 2>/dev/null && echo wrote-beside; "
              f"touch '{shelf}/inside' 2>/dev/null && echo wrote-inside; "
              "touch /tmp/scratch && echo wrote-scratch")
    done = subprocess.run([sys.executable, "-m", "aimed.grading.jail", str(tmp_path / "spec.json"),
                           str(tmp_path / "connection.json"), "--", "/bin/sh", "-c", script],
                          capture_output=True, text=True, timeout=60, check=False)
    # It reads the checkout, cannot write into or beside it, and keeps a writable /tmp.
    assert (done.returncode, done.stdout.split()) == (
        0, ["visible", "from", "the", "jail", "wrote-scratch"]), done.stderr
    assert not (tmp_path / "beside-the-checkout").exists()
