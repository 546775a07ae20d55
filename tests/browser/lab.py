"""A JupyterLab server and a headless Chromium, for browser tests of the course.

The server runs from the project's own virtual environment on 127.0.0.1 with a random
token, in a throwaway workspace prepared exactly as ``make lab`` prepares the learner's.
Chromium is Debian's (``/usr/bin/chromium``, or ``$AIMED_CHROMIUM``), driven by
Playwright without ``playwright install``.
"""

from __future__ import annotations

import os
import secrets
import shutil
import socket
import subprocess
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
    """Start the learner's JupyterLab (as ``make lab`` does) on a workspace; stop it on exit.

    The command line comes from :func:`aimed.lab.lab_command`, so the tests exercise the
    learner configuration itself; the only addition is ``expose_app_in_browser``, which
    lets the tests drive JupyterLab's command registry.
    """

    def __init__(self, workspace: Path, state_dir: Path, lang: str | None = None):
        self.workspace = workspace
        self.state_dir = state_dir
        self.lang = lang
        self.token = secrets.token_hex(16)
        self.port = free_port()
        self.process: subprocess.Popen | None = None
        self.log_path = state_dir / "jupyterlab.log"

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def lab_url(self, path: str = "") -> str:
        suffix = f"/tree/{path}" if path else ""
        return f"{self.url}/lab{suffix}?token={self.token}"

    def __enter__(self) -> LabServer:
        from aimed.lab import lab_command

        argv, env = lab_command(self.workspace, port=self.port, token=self.token,
                                lang=self.lang)
        argv += ["--LabApp.expose_app_in_browser=True", "--ServerApp.port_retries=0"]
        env["JUPYTER_RUNTIME_DIR"] = str(self.state_dir / "runtime")
        env["IPYTHONDIR"] = str(self.state_dir / "ipython")
        self._log = self.log_path.open("w")
        self.process = subprocess.Popen(argv, stdout=self._log, stderr=subprocess.STDOUT,
                                        env=env, cwd=self.workspace)
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


JS_SCROLL_TO_MIDDLE = """async () => {
  const notebook = window.jupyterapp.shell.currentWidget.content;
  const middle = Math.floor(notebook.widgets.length / 2);
  notebook.activeCellIndex = middle;
  await notebook.scrollToItem(middle, 'start');
  return middle;
}"""


def copy_tree(src: Path, dest: Path) -> None:
    """Copy a folder, ignoring checkpoints and caches."""
    shutil.copytree(src, dest, dirs_exist_ok=True,
                    ignore=shutil.ignore_patterns(".ipynb_checkpoints", "__pycache__"))
