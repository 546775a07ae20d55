"""The learner workspace: new material arrives, the learner's edits are never overwritten."""

from __future__ import annotations

import json

import pytest

from aimed.workspace import MANIFEST, prepare


@pytest.fixture
def repo(tmp_path):
    root = tmp_path / "repo"
    (root / "notebooks" / "m1").mkdir(parents=True)
    (root / "notebooks" / "m1" / "01.ipynb").write_text("lesson v1")
    (root / "notebooks" / "m1" / ".ipynb_checkpoints").mkdir()
    (root / "notebooks" / "m1" / ".ipynb_checkpoints" / "01-checkpoint.ipynb").write_text("x")
    (root / "README.md").write_text("readme v1")
    release = tmp_path / "release" / "m1"
    release.mkdir(parents=True)
    (release / "ex.ipynb").write_text("exercise v1")
    return root


def test_first_run_copies_everything(repo, tmp_path):
    ws = tmp_path / "ws"
    report = prepare(ws, release_dir=tmp_path / "release", root=repo)
    assert sorted(report.added) == ["README.md", "START-HERE.ipynb", "exercises/m1/ex.ipynb",
                                    "notebooks/m1/01.ipynb"]
    assert (ws / "exercises" / "m1" / "ex.ipynb").read_text() == "exercise v1"
    assert not (ws / "notebooks" / "m1" / ".ipynb_checkpoints").exists()
    assert set(json.loads((ws / MANIFEST).read_text())) == set(report.added)


def test_rerun_updates_untouched_files_and_keeps_edits(repo, tmp_path):
    ws = tmp_path / "ws"
    prepare(ws, release_dir=tmp_path / "release", root=repo)
    (ws / "exercises" / "m1" / "ex.ipynb").write_text("my answers")       # learner's work
    (repo / "notebooks" / "m1" / "01.ipynb").write_text("lesson v2")      # course update
    (tmp_path / "release" / "m1" / "ex.ipynb").write_text("exercise v2")  # course update
    (repo / "notebooks" / "m1" / "02.ipynb").write_text("new lesson")     # new material
    report = prepare(ws, release_dir=tmp_path / "release", root=repo)
    assert report.updated == ["notebooks/m1/01.ipynb"]
    assert report.kept == ["exercises/m1/ex.ipynb"]
    assert report.added == ["notebooks/m1/02.ipynb"]
    assert (ws / "exercises" / "m1" / "ex.ipynb").read_text() == "my answers"
    assert (ws / "notebooks" / "m1" / "01.ipynb").read_text() == "lesson v2"
    assert "1 kept" in report.summary()


def test_a_second_identical_run_changes_nothing(repo, tmp_path):
    ws = tmp_path / "ws"
    prepare(ws, root=repo)
    report = prepare(ws, root=repo)
    assert report.added == report.updated == report.kept == []
    assert len(report.unchanged) == 3


def test_default_workspace_outside_a_checkout(monkeypatch, tmp_path):
    import aimed.workspace

    monkeypatch.delenv("AIMED_WORKSPACE", raising=False)
    monkeypatch.setattr(aimed.workspace, "checkout_root", lambda: None)
    monkeypatch.setenv("HOME", str(tmp_path))
    assert aimed.workspace.default_workspace() == tmp_path / "aimed-workspace"
    monkeypatch.setenv("AIMED_WORKSPACE", str(tmp_path / "elsewhere"))
    assert aimed.workspace.default_workspace() == tmp_path / "elsewhere"
