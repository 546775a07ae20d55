"""The grading sandbox: resource limits, isolation probe and a jailed kernel manager.

:class:`SandboxKernelManager` is a jupyter_client kernel manager that nbgrader's
``Execute`` preprocessor uses through configuration only
(``Execute.kernel_manager_class``). It starts every kernel through
:mod:`aimed.grading.jail`, with the limits of :class:`Limits` and the strongest
isolation mode that :func:`probe` finds on this machine (see the jail's docstring for
what each mode guarantees).
"""

from __future__ import annotations

import json
import os
import shutil
import stat
import subprocess
import sys
import tempfile
import threading
import uuid
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import ClassVar

from jupyter_client.manager import AsyncKernelManager
from traitlets import Bool, Dict, Int, Unicode

__all__ = [
    "Isolation",
    "Limits",
    "SandboxKernelManager",
    "harden_course",
    "probe",
    "readonly_paths",
    "sandbox_base",
]

GIB = 1024**3
MB = 1000**2

#: First uid used for sandboxed kernels when grading as root (worker k gets base + k).
#: 64000-64999 is a range Debian leaves unallocated ("created on demand"), so no real
#: account owns these uids. Override with ``AIMED_SANDBOX_UID_BASE``.
DEFAULT_UID_BASE = 64000
#: Group of sandboxed kernels when grading as root (Debian's ``nogroup``).
NOGROUP = 65534
MODES = ("namespaces", "uid", "none")


@dataclass(frozen=True)
class Limits:
    """Resource limits of one graded notebook.

    Parameters
    ----------
    memory_bytes : int
        Address-space limit of the kernel process (``RLIMIT_AS``), bytes. Default 2 GiB.
    cpu_seconds : int
        CPU time of the kernel process (``RLIMIT_CPU``), s. Default 120.
    file_bytes : int
        Largest file the kernel may write (``RLIMIT_FSIZE``), bytes. Default 50 MB.
    processes : int
        Processes and threads of the kernel's user (``RLIMIT_NPROC``). Default 64.
    cell_timeout : int
        Wall time one cell may run before it is interrupted, s. Default 60.
    notebook_timeout : int
        Wall time one notebook may take from kernel start to the last cell, s; the
        kernel is then killed. Default 600.
    scratch_mb : int
        Size of the kernel's private ``/tmp`` and working directory (each), MB.
        Default 256. Only enforced in the ``namespaces`` mode.
    """

    memory_bytes: int = 2 * GIB
    cpu_seconds: int = 120
    file_bytes: int = 50 * MB
    processes: int = 64
    cell_timeout: int = 60
    notebook_timeout: int = 600
    scratch_mb: int = 256

    _MINIMUM: ClassVar[dict[str, int]] = {
        "memory_bytes": 256 * 1024**2, "cpu_seconds": 1, "file_bytes": 1, "processes": 16,
        "cell_timeout": 1, "notebook_timeout": 1, "scratch_mb": 1}

    def __post_init__(self) -> None:
        for name, low in self._MINIMUM.items():
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < low:
                raise ValueError(f"{name} must be an integer >= {low}, got {value!r}")

    def rlimits(self, *, extra_processes: int = 0) -> dict[str, int]:
        """The limits as ``resource`` names (for the jail spec)."""
        return {"RLIMIT_AS": self.memory_bytes, "RLIMIT_CPU": self.cpu_seconds,
                "RLIMIT_FSIZE": self.file_bytes,
                "RLIMIT_NPROC": self.processes + extra_processes, "RLIMIT_CORE": 0}


@dataclass
class Isolation:
    """What the sandbox can guarantee on this machine, as measured by :func:`probe`.

    Attributes
    ----------
    mode : str
        ``"namespaces"``, ``"uid"`` or ``"none"`` (see :mod:`aimed.grading.jail`).
    as_root : bool
        Whether grading runs as root (the kernel then runs as an unprivileged uid).
    notes : list of str
        Why a stronger mode is not available.
    network : bool
        Whether kernels get a network namespace of their own (no connection to the host
        or anywhere else; only in the ``"namespaces"`` mode).
    memory_group : bool
        Whether a kernel and all it starts share one memory cap (a control group), on
        top of the per-process address-space limit.
    """

    mode: str
    as_root: bool
    notes: list[str] = field(default_factory=list)
    network: bool = False
    memory_group: bool = False

    def describe(self) -> list[str]:
        """Plain sentences for the report: what holds and what does not."""
        if self.mode == "namespaces":
            who = ("an unprivileged uid (64000 + worker number, group nogroup)" if self.as_root
                   else "your own uid inside a user namespace, without capabilities")
            lines = [
                f"Kernels run as {who}, as PID 1 of their own PID namespace: they cannot see "
                "or signal other processes, and everything they start dies with them.",
                "Kernels see a private root file system: read-only system and Python "
                "folders, a private /tmp and working copy (size-limited). exercises/, the "
                "course directory (gradebook, source/, other students' files), the "
                "repository's .git and tests/ and your home folder are not visible.",
            ]
        elif self.mode == "uid":
            lines = [
                "Kernels run as an unprivileged uid, but without namespaces: file "
                "permissions alone protect exercises/ and the course directory "
                "(aimed grade removes group and other access from them).",
                "Kernels can see the machine's processes and world-readable files.",
            ]
        else:
            lines = [
                "NO ISOLATION: kernels run with your own rights. Graded code can read "
                "exercises/ and the course's source/, write the gradebook and other "
                "students' files. Only the resource limits, the static scan, the trusted "
                "test helpers and the canary checks apply. Grade as root, or enable "
                "unprivileged user namespaces, for isolation.",
            ]
        if self.network:
            lines.append("Kernels have no network: they run in a network namespace of "
                         "their own, with no usable interface, and talk to the grader through "
                         "Unix sockets. Graded code cannot connect to this machine (its "
                         "127.0.0.1 included) or to any other.")
        else:
            lines.append("NO NETWORK ISOLATION: graded code can open connections, to this "
                         "machine's local services (127.0.0.1) and beyond, and could send "
                         "the hidden tests' inputs elsewhere.")
        if self.memory_group:
            lines.append("Memory: each kernel and every process it starts share one cap "
                         "(a memory control group) of the address-space limit.")
        else:
            lines.append("Memory is capped per process only (address-space limit): no "
                         "memory control group can be created here.")
        lines.append("Resource limits (address space, CPU time, file size, processes) "
                     "apply in every mode.")
        return lines + self.notes


def sandbox_base() -> Path:
    """The folder holding grading sandboxes: ``$AIMED_SANDBOX_DIR`` or a temp folder.

    It lies outside the course tree, belongs to the grading user and is not listable
    by others (mode 0711).
    """
    configured = os.environ.get("AIMED_SANDBOX_DIR")
    base = Path(configured) if configured else \
        Path(tempfile.gettempdir()) / f"aimed-grading-{os.geteuid()}"
    base.mkdir(parents=True, exist_ok=True)
    info = base.lstat()
    if stat.S_ISLNK(info.st_mode) or info.st_uid != os.geteuid():
        raise ValueError(f"AIMED_SANDBOX_DIR {base} must be a folder owned by you, not a link")
    base.chmod(0o711)
    return base.resolve()


def readonly_paths() -> list[str]:
    """Host paths the jailed kernel sees read-only: system folders and Python's."""
    import aimed

    package = Path(aimed.__file__).resolve().parent
    # Where aimed.data finds its files (see aimed.data._registry.datasets_root): inside
    # an installed wheel, or the repository's datasets/ in a source checkout. Computed
    # here so that starting a kernel does not import aimed.data (a second).
    root = package / "datasets"
    if not root.is_dir():
        root = package.parents[1] / "datasets"
    paths = ["/usr", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32", "/etc"]
    paths += [sys.base_prefix, sys.prefix, os.path.dirname(os.path.realpath(sys.executable))]
    paths.append(str(package.parent))
    if root.is_dir():
        paths.append(str(root.resolve()))
    for entry in sys.path:
        # Keep site-packages style folders (and .pth additions) but never a bare
        # repository or working directory, which may hold solutions.
        if entry and os.path.isdir(entry) and ("-packages" in entry or "/lib/python" in entry):
            paths.append(os.path.realpath(entry))
    return sorted({os.path.realpath(p) if not os.path.islink(p) else p for p in paths})


def _jail_command(spec_path: str, connection: str, kernel_argv: list[str]) -> list[str]:
    return [sys.executable, "-m", "aimed.grading.jail", spec_path, connection, "--",
            *kernel_argv]


def build_spec(mode: str, *, workdir: str, limits: Limits, state_dir: str, slot: int = 0,
               mpl_cache: list[str] | None = None, network: bool = False,
               memory_group: bool = False) -> dict:
    """The jail spec for one kernel (see :mod:`aimed.grading.jail`).

    ``network=True`` isolates the kernel's network (``"namespaces"`` mode only); the
    kernel then needs the ``ipc`` transport, in the folder :func:`ipc_dir` of
    ``state_dir``. ``memory_group=True`` caps the memory of the kernel and all it
    starts together, where :func:`aimed.grading.cgroup.memory_parent` finds a place.
    """
    as_root = os.geteuid() == 0
    uid, gid = _kernel_ids(slot) if mode in ("namespaces", "uid") else (-1, -1)
    extra = 0
    if not as_root:
        # RLIMIT_NPROC counts every process of the uid; when the kernel keeps the
        # grader's uid, the limit must leave room for the processes already running.
        extra = _processes_of(os.geteuid())
    if mode == "namespaces":
        home, tmpdir = "/tmp/home", "/tmp"
    else:
        home = os.path.join(state_dir, f"home-{os.getpid()}-{threading.get_ident()}")
        tmpdir = os.path.join(home, "tmp")
    isolated = network and mode == "namespaces"
    group = _memory_parent() if memory_group and mode == "namespaces" else None
    return {
        "mode": mode, "uid": uid, "gid": gid, "workdir": workdir, "home": home,
        "tmpdir": tmpdir, "root_dir": os.path.join(state_dir, "root"),
        "readonly": readonly_paths(), "scratch_mb": limits.scratch_mb,
        "limits": limits.rlimits(extra_processes=extra), "python": sys.executable,
        "mpl_cache": list(mpl_cache or []),
        "network": "none" if isolated else "host",
        "bind_rw": [ipc_dir(state_dir, uid, gid)] if isolated else [],
        # [version, parent folder, this kernel's group]: the jail creates and removes the
        # group; the kernel manager removes it too, in case the jail was killed.
        "memory_cgroup": [*group, f"aimed-kernel-{uuid.uuid4().hex[:12]}"] if group else None,
    }


#: Longest path of a Unix socket (``sun_path`` holds 108 bytes with its final NUL);
#: jupyter_client adds ``-N`` to the ipc folder's ``kernel`` prefix.
_SOCKET_PATH_MAX = 100


def ipc_dir(state_dir: str, uid: int = -1, gid: int = -1) -> str:
    """The folder of a kernel's ZeroMQ ``ipc`` sockets, created for the kernel's uid.

    It is ``STATE/ipc`` when that path is short enough for Unix sockets; below a deep
    ``AIMED_SANDBOX_DIR`` it is a short folder of the temporary directory named after
    ``state_dir`` (the same folder on every call; :func:`remove_ipc_dir` removes it).

    Raises
    ------
    ValueError
        If even the short folder is too long for a Unix socket, or is not ours.
    """
    path = os.path.join(os.path.realpath(state_dir), "ipc")
    if len(path) + len("/kernel-99") > _SOCKET_PATH_MAX:
        path = _short_ipc_dir(state_dir)
        if len(path) + len("/kernel-99") > _SOCKET_PATH_MAX:
            raise ValueError(f"the temporary folder {tempfile.gettempdir()} is too deep for "
                             f"Unix sockets (at most {_SOCKET_PATH_MAX - 10} characters): set "
                             "a shorter TMPDIR or AIMED_SANDBOX_DIR")
    os.makedirs(os.path.dirname(path), exist_ok=True)
    try:
        os.mkdir(path, mode=0o700)
    except FileExistsError:
        info = os.lstat(path)
        if stat.S_ISLNK(info.st_mode) or not stat.S_ISDIR(info.st_mode) or \
                info.st_uid not in (os.geteuid(), uid):
            raise ValueError(f"{path} exists and is not a folder of the grader's") from None
    if uid >= 0:
        os.chown(path, uid, gid)
    return path


def _short_ipc_dir(state_dir: str) -> str:
    import hashlib

    digest = hashlib.sha256(os.path.realpath(state_dir).encode()).hexdigest()[:16]
    return os.path.join(tempfile.gettempdir(), f"aimed-ipc-{digest}")


def remove_ipc_dir(state_dir: str) -> None:
    """Remove the short socket folder that :func:`ipc_dir` may have made for ``state_dir``."""
    shutil.rmtree(_short_ipc_dir(state_dir), ignore_errors=True)


_MEMORY_PARENT: list = []


def _memory_parent() -> tuple[str, str] | None:
    """:func:`aimed.grading.cgroup.memory_parent`, looked up once per process."""
    if not _MEMORY_PARENT:
        from aimed.grading import cgroup

        _MEMORY_PARENT.append(cgroup.memory_parent() if os.geteuid() == 0 else None)
    return _MEMORY_PARENT[0]


def _kernel_ids(slot: int) -> tuple[int, int]:
    """The (uid, gid) a kernel drops to when grading as root; (-1, -1) otherwise."""
    if os.geteuid() != 0:
        return -1, -1
    return int(os.environ.get("AIMED_SANDBOX_UID_BASE", DEFAULT_UID_BASE)) + slot, NOGROUP


def _processes_of(uid: int) -> int:
    """Count the threads of ``uid`` (what ``RLIMIT_NPROC`` counts); 0 without /proc."""
    count = 0
    if not os.path.isdir("/proc"):
        return count
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            if entry.stat().st_uid == uid:
                count += len(os.listdir(f"/proc/{entry.name}/task"))
        except OSError:
            continue
    return count


_PROBE: dict[tuple, Isolation] = {}


def probe(limits: Limits | None = None, *, force_mode: str | None = None) -> Isolation:
    """Find the strongest isolation mode that works here by starting a test jail.

    Each mode is tried by running Python inside a real jail (importing numpy and
    aimed), so a mode is only chosen when a kernel can actually start in it.

    Parameters
    ----------
    limits : Limits, optional
        The limits to test with.
    force_mode : str, optional
        Use this mode without trying stronger ones (``"none"`` disables isolation).
        ``$AIMED_SANDBOX_MODE`` has the same effect.

    Raises
    ------
    ValueError
        If ``force_mode`` is not one of ``"namespaces"``, ``"uid"``, ``"none"``.
    """
    force_mode = force_mode or os.environ.get("AIMED_SANDBOX_MODE") or None
    if force_mode is not None and force_mode not in MODES:
        raise ValueError(f"sandbox mode must be one of {MODES}, got {force_mode!r}")
    limits = limits or Limits()
    key = (force_mode, limits, os.geteuid())
    if key in _PROBE:
        return _PROBE[key]
    as_root = os.geteuid() == 0
    notes: list[str] = []
    candidates = [force_mode] if force_mode else (
        ["namespaces", "uid", "none"] if as_root else ["namespaces", "none"])
    if not sys.platform.startswith("linux"):
        candidates = ["none"]
        notes.append(f"The jail needs Linux; this is {sys.platform}.")
    chosen, network = "none", False
    for mode in candidates:
        if mode == "none":
            break
        ok, why = _try_mode(mode, limits, network=mode == "namespaces")
        if ok:
            chosen, network = mode, mode == "namespaces"
            break
        if mode == "namespaces" and _try_mode(mode, limits, network=False)[0]:
            chosen = mode
            notes.append(f"No network namespace for kernels here: {why}")
            break
        notes.append(f"Mode {mode!r} is not available here: {why}")
    memory = chosen == "namespaces" and _memory_parent() is not None
    result = Isolation(chosen, as_root, notes, network=network, memory_group=memory)
    _PROBE[key] = result
    return result


def _try_mode(mode: str, limits: Limits, *, network: bool = False) -> tuple[bool, str]:
    state = tempfile.mkdtemp(prefix="probe-", dir=sandbox_base())
    try:
        workdir = os.path.join(state, "work")
        os.makedirs(workdir)
        os.chmod(state, 0o711)
        spec = build_spec(mode, workdir=workdir, limits=limits, state_dir=state,
                          network=network)
        spec_path = os.path.join(state, "spec.json")
        Path(spec_path).write_text(json.dumps(spec))
        conn = os.path.join(state, "conn.json")
        Path(conn).write_text("{}")
        code = ("import os, sys, numpy, aimed.grading.guard; "
                "assert os.getcwd() == sys.argv[1]; open('probe.txt', 'w').write('ok')")
        cmd = _jail_command(spec_path, conn, [sys.executable, "-c", code, workdir])
        done = subprocess.run(cmd, capture_output=True, text=True, timeout=120, check=False,
                              cwd=workdir)
        if done.returncode != 0:
            lines = (done.stderr or done.stdout).strip().splitlines()
            return False, lines[-1] if lines else f"exit status {done.returncode}"
        return True, ""
    except (OSError, subprocess.SubprocessError, ValueError) as exc:
        return False, str(exc)
    finally:
        shutil.rmtree(state, ignore_errors=True)
        remove_ipc_dir(state)


_MPL_CACHE: dict[str, str] = {}


def matplotlib_cache() -> str:
    """Build matplotlib's font list once per process and return the file.

    A jailed kernel starts with an empty home folder; without this file matplotlib
    would rebuild its font cache (seconds) in every graded notebook. The file is built
    by a fresh interpreter whose home is empty, so it lists only fonts the jail sees.
    Returns an empty string if it cannot be built.
    """
    if "path" in _MPL_CACHE:
        return _MPL_CACHE["path"]
    import hashlib
    from importlib.metadata import version

    key = hashlib.sha256(f"{sys.prefix}|{version('matplotlib')}".encode()).hexdigest()[:12]
    final = sandbox_base() / f"mplcache-{key}"
    found = sorted(final.glob("fontlist-*.json"))
    if found:
        _MPL_CACHE["path"] = str(found[0])
        return _MPL_CACHE["path"]
    folder = Path(tempfile.mkdtemp(prefix="mplcache-", dir=sandbox_base()))
    env = {"PATH": os.environ.get("PATH", ""), "HOME": str(folder), "MPLCONFIGDIR": str(folder)}
    done = subprocess.run([sys.executable, "-c", "import matplotlib.font_manager"], env=env,
                          capture_output=True, timeout=300, check=False)
    found = sorted(folder.glob("fontlist-*.json"))
    if done.returncode != 0 or not found:
        _MPL_CACHE["path"] = ""
        return ""
    try:
        folder.rename(final)  # atomic: of two concurrent runs, one keeps its identical file
    except OSError:
        shutil.rmtree(folder, ignore_errors=True)
    _MPL_CACHE["path"] = str(sorted(final.glob("fontlist-*.json"))[0])
    return _MPL_CACHE["path"]


class SandboxKernelManager(AsyncKernelManager):
    """A kernel manager that starts every kernel inside :mod:`aimed.grading.jail`.

    Configure it with ``c.Execute.kernel_manager_class = SandboxKernelManager``; the
    limits come from ``c.SandboxKernelManager.limits`` (a dict of :class:`Limits`
    fields) and the worker number from ``c.SandboxKernelManager.slot``.
    """

    limits = Dict({}, help="Fields of aimed.grading.sandbox.Limits").tag(config=True)
    slot = Int(0, help="Worker number (picks the kernel's uid when grading as root)").tag(
        config=True)
    mode = Unicode("", help="Isolation mode; empty means probe()").tag(config=True)
    mpl_cache = Unicode("", help="A matplotlib font cache file to copy into the jail").tag(
        config=True)
    network = Bool(True, help="With a configured mode: isolate the kernel's network "
                   "(namespaces mode only)").tag(config=True)
    memory_group = Bool(True, help="With a configured mode: one memory cap for the "
                        "kernel and all it starts, where possible").tag(config=True)

    def _isolation(self) -> tuple[str, bool, bool]:
        """(mode, network isolated, memory group) for the next kernel."""
        if self.mode:
            return self.mode, self.network, self.memory_group
        found = probe(Limits(**self.limits))
        return found.mode, found.network, found.memory_group

    async def _async_pre_start_kernel(self, **kw):
        # An isolated network has no TCP to the grader: ZeroMQ then uses Unix sockets in
        # a folder that the jail shares with the grader. Set before the connection file
        # is written (by the provisioner, in the parent's pre_start).
        mode, network, _ = self._isolation()
        if mode == "namespaces" and network:
            self.transport = "ipc"
            self.ip = os.path.join(ipc_dir(self._state_dir(), *_kernel_ids(self.slot)),
                                   "kernel")
        return await super()._async_pre_start_kernel(**kw)

    def _state_dir(self) -> str:
        if not getattr(self, "_aimed_state", None):
            self._aimed_state = tempfile.mkdtemp(prefix="kernel-", dir=sandbox_base())
            os.chmod(self._aimed_state, 0o700)
        return self._aimed_state

    async def _async_launch_kernel(self, kernel_cmd: list[str], **kw) -> None:
        limits = Limits(**self.limits)
        mode, network, memory_group = self._isolation()
        state = self._state_dir()
        workdir = os.path.realpath(kw.get("cwd") or os.getcwd())
        if mode != "namespaces" and os.geteuid() == 0:
            _open_path_for_uid(workdir)
        cache = self.mpl_cache or matplotlib_cache()
        spec = build_spec(mode, workdir=workdir, limits=limits, state_dir=state,
                          slot=self.slot, mpl_cache=[cache] if cache else [],
                          network=network and self.transport == "ipc",
                          memory_group=memory_group)
        spec_path = os.path.join(state, "spec.json")
        with open(os.open(spec_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), "w") as f:
            json.dump(spec, f)
        connection = os.path.realpath(self.connection_file)
        argv = [a if a != connection else "{connection_file}" for a in kernel_cmd]
        argv = _use_guarded_kernel(argv)
        self.aimed_spec = spec
        await super()._async_launch_kernel(_jail_command(spec_path, connection, argv), **kw)

    async def _async_cleanup_resources(self, restart: bool = False) -> None:
        await super()._async_cleanup_resources(restart=restart)
        group = (getattr(self, "aimed_spec", None) or {}).get("memory_cgroup")
        if group:
            from aimed.grading import cgroup

            cgroup.remove(os.path.join(group[1], group[2]))
        state = getattr(self, "_aimed_state", None)
        if state and not restart:
            shutil.rmtree(state, ignore_errors=True)
            remove_ipc_dir(state)
            self._aimed_state = None


def _use_guarded_kernel(argv: list[str]) -> list[str]:
    """Start :mod:`aimed.grading.kernel` (trusted bootstrap) instead of ipykernel."""
    out = list(argv)
    for i, arg in enumerate(out[:-1]):
        if arg == "-m" and out[i + 1] in ("ipykernel_launcher", "ipykernel"):
            out[i + 1] = "aimed.grading.kernel"
            break
    if out and os.path.basename(out[0]).startswith("python"):
        out[0] = sys.executable
    return out


def _open_path_for_uid(workdir: str) -> None:
    """Let an unprivileged kernel reach ``workdir``: traverse-only (0711) ancestors."""
    path = Path(workdir)
    base = sandbox_base()
    for parent in [path, *path.parents]:
        if parent == base.parent:
            break
        if parent.is_relative_to(base):
            parent.chmod(parent.stat().st_mode | 0o011)


def harden_course(paths: list[Path]) -> list[str]:
    """Remove group and other access from folders that must stay private.

    Used when kernels run as another uid without namespaces: ``exercises/``, the
    course directory and the repository's ``.git`` then rely on permissions.

    Returns
    -------
    list of str
        One line per folder whose permissions changed.
    """
    changed = []
    for path in paths:
        if not path.is_dir() or path.is_symlink():
            continue
        mode = stat.S_IMODE(path.stat().st_mode)
        if mode & 0o077:
            path.chmod(mode & 0o700)
            changed.append(f"{path}: {oct(mode)} -> {oct(mode & 0o700)}")
    return changed


def limits_dict(limits: Limits) -> dict:
    """The fields of ``limits`` as a plain dict (for traitlets configuration)."""
    return {k: v for k, v in asdict(limits).items() if not k.startswith("_")}
