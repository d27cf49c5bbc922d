"""The JSON API: the same hits as `hyperlink query --json`, judgments and the qrels export, clean 4xx errors."""

from __future__ import annotations

import json

import pytest

from hyperlink.evaluate.trec import read_qrels

from .conftest import cli


def test_api_targets_equal_query_json_for_every_anchor(demo, client_of):
    client = client_of(demo)
    anchors = client.get("/api/anchors").json()
    assert [a["id"] for a in anchors] == [f"anchor_{i}" for i in range(1, len(anchors) + 1)]
    assert len(anchors) == 8
    for model, k in (("tiny", 10), ("text", 4)):
        for a in anchors:
            code, out, err = cli("--db", demo.db, "query", a["id"], "--model", model, "-k", k, "--json")
            assert code == 0, err
            api = client.get(f"/api/anchors/{a['id']}/targets", params={"model": model, "k": k})
            assert api.status_code == 200
            assert api.json() == json.loads(out)
            assert len(api.json()["hits"]) == k


def test_anchor_list_gives_ids_videos_and_spans(demo, client_of):
    from hyperlink.store import Store

    with Store.open(demo.db, create=False) as store:
        expected = {a.id: (a.video, a.start, a.end) for a in store.anchors()}
    got = {a["id"]: (a["video"], a["start"], a["end"]) for a in client_of(demo).get("/api/anchors").json()}
    assert got == expected


@pytest.mark.parametrize("url,status,words", [
    ("/api/anchors/anchor_1/targets?model=nope", 400, "unknown model 'nope'"),
    ("/api/anchors/no-such/targets?model=tiny", 404, "no anchor 'no-such'"),
    ("/api/anchors/anchor_1/targets?model=tiny&k=0", 422, "k"),
    ("/api/anchors/anchor_1/targets?model=tiny&k=abc", 422, "abc"),
    ("/api/anchors/anchor_1/targets?model=tiny&k=1001", 422, "1000"),
    ("/api/nothing-here", 404, "no such page"),
])
def test_bad_parameters_are_4xx_json_with_a_message(demo, client_of, url, status, words):
    r = client_of(demo).get(url)
    assert r.status_code == status
    body = r.json()
    assert words in body["error"] and body["status"] == status
    assert "Traceback" not in r.text


def test_a_judgment_changes_the_exported_qrels(demo_copy, client_of):
    client = client_of(demo_copy, assess=True)
    before = client.get("/api/qrels").text
    hit = client.get("/api/anchors/anchor_2/targets", params={"model": "tiny", "k": 10}).json()["hits"]
    unjudged = next(h for h in hit if h["relevant"] is None)
    r = client.post("/api/judgments", json={"anchor": "anchor_2", "video": unjudged["video"],
                                           "start": unjudged["start"], "end": unjudged["end"], "rel": 1})
    assert r.status_code == 200, r.text
    after = client.get("/api/qrels").text
    added = set(after.splitlines()) - set(before.splitlines())
    from hyperlink.timecode import format_mss

    assert added == {f"anchor_2 Q0 {unjudged['video']} {format_mss(unjudged['start'])} {format_mss(unjudged['end'])} 1"}
    assert len(after.splitlines()) == len(before.splitlines()) + 1
    # the export is an official qrels file the evaluator reads back
    (demo_copy.root / "exported.qrels").write_text(after)
    assert len(read_qrels(demo_copy.root / "exported.qrels").items) == len(after.splitlines())
    # the target is now relevant in the API's answer
    again = client.get("/api/anchors/anchor_2/targets", params={"model": "tiny", "k": 10}).json()["hits"]
    assert next(h for h in again if h["rank"] == unjudged["rank"])["relevant"] == 1
    # judging the same span again the same way changes nothing; the other way replaces the first
    span = {"anchor": "anchor_2", "video": unjudged["video"], "start": unjudged["start"], "end": unjudged["end"]}
    assert client.post("/api/judgments", json=span | {"rel": 1}).status_code == 200
    assert client.get("/api/qrels").text == after
    changed = client.post("/api/judgments", json=span | {"rel": 0})
    assert changed.status_code == 200 and changed.json()["rel"] == 0
    flipped = client.get("/api/qrels").text
    assert set(after.splitlines()) - set(flipped.splitlines()) == added
    assert {line[:-1] for line in set(flipped.splitlines()) - set(after.splitlines())} == {a[:-1] for a in added}
    assert len(flipped.splitlines()) == len(after.splitlines())
    # withdrawing it restores the qrels as they were; withdrawing again removes nothing
    gone = client.request("DELETE", "/api/judgments", json=span)
    assert gone.status_code == 200 and gone.json()["removed"] == 1
    assert client.get("/api/qrels").text == before
    assert client.request("DELETE", "/api/judgments", json=span).json()["removed"] == 0
    again = client.get("/api/anchors/anchor_2/targets", params={"model": "tiny", "k": 10}).json()["hits"]
    assert next(h for h in again if h["rank"] == unjudged["rank"])["relevant"] is None


def test_withdrawing_names_a_bad_request(demo_copy, client_of):
    client = client_of(demo_copy, assess=True)
    before = client.get("/api/qrels").text
    r = client.request("DELETE", "/api/judgments", json={"anchor": "nope", "video": "news0001", "start": 0, "end": 20})
    assert r.status_code == 404 and "nope" in r.json()["error"]  # an unknown anchor, as for its page
    r = client.request("DELETE", "/api/judgments", json={"anchor": "anchor_1", "video": "news0001", "start": "x", "end": 20})
    assert r.status_code == 400 and "seconds" in r.json()["error"]
    assert client_of(demo_copy).request("DELETE", "/api/judgments", json={"anchor": "anchor_1", "video": "news0001",
                                                                          "start": 0, "end": 20}).status_code == 400
    assert client.get("/api/qrels").text == before


@pytest.mark.parametrize("payload,words", [
    ({"anchor": "anchor_1", "video": "news0001", "start": 0, "end": 20}, "'rel' is missing"),
    ({"anchor": "anchor_1", "video": "news0001", "start": "x", "end": 20, "rel": 1}, "must be seconds"),
    ({"anchor": "anchor_1", "video": "news0001", "start": 0, "end": 20, "rel": 2}, "relevance must be 0 or 1"),
    ({"anchor": "nope", "video": "news0001", "start": 0, "end": 20, "rel": 1}, "unknown anchor 'nope'"),
    ({"anchor": "anchor_1", "video": "nope", "start": 0, "end": 20, "rel": 1}, "nope"),
    ({"anchor": "anchor_1", "video": "news0001", "start": 30, "end": 20, "rel": 1}, "end"),
])
def test_a_bad_judgment_is_refused_and_stores_nothing(demo_copy, client_of, payload, words):
    client = client_of(demo_copy, assess=True)
    before = client.get("/api/qrels").text
    r = client.post("/api/judgments", json=payload)
    assert r.status_code == 400 and words in r.json()["error"], r.text
    assert client.get("/api/qrels").text == before


def test_judging_needs_assessor_mode(demo_copy, client_of):
    client = client_of(demo_copy)
    r = client.post("/api/judgments", json={"anchor": "anchor_1", "video": "news0001", "start": 0, "end": 20, "rel": 1})
    assert r.status_code == 400 and "--assess" in r.json()["error"]


def test_serve_check_builds_the_app_and_exits(demo):
    code, _, err = cli("--db", demo.db, "serve", "--check", "--run", demo.run)
    assert code == 0 and "8 anchors" in err and "text-run" in err
    code, _, err = cli("--db", demo.db, "serve", "--check", "--host", "not a host")
    assert code == 3 and "--host" in err
    code, _, err = cli("--db", demo.db, "serve", "--check", "--model", "nope")
    assert code == 4 and "no model named 'nope'" in err
