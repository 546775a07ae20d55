"""Measure what a sandboxed grading kernel can see and do (run as a script).

Usage::

    python sandbox_probe.py WORKDIR MODE PATH [PATH ...]

Starts one kernel exactly as grading does (:class:`SandboxKernelManager`, working
directory WORKDIR, isolation MODE or ``auto``), runs one cell that tries to read and
write each PATH, and prints a JSON object: the isolation mode, the kernel's uid, what
it could read and write, the processes it can see, its resource limits and the
environment variables it received, whether it could connect to
``127.0.0.1:$AIMED_PROBE_PORT`` (when that is set) and its control groups.
"""

from __future__ import annotations

import json
import os
import sys

CELL = r'''
import json, os, resource, tempfile

def _read(path):
    try:
        if os.path.isdir(path):
            os.listdir(path)
        else:
            with open(path, "rb") as handle:
                handle.read(1)
        return True
    except OSError:
        return False

def _connect(port):
    import socket
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=3) as sock:
            sock.sendall(b"hidden-test-inputs")
        return True
    except OSError:
        return False

def _write(path):
    target = os.path.join(path, ".probe-write") if os.path.isdir(path) else path + ".probe"
    try:
        with open(target, "w") as handle:
            handle.write("x")
        os.unlink(target)
        return True
    except OSError:
        return False

_paths = json.loads(PATHS)
_facts = {
    "uid": os.getuid(),
    "cwd": os.getcwd(),
    "read": {p: _read(p) for p in _paths},
    "write": {p: _write(p) for p in _paths},
    "pids": sorted(int(x) for x in os.listdir("/proc") if x.isdigit())
            if os.path.isdir("/proc") else None,
    "limits": {name: list(resource.getrlimit(getattr(resource, name)))
               for name in ("RLIMIT_AS", "RLIMIT_CPU", "RLIMIT_FSIZE", "RLIMIT_NPROC")},
    "env": sorted(os.environ),
    "tmp": tempfile.gettempdir(),
    "cwd_writable": _write(os.getcwd()),
    "connect": _connect(PORT) if PORT else None,
    "cgroup": open("/proc/self/cgroup").read() if os.path.exists("/proc/self/cgroup") else "",
}
print("FACTS" + json.dumps(_facts))
'''


def main(argv: list[str]) -> int:
    from nbclient import NotebookClient
    from nbformat.v4 import new_code_cell, new_notebook

    from aimed.grading.sandbox import SandboxKernelManager, probe

    workdir, mode, *paths = argv
    isolation = probe(force_mode=None if mode == "auto" else mode)
    port = int(os.environ.get("AIMED_PROBE_PORT", "0"))
    source = f"PATHS = {json.dumps(json.dumps(paths))}\nPORT = {port}\n" + CELL
    nb = new_notebook(cells=[new_code_cell(source)])
    client = NotebookClient(nb, kernel_name="python3", timeout=120,
                            kernel_manager_class=SandboxKernelManager,
                            resources={"metadata": {"path": workdir}})
    client.km = client.create_kernel_manager()
    client.km.mode = isolation.mode
    client.km.network = isolation.network
    client.km.memory_group = isolation.memory_group
    client.execute()
    text = "".join(o.get("text", "") for o in nb.cells[0].outputs)
    facts = json.loads(text.split("FACTS", 1)[1])
    facts["mode"] = isolation.mode
    facts["network_isolated"] = isolation.network
    facts["memory_group"] = isolation.memory_group
    facts["describe"] = isolation.describe()
    print(json.dumps(facts))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
