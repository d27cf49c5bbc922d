"""The library facade: every public name resolves, and `import hyperlink` stays light."""

import subprocess
import sys

import hyperlink


def test_every_public_name_resolves():
    for name in hyperlink.__all__:
        assert getattr(hyperlink, name) is not None, name


def test_unknown_name_is_an_attribute_error():
    try:
        hyperlink.no_such_thing
    except AttributeError as exc:
        assert "no_such_thing" in str(exc)
    else:
        raise AssertionError("expected AttributeError")


def test_import_does_not_load_torch_or_faiss():
    code = "import sys, hyperlink; print('torch' in sys.modules, 'faiss' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.split() == ["False", "False"]
