"""End to end through the CLI on a small synthetic collection: demo -> train -> index -> query -> run -> evaluate."""

import json

import pytest


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    from hyperlink.cli import main

    root = tmp_path_factory.mktemp("pipeline")
    db = str(root / "store.db")
    assert main(["-q", "--db", db, "demo", "--out", str(root / "demo"), "--videos", "10", "--seed", "2"]) == 0
    assert main(["-q", "--db", db, "train", "--model", "bidnn", "--text", "tfidf", "--visual", "demo-cnn",
                 "--hidden", "32", "--rep", "16", "--epochs", "1", "--curve", str(root / "curve.png")]) == 0
    assert main(["-q", "--db", db, "index", "--model", "bidnn"]) == 0
    return root, db


def test_one_epoch_smoke_train_recorded(demo, cli):
    root, db = demo
    code, out, _ = cli("models", "--json", db_path=db)
    (model,) = json.loads(out)
    assert model["kind"] == "bidnn" and model["config"]["metrics"]["epochs_run"] == 1
    assert (root / "models" / "bidnn.safetensors").is_file() and (root / "curve.png").is_file()


def test_query_forms(demo, cli):
    _, db = demo
    code, out, err = cli("query", "anchor_1", "--model", "bidnn", "-k", "5", "--json", db_path=db)
    assert code == 0, err
    hits = json.loads(out)["hits"]
    assert [h["rank"] for h in hits] == [1, 2, 3, 4, 5]
    assert all(10 <= h["end"] - h["start"] <= 120 for h in hits)
    assert cli("query", "news0001@0:01:00-0:02:00", "--model", "bidnn", db_path=db)[0] == 0
    assert cli("query", "1", "--model", "bidnn", "--trec", db_path=db)[0] == 0
    code, _, err = cli("query", "nope@1-2", "--model", "bidnn", db_path=db)
    assert code == 3 and "unknown video 'nope'" in err


def test_run_is_complete_deterministic_and_evaluates(demo, cli, tmp_path):
    root, db = demo
    for name in ("a.txt", "b.txt"):
        code, _, err = cli("run", "--model", "bidnn", "--out", tmp_path / name, "-k", "50", "--name", "smoke", db_path=db)
        assert code == 0, err
    a = (tmp_path / "a.txt").read_text()
    assert a == (tmp_path / "b.txt").read_text()
    anchors = {line.split()[0] for line in a.splitlines()}
    assert len(anchors) == 36
    code, out, err = cli("evaluate", root / "demo" / "qrels.txt", tmp_path / "a.txt", "--json")
    assert code == 0, err
    scores = json.loads(out)["runs"][0]["all"]
    assert scores["num_q"] == 36 and 0 <= scores["P_10"] <= 1


def test_stale_index_is_refused(demo, cli, tmp_path):
    import shutil

    root, db = demo
    stale_db = str(tmp_path / "store.db")
    for suffix in ("", "-wal", "-shm"):  # WAL mode: recent commits may still be in the -wal file
        if (root / f"store.db{suffix}").exists():
            shutil.copy(root / f"store.db{suffix}", tmp_path / f"store.db{suffix}")
    if (root / "store.vectors").is_dir():  # the vector files beside the database
        shutil.copytree(root / "store.vectors", tmp_path / "store.vectors")
    shutil.copytree(root / "models", tmp_path / "models")
    shutil.copytree(root / "indexes", tmp_path / "indexes")
    assert cli("query", "anchor_1", "--model", "bidnn", db_path=stale_db)[0] == 0
    # the same cut with the same vectors changes nothing: the index stays current
    assert cli("segment", "--length", "60", "--stride", "30", "--snap", db_path=stale_db)[0] == 0
    assert cli("query", "anchor_1", "--model", "bidnn", db_path=stale_db)[0] == 0
    # text re-encoded with another seed, the same cut again: the windows stay, their vectors change
    assert cli("encode-text", "--dim", "64", "--seed", "7", db_path=stale_db)[0] == 0
    assert cli("segment", "--length", "60", "--stride", "30", "--snap", db_path=stale_db)[0] == 0
    code, _, err = cli("query", "anchor_1", "--model", "bidnn", db_path=stale_db)
    assert code == 5 and "the index is stale (store_fingerprint" in err and "hyperlink index --model bidnn" in err
    code, _, err = cli("index", "--model", "bidnn", "--update", db_path=stale_db)
    assert code == 0, err
    assert cli("query", "anchor_1", "--model", "bidnn", db_path=stale_db)[0] == 0
