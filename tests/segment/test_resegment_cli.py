"""`hyperlink segment` again: the same spec keeps the windows, another replaces them and stales the index."""

import re


def test_resegmenting_replaces_the_windows_and_the_old_index_is_refused(cli, tmp_path):
    assert cli("demo", "--out", tmp_path / "demo", "--videos", "6", "--seed", "3")[0] == 0  # cuts 60/30 s snapped
    code, _, err = cli("segment", "--length", "60", "--stride", "30", "--snap")
    assert code == 0, err
    kept = re.search(r"segment: (\d+) windows of 60/30 s snapped to \d+ cues in 6 videos \(0 new\)", err)
    assert kept, err
    assert cli("train", "--model", "bidnn", "--text", "tfidf", "--visual", "demo-cnn", "--hidden", "16", "--rep", "8",
               "--epochs", "1")[0] == 0
    assert cli("index", "--model", "bidnn")[0] == 0
    assert cli("query", "anchor_1", "--model", "bidnn")[0] == 0

    code, _, err = cli("segment", "--length", "30", "--stride", "15")
    assert code == 0, err
    replaced = re.search(r"replaced (\d+) windows of 60/30 s snapped to \d+ cues with (\d+) windows of 30/15 s in 6 videos", err)
    assert replaced and replaced[1] == kept[1] and int(replaced[2]) > int(kept[1]), err
    assert "rebuild their indexes (`hyperlink index`)" in " ".join(err.split())

    # the model was trained on the replaced windows: refused, for querying and for indexing
    code, _, err = cli("query", "anchor_1", "--model", "bidnn")
    flat = " ".join(err.split())
    assert code == 5 and "was trained on windows cut with" in flat and "hyperlink train --name bidnn --replace" in flat
    assert cli("index", "--model", "bidnn")[0] == 5
    assert cli("train", "--model", "bidnn", "--text", "tfidf", "--visual", "demo-cnn", "--hidden", "16", "--rep", "8",
               "--epochs", "1", "--replace")[0] == 0
    # the model is current again; the index is not (built from the old windows and the old model)
    code, _, err = cli("query", "anchor_1", "--model", "bidnn")
    assert code == 5 and "stale" in err and "hyperlink index --model bidnn" in err
    assert cli("index", "--model", "bidnn")[0] == 0
    assert cli("query", "anchor_1", "--model", "bidnn")[0] == 0
