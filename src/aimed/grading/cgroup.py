"""A memory cap for one graded kernel and everything it starts (Linux control groups).

``RLIMIT_AS`` caps the address space of *each* process; a notebook that starts several
processes can still use several times that much memory together. A memory control
group caps them all at once: the kernel's memory controller kills a process of the
group when the group's total goes over the cap.

The jail (:mod:`aimed.grading.jail`, which must stay light) uses these functions: it
creates one group per kernel below the grader's own memory group, moves the kernel
into it before the kernel runs, and removes the group when the kernel has ended.
Both cgroup v2 (``memory.max``) and the v1 memory hierarchy (``memory.limit_in_bytes``)
are supported; without a writable memory hierarchy (a normal user, most containers)
:func:`memory_parent` returns ``None`` and only ``RLIMIT_AS`` applies.

See the kernel's documentation, ``Documentation/admin-guide/cgroup-v2.rst`` (memory
controller, ``memory.max``) and ``Documentation/admin-guide/cgroup-v1/memory.rst``.
"""

from __future__ import annotations

import errno
import os
import time

__all__ = ["add", "create", "memory_parent", "remove"]

ROOT = "/sys/fs/cgroup"


def _own_groups(text: str) -> dict[str, str]:
    """Map controller name to this process's group path, from ``/proc/self/cgroup``.

    >>> _own_groups("4:memory:/ci/job\\n0::/user.slice\\n")
    {'memory': '/ci/job', '': '/user.slice'}
    """
    groups: dict[str, str] = {}
    for line in text.splitlines():
        parts = line.split(":", 2)
        if len(parts) == 3:
            for name in parts[1].split(","):
                groups[name] = parts[2]
    return groups


def _probe_child(parent: str, limit_file: str) -> bool:
    """Whether a group with a memory limit can be created (and removed) below ``parent``."""
    path = os.path.join(parent, f"aimed-probe-{os.getpid()}")
    try:
        os.mkdir(path)
    except OSError:
        return False
    try:
        return os.access(os.path.join(path, limit_file), os.W_OK)
    finally:
        try:
            os.rmdir(path)
        except OSError:
            pass


def memory_parent() -> tuple[str, str] | None:
    """Where this process may create memory-capped groups: ``(version, folder)`` or None.

    ``version`` is ``"v2"`` or ``"v1"``. The folder is this process's own memory group,
    so a kernel's group nests inside whatever limits the grader itself runs under.
    """
    try:
        with open("/proc/self/cgroup") as handle:
            groups = _own_groups(handle.read())
    except OSError:
        return None
    if "memory" in groups:
        parent = os.path.join(ROOT, "memory", groups["memory"].lstrip("/"))
        if _probe_child(parent, "memory.limit_in_bytes"):
            return "v1", parent
    if "" in groups:
        for mount in (ROOT, os.path.join(ROOT, "unified")):
            parent = os.path.join(mount, groups[""].lstrip("/"))
            try:
                with open(os.path.join(parent, "cgroup.subtree_control")) as handle:
                    enabled = handle.read().split()
            except OSError:
                continue
            if "memory" in enabled and _probe_child(parent, "memory.max"):
                return "v2", parent
    return None


def create(version: str, parent: str, name: str, limit_bytes: int) -> str:
    """Create the group ``parent/name`` capped at ``limit_bytes`` of memory; return its path.

    Swap is capped too where the hierarchy allows it, so the cap cannot be dodged by
    swapping out.

    Raises
    ------
    ValueError
        If ``version`` is not ``"v1"`` or ``"v2"`` or ``limit_bytes`` is not positive.
    OSError
        If the group cannot be created or limited.
    """
    if version not in ("v1", "v2"):
        raise ValueError(f"version must be 'v1' or 'v2', got {version!r}")
    if int(limit_bytes) <= 0:
        raise ValueError(f"limit_bytes must be positive, got {limit_bytes!r}")
    path = os.path.join(parent, name)
    os.mkdir(path)
    try:
        if version == "v2":
            _write(path, "memory.max", limit_bytes)
            _write(path, "memory.swap.max", 0, optional=True)
        else:
            _write(path, "memory.limit_in_bytes", limit_bytes)
            _write(path, "memory.memsw.limit_in_bytes", limit_bytes, optional=True)
    except OSError:
        remove(path)
        raise
    return path


def add(path: str, pid: int) -> None:
    """Move process ``pid`` (and its threads) into the group at ``path``."""
    _write(path, "cgroup.procs", pid)


def remove(path: str, *, wait_s: float = 2.0) -> bool:
    """Remove the group at ``path`` once its processes are gone; True when removed."""
    deadline = time.monotonic() + wait_s
    while True:
        try:
            os.rmdir(path)
            return True
        except FileNotFoundError:
            return True
        except OSError as exc:
            if exc.errno != errno.EBUSY or time.monotonic() > deadline:
                return False
            time.sleep(0.02)


def _write(path: str, name: str, value: int, *, optional: bool = False) -> None:
    try:
        with open(os.path.join(path, name), "w") as handle:
            handle.write(str(int(value)))
    except OSError:
        if not optional:
            raise
