"""Every example in aimed's docstrings runs and prints what it says."""

from __future__ import annotations

import doctest
import importlib
import pkgutil

import pytest

import aimed

MODULES = sorted(info.name for info in pkgutil.walk_packages(aimed.__path__, "aimed."))


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name):
    module = importlib.import_module(name)
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS, report=False)
    assert result.failed == 0, f"{result.failed} docstring example(s) of {name} failed"


def test_the_library_teaches_by_example():
    # The public faces of the library each show at least one runnable example.
    for name in ["aimed.feedback", "aimed.data", "aimed.evaluate", "aimed.imaging", "aimed.signals",
                 "aimed.rt", "aimed.icu", "aimed.survival", "aimed.epistemics.causal"]:
        assert doctest.testmod(importlib.import_module(name), report=False,
                               optionflags=doctest.ELLIPSIS).attempted > 0, name
