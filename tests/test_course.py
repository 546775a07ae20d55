"""aimed.course and the README course map."""

from __future__ import annotations

import pytest

from aimed import cli
from aimed.course import MODULES, course_map_markdown, lesson_notebooks, module_title, parse_opening

OPENING = """# Digital health data

**Learning objectives.** By the end of this notebook you can:
- Describe tables.
- Explore images.
- Detect peaks.

**Estimated time:** 40 min
**Prerequisites:** none
**Data:** Breast cancer (scikit-learn)
**In the course:** [Module 1](../../README.md#course-map) › lesson 1
"""


def test_parse_opening_reads_every_field():
    o = parse_opening(OPENING)
    assert o.title == "Digital health data" and o.h1_count == 1
    assert o.objectives == ["Describe tables.", "Explore images.", "Detect peaks."]
    assert o.minutes == 40 and o.prerequisites == "none"
    assert o.data == "Breast cancer (scikit-learn)" and o.has_link


def test_parse_opening_of_an_empty_cell():
    o = parse_opening("")
    assert o.title is None and o.objectives == [] and o.minutes is None and not o.has_link


def test_lessons_live_in_known_modules():
    for path in lesson_notebooks():
        assert path.parent.name in MODULES, path


def test_course_map_lists_every_lesson_with_time():
    table = course_map_markdown()
    for path in lesson_notebooks():
        assert path.name in table
    assert "| Module 1 | [Digital health data: tables, images and signals]" in table
    assert " 40 min |" in table


def test_readme_course_map_is_up_to_date():
    assert cli.main(["course-map", "--check"]) == 0


def test_sources_are_found_in_a_checkout_and_missing_elsewhere(tmp_path, monkeypatch):
    import pytest

    import aimed.course as course

    assert course.checkout_root() is not None
    assert course.require_sources() == course.repo_root()
    monkeypatch.setattr(course, "checkout_root", lambda: None)
    monkeypatch.chdir(tmp_path)
    assert course.repo_root() == tmp_path
    with pytest.raises(course.SourcesMissingError, match="needs the instructor's sources"):
        course.require_sources(command="aimed release")


def test_course_map_in_french_reads_the_french_edition():
    english = course_map_markdown()
    french = course_map_markdown(lang="fr")
    assert french.splitlines()[0] == "| Module | Notebook | Vous saurez | Durée | Données |"
    assert len(french.splitlines()) == len(english.splitlines())
    pilot = next(line for line in french.splitlines() if "01-health-data.ipynb" in line)
    assert "Données de santé" in pilot and "Health data" not in pilot
    assert "Travail noté : " in french and "Assignment: " not in french
    assert module_title("m3-society", "fr") == "Module 3 · Impact sur la société"
    with pytest.raises(ValueError, match="lang must be one of"):
        course_map_markdown(lang="nl")
