"""The examples in the package's docstrings run and say what they show."""

from __future__ import annotations

import doctest
import importlib
import pkgutil

import pytest

import werkwijzer_geo

MODULES = sorted(info.name for info in pkgutil.iter_modules(werkwijzer_geo.__path__)
                 if info.name != "__main__")


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples_run(name):
    module = importlib.import_module(f"werkwijzer_geo.{name}")
    failed, _ = doctest.testmod(module, optionflags=doctest.ELLIPSIS)
    assert failed == 0
