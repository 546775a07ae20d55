"""A JupyterLab server and a headless Chromium, for browser tests of the course.

The server runs from the project's own virtual environment on 127.0.0.1 with a random
token, in a throwaway workspace prepared exactly as ``make lab`` prepares the learner's.
Chromium is Debian's (``/usr/bin/chromium``, or ``$AIMED_CHROMIUM``), driven by
Playwright without ``playwright install``.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from contextlib import closing
from pathlib import Path

CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-quic",
    "--no-first-run",
    "--disable-sync",
]
# Settings that keep JupyterLab quiet and offline during tests.
LAB_SETTINGS = {
    "@jupyterlab/apputils-extension/notification.jupyterlab-settings": {
        "fetchNews": "false",
        "checkForUpdates": False,
    },
}


def chromium_path() -> str | None:
    """Debian's Chromium, or the one named by ``$AIMED_CHROMIUM``."""
    for candidate in (os.environ.get("AIMED_CHROMIUM"), "/usr/bin/chromium",
                      "/usr/bin/chromium-browser"):
        if candidate and Path(candidate).exists():
            return candidate
    return None


def free_port() -> int:
    with closing(socket.socket(socket.AF_INET, socket.SOCK_STREAM)) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class LabServer:
    """Start ``jupyter lab`` on a workspace folder; stop it on exit."""

    def __init__(self, root_dir: Path, state_dir: Path, env: dict[str, str] | None = None):
        self.root_dir = root_dir
        self.state_dir = state_dir
        self.token = secrets.token_hex(16)
        self.port = free_port()
        self.env = {**os.environ, **(env or {})}
        self.process: subprocess.Popen | None = None
        self.log_path = state_dir / "jupyterlab.log"

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def lab_url(self, path: str = "") -> str:
        suffix = f"/tree/{path}" if path else ""
        return f"{self.url}/lab{suffix}?token={self.token}"

    def __enter__(self) -> LabServer:
        settings = self.state_dir / "user-settings"
        for name, values in LAB_SETTINGS.items():
            target = settings / name
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(json.dumps(values))
        self.env.setdefault("JUPYTER_RUNTIME_DIR", str(self.state_dir / "runtime"))
        self.env.setdefault("IPYTHONDIR", str(self.state_dir / "ipython"))
        command = [
            sys.executable, "-m", "jupyterlab", "--no-browser",
            f"--ServerApp.root_dir={self.root_dir}", "--ServerApp.ip=127.0.0.1",
            f"--ServerApp.port={self.port}", f"--IdentityProvider.token={self.token}",
            "--ServerApp.port_retries=0", "--LabApp.expose_app_in_browser=True",
            f"--LabApp.user_settings_dir={settings}",
            f"--LabApp.workspaces_dir={self.state_dir / 'workspaces'}",
        ]
        if hasattr(os, "geteuid") and os.geteuid() == 0:
            command.append("--ServerApp.allow_root=True")  # CI containers run as root
        self._log = self.log_path.open("w")
        self.process = subprocess.Popen(command, stdout=self._log, stderr=subprocess.STDOUT,
                                        env=self.env, cwd=self.root_dir)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"JupyterLab exited early; see {self.log_path}:\n"
                                   + self.log_path.read_text()[-3000:])
            try:
                with urllib.request.urlopen(f"{self.url}/api/status?token={self.token}",
                                            timeout=2) as response:
                    if response.status == 200:
                        return self
            except OSError:
                time.sleep(0.3)
        self.__exit__(None, None, None)
        raise RuntimeError(f"JupyterLab did not answer within 60 s; see {self.log_path}")

    def __exit__(self, *exc: object) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
        if getattr(self, "_log", None):
            self._log.close()


# JavaScript run in the page. `window.jupyterapp` exists because of
# --LabApp.expose_app_in_browser=True.
# A synchronous predicate (wait_for_function treats a returned Promise as truthy).
JS_WAIT_NOTEBOOK = """(path) => {
  const app = window.jupyterapp;
  if (!app || !app.commands.hasCommand('notebook:run-all-cells')) { return false; }
  const panel = app.shell.currentWidget;
  if (!panel || !panel.context || panel.context.path !== path || !panel.context.isReady) {
    return false;
  }
  const session = panel.sessionContext.session;
  return Boolean(session && session.kernel && session.kernel.status === 'idle');
}"""

JS_RUN_ALL = """async () => {
  const app = window.jupyterapp;
  const panel = app.shell.currentWidget;
  await app.commands.execute('notebook:run-all-cells');
  const kernel = panel.sessionContext.session.kernel;
  const started = Date.now();
  while (kernel.status !== 'idle' && Date.now() - started < 120000) {
    await new Promise(r => setTimeout(r, 100));
  }
  return kernel.status;
}"""

JS_SUMMARY = """() => {
  const panel = window.jupyterapp.shell.currentWidget;
  const cells = [];
  const model = panel.content.model;
  for (let i = 0; i < model.cells.length; i++) {
    const cell = model.cells.get(i);
    if (cell.type !== 'code') { continue; }
    const outputs = cell.outputs.toJSON();
    cells.push({
      index: i,
      executionCount: cell.executionCount,
      errors: outputs.filter(o => o.output_type === 'error')
                     .map(o => o.ename + ': ' + o.evalue),
      images: outputs.filter(o => o.data && (o.data['image/png'] || o.data['image/svg+xml'])).length,
      widgets: outputs.filter(o => o.data && o.data['application/vnd.jupyter.widget-view+json']).length,
    });
  }
  const node = panel.content.node;
  return {
    cells: cells,
    renderedWidgets: node.querySelectorAll('.jupyter-widgets.widget-container, .widget-slider, .jupyter-widgets.widget-inline-hbox').length,
    widgetImages: node.querySelectorAll('.jupyter-widgets img, .widget-output img').length,
  };
}"""


def copy_tree(src: Path, dest: Path) -> None:
    """Copy a folder, ignoring checkpoints and caches."""
    shutil.copytree(src, dest, dirs_exist_ok=True,
                    ignore=shutil.ignore_patterns(".ipynb_checkpoints", "__pycache__"))
