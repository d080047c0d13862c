"""The examples in the package's docstrings run and say what they show."""

from __future__ import annotations

import doctest
import importlib
import pkgutil

import pytest

import werkwijzer_geo

MODULES = sorted(info.name for info in pkgutil.walk_packages(werkwijzer_geo.__path__,
                                                             "werkwijzer_geo.")
                 if not info.name.endswith("__main__"))


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples_run(name):
    module = importlib.import_module(name)
    failed, _ = doctest.testmod(module, optionflags=doctest.ELLIPSIS)
    assert failed == 0


def _missing_numpydoc() -> list[str]:
    """Public functions of the package whose docstring lacks a numpydoc section it needs."""
    import ast
    from pathlib import Path

    missing = []
    for path in sorted(Path(werkwijzer_geo.__path__[0]).rglob("*.py")):
        for node in ast.parse(path.read_text(encoding="utf-8")).body:
            if not isinstance(node, ast.FunctionDef) or node.name.startswith("_"):
                continue
            doc = ast.get_docstring(node) or ""
            needs = ["Examples"]
            if node.args.args or node.args.kwonlyargs:
                needs.append("Parameters")
            if not (isinstance(node.returns, ast.Constant) and node.returns.value is None):
                needs.append("Returns")
            missing += [f"{path.name}:{node.name} {section}" for section in needs
                        if f"{section}\n{'-' * len(section)}" not in doc]
    return missing


def test_every_public_function_has_numpydoc_with_an_example():
    missing = _missing_numpydoc()
    assert not missing, missing
