"""Launch a grading kernel inside a jail (Linux): ``python -m aimed.grading.jail SPEC -- CMD...``.

This small program sits between jupyter_client and the kernel. It reads a JSON *spec*
written by :class:`aimed.grading.sandbox.SandboxKernelManager`, builds the jail, then
executes ``CMD`` (the kernel) in it. It imports nothing heavy, so it adds only a few
tens of milliseconds to a kernel start.

Isolation modes (``spec["mode"]``), strongest first:

``"namespaces"``
    New mount and PID namespaces (plus a user namespace when not root). The kernel
    sees a fresh root file system that holds only read-only system and Python
    directories, a private ``/tmp`` and a private working directory, both size-limited
    tmpfs. ``exercises/``, the course directory (gradebook, sources, other students'
    files), the repository's ``.git`` and ``tests/``, and the instructor's home do not
    exist in that view. The kernel is PID 1 of its namespace, so it cannot see or
    signal other processes, and everything it starts dies with it. As root the kernel
    then drops to an unprivileged uid; as a normal user, the user namespace maps the
    user's own uid and the kernel keeps no capability after ``exec``.
``"uid"``
    Root without namespace support (for example a container without
    ``CAP_SYS_ADMIN``): the kernel only drops to an unprivileged uid; file permissions
    do the rest (see :func:`aimed.grading.sandbox.harden_course`).
``"none"``
    No isolation is available: only resource limits, a scrubbed environment and a
    throwaway working directory apply.

Two more walls in the ``"namespaces"`` mode:

- With ``spec["network"] == "none"`` the kernel gets a network namespace of its own,
  whose only interface is a loopback that is down: it cannot open a connection to the
  host (its 127.0.0.1 included) or anywhere else. It talks to the grader over ZeroMQ's
  ``ipc`` transport instead, through Unix sockets in the folder of ``spec["bind_rw"]``,
  which the jail binds read-write at the same path.
- With ``spec["memory_cgroup"]`` (``[version, parent folder, name]``), the kernel and
  all it starts share one memory cap of ``RLIMIT_AS`` bytes (:mod:`aimed.grading.cgroup`).

In every mode the kernel gets the resource limits of the spec (address space, CPU
time, file size, processes), ``no_new_privs``, and an environment with nothing from
the instructor's but the language settings.
"""

from __future__ import annotations

import ctypes
import json
import os
import resource
import shutil
import signal
import sys

from aimed.grading import cgroup

CLONE_NEWNS = 0x00020000
CLONE_NEWIPC = 0x08000000
CLONE_NEWUSER = 0x10000000
CLONE_NEWPID = 0x20000000
CLONE_NEWNET = 0x40000000
MS_RDONLY = 1
MS_NOSUID = 2
MS_NODEV = 4
MS_NOEXEC = 8
MS_REMOUNT = 32
MS_NOATIME = 1024
MS_NODIRATIME = 2048
MS_BIND = 4096
MS_REC = 16384
MS_PRIVATE = 1 << 18
MS_RELATIME = 1 << 21
PR_SET_PDEATHSIG = 1
PR_SET_NO_NEW_PRIVS = 38

#: Device nodes the kernel may use (bound read-write from the host).
DEVICES = ("null", "zero", "full", "random", "urandom")
#: Environment variables passed through from the caller.
PASS_ENV = ("AIMED_LANG", "LANG", "LC_ALL", "LANGUAGE", "TZ")
CONNECTION_FILE = "/tmp/.kernel-connection.json"

_libc = ctypes.CDLL(None, use_errno=True)


class JailError(RuntimeError):
    """The jail could not be built (the message names the failing step)."""


def _check(result: int, what: str) -> None:
    if result != 0:
        errno = ctypes.get_errno()
        raise JailError(f"{what}: {os.strerror(errno)} (errno {errno})")


def unshare(flags: int) -> None:
    """Call ``unshare(2)``."""
    _check(_libc.unshare(ctypes.c_int(flags)), f"unshare({flags:#x})")


def mount(source: str | None, target: str, fstype: str | None, flags: int,
          data: str | None = None) -> None:
    """Call ``mount(2)``."""
    def enc(text: str | None) -> bytes | None:
        return text.encode() if text is not None else None

    _check(_libc.mount(enc(source), enc(target), enc(fstype), ctypes.c_ulong(flags),
                       enc(data)), f"mount {source} on {target}")


def prctl(option: int, value: int) -> None:
    """Call ``prctl(2)`` with one argument (does nothing outside Linux)."""
    if not sys.platform.startswith("linux"):
        return
    _check(_libc.prctl(option, ctypes.c_ulong(value), 0, 0, 0), f"prctl({option})")


def _locked_flags(path: str) -> int:
    """Mount flags of ``path`` that a remount must keep (they are locked in a userns)."""
    f = os.statvfs(path).f_flag
    flags = 0
    for st, ms in ((os.ST_NOSUID, MS_NOSUID), (os.ST_NODEV, MS_NODEV),
                   (os.ST_NOEXEC, MS_NOEXEC), (os.ST_NOATIME, MS_NOATIME),
                   (os.ST_NODIRATIME, MS_NODIRATIME), (os.ST_RELATIME, MS_RELATIME)):
        if f & st:
            flags |= ms
    return flags


def _bind_readonly(source: str, target: str) -> None:
    if os.path.isdir(source):
        os.makedirs(target, exist_ok=True)
    else:
        os.makedirs(os.path.dirname(target), exist_ok=True)
        with open(target, "a"):
            pass
    mount(source, target, None, MS_BIND | MS_REC)
    mount(None, target, None, MS_REMOUNT | MS_BIND | MS_RDONLY | _locked_flags(source))


def _top_level(paths: list[str]) -> list[str]:
    """Drop paths that lie inside another path of the list; keep order by depth."""
    out: list[str] = []
    for path in sorted({os.path.normpath(p) for p in paths}, key=lambda p: (p.count("/"), p)):
        if not any(path == kept or path.startswith(kept.rstrip("/") + "/") for kept in out):
            out.append(path)
    return out


def _tmp_skeletons(paths: list[str]) -> list[str]:
    """First folders below /tmp that lead to (but are not) read-only paths.

    >>> _tmp_skeletons(["/usr", "/tmp/clone/.venv", "/tmp/clone/src", "/tmp/venv"])
    ['/tmp/clone']
    """
    folders = {"/tmp/" + path[len("/tmp/"):].split("/")[0]
               for path in paths if path.startswith("/tmp/")}
    return sorted(folder for folder in folders if folder not in paths)


def _chown_tree(path: str, uid: int, gid: int) -> None:
    os.chown(path, uid, gid)
    for base, dirs, files in os.walk(path):
        for name in dirs + files:
            os.lchown(os.path.join(base, name), uid, gid)


def _copy_workdir(source: str, target: str) -> None:
    """Copy the kernel's working directory (regular files and folders only)."""
    os.makedirs(target, exist_ok=True)
    for entry in os.scandir(source):
        if entry.is_symlink():
            continue
        dest = os.path.join(target, entry.name)
        if entry.is_dir():
            _copy_workdir(entry.path, dest)
        elif entry.is_file():
            shutil.copyfile(entry.path, dest)


def build_root(spec: dict) -> str:
    """Build the jail's root file system under ``spec["root_dir"]``; return it.

    Runs in the new mount namespace, as PID 1 of the new PID namespace.
    """
    root = spec["root_dir"]
    scratch = f"size={int(spec['scratch_mb'])}m"
    mount(None, "/", None, MS_REC | MS_PRIVATE)
    os.makedirs(root, exist_ok=True)
    mount("tmpfs", root, "tmpfs", MS_NOSUID | MS_NODEV, "size=16m,mode=0755")
    readonly = _top_level(spec["readonly"])
    # The private /tmp comes first: a read-only path below /tmp (a checkout or a venv in
    # /tmp) is then bound on top of it instead of being hidden by it. The folders that
    # lead to such a path get a small tmpfs of their own, made read-only below.
    os.makedirs(root + "/tmp", exist_ok=True)
    mount("tmpfs", root + "/tmp", "tmpfs", MS_NOSUID | MS_NODEV, f"{scratch},mode=1777")
    skeletons = _tmp_skeletons(readonly)
    for folder in skeletons:
        os.makedirs(root + folder, exist_ok=True)
        mount("tmpfs", root + folder, "tmpfs", MS_NOSUID | MS_NODEV, "size=1m,mode=0755")
    for path in readonly:
        if os.path.islink(path):
            target = root + path
            os.makedirs(os.path.dirname(target), exist_ok=True)
            os.symlink(os.readlink(path), target)
        elif os.path.exists(path):
            _bind_readonly(path, root + path)
    dev = root + "/dev"
    os.makedirs(dev, exist_ok=True)
    mount("tmpfs", dev, "tmpfs", MS_NOSUID | MS_NOEXEC, "size=64k,mode=0755")
    for name in DEVICES:
        node = f"{dev}/{name}"
        with open(node, "a"):
            pass
        mount(f"/dev/{name}", node, None, MS_BIND)
    for name, target in (("fd", "/proc/self/fd"), ("stdin", "/proc/self/fd/0"),
                         ("stdout", "/proc/self/fd/1"), ("stderr", "/proc/self/fd/2")):
        os.symlink(target, f"{dev}/{name}")
    os.makedirs(f"{dev}/shm")
    mount("tmpfs", f"{dev}/shm", "tmpfs", MS_NOSUID | MS_NODEV, f"{scratch},mode=1777")
    os.makedirs(root + "/proc", exist_ok=True)
    try:
        mount("proc", root + "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC)
    except JailError:
        pass  # some containers forbid a new /proc; Python runs without it
    workdir = spec["workdir"]
    inside = root + workdir
    os.makedirs(inside, exist_ok=True)
    in_skeleton = any((workdir + "/").startswith(folder + "/") for folder in skeletons)
    if in_skeleton or not (workdir + "/").startswith("/tmp/"):
        mount("tmpfs", inside, "tmpfs", MS_NOSUID | MS_NODEV, f"{scratch},mode=0755")
    _copy_workdir(workdir, inside)
    for path in spec.get("bind_rw", []):
        os.makedirs(root + path, exist_ok=True)
        mount(path, root + path, None, MS_BIND)
    # The skeletons (folders leading to the bound paths) become read-only; /tmp, /dev/shm
    # and the working copy are separate mounts and stay writable.
    for folder in skeletons:
        mount(None, root + folder, None, MS_REMOUNT | MS_NOSUID | MS_NODEV | MS_RDONLY,
              "size=1m,mode=0755")
    mount(None, root, None, MS_REMOUNT | MS_NOSUID | MS_NODEV | MS_RDONLY, "size=16m,mode=0755")
    return root


def kernel_env(spec: dict) -> dict[str, str]:
    """The kernel's environment: scrubbed, with a private home and one BLAS thread."""
    home = spec["home"]
    env = {key: os.environ[key] for key in PASS_ENV if key in os.environ}
    env.update({
        "PATH": os.pathsep.join([os.path.dirname(spec["python"]), "/usr/local/bin",
                                 "/usr/bin", "/bin"]),
        "HOME": home, "USER": "student", "LOGNAME": "student",
        "TMPDIR": spec["tmpdir"], "IPYTHONDIR": f"{home}/.ipython",
        "MPLCONFIGDIR": f"{home}/.matplotlib", "JUPYTER_RUNTIME_DIR": f"{home}/.runtime",
        "JUPYTER_PLATFORM_DIRS": "1", "PYTHONDONTWRITEBYTECODE": "1",
        "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1",
        "MALLOC_ARENA_MAX": "2", "LANG": env.get("LANG", "C.UTF-8"),
    })
    env.update(spec.get("env", {}))
    return env


def set_limits(limits: dict) -> None:
    """Apply resource limits; each soft limit gets a slightly higher hard limit."""
    for name, value in limits.items():
        which = getattr(resource, name)
        if value is None:
            continue
        value = int(value)
        hard = value + 5 if which == resource.RLIMIT_CPU else value
        resource.setrlimit(which, (value, hard))


def _prepare_home(spec: dict, uid: int, gid: int, root: str) -> None:
    home = root + spec["home"]
    os.makedirs(home + "/.matplotlib", exist_ok=True)
    for cache in spec.get("mpl_cache", []):
        if os.path.isfile(cache):
            shutil.copyfile(cache, os.path.join(home, ".matplotlib", os.path.basename(cache)))
    tmpdir = root + spec["tmpdir"]
    os.makedirs(tmpdir, exist_ok=True)
    if uid >= 0:
        _chown_tree(home, uid, gid)
        os.chown(tmpdir, uid, gid)


def child(spec: dict, argv: list[str], connection: str) -> None:
    """Set up the jail and ``exec`` the kernel (never returns)."""
    mode = spec["mode"]
    uid, gid = int(spec.get("uid", -1)), int(spec.get("gid", -1))
    root = ""
    if mode == "namespaces":
        root = build_root(spec)
    workdir = spec["workdir"]
    _prepare_home(spec, uid, gid, root)
    conn_path = (root or "") + CONNECTION_FILE if mode == "namespaces" else \
        os.path.join(spec["home"], ".kernel-connection.json")
    with open(conn_path, "w") as handle:
        handle.write(connection)
    os.chmod(conn_path, 0o600)
    if uid >= 0:
        os.chown(conn_path, uid, gid)
        if mode == "namespaces":
            _chown_tree(root + workdir, uid, gid)
        else:
            os.chown(workdir, uid, gid)
    if mode == "namespaces":
        os.chdir(root)
        os.chroot(root)
        conn_path = CONNECTION_FILE
    os.chdir(workdir)
    set_limits(spec["limits"])
    prctl(PR_SET_NO_NEW_PRIVS, 1)
    if uid >= 0:
        os.setgroups([])
        os.setgid(gid)
        os.setuid(uid)
    if mode == "namespaces":
        prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    signal.signal(signal.SIGINT, signal.SIG_DFL)
    argv = [conn_path if arg == "{connection_file}" else arg for arg in argv]
    os.execve(argv[0], argv, kernel_env(spec))


def _write_id_maps(uid: int, gid: int) -> None:
    with open("/proc/self/setgroups", "w") as handle:
        handle.write("deny")
    with open("/proc/self/uid_map", "w") as handle:
        handle.write(f"{uid} {uid} 1")
    with open("/proc/self/gid_map", "w") as handle:
        handle.write(f"{gid} {gid} 1")


def main(argv: list[str] | None = None) -> int:
    """Entry point: ``jail SPEC CONNECTION_FILE -- KERNEL_ARGV...``."""
    argv = list(sys.argv[1:] if argv is None else argv)
    if len(argv) < 4 or argv[2] != "--":
        print("usage: python -m aimed.grading.jail SPEC CONNECTION_FILE -- KERNEL...",
              file=sys.stderr)
        return 2
    with open(argv[0]) as handle:
        spec = json.load(handle)
    with open(argv[1]) as handle:
        connection = handle.read()
    kernel_argv = argv[3:]
    mode = spec["mode"]
    if mode != "namespaces":
        try:
            child(spec, kernel_argv, connection)
        except Exception as exc:  # noqa: BLE001 - report why the kernel cannot start
            print(f"aimed jail: {exc}", file=sys.stderr)
            return 70
    # Die with whoever started us (the grading worker), so no jail outlives it.
    prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    flags = CLONE_NEWNS | CLONE_NEWPID | CLONE_NEWIPC
    if spec.get("network") == "none":
        flags |= CLONE_NEWNET
    euid, egid = os.geteuid(), os.getegid()
    if euid != 0:
        flags |= CLONE_NEWUSER
    unshare(flags)
    if euid != 0:
        _write_id_maps(euid, egid)
    group = _memory_group(spec)
    # SIGINT reaches the kernel directly (same process group); we must survive it.
    signal.signal(signal.SIGINT, lambda *_: None)
    ready, go = os.pipe()
    pid = os.fork()
    if pid == 0:
        try:
            os.close(go)
            os.read(ready, 1)  # wait until the parent has put us in the memory group
            os.close(ready)
            child(spec, kernel_argv, connection)
        except BaseException as exc:  # noqa: BLE001 - any failure must end the child
            print(f"aimed jail: {exc}", file=sys.stderr)
            os._exit(70)
    os.close(ready)
    if group:
        try:
            cgroup.add(group, pid)
        except OSError as exc:
            print(f"aimed jail: memory cap not applied: {exc}", file=sys.stderr)
    os.write(go, b"1")
    os.close(go)

    def on_term(*_: object) -> None:
        # Asked to stop (the kernel manager's shutdown): end the kernel, then clean up.
        try:
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
        except OSError:
            pass
        if group:
            cgroup.remove(group)
        os._exit(143)

    signal.signal(signal.SIGTERM, on_term)
    while True:
        try:
            _, status = os.waitpid(pid, 0)
            break
        except InterruptedError:
            continue
    if group:
        cgroup.remove(group)
    return os.waitstatus_to_exitcode(status) if os.WIFEXITED(status) else \
        128 + os.WTERMSIG(status)


def _memory_group(spec: dict) -> str:
    """Create this kernel's memory group (see :mod:`aimed.grading.cgroup`), or return ''."""
    where = spec.get("memory_cgroup")
    if not where:
        return ""
    version, parent, name = where
    try:
        return cgroup.create(version, parent, name, int(spec["limits"]["RLIMIT_AS"]))
    except OSError as exc:
        print(f"aimed jail: memory cap not applied: {exc}", file=sys.stderr)
        return ""


if __name__ == "__main__":  # pragma: no cover - run as a program
    code = main()
    sys.stdout.flush()
    os._exit(code if code >= 0 else 128 - code)
