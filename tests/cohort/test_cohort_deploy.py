"""deploy/: the single-server hub configuration, the Helm values and the image parse,
and name the versions that constraints.txt pins (the cluster cannot run here)."""

from __future__ import annotations

import re
import sys
import tomllib
from pathlib import Path

import pytest
import yaml
from traitlets.config import Config

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"


def pins() -> dict[str, str]:
    out = {}
    for line in (ROOT / "constraints.txt").read_text().splitlines():
        if "==" in line:
            name, version = line.split("==", 1)
            out[name.strip().lower()] = version.strip()
    return out


@pytest.fixture(scope="module")
def hub_config() -> Config:
    config = Config()
    code = compile((DEPLOY / "jupyterhub_config.py").read_text(), "jupyterhub_config.py",
                   "exec")
    exec(code, {"get_config": lambda: config, "__file__": str(DEPLOY / "jupyterhub_config.py")})
    return config


def test_single_server_hub_config(hub_config):
    assert hub_config.JupyterHub.spawner_class == "jupyterhub.spawner.LocalProcessSpawner"
    assert hub_config.JupyterHub.authenticator_class == "pam"
    assert hub_config.JupyterHub.bind_url.startswith("http://127.0.0.1:")
    assert callable(hub_config.Spawner.pre_spawn_hook)
    assert hub_config.Spawner.options_from_form({"lang": ["fr"]}) == {"lang": "fr"}
    assert hub_config.Spawner.options_from_form({"lang": ["xx"]}) == {"lang": "en"}
    assert 'value="fr"' in hub_config.Spawner.options_form


def test_helm_values_parse_and_share_the_exchange():
    values = yaml.safe_load((DEPLOY / "k8s" / "values.yaml").read_text())
    single = values["singleuser"]
    assert single["image"]["name"] and single["image"]["tag"]
    mounts = {m["mountPath"] for m in single["storage"]["extraVolumeMounts"]}
    assert "/srv/nbgrader/exchange" in mounts
    claims = [v["persistentVolumeClaim"]["claimName"] for v in single["storage"]["extraVolumes"]]
    assert claims, "the exchange must be a shared volume"
    assert "aimed_pre_spawn" in values["hub"]["extraConfig"]["aimed-instructors"]
    compile(values["hub"]["extraConfig"]["aimed-instructors"], "extraConfig", "exec")
    text = (DEPLOY / "k8s" / "values.yaml").read_text()
    assert re.search(r"--version \d+\.\d+\.\d+", text), "the chart version is pinned"
    assert f"jupyterhub=={pins()['jupyterhub']}" in text


def test_dockerfile_installs_the_pinned_package():
    text = (DEPLOY / "k8s" / "Dockerfile").read_text()
    assert 'pip install -c constraints.txt ".[hub]"' in text
    assert "COPY pyproject.toml constraints.txt" in text
    python = re.search(r"^FROM python:(\d+\.\d+)", text, re.M)
    assert python and python.group(1) == f"{sys.version_info.major}.{sys.version_info.minor}"
    for name in ("jupyterhub", "jupyterlab", "nbgrader"):
        assert f"{name}=={pins()[name]}" in text, f"{name} pin named in the Dockerfile"


def test_hub_extra_is_pinned():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())
    hub = project["project"]["optional-dependencies"]["hub"]
    names = {re.split(r"[<>=\[ ]", dep, maxsplit=1)[0].lower() for dep in hub}
    assert {"jupyterhub", "psycopg"} <= names
    assert {"jupyterhub", "psycopg", "psycopg-binary"} <= set(pins())
