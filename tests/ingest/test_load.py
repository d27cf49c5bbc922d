"""Loading files into the store through the CLI: real collections, and bad input leaving the store as it was."""

import json

import pytest


def stats(cli):
    code, out, _ = cli("stats", "--json")
    assert code == 0
    return json.loads(out)["counts"]


@pytest.mark.data
def test_mediaeval_2014_collection_anchors_and_qrels(cli, shared):
    me = shared("mediaeval2014-linking")
    assert cli("ingest", "collection", me / "cAXES.txt", "--blacklist", me / "cAXES.blacklist.txt")[0] == 0
    assert cli("ingest", "anchors", me / "me14sh_linking_testSet_anchors.xml")[0] == 0
    code, _, err = cli("ingest", "qrels", me / "me14sh_linking_testSet.qrel")
    assert code == 0 and "40 judged span(s) end after their video's listed duration" in err
    counts = stats(cli)
    assert (counts["videos"], counts["anchors"], counts["judgments"]) == (3520, 48, 12340)
    assert counts["relevant"] == 1888 and counts["blacklisted"] == 50
    # idempotent: everything again adds nothing
    assert cli("ingest", "qrels", me / "me14sh_linking_testSet.qrel")[0] == 0
    assert cli("ingest", "collection", me / "cAXES.txt")[0] == 0
    assert stats(cli) == counts
    code, out, _ = cli("stats")
    assert "3,520" in out and "12,340" in out


@pytest.mark.data
def test_trecvid_2016_collection_and_anchors(cli, shared):
    tv = shared("trecvid2016-linking")
    assert cli("ingest", "collection", tv / "bliptv2.txt", "--blacklist", tv / "bliptv2.blacklist.txt")[0] == 0
    assert cli("ingest", "anchors", tv / "tv16hlk_test_anchors.xml")[0] == 0
    counts = stats(cli)
    assert (counts["videos"], counts["anchors"]) == (11482, 94)


@pytest.fixture
def small(cli, tmp_path):
    (tmp_path / "c.txt").write_text("v1 00:05:00\nv2 00:01:00\n")
    assert cli("ingest", "collection", tmp_path / "c.txt")[0] == 0
    (tmp_path / "a.csv").write_text("anchor_id,video,start,end\na1,v1,10,40\n")
    assert cli("ingest", "anchors", tmp_path / "a.csv")[0] == 0
    return tmp_path


BAD = {
    # name: (subcommand args builder, file name, content, expected message fragment)
    "negative time": ("transcripts", "t.jsonl", '{"video":"v1","start":1,"end":2,"text":"a"}\n{"video":"v1","start":-3,"end":2,"text":"b"}\n', "t.jsonl:2:"),
    "end before start": ("transcripts", "t.jsonl", '{"video":"v1","start":1,"end":2,"text":"a"}\n{"video":"v1","start":9,"end":5,"text":"b"}\n', "t.jsonl:2:"),
    "beyond duration": ("transcripts", "t.jsonl", '{"video":"v2","start":1,"end":2,"text":"a"}\n{"video":"v2","start":50,"end":75,"text":"b"}\n', "t.jsonl:2: cue ends at 75 s, beyond the end of video 'v2'"),
    "unknown video": ("transcripts", "t.jsonl", '{"video":"v1","start":1,"end":2,"text":"a"}\n{"video":"v9","start":1,"end":2,"text":"b"}\n', "t.jsonl:2: unknown video 'v9'"),
    "seconds over 59": ("qrels", "q.txt", "a1 Q0 v2 0.10 0.40 1\na1 Q0 v2 0.10 0.75 1\n", "q.txt:2:"),
    "unknown anchor": ("qrels", "q.txt", "a1 Q0 v2 0.10 0.40 1\nzz Q0 v2 0.10 0.40 1\n", "q.txt:2: unknown anchor 'zz'"),
    "truncated qrels line": ("qrels", "q.txt", "a1 Q0 v2 0.10 0.40 1\na1 Q0 v2 0.10\n", "q.txt:2:"),
    "not an anchor file": ("anchors", "x.xml", "<?xml version='1.0'?>\n<videos><video>v1</video></videos>\n", "x.xml"),
    "duplicate ids": ("collection", "c2.txt", "v7 00:01:00\nv7 00:02:00\n", "c2.txt:2:"),
}


@pytest.mark.parametrize("case", sorted(BAD))
def test_bad_input_names_file_and_line_and_leaves_the_store_unchanged(case, cli, small):
    command, name, content, fragment = BAD[case]
    before = stats(cli)
    (small / name).write_text(content)
    code, _, err = cli("ingest", command, small / name)
    assert code == 3, err
    assert fragment in err
    assert stats(cli) == before


def test_non_utf8_transcript(cli, small):
    (small / "v1.vtt").write_bytes(b"WEBVTT\n\n00:00:01.000 --> 00:00:02.000\nhello\n\n00:00:03.000 --> 00:00:04.000\ncaf\xe9\n")
    before = stats(cli)
    code, _, err = cli("ingest", "transcripts", small / "v1.vtt")
    assert code == 3 and "v1.vtt:7:" in err and "UTF-8" in err
    assert stats(cli) == before


def test_keyframes_wrong_length_and_nan(cli, small):
    (small / "k.csv").write_text("video,time,a,b,c\nv1,0,1,2,3\nv1,5,1,2\n")
    code, _, err = cli("ingest", "keyframes", small / "k.csv", "--space", "cnn")
    assert code == 3 and "k.csv:3:" in err
    (small / "k2.csv").write_text("video,time,a,b,c\nv1,0,1,2,3\nv1,5,1,nan,3\n")
    code, _, err = cli("ingest", "keyframes", small / "k2.csv", "--space", "cnn")
    assert code == 3 and "k2.csv:3:" in err
    assert stats(cli)["keyframes"] == 0


def test_reingesting_transcripts_adds_nothing(cli, small):
    (small / "v1.srt").write_text("1\n00:00:01,000 --> 00:00:04,000\nhello there\n\n2\n00:00:05,000 --> 00:00:08,500\nand more\n")
    assert cli("ingest", "transcripts", small / "v1.srt")[0] == 0
    assert cli("ingest", "transcripts", small / "v1.srt")[0] == 0
    assert stats(cli)["cues"] == 2


def test_libsvm_per_segment_vectors_record_missing_modalities(cli, small):
    (small / "segs.csv").write_text("video,start,end\nv1,0,60\nv1,30,90\nv2,0,50\n")
    # A = 2-d text, B = 3-d visual; line 2 lacks B, line 3 lacks A
    (small / "d.svm").write_text("7 1:0.5 2:-1 3:1 5:2\n8 1:0.25\n9 3:1 4:1 5:1\n")
    code, _, err = cli("ingest", "libsvm", small / "d.svm", "--segments", small / "segs.csv",
                       "--a-space", "w2v", "--a-dim", "2", "--b-space", "cnn", "--b-dim", "3")
    assert code == 0, err
    from hyperlink.store import Store

    m = Store.open(cli.db).segment_matrix("w2v", "cnn")
    assert m.has_text.tolist() == [True, True, False] and m.has_visual.tolist() == [True, False, True]
    assert m.text[0].tolist() == [0.5, -1.0] and m.visual[0].tolist() == [1.0, 0.0, 2.0]
    before = stats(cli)
    (small / "short.csv").write_text("video,start,end\nv1,0,60\n")
    code, _, err = cli("ingest", "libsvm", small / "d.svm", "--segments", small / "short.csv",
                       "--a-space", "w2v", "--a-dim", "2", "--b-space", "cnn", "--b-dim", "3")
    assert code == 3 and "the segment table has 1 rows but d.svm has 3" in err
    assert stats(cli) == before


def test_segment_vectors_npy(cli, small):
    import numpy as np

    (small / "segs.csv").write_text("video,start,end\nv1,0,60\nv2,0,50\n")
    np.save(small / "w.npy", np.array([[1, 2], [0, 0]], np.float32))
    code, _, err = cli("ingest", "segment-vectors", small / "w.npy", "--segments", small / "segs.csv",
                       "--space", "w2v", "--modality", "text")
    assert code == 0, err
    code, out, _ = cli("stats", "--json")
    (space,) = json.loads(out)["feature_spaces"]
    assert (space["space"], space["segments"], space["segments_total"]) == ("w2v", 1, 2)


def test_spans_take_features_from_pre_cut_segments_when_there_are_no_cues(cli, small):
    import numpy as np

    from hyperlink.segment import span_features
    from hyperlink.types import Span
    from hyperlink.store import Store

    (small / "segs.csv").write_text("video,start,end\nv1,0,60\nv1,60,120\n")
    np.save(small / "w.npy", np.array([[1, 0], [0, 1]], np.float32))
    assert cli("ingest", "segment-vectors", small / "w.npy", "--segments", small / "segs.csv",
               "--space", "w2v", "--modality", "text")[0] == 0
    text, has_text, _, has_visual = span_features(Store.open(cli.db), Span("v1", 30, 120), "w2v", None)
    assert has_text and not has_visual
    np.testing.assert_allclose(text, [1 / 3, 2 / 3])  # 30 s of the first segment, 60 s of the second
