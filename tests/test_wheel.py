"""The wheel carries the shipped datasets: build it, install it elsewhere, load data from it."""

from __future__ import annotations

import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from aimed.course import repo_root

ROOT = repo_root()


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation",
                    "--quiet", "--wheel-dir", str(out), str(ROOT)], check=True)
    (path,) = out.glob("aimed-*.whl")
    return path


def test_wheel_contains_package_locales_and_every_dataset(wheel):
    names = set(zipfile.ZipFile(wheel).namelist())
    assert "aimed/feedback.py" in names and "aimed/locales/fr/feedback.json" in names
    for sheet in (ROOT / "datasets").glob("*/DATASHEET.md"):
        assert f"aimed/datasets/{sheet.parent.name}/DATASHEET.md" in names
    assert "aimed/datasets/kidney-stones/kidney_stones.csv" in names
    assert not any(name.startswith(("tests/", "notebooks/")) for name in names)


def test_installed_copy_loads_shipped_data_from_itself(wheel, tmp_path):
    site = tmp_path / "site"
    subprocess.run([sys.executable, "-m", "pip", "install", "--no-deps", "--quiet", "--target",
                    str(site), str(wheel)], check=True)
    probe = (
        "import aimed, aimed.data as d; "
        "t = d.load('kidney-stones'); "
        "print(aimed.__file__); print(d.shipped_file('kidney-stones', 'kidney_stones.csv')); "
        "print(int(t.patients.sum())); print(d.datasheet('ct-small').splitlines()[0])"
    )
    env = {**os.environ, "PYTHONPATH": str(site)}
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                            env=env, cwd=tmp_path, check=True)
    module_file, csv_file, patients, sheet = result.stdout.splitlines()
    assert Path(module_file).is_relative_to(site), module_file
    assert Path(csv_file).is_relative_to(site / "aimed" / "datasets"), csv_file
    assert patients == "700" and sheet == "# Datasheet: ct-small"
