"""The `aimed` command line (course tools; grading has its own tests)."""

from __future__ import annotations

import subprocess
import sys

import pytest

from aimed import cli


def test_help_lists_commands(capsys):
    with pytest.raises(SystemExit) as info:
        cli.main(["--help"])
    assert info.value.code == 0
    out = capsys.readouterr().out
    for command in ("release", "workspace", "lint", "course-map", "datasets"):
        assert command in out


def test_datasets_lists_names_and_licences(capsys):
    assert cli.main(["datasets"]) == 0
    out = capsys.readouterr().out
    assert "breast-cancer" in out and "CC BY 4.0" in out


def test_lint_reports_violations_with_rule_names(tmp_path, capsys):
    bad = tmp_path / "bad.ipynb"
    bad.write_text('{"cells": [], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}')
    assert cli.main(["lint", str(bad)]) == 1
    out = capsys.readouterr().out
    assert "[opening-title]" in out and "[kernel]" in out and "problem(s)" in out


def test_installed_entry_point_runs():
    result = subprocess.run([sys.executable, "-m", "aimed.cli", "datasets"], capture_output=True,
                            text=True, check=False)
    assert result.returncode == 0 and "kidney-stones" in result.stdout
