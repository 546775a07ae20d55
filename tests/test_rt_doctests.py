"""The examples in the aimed.rt docstrings run and give what they say."""

from __future__ import annotations

import doctest
import importlib

import pytest

MODULES = ["aimed.rt", "aimed.rt.phantoms", "aimed.rt.beams", "aimed.rt.dose",
           "aimed.rt.metrics", "aimed.rt.planning", "aimed.rt.contouring",
           "aimed.rt.uncertainty", "aimed.rt.kbp"]


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name):
    result = doctest.testmod(importlib.import_module(name), optionflags=doctest.ELLIPSIS)
    assert result.failed == 0 and result.attempted > 0
