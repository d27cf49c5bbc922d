"""Every docstring example in the package runs and holds (formulas, time notations, rules)."""

import doctest
import importlib
import pkgutil

import pytest

import hyperlink

SKIP = {"hyperlink.__main__"}
MODULES = sorted(m.name for m in pkgutil.walk_packages(hyperlink.__path__, "hyperlink.") if m.name not in SKIP)
# Modules whose docstrings promise worked examples: they must keep having some.
WITH_EXAMPLES = {"hyperlink.timecode", "hyperlink.types", "hyperlink.segment.windows", "hyperlink.segment.aggregate",
                 "hyperlink.index.search_index", "hyperlink.index.plan", "hyperlink.index.recall",
                 "hyperlink.evaluate.documents", "hyperlink.evaluate.maisp", "hyperlink.evaluate.measures",
                 "hyperlink.evaluate.relevance", "hyperlink.evaluate.significance"}


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name):
    result = doctest.testmod(importlib.import_module(name))
    assert result.failed == 0
    if name in WITH_EXAMPLES:
        assert result.attempted > 0
