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


def test_the_readme_python_example_runs_on_the_demo_files(tmp_path, monkeypatch):
    """The README's "From Python" block, executed as written, on a small synthetic demo."""
    import re
    from pathlib import Path

    from hyperlink.demo import DemoSpec, generate_demo

    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text()
    section = readme[readme.index("## From Python"):]
    code = re.search(r"```python\n(.*?)```", section, re.S).group(1)
    files = generate_demo(tmp_path, DemoSpec(videos=6, seed=1))
    assert {f.name for f in vars(files).values()} >= {"collection.txt", "transcripts.jsonl", "keyframes.npy",
                                                        "keyframes.csv", "anchors.xml"}
    monkeypatch.chdir(tmp_path)
    exec(compile(code, "README.md", "exec"), {})
    run = (tmp_path / "run.txt").read_text().splitlines()
    assert run and all(len(line.split()) == 8 for line in run)
