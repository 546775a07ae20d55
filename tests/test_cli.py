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


def test_instructor_commands_fail_clearly_without_the_sources(tmp_path, monkeypatch, capsys):
    import aimed.course

    monkeypatch.setattr(aimed.course, "checkout_root", lambda: None)  # as from a wheel
    monkeypatch.chdir(tmp_path)
    assert cli.main(["lint"]) == 2  # nothing to check is a failure, not a pass
    assert "no notebooks to check" in capsys.readouterr().err
    assert cli.main(["release"]) == 1
    assert "needs the instructor's sources" in capsys.readouterr().err
    assert cli.main(["build-learner", str(tmp_path / "out")]) == 1
    assert "exercises/" in capsys.readouterr().err


def test_cohort_commands_need_their_arguments(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("AIMED_COURSE_DIR", str(tmp_path / "course"))
    assert cli.main(["collect", "--moodle", str(tmp_path / "x.zip"), "m0"]) == 2
    assert "--roster" in capsys.readouterr().err
    assert cli.main(["feedback"]) == 2
    assert "--release" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        cli.main(["export", "--roster", "r.csv"])  # --moodle OUT.csv is required


def test_grade_names_an_unreachable_gradebook(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("AIMED_COURSE_DIR", str(tmp_path / "course"))
    monkeypatch.setenv("AIMED_DB_URL", "postgresql://aimed:pw@127.0.0.1:9/aimed")
    assert cli.main(["grade"]) == 2
    err = capsys.readouterr().err
    assert "gradebook database at postgresql://aimed:***@127.0.0.1:9/aimed not reachable" in err
    assert "start PostgreSQL" in err and "unset AIMED_DB_URL" in err
