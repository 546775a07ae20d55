"""The course on a real JupyterHub on 127.0.0.1: learners work through their own servers.

JupyterHub (``deploy/jupyterhub_config.py``, loaded as it is, with only what a test must
change: ports, paths, a service token) starts configurable-http-proxy and, as root,
each learner's single-user server as that learner's Linux account
(``LocalProcessSpawner``). Learners log in with PAM (passwords set with ``chpasswd``).
The test drives everything through HTTP, as JupyterLab would:

* the hub's REST API (a service token with an admin role): start servers, issue each
  learner a token;
* each learner's server, through the proxy, with the learner's token: nbgrader's
  *Assignments* handlers (``/user/<name>/assignments/fetch|submit|fetch_feedback``)
  and the contents API to read and write the notebook;
* a kernel in the learner's server for the isolation checks (what a learner could
  type in a notebook cell).

The instructor releases, collects, grades into PostgreSQL and releases feedback with
``aimed``, as in ``test_cohort_exchange``. Memory of each learner's server is printed
(RSS of the server process, then of all the learner's processes with a kernel that
imported a lesson's libraries).
"""

from __future__ import annotations

import asyncio
import json
import os
import secrets
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path

import nbformat
import psutil
import pytest
import requests
from accounts import AS_ROOT, Accounts
from grading_support import SAMPLE, SAMPLE_ROOT
from pgserver import free_port
from test_cohort_exchange import ANSWERS, WANT, Flow

pytestmark = [pytest.mark.hub,
              pytest.mark.skipif(not AS_ROOT, reason="a hub spawning real users needs root")]

ROOT = Path(__file__).parents[2]
DEPLOY = ROOT / "deploy" / "jupyterhub_config.py"
CHP = Path(sys.prefix) / "node" / "bin" / "configurable-http-proxy"
LANGS = {"l1": "en", "l2": "en", "l3": "fr"}
#: what a learner's kernel imports, as the lessons do, before memory is measured
LESSON_IMPORTS = ("import numpy, pandas, sklearn, matplotlib; matplotlib.use('Agg'); "
                  "import matplotlib.pyplot as plt; import aimed; plt.plot([0, 1]); "
                  "print('lesson ready')")


def _wait_port_closed(port: int, seconds: float = 20) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) != 0:
                return True
        time.sleep(0.3)
    return False


class Hub:
    """A JupyterHub process on 127.0.0.1 with its proxy, driven by a service token."""

    def __init__(self, flow: Flow):
        self.flow = flow
        self.dir = flow.accounts.base / "hub"
        self.dir.mkdir(mode=0o700)
        self.port, self.hub_port, self.api_port = free_port(), free_port(), free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.token = secrets.token_hex(32)
        self.proc: subprocess.Popen | None = None
        self.log = self.dir / "hub.log"
        self.tokens: dict[str, str] = {}

    def config(self) -> Path:
        shared_bin = Path(self.flow.accounts.python).parent
        # the copy's sys.prefix is not .venv: point it at .venv's server extensions
        # (nbgrader's assignment_list among them), as a venv interpreter would find them
        env = {**self.flow.accounts.env,
               "JUPYTER_CONFIG_PATH": str(Path(sys.prefix) / "etc" / "jupyter")}
        path = self.dir / "test_config.py"
        path.write_text(f"""\
c = get_config()  # noqa: F821
load_subconfig({str(DEPLOY)!r})  # noqa: F821 - the course's own configuration
c.JupyterHub.hub_port = {self.hub_port}
c.ConfigurableHTTPProxy.api_url = "http://127.0.0.1:{self.api_port}"
c.JupyterHub.services = [{{"name": "aimedhub-driver", "api_token": {self.token!r}}}]
c.JupyterHub.load_roles = [{{"name": "aimedhub-driver", "services": ["aimedhub-driver"],
    "scopes": ["admin:users", "admin:servers", "tokens", "access:servers", "list:users"]}}]
# pyenv's interpreter is under /root (0700): learners run the shared copy
c.Spawner.cmd = [{str(shared_bin / "jupyterhub-singleuser")!r}]
c.Spawner.environment = {env!r}
c.JupyterHub.cleanup_servers = True
c.JupyterHub.cleanup_proxy = True
""", encoding="utf-8")
        return path

    def start(self) -> None:
        learners = " ".join(a.name for a in self.flow.learners.values())
        shared_bin = Path(self.flow.accounts.python).parent
        env = {**os.environ, **self.flow.accounts.env,
               "PATH": f"{shared_bin}:{CHP.parent}:/usr/local/sbin:/usr/sbin:/usr/bin:/sbin:/bin",
               "AIMED_HUB_BIND": self.url, "AIMED_HUB_BIN": str(shared_bin),
               "AIMED_EXCHANGE": str(self.flow.exchange),
               "AIMED_COURSE_DIR": str(self.flow.course),
               "AIMED_DB_URL_FILE": str(self.dir / "no-db-url"),
               "AIMED_HUB_DB_URL": f"sqlite:///{self.dir / 'jupyterhub.sqlite'}",
               "AIMED_HUB_COOKIE": str(self.dir / "cookie_secret"),
               "AIMED_CHP": str(CHP), "AIMED_LEARNERS": learners, "AIMED_ADMINS": "",
               "AIMED_INSTRUCTOR_GROUP": f"{self.flow.accounts.tag}-instructors"}
        config = self.config()
        with open(self.log, "wb") as log:
            self.proc = subprocess.Popen([sys.executable, "-m", "jupyterhub", "-f", str(config)],
                                         cwd=self.dir, env=env, stdout=log,
                                         stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise AssertionError(f"JupyterHub exited:\n{self.log_text()}")
            try:
                if requests.get(f"{self.url}/hub/api/", timeout=2).status_code == 200:
                    return
            except requests.ConnectionError:
                pass
            time.sleep(0.5)
        raise AssertionError(f"JupyterHub did not answer:\n{self.log_text()}")

    def log_text(self) -> str:
        text = self.log.read_text(errors="replace")
        start = text.find("Traceback")
        return text[max(0, start - 200):][:6000] if start >= 0 else text[-6000:]

    def api(self, method: str, path: str, **kw) -> requests.Response:
        headers = {"Authorization": f"token {self.token}"}
        return requests.request(method, f"{self.url}/hub/api{path}", headers=headers,
                                timeout=kw.pop("timeout", 60), **kw)

    def login(self, name: str, password: str) -> requests.Response:
        """The hub's login form (PAM), as a browser submits it; no redirect followed."""
        session = requests.Session()
        session.get(f"{self.url}/hub/login", timeout=30)
        xsrf = session.cookies.get("_xsrf", "")
        return session.post(f"{self.url}/hub/login?next=", allow_redirects=False, timeout=60,
                            data={"username": name, "password": password, "_xsrf": xsrf})

    def start_server(self, name: str, lang: str) -> None:
        done = self.api("POST", f"/users/{name}/server", json={"lang": lang}, timeout=180)
        assert done.status_code in (201, 202), (done.status_code, done.text, self.log_text())

    def wait_ready(self, name: str, seconds: float = 150) -> None:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            model = self.api("GET", f"/users/{name}").json()
            server = model.get("servers", {}).get("")
            if server and server.get("ready"):
                return
            if not model.get("pending") and not server:
                break
            time.sleep(1)
        raise AssertionError(f"the server of {name} is not ready:\n{self.log_text()}")

    def user_token(self, name: str) -> str:
        done = self.api("POST", f"/users/{name}/tokens",
                        json={"note": "aimed hub test", "expires_in": 900})
        assert done.status_code in (200, 201), done.text
        self.tokens[name] = done.json()["token"]
        return self.tokens[name]

    def user(self, name: str, method: str, path: str, token: str | None = None,
             **kw) -> requests.Response:
        """A request to ``name``'s single-user server through the proxy."""
        headers = {"Authorization": f"token {token or self.tokens[name]}"}
        return requests.request(method, f"{self.url}/user/{name}{path}", headers=headers,
                                timeout=kw.pop("timeout", 120), **kw)

    def assignment(self, name: str, action: str):
        """nbgrader's Assignments tab: fetch, submit or fetch_feedback."""
        done = self.user(name, "POST", f"/assignments/{action}",
                         data={"course_id": "aimed", "assignment_id": SAMPLE})
        assert done.status_code == 200, (action, done.status_code, done.text[-2000:])
        body = done.json()
        assert not (isinstance(body, dict) and body.get("success") is False), body
        return body

    def execute(self, name: str, kernel: str, code: str, seconds: float = 120) -> str:
        """Run ``code`` in a kernel of ``name``'s server; its stdout and tracebacks."""
        return asyncio.run(_execute(f"ws://127.0.0.1:{self.port}/user/{name}/api/kernels/"
                                    f"{kernel}/channels", self.tokens[name], code, seconds))

    def stop(self) -> list[str]:
        """Stop every server through the API, then the hub (which stops its proxy)."""
        problems = []
        if self.proc is None:
            return problems
        if self.proc.poll() is None:
            for account in self.flow.learners.values():
                try:
                    self.api("DELETE", f"/users/{account.name}/server", timeout=60)
                except requests.RequestException as exc:
                    problems.append(f"stopping {account.name}: {exc}")
            deadline = time.monotonic() + 60
            for account in self.flow.learners.values():
                while time.monotonic() < deadline:
                    try:
                        model = self.api("GET", f"/users/{account.name}").json()
                    except (requests.RequestException, ValueError):
                        break
                    if not model.get("servers") and not model.get("pending"):
                        break
                    time.sleep(0.5)
            self.proc.terminate()
        try:
            self.proc.wait(timeout=30)
            if os.environ.get("AIMED_HUB_KEEP_LOG"):  # for debugging: the hub's log survives
                Path(os.environ["AIMED_HUB_KEEP_LOG"]).write_bytes(self.log.read_bytes())
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(timeout=10)
            problems.append("JupyterHub had to be killed")
        return problems


async def _execute(url: str, token: str, code: str, seconds: float) -> str:
    from tornado.httpclient import HTTPRequest
    from tornado.websocket import websocket_connect

    ws = await websocket_connect(HTTPRequest(url, headers={"Authorization": f"token {token}"}))
    msg_id = uuid.uuid4().hex
    ws.write_message(json.dumps({
        "header": {"msg_id": msg_id, "msg_type": "execute_request", "username": "",
                   "session": uuid.uuid4().hex, "version": "5.3",
                   "date": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())},
        "parent_header": {}, "metadata": {}, "channel": "shell", "buffers": [],
        "content": {"code": code, "silent": False, "store_history": False,
                    "user_expressions": {}, "allow_stdin": False, "stop_on_error": True}}))
    out: list[str] = []
    try:
        while True:
            raw = await asyncio.wait_for(ws.read_message(), seconds)
            if raw is None:
                raise AssertionError(f"the kernel's websocket closed: {''.join(out)}")
            msg = json.loads(raw)
            if msg.get("parent_header", {}).get("msg_id") != msg_id:
                continue
            kind = msg["msg_type"]
            if kind == "stream":
                out.append(msg["content"]["text"])
            elif kind == "error":
                out.append("\n".join(msg["content"]["traceback"]))
            elif kind == "status" and msg["content"]["execution_state"] == "idle":
                return "".join(out)
    finally:
        ws.close()


def _rss_mb(name: str) -> tuple[float, float]:
    """(RSS of the single-user server process, RSS of all ``name``'s processes), MB."""
    server = total = 0
    for proc in psutil.process_iter(["username", "cmdline", "memory_info"]):
        if proc.info["username"] != name or not proc.info["memory_info"]:
            continue
        rss = proc.info["memory_info"].rss
        total += rss
        if any("jupyterhub-singleuser" in part for part in proc.info["cmdline"] or []):
            server += rss
    return server / 2**20, total / 2**20


def _processes_of(name: str) -> list[int]:
    return [p.pid for p in psutil.process_iter(["username"]) if p.info["username"] == name]


def _leftovers(names: list[str], seconds: float = 20) -> dict[str, list[int]]:
    """Processes still running as these users once they have had time to exit."""
    deadline = time.monotonic() + seconds
    while True:
        left = {name: _processes_of(name) for name in names}
        if not any(left.values()) or time.monotonic() > deadline:
            return left
        time.sleep(0.5)


def _probe_code(flow: Flow, me: str) -> str:
    """What a curious learner might type in a cell; prints the outcome of each attempt."""
    other = flow.learners["l2"] if me != "l2" else flow.learners["l1"]
    mine = flow.learners[me]
    inbound = flow.exchange / "aimed" / "inbound"
    url = flow.url.replace(flow.postgres.password, "guess")
    probes = {
        "own notebook": f"open({str(mine.home / SAMPLE / 'screening.ipynb')!r}).read()",
        "other learner's notebook": f"open({str(other.home / SAMPLE / 'screening.ipynb')!r})",
        "other learner's home": f"os.listdir({str(other.home)!r})",
        "inbound submissions": f"os.listdir({str(inbound)!r})",
        "instructor's source": (
            f"open({str(flow.course / 'source' / SAMPLE / 'screening.ipynb')!r})"),
        "collected submissions": f"os.listdir({str(flow.course / 'submitted')!r})",
        "released feedback": f"os.listdir({str(flow.exchange / 'aimed' / 'feedback')!r})",
        "gradebook": f"psycopg.connect({url!r}, connect_timeout=5)",
    }
    lines = ["import json, os, psycopg", "r = {'uid': os.getuid(),"
             " 'lang': os.environ.get('AIMED_LANG')}"]
    for what, expr in probes.items():
        lines += ["try:", f"    {expr}", f"    r[{what!r}] = 'allowed'",
                  "except Exception as e:", f"    r[{what!r}] = type(e).__name__ + ': ' + str(e)"]
    lines.append("print('PROBES' + json.dumps(r))")
    return "\n".join(lines)


@pytest.fixture(scope="module")
def hub_flow(postgres):
    accounts = Accounts(prefix=f"aimedhub-{secrets.token_hex(2)}")
    flow = Flow(accounts, postgres, postgres.create_database("hub_course"))
    hub = Hub(flow)
    flow.hub, flow.timings, flow.memory, flow.probes = hub, {}, {}, {}
    flow.cleanup_problems, flow.kernels = [], {}
    started = time.perf_counter()
    try:
        # learners' passwords for PAM
        passwords = {a.name: secrets.token_urlsafe(12) for a in flow.learners.values()}
        subprocess.run(["chpasswd"], input="".join(f"{n}:{p}\n" for n, p in passwords.items()),
                       text=True, check=True, timeout=60)
        # the instructor releases the sample assignment to the exchange
        accounts.python_as(flow.teacher, (
            "from pathlib import Path\n"
            "from aimed.grading.release import release\n"
            "from aimed.grading.exchange import release_to_exchange\n"
            f"release([{SAMPLE!r}], root=Path({str(SAMPLE_ROOT)!r}))\n"
            f"print(release_to_exchange([{SAMPLE!r}]))\n"), env=flow.teacher_env())
        hub.start()
        flow.timings["hub up"] = time.perf_counter() - started
        # PAM: the right password signs in, a wrong one does not
        l1 = flow.learners["l1"].name
        flow.login_ok = hub.login(l1, passwords[l1])
        flow.login_bad = hub.login(l1, "not-" + passwords[l1])
        for role, account in flow.learners.items():
            hub.start_server(account.name, LANGS[role])
        for account in flow.learners.values():
            hub.wait_ready(account.name)
            hub.user_token(account.name)
        flow.timings["servers ready"] = time.perf_counter() - started
        for account in flow.learners.values():
            flow.memory[account.name] = {"server": _rss_mb(account.name)[0]}
        # each learner: fetch, answer, submit, through their own server
        source = nbformat.read(SAMPLE_ROOT / "exercises" / SAMPLE / "screening.ipynb",
                               as_version=4)
        flow.listed = {}
        for role, account in flow.learners.items():
            flow.listed[role] = hub.assignment(account.name, "fetch")
            path = f"/api/contents/{SAMPLE}/screening.ipynb"
            got = hub.user(account.name, "GET", path)
            assert got.status_code == 200, (role, got.status_code, got.text[-500:])
            fetched = nbformat.from_dict(got.json()["content"])
            answered = ANSWERS[role](fetched, source, {})
            put = hub.user(account.name, "PUT", path,
                           json={"type": "notebook", "format": "json", "content": answered})
            assert put.status_code in (200, 201), (role, put.status_code, put.text[-500:])
            hub.assignment(account.name, "submit")
        flow.timings["submitted"] = time.perf_counter() - started
        # the instructor collects, grades into PostgreSQL, releases feedback
        flow.collected = flow.aimed("collect", SAMPLE)
        flow.graded = flow.grade()
        flow.first_scores = flow.scores()
        flow.feedback = flow.aimed("feedback", "--release", SAMPLE)
        flow.timings["graded"] = time.perf_counter() - started
        flow.feedback_html = {}
        for role, account in flow.learners.items():
            hub.assignment(account.name, "fetch_feedback")
            listing = hub.user(account.name, "GET", f"/api/contents/{SAMPLE}/feedback")
            assert listing.status_code == 200, (role, listing.text[-500:])
            stamps = [item["path"] for item in listing.json()["content"]]
            assert len(stamps) == 1, (role, stamps)
            html = hub.user(account.name, "GET", f"/api/contents/{stamps[0]}/screening.html",
                            params={"format": "text", "type": "file"})
            assert html.status_code == 200, (role, html.text[-500:])
            flow.feedback_html[role] = html.json()["content"]
        # isolation, from a kernel in each learner's server; then memory with a lesson
        for role, account in flow.learners.items():
            kernel = hub.user(account.name, "POST", "/api/kernels", json={"name": "python3"})
            assert kernel.status_code == 201, (role, kernel.text[-500:])
            kid = kernel.json()["id"]
            flow.kernels.setdefault(account.name, []).append(kid)
            out = hub.execute(account.name, kid, _probe_code(flow, role))
            assert "PROBES" in out, out
            flow.probes[role] = json.loads(out.split("PROBES", 1)[1].strip().splitlines()[0])
            ready = hub.execute(account.name, kid, LESSON_IMPORTS)
            assert "lesson ready" in ready, ready
            flow.memory[account.name]["with lesson kernel"] = _rss_mb(account.name)[1]
        # across servers: l1's token opens neither l2's server nor the hub's admin API
        l2 = flow.learners["l2"].name
        flow.cross = hub.user(l2, "GET", "/api/contents", token=hub.tokens[l1],
                              allow_redirects=False)
        flow.cross_admin = requests.get(f"{hub.url}/hub/api/users", timeout=30,
                                        headers={"Authorization": f"token {hub.tokens[l1]}"})
        flow.formgrader = hub.user(flow.learners["l1"].name, "GET", "/formgrader",
                                   allow_redirects=False).status_code
        flow.workspace = {role: hub.user(a.name, "GET", "/api/contents/aimed").status_code
                          for role, a in flow.learners.items()}
        flow.timings["checked"] = time.perf_counter() - started
        # everything stops: kernels and servers through the API, then the hub and its proxy
        for account in flow.learners.values():
            for kid in flow.kernels.get(account.name, []):
                gone = hub.user(account.name, "DELETE", f"/api/kernels/{kid}")
                assert gone.status_code == 204, gone.text[-300:]
        flow.cleanup_problems += hub.stop()
        flow.hub_port_closed = _wait_port_closed(hub.port)
        flow.api_port_closed = _wait_port_closed(hub.api_port)
        flow.leftover = _leftovers([a.name for a in flow.learners.values()])
        flow.timings["stopped"] = time.perf_counter() - started
        print("\nmemory per learner server (RSS, MB):")
        for name, mem in flow.memory.items():
            print(f"  {name}: server {mem['server']:.0f}, server + lesson kernel "
                  f"{mem['with lesson kernel']:.0f}")
        print("timings (s from start): " + ", ".join(f"{k} {v:.0f}"
                                                     for k, v in flow.timings.items()))
        yield flow
    finally:
        hub.stop()
        accounts.remove()
        print(f"whole hub flow: {time.perf_counter() - started:.0f} s")


def test_learners_sign_in_with_their_password(hub_flow):
    assert hub_flow.login_ok.status_code == 302, hub_flow.hub.log_text()
    assert "jupyterhub-session-id" in hub_flow.login_ok.cookies or any(
        c.name.startswith("jupyterhub") for c in hub_flow.login_ok.cookies)
    assert hub_flow.login_bad.status_code in (200, 403), hub_flow.login_bad.status_code
    assert not any(c.name == "jupyterhub-hub-login" for c in hub_flow.login_bad.cookies)


def test_each_server_runs_as_its_learner_with_the_workspace(hub_flow):
    for role, account in hub_flow.learners.items():
        assert hub_flow.probes[role]["uid"] == account.uid, role
        assert hub_flow.probes[role]["lang"] == LANGS[role], role
        assert hub_flow.workspace[role] == 200, role  # aimed build-learner at first login


def test_assignments_tab_lists_the_release(hub_flow):
    for role, listed in hub_flow.listed.items():
        assert listed["success"], (role, listed)  # nbgrader's {"success", "value"} answer
        fetched = {item["assignment_id"] for item in listed["value"]
                   if item["status"] == "fetched"}
        assert fetched == {SAMPLE}, (role, listed)
    # learners' servers do not serve the formgrader (deploy/jupyterhub_config.py)
    assert hub_flow.formgrader == 404, hub_flow.formgrader


def test_grades_in_postgresql_are_what_each_learner_earned(hub_flow):
    assert "collected: " in hub_flow.collected.stdout
    assert hub_flow.named(hub_flow.first_scores) == WANT, hub_flow.graded.stdout[-2000:]


def test_each_learner_reads_their_feedback_through_their_server(hub_flow):
    assert "feedback released to 3 learner(s)" in hub_flow.feedback.stdout
    for role, text in hub_flow.feedback_html.items():
        assert "BEGIN HIDDEN TESTS" not in text, role
        assert f"Score: {WANT[role]:g}" in text or f"{WANT[role]:g} / " in text, role


def test_learners_cannot_reach_each_other_the_instructor_or_the_gradebook(hub_flow):
    for role, probes in hub_flow.probes.items():
        assert probes["own notebook"] == "allowed", (role, probes)  # the probe can succeed
        for what in ("other learner's notebook", "other learner's home",
                     "inbound submissions", "instructor's source", "collected submissions",
                     "released feedback"):
            assert probes[what].startswith("PermissionError"), (role, what, probes[what])
        assert "password authentication failed" in probes["gradebook"], (role, probes)
    # the hub's side: l1's token opens neither l2's server nor the list of users
    assert hub_flow.cross.status_code == 403, hub_flow.cross.status_code
    assert hub_flow.cross_admin.status_code == 403, hub_flow.cross_admin.text[:300]


def test_memory_per_learner_server_is_measured(hub_flow):
    for name, mem in hub_flow.memory.items():
        assert 30 < mem["server"] < mem["with lesson kernel"], (name, mem)


def test_everything_stops(hub_flow):
    assert not hub_flow.cleanup_problems, hub_flow.cleanup_problems
    assert hub_flow.hub.proc.returncode is not None
    assert hub_flow.hub_port_closed and hub_flow.api_port_closed, "proxy still listening"
    assert hub_flow.leftover == {a.name: [] for a in hub_flow.learners.values()}
