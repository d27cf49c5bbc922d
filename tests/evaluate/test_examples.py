"""The formula examples in the evaluate modules' docstrings run and hold."""

import doctest
import importlib

import pytest

MODULES = ["documents", "maisp", "measures", "relevance", "significance"]


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name):
    module = importlib.import_module(f"hyperlink.evaluate.{name}")
    result = doctest.testmod(module)
    assert result.attempted > 0 and result.failed == 0
